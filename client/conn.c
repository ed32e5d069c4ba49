/*
 * conn.c — librumpclient's connection to the server: connecting, the
 * banner and version check, the synchronous handshakes (guest, fork,
 * exec), telling whether the descriptor is still ours, and the reconnect
 * policy of rumpclient_setconnretry().
 *
 * Our socket lives at a high descriptor number (1000 and up when the
 * limit allows, never 0-2) so that programs rarely meet it.  Programs may
 * still close it or dup2 something over it (closefrom(3) in a test does);
 * before each use the descriptor's dev/inode are compared with the
 * socket's, and a mismatch is handled like a lost connection.  We never
 * close a descriptor that is no longer ours.
 *
 * Reconnecting makes a brand-new guest process in the kernel: pid,
 * descriptors and cwd of the old one are gone (rumpclient(3)).
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "client/client.h"
#include <rump/rumpclient.h>

#define CONN_HIGHFD	1000
#define CONN_IOWAIT_MS	60000	/* a silent server during a handshake */

void
cli_block(sigset_t *old)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, old);
}

void
cli_unblock(const sigset_t *old)
{
	pthread_sigmask(SIG_SETMASK, old, NULL);
}

void
cli_msg(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (h_write(STDERR_FILENO, buf, (size_t)n) < 0)
		return;
}

/* moves fd out of the programs' way; closes the original */
int
conn_moveup(int fd)
{
	int nfd;

	nfd = h_fcntl(fd, F_DUPFD_CLOEXEC, CONN_HIGHFD);
	if (nfd == -1)
		nfd = h_fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (nfd == -1) {
		int e = errno;

		h_close(fd);
		errno = e;
		return -1;
	}
	h_close(fd);
	return nfd;
}

bool
conn_same(int fd, dev_t dev, ino_t ino)
{
	struct stat st;

	if (fd < 0 || h_fstat(fd, &st) == -1)
		return false;
	return S_ISSOCK(st.st_mode) && st.st_dev == dev && st.st_ino == ino;
}

static int
conn_wait(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	do
		n = h_poll(&pfd, 1, CONN_IOWAIT_MS);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno;
	if (n == 0)
		return ETIMEDOUT;
	return 0;
}

/* writes header and body completely; 0 only when every byte went out */
int
conn_writeall(int fd, const struct sp_hdr *h, const void *body, size_t blen)
{
	struct iovec iov = { .iov_base = (void *)body, .iov_len = blen };

	return conn_writev(fd, h, &iov, blen > 0 ? 1 : 0);
}

int
conn_frameiov(uint8_t hb[SP_HDRSIZE], const struct sp_hdr *h,
    const struct iovec *body, int nbody, struct iovec *iov)
{
	int n = 1;

	sp_hdr_put(hb, h);
	iov[0] = (struct iovec){ .iov_base = hb, .iov_len = SP_HDRSIZE };
	for (int j = 0; j < nbody; j++)
		if (body[j].iov_len > 0)
			iov[n++] = body[j];
	return n;
}

/* the header, then the body gathered from body[0..nbody): large blocks
 * of a request go out straight from the caller's buffers */
int
conn_writev(int fd, const struct sp_hdr *h, const struct iovec *body,
    int nbody)
{
	uint8_t hb[SP_HDRSIZE];
	struct iovec iov[1 + CONN_MAXIOV];
	struct msghdr m = { .msg_iov = iov };
	int i = 0, n;
	ssize_t k;

	if (nbody > CONN_MAXIOV)
		return EINVAL;
	n = conn_frameiov(hb, h, body, nbody, iov);
	while (i < n) {
		m.msg_iov = iov + i;
		m.msg_iovlen = (size_t)(n - i);
		k = h_sendmsg(fd, &m, MSG_NOSIGNAL);
		if (k == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN && conn_wait(fd, POLLOUT) == 0)
				continue;
			return errno == EPIPE || errno == EAGAIN ? ENOTCONN : errno;
		}
		while (i < n && (size_t)k >= iov[i].iov_len)
			k -= (ssize_t)iov[i++].iov_len;
		if (i < n) {
			iov[i].iov_base = (uint8_t *)iov[i].iov_base + k;
			iov[i].iov_len -= (size_t)k;
		}
	}
	return 0;
}

