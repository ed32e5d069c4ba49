/*
 * poll.c — poll/ppoll/select/pselect/epoll over host and rump
 * descriptors together (rumphijack(3), DESIGN.md §8).
 *
 * All-host calls (the common case) go to libc after one scan for rump
 * numbers; all-rump poll is one rump ppoll.  A mix needs two kernels to
 * wait at once.  NetBSD's original made a thread and two pipes per call;
 * here each thread that ever waits on a mix gets one helper thread and
 * its wake-up objects (a host eventfd, a pipe in the kernel), created on
 * first use and reused until the thread exits:
 *
 *   caller thread: rump ppoll(rump entries + wake pipe's read end)
 *   helper thread: host ppoll(host entries + eventfd)
 *
 * Whichever returns first wakes the other (helper: a byte into the wake
 * pipe; caller: the eventfd), both are drained and revents merged.  The
 * helper blocks every signal, so signals land in the caller's thread,
 * where librumpclient turns them into a cancelled call and EINTR.  A
 * zero-timeout look at both sides comes first, so "something is already
 * ready" costs no thread hand-off.
 *
 * select/pselect are built on the same machinery; epoll keeps the host
 * epoll instance and a side registry per epoll descriptor for rump
 * descriptors (the host refuses our O_PATH placeholders).  A mixed
 * epoll_wait waits on the registered rump descriptors and, as a host
 * entry, the epoll descriptor itself (it polls readable while events are
 * pending), then collects host events with a zero-timeout epoll_wait.
 * Another thread's epoll_ctl wakes mixed waiters so they look again.
 *
 * Known limits (rumphijack(3) BUGS):
 *  - rump registrations are level-triggered: EPOLLET is accepted and
 *    treated as level-triggered (an ET user that never drains an
 *    always-ready direction, e.g. EPOLLOUT, sees it on every wait);
 *    EPOLLONESHOT works;
 *  - rump registrations belong to the epoll descriptor's number: a dup
 *    of it does not see them, they do not survive exec, and one whose
 *    descriptor was closed is dropped (not kept alive by a dup of it as
 *    Linux keeps the open file);
 *  - an epoll_wait that started with no rump registration is a plain
 *    host wait: a rump descriptor another thread adds meanwhile is seen
 *    from the next call on;
 *  - mixed waits are cancellation points at entry only, and ppoll's
 *    mask is set just before the rump wait, not atomically with it (a
 *    signal landing in between runs its handler without EINTR).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "hijack/hijack.h"

/* glibc's fortified entry points (bits/poll2.h declares them only under
 * _FORTIFY_SOURCE) */
int __poll_chk(struct pollfd *, nfds_t, int, size_t);
int __ppoll_chk(struct pollfd *, nfds_t, const struct timespec *,
    const sigset_t *, size_t);
extern void __chk_fail(void) __attribute__((__noreturn__));

#define OWN_HIGHFD	1000		/* our host descriptors go up here */
#define HELPER_STACK	(256 * 1024)
#define PUMP_NS		10000000L	/* see helper_finish() */
#define PC_KICKED	(-2)		/* pollcore: an epoll registry changed */
#define PC_STACKN	16		/* entries handled without malloc */
#define TS_HUGE		((time_t)1 << 40)	/* "forever" for deadlines */

/* select's readiness classes, as Linux's fs/select.c defines them */
#define SEL_IN	(POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define SEL_OUT	(POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define SEL_EX	(POLLPRI)

/* ---- time ---------------------------------------------------------- */

/* *dl = now + rel on CLOCK_MONOTONIC; false: rel is so long it is
 * forever */
static bool
dl_set(struct timespec *dl, const struct timespec *rel)
{
	if (rel->tv_sec >= TS_HUGE)
		return false;
	clock_gettime(CLOCK_MONOTONIC, dl);
	dl->tv_sec += rel->tv_sec;
	dl->tv_nsec += rel->tv_nsec;
	if (dl->tv_nsec >= 1000000000L) {
		dl->tv_sec++;
		dl->tv_nsec -= 1000000000L;
	}
	return true;
}

/* time left until dl in *left (0 when past); false when past */
static bool
dl_left(const struct timespec *dl, struct timespec *left)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	left->tv_sec = dl->tv_sec - now.tv_sec;
	left->tv_nsec = dl->tv_nsec - now.tv_nsec;
	if (left->tv_nsec < 0) {
		left->tv_sec--;
		left->tv_nsec += 1000000000L;
	}
	if (left->tv_sec < 0 || (left->tv_sec == 0 && left->tv_nsec == 0)) {
		left->tv_sec = left->tv_nsec = 0;
		return false;
	}
	return true;
}

static bool
ts_valid(const struct timespec *ts)
{
	return ts->tv_sec >= 0 && ts->tv_nsec >= 0 &&
	    ts->tv_nsec < 1000000000L;
}

/* ---- our own host descriptors -------------------------------------- */

/* moves a fresh descriptor of ours out of the program's way and makes
 * it invisible to the program */
static int
own_fd(int fd)
{
	int hi;

	if (fd < 0)
		return -1;
	hi = HOST(fcntl)(fd, F_DUPFD_CLOEXEC, OWN_HIGHFD);
	if (hi != -1) {
		HOST(close)(fd);
		fd = hi;
	}
	fd_hostnew(fd);
	fd_ownadd(fd);
	return fd;
}

static void
own_close(int fd)
{
	if (fd >= 0) {
		fd_owndel(fd);
		HOST(close)(fd);
	}
}

/* ---- helper threads ------------------------------------------------ */

enum hstate { H_IDLE, H_RUN, H_DONE, H_EXIT };

struct epwaiter {
	struct epwaiter	*next;
	struct helper	*h;
};

struct helper {
	struct helper	*tnext;		/* this thread's helpers */
	struct helper	*gnext, **gprev;	/* all helpers (all_mtx) */
	pthread_t	 thr;
	int		 efd;		/* host eventfd: wakes the helper */
	int		 rp[2];		/* kernel pipe: wakes the caller */
	bool		 busy;		/* in use (a signal handler nesting
					 * a poll takes another one) */
	int		 kicked;	/* epoll registry changed (atomic) */
	int		 callerdone;	/* rump side returned (atomic) */

	pthread_mutex_t	 mtx;
	pthread_cond_t	 cv;
	enum hstate	 state;
	struct pollfd	*hfds;		/* the job: host ppoll, on a copy
					 * of ours (a handler may longjmp
					 * out of the caller's frame) */
	nfds_t		 hn, hcap;
	struct epwaiter	 epw;		/* on an epoll registry's list */
	struct timespec	 tmo;
	bool		 inf;
	int		 hrv, herr;	/* its result */
	bool		 wrote;		/* a byte went into rp[1] */
};

static __thread struct helper *tl_helpers;
static pthread_key_t helper_key;
static pthread_once_t helper_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t all_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct helper *all_helpers;

/* kernel descriptors of helpers that did not survive a fork: closed the
 * next time this process makes a helper (all_mtx) */
static int *stale_rfds;
static size_t nstale;

