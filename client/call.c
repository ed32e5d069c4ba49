/*
 * call.c — librumpclient's requests and replies: many threads of one
 * process share one connection and have calls in flight at once;
 * replies come back in any order and are matched by request id.
 *
 * Nobody reads the socket while no call is in flight: the reading role
 * goes to a waiting thread.  The first waiter that finds the role free
 * takes it, polls the socket and hands every reply it reads to its owner
 * (a futex word on the owner's stack), until its own reply is there; it
 * then gives the role up and wakes the newest waiter, which takes it
 * over.  The newest, because when a signal handler makes a nested call
 * the nested frame is newer than the one it interrupted, and only the
 * nested one can run.  A nested call on the thread that holds the role
 * (its outer frame sits in ppoll) reads on the outer frame's behalf and
 * leaves the role in place.  The byte stream state (rd below) is guarded
 * by rd_mtx so that a reader that lost the role in a race can never
 * corrupt it.
 *
 * Cancellation: the waits run with the caller's signal mask (ppoll's
 * mask argument for the reader; a futex wait between two sigmask calls
 * otherwise).  When a wait returns EINTR the call gets a short grace
 * period (CANCEL_GRACE_NS): a call that does not block answers within it
 * and completes as it would on a real kernel; otherwise CANCEL(reqid)
 * goes out and we keep waiting for the reply, which then carries EINTR
 * if the call was still blocked.  A non-reading waiter checks for pending
 * signals before it unmasks; one that lands between that check and the
 * futex wait runs its handler without interrupting the call.
 *
 * Large replies (a read's data) are not copied: when the first output
 * block of a reply is large and its waiter published where it goes
 * (struct call_dst, set before the request is sent), the reader checks
 * the block's length against that capacity (sp_reply_prefix) and then
 * reads those bytes from the socket straight into the caller's buffers;
 * the rest of the body is decoded as usual (sp_dec_reply_placed).  The
 * buffers belong to a call that may end without this reply (connection
 * lost): before rumpclient__call returns it takes rd_mtx and withdraws
 * them (call_withdraw), and the reader then discards the block's bytes.
 *
 * Delivery: a call whose request was written completely to a
 * connection that is then lost fails with ENOTCONN; the server may have
 * run it.  Only requests that never went out completely, and calls that
 * change no state (call_pure), are sent again after a reconnect.
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "client/client.h"

struct cli cli = {
	.con_mtx = PTHREAD_MUTEX_INITIALIZER,
	.snd_mtx = PTHREAD_MUTEX_INITIALIZER,
	.mtx = PTHREAD_MUTEX_INITIALIZER,
	.state = CONN_NONE,
	.fd = -1,
	.oldfd = -1,
	.waiters = TAILQ_HEAD_INITIALIZER(cli.waiters),
};

#define RD_BUFSIZE	65536
#define RD_POLL_NS	250000000L	/* re-check that the fd is ours */
#define CANCEL_GRACE_NS	2000000L	/* see call_intr() */
#define RD_MAXSIG	8

#define RD_MAXIOV	64		/* a readv into the caller's iovecs */

/* what the body bytes being read are */
enum rd_phase {
	RD_BODY,	/* into rd.body (all of it, or what follows the data) */
	RD_PREFIX,	/* the first SP_REPLY_PREFIX bytes, into rd.pre */
	RD_DATA,	/* the first output block, into rd.dst */
};

/* the incoming byte stream of connection rd.gen (rd_mtx) */
static pthread_mutex_t rd_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct {
	unsigned	 gen;
	uint8_t		 buf[RD_BUFSIZE];
	size_t		 off, len;	/* unparsed bytes in buf */
	bool		 inframe;	/* hdr valid, body being filled */
	struct sp_hdr	 hdr;
	enum rd_phase	 phase;
	uint8_t		*body;
	size_t		 have, need;	/* in body (or pre), of need */
	uint8_t		 pre[SP_REPLY_PREFIX];
	struct call_dst	*dst;		/* NULL: none, or withdrawn */
	bool		 isplaced;	/* this frame's block goes to dst */
	size_t		 placed, dpos;	/* block size, bytes read of it */
} rd;

