/*
 * pipe.c — pipes and FIFOs, with Linux semantics.
 *
 * A pipe is a ring of page-sized buffers (16 slots, 64 KiB, unless
 * F_SETPIPE_SZ changes it) with counts of open read and write sides.
 * The accounting is Linux's, page by page, because programs see it: a
 * write's tail of under a page is merged into the last buffer only if it
 * fits whole, everything else takes fresh slots, and "full" means no free
 * slot.  Pages are allocated as data arrives and freed as it is read.  pipe(2) makes one with two files
 * over it; a FIFO vnode gets one on its first open (fifo_open) and loses
 * it on its last close, data and all, as on Linux.
 *
 * Semantics kept from Linux: reads return what is there (0 at EOF, when
 * no writer remains); writes of at most PIPE_BUF bytes are atomic, longer
 * ones may be split and, non-blocking, partial; O_DIRECT writes make
 * packets (one per page) that a read returns one at a time; no reader
 * means -EPIPE
 * (SIGPIPE is not delivered); POLLHUP on a read side only once a writer
 * has come and gone since it opened; opening a FIFO waits for the other
 * side unless O_NONBLOCK (a writer then fails -ENXIO) or O_RDWR.
 *
 * Locks: fifo_lock (global) > pipe.pi_lock > its waitq.  fifo_lock guards
 * every FIFO vnode's v_fifo pointer — instead of vfs_lock, because
 * fifo_open is entered without vfs_lock and may sleep — and the open
 * counts of FIFO pipes whenever they may reach or leave zero, so a pipe is
 * freed exactly when its last side goes.  pi_lock guards the rest.  Every
 * state change wakes the one wait queue; sleepers recheck.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include "kern/file.h"
#include "vfs/vfs.h"

#define PIPE_PAGE	4096
#define PIPE_DEFSLOTS	16		/* 64 KiB, Linux's default */
#define PIPE_MAXSIZE	1048576		/* fs.pipe-max-size, for non-root */
#define PIPEFS_DEV	makedev(0, 12)

struct pipe_buf {
	char		*pb_page;
	unsigned	 pb_off, pb_len;	/* data: [off, off + len) */
	bool		 pb_packet;		/* O_DIRECT write: no merging */
};

struct pipe {
	pthread_mutex_t	 pi_lock;
	struct waitq	 pi_wq;		/* readers, writers, pollers, openers */
	struct pipe_buf	*pi_bufs;	/* ring of pi_nslots */
	unsigned	 pi_nslots, pi_tail, pi_used;
	size_t		 pi_bytes;	/* data in the ring, for FIONREAD */
	char		*pi_spare;	/* one freed page kept for reuse */
	int		 pi_readers, pi_writers;
	unsigned	 pi_rgen, pi_wgen;	/* opens of each side, ever */
	struct pipe	**pi_fifop;	/* FIFO: &vnode->v_fifo; immutable */
	ino_t		 pi_ino;
	struct timespec	 pi_atime, pi_mtime, pi_ctime;
};

/* A file's view of its pipe (f_data). */
struct pipe_end {
	struct pipe	*pe_pipe;
	unsigned	 pe_wgen;	/* pi_wgen when this side opened */
};

static pthread_mutex_t fifo_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_ulong pipe_nextino = 1;
static const struct fileops pipe_fileops;

struct pipe *
pipe_alloc(void)
{
	struct pipe *pi = kmem_zalloc(sizeof(*pi));

	if (pi == NULL)
		return NULL;
	pi->pi_bufs = kmem_zalloc(PIPE_DEFSLOTS * sizeof(struct pipe_buf));
	if (pi->pi_bufs == NULL) {
		kmem_free(pi, sizeof(*pi));
		return NULL;
	}
	pi->pi_nslots = PIPE_DEFSLOTS;
	pthread_mutex_init(&pi->pi_lock, NULL);
	waitq_init(&pi->pi_wq);
	pi->pi_ino = atomic_fetch_add(&pipe_nextino, 1);
	clock_gettime(CLOCK_REALTIME, &pi->pi_ctime);
	pi->pi_atime = pi->pi_mtime = pi->pi_ctime;
	return pi;
}

