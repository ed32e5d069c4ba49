/*
 * sys_generic.c — the read/write family and lseek, over any file.
 *
 * All eight transfer calls funnel into fileio(): descriptor and access
 * mode checks, iovec validation, then the file's fo_read/fo_write over a
 * uio.  For seekable files the implicit offset is read and advanced under
 * f_offlock, so concurrent read()s on one description never return the
 * same bytes; positional calls leave it alone.  O_APPEND is the vnode
 * write op's business: it moves uio_offset to the end, and the offset we
 * keep is where the uio ended.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include "kern/file.h"
#include "kern/sysent.h"

#define UIO_MAXIOV_K	1024
#define MAX_RW_COUNT	((size_t)INT_MAX & ~(size_t)4095)	/* Linux's cap */
#define IOV_STACK	8

/* Positional transfers pass their offset; -1 means "use f_offset". */
#define OFF_IMPLICIT	((off_t)-1)

/* Runs the op at the description's offset and moves it on. */
static ssize_t
fileio_implicit(struct file *fp, struct uio *uio)
{
	ssize_t n;
	off_t start;

	pthread_mutex_lock(&fp->f_offlock);
	start = uio->uio_offset = fp->f_offset;
	n = uio->uio_rw == UIO_READ ? fp->f_ops->fo_read(fp, uio) :
	    fp->f_ops->fo_write(fp, uio);
	if (uio->uio_offset != start)
		fp->f_offset = uio->uio_offset;
	else if (n > 0)
		fp->f_offset = start + n;
	pthread_mutex_unlock(&fp->f_offlock);
	return n;
}

/* Copies and checks the caller's iovecs; clamps the total as Linux does. */
static int
iov_import(const struct iovec *src, int iovcnt, struct iovec *dst,
    size_t *totalp)
{
	size_t total = 0;

	for (int i = 0; i < iovcnt; i++) {
		size_t len = src[i].iov_len;

		if (len > SSIZE_MAX)
			return -EINVAL;
		if (len > MAX_RW_COUNT - total)
			len = MAX_RW_COUNT - total;
		if (len > 0 && src[i].iov_base == NULL)
			return -EFAULT;
		dst[i].iov_base = src[i].iov_base;
		dst[i].iov_len = len;
		total += len;
	}
	*totalp = total;
	return 0;
}

static ssize_t
fileio_file(struct file *fp, struct iovec *iov, int iovcnt, size_t total,
    off_t off, enum uio_rw rw)
{
	ssize_t (*op)(struct file *, struct uio *) =
	    rw == UIO_READ ? fp->f_ops->fo_read : fp->f_ops->fo_write;
	struct uio uio = {
		.uio_iov = iov, .uio_iovcnt = iovcnt, .uio_offset = 0,
		.uio_resid = total, .uio_rw = rw,
	};

	if (op == NULL)
		return -EINVAL;
	if (fp->f_ops->fo_seek != NULL) {
		off_t base = off == OFF_IMPLICIT ? 0 : off;

		if ((uint64_t)base + total > (uint64_t)INT64_MAX)
			return -EINVAL;
		if (off == OFF_IMPLICIT)
			return fileio_implicit(fp, &uio);
		uio.uio_offset = off;
	}
	return op(fp, &uio);
}

/*
 * vec: readv/writev family, which (unlike read/write) return 0 for an
 * empty transfer without asking the file, so even a directory gives 0.
 */
static ssize_t
fileio(int fd, const struct iovec *uiov, int iovcnt, off_t off,
    enum uio_rw rw, bool vec)
{
	struct iovec stackiov[IOV_STACK], *iov = stackiov;
	struct file *fp;
	size_t total;
	ssize_t rv;

	if ((fp = fd_getfile(curproc(), fd)) == NULL)
		return -EBADF;
	if (off != OFF_IMPLICIT && fp->f_ops->fo_seek == NULL)
		rv = -ESPIPE;
	else if (rw == UIO_READ ? !FREAD(fp) : !FWRITE(fp))
		rv = -EBADF;
	else if (iovcnt < 0 || iovcnt > UIO_MAXIOV_K)
		rv = -EINVAL;
	else if (iovcnt > IOV_STACK &&
	    (iov = kmem_alloc(iovcnt * sizeof(*iov))) == NULL)
		rv = -ENOMEM;
	else if ((rv = iov_import(uiov, iovcnt, iov, &total)) == 0 &&
	    (total > 0 || !vec))
		rv = fileio_file(fp, iov, iovcnt, total, off, rw);
	if (iov != stackiov && iov != NULL)
		kmem_free(iov, iovcnt * sizeof(*iov));
	file_rele(fp);
	return rv;
}

static ssize_t
fileio1(int fd, void *buf, size_t count, off_t off, enum uio_rw rw)
{
	struct iovec iov = { .iov_base = buf, .iov_len = count };

	if (count > SSIZE_MAX)
		iov.iov_len = MAX_RW_COUNT;
	return fileio(fd, &iov, 1, off, rw, false);
}

long
sys_read(int fd, void *buf, size_t count)
{
	return fileio1(fd, buf, count, OFF_IMPLICIT, UIO_READ);
}

long
sys_write(int fd, const void *buf, size_t count)
{
	return fileio1(fd, (void *)buf, count, OFF_IMPLICIT, UIO_WRITE);
}

long
sys_pread(int fd, void *buf, size_t count, off_t offset)
{
	if (offset < 0)
		return -EINVAL;
	return fileio1(fd, buf, count, offset, UIO_READ);
}

long
sys_pwrite(int fd, const void *buf, size_t count, off_t offset)
{
	if (offset < 0)
		return -EINVAL;
	return fileio1(fd, (void *)buf, count, offset, UIO_WRITE);
}

long
sys_readv(int fd, const struct iovec *iov, int iovcnt)
{
	return fileio(fd, iov, iovcnt, OFF_IMPLICIT, UIO_READ, true);
}

long
sys_writev(int fd, const struct iovec *iov, int iovcnt)
{
	return fileio(fd, iov, iovcnt, OFF_IMPLICIT, UIO_WRITE, true);
}

long
sys_preadv(int fd, const struct iovec *iov, int iovcnt, off_t offset)
{
	if (offset < 0)
		return -EINVAL;
	return fileio(fd, iov, iovcnt, offset, UIO_READ, true);
}

long
sys_pwritev(int fd, const struct iovec *iov, int iovcnt, off_t offset)
{
	if (offset < 0)
		return -EINVAL;
	return fileio(fd, iov, iovcnt, offset, UIO_WRITE, true);
}

long
sys_lseek(int fd, off_t offset, int whence)
{
	struct file *fp = fd_getfile(curproc(), fd);
	off_t rv;

	if (fp == NULL)
		return -EBADF;
	if (atomic_load(&fp->f_flag) & O_PATH)
		rv = -EBADF;
	else if (whence < SEEK_SET || whence > SEEK_HOLE)
		rv = -EINVAL;
	else if (fp->f_ops->fo_seek == NULL)
		rv = -ESPIPE;
	else {
		pthread_mutex_lock(&fp->f_offlock);
		rv = fp->f_ops->fo_seek(fp, fp->f_offset, offset, whence);
		if (rv >= 0)
			fp->f_offset = rv;
		pthread_mutex_unlock(&fp->f_offlock);
	}
	file_rele(fp);
	return rv;
}