static int
conn_readexact(int fd, void *p, size_t len)
{
	uint8_t *b = p;
	ssize_t n;
	int error;

	while (len > 0) {
		n = h_read(fd, b, len);
		if (n > 0) {
			b += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return ENOTCONN;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return errno;
		if ((error = conn_wait(fd, POLLIN)) != 0)
			return error;
	}
	return 0;
}

/*
 * The banner: one line "RUMPSP-<major>.<minor>-..." of at most
 * SP_BANNER_MAX bytes.  Peek first so we never consume bytes after it.
 */
static int
conn_banner(int fd)
{
	char buf[SP_BANNER_MAX + 1];
	char *nl, *end;
	unsigned long major, minor;
	ssize_t n;
	int error;

	for (;;) {
		n = h_recv(fd, buf, SP_BANNER_MAX, MSG_PEEK);
		if (n == 0)
			return ENOTCONN;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return errno;
		if (n > 0 && (nl = memchr(buf, '\n', (size_t)n)) != NULL)
			break;
		if (n == SP_BANNER_MAX)
			return EPROTO;
		if (n > 0)
			usleep(1000);	/* the rest of the line is on its way */
		else if ((error = conn_wait(fd, POLLIN)) != 0)
			return error;
	}
	if ((error = conn_readexact(fd, buf, (size_t)(nl - buf + 1))) != 0)
		return error;
	*nl = '\0';
	if (strncmp(buf, "RUMPSP-", 7) != 0) {
		cli_msg("rumpclient: server did not send a sysproxy banner");
		return EPROTO;
	}
	major = strtoul(buf + 7, &end, 10);
	minor = *end == '.' ? strtoul(end + 1, NULL, 10) : 0;
	if (major != SP_PROTO_MAJOR) {
		cli_msg("rumpclient: server speaks protocol version %lu.%lu, "
		    "this client speaks %d.%d", major, minor,
		    SP_PROTO_MAJOR, SP_PROTO_MINOR);
		return EPROTO;
	}
	return 0;
}

/*
 * A handshake on a connection nobody else uses yet: send it, then read
 * frames until its reply.  Replies to other ids (calls of the image
 * before an exec) are dropped; a RAISE is delivered when signals are
 * unblocked again.
 */
static uint32_t hsword;

int
conn_handshake(int fd, uint32_t kind, const void *body, size_t blen)
{
	struct sp_hdr h = { .len = (uint32_t)(SP_HDRSIZE + blen),
	    .type = SP_HANDSHAKE, .reqid = call_nextreq(), .word = kind };
	uint8_t hb[SP_HDRSIZE];
	struct sp_hdr r;
	uint8_t *rb;
	int error;

	if ((error = conn_writeall(fd, &h, body, blen)) != 0)
		return error;
	for (;;) {
		if ((error = conn_readexact(fd, hb, sizeof(hb))) != 0)
			return error;
		if (sp_hdr_get(hb, &r, SP_MAXFRAME) != 0)
			return EPROTO;
		rb = malloc(r.len - SP_HDRSIZE + 1);
		if (rb == NULL)
			return ENOMEM;
		error = conn_readexact(fd, rb, r.len - SP_HDRSIZE);
		free(rb);
		if (error != 0)
			return error;
		if (r.type == SP_RAISE && !(r.flags & SP_F_REPLY)) {
			kill(getpid(), (int)r.word);
			continue;
		}
		if (!(r.flags & SP_F_REPLY) || r.reqid != h.reqid)
			continue;
		if (r.type == SP_ERROR)
			return sp_err_errno((enum sp_err)r.word);
		hsword = r.word;
		return r.type == SP_HANDSHAKE ? 0 : EPROTO;
	}
}

uint32_t
conn_hsword(void)
{
	return hsword;
}

static int
conn_connect(const struct sp_url *u, int *fdp)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (u->family == AF_UNIX) {
		struct sockaddr_un *sun = (struct sockaddr_un *)&ss;

		sun->sun_family = AF_UNIX;
		if (strlen(u->path) >= sizeof(sun->sun_path))
			return ENAMETOOLONG;
		memcpy(sun->sun_path, u->path, strlen(u->path) + 1);
		sl = sizeof(*sun);
	} else if (u->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)u->port);
		if (inet_pton(AF_INET, u->host, &sin->sin_addr) != 1)
			return EINVAL;
		sl = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)u->port);
		if (inet_pton(AF_INET6, u->host, &sin6->sin6_addr) != 1)
			return EINVAL;
		sl = sizeof(*sin6);
	}
	fd = h_socket(u->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return errno;
	if ((fd = conn_moveup(fd)) == -1)
		return errno;
	/* blocking connect: a unix listener with a full backlog then waits
	 * instead of failing with EAGAIN */
	while (h_connect(fd, (struct sockaddr *)&ss, sl) == -1) {
		int e = errno;

		if (e == EINTR)
			continue;
		h_close(fd);
		return e;
	}
	if (u->family != AF_UNIX)
		h_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	h_fcntl(fd, F_SETFL, h_fcntl(fd, F_GETFL, 0) | O_NONBLOCK);
	*fdp = fd;
	return 0;
}

