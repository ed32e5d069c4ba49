/*
 * vfs_syscalls.c — system calls that open, create and remove names:
 * open/openat/creat, mkdir, mknod, symlink, link, unlink/rmdir, readlink,
 * truncate/ftruncate, fallocate, fsync/fdatasync.  rename and the
 * directory calls live in vfs_dir.c, attributes in vfs_attr.c.
 *
 * Each call resolves its path with pathop_begin() (vfs_lock held from
 * there to pathop_end()), applies the VFS's checks in Linux's order of
 * errors, and calls one vnode operation.  Opening ends outside vfs_lock:
 * vn_open_file() may block (FIFOs) and takes the locks it needs itself.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "vfs/vfs_path.h"

static mode_t
proc_umask(struct proc *p)
{
	mode_t m;

	pthread_mutex_lock(&p->p_mtx);
	m = p->p_umask;
	pthread_mutex_unlock(&p->p_mtx);
	return m;
}

/* Group of a new object: a setgid directory hands down its group. */
static gid_t
newobj_gid(struct vnode *dvp, const struct cred *c)
{
	return (dvp->v_mode & S_ISGID) ? dvp->v_gid : c->egid;
}

/*
 * Mode bits of a new object: new directories inherit setgid; a file made
 * group-executable and setgid in a setgid directory of a group the
 * caller is not in loses setgid (Linux's mode_strip_sgid).
 */
static mode_t
newobj_mode(struct vnode *dvp, const struct cred *c, mode_t mode)
{
	if (S_ISDIR(mode)) {
		if (dvp->v_mode & S_ISGID)
			mode |= S_ISGID;
		return mode;
	}
	if ((mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) &&
	    (dvp->v_mode & S_ISGID) && !cred_isroot(c) &&
	    !cred_groupmember(c, dvp->v_gid))
		mode &= ~S_ISGID;
	return mode;
}

/*
 * Creates ni_name in ni_dvp (NI_PARENT lookup).  A trailing slash is
 * only fine for directories.  Returns the new vnode referenced if vpp.
 */
static int
create_at(struct pathop *po, mode_t mode, dev_t rdev, const char *target,
    struct vnode **vpp)
{
	struct nameidata *nd = &po->po_nd;
	struct vnode *dvp = nd->ni_dvp, *vp;
	int err;

	if (nd->ni_vp != NULL || namei_isdot(nd->ni_name))
		return -EEXIST;
	if (nd->ni_trailslash && !S_ISDIR(mode))
		return -ENOENT;
	if (vn_rdonly(dvp))
		return -EROFS;
	if ((err = vn_maycreate(dvp, &po->po_cred)) != 0)
		return err;
	if ((S_ISCHR(mode) || S_ISBLK(mode)) && !cred_isroot(&po->po_cred))
		return -EPERM;
	mode = newobj_mode(dvp, &po->po_cred, mode);
	err = dvp->v_op->vop_create(dvp, nd->ni_name, mode, po->po_cred.euid,
	    newobj_gid(dvp, &po->po_cred), rdev, target, &vp);
	if (err != 0)
		return err;
	if (vpp != NULL)
		*vpp = vp;
	else
		vrele_locked(vp);
	return 0;
}

/* --- open ------------------------------------------------------------------ */

/* O_TRUNC: size 0 and new times, as Linux's do_truncate on open. */
static int
open_truncate(struct vnode *vp)
{
	struct vattr va = { .va_mask = VA_SIZE | VA_MTIME | VA_CTIME };

	vfs_now(&va.va_mtime);
	va.va_ctime = va.va_mtime;
	return vp->v_op->vop_setattr(vp, &va);
}

/* Checks an existing object against the open flags (Linux's may_open). */
static int
open_check(struct vnode *vp, const struct cred *c, int flags)
{
	int acc = 0, err;

	if (flags & O_PATH)
		return 0;
	if (vp->v_type == VLNK)
		return -ELOOP;
	if ((flags & O_ACCMODE) != O_WRONLY)
		acc |= R_OK;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		acc |= W_OK;
	if (vp->v_type == VDIR && (acc & W_OK))
		return -EISDIR;
	if ((err = vn_access(vp, c, acc)) != 0)
		return err;
	if (vp->v_type == VSOCK)
		return -ENXIO;
	if ((flags & O_TRUNC) && vp->v_type == VREG)
		return open_truncate(vp);
	return 0;
}

