/*
 * t_lwproc.c — the local process calls (rump_lwproc_*): creating child
 * processes, binding threads to processes, switching, process exit on
 * the last lwp's release (descriptors closed, children reparented) and
 * cancellation of a blocked call with EINTR.
 */
#include "test_util.h"
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sched.h>
#include <time.h>

static void
lwproc_rfork(void **state)
{
	struct lwp *a, *b;
	int pa, pb;

	assert_null(rump_lwproc_curlwp());
	EQ(1, rump_sys_getpid());
	/* copying and starting empty exclude each other */
	EQ(EINVAL, rump_lwproc_rfork(RUMP_RFFDG | RUMP_RFCFDG));
	EQ(EINVAL, rump_lwproc_rfork(0x100));
	assert_null(rump_lwproc_curlwp());
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	a = rump_lwproc_curlwp();
	assert_non_null(a);
	pa = OK(rump_sys_getpid());
	assert_true(pa > 1);
	EQ(1, rump_sys_getppid());
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	b = rump_lwproc_curlwp();
	assert_true(b != a);
	pb = OK(rump_sys_getpid());
	assert_true(pb != pa && pb > 1);
	EQ(pa, rump_sys_getppid());
	/* switching rebinds the thread */
	rump_lwproc_switch(a);
	EQ(pa, rump_sys_getpid());
	rump_lwproc_switch(NULL);
	EQ(1, rump_sys_getpid());
	assert_null(rump_lwproc_curlwp());
	rump_lwproc_switch(b);
	EQ(pb, rump_sys_getpid());
	/* pids are not reused while in use; a third child is new too */
	rump_lwproc_releaselwp();
	rump_lwproc_switch(a);
	EQ(0, rump_lwproc_rfork(RUMP_RFCFDG));
	int pc = OK(rump_sys_getpid());
	assert_true(pc != pa && pc != 1);
	EQ(pa, rump_sys_getppid());
	rump_lwproc_releaselwp();
	rump_lwproc_switch(a);
	t_unbecome();
}

static void
lwproc_inherit(void **state)
{
	char buf[64];

	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	OK(rump_sys_chdir("d"));
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	struct lwp *child = rump_lwproc_curlwp();
	OK(rump_sys_umask(077));
	OK(rump_sys_setgid(55));
	OK(rump_sys_setuid(44));
	EQ(0, rump_lwproc_rfork(RUMP_RFCFDG));
	/* credentials, cwd and umask pass to the child */
	EQ(44, rump_sys_getuid());
	EQ(44, rump_sys_geteuid());
	EQ(55, rump_sys_getgid());
	EQ(077, rump_sys_umask(077));
	OK(rump_sys_getcwd(buf, sizeof(buf)));
	assert_string_equal(buf, "/t_lwproc_inherit/d");
	rump_lwproc_releaselwp();
	rump_lwproc_switch(child);
	rump_lwproc_releaselwp();
	rump_lwproc_switch(NULL);
	/* pid 1 kept its own */
	EQ(0, rump_sys_getuid());
	OK(rump_sys_getcwd(buf, sizeof(buf)));
	assert_string_equal(buf, "/t_lwproc_inherit/d");
}

struct bound {
	int		 pid;
	int		 fd;
	int		 seen_pid;
	int		 fd_ok;
	int		 newlwp_rc;
};

static void *
bind_thread(void *arg)
{
	struct bound *b = arg;

	b->newlwp_rc = rump_lwproc_newlwp(b->pid);
	if (b->newlwp_rc != 0)
		return NULL;
	b->seen_pid = rump_sys_getpid();
	/* the same process: the same descriptor table */
	b->fd_ok = rump_sys_fcntl(b->fd, F_GETFD) >= 0;
	rump_lwproc_releaselwp();
	return NULL;
}

static void *
implicit_thread(void *arg)
{
	struct bound *b = arg;

	b->seen_pid = rump_sys_getpid();
	b->fd_ok = rump_sys_fcntl(b->fd, F_GETFD) >= 0;
	return NULL;
}

static void
lwproc_newlwp(void **state)
{
	struct bound b = { 0 };
	pthread_t t;

	TDIR();
	t_mkfile("f", "x", 0644);
	EQ(0, rump_lwproc_rfork(RUMP_RFCFDG));
	b.pid = OK(rump_sys_getpid());
	b.fd = OK(rump_sys_open("f", O_RDONLY));
	assert_int_equal(0, pthread_create(&t, NULL, bind_thread, &b));
	pthread_join(t, NULL);
	EQ(0, b.newlwp_rc);
	EQ(b.pid, b.seen_pid);
	assert_true(b.fd_ok);
	/* the process survived the other lwp's release */
	EQ(b.pid, rump_sys_getpid());
	OK(rump_sys_fcntl(b.fd, F_GETFD));
	/* an unbound thread is pid 1, whose table lacks b.fd */
	b.seen_pid = 0;
	assert_int_equal(0, pthread_create(&t, NULL, implicit_thread, &b));
	pthread_join(t, NULL);
	EQ(1, b.seen_pid);
	if (!t_fdbase[b.fd])
		assert_false(b.fd_ok);
	t_unbecome();
	EQ(ESRCH, rump_lwproc_newlwp(b.pid));
}

