/*
 * spconn.h — connections and requests, shared by the I/O side
 * (spserver.c) and the worker side (spwork.c) of the sysproxy server.
 *
 * One connection = one client process = one kernel process (c_proc, kept
 * alive by c_mainlwp, an lwp that never runs).  The I/O thread owns the
 * socket's input side and the connection's life; workers run requests
 * and queue replies.  References: the I/O thread holds one while the
 * connection is registered, every request in flight holds one; the last
 * conn_rele() closes the socket and lets the process exit.
 *
 * Lock order: conn.c_lock > worker-pool lock; c_lock is never held
 * while calling into the kernel except lwp_cancel (which only takes the
 * lwp's own mutex).
 */
#ifndef RUMP_SERVER_SPCONN_H
#define RUMP_SERVER_SPCONN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/uio.h>
#include "kern/kern.h"
#include "sp/sp.h"

#define SP_OUTMAX	(64u << 20)	/* queued output before we give up */
/* what a queued reply of n bytes costs: its bytes, its queue entry and the
 * allocator's overhead, so a flood of tiny replies is bounded too */
#define OUTCOST(n)	((size_t)(n) + 64)
#define SP_INBUF	(64u << 10)
/* socket send buffer asked for (the kernel caps it at wmem_max): a 1 MiB
 * read reply then goes out in one sendmsg instead of several rounds of
 * EPOLLOUT wake-ups */
#define SP_SNDBUF	(2 << 20)
/* a client pipelining requests is not read further while this much is
 * in flight for it: its request bodies and count stay bounded */
#define SP_INFLIGHT_BYTES	(64u << 20)
#define SP_INFLIGHT_MAX		1024

enum conn_state {
	CS_NEW,		/* banner sent; only GUEST or FORK handshakes */
	CS_PAUSED,	/* a handshake or exec runs: input not read */
	CS_RUNNING,
	CS_DEAD,	/* dropped: replies are discarded */
};

/*
 * A queued frame (or what the socket did not take of it): iovecs still
 * to send, and the memory they point into.  A small frame's rest is
 * copied behind the obuf (o_data); a large reply's is not: the obuf then
 * takes over the buffers the kernel wrote (o_own) and frees them once
 * sent, so a full socket costs no copy either.
 */
struct obuf {
	STAILQ_ENTRY(obuf)	 o_link;
	size_t			 o_cost;	/* charged to c_outbytes */
	int			 o_i, o_niov;	/* o_iov[o_i..o_niov) left */
	int			 o_nown;
	struct iovec		*o_iov;		/* behind the obuf */
	void			**o_own;	/* behind the obuf, freed with it */
	uint8_t			 o_data[];
};

struct sreq {
	TAILQ_ENTRY(sreq)	 r_qlink;	/* work queue; pool lock */
	LIST_ENTRY(sreq)	 r_clink;	/* c_inflight; c_lock */
	struct conn		*r_conn;	/* referenced */
	struct sp_hdr		 r_hdr;
	uint8_t			*r_body;	/* r_hdr.len - SP_HDRSIZE bytes */
	struct lwp		*r_lwp;		/* while in the kernel; c_lock */
	bool			 r_cancelled;	/* c_lock */
};

struct conn {
	int			 c_fd;
	int			 c_id;		/* for log lines */
	pthread_mutex_t		 c_lock;
	pthread_cond_t		 c_cv;		/* c_ninflight dropped */
	int			 c_refs;	/* c_lock */
	enum conn_state		 c_state;	/* c_lock */
	struct proc		*c_proc;	/* set by the handshake */
	struct lwp		*c_mainlwp;	/* keeps c_proc alive */
	LIST_HEAD(, sreq)	 c_inflight;	/* c_lock */
	int			 c_ninflight;	/* c_lock */
	size_t			 c_inbytes;	/* their bodies; c_lock */
	/* output, c_lock */
	STAILQ_HEAD(, obuf)	 c_outq;
	size_t			 c_outbytes;
	uint32_t		 c_events;	/* epoll mask now registered */
	bool			 c_kicked;	/* on the I/O thread's kick list */
	bool			 c_dropreq;	/* workers: please drop this one */
	struct slane		*c_lane;	/* shared-memory lane, or NULL */
	/* CANCELs that came before their request (the request took the
	 * socket, the cancel the lane): applied when it arrives */
	uint32_t		 c_early[8];
	unsigned		 c_nearly;
	LIST_ENTRY(conn)	 c_kick;
	/* input, I/O thread only */
	uint8_t			*c_in;		/* SP_INBUF bytes */
	size_t			 c_inlen;
	struct sp_hdr		 c_hdr;		/* of a body being read directly */
	uint8_t			*c_body;	/* non-NULL: reading a big body */
	size_t			 c_bodygot;
	LIST_ENTRY(conn)	 c_link;	/* all connections */
};

LIST_HEAD(connlist, conn);