static void
pipe_free(struct pipe *pi)
{
	for (unsigned i = 0; i < pi->pi_used; i++) {
		struct pipe_buf *pb = &pi->pi_bufs[(pi->pi_tail + i) % pi->pi_nslots];

		kmem_free(pb->pb_page, PIPE_PAGE);
	}
	kmem_free(pi->pi_spare, PIPE_PAGE);
	kmem_free(pi->pi_bufs, pi->pi_nslots * sizeof(struct pipe_buf));
	waitq_destroy(&pi->pi_wq);
	pthread_mutex_destroy(&pi->pi_lock);
	kmem_free(pi, sizeof(*pi));
}

/* Drops one side (or both); frees the pipe when nothing is open. */
static void
pipe_detach(struct pipe *pi, bool rd, bool wr)
{
	bool fifo = pi->pi_fifop != NULL, gone;

	if (fifo)
		pthread_mutex_lock(&fifo_lock);
	pthread_mutex_lock(&pi->pi_lock);
	pi->pi_readers -= rd;
	pi->pi_writers -= wr;
	gone = pi->pi_readers == 0 && pi->pi_writers == 0;
	waitq_wakeup(&pi->pi_wq);
	pthread_mutex_unlock(&pi->pi_lock);
	if (fifo) {
		if (gone)
			*pi->pi_fifop = NULL;
		pthread_mutex_unlock(&fifo_lock);
	}
	if (gone)
		pipe_free(pi);
}

/* Sleeps until the pipe changes; pi_lock held, dropped while asleep. */
static int
pipe_wait(struct pipe *pi)
{
	struct waiter w;
	int err;

	waitq_enter(&pi->pi_wq, &w);
	pthread_mutex_unlock(&pi->pi_lock);
	err = waitq_park(&w, NULL);
	waitq_leave(&w);
	pthread_mutex_lock(&pi->pi_lock);
	return err;
}

static bool
file_nonblock(struct file *fp)
{
	return (atomic_load(&fp->f_flag) & O_NONBLOCK) != 0;
}

/* --- data ------------------------------------------------------------------- */

static struct pipe_buf *
pipe_oldest(struct pipe *pi)
{
	return &pi->pi_bufs[pi->pi_tail];
}

static struct pipe_buf *
pipe_newest(struct pipe *pi)
{
	return &pi->pi_bufs[(pi->pi_tail + pi->pi_used - 1) % pi->pi_nslots];
}

/* Drops the oldest buffer, keeping its page as the spare. */
static void
pipe_pop(struct pipe *pi)
{
	struct pipe_buf *pb = pipe_oldest(pi);

	if (pi->pi_spare == NULL)
		pi->pi_spare = pb->pb_page;
	else
		kmem_free(pb->pb_page, PIPE_PAGE);
	pb->pb_page = NULL;
	pi->pi_tail = (pi->pi_tail + 1) % pi->pi_nslots;
	pi->pi_used--;
}

/* Fills a new slot from uio (up to a page); the ring is not full. */
static int
pipe_push(struct pipe *pi, struct uio *uio, bool packet)
{
	struct pipe_buf *pb;
	char *page = pi->pi_spare;

	if (page != NULL)
		pi->pi_spare = NULL;
	else if ((page = kmem_alloc(PIPE_PAGE)) == NULL)
		return -ENOMEM;
	pb = &pi->pi_bufs[(pi->pi_tail + pi->pi_used) % pi->pi_nslots];
	pb->pb_page = page;
	pb->pb_off = 0;
	pb->pb_len = uiomove(page, PIPE_PAGE, uio);
	pb->pb_packet = packet;
	pi->pi_used++;
	pi->pi_bytes += pb->pb_len;
	return (int)pb->pb_len;
}

