/*
 * client.h — librumpclient's internals (the public side is
 * include/rump/rumpclient.h, docs/man/rumpclient.3).
 *
 *   conn.c   the connection: URL, connect, banner, synchronous handshakes,
 *            identity checks and the reconnect policy
 *   call.c   request/reply multiplexing: waiters, the reading role,
 *            cancellation, rumpclient__call()
 *   fork.c   rumpclient_init, fork/exec/daemon across the proxy
 *
 * One connection per client process, shared by all its threads.
 *
 * Signals: every public entry point blocks all signals while it runs and
 * restores the caller's mask only while waiting (ppoll with the caller's
 * mask, or a futex wait between two sigmask calls).  So a signal handler
 * can only run, and make a nested remote call, at those points, where
 * this thread holds no lock and is not inside malloc.  The nested call
 * finds everything it needs free, or (when its own thread holds the
 * reading role) reads on behalf of the interrupted frame.
 *
 * Locks, in order: cli.con_mtx (connect/reconnect/exec), cli.snd_mtx
 * (writing a frame), cli.mtx (state below, the waiter list, conn fields).
 * All are taken with signals blocked.
 */
#ifndef RUMP_CLIENT_CLIENT_H
#define RUMP_CLIENT_CLIENT_H

#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#include "sp/sp.h"
#include "sp/lane.h"
#include "client/host.h"

#ifndef RUMP_EXPORT
#define RUMP_EXPORT __attribute__((visibility("default")))
#endif

/* the generated stubs' entry point: 0 with the result (value or -errno)
 * in *ret, or a positive errno when the call could not be carried out */
int rumpclient__call(const struct sysent *se, struct sp_argv *av, long *ret);

enum conn_state {
	CONN_NONE,		/* never connected, or inherited over fork */
	CONN_UP,
	CONN_DEAD,		/* lost: the reconnect policy applies */
};

/* where the caller wants the bytes of its reply's first output block
 * (sp_reply_dst); lives on rumpclient__call's stack, and the reader
 * stores into it only while rd.dst points to it (call.c) */
struct call_dst {
	struct iovec		 d_one;
	const struct iovec	*d_iov;
	size_t			 d_niov, d_cap;
};

/* one request waiting for its reply; lives on the caller's stack */
struct waiter {
	TAILQ_ENTRY(waiter) w_link;
	uint32_t	 w_reqid;
	unsigned	 w_gen;		/* connection it was sent on */
	_Atomic uint32_t w_seq;		/* futex word: bumped on every event */
	bool		 w_sent;	/* whole frame written */
	bool		 w_done;
	bool		 w_intr;	/* a signal interrupted the wait */
	bool		 w_cancelled;	/* CANCEL sent */
	struct timespec	 w_due;		/* when to send CANCEL (w_intr) */
	int		 w_error;	/* transport error when done */
	struct sp_hdr	 w_hdr;		/* the reply */
	uint8_t		*w_body;	/* malloc'd reply body (or NULL) */
	size_t		 w_blen;	/* bytes in w_body */
	struct call_dst	*w_dst;		/* or NULL */
	bool		 w_isplaced;	/* the reader stored w_placed bytes */
	size_t		 w_placed;	/* of the first output block in w_dst */
};
TAILQ_HEAD(waitlist, waiter);

/* the connection's shared-memory lane (lane.c) */
struct clane {
	struct lane_shm	*l_shm;
	struct lane_prod l_out;		/* requests; cli.snd_mtx */
	struct lane_cons l_in;		/* replies; the reader, rd_mtx */
	uint32_t	 l_sockseen;	/* rep.sockseq acted on; rd_mtx */
	long		 l_spin;	/* the reading role's spin budget */
	atomic_int	 l_refs;
};

struct cli {
	pthread_mutex_t	 con_mtx;
	pthread_mutex_t	 snd_mtx;
	pthread_mutex_t	 mtx;

	/* the connection (cli.mtx; changed only with con_mtx also held) */
	enum conn_state	 state;
	int		 fd;
	dev_t		 dev;		/* identity of our socket */
	ino_t		 ino;
	unsigned	 gen;		/* bumped per new connection */
	int		 oldfd;		/* inherited or dead socket to close */
	dev_t		 olddev;
	ino_t		 oldino;
	struct clane	*lane;		/* or NULL: socket only */