static void ep_postfork_child(void);
static void efd_kick(int efd);

static void *
helper_main(void *arg)
{
	struct helper *h = arg;
	struct timespec tmo;
	int rv, e;
	bool wrote;
	char c = 0;

	pthread_mutex_lock(&h->mtx);
	for (;;) {
		while (h->state == H_IDLE || h->state == H_DONE)
			pthread_cond_wait(&h->cv, &h->mtx);
		if (h->state == H_EXIT)
			break;
		tmo = h->tmo;
		pthread_mutex_unlock(&h->mtx);

		rv = HOST(ppoll)(h->hfds, h->hn, h->inf ? NULL : &tmo, NULL);
		e = errno;
		wrote = false;
		if (!__atomic_load_n(&h->callerdone, __ATOMIC_ACQUIRE))
			wrote = rump_sys_write(h->rp[1], &c, 1) == 1;

		pthread_mutex_lock(&h->mtx);
		h->hrv = rv;
		h->herr = e;
		h->wrote = wrote;
		if (h->state == H_RUN)
			h->state = H_DONE;
		pthread_cond_broadcast(&h->cv);
	}
	pthread_mutex_unlock(&h->mtx);
	return NULL;
}

static void
helper_free(struct helper *h)
{
	pthread_mutex_lock(&h->mtx);
	h->state = H_EXIT;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mtx);
	/* still waiting for a caller a signal handler longjmp'ed away from */
	__atomic_store_n(&h->callerdone, 1, __ATOMIC_RELEASE);
	efd_kick(h->efd);
	pthread_join(h->thr, NULL);

	pthread_mutex_lock(&all_mtx);
	if ((*h->gprev = h->gnext) != NULL)
		h->gnext->gprev = h->gprev;
	pthread_mutex_unlock(&all_mtx);

	own_close(h->efd);
	rump_sys_close(h->rp[0]);
	rump_sys_close(h->rp[1]);
	pthread_cond_destroy(&h->cv);
	pthread_mutex_destroy(&h->mtx);
	free(h->hfds);
	free(h);
}

/* thread exit: its helpers go with it */
static void
helper_thread_exit(void *arg)
{
	struct helper *h, *next;

	(void)arg;
	for (h = tl_helpers; h != NULL; h = next) {
		next = h->tnext;
		helper_free(h);
	}
	tl_helpers = NULL;
}

static void
helper_prefork(void)
{
	pthread_mutex_lock(&all_mtx);
}

static void
helper_postfork_parent(void)
{
	pthread_mutex_unlock(&all_mtx);
}

/* the child has none of the helper threads: forget them all; their
 * kernel pipes are copies in the child's kernel process, closed later
 * (no rump call is safe before the client's own fork handling) */
static void
helper_postfork_child(void)
{
	struct helper *h, *next;
	int *ns;

	for (h = all_helpers; h != NULL; h = next) {
		next = h->gnext;
		own_close(h->efd);
		ns = realloc(stale_rfds, (nstale + 2) * sizeof(int));
		if (ns != NULL) {
			stale_rfds = ns;
			stale_rfds[nstale++] = h->rp[0];
			stale_rfds[nstale++] = h->rp[1];
		}
		free(h->hfds);
		free(h);
	}
	all_helpers = NULL;
	tl_helpers = NULL;
	pthread_setspecific(helper_key, NULL);
	pthread_mutex_init(&all_mtx, NULL);
	ep_postfork_child();
}

static void
helper_once_init(void)
{
	pthread_key_create(&helper_key, helper_thread_exit);
	pthread_atfork(helper_prefork, helper_postfork_parent,
	    helper_postfork_child);
}

static struct helper *
helper_new(void)
{
	struct helper *h;
	pthread_attr_t attr;
	pthread_condattr_t cattr;
	sigset_t all, old;
	int rc, e, *stale;
	size_t n;

	pthread_once(&helper_once, helper_once_init);

	pthread_mutex_lock(&all_mtx);
	stale = stale_rfds;
	n = nstale;
	stale_rfds = NULL;
	nstale = 0;
	pthread_mutex_unlock(&all_mtx);
	for (size_t i = 0; i < n; i++)
		rump_sys_close(stale[i]);
	free(stale);

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->efd = own_fd(HOST(eventfd)(0, EFD_CLOEXEC | EFD_NONBLOCK));
	if (h->efd == -1) {
		e = errno;
		free(h);
		seterr(e);
		return NULL;
	}
	if (rump_sys_pipe2(h->rp, O_CLOEXEC | O_NONBLOCK) == -1) {
		e = errno;
		own_close(h->efd);
		free(h);
		seterr(e);
		return NULL;
	}
	pthread_mutex_init(&h->mtx, NULL);
	pthread_condattr_init(&cattr);
	pthread_condattr_setclock(&cattr, CLOCK_MONOTONIC);
	pthread_cond_init(&h->cv, &cattr);
	pthread_condattr_destroy(&cattr);
	h->state = H_IDLE;

	/* born with every signal blocked: signals are the caller's */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, HELPER_STACK);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&h->thr, &attr, helper_main, h);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		own_close(h->efd);
		rump_sys_close(h->rp[0]);
		rump_sys_close(h->rp[1]);
		pthread_cond_destroy(&h->cv);
		pthread_mutex_destroy(&h->mtx);
		free(h);
		seterr(rc);
		return NULL;
	}

	pthread_mutex_lock(&all_mtx);
	if ((h->gnext = all_helpers) != NULL)
		all_helpers->gprev = &h->gnext;
	all_helpers = h;
	h->gprev = &all_helpers;
	pthread_mutex_unlock(&all_mtx);

	h->tnext = tl_helpers;
	tl_helpers = h;
	pthread_setspecific(helper_key, h);
	return h;
}

/* one of this thread's idle helpers, made on first use */
static struct helper *
helper_get(void)
{
	struct helper *h;

	for (h = tl_helpers; h != NULL; h = h->tnext) {
		if (!__atomic_load_n(&h->busy, __ATOMIC_RELAXED))
			break;
	}
	if (h == NULL && (h = helper_new()) == NULL)
		return NULL;
	__atomic_store_n(&h->busy, true, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	return h;
}

static void
helper_put(struct helper *h)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&h->busy, false, __ATOMIC_RELAXED);
}

static int
helper_start(struct helper *h, const struct pollfd *hfds, nfds_t hn,
    const struct timespec *tmo)
{
	struct pollfd *nb;

	if (hn > h->hcap) {
		if ((nb = realloc(h->hfds, hn * sizeof(*nb))) == NULL)
			return seterr(ENOMEM);
		h->hfds = nb;
		h->hcap = hn;
	}
	memcpy(h->hfds, hfds, hn * sizeof(*hfds));
	pthread_mutex_lock(&h->mtx);
	h->hn = hn;
	h->inf = tmo == NULL;
	if (tmo != NULL)
		h->tmo = *tmo;
	__atomic_store_n(&h->callerdone, 0, __ATOMIC_RELEASE);
	h->state = H_RUN;
	pthread_cond_broadcast(&h->cv);
	pthread_mutex_unlock(&h->mtx);
	return 0;
}

