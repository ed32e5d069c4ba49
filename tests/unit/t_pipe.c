/*
 * t_pipe.c — pipes and FIFOs: data and EOF, blocking readers and writers
 * in different host threads, PIPE_BUF atomicity between concurrent
 * writers, non-blocking mode, poll/ppoll readiness, and FIFO open rules.
 * Host threads that never bind an lwp run as pid 1, so they share pid 1's
 * descriptor table with the main thread.
 */
#include "test_util.h"
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <time.h>

#define PIPEBUF	4096

static long
ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
pipe_basic(void **state)
{
	char buf[16];
	int p[2], n = -1;

	OK(rump_sys_pipe(p));
	assert_true(p[0] != p[1]);
	EQ(O_RDONLY, rump_sys_fcntl(p[0], F_GETFL) & O_ACCMODE);
	EQ(O_WRONLY, rump_sys_fcntl(p[1], F_GETFL) & O_ACCMODE);
	EQ(5, rump_sys_write(p[1], "hello", 5));
	OK(rump_sys_ioctl(p[0], FIONREAD, &n));
	EQ(5, n);
	EQ(2, rump_sys_read(p[0], buf, 2));
	assert_memory_equal(buf, "he", 2);
	EQ(3, rump_sys_read(p[0], buf, sizeof(buf)));
	assert_memory_equal(buf, "llo", 3);
	EQ(3, rump_sys_write(p[1], "end", 3));
	OK(rump_sys_close(p[1]));
	/* buffered data first, then EOF, EOF again */
	EQ(3, rump_sys_read(p[0], buf, sizeof(buf)));
	EQ(0, rump_sys_read(p[0], buf, sizeof(buf)));
	EQ(0, rump_sys_read(p[0], buf, sizeof(buf)));
	OK(rump_sys_close(p[0]));
	/* the pipe's fstat: a FIFO */
	struct stat st;
	OK(rump_sys_pipe2(p, O_NONBLOCK));
	OK(rump_sys_fstat(p[0], &st));
	assert_true(S_ISFIFO(st.st_mode));
	assert_true((rump_sys_fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
	assert_true((rump_sys_fcntl(p[1], F_GETFL) & O_NONBLOCK) != 0);
	OK(rump_sys_close(p[0]));
	OK(rump_sys_close(p[1]));
}

struct stream {
	int	fd;
	size_t	len;
	int	id;
	long	result;
	int	err;
};

static void *
writer_thread(void *arg)
{
	struct stream *s = arg;
	unsigned char buf[1000];
	size_t done = 0;

	while (done < s->len) {
		size_t n = s->len - done < sizeof(buf) ? s->len - done : sizeof(buf);

		for (size_t i = 0; i < n; i++)
			buf[i] = (unsigned char)((done + i) * 7 + 3);
		ssize_t w = rump_sys_write(s->fd, buf, n);
		if (w <= 0) {
			s->err = errno;
			break;
		}
		done += (size_t)w;
	}
	s->result = (long)done;
	rump_sys_close(s->fd);
	return NULL;
}

static void
pipe_threads(void **state)
{
	static unsigned char buf[3000];
	struct stream s = { .len = 1 << 20 };
	pthread_t t;
	size_t got = 0;
	ssize_t n;
	int p[2];

	OK(rump_sys_pipe(p));
	s.fd = p[1];
	assert_int_equal(0, pthread_create(&t, NULL, writer_thread, &s));
	/* the reader blocks whenever it gets ahead of the writer */
	while ((n = rump_sys_read(p[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != (unsigned char)((got + (size_t)i) * 7 + 3))
				fail_msg("byte %zu corrupted", got + (size_t)i);
		got += (size_t)n;
	}
	EQ(0, n);
	pthread_join(t, NULL);
	EQ(s.len, s.result);
	EQ(s.len, got);
	OK(rump_sys_close(p[0]));
}

static void *
record_writer(void *arg)
{
	struct stream *s = arg;
	unsigned char rec[PIPEBUF];

	memset(rec, 'a' + s->id, sizeof(rec));
	for (int i = 0; i < 64; i++) {
		if (rump_sys_write(s->fd, rec, sizeof(rec)) != sizeof(rec)) {
			s->err = errno;
			break;
		}
	}
	return NULL;
}

static void
pipe_atomic(void **state)
{
	static unsigned char all[4 * 64 * PIPEBUF];
	struct stream s[4];
	pthread_t t[4];
	size_t got = 0;
	ssize_t n;
	int p[2];

	OK(rump_sys_pipe(p));
	for (int i = 0; i < 4; i++) {
		s[i] = (struct stream){ .fd = p[1], .id = i };
		assert_int_equal(0, pthread_create(&t[i], NULL, record_writer,
		    &s[i]));
	}
	while (got < sizeof(all)) {
		n = rump_sys_read(p[0], all + got, sizeof(all) - got);
		if (n <= 0)
			fail_msg("read: %zd %s", n, t_errname(errno));
		got += (size_t)n;
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		EQ(0, s[i].err);
	}
	/* writes of at most PIPE_BUF bytes are never interleaved */
	for (size_t r = 0; r < sizeof(all) / PIPEBUF; r++)
		for (size_t i = 1; i < PIPEBUF; i++)
			if (all[r * PIPEBUF + i] != all[r * PIPEBUF])
				fail_msg("record %zu interleaved at %zu", r, i);
	OK(rump_sys_close(p[0]));
	OK(rump_sys_close(p[1]));
}

static void
pipe_nonblock(void **state)
{
	static char big[1 << 17];
	char c;
	int p[2];
	ssize_t n, cap;

	OK(rump_sys_pipe2(p, O_NONBLOCK));
	ERR(EAGAIN, rump_sys_read(p[0], &c, 1));
	/* a large write fills what fits and returns the short count */
	cap = OK(rump_sys_write(p[1], big, sizeof(big)));
	assert_true(cap >= PIPEBUF && cap < (ssize_t)sizeof(big));
	ERR(EAGAIN, rump_sys_write(p[1], "x", 1));
	/* after one byte is read, a PIPE_BUF write still does not fit */
	EQ(1, rump_sys_read(p[0], &c, 1));
	ERR(EAGAIN, rump_sys_write(p[1], big, PIPEBUF));
	/* after PIPE_BUF bytes are read, it does */
	EQ(PIPEBUF - 1, rump_sys_read(p[0], big, PIPEBUF - 1));
	EQ(PIPEBUF, rump_sys_write(p[1], big, PIPEBUF));
	n = 0;
	for (ssize_t r; (r = rump_sys_read(p[0], big, sizeof(big))) > 0;)
		n += r;
	EQ(cap, n);
	ERR(EAGAIN, rump_sys_read(p[0], &c, 1));
	OK(rump_sys_close(p[1]));
	EQ(0, rump_sys_read(p[0], &c, 1));
	OK(rump_sys_close(p[0]));
}

static void
pipe_poll(void **state)
{
	struct pollfd pf[2];
	struct timespec t0, tmo = { 0, 50 * 1000 * 1000 };
	int p[2];

	OK(rump_sys_pipe(p));
	pf[0] = (struct pollfd){ .fd = p[0], .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	EQ(1, rump_sys_poll(pf, 2, 0));
	EQ(0, pf[0].revents);
	EQ(POLLOUT, pf[1].revents);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EQ(0, rump_sys_poll(pf, 1, 50));
	assert_true(ms_since(&t0) >= 40);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EQ(0, rump_sys_ppoll(pf, 1, &tmo, NULL));
	assert_true(ms_since(&t0) >= 40);
	EQ(1, rump_sys_write(p[1], "x", 1));
	EQ(2, rump_sys_poll(pf, 2, 0));
	EQ(POLLIN, pf[0].revents);
	/* a negative fd is ignored; a closed one is POLLNVAL */
	pf[1] = (struct pollfd){ .fd = -1, .events = POLLIN };
	EQ(1, rump_sys_poll(pf, 2, 0));
	EQ(0, pf[1].revents);
	OK(rump_sys_close(p[1]));
	EQ(1, rump_sys_poll(pf, 1, 0));
	assert_true((pf[0].revents & POLLIN) != 0);
	assert_true((pf[0].revents & POLLHUP) != 0);
	pf[1] = (struct pollfd){ .fd = p[1], .events = POLLIN };
	EQ(2, rump_sys_poll(pf, 2, 0));
	EQ(POLLNVAL, pf[1].revents);
	OK(rump_sys_close(p[0]));
	/* a writer without readers sees POLLERR */
	OK(rump_sys_pipe(p));
	OK(rump_sys_close(p[0]));
	pf[0] = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	EQ(1, rump_sys_poll(pf, 1, 0));
	assert_true((pf[0].revents & POLLERR) != 0);
	OK(rump_sys_close(p[1]));
	EQ(0, rump_sys_poll(NULL, 0, 10));
}

struct delayed {
	int	fd;
	int	ms;
};

static void *
delayed_write(void *arg)
{
	struct delayed *d = arg;
	struct timespec ts = { 0, d->ms * 1000000L };

	nanosleep(&ts, NULL);
	rump_sys_write(d->fd, "w", 1);
	return NULL;
}

static void
pipe_poll_wakeup(void **state)
{
	struct pollfd pf;
	struct delayed d;
	struct timespec t0;
	pthread_t t;
	int p[2];
	char c;

	OK(rump_sys_pipe(p));
	d = (struct delayed){ .fd = p[1], .ms = 100 };
	pf = (struct pollfd){ .fd = p[0], .events = POLLIN };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(0, pthread_create(&t, NULL, delayed_write, &d));
	EQ(1, rump_sys_poll(&pf, 1, 10000));
	EQ(POLLIN, pf.revents);
	assert_true(ms_since(&t0) >= 90);
	assert_true(ms_since(&t0) < 5000);
	pthread_join(t, NULL);
	/* and a blocking read woken the same way */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EQ(1, rump_sys_read(p[0], &c, 1));
	assert_int_equal(0, pthread_create(&t, NULL, delayed_write, &d));
	EQ(1, rump_sys_read(p[0], &c, 1));
	EQ('w', c);
	assert_true(ms_since(&t0) >= 90);
	pthread_join(t, NULL);
	OK(rump_sys_close(p[0]));
	OK(rump_sys_close(p[1]));
}

struct opener {
	const char	*path;
	int		 flags;
	int		 fd;
};

static void *
open_thread(void *arg)
{
	struct opener *o = arg;

	o->fd = rump_sys_open(o->path, o->flags);
	return NULL;
}

static void
pipe_fifo(void **state)
{
	struct opener o = { .path = "/t_pipe_fifo/fifo", .flags = O_RDONLY };
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	pthread_t t;
	char buf[8];
	int r, w;

	TDIR();
	OK(rump_sys_mknod("fifo", S_IFIFO | 0666, 0));
	/* non-blocking reader opens at once; then a writer can open */
	ERR(ENXIO, rump_sys_open("fifo", O_WRONLY | O_NONBLOCK));
	r = OK(rump_sys_open("fifo", O_RDONLY | O_NONBLOCK));
	w = OK(rump_sys_open("fifo", O_WRONLY | O_NONBLOCK));
	EQ(3, rump_sys_write(w, "abc", 3));
	EQ(3, rump_sys_read(r, buf, sizeof(buf)));
	assert_memory_equal(buf, "abc", 3);
	OK(rump_sys_close(w));
	EQ(0, rump_sys_read(r, buf, sizeof(buf)));
	OK(rump_sys_close(r));
	/* a blocking reader waits for a writer */
	o.fd = -2;
	assert_int_equal(0, pthread_create(&t, NULL, open_thread, &o));
	nanosleep(&ts, NULL);
	EQ(-2, o.fd);
	w = OK(rump_sys_open("fifo", O_WRONLY));
	pthread_join(t, NULL);
	assert_true(o.fd >= 0);
	EQ(2, rump_sys_write(w, "hi", 2));
	EQ(2, rump_sys_read(o.fd, buf, sizeof(buf)));
	OK(rump_sys_close(o.fd));
	ERR(EPIPE, rump_sys_write(w, "x", 1));
	OK(rump_sys_close(w));
	/* O_RDWR never blocks */
	r = OK(rump_sys_open("fifo", O_RDWR));
	EQ(1, rump_sys_write(r, "z", 1));
	EQ(1, rump_sys_read(r, buf, 1));
	OK(rump_sys_close(r));
}

struct blockw {
	int		 fd;
	ssize_t		 rv;
	int		 err;
	atomic_int	 done;
};

static void *
blocked_writer(void *arg)
{
	struct blockw *b = arg;
	char buf[10] = "0123456789";

	errno = 0;
	b->rv = rump_sys_write(b->fd, buf, sizeof(buf));
	b->err = errno;
	atomic_store(&b->done, 1);
	return NULL;
}

static void
pipe_reader_gone(void **state)
{
	static char big[1 << 17];
	struct timespec ms = { 0, 1000 * 1000 };
	struct blockw b = { 0 };
	struct pollfd pf;
	pthread_t t;
	int p[2];

	OK(rump_sys_pipe2(p, O_NONBLOCK));
	while (rump_sys_write(p[1], big, sizeof(big)) > 0)
		;
	/* a full pipe is not writable */
	pf = (struct pollfd){ .fd = p[1], .events = POLLOUT };
	EQ(0, rump_sys_poll(&pf, 1, 0));
	OK(rump_sys_fcntl(p[1], F_SETFL, 0));
	b.fd = p[1];
	assert_int_equal(0, pthread_create(&t, NULL, blocked_writer, &b));
	for (int i = 0; i < 100; i++)
		nanosleep(&ms, NULL);
	assert_false(atomic_load(&b.done));
	/* the blocked writer learns that the last reader went away */
	OK(rump_sys_close(p[0]));
	for (int i = 0; i < 5000 && !atomic_load(&b.done); i++)
		nanosleep(&ms, NULL);
	if (!atomic_load(&b.done))
		fail_msg("writer still blocked after the reader closed");
	pthread_join(t, NULL);
	EQ(-1, b.rv);
	EQ(EPIPE, b.err);
	OK(rump_sys_close(p[1]));
}

static void
pipe_zero_length(void **state)
{
	char c;
	int p[2];

	OK(rump_sys_pipe(p));
	/* zero-length transfers never block, even on an empty pipe */
	EQ(0, rump_sys_read(p[0], &c, 0));
	EQ(0, rump_sys_write(p[1], &c, 0));
	OK(rump_sys_close(p[0]));
	/* Linux returns 0 before it looks for readers */
	EQ(0, rump_sys_write(p[1], &c, 0));
	OK(rump_sys_close(p[1]));
}

static void
pipe_fd_stat(void **state)
{
	struct stat st;
	struct statx stx;
	struct statfs sf;
	int p[2];

	OK(rump_sys_pipe(p));
	/* a pipe has an inode like any other on Linux (pipefs) */
	OK(rump_sys_fstatat(p[0], "", &st, AT_EMPTY_PATH));
	assert_true(S_ISFIFO(st.st_mode));
	OK(rump_sys_statx(p[0], "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx));
	assert_true(S_ISFIFO(stx.stx_mode));
	OK(rump_sys_fstatfs(p[0], &sf));
	EQ(0x50495045, sf.f_type);
	ERR(ENOENT, rump_sys_openat(p[0], "", O_RDONLY));
	OK(rump_sys_close(p[0]));
	OK(rump_sys_close(p[1]));
}

static void
pipe_fd_chattr(void **state)
{
	struct stat st;
	int p[2];

	OK(rump_sys_pipe(p));
	/* Linux lets the owner change a pipe inode's mode, owner, times */
	OK(rump_sys_faccessat(p[0], "", R_OK, AT_EMPTY_PATH));
	OK(rump_sys_fchmod(p[0], 0600));
	OK(rump_sys_fstat(p[1], &st));
	EQ(S_IFIFO | 0600, st.st_mode);
	OK(rump_sys_fchown(p[0], 5, 5));
	OK(rump_sys_futimens(p[0], NULL));
	OK(rump_sys_close(p[0]));
	OK(rump_sys_close(p[1]));
}

static void
pipe_named_attrs(void **state)
{
	struct stat st, st2;
	struct statfs sf;
	int r;

	TDIR();
	OK(rump_sys_mknod("fifo", S_IFIFO | 0644, 0));
	r = OK(rump_sys_open("fifo", O_RDONLY | O_NONBLOCK));
	/* an opened FIFO is its file-system node */
	OK(rump_sys_fstat(r, &st));
	OK(rump_sys_stat("fifo", &st2));
	EQ(st2.st_ino, st.st_ino);
	EQ(st2.st_dev, st.st_dev);
	OK(rump_sys_fchmod(r, 0600));
	OK(rump_sys_stat("fifo", &st2));
	EQ(S_IFIFO | 0600, st2.st_mode);
	OK(rump_sys_fstatfs(r, &sf));
	EQ(0x01021994, sf.f_type);
	OK(rump_sys_faccessat(r, "", R_OK, AT_EMPTY_PATH));
	ERR(EINVAL, rump_sys_fsync(r));
	OK(rump_sys_close(r));
}

static const struct CMUnitTest tests[] = {
	T(pipe_basic),
	T(pipe_threads),
	T(pipe_atomic),
	T(pipe_nonblock),
	T(pipe_poll),
	T(pipe_poll_wakeup),
	T(pipe_fifo),
	T(pipe_reader_gone),
	T(pipe_zero_length),
	T(pipe_fd_stat),
	T(pipe_fd_chattr),
	T(pipe_named_attrs),
};

T_MAIN("pipe", tests)
