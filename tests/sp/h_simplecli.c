/*
 * h_simplecli.c — the smallest client (NetBSD t_sp "basic", "signal"):
 *
 *	h_simplecli		rumpclient_init, then getpid must be > 0
 *	h_simplecli block	prints the kernel pid, then loops getpid and
 *				sleeps until a signal from the kernel kills it
 *	h_simplecli bigenough	closes fds 0-2 first: the client must work
 *				and its socket must not land on 0-2
 */
#include <fcntl.h>
#include <unistd.h>
#include <rump/rumpclient.h>
#include "h_common.h"

static int
bigenough(void)
{
	int fd;

	/* nothing to print on: the exit status says what failed */
	close(0);
	close(1);
	close(2);
	if (rumpclient_init() != 0)
		return 10;
	if (rump_sys_getpid() <= 0)
		return 11;
	for (int i = 0; i < 3; i++)
		if (fcntl(i, F_GETFD) != -1 || errno != EBADF)
			return 12;
	for (int i = 0; i < 10; i++) {
		if ((fd = rump_sys_open("/dev/null", O_WRONLY)) < 0)
			return 13;
		if (rump_sys_write(fd, "bigenough", 9) != 9)
			return 14;
		if (rump_sys_close(fd) != 0)
			return 15;
	}
	/* our own host descriptors still start at 0 */
	if ((fd = open("/dev/null", O_RDONLY)) != 0)
		return 16;
	if (rump_sys_getpid() <= 0)
		return 17;
	return 0;
}

int
main(int argc, char **argv)
{
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "bigenough") == 0)
		return bigenough();
	H_CHECK(rumpclient_init() == 0, "rumpclient_init");
	pid = rump_sys_getpid();
	H_CHECK(pid > 0, "getpid returned %d", (int)pid);
	if (argc > 1 && strcmp(argv[1], "block") == 0) {
		printf("%d\n", (int)pid);
		fflush(stdout);
		for (;;) {
			H_CHECK(rump_sys_getpid() == pid, "getpid changed");
			usleep(10000);
		}
	}
	return 0;
}
