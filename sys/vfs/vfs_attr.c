/*
 * vfs_attr.c — system calls that read or change attributes: the stat
 * family and statx, chmod, chown, utimensat/futimens and access.
 *
 * Each change goes to the file system as one vop_setattr whose VA_* mask
 * says what to change; the VFS decides who may do it (owner, group
 * member, root), which set-id bits fall, and sets ctime like Linux's
 * notify_change.  Calls by descriptor work on the file's vnode and skip
 * namei.
 */
#include <errno.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "vfs/vfs_path.h"

/* --- descriptors ----------------------------------------------------------------- */

/*
 * The vnode behind fd for attribute calls, with the file referenced in
 * *fpp.  O_PATH files are refused (-EBADF) unless allow_path.
 */
static int
fd_vnode(int fd, bool allow_path, struct file **fpp, struct vnode **vpp)
{
	struct file *fp = fd_getfile(curproc(), fd);

	if (fp == NULL)
		return -EBADF;
	if (!allow_path && (atomic_load(&fp->f_flag) & O_PATH)) {
		file_rele(fp);
		return -EBADF;
	}
	if (fp->f_vnode == NULL) {
		/* anonymous pipes and sockets have no attributes to change */
		file_rele(fp);
		return -EOPNOTSUPP;
	}
	*fpp = fp;
	*vpp = fp->f_vnode;
	return 0;
}

/* namei flags for the AT_SYMLINK_NOFOLLOW / AT_EMPTY_PATH flags of *at() */
static int
at_nameiflags(int flags)
{
	return ((flags & AT_SYMLINK_NOFOLLOW) ? 0 : NI_FOLLOW) |
	    ((flags & AT_EMPTY_PATH) ? NI_EMPTYPATH : 0);
}

/* --- stat ----------------------------------------------------------------------- */

/* fstat: the node for files over vnodes, else the object's own fo_stat */
static int
file_stat(struct file *fp, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	if (fp->f_vnode != NULL) {
		VFS_LOCK();
		vnode_stat(fp->f_vnode, st);
		VFS_UNLOCK();
		return 0;
	}
	if (fp->f_ops->fo_stat == NULL)
		return -EOPNOTSUPP;
	return fp->f_ops->fo_stat(fp, st);
}

long
sys_fstat(int fd, struct stat *st)
{
	struct file *fp;
	int err;

	if ((fp = fd_getfile(curproc(), fd)) == NULL)
		return -EBADF;
	err = file_stat(fp, st);
	file_rele(fp);
	return err;
}

/*
 * Common part of fstatat and statx: stats (dirfd, path) into st and,
 * if btime is not NULL, the birth time (tv_nsec -1 when unknown).
 */
static int
stat_at(int dirfd, const char *path, int flags, struct stat *st,
    struct timespec *btime)
{
	struct pathop po;
	struct file *fp;
	int niflags = 0, err;

	if (btime != NULL)
		btime->tv_nsec = -1;
	if ((flags & AT_EMPTY_PATH) && path[0] == '\0' && dirfd != AT_FDCWD) {
		/* by descriptor: works for pipes and sockets too */
		if ((fp = fd_getfile(curproc(), dirfd)) == NULL)
			return -EBADF;
		err = file_stat(fp, st);
		if (err == 0 && btime != NULL && fp->f_vnode != NULL) {
			VFS_LOCK();
			*btime = fp->f_vnode->v_btime;
			VFS_UNLOCK();
		}
		file_rele(fp);
		return err;
	}
	if (!(flags & AT_SYMLINK_NOFOLLOW))
		niflags |= NI_FOLLOW;
	if (flags & AT_EMPTY_PATH)
		niflags |= NI_EMPTYPATH;
	pathop_init(&po);
	if ((err = pathop_begin(&po, dirfd, path, niflags)) != 0)
		return err;
	memset(st, 0, sizeof(*st));
	vnode_stat(po.po_nd.ni_vp, st);
	if (btime != NULL)
		*btime = po.po_nd.ni_vp->v_btime;
	pathop_end(&po);
	return 0;
}

long
sys_fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
		return -EINVAL;
	return stat_at(dirfd, path, flags, st, NULL);
}

long
sys_newfstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	return sys_fstatat(dirfd, path, st, flags);
}

long
sys_stat(const char *path, struct stat *st)
{
	return stat_at(AT_FDCWD, path, 0, st, NULL);
}

long
sys_lstat(const char *path, struct stat *st)
{
	return stat_at(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, st, NULL);
}

static void
stx_time(struct statx_timestamp *t, const struct timespec *ts)
{
	t->tv_sec = ts->tv_sec;
	t->tv_nsec = (uint32_t)ts->tv_nsec;
}