static void
lwproc_exit_closes(void **state)
{
	struct lwp *child;
	char c;
	int p[2];

	OK(rump_sys_pipe2(p, O_NONBLOCK));
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	child = rump_lwproc_curlwp();
	int cpid = OK(rump_sys_getpid());
	rump_lwproc_switch(NULL);
	/* only the child holds the write end now */
	OK(rump_sys_close(p[1]));
	ERR(EAGAIN, rump_sys_read(p[0], &c, 1));
	rump_lwproc_switch(child);
	EQ(1, rump_sys_write(p[1], "z", 1));
	rump_lwproc_releaselwp();
	rump_lwproc_switch(NULL);
	/* the exit closed it: data, then EOF */
	EQ(1, rump_sys_read(p[0], &c, 1));
	EQ('z', c);
	EQ(0, rump_sys_read(p[0], &c, 1));
	OK(rump_sys_close(p[0]));
	EQ(ESRCH, rump_lwproc_newlwp(cpid));
}

static void
lwproc_reparent(void **state)
{
	struct lwp *a, *b;
	int pa, pb;

	EQ(0, rump_lwproc_rfork(RUMP_RFCFDG));
	a = rump_lwproc_curlwp();
	pa = OK(rump_sys_getpid());
	EQ(0, rump_lwproc_rfork(RUMP_RFCFDG));
	b = rump_lwproc_curlwp();
	pb = OK(rump_sys_getpid());
	EQ(pa, rump_sys_getppid());
	rump_lwproc_switch(a);
	rump_lwproc_releaselwp();
	/* b's parent exited: b now belongs to pid 1 */
	rump_lwproc_switch(b);
	EQ(pb, rump_sys_getpid());
	EQ(1, rump_sys_getppid());
	t_unbecome();
}

struct blocked {
	int		 fd;
	int		 mode;		/* 0: read, 1: nanosleep, 2: poll */
	struct lwp	*lwp;
	ssize_t		 rv;
	int		 err;
	int		 pid;
	struct timespec	 rem;
	atomic_int	 ready;
	atomic_int	 done;
	atomic_int	 may_exit;	/* main is done cancelling this lwp */
};

static void *
blocked_thread(void *arg)
{
	struct blocked *b = arg;
	struct timespec ts = { 30, 0 };
	char buf[4];

	if (rump_lwproc_rfork(RUMP_RFFDG) != 0)
		return NULL;
	b->lwp = rump_lwproc_curlwp();
	b->pid = rump_sys_getpid();
	atomic_store(&b->ready, 1);
	errno = 0;
	if (b->mode == 0)
		b->rv = rump_sys_read(b->fd, buf, sizeof(buf));
	else if (b->mode == 1)
		b->rv = rump_sys_nanosleep(&ts, &b->rem);
	else {
		struct pollfd pf = { .fd = b->fd, .events = POLLIN };
		b->rv = rump_sys_poll(&pf, 1, 30000);
	}
	b->err = errno;
	atomic_store(&b->done, 1);
	while (!atomic_load(&b->may_exit))
		sched_yield();
	/* the cancellation is spent: the next call works */
	if (rump_sys_getpid() != b->pid)
		b->err = -1;
	rump_lwproc_releaselwp();
	return NULL;
}

static void
cancel_until_done(struct blocked *b)
{
	struct timespec ms10 = { 0, 10 * 1000 * 1000 };

	while (!atomic_load(&b->ready))
		nanosleep(&ms10, NULL);
	/* give it time to block; cancel again if it raced past the flag */
	for (int i = 0; i < 500 && !atomic_load(&b->done); i++) {
		nanosleep(&ms10, NULL);
		if (i % 10 == 5)
			rump_lwproc_cancel(b->lwp);
	}
}

static void
lwproc_cancel(void **state)
{
	struct blocked b;
	pthread_t t;
	int p[2];

	OK(rump_sys_pipe(p));
	for (int mode = 0; mode < 3; mode++) {
		memset(&b, 0, sizeof(b));
		b.fd = p[0];
		b.mode = mode;
		assert_int_equal(0, pthread_create(&t, NULL, blocked_thread, &b));
		cancel_until_done(&b);
		atomic_store(&b.may_exit, 1);
		if (!atomic_load(&b.done)) {
			/* unblock it so the test can end, then fail */
			rump_sys_write(p[1], "u", 1);
			pthread_join(t, NULL);
			fail_msg("mode %d: not interrupted by cancel", mode);
		}
		pthread_join(t, NULL);
		EQ(-1, b.rv);
		if (b.err != EINTR)
			fail_msg("mode %d: errno %s, want EINTR", mode,
			    t_errname(b.err));
		/* an interrupted nanosleep reports the time left */
		if (mode == 1)
			assert_true(b.rem.tv_sec > 20 && b.rem.tv_sec <= 30);
	}
	/* the pipe is intact */
	EQ(1, rump_sys_write(p[1], "k", 1));
	char c;
	EQ(1, rump_sys_read(p[0], &c, 1));
	OK(rump_sys_close(p[0]));
	OK(rump_sys_close(p[1]));
}

