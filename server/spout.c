/*
 * spout.c — connections' references and output, and the kicks by which
 * workers hand a connection back to the I/O loop (spserver.c).
 *
 * Replies are sent at once by whoever produced them when the
 * connection's output queue is empty (a non-blocking sendmsg under
 * c_lock); what the socket does not take is queued and flushed by the
 * I/O loop on EPOLLOUT.  A client that stops reading grows only its own
 * queue, and past SP_OUTMAX the connection is dropped.
 *
 * Large output blocks (a read's data) are never copied here: the reply
 * is a gather list over the header/metadata bytes and the buffers the
 * kernel wrote, and a rest the socket did not take stays in those
 * buffers, which the queue then owns (struct obuf).
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "server/server.h"
#include "server/spconn.h"
#include "sp/lane.h"

int sp_epfd = -1, sp_evfd = -1;
static pthread_mutex_t kick_lock = PTHREAD_MUTEX_INITIALIZER;
static struct connlist kicks = LIST_HEAD_INITIALIZER(kicks);	/* kick_lock */
static atomic_bool stop_serving;

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

static void
obuf_free(struct obuf *o)
{
	for (int i = 0; i < o->o_nown; i++)
		free(o->o_own[i]);
	free(o);
}

/* drops the first n bytes of iov[*i..niov) */
static void
iov_advance(struct iovec *iov, int *i, int niov, size_t n)
{
	while (*i < niov && n >= iov[*i].iov_len) {
		n -= iov[*i].iov_len;
		(*i)++;
	}
	if (*i < niov) {
		iov[*i].iov_base = (uint8_t *)iov[*i].iov_base + n;
		iov[*i].iov_len -= n;
	}
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
		obuf_free(o);
	}
	free(c->c_in);
	free(c->c_body);
	pthread_cond_destroy(&c->c_cv);
	pthread_mutex_destroy(&c->c_lock);
	free(c);
}

bool
conn_readable_locked(struct conn *c)
{
	return (c->c_state == CS_NEW || c->c_state == CS_RUNNING) &&
	    !c->c_dropreq && c->c_inbytes < SP_INFLIGHT_BYTES &&
	    c->c_ninflight < SP_INFLIGHT_MAX;
}

/* Registers the epoll mask c needs now; c_lock held. */
void
conn_events_locked(struct conn *c)
{
	struct epoll_event ev = { .data.ptr = c };

	if (c->c_state == CS_DEAD)
		return;
	if (conn_readable_locked(c))
		ev.events |= EPOLLIN;
	if (!STAILQ_EMPTY(&c->c_outq))
		ev.events |= EPOLLOUT;
	if (ev.events != c->c_events) {
		c->c_events = ev.events;
		epoll_ctl(sp_epfd, EPOLL_CTL_MOD, c->c_fd, &ev);
	}
}

/* Hands c to the I/O thread (resume, drop); takes a reference. */
void
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
	(void)write(sp_evfd, &one, sizeof(one));
}

/* Sends what the queue holds without blocking; c_lock held. */
void
conn_flush_locked(struct conn *c)
{
	struct obuf *o;
	struct msghdr mh;
	ssize_t n;

	while ((o = STAILQ_FIRST(&c->c_outq)) != NULL) {
		mh = (struct msghdr){ .msg_iov = o->o_iov + o->o_i,
		    .msg_iovlen = (size_t)(o->o_niov - o->o_i) };
		n = sendmsg(c->c_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)		/* peer gone: input will see EOF */
			o->o_i = o->o_niov;
		else {
			iov_advance(o->o_iov, &o->o_i, o->o_niov, (size_t)n);
			lane_sockpoke_locked(c);
		}
		if (o->o_i < o->o_niov)
			break;
		c->c_outbytes -= o->o_cost;
		STAILQ_REMOVE_HEAD(&c->c_outq, o_link);
		obuf_free(o);
	}
	conn_events_locked(c);
}

/* the rest of iov[i..n) as a queue entry: by reference, taking own[],
 * when there is something to own, else copied behind the entry */
