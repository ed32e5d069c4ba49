/*
 * spserver.c — the sysproxy listener and the I/O loop (docs/protocol.md);
 * the output side of connections is in spout.c.
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
#include "sp/lane.h"

static int lfd = -1;
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

static struct sreq *batch_mine;		/* the leader's own request */

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
		if (sp_epfd >= 0)
			epoll_ctl(sp_epfd, EPOLL_CTL_DEL, lfd, NULL);
		close(lfd);
		lfd = -1;
	}
	if (unix_path[0] != '\0') {
		unlink(unix_path);
		unix_path[0] = '\0';
	}
	pthread_mutex_unlock(&listen_lock);
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
	lane_stop(c);
	epoll_ctl(sp_epfd, EPOLL_CTL_DEL, c->c_fd, NULL);
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
	if (h->type == SP_LANE && (h->word > SP_LANE_DECLINE ||
	    blen != (h->word == SP_LANE_CONFIRM ? LANE_NONCE : 0))) {
		conn_malformed(c, h, "bad lane request");
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
	bool found = false;

	pthread_mutex_lock(&c->c_lock);
	LIST_FOREACH(r, &c->c_inflight, r_clink) {
		if (r->r_hdr.reqid != reqid || r->r_hdr.type != SP_SYSCALL)
			continue;
		found = true;
		r->r_cancelled = true;
		if (r->r_lwp != NULL)
			lwp_cancel(r->r_lwp);
	}
	/* with a lane, a cancel can overtake its request: keep it a while
	 * (a late cancel of a finished call is remembered harmlessly;
	 * request ids do not repeat for 2^32 calls) */
	if (!found && c->c_lane != NULL)
		c->c_early[c->c_nearly++ % 8] = reqid;
	pthread_mutex_unlock(&c->c_lock);
}

/* c_lock held: did a cancel for reqid come first?  (consumes it) */
static bool
early_cancel_locked(struct conn *c, uint32_t reqid)
{
	unsigned n = c->c_nearly < 8 ? c->c_nearly : 8;

	for (unsigned i = 0; i < n; i++)
		if (c->c_early[i] == reqid) {
			c->c_early[i] = 0;
			return true;
		}
	return false;
}

struct sreq *
req_admit(struct conn *c, const struct sp_hdr *h, uint8_t *body,
    struct slane *lane)
{
	struct sreq *r;

	if (lane != NULL && !lane_current(c, lane)) {
		free(body);		/* the lane ended: its frames with it */
		return NULL;
	}
	if (h->type == SP_CANCEL) {
		do_cancel(c, h->reqid);
		free(body);
		return NULL;
	}
	if (h->type == SP_SYSCALL && (h->word >= SYS_NRMAX ||
	    sysent[h->word].name == NULL || sysent[h->word].invoke == NULL)) {
		free(body);
		conn_send_error(c, h->reqid, SP_ERR_NOSYS);
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		free(body);
		conn_send_error(c, h->reqid, SP_ERR_NOMEM);
		return NULL;
	}
	r->r_hdr = *h;
	r->r_body = body;
	r->r_conn = c;
	pthread_mutex_lock(&c->c_lock);
	/* checked again under the lock that conn_drop and run_exec cancel
	 * under: a lane frame is either cancelled with the rest or refused */
	if (lane != NULL && (c->c_lane != lane || c->c_state != CS_RUNNING ||
	    c->c_dropreq)) {
		pthread_mutex_unlock(&c->c_lock);
		req_free(r);
		return NULL;
	}
	c->c_refs++;
	LIST_INSERT_HEAD(&c->c_inflight, r, r_clink);
	c->c_ninflight++;
	c->c_inbytes += h->len - SP_HDRSIZE;
	/* a handshake: nothing else may run until the process is set up */
	if (h->type == SP_HANDSHAKE)
		c->c_state = CS_PAUSED;
	if (h->type == SP_SYSCALL && c->c_nearly > 0 &&
	    early_cancel_locked(c, h->reqid))
		r->r_cancelled = true;
	conn_events_locked(c);
	pthread_mutex_unlock(&c->c_lock);
	return r;
}

