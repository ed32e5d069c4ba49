/*
 * h_forkcli.c — fork across the proxy (NetBSD h_forkcli):
 *
 *	simple		prefork, host fork, fork_init: the child is a new
 *			kernel process with a copy of the parent's
 *			descriptors; the parent's stay valid after the
 *			child closed its copies and exited
 *	pipecomm	a rump pipe made before the fork carries a message
 *			from the parent to the child
 *	fakeauth	a cookie with one bit flipped: fork_init fails ESRCH
 *	cancel		a cancelled prefork leaves the parent working
 *	fork		rumpclient_fork(), the one-call form
 */
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <rump/rumpclient.h>
#include "h_common.h"

static const char msg[] = "rumpclient pipe message";

static void
wait_child(pid_t pid)
{
	int st;

	H_CHECK(waitpid(pid, &st, 0) == pid, "waitpid");
	H_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "child failed (status 0x%x)", st);
}

static void
child_simple(struct rumpclient_fork *rf, pid_t ppid, int fd)
{
	pid_t pid;

	H_CHECK(rumpclient_fork_init(rf) == 0, "fork_init");
	pid = rump_sys_getpid();
	H_CHECK(pid >= 2 && pid != ppid, "child pid %d, parent %d",
	    (int)pid, (int)ppid);
	H_CHECK(rump_sys_getppid() == ppid, "child's parent is %d, not %d",
	    (int)rump_sys_getppid(), (int)ppid);
	H_CHECK(rump_sys_write(fd, msg, sizeof(msg)) == sizeof(msg),
	    "child write");
	H_CHECK(rump_sys_close(fd) == 0, "child close");
	exit(0);
}

static void
simple(void)
{
	struct rumpclient_fork *rf;
	pid_t ppid = rump_sys_getpid(), pid;
	int fd = rump_sys_open("/dev/null", O_WRONLY);

	H_CHECK(fd >= 0, "open");
	H_CHECK((rf = rumpclient_prefork()) != NULL, "prefork");
	if ((pid = fork()) == 0)
		child_simple(rf, ppid, fd);
	H_CHECK(pid > 0, "fork");
	wait_child(pid);
	H_CHECK(rump_sys_getpid() == ppid, "parent pid changed");
	H_CHECK(rump_sys_write(fd, msg, sizeof(msg)) == sizeof(msg),
	    "parent write after the child closed its copy");
	H_CHECK(rump_sys_close(fd) == 0, "parent close");
}

static void
pipecomm(void)
{
	struct rumpclient_fork *rf;
	char buf[sizeof(msg)];
	int p[2];
	pid_t pid;

	H_CHECK(rump_sys_pipe(p) == 0, "pipe");
	H_CHECK((rf = rumpclient_prefork()) != NULL, "prefork");
	if ((pid = fork()) == 0) {
		H_CHECK(rumpclient_fork_init(rf) == 0, "fork_init");
		H_CHECK(rump_sys_close(p[1]) == 0, "child close");
		H_CHECK(rump_sys_read(p[0], buf, sizeof(buf)) == sizeof(buf),
		    "child read");
		H_CHECK(memcmp(buf, msg, sizeof(msg)) == 0, "wrong message");
		/* the parent's write end is the last one: EOF after it */
		H_CHECK(rump_sys_read(p[0], buf, sizeof(buf)) == 0, "no EOF");
		exit(0);
	}
	H_CHECK(pid > 0, "fork");
	H_CHECK(rump_sys_close(p[0]) == 0, "parent close");
	H_CHECK(rump_sys_write(p[1], msg, sizeof(msg)) == sizeof(msg),
	    "parent write");
	H_CHECK(rump_sys_close(p[1]) == 0, "parent close");
	wait_child(pid);
}

static void
fakeauth(void)
{
	struct rumpclient_fork *rf;
	pid_t pid;

	H_CHECK((rf = rumpclient_prefork()) != NULL, "prefork");
	/* the cookie is the first thing in the handle, as in NetBSD */
	((unsigned char *)rf)[3] ^= 0x1;
	if ((pid = fork()) == 0) {
		errno = 0;
		H_CHECK(rumpclient_fork_init(rf) == -1, "fork_init succeeded");
		H_CHECK(errno == ESRCH, "fork_init errno");
		exit(0);
	}
	H_CHECK(pid > 0, "fork");
	wait_child(pid);
	H_CHECK(rump_sys_getpid() > 0, "parent after the failed child");
}

static void
cancel(void)
{
	struct rumpclient_fork *rf;
	pid_t ppid = rump_sys_getpid();

	H_CHECK((rf = rumpclient_prefork()) != NULL, "prefork");
	rumpclient_fork_cancel(rf);
	H_CHECK(rump_sys_getpid() == ppid, "getpid after cancel");
}

static void
onecall(void)
{
	pid_t ppid = rump_sys_getpid(), pid;
	int fd = rump_sys_open("/dev/null", O_WRONLY);

	H_CHECK(fd >= 0, "open");
	if ((pid = rumpclient_fork()) == 0) {
		H_CHECK(rump_sys_getpid() != ppid, "child has the parent's pid");
		H_CHECK(rump_sys_write(fd, msg, sizeof(msg)) == sizeof(msg),
		    "child write");
		exit(0);
	}
	H_CHECK(pid > 0, "rumpclient_fork");
	wait_child(pid);
	H_CHECK(rump_sys_close(fd) == 0, "parent close");
}

int
main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*fn)(void);
	} cases[] = {
		{ "simple", simple }, { "pipecomm", pipecomm },
		{ "fakeauth", fakeauth }, { "cancel", cancel },
		{ "fork", onecall },
	};

	H_CHECK(argc == 2, "usage: h_forkcli simple|pipecomm|fakeauth|"
	    "cancel|fork");
	H_CHECK(rumpclient_init() == 0, "rumpclient_init");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (strcmp(argv[1], cases[i].name) == 0) {
			cases[i].fn();
			return 0;
		}
	h_fail("unknown case %s", argv[1]);
}
