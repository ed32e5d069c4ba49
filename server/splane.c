/*
 * splane.c — the server side of shared-memory lanes (sp/lane.h,
 * docs/protocol.md §7): creating and passing the memfd, the threads that
 * take requests out of a lane's request ring, and replies into its
 * reply ring.
 *
 * A lane's requests are consumed by whichever of its threads holds the
 * consumer role.  The holder runs every call itself, so a call that
 * completes at once costs no thread switch on either side; when a call
 * is about to sleep in the kernel (lwp_park_hook), the holder gives the
 * role to another thread of the lane (an idle one, or a new one, up to
 * LANE_MAXTHREADS) before it blocks, so a call that waits for another
 * call of the same client never waits for itself.  An idle holder spins
 * for a while (only on more than one CPU), then sleeps on the ring's
 * futex.
 *
 * Trust: everything in the mapping may change under us.  lane_get
 * checks and copies each frame; frames that are not requests, or
 * impossible indices, drop the connection (conn_request_drop).  The
 * memfd is sealed against resizing, so a client cannot fault us by
 * truncating it.  Replies that find the ring full take the socket,
 * whose flow control (SP_OUTMAX) then applies.
 *
 * Lifetime: the connection references its lane (c_lane, c_lock) until
 * lane_stop; every lane thread references the lane and the connection.
 * The last lane reference unmaps it.  Lock order: l_mtx > c_lock.
 *
 * Threads: at most LANE_MAXTHREADS per lane and LANE_MAXTOTAL in all.
 * When a lane has no thread to spare, its holder hands each call to the
 * worker pool (spwork.c) instead of running it, so a client with more
 * blocked calls than that still gets the call that unblocks them run.
 *
 * Waking the client: it sleeps in ppoll on its socket with its own
 * signal mask (a futex wait could not be interrupted atomically), so a
 * reply put into the ring while it sleeps is followed by a 16-byte
 * SP_LANE POKE frame on the socket (conn_poke_locked).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "server/server.h"
#include "server/spconn.h"
#include "sp/lane.h"

#define LANE_MAXTHREADS	64
#define LANE_MAXTOTAL	512		/* lane threads of all lanes */
#define LANE_IDLE_S	5		/* a surplus idle thread exits */

static atomic_int lane_threads;		/* all lanes' */

struct slane {
	struct conn		*l_conn;
	struct lane_shm		*l_shm;
	int			 l_fd;		/* memfd until confirmed, or -1 */
	uint8_t			 l_nonce[LANE_NONCE];
	struct lane_cons	 l_in;		/* the role holder's */
	struct lane_prod	 l_out;		/* c_lock */
	atomic_bool		 l_active;	/* confirmed */
	atomic_bool		 l_stop;
	pthread_mutex_t		 l_mtx;
	pthread_cond_t		 l_cv;		/* idle threads */
	bool			 l_roleheld;	/* l_mtx */
	int			 l_nthreads;	/* l_mtx */
	int			 l_nidle;	/* l_mtx */
	atomic_int		 l_refs;
};

/* the lane whose consumer role this thread holds */
static __thread struct slane *cur_role;
static pthread_once_t hook_once = PTHREAD_ONCE_INIT;

static void
lane_rele(struct slane *l)
{
	if (atomic_fetch_sub(&l->l_refs, 1) != 1)
		return;
	munmap(l->l_shm, LANE_SIZE);
	if (l->l_fd >= 0)
		close(l->l_fd);
	pthread_cond_destroy(&l->l_cv);
	pthread_mutex_destroy(&l->l_mtx);
	free(l);
}

/* --- consuming requests ------------------------------------------------------ */

static void
lane_bad(struct slane *l, const char *why)
{
	atomic_store(&l->l_stop, true);
	conn_request_drop(l->l_conn, why);
}

/* could a thread take over the role if this call sleeps? */
static bool
lane_spare(struct slane *l)
{
	bool ok;

	pthread_mutex_lock(&l->l_mtx);
	ok = l->l_nidle > 0 || (l->l_nthreads < LANE_MAXTHREADS &&
	    atomic_load(&lane_threads) < LANE_MAXTOTAL);
	pthread_mutex_unlock(&l->l_mtx);
	return ok;
}

