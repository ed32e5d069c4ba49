/*
 * dev.c — the character-device switch and the /dev nodes.
 *
 * Devices are numbered as on Linux (major 1 is the memory devices) so
 * that st_rdev means the same inside and outside the rump kernel.  Opening
 * a VCHR vnode (vnops.c) looks its rdev up here and gets a file with the
 * driver's fileops; the file keeps the vnode so fstat/fstatfs see the node.
 * dev_init() runs at boot, after vfs_init(), before any system call is
 * possible; it creates the nodes directly through the root file system's
 * operations (no process, so no umask).
 *
 * The helpers below are shared by the drivers: they walk a uio's buffers
 * directly instead of bouncing through a kernel buffer, and check for
 * cancellation between chunks so that a read of gigabytes from /dev/zero
 * can be interrupted, as on Linux.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include "dev/dev.h"
#include "kern/kern.h"
#include "vfs/vfs.h"

#define DEV_CHUNK	(1024 * 1024)	/* bytes between cancellation checks */
#define DEV_POLLMASK	(POLLIN | POLLRDNORM | POLLOUT | POLLWRNORM)
/* glibc's makedev() as a constant expression, for majors < 4096 and
 * minors < 256 (checked against makedev() by the tests) */
#define DEV_MKDEV(ma, mi)	((dev_t)(((ma) << 8) | (mi)))

static const struct cdevsw cdevsw[] = {
	{ .d_dev = DEV_MKDEV(1, 3), .d_name = "null", .d_mode = 0666,
	  .d_ops = &devnull_fileops },
	{ .d_dev = DEV_MKDEV(1, 5), .d_name = "zero", .d_mode = 0666,
	  .d_ops = &devzero_fileops },
	{ .d_dev = DEV_MKDEV(1, 7), .d_name = "full", .d_mode = 0666,
	  .d_ops = &devfull_fileops },
	{ .d_dev = DEV_MKDEV(1, 8), .d_name = "random", .d_mode = 0666,
	  .d_ops = &devrandom_fileops },
	{ .d_dev = DEV_MKDEV(1, 9), .d_name = "urandom", .d_mode = 0666,
	  .d_ops = &devurandom_fileops },
};
#define NCDEVSW (sizeof(cdevsw) / sizeof(cdevsw[0]))

const struct cdevsw *
cdev_lookup(dev_t dev)
{
	size_t i;

	for (i = 0; i < NCDEVSW; i++) {
		if (cdevsw[i].d_dev == dev)
			return &cdevsw[i];
	}
	return NULL;
}

/* --- helpers for the drivers ------------------------------------------------ */

static bool
dev_cancelled(void)
{
	struct lwp *l = curlwp();

	return l != NULL && atomic_load(&l->l_cancel);
}

ssize_t
dev_uio_fill(struct uio *uio, ssize_t (*fill)(void *base, size_t len))
{
	size_t done = 0, since = 0, cnt;
	struct iovec *iov;
	ssize_t n;

	while (uio->uio_resid > 0 && uio->uio_iovcnt > 0) {
		iov = uio->uio_iov;
		if (iov->iov_len == 0) {
			uio->uio_iov++;
			uio->uio_iovcnt--;
			continue;
		}
		if (since >= DEV_CHUNK) {
			if (dev_cancelled())
				return done > 0 ? (ssize_t)done : -EINTR;
			since = 0;
		}
		cnt = iov->iov_len < DEV_CHUNK ? iov->iov_len : DEV_CHUNK;
		if (cnt > uio->uio_resid)
			cnt = uio->uio_resid;
		n = fill(iov->iov_base, cnt);
		if (n < 0)
			return done > 0 ? (ssize_t)done : n;
		uio_advance(uio, (size_t)n);
		done += (size_t)n;
		since += (size_t)n;
	}
	return (ssize_t)done;
}

static ssize_t
discard_fill(void *base, size_t len)
{
	return (ssize_t)len;
}

ssize_t
dev_uio_discard(struct uio *uio)
{
	return dev_uio_fill(uio, discard_fill);
}

/* Always ready for reading and writing, as Linux's default poll mask. */
int
dev_poll_rw(struct file *fp, int events, struct pollwait *pw)
{
	return DEV_POLLMASK & (events | POLLERR | POLLHUP);
}

int
dev_stat(struct file *fp, struct stat *st)
{
	if (fp->f_vnode == NULL) {
		memset(st, 0, sizeof(*st));
		st->st_mode = S_IFCHR | 0666;
		st->st_blksize = 4096;
		return 0;
	}
	VFS_LOCK();
	vnode_stat(fp->f_vnode, st);
	VFS_UNLOCK();
	return 0;
}

/* The memory devices accept any seek and stay at offset 0 (Linux). */
off_t
dev_seek_zero(struct file *fp, off_t cur, off_t off, int whence)
{
	return 0;
}

int
dev_ioctl_notty(struct file *fp, unsigned long cmd, void *data)
{
	return -ENOTTY;
}

void
dev_close(struct file *fp)
{
}

/* --- /dev ---------------------------------------------------------------------- */

static void
dev_fail(const char *what, int err)
{
	fprintf(stderr, "rump: dev_init: %s: %s\n", what, strerror(-err));
	abort();
}

void
dev_init(void)
{
	struct vnode *dvp, *vp;
	size_t i;
	int err;

	VFS_LOCK();
	err = rootvnode->v_op->vop_lookup(rootvnode, "dev", &dvp);
	if (err != 0)
		dev_fail("/dev", err);
	for (i = 0; i < NCDEVSW; i++) {
		err = dvp->v_op->vop_create(dvp, cdevsw[i].d_name,
		    S_IFCHR | cdevsw[i].d_mode, 0, 0, cdevsw[i].d_dev, NULL, &vp);
		if (err == -EEXIST)
			continue;
		if (err != 0)
			dev_fail(cdevsw[i].d_name, err);
		vrele_locked(vp);
	}
	vrele_locked(dvp);
	VFS_UNLOCK();
}
