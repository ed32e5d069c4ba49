/*
 * dev_random.c — /dev/random and /dev/urandom, served from the host's
 * getrandom(2).  Since Linux 5.6 both only differ before the host's pool
 * is initialised; we ask the host without GRND_NONBLOCK, so a read on a
 * freshly booted host waits for it exactly as the host device would.
 * Writes are accepted and dropped: Linux mixes them into the pool without
 * crediting entropy, which the host pool does not need from us.
 * Linux's random ioctls (RNDGETENTCNT, ...) are not provided: EINVAL, the
 * error Linux gives for an unknown command on these devices.
 */
#include <errno.h>
#include <sys/random.h>
#include "dev/dev.h"

static ssize_t
random_fill(void *base, size_t len)
{
	ssize_t n;

	do {
		n = getrandom(base, len, 0);
	} while (n < 0 && errno == EINTR);
	return n < 0 ? -errno : n;
}

static ssize_t
random_read(struct file *fp, struct uio *uio)
{
	return dev_uio_fill(uio, random_fill);
}

static ssize_t
random_write(struct file *fp, struct uio *uio)
{
	return dev_uio_discard(uio);
}

static int
random_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	return -EINVAL;
}

/* /dev/random reports only readability once the pool is ready (Linux). */
static int
random_poll(struct file *fp, int events, struct pollwait *pw)
{
	return (POLLIN | POLLRDNORM) & (events | POLLERR | POLLHUP);
}

const struct fileops devrandom_fileops = {
	.fo_read	= random_read,
	.fo_write	= random_write,
	.fo_ioctl	= random_ioctl,
	.fo_poll	= random_poll,
	.fo_stat	= dev_stat,
	.fo_seek	= dev_seek_zero,
	.fo_close	= dev_close,
};

const struct fileops devurandom_fileops = {
	.fo_read	= random_read,
	.fo_write	= random_write,
	.fo_ioctl	= random_ioctl,
	.fo_poll	= dev_poll_rw,
	.fo_stat	= dev_stat,
	.fo_seek	= dev_seek_zero,
	.fo_close	= dev_close,
};
