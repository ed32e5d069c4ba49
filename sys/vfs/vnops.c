/*
 * vnops.c — open files over vnodes.
 *
 * vn_open_file() turns a looked-up, permission-checked vnode into a struct
 * file: regular files, directories and O_PATH handles get vnode_fileops
 * below; FIFOs go to the pipe code (fifo_open), character devices to
 * their driver's operations (cdev_lookup), etfs keys (v_etfs set, any
 * type, block devices included) to dev/etfs.c.  The file operations
 * here take vfs_lock around each call into the file system, as vfs.h
 * requires, and never sleep.  The generic file layer (file.c,
 * sys_generic.c) owns the offset lock, FREAD/FWRITE checks, and the
 * vrele/lf_release_file done when the last reference goes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kern/file.h"
#include "kern/kern.h"
#include "vfs/vfs.h"

/* open(2) flags that only steer the open itself and are not kept */
#define VN_OPENONLY	(O_CREAT | O_EXCL | O_TRUNC | O_NOCTTY | O_CLOEXEC)
/* what Linux keeps in f_flags of an O_PATH file (minus O_CLOEXEC) */
#define VN_PATHFLAGS	(O_PATH | O_DIRECTORY | O_NOFOLLOW)

#define VN_POLLMASK	(POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

static bool
vn_ispath(struct file *fp)
{
	return (atomic_load(&fp->f_flag) & O_PATH) != 0;
}

/*
 * A new file over vp with the caller's reference: the file owns it from
 * here on (file_rele vreles it).  On failure the reference stays with the
 * caller.
 */
static int
vn_file_new(struct vnode *vp, enum ftype type, const struct fileops *ops,
    int flags, struct file **fpp)
{
	struct file *fp;

	fp = file_alloc(type, ops, flags);
	if (fp == NULL)
		return -ENOMEM;
	proc_getcred(curproc(), &fp->f_cred);
	fp->f_vnode = vp;
	*fpp = fp;
	return 0;
}

/*
 * FIFOs: fifo_open may sleep for a peer, so it runs without vfs_lock and
 * takes its own vnode reference for the file it returns; ours is dropped
 * once it succeeded.
 */
static int
vn_open_fifo(struct vnode *vp, int flags, struct file **fpp)
{
	int error;

	error = fifo_open(vp, &vp->v_fifo, flags, fpp);
	if (error == 0)
		vrele(vp);
	return error;
}

static int
vn_open_cdev(struct vnode *vp, int flags, struct file **fpp)
{
	const struct cdevsw *d;

	d = cdev_lookup(vp->v_rdev);
	if (d == NULL)
		return -ENXIO;
	return vn_file_new(vp, FT_DEV, d->d_ops, flags, fpp);
}

/*
 * Contract with open(): called without vfs_lock, with one reference on vp
 * that is consumed on success.  Permission checks and O_TRUNC were done by
 * the caller.  v_type never changes after vnode_init, so it is read
 * without the lock.
 */
int
vn_open_file(struct vnode *vp, int flags, struct file **fpp)
{
	enum vtype type = vp->v_type;
	bool trunc = (flags & O_TRUNC) != 0;

	if ((flags & O_DIRECTORY) != 0 && type != VDIR)
		return -ENOTDIR;
	if ((flags & O_PATH) != 0)
		return vn_file_new(vp, FT_VNODE, &vnode_fileops,
		    flags & VN_PATHFLAGS, fpp);
	flags &= ~VN_OPENONLY;
	if (atomic_load(&vp->v_etfs) != NULL) {
		int error;

		if (etfs_open(vp, flags, fpp, &error))
			return error;
	}
	switch (type) {
	case VDIR:
		/* O_TRUNC asks for write access too, as on Linux */
		if ((flags & O_ACCMODE) != O_RDONLY || trunc)
			return -EISDIR;
		/* FALLTHROUGH */
	case VREG:
		return vn_file_new(vp, FT_VNODE, &vnode_fileops, flags, fpp);
	case VLNK:
		return -ELOOP;
	case VFIFO:
		return vn_open_fifo(vp, flags, fpp);
	case VCHR:
		return vn_open_cdev(vp, flags, fpp);
	case VNON:
	case VBLK:
	case VSOCK:
		break;
	}
	return -ENXIO;
}

/* --- file operations ------------------------------------------------------- */

static ssize_t
vn_read(struct file *fp, struct uio *uio)
{
	struct vnode *vp = fp->f_vnode;
	ssize_t n;

	VFS_LOCK();
	if (vp->v_type == VDIR)
		n = -EISDIR;
	else if (vp->v_type != VREG)
		n = -EINVAL;
	else
		n = vp->v_op->vop_read(vp, uio);
	VFS_UNLOCK();
	return n;
}

