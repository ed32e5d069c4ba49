/*
 * spbench.c — the sysproxy part of `make bench`: what a system call
 * costs when a client makes it in a rump_server through librumpclient,
 * printed as ratios to references measured in the same run (issue 3):
 *
 *  - null call (getpid) round trip over unix:// and tcp://127.0.0.1,
 *    against a raw ping-pong of the same frame sizes between two
 *    processes; again with client and server pinned to one CPU; both
 *    with the shared-memory lane same-host clients get and without it
 *    (RUMPCLIENT_SHM=no: the socket path a remote client gets);
 *  - getpid throughput of 8 threads sharing the connection, against 1;
 *  - open+fstat+close in null calls' worth, and its exact frame count
 *    seen by a relay between client and server;
 *  - 1 GiB written and read in 1 MiB chunks in the server's tmpfs,
 *    against the same on the host's tmpfs.
 *
 * Nothing here asserts on time: the goals are printed next to the
 * ratios.  The exit status is 1 only if a measurement could not be made
 * or a frame count is not what the protocol promises.
 * Usage: spbench [path/to/rump_server [lat|tp|ofc|io ...]]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "spbench.h"

#define MEMLIMIT	"3g"		/* 1 GiB file and then some */

static int failures;

static void
row(const char *what, const char *ref, const char *got, const char *ratio,
    const char *goal)
{
	printf("%-34s %-22s %-22s %-8s %s\n", what, ref, got, ratio, goal);
	fflush(stdout);
}

static void
row_failed(const char *what)
{
	row(what, "-", "-", "failed", "");
	failures++;
}

static void
us(char *buf, size_t len, double ns, const char *what)
{
	snprintf(buf, len, "%.2f us %s", ns / 1000, what);
}

/* the rump server for ep, with its socket in the temp dir or on a port */
static pid_t
start(struct endpoint *ep, int family, int cpu, const char *name)
{
	if (family == AF_UNIX)
		ep_unix(ep, name);
	else
		ep_tcp(ep);
	return server_start(ep, cpu, MEMLIMIT);
}

/*
 * The reference server and the rump server run side by side; one client
 * alternates runs against each (rc_getpid), both pinned to cpu if >= 0.
 */
static void
latency(int family, int cpu, bool lane)
{
	const char *proto = family == AF_UNIX ? "unix://" : "tcp://";
	char what[64], ref[32], got[32], ratio[16];
	struct endpoint rep, ep;
	double ns[2];
	pid_t refsrv, srv;
	int lfd, err;

	snprintf(what, sizeof(what), "null call %s%s%s", proto,
	    lane ? "" : " socket only", cpu >= 0 ? ", 1 CPU" : "");
	if (family == AF_UNIX)
		ep_unix(&rep, "ref.sock");
	else
		ep_tcp(&rep);
	lfd = ep_listen(&rep);
	refsrv = spawn(cpu, ref_serve, &lfd);
	close(lfd);
	srv = start(&ep, family, cpu, "lat.sock");
	/* librumpclient's switch for the shared-memory lane */
	if (!lane)
		setenv("RUMPCLIENT_SHM", "no", 1);
	err = in_child(ep.url, cpu, rc_getpid, &rep, ns, 2, 20);
	unsetenv("RUMPCLIENT_SHM");
	reap(srv);
	reap(refsrv);
	if (family == AF_UNIX)
		unlink(rep.path);
	if (err != 0) {
		row_failed(what);
		return;
	}
	us(ref, sizeof(ref), ns[0], "raw");
	us(got, sizeof(got), ns[1], "rump");
	snprintf(ratio, sizeof(ratio), "%.2f", ns[1] / ns[0]);
	row(what, ref, got, ratio, cpu >= 0 ? "<= 1.1 (NetBSD 2.5)" :
	    "<= 1.1 (NetBSD 1.25)");
}

static void
throughput(const struct endpoint *ep)
{
	const char *what = "getpid calls/s, 8 threads vs 1";
	char ref[32], got[32], ratio[16];
	double tp[2];

	if (in_child(ep->url, -1, rc_threads, NULL, tp, 2, 20) != 0) {
		row_failed(what);
		return;
	}
	snprintf(ref, sizeof(ref), "%.0f k/s 1 thread", tp[0] / 1000);
	snprintf(got, sizeof(got), "%.0f k/s 8 threads", tp[1] / 1000);
	snprintf(ratio, sizeof(ratio), "%.2f", tp[1] / tp[0]);
	row(what, ref, got, ratio, "(printed only)");
}

static void
ofc_time(const struct endpoint *ep)
{
	const char *what = "open+fstat+close, in null calls";
	char ref[32], got[32], ratio[16];
	double t[2];

	if (in_child(ep->url, -1, rc_ofc, NULL, t, 2, 20) != 0) {
		row_failed(what);
		return;
	}
	us(ref, sizeof(ref), t[0], "null call");
	us(got, sizeof(got), t[1], "o+f+c");
	snprintf(ratio, sizeof(ratio), "%.2f", t[1] / t[0]);
	row(what, ref, got, ratio, "~3 (NetBSD ~5.6)");
}

