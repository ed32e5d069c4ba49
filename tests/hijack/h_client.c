/*
 * h_client.c — NetBSD's h_client (t_asyncio, t_config), rewritten, plus
 * the checks of tests/e2e/hijack.bats that need one program doing
 * several calls in a row.  Run under the preload against a rump_server
 * with the vfs component:
 *
 *	h_client select_timeout     select on an idle host pipe times out
 *	h_client select_allunset    select with empty sets and with nfds 0
 *	h_client invafd             poll {idle stdin, closed rump fd}
 *	h_client poll_mixed         poll/select over a host pipe and a rump
 *	                            FIFO together, each becoming ready
 *	h_client fdoff8 HOSTFILE    RUMPHIJACK=path=/rump,fdoff=8: which
 *	                            numbers host and rump opens get
 *	h_client openfd PATH        prints the descriptor open(PATH) gives
 *	h_client afterhalt FIFO     a rump fd, "ready" on stdout, wait for a
 *	                            line on the host FIFO (the test halts the
 *	                            server meanwhile), then report the errno
 *	                            of a rump stat and a rump write
 */
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "h_common.h"

static void
select_timeout(void)
{
	struct timeval tv = { .tv_usec = 1 };
	fd_set rset;
	int p[2], rv;

	H_CHECK(pipe(p) == 0, "pipe");
	FD_ZERO(&rset);
	FD_SET(p[0], &rset);
	rv = select(p[0] + 1, &rset, NULL, NULL, &tv);
	H_CHECK(rv == 0, "select on an idle pipe returned %d", rv);
	H_CHECK(!FD_ISSET(p[0], &rset), "select left the idle fd set");
}

static void
select_allunset(void)
{
	struct timeval tv = { .tv_usec = 1 };
	fd_set r, w, e;
	int rv;

	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_ZERO(&e);
	rv = select(100, &r, &w, &e, &tv);
	H_CHECK(rv == 0, "select(100, empty sets) returned %d", rv);
	tv.tv_usec = 1;
	rv = select(0, NULL, NULL, NULL, &tv);
	H_CHECK(rv == 0, "select(0, NULL...) returned %d", rv);
}

/* fd 0 becomes the read end of a host pipe whose writer we keep open:
 * it is never readable, whatever stdin the test gave us */
static int
idle_stdin(void)
{
	int p[2];

	H_CHECK(pipe(p) == 0, "pipe");
	H_CHECK(dup2(p[0], 0) == 0, "dup2(pipe, 0)");
	H_CHECK(close(p[0]) == 0, "close");
	return p[1];
}

static void
invafd(void)
{
	struct pollfd pfd[2];
	int fd, rv;

	(void)idle_stdin();
	fd = open("/rump/dev/null", O_RDWR);
	H_CHECK(fd >= 0, "open /rump/dev/null");
	H_CHECK(close(fd) == 0, "close(%d)", fd);

	pfd[0] = (struct pollfd){ .fd = 0, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = fd, .events = POLLIN };
	rv = poll(pfd, 2, -1);
	H_CHECK(rv == 1, "poll returned %d, expected 1", rv);
	H_CHECK(pfd[1].revents == POLLNVAL,
	    "closed rump fd: revents %#x, expected POLLNVAL", pfd[1].revents);
	H_CHECK(pfd[0].revents == 0, "idle stdin: revents %#x",
	    pfd[0].revents);
}

