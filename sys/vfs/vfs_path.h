/*
 * vfs_path.h — helpers shared by the path system calls (namei.c,
 * vfs_syscalls.c, vfs_attr.c, vfs_dir.c).  Not for other components: they
 * use namei() from vfs.h.
 *
 * A path call resolves (dirfd, path) in two steps because of the lock
 * order (fdtable.lock before vfs_lock): first the directory descriptor's
 * file is fetched without vfs_lock (namei_getdir), then the walk runs
 * with vfs_lock held (namei_from).  pathop_begin/pathop_end wrap both for
 * the common single-path case.
 */
#ifndef RUMP_VFS_VFS_PATH_H
#define RUMP_VFS_VFS_PATH_H

#include "vfs/vfs.h"

/*
 * dirfd's file when the lookup of path needs it (relative or empty path,
 * dirfd != AT_FDCWD), else NULL.  -EBADF for a bad descriptor, -ENOTDIR
 * when a non-empty relative path meets a non-directory.  Called WITHOUT
 * vfs_lock; file_rele() the result after dropping it.
 */
int namei_getdir(struct proc *p, int dirfd, const char *path, int niflags,
    struct file **fpp);
/* the vnode a namei_getdir() result stands for (NULL: use the cwd) */
struct vnode *namei_dirvp(struct file *dfp);
/*
 * namei's walk from startdir (NULL: p's cwd) checking search permission
 * with cred.  vfs_lock held throughout; never drops it.
 */
int namei_from(struct proc *p, const struct cred *cred,
    struct vnode *startdir, const char *path, int niflags,
    struct nameidata *nd);

/* One (dirfd, path) lookup with everything it holds. */
struct pathop {
	struct proc		*po_proc;
	struct cred		 po_cred;	/* snapshot, may be edited (access) */
	struct file		*po_dirfp;	/* dirfd's file or NULL */
	struct nameidata	 po_nd;
};

/* Fills po_proc/po_cred for the calling process (before pathop_begin). */
void pathop_init(struct pathop *po);
/* Resolves; on success returns 0 with vfs_lock HELD, on error unlocked. */
int pathop_begin(struct pathop *po, int dirfd, const char *path, int niflags);
/* Releases the lookup's references, drops vfs_lock, then the dir file. */
void pathop_end(struct pathop *po);

/* name is "." or ".." or the "/" of a path without a final component */
bool namei_isdot(const char *name);
/* true if vp lives on a read-only mount */
bool vn_rdonly(const struct vnode *vp);
/* current time for timestamps the VFS sets (ctime on chmod, ...) */
void vfs_now(struct timespec *ts);
/*
 * may_delete: may cred remove vp from dvp (W+X on dvp, sticky bit,
 * isdir/type match, not a mount root)?  vfs_lock held.
 */
int vn_maydelete(struct vnode *dvp, struct vnode *vp, const struct cred *c,
    bool isdir);
/* may cred create in dvp (not removed, W+X)? vfs_lock held */
int vn_maycreate(struct vnode *dvp, const struct cred *c);

#endif /* RUMP_VFS_VFS_PATH_H */