/* Moves data from the oldest buffer; true if the read is complete. */
static bool
pipe_take(struct pipe *pi, struct uio *uio, ssize_t *rv)
{
	struct pipe_buf *pb = pipe_oldest(pi);
	size_t n = uiomove(pb->pb_page + pb->pb_off, pb->pb_len, uio);
	bool done = uio->uio_resid == 0;

	*rv += n;
	pb->pb_off += n;
	pb->pb_len -= n;
	pi->pi_bytes -= n;
	if (pb->pb_packet) {
		/* a packet is read whole or its rest is dropped */
		pi->pi_bytes -= pb->pb_len;
		pb->pb_len = 0;
		done = true;
	}
	if (pb->pb_len == 0)
		pipe_pop(pi);
	return done;
}

static ssize_t
pipe_read(struct file *fp, struct uio *uio)
{
	struct pipe *pi = ((struct pipe_end *)fp->f_data)->pe_pipe;
	ssize_t rv = 0;
	int err;

	if (uio->uio_resid == 0)
		return 0;
	pthread_mutex_lock(&pi->pi_lock);
	for (;;) {
		if (pi->pi_used > 0) {
			if (pipe_take(pi, uio, &rv))
				break;
			if (pi->pi_used > 0)
				continue;
		}
		if (pi->pi_writers == 0 || rv > 0)
			break;
		if (file_nonblock(fp)) {
			rv = -EAGAIN;
			break;
		}
		if ((err = pipe_wait(pi)) != 0) {
			rv = err;
			break;
		}
	}
	if (rv > 0) {
		clock_gettime(CLOCK_REALTIME, &pi->pi_atime);
		waitq_wakeup(&pi->pi_wq);
	}
	pthread_mutex_unlock(&pi->pi_lock);
	return rv;
}

/*
 * Linux's merge rule: the part of a write past its last page boundary goes
 * into the last buffer if it fits there whole.  Returns bytes merged.
 */
static size_t
pipe_merge(struct pipe *pi, struct uio *uio, bool packet)
{
	size_t chars = uio->uio_resid & (PIPE_PAGE - 1);
	struct pipe_buf *pb;
	size_t end, n;

	if (chars == 0 || pi->pi_used == 0 || packet)
		return 0;
	pb = pipe_newest(pi);
	end = pb->pb_off + pb->pb_len;
	if (pb->pb_packet || end + chars > PIPE_PAGE)
		return 0;
	n = uiomove(pb->pb_page + end, chars, uio);
	pb->pb_len += n;
	pi->pi_bytes += n;
	return n;
}

static ssize_t
pipe_write(struct file *fp, struct uio *uio)
{
	struct pipe *pi = ((struct pipe_end *)fp->f_data)->pe_pipe;
	bool packet = (atomic_load(&fp->f_flag) & O_DIRECT) != 0;
	ssize_t rv = 0;
	int err = 0;

	if (uio->uio_resid == 0)
		return 0;
	pthread_mutex_lock(&pi->pi_lock);
	if (pi->pi_readers > 0)
		rv = pipe_merge(pi, uio, packet);
	while (uio->uio_resid > 0) {
		if (pi->pi_readers == 0) {
			err = -EPIPE;
			break;
		}
		if (pi->pi_used < pi->pi_nslots) {
			if ((err = pipe_push(pi, uio, packet)) < 0)
				break;
			rv += err;
			err = 0;
			waitq_wakeup(&pi->pi_wq);
			continue;
		}
		if (file_nonblock(fp)) {
			err = -EAGAIN;
			break;
		}
		if ((err = pipe_wait(pi)) != 0)
			break;
	}
	if (rv > 0) {
		clock_gettime(CLOCK_REALTIME, &pi->pi_mtime);
		pi->pi_ctime = pi->pi_mtime;
		waitq_wakeup(&pi->pi_wq);
	}
	pthread_mutex_unlock(&pi->pi_lock);
	return rv > 0 ? rv : err;
}

/* --- control ---------------------------------------------------------------- */