static struct obuf *
obuf_make(struct iovec *iov, int i, int n, void **own, int nown, size_t rest)
{
	size_t hdr = sizeof(struct obuf) + (size_t)(n - i) * sizeof(*iov) +
	    (size_t)nown * sizeof(void *);
	struct obuf *o;
	uint8_t *p;

	/* rest bytes are charged as before whether copied or referenced:
	 * the memory is held either way */
	if ((o = malloc(hdr + (nown > 0 ? 0 : rest))) == NULL)
		return NULL;
	o->o_cost = OUTCOST(rest);
	o->o_i = 0;
	o->o_iov = (struct iovec *)(o + 1);
	o->o_own = (void **)(o->o_iov + (n - i));
	o->o_nown = nown;
	if (nown > 0) {
		o->o_niov = n - i;
		memcpy(o->o_iov, iov + i, (size_t)(n - i) * sizeof(*iov));
		memcpy(o->o_own, own, (size_t)nown * sizeof(void *));
		return o;
	}
	p = (uint8_t *)o + hdr;
	o->o_niov = 1;
	o->o_iov[0] = (struct iovec){ .iov_base = p, .iov_len = rest };
	for (; i < n; i++) {
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
	return o;
}

/*
 * conn_sendv, and for the lane offer's reply (fd >= 0) the same with fd
 * passed along with the frame's first byte: that needs the queue empty,
 * and *fdsent tells whether it went.
 */
static bool
sendv(struct conn *c, struct iovec *iov, int n, void **own, int nown, int fd,
    bool *fdsent)
{
	union {
		struct cmsghdr	 h;
		char		 b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)n };
	size_t total = 0, sent = 0;
	struct obuf *o;
	ssize_t k;
	int i = 0;
	bool taken = false;
	char name[64];

	for (int j = 0; j < n; j++)
		total += iov[j].iov_len;
	if (fd >= 0) {
		*fdsent = false;
		memset(&cm, 0, sizeof(cm));
		mh.msg_control = cm.b;
		mh.msg_controllen = sizeof(cm.b);
		cm.h.cmsg_level = SOL_SOCKET;
		cm.h.cmsg_type = SCM_RIGHTS;
		cm.h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&cm.h), &fd, sizeof(int));
	}
	pthread_mutex_lock(&c->c_lock);
	if (c->c_state == CS_DEAD || c->c_dropreq)
		goto out;
	if (fd >= 0 && !STAILQ_EMPTY(&c->c_outq))
		goto out;
	if (fd < 0 && STAILQ_EMPTY(&c->c_outq) &&
	    (k = lane_out_locked(c, iov, n, total)) <= 0) {
		pthread_mutex_unlock(&c->c_lock);
		if (k < 0)
			conn_kick(c);	/* conn_hold takes c_lock */
		return false;
	}
	if (STAILQ_EMPTY(&c->c_outq)) {
		do
			k = sendmsg(c->c_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
		while (k < 0 && errno == EINTR);
		if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			goto out;	/* peer gone: input will see EOF */
		sent = k < 0 ? 0 : (size_t)k;
		if (sent > 0)
			lane_sockpoke_locked(c);
		if (fd >= 0) {
			*fdsent = sent > 0;
			if (sent == 0)
				goto out;
		}
	}
	if (sent == total)
		goto out;
	/* iov is the caller's: advancing it in place is fine */
	iov_advance(iov, &i, n, sent);
	if (c->c_outbytes + OUTCOST(total - sent) > SP_OUTMAX ||
	    (o = obuf_make(iov, i, n, own, nown, total - sent)) == NULL) {
		c->c_dropreq = true;
		srv_log("%s does not read its replies (%zu bytes queued): "
		    "dropping it", conn_name(c, name, sizeof(name)),
		    c->c_outbytes);
		conn_events_locked(c);
		pthread_mutex_unlock(&c->c_lock);
		conn_kick(c);
		return false;
	}
	taken = nown > 0;
	STAILQ_INSERT_TAIL(&c->c_outq, o, o_link);
	c->c_outbytes += o->o_cost;
	conn_events_locked(c);
out:
	pthread_mutex_unlock(&c->c_lock);
	return taken;
}

