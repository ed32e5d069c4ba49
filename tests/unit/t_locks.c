/*
 * t_locks.c — advisory locks between processes made with the lwproc
 * calls: POSIX record locks (F_SETLK/F_SETLKW/F_GETLK) with their
 * per-process quirks (released by closing any descriptor of the file,
 * released at exit, never conflicting with the owner's own locks), OFD
 * locks (F_OFD_*) owned by the open file description, blocking waits,
 * deadlock detection and flock(2).
 */
#include "test_util.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/file.h>
#include <time.h>

static int
lk(int fd, int cmd, short type, off_t start, off_t len)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET,
	    .l_start = start, .l_len = len };

	return rump_sys_fcntl(fd, cmd, &fl);
}

/* F_GETLK from fd for a write lock on [start, start+len): the l_type. */
static int
probe(int fd, off_t start, off_t len, pid_t *pid)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
	    .l_start = start, .l_len = len };

	OK(rump_sys_fcntl(fd, F_GETLK, &fl));
	if (pid != NULL)
		*pid = fl.l_pid;
	return fl.l_type;
}

static void
locks_posix_basic(void **state)
{
	struct lwp *child;
	pid_t owner;
	int fd, cfd, cpid;

	TDIR();
	t_mkfile("f", "0123456789", 0644);
	fd = OK(rump_sys_open("f", O_RDWR));
	OK(lk(fd, F_SETLK, F_RDLCK, 0, 5));
	OK(lk(fd, F_SETLK, F_WRLCK, 5, 5));
	/* the owner never conflicts with itself; it may upgrade */
	OK(lk(fd, F_SETLK, F_WRLCK, 0, 10));
	EQ(F_UNLCK, probe(fd, 0, 10, NULL));
	OK(lk(fd, F_SETLK, F_RDLCK, 0, 5));
	EQ(0, rump_lwproc_rfork(RUMP_RFCFDG));
	child = rump_lwproc_curlwp();
	cpid = rump_sys_getpid();
	cfd = OK(rump_sys_open("f", O_RDWR));
	EQ(F_RDLCK, probe(cfd, 0, 1, &owner));
	EQ(1, owner);
	EQ(F_WRLCK, probe(cfd, 7, 1, &owner));
	EQ(1, owner);
	EQ(F_UNLCK, probe(cfd, 10, 100, NULL));
	/* read locks share, write locks conflict */
	OK(lk(cfd, F_SETLK, F_RDLCK, 0, 5));
	ERR(EAGAIN, lk(cfd, F_SETLK, F_WRLCK, 0, 5));
	ERR(EAGAIN, lk(cfd, F_SETLK, F_RDLCK, 9, 0));
	/* l_len 0 means to the end of the file, and beyond */
	OK(lk(cfd, F_SETLK, F_WRLCK, 10, 0));
	rump_lwproc_switch(NULL);
	ERR(EAGAIN, lk(fd, F_SETLK, F_WRLCK, 1000000, 1));
	EQ(F_WRLCK, probe(fd, 50, 1, &owner));
	EQ(cpid, owner);
	/* closing any descriptor of the file drops all of pid 1's locks */
	OK(rump_sys_close(fd));
	rump_lwproc_switch(child);
	EQ(F_UNLCK, probe(cfd, 0, 10, NULL));
	t_unbecome();
	/* unlocking the middle of a range splits it */
	fd = OK(rump_sys_open("f", O_RDWR));
	OK(lk(fd, F_SETLK, F_WRLCK, 0, 10));
	OK(lk(fd, F_SETLK, F_UNLCK, 3, 2));
	EQ(0, rump_lwproc_rfork(RUMP_RFCFDG));
	cfd = OK(rump_sys_open("f", O_RDWR));
	EQ(F_WRLCK, probe(cfd, 2, 1, NULL));
	EQ(F_UNLCK, probe(cfd, 3, 2, NULL));
	EQ(F_WRLCK, probe(cfd, 5, 1, NULL));
	EQ(F_UNLCK, probe(cfd, 10, 1, NULL));
	t_unbecome();
	OK(rump_sys_close(fd));
}