/* frames one iteration of fn costs: runs with 0 and OFC_N iterations
 * through the relay and divides the difference.  A relay passes no
 * descriptors, so these clients get no lane: every frame is on the
 * socket (a lane carries the same frames, one each way per call). */
static void
frames(const struct endpoint *relay, int rfd, const char *what,
    void (*fn)(void *, double *), long expect)
{
	struct frame_count fc[2];
	long iters[2] = { 0, OFC_N };
	char got[32], ratio[16], goal[16];
	double dummy;
	long req, rep;

	for (int i = 0; i < 2; i++)
		if (in_child(relay->url, -1, fn, &iters[i], &dummy, 1, 20) != 0 ||
		    proxy_result(rfd, &fc[i]) != 0 || fc[i].bad) {
			row_failed(what);
			return;
		}
	req = fc[1].requests - fc[0].requests;
	rep = fc[1].replies - fc[0].replies;
	snprintf(got, sizeof(got), "%ld req %ld rep /%d", req, rep, OFC_N);
	snprintf(ratio, sizeof(ratio), "%.3f", (double)req / OFC_N);
	snprintf(goal, sizeof(goal), "== %ld", expect);
	if (req != expect * OFC_N || rep != req ||
	    fc[1].syscalls - fc[0].syscalls != req) {
		strcat(goal, " MISSED");
		failures++;
	}
	row(what, "(counted by relay)", got, ratio, goal);
}

static void
frame_counts(const struct endpoint *ep)
{
	struct endpoint relay;
	pid_t pid;
	int rfd;

	ep_unix(&relay, "relay.sock");
	pid = proxy_start(&relay, ep, 4, &rfd);
	frames(&relay, rfd, "open+fstat+close, frames", rc_ofc_count, 3);
	frames(&relay, rfd, "getpid, frames", rc_getpid_count, 1);
	close(rfd);
	reap(pid);
}

static void
bulk_io(const struct endpoint *ep)
{
	char ref[32], got[32], ratio[16];
	double mbs[4];

	if (in_child(ep->url, -1, rc_io, NULL, mbs, 4, 90) != 0) {
		row_failed("1 GiB write+read");
		return;
	}
	for (int k = 0; k < 2; k++) {
		snprintf(ref, sizeof(ref), "%.0f MB/s host tmpfs", mbs[k]);
		snprintf(got, sizeof(got), "%.0f MB/s rump", mbs[2 + k]);
		snprintf(ratio, sizeof(ratio), "%.2f", mbs[2 + k] / mbs[k]);
		row(k == 0 ? "1 GiB write, 1 MiB chunks" :
		    "1 GiB read, 1 MiB chunks", ref, got, ratio,
		    ">= 0.5 (NetBSD ~52 MB/s)");
	}
}

/* ratios mean little on a busy machine: say so when it is */
static void
load_note(void)
{
	double load = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	FILE *f = fopen("/proc/loadavg", "r");

	if (f != NULL) {
		if (fscanf(f, "%lf", &load) != 1)
			load = 0;
		fclose(f);
	}
	if (load > ncpu)
		printf("# NOTE: load average %.1f on %ld CPUs: other work "
		    "competes, the figures are noisy\n", load, ncpu);
}

/* with names after the server's path, only those parts run */
static bool
wanted(int argc, char **argv, const char *part)
{
	if (argc <= 2)
		return true;
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], part) == 0)
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	struct endpoint ep;
	int cpu;
	pid_t srv;

	if (argc > 1)
		setenv("SPBENCH_SERVER", argv[1], 1);
	setup();
	cpu = first_cpu();
	printf("# sysproxy: librumpclient -> rump_server; ratio = rump / "
	    "reference, both measured in this run\n");
	printf("# latencies: medians of %d alternating runs of ~%.0f ms; "
	    "1 CPU = client and servers pinned to CPU %d\n", RUNS,
	    RUN_NS / 1e6, cpu);
	load_note();
	row("what", "reference", "measured", "ratio", "goal");
	if (wanted(argc, argv, "lat")) {
		/* same-host clients get the lane; the socket path is what
		 * a client on another host (or with RUMPCLIENT_SHM=no) gets */
		for (int lane = 1; lane >= 0; lane--) {
			latency(AF_UNIX, -1, lane);
			latency(AF_INET, -1, lane);
			latency(AF_UNIX, cpu, lane);
			latency(AF_INET, cpu, lane);
		}
	}
	srv = start(&ep, AF_UNIX, -1, "main.sock");
	if (wanted(argc, argv, "tp"))
		throughput(&ep);
	if (wanted(argc, argv, "ofc")) {
		ofc_time(&ep);
		frame_counts(&ep);
	}
	if (wanted(argc, argv, "io"))
		bulk_io(&ep);
	reap(srv);
	return failures == 0 ? 0 : 1;
}
