/*
 * h_hostcalls.c — host calls stay host calls under the preload, and what
 * the preload costs them.  Run with a rump_server reachable:
 *
 *	h_hostcalls HOSTPATH [NREADS [NSTATS]]
 *	    with a rump descriptor open, NREADS (default 10 million) host
 *	    read()s of /dev/zero and NSTATS (default 10 million) stat()s of
 *	    the absolute HOSTPATH and, alternately, of its relative name
 *	    from its directory (the two ways a path can stay on the host),
 *	    every result checked against the host kernel's answer (taken
 *	    with raw system calls, which the preload cannot see); then the
 *	    rump descriptor must still read back what was written.
 *	h_hostcalls --bench HOSTPATH [RUMPPATH]
 *	    prints "read NS", "stat NS" (ns per host call) and, with
 *	    RUMPPATH (a /rump path), "rstat NS" for stat through the preload.
 *	    bench/hijack.sh runs it with and without LD_PRELOAD: a preload
 *	    cannot be unloaded, so the difference between two processes is
 *	    the overhead.
 *
 * The /rump paths assume the default RUMPHIJACK (path=/rump).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "h_common.h"

#define RUNS	5

static const char rumptext[] = "rump side\n";

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long
number(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v < 0) {
		fprintf(stderr, "h_hostcalls: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static int
check(const char *hostpath, long nreads, long nstats)
{
	struct stat ref, st;
	unsigned char buf[64];
	char rbuf[32], dir[PATH_MAX];
	const char *name;
	int zfd, rfd;
	ssize_t n;
	long i;

	rfd = open("/rump/hostcalls", O_RDWR | O_CREAT | O_TRUNC, 0644);
	H_CHECK(rfd >= 0, "open /rump/hostcalls");
	H_CHECK(write(rfd, rumptext, sizeof(rumptext) - 1) ==
	    (ssize_t)sizeof(rumptext) - 1, "write the rump file");
	/* the host's own answer, bypassing anything the preload defines */
	H_CHECK(syscall(SYS_newfstatat, AT_FDCWD, hostpath, &ref, 0) == 0,
	    "raw newfstatat %s", hostpath);
	zfd = open("/dev/zero", O_RDONLY);
	H_CHECK(zfd >= 0, "open /dev/zero");
	H_CHECK(zfd != rfd, "host and rump fds share number %d", zfd);
	/* the relative name, from HOSTPATH's directory (on the host) */
	H_CHECK(hostpath[0] == '/', "HOSTPATH must be absolute");
	name = strrchr(hostpath, '/') + 1;
	snprintf(dir, sizeof(dir), "%.*s", (int)(name - hostpath), hostpath);
	H_CHECK(chdir(dir) == 0, "chdir %s", dir);

	for (i = 0; i < nreads; i++) {
		memset(buf, 0xa5, sizeof(buf));
		n = read(zfd, buf, sizeof(buf));
		if (n != (ssize_t)sizeof(buf))
			h_fail("read %ld of /dev/zero returned %zd", i, n);
		for (size_t j = 0; j < sizeof(buf); j++)
			if (buf[j] != 0) {
				errno = 0;
				h_fail("read %ld of /dev/zero: byte %zu is "
				    "%#x", i, j, buf[j]);
			}
	}
	for (i = 0; i < nstats; i++) {
		const char *p = i % 2 == 0 ? hostpath : name;

		memset(&st, 0xa5, sizeof(st));
		if (stat(p, &st) != 0)
			h_fail("stat %ld of %s", i, p);
		if (st.st_dev != ref.st_dev || st.st_ino != ref.st_ino ||
		    st.st_size != ref.st_size || st.st_mode != ref.st_mode) {
			errno = 0;
			h_fail("stat %ld of %s: dev %#llx ino %llu size %lld "
			    "mode %o, host says dev %#llx ino %llu size %lld "
			    "mode %o", i, p,
			    (unsigned long long)st.st_dev,
			    (unsigned long long)st.st_ino,
			    (long long)st.st_size, st.st_mode,
			    (unsigned long long)ref.st_dev,
			    (unsigned long long)ref.st_ino,
			    (long long)ref.st_size, ref.st_mode);
		}
	}

	/* the rump descriptor lived through it all */
	n = pread(rfd, rbuf, sizeof(rbuf), 0);
	H_CHECK(n == (ssize_t)sizeof(rumptext) - 1 &&
	    memcmp(rbuf, rumptext, (size_t)n) == 0,
	    "the rump file reads back %zd bytes", n);
	H_CHECK(fstat(rfd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size == (off_t)sizeof(rumptext) - 1,
	    "fstat of the rump fd");
	H_CHECK(close(zfd) == 0 && close(rfd) == 0, "close");
	printf("%ld reads, %ld stats: all correct\n", nreads, nstats);
	return 0;
}

/* the cheapest of RUNS runs of iters calls each, in ns per call: the
 * minimum is what the code costs, the rest is noise from the machine */
static double
timeit(void (*fn)(long, const void *), long iters, const void *arg)
{
	double best = 0;

	fn(iters / 10 + 1, arg);		/* warm up, resolve symbols */
	for (int r = 0; r < RUNS; r++) {
		int64_t t0 = now_ns();
		double ns;

		fn(iters, arg);
		ns = (double)(now_ns() - t0) / (double)iters;
		if (r == 0 || ns < best)
			best = ns;
	}
	return best;
}

static void
loop_read(long n, const void *arg)
{
	int fd = *(const int *)arg;
	char buf[64];

	for (long i = 0; i < n; i++)
		if (read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			h_fail("read of /dev/zero");
}

static void
loop_stat(long n, const void *arg)
{
	const char *path = arg;
	struct stat st;

	for (long i = 0; i < n; i++)
		if (stat(path, &st) != 0)
			h_fail("stat %s", path);
}

static int
bench(const char *hostpath, const char *rumppath)
{
	int zfd;

	zfd = open("/dev/zero", O_RDONLY);
	H_CHECK(zfd >= 0, "open /dev/zero");
	printf("read %.1f\n", timeit(loop_read, 300000, &zfd));
	printf("stat %.1f\n", timeit(loop_stat, 100000, hostpath));
	if (rumppath != NULL)
		printf("rstat %.1f\n", timeit(loop_stat, 2000, rumppath));
	return 0;
}

int
main(int argc, char *argv[])
{
	if (argc >= 3 && argc <= 4 && strcmp(argv[1], "--bench") == 0)
		return bench(argv[2], argc == 4 ? argv[3] : NULL);
	if (argc >= 2 && argc <= 4 && argv[1][0] != '-')
		return check(argv[1],
		    argc > 2 ? number(argv[2], "NREADS") : 10000000,
		    argc > 3 ? number(argv[3], "NSTATS") : 10000000);
	fprintf(stderr, "usage: h_hostcalls HOSTPATH [NREADS [NSTATS]]\n"
	    "       h_hostcalls --bench HOSTPATH [RUMPPATH]\n");
	return 2;
}