static int
pipe_poll(struct file *fp, int events, struct pollwait *pw)
{
	struct pipe_end *pe = fp->f_data;
	struct pipe *pi = pe->pe_pipe;
	int mask = 0;

	pthread_mutex_lock(&pi->pi_lock);
	if (FREAD(fp)) {
		if (pi->pi_used > 0)
			mask |= POLLIN | POLLRDNORM;
		if (pi->pi_writers == 0 && pe->pe_wgen != pi->pi_wgen)
			mask |= POLLHUP;
	}
	if (FWRITE(fp)) {
		if (pi->pi_used < pi->pi_nslots)
			mask |= POLLOUT | POLLWRNORM;
		if (pi->pi_readers == 0)
			mask |= POLLERR;
	}
	if ((mask & (events | POLLHUP | POLLERR)) == 0)
		pollwait_add(pw, &pi->pi_wq);
	pthread_mutex_unlock(&pi->pi_lock);
	return mask;
}

static int
pipe_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	struct pipe *pi = ((struct pipe_end *)fp->f_data)->pe_pipe;

	if (cmd != FIONREAD)
		return -ENOTTY;
	if (data == NULL)
		return -EFAULT;
	pthread_mutex_lock(&pi->pi_lock);
	*(int *)data = (int)pi->pi_bytes;
	pthread_mutex_unlock(&pi->pi_lock);
	return 0;
}

static int
pipe_stat(struct file *fp, struct stat *st)
{
	struct pipe *pi = ((struct pipe_end *)fp->f_data)->pe_pipe;

	if (fp->f_vnode != NULL) {
		VFS_LOCK();
		vnode_stat(fp->f_vnode, st);
		VFS_UNLOCK();
		return 0;
	}
	memset(st, 0, sizeof(*st));
	st->st_dev = PIPEFS_DEV;
	st->st_mode = S_IFIFO | 0600;
	st->st_nlink = 1;
	st->st_uid = fp->f_cred.euid;
	st->st_gid = fp->f_cred.egid;
	st->st_blksize = PIPE_BUF;
	pthread_mutex_lock(&pi->pi_lock);
	st->st_ino = pi->pi_ino;
	st->st_atim = pi->pi_atime;
	st->st_mtim = pi->pi_mtime;
	st->st_ctim = pi->pi_ctime;
	pthread_mutex_unlock(&pi->pi_lock);
	return 0;
}

static void
pipe_close(struct file *fp)
{
	struct pipe_end *pe = fp->f_data;

	if (pe == NULL)
		return;
	pipe_detach(pe->pe_pipe, FREAD(fp), FWRITE(fp));
	kmem_free(pe, sizeof(*pe));
	fp->f_data = NULL;
}

static const struct fileops pipe_fileops = {
	.fo_read = pipe_read,
	.fo_write = pipe_write,
	.fo_ioctl = pipe_ioctl,
	.fo_poll = pipe_poll,
	.fo_stat = pipe_stat,
	.fo_seek = NULL,
	.fo_close = pipe_close,
};

/* Linux's round_pipe_size(): a power-of-two number of pages. */
static unsigned
pipe_roundslots(unsigned long arg)
{
	unsigned long n = PIPE_PAGE;

	while (n < arg)
		n <<= 1;
	return (unsigned)(n / PIPE_PAGE);
}