/* a new connection with banner and handshake done */
int
conn_open(const struct sp_url *u, uint32_t kind, const void *body,
    size_t blen, int *fdp)
{
	int fd = -1, error;

	if ((error = conn_connect(u, &fd)) != 0)
		return error;
	if ((error = conn_banner(fd)) == 0)
		error = conn_handshake(fd, kind, body, blen);
	if (error != 0) {
		h_close(fd);
		return error;
	}
	*fdp = fd;
	return 0;
}

/* makes fd the connection; caller holds con_mtx */
void
conn_install(int fd)
{
	struct clane *lane = NULL, *old;
	struct stat st;

	/* a socket that fails here fails the next call, too */
	(void)clane_open(fd, &lane);
	h_fstat(fd, &st);
	pthread_mutex_lock(&cli.mtx);
	cli.fd = fd;
	cli.dev = st.st_dev;
	cli.ino = st.st_ino;
	cli.gen++;
	cli.state = CONN_UP;
	cli.pid = getpid();
	old = cli.lane;
	cli.lane = lane;
	call_reset_reader();
	pthread_mutex_unlock(&cli.mtx);
	clane_rele(old);
}

/* closes the previous socket if the descriptor still is ours (con_mtx) */
void
conn_dropold(void)
{
	int fd = -1;

	pthread_mutex_lock(&cli.mtx);
	if (cli.oldfd >= 0 && conn_same(cli.oldfd, cli.olddev, cli.oldino))
		fd = cli.oldfd;
	cli.oldfd = -1;
	pthread_mutex_unlock(&cli.mtx);
	if (fd >= 0)
		h_close(fd);
}

/* the socket of generation gen was moved away from fd meanwhile */
bool
conn_moved(int fd, unsigned gen)
{
	bool moved;

	pthread_mutex_lock(&cli.mtx);
	moved = cli.gen == gen && cli.state == CONN_UP && cli.fd != fd;
	pthread_mutex_unlock(&cli.mtx);
	return moved;
}

/* librumphijack: is fd one of our sockets (hidden from the program)? */
bool
rumpclient__isownfd(int fd)
{
	return fd >= 0 && (fd == __atomic_load_n(&cli.fd, __ATOMIC_RELAXED) ||
	    fd == __atomic_load_n(&cli.oldfd, __ATOMIC_RELAXED));
}

/* librumphijack: our sockets' numbers into out[0..1]; how many */
int
rumpclient__ownfds(int out[2])
{
	int n = 0, fd;

	if ((fd = __atomic_load_n(&cli.fd, __ATOMIC_RELAXED)) >= 0)
		out[n++] = fd;
	if ((fd = __atomic_load_n(&cli.oldfd, __ATOMIC_RELAXED)) >= 0)
		out[n++] = fd;
	return n;
}

/*
 * librumphijack: the program wants descriptor number fd, where our
 * socket is.  Move the socket elsewhere (a reader polling the old number
 * notices through conn_moved()).  0 or an errno.
 */
int
rumpclient__movefd(int fd)
{
	sigset_t orig;
	int nfd, error = 0;

	cli_block(&orig);
	pthread_mutex_lock(&cli.snd_mtx);
	pthread_mutex_lock(&cli.mtx);
	if (fd == cli.oldfd) {
		h_close(fd);
		cli.oldfd = -1;
	} else if (fd == cli.fd) {
		nfd = h_fcntl(fd, F_DUPFD_CLOEXEC, fd + 1);
		if (nfd == -1)
			nfd = h_fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (nfd == -1) {
			error = errno;
		} else {
			__atomic_store_n(&cli.fd, nfd, __ATOMIC_RELAXED);
			h_close(fd);
		}
	}
	pthread_mutex_unlock(&cli.mtx);
	pthread_mutex_unlock(&cli.snd_mtx);
	cli_unblock(&orig);
	return error;
}

/*
 * The connection of generation gen is gone.  Calls whose request was
 * written completely fail with ENOTCONN (at most once: the server may
 * have run them); calls still being written see it themselves.
 */
void
conn_lost(unsigned gen, int error)
{
	struct clane *lane;
	struct waiter *w;

	pthread_mutex_lock(&cli.mtx);
	if (cli.gen != gen || cli.state != CONN_UP) {
		pthread_mutex_unlock(&cli.mtx);
		return;
	}
	cli.state = CONN_DEAD;
	if (conn_same(cli.fd, cli.dev, cli.ino)) {
		h_shutdown(cli.fd, SHUT_RDWR);	/* wakes a reader in ppoll */
		cli.oldfd = cli.fd;
		cli.olddev = cli.dev;
		cli.oldino = cli.ino;
	}
	cli.fd = -1;
	if ((lane = cli.lane) != NULL) {
		cli.lane = NULL;
		/* stops a reader spinning on the lane */
		(void)lane_poke(&lane->l_shm->rep, true, false);
	}
	TAILQ_FOREACH(w, &cli.waiters, w_link) {
		if (w->w_gen == gen && w->w_sent && !w->w_done) {
			w->w_done = true;
			w->w_error = ENOTCONN;
		}
		w->w_seq++;
		cli_futex_wake(&w->w_seq);
	}
	call_reset_reader();
	pthread_mutex_unlock(&cli.mtx);
	clane_rele(lane);
	if (cli.retry == RUMPCLIENT_RETRYCONN_DIE)
		_exit(1);
	(void)error;
}

