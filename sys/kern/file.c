/*
 * file.c — open file descriptions and the uio transfer helper.
 *
 * A struct file is shared by every descriptor dup()ed or inherited from
 * the one open() or pipe() that made it; f_count counts those plus calls
 * in progress (fd_getfile).  The last reference closes the object behind
 * it, then drops the file's flock/OFD locks and its vnode reference.
 */
#include <errno.h>
#include <string.h>
#include "kern/file.h"
#include "vfs/vfs.h"

struct file *
file_alloc(enum ftype type, const struct fileops *ops, int flags)
{
	struct file *fp = kmem_zalloc(sizeof(*fp));

	if (fp == NULL)
		return NULL;
	atomic_init(&fp->f_count, 1);
	fp->f_type = type;
	fp->f_ops = ops;
	atomic_init(&fp->f_flag, flags);
	pthread_mutex_init(&fp->f_offlock, NULL);
	proc_getcred(curproc(), &fp->f_cred);
	return fp;
}

void
file_hold(struct file *fp)
{
	atomic_fetch_add(&fp->f_count, 1);
}

void
file_rele(struct file *fp)
{
	struct vnode *vp;

	if (atomic_fetch_sub(&fp->f_count, 1) != 1)
		return;
	if (fp->f_ops != NULL && fp->f_ops->fo_close != NULL)
		fp->f_ops->fo_close(fp);
	vp = fp->f_vnode;
	if (vp != NULL) {
		lf_release_file(vp, fp);
		vrele(vp);
	}
	pthread_mutex_destroy(&fp->f_offlock);
	kmem_free(fp, sizeof(*fp));
}

/* --- uio -------------------------------------------------------------------- */

void
uio_init1(struct uio *uio, struct iovec *iov, void *buf, size_t len,
    off_t off, enum uio_rw rw)
{
	iov->iov_base = buf;
	iov->iov_len = len;
	uio->uio_iov = iov;
	uio->uio_iovcnt = 1;
	uio->uio_offset = off;
	uio->uio_resid = len;
	uio->uio_rw = rw;
}

void
uio_advance(struct uio *uio, size_t n)
{
	struct iovec *iov = uio->uio_iov;

	iov->iov_base = (char *)iov->iov_base + n;
	iov->iov_len -= n;
	uio->uio_resid -= n;
	uio->uio_offset += (off_t)n;
}

size_t
uiomove(void *kbuf, size_t n, struct uio *uio)
{
	char *kp = kbuf;
	size_t done = 0;

	while (done < n && uio->uio_resid > 0 && uio->uio_iovcnt > 0) {
		struct iovec *iov = uio->uio_iov;
		size_t cnt = iov->iov_len;

		if (cnt == 0) {
			uio->uio_iov++;
			uio->uio_iovcnt--;
			continue;
		}
		if (cnt > n - done)
			cnt = n - done;
		if (uio->uio_rw == UIO_READ)
			memcpy(iov->iov_base, kp + done, cnt);
		else
			memcpy(kp + done, iov->iov_base, cnt);
		uio_advance(uio, cnt);
		done += cnt;
	}
	return done;
}

/* --- poll ------------------------------------------------------------------- */

void
pollwait_add(struct pollwait *pw, struct waitq *wq)
{
	if (pw == NULL || pw->pw_n >= pw->pw_max)
		return;
	waitq_enter(wq, &pw->pw_waiters[pw->pw_n++]);
}
