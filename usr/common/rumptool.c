/*
 * rumptool.c — connecting a control utility to its kernel (see rumptool.h).
 *
 * A missing or unusable RUMP_SERVER costs the user exactly one line,
 * "PROG: reason", never a crash or a stack of messages.
 */
#include <errno.h>
#include <fcntl.h>
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

#define LIBPREFIX	"rumpclient: "

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
/*
 * rumpclient_init() with stderr caught in a pipe: librumpclient explains
 * some failures (a malformed URL) on stderr itself, and the tool wants
 * that explanation in its own single line.  Leaves the library's first
 * line, without its "rumpclient: " prefix, in msg ("" if none).
 */
static int
init_caught(char *msg, size_t size)
{
	int pfd[2], saved, rc, error;
	ssize_t n;
	char *nl;

	msg[0] = '\0';
	if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK) == -1)
		return rumpclient_init();
	fflush(stderr);
	saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	dup2(pfd[1], STDERR_FILENO);
	close(pfd[1]);
	rc = rumpclient_init();
	error = errno;
	if (saved != -1) {
		dup2(saved, STDERR_FILENO);
		close(saved);
	} else {
		close(STDERR_FILENO);	/* it was closed to begin with */
	}
	n = read(pfd[0], msg, size - 1);
	close(pfd[0]);
	msg[n > 0 ? n : 0] = '\0';
	if ((nl = strchr(msg, '\n')) != NULL)
		*nl = '\0';
	if (strncmp(msg, LIBPREFIX, strlen(LIBPREFIX)) == 0)
		memmove(msg, msg + strlen(LIBPREFIX),
		    strlen(msg) - strlen(LIBPREFIX) + 1);
	errno = error;
	return rc;
}

int
rumptool_init(void)
{
	char msg[512];
	const char *url;

	url = getenv("RUMP_SERVER");
	if (url == NULL || url[0] == '\0') {
		fprintf(stderr, "%s: RUMP_SERVER not set\n",
		    rumptool_progname());
		return -1;
	}
	errno = 0;
	if (init_caught(msg, sizeof(msg)) == 0)
		return 0;
	if (msg[0] != '\0')
		fprintf(stderr, "%s: %s\n", rumptool_progname(), msg);
	else
		fprintf(stderr, "%s: cannot connect to %s: %s\n",
		    rumptool_progname(), url,
		    strerror(errno != 0 ? errno : ECONNREFUSED));
	return -1;
}
#endif

/* getopt's complaint, BSD wording, under our own short name. */
void
rumptool_badopt(void)
{
	fprintf(stderr, "%s: unknown option -- %c\n", rumptool_progname(),
	    optopt);
}