long
sys_statx(int dirfd, const char *path, int flags, unsigned int mask,
    struct statx *stx)
{
	struct timespec btime;
	struct stat st;
	int err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT |
	    AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	if (mask & STATX__RESERVED)
		return -EINVAL;
	/* everything is in memory: the sync flags have nothing to do */
	if ((err = stat_at(dirfd, path, flags, &st, &btime)) != 0)
		return err;
	memset(stx, 0, sizeof(*stx));
	stx->stx_mask = STATX_BASIC_STATS;
	stx->stx_blksize = (uint32_t)st.st_blksize;
	stx->stx_nlink = (uint32_t)st.st_nlink;
	stx->stx_uid = st.st_uid;
	stx->stx_gid = st.st_gid;
	stx->stx_mode = (uint16_t)st.st_mode;
	stx->stx_ino = st.st_ino;
	stx->stx_size = (uint64_t)st.st_size;
	stx->stx_blocks = (uint64_t)st.st_blocks;
	stx_time(&stx->stx_atime, &st.st_atim);
	stx_time(&stx->stx_mtime, &st.st_mtim);
	stx_time(&stx->stx_ctime, &st.st_ctim);
	if (btime.tv_nsec >= 0) {
		stx->stx_mask |= STATX_BTIME;
		stx_time(&stx->stx_btime, &btime);
	}
	stx->stx_rdev_major = major(st.st_rdev);
	stx->stx_rdev_minor = minor(st.st_rdev);
	stx->stx_dev_major = major(st.st_dev);
	stx->stx_dev_minor = minor(st.st_dev);
	return 0;
}

/* --- chmod ------------------------------------------------------------------------ */

/* vfs_lock held */
static int
vn_chmod(struct vnode *vp, const struct cred *c, mode_t mode)
{
	struct vattr va = { .va_mask = VA_MODE | VA_CTIME };

	if (vp->v_type == VLNK)
		return -EOPNOTSUPP;	/* Linux: symlinks have no mode */
	if (vn_rdonly(vp))
		return -EROFS;
	if (!cred_isroot(c) && c->euid != vp->v_uid)
		return -EPERM;
	mode &= 07777;
	if (!cred_isroot(c) && !cred_groupmember(c, vp->v_gid))
		mode &= ~S_ISGID;
	va.va_mode = (vp->v_mode & S_IFMT) | mode;
	vfs_now(&va.va_ctime);
	return vp->v_op->vop_setattr(vp, &va);
}

long
sys_fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	struct pathop po;
	int err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	pathop_init(&po);
	err = pathop_begin(&po, dirfd, path, at_nameiflags(flags));
	if (err != 0)
		return err;
	err = vn_chmod(po.po_nd.ni_vp, &po.po_cred, mode);
	pathop_end(&po);
	return err;
}

long
sys_chmod(const char *path, mode_t mode)
{
	return sys_fchmodat(AT_FDCWD, path, mode, 0);
}

long
sys_fchmod(int fd, mode_t mode)
{
	struct cred cred;
	struct file *fp;
	struct vnode *vp;
	int err;

	proc_getcred(curproc(), &cred);
	if ((err = fd_vnode(fd, false, &fp, &vp)) != 0)
		return err;
	VFS_LOCK();
	err = vn_chmod(vp, &cred, mode);
	VFS_UNLOCK();
	file_rele(fp);
	return err;
}

/* --- chown ------------------------------------------------------------------------ */

/*
 * Only root gives a file away; the owner may change the group to one it
 * belongs to.  A chown of a non-directory drops setuid, and setgid when
 * it means "set-group-id" (group-executable) or the caller could not set
 * it (Linux's setattr_should_drop_sgid).  vfs_lock held.
 */
static int
vn_chown(struct vnode *vp, const struct cred *c, uid_t uid, gid_t gid)
{
	struct vattr va = { .va_mask = VA_CTIME, .va_mode = vp->v_mode };
	bool root = cred_isroot(c), owner = c->euid == vp->v_uid;

	if (vn_rdonly(vp))
		return -EROFS;
	if (uid != (uid_t)-1) {
		if (!root && !(owner && uid == vp->v_uid))
			return -EPERM;
		va.va_mask |= VA_UID;
		va.va_uid = uid;
	}
	if (gid != (gid_t)-1) {
		if (!root && !(owner && (gid == vp->v_gid ||
		    cred_groupmember(c, gid))))
			return -EPERM;
		va.va_mask |= VA_GID;
		va.va_gid = gid;
	}
	if (vp->v_type != VDIR) {
		va.va_mode &= ~S_ISUID;
		if ((vp->v_mode & S_ISGID) && ((vp->v_mode & S_IXGRP) ||
		    !(root || cred_groupmember(c, vp->v_gid))))
			va.va_mode &= ~S_ISGID;
		if (va.va_mode != vp->v_mode)
			va.va_mask |= VA_MODE;
	}
	vfs_now(&va.va_ctime);
	return vp->v_op->vop_setattr(vp, &va);
}

long
sys_fchownat(int dirfd, const char *path, uid_t owner, gid_t group,
    int flags)
{
	struct pathop po;
	int err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	pathop_init(&po);
	err = pathop_begin(&po, dirfd, path, at_nameiflags(flags));
	if (err != 0)
		return err;
	err = vn_chown(po.po_nd.ni_vp, &po.po_cred, owner, group);
	pathop_end(&po);
	return err;
}

long
sys_chown(const char *path, uid_t owner, gid_t group)
{
	return sys_fchownat(AT_FDCWD, path, owner, group, 0);
}