static _Atomic uint32_t nextreq = 1;
/* the waiter this thread reads for: its reply needs no futex wake */
static __thread struct waiter *rd_self;

uint32_t
call_nextreq(void)
{
	uint32_t r;

	do
		r = atomic_fetch_add(&nextreq, 1);
	while (r == 0);
	return r;
}

void
call_setnextreq(uint32_t next)
{
	atomic_store(&nextreq, next);
}

/* wakes the newest waiter still waiting when nobody reads (cli.mtx) */
static void
call_kick(void)
{
	struct waiter *w;

	if (cli.reading)
		return;
	TAILQ_FOREACH_REVERSE(w, &cli.waiters, waitlist, w_link) {
		if (!w->w_done) {
			w->w_seq++;
			cli_futex_wake(&w->w_seq);
			return;
		}
	}
}

static void
call_rdreset(unsigned gen)
{
	free(rd.body);
	rd.body = NULL;
	rd.inframe = false;
	rd.dst = NULL;
	rd.isplaced = false;
	rd.off = rd.len = rd.have = rd.need = 0;
	rd.gen = gen;
}

/* the call owning dst is about to return: nothing may store into it */
static void
call_withdraw(struct call_dst *dst)
{
	pthread_mutex_lock(&rd_mtx);
	if (rd.dst == dst)
		rd.dst = NULL;
	pthread_mutex_unlock(&rd_mtx);
}

void
call_forklock(void)
{
	pthread_mutex_lock(&rd_mtx);
}

/* in the child, the other threads' calls and the stream are gone */
void
call_forkunlock(bool child)
{
	if (child) {
		call_rdreset(0);
		TAILQ_INIT(&cli.waiters);
		call_reset_reader();
	}
	pthread_mutex_unlock(&rd_mtx);
}

/* the role is void: a new connection or a lost one (cli.mtx) */
void
call_reset_reader(void)
{
	cli.reading = false;
	cli.repoch++;
}

/* hands one complete frame to its waiter; takes body (blen bytes) */
static int
call_dispatch(const struct sp_hdr *h, uint8_t *body, size_t blen,
    unsigned gen, bool placed, int *sigs, int *nsig)
{
	struct waiter *w;

	if (!(h->flags & SP_F_REPLY)) {
		free(body);
		if (h->type == SP_LANE && h->word == SP_LANE_POKE)
			return 0;	/* it woke us: the ring has a reply */
		if (h->type != SP_RAISE)
			return EPROTO;
		if (*nsig < RD_MAXSIG)
			sigs[(*nsig)++] = (int)h->word;
		return 0;
	}
	pthread_mutex_lock(&cli.mtx);
	TAILQ_FOREACH(w, &cli.waiters, w_link) {
		if (w->w_reqid == h->reqid && w->w_gen == gen && !w->w_done)
			break;
	}
	/* placed bytes count only for the buffers they went to */
	if (w != NULL && placed && (rd.dst == NULL || w->w_dst != rd.dst))
		w = NULL;
	if (w != NULL) {
		/* the reply can overtake the sender's own bookkeeping */
		w->w_sent = true;
		w->w_hdr = *h;
		w->w_body = body;
		w->w_blen = blen;
		w->w_isplaced = placed;
		w->w_placed = placed ? rd.placed : 0;
		w->w_done = true;
		w->w_seq++;
		if (w != rd_self)
			cli_futex_wake(&w->w_seq);
		body = NULL;
	}
	pthread_mutex_unlock(&cli.mtx);
	free(body);		/* a reply nobody waits for: dropped */
	return 0;
}

/* the buffers a reply's first output block may go to: those its waiter
 * published, if the frame is large enough to be worth it */
static struct call_dst *
call_dstof(const struct sp_hdr *h)
{
	struct call_dst *d = NULL;
	struct waiter *w;

	if (h->type != SP_SYSCALL || !(h->flags & SP_F_REPLY) ||
	    h->len - SP_HDRSIZE < SP_REPLY_PREFIX + SP_REFMIN)
		return NULL;
	pthread_mutex_lock(&cli.mtx);
	TAILQ_FOREACH(w, &cli.waiters, w_link) {
		if (w->w_reqid == h->reqid && w->w_gen == rd.gen && !w->w_done) {
			d = w->w_dst;
			break;
		}
	}
	pthread_mutex_unlock(&cli.mtx);
	return d;
}

