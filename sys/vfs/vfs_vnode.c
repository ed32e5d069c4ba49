/*
 * vfs_vnode.c — vnode life cycle: the kernel-wide vfs_lock, reference
 * counts, set-up and tear-down helpers for file systems, and the
 * vnode-to-stat conversion every stat-like call uses.
 *
 * Vnodes belong to their file system (tmpfs embeds one in each node); the
 * VFS only counts references.  When the count drops to zero the file
 * system's vop_inactive decides whether the object dies (v_nlink == 0).
 * Each mount also counts its vnodes in use (mnt_nactive) so that umount
 * can tell a busy file system from an idle one without walking it, and a
 * lazily detached mount is freed when its last vnode goes idle.
 *
 * Lock contract: everything here except vrele() runs with vfs_lock held.
 */
#include <assert.h>
#include <string.h>
#include "kern/kern.h"
#include "vfs/vfs.h"

pthread_mutex_t vfs_lock = PTHREAD_MUTEX_INITIALIZER;
struct vnode *rootvnode;

void
vref(struct vnode *vp)
{
	assert(vp->v_usecount >= 0);
	if (vp->v_usecount++ == 0 && vp->v_mount != NULL)
		vp->v_mount->mnt_nactive++;
}

void
vrele_locked(struct vnode *vp)
{
	struct mount *mp = vp->v_mount;

	assert(vp->v_usecount > 0);
	if (--vp->v_usecount > 0)
		return;
	/* vp may be freed by vop_inactive: only mp is used after it */
	if (vp->v_op != NULL && vp->v_op->vop_inactive != NULL)
		vp->v_op->vop_inactive(vp);
	if (mp != NULL) {
		assert(mp->mnt_nactive > 0);
		if (--mp->mnt_nactive == 0 && mp->mnt_detached)
			vfs_mount_idle(mp);
	}
}

void
vrele(struct vnode *vp)
{
	VFS_LOCK();
	vrele_locked(vp);
	VFS_UNLOCK();
}

void
vnode_init(struct vnode *vp, struct mount *mp, const struct vnops *ops,
    enum vtype type)
{
	memset(vp, 0, sizeof(*vp));
	vp->v_usecount = 1;
	vp->v_type = type;
	vp->v_op = ops;
	vp->v_mount = mp;
	pthread_mutex_init(&vp->v_lockf_mtx, NULL);
	waitq_init(&vp->v_lockf_wq);
	if (mp != NULL)
		mp->mnt_nactive++;
}

void
vnode_fini(struct vnode *vp)
{
	pthread_mutex_destroy(&vp->v_lockf_mtx);
	waitq_destroy(&vp->v_lockf_wq);
}

enum vtype
vtype_from_mode(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return VREG;
	case S_IFDIR:
		return VDIR;
	case S_IFLNK:
		return VLNK;
	case S_IFIFO:
		return VFIFO;
	case S_IFCHR:
		return VCHR;
	case S_IFBLK:
		return VBLK;
	case S_IFSOCK:
		return VSOCK;
	default:
		return VNON;
	}
}

void
vnode_stat(struct vnode *vp, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = vp->v_mount != NULL ? vp->v_mount->mnt_dev : 0;
	st->st_ino = vp->v_ino;
	st->st_mode = vp->v_mode;
	/* pipefs nodes are unlinked but, as on Linux, report one link */
	st->st_nlink = vfs_is_anon(vp) ? 1 : vp->v_nlink;
	st->st_uid = vp->v_uid;
	st->st_gid = vp->v_gid;
	st->st_rdev = vp->v_rdev;
	st->st_size = atomic_load(&vp->v_etfs) != NULL ? etfs_vnsize(vp) :
	    vp->v_size;
	st->st_blksize = 4096;
	st->st_blocks = vp->v_blocks;
	st->st_atim = vp->v_atime;
	st->st_mtim = vp->v_mtime;
	st->st_ctim = vp->v_ctime;
}
