/*
 * spserver.c — the sysproxy listener, the I/O thread and connections
 * (docs/protocol.md).
 *
 * One I/O thread runs an epoll loop over the listening socket, every
 * client socket and an eventfd through which workers "kick" it.  Sockets
 * are non-blocking: input is read into a per-connection buffer and cut
 * into frames whose header is validated (sp_hdr_get, SP_MAXFRAME, per-type
 * limits) before any body memory is allocated; complete requests go to
 * the worker pool (spwork.c).  A reply is sent at once by the worker when
 * the connection's output queue is empty, else queued and flushed by this
 * thread when the socket becomes writable.  A client that stops reading
 * its replies only grows its own queue; past SP_OUTMAX it is dropped.
 * No call here ever blocks, so one stuck client never stalls another.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <unistd.h>
#include "server/server.h"
#include "server/spconn.h"

static int lfd = -1, epfd = -1, evfd = -1;
static int lfamily;
static char unix_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
static pthread_mutex_t listen_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *banner;
static int tag_listen, tag_event;	/* epoll data for the two special fds */
/* membership changes only in the I/O thread, under conns_lock so that
 * others (raise, statistics) can search it; conns_lock > c_lock */
static pthread_mutex_t conns_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(, conn) conns = LIST_HEAD_INITIALIZER(conns);
static int nconns;
static int nextid = 1;
static struct timespec accept_resume;	/* accept paused after EMFILE */
static bool accept_paused;

static pthread_mutex_t kick_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(, conn) kicks = LIST_HEAD_INITIALIZER(kicks);	/* kick_lock */
static atomic_bool stop_serving;

/* --- listening ---------------------------------------------------------------- */

static socklen_t
make_addr(const struct sp_url *u, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (u->family == AF_UNIX) {
		struct sockaddr_un *sun = (struct sockaddr_un *)ss;

		sun->sun_family = AF_UNIX;
		memcpy(sun->sun_path, u->path, strlen(u->path) + 1);
		return sizeof(*sun);
	}
	if (u->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)u->port);
		inet_pton(AF_INET, u->host, &sin->sin_addr);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)u->port);
	inet_pton(AF_INET6, u->host, &sin6->sin6_addr);
	return sizeof(*sin6);
}

/*
 * bind() found the unix path taken.  A socket nobody answers on is what a
 * dead server leaves behind: replace it.  Anything else stays.
 */
