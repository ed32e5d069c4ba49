/*
 * vfs.h — vnodes, mounts, path lookup and the file-system operations vector.
 *
 * Locking: one kernel-wide mutex, vfs_lock, protects the name space, every
 * vnode's attributes and contents, the mount table and vnode reference
 * counts.  Every vnode operation is called with vfs_lock held and must not
 * sleep.  Blocking objects reached through the VFS (FIFOs, devices) drop
 * out of it: their file operations run without vfs_lock.  This trades
 * parallelism between file calls for a lock discipline that cannot go
 * wrong; see docs/design-notes.md for the plan to split it per mount.
 */
#ifndef RUMP_VFS_VFS_H
#define RUMP_VFS_VFS_H

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include "kern/file.h"

extern pthread_mutex_t vfs_lock;
#define VFS_LOCK()	pthread_mutex_lock(&vfs_lock)
#define VFS_UNLOCK()	pthread_mutex_unlock(&vfs_lock)

enum vtype { VNON, VREG, VDIR, VLNK, VFIFO, VCHR, VBLK, VSOCK };

struct mount;
struct vnops;
struct pipe;

/*
 * A vnode is a file-system object in memory.  v_usecount counts references
 * from files, cwd/root, the name cache of lookups in progress and the
 * mount table; the file system frees the object when both v_usecount and
 * v_nlink reach 0 (vnops.vop_inactive).
 */
struct vnode {
	int			 v_usecount;	/* vfs_lock */
	enum vtype		 v_type;
	const struct vnops	*v_op;
	struct mount		*v_mount;	/* file system it belongs to */
	struct mount		*v_mountedhere;	/* mount covering this dir */
	void			*v_data;	/* file system private */
	/* attributes, kept by the file system, read by the VFS */
	ino_t			 v_ino;
	mode_t			 v_mode;	/* permission bits + S_IFMT */
	nlink_t			 v_nlink;
	uid_t			 v_uid;
	gid_t			 v_gid;
	dev_t			 v_rdev;	/* VCHR/VBLK */
	off_t			 v_size;
	blkcnt_t		 v_blocks;	/* 512-byte units allocated */
	struct timespec		 v_atime, v_mtime, v_ctime, v_btime;
	/* FIFO: the pipe while open (kern/pipe.c's fifo_lock, not vfs_lock) */
	struct pipe		*v_fifo;
	/* advisory locks (vfs/lockf.c), protected by v_lockf_mtx */
	pthread_mutex_t		 v_lockf_mtx;
	void			*v_lockf;
	struct waitq		 v_lockf_wq;
	/* etfs entry (dev/etfs.c) while the node is a registered key;
	 * set and cleared under vfs_lock and etfs's lock */
	void *_Atomic		 v_etfs;
};

/* set-attribute request: fields with their VA_* bit set apply */
#define VA_MODE		0x01
#define VA_UID		0x02
#define VA_GID		0x04
#define VA_SIZE		0x08
#define VA_ATIME	0x10
#define VA_MTIME	0x20
#define VA_CTIME	0x40
struct vattr {
	unsigned	 va_mask;
	mode_t		 va_mode;
	uid_t		 va_uid;
	gid_t		 va_gid;
	off_t		 va_size;
	struct timespec	 va_atime, va_mtime, va_ctime;
};

/* rename flags (Linux values) */
#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE	1
#define RENAME_EXCHANGE		2
#endif

/*
 * File-system operations.  All run under vfs_lock; names are one path
 * component (no '/', not "." or "..", length <= NAME_MAX); returned vnodes
 * are referenced.  Permission checks are the VFS's job, not the file
 * system's.  Errors: negative errno.
 */