	/* the reading role (cli.mtx) */
	bool		 reading;
	pthread_t	 reader;
	unsigned	 repoch;	/* bumped when the role changes hands */
	struct waitlist	 waiters;

	/* configuration (con_mtx) */
	bool		 haveurl;
	struct sp_url	 url;
	_Atomic time_t	 retry;		/* rumpclient_setconnretry() */
	pid_t		 pid;		/* process that owns the connection */
};
extern struct cli cli;

/* conn.c */
int conn_open(const struct sp_url *u, uint32_t kind, const void *body,
    size_t blen, int *fdp);
int conn_handshake(int fd, uint32_t kind, const void *body, size_t blen);
/* the last handshake reply's word (SP_HSF_* bits; con_mtx) */
uint32_t conn_hsword(void);
int conn_moveup(int fd);
bool conn_same(int fd, dev_t dev, ino_t ino);
void conn_install(int fd);		/* cli.mtx not held; con_mtx held */
void conn_lost(unsigned gen, int error);
int conn_recover(unsigned gen, const sigset_t *orig);
void conn_dropold(void);
bool conn_moved(int fd, unsigned gen);
/* for librumphijack (hidden like everything here) */
bool rumpclient__isownfd(int fd);
int rumpclient__movefd(int fd);
int rumpclient__ownfds(int out[2]);
int conn_writeall(int fd, const struct sp_hdr *h, const void *body,
    size_t blen);
#define CONN_MAXIOV	(2 * SP_MAXREFS + 1)	/* sp_frame_iov() */
/* a frame as iovecs: header h (encoded into hb) and the non-empty ones
 * of body[0..nbody) (at most CONN_MAXIOV); returns their count */
int conn_frameiov(uint8_t hb[SP_HDRSIZE], const struct sp_hdr *h,
    const struct iovec *body, int nbody, struct iovec *iov);
int conn_writev(int fd, const struct sp_hdr *h, const struct iovec *body,
    int nbody);
void conn_comm(char out[SP_COMMMAX + 1]);
int conn_urlstr(const struct sp_url *u, char *buf, size_t len);

/* lane.c: asks for a lane on a fresh connection (con_mtx held); 0 with
 * *lp NULL when there is none, an errno when the socket failed */
int clane_open(int fd, struct clane **lp);
void clane_hold(struct clane *l);
void clane_rele(struct clane *l);		/* NULL is fine */
void clane_forget(struct clane *l);		/* fork child: not mapped */
/* a request through the lane: 0, EAGAIN (take the socket), ENOTCONN */
int clane_send(struct clane *l, const struct sp_hdr *h,
    const struct iovec *body, int nbody);

/* call.c */
uint32_t call_nextreq(void);
void call_setnextreq(uint32_t next);
void call_reset_reader(void);		/* cli.mtx held */
void call_forklock(void);		/* rd_mtx around fork */
void call_forkunlock(bool child);
/* sends a request and waits for its reply (in w->w_hdr, w->w_body, or a
 * transport error in w->w_error; 0 or that error returned); called with
 * signals blocked, orig being the caller's mask */
int call_rpc(uint16_t type, uint32_t word, const void *body, size_t blen,
    struct waiter *w, const sigset_t *orig);
/* the same with the body gathered from iov[0..niov), blen bytes in all */
int call_rpcv(uint16_t type, uint32_t word, const struct iovec *iov,
    int niov, size_t blen, struct call_dst *dst, struct waiter *w,
    const sigset_t *orig);

/* signal blocking around a public entry point */
void cli_block(sigset_t *old);
void cli_unblock(const sigset_t *old);
/* one line on stderr, safe with signals blocked */
void cli_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static inline void
cli_futex_wake(_Atomic uint32_t *p)
{
	syscall(SYS_futex, p, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/* -1/EINTR when a signal handler ran; tmo relative, NULL: none */
static inline int
cli_futex_wait(_Atomic uint32_t *p, uint32_t val, const struct timespec *tmo)
{
	return (int)syscall(SYS_futex, p, FUTEX_WAIT_PRIVATE, val, tmo, NULL, 0);
}

#endif /* RUMP_CLIENT_CLIENT_H */