/* a header was read: where its body goes */
static int
call_begin(void)
{
	size_t blen = rd.hdr.len - SP_HDRSIZE;

	rd.inframe = true;
	rd.have = 0;
	rd.isplaced = false;
	rd.placed = rd.dpos = 0;
	if ((rd.dst = call_dstof(&rd.hdr)) != NULL) {
		rd.phase = RD_PREFIX;
		return 0;
	}
	rd.phase = RD_BODY;
	rd.need = blen;
	return (rd.body = malloc(blen + 1)) == NULL ? ENOMEM : 0;
}

/* the prefix is in: place the block if it is what sp_dec_reply accepts,
 * else read the whole body and let the decoder refuse it */
static int
call_prefix(void)
{
	size_t blen = rd.hdr.len - SP_HDRSIZE, n;

	rd.need = blen;
	rd.phase = RD_BODY;
	if (rd.dst != NULL &&
	    sp_reply_prefix(rd.pre, blen, rd.dst->d_cap, &n) == 0 &&
	    n >= SP_REFMIN) {
		rd.isplaced = true;
		rd.placed = n;
		rd.need = blen - n;
		rd.phase = RD_DATA;
	}
	if ((rd.body = malloc(rd.need + 1)) == NULL)
		return ENOMEM;
	memcpy(rd.body, rd.pre, SP_REPLY_PREFIX);
	rd.have = SP_REPLY_PREFIX;
	return 0;
}

/* the block's next k bytes from src (dropped once withdrawn) */
static void
call_place(const uint8_t *src, size_t k)
{
	const struct call_dst *d = rd.dst;
	size_t pos = rd.dpos, m;

	rd.dpos += k;
	for (size_t i = 0; d != NULL && k > 0 && i < d->d_niov; i++) {
		if (pos >= d->d_iov[i].iov_len) {
			pos -= d->d_iov[i].iov_len;
			continue;
		}
		m = d->d_iov[i].iov_len - pos < k ? d->d_iov[i].iov_len - pos : k;
		memcpy((uint8_t *)d->d_iov[i].iov_base + pos, src, m);
		src += m;
		k -= m;
		pos = 0;
	}
}

/* frames in rd.buf; 0 when more bytes are needed */
static int
call_parse(int *sigs, int *nsig)
{
	size_t avail, k;
	int error;

	for (;;) {
		avail = rd.len - rd.off;
		if (!rd.inframe) {
			if (avail < SP_HDRSIZE)
				return 0;
			if (sp_hdr_get(rd.buf + rd.off, &rd.hdr, SP_MAXFRAME) != 0)
				return EPROTO;
			rd.off += SP_HDRSIZE;
			if ((error = call_begin()) != 0)
				return error;
			continue;
		}
		switch (rd.phase) {
		case RD_PREFIX:
			k = SP_REPLY_PREFIX - rd.have < avail ?
			    SP_REPLY_PREFIX - rd.have : avail;
			memcpy(rd.pre + rd.have, rd.buf + rd.off, k);
			rd.have += k;
			rd.off += k;
			if (rd.have < SP_REPLY_PREFIX)
				return 0;
			if ((error = call_prefix()) != 0)
				return error;
			continue;
		case RD_DATA:
			k = rd.placed - rd.dpos < avail ? rd.placed - rd.dpos : avail;
			call_place(rd.buf + rd.off, k);
			rd.off += k;
			if (rd.dpos < rd.placed)
				return 0;
			rd.phase = RD_BODY;
			continue;
		case RD_BODY:
			break;
		}
		k = rd.need - rd.have < avail ? rd.need - rd.have : avail;
		memcpy(rd.body + rd.have, rd.buf + rd.off, k);
		rd.have += k;
		rd.off += k;
		if (rd.have < rd.need)
			return 0;
		rd.inframe = false;
		error = call_dispatch(&rd.hdr, rd.body, rd.need, rd.gen,
		    rd.isplaced, sigs, nsig);
		rd.body = NULL;
		rd.dst = NULL;
		rd.isplaced = false;
		if (error != 0)
			return error;
	}
}