/* one frame from the request ring; takes body */
static void
lane_frame(struct slane *l, const struct sp_hdr *h, uint8_t *body)
{
	struct sreq *r;

	if (h->flags != 0 || !(h->type == SP_SYSCALL ||
	    ((h->type == SP_CANCEL || h->type == SP_PREFORK) &&
	    h->len == SP_HDRSIZE))) {
		free(body);
		lane_bad(l, "malformed frame in the lane");
		return;
	}
	if ((r = req_admit(l->l_conn, h, body, l)) == NULL)
		return;
	if (lane_spare(l))
		req_run(r);
	else
		work_submit(r);
}

/* gives the role up; this thread then only finishes what it runs */
static void
role_release(struct slane *l)
{
	cur_role = NULL;
	pthread_mutex_lock(&l->l_mtx);
	l->l_roleheld = false;
	pthread_mutex_unlock(&l->l_mtx);
}

/* holds the role until the lane stops or a call of ours sleeps */
static void
lane_consume(struct slane *l)
{
	static const struct timespec tmo = { 1, 0 };
	struct sp_hdr h;
	uint8_t *body;
	long budget = lane_spin_max();
	uint32_t seq;
	int rc, idle = 0;

	cur_role = l;
	while (!atomic_load(&l->l_stop)) {
		/* nothing is taken before the client proved it mapped the
		 * lane (a tcp lane's memfd is open in /proc until then) */
		if (!atomic_load(&l->l_active)) {
			/* asleep as far as wakers know, so that the
			 * confirmation's poke (and requests) wake us */
			atomic_store(&l->l_in.ctl->sleeping, 1);
			seq = atomic_load(&l->l_in.ctl->seq);
			if (!atomic_load(&l->l_active) &&
			    lane_wait(l->l_in.ctl, seq, &tmo) == -1 &&
			    errno == EAGAIN && ++idle > 1000)
				usleep(1000);
			lane_sleep_done(&l->l_in);
			continue;
		}
		rc = lane_get(&l->l_in, &h, &body);
		if (rc == 1) {
			idle = 0;
			lane_frame(l, &h, body);
			if (cur_role != l)
				return;		/* handed off while it slept */
			continue;
		}
		if (rc < 0) {
			lane_bad(l, rc == -ENOMEM ? "out of memory" :
			    "malformed lane");
			break;
		}
		seq = atomic_load(&l->l_in.ctl->seq);
		if (lane_spin(&l->l_in, seq, budget)) {
			budget = lane_spin_adapt(budget, true);
			continue;
		}
		budget = lane_spin_adapt(budget, false);
		if (!lane_sleep_prepare(&l->l_in, &seq))
			continue;
		if (!atomic_load(&l->l_stop) &&
		    lane_wait(l->l_in.ctl, seq, &tmo) == -1 && errno == EAGAIN &&
		    ++idle > 1000) {
			/* the client keeps moving seq without frames */
			usleep(1000);
		}
		lane_sleep_done(&l->l_in);
	}
	role_release(l);
}

static void *
lane_main(void *arg)
{
	struct slane *l = arg;
	struct conn *c = l->l_conn;
	struct timespec ts;
	int err;

	pthread_mutex_lock(&l->l_mtx);
	while (!atomic_load(&l->l_stop)) {
		if (!l->l_roleheld) {
			l->l_roleheld = true;
			pthread_mutex_unlock(&l->l_mtx);
			lane_consume(l);
			pthread_mutex_lock(&l->l_mtx);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += LANE_IDLE_S;
		l->l_nidle++;
		err = pthread_cond_timedwait(&l->l_cv, &l->l_mtx, &ts);
		l->l_nidle--;
		if (err == ETIMEDOUT && l->l_roleheld)
			break;		/* surplus: the holder carries on */
	}
	l->l_nthreads--;
	pthread_mutex_unlock(&l->l_mtx);
	atomic_fetch_sub(&lane_threads, 1);
	lane_rele(l);
	conn_rele(c);
	return NULL;
}

/* l_mtx held: one more thread for l; false if none could be made */
static bool
lane_spawn_locked(struct slane *l)
{
	pthread_attr_t a;
	pthread_t t;
	int err;

	if (l->l_nthreads >= LANE_MAXTHREADS)
		return false;
	if (atomic_fetch_add(&lane_threads, 1) >= LANE_MAXTOTAL) {
		atomic_fetch_sub(&lane_threads, 1);
		return false;
	}
	atomic_fetch_add(&l->l_refs, 1);
	conn_hold(l->l_conn);
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&t, &a, lane_main, l);
	pthread_attr_destroy(&a);
	if (err != 0) {
		atomic_fetch_sub(&l->l_refs, 1);	/* the caller holds one */
		atomic_fetch_sub(&lane_threads, 1);
		conn_rele(l->l_conn);
		return false;
	}
	l->l_nthreads++;
	return true;
}