static void
efd_kick(int efd)
{
	uint64_t one = 1;

	if (HOST(write)(efd, &one, sizeof(one)) == -1)
		return;		/* EAGAIN: the counter is full, so awake */
}

static void
efd_drain(int efd)
{
	uint64_t v;

	if (HOST(read)(efd, &v, sizeof(v)) == -1)
		return;		/* EAGAIN: nothing to drain */
}

/* the rump side is done: stop the helper, wait for it, drain what the
 * two sides wrote each other; the helper's ppoll result in hfds' revents,
 * *hrv and *herr */
static void
helper_finish(struct helper *h, struct pollfd *hfds, int *hrv, int *herr)
{
	bool kicked = false, wrote;
	char buf[64];

	__atomic_store_n(&h->callerdone, 1, __ATOMIC_RELEASE);
	pthread_mutex_lock(&h->mtx);
	if (h->state == H_RUN) {
		pthread_mutex_unlock(&h->mtx);
		efd_kick(h->efd);
		kicked = true;
		pthread_mutex_lock(&h->mtx);
	}
	while (h->state == H_RUN) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		if ((ts.tv_nsec += PUMP_NS) >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&h->cv, &h->mtx, &ts) != ETIMEDOUT ||
		    h->state != H_RUN)
			continue;
		/*
		 * The helper may sit in its rump write with nobody reading
		 * the reply: when a signal handler runs this poll, the frame
		 * it interrupted may hold the client's reading role, and only
		 * a call of this thread's own reads on that frame's behalf.
		 */
		pthread_mutex_unlock(&h->mtx);
		(void)rump_sys_getpid();
		pthread_mutex_lock(&h->mtx);
	}
	h->state = H_IDLE;
	*hrv = h->hrv;
	*herr = h->herr;
	wrote = h->wrote;
	pthread_mutex_unlock(&h->mtx);

	for (nfds_t i = 0; i < h->hn; i++)
		hfds[i].revents = h->hfds[i].revents;
	if (kicked || (h->hfds[h->hn - 1].revents & POLLIN))
		efd_drain(h->efd);
	if (wrote && rump_sys_read(h->rp[0], buf, sizeof(buf)) == -1)
		return;		/* nothing there: a reader raced us */
}