/* iovecs for the rest of the block in rd.dst: up to RD_MAXIOV of them */
static int
call_dstiov(struct iovec *iov)
{
	const struct call_dst *d = rd.dst;
	size_t pos = rd.dpos, left = rd.placed - rd.dpos;
	int n = 0;

	for (size_t i = 0; left > 0 && i < d->d_niov && n < RD_MAXIOV; i++) {
		if (pos >= d->d_iov[i].iov_len) {
			pos -= d->d_iov[i].iov_len;
			continue;
		}
		iov[n].iov_base = (uint8_t *)d->d_iov[i].iov_base + pos;
		iov[n].iov_len = d->d_iov[i].iov_len - pos < left ?
		    d->d_iov[i].iov_len - pos : left;
		left -= iov[n++].iov_len;
		pos = 0;
	}
	return n;
}

/* reads what the socket has; large bodies go straight to their buffer.
 * *drained: the read came back short, so the socket is empty for now */
static int
call_fill(int fd, bool *drained)
{
	struct iovec iov[RD_MAXIOV];
	size_t want;
	ssize_t n;
	int niov;

	if (rd.inframe && rd.phase == RD_DATA && rd.off == rd.len &&
	    rd.dst != NULL) {
		/* the caller's buffers, checked against their capacity */
		niov = call_dstiov(iov);
		want = 0;
		for (int i = 0; i < niov; i++)
			want += iov[i].iov_len;
		n = h_readv(fd, iov, niov);
		if (n > 0)
			rd.dpos += (size_t)n;
	} else if (rd.inframe && rd.phase == RD_BODY && rd.off == rd.len &&
	    rd.need - rd.have >= RD_BUFSIZE / 2) {
		want = rd.need - rd.have;
		n = h_read(fd, rd.body + rd.have, want);
		if (n > 0)
			rd.have += (size_t)n;
	} else {
		if (rd.off > 0) {
			memmove(rd.buf, rd.buf + rd.off, rd.len - rd.off);
			rd.len -= rd.off;
			rd.off = 0;
		}
		want = RD_BUFSIZE - rd.len;
		n = h_read(fd, rd.buf + rd.len, want);
		if (n > 0)
			rd.len += (size_t)n;
	}
	*drained = n < (ssize_t)want;
	if (n == 0)
		return ENOTCONN;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? EAGAIN : errno;
	return 0;
}

/* reads and dispatches until the socket is empty; 0 or the error that
 * ends connection gen */
static int
call_pump(int fd, unsigned gen)
{
	int sigs[RD_MAXSIG], nsig = 0, error = 0;
	bool live, drained;

	pthread_mutex_lock(&rd_mtx);
	pthread_mutex_lock(&cli.mtx);
	live = cli.gen == gen && cli.state == CONN_UP;
	pthread_mutex_unlock(&cli.mtx);
	if (live) {
		if (rd.gen != gen)
			call_rdreset(gen);
		do {
			error = call_fill(fd, &drained);
			if (error == 0)
				error = call_parse(sigs, &nsig);
		} while (error == 0 && !drained);
		if (error == EPROTO)
			cli_msg("rumpclient: malformed frame from the server");
		if (error == EAGAIN)
			error = 0;
	}
	pthread_mutex_unlock(&rd_mtx);
	/* signals are blocked: they arrive when the caller waits again */
	for (int i = 0; i < nsig; i++)
		kill(getpid(), sigs[i]);
	return error;
}

static void call_intr(struct waiter *w);
static bool call_tmo(struct waiter *w, long max, struct timespec *ts);
static bool call_sigwaiting(const sigset_t *orig);

/*
 * The reader's share of a lane: every frame in the reply ring, handed
 * out as call_pump does, unless *sock: the server wrote to the socket
 * since we last looked, which is then read first.  *inframe: a frame is
 * half read from the socket.  Returns the frames delivered, or -errno
 * for a lane that cannot be.
 */