struct vnops {
	/* name -> vnode in directory dvp ("." and ".." included) */
	int	(*vop_lookup)(struct vnode *dvp, const char *name, struct vnode **vpp);
	/* new object: type from mode's S_IFMT (REG, DIR, FIFO, CHR, BLK,
	 * SOCK, LNK with target); owner uid/gid; -EEXIST if present */
	int	(*vop_create)(struct vnode *dvp, const char *name, mode_t mode,
		    uid_t uid, gid_t gid, dev_t rdev, const char *target,
		    struct vnode **vpp);
	int	(*vop_link)(struct vnode *dvp, const char *name, struct vnode *vp);
	/* removes the entry; vp is its (referenced) vnode; for dirs -ENOTEMPTY */
	int	(*vop_remove)(struct vnode *dvp, const char *name, struct vnode *vp);
	/* atomic rename/exchange within one file system; the VFS has already
	 * checked types, loops, emptiness and flags */
	int	(*vop_rename)(struct vnode *fdvp, const char *fname, struct vnode *fvp,
		    struct vnode *tdvp, const char *tname, struct vnode *tvp,
		    unsigned flags);
	/* fills buf with struct linux_dirent64 records from directory cookie
	 * *offp on; advances *offp; returns bytes filled (0 at end),
	 * -EINVAL if not even one record fits */
	ssize_t	(*vop_readdir)(struct vnode *vp, void *buf, size_t len, off_t *offp);
	ssize_t	(*vop_read)(struct vnode *vp, struct uio *uio);
	ssize_t	(*vop_write)(struct vnode *vp, struct uio *uio);	/* may -ENOSPC/-EFBIG */
	/* VA_SIZE truncates or extends (sparse); times/owner/mode as given */
	int	(*vop_setattr)(struct vnode *vp, const struct vattr *va);
	ssize_t	(*vop_readlink)(struct vnode *vp, char *buf, size_t len);
	/* SEEK_DATA / SEEK_HOLE from off; -ENXIO past the end */
	off_t	(*vop_seekdata)(struct vnode *vp, off_t off, int whence);
	/* reserve [off, off+len) (fallocate mode 0): extends size if past it */
	int	(*vop_allocate)(struct vnode *vp, off_t off, off_t len);
	/* v_usecount reached 0: free the object if v_nlink is 0 too */
	void	(*vop_inactive)(struct vnode *vp);
};

struct vfsops {
	const char	*vfs_name;	/* "tmpfs" */
	/* data: mount(2) option string, may be NULL ("size=16m,mode=755") */
	int	(*vfs_mount)(struct mount *mp, const char *data, struct vnode **rootvp);
	int	(*vfs_statfs)(struct mount *mp, struct statfs *sf);
	void	(*vfs_unmount)(struct mount *mp);
	int	(*vfs_sync)(struct mount *mp);
};

struct mount {
	const struct vfsops	*mnt_op;
	struct vnode		*mnt_root;	/* referenced */
	struct vnode		*mnt_covered;	/* dir mounted on (NULL for /) */
	unsigned long		 mnt_flags;	/* MS_RDONLY, ... */
	dev_t			 mnt_dev;	/* st_dev of its vnodes */
	char			 mnt_from[64];
	char			 mnt_path[PATH_MAX];
	void			*mnt_data;	/* file system private */
	TAILQ_ENTRY(mount)	 mnt_link;	/* mount table, vfs_lock */
	/* vnodes of this mount with v_usecount > 0 (vfs_vnode.c keeps it):
	 * umount is EBUSY while any but the root is in use */
	int			 mnt_nactive;	/* vfs_lock */
	bool			 mnt_detached;	/* lazily unmounted; freed at 0 */
};

extern struct vnode *rootvnode;

/* file system registry (vfs/mount.c); fstypes order = registration */
void vfs_register(const struct vfsops *ops);
const struct vfsops *vfs_byname(const char *name);
/* space-separated names, most recently registered first (NetBSD order) */
size_t vfs_fstypes(char *buf, size_t len);

/* vnode references, vfs_lock held */
void vref(struct vnode *vp);
void vrele_locked(struct vnode *vp);
/* vrele without vfs_lock held */
void vrele(struct vnode *vp);
/* filesystems call this to set up a new vnode (usecount 1) */
void vnode_init(struct vnode *vp, struct mount *mp, const struct vnops *ops,
    enum vtype type);
void vnode_fini(struct vnode *vp);
enum vtype vtype_from_mode(mode_t mode);
void vnode_stat(struct vnode *vp, struct stat *st);	/* vfs_lock held */

/* --- path lookup (vfs/namei.c) ----------------------------------------------- */