static ssize_t
vn_write(struct file *fp, struct uio *uio)
{
	struct vnode *vp = fp->f_vnode;
	ssize_t n;

	VFS_LOCK();
	if (vp->v_type == VDIR) {
		n = -EISDIR;
	} else if (vp->v_type != VREG) {
		n = -EINVAL;
	} else {
		/* inside the lock, so concurrent appenders never overlap;
		 * like Linux, pwrite on an O_APPEND file appends too */
		if ((atomic_load(&fp->f_flag) & O_APPEND) != 0)
			uio->uio_offset = vp->v_size;
		n = vp->v_op->vop_write(vp, uio);
	}
	VFS_UNLOCK();
	return n;
}

static int
vn_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	struct vnode *vp = fp->f_vnode;
	off_t off;

	if (vn_ispath(fp))
		return -EBADF;
	if (cmd != FIONREAD || vp->v_type != VREG)
		return -ENOTTY;
	if (data == NULL)
		return -EFAULT;
	pthread_mutex_lock(&fp->f_offlock);
	off = fp->f_offset;
	pthread_mutex_unlock(&fp->f_offlock);
	VFS_LOCK();
	/* truncated to int and negative past EOF, exactly as Linux does */
	*(int *)data = (int)(vp->v_size - off);
	VFS_UNLOCK();
	return 0;
}

static int
vn_poll(struct file *fp, int events, struct pollwait *pw)
{
	/* Linux's poll rejects O_PATH descriptors like closed ones */
	if (vn_ispath(fp))
		return POLLNVAL;
	/* files on a memory file system never block */
	return events & VN_POLLMASK;
}

static int
vn_stat(struct file *fp, struct stat *st)
{
	VFS_LOCK();
	vnode_stat(fp->f_vnode, st);
	VFS_UNLOCK();
	return 0;
}

/* base + off as a new offset; overflow and negative results are -EINVAL */
static off_t
vn_seek_add(off_t base, off_t off)
{
	off_t res;

	if (__builtin_add_overflow(base, off, &res) || res < 0)
		return -EINVAL;
	return res;
}

/* SEEK_DATA/SEEK_HOLE; without file-system support all of it is data */
static off_t
vn_seek_data(struct vnode *vp, off_t off, int whence)
{
	off_t res;

	VFS_LOCK();
	if (off < 0 || off >= vp->v_size)
		res = -ENXIO;
	else if (vp->v_op->vop_seekdata != NULL)
		res = vp->v_op->vop_seekdata(vp, off, whence);
	else
		res = whence == SEEK_DATA ? off : vp->v_size;
	VFS_UNLOCK();
	return res;
}

/*
 * Directory offsets are readdir cookies: any non-negative position can be
 * set (getdents copes with stale ones); the end and data/hole make no
 * sense, as on Linux's tmpfs.
 */
static off_t
vn_seek_dir(off_t cur, off_t off, int whence)
{
	switch (whence) {
	case SEEK_SET:
		return off < 0 ? -EINVAL : off;
	case SEEK_CUR:
		return vn_seek_add(cur, off);
	default:
		return -EINVAL;
	}
}

static off_t
vn_seek(struct file *fp, off_t cur, off_t off, int whence)
{
	struct vnode *vp = fp->f_vnode;
	off_t size;

	if (vn_ispath(fp))
		return -EBADF;
	if (vp->v_type == VDIR)
		return vn_seek_dir(cur, off, whence);
	switch (whence) {
	case SEEK_SET:
		return off < 0 ? -EINVAL : off;
	case SEEK_CUR:
		return vn_seek_add(cur, off);
	case SEEK_END:
		VFS_LOCK();
		size = vp->v_size;
		VFS_UNLOCK();
		return vn_seek_add(size, off);
	case SEEK_DATA:
	case SEEK_HOLE:
		return vn_seek_data(vp, off, whence);
	default:
		return -EINVAL;
	}
}

/* Nothing of our own to undo: file_rele drops the vnode and the locks. */
static void
vn_close(struct file *fp)
{
}

const struct fileops vnode_fileops = {
	.fo_read	= vn_read,
	.fo_write	= vn_write,
	.fo_ioctl	= vn_ioctl,
	.fo_poll	= vn_poll,
	.fo_stat	= vn_stat,
	.fo_seek	= vn_seek,
	.fo_close	= vn_close,
};
