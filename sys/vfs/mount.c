/*
 * mount.c — file-system types, the mount table and the mount-related
 * system calls (mount, umount2, statfs, fstatfs, sync, syncfs), plus the
 * boot-time root: vfs_init() mounts a tmpfs as / with /dev and /tmp.
 *
 * A mount covers a directory vnode (mnt_covered->v_mountedhere = mp);
 * namei crosses from the covered directory to mnt_root.  Mounting on a
 * directory that is itself a mount root stacks, as on Linux.
 *
 * Unmounting: a mount is busy while any of its vnodes other than its root
 * is referenced, or its root has references beyond the mount's own and
 * the caller's lookup (cwd, open directory, chroot).  MNT_DETACH removes a
 * busy mount and its submounts from the name space at once; each is freed
 * when its last vnode goes idle (vfs_mount_idle, from vrele_locked).
 *
 * Not supported (real errors, not silent no-ops): bind and move mounts
 * and shared/slave/unbindable propagation (EINVAL), remount with new
 * file-system options (EOPNOTSUPP; flags alone can be changed),
 * MNT_EXPIRE (EOPNOTSUPP).  MS_PRIVATE succeeds: every mount here is
 * private already.
 *
 * Locking: the mount table and everything reached from a mount are under
 * vfs_lock; the registry of types has its own mutex (taken inside
 * sysctl's lock by vfs.generic.fstypes, never around anything else).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include "kern/kern.h"
#include "kern/sysent.h"
#include "vfs/vfs.h"
#include "fs/tmpfs/tmpfs.h"

#define VFS_MAXTYPES	16

#define PIPEFS_MAGIC_K	0x50495045
#define SOCKFS_MAGIC_K	0x534f434b

/* flags stored per mount and reported by statfs */
#define MS_PERMOUNT	(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | \
			 MS_SYNCHRONOUS | MS_MANDLOCK | MS_DIRSYNC | MS_NOATIME | \
			 MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_LAZYTIME)
#define MS_PROPAGATION	(MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)

static pthread_mutex_t vfsconf_mtx = PTHREAD_MUTEX_INITIALIZER;
static const struct vfsops *vfsconf[VFS_MAXTYPES];	/* vfsconf_mtx */
static int nvfsconf;

static TAILQ_HEAD(, mount) mounts = TAILQ_HEAD_INITIALIZER(mounts);
static unsigned mount_devseq;				/* vfs_lock */

/* --- file-system types --------------------------------------------------- */

void
vfs_register(const struct vfsops *ops)
{
	pthread_mutex_lock(&vfsconf_mtx);
	if (nvfsconf < VFS_MAXTYPES)
		vfsconf[nvfsconf++] = ops;
	pthread_mutex_unlock(&vfsconf_mtx);
}

const struct vfsops *
vfs_byname(const char *name)
{
	const struct vfsops *ops = NULL;
	int i;

	pthread_mutex_lock(&vfsconf_mtx);
	for (i = 0; i < nvfsconf; i++) {
		if (strcmp(vfsconf[i]->vfs_name, name) == 0) {
			ops = vfsconf[i];
			break;
		}
	}
	pthread_mutex_unlock(&vfsconf_mtx);
	return ops;
}

/*
 * Names joined by single spaces, newest first, NUL-terminated and
 * truncated to len; returns the full length (without NUL), like snprintf.
 */
size_t
vfs_fstypes(char *buf, size_t len)
{
	size_t off = 0;
	int i, n;

	if (len > 0)
		buf[0] = '\0';
	pthread_mutex_lock(&vfsconf_mtx);
	for (i = nvfsconf - 1; i >= 0; i--) {
		n = snprintf(off < len ? buf + off : NULL, off < len ? len - off : 0,
		    "%s%s", i == nvfsconf - 1 ? "" : " ", vfsconf[i]->vfs_name);
		off += n > 0 ? (size_t)n : 0;
	}
	pthread_mutex_unlock(&vfsconf_mtx);
	return off;
}

/* --- the mount table ------------------------------------------------------ */