static int
call_lanepump(struct clane *l, unsigned gen, bool *sock, bool *inframe)
{
	int sigs[RD_MAXSIG], nsig = 0, n = 0, rc;
	struct sp_hdr h;
	uint8_t *body;
	uint32_t ss;
	bool live;

	pthread_mutex_lock(&rd_mtx);
	pthread_mutex_lock(&cli.mtx);
	live = cli.gen == gen && cli.state == CONN_UP;
	pthread_mutex_unlock(&cli.mtx);
	*sock = *inframe = false;
	if (live) {
		/* what the server wrote to the socket before a frame it put
		 * into the ring is read first (a RAISE before the reply of
		 * the kill() that sent it): sockseq moved before that frame
		 * was published */
		ss = atomic_load(&l->l_in.ctl->sockseq);
		*sock = ss != l->l_sockseen;
		l->l_sockseen = ss;
		*inframe = rd.gen == gen && rd.inframe;
	}
	while (live && !*sock && (rc = lane_get(&l->l_in, &h, &body)) != 0) {
		if (rc < 0 || call_dispatch(&h, body, h.len - SP_HDRSIZE, gen,
		    false, sigs, &nsig) != 0) {
			n = -EPROTO;
			break;
		}
		n++;
	}
	pthread_mutex_unlock(&rd_mtx);
	for (int i = 0; i < nsig; i++)
		kill(getpid(), sigs[i]);
	return n;
}

/*
 * One round of the reading role on a connection with a lane: takes what
 * the ring has (and the socket, when the server says it wrote there),
 * else spins, then sleeps in ppoll on the socket with the caller's
 * signal mask.  false: a frame is half read from the socket, so the
 * caller waits on the socket instead.
 */
static bool
call_lanewait(struct waiter *w, struct clane *l, int fd, unsigned gen,
    dev_t dev, ino_t ino, const sigset_t *orig)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec ts;
	uint32_t seq;
	bool sock, inframe;
	int n, rc, e;


	n = call_lanepump(l, gen, &sock, &inframe);
	if (n < 0) {
		cli_msg("rumpclient: malformed frame from the server");
		conn_lost(gen, EPROTO);
		return true;
	}
	if (sock) {
		if (!conn_same(fd, dev, ino)) {
			if (!conn_moved(fd, gen))
				conn_lost(gen, ENOTCONN);
			return true;
		}
		if ((e = call_pump(fd, gen)) != 0)
			conn_lost(gen, e);
		return true;
	}
	if (n > 0)
		return true;		/* the caller looks at w again */
	if (inframe)
		return false;
	seq = atomic_load(&l->l_in.ctl->seq);
	if (lane_spin(&l->l_in, seq, l->l_spin)) {
		l->l_spin = lane_spin_adapt(l->l_spin, true);
		return true;
	}
	l->l_spin = lane_spin_adapt(l->l_spin, false);
	if (!call_tmo(w, RD_POLL_NS, &ts) || !lane_sleep_prepare(&l->l_in, &seq))
		return true;
	if (atomic_load(&l->l_in.ctl->sockseq) != l->l_sockseen) {
		lane_sleep_done(&l->l_in);
		return true;
	}
	/* asleep on the socket, with the caller's mask set atomically (a
	 * signal always interrupts the wait): the server sends a POKE frame
	 * there for a reply it puts into the ring while we sleep */
	rc = h_ppoll(&pfd, 1, &ts, orig);
	e = errno;
	lane_sleep_done(&l->l_in);
	if (rc == -1 && e == EINTR)
		call_intr(w);
	else if (rc > 0) {
		if (!conn_same(fd, dev, ino)) {
			if (!conn_moved(fd, gen))
				conn_lost(gen, ENOTCONN);
		} else if ((e = call_pump(fd, gen)) != 0)
			conn_lost(gen, e);
	}
	return true;
}

/* asks the server to interrupt w's call; at most once per call */
static void
call_cancel(struct waiter *w)
{
	struct sp_hdr h = { .len = SP_HDRSIZE, .type = SP_CANCEL };
	unsigned gen;
	int fd, error = 0;
	bool ok;

	pthread_mutex_lock(&cli.snd_mtx);
	pthread_mutex_lock(&cli.mtx);
	ok = !w->w_done && !w->w_cancelled && w->w_sent &&
	    cli.gen == w->w_gen && cli.state == CONN_UP;
	w->w_cancelled = true;
	gen = cli.gen;
	fd = cli.fd;
	h.reqid = w->w_reqid;
	/* behind its request in the lane, if it can */
	if (ok && cli.lane != NULL && clane_send(cli.lane, &h, NULL, 0) == 0)
		ok = false;
	else if (ok && !conn_same(fd, cli.dev, cli.ino))
		error = ENOTCONN;
	pthread_mutex_unlock(&cli.mtx);
	if (ok && error == 0)
		error = conn_writeall(fd, &h, NULL, 0);
	pthread_mutex_unlock(&cli.snd_mtx);
	if (ok && error != 0)
		conn_lost(gen, error);
}

