/*
 * spsetup.c — the processes of the sysproxy bench: its temp directory,
 * the rump_servers and reference servers it starts, the children that
 * measure, and the cleanup that stops all of them.
 *
 * Cleanup: every process started here is recorded; when the bench exits
 * (normally, by fail(), or on SIGINT/SIGTERM/SIGHUP) each one still
 * running gets SIGTERM, then SIGKILL if it has not gone within 2 s, and
 * the temp directory is removed.  Each child also asks the host for
 * SIGKILL when the bench dies (PR_SET_PDEATHSIG), which covers a crash
 * of the bench itself.
 */
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <rump/rumpclient.h>
#include "spbench.h"

#define MAXPROCS	32

const char *tmpdir;
static char tmpbuf[64];
static pid_t driver;			/* the bench's main process */
static pid_t procs[MAXPROCS];		/* started and not yet reaped */
static const char *server_bin;

double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* iterations of fn that take about RUN_NS */
static long
calibrate(void (*fn)(void *, long), void *arg)
{
	double t0, t;
	long n = 16;

	for (;;) {
		t0 = now_ns();
		fn(arg, n);
		if ((t = now_ns() - t0) >= 20e6)
			break;
		n *= 2;
	}
	return (long)(n * (RUN_NS / t)) + 1;
}

static double
run_once(void (*fn)(void *, long), void *arg, long n)
{
	double t0 = now_ns();

	fn(arg, n);
	return (now_ns() - t0) / (double)n;
}

/*
 * ns per operation of two operations, each a median of RUNS runs of
 * about RUN_NS; their runs alternate so that both see the same machine
 * (other load comes and goes on a shared host).
 */
void
measure2(void (*fa)(void *, long), void *aa, void (*fb)(void *, long),
    void *ab, double *a, double *b)
{
	double pa[RUNS], pb[RUNS];
	long na = calibrate(fa, aa), nb = calibrate(fb, ab);

	for (int i = 0; i < RUNS; i++) {
		pa[i] = run_once(fa, aa, na);
		pb[i] = run_once(fb, ab, nb);
	}
	qsort(pa, RUNS, sizeof(pa[0]), cmp_double);
	qsort(pb, RUNS, sizeof(pb[0]), cmp_double);
	*a = pa[RUNS / 2];
	*b = pb[RUNS / 2];
}

/* --- cleanup ------------------------------------------------------------- */

static void
track(pid_t pid)
{
	for (int i = 0; i < MAXPROCS; i++)
		if (procs[i] == 0) {
			procs[i] = pid;
			return;
		}
	kill(pid, SIGKILL);
	fail("too many processes");
}

/* SIGTERM, then SIGKILL after 2 s; waits for it */
void
reap(pid_t pid)
{
	int st;

	for (int i = 0; i < MAXPROCS; i++)
		if (procs[i] == pid)
			procs[i] = 0;
	if (kill(pid, SIGTERM) != 0)
		return;
	for (int ms = 0; ms < 2000; ms += 10) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
}

static void
rmtree(const char *dir)
{
	char path[300];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static void
cleanup(void)
{
	if (getpid() != driver)
		return;
	for (int i = MAXPROCS - 1; i >= 0; i--)	/* clients before servers */
		if (procs[i] != 0)
			reap(procs[i]);
	if (tmpdir != NULL)
		rmtree(tmpdir);
	tmpdir = NULL;
}

static void
on_signal(int sig)
{
	cleanup();
	signal(sig, SIG_DFL);
	raise(sig);
}

void
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "spbench: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (getpid() != driver)
		_exit(1);
	exit(1);		/* atexit: cleanup() */
}

void
setup(void)
{
	const char *bin = getenv("SPBENCH_SERVER");

	driver = getpid();
	server_bin = bin != NULL ? bin : "build/bin/rump_server";
	if (access(server_bin, X_OK) != 0)
		fail("%s: %s (set SPBENCH_SERVER)", server_bin, strerror(errno));
	strcpy(tmpbuf, "/tmp/spbench.XXXXXX");
	if (mkdtemp(tmpbuf) == NULL)
		fail("mkdtemp: %s", strerror(errno));
	tmpdir = tmpbuf;
	atexit(cleanup);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);
	signal(SIGPIPE, SIG_IGN);
}

/* --- endpoints ------------------------------------------------------------ */

/* a fresh socket path in the temp dir: a server killed hard leaves its
 * socket file behind, and the next one must not trip over it */
void
ep_unix(struct endpoint *ep, const char *name)
{
	static int seq;

	memset(ep, 0, sizeof(*ep));
	ep->family = AF_UNIX;
	snprintf(ep->path, sizeof(ep->path), "%s/%d.%s", tmpdir, ++seq, name);
	snprintf(ep->url, sizeof(ep->url), "unix://%s", ep->path);
}