static void
lwproc_cancel_idle(void **state)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	/* a cancel that finds the lwp outside the kernel is spent on entry */
	EQ(0, rump_lwproc_rfork(RUMP_RFCFDG));
	rump_lwproc_cancel(rump_lwproc_curlwp());
	EQ(0, rump_sys_nanosleep(&ts, NULL));
	EQ(0, rump_sys_nanosleep(&ts, NULL));
	t_unbecome();
}

struct fifo_opener {
	struct lwp	*lwp;
	int		 rv, err;
	atomic_int	 ready, done, may_exit;
};

static void *
fifo_open_thread(void *arg)
{
	struct fifo_opener *o = arg;

	if (rump_lwproc_rfork(RUMP_RFCFDG) != 0)
		return NULL;
	o->lwp = rump_lwproc_curlwp();
	atomic_store(&o->ready, 1);
	errno = 0;
	o->rv = rump_sys_open("/t_lwproc_cancel_fifo/fifo", O_RDONLY);
	o->err = errno;
	atomic_store(&o->done, 1);
	while (!atomic_load(&o->may_exit))
		sched_yield();
	rump_lwproc_releaselwp();
	return NULL;
}

static void
lwproc_cancel_fifo(void **state)
{
	struct timespec ms10 = { 0, 10 * 1000 * 1000 };
	struct fifo_opener o = { 0 };
	pthread_t t;

	TDIR();
	OK(rump_sys_mknod("fifo", S_IFIFO | 0644, 0));
	assert_int_equal(0, pthread_create(&t, NULL, fifo_open_thread, &o));
	while (!atomic_load(&o.ready))
		nanosleep(&ms10, NULL);
	for (int i = 0; i < 500 && !atomic_load(&o.done); i++) {
		nanosleep(&ms10, NULL);
		if (i % 10 == 5)
			rump_lwproc_cancel(o.lwp);
	}
	bool done = atomic_load(&o.done);
	if (!done) {
		/* let it finish: a writer completes the open */
		int w = OK(rump_sys_open("fifo", O_WRONLY | O_NONBLOCK));
		while (!atomic_load(&o.done))
			nanosleep(&ms10, NULL);
		OK(rump_sys_close(w));
	}
	atomic_store(&o.may_exit, 1);
	pthread_join(t, NULL);
	assert_true(done);
	EQ(-1, o.rv);
	EQ(EINTR, o.err);
}

struct spinner {
	int		 pid;
	int		 mismatches;
	atomic_int	*go;
	atomic_int	*ready;
};

static void *
spin_thread(void *arg)
{
	struct spinner *sp = arg;

	if (rump_lwproc_rfork(RUMP_RFCFDG) != 0) {
		sp->mismatches = -1;
		return NULL;
	}
	sp->pid = rump_sys_getpid();
	atomic_fetch_add(sp->ready, 1);
	while (!atomic_load(sp->go))
		sched_yield();
	for (int i = 0; i < 2000; i++)
		if (rump_sys_getpid() != sp->pid || rump_sys_getppid() != 1)
			sp->mismatches++;
	rump_lwproc_releaselwp();
	return NULL;
}

static void
lwproc_threads_pids(void **state)
{
	struct spinner sp[4];
	pthread_t t[4];
	atomic_int go = 0, ready = 0;

	for (int i = 0; i < 4; i++) {
		sp[i] = (struct spinner){ .go = &go, .ready = &ready };
		assert_int_equal(0, pthread_create(&t[i], NULL, spin_thread,
		    &sp[i]));
	}
	/* all four processes exist at once, so their pids must differ */
	for (int i = 0; i < 100000 && atomic_load(&ready) < 4; i++)
		sched_yield();
	atomic_store(&go, 1);
	/* meanwhile this thread stays pid 1 */
	for (int i = 0; i < 2000; i++)
		EQ(1, rump_sys_getpid());
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		EQ(0, sp[i].mismatches);
		assert_true(sp[i].pid > 1);
		for (int j = 0; j < i; j++)
			assert_true(sp[i].pid != sp[j].pid);
	}
}

static const struct CMUnitTest tests[] = {
	T(lwproc_rfork),
	T(lwproc_inherit),
	T(lwproc_newlwp),
	T(lwproc_exit_closes),
	T(lwproc_reparent),
	T(lwproc_cancel),
	T(lwproc_cancel_idle),
	T(lwproc_cancel_fifo),
	T(lwproc_threads_pids),
};

T_MAIN("lwproc", tests)