/* The per-mount flags kept for a mount(2) request: relatime unless told
 * otherwise, as Linux does. */
static unsigned long
mount_flags(unsigned long flags)
{
	flags &= MS_PERMOUNT;
	if ((flags & (MS_NOATIME | MS_STRICTATIME)) == 0)
		flags |= MS_RELATIME;
	return flags;
}

/* Mounts fstype on directory vp (NULL: as the root).  vfs_lock held. */
int
vfs_domount(const char *fstype, const char *source, struct vnode *vp,
    unsigned long flags, const char *data, const char *path)
{
	const struct vfsops *ops = vfs_byname(fstype);
	struct vnode *root;
	struct mount *mp;
	int err;

	if (ops == NULL)
		return -ENODEV;
	if (vp == NULL && rootvnode != NULL)
		return -EBUSY;
	if (vp != NULL && vp->v_type != VDIR)
		return -ENOTDIR;
	if (vp != NULL && vp->v_mountedhere != NULL)
		return -EBUSY;
	/* Linux: not in our name space; the mount would pin the detached
	 * tree with nothing able to reach it any more */
	if (vp != NULL && vp->v_mount != NULL && vp->v_mount->mnt_detached)
		return -EINVAL;
	mp = kmem_zalloc(sizeof(*mp));
	if (mp == NULL)
		return -ENOMEM;
	mp->mnt_op = ops;
	mp->mnt_flags = mount_flags(flags);
	mp->mnt_dev = makedev(0, ++mount_devseq);
	snprintf(mp->mnt_from, sizeof(mp->mnt_from), "%s", source);
	snprintf(mp->mnt_path, sizeof(mp->mnt_path), "%s", path);
	err = ops->vfs_mount(mp, data, &root);
	if (err != 0) {
		kmem_free(mp, sizeof(*mp));
		return err;
	}
	mp->mnt_root = root;
	if (vp != NULL) {
		vref(vp);
		mp->mnt_covered = vp;
		vp->v_mountedhere = mp;
	} else {
		vref(root);
		rootvnode = root;
	}
	TAILQ_INSERT_TAIL(&mounts, mp, mnt_link);
	return 0;
}

void
vfs_mount_idle(struct mount *mp)
{
	if (mp->mnt_op->vfs_unmount != NULL)
		mp->mnt_op->vfs_unmount(mp);
	kmem_free(mp, sizeof(*mp));
}

/*
 * Takes mp and everything mounted below it out of the name space and
 * drops the mount's references; each is freed once idle.  vfs_lock held.
 */
static void
mount_detach(struct mount *mp)
{
	struct vnode *covered = mp->mnt_covered;
	struct mount *sub;

	for (;;) {
		TAILQ_FOREACH(sub, &mounts, mnt_link) {
			if (sub->mnt_covered != NULL && sub->mnt_covered->v_mount == mp)
				break;
		}
		if (sub == NULL)
			break;
		mount_detach(sub);
	}
	TAILQ_REMOVE(&mounts, mp, mnt_link);
	covered->v_mountedhere = NULL;
	mp->mnt_covered = NULL;
	mp->mnt_detached = true;
	mp->mnt_nactive++;		/* keep mp alive while releasing */
	vrele_locked(mp->mnt_root);
	vrele_locked(covered);
	if (--mp->mnt_nactive == 0)
		vfs_mount_idle(mp);
}

int
vfs_sync_all(void)
{
	struct mount *mp;
	int err = 0, e;

	VFS_LOCK();
	TAILQ_FOREACH(mp, &mounts, mnt_link) {
		if (mp->mnt_op->vfs_sync == NULL)
			continue;
		e = mp->mnt_op->vfs_sync(mp);
		if (err == 0)
			err = e;
	}
	VFS_UNLOCK();
	return err;
}

/* --- boot ------------------------------------------------------------------ */

static void
vfs_boot_fail(const char *what, int err)
{
	fprintf(stderr, "rump: vfs_init: %s: %s\n", what, strerror(-err));
	abort();
}

