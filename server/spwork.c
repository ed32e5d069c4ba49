/*
 * spwork.c — the worker pool and what each request does on the server.
 *
 * Workers take requests from one queue.  The pool starts with SP_WMIN
 * threads and grows, up to SP_WMAX, whenever a request finds no idle
 * worker, so calls that block (reading an empty pipe) do not starve other
 * clients; a worker idle for SP_WIDLE seconds above the minimum exits.
 *
 * A system call runs in a fresh lwp of the connection's process, bound to
 * the worker thread for the duration of the call; CANCEL finds that lwp
 * through the request (c_inflight) and cancels it, so a blocked call
 * returns EINTR.  Handshakes create or attach the process; PREFORK makes
 * a copy kept under a random cookie for a FORK handshake on a new
 * connection, and reaps it if nobody claims it within SP_COOKIE_TTL.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>
#include <rump/rump.h>
#include "kern/file.h"
#include "server/server.h"
#include "server/spconn.h"

#define SP_WMIN		4
#define SP_WMAX		512		/* NetBSD tests block 315 calls at once */
#define SP_WIDLE	10		/* seconds */
#define SP_COOKIE_TTL	30		/* seconds */
#define SP_COOKIE_MAX	1024

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cv;
static TAILQ_HEAD(, sreq) queue = TAILQ_HEAD_INITIALIZER(queue);
static int nworkers, nidle, nqueued;		/* pool_lock */
static bool need_leader;			/* pool_lock */

static __thread struct sreq *cur_req;		/* the request this thread runs */
static struct sreq *_Atomic halt_req;
static _Atomic int halt_howto;

/* --- prefork cookies ------------------------------------------------------- */

struct cookie {
	uint8_t			 k_cookie[SP_COOKIELEN];
	struct proc		*k_proc;
	struct lwp		*k_lwp;		/* keeps k_proc alive */
	struct timespec		 k_expire;
	LIST_ENTRY(cookie)	 k_link;
};
static pthread_mutex_t cookie_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(, cookie) cookies = LIST_HEAD_INITIALIZER(cookies);
static int ncookies;