/* the kernel is about to park this thread: let another consume */
static void
park_hook(void)
{
	struct slane *l = cur_role;

	if (l == NULL)
		return;
	cur_role = NULL;
	pthread_mutex_lock(&l->l_mtx);
	l->l_roleheld = false;
	if (l->l_nidle > 0)
		pthread_cond_signal(&l->l_cv);
	else
		(void)lane_spawn_locked(l);	/* at the cap: we come back */
	pthread_mutex_unlock(&l->l_mtx);
}

static void
hook_install(void)
{
	__atomic_store_n(&lwp_park_hook, park_hook, __ATOMIC_RELEASE);
}

/* --- setting up and ending ----------------------------------------------------- */

static struct slane *
lane_create(struct conn *c)
{
	struct slane *l;
	void *p;
	int fd;

	fd = memfd_create("rump-lane", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return NULL;
	if (ftruncate(fd, LANE_SIZE) != 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0 ||
	    (p = mmap(NULL, LANE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
	    0)) == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		munmap(p, LANE_SIZE);
		close(fd);
		return NULL;
	}
	l->l_conn = c;
	l->l_shm = p;
	l->l_fd = fd;
	if (getrandom(l->l_nonce, LANE_NONCE, 0) != LANE_NONCE)
		clock_gettime(CLOCK_REALTIME, (struct timespec *)l->l_nonce);
	l->l_shm->magic = LANE_MAGIC;
	l->l_shm->version = LANE_VERSION;
	l->l_shm->ring = LANE_RING;
	l->l_shm->maxframe = LANE_MAXFRAME;
	memcpy(l->l_shm->nonce, l->l_nonce, LANE_NONCE);
	l->l_in = (struct lane_cons){ .ctl = &l->l_shm->req,
	    .data = LANE_REQDATA(l->l_shm), .maxframe = LANE_MAXFRAME,
	    .peer = &l->l_shm->rep };
	l->l_out = (struct lane_prod){ .ctl = &l->l_shm->rep,
	    .data = LANE_REPDATA(l->l_shm), .futex = false };
	pthread_mutex_init(&l->l_mtx, NULL);
	pthread_cond_init(&l->l_cv, NULL);
	atomic_init(&l->l_refs, 1);
	return l;
}

void
lane_stop(struct conn *c)
{
	struct slane *l;

	pthread_mutex_lock(&c->c_lock);
	l = c->c_lane;
	c->c_lane = NULL;
	if (l != NULL)
		atomic_store(&l->l_shm->rep.closed, 1);
	pthread_mutex_unlock(&c->c_lock);
	if (l == NULL)
		return;
	atomic_store(&l->l_stop, true);
	lane_poke(&l->l_shm->rep, true, false);	/* a spinning client looks */
	lane_poke(&l->l_shm->req, false, true);	/* our holder wakes and quits */
	pthread_mutex_lock(&l->l_mtx);
	pthread_cond_broadcast(&l->l_cv);
	pthread_mutex_unlock(&l->l_mtx);
	lane_rele(l);
}

static void
lane_reply(struct conn *c, const struct sp_hdr *req, struct slane *l)
{
	struct sp_hdr h = { .len = SP_HDRSIZE + SP_LANE_REPLY_LEN,
	    .type = SP_LANE, .flags = SP_F_REPLY, .reqid = req->reqid };
	uint8_t frame[SP_HDRSIZE + SP_LANE_REPLY_LEN];
	struct iovec iov = { .iov_base = frame, .iov_len = sizeof(frame) };
	uint32_t v[5] = { LANE_SIZE, LANE_RING, LANE_MAXFRAME,
	    (uint32_t)getpid(), (uint32_t)l->l_fd };
	bool byfd = l->l_fd >= 0 && sp_server_family() == AF_UNIX;

	if (byfd)
		v[4] = (uint32_t)-1;
	sp_hdr_put(frame, &h);
	for (int i = 0; i < 5; i++)
		for (int b = 0; b < 4; b++)
			frame[SP_HDRSIZE + 4 * i + b] = (uint8_t)(v[i] >> (8 * b));
	pthread_mutex_lock(&c->c_lock);
	c->c_lane = l;
	pthread_mutex_unlock(&c->c_lock);
	if (!byfd) {
		/* tcp: the client opens /proc/<pid>/<fd> and confirms */
		conn_send(c, &h, frame + SP_HDRSIZE, SP_LANE_REPLY_LEN);
		return;
	}
	if (!conn_send_fd(c, &iov, 1, l->l_fd)) {
		lane_stop(c);
		conn_send_error(c, req->reqid, SP_ERR_STATE);
		return;
	}
	pthread_mutex_lock(&c->c_lock);
	if (l->l_fd >= 0) {
		close(l->l_fd);		/* the client has its own now */
		l->l_fd = -1;
	}
	pthread_mutex_unlock(&c->c_lock);
}

bool
lane_request(struct conn *c, const struct sp_hdr *h, uint8_t *body)
{
	struct slane *l;
	bool ok;

	if (h->word == SP_LANE_CONFIRM) {
		pthread_mutex_lock(&c->c_lock);
		l = c->c_lane;
		ok = l != NULL && !atomic_load(&l->l_active) &&
		    memcmp(body, l->l_nonce, LANE_NONCE) == 0;
		if (ok) {
			atomic_store(&l->l_active, true);
			if (l->l_fd >= 0) {
				close(l->l_fd);
				l->l_fd = -1;
			}
			lane_poke(&l->l_shm->req, false, true); /* start taking */
		}
		pthread_mutex_unlock(&c->c_lock);
		free(body);
		if (!ok)
			conn_request_drop(c, "lane confirmation does not match");
		return true;
	}
	free(body);
	if (h->word == SP_LANE_DECLINE) {
		lane_stop(c);		/* its thread and memfd go now */
		return true;
	}
	/* one lane per image: a second offer would only pile up threads
	 * (an exec'd image offers after the EXEC handshake ended the old) */
	pthread_mutex_lock(&c->c_lock);
	ok = c->c_lane == NULL;
	pthread_mutex_unlock(&c->c_lock);
	if (!ok) {
		conn_send_error(c, h->reqid, SP_ERR_STATE);
		return true;
	}
	pthread_once(&hook_once, hook_install);
	if ((l = lane_create(c)) == NULL) {
		conn_send_error(c, h->reqid, SP_ERR_NOMEM);
		return true;
	}
	pthread_mutex_lock(&l->l_mtx);
	ok = lane_spawn_locked(l);
	pthread_mutex_unlock(&l->l_mtx);
	if (!ok) {
		lane_rele(l);
		conn_send_error(c, h->reqid, SP_ERR_NOMEM);
		return true;
	}
	lane_reply(c, h, l);
	return true;
}

/* --- replies ------------------------------------------------------------------ */

int
lane_out_locked(struct conn *c, const struct iovec *iov, int n, size_t len)
{
	struct slane *l = c->c_lane;
	int rc;

	if (l == NULL || !atomic_load(&l->l_active))
		return 1;
	rc = lane_put(&l->l_out, iov, n, len);
	/* a client asleep in ppoll on its socket is woken there */
	if (rc == 1 && !conn_poke_locked(c))
		return -1;
	if (rc >= 0)
		return 0;
	if (rc == -EAGAIN)
		return 1;
	/* the client wrote an impossible tail: it is not one of ours */
	atomic_store(&l->l_active, false);
	c->c_dropreq = true;
	conn_events_locked(c);
	srv_log("client %d: corrupt lane: dropping the connection", c->c_id);
	return -1;
}

bool
lane_current(struct conn *c, struct slane *lane)
{
	bool ok;

	pthread_mutex_lock(&c->c_lock);
	ok = c->c_lane == lane && c->c_state == CS_RUNNING && !c->c_dropreq;
	pthread_mutex_unlock(&c->c_lock);
	return ok;
}

void
lane_sockpoke_locked(struct conn *c)
{
	/* a sleeping client wakes on the socket data itself */
	if (c->c_lane != NULL)
		(void)lane_poke(&c->c_lane->l_shm->rep, true, false);
}