static void
vfs_boot_mkdir(const char *name, mode_t mode)
{
	struct vnode *vp;
	int err;

	err = rootvnode->v_op->vop_create(rootvnode, name, S_IFDIR | mode, 0, 0,
	    0, NULL, &vp);
	if (err != 0)
		vfs_boot_fail(name, err);
	vrele_locked(vp);
}

/*
 * Anonymous objects (pipes) get an unlinked node of a private tmpfs, as
 * Linux gives them an inode of its pipefs: fstat, fchmod, fchown,
 * futimens, access checks and locks then work on them as on any file.
 * The mount is in no table and covers nothing, so no path reaches it.
 */
static struct mount *anonmount;		/* set once by vfs_init */

static void
anon_init(void)
{
	struct vnode *root;
	struct mount *mp;
	int err;

	if ((mp = kmem_zalloc(sizeof(*mp))) == NULL)
		vfs_boot_fail("allocating pipefs", -ENOMEM);
	mp->mnt_op = &tmpfs_vfsops;
	mp->mnt_dev = makedev(0, ++mount_devseq);
	snprintf(mp->mnt_from, sizeof(mp->mnt_from), "pipefs");
	snprintf(mp->mnt_path, sizeof(mp->mnt_path), "pipe:");
	/* size=0, nr_inodes=0: unlimited, like the pipes themselves */
	if ((err = tmpfs_vfsops.vfs_mount(mp, "size=0,nr_inodes=0", &root)) != 0)
		vfs_boot_fail("mounting pipefs", err);
	mp->mnt_root = root;
	anonmount = mp;
}

int
vfs_anon_vnode(mode_t mode, const struct cred *c, struct vnode **vpp)
{
	static unsigned long seq;		/* vfs_lock */
	struct vnode *root, *vp;
	char name[32];
	int err;

	VFS_LOCK();
	root = anonmount->mnt_root;
	snprintf(name, sizeof(name), "anon%lu", ++seq);
	err = root->v_op->vop_create(root, name, mode, c->euid, c->egid, 0,
	    NULL, &vp);
	if (err == 0 && (err = root->v_op->vop_remove(root, name, vp)) != 0)
		vrele_locked(vp);
	VFS_UNLOCK();
	if (err == 0)
		*vpp = vp;
	return err;
}

bool
vfs_is_anon(const struct vnode *vp)
{
	return vp->v_mount == anonmount;
}

void
vfs_init(void)
{
	struct vattr va = { .va_mask = VA_MODE };
	int err;

	if (rootvnode != NULL)
		return;
	vfs_register(&tmpfs_vfsops);
	VFS_LOCK();
	err = vfs_domount("tmpfs", "tmpfs", NULL, 0, NULL, "/");
	if (err != 0)
		vfs_boot_fail("mounting the root tmpfs", err);
	/* a root file system is 0755, not tmpfs's default 1777 */
	va.va_mode = (rootvnode->v_mode & S_IFMT) | 0755;
	err = rootvnode->v_op->vop_setattr(rootvnode, &va);
	if (err != 0)
		vfs_boot_fail("chmod /", err);
	vfs_boot_mkdir("dev", 0755);
	vfs_boot_mkdir("tmp", 01777);
	anon_init();
	vref(rootvnode);
	vref(rootvnode);
	VFS_UNLOCK();
	pthread_mutex_lock(&proc1->p_mtx);
	proc1->p_cwd = rootvnode;
	proc1->p_root = rootvnode;
	pthread_mutex_unlock(&proc1->p_mtx);
}

/* --- system calls ----------------------------------------------------------- */

/* Collapses "//", "." and ".." of an absolute path in place. */
static void
path_normalize(char *path)
{
	char *src = path, *dst = path, *comp;
	size_t len;

	while (*src != '\0') {
		while (*src == '/')
			src++;
		comp = src;
		while (*src != '\0' && *src != '/')
			src++;
		len = (size_t)(src - comp);
		if (len == 0 || (len == 1 && comp[0] == '.'))
			continue;
		if (len == 2 && comp[0] == '.' && comp[1] == '.') {
			while (dst > path && *--dst != '/')
				;
			continue;
		}
		*dst++ = '/';
		memmove(dst, comp, len);
		dst += len;
	}
	if (dst == path)
		*dst++ = '/';
	*dst = '\0';
}