/* spout.c: references, output, kicks */
extern int sp_epfd, sp_evfd;		/* the I/O loop's epoll and eventfd */
void conn_hold(struct conn *c);
void conn_rele(struct conn *c);
/* queues (or sends at once) a frame: header h with body; c_lock not held */
void conn_send(struct conn *c, const struct sp_hdr *h, const void *body,
    size_t blen);
/* sends a frame whose first SP_HDRSIZE bytes are a header to fill in */
void conn_send_buf(struct conn *c, struct sp_hdr *h, struct sp_buf *b);
void conn_send_error(struct conn *c, uint32_t reqid, enum sp_err e);
/* sends (or queues) the frame iov[0..n); with nown > 0 what the socket
 * does not take is queued by reference and the queue takes own[]: true,
 * and the caller must then forget those pointers (not free them) */
bool conn_sendv(struct conn *c, struct iovec *iov, int n, void **own,
    int nown);
/* sends the frame iov[0..n) with descriptor fd (SCM_RIGHTS) if nothing
 * is queued before it; false if it could not go */
bool conn_send_fd(struct conn *c, struct iovec *iov, int n, int fd);
/* a reply encoded with sp_enc_reply_refs: sends it, then frees b and the
 * call's buffers unless the queue took them */
void conn_send_reply(struct conn *c, struct sp_hdr *h, struct sp_buf *b,
    struct sp_refs *x, struct sp_call *call);
/* c_lock held: registers the epoll mask c needs; sends what it can */
void conn_events_locked(struct conn *c);
void conn_flush_locked(struct conn *c);
/* hands c to the I/O loop (resume, drop); takes a reference */
void conn_kick(struct conn *c);
/* c_lock held: may input be read now (state, drop, flow control)? */
bool conn_readable_locked(struct conn *c);
void kicks_take(struct connlist *list);
bool stop_requested(void);
/* asks the I/O thread to drop c (after flushing what it can) */
void conn_request_drop(struct conn *c, const char *why);
/* back to CS_RUNNING after a handshake or exec: input is read again */
void conn_resume(struct conn *c);
/* flushes c's output, blocking up to ms milliseconds (halt) */
void conn_flush_sync(struct conn *c, int ms);
/* closes every connection (RB_HALT): done by the I/O thread */
void spserver_stop_serving(void);
const char *conn_name(struct conn *c, char *buf, size_t size);

/* spserver.c: the I/O loop; returns a request for the calling thread to
 * run once another thread leads */
struct sreq *io_lead(void);

/* spserver.c: admitting a request from the socket (lane NULL) or from
 * lane: a CANCEL is applied, an unknown call or no memory answered;
 * otherwise the request is registered with c (referenced) and returned
 * for running.  A lane's frame is refused once that lane is no longer
 * c's running lane.  Takes body. */
struct slane;
struct sreq *req_admit(struct conn *c, const struct sp_hdr *h, uint8_t *body,
    struct slane *lane);
/* splane.c: is lane still c's, and c running? */
bool lane_current(struct conn *c, struct slane *lane);

/* the listening socket's address family */
int sp_server_family(void);

/* splane.c: the shared-memory lane of a connection (sp/lane.h) */
/* the I/O thread got SP_LANE (offer or confirm): false if c was dropped */
bool lane_request(struct conn *c, const struct sp_hdr *h, uint8_t *body);
/* ends c's lane, if any (drop, exec, a new offer) */
void lane_stop(struct conn *c);
/* c_lock held: puts a whole frame into the lane's reply ring: 0 when it
 * did, 1 when the frame must take the socket (no active lane, too large,
 * no room), -1 when the lane is corrupt and c is to be dropped (the
 * caller kicks c once it let go of c_lock) */
int lane_out_locked(struct conn *c, const struct iovec *iov, int n,
    size_t len);
/* c_lock held: the socket was written (a spinning client must look) */
void lane_sockpoke_locked(struct conn *c);
/* spout.c, c_lock held and the queue empty: wakes a lane client asleep
 * on its socket */
bool conn_poke_locked(struct conn *c);

/* spwork.c: used by the I/O loop */
int work_init(void);				/* starts the pool and a leader */
void work_submit(struct sreq *r);		/* takes r */
/* true if another thread will take over the I/O loop */
bool work_handoff(void);
/* r is a system call that never sleeps: the I/O thread may run it itself
 * (work_run) instead of handing the loop to another thread */
bool work_isquick(const struct sreq *r);
void work_run(struct sreq *r);			/* takes r */
/* runs r in this thread, whatever it is (a lane runs its calls itself) */
void req_run(struct sreq *r);
void req_free(struct sreq *r);
/* cancels every request of c (c_lock held) */
void conn_cancel_all_locked(struct conn *c);
void prefork_expire(void);			/* unclaimed cookies > 30 s */

#endif /* RUMP_SERVER_SPCONN_H */
