/*
 * t_concurrency.c — the concurrency test's driver (built twice: ASan+UBSan
 * and ThreadSanitizer).  t_hammer: NPROC processes made with
 * rump_lwproc_rfork(), NTHR_PER threads bound to each (the others join
 * with rump_lwproc_newlwp()), all hammering /conc for CONC_ITERS
 * iterations (default 20000, TSan build 8000), then the invariants of check.c and the
 * descriptor counts per process.  t_proc_churn: processes (and children of
 * processes) created and released with descriptors, pipes and locks still
 * held; afterwards nothing of theirs may remain.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "conc.h"

struct conc C;

static void
rm_r(const char *path)
{
	char buf[4096], sub[512];
	struct stat st;
	ssize_t k;
	int fd;

	if (rump_sys_lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		rump_sys_unlink(path);
		return;
	}
	/* removing while reading may skip entries: rescan until clean */
	fd = rump_sys_open(path, O_RDONLY | O_DIRECTORY, 0);
	for (int pass = 0, removed = 1; fd >= 0 && removed && pass < 10; pass++) {
		removed = 0;
		rump_sys_lseek(fd, 0, SEEK_SET);
		while ((k = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0) {
			for (ssize_t off = 0; off < k;) {
				const char *name = buf + off + 19;

				off += *(unsigned short *)(buf + off + 16);
				if (strcmp(name, ".") == 0 ||
				    strcmp(name, "..") == 0)
					continue;
				snprintf(sub, sizeof(sub), "%s/%s", path, name);
				rm_r(sub);
				removed++;
			}
		}
	}
	if (fd >= 0)
		rump_sys_close(fd);
	rump_sys_rmdir(path);
}

static void
make_shared_file(const char *path, size_t size)
{
	char zero[128] = { 0 };
	int fd = rump_sys_open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);

	assert_true(fd >= 0);
	assert_int_equal(rump_sys_write(fd, zero, size), (ssize_t)size);
	rump_sys_close(fd);
}

static void
setup_tree(void)
{
	char p[32];

	rm_r("/conc");
	assert_int_equal(rump_sys_mkdir("/conc", 0755), 0);
	for (int d = 0; d < NDIRS; d++) {
		snprintf(p, sizeof(p), "/conc/d%d", d);
		assert_int_equal(rump_sys_mkdir(p, 0755), 0);
	}
	make_shared_file("/conc/lockfile", 128);
	make_shared_file("/conc/append", 0);
	make_shared_file("/conc/counter", 8);
}

/* The first thread of each process creates it; the others join it. */
static bool
thread_bind(struct cthr *t, bool first)
{
	struct cproc *pr = t->proc;
	int err = 0;

	if (first) {
		err = rump_lwproc_rfork(RUMP_RFCFDG);
		pr->pid = err == 0 ? rump_sys_getpid() : -1;
		if (err == 0 && rump_sys_pipe2(pr->pipefd, O_NONBLOCK) != 0)
			cfail("pipe2: %s", strerror(errno));
		pr->fds_start = count_fds();
		if (err != 0)
			cfail("rump_lwproc_rfork: %s", strerror(err));
	}
	pthread_barrier_wait(&pr->bar);
	if (!first && pr->pid > 0 && (err = rump_lwproc_newlwp(pr->pid)) != 0)
		cfail("rump_lwproc_newlwp(%d): %s", pr->pid, strerror(err));
	if (pr->pid > 0 && err == 0 && rump_sys_getpid() != pr->pid)
		cfail("thread %d: getpid %d, not %d", t->id, rump_sys_getpid(),
		    pr->pid);
	return pr->pid > 0 && err == 0;
}

static void
drain_pipe(struct cproc *pr)
{
	uint64_t msg[2];

	while (rump_sys_read(pr->pipefd[0], msg, MSGSZ) == MSGSZ)
		atomic_fetch_add(&pr->drained, 1);
	rump_sys_close(SHARED_SLOT);	/* may be left open on purpose */
	pr->fds_end = count_fds();
	rump_sys_close(pr->pipefd[0]);
	rump_sys_close(pr->pipefd[1]);
}