/* The absolute name under which target will be listed. */
static int
mount_abspath(const char *target, char *out, size_t size)
{
	long rv;

	if (target[0] == '/') {
		if (strlen(target) >= size)
			return -ENAMETOOLONG;
		strcpy(out, target);
	} else {
		rv = sys_getcwd(out, size);
		if (rv < 0)
			return (int)rv;
		/* a cwd outside the root or in a detached tree reads
		 * "(unreachable)/..." and path_normalize, which may only
		 * shrink the string, needs the leading '/' */
		if (out[0] != '/')
			memmove(out, strchr(out, '/'), strlen(strchr(out, '/')) + 1);
		if (strlen(out) + 1 + strlen(target) >= size)
			return -ENAMETOOLONG;
		strcat(out, "/");
		strcat(out, target);
	}
	path_normalize(out);
	return 0;
}

/* MS_REMOUNT and propagation changes act on an existing mount root. */
static int
mount_change(struct vnode *vp, unsigned long flags, const char *data)
{
	struct mount *mp = vp->v_mount;

	if (mp == NULL || mp->mnt_root != vp)
		return -EINVAL;
	if (flags & MS_PROPAGATION)
		return (flags & MS_PROPAGATION) == MS_PRIVATE ? 0 : -EINVAL;
	if (data != NULL && data[0] != '\0')
		return -EOPNOTSUPP;
	mp->mnt_flags = mount_flags(flags);
	return 0;
}

long
sys_mount(const char *source, const char *target, const char *fstype,
    unsigned long flags, const char *data)
{
	struct nameidata nd;
	struct cred cred;
	char *path;
	int err;

	proc_getcred(curproc(), &cred);
	if (!cred_isroot(&cred))
		return -EPERM;
	if ((flags & 0xffff0000UL) == 0xc0ed0000UL)	/* MS_MGC_VAL */
		flags &= 0xffff;
	if (flags & (MS_BIND | MS_MOVE))
		return -EINVAL;
	path = kmem_alloc(PATH_MAX);
	if (path == NULL)
		return -ENOMEM;
	err = mount_abspath(target, path, PATH_MAX);
	if (err != 0)
		goto out;
	VFS_LOCK();
	err = namei(curproc(), AT_FDCWD, target, NI_FOLLOW, &nd);
	if (err == 0) {
		if (flags & (MS_REMOUNT | MS_PROPAGATION))
			err = mount_change(nd.ni_vp, flags, data);
		else if (nd.ni_vp->v_type != VDIR)
			err = -ENOTDIR;
		else
			err = vfs_domount(fstype, source, nd.ni_vp, flags, data, path);
		namei_done(&nd);
	}
	VFS_UNLOCK();
out:
	kmem_free(path, PATH_MAX);
	return err;
}

/* umount2 checks with the target's lookup still held; vfs_lock held. */
static int
umount_check(struct vnode *vp, struct mount *mp, int flags)
{
	if (mp == NULL || mp->mnt_root != vp || mp->mnt_detached)
		return -EINVAL;
	if (mp->mnt_covered == NULL)
		return -EBUSY;		/* the root file system */
	if (flags & MNT_DETACH)
		return 0;
	/* the mount's own reference plus our lookup's */
	if (vp->v_usecount > 2 || mp->mnt_nactive > 1)
		return -EBUSY;
	return 0;
}

long
sys_umount2(const char *target, int flags)
{
	struct nameidata nd;
	struct cred cred;
	struct mount *mp;
	int err;

	proc_getcred(curproc(), &cred);
	if (!cred_isroot(&cred))
		return -EPERM;
	if (flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW))
		return -EINVAL;
	if ((flags & MNT_EXPIRE) && (flags & (MNT_FORCE | MNT_DETACH)))
		return -EINVAL;
	if (flags & MNT_EXPIRE)
		return -EOPNOTSUPP;
	VFS_LOCK();
	err = namei(curproc(), AT_FDCWD, target,
	    (flags & UMOUNT_NOFOLLOW) ? 0 : NI_FOLLOW, &nd);
	if (err == 0) {
		mp = nd.ni_vp->v_mount;
		err = umount_check(nd.ni_vp, mp, flags);
		namei_done(&nd);
		if (err == 0)
			mount_detach(mp);
	}
	VFS_UNLOCK();
	return err;
}

