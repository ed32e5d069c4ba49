/*
 * t_regress.c — regression tests for kernel bugs found in review, one
 * case per bug, each named after what used to go wrong.  Expected
 * results are the host Linux kernel's.
 */
#include "test_util.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <time.h>

/* --- F_SETLKW racing with close() of its descriptor ----------------------- */

struct setlkw_arg {
	struct lwp	*lwp;		/* the process's lwp to run as */
	int		 fd;
	atomic_int	 started, done;
	int		 rv, err;
};

static void *
setlkw_thread(void *arg)
{
	struct setlkw_arg *a = arg;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	rump_lwproc_switch(a->lwp);
	atomic_store(&a->started, 1);
	errno = 0;
	a->rv = rump_sys_fcntl(a->fd, F_SETLKW, &fl);
	a->err = errno;
	atomic_store(&a->done, 1);
	rump_lwproc_switch(NULL);
	return NULL;
}

static void
ms_sleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * A lock granted to F_SETLKW after another lwp of the same process closed
 * the descriptor used to stay forever: close had already dropped the
 * process's locks, and no later close or exit would find this one.
 * Linux takes it back and fails the call with EBADF.
 */
static void
setlkw_close_race_leaves_no_lock(void **state)
{
	struct flock wr = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct flock un = { .l_type = F_UNLCK, .l_whence = SEEK_SET };
	struct setlkw_arg a = { .rv = -2 };
	struct lwp *holder, *p1, *p2;
	pthread_t t;
	int hfd, ppid;

	TDIR();
	t_mkfile("f", "0123456789", 0644);
	/* a process holding the lock the waiter will block on */
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	holder = rump_lwproc_curlwp();
	hfd = OK(rump_sys_open("f", O_RDWR));
	OK(rump_sys_fcntl(hfd, F_SETLK, &wr));
	/* the waiting process, with two lwps */
	rump_lwproc_switch(NULL);
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	p1 = rump_lwproc_curlwp();
	ppid = rump_sys_getpid();
	a.fd = OK(rump_sys_open("f", O_RDWR));
	a.lwp = p1;
	rump_lwproc_switch(NULL);
	assert_int_equal(0, pthread_create(&t, NULL, setlkw_thread, &a));
	while (!atomic_load(&a.started))
		sched_yield();
	ms_sleep(50);
	assert_false(atomic_load(&a.done));
	EQ(0, rump_lwproc_newlwp(ppid));
	p2 = rump_lwproc_curlwp();
	OK(rump_sys_close(a.fd));
	rump_lwproc_switch(holder);
	OK(rump_sys_fcntl(hfd, F_SETLK, &un));
	pthread_join(t, NULL);
	assert_int_equal(-1, a.rv);
	assert_int_equal(EBADF, a.err);
	/* the waiting process exits; its lock must not outlive it */
	rump_lwproc_switch(p2);
	rump_lwproc_releaselwp();
	rump_lwproc_switch(p1);
	rump_lwproc_releaselwp();
	rump_lwproc_switch(holder);
	OK(rump_sys_fcntl(hfd, F_SETLK, &wr));
	OK(rump_sys_close(hfd));
	rump_lwproc_releaselwp();
}

/* --- FIONREAD with a NULL argument ---------------------------------------- */

/* used to store through the NULL pointer (a crash) instead of EFAULT */
static void
fionread_null_is_efault(void **state)
{
	int fd, p[2];

	TDIR();
	t_mkfile("f", "abc", 0644);
	fd = OK(rump_sys_open("f", O_RDONLY));
	ERR(EFAULT, rump_sys_ioctl(fd, FIONREAD, NULL));
	OK(rump_sys_pipe(p));
	ERR(EFAULT, rump_sys_ioctl(p[0], FIONREAD, NULL));
	OK(rump_sys_close(p[0]));
	OK(rump_sys_close(p[1]));
	OK(rump_sys_close(fd));
}

/* --- F_SETPIPE_SZ of 2 GiB --------------------------------------------------- */

/* 2^31 bytes came back as (int)2^31 < 0, which read as errno -2^31 */
static void
setpipe_sz_2g_is_einval(void **state)
{
	int p[2];

	(void)state;
	OK(rump_sys_pipe(p));
	ERR(EINVAL, rump_sys_fcntl(p[0], F_SETPIPE_SZ, 1UL << 31));
	EQ(65536, rump_sys_fcntl(p[0], F_GETPIPE_SZ));
	OK(rump_sys_close(p[0]));
	OK(rump_sys_close(p[1]));
}

/* --- clock_gettime on host clocks --------------------------------------- */

/* negative clock ids went straight to the host: a client could read the
 * CPU time of any host process (here the host's pid 1) */
static void
clock_gettime_host_cpuclock_is_einval(void **state)
{
	struct timespec ts;
	clockid_t c;

	(void)state;
	assert_int_equal(0, clock_getcpuclockid(1, &c));
	assert_true(c < 0);
	ERR(EINVAL, rump_sys_clock_gettime(c, &ts));
	OK(rump_sys_clock_gettime(CLOCK_MONOTONIC, &ts));
}

/* --- mount with a relative target from an unreachable cwd ------------------ */

/*
 * getcwd gives "(unreachable)/..." there, which path_normalize turned
 * into a heap overflow; a mount inside a detached tree would also have
 * pinned it for good (Linux: EINVAL).
 */
static void
mount_relative_in_detached_tree(void **state)
{
	TDIR();
	OK(rump_sys_mkdir("m", 0755));
	OK(rump_sys_mount("tmpfs", "m", "tmpfs", 0, NULL));
	OK(rump_sys_chdir("m"));
	OK(rump_sys_mkdir("sub", 0755));
	OK(rump_sys_umount2("..//m", MNT_DETACH));
	ERR(EINVAL, rump_sys_mount("tmpfs", "sub", "tmpfs", 0, NULL));
	OK(rump_sys_chdir("/"));
}

static void
mount_relative_outside_root(void **state)
{
	TDIR();
	OK(rump_sys_mkdir("root", 0755));
	OK(rump_sys_mkdir("m", 0755));
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	OK(rump_sys_chroot("root"));
	OK(rump_sys_mount("tmpfs", "m", "tmpfs", 0, NULL));
	OK(rump_sys_umount2("m", 0));
	rump_lwproc_releaselwp();
}

static const struct CMUnitTest tests[] = {
	T(setlkw_close_race_leaves_no_lock),
	T(fionread_null_is_efault),
	T(setpipe_sz_2g_is_einval),
	T(clock_gettime_host_cpuclock_is_einval),
	T(mount_relative_in_detached_tree),
	T(mount_relative_outside_root),
};

T_MAIN("regress", tests)
