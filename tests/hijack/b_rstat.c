/*
 * b_rstat.c — the reference for bench/hijack.sh's rump-routed stat: the
 * same stat as a raw remote call, rump_sys_stat over librumpclient with
 * no preload in between.  Prints "rstat NS", ns per call, the cheapest of
 * a few runs (measured the same way as h_hostcalls --bench).
 *
 *	RUMP_SERVER=... b_rstat PATH	(PATH in the kernel's namespace)
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <rump/rumpclient.h>
#include <rump/rump_syscalls.h>

#define RUNS	5
#define ITERS	2000

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
loop(const char *path, long n)
{
	struct stat st;

	for (long i = 0; i < n; i++)
		if (rump_sys_stat(path, &st) != 0) {
			fprintf(stderr, "b_rstat: rump_sys_stat %s: %s\n",
			    path, strerror(errno));
			exit(1);
		}
}

int
main(int argc, char *argv[])
{
	double best = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: b_rstat PATH\n");
		return 2;
	}
	if (rumpclient_init() != 0) {
		fprintf(stderr, "b_rstat: rumpclient_init: %s\n",
		    strerror(errno));
		return 1;
	}
	loop(argv[1], ITERS / 10);
	for (int r = 0; r < RUNS; r++) {
		int64_t t0 = now_ns();
		double ns;

		loop(argv[1], ITERS);
		ns = (double)(now_ns() - t0) / ITERS;
		if (r == 0 || ns < best)
			best = ns;
	}
	printf("rstat %.1f\n", best);
	return 0;
}
