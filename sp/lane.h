/*
 * lane.h — the shared-memory lane: a same-host fast path for sysproxy
 * frames (docs/protocol.md §7, DESIGN.md §3), used by rump_server
 * (server/splane.c) and librumpclient (client/lane.c).
 *
 * After the handshake a client asks for a lane; the server creates a
 * sealed memfd holding two byte rings of ordinary frames, requests
 * (client to server) and replies (server to client), and passes it over
 * the unix socket (or names it in /proc for a tcp client on the same
 * host).  A frame that fits goes through a ring; anything larger, or
 * anything that finds its ring full, still goes over the socket, and
 * the socket stays the connection: its end is the lane's end.
 *
 * Each ring has one producer process and one consumer process (threads
 * of a side serialize among themselves with their own locks).  The
 * producer publishes whole frames by moving head; the consumer frees
 * them by moving tail.  Neither side trusts the other's indices or
 * bytes: each keeps its own index privately, checks the other's
 * against the ring size, and copies a frame out before validating it.
 *
 * Waiting: a consumer with nothing to read may spin a little (only when
 * it has more than one CPU), then sets `sleeping` and waits on the futex
 * word `seq`, which the producer bumps after every publish and wakes
 * only when `sleeping` is set.  The server also bumps the reply ring's
 * seq (and `sockseq`) after it wrote to the socket, so a client asleep
 * on the futex learns that the socket has something for it.
 */
#ifndef RUMP_SP_LANE_H
#define RUMP_SP_LANE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include "sp/sp.h"

#define LANE_MAGIC	0x4e4c5052u	/* "RPLN" */
#define LANE_VERSION	1
#define LANE_RING	(256u << 10)	/* bytes per direction, a power of 2 */
#define LANE_MAXFRAME	(64u << 10)	/* larger frames use the socket */
#define LANE_CTLSIZE	4096u
#define LANE_SIZE	(LANE_CTLSIZE + 2 * LANE_RING)
#define LANE_NONCE	16
#define LANE_ALIGN(n)	(((n) + 7u) & ~7u)	/* frames start 8-aligned */

/* SP_LANE words (the frame type is in sp.h) */
enum sp_lanekind {
	SP_LANE_OFFER = 0,	/* C->S: asks for a lane; reply below */
	SP_LANE_CONFIRM = 1,	/* C->S: body = the nonce read from the lane */
	SP_LANE_DECLINE = 2,	/* C->S: the offered lane cannot be mapped */
	SP_LANE_POKE = 3,	/* S->C, not a reply: look at the reply ring
				   (sent when the client sleeps on the socket) */
};
/* SP_LANE reply body: u32 size, u32 ring, u32 maxframe, u32 pid, i32 fd
 * (the memfd in the server, for /proc/<pid>/fd/<fd>; -1 when it came
 * with the reply as SCM_RIGHTS) */
#define SP_LANE_REPLY_LEN	20

/* one direction; each index on its own cache line */
struct lane_ctl {
	_Atomic uint32_t head;		/* producer: bytes published */
	uint8_t		 _pad0[60];
	_Atomic uint32_t tail;		/* consumer: bytes freed */
	uint8_t		 _pad1[60];
	_Atomic uint32_t seq;		/* futex word, bumped per publish */
	_Atomic uint32_t sleeping;	/* consumer waits (or is about to) */
	_Atomic uint32_t sockseq;	/* replies only: socket written */
	_Atomic uint32_t closed;	/* replies only: server gave up */
	_Atomic uint32_t ccpu;		/* CPU the consumer last waited on, + 1 */
	uint8_t		 _pad2[44];
};

struct lane_shm {
	uint32_t	 magic;
	uint32_t	 version;
	uint32_t	 ring;			/* LANE_RING */
	uint32_t	 maxframe;		/* LANE_MAXFRAME */
	uint8_t		 nonce[LANE_NONCE];	/* proves the mapping */
	uint8_t		 _pad[224];
	struct lane_ctl	 req;			/* at 256 */
	struct lane_ctl	 rep;			/* at 448 */
};
#define LANE_REQDATA(s)	((uint8_t *)(s) + LANE_CTLSIZE)
#define LANE_REPDATA(s)	((uint8_t *)(s) + LANE_CTLSIZE + LANE_RING)

/* the producing end of a ring; head is ours, the shm copy is for the
 * peer.  futex: the consumer sleeps on the futex (requests), else it
 * sleeps in ppoll on the socket and the producer pokes it there
 * (replies: a signal must interrupt that sleep atomically) */
struct lane_prod {
	struct lane_ctl	*ctl;
	uint8_t		*data;
	uint32_t	 head;
	bool		 futex;
};

/* the consuming end; tail is ours.  peer: the other ring's ctl, whose
 * ccpu says where the thread that will produce for us last waited */
struct lane_cons {
	struct lane_ctl	*ctl;
	const uint8_t	*data;
	uint32_t	 tail;
	uint32_t	 maxframe;
	const struct lane_ctl *peer;
};

/*
 * Publishes the frame gathered from iov[0..niov) (len bytes, header
 * first): 0, or 1 when the consumer sleeps and p->futex is not set (the
 * caller must wake it), -EAGAIN when the frame is larger than
 * LANE_MAXFRAME or the ring has no room for it now, -EPROTO when the
 * peer's tail is impossible.  With p->futex, wakes a sleeping consumer.
 */
int lane_put(struct lane_prod *p, const struct iovec *iov, int niov,
    size_t len);
/* bumps seq (and sockseq if sock); true if the consumer sleeps, and then
 * with futex set it is woken here */
bool lane_poke(struct lane_ctl *ctl, bool sock, bool futex);

/*
 * The next frame: 1 with its header in *h and its body copied into a
 * malloc'd *body (h->len - SP_HDRSIZE bytes, plus one spare), 0 when the
 * ring is empty, -EPROTO for a frame or index that cannot be, -ENOMEM.
 */
int lane_get(struct lane_cons *c, struct sp_hdr *h, uint8_t **body);
bool lane_ready(const struct lane_cons *c);	/* a frame is published */

/*
 * Waiting for a frame.  lane_spin: up to ns nanoseconds, until a frame
 * is there or seq moves from seq0; true if so.  It does not spin while
 * the peer last ran on our CPU: the scheduler put both threads there,
 * and spinning would only keep the peer from answering.  lane_sleep_prepare
 * reads seq and sets sleeping; false if a frame came meanwhile (and
 * sleeping is clear again).  lane_wait: the futex wait (tmo relative,
 * NULL none); -1/errno as futex(2).  lane_sleep_done clears sleeping.
 */
bool lane_spin(const struct lane_cons *c, uint32_t seq0, long ns);
bool lane_sleep_prepare(struct lane_cons *c, uint32_t *seq);
int lane_wait(struct lane_ctl *ctl, uint32_t seq, const struct timespec *tmo);
void lane_sleep_done(struct lane_cons *c);

/*
 * How long this process may spin before sleeping: 0 when it can run on
 * one CPU only (spinning would only keep the peer from running), else
 * LANE_SPIN_NS.  A waiter adapts its own budget with lane_spin_adapt.
 */
#define LANE_SPIN_NS	50000L
long lane_spin_max(void);
long lane_spin_adapt(long budget, bool hit);

#endif /* RUMP_SP_LANE_H */
