/*
 * dev_mem.c — the memory devices of Linux's major 1: /dev/null (reads
 * end at once, writes vanish), /dev/zero (reads give zeros, writes
 * vanish) and /dev/full (reads give zeros, writes fail with ENOSPC, even
 * empty ones, as on Linux).  All are stateless and never block.
 */
#include <errno.h>
#include <string.h>
#include "dev/dev.h"

static ssize_t
null_read(struct file *fp, struct uio *uio)
{
	return 0;
}

static ssize_t
discard_write(struct file *fp, struct uio *uio)
{
	return dev_uio_discard(uio);
}

static ssize_t
zero_fill(void *base, size_t len)
{
	memset(base, 0, len);
	return (ssize_t)len;
}

static ssize_t
zero_read(struct file *fp, struct uio *uio)
{
	return dev_uio_fill(uio, zero_fill);
}

static ssize_t
full_write(struct file *fp, struct uio *uio)
{
	return -ENOSPC;
}

const struct fileops devnull_fileops = {
	.fo_read	= null_read,
	.fo_write	= discard_write,
	.fo_ioctl	= dev_ioctl_notty,
	.fo_poll	= dev_poll_rw,
	.fo_stat	= dev_stat,
	.fo_seek	= dev_seek_zero,
	.fo_close	= dev_close,
};

const struct fileops devzero_fileops = {
	.fo_read	= zero_read,
	.fo_write	= discard_write,
	.fo_ioctl	= dev_ioctl_notty,
	.fo_poll	= dev_poll_rw,
	.fo_stat	= dev_stat,
	.fo_seek	= dev_seek_zero,
	.fo_close	= dev_close,
};

const struct fileops devfull_fileops = {
	.fo_read	= zero_read,
	.fo_write	= full_write,
	.fo_ioctl	= dev_ioctl_notty,
	.fo_poll	= dev_poll_rw,
	.fo_stat	= dev_stat,
	.fo_seek	= dev_seek_zero,
	.fo_close	= dev_close,
};