static void *
hammer_main(void *v)
{
	struct cthr *t = v;
	bool first = t->id % NTHR_PER == 0;
	bool bound = thread_bind(t, first);

	pthread_barrier_wait(&C.startbar);
	if (bound)
		hammer_thread(t);
	pthread_barrier_wait(&t->proc->bar);
	if (first && bound)
		drain_pipe(t->proc);
	pthread_barrier_wait(&t->proc->bar);
	if (bound)
		rump_lwproc_releaselwp();
	return NULL;
}

static void
hammer_verify(int fds_before)
{
	long appends[NTHR], increments = 0, ops = 0, deadlocks = 0;
	char host[64];
	size_t len = sizeof(host);

	for (int i = 0; i < NTHR; i++) {
		appends[i] = C.thr[i].appends;
		increments += C.thr[i].increments;
		ops += C.thr[i].iters;
		deadlocks += C.thr[i].deadlocks;
	}
	for (int p = 0; p < NPROC; p++) {
		struct cproc *pr = &C.proc[p];

		if (pr->fds_end != pr->fds_start)
			cfail("process %d: %d descriptors at start, %d at end",
			    pr->pid, pr->fds_start, pr->fds_end);
		if (pr->sent != pr->recvd + pr->drained)
			cfail("process %d: %ld messages sent, %ld received",
			    pr->pid, (long)pr->sent,
			    (long)(pr->recvd + pr->drained));
	}
	if (count_fds() != fds_before)
		cfail("pid 1: %d descriptors before, %d after", fds_before,
		    count_fds());
	check_tree();
	check_shared(appends, increments);
	if (rump_sys_sysctlbyname("kern.hostname", host, &len, NULL, 0) != 0 ||
	    strncmp(host, "conc-", 5) != 0)
		cfail("final kern.hostname");
	printf("hammer: %ld operations by %d threads in %d processes, "
	    "%ld increments, %ld EDEADLK\n", ops, NTHR, NPROC, increments,
	    deadlocks);
}

static void
t_hammer(void **state)
{
	int fds_before;

	setup_tree();
	fds_before = count_fds();
	pthread_barrier_init(&C.startbar, NULL, NTHR);
	for (int p = 0; p < NPROC; p++)
		pthread_barrier_init(&C.proc[p].bar, NULL, NTHR_PER);
	for (int i = 0; i < NTHR; i++) {
		C.thr[i].id = i;
		C.thr[i].proc = &C.proc[i / NTHR_PER];
		C.thr[i].rng = 0x9e3779b97f4a7c15ULL * (uint64_t)(i + 1);
		assert_int_equal(pthread_create(&C.thr[i].th, NULL, hammer_main,
		    &C.thr[i]), 0);
	}
	for (int i = 0; i < NTHR; i++)
		pthread_join(C.thr[i].th, NULL);
	hammer_verify(fds_before);
	pthread_barrier_destroy(&C.startbar);
	for (int p = 0; p < NPROC; p++)
		pthread_barrier_destroy(&C.proc[p].bar);
	if (C.nfail != 0)
		fail_msg("%d failures, first: %s", (int)C.nfail, C.firstfail);
	rm_r("/conc");
}

#define CHURN_THREADS	8
#define CHURN_ITERS	100

/* A grandchild with a copy of the table closes some of it and exits. */
static void
churn_grandchild(int ppid, int fd)
{
	struct lwp *parent = rump_lwproc_curlwp();
	int err = rump_lwproc_rfork(RUMP_RFFDG);

	if (err != 0) {
		cfail("nested rfork: %s", strerror(err));
		return;
	}
	if (rump_sys_getppid() != ppid)
		cfail("grandchild: getppid %d, not %d", rump_sys_getppid(), ppid);
	if (rump_sys_fcntl(fd, F_GETFD) < 0)
		cfail("grandchild: inherited fd %d: %s", fd, strerror(errno));
	rump_sys_close(fd);
	rump_lwproc_releaselwp();
	rump_lwproc_switch(parent);
	if (rump_sys_fcntl(fd, F_GETFD) < 0)
		cfail("child lost fd %d after grandchild closed its copy", fd);
}