/* this thread is reconnecting: a signal handler's call must not wait
 * for itself */
static __thread bool in_recover;

/* sleeps with the caller's signal mask: ^C still works while we retry */
static void
conn_backoff(int attempt, const sigset_t *orig)
{
	struct timespec ts;

	if (attempt < 10) {
		ts.tv_sec = 0;
		ts.tv_nsec = 100000000L * attempt;
	} else {
		ts.tv_sec = attempt - 9 < 10 ? attempt - 9 : 10;
		ts.tv_nsec = 0;
	}
	cli_unblock(orig);
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
	cli_block(NULL);
}

static int
conn_retry(const sigset_t *orig)
{
	char comm[SP_COMMMAX + 1];
	time_t start = time(NULL), lastmsg = start;
	int fd, attempt;

	cli_msg("rump_sp: connection to kernel lost, trying to reconnect ...");
	conn_comm(comm);
	for (attempt = 1;; attempt++) {
		conn_dropold();
		if (conn_open(&cli.url, SP_HS_GUEST, comm, strlen(comm), &fd) == 0) {
			conn_install(fd);
			cli_msg("rump_sp: reconnected!");
			return 0;
		}
		if (cli.retry == RUMPCLIENT_RETRYCONN_ONCE)
			break;
		if (cli.retry > 0 && time(NULL) - start >= cli.retry) {
			cli_msg("rump_sp: reconnect failed, %lld second timeout",
			    (long long)cli.retry);
			break;
		}
		if (time(NULL) - lastmsg > 120) {
			cli_msg("rump_sp: still trying to reconnect ...");
			lastmsg = time(NULL);
		}
		conn_backoff(attempt, orig);
	}
	return ENOTCONN;
}

/*
 * A caller found the connection of generation gen unusable (already
 * marked lost).  Applies the reconnect policy: 0 when a connection is up
 * again, else ENOTCONN.
 */
int
conn_recover(unsigned gen, const sigset_t *orig)
{
	enum conn_state st;
	int error;

	if (in_recover)
		return ENOTCONN;
	pthread_mutex_lock(&cli.con_mtx);
	pthread_mutex_lock(&cli.mtx);
	st = cli.state;
	pthread_mutex_unlock(&cli.mtx);
	if (st == CONN_UP) {
		error = 0;	/* someone reconnected meanwhile */
	} else if (st == CONN_NONE || !cli.haveurl || cli.pid != getpid() ||
	    cli.retry == 0) {
		error = ENOTCONN;
	} else if (cli.retry == RUMPCLIENT_RETRYCONN_DIE) {
		_exit(1);
	} else {
		in_recover = true;
		error = conn_retry(orig);
		in_recover = false;
	}
	pthread_mutex_unlock(&cli.con_mtx);
	(void)gen;
	return error;
}

/*
 * The program's name for handshakes: the last component of argv[0], as
 * NetBSD's getprogname() gives (a program exec'd through /proc/self/exe
 * keeps the name its argv gives it); /proc/self/comm if argv[0] is empty.
 */
void
conn_comm(char out[SP_COMMMAX + 1])
{
	const char *name = program_invocation_short_name;
	ssize_t n = -1;
	int fd;

	if (name != NULL && name[0] != '\0') {
		snprintf(out, SP_COMMMAX + 1, "%s", name);
		return;
	}
	fd = h_openat(AT_FDCWD, "/proc/self/comm", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = h_read(fd, out, SP_COMMMAX);
		h_close(fd);
	}
	if (n <= 0) {
		strcpy(out, "???");
		return;
	}
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
}

/* the canonical URL, with an absolute unix path (survives chdir/exec) */
int
conn_urlstr(const struct sp_url *u, char *buf, size_t len)
{
	int n;

	if (u->family == AF_UNIX)
		n = snprintf(buf, len, "unix://%s", u->path);
	else if (u->family == AF_INET6)
		n = snprintf(buf, len, "tcp://[%s]:%d/", u->host, u->port);
	else
		n = snprintf(buf, len, "tcp://%s:%d/", u->host, u->port);
	return n < 0 || (size_t)n >= len ? ENAMETOOLONG : 0;
}