static int
unix_stale(const struct sp_url *u, const struct sockaddr_storage *ss,
    socklen_t sl, const char **what)
{
	struct stat st;
	int s, err;

	if (lstat(u->path, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		*what = "the socket path exists and is not a socket";
		return -EADDRINUSE;
	}
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	err = connect(s, (const struct sockaddr *)ss, sl) == 0 ? 0 : errno;
	close(s);
	if (err == 0) {
		*what = "a server is already listening on the socket";
		return -EADDRINUSE;
	}
	if (err != ECONNREFUSED)
		return -err;
	if (unlink(u->path) != 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int
spserver_listen(const struct sp_url *u, const char **what)
{
	struct sockaddr_storage ss;
	socklen_t sl = make_addr(u, &ss);
	int one = 1, err;

	*what = "socket";
	lfd = socket(u->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	lfamily = u->family;
	if (u->family != AF_UNIX)
		(void)setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	*what = "bind";
	if (bind(lfd, (struct sockaddr *)&ss, sl) != 0) {
		err = errno;
		if (u->family != AF_UNIX || err != EADDRINUSE)
			return -err;
		if ((err = unix_stale(u, &ss, sl, what)) < 0)
			return err;
		*what = "bind";
		if (bind(lfd, (struct sockaddr *)&ss, sl) != 0)
			return -errno;
	}
	if (u->family == AF_UNIX)
		snprintf(unix_path, sizeof(unix_path), "%s", u->path);
	*what = "listen";
	if (listen(lfd, 128) != 0)
		return -errno;
	return 0;
}

void
spserver_unlisten(void)
{
	pthread_mutex_lock(&listen_lock);
	if (lfd >= 0) {
		/* the I/O thread may be in epoll_wait on it: shut, then close */
		shutdown(lfd, SHUT_RDWR);
		if (epfd >= 0)
			epoll_ctl(epfd, EPOLL_CTL_DEL, lfd, NULL);
		close(lfd);
		lfd = -1;
	}
	if (unix_path[0] != '\0') {
		unlink(unix_path);
		unix_path[0] = '\0';
	}
	pthread_mutex_unlock(&listen_lock);
}

/* --- connections: references, events, output ---------------------------------- */

const char *
conn_name(struct conn *c, char *buf, size_t size)
{
	struct proc *p = c->c_proc;

	if (p != NULL)
		snprintf(buf, size, "client %d (pid %d, %s)", c->c_id,
		    (int)p->p_pid, p->p_comm);
	else
		snprintf(buf, size, "client %d", c->c_id);
	return buf;
}

void
conn_hold(struct conn *c)
{
	pthread_mutex_lock(&c->c_lock);
	c->c_refs++;
	pthread_mutex_unlock(&c->c_lock);
}

void
conn_rele(struct conn *c)
{
	struct obuf *o;
	bool last;

	pthread_mutex_lock(&c->c_lock);
	last = --c->c_refs == 0;
	pthread_mutex_unlock(&c->c_lock);
	if (!last)
		return;
	close(c->c_fd);
	/* the process exits with its last lwp: descriptors, cwd, all */
	if (c->c_mainlwp != NULL)
		lwp_release(c->c_mainlwp);
	while ((o = STAILQ_FIRST(&c->c_outq)) != NULL) {
		STAILQ_REMOVE_HEAD(&c->c_outq, o_link);
		free(o);
	}
	free(c->c_in);
	free(c->c_body);
	pthread_cond_destroy(&c->c_cv);
	pthread_mutex_destroy(&c->c_lock);
	free(c);
}

/* Registers the epoll mask c needs now; c_lock held. */
static void
conn_events_locked(struct conn *c)
{
	struct epoll_event ev = { .data.ptr = c };

	if (c->c_state == CS_DEAD)
		return;
	if ((c->c_state == CS_NEW || c->c_state == CS_RUNNING) && !c->c_dropreq)
		ev.events |= EPOLLIN;
	if (!STAILQ_EMPTY(&c->c_outq))
		ev.events |= EPOLLOUT;
	if (ev.events != c->c_events) {
		c->c_events = ev.events;
		epoll_ctl(epfd, EPOLL_CTL_MOD, c->c_fd, &ev);
	}
}

/* Hands c to the I/O thread (resume, drop); takes a reference. */
static void
conn_kick(struct conn *c)
{
	uint64_t one = 1;
	bool first = false;

	pthread_mutex_lock(&kick_lock);
	if (!c->c_kicked) {
		c->c_kicked = first = true;
		LIST_INSERT_HEAD(&kicks, c, c_kick);
	}
	pthread_mutex_unlock(&kick_lock);
	if (first)
		conn_hold(c);
	(void)write(evfd, &one, sizeof(one));
}

/* Sends what the queue holds without blocking; c_lock held. */
static void
conn_flush_locked(struct conn *c)
{
	struct obuf *o;
	ssize_t n;

	while ((o = STAILQ_FIRST(&c->c_outq)) != NULL) {
		n = send(c->c_fd, o->o_data + o->o_off, o->o_len - o->o_off,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)		/* peer gone: input will see EOF */
			n = (ssize_t)(o->o_len - o->o_off);
		o->o_off += (size_t)n;
		c->c_outbytes -= (size_t)n;
		if (o->o_off < o->o_len)
			break;
		STAILQ_REMOVE_HEAD(&c->c_outq, o_link);
		free(o);
	}
	conn_events_locked(c);
}

static void
conn_sendv(struct conn *c, struct iovec *iov, int n)
{
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)n };
	size_t total = 0, sent = 0, off;
	struct obuf *o;
	ssize_t k;
	char name[64];

	for (int i = 0; i < n; i++)
		total += iov[i].iov_len;
	pthread_mutex_lock(&c->c_lock);
	if (c->c_state == CS_DEAD || c->c_dropreq)
		goto out;
	if (STAILQ_EMPTY(&c->c_outq)) {
		do
			k = sendmsg(c->c_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		while (k < 0 && errno == EINTR);
		if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			goto out;	/* peer gone: input will see EOF */
		sent = k < 0 ? 0 : (size_t)k;
	}
	if (sent == total)
		goto out;
	if (c->c_outbytes + (total - sent) > SP_OUTMAX ||
	    (o = malloc(sizeof(*o) + total - sent)) == NULL) {
		c->c_dropreq = true;
		srv_log("%s does not read its replies (%zu bytes queued): "
		    "dropping it", conn_name(c, name, sizeof(name)),
		    c->c_outbytes);
		conn_events_locked(c);
		pthread_mutex_unlock(&c->c_lock);
		conn_kick(c);
		return;
	}
	o->o_len = total - sent;
	o->o_off = 0;
	off = 0;
	for (int i = 0; i < n; i++) {
		size_t skip = sent > iov[i].iov_len ? iov[i].iov_len : sent;

		sent -= skip;
		memcpy(o->o_data + off, (uint8_t *)iov[i].iov_base + skip,
		    iov[i].iov_len - skip);
		off += iov[i].iov_len - skip;
	}
	STAILQ_INSERT_TAIL(&c->c_outq, o, o_link);
	c->c_outbytes += o->o_len;
	conn_events_locked(c);
out:
	pthread_mutex_unlock(&c->c_lock);
}

void
conn_send(struct conn *c, const struct sp_hdr *h, const void *body, size_t blen)
{
	uint8_t hb[SP_HDRSIZE];
	struct sp_hdr hh = *h;
	struct iovec iov[2] = {
		{ .iov_base = hb, .iov_len = SP_HDRSIZE },
		{ .iov_base = (void *)body, .iov_len = blen },
	};

	hh.len = (uint32_t)(SP_HDRSIZE + blen);
	sp_hdr_put(hb, &hh);
	conn_sendv(c, iov, blen > 0 ? 2 : 1);
}

void
conn_send_buf(struct conn *c, struct sp_hdr *h, struct sp_buf *b)
{
	struct iovec iov = { .iov_base = b->b_p, .iov_len = b->b_len };

	h->len = (uint32_t)b->b_len;
	sp_hdr_put(b->b_p, h);
	conn_sendv(c, &iov, 1);
}

void
conn_send_error(struct conn *c, uint32_t reqid, enum sp_err e)
{
	struct sp_hdr h = {
		.type = SP_ERROR, .flags = SP_F_REPLY, .reqid = reqid, .word = e,
	};

	conn_send(c, &h, NULL, 0);
}

void
conn_request_drop(struct conn *c, const char *why)
{
	char name[64];

	srv_log("%s: %s: dropping the connection",
	    conn_name(c, name, sizeof(name)), why);
	pthread_mutex_lock(&c->c_lock);
	c->c_dropreq = true;
	conn_events_locked(c);
	pthread_mutex_unlock(&c->c_lock);
	conn_kick(c);
}

void
conn_resume(struct conn *c)
{
	pthread_mutex_lock(&c->c_lock);
	if (c->c_state == CS_PAUSED)
		c->c_state = CS_RUNNING;
	conn_events_locked(c);
	pthread_mutex_unlock(&c->c_lock);
	/* input may already be buffered, which epoll will not report */
	conn_kick(c);
}

void
conn_flush_sync(struct conn *c, int ms)
{
	struct pollfd pfd = { .fd = c->c_fd, .events = POLLOUT };
	struct timespec deadline, now;
	bool empty;

	deadline_after_ms(&deadline, ms);
	for (;;) {
		pthread_mutex_lock(&c->c_lock);
		conn_flush_locked(c);
		empty = STAILQ_EMPTY(&c->c_outq) || c->c_state == CS_DEAD;
		pthread_mutex_unlock(&c->c_lock);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (empty || now.tv_sec > deadline.tv_sec)
			return;
		(void)poll(&pfd, 1, 50);
	}
}

void
spserver_stop_serving(void)
{
	uint64_t one = 1;

	atomic_store(&stop_serving, true);
	(void)write(evfd, &one, sizeof(one));
}

/* --- the I/O thread: dropping, dispatching, reading ------------------------------ */

/* Ends c: in-flight calls are cancelled and finish on their own; the
 * last reference closes the socket and exits the process. */
static void
conn_drop(struct conn *c, const char *why)
{
	char name[64];
	struct obuf *o;

	pthread_mutex_lock(&c->c_lock);
	if (c->c_state == CS_DEAD) {
		pthread_mutex_unlock(&c->c_lock);
		return;
	}
	srv_debug("%s: %s", conn_name(c, name, sizeof(name)), why);
	c->c_state = CS_DEAD;
	conn_cancel_all_locked(c);
	while ((o = STAILQ_FIRST(&c->c_outq)) != NULL) {
		STAILQ_REMOVE_HEAD(&c->c_outq, o_link);
		free(o);
	}
	c->c_outbytes = 0;
	pthread_mutex_unlock(&c->c_lock);
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->c_fd, NULL);
	shutdown(c->c_fd, SHUT_RDWR);
	pthread_mutex_lock(&conns_lock);
	LIST_REMOVE(c, c_link);
	nconns--;
	pthread_mutex_unlock(&conns_lock);
	conn_rele(c);
}

static void
conn_malformed(struct conn *c, const struct sp_hdr *h, const char *why)
{
	char name[64];

	srv_log("%s: malformed frame (%s): dropping the connection",
	    conn_name(c, name, sizeof(name)), why);
	conn_send_error(c, h != NULL ? h->reqid : 0, SP_ERR_MALFORMED);
	conn_drop(c, "malformed frame");
}

/* Checks a header against the state before its body is read; false:
 * the connection was dropped. */
static bool
frame_allowed(struct conn *c, const struct sp_hdr *h)
{
	uint32_t blen = h->len - SP_HDRSIZE;
	enum conn_state st;
	char name[64];

	if (h->flags != 0 || h->type == SP_RAISE || h->type == SP_ERROR) {
		conn_malformed(c, h, "not a request");
		return false;
	}
	if ((h->type == SP_CANCEL || h->type == SP_PREFORK) && blen != 0) {
		conn_malformed(c, h, "unexpected body");
		return false;
	}
	if (h->type == SP_HANDSHAKE && blen > 4 * SP_COMMMAX + SP_COOKIELEN) {
		conn_malformed(c, h, "handshake too long");
		return false;
	}
	pthread_mutex_lock(&c->c_lock);
	st = c->c_state;
	pthread_mutex_unlock(&c->c_lock);
	if (st == CS_NEW ? (h->type != SP_HANDSHAKE || h->word == SP_HS_EXEC) :
	    (h->type == SP_HANDSHAKE && h->word != SP_HS_EXEC)) {
		srv_log("%s: frame type %u not allowed %s: dropping the "
		    "connection", conn_name(c, name, sizeof(name)), h->type,
		    st == CS_NEW ? "before the handshake" : "after the handshake");
		conn_send_error(c, h->reqid, SP_ERR_STATE);
		conn_drop(c, "protocol state");
		return false;
	}
	if (h->type == SP_HANDSHAKE && h->word != SP_HS_GUEST &&
	    h->word != SP_HS_FORK && h->word != SP_HS_EXEC) {
		conn_malformed(c, h, "unknown handshake");
		return false;
	}
	return true;
}

static void
do_cancel(struct conn *c, uint32_t reqid)
{
	struct sreq *r;

	pthread_mutex_lock(&c->c_lock);
	LIST_FOREACH(r, &c->c_inflight, r_clink) {
		if (r->r_hdr.reqid != reqid || r->r_hdr.type != SP_SYSCALL)
			continue;
		r->r_cancelled = true;
		if (r->r_lwp != NULL)
			lwp_cancel(r->r_lwp);
	}
	pthread_mutex_unlock(&c->c_lock);
}

/* A complete frame; takes body.  false: c was dropped. */
static bool
dispatch(struct conn *c, const struct sp_hdr *h, uint8_t *body)
{
	struct sreq *r;

	if (h->type == SP_CANCEL) {
		do_cancel(c, h->reqid);
		free(body);
		return true;
	}
	if (h->type == SP_SYSCALL && (h->word >= SYS_NRMAX ||
	    sysent[h->word].name == NULL || sysent[h->word].invoke == NULL)) {
		free(body);
		conn_send_error(c, h->reqid, SP_ERR_NOSYS);
		return true;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		free(body);
		conn_send_error(c, h->reqid, SP_ERR_NOMEM);
		return true;
	}
	r->r_hdr = *h;
	r->r_body = body;
	r->r_conn = c;
	pthread_mutex_lock(&c->c_lock);
	c->c_refs++;
	LIST_INSERT_HEAD(&c->c_inflight, r, r_clink);
	c->c_ninflight++;
	if (h->type == SP_HANDSHAKE) {
		/* nothing else may run until the process is set up */
		c->c_state = CS_PAUSED;
		conn_events_locked(c);
	}
	pthread_mutex_unlock(&c->c_lock);
	work_submit(r);
	return true;
}

static bool
reading(struct conn *c)
{
	bool ok;

	pthread_mutex_lock(&c->c_lock);
	ok = (c->c_state == CS_NEW || c->c_state == CS_RUNNING) && !c->c_dropreq;
	pthread_mutex_unlock(&c->c_lock);
	return ok;
}

/* Cuts complete frames out of the input buffer.  false: c was dropped. */
static bool
conn_parse(struct conn *c, size_t *off)
{
	struct sp_hdr h;
	uint8_t *body;
	size_t avail, blen;

	while (c->c_body == NULL && reading(c) &&
	    (avail = c->c_inlen - *off) >= SP_HDRSIZE) {
		if (sp_hdr_get(c->c_in + *off, &h, SP_MAXFRAME) < 0) {
			conn_malformed(c, NULL, "bad header");
			return false;
		}
		if (!frame_allowed(c, &h))
			return false;
		blen = h.len - SP_HDRSIZE;
		if (avail < h.len && h.len <= SP_INBUF)
			break;		/* the rest fits the buffer: wait */
		if ((body = malloc(blen ? blen : 1)) == NULL) {
			conn_drop(c, "out of memory");
			return false;
		}
		if (avail >= h.len) {
			memcpy(body, c->c_in + *off + SP_HDRSIZE, blen);
			*off += h.len;
			if (!dispatch(c, &h, body))
				return false;
			continue;
		}
		/* a big body: read the rest straight into it */
		memcpy(body, c->c_in + *off + SP_HDRSIZE, avail - SP_HDRSIZE);
		c->c_hdr = h;
		c->c_body = body;
		c->c_bodygot = avail - SP_HDRSIZE;
		*off = c->c_inlen;
	}
	return true;
}

/* Keeps unparsed bytes at the start of the buffer. */
static void
conn_compact(struct conn *c, size_t off)
{
	if (off == 0)
		return;
	memmove(c->c_in, c->c_in + off, c->c_inlen - off);
	c->c_inlen -= off;
}

/* Reads what is there and dispatches the frames.  false: c was dropped. */
static bool
conn_input(struct conn *c)
{
	size_t off = 0, need;
	ssize_t n;

	for (int round = 0; round < 8; round++) {
		if (!conn_parse(c, &off))
			return false;
		conn_compact(c, off);
		off = 0;
		if (!reading(c))
			return true;
		if (c->c_body != NULL) {
			need = c->c_hdr.len - SP_HDRSIZE - c->c_bodygot;
			n = recv(c->c_fd, c->c_body + c->c_bodygot, need, 0);
		} else
			n = recv(c->c_fd, c->c_in + c->c_inlen,
			    SP_INBUF - c->c_inlen, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return true;
		if (n <= 0) {
			conn_drop(c, n == 0 ? "disconnected" : strerror(errno));
			return false;
		}
		if (c->c_body == NULL) {
			c->c_inlen += (size_t)n;
			continue;
		}
		c->c_bodygot += (size_t)n;
		if (c->c_bodygot == c->c_hdr.len - SP_HDRSIZE) {
			uint8_t *body = c->c_body;

			c->c_body = NULL;
			if (!dispatch(c, &c->c_hdr, body))
				return false;
		}
	}
	return true;
}

/* --- the I/O thread: accepting, kicks, the loop -------------------------------- */

static void
conn_new(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct iovec iov;
	struct conn *c;
	int one = 1;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->c_in = malloc(SP_INBUF)) == NULL) {
		free(c);
		close(fd);
		srv_log("out of memory: refusing a connection");
		return;
	}
	if (lfamily != AF_UNIX)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->c_fd = fd;
	c->c_id = nextid++;
	c->c_refs = 1;
	c->c_state = CS_NEW;
	c->c_events = EPOLLIN;
	pthread_mutex_init(&c->c_lock, NULL);
	pthread_cond_init(&c->c_cv, NULL);
	LIST_INIT(&c->c_inflight);
	STAILQ_INIT(&c->c_outq);
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		srv_log("epoll: %s: refusing a connection", strerror(errno));
		c->c_state = CS_DEAD;
		conn_rele(c);
		return;
	}
	pthread_mutex_lock(&conns_lock);
	LIST_INSERT_HEAD(&conns, c, c_link);
	nconns++;
	pthread_mutex_unlock(&conns_lock);
	srv_debug("client %d: connected", c->c_id);
	iov.iov_base = (void *)banner;
	iov.iov_len = strlen(banner);
	conn_sendv(c, &iov, 1);
}