/* O_CREAT after an NI_PARENT lookup: the object, found or made. */
static int
open_create(struct pathop *po, int flags, mode_t mode, mode_t umask,
    struct vnode **vpp, bool *created)
{
	struct nameidata *nd = &po->po_nd;
	int err;

	*created = false;
	if (nd->ni_trailslash || namei_isdot(nd->ni_name))
		return -EISDIR;
	if (nd->ni_vp != NULL) {
		if (flags & O_EXCL)
			return -EEXIST;
		if (nd->ni_vp->v_type == VLNK)
			return -ELOOP;		/* O_NOFOLLOW */
		if (nd->ni_vp->v_type == VDIR)
			return -EISDIR;
		*vpp = nd->ni_vp;
		nd->ni_vp = NULL;
		return 0;
	}
	mode = S_IFREG | (mode & 07777 & ~umask);
	err = create_at(po, mode, 0, NULL, vpp);
	if (err == 0)
		*created = true;
	return err;
}

/* Looks up or creates the object and checks it; vp comes back referenced. */
static int
open_lookup(struct pathop *po, int dirfd, const char *path, int flags,
    mode_t mode, struct vnode **vpp)
{
	mode_t umask = proc_umask(po->po_proc);
	int niflags = 0, err;
	bool created = false;

	if (!(flags & O_NOFOLLOW))
		niflags |= NI_FOLLOW;
	if (flags & O_CREAT) {
		niflags |= NI_PARENT;
		if (flags & O_EXCL)
			niflags &= ~NI_FOLLOW;
	} else if (flags & O_DIRECTORY)
		niflags |= NI_MUSTDIR;
	if ((err = pathop_begin(po, dirfd, path, niflags)) != 0)
		return err;
	*vpp = NULL;
	if (flags & O_CREAT)
		err = open_create(po, flags, mode, umask, vpp, &created);
	else {
		*vpp = po->po_nd.ni_vp;
		po->po_nd.ni_vp = NULL;
	}
	if (err == 0 && !created)
		err = open_check(*vpp, &po->po_cred, flags);
	if (err != 0 && *vpp != NULL) {
		vrele_locked(*vpp);
		*vpp = NULL;
	}
	pathop_end(po);
	return err;
}

static long
do_open(int dirfd, const char *path, int flags, mode_t mode)
{
	struct pathop po;
	struct vnode *vp;
	struct file *fp;
	int err, fd;

	if (flags & O_TMPFILE & ~O_DIRECTORY) {
		if ((flags & (O_TMPFILE | O_CREAT)) != O_TMPFILE ||
		    (flags & O_ACCMODE) == O_RDONLY)
			return -EINVAL;
		return -EOPNOTSUPP;	/* no unnamed files in tmpfs yet */
	}
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
		return -EINVAL;
	pathop_init(&po);
	err = open_lookup(&po, dirfd, path, flags, mode, &vp);
	if (err != 0)
		return err;
	err = vn_open_file(vp, flags & ~(O_CREAT | O_EXCL | O_TRUNC |
	    O_CLOEXEC | O_NOCTTY), &fp);
	if (err != 0) {
		vrele(vp);
		return err;
	}
	fd = fd_alloc(po.po_proc, fp, 0, (flags & O_CLOEXEC) != 0);
	file_rele(fp);
	return fd;
}

long
sys_open(const char *path, int flags, mode_t mode)
{
	return do_open(AT_FDCWD, path, flags, mode);
}

long
sys_openat(int dirfd, const char *path, int flags, mode_t mode)
{
	return do_open(dirfd, path, flags, mode);
}