/* a signal interrupted w's wait: start the grace period (owner only) */
static void
call_intr(struct waiter *w)
{
	if (w->w_intr)
		return;
	w->w_intr = true;
	clock_gettime(CLOCK_MONOTONIC, &w->w_due);
	w->w_due.tv_nsec += CANCEL_GRACE_NS;
	if (w->w_due.tv_nsec >= 1000000000L) {
		w->w_due.tv_sec++;
		w->w_due.tv_nsec -= 1000000000L;
	}
}

/*
 * How long the next wait may last: at most max ns, less when a grace
 * period runs.  Sends the CANCEL once the grace period is over and then
 * returns false: look at w's state again before waiting.
 */
static bool
call_tmo(struct waiter *w, long max, struct timespec *ts)
{
	struct timespec now;
	long long left;

	ts->tv_sec = max / 1000000000L;
	ts->tv_nsec = max % 1000000000L;
	if (!w->w_intr || w->w_cancelled)
		return true;
	clock_gettime(CLOCK_MONOTONIC, &now);
	left = (long long)(w->w_due.tv_sec - now.tv_sec) * 1000000000LL +
	    (w->w_due.tv_nsec - now.tv_nsec);
	if (left <= 0) {
		call_cancel(w);
		return false;
	}
	if (left < max) {
		ts->tv_sec = 0;
		ts->tv_nsec = (long)left;
	}
	return true;
}

static bool
call_stillreader(unsigned epoch, unsigned gen)
{
	return cli.reading && cli.repoch == epoch && cli.gen == gen &&
	    cli.state == CONN_UP;
}

/* the reading role, until w is done or the role goes away */
static void
call_read(struct waiter *w, unsigned epoch, bool nested,
    const sigset_t *orig)
{
	struct waiter *outer = rd_self;
	struct clane *lane;
	struct timespec ts;
	struct pollfd pfd;
	unsigned gen;
	dev_t dev;
	ino_t ino;
	bool go;
	int n, error;

	rd_self = w;
	pthread_mutex_lock(&cli.mtx);
	gen = cli.gen;
	pfd.fd = cli.fd;
	dev = cli.dev;
	ino = cli.ino;
	if ((lane = cli.lane) != NULL)
		clane_hold(lane);
	for (;;) {
		go = !w->w_done && call_stillreader(epoch, gen);
		if (go)
			pfd.fd = cli.fd;	/* rumpclient__movefd() */
		pthread_mutex_unlock(&cli.mtx);
		if (!go)
			break;
		if (lane != NULL &&
		    call_lanewait(w, lane, pfd.fd, gen, dev, ino, orig)) {
			pthread_mutex_lock(&cli.mtx);
			continue;
		}
		if (!call_tmo(w, RD_POLL_NS, &ts)) {
			pthread_mutex_lock(&cli.mtx);
			continue;
		}
		pfd.events = POLLIN;
		n = h_ppoll(&pfd, 1, &ts, orig);
		if (n == -1 && errno == EINTR)
			call_intr(w);
		else if (!conn_same(pfd.fd, dev, ino)) {
			if (!conn_moved(pfd.fd, gen))
				conn_lost(gen, ENOTCONN);
		}
		else if (n > 0 && (error = call_pump(pfd.fd, gen)) != 0)
			conn_lost(gen, error);
		pthread_mutex_lock(&cli.mtx);
	}
	rd_self = outer;
	clane_rele(lane);
	pthread_mutex_lock(&cli.mtx);
	if (!nested && cli.reading && cli.repoch == epoch) {
		cli.reading = false;
		cli.repoch++;
		call_kick();
	}
	pthread_mutex_unlock(&cli.mtx);
}

