/*
 * h_intr.c — Ctrl-C in a remote call: the program blocks in a remote
 * read of an empty rump pipe; another host process sends it SIGINT, as
 * a terminal would.  With a handler installed (no SA_RESTART) the read
 * must fail with EINTR, promptly: the time from the signal to the
 * return is printed, and must stay under a second.  The connection must
 * still work afterwards, the pipe included.
 */
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>
#include <rump/rumpclient.h>
#include "h_common.h"

static _Atomic int64_t sigtime;

static void
on_int(int sig)
{
	atomic_store(&sigtime, h_now_ns());
}

int
main(void)
{
	struct sigaction sa = { .sa_handler = on_int };
	char c;
	int p[2], go[2];
	pid_t kid;
	ssize_t n;
	int64_t us;

	/* the "terminal": waits until we are about to block, then ^C */
	H_CHECK(pipe(go) == 0, "pipe");
	if ((kid = fork()) == 0) {
		close(go[1]);
		(void)read(go[0], &c, 1);
		usleep(200000);
		kill(getppid(), SIGINT);
		_exit(0);
	}
	H_CHECK(kid > 0, "fork");
	close(go[0]);
	sigaction(SIGINT, &sa, NULL);
	H_CHECK(rumpclient_init() == 0, "rumpclient_init");
	H_CHECK(rump_sys_pipe(p) == 0, "rump pipe");
	H_CHECK(write(go[1], "g", 1) == 1, "go");
	n = rump_sys_read(p[0], &c, 1);
	H_CHECK(n == -1 && errno == EINTR, "read returned %zd", n);
	H_CHECK(atomic_load(&sigtime) != 0, "handler did not run");
	us = (h_now_ns() - atomic_load(&sigtime)) / 1000;
	printf("read interrupted: EINTR %lld us after SIGINT\n", (long long)us);
	waitpid(kid, NULL, 0);
	H_CHECK(us < 1000000, "EINTR took %lld us", (long long)us);
	/* the kernel side is healthy: the pipe works, nothing is stuck */
	H_CHECK(rump_sys_write(p[1], "z", 1) == 1, "pipe write after EINTR");
	H_CHECK(rump_sys_read(p[0], &c, 1) == 1 && c == 'z',
	    "pipe read after EINTR");
	H_CHECK(rump_sys_getpid() > 0, "getpid after EINTR");
	return 0;
}