/*
 * c_lock held, queue empty: the 16-byte SP_LANE POKE frame that wakes a
 * client asleep in ppoll on its socket.  A full socket needs none (the
 * client has data to read); what a short write leaves is queued.  false:
 * no memory for that, c is to be dropped (the caller kicks it).
 */
bool
conn_poke_locked(struct conn *c)
{
	struct sp_hdr h = { .len = SP_HDRSIZE, .type = SP_LANE,
	    .word = SP_LANE_POKE };
	uint8_t hb[SP_HDRSIZE];
	struct iovec iov = { .iov_base = hb, .iov_len = SP_HDRSIZE };
	struct obuf *o;
	ssize_t k;
	int i = 0;

	sp_hdr_put(hb, &h);
	do
		k = send(c->c_fd, hb, SP_HDRSIZE, MSG_DONTWAIT | MSG_NOSIGNAL);
	while (k < 0 && errno == EINTR);
	if (k <= 0 || k == SP_HDRSIZE)
		return true;
	iov_advance(&iov, &i, 1, (size_t)k);
	if ((o = obuf_make(&iov, 0, 1, NULL, 0, iov.iov_len)) == NULL) {
		c->c_dropreq = true;	/* the stream cannot be mended */
		conn_events_locked(c);
		return false;
	}
	STAILQ_INSERT_TAIL(&c->c_outq, o, o_link);
	c->c_outbytes += o->o_cost;
	conn_events_locked(c);
	return true;
}

bool
conn_sendv(struct conn *c, struct iovec *iov, int n, void **own, int nown)
{
	return sendv(c, iov, n, own, nown, -1, NULL);
}

bool
conn_send_fd(struct conn *c, struct iovec *iov, int n, int fd)
{
	bool ok;

	(void)sendv(c, iov, n, NULL, 0, fd, &ok);
	return ok;
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
	conn_sendv(c, iov, blen > 0 ? 2 : 1, NULL, 0);
}

void
conn_send_buf(struct conn *c, struct sp_hdr *h, struct sp_buf *b)
{
	struct iovec iov = { .iov_base = b->b_p, .iov_len = b->b_len };

	h->len = (uint32_t)b->b_len;
	sp_hdr_put(b->b_p, h);
	conn_sendv(c, &iov, 1, NULL, 0);
}

void
conn_send_reply(struct conn *c, struct sp_hdr *h, struct sp_buf *b,
    struct sp_refs *x, struct sp_call *call)
{
	struct iovec iov[2 * SP_MAXREFS + 1];
	void *own[1 + 2 * SYS_MAXARGS];
	int n, nown = 0;

	h->len = (uint32_t)(b->b_len + b->b_ext);
	sp_hdr_put(b->b_p, h);
	n = sp_frame_iov(b, x, iov);
	/* only a frame that references the call's buffers needs them kept */
	if (x->x_n > 0) {
		own[nown++] = b->b_p;
		for (int i = 0; i < SYS_MAXARGS; i++) {
			own[nown++] = call->owned[i];
			own[nown++] = call->iodata[i];
		}
	}
	if (conn_sendv(c, iov, n, own, nown)) {
		sp_buf_init(b);		/* the queue frees them */
		memset(call->owned, 0, sizeof(call->owned));
		memset(call->iodata, 0, sizeof(call->iodata));
	}
	sp_call_free(call);
	sp_buf_free(b);
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
	(void)write(sp_evfd, &one, sizeof(one));
}

bool
stop_requested(void)
{
	return atomic_load(&stop_serving);
}

/* Moves every kicked connection to list (references move with them). */
void
kicks_take(struct connlist *list)
{
	struct conn *c;
	uint64_t v;

	LIST_INIT(list);
	(void)read(sp_evfd, &v, sizeof(v));
	pthread_mutex_lock(&kick_lock);
	while ((c = LIST_FIRST(&kicks)) != NULL) {
		LIST_REMOVE(c, c_kick);
		c->c_kicked = false;
		LIST_INSERT_HEAD(list, c, c_kick);
	}
	pthread_mutex_unlock(&kick_lock);
}
