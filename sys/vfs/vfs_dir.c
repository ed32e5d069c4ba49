/*
 * vfs_dir.c — system calls about directories and the name space's shape:
 * rename/renameat/renameat2, getdents64, chdir/fchdir/getcwd, chroot.
 *
 * rename resolves both parents under one hold of vfs_lock, so the checks
 * (types, loops, emptiness, permissions) and the file system's atomic
 * vop_rename see one consistent name space.  getcwd has no name cache to
 * read: it climbs with ".." and finds each name by scanning the parent's
 * entries for the child's inode number.
 *
 * The process's cwd and root change with vfs_lock held and then p_mtx
 * (lock order vfs_lock > p_mtx), which lets namei read them under
 * vfs_lock alone.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>
#include "vfs/vfs_path.h"

/* --- rename ------------------------------------------------------------------ */

/*
 * True if dir is anc or below it: climbs from dir by ".." until the root
 * of its file system (rename stays within one).
 */
static bool
is_ancestor(struct vnode *anc, struct vnode *dir)
{
	struct vnode *v = dir, *up;
	bool found = false;

	vref(v);
	for (;;) {
		if (v == anc) {
			found = true;
			break;
		}
		if (v == v->v_mount->mnt_root ||
		    v->v_op->vop_lookup(v, "..", &up) != 0)
			break;
		vrele_locked(v);
		if (up == v) {
			vrele_locked(up);
			return false;
		}
		v = up;
	}
	vrele_locked(v);
	return found;
}

/* The checks Linux's do_renameat2 makes before vfs_rename, in order. */
static int
rename_names(struct nameidata *f, struct nameidata *t, unsigned flags)
{
	struct vnode *fvp = f->ni_vp, *tvp = t->ni_vp;

	if (f->ni_dvp->v_mount != t->ni_dvp->v_mount)
		return -EXDEV;
	if (namei_isdot(f->ni_name))
		return -EBUSY;
	if (namei_isdot(t->ni_name))
		return (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
	if (vn_rdonly(f->ni_dvp))
		return -EROFS;
	if (fvp == NULL)
		return -ENOENT;
	if ((flags & RENAME_NOREPLACE) && tvp != NULL)
		return -EEXIST;
	if (flags & RENAME_EXCHANGE) {
		if (tvp == NULL)
			return -ENOENT;
		if (tvp->v_type != VDIR && t->ni_trailslash)
			return -ENOTDIR;
	}
	if (fvp->v_type != VDIR && (f->ni_trailslash ||
	    (!(flags & RENAME_EXCHANGE) && t->ni_trailslash)))
		return -ENOTDIR;
	if (f->ni_dvp != t->ni_dvp) {
		if (fvp->v_type == VDIR && is_ancestor(fvp, t->ni_dvp))
			return -EINVAL;
		if (tvp != NULL && tvp->v_type == VDIR &&
		    is_ancestor(tvp, f->ni_dvp))
			return (flags & RENAME_EXCHANGE) ? -EINVAL : -ENOTEMPTY;
	}
	return 0;
}

/* Linux's vfs_rename checks: permissions, types, mount points. */
static int
rename_perms(struct nameidata *f, struct nameidata *t, unsigned flags,
    const struct cred *c)
{
	struct vnode *fvp = f->ni_vp, *tvp = t->ni_vp;
	bool fdir = fvp->v_type == VDIR, tdir = tvp && tvp->v_type == VDIR;
	int err;

	if ((err = vn_maydelete(f->ni_dvp, fvp, c, fdir)) != 0)
		return err;
	if (tvp == NULL)
		err = vn_maycreate(t->ni_dvp, c);
	else
		err = vn_maydelete(t->ni_dvp, tvp, c,
		    (flags & RENAME_EXCHANGE) ? tdir : fdir);
	if (err != 0)
		return err;
	if (f->ni_dvp != t->ni_dvp) {
		/* a moved directory's ".." changes */
		if (fdir && (err = vn_access(fvp, c, W_OK)) != 0)
			return err;
		if ((flags & RENAME_EXCHANGE) && tdir &&
		    (err = vn_access(tvp, c, W_OK)) != 0)
			return err;
	}
	if (fvp->v_mount != f->ni_dvp->v_mount ||
	    (tvp != NULL && tvp->v_mount != t->ni_dvp->v_mount))
		return -EBUSY;
	return 0;
}

static int
rename_vnodes(struct nameidata *f, struct nameidata *t, unsigned flags,
    const struct cred *c)
{
	int err;

	if ((err = rename_names(f, t, flags)) != 0)
		return err;
	if (f->ni_vp == t->ni_vp)
		return 0;	/* same object: nothing to do (POSIX) */
	if ((err = rename_perms(f, t, flags, c)) != 0)
		return err;
	return f->ni_dvp->v_op->vop_rename(f->ni_dvp, f->ni_name, f->ni_vp,
	    t->ni_dvp, t->ni_name, t->ni_vp, flags);
}

long
sys_renameat2(int olddirfd, const char *oldpath, int newdirfd,
    const char *newpath, unsigned int flags)
{
	struct pathop po;
	struct nameidata tnd;
	struct file *tdfp;
	int err;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE))
		return -EINVAL;		/* RENAME_WHITEOUT included */
	if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE))
		return -EINVAL;
	pathop_init(&po);
	err = namei_getdir(po.po_proc, newdirfd, newpath, 0, &tdfp);
	if (err != 0)
		return err;
	if ((err = pathop_begin(&po, olddirfd, oldpath, NI_PARENT)) == 0) {
		err = namei_from(po.po_proc, &po.po_cred, namei_dirvp(tdfp),
		    newpath, NI_PARENT, &tnd);
		if (err == 0) {
			err = rename_vnodes(&po.po_nd, &tnd, flags,
			    &po.po_cred);
			namei_done(&tnd);
		}
		pathop_end(&po);
	}
	if (tdfp != NULL)
		file_rele(tdfp);
	return err;
}