static void
do_accept(void)
{
	struct epoll_event ev = { .events = 0 };
	int fd;

	for (int i = 0; i < 64; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			conn_new(fd);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM) {
			/* level-triggered: stop asking for a moment */
			srv_log("accept: %s: pausing for 100 ms", strerror(errno));
			ev.data.ptr = &tag_listen;
			epoll_ctl(epfd, EPOLL_CTL_MOD, lfd, &ev);
			deadline_after_ms(&accept_resume, 100);
			accept_paused = true;
		}
		return;
	}
}

static void
accept_maybe_resume(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &tag_listen };
	struct timespec now;

	if (!accept_paused)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec < accept_resume.tv_sec || (now.tv_sec ==
	    accept_resume.tv_sec && now.tv_nsec < accept_resume.tv_nsec))
		return;
	accept_paused = false;
	pthread_mutex_lock(&listen_lock);
	if (lfd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_MOD, lfd, &ev);
	pthread_mutex_unlock(&listen_lock);
}

static void
handle_kicks(void)
{
	LIST_HEAD(, conn) list = LIST_HEAD_INITIALIZER(list);
	struct conn *c;
	uint64_t v;
	bool drop;

	(void)read(evfd, &v, sizeof(v));
	pthread_mutex_lock(&kick_lock);
	while ((c = LIST_FIRST(&kicks)) != NULL) {
		LIST_REMOVE(c, c_kick);
		c->c_kicked = false;
		LIST_INSERT_HEAD(&list, c, c_kick);
	}
	pthread_mutex_unlock(&kick_lock);
	while ((c = LIST_FIRST(&list)) != NULL) {
		LIST_REMOVE(c, c_kick);
		pthread_mutex_lock(&c->c_lock);
		drop = c->c_dropreq && c->c_state != CS_DEAD;
		if (drop)
			conn_flush_locked(c);
		pthread_mutex_unlock(&c->c_lock);
		if (drop)
			conn_drop(c, "dropped");
		else if (reading(c))
			(void)conn_input(c);
		conn_rele(c);
	}
	if (atomic_load(&stop_serving))
		while ((c = LIST_FIRST(&conns)) != NULL)	/* ours to change */
			conn_drop(c, "the kernel halted");
}