/* the wake pipe was closed behind our back: make a new one */
static int
helper_repipe(struct helper *h)
{
	int rp[2];

	if (rump_sys_pipe2(rp, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	rump_sys_close(h->rp[0]);
	rump_sys_close(h->rp[1]);
	h->rp[0] = rp[0];
	h->rp[1] = rp[1];
	return 0;
}

/* our eventfd's number reported POLLNVAL: someone closed it behind our
 * back (the number may be the program's now, so it is not ours to
 * close); take a new one */
static int
helper_reefd(struct helper *h)
{
	int fd = own_fd(HOST(eventfd)(0, EFD_CLOEXEC | EFD_NONBLOCK));

	if (fd == -1)
		return -1;
	fd_owndel(h->efd);
	h->efd = fd;
	return 0;
}

/* ---- signals around the rump wait ---------------------------------- */

/* a pending signal, blocked now, that sigmask lets in and that has a
 * handler: Linux's ppoll would return EINTR at once */
static bool
sig_interrupts(const sigset_t *sigmask)
{
	struct sigaction sa;
	sigset_t pend;

	if (sigpending(&pend) == -1)
		return false;
	for (int s = 1; s < NSIG; s++) {
		if (sigismember(&pend, s) != 1 || sigismember(sigmask, s) == 1)
			continue;
		if (sigaction(s, NULL, &sa) == 0 && sa.sa_handler != SIG_DFL &&
		    sa.sa_handler != SIG_IGN)
			return true;
	}
	return false;
}

/*
 * rump ppoll in this thread with ppoll's signal mask semantics as far
 * as the client allows: librumpclient waits with the mask it finds at
 * entry, so that is sigmask while it runs.  A signal sigmask lets in that
 * is already pending gives EINTR without waiting.  (One that arrives
 * between our check and the client's entry runs its handler without
 * interrupting the wait, the race ppoll exists to close; the client has
 * no way to take a wait mask.)
 */
static int
rump_wait(struct pollfd *p, nfds_t n, const struct timespec *tmo,
    const sigset_t *sigmask)
{
	sigset_t all, old;
	int rv, e;

	if (sigmask == NULL)
		return rump_sys_ppoll(p, n, tmo, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (sig_interrupts(sigmask)) {
		pthread_sigmask(SIG_SETMASK, sigmask, NULL);	/* runs it */
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return seterr(EINTR);
	}
	pthread_sigmask(SIG_SETMASK, sigmask, NULL);
	rv = rump_sys_ppoll(p, n, tmo, NULL);
	e = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rv == -1)
		seterr(e);
	return rv;
}

/* ---- cancellation --------------------------------------------------- */

/*
 * The waits are cancellation points at entry only: once a wait over both
 * kernels runs, our locks, the helper hand-off and the epoll waiter list
 * must not be abandoned halfway (the rump wait is no cancellation point
 * anyway).  A cancel request that arrives during the wait acts at the
 * thread's next cancellation point.
 */
static int
cancel_off(void)
{
	int old;

	pthread_testcancel();
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	return old;
}

static int
cancel_restore(int old, int rv)
{
	int e = *__errno_location();

	pthread_setcancelstate(old, NULL);
	*__errno_location() = e;
	return rv;
}

/* ---- the core: poll over both kernels ------------------------------- */

struct split {
	struct pollfd	*h, *r;		/* host, rump entries; +1 slot each */
	nfds_t		*hix, *rix;	/* their index in the caller's array */
	nfds_t		 nh, nr;
	int		 nval;		/* answered POLLNVAL here */
	void		*mem;
};

static int
split_init(struct split *s, struct pollfd *fds, nfds_t nfds, void *stk,
    size_t stksize)
{
	size_t need = 2 * (nfds + 1) * sizeof(struct pollfd) +
	    2 * (nfds + 1) * sizeof(nfds_t);
	char *m;
	int r;

	s->mem = NULL;
	if (need <= stksize)
		m = stk;
	else if ((m = s->mem = malloc(need)) == NULL)
		return seterr(ENOMEM);
	s->h = (struct pollfd *)m;
	s->r = s->h + nfds + 1;
	s->hix = (nfds_t *)(s->r + nfds + 1);
	s->rix = s->hix + nfds + 1;
	s->nh = s->nr = 0;
	s->nval = 0;
	for (nfds_t i = 0; i < nfds; i++) {
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		if ((r = fd_torump(fds[i].fd)) >= 0) {
			s->r[s->nr] = (struct pollfd){ r, fds[i].events, 0 };
			s->rix[s->nr++] = i;
		} else if (fd_isown(fds[i].fd)) {
			fds[i].revents = POLLNVAL;
			s->nval++;
		} else {
			s->h[s->nh] = (struct pollfd){ fds[i].fd, fds[i].events, 0 };
			s->hix[s->nh++] = i;
		}
	}
	return 0;
}

/* copies revents of the sides that succeeded back; the ready count */
static int
split_merge(struct split *s, struct pollfd *fds, nfds_t nfds, bool hok,
    bool rok)
{
	int n = 0;

	for (nfds_t i = 0; hok && i < s->nh; i++)
		fds[s->hix[i]].revents = s->h[i].revents;
	for (nfds_t i = 0; rok && i < s->nr; i++)
		fds[s->rix[i]].revents = s->r[i].revents;
	for (nfds_t i = 0; i < nfds; i++)
		if (fds[i].revents != 0)
			n++;
	return n;
}

/*
 * poll(2) over any mix: the count of entries with revents, 0 on
 * timeout, -1 and errno.  deadline: absolute CLOCK_MONOTONIC, NULL for
 * none.  kh: the caller's helper when it wants PC_KICKED back as soon as
 * efd_kick() wakes it (epoll), else NULL.
 */
static int
pollcore(struct pollfd *fds, nfds_t nfds, const struct timespec *deadline,
    const sigset_t *sigmask, struct helper *kh)
{
	static const struct timespec zero;
	_Alignas(max_align_t) char
	    stk[PC_STACKN * 2 * (sizeof(struct pollfd) + sizeof(nfds_t))];
	struct timespec left, *tmo;
	struct split s;
	struct helper *h = NULL;
	int rr, hr, re = 0, he = 0, rv;

	if (split_init(&s, fds, nfds, stk, sizeof(stk)) == -1)
		return -1;

	/* one kernel only (or our own POLLNVALs): wait right here */
	if ((s.nr == 0 || s.nh == 0) && (kh == NULL || s.nr > 0)) {
		if (s.nval > 0 || (deadline != NULL && !dl_left(deadline, &left)))
			tmo = (struct timespec *)&zero;
		else
			tmo = deadline == NULL ? NULL : &left;
		if (s.nr > 0) {
			rr = rump_wait(s.r, s.nr, tmo, sigmask);
			rv = rr < 0 ? -1 : split_merge(&s, fds, nfds, false, true);
		} else if (s.nh > 0 || s.nval == 0) {
			hr = HOST(ppoll)(s.nh > 0 ? s.h : NULL, s.nh, tmo, sigmask);
			rv = hr < 0 ? -1 : split_merge(&s, fds, nfds, true, false);
		} else
			rv = s.nval;
		goto out;
	}

	/* a look at both without waiting */
	if (s.nr > 0 && (rr = rump_sys_ppoll(s.r, s.nr, &zero, NULL)) == -1) {
		rv = -1;
		goto out;
	}
	if (s.nh > 0 && (hr = HOST(ppoll)(s.h, s.nh, &zero, NULL)) == -1) {
		rv = -1;
		goto out;
	}
	rv = split_merge(&s, fds, nfds, true, true);
	if (rv > 0 || (deadline != NULL && !dl_left(deadline, &left)))
		goto out;

	/* epoll with no rump entry left: the host side and the kick */
	if (s.nr == 0) {
		s.h[s.nh] = (struct pollfd){ kh->efd, POLLIN, 0 };
		for (;;) {
			tmo = NULL;
			if (deadline != NULL) {
				if (!dl_left(deadline, &left)) {
					rv = 0;
					break;
				}
				tmo = &left;
			}
			hr = HOST(ppoll)(s.h, s.nh + 1, tmo, sigmask);
			if (hr == -1) {
				rv = -1;
				break;
			}
			if (s.h[s.nh].revents != 0) {
				hr--;
				if ((s.h[s.nh].revents & POLLNVAL) &&
				    helper_reefd(kh) == -1) {
					rv = -1;
					break;
				}
				efd_drain(kh->efd);
				s.h[s.nh].fd = kh->efd;
			}
			if (hr > 0) {
				rv = split_merge(&s, fds, nfds, true, false);
				break;
			}
			if (__atomic_exchange_n(&kh->kicked, 0, __ATOMIC_ACQ_REL)) {
				rv = PC_KICKED;
				break;
			}
		}
		goto out;
	}

	if ((h = kh) == NULL && (h = helper_get()) == NULL) {
		rv = -1;
		goto out;
	}
	for (;;) {
		tmo = NULL;
		if (deadline != NULL) {
			if (!dl_left(deadline, &left)) {
				rv = 0;
				break;
			}
			tmo = &left;
		}
		s.h[s.nh] = (struct pollfd){ h->efd, POLLIN, 0 };
		s.r[s.nr] = (struct pollfd){ h->rp[0], POLLIN, 0 };
		if (helper_start(h, s.h, s.nh + 1, tmo) == -1) {
			rv = -1;
			break;
		}
		rr = rump_wait(s.r, s.nr + 1, tmo, sigmask);
		re = errno;
		helper_finish(h, s.h, &hr, &he);

		if (rr > 0 && s.r[s.nr].revents != 0) {
			rr--;
			if ((s.r[s.nr].revents & POLLNVAL) && helper_repipe(h) == -1) {
				rv = -1;
				break;
			}
		}
		if (hr > 0 && s.h[s.nh].revents != 0) {
			hr--;
			if ((s.h[s.nh].revents & POLLNVAL) &&
			    helper_reefd(h) == -1) {
				rv = -1;
				break;
			}
		}
		if (rr > 0 || hr > 0) {
			/* a failed side reports nothing */
			if (rr < 0)
				for (nfds_t i = 0; i < s.nr; i++)
					s.r[i].revents = 0;
			if (hr < 0)
				for (nfds_t i = 0; i < s.nh; i++)
					s.h[i].revents = 0;
			rv = split_merge(&s, fds, nfds, true, true);
			break;
		}
		if (hr < 0 || rr < 0) {
			rv = seterr(hr < 0 ? he : re);
			break;
		}
		if (kh != NULL &&
		    __atomic_exchange_n(&kh->kicked, 0, __ATOMIC_ACQ_REL)) {
			rv = PC_KICKED;
			break;
		}
	}
	if (kh == NULL)
		helper_put(h);
out:
	if (s.mem != NULL) {
		int e = errno;

		free(s.mem);
		if (rv == -1)
			seterr(e);
	}
	return rv;
}

/* ---- poll, ppoll ----------------------------------------------------- */

/*
 * Not const: glibc declares poll's and ppoll's array write-only (an
 * access attribute) though the calls read fd and events, and GCC warns
 * when a write-only argument goes to a const (read) parameter.
 */
static inline bool
any_rump(struct pollfd *fds, nfds_t nfds)
{
	if (fds == NULL)
		return false;
	for (nfds_t i = 0; i < nfds; i++)
		if (__builtin_expect(fd_torump(fds[i].fd) >= 0, 0))
			return true;
	return false;
}

/* Linux's EINVAL for more entries than RLIMIT_NOFILE */
static bool
nfds_ok(nfds_t nfds)
{
	struct rlimit rl;

	if (nfds <= 64 || getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return true;
	return rl.rlim_cur == RLIM_INFINITY || nfds <= rl.rlim_cur;
}

static int
ppoll_slow(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo,
    const sigset_t *sigmask)
{
	struct timespec dl;
	bool timed;
	int cs;

	if (!nfds_ok(nfds))
		return seterr(EINVAL);
	timed = tmo != NULL && dl_set(&dl, tmo);
	cs = cancel_off();
	return cancel_restore(cs,
	    pollcore(fds, nfds, timed ? &dl : NULL, sigmask, NULL));
}

HIJACK_EXPORT int
poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct timespec ts;

	if (__builtin_expect(!any_rump(fds, nfds), 1))
		return HOST(poll)(fds, nfds, timeout);
	ts.tv_sec = timeout / 1000;
	ts.tv_nsec = (long)(timeout % 1000) * 1000000L;
	return ppoll_slow(fds, nfds, timeout < 0 ? NULL : &ts, NULL);
}

HIJACK_EXPORT int
__poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < nfds)
		__chk_fail();
	return poll(fds, nfds, timeout);
}

