/*
 * h_lane.c — the shared-memory lane from a client's side (sp_lane.bats):
 *
 *	h_lane which	prints "lane" if this client has one mapped, else
 *			"socket" (after a few calls)
 *	h_lane mixed N	8 threads for N rounds: small writes and reads
 *			(through the lane) and 1 MiB ones (over the socket)
 *			on a file of their own, checked byte for byte, and
 *			getpid, so that replies of both kinds interleave
 *	h_lane fork	rumpclient_fork: parent and child each end up with a
 *			lane of their own and keep working
 *	h_lane exec	rumpclient_exec of itself ("which" in the new image)
 *	h_lane many N	N threads block reading an empty rump pipe, then
 *			the main thread writes N bytes: more blocked calls
 *			than one lane has threads must not stall the write
 *	h_lane sigread MS [fork]
 *			a blocked read of an empty rump pipe, SIGUSR1 after
 *			MS ms (from a helper process): the read returns
 *			EINTR whatever the timing; with fork, the handler
 *			forks and the child must live on
 */
#include <signal.h>
#include <fcntl.h>
#include <stdint.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>
#include <rump/rumpclient.h>
#include <rump/rump_syscalls.h>
#include "h_common.h"

#define NTHREADS	8
#define BIG		(1024 * 1024)

static bool
have_lane(void)
{
	char line[512];
	bool found = false;
	FILE *f = fopen("/proc/self/maps", "r");

	H_CHECK(f != NULL, "open /proc/self/maps");
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "rump-lane") != NULL)
			found = true;
	fclose(f);
	return found;
}

static void
which(void)
{
	for (int i = 0; i < 10; i++)
		H_CHECK(rump_sys_getpid() > 0, "getpid");
	printf("%s\n", have_lane() ? "lane" : "socket");
}

static int rounds;

static void
fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed * 31 + i * 7 + (i >> 9));
}

static void *
worker(void *arg)
{
	long id = (long)arg;
	char path[48];
	uint8_t *w = malloc(BIG), *r = malloc(BIG);
	int fd;

	H_CHECK(w != NULL && r != NULL, "malloc");
	/* per process too: a forked child shares the file system */
	snprintf(path, sizeof(path), "/lane.%d.%ld", (int)rump_sys_getpid(),
	    id);
	fd = rump_sys_open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	H_CHECK(fd >= 0, "open %s", path);
	for (int k = 0; k < rounds; k++) {
		/* sizes around the lane's frame limit and far past it */
		size_t n = (size_t[]){ 1, 100, 4096, 60000, 70000, BIG }
		    [(k + id) % 6];

		fill(w, n, (unsigned)(k * 100 + id));
		H_CHECK(rump_sys_pwrite(fd, w, n, 0) == (ssize_t)n,
		    "pwrite %zu", n);
		H_CHECK(rump_sys_getpid() > 0, "getpid");
		memset(r, 0, n);
		H_CHECK(rump_sys_pread(fd, r, n, 0) == (ssize_t)n,
		    "pread %zu", n);
		H_CHECK(memcmp(w, r, n) == 0, "thread %ld round %d: data", id,
		    k);
	}
	H_CHECK(rump_sys_close(fd) == 0 && rump_sys_unlink(path) == 0,
	    "close/unlink");
	free(w);
	free(r);
	return NULL;
}

static void
mixed(int n)
{
	pthread_t t[NTHREADS];

	rounds = n;
	for (long i = 0; i < NTHREADS; i++)
		H_CHECK(pthread_create(&t[i], NULL, worker, (void *)i) == 0,
		    "pthread_create");
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
	printf("%s: %d rounds x %d threads ok\n",
	    have_lane() ? "lane" : "socket", n, NTHREADS);
}