static void
conn_event(struct conn *c, uint32_t events)
{
	if (events & EPOLLOUT) {
		pthread_mutex_lock(&c->c_lock);
		conn_flush_locked(c);
		pthread_mutex_unlock(&c->c_lock);
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		if (reading(c))
			(void)conn_input(c);
		else if (events & (EPOLLHUP | EPOLLERR))
			conn_drop(c, "disconnected");
	}
}

static void *
io_main(void *arg)
{
	struct epoll_event evs[64];
	int n;

	bool kicked;

	for (;;) {
		n = epoll_wait(epfd, evs, 64, 1000);
		kicked = false;
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &tag_listen)
				do_accept();
			else if (p == &tag_event)
				kicked = true;
			else
				conn_event(p, evs[i].events);
		}
		/* after the batch: a kick may free a connection named in it */
		if (kicked)
			handle_kicks();
		accept_maybe_resume();
		prefork_expire();
	}
	return NULL;
}

int
spserver_start(const char *b)
{
	struct epoll_event ev = { .events = EPOLLIN };
	pthread_t t;
	int err;

	banner = b;
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		return -errno;
	ev.data.ptr = &tag_listen;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) != 0)
		return -errno;
	ev.data.ptr = &tag_event;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, evfd, &ev) != 0)
		return -errno;
	if ((err = work_init()) < 0)
		return err;
	if ((err = pthread_create(&t, NULL, io_main, NULL)) != 0)
		return -err;
	pthread_detach(t);
	return 0;
}