HIJACK_EXPORT int
ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo,
    const sigset_t *sigmask)
{
	if (__builtin_expect(!any_rump(fds, nfds), 1))
		return HOST(ppoll)(fds, nfds, tmo, sigmask);
	if (tmo != NULL && !ts_valid(tmo))
		return seterr(EINVAL);
	return ppoll_slow(fds, nfds, tmo, sigmask);
}

HIJACK_EXPORT int
__ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo,
    const sigset_t *sigmask, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < nfds)
		__chk_fail();
	return ppoll(fds, nfds, tmo, sigmask);
}

/* ---- select, pselect ------------------------------------------------- */

#define SEL_WBITS	(8 * (int)sizeof(unsigned long))

static inline unsigned long *
sel_words(fd_set *s)
{
	return s == NULL ? NULL : (unsigned long *)(void *)__FDS_BITS(s);
}

static inline bool
sel_isset(const unsigned long *w, int fd)
{
	return w != NULL && (w[fd / SEL_WBITS] >> (fd % SEL_WBITS)) & 1;
}

/*
 * Whether any set bit below nfds is a rump descriptor.  Only as far as
 * the table has chunks: programs pass nfds far beyond their fd_set
 * (getdtablesize()), which Linux trims to its descriptor table, so we
 * must not read bits no rump descriptor can have.
 */
static bool
sel_anyrump(int nfds, fd_set *rs, fd_set *ws, fd_set *es)
{
	unsigned long *r = sel_words(rs), *w = sel_words(ws), *e = sel_words(es);
	int nw, lim = 0;

	for (unsigned ci = 0; ci <= (unsigned)(nfds - 1) >> FDTAB_SHIFT &&
	    ci < FDTAB_NCHUNK; ci++)
		if (fdtab_chunk[ci] != NULL)
			lim = (int)(ci + 1) << FDTAB_SHIFT;
	if (nfds > lim)
		nfds = lim;
	nw = (nfds + SEL_WBITS - 1) / SEL_WBITS;

	for (int i = 0; i < nw; i++) {
		unsigned long m = (r != NULL ? r[i] : 0) |
		    (w != NULL ? w[i] : 0) | (e != NULL ? e[i] : 0);

		if (i == nw - 1 && nfds % SEL_WBITS != 0)
			m &= (1UL << (nfds % SEL_WBITS)) - 1;
		while (m != 0) {
			if (fd_isrump(i * SEL_WBITS + __builtin_ctzl(m)))
				return true;
			m &= m - 1;
		}
	}
	return false;
}

/*
 * select over a mix, as Linux: EBADF (sets untouched) for a bit on a
 * closed number; otherwise the sets hold the ready bits and the result
 * counts bits.  *left (when not NULL) gets the time that remained.
 */
static int
sel_slow(int nfds, fd_set *rs, fd_set *ws, fd_set *es,
    const struct timespec *tmo, const sigset_t *sigmask,
    struct timespec *left)
{
	unsigned long *r = sel_words(rs), *w = sel_words(ws), *e = sel_words(es);
	struct pollfd stkp[PC_STACKN], *p = stkp;
	int stkf[PC_STACKN], *fdno = stkf;
	struct timespec dl;
	bool timed;
	int n = 0, rv, bits, err;

	timed = tmo != NULL && dl_set(&dl, tmo);
	for (int fd = 0; fd < nfds; fd++)
		if (sel_isset(r, fd) || sel_isset(w, fd) || sel_isset(e, fd))
			n++;
	if (n > PC_STACKN) {
		p = malloc((size_t)n * sizeof(*p));
		fdno = malloc((size_t)n * sizeof(*fdno));
		if (p == NULL || fdno == NULL) {
			rv = seterr(ENOMEM);
			goto out;
		}
	}
	n = 0;
	for (int fd = 0; fd < nfds; fd++) {
		short ev = 0;

		if (sel_isset(r, fd))
			ev |= POLLIN | POLLRDNORM | POLLRDBAND;
		if (sel_isset(w, fd))
			ev |= POLLOUT | POLLWRNORM | POLLWRBAND;
		if (sel_isset(e, fd))
			ev |= POLLPRI;
		if (ev != 0) {
			p[n] = (struct pollfd){ fd, ev, 0 };
			fdno[n++] = fd;
		}
	}

	for (;;) {
		rv = pollcore(p, (nfds_t)n, timed ? &dl : NULL, sigmask, NULL);
		if (rv < 0)
			goto out;
		bits = 0;
		for (int i = 0; i < n; i++) {
			int fd = fdno[i];
			short re = p[i].revents;

			if (re & POLLNVAL) {
				rv = seterr(EBADF);
				goto out;
			}
			bits += ((re & SEL_IN) && sel_isset(r, fd)) +
			    ((re & SEL_OUT) && sel_isset(w, fd)) +
			    ((re & SEL_EX) && sel_isset(e, fd));
		}
		if (bits > 0 || rv == 0)
			break;
		/* ready only in ways select does not report (a hangup on a
		 * descriptor only in exceptfds): Linux keeps waiting */
		for (int i = 0; i < n; i++)
			if (p[i].revents != 0)
				p[i].fd = -1;
	}

	for (int i = 0, nw = (nfds + SEL_WBITS - 1) / SEL_WBITS; i < nw; i++) {
		if (r != NULL)
			r[i] = 0;
		if (w != NULL)
			w[i] = 0;
		if (e != NULL)
			e[i] = 0;
	}
	for (int i = 0; i < n; i++) {
		int fd = fdno[i];
		short re = p[i].revents;
		unsigned long bit = 1UL << (fd % SEL_WBITS);

		if (re & SEL_IN && (p[i].events & POLLIN))
			r[fd / SEL_WBITS] |= bit;
		if (re & SEL_OUT && (p[i].events & POLLOUT))
			w[fd / SEL_WBITS] |= bit;
		if (re & SEL_EX && (p[i].events & POLLPRI))
			e[fd / SEL_WBITS] |= bit;
	}
	rv = bits;
out:
	err = errno;
	if (left != NULL && timed)
		dl_left(&dl, left);
	if (p != stkp)
		free(p);
	if (fdno != stkf)
		free(fdno);
	if (rv == -1)
		seterr(err);
	return rv;
}