/* a signal that arrived while we had signals blocked is delivered as
 * soon as the caller's mask is back: that interrupts the wait, too */
static bool
call_sigwaiting(const sigset_t *orig)
{
	sigset_t pend;

	if (sigpending(&pend) == -1)
		return false;
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&pend, sig) == 1 && sigismember(orig, sig) == 0)
			return true;
	return false;
}

/* waits for w's reply, reading for everyone when nobody else does */
static void
call_wait(struct waiter *w, const sigset_t *orig)
{
	pthread_t self = pthread_self();
	struct timespec ts;
	unsigned epoch;
	uint32_t seq;
	bool nested, timed;
	int rc, e;

	pthread_mutex_lock(&cli.mtx);
	while (!w->w_done) {
		if (cli.state == CONN_UP &&
		    (!cli.reading || pthread_equal(cli.reader, self))) {
			nested = cli.reading;
			if (!nested) {
				cli.reading = true;
				cli.reader = self;
				cli.repoch++;
			}
			epoch = cli.repoch;
			pthread_mutex_unlock(&cli.mtx);
			call_read(w, epoch, nested, orig);
			pthread_mutex_lock(&cli.mtx);
			continue;
		}
		seq = w->w_seq;
		pthread_mutex_unlock(&cli.mtx);
		if (call_tmo(w, RD_POLL_NS, &ts)) {
			if (call_sigwaiting(orig))
				call_intr(w);	/* its handler runs right now */
			timed = w->w_intr && !w->w_cancelled;
			cli_unblock(orig);
			rc = cli_futex_wait(&w->w_seq, seq, timed ? &ts : NULL);
			e = errno;
			cli_block(NULL);
			if (rc == -1 && e == EINTR)
				call_intr(w);
		}
		pthread_mutex_lock(&cli.mtx);
	}
	TAILQ_REMOVE(&cli.waiters, w, w_link);
	call_kick();
	pthread_mutex_unlock(&cli.mtx);
}

/*
 * Registers w and writes its request.  0 once the whole frame is out;
 * a frame that did not go out completely was never seen by the server,
 * so it is sent again on the next connection if the policy makes one.
 */
static int
call_send(struct waiter *w, const struct sp_hdr *hp, const struct iovec *iov,
    int niov, struct call_dst *dst, const sigset_t *orig)
{
	struct sp_hdr h = *hp;
	struct clane *lane;
	unsigned gen;
	int fd, error;
	bool same;

	for (;;) {
		pthread_mutex_lock(&cli.snd_mtx);
		pthread_mutex_lock(&cli.mtx);
		gen = cli.gen;
		if (cli.state != CONN_UP) {
			pthread_mutex_unlock(&cli.mtx);
			pthread_mutex_unlock(&cli.snd_mtx);
			if ((error = conn_recover(gen, orig)) != 0)
				return error;
			continue;
		}
		fd = cli.fd;
		/* the lane does not touch the socket: no identity check */
		if ((lane = cli.lane) != NULL)
			clane_hold(lane);
		*w = (struct waiter){ .w_gen = gen, .w_reqid = call_nextreq(),
		    .w_dst = dst };
		TAILQ_INSERT_TAIL(&cli.waiters, w, w_link);
		pthread_mutex_unlock(&cli.mtx);
		h.reqid = w->w_reqid;
		error = lane != NULL ? clane_send(lane, &h, iov, niov) : EAGAIN;
		clane_rele(lane);
		if (error == EAGAIN) {
			same = conn_same(fd, cli.dev, cli.ino);
			error = same ? conn_writev(fd, &h, iov, niov) : ENOTCONN;
		}
		pthread_mutex_lock(&cli.mtx);
		if (error == 0) {
			w->w_sent = true;
			if (!w->w_done && (cli.gen != gen || cli.state != CONN_UP)) {
				w->w_done = true;
				w->w_error = ENOTCONN;
			}
			pthread_mutex_unlock(&cli.mtx);
			pthread_mutex_unlock(&cli.snd_mtx);
			return 0;
		}
		TAILQ_REMOVE(&cli.waiters, w, w_link);
		call_kick();
		pthread_mutex_unlock(&cli.mtx);
		pthread_mutex_unlock(&cli.snd_mtx);
		conn_lost(gen, error);
		if ((error = conn_recover(gen, orig)) != 0)
			return error;
	}
}