long
sys_lchown(const char *path, uid_t owner, gid_t group)
{
	return sys_fchownat(AT_FDCWD, path, owner, group, AT_SYMLINK_NOFOLLOW);
}

long
sys_fchown(int fd, uid_t owner, gid_t group)
{
	struct cred cred;
	struct file *fp;
	struct vnode *vp;
	int err;

	proc_getcred(curproc(), &cred);
	if ((err = fd_vnode(fd, false, &fp, &vp)) != 0)
		return err;
	VFS_LOCK();
	err = vn_chown(vp, &cred, owner, group);
	VFS_UNLOCK();
	file_rele(fp);
	return err;
}

/* --- utimensat --------------------------------------------------------------------- */

static bool
utime_valid(long nsec)
{
	return nsec == UTIME_NOW || nsec == UTIME_OMIT ||
	    (nsec >= 0 && nsec < 1000000000L);
}

/*
 * "Now" for both (times NULL or both UTIME_NOW) needs the owner or write
 * access (-EACCES); anything else, even UTIME_NOW with UTIME_OMIT, needs
 * the owner or root (-EPERM), as Linux's ATTR_TIMES_SET.  vfs_lock held.
 */
static int
vn_utimens(struct vnode *vp, const struct cred *c,
    const struct timespec *times)
{
	struct vattr va = { .va_mask = VA_CTIME | VA_ATIME | VA_MTIME };
	struct timespec now;
	bool explicit = false;
	int err;

	if (times != NULL && (!utime_valid(times[0].tv_nsec) ||
	    !utime_valid(times[1].tv_nsec)))
		return -EINVAL;
	if (times != NULL && (times[0].tv_nsec != UTIME_NOW ||
	    times[1].tv_nsec != UTIME_NOW))
		explicit = true;
	vfs_now(&now);
	va.va_atime = va.va_mtime = va.va_ctime = now;
	for (int i = 0; times != NULL && i < 2; i++) {
		struct timespec *t = i == 0 ? &va.va_atime : &va.va_mtime;
		if (times[i].tv_nsec == UTIME_OMIT)
			va.va_mask &= ~(i == 0 ? VA_ATIME : VA_MTIME);
		else if (times[i].tv_nsec != UTIME_NOW)
			*t = times[i];
	}
	if (vn_rdonly(vp))
		return -EROFS;
	if (!cred_isroot(c) && c->euid != vp->v_uid) {
		if (explicit)
			return -EPERM;
		if ((err = vn_access(vp, c, W_OK)) != 0)
			return err;
	}
	return vp->v_op->vop_setattr(vp, &va);
}

static int
utimens_fd(int fd, const struct timespec *times)
{
	struct cred cred;
	struct file *fp;
	struct vnode *vp;
	int err;

	proc_getcred(curproc(), &cred);
	if ((err = fd_vnode(fd, false, &fp, &vp)) != 0)
		return err;
	VFS_LOCK();
	err = vn_utimens(vp, &cred, times);
	VFS_UNLOCK();
	file_rele(fp);
	return err;
}

long
sys_utimensat(int dirfd, const char *path, const struct timespec *times,
    int flags)
{
	struct pathop po;
	int err;

	/* Linux: nothing to do, not even the path is checked */
	if (times != NULL && times[0].tv_nsec == UTIME_OMIT &&
	    times[1].tv_nsec == UTIME_OMIT)
		return 0;
	if (path == NULL && dirfd != AT_FDCWD)
		return flags != 0 ? -EINVAL : utimens_fd(dirfd, times);
	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (path == NULL)
		return -EFAULT;
	pathop_init(&po);
	err = pathop_begin(&po, dirfd, path, at_nameiflags(flags));
	if (err != 0)
		return err;
	err = vn_utimens(po.po_nd.ni_vp, &po.po_cred, times);
	pathop_end(&po);
	return err;
}

long
sys_futimens(int fd, const struct timespec *times)
{
	if (times != NULL && times[0].tv_nsec == UTIME_OMIT &&
	    times[1].tv_nsec == UTIME_OMIT)
		return 0;
	return utimens_fd(fd, times);
}

/* --- access ------------------------------------------------------------------------ */

/*
 * access checks with the real ids unless AT_EACCESS (Linux also walks
 * the path with them).  Root by real uid keeps its powers.
 */
long
sys_faccessat2(int dirfd, const char *path, int mode, int flags)
{
	struct pathop po;
	int err;

	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	pathop_init(&po);
	if (!(flags & AT_EACCESS)) {
		po.po_cred.euid = po.po_cred.uid;
		po.po_cred.egid = po.po_cred.gid;
	}
	err = pathop_begin(&po, dirfd, path, at_nameiflags(flags));
	if (err != 0)
		return err;
	err = vn_access(po.po_nd.ni_vp, &po.po_cred, mode);
	pathop_end(&po);
	return err;
}

long
sys_faccessat(int dirfd, const char *path, int mode, int flags)
{
	return sys_faccessat2(dirfd, path, mode, flags);
}

long
sys_access(const char *path, int mode)
{
	return sys_faccessat2(AT_FDCWD, path, mode, 0);
}