HIJACK_EXPORT int
select(int nfds, fd_set *rs, fd_set *ws, fd_set *es, struct timeval *tv)
{
	struct timespec ts, left;
	int rv, cs;

	if (__builtin_expect(nfds <= 0 || !sel_anyrump(nfds, rs, ws, es), 1))
		return HOST(select)(nfds, rs, ws, es, tv);
	if (tv != NULL) {
		if (tv->tv_sec < 0 || tv->tv_usec < 0)
			return seterr(EINVAL);
		ts.tv_sec = tv->tv_sec + tv->tv_usec / 1000000;
		ts.tv_nsec = (tv->tv_usec % 1000000) * 1000L;
	}
	left.tv_sec = -1;
	cs = cancel_off();
	rv = cancel_restore(cs,
	    sel_slow(nfds, rs, ws, es, tv != NULL ? &ts : NULL, NULL, &left));
	/* Linux leaves the time that remained (not for a zero timeout) */
	if (tv != NULL && left.tv_sec >= 0 &&
	    (ts.tv_sec != 0 || ts.tv_nsec != 0)) {
		tv->tv_sec = left.tv_sec;
		tv->tv_usec = left.tv_nsec / 1000;
	}
	return rv;
}

HIJACK_EXPORT int
pselect(int nfds, fd_set *rs, fd_set *ws, fd_set *es,
    const struct timespec *tmo, const sigset_t *sigmask)
{
	int cs;

	if (__builtin_expect(nfds <= 0 || !sel_anyrump(nfds, rs, ws, es), 1))
		return HOST(pselect)(nfds, rs, ws, es, tmo, sigmask);
	if (tmo != NULL && !ts_valid(tmo))
		return seterr(EINVAL);
	cs = cancel_off();
	return cancel_restore(cs, sel_slow(nfds, rs, ws, es, tmo, sigmask,
	    NULL));
}

/* ---- epoll ------------------------------------------------------------ */

/* the poll(2) bits epoll shares with it (the same values) */
#define EP_POLLBITS	0xffffu

struct epent {
	int		 fd;		/* the program's number */
	int		 rfd;		/* the kernel's, when registered */
	uint32_t	 events;
	epoll_data_t	 data;
	bool		 off;		/* EPOLLONESHOT fired: until MOD */
};

/* rump registrations of one epoll descriptor; never freed (reset
 * instead) so that lock-free lookups stay safe */
struct epreg {
	pthread_mutex_t	 mtx;
	struct epent	*ent;
	unsigned	 n, cap;	/* n read without the lock */
	struct epwaiter	*waiters;	/* threads in a mixed epoll_wait */
	unsigned	 rot;		/* fairness among rump entries */
	bool		 rumpfirst;
};

static struct epreg **eptab[FDTAB_NCHUNK];	/* __atomic_* access */
static pthread_mutex_t eptab_mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t probe_mtx = PTHREAD_MUTEX_INITIALIZER;

/* the child's only thread is the one that forked: nobody waits, and no
 * lock another thread held at the fork is held any more */
static void
ep_postfork_child(void)
{
	pthread_mutex_init(&eptab_mtx, NULL);
	pthread_mutex_init(&probe_mtx, NULL);
	for (unsigned ci = 0; ci < FDTAB_NCHUNK; ci++) {
		struct epreg **c = eptab[ci];

		for (unsigned j = 0; c != NULL && j < FDTAB_CHUNK; j++) {
			struct epreg *r = c[j];

			if (r != NULL) {
				pthread_mutex_init(&r->mtx, NULL);
				r->waiters = NULL;
			}
		}
	}
}

static struct epreg *
ep_lookup(int epfd)
{
	struct epreg **c;

	if ((unsigned)epfd >= FDTAB_CHUNK * FDTAB_NCHUNK)
		return NULL;
	c = __atomic_load_n(&eptab[(unsigned)epfd >> FDTAB_SHIFT],
	    __ATOMIC_ACQUIRE);
	if (__builtin_expect(c == NULL, 1))
		return NULL;
	return __atomic_load_n(&c[epfd & (FDTAB_CHUNK - 1)], __ATOMIC_ACQUIRE);
}

static struct epreg *
ep_create(int epfd)
{
	struct epreg **c, *r;
	unsigned ci = (unsigned)epfd >> FDTAB_SHIFT;

	if ((r = ep_lookup(epfd)) != NULL)
		return r;
	if ((unsigned)epfd >= FDTAB_CHUNK * FDTAB_NCHUNK)
		return NULL;
	pthread_once(&helper_once, helper_once_init);
	pthread_mutex_lock(&eptab_mtx);
	c = __atomic_load_n(&eptab[ci], __ATOMIC_ACQUIRE);
	if (c == NULL) {
		if ((c = calloc(FDTAB_CHUNK, sizeof(*c))) == NULL)
			goto out;
		__atomic_store_n(&eptab[ci], c, __ATOMIC_RELEASE);
	}
	r = __atomic_load_n(&c[epfd & (FDTAB_CHUNK - 1)], __ATOMIC_ACQUIRE);
	if (r == NULL && (r = calloc(1, sizeof(*r))) != NULL) {
		pthread_mutex_init(&r->mtx, NULL);
		__atomic_store_n(&c[epfd & (FDTAB_CHUNK - 1)], r,
		    __ATOMIC_RELEASE);
	}
out:
	pthread_mutex_unlock(&eptab_mtx);
	return r;
}

/* wakes the threads waiting on reg so they look at it again (reg->mtx) */
static void
ep_kick(struct epreg *reg)
{
	for (struct epwaiter *w = reg->waiters; w != NULL; w = w->next) {
		__atomic_store_n(&w->h->kicked, 1, __ATOMIC_RELEASE);
		efd_kick(w->h->efd);
	}
}

static void
ep_remove(struct epreg *reg, unsigned i)
{
	reg->ent[i] = reg->ent[reg->n - 1];
	__atomic_store_n(&reg->n, reg->n - 1, __ATOMIC_RELEASE);
}

/* the epoll descriptor number was handed out anew */
static void
ep_reset(int epfd)
{
	struct epreg *reg = ep_lookup(epfd);

	if (reg == NULL)
		return;
	pthread_mutex_lock(&reg->mtx);
	__atomic_store_n(&reg->n, 0, __ATOMIC_RELEASE);
	ep_kick(reg);
	pthread_mutex_unlock(&reg->mtx);
}

/* a host descriptor of ours never registered anywhere, to ask the host
 * whether a number is an epoll instance */
static int probe_fd = -1;