static void
locks_posix_close_releases(void **state)
{
	struct lwp *child;
	int fd, c1, c2;

	TDIR();
	t_mkfile("f", "0123456789", 0644);
	fd = OK(rump_sys_open("f", O_RDWR));
	EQ(0, rump_lwproc_rfork(RUMP_RFCFDG));
	child = rump_lwproc_curlwp();
	c1 = OK(rump_sys_open("f", O_RDWR));
	c2 = OK(rump_sys_open("f", O_RDONLY));
	OK(lk(c1, F_SETLK, F_WRLCK, 0, 10));
	rump_lwproc_switch(NULL);
	ERR(EAGAIN, lk(fd, F_SETLK, F_WRLCK, 0, 1));
	/* closing another descriptor of the same file drops the locks */
	rump_lwproc_switch(child);
	OK(rump_sys_close(c2));
	rump_lwproc_switch(NULL);
	OK(lk(fd, F_SETLK, F_WRLCK, 0, 1));
	OK(lk(fd, F_SETLK, F_UNLCK, 0, 1));
	/* and exiting drops them too */
	rump_lwproc_switch(child);
	OK(lk(c1, F_SETLK, F_WRLCK, 0, 10));
	rump_lwproc_switch(NULL);
	ERR(EAGAIN, lk(fd, F_SETLK, F_RDLCK, 5, 1));
	rump_lwproc_switch(child);
	t_unbecome();
	OK(lk(fd, F_SETLK, F_WRLCK, 0, 10));
	OK(rump_sys_close(fd));
}

static void
locks_ofd(void **state)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
	    .l_pid = 5 };
	int fd1, fd2, d;

	TDIR();
	t_mkfile("f", "0123456789", 0644);
	fd1 = OK(rump_sys_open("f", O_RDWR));
	fd2 = OK(rump_sys_open("f", O_RDWR));
	ERR(EINVAL, rump_sys_fcntl(fd1, F_OFD_SETLK, &fl));
	fl.l_pid = 0;
	OK(rump_sys_fcntl(fd1, F_OFD_SETLK, &fl));
	/* two open file descriptions of one process do conflict */
	ERR(EAGAIN, rump_sys_fcntl(fd2, F_OFD_SETLK, &fl));
	ERR(EAGAIN, rump_sys_fcntl(fd2, F_SETLK, &fl));
	OK(rump_sys_fcntl(fd2, F_OFD_GETLK, &fl));
	EQ(F_WRLCK, fl.l_type);
	EQ(-1, fl.l_pid);
	/* closing another description does not release an OFD lock */
	OK(rump_sys_close(fd2));
	fd2 = OK(rump_sys_open("f", O_RDWR));
	EQ(F_WRLCK, probe(fd2, 0, 1, NULL));
	/* a dup shares the description, so the last close releases */
	d = OK(rump_sys_dup(fd1));
	OK(rump_sys_close(fd1));
	EQ(F_WRLCK, probe(fd2, 0, 1, NULL));
	OK(rump_sys_close(d));
	EQ(F_UNLCK, probe(fd2, 0, 1, NULL));
	OK(rump_sys_close(fd2));
}

struct waiter_arg {
	int		 fd;
	short		 type;
	off_t		 start, len;
	bool		 fork;		/* run in a new child of pid 1 */
	pid_t		 bindpid;	/* else: run as this process */
	struct lwp	*lwp;
	int		 rv, err;
	atomic_int	 ready, done, may_exit;
};

static void *
setlkw_thread(void *arg)
{
	struct waiter_arg *w = arg;

	if (w->fork && rump_lwproc_rfork(RUMP_RFFDG) != 0)
		return NULL;
	if (w->bindpid > 0 && rump_lwproc_newlwp(w->bindpid) != 0)
		return NULL;
	w->lwp = rump_lwproc_curlwp();
	atomic_store(&w->ready, 1);
	errno = 0;
	w->rv = lk(w->fd, F_SETLKW, w->type, w->start, w->len);
	w->err = errno;
	atomic_store(&w->done, 1);
	while (!atomic_load(&w->may_exit))
		sched_yield();
	rump_lwproc_releaselwp();
	return NULL;
}

static void
start_waiter(struct waiter_arg *w, pthread_t *t)
{
	struct timespec ms = { 0, 1000 * 1000 };

	assert_int_equal(0, pthread_create(t, NULL, setlkw_thread, w));
	for (int i = 0; i < 5000 && !atomic_load(&w->ready); i++)
		nanosleep(&ms, NULL);
	assert_true(atomic_load(&w->ready));
}

static bool
wait_done(struct waiter_arg *w, int ms)
{
	struct timespec t = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < ms / 10 && !atomic_load(&w->done); i++)
		nanosleep(&t, NULL);
	return atomic_load(&w->done);
}

static void
finish_waiter(struct waiter_arg *w, pthread_t t)
{
	if (!atomic_load(&w->done))
		rump_lwproc_cancel(w->lwp);
	atomic_store(&w->may_exit, 1);
	pthread_join(t, NULL);
}