static void
poll_mixed(void)
{
	struct pollfd pfd[3];
	struct timeval tv;
	fd_set rset;
	int hp[2], rr, rw, rv, maxfd, status;
	char c;

	H_CHECK(pipe(hp) == 0, "host pipe");
	H_CHECK(mkfifo("/rump/fifo", 0600) == 0, "mkfifo /rump/fifo");
	rr = open("/rump/fifo", O_RDONLY | O_NONBLOCK);
	H_CHECK(rr >= 0, "open /rump/fifo for reading");
	rw = open("/rump/fifo", O_WRONLY);
	H_CHECK(rw >= 0, "open /rump/fifo for writing");
	H_CHECK(rr != hp[0] && rr != hp[1] && rw != hp[0] && rw != hp[1],
	    "rump and host descriptors share numbers");

	pfd[0] = (struct pollfd){ .fd = hp[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = rr, .events = POLLIN };
	pfd[2] = (struct pollfd){ .fd = rw, .events = POLLOUT };

	/* only the rump writer can make progress */
	rv = poll(pfd, 3, 100);
	H_CHECK(rv == 1, "poll (rump writer ready) returned %d", rv);
	H_CHECK(pfd[0].revents == 0 && pfd[1].revents == 0 &&
	    pfd[2].revents == POLLOUT, "revents %#x %#x %#x", pfd[0].revents,
	    pfd[1].revents, pfd[2].revents);

	/* nothing readable: the timeout must be honoured */
	rv = poll(pfd, 2, 50);
	H_CHECK(rv == 0, "poll on idle host pipe and rump FIFO returned %d",
	    rv);

	/* data in the rump FIFO only */
	H_CHECK(write(rw, "r", 1) == 1, "write to the rump FIFO");
	rv = poll(pfd, 2, 5000);
	H_CHECK(rv == 1 && pfd[0].revents == 0 && pfd[1].revents == POLLIN,
	    "poll after a rump write: %d, revents %#x %#x", rv,
	    pfd[0].revents, pfd[1].revents);

	/* both */
	H_CHECK(write(hp[1], "h", 1) == 1, "write to the host pipe");
	rv = poll(pfd, 2, 5000);
	H_CHECK(rv == 2 && pfd[0].revents == POLLIN &&
	    pfd[1].revents == POLLIN, "poll with both ready: %d, revents "
	    "%#x %#x", rv, pfd[0].revents, pfd[1].revents);

	/* the same through select, whose sets must say which */
	maxfd = hp[0] > rr ? hp[0] : rr;
	FD_ZERO(&rset);
	FD_SET(hp[0], &rset);
	FD_SET(rr, &rset);
	tv = (struct timeval){ .tv_sec = 5 };
	rv = select(maxfd + 1, &rset, NULL, NULL, &tv);
	H_CHECK(rv == 2 && FD_ISSET(hp[0], &rset) && FD_ISSET(rr, &rset),
	    "select with both ready returned %d", rv);

	H_CHECK(read(rr, &c, 1) == 1 && c == 'r', "read the rump FIFO");
	FD_ZERO(&rset);
	FD_SET(hp[0], &rset);
	FD_SET(rr, &rset);
	tv = (struct timeval){ .tv_sec = 5 };
	rv = select(maxfd + 1, &rset, NULL, NULL, &tv);
	H_CHECK(rv == 1 && FD_ISSET(hp[0], &rset) && !FD_ISSET(rr, &rset),
	    "select with the host pipe ready returned %d", rv);
	H_CHECK(read(hp[0], &c, 1) == 1 && c == 'h', "read the host pipe");

	/* a blocking poll woken by the other kernel's descriptor */
	if (fork() == 0) {
		usleep(100 * 1000);
		_exit(write(rw, "w", 1) == 1 ? 0 : 1);
	}
	rv = poll(pfd, 2, 10000);
	H_CHECK(rv == 1 && pfd[1].revents == POLLIN && pfd[0].revents == 0,
	    "poll woken by a rump write in a child: %d, revents %#x %#x", rv,
	    pfd[0].revents, pfd[1].revents);
	H_CHECK(wait(&status) > 0 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0, "the writing child failed");
}

/* reads fd from its start and compares with want */
static void
expect_content(int fd, const char *want, const char *what)
{
	char buf[64];
	ssize_t n;

	H_CHECK(lseek(fd, 0, SEEK_SET) == 0, "lseek(%d) (%s)", fd, what);
	n = read(fd, buf, sizeof(buf) - 1);
	H_CHECK(n >= 0, "read(%d) (%s)", fd, what);
	buf[n] = '\0';
	if (strcmp(buf, want) != 0) {
		errno = 0;
		h_fail("fd %d (%s) reads \"%s\", expected \"%s\"", fd, what,
		    buf, want);
	}
}

/*
 * NetBSD's fdoff8 expects the host open after fd 7 to fail with ENFILE,
 * because there rump descriptors are host numbers plus fdoff.  Ours are
 * placeholders the program really owns (DESIGN.md §8), so host opens are
 * never refused: with fdoff=8 after closefrom(3) host opens fill 3..7,
 * the first rump open gets 8 (the lowest free number >= fdoff), the next
 * host open gets 9, and every descriptor reads from its own kernel.
 */
static void
fdoff8(const char *hostfile)
{
	static const char hosttext[] = "host file\n", rumptext[] = "rump\n";
	struct stat st;
	int fd, want, rfd, hfd, rfd2;

	closefrom(3);
	for (want = 3; want <= 7; want++) {
		fd = open(hostfile, O_RDONLY);
		H_CHECK(fd == want, "host open %d returned %d, expected %d",
		    want - 2, fd, want);
	}
	rfd = open("/rump/fdoff", O_RDWR | O_CREAT | O_TRUNC, 0644);
	H_CHECK(rfd == 8, "first rump open returned %d, expected 8", rfd);
	H_CHECK(write(rfd, rumptext, strlen(rumptext)) ==
	    (ssize_t)strlen(rumptext), "write to the rump file");
	hfd = open(hostfile, O_RDONLY);
	H_CHECK(hfd == 9, "host open after the rump one returned %d, "
	    "expected 9", hfd);

	for (fd = 3; fd <= 7; fd++)
		expect_content(fd, hosttext, "host");
	expect_content(rfd, rumptext, "rump");
	expect_content(hfd, hosttext, "host");
	H_CHECK(fstat(rfd, &st) == 0 && st.st_size == (off_t)strlen(rumptext),
	    "fstat of the rump fd: size %lld", (long long)st.st_size);
	H_CHECK(fstat(hfd, &st) == 0 && st.st_size == (off_t)strlen(hosttext),
	    "fstat of the host fd: size %lld", (long long)st.st_size);

	/* the number goes back to the host once the rump fd is closed */
	H_CHECK(close(rfd) == 0, "close the rump fd");
	fd = open(hostfile, O_RDONLY);
	H_CHECK(fd == 8, "host open after closing the rump fd returned %d, "
	    "expected 8", fd);
	expect_content(fd, hosttext, "host, reusing 8");
	rfd2 = open("/rump/fdoff", O_RDONLY);
	H_CHECK(rfd2 == 10, "second rump open returned %d, expected 10",
	    rfd2);
	expect_content(rfd2, rumptext, "rump");
}

static void
openfd(const char *path)
{
	int fd;

	fd = open(path, O_RDONLY);
	H_CHECK(fd >= 0, "open %s", path);
	printf("%d\n", fd);
}

static void
afterhalt(const char *fifo)
{
	struct stat st;
	char line[16];
	FILE *f;
	int fd;

	fd = open("/rump/ah", O_RDWR | O_CREAT, 0644);
	H_CHECK(fd >= 0, "open /rump/ah");
	H_CHECK(write(fd, "x", 1) == 1, "write /rump/ah");
	printf("ready\n");
	fflush(stdout);
	f = fopen(fifo, "r");
	H_CHECK(f != NULL, "fopen %s", fifo);
	H_CHECK(fgets(line, sizeof(line), f) != NULL, "read %s", fifo);
	fclose(f);

	errno = 0;
	H_CHECK(stat("/rump/ah", &st) == -1, "rump stat after halt succeeded");
	printf("stat: %s\n", strerrorname_np(errno));
	errno = 0;
	H_CHECK(write(fd, "y", 1) == -1, "rump write after halt succeeded");
	printf("write: %s\n", strerrorname_np(errno));
}

int
main(int argc, char *argv[])
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "select_timeout") == 0 && argc == 2)
		select_timeout();
	else if (strcmp(mode, "select_allunset") == 0 && argc == 2)
		select_allunset();
	else if (strcmp(mode, "invafd") == 0 && argc == 2)
		invafd();
	else if (strcmp(mode, "poll_mixed") == 0 && argc == 2)
		poll_mixed();
	else if (strcmp(mode, "fdoff8") == 0 && argc == 3)
		fdoff8(argv[2]);
	else if (strcmp(mode, "openfd") == 0 && argc == 3)
		openfd(argv[2]);
	else if (strcmp(mode, "afterhalt") == 0 && argc == 3)
		afterhalt(argv[2]);
	else {
		fprintf(stderr, "usage: h_client select_timeout|"
		    "select_allunset|invafd|poll_mixed|fdoff8 HOSTFILE|"
		    "openfd PATH|afterhalt FIFO\n");
		return 2;
	}
	return 0;
}