/* A complete frame; takes body.  false: c was dropped. */
static bool
dispatch(struct conn *c, const struct sp_hdr *h, uint8_t *body)
{
	struct sreq *r;

	if (h->type == SP_LANE)
		return lane_request(c, h, body);
	/* an exec'd image maps a lane of its own */
	if (h->type == SP_HANDSHAKE && h->word == SP_HS_EXEC)
		lane_stop(c);
	if ((r = req_admit(c, h, body, NULL)) == NULL)
		return true;
	if (h->type == SP_SYSCALL && batch_mine == NULL)
		batch_mine = r;		/* run by this thread: see io_lead() */
	else
		work_submit(r);
	return true;
}

static bool
reading(struct conn *c)
{
	bool ok;

	pthread_mutex_lock(&c->c_lock);
	ok = conn_readable_locked(c);
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
	bool drained = false;
	ssize_t n;

	/* a bounded number of reads, so that one busy client cannot hold
	 * this thread; whatever is read is parsed before returning, and
	 * what is left in the socket makes epoll report it again.  A read
	 * that did not fill its buffer has drained the socket (epoll is
	 * level-triggered): no second read just to see EAGAIN. */
	for (int round = 0;; round++) {
		if (!conn_parse(c, &off))
			return false;
		conn_compact(c, off);
		off = 0;
		if (!reading(c) || round == 8 || drained)
			return true;
		if (c->c_body != NULL) {
			need = c->c_hdr.len - SP_HDRSIZE - c->c_bodygot;
			n = recv(c->c_fd, c->c_body + c->c_bodygot, need, 0);
		} else {
			need = SP_INBUF - c->c_inlen;
			n = recv(c->c_fd, c->c_in + c->c_inlen, need, 0);
		}
		drained = n > 0 && (size_t)n < need;
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
}

/* --- the I/O thread: accepting, kicks, the loop -------------------------------- */

static void
conn_new(int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct iovec iov;
	struct conn *c;
	int one = 1, sndbuf = SP_SNDBUF;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->c_in = malloc(SP_INBUF)) == NULL) {
		free(c);
		close(fd);
		srv_log("out of memory: refusing a connection");
		return;
	}
	if (lfamily != AF_UNIX)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
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
	if (epoll_ctl(sp_epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
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
	conn_sendv(c, &iov, 1, NULL, 0);
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
			epoll_ctl(sp_epfd, EPOLL_CTL_MOD, lfd, &ev);
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
		epoll_ctl(sp_epfd, EPOLL_CTL_MOD, lfd, &ev);
	pthread_mutex_unlock(&listen_lock);
}

static void
handle_kicks(void)
{
	struct connlist list;
	struct conn *c;
	bool drop;

	kicks_take(&list);
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
	if (stop_requested())
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

/*
 * The I/O loop, run by whichever pool thread is the leader (spwork.c).
 * The first system call a batch of events yields is not queued: once
 * another thread has taken over the loop (work_handoff), this thread
 * runs that call itself, so a call costs no thread switch on its way in.
 * Only the leader touches the input side of connections, the conns list
 * membership and batch_mine; the pool lock orders one leader after the
 * next.
 */
struct sreq *
io_lead(void)
{
	struct epoll_event evs[64];
	struct sreq *r;
	bool kicked;
	int n;

	for (;;) {
		n = epoll_wait(sp_epfd, evs, 64, 1000);
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
		if ((r = batch_mine) != NULL) {
			batch_mine = NULL;
			if (work_isquick(r)) {
				work_run(r);
				continue;
			}
			if (work_handoff())
				return r;
			work_submit(r);
		}
	}
}

int
spserver_start(const char *b)
{
	struct epoll_event ev = { .events = EPOLLIN };

	banner = b;
	if ((sp_epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (sp_evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0)
		return -errno;
	ev.data.ptr = &tag_listen;
	if (epoll_ctl(sp_epfd, EPOLL_CTL_ADD, lfd, &ev) != 0)
		return -errno;
	ev.data.ptr = &tag_event;
	if (epoll_ctl(sp_epfd, EPOLL_CTL_ADD, sp_evfd, &ev) != 0)
		return -errno;
	return work_init();
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
sp_server_family(void)
{
	return lfamily;
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
