/*
 * bench.c — `make bench`: the cost of local rump_sys_* calls against the
 * host's own system calls, measured in the same run on the same machine.
 * Pairs: getpid (the host's through syscall(SYS_getpid), so that no libc
 * cache hides the kernel entry) and open+fstat+close of a file on the
 * host's tmpfs versus a file on the rump kernel's tmpfs.  Each figure is
 * the median of 5 runs of about 200 ms; the ratio is rump/host, so a
 * ratio below 1 means the rump call is cheaper than the host's.
 * Nothing here asserts on time: the numbers are for reading.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#define RUNS		5
#define RUN_NS		200000000.0	/* one run: ~200 ms */
#define TMPFS_MAGIC_	0x01021994

static char hostfile[256];
static const char rumpfile[] = "/tmp/bench.file";
static volatile long sink;

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
host_getpid(long n)
{
	for (long i = 0; i < n; i++)
		sink += syscall(SYS_getpid);
}

static void
rump_getpid(long n)
{
	for (long i = 0; i < n; i++)
		sink += rump_sys_getpid();
}

static void
host_ofc(long n)
{
	struct stat st;

	for (long i = 0; i < n; i++) {
		int fd = open(hostfile, O_RDONLY);

		if (fd < 0 || fstat(fd, &st) != 0) {
			perror("bench: host open/fstat");
			exit(1);
		}
		sink += st.st_size;
		close(fd);
	}
}

static void
rump_ofc(long n)
{
	struct stat st;

	for (long i = 0; i < n; i++) {
		int fd = rump_sys_open(rumpfile, O_RDONLY);

		if (fd < 0 || rump_sys_fstat(fd, &st) != 0) {
			perror("bench: rump open/fstat");
			exit(1);
		}
		sink += st.st_size;
		rump_sys_close(fd);
	}
}

static double
run_ns(void (*fn)(long), long n)
{
	double t0 = now_ns();

	fn(n);
	return now_ns() - t0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* ns per operation: iterations calibrated to RUN_NS, median of RUNS runs. */
static double
measure(void (*fn)(long))
{
	double t, per[RUNS];
	long n = 64;

	fn(n);
	while ((t = run_ns(fn, n)) < 20e6)
		n *= 2;
	n = (long)(n * (RUN_NS / t)) + 1;
	for (int i = 0; i < RUNS; i++)
		per[i] = run_ns(fn, n) / (double)n;
	qsort(per, RUNS, sizeof(per[0]), cmp_double);
	return per[RUNS / 2];
}

static void
report(const char *what, void (*host)(long), void (*rump)(long))
{
	double h = measure(host), r = measure(rump);

	printf("%s: host %.1f ns, rump %.1f ns, ratio %.2f\n", what, h, r, r / h);
	fflush(stdout);
}

/* The host side wants tmpfs: /dev/shm if it is one, else /tmp. */
static int
make_files(void)
{
	const char *dir = "/dev/shm";
	struct statfs sf;
	int fd;

	if (statfs(dir, &sf) != 0 || sf.f_type != TMPFS_MAGIC_) {
		dir = "/tmp";
		if (statfs(dir, &sf) != 0 || sf.f_type != TMPFS_MAGIC_)
			fprintf(stderr, "bench: no host tmpfs, using /tmp\n");
	}
	snprintf(hostfile, sizeof(hostfile), "%s/rumpbench.XXXXXX", dir);
	if ((fd = mkstemp(hostfile)) < 0 || write(fd, "bench", 5) != 5)
		return -1;
	close(fd);
	fd = rump_sys_open(rumpfile, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	if (fd < 0 || rump_sys_write(fd, "bench", 5) != 5)
		return -1;
	rump_sys_close(fd);
	return 0;
}

int
main(void)
{
	int err = rump_init();

	if (err != 0) {
		fprintf(stderr, "bench: rump_init: %s\n", strerror(err));
		return 1;
	}
	if (make_files() != 0) {
		perror("bench: creating the files");
		return 1;
	}
	printf("# ns per operation, median of %d runs of ~%.0f ms each\n",
	    RUNS, RUN_NS / 1e6);
	report("getpid", host_getpid, rump_getpid);
	report("open+fstat+close", host_ofc, rump_ofc);
	unlink(hostfile);
	rump_sys_unlink(rumpfile);
	return 0;
}
