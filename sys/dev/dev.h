/*
 * dev.h — shared between the character-device drivers in sys/dev/:
 * each driver file exports its fileops, dev.c lists them in the cdevsw
 * table and provides the helpers every memory-like device uses.
 * Nothing outside sys/dev/ includes this; the VFS reaches drivers only
 * through cdev_lookup() (vfs.h).
 */
#ifndef RUMP_DEV_DEV_H
#define RUMP_DEV_DEV_H

#include "kern/file.h"

extern const struct fileops devnull_fileops;
extern const struct fileops devzero_fileops;
extern const struct fileops devfull_fileops;
extern const struct fileops devrandom_fileops;
extern const struct fileops devurandom_fileops;

/*
 * Calls fill(base, len) over the uio's buffers in chunks until it is
 * exhausted, fill fails or the caller is cancelled; advances the uio.
 * Returns bytes done, else fill's error or -EINTR.
 */
ssize_t dev_uio_fill(struct uio *uio, ssize_t (*fill)(void *base, size_t len));
/* Consumes a write without looking at it; returns its size. */
ssize_t dev_uio_discard(struct uio *uio);

/* Operations common to the memory devices. */
int dev_poll_rw(struct file *fp, int events, struct pollwait *pw);
int dev_stat(struct file *fp, struct stat *st);
off_t dev_seek_zero(struct file *fp, off_t cur, off_t off, int whence);
int dev_ioctl_notty(struct file *fp, unsigned long cmd, void *data);
void dev_close(struct file *fp);

#endif /* RUMP_DEV_DEV_H */
