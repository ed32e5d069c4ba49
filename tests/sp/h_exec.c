/*
 * h_exec.c — the kernel process survives exec (NetBSD t_exec "exec",
 * "cloexec", "vfork"):
 *
 *	h_exec exec	opens /dev/null twice (the second O_CLOEXEC) and a
 *			pipe with a byte in it, then rumpclient_exec()s
 *			itself as "h_ution": the new image must find the
 *			same pid, the plain descriptors and the byte, and
 *			EBADF for the close-on-exec one
 *	h_exec vfork	rumpclient_vfork(), the child execs: it is a new
 *			kernel process holding copies of the descriptors
 *
 * The new image is run as "h_exec post PID FD CLOEXECFD PIPEFD".
 */
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <rump/rumpclient.h>
#include "h_common.h"

extern char **environ;

static int
post(char **argv)
{
	pid_t pid = atoi(argv[2]);	/* -N: a new process, parent N */
	int fd = atoi(argv[3]), cfd = atoi(argv[4]), pfd = atoi(argv[5]);
	char c;

	H_CHECK(rumpclient_init() == 0, "rumpclient_init after exec");
	if (pid > 0)
		H_CHECK(rump_sys_getpid() == pid, "pid %d after exec, was %d",
		    (int)rump_sys_getpid(), (int)pid);
	else
		H_CHECK(rump_sys_getpid() != -pid && rump_sys_getppid() == -pid,
		    "vfork child: pid %d, parent %d", (int)rump_sys_getpid(),
		    (int)rump_sys_getppid());
	H_CHECK(rump_sys_write(fd, "x", 1) == 1, "plain descriptor %d", fd);
	errno = 0;
	H_CHECK(rump_sys_fcntl(cfd, F_GETFD) == -1 && errno == EBADF,
	    "close-on-exec descriptor %d still open", cfd);
	H_CHECK(rump_sys_read(pfd, &c, 1) == 1 && c == 'p', "pipe byte");
	printf("pid %d: descriptors kept, close-on-exec gone\n",
	    (int)rump_sys_getpid());
	return 0;
}

static char a[4][16];
static char *xargv[] = { "h_ution", "post", a[0], a[1], a[2], a[3], NULL };

/* the new image's arguments, made before a vfork */
static void
exec_args(pid_t pid, int fd, int cfd, int pfd)
{
	snprintf(a[0], sizeof(a[0]), "%d", (int)pid);
	snprintf(a[1], sizeof(a[1]), "%d", fd);
	snprintf(a[2], sizeof(a[2]), "%d", cfd);
	snprintf(a[3], sizeof(a[3]), "%d", pfd);
}

int
main(int argc, char **argv)
{
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int fd, cfd, p[2], st;
	pid_t pid, cpid;

	if (argc == 6 && strcmp(argv[1], "post") == 0)
		return post(argv);
	H_CHECK(argc == 2, "usage: h_exec exec|vfork");
	H_CHECK(n > 0, "readlink /proc/self/exe");
	self[n] = '\0';
	H_CHECK(rumpclient_init() == 0, "rumpclient_init");
	pid = rump_sys_getpid();
	fd = rump_sys_open("/dev/null", O_WRONLY);
	cfd = rump_sys_open("/dev/null", O_WRONLY | O_CLOEXEC);
	H_CHECK(fd >= 0 && cfd >= 0, "open");
	H_CHECK(rump_sys_pipe(p) == 0, "pipe");
	H_CHECK(rump_sys_write(p[1], "p", 1) == 1, "pipe write");
	if (strcmp(argv[1], "exec") == 0) {
		exec_args(pid, fd, cfd, p[0]);
		rumpclient_exec(self, xargv, environ);
		h_fail("rumpclient_exec");
	}
	H_CHECK(strcmp(argv[1], "vfork") == 0, "unknown case %s", argv[1]);
	exec_args(-pid, fd, cfd, p[0]);
	if ((cpid = rumpclient_vfork()) == 0) {
		rumpclient_exec(self, xargv, environ);
		_exit(99);
	}
	H_CHECK(cpid > 0, "rumpclient_vfork");
	H_CHECK(waitpid(cpid, &st, 0) == cpid, "waitpid");
	H_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed");
	H_CHECK(rump_sys_getpid() == pid, "parent pid changed");
	H_CHECK(rump_sys_write(fd, "x", 1) == 1, "parent descriptor");
	H_CHECK(rump_sys_fcntl(cfd, F_GETFD) == FD_CLOEXEC,
	    "parent's close-on-exec descriptor");
	return 0;
}