/* namei flags */
#define NI_FOLLOW	0x01	/* follow a final symlink */
#define NI_PARENT	0x02	/* stop at the parent: ni_dvp + ni_name */
#define NI_EMPTYPATH	0x04	/* "" names dirfd itself (AT_EMPTY_PATH) */
#define NI_MUSTDIR	0x08	/* final component must be a directory */

#define SYMLOOP_MAX_K	40	/* Linux's limit */

struct nameidata {
	/* results (references held; release with namei_done) */
	struct vnode	*ni_dvp;	/* parent dir (NI_PARENT) */
	struct vnode	*ni_vp;		/* object, NULL if absent under NI_PARENT */
	char		 ni_name[NAME_MAX + 1];	/* final component (NI_PARENT) */
	bool		 ni_trailslash;	/* path ended in '/' */
};

/*
 * Resolves path relative to dirfd (AT_FDCWD: cwd) for proc p, honouring
 * p's root (".." never climbs above it), mount points, symlinks (ELOOP
 * after SYMLOOP_MAX_K), search permission (EACCES), ENAMETOOLONG and
 * ENOTDIR.  Called with vfs_lock held.  Without NI_PARENT a missing object
 * is -ENOENT.  With NI_PARENT a final "." or ".." gives -EINVAL-free
 * results with ni_name set to it; callers that create reject them.
 * A path without a final component ("/") gives ni_name "/" with ni_dvp
 * and ni_vp both that directory.  ni_vp is the object the name reaches,
 * with mounts crossed (a mount point gives the mounted root).  With a
 * real dirfd and a relative path, namei drops vfs_lock briefly before it
 * starts, to fetch the descriptor in lock order (fdtable.lock first).
 */
int namei(struct proc *p, int dirfd, const char *path, int flags,
    struct nameidata *nd);
void namei_done(struct nameidata *nd);	/* vfs_lock held */

/* permission check of cred against vp for R_OK|W_OK|X_OK (vfs_lock held) */
int vn_access(struct vnode *vp, const struct cred *c, int mode);

/* --- files over vnodes (vfs/vnops.c) --------------------------------------------- */

extern const struct fileops vnode_fileops;
/* open an existing vnode for proc p with open(2) flags (vfs_lock NOT held
 * on entry for FIFOs, see vn_open in vfs_syscalls.c) */
int vn_open_file(struct vnode *vp, int flags, struct file **fpp);

/* --- devices (dev/) ---------------------------------------------------------- */

/*
 * Character devices by Linux major/minor.  Opening a VCHR vnode looks its
 * rdev up here and returns a file with the device's operations.
 */
struct cdevsw {
	dev_t			 d_dev;
	const char		*d_name;	/* node name under /dev */
	mode_t			 d_mode;
	const struct fileops	*d_ops;
};
const struct cdevsw *cdev_lookup(dev_t dev);
/*
 * etfs (dev/etfs.c): opening a vnode with v_etfs set (any type) goes to
 * etfs_open, which returns false if the entry went away meanwhile; the
 * stat size of such a node is the window's; fsync of its files is the
 * host's fdatasync (-EINVAL for other device files).
 */
bool etfs_open(struct vnode *vp, int flags, struct file **fpp, int *errp);
off_t etfs_vnsize(struct vnode *vp);	/* vfs_lock held */
int etfs_fsync(struct file *fp);

/* --- mounting (vfs/mount.c) --------------------------------------------------- */

/* mounts fstype on the directory vp (NULL: as root); vfs_lock held */
int vfs_domount(const char *fstype, const char *source, struct vnode *vp,
    unsigned long flags, const char *data, const char *path);
int vfs_sync_all(void);
/* an unlinked node of the internal pipefs for an anonymous object, owned
 * by c (referenced); vfs_is_anon tells such nodes apart */
int vfs_anon_vnode(mode_t mode, const struct cred *c, struct vnode **vpp);
bool vfs_is_anon(const struct vnode *vp);
/* a detached mount's last active vnode went away: unmount and free it
 * (called by vrele_locked, vfs_lock held) */
void vfs_mount_idle(struct mount *mp);

#endif /* RUMP_VFS_VFS_H */