long
sys_renameat(int olddirfd, const char *oldpath, int newdirfd,
    const char *newpath)
{
	return sys_renameat2(olddirfd, oldpath, newdirfd, newpath, 0);
}

long
sys_rename(const char *oldpath, const char *newpath)
{
	return sys_renameat2(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

/* --- getdents64 ----------------------------------------------------------------- */

long
sys_getdents64(int fd, void *dirp, size_t count)
{
	struct file *fp;
	struct vnode *vp;
	ssize_t n;
	off_t off;

	if ((fp = fd_getfile(curproc(), fd)) == NULL)
		return -EBADF;
	vp = fp->f_vnode;
	if (atomic_load(&fp->f_flag) & O_PATH)
		n = -EBADF;
	else if (fp->f_type != FT_VNODE || vp == NULL || vp->v_type != VDIR)
		n = -ENOTDIR;
	else {
		if (count > INT_MAX)
			count = INT_MAX;
		pthread_mutex_lock(&fp->f_offlock);
		VFS_LOCK();
		off = fp->f_offset;
		n = vp->v_op->vop_readdir(vp, dirp, count, &off);
		if (n >= 0)
			fp->f_offset = off;
		VFS_UNLOCK();
		pthread_mutex_unlock(&fp->f_offlock);
	}
	file_rele(fp);
	return n;
}

/* --- cwd and root ---------------------------------------------------------------- */

/* Installs vp (referenced; the reference moves) as p's cwd or root. */
static void
proc_setdir(struct proc *p, struct vnode *vp, bool root)
{
	struct vnode *old;

	pthread_mutex_lock(&p->p_mtx);
	if (root) {
		old = p->p_root;
		p->p_root = vp;
	} else {
		old = p->p_cwd;
		p->p_cwd = vp;
	}
	pthread_mutex_unlock(&p->p_mtx);
	if (old != NULL)
		vrele_locked(old);
}

/* chdir/chroot target check: a directory we may search (vfs_lock) */
static int
dir_checksearch(struct vnode *vp, const struct cred *c)
{
	if (vp->v_type != VDIR)
		return -ENOTDIR;
	return vn_access(vp, c, X_OK);
}

static int
do_chdir(const char *path, bool root)
{
	struct pathop po;
	int err;

	pathop_init(&po);
	err = pathop_begin(&po, AT_FDCWD, path, NI_FOLLOW | NI_MUSTDIR);
	if (err != 0)
		return err;
	err = dir_checksearch(po.po_nd.ni_vp, &po.po_cred);
	if (err == 0 && root && !cred_isroot(&po.po_cred))
		err = -EPERM;
	if (err == 0) {
		proc_setdir(po.po_proc, po.po_nd.ni_vp, root);
		po.po_nd.ni_vp = NULL;
	}
	pathop_end(&po);
	return err;
}

long
sys_chdir(const char *path)
{
	return do_chdir(path, false);
}

long
sys_chroot(const char *path)
{
	return do_chdir(path, true);
}

long
sys_fchdir(int fd)
{
	struct proc *p = curproc();
	struct cred cred;
	struct file *fp;
	struct vnode *vp;
	int err;

	proc_getcred(p, &cred);
	if ((fp = fd_getfile(p, fd)) == NULL)
		return -EBADF;
	vp = fp->f_vnode;
	VFS_LOCK();
	err = vp == NULL ? -ENOTDIR : dir_checksearch(vp, &cred);
	if (err == 0) {
		vref(vp);
		proc_setdir(p, vp, false);
	}
	VFS_UNLOCK();
	file_rele(fp);
	return err;
}

/* --- getcwd ----------------------------------------------------------------------- */

/*
 * Finds child's name in dir by scanning its entries for child's inode
 * number.  vfs_lock held.  -ENOENT if it is not there (removed).
 */
static int
dir_findname(struct vnode *dir, struct vnode *child, char *name)
{
	char buf[2048];
	off_t off = 0;
	ssize_t n, i;
	struct dirent64 *d;

	for (;;) {
		n = dir->v_op->vop_readdir(dir, buf, sizeof(buf), &off);
		if (n <= 0)
			return n < 0 ? (int)n : -ENOENT;
		for (i = 0; i < n; i += d->d_reclen) {
			d = (struct dirent64 *)(buf + i);
			if (d->d_reclen == 0)
				return -EIO;
			if (d->d_ino != child->v_ino ||
			    namei_isdot(d->d_name))
				continue;
			size_t len = strnlen(d->d_name, NAME_MAX);
			memcpy(name, d->d_name, len);
			name[len] = '\0';
			return 0;
		}
	}
}

/* Prepends "/name" to the path being built backwards from end. */
static int
path_prepend(char *buf, size_t *pos, const char *name)
{
	size_t len = strlen(name);

	if (*pos < len + 1)
		return -ENAMETOOLONG;
	*pos -= len;
	memcpy(buf + *pos, name, len);
	buf[--*pos] = '/';
	return 0;
}

/*
 * One step up from *vpp (referenced, replaced by its parent), leaving
 * mounts through mnt_covered first; name gets *vpp's name in the parent.
 * Returns 1 on reaching root (no name), 2 at a file-system root with
 * nothing above it: the cwd is outside the process root.
 */
static int
cwd_up(struct vnode **vpp, struct vnode *root, char *name)
{
	struct vnode *vp = *vpp, *up;
	int err;

	while (vp != root && vp == vp->v_mount->mnt_root) {
		if (vp->v_mount->mnt_covered == NULL)
			return 2;
		up = vp->v_mount->mnt_covered;
		vref(up);
		vrele_locked(vp);
		*vpp = vp = up;
	}
	if (vp == root)
		return 1;
	if ((err = vp->v_op->vop_lookup(vp, "..", &up)) != 0)
		return err;
	if ((err = dir_findname(up, vp, name)) != 0) {
		vrele_locked(up);
		return err;
	}
	vrele_locked(vp);
	*vpp = up;
	return 0;
}

/* Builds the cwd's path at the end of kbuf; returns its start offset. */
static int
cwd_build(struct proc *p, char *kbuf, size_t size, size_t *startp)
{
	char name[NAME_MAX + 1];
	struct vnode *vp, *root;
	size_t pos = size - 1;
	int err, end;

	kbuf[pos] = '\0';
	root = p->p_root != NULL ? p->p_root : rootvnode;
	vp = p->p_cwd != NULL ? p->p_cwd : root;
	if (vp->v_nlink == 0)
		return -ENOENT;		/* removed: Linux's getcwd fails */
	vref(vp);
	while ((err = cwd_up(&vp, root, name)) == 0) {
		if ((err = path_prepend(kbuf, &pos, name)) != 0)
			break;
	}
	vrele_locked(vp);
	if ((end = err) < 0)
		return err;
	if (pos == size - 1 && (err = path_prepend(kbuf, &pos, "")) != 0)
		return err;
	if (end == 2) {
		/* Linux marks a cwd outside the root this way */
		static const char unreach[] = "(unreachable)";
		if (pos < sizeof(unreach) - 1)
			return -ENAMETOOLONG;
		pos -= sizeof(unreach) - 1;
		memcpy(kbuf + pos, unreach, sizeof(unreach) - 1);
	}
	*startp = pos;
	return 0;
}

long
sys_getcwd(char *buf, size_t size)
{
	size_t kcap = PATH_MAX, start, len;
	char *kbuf;
	int err;

	if ((kbuf = kmem_alloc(kcap)) == NULL)
		return -ENOMEM;
	VFS_LOCK();
	err = cwd_build(curproc(), kbuf, kcap, &start);
	VFS_UNLOCK();
	len = kcap - start;		/* with the NUL */
	if (err == 0 && len > size)
		err = -ERANGE;
	if (err == 0)
		memcpy(buf, kbuf + start, len);
	kmem_free(kbuf, kcap);
	return err != 0 ? err : (long)len;
}