/* compares every byte whatever the contents: no timing hints */
static bool
cookie_equal(const uint8_t *a, const uint8_t *b)
{
	uint8_t d = 0;

	for (int i = 0; i < SP_COOKIELEN; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

static struct cookie *
cookie_take(const uint8_t *key)
{
	struct cookie *k, *found = NULL;

	pthread_mutex_lock(&cookie_lock);
	LIST_FOREACH(k, &cookies, k_link)
		if (cookie_equal(k->k_cookie, key))
			found = k;
	if (found != NULL) {
		LIST_REMOVE(found, k_link);
		ncookies--;
	}
	pthread_mutex_unlock(&cookie_lock);
	return found;
}

int
spserver_npreforks(void)
{
	int n;

	pthread_mutex_lock(&cookie_lock);
	n = ncookies;
	pthread_mutex_unlock(&cookie_lock);
	return n;
}

void
prefork_expire(void)
{
	LIST_HEAD(, cookie) dead = LIST_HEAD_INITIALIZER(dead);
	struct cookie *k, *next;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&cookie_lock);
	for (k = LIST_FIRST(&cookies); k != NULL; k = next) {
		next = LIST_NEXT(k, k_link);
		if (k->k_expire.tv_sec > now.tv_sec)
			continue;
		LIST_REMOVE(k, k_link);
		ncookies--;
		LIST_INSERT_HEAD(&dead, k, k_link);
	}
	pthread_mutex_unlock(&cookie_lock);
	while ((k = LIST_FIRST(&dead)) != NULL) {
		LIST_REMOVE(k, k_link);
		srv_debug("prefork of pid %d expired unclaimed",
		    (int)k->k_proc->p_pid);
		lwp_release(k->k_lwp);
		free(k);
	}
}

/* --- requests ------------------------------------------------------------------ */

void
conn_cancel_all_locked(struct conn *c)
{
	struct sreq *r;

	LIST_FOREACH(r, &c->c_inflight, r_clink) {
		r->r_cancelled = true;
		if (r->r_lwp != NULL)
			lwp_cancel(r->r_lwp);
	}
}

void
req_free(struct sreq *r)
{
	free(r->r_body);
	free(r);
}

static void
reply_empty(struct sreq *r, uint32_t word)
{
	struct sp_hdr h = {
		.type = r->r_hdr.type, .flags = SP_F_REPLY,
		.reqid = r->r_hdr.reqid, .word = word,
	};

	conn_send(r->r_conn, &h, NULL, 0);
}

static void
fail_and_drop(struct sreq *r, enum sp_err e, const char *why)
{
	conn_send_error(r->r_conn, r->r_hdr.reqid, e);
	conn_request_drop(r->r_conn, why);
}

static bool
has_path_arg(const struct sysent *se)
{
	for (uint32_t i = 0; i < se->nargs; i++)
		if (se->args[i].kind == SA_PATH)
			return true;
	return false;
}

/* Runs the call in a new lwp of the connection's process. */
static long
invoke(struct sreq *r, const struct sysent *se, struct sp_call *call)
{
	struct conn *c = r->r_conn;
	struct lwp *l;
	long ret;

	if (!kern_vfs_enabled() && has_path_arg(se))
		return -ENOSYS;		/* no rumpvfs: no name space */
	if ((l = lwp_create(c->c_proc)) == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&c->c_lock);
	/*
	 * Cancelled before it started: run it with the cancel pending, so
	 * that, as for a signal on a real kernel, only a call that would
	 * sleep is interrupted and one that completes at once is not.
	 */
	if (r->r_cancelled)
		lwp_cancel(l);
	r->r_lwp = l;
	pthread_mutex_unlock(&c->c_lock);
	lwp_bind(l);
	ret = se->invoke(call->a);
	lwp_bind(NULL);
	pthread_mutex_lock(&c->c_lock);
	r->r_lwp = NULL;
	pthread_mutex_unlock(&c->c_lock);
	lwp_release(l);
	return ret;
}

static void
run_syscall(struct sreq *r)
{
	const struct sysent *se = &sysent[r->r_hdr.word];
	struct sp_hdr h = {
		.type = SP_SYSCALL, .flags = SP_F_REPLY, .reqid = r->r_hdr.reqid,
	};
	struct sp_call call;
	struct sp_buf b;
	struct sp_refs x = { .x_n = 0 };
	static const uint8_t hdrspace[SP_HDRSIZE];
	long ret;
	int err;

	err = sp_dec_call(r->r_body, r->r_hdr.len - SP_HDRSIZE, se, &call);
	if (err == -ENOMEM) {
		conn_send_error(r->r_conn, r->r_hdr.reqid, SP_ERR_NOMEM);
		return;
	}
	if (err < 0) {
		fail_and_drop(r, SP_ERR_MALFORMED, "malformed system call");
		return;
	}
	ret = invoke(r, se, &call);
	sp_buf_init(&b);
	sp_put_bytes(&b, hdrspace, sizeof(hdrspace));
	/* large output blocks are sent from the kernel's buffers (spout.c) */
	if (sp_enc_reply_refs(&b, &x, &call, ret) < 0) {
		conn_send_error(r->r_conn, r->r_hdr.reqid, SP_ERR_NOMEM);
		sp_call_free(&call);
		sp_buf_free(&b);
	} else {
		conn_send_reply(r->r_conn, &h, &b, &x, &call);
	}
}

/* The comm a handshake names: printable bytes only, at most MAXCOMLEN. */
static void
comm_from(const struct sreq *r, size_t off, char *comm)
{
	size_t n = r->r_hdr.len - SP_HDRSIZE - off, k = 0;
	const uint8_t *p = r->r_body + off;

	for (size_t i = 0; i < n && k < MAXCOMLEN; i++) {
		if (p[i] == '\0')
			break;
		comm[k++] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	}
	comm[k] = '\0';
	if (k == 0)
		strcpy(comm, "???");
}

static void
attach(struct conn *c, struct proc *p, struct lwp *main)
{
	pthread_mutex_lock(&c->c_lock);
	c->c_proc = p;
	c->c_mainlwp = main;
	pthread_mutex_unlock(&c->c_lock);
}

static void
run_guest(struct sreq *r)
{
	char comm[MAXCOMLEN + 1];
	struct proc *p;
	struct lwp *l;

	comm_from(r, 0, comm);
	if (proc_fork(proc1, RUMP_RFCFDG, &p) < 0) {
		fail_and_drop(r, SP_ERR_NOMEM, "cannot create a process");
		return;
	}
	if ((l = lwp_create(p)) == NULL) {
		pthread_mutex_lock(&proc_lock);
		p->p_exiting = true;
		pthread_mutex_unlock(&proc_lock);
		proc_exit(p);
		fail_and_drop(r, SP_ERR_NOMEM, "cannot create a process");
		return;
	}
	proc_setcomm(p, comm);
	attach(r->r_conn, p, l);
	srv_debug("client %d: guest pid %d (%s)", r->r_conn->c_id,
	    (int)p->p_pid, comm);
	reply_empty(r, SP_HS_GUEST | SP_HSF_LANE);
	conn_resume(r->r_conn);
}

static void
run_fork(struct sreq *r)
{
	struct sp_rd rd;
	const uint8_t *key;
	uint32_t cancel;
	struct cookie *k;

	sp_rd_init(&rd, r->r_body, r->r_hdr.len - SP_HDRSIZE);
	key = sp_get_bytes(&rd, SP_COOKIELEN);
	cancel = sp_get_u32(&rd);
	if (rd.r_err || rd.r_off != rd.r_len) {
		fail_and_drop(r, SP_ERR_MALFORMED, "malformed fork handshake");
		return;
	}
	if ((k = cookie_take(key)) == NULL) {
		fail_and_drop(r, SP_ERR_NOPREFORK, "unknown fork cookie");
		return;
	}
	if (cancel != 0) {
		lwp_release(k->k_lwp);
		free(k);
		reply_empty(r, SP_HS_FORK | SP_HSF_LANE);
		conn_request_drop(r->r_conn, "fork cancelled");
		return;
	}
	attach(r->r_conn, k->k_proc, k->k_lwp);
	srv_debug("client %d: forked pid %d", r->r_conn->c_id,
	    (int)k->k_proc->p_pid);
	free(k);
	reply_empty(r, SP_HS_FORK | SP_HSF_LANE);
	conn_resume(r->r_conn);
}

/*
 * exec: the calls of the old image are cancelled and drained first, so
 * their replies precede this one; then close-on-exec descriptors go.
 */
static void
run_exec(struct sreq *r)
{
	struct conn *c = r->r_conn;
	char comm[MAXCOMLEN + 1];
	bool dead;

	comm_from(r, 0, comm);
	pthread_mutex_lock(&c->c_lock);
	conn_cancel_all_locked(c);
	while (c->c_ninflight > 1 && c->c_state != CS_DEAD)
		pthread_cond_wait(&c->c_cv, &c->c_lock);
	dead = c->c_state == CS_DEAD;
	pthread_mutex_unlock(&c->c_lock);
	if (dead)
		return;
	fdtable_closeexec(c->c_proc->p_fd);
	proc_setcomm(c->c_proc, comm);
	srv_debug("client %d: pid %d exec'd as %s", c->c_id,
	    (int)c->c_proc->p_pid, comm);
	reply_empty(r, SP_HS_EXEC | SP_HSF_LANE);
	conn_resume(c);
}

static void
run_prefork(struct sreq *r)
{
	struct sp_hdr h = {
		.type = SP_PREFORK, .flags = SP_F_REPLY, .reqid = r->r_hdr.reqid,
	};
	struct cookie *k = calloc(1, sizeof(*k));
	uint8_t key[SP_COOKIELEN];
	size_t got = 0;
	ssize_t n;

	if (k == NULL || proc_fork(r->r_conn->c_proc, RUMP_RFFDG, &k->k_proc) < 0) {
		free(k);
		conn_send_error(r->r_conn, r->r_hdr.reqid, SP_ERR_NOMEM);
		return;
	}
	if ((k->k_lwp = lwp_create(k->k_proc)) == NULL) {
		pthread_mutex_lock(&proc_lock);
		k->k_proc->p_exiting = true;
		pthread_mutex_unlock(&proc_lock);
		proc_exit(k->k_proc);
		free(k);
		conn_send_error(r->r_conn, r->r_hdr.reqid, SP_ERR_NOMEM);
		return;
	}
	while (got < SP_COOKIELEN) {
		n = getrandom(k->k_cookie + got, SP_COOKIELEN - got, 0);
		if (n > 0)
			got += (size_t)n;
	}
	deadline_after_ms(&k->k_expire, SP_COOKIE_TTL * 1000);
	/* once listed, k belongs to whoever claims or expires it */
	memcpy(key, k->k_cookie, SP_COOKIELEN);
	pthread_mutex_lock(&cookie_lock);
	if (ncookies >= SP_COOKIE_MAX) {
		pthread_mutex_unlock(&cookie_lock);
		lwp_release(k->k_lwp);
		free(k);
		conn_send_error(r->r_conn, r->r_hdr.reqid, SP_ERR_NOMEM);
		return;
	}
	LIST_INSERT_HEAD(&cookies, k, k_link);
	ncookies++;
	pthread_mutex_unlock(&cookie_lock);
	conn_send(r->r_conn, &h, key, SP_COOKIELEN);
}

/* --- halting --------------------------------------------------------------------- */

/*
 * reboot(2) ends here, already synced unless RB_NOSYNC.  The caller must
 * get its successful reply before the server goes away, so the halt
 * itself happens in req_run() once that reply is out.
 */
void
spserver_halt_hook(int howto)
{
	if (cur_req == NULL) {		/* not from a client */
		spserver_unlisten();
		fflush(NULL);
		_exit(0);
	}
	atomic_store(&halt_howto, howto);
	atomic_store(&halt_req, cur_req);
}

static void
halt_now(struct sreq *r)
{
	int howto = atomic_load(&halt_howto);

	conn_flush_sync(r->r_conn, 2000);
	spserver_unlisten();
	if (howto & RUMP_RB_HALT) {
		/* NetBSD keeps the host process of a halted kernel */
		srv_debug("halted by pid %d: not serving any more",
		    (int)r->r_conn->c_proc->p_pid);
		spserver_stop_serving();
		return;
	}
	srv_debug("halted by pid %d", (int)r->r_conn->c_proc->p_pid);
	fflush(NULL);
	_exit(0);
}

/* --- the pool ------------------------------------------------------------------- */

void
req_run(struct sreq *r)
{
	struct conn *c = r->r_conn;
	bool throttled, resume;

	cur_req = r;
	switch (r->r_hdr.type) {
	case SP_SYSCALL:
		run_syscall(r);
		break;
	case SP_PREFORK:
		run_prefork(r);
		break;
	case SP_HANDSHAKE:
		if (r->r_hdr.word == SP_HS_GUEST)
			run_guest(r);
		else if (r->r_hdr.word == SP_HS_FORK)
			run_fork(r);
		else
			run_exec(r);
		break;
	}
	cur_req = NULL;
	if (atomic_load(&halt_req) == r)
		halt_now(r);
	pthread_mutex_lock(&c->c_lock);
	throttled = !conn_readable_locked(c);
	LIST_REMOVE(r, r_clink);
	c->c_ninflight--;
	c->c_inbytes -= r->r_hdr.len - SP_HDRSIZE;
	/* flow control lifted: input may already be buffered */
	resume = throttled && conn_readable_locked(c);
	if (resume)
		conn_events_locked(c);
	pthread_cond_broadcast(&c->c_cv);
	pthread_mutex_unlock(&c->c_lock);
	if (resume)
		conn_kick(c);
	req_free(r);
	conn_rele(c);
}

/*
 * Calls that never sleep in the kernel: process identity and limits,
 * clocks, sysctl, uname.  The I/O thread runs them itself, which saves
 * waking another thread to lead the loop (two context switches per call
 * on a loaded or single CPU).  Anything that may wait (a lock, a pipe,
 * the vfs lock behind another client's long write) goes to a worker, so
 * one client never holds the loop.
 */
static const char *const quick_names[] = {
	"getpid", "getppid", "getuid", "geteuid", "getgid", "getegid",
	"setuid", "setgid", "seteuid", "setegid", "getgroups", "setgroups",
	"umask", "getrlimit", "setrlimit", "uname", "gettimeofday",
	"clock_gettime", "sysctlbyname", "sysctlnext", "sysctlinfo",
};
static bool quick[SYS_NRMAX];
static pthread_once_t quick_once = PTHREAD_ONCE_INIT;

static void
quick_init(void)
{
	for (size_t i = 0; i < SYS_NRMAX; i++)
		for (size_t j = 0; j < sizeof(quick_names) / sizeof(quick_names[0]); j++)
			if (sysent[i].name != NULL &&
			    strcmp(sysent[i].name, quick_names[j]) == 0)
				quick[i] = true;
}

bool
work_isquick(const struct sreq *r)
{
	pthread_once(&quick_once, quick_init);
	return r->r_hdr.type == SP_SYSCALL && r->r_hdr.word < SYS_NRMAX &&
	    quick[r->r_hdr.word];
}

void
work_run(struct sreq *r)
{
	req_run(r);
}

/*
 * A pool thread: leads the I/O loop when asked (need_leader), else runs
 * queued requests, else idles.  One wakeup may be consumed for either
 * purpose, so a thread that takes work passes the baton on when more is
 * waiting.
 */
static void *
worker_main(void *arg)
{
	struct timespec ts;
	struct sreq *r;
	int err = 0;

	pthread_mutex_lock(&pool_lock);
	for (;;) {
		if (need_leader || (r = TAILQ_FIRST(&queue)) != NULL) {
			bool lead = need_leader;

			if (lead)
				need_leader = false;
			else {
				TAILQ_REMOVE(&queue, r, r_qlink);
				nqueued--;
			}
			if ((need_leader || nqueued > 0) && nidle > 0)
				pthread_cond_signal(&pool_cv);
			pthread_mutex_unlock(&pool_lock);
			if (lead)
				r = io_lead();
			req_run(r);
			pthread_mutex_lock(&pool_lock);
			err = 0;
			continue;
		}
		if (err == ETIMEDOUT && nworkers > SP_WMIN) {
			nworkers--;
			pthread_mutex_unlock(&pool_lock);
			return NULL;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_sec += SP_WIDLE;
		nidle++;
		err = pthread_cond_timedwait(&pool_cv, &pool_lock, &ts);
		nidle--;
	}
}

/* pool_lock held */
static int
spawn_worker(void)
{
	pthread_attr_t a;
	pthread_t t;
	int err;

	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	err = pthread_create(&t, &a, worker_main, NULL);
	pthread_attr_destroy(&a);
	if (err == 0)
		nworkers++;
	return -err;
}

int
work_init(void)
{
	pthread_condattr_t ca;
	int err = 0;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pool_cv, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_lock(&pool_lock);
	need_leader = true;
	while (nworkers < SP_WMIN && err == 0)
		err = spawn_worker();
	pthread_mutex_unlock(&pool_lock);
	return err;
}

bool
work_handoff(void)
{
	bool ok;

	pthread_mutex_lock(&pool_lock);
	ok = nidle > nqueued || (nworkers < SP_WMAX && spawn_worker() == 0);
	if (ok) {
		need_leader = true;
		pthread_cond_signal(&pool_cv);
	}
	pthread_mutex_unlock(&pool_lock);
	return ok;
}

void
work_submit(struct sreq *r)
{
	pthread_mutex_lock(&pool_lock);
	TAILQ_INSERT_TAIL(&queue, r, r_qlink);
	nqueued++;
	/* a failed spawn is not fatal: the running workers drain the queue */
	if (nqueued > nidle && nworkers < SP_WMAX)
		(void)spawn_worker();
	pthread_cond_signal(&pool_cv);
	pthread_mutex_unlock(&pool_lock);
}