/* F_SETPIPE_SZ: -EBUSY if the data does not fit the new ring. */
static int
pipe_resize(struct pipe *pi, unsigned long arg)
{
	struct pipe_buf *bufs;
	unsigned n;

	/* Linux takes up to 2^31, but that size does not fit the int
	 * result (it would read as an errno): the largest ring is 1 GiB */
	if (arg > (1UL << 30))
		return -EINVAL;
	n = pipe_roundslots(arg);
	if ((size_t)n * PIPE_PAGE > PIPE_MAXSIZE) {
		struct cred c;

		proc_getcred(curproc(), &c);
		if (!cred_isroot(&c))
			return -EPERM;
	}
	if ((bufs = kmem_zalloc(n * sizeof(*bufs))) == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&pi->pi_lock);
	if (pi->pi_used > n) {
		pthread_mutex_unlock(&pi->pi_lock);
		kmem_free(bufs, n * sizeof(*bufs));
		return -EBUSY;
	}
	for (unsigned i = 0; i < pi->pi_used; i++)
		bufs[i] = pi->pi_bufs[(pi->pi_tail + i) % pi->pi_nslots];
	kmem_free(pi->pi_bufs, pi->pi_nslots * sizeof(*bufs));
	pi->pi_bufs = bufs;
	pi->pi_nslots = n;
	pi->pi_tail = 0;
	waitq_wakeup(&pi->pi_wq);
	pthread_mutex_unlock(&pi->pi_lock);
	return (int)(n * PIPE_PAGE);
}

int
pipe_fcntl(struct file *fp, int cmd, unsigned long arg)
{
	struct pipe *pi;
	int rv;

	if (fp->f_ops != &pipe_fileops || fp->f_data == NULL)
		return -EBADF;
	pi = ((struct pipe_end *)fp->f_data)->pe_pipe;
	if (cmd == F_SETPIPE_SZ)
		return pipe_resize(pi, arg);
	pthread_mutex_lock(&pi->pi_lock);
	rv = (int)(pi->pi_nslots * PIPE_PAGE);
	pthread_mutex_unlock(&pi->pi_lock);
	return rv;
}

/* --- creation ---------------------------------------------------------------- */

#define FILE_OPENFLAGS_DROP	(O_CREAT | O_EXCL | O_TRUNC | O_CLOEXEC | O_NOCTTY)

/* A file for one side of a pipe, not yet attached to it (f_data NULL). */
static int
pipe_file(int flags, struct pipe_end **pep, struct file **fpp)
{
	struct pipe_end *pe = kmem_zalloc(sizeof(*pe));
	struct file *fp;

	if (pe == NULL)
		return -ENOMEM;
	fp = file_alloc(FT_PIPE, &pipe_fileops, flags & ~FILE_OPENFLAGS_DROP);
	if (fp == NULL) {
		kmem_free(pe, sizeof(*pe));
		return -ENOMEM;
	}
	*pep = pe;
	*fpp = fp;
	return 0;
}

/*
 * Both ends share one unlinked pipefs node, which gives the pipe an owner,
 * a mode and times (fstat, fchmod, fchown, futimens work, as on Linux).
 * On failure both files are released.
 */
static int
pipe_anon_node(struct file *rfp, struct file *wfp)
{
	struct cred c;
	struct vnode *vp;
	int err;

	proc_getcred(curproc(), &c);
	if ((err = vfs_anon_vnode(S_IFIFO | 0600, &c, &vp)) != 0) {
		file_rele(rfp);
		file_rele(wfp);
		return err;
	}
	VFS_LOCK();
	vref(vp);
	VFS_UNLOCK();
	rfp->f_vnode = vp;
	wfp->f_vnode = vp;
	return 0;
}

int
pipe_create(int flags, struct file **rfp, struct file **wfp)
{
	struct pipe_end *rpe, *wpe;
	struct pipe *pi;
	int nb = flags & O_NONBLOCK;

	if ((pi = pipe_alloc()) == NULL)
		return -ENOMEM;
	if (pipe_file(O_RDONLY | nb, &rpe, rfp) != 0) {
		pipe_free(pi);
		return -ENOMEM;
	}
	/* as on Linux, only the write side carries O_DIRECT (packets) */
	if (pipe_file(O_WRONLY | nb | (flags & O_DIRECT), &wpe, wfp) != 0) {
		file_rele(*rfp);
		kmem_free(rpe, sizeof(*rpe));
		pipe_free(pi);
		return -ENOMEM;
	}
	pi->pi_readers = pi->pi_writers = 1;
	pi->pi_rgen = pi->pi_wgen = 1;
	rpe->pe_pipe = wpe->pe_pipe = pi;
	(*rfp)->f_data = rpe;
	(*wfp)->f_data = wpe;
	return pipe_anon_node(*rfp, *wfp);
}