/* 0 if epfd is a host epoll instance, else Linux's errno for it */
static int
ep_check(int epfd)
{
	struct epoll_event d = { 0 };
	int p;

	if (fd_isrump(epfd))
		return EINVAL;
	if (fd_isown(epfd))
		return EBADF;
	if ((p = __atomic_load_n(&probe_fd, __ATOMIC_ACQUIRE)) == -1) {
		pthread_mutex_lock(&probe_mtx);
		if ((p = probe_fd) == -1) {
			p = own_fd(HOST(eventfd)(0, EFD_CLOEXEC));
			__atomic_store_n(&probe_fd, p, __ATOMIC_RELEASE);
		}
		pthread_mutex_unlock(&probe_mtx);
		if (p == -1)
			return 0;		/* cannot tell: let it be */
	}
	if (HOST(epoll_ctl)(epfd, EPOLL_CTL_DEL, p, &d) == 0 || errno == ENOENT)
		return 0;
	return errno;
}

/* a new epoll instance from the host (or -1): its number starts clean */
static int
ep_new(int hostfd)
{
	int fd = fd_hostnew(hostfd);

	if (fd >= 0)
		ep_reset(fd);
	return fd;
}

HIJACK_EXPORT int
epoll_create(int size)
{
	return ep_new(HOST(epoll_create)(size));
}

HIJACK_EXPORT int
epoll_create1(int flags)
{
	return ep_new(HOST(epoll_create1)(flags));
}

static int
ep_ctl_rump(int epfd, int op, int fd, int rfd, struct epoll_event *ev)
{
	struct epreg *reg;
	struct stat st;
	unsigned i;
	bool known;
	int e, fl;

	if ((op == EPOLL_CTL_ADD || op == EPOLL_CTL_MOD) && ev == NULL)
		return seterr(EFAULT);
	if ((e = ep_check(epfd)) != 0)
		return seterr(e);
	if ((reg = ep_create(epfd)) == NULL)
		return seterr(ENOMEM);
	/*
	 * As Linux: O_PATH is no file for epoll, and regular files and
	 * directories cannot be polled.  Two kernel calls, so only when
	 * the descriptor is not registered already (event loops MOD often).
	 */
	known = false;
	pthread_mutex_lock(&reg->mtx);
	for (i = 0; i < reg->n && !known; i++)
		known = reg->ent[i].fd == fd && reg->ent[i].rfd == rfd;
	pthread_mutex_unlock(&reg->mtx);
	if (!known || op == EPOLL_CTL_ADD) {
		if ((fl = rump_sys_fcntl(rfd, F_GETFL)) == -1)
			return -1;
		if (fl & O_PATH)
			return seterr(EBADF);
		if (rump_sys_fstat(rfd, &st) == -1)
			return -1;
		if (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode))
			return seterr(EPERM);
	}
	if (op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD && op != EPOLL_CTL_DEL)
		return seterr(EINVAL);
	if (op == EPOLL_CTL_MOD && (ev->events & EPOLLEXCLUSIVE))
		return seterr(EINVAL);

	pthread_mutex_lock(&reg->mtx);
	for (i = 0; i < reg->n; ) {
		/* a registration whose descriptor was closed is gone (Linux
		 * drops it when the file closes) */
		if (fd_torump(reg->ent[i].fd) != reg->ent[i].rfd)
			ep_remove(reg, i);
		else
			i++;
	}
	for (i = 0; i < reg->n; i++)
		if (reg->ent[i].fd == fd)
			break;
	e = 0;
	switch (op) {
	case EPOLL_CTL_ADD:
		if (i < reg->n) {
			e = EEXIST;
			break;
		}
		if (reg->n == reg->cap) {
			unsigned nc = reg->cap == 0 ? 8 : reg->cap * 2;
			struct epent *ne = realloc(reg->ent, nc * sizeof(*ne));

			if (ne == NULL) {
				e = ENOMEM;
				break;
			}
			reg->ent = ne;
			reg->cap = nc;
		}
		reg->ent[reg->n] = (struct epent){ fd, rfd, ev->events,
		    ev->data, false };
		__atomic_store_n(&reg->n, reg->n + 1, __ATOMIC_RELEASE);
		break;
	case EPOLL_CTL_MOD:
		if (i == reg->n) {
			e = ENOENT;
			break;
		}
		reg->ent[i].events = ev->events;
		reg->ent[i].data = ev->data;
		reg->ent[i].off = false;
		break;
	case EPOLL_CTL_DEL:
		if (i == reg->n) {
			e = ENOENT;
			break;
		}
		ep_remove(reg, i);
		break;
	}
	if (e == 0)
		ep_kick(reg);
	pthread_mutex_unlock(&reg->mtx);
	return e == 0 ? 0 : seterr(e);
}

HIJACK_EXPORT int
epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	int rfd = fd_torump(fd);

	if (__builtin_expect(rfd >= 0, 0))
		return ep_ctl_rump(epfd, op, fd, rfd, ev);
	if (fd_isown(fd) || fd_isown(epfd))
		return seterr(EBADF);
	if (__builtin_expect(fd_isrump(epfd), 0)) {
		/* a rump descriptor is no epoll instance */
		if (HOST(fcntl)(fd, F_GETFD) == -1)
			return seterr(EBADF);
		return seterr(EINVAL);
	}
	return HOST(epoll_ctl)(epfd, op, fd, ev);
}

struct epsnap {
	int	 fd, rfd;
};

/*
 * Moves up to cap rump events into evs[*k...] from the snapshot's
 * revents, starting at the rotation point; consumed entries get revents
 * 0.  reg->mtx held.
 */
static void
ep_take(struct epreg *reg, struct pollfd *p, const struct epsnap *sn,
    unsigned n, struct epoll_event *evs, int *k, int cap)
{
	for (unsigned j = 0; j < n && *k < cap; j++) {
		unsigned x = (reg->rot + j) % n, i;
		uint32_t got;

		if (p[x].revents == 0)
			continue;
		for (i = 0; i < reg->n; i++)
			if (reg->ent[i].fd == sn[x].fd &&
			    reg->ent[i].rfd == sn[x].rfd)
				break;
		if (i == reg->n) {		/* deleted meanwhile */
			p[x].revents = 0;
			continue;
		}
		if (p[x].revents & POLLNVAL) {	/* closed in the kernel */
			ep_remove(reg, i);
			p[x].revents = 0;
			continue;
		}
		got = (uint32_t)(unsigned short)p[x].revents &
		    (reg->ent[i].events | EPOLLERR | EPOLLHUP);
		p[x].revents = 0;
		if (got == 0 || reg->ent[i].off)
			continue;
		evs[*k].events = got;
		evs[*k].data = reg->ent[i].data;
		(*k)++;
		if (reg->ent[i].events & EPOLLONESHOT)
			reg->ent[i].off = true;
	}
}

/* the events of one round: rump and host shared fairly; -1 if the host
 * epoll_wait failed and nothing was collected */
