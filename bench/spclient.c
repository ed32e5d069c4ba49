/*
 * spclient.c — the measured side of the sysproxy bench: bodies that run
 * in a child connected to a rump_server through librumpclient (see
 * in_child()), each returning its figures in out[].
 *
 * Files live in the server's root file system, which is a tmpfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <rump/rumpclient.h>
#include "spbench.h"

#define NTHREADS	8
#define TP_RUNS		3
#define TP_WARM_NS	100000000L	/* 100 ms before counting */
#define TP_RUN_NS	500000000L	/* then 500 ms counted */

static const char ofcfile[] = "/tmp/spbench.ofc";
static const char iofile[] = "/tmp/spbench.io";
static volatile long sink;

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
getpids(void *arg, long n)
{
	for (long i = 0; i < n; i++) {
		long pid = rump_sys_getpid();

		if (pid <= 0)
			fail("rump_sys_getpid: %s", strerror(errno));
		sink += pid;
	}
}

/* out[0], out[1]: ns per round trip of the raw ping-pong with the
 * reference server at arg, and of a remote getpid, runs alternating */
void
rc_getpid(void *arg, double *out)
{
	const struct endpoint *ref = arg;
	int fd = ep_connect(ref);

	if (fd < 0)
		fail("reference client: connect %s: %s", ref->url,
		    strerror(errno));
	measure2(ref_pingpong, &fd, getpids, NULL, &out[0], &out[1]);
	close(fd);
}

/* --- throughput with many threads on one connection ------------------------ */

struct tp {
	_Atomic bool	 stop;
	struct {
		_Atomic long n;
		char	 pad[56];	/* one cache line each */
	} cnt[NTHREADS];
};

struct tp_arg {
	struct tp	*tp;
	int		 i;
};

static void *
tp_loop(void *arg)
{
	struct tp_arg *a = arg;

	while (!atomic_load_explicit(&a->tp->stop, memory_order_relaxed)) {
		if (rump_sys_getpid() <= 0)
			fail("rump_sys_getpid: %s", strerror(errno));
		atomic_fetch_add_explicit(&a->tp->cnt[a->i].n, 1,
		    memory_order_relaxed);
	}
	return NULL;
}

static long
tp_sum(struct tp *tp, int nthr)
{
	long s = 0;

	for (int i = 0; i < nthr; i++)
		s += atomic_load(&tp->cnt[i].n);
	return s;
}