/* --- signals to clients, statistics ----------------------------------------------- */

/*
 * The client whose process is p (p != NULL) or has pid (p == NULL; pid 0:
 * the lowest pid of any client), referenced; NULL if none.
 */
static struct conn *
conn_find(struct proc *p, pid_t pid)
{
	struct conn *c, *best = NULL;
	pid_t bestpid = 0, cpid;
	bool match;

	pthread_mutex_lock(&conns_lock);
	LIST_FOREACH(c, &conns, c_link) {
		pthread_mutex_lock(&c->c_lock);
		cpid = c->c_proc != NULL ? c->c_proc->p_pid : 0;
		match = c->c_state != CS_DEAD && c->c_proc != NULL &&
		    (p != NULL ? c->c_proc == p : pid != 0 ? cpid == pid :
		    (best == NULL || cpid < bestpid));
		pthread_mutex_unlock(&c->c_lock);
		if (match) {
			best = c;
			bestpid = cpid;
		}
	}
	if (best != NULL)
		conn_hold(best);
	pthread_mutex_unlock(&conns_lock);
	return best;
}

static int
raise_conn(struct conn *c, int sig)
{
	struct sp_hdr h = { .type = SP_RAISE, .word = (uint32_t)sig };

	if (c == NULL)
		return -ESRCH;
	conn_send(c, &h, NULL, 0);
	conn_rele(c);
	return 0;
}

int
spserver_raise(struct proc *p, int sig)
{
	return raise_conn(conn_find(p, 0), sig);
}

int
spserver_raise_pid(pid_t pid, int sig)
{
	return raise_conn(conn_find(NULL, pid), sig);
}

int
spserver_nclients(void)
{
	int n;

	pthread_mutex_lock(&conns_lock);
	n = nconns;
	pthread_mutex_unlock(&conns_lock);
	return n;
}
