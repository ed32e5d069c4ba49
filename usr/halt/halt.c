/*
 * halt.c — rump.halt: stops the rump kernel named by $RUMP_SERVER.
 *
 *	rump.halt [-dhn]
 *
 * -d dumps core (RB_DUMP), -h halts the kernel but leaves the server
 * process running (RB_HALT), -n skips syncing file systems (RB_NOSYNC).
 * Without -h the server process exits and removes its unix socket.
 *
 * The server answers the reboot call before it goes away; if the answer
 * is lost with the connection instead, the request still reached a server
 * that is now shutting down, so that too counts as success.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rump/rump_syscalls.h>

#include "usr/common/rumptool.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: %s [-dhn]\n", rumptool_progname());
	exit(1);
}

int
main(int argc, char *argv[])
{
	int ch, howto = RUMP_RB_AUTOBOOT;

	opterr = 0;
	while ((ch = getopt(argc, argv, "+dhn")) != -1) {
		switch (ch) {
		case 'd':
			howto |= RUMP_RB_DUMP;
			break;
		case 'h':
			howto |= RUMP_RB_HALT;
			break;
		case 'n':
			howto |= RUMP_RB_NOSYNC;
			break;
		default:
			rumptool_badopt();
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (rumptool_init() != 0)
		return 1;

	if (rump_sys_reboot(howto, NULL) == -1 && !rumptool_lostconn(errno)) {
		fprintf(stderr, "%s: reboot: %s\n", rumptool_progname(),
		    strerror(errno));
		return 1;
	}
	return 0;
}
