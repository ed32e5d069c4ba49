/*
 * h_sigcli.c — remote calls from signal handlers (NetBSD h_sigcli):
 * SIGALRM arrives every 10 ms during 20,000 sysctl calls, and the
 * handler makes a remote sysctl of its own.  Every result must be right:
 * a nested call must neither deadlock nor take the interrupted call's
 * reply.  The two calls read different nodes so that a swapped reply
 * shows.
 */
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>
#include <rump/rumpclient.h>
#include "h_common.h"

#define NCALLS	20000

static char hostname[256], ostype[64];
static volatile sig_atomic_t nsig, badsig;

static void
on_alrm(int sig)
{
	char buf[sizeof(ostype)];
	size_t len = sizeof(buf);
	int e = errno;

	if (rump_sys_sysctlbyname("kern.ostype", buf, &len, NULL, 0) != 0 ||
	    strcmp(buf, ostype) != 0)
		badsig++;
	nsig++;
	errno = e;
}

int
main(void)
{
	struct sigaction sa = { .sa_handler = on_alrm, .sa_flags = SA_RESTART };
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };
	char buf[sizeof(hostname)];
	size_t len;

	H_CHECK(rumpclient_init() == 0, "rumpclient_init");
	snprintf(hostname, sizeof(hostname), "sigcli%d", (int)getpid());
	H_CHECK(rump_sys_sysctlbyname("kern.hostname", NULL, NULL, hostname,
	    strlen(hostname)) == 0, "set kern.hostname");
	len = sizeof(ostype);
	H_CHECK(rump_sys_sysctlbyname("kern.ostype", ostype, &len, NULL,
	    0) == 0, "kern.ostype");
	sigaction(SIGALRM, &sa, NULL);
	H_CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0, "setitimer");
	for (int i = 0; i < NCALLS; i++) {
		len = sizeof(buf);
		if (rump_sys_sysctlbyname("kern.hostname", buf, &len, NULL,
		    0) != 0)
			h_fail("call %d", i);
		H_CHECK(strcmp(buf, hostname) == 0, "call %d: \"%s\"", i, buf);
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	printf("%d calls, %d signals, %d bad in handlers\n", NCALLS,
	    (int)nsig, (int)badsig);
	H_CHECK(badsig == 0, "a call in the handler failed");
	H_CHECK(nsig > 0, "no signal arrived");
	return 0;
}