static void
forked(void)
{
	pid_t ppid = rump_sys_getpid(), pid;
	int st;

	H_CHECK(have_lane(), "no lane before the fork");
	switch (pid = rumpclient_fork()) {
	case -1:
		h_fail("rumpclient_fork");
	case 0:
		H_CHECK(rump_sys_getpid() != ppid, "child has the parent's pid");
		H_CHECK(have_lane(), "the child has no lane");
		mixed(3);
		_exit(0);
	}
	mixed(3);
	H_CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) &&
	    WEXITSTATUS(st) == 0, "child failed");
	printf("fork ok\n");
}

static int pipefd[2];

static void *
blocked_read(void *arg)
{
	char c;

	(void)arg;
	return (void *)(intptr_t)rump_sys_read(pipefd[0], &c, 1);
}

static void
many(int n)
{
	pthread_t *t = calloc((size_t)n, sizeof(*t));
	char *buf = calloc((size_t)n, 1);
	void *rv;

	H_CHECK(t != NULL && buf != NULL, "calloc");
	H_CHECK(rump_sys_pipe(pipefd) == 0, "pipe");
	for (int i = 0; i < n; i++)
		H_CHECK(pthread_create(&t[i], NULL, blocked_read, NULL) == 0,
		    "pthread_create");
	usleep(500000);			/* let them all block */
	H_CHECK(rump_sys_write(pipefd[1], buf, (size_t)n) == n, "write");
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], &rv);
		H_CHECK((intptr_t)rv == 1, "reader %d got %ld", i,
		    (long)(intptr_t)rv);
	}
	printf("%d blocked readers released\n", n);
}

static volatile sig_atomic_t handled;
static volatile pid_t inchild = -1;
static bool fork_in_handler;

static void
on_usr1(int sig)
{
	(void)sig;
	handled = 1;
	if (fork_in_handler) {
		pid_t p = fork();

		if (p == 0) {
			/* the child: the parent's lane is gone from here */
			H_CHECK(rump_sys_getpid() > 0 || errno != 0, "child");
			_exit(0);
		}
		inchild = p;
	}
}

static void
sigread(int ms, bool withfork)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	pid_t killer, parent = getpid();
	long n;
	char c;
	int st;

	fork_in_handler = withfork;
	H_CHECK(rump_sys_pipe(pipefd) == 0, "pipe");
	sigaction(SIGUSR1, &sa, NULL);
	if ((killer = fork()) == 0) {
		usleep((useconds_t)ms * 1000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	n = rump_sys_read(pipefd[0], &c, 1);
	H_CHECK(n == -1 && errno == EINTR && handled,
	    "read returned %ld, errno %d, handler ran %d", n, errno,
	    (int)handled);
	waitpid(killer, &st, 0);
	if (withfork) {
		H_CHECK(inchild > 0 && waitpid(inchild, &st, 0) == inchild,
		    "no child");
		H_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		    "the child forked in the handler died (%s %d)",
		    WIFSIGNALED(st) ? "signal" : "status",
		    WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	}
	printf("EINTR after %d ms\n", ms);
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "which";

	H_CHECK(rumpclient_init() == 0, "rumpclient_init");
	if (strcmp(mode, "which") == 0)
		which();
	else if (strcmp(mode, "mixed") == 0)
		mixed(argc > 2 ? atoi(argv[2]) : 50);
	else if (strcmp(mode, "fork") == 0)
		forked();
	else if (strcmp(mode, "exec") == 0) {
		char *nargv[] = { argv[0], "which", NULL };
		extern char **environ;

		H_CHECK(have_lane(), "no lane before exec");
		rumpclient_exec(argv[0], nargv, environ);
		h_fail("rumpclient_exec");
	} else if (strcmp(mode, "many") == 0)
		many(argc > 2 ? atoi(argv[2]) : 100);
	else if (strcmp(mode, "sigread") == 0)
		sigread(argc > 2 ? atoi(argv[2]) : 500,
		    argc > 3 && strcmp(argv[3], "fork") == 0);
	else
		h_fail("unknown mode %s", mode);
	return 0;
}