/* a port that was free a moment ago: bind to port 0 and let it go */
void
ep_tcp(struct endpoint *ep)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) != 0)
		fail("finding a free TCP port: %s", strerror(errno));
	close(fd);
	memset(ep, 0, sizeof(*ep));
	ep->family = AF_INET;
	ep->port = ntohs(sin.sin_port);
	snprintf(ep->url, sizeof(ep->url), "tcp://127.0.0.1:%d/", ep->port);
}

static socklen_t
ep_addr(const struct endpoint *ep, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (ep->family == AF_UNIX) {
		struct sockaddr_un *sun = (struct sockaddr_un *)ss;

		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, ep->path, sizeof(ep->path));
		return sizeof(*sun);
	}
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	sin->sin_family = AF_INET;
	sin->sin_port = htons(ep->port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sizeof(*sin);
}

static void
nodelay(const struct endpoint *ep, int fd)
{
	int one = 1;

	if (ep->family == AF_INET)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int
ep_listen(const struct endpoint *ep)
{
	struct sockaddr_storage ss;
	socklen_t len = ep_addr(ep, &ss);
	int one = 1, fd = socket(ep->family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&ss, len) != 0 ||
	    listen(fd, 16) != 0)
		fail("listening on %s: %s", ep->url, strerror(errno));
	return fd;
}

/* a connected socket, or -1 with errno */
int
ep_connect(const struct endpoint *ep)
{
	struct sockaddr_storage ss;
	socklen_t len = ep_addr(ep, &ss);
	int fd = socket(ep->family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	nodelay(ep, fd);
	return fd;
}

/* --- processes ------------------------------------------------------------ */

int
first_cpu(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return 0;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &set))
			return i;
	return 0;
}

/* this process (and what it starts afterwards) on cpu only; -1: no-op */
void
pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) != 0)
		fail("sched_setaffinity(%d): %s", cpu, strerror(errno));
}

static pid_t
fork_child(int cpu)
{
	pid_t pid;

	fflush(NULL);
	if ((pid = fork()) < 0)
		fail("fork: %s", strerror(errno));
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != driver)
			_exit(1);
		pin(cpu);
		return 0;
	}
	track(pid);
	return pid;
}

/* fn(arg) in a tracked child that exits when fn returns */
pid_t
spawn(int cpu, void (*fn)(void *), void *arg)
{
	pid_t pid = fork_child(cpu);

	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	return pid;
}

/*
 * rump_server -s (foreground, so that its pid is ours to stop) with
 * rumpvfs; ready once a connect succeeds.  A probe connection that
 * closes before its handshake is one the server has to cope with anyway.
 */
pid_t
server_start(const struct endpoint *ep, int cpu, const char *memlimit)
{
	pid_t pid = fork_child(cpu);
	int fd;

	if (pid == 0) {
		execl(server_bin, "rump_server", "-s", "-lrumpvfs",
		    "-r", memlimit, ep->url, (char *)NULL);
		fprintf(stderr, "spbench: %s: %s\n", server_bin, strerror(errno));
		_exit(127);
	}
	for (int ms = 0; ms < 10000; ms += 5) {
		if ((fd = ep_connect(ep)) >= 0) {
			close(fd);
			return pid;
		}
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			reap(pid);
			fail("rump_server %s exited before listening", ep->url);
		}
		usleep(5000);
	}
	fail("rump_server %s: not listening after 10 s", ep->url);
}

/*
 * fn(arg, out) in a child, connected with RUMP_SERVER=url when url is
 * not NULL; the child sends the nout doubles of out back over a pipe.
 * 0, or -1 (with a message) when the child failed or took longer than
 * limit_s seconds (then it is killed: a call hung).
 */
int
in_child(const char *url, int cpu, void (*fn)(void *, double *), void *arg,
    double *out, int nout, int limit_s)
{
	size_t want = (size_t)nout * sizeof(double), got = 0;
	int p[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe(p) != 0)
		fail("pipe: %s", strerror(errno));
	if ((pid = fork_child(cpu)) == 0) {
		close(p[0]);
		if (url != NULL && (setenv("RUMP_SERVER", url, 1) != 0 ||
		    rumpclient_init() != 0))
			fail("rumpclient_init(%s): %s", url, strerror(errno));
		fn(arg, out);
		if (write(p[1], out, want) != (ssize_t)want)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	while (got < want) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };

		if (poll(&pfd, 1, limit_s * 1000) != 1) {
			fprintf(stderr, "spbench: measuring child still "
			    "running after %d s: killed\n", limit_s);
			kill(pid, SIGKILL);
			break;
		}
		if ((n = read(p[0], (char *)out + got, want - got)) <= 0)
			break;
		got += (size_t)n;
	}
	close(p[0]);
	for (int i = 0; i < MAXPROCS; i++)
		if (procs[i] == pid)
			procs[i] = 0;
	waitpid(pid, &st, 0);
	if (got == want && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	fprintf(stderr, "spbench: measuring child failed (status %#x)\n", st);
	return -1;
}