static void
sleep_ns(long ns)
{
	struct timespec ts = { ns / 1000000000L, ns % 1000000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* calls/s of nthr threads calling getpid as fast as they can */
static double
tp_once(int nthr)
{
	static struct tp tp;
	struct tp_arg args[NTHREADS];
	pthread_t th[NTHREADS];
	double t0, t1;
	long c0, c1;

	memset(&tp, 0, sizeof(tp));
	for (int i = 0; i < nthr; i++) {
		args[i] = (struct tp_arg){ &tp, i };
		if (pthread_create(&th[i], NULL, tp_loop, &args[i]) != 0)
			fail("pthread_create");
	}
	sleep_ns(TP_WARM_NS);
	c0 = tp_sum(&tp, nthr);
	t0 = now_ns();
	sleep_ns(TP_RUN_NS);
	c1 = tp_sum(&tp, nthr);
	t1 = now_ns();
	atomic_store(&tp.stop, true);
	for (int i = 0; i < nthr; i++)
		pthread_join(th[i], NULL);
	return (c1 - c0) / ((t1 - t0) / 1e9);
}

/* out[0], out[1]: calls/s with 1 and with NTHREADS threads (medians) */
void
rc_threads(void *arg, double *out)
{
	double one[TP_RUNS], many[TP_RUNS];

	for (int r = 0; r < TP_RUNS; r++) {
		one[r] = tp_once(1);
		many[r] = tp_once(NTHREADS);
	}
	qsort(one, TP_RUNS, sizeof(one[0]), cmp_double);
	qsort(many, TP_RUNS, sizeof(many[0]), cmp_double);
	out[0] = one[TP_RUNS / 2];
	out[1] = many[TP_RUNS / 2];
}

/* --- open+fstat+close -------------------------------------------------------- */

static void
ofc(void *arg, long n)
{
	struct stat st;

	for (long i = 0; i < n; i++) {
		int fd = rump_sys_open(ofcfile, O_RDONLY);

		if (fd < 0 || rump_sys_fstat(fd, &st) != 0)
			fail("rump open/fstat %s: %s", ofcfile, strerror(errno));
		sink += st.st_size;
		if (rump_sys_close(fd) != 0)
			fail("rump close: %s", strerror(errno));
	}
}

static void
ofc_create(void)
{
	int fd = rump_sys_open(ofcfile, O_CREAT | O_TRUNC | O_WRONLY, 0644);

	if (fd < 0 || rump_sys_write(fd, "bench", 5) != 5 ||
	    rump_sys_close(fd) != 0)
		fail("creating %s in the server: %s", ofcfile, strerror(errno));
}

/* out[0]: ns per null call, out[1]: ns per open+fstat+close */
void
rc_ofc(void *arg, double *out)
{
	ofc_create();
	measure2(getpids, NULL, ofc, NULL, &out[0], &out[1]);
	rump_sys_unlink(ofcfile);
}

/*
 * The same work with *arg iterations, through the counting relay: two
 * runs differing only in the iteration count differ only in the frames
 * the iterations cost.
 */
void
rc_ofc_count(void *arg, double *out)
{
	ofc_create();
	ofc(NULL, *(long *)arg);
	if (rump_sys_unlink(ofcfile) != 0)
		fail("unlink %s: %s", ofcfile, strerror(errno));
	out[0] = 0;
}

void
rc_getpid_count(void *arg, double *out)
{
	getpids(NULL, *(long *)arg);
	out[0] = 0;
}

/* --- 1 GiB through write and read ------------------------------------------------ */

static void
io_rump_once(const char *wbuf, char *rbuf, double *wmbs, double *rmbs)
{
	double t0;
	int fd;

	if ((fd = rump_sys_open(iofile, O_CREAT | O_TRUNC | O_RDWR, 0600)) < 0)
		fail("rump open %s: %s", iofile, strerror(errno));
	t0 = now_ns();
	for (long off = 0; off < IO_TOTAL; off += IO_CHUNK)
		if (rump_sys_write(fd, wbuf, IO_CHUNK) != IO_CHUNK)
			fail("rump write at %ld: %s", off, strerror(errno));
	*wmbs = IO_TOTAL / ((now_ns() - t0) / 1e9) / 1e6;
	if (rump_sys_lseek(fd, 0, SEEK_SET) != 0)
		fail("rump lseek: %s", strerror(errno));
	t0 = now_ns();
	for (long off = 0; off < IO_TOTAL; off += IO_CHUNK)
		if (rump_sys_read(fd, rbuf, IO_CHUNK) != IO_CHUNK)
			fail("rump read at %ld: %s", off, strerror(errno));
	*rmbs = IO_TOTAL / ((now_ns() - t0) / 1e9) / 1e6;
	if (memcmp(wbuf, rbuf, IO_CHUNK) != 0)
		fail("rump read: wrong bytes");
	if (rump_sys_close(fd) != 0 || rump_sys_unlink(iofile) != 0)
		fail("rump close/unlink %s: %s", iofile, strerror(errno));
}

/* out: host write, host read, rump write, rump read MB/s (medians);
 * host and rump runs alternate so that both see the same machine */
void
rc_io(void *arg, double *out)
{
	double r[4][IO_RUNS];
	char *wbuf = malloc(IO_CHUNK), *rbuf = malloc(IO_CHUNK);

	if (wbuf == NULL || rbuf == NULL)
		fail("malloc");
	for (long i = 0; i < IO_CHUNK; i++)
		wbuf[i] = (char)(i * 31 + 7);
	memset(rbuf, 0, IO_CHUNK);
	for (int run = 0; run < IO_RUNS; run++) {
		io_host_once(wbuf, rbuf, &r[0][run], &r[1][run]);
		io_rump_once(wbuf, rbuf, &r[2][run], &r[3][run]);
	}
	for (int k = 0; k < 4; k++) {
		qsort(r[k], IO_RUNS, sizeof(r[k][0]), cmp_double);
		out[k] = r[k][IO_RUNS / 2];
	}
	free(wbuf);
	free(rbuf);
}