long
sys_creat(const char *path, mode_t mode)
{
	return do_open(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

/* --- mkdir, mknod, symlink ----------------------------------------------------- */

long
sys_mkdirat(int dirfd, const char *path, mode_t mode)
{
	struct pathop po;
	int err;

	pathop_init(&po);
	mode = S_IFDIR | (mode & (0777 | S_ISVTX) & ~proc_umask(po.po_proc));
	if ((err = pathop_begin(&po, dirfd, path, NI_PARENT)) != 0)
		return err;
	err = create_at(&po, mode, 0, NULL, NULL);
	pathop_end(&po);
	return err;
}

long
sys_mkdir(const char *path, mode_t mode)
{
	return sys_mkdirat(AT_FDCWD, path, mode);
}

long
sys_mknodat(int dirfd, const char *path, mode_t mode, dev_t dev)
{
	struct pathop po;
	int err;

	switch (mode & S_IFMT) {
	case 0:
		mode |= S_IFREG;
		break;
	case S_IFREG: case S_IFCHR: case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		break;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	pathop_init(&po);
	mode = (mode & S_IFMT) | (mode & 07777 & ~proc_umask(po.po_proc));
	if ((err = pathop_begin(&po, dirfd, path, NI_PARENT)) != 0)
		return err;
	if (!S_ISCHR(mode) && !S_ISBLK(mode))
		dev = 0;
	err = create_at(&po, mode, dev, NULL, NULL);
	pathop_end(&po);
	return err;
}

long
sys_mknod(const char *path, mode_t mode, dev_t dev)
{
	return sys_mknodat(AT_FDCWD, path, mode, dev);
}

long
sys_symlinkat(const char *target, int newdirfd, const char *linkpath)
{
	struct pathop po;
	size_t len = strnlen(target, PATH_MAX);
	int err;

	if (len == 0)
		return -ENOENT;
	if (len == PATH_MAX)
		return -ENAMETOOLONG;
	pathop_init(&po);
	if ((err = pathop_begin(&po, newdirfd, linkpath, NI_PARENT)) != 0)
		return err;
	err = create_at(&po, S_IFLNK | 0777, 0, target, NULL);
	pathop_end(&po);
	return err;
}

long
sys_symlink(const char *target, const char *linkpath)
{
	return sys_symlinkat(target, AT_FDCWD, linkpath);
}

/* --- unlink, rmdir ------------------------------------------------------------- */

/* The name-type and trailing-slash errors of unlink and rmdir. */
static int
remove_nameerr(struct nameidata *nd, bool isdir)
{
	if (!isdir)
		return namei_isdot(nd->ni_name) ? -EISDIR : 0;
	if (strcmp(nd->ni_name, ".") == 0)
		return -EINVAL;
	if (strcmp(nd->ni_name, "..") == 0)
		return -ENOTEMPTY;
	if (strcmp(nd->ni_name, "/") == 0)
		return -EBUSY;
	return 0;
}

static int
do_remove(int dirfd, const char *path, bool isdir)
{
	struct pathop po;
	struct nameidata *nd = &po.po_nd;
	struct vnode *vp;
	int err;

	pathop_init(&po);
	if ((err = pathop_begin(&po, dirfd, path, NI_PARENT)) != 0)
		return err;
	vp = nd->ni_vp;
	if ((err = remove_nameerr(nd, isdir)) != 0)
		goto out;
	err = -EROFS;
	if (vn_rdonly(nd->ni_dvp))
		goto out;
	err = -ENOENT;
	if (vp == NULL)
		goto out;
	if (!isdir && nd->ni_trailslash) {
		err = vp->v_type == VDIR ? -EISDIR : -ENOTDIR;
		goto out;
	}
	err = vn_maydelete(nd->ni_dvp, vp, &po.po_cred, isdir);
	if (err == 0 && vp->v_mount != nd->ni_dvp->v_mount)
		err = -EBUSY;		/* a mount point */
	if (err == 0)
		err = nd->ni_dvp->v_op->vop_remove(nd->ni_dvp, nd->ni_name, vp);
out:
	pathop_end(&po);
	return err;
}

long
sys_unlinkat(int dirfd, const char *path, int flags)
{
	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	return do_remove(dirfd, path, (flags & AT_REMOVEDIR) != 0);
}

long
sys_unlink(const char *path)
{
	return do_remove(AT_FDCWD, path, false);
}

long
sys_rmdir(const char *path)
{
	return do_remove(AT_FDCWD, path, true);
}

/* --- link ------------------------------------------------------------------ */

/*
 * fs.protected_hardlinks (on by default): someone who does not own the
 * file may link only a regular, non-set-id file they can read and write.
 */
static int
link_protected(struct vnode *vp, const struct cred *c)
{
	if (cred_isroot(c) || c->euid == vp->v_uid)
		return 0;
	if (vp->v_type != VREG || (vp->v_mode & S_ISUID) ||
	    (vp->v_mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP) ||
	    vn_access(vp, c, R_OK | W_OK) != 0)
		return -EPERM;
	return 0;
}

/* Links the object of fnd under tnd's name, Linux's order of errors. */
static int
link_vnodes(struct nameidata *fnd, struct nameidata *tnd,
    const struct cred *c)
{
	struct vnode *vp = fnd->ni_vp, *dvp = tnd->ni_dvp;
	int err;

	if (tnd->ni_vp != NULL || namei_isdot(tnd->ni_name))
		return -EEXIST;
	if (tnd->ni_trailslash)
		return -ENOENT;
	if (vn_rdonly(dvp))
		return -EROFS;
	if (vp->v_mount != dvp->v_mount)
		return -EXDEV;
	if ((err = link_protected(vp, c)) != 0)
		return err;
	if ((err = vn_maycreate(dvp, c)) != 0)
		return err;
	if (vp->v_type == VDIR)
		return -EPERM;
	if (vp->v_nlink == 0)
		return -ENOENT;
	return dvp->v_op->vop_link(dvp, tnd->ni_name, vp);
}

/*
 * Linking a descriptor's file (AT_EMPTY_PATH, empty path) needs
 * CAP_DAC_READ_SEARCH or the credentials the file was opened with, so
 * that a descriptor passed to someone does not let them make names.
 */
static int
link_emptyok(struct pathop *po, const char *oldpath)
{
	const struct cred *o, *c = &po->po_cred;

	if (oldpath[0] != '\0' || po->po_dirfp == NULL || cred_isroot(c))
		return 0;
	o = &po->po_dirfp->f_cred;
	if (o->uid == c->uid && o->euid == c->euid && o->gid == c->gid &&
	    o->egid == c->egid)
		return 0;
	return -ENOENT;
}

long
sys_linkat(int olddirfd, const char *oldpath, int newdirfd,
    const char *newpath, int flags)
{
	struct pathop po;
	struct nameidata tnd;
	struct file *tdfp;
	int niflags = 0, err;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	pathop_init(&po);
	if (flags & AT_EMPTY_PATH)
		niflags |= NI_EMPTYPATH;
	if (flags & AT_SYMLINK_FOLLOW)
		niflags |= NI_FOLLOW;
	err = namei_getdir(po.po_proc, newdirfd, newpath, 0, &tdfp);
	if (err != 0)
		return err;
	if ((err = pathop_begin(&po, olddirfd, oldpath, niflags)) == 0) {
		err = link_emptyok(&po, oldpath);
		if (err == 0)
			err = namei_from(po.po_proc, &po.po_cred,
			    namei_dirvp(tdfp), newpath, NI_PARENT, &tnd);
		if (err == 0) {
			err = link_vnodes(&po.po_nd, &tnd, &po.po_cred);
			namei_done(&tnd);
		}
		pathop_end(&po);
	}
	if (tdfp != NULL)
		file_rele(tdfp);
	return err;
}

long
sys_link(const char *oldpath, const char *newpath)
{
	return sys_linkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

/* --- readlink ---------------------------------------------------------------- */

long
sys_readlinkat(int dirfd, const char *path, char *buf, size_t bufsiz)
{
	struct pathop po;
	struct vnode *vp;
	long rv;

	if (bufsiz == 0 || bufsiz > INT_MAX)
		return -EINVAL;
	pathop_init(&po);
	if ((rv = pathop_begin(&po, dirfd, path, NI_EMPTYPATH)) != 0)
		return rv;
	vp = po.po_nd.ni_vp;
	if (vp->v_type != VLNK)
		rv = path[0] == '\0' ? -ENOENT : -EINVAL;
	else
		rv = vp->v_op->vop_readlink(vp, buf, bufsiz);
	pathop_end(&po);
	return rv;
}

long
sys_readlink(const char *path, char *buf, size_t bufsiz)
{
	return sys_readlinkat(AT_FDCWD, path, buf, bufsiz);
}

/* --- truncate, fallocate, fsync ---------------------------------------------- */

/* vfs_lock held; times changes only when the size does (tmpfs, Linux) */
static int
vn_truncate(struct vnode *vp, off_t len, bool always_touch)
{
	struct vattr va = { .va_mask = VA_SIZE, .va_size = len };

	if (always_touch || len != vp->v_size) {
		va.va_mask |= VA_MTIME | VA_CTIME;
		vfs_now(&va.va_mtime);
		va.va_ctime = va.va_mtime;
	}
	return vp->v_op->vop_setattr(vp, &va);
}

long
sys_truncate(const char *path, off_t length)
{
	struct pathop po;
	struct vnode *vp;
	int err;

	if (length < 0)
		return -EINVAL;
	pathop_init(&po);
	if ((err = pathop_begin(&po, AT_FDCWD, path, NI_FOLLOW)) != 0)
		return err;
	vp = po.po_nd.ni_vp;
	if (vp->v_type == VDIR)
		err = -EISDIR;
	else if (vp->v_type != VREG)
		err = -EINVAL;
	else if ((err = vn_access(vp, &po.po_cred, W_OK)) == 0)
		err = vn_truncate(vp, length, false);
	pathop_end(&po);
	return err;
}

/* fd's file if it is a real (not O_PATH) open file, else NULL */
static struct file *
getfile_nopath(struct proc *p, int fd)
{
	struct file *fp = fd_getfile(p, fd);

	if (fp != NULL && (atomic_load(&fp->f_flag) & O_PATH)) {
		file_rele(fp);
		fp = NULL;
	}
	return fp;
}

long
sys_ftruncate(int fd, off_t length)
{
	struct file *fp;
	struct vnode *vp;
	int err = -EINVAL;

	if (length < 0)
		return -EINVAL;
	if ((fp = getfile_nopath(curproc(), fd)) == NULL)
		return -EBADF;
	vp = fp->f_vnode;
	if (fp->f_type == FT_VNODE && vp != NULL && vp->v_type == VREG &&
	    FWRITE(fp)) {
		VFS_LOCK();
		err = vn_truncate(vp, length, true);
		VFS_UNLOCK();
	}
	file_rele(fp);
	return err;
}

long
sys_fallocate(int fd, int mode, off_t offset, off_t len)
{
	struct file *fp;
	struct vnode *vp;
	int err;

	if (offset < 0 || len <= 0)
		return -EINVAL;
	if (mode != 0)
		return -EOPNOTSUPP;	/* only plain reservation */
	if ((fp = getfile_nopath(curproc(), fd)) == NULL)
		return -EBADF;
	vp = fp->f_vnode;
	if (!FWRITE(fp))
		err = -EBADF;
	else if (fp->f_type == FT_PIPE || (vp != NULL && vp->v_type == VFIFO))
		err = -ESPIPE;
	else if (vp != NULL && vp->v_type == VDIR)
		err = -EISDIR;
	else if (fp->f_type != FT_VNODE || vp == NULL || vp->v_type != VREG)
		err = -ENODEV;
	else if (offset > INT64_MAX - len)
		err = -EFBIG;
	else {
		VFS_LOCK();
		err = vp->v_op->vop_allocate(vp, offset, len);
		VFS_UNLOCK();
	}
	file_rele(fp);
	return err;
}

/*
 * tmpfs keeps everything in memory, so a file or directory is always as
 * durable as it gets; etfs files sync their host file (dev/etfs.c);
 * objects without a sync operation (pipes, other devices, sockets)
 * answer -EINVAL like Linux.
 */
static long
do_fsync(int fd)
{
	struct file *fp;
	int err = 0;

	if ((fp = getfile_nopath(curproc(), fd)) == NULL)
		return -EBADF;
	if (fp->f_type == FT_DEV)
		err = etfs_fsync(fp);
	else if (fp->f_type != FT_VNODE || fp->f_vnode == NULL ||
	    (fp->f_vnode->v_type != VREG && fp->f_vnode->v_type != VDIR &&
	    fp->f_vnode->v_type != VLNK))
		err = -EINVAL;
	file_rele(fp);
	return err;
}

long
sys_fsync(int fd)
{
	return do_fsync(fd);
}

long
sys_fdatasync(int fd)
{
	return do_fsync(fd);
}