static void
churn_once(int id, int iter)
{
	struct flock fl = { .l_type = F_WRLCK, .l_start = id, .l_len = 1 };
	int fd, p[2], pid, err = rump_lwproc_rfork(RUMP_RFCFDG);

	if (err != 0) {
		cfail("rfork: %s", strerror(err));
		return;
	}
	pid = rump_sys_getpid();
	if (rump_sys_getppid() != 1)
		cfail("child of pid 1: getppid %d", rump_sys_getppid());
	fd = rump_sys_open("/churn/file", O_RDWR, 0);
	if (fd < 0 || rump_sys_fcntl(fd, F_SETLK, &fl) != 0)
		cfail("churn lock: %s", strerror(errno));
	fl.l_start = 100 + id;
	if (rump_sys_fcntl(fd, F_OFD_SETLK, &fl) != 0)
		cfail("churn OFD lock: %s", strerror(errno));
	if (rump_sys_flock(fd, LOCK_SH | LOCK_NB) != 0)
		cfail("churn flock: %s", strerror(errno));
	if (rump_sys_pipe(p) != 0 || rump_sys_write(p[1], "x", 1) != 1)
		cfail("churn pipe: %s", strerror(errno));
	rump_sys_dup(p[0]);
	if (iter % 4 == 0)
		churn_grandchild(pid, fd);
	/* exit with everything still open and locked */
	rump_lwproc_releaselwp();
}

static void *
churn_main(void *v)
{
	int id = (int)(intptr_t)v;

	for (int i = 0; i < CHURN_ITERS; i++)
		churn_once(id, i);
	return NULL;
}

static void
t_proc_churn(void **state)
{
	pthread_t th[CHURN_THREADS];
	struct flock fl = { .l_type = F_WRLCK };
	int fd, fds_before = count_fds();

	rm_r("/churn");
	assert_int_equal(rump_sys_mkdir("/churn", 0755), 0);
	make_shared_file("/churn/file", 128);
	for (int i = 0; i < CHURN_THREADS; i++)
		pthread_create(&th[i], NULL, churn_main, (void *)(intptr_t)i);
	for (int i = 0; i < CHURN_THREADS; i++)
		pthread_join(th[i], NULL);
	fd = rump_sys_open("/churn/file", O_RDWR, 0);
	assert_true(fd >= 0);
	if (rump_sys_fcntl(fd, F_GETLK, &fl) != 0 || fl.l_type != F_UNLCK)
		cfail("POSIX lock of pid %d survived its process", fl.l_pid);
	fl = (struct flock){ .l_type = F_WRLCK };
	if (rump_sys_fcntl(fd, F_OFD_GETLK, &fl) != 0 || fl.l_type != F_UNLCK)
		cfail("OFD lock survived its process (start %lld)",
		    (long long)fl.l_start);
	if (rump_sys_flock(fd, LOCK_EX | LOCK_NB) != 0)
		cfail("flock survived its process: %s", strerror(errno));
	rump_sys_close(fd);
	if (count_fds() != fds_before)
		cfail("pid 1: %d descriptors before, %d after", fds_before,
		    count_fds());
	if (C.nfail != 0)
		fail_msg("%d failures, first: %s", (int)C.nfail, C.firstfail);
	rm_r("/churn");
}

/* A deadlock fails the program in bounded time instead of hanging it. */
static void
watchdog(int sig)
{
	static const char msg[] = "t_concurrency: watchdog: still running after "
	    "240 s, deadlock?\n";

	write(2, msg, sizeof(msg) - 1);
	_exit(70);
}

static int
setup(void **state)
{
	pthread_mutex_init(&C.faillock, NULL);
	return rump_init() == 0 ? 0 : -1;
}

/* Each case starts with a clean failure record. */
static int
reset(void **state)
{
	atomic_store(&C.nfail, 0);
	C.firstfail[0] = '\0';
	return 0;
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(t_hammer, reset),
		cmocka_unit_test_setup(t_proc_churn, reset),
	};

	signal(SIGALRM, watchdog);
	alarm(240);
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("concurrency", tests, setup, NULL);
}