static void
locks_setlkw_blocks(void **state)
{
	struct waiter_arg w = { .type = F_WRLCK, .start = 0, .len = 10,
	    .fork = true };
	pthread_t t;
	int fd;

	TDIR();
	t_mkfile("f", "0123456789", 0644);
	fd = OK(rump_sys_open("f", O_RDWR));
	OK(lk(fd, F_SETLK, F_RDLCK, 4, 1));
	w.fd = fd;
	start_waiter(&w, &t);
	if (wait_done(&w, 200)) {
		finish_waiter(&w, t);
		fail_msg("F_SETLKW did not wait for the conflicting lock");
	}
	/* unlocking wakes the waiter, which then owns the range */
	OK(lk(fd, F_SETLK, F_UNLCK, 0, 0));
	if (!wait_done(&w, 5000)) {
		finish_waiter(&w, t);
		fail_msg("F_SETLKW waiter not woken by the unlock");
	}
	EQ(0, w.rv);
	ERR(EAGAIN, lk(fd, F_SETLK, F_RDLCK, 9, 1));
	finish_waiter(&w, t);
	/* its exit released the lock */
	OK(lk(fd, F_SETLK, F_WRLCK, 0, 10));
	OK(rump_sys_close(fd));
}

static void
locks_deadlock(void **state)
{
	struct waiter_arg w1 = { .type = F_WRLCK, .start = 0, .len = 1 };
	struct waiter_arg w2 = { .type = F_WRLCK, .start = 1, .len = 1 };
	struct lwp *la, *lb;
	pthread_t t1, t2;
	int fd;

	TDIR();
	t_mkfile("f", "0123456789", 0644);
	fd = OK(rump_sys_open("f", O_RDWR));
	/* A holds byte 0, B holds byte 1 */
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	la = rump_lwproc_curlwp();
	w2.bindpid = rump_sys_getpid();
	OK(lk(fd, F_SETLK, F_WRLCK, 0, 1));
	rump_lwproc_switch(NULL);
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	lb = rump_lwproc_curlwp();
	w1.bindpid = rump_sys_getpid();
	OK(lk(fd, F_SETLK, F_WRLCK, 1, 1));
	rump_lwproc_switch(NULL);
	OK(rump_sys_close(fd));
	/* B waits for A's byte; then A asking for B's would close a cycle */
	w1.fd = w2.fd = fd;
	start_waiter(&w1, &t1);
	bool early = wait_done(&w1, 200);
	start_waiter(&w2, &t2);
	bool detected = wait_done(&w2, 3000);
	int rv2 = w2.rv, err2 = w2.err;
	finish_waiter(&w2, t2);
	/* A lets go of byte 0: B's wait ends with the lock */
	rump_lwproc_switch(la);
	OK(lk(fd, F_SETLK, F_UNLCK, 0, 1));
	rump_lwproc_switch(NULL);
	bool woken = wait_done(&w1, 5000);
	int rv1 = w1.rv;
	finish_waiter(&w1, t1);
	rump_lwproc_switch(la);
	rump_lwproc_releaselwp();
	rump_lwproc_switch(lb);
	rump_lwproc_releaselwp();
	rump_lwproc_switch(NULL);
	assert_false(early);
	if (!detected)
		fail_msg("F_SETLKW closing a wait cycle blocked (no EDEADLK)");
	EQ(-1, rv2);
	EQ(EDEADLK, err2);
	assert_true(woken);
	EQ(0, rv1);
}

static void
flock_semantics(void **state)
{
	int fd1, fd2;

	TDIR();
	t_mkfile("f", "x", 0644);
	fd1 = OK(rump_sys_open("f", O_RDONLY));
	OK(rump_sys_flock(fd1, LOCK_EX));
	/* flock and POSIX locks are independent */
	int w = OK(rump_sys_open("f", O_RDWR));
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	OK(lk(w, F_SETLK, F_WRLCK, 0, 0));
	/* the child's copy of fd1 is the same description: it holds it */
	OK(rump_sys_flock(fd1, LOCK_EX | LOCK_NB));
	fd2 = OK(rump_sys_open("f", O_RDONLY));
	ERR(EWOULDBLOCK, rump_sys_flock(fd2, LOCK_SH | LOCK_NB));
	t_unbecome();
	/* the child's exit dropped one reference only: still locked */
	fd2 = OK(rump_sys_open("f", O_RDONLY));
	ERR(EWOULDBLOCK, rump_sys_flock(fd2, LOCK_SH | LOCK_NB));
	OK(rump_sys_close(fd1));
	OK(rump_sys_flock(fd2, LOCK_SH | LOCK_NB));
	/* converting a lock */
	OK(rump_sys_flock(fd2, LOCK_EX | LOCK_NB));
	OK(rump_sys_flock(fd2, LOCK_SH | LOCK_NB));
	OK(rump_sys_close(fd2));
	OK(rump_sys_close(w));
}

static const struct CMUnitTest tests[] = {
	T(locks_posix_basic),
	T(locks_posix_close_releases),
	T(locks_ofd),
	T(locks_setlkw_blocks),
	T(locks_deadlock),
	T(flock_semantics),
};

T_MAIN("locks", tests)