int
call_rpcv(uint16_t type, uint32_t word, const struct iovec *iov, int niov,
    size_t blen, struct call_dst *dst, struct waiter *w, const sigset_t *orig)
{
	struct sp_hdr h = { .len = (uint32_t)(SP_HDRSIZE + blen),
	    .type = type, .word = word };
	int error;

	if (blen > SP_MAXFRAME - SP_HDRSIZE)
		return EINVAL;
	if ((error = call_send(w, &h, iov, niov, dst, orig)) != 0)
		return error;
	call_wait(w, orig);
	return w->w_error;
}

int
call_rpc(uint16_t type, uint32_t word, const void *body, size_t blen,
    struct waiter *w, const sigset_t *orig)
{
	struct iovec iov = { .iov_base = (void *)body, .iov_len = blen };

	return call_rpcv(type, word, &iov, 1, blen, NULL, w, orig);
}

/*
 * Calls that change nothing in the kernel: sending one again after a
 * reconnect cannot run anything twice.  (sysctlbyname only when it
 * does not set a value.)
 */
static bool
call_pure(const struct sysent *se, const struct sp_argv *av)
{
	static const char *const pure[] = {
		"getpid", "getppid", "getuid", "geteuid", "getgid",
		"getegid", "getgroups", "getrlimit", "stat", "lstat",
		"fstat", "fstatat", "newfstatat", "statx", "readlink",
		"readlinkat", "access", "faccessat", "faccessat2",
		"getcwd", "statfs", "fstatfs", "uname", "gettimeofday",
		"clock_gettime", "sysctlnext", "sysctlinfo",
	};

	if (strcmp(se->name, "sysctlbyname") == 0)
		return av[3].val == 0;
	for (size_t i = 0; i < sizeof(pure) / sizeof(pure[0]); i++)
		if (strcmp(se->name, pure[i]) == 0)
			return true;
	return false;
}

static int
call_result(struct waiter *w, const struct sysent *se, struct sp_argv *av,
    long *ret)
{
	int error = 0;

	if (w->w_hdr.type == SP_ERROR)
		error = sp_err_errno((enum sp_err)w->w_hdr.word);
	else if (w->w_hdr.type != SP_SYSCALL)
		error = EPROTO;
	else if (w->w_isplaced ?
	    sp_dec_reply_placed(w->w_body, w->w_blen, se, av, w->w_placed,
	    ret) != 0 :
	    sp_dec_reply(w->w_body, w->w_blen, se, av, ret) != 0)
		error = EPROTO;
	free(w->w_body);
	return error;
}

int
rumpclient__call(const struct sysent *se, struct sp_argv *av, long *ret)
{
	struct waiter w = { .w_sent = false };
	struct sp_buf b;
	struct sp_refs x = { .x_n = 0 };
	struct iovec iov[CONN_MAXIOV];
	struct call_dst dst, *dp = NULL;
	sigset_t orig;
	int error, niov = 0;

	cli_block(&orig);
	sp_buf_init(&b);
	/* a write's data goes to the socket from the caller's buffer */
	error = -sp_enc_call_refs(&b, &x, se, av);
	if (error == 0 && b.b_err)
		error = ENOMEM;
	if (error == 0)
		niov = sp_frame_iov(&b, &x, iov);
	/* and a read's data comes from the socket into the caller's buffer */
	if (sp_reply_dst(se, av, &dst.d_one, &dst.d_iov, &dst.d_niov,
	    &dst.d_cap) == 0)
		dp = &dst;
	while (error == 0) {
		error = call_rpcv(SP_SYSCALL, se->nr, iov, niov,
		    b.b_len + b.b_ext, dp, &w, &orig);
		if (error == 0) {
			error = call_result(&w, se, av, ret);
			break;
		}
		if (error != ENOTCONN || !w.w_sent || !call_pure(se, av))
			break;
		error = conn_recover(w.w_gen, &orig);
	}
	if (dp != NULL)
		call_withdraw(dp);
	sp_buf_free(&b);
	cli_unblock(&orig);
	return error;
}