static unsigned long
statfs_flags(unsigned long mflags)
{
	static const struct { unsigned long ms, st; } map[] = {
		{ MS_RDONLY, ST_RDONLY }, { MS_NOSUID, ST_NOSUID },
		{ MS_NODEV, ST_NODEV }, { MS_NOEXEC, ST_NOEXEC },
		{ MS_SYNCHRONOUS, ST_SYNCHRONOUS }, { MS_MANDLOCK, ST_MANDLOCK },
		{ MS_NOATIME, ST_NOATIME }, { MS_NODIRATIME, ST_NODIRATIME },
		{ MS_RELATIME, ST_RELATIME },
	};
	unsigned long st = 0x20;	/* ST_VALID: f_flags is meaningful */
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (mflags & map[i].ms)
			st |= map[i].st;
	}
	return st;
}

/* statfs of the file system vp lives on; vfs_lock held. */
static int
mount_statfs(struct vnode *vp, struct statfs *sf)
{
	struct mount *mp = vp->v_mount;
	int err;

	memset(sf, 0, sizeof(*sf));
	if (mp == NULL || mp->mnt_op->vfs_statfs == NULL)
		return -ENOSYS;
	err = mp->mnt_op->vfs_statfs(mp, sf);
	if (err != 0)
		return err;
	if (sf->f_fsid.__val[0] == 0 && sf->f_fsid.__val[1] == 0)
		sf->f_fsid.__val[0] = (int)mp->mnt_dev;
	if (sf->f_namelen == 0)
		sf->f_namelen = NAME_MAX;
	if (sf->f_frsize == 0)
		sf->f_frsize = sf->f_bsize;
	sf->f_flags = statfs_flags(mp->mnt_flags);
	return 0;
}

long
sys_statfs(const char *path, struct statfs *buf)
{
	struct nameidata nd;
	int err;

	VFS_LOCK();
	err = namei(curproc(), AT_FDCWD, path, NI_FOLLOW, &nd);
	if (err == 0) {
		err = mount_statfs(nd.ni_vp, buf);
		namei_done(&nd);
	}
	VFS_UNLOCK();
	return err;
}

long
sys_fstatfs(int fd, struct statfs *buf)
{
	struct file *fp = fd_getfile(curproc(), fd);
	int err = 0;

	if (fp == NULL)
		return -EBADF;
	if (fp->f_vnode != NULL && !vfs_is_anon(fp->f_vnode)) {
		VFS_LOCK();
		err = mount_statfs(fp->f_vnode, buf);
		VFS_UNLOCK();
	} else {
		/* pipes and sockets live on Linux's internal pseudo file systems */
		memset(buf, 0, sizeof(*buf));
		buf->f_type = fp->f_type == FT_SOCKET ? SOCKFS_MAGIC_K : PIPEFS_MAGIC_K;
		buf->f_bsize = buf->f_frsize = 4096;
		buf->f_namelen = NAME_MAX;
		buf->f_flags = 0x20;
	}
	file_rele(fp);
	return err;
}

long
sys_sync(void)
{
	(void)vfs_sync_all();
	return 0;
}

long
sys_syncfs(int fd)
{
	struct file *fp = fd_getfile(curproc(), fd);
	struct mount *mp;
	int err = 0;

	if (fp == NULL)
		return -EBADF;
	if (fp->f_vnode != NULL) {
		VFS_LOCK();
		mp = fp->f_vnode->v_mount;
		if (mp != NULL && mp->mnt_op->vfs_sync != NULL)
			err = mp->mnt_op->vfs_sync(mp);
		VFS_UNLOCK();
	}
	file_rele(fp);
	return err;
}