static int
ep_harvest(int epfd, struct epreg *reg, struct pollfd *p,
    const struct epsnap *sn, unsigned n, struct epoll_event *evs, int maxev)
{
	bool host = p[n].revents != 0;
	int k = 0, cap = maxev, m;

	pthread_mutex_lock(&reg->mtx);
	if (host) {
		if (maxev > 1)
			cap = (maxev + 1) / 2;
		else if (!reg->rumpfirst)
			cap = 0;
		reg->rumpfirst = !reg->rumpfirst;
	}
	if (n > 0)
		ep_take(reg, p, sn, n, evs, &k, cap);
	pthread_mutex_unlock(&reg->mtx);

	if (host && k < maxev) {
		m = HOST(epoll_wait)(epfd, evs + k, maxev - k, 0);
		if (m > 0)
			k += m;
		else if (m == -1 && k == 0)
			return -1;
	}
	if (k < maxev && n > 0) {
		pthread_mutex_lock(&reg->mtx);
		ep_take(reg, p, sn, n, evs, &k, maxev);
		pthread_mutex_unlock(&reg->mtx);
	}
	pthread_mutex_lock(&reg->mtx);
	reg->rot++;
	pthread_mutex_unlock(&reg->mtx);
	return k;
}

static int
ep_wait_slow(int epfd, struct epreg *reg, struct epoll_event *evs,
    int maxev, const struct timespec *tmo, const sigset_t *sigmask)
{
	struct pollfd stkp[PC_STACKN + 1], *p = stkp;
	struct epsnap stks[PC_STACKN], *sn = stks;
	unsigned cap = PC_STACKN, n;
	struct epwaiter **wp;
	struct timespec dl;
	struct helper *h;
	bool timed;
	int rv, e, cs;

	if (maxev <= 0 || maxev > (int)(INT_MAX / sizeof(struct epoll_event)))
		return seterr(EINVAL);
	if (evs == NULL)
		return seterr(EFAULT);
	if ((e = ep_check(epfd)) != 0) {
		if (e == EINVAL)
			ep_reset(epfd);
		return seterr(e);
	}
	timed = tmo != NULL && dl_set(&dl, tmo);
	cs = cancel_off();
	if ((h = helper_get()) == NULL)
		return cancel_restore(cs, -1);
	/* in the helper, not on our stack: a signal handler may longjmp out
	 * of this frame and leave the entry (and the busy helper) behind */
	h->epw.h = h;
	pthread_mutex_lock(&reg->mtx);
	h->epw.next = reg->waiters;
	reg->waiters = &h->epw;
	pthread_mutex_unlock(&reg->mtx);

	for (;;) {
		pthread_mutex_lock(&reg->mtx);
		__atomic_store_n(&h->kicked, 0, __ATOMIC_RELEASE);
		if (reg->n > cap) {
			struct pollfd *np;
			struct epsnap *ns;

			cap = reg->n;
			np = malloc((cap + 1) * sizeof(*np));
			ns = malloc(cap * sizeof(*ns));
			if (np == NULL || ns == NULL) {
				free(np);
				free(ns);
				pthread_mutex_unlock(&reg->mtx);
				rv = seterr(ENOMEM);
				break;
			}
			if (p != stkp) {
				free(p);
				free(sn);
			}
			p = np;
			sn = ns;
		}
		n = 0;
		for (unsigned i = 0; i < reg->n; ) {
			struct epent *en = &reg->ent[i];

			if (fd_torump(en->fd) != en->rfd) {
				ep_remove(reg, i);
				continue;
			}
			i++;
			if (en->off)
				continue;
			p[n] = (struct pollfd){ en->fd,
			    (short)(en->events & EP_POLLBITS), 0 };
			sn[n++] = (struct epsnap){ en->fd, en->rfd };
		}
		pthread_mutex_unlock(&reg->mtx);
		p[n] = (struct pollfd){ epfd, POLLIN, 0 };

		rv = pollcore(p, n + 1, timed ? &dl : NULL, sigmask, h);
		if (rv == PC_KICKED)
			continue;
		if (rv < 0)
			break;
		if (p[n].revents & POLLNVAL) {		/* epfd closed */
			rv = seterr(EBADF);
			break;
		}
		e = ep_harvest(epfd, reg, p, sn, n, evs, maxev);
		if (e != 0 || rv == 0) {
			rv = e;
			break;
		}
		/* ready, but taken by another thread or dropped: again */
	}

	e = errno;
	pthread_mutex_lock(&reg->mtx);
	for (wp = &reg->waiters; *wp != NULL; wp = &(*wp)->next) {
		if (*wp == &h->epw) {
			*wp = h->epw.next;
			break;
		}
	}
	pthread_mutex_unlock(&reg->mtx);
	helper_put(h);
	if (p != stkp) {
		free(p);
		free(sn);
	}
	if (rv == -1)
		seterr(e);
	return cancel_restore(cs, rv);
}

static inline struct epreg *
ep_hasrump(int epfd)
{
	struct epreg *reg = ep_lookup(epfd);

	if (__builtin_expect(reg == NULL, 1) ||
	    __atomic_load_n(&reg->n, __ATOMIC_ACQUIRE) == 0)
		return NULL;
	return reg;
}

/* the host calls a placeholder EBADF; for Linux it is an open file that
 * is no epoll instance */
static inline int
ep_hostrv(int rv, int epfd)
{
	if (__builtin_expect(rv == -1, 0) && *__errno_location() == EBADF &&
	    fd_isrump(epfd))
		return seterr(EINVAL);
	return rv;
}

static int
ep_ms(int timeout, struct timespec *ts)
{
	ts->tv_sec = timeout / 1000;
	ts->tv_nsec = (long)(timeout % 1000) * 1000000L;
	return timeout;
}

HIJACK_EXPORT int
epoll_wait(int epfd, struct epoll_event *evs, int maxev, int timeout)
{
	struct epreg *reg = ep_hasrump(epfd);
	struct timespec ts;

	if (__builtin_expect(reg == NULL, 1))
		return ep_hostrv(HOST(epoll_wait)(epfd, evs, maxev, timeout),
		    epfd);
	return ep_wait_slow(epfd, reg, evs, maxev,
	    ep_ms(timeout, &ts) < 0 ? NULL : &ts, NULL);
}

HIJACK_EXPORT int
epoll_pwait(int epfd, struct epoll_event *evs, int maxev, int timeout,
    const sigset_t *sigmask)
{
	struct epreg *reg = ep_hasrump(epfd);
	struct timespec ts;

	if (__builtin_expect(reg == NULL, 1))
		return ep_hostrv(HOST(epoll_pwait)(epfd, evs, maxev, timeout,
		    sigmask), epfd);
	return ep_wait_slow(epfd, reg, evs, maxev,
	    ep_ms(timeout, &ts) < 0 ? NULL : &ts, sigmask);
}

HIJACK_EXPORT int
epoll_pwait2(int epfd, struct epoll_event *evs, int maxev,
    const struct timespec *tmo, const sigset_t *sigmask)
{
	struct epreg *reg = ep_hasrump(epfd);

	if (__builtin_expect(reg == NULL, 1))
		return ep_hostrv(HOST(epoll_pwait2)(epfd, evs, maxev, tmo,
		    sigmask), epfd);
	if (tmo != NULL && !ts_valid(tmo))
		return seterr(EINVAL);
	return ep_wait_slow(epfd, reg, evs, maxev, tmo, sigmask);
}