/*
 * Finds or makes vp's pipe and counts the new side in; fifo_lock held.
 * gens[] gets the read and write open generations from before, *partner
 * whether the other side was open then.  A non-blocking writer with no
 * reader is refused (-ENXIO) untouched.
 */
static int
fifo_attach(struct pipe **pipep, int acc, bool nonblock, struct pipe **pip,
    unsigned gens[2], bool *partner)
{
	struct pipe *pi = *pipep;

	if (pi == NULL) {
		if ((pi = pipe_alloc()) == NULL)
			return -ENOMEM;
		pi->pi_fifop = pipep;
		*pipep = pi;
	}
	pthread_mutex_lock(&pi->pi_lock);
	if (acc == O_WRONLY && nonblock && pi->pi_readers == 0) {
		bool unused = pi->pi_writers == 0;

		pthread_mutex_unlock(&pi->pi_lock);
		if (unused) {
			*pipep = NULL;
			pipe_free(pi);
		}
		return -ENXIO;
	}
	gens[0] = pi->pi_rgen;
	gens[1] = pi->pi_wgen;
	*partner = acc == O_RDONLY ? pi->pi_writers > 0 : pi->pi_readers > 0;
	if (acc != O_WRONLY) {
		pi->pi_readers++;
		pi->pi_rgen++;
	}
	if (acc != O_RDONLY) {
		pi->pi_writers++;
		pi->pi_wgen++;
	}
	waitq_wakeup(&pi->pi_wq);
	pthread_mutex_unlock(&pi->pi_lock);
	*pip = pi;
	return 0;
}

/*
 * Blocking open of one side that found the other side closed: waits until
 * it has been opened since (it may have come and gone already, which
 * must not leave us waiting).
 */
static int
fifo_wait_partner(struct pipe *pi, int acc, const unsigned gens[2])
{
	unsigned *gen = acc == O_RDONLY ? &pi->pi_wgen : &pi->pi_rgen;
	unsigned gen0 = acc == O_RDONLY ? gens[1] : gens[0];
	int err = 0;

	pthread_mutex_lock(&pi->pi_lock);
	while (err == 0 && *gen == gen0)
		err = pipe_wait(pi);
	pthread_mutex_unlock(&pi->pi_lock);
	return err;
}

/*
 * Opens a FIFO vnode (vfs_lock not held; may sleep).  The file references
 * vp so that fstat() reports the FIFO's own attributes.
 */
int
fifo_open(struct vnode *vp, struct pipe **pipep, int flags, struct file **fpp)
{
	int acc = flags & O_ACCMODE, err;
	bool nonblock = (flags & O_NONBLOCK) != 0, partner;
	struct pipe_end *pe;
	struct pipe *pi = NULL;
	unsigned gens[2];
	struct file *fp;

	if (acc == O_ACCMODE || (flags & O_PATH))
		return -EINVAL;
	if ((err = pipe_file(flags, &pe, &fp)) != 0)
		return err;
	pthread_mutex_lock(&fifo_lock);
	err = fifo_attach(pipep, acc, nonblock, &pi, gens, &partner);
	pthread_mutex_unlock(&fifo_lock);
	if (err == 0 && acc != O_RDWR && !partner) {
		if (!nonblock)
			err = fifo_wait_partner(pi, acc, gens);
		else if (acc == O_RDONLY)
			pe->pe_wgen = gens[1];	/* no POLLHUP before a writer */
	}
	if (err != 0) {
		if (pi != NULL)		/* attached, then interrupted */
			pipe_detach(pi, acc != O_WRONLY, acc != O_RDONLY);
		file_rele(fp);
		kmem_free(pe, sizeof(*pe));
		return err;
	}
	pe->pe_pipe = pi;
	fp->f_data = pe;
	VFS_LOCK();
	vref(vp);
	VFS_UNLOCK();
	fp->f_vnode = vp;
	*fpp = fp;
	return 0;
}
