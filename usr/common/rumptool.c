/*
 * rumptool.c — connecting a control utility to its kernel (see rumptool.h).
 *
 * librumpclient reports a failed rumpclient_init() through errno only; the
 * message is ours, so a missing or unusable RUMP_SERVER costs the user
 * exactly one line instead of a crash or a stack of messages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef RUMPTOOL_LOCAL
#include <rump/rump.h>
#else
#include <rump/rumpclient.h>
#endif

#include "usr/common/rumptool.h"

const char *
rumptool_progname(void)
{
	return program_invocation_short_name;
}

int
rumptool_lostconn(int error)
{
	return error == ENOTCONN || error == ECONNRESET || error == EPIPE ||
	    error == ECONNABORTED || error == ESHUTDOWN;
}

#ifdef RUMPTOOL_LOCAL
int
rumptool_init(void)
{
	int error;

	error = rump_init();
	if (error != 0) {
		fprintf(stderr, "%s: rump_init: %s\n", rumptool_progname(),
		    strerror(error));
		return -1;
	}
	return 0;
}
#else
int
rumptool_init(void)
{
	const char *url;

	url = getenv("RUMP_SERVER");
	if (url == NULL || url[0] == '\0') {
		fprintf(stderr, "%s: RUMP_SERVER not set\n",
		    rumptool_progname());
		return -1;
	}
	errno = 0;
	if (rumpclient_init() != 0) {
		fprintf(stderr, "%s: cannot connect to %s: %s\n",
		    rumptool_progname(), url,
		    strerror(errno != 0 ? errno : ECONNREFUSED));
		return -1;
	}
	return 0;
}
#endif

/* getopt's complaint, BSD wording, under our own short name. */
void
rumptool_badopt(void)
{
	fprintf(stderr, "%s: unknown option -- %c\n", rumptool_progname(),
	    optopt);
}
