/*
 * h_reconcli.c — reconnecting (NetBSD h_reconcli):
 *
 *	h_reconcli SECONDS [restart]
 *
 * With RUMPCLIENT_RETRYCONN_INFTIME, 4 threads loop getpid and a sysctl
 * read for SECONDS while the connection keeps being cut under them: a
 * closer thread closes every descriptor from 3 up (our socket with them)
 * at random intervals.  With "restart" nothing is closed here; the test
 * restarts the server meanwhile.  No call may fail.  Prints how many
 * calls were made.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <unistd.h>
#include <rump/rumpclient.h>
#include "h_common.h"

#define NTHR	4

static atomic_bool quit;
static atomic_long ncalls;

static void *
worker(void *arg)
{
	char buf[256];
	size_t len;

	while (!atomic_load(&quit)) {
		if (rump_sys_getpid() <= 0)
			h_fail("getpid");
		len = sizeof(buf);
		if (rump_sys_sysctlbyname("kern.hostname", buf, &len, NULL,
		    0) != 0)
			h_fail("sysctl");
		atomic_fetch_add(&ncalls, 2);
	}
	return NULL;
}

static void *
closer(void *arg)
{
	int ncut = 0;

	while (!atomic_load(&quit)) {
		usleep((useconds_t)(random() % 100000));
		/* like closefrom(3): whatever is open now, our socket too */
		for (int fd = 3; fd < 4096; fd++)
			close(fd);
		ncut++;
	}
	return (void *)(intptr_t)ncut;
}

int
main(int argc, char **argv)
{
	int secs = argc > 1 ? atoi(argv[1]) : 2;
	bool restart = argc > 2 && strcmp(argv[2], "restart") == 0;
	pthread_t t[NTHR], c;
	void *ncut = NULL;

	srandom((unsigned)getpid());
	H_CHECK(rumpclient_setconnretry(RUMPCLIENT_RETRYCONN_INFTIME) == 0,
	    "setconnretry");
	H_CHECK(rumpclient_init() == 0, "rumpclient_init");
	for (int i = 0; i < NTHR; i++)
		H_CHECK(pthread_create(&t[i], NULL, worker, NULL) == 0,
		    "pthread_create");
	if (!restart)
		H_CHECK(pthread_create(&c, NULL, closer, NULL) == 0,
		    "pthread_create");
	sleep((unsigned)secs);
	atomic_store(&quit, true);
	for (int i = 0; i < NTHR; i++)
		pthread_join(t[i], NULL);
	if (!restart)
		pthread_join(c, &ncut);
	printf("%ld calls, %d cuts\n", atomic_load(&ncalls),
	    (int)(intptr_t)ncut);
	return 0;
}
