/*
 * file.h — open files and descriptor tables.
 *
 * A struct file is one open file description (what open() creates and
 * dup()/fork share): an offset, status flags and an operations vector over
 * whatever backs it (a vnode, a pipe end, a device).  A descriptor table
 * maps small integers to referenced files plus the per-descriptor
 * close-on-exec flag.
 */
#ifndef RUMP_KERN_FILE_H
#define RUMP_KERN_FILE_H

#include <fcntl.h>
#include <poll.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include "kern/kern.h"

/* --- uio: a scatter/gather transfer between kernel buffers ---------------- */

enum uio_rw { UIO_READ, UIO_WRITE };

struct uio {
	struct iovec	*uio_iov;	/* consumed as the transfer proceeds */
	int		 uio_iovcnt;
	off_t		 uio_offset;	/* file offset, for seekable objects */
	size_t		 uio_resid;	/* bytes still to move */
	enum uio_rw	 uio_rw;	/* READ: kernel -> caller's buffers */
};

/*
 * Moves up to n bytes between kbuf and the uio's buffers (direction by
 * uio_rw), advancing iov, offset and resid.  Returns bytes moved.
 */
size_t uiomove(void *kbuf, size_t n, struct uio *uio);
/* Consumes n bytes of the uio's current iovec (n <= its length). */
void uio_advance(struct uio *uio, size_t n);
/* Fills a uio over a single buffer. */
void uio_init1(struct uio *uio, struct iovec *iov, void *buf, size_t len,
    off_t off, enum uio_rw rw);

/* --- poll support ---------------------------------------------------------- */

/*
 * fo_poll(fp, events, pw): returns the currently ready events; if pw is not
 * NULL and nothing requested is ready, also enters pw's next waiter on the
 * object's wait queue(s) with pollwait_add().
 */
#define POLLWAIT_MAX 4
struct pollwait {
	struct waiter	*pw_waiters;	/* array supplied by poll */
	int		 pw_n, pw_max;
};
void pollwait_add(struct pollwait *pw, struct waitq *wq);

/* --- files ---------------------------------------------------------------- */

struct fileops {
	/* read/write at uio->uio_offset (ignored by non-seekable objects);
	 * return bytes moved or -errno; the caller updates f_offset. */
	ssize_t	(*fo_read)(struct file *fp, struct uio *uio);
	ssize_t	(*fo_write)(struct file *fp, struct uio *uio);
	int	(*fo_ioctl)(struct file *fp, unsigned long cmd, void *data);
	int	(*fo_poll)(struct file *fp, int events, struct pollwait *pw);
	int	(*fo_stat)(struct file *fp, struct stat *st);
	/* NULL: the object is not seekable (ESPIPE) */
	off_t	(*fo_seek)(struct file *fp, off_t cur, off_t off, int whence);
	/* called once, when the last reference goes */
	void	(*fo_close)(struct file *fp);
};

/* f_type */
enum ftype { FT_VNODE = 1, FT_PIPE, FT_DEV, FT_SOCKET };

struct file {
	atomic_int		 f_count;	/* references: descriptors, calls */
	enum ftype		 f_type;
	const struct fileops	*f_ops;
	atomic_int		 f_flag;	/* O_ACCMODE bits, O_APPEND, O_NONBLOCK, ... */
	pthread_mutex_t		 f_offlock;	/* serializes offset updates */
	off_t			 f_offset;	/* f_offlock */
	struct vnode		*f_vnode;	/* referenced, for FT_VNODE / fifo / dev nodes */
	void			*f_data;	/* pipe end, device state, ... */
	struct cred		 f_cred;	/* opener's credentials */
};

/* f_flag holds the open(2) flags except O_CREAT/O_EXCL/O_TRUNC/O_CLOEXEC */
#define FREAD(fp)	(((atomic_load(&(fp)->f_flag) & O_ACCMODE) != O_WRONLY) && \
			 !(atomic_load(&(fp)->f_flag) & O_PATH))
#define FWRITE(fp)	((atomic_load(&(fp)->f_flag) & O_ACCMODE) != O_RDONLY && \
			 !(atomic_load(&(fp)->f_flag) & O_PATH))

/* New file with one reference; NULL on ENOMEM. */
struct file *file_alloc(enum ftype type, const struct fileops *ops, int flags);
void file_hold(struct file *fp);
void file_rele(struct file *fp);	/* last one calls fo_close, vrele */

/* --- descriptor tables ------------------------------------------------------ */

#define FD_CLOEXEC_BIT	0x01
/* most descriptors a process may have: Linux's fs.nr_open default, the
 * cap of RLIMIT_NOFILE */
#define NR_OPEN_K	1048576

struct fdent {
	struct file	*fe_file;
	uint8_t		 fe_flags;	/* FD_CLOEXEC_BIT */
};

struct fdtable {
	pthread_mutex_t	 lock;
	int		 nfd;		/* slots allocated in tab */
	struct fdent	*tab;
	int		 lowfree;	/* hint: no free slot below this */
	struct proc	*owner;		/* for POSIX lock release; set by proc.c */
};

struct fdtable *fdtable_alloc(void);
/* Copy for fork: every open descriptor, same flags, files re-referenced. */
struct fdtable *fdtable_copy(struct fdtable *src);
void fdtable_free(struct fdtable *fdt);		/* closes everything */
void fdtable_closeexec(struct fdtable *fdt);	/* on exec */

/*
 * Installs fp at the lowest free descriptor >= minfd (below RLIMIT_NOFILE,
 * else -EMFILE), taking a new reference.  Returns the descriptor.
 */
int fd_alloc(struct proc *p, struct file *fp, int minfd, bool cloexec);
/* Referenced file for fd, or NULL (EBADF). Caller file_rele()s. */
struct file *fd_getfile(struct proc *p, int fd);
int fd_close(struct proc *p, int fd);
/* dup2/dup3 core: newfd replaced atomically; oldfd==newfd handled by caller */
int fd_dup2(struct proc *p, int oldfd, int newfd, bool cloexec);
int fd_getflags(struct proc *p, int fd);	/* FD_CLOEXEC or -EBADF */
int fd_setflags(struct proc *p, int fd, int flags);

/* --- pipes (pipe.c) --------------------------------------------------------- */

struct pipe;
/* A pipe pair as two files (read end, write end) for pipe2(). */
int pipe_create(int flags, struct file **rfp, struct file **wfp);
/*
 * FIFO support: the vnode layer keeps one struct pipe per FIFO vnode while
 * it is open.  fifo_open blocks per POSIX (O_NONBLOCK: reader succeeds,
 * writer gets -ENXIO without a reader) and returns a file over the pipe.
 */
struct pipe *pipe_alloc(void);
int fifo_open(struct vnode *vp, struct pipe **pipep, int flags,
    struct file **fpp);
/* F_GETPIPE_SZ / F_SETPIPE_SZ; -EBADF if fp is not a pipe or FIFO */
int pipe_fcntl(struct file *fp, int cmd, unsigned long arg);

/* --- advisory locks (vfs/lockf.c) -------------------------------------------- */

/*
 * POSIX record locks (owner = process), OFD locks (owner = file) and flock
 * (owner = file, whole-file) on a vnode.  Release of a process's POSIX
 * locks happens on every close() of any descriptor of that vnode.
 */
int lf_fcntl(struct file *fp, struct proc *p, int cmd, struct flock *fl);
int lf_flock(struct file *fp, int op);
void lf_release_proc(struct vnode *vp, struct proc *p);	/* on close */
void lf_release_file(struct vnode *vp, struct file *fp);	/* on last close */

#endif /* RUMP_KERN_FILE_H */
