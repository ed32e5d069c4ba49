/*
 * sleep.c — the kernel's one sleep/wakeup primitive (see kern.h).
 *
 * Each lwp parks on its own mutex and condition variable; a wait queue is
 * only a list of the lwps interested in one object.  Waking is "bump the
 * lwp's wake sequence and signal it", so a waiter that registered (and
 * took a snapshot of the sequence) before the wakeup can never miss it,
 * whether it has reached its condition wait yet or not.  Cancellation sets
 * l_cancel and bumps the sequence the same way, so a parked lwp, or one
 * about to park, returns -EINTR.
 *
 * Locks: waitq.wq_lock (the list) is taken before lwp.l_mtx (the
 * sequence); neither is held while calling out of this file.
 */
#include <errno.h>
#include "kern/kern.h"

void
waitq_init(struct waitq *wq)
{
	pthread_mutex_init(&wq->wq_lock, NULL);
	TAILQ_INIT(&wq->wq_list);
}

void
waitq_destroy(struct waitq *wq)
{
	pthread_mutex_destroy(&wq->wq_lock);
}

uint64_t
lwp_getseq(struct lwp *l)
{
	uint64_t seq;

	pthread_mutex_lock(&l->l_mtx);
	seq = l->l_wakeseq;
	pthread_mutex_unlock(&l->l_mtx);
	return seq;
}

/* Makes l's current or next lwp_park() return. */
static void
lwp_unpark(struct lwp *l)
{
	pthread_mutex_lock(&l->l_mtx);
	l->l_wakeseq++;
	pthread_cond_broadcast(&l->l_cv);
	pthread_mutex_unlock(&l->l_mtx);
}

void
waitq_enter(struct waitq *wq, struct waiter *w)
{
	w->w_lwp = curlwp();
	w->w_wq = wq;
	w->w_seq = lwp_getseq(w->w_lwp);
	pthread_mutex_lock(&wq->wq_lock);
	TAILQ_INSERT_TAIL(&wq->wq_list, w, w_link);
	pthread_mutex_unlock(&wq->wq_lock);
}

void
waitq_leave(struct waiter *w)
{
	struct waitq *wq = w->w_wq;

	pthread_mutex_lock(&wq->wq_lock);
	TAILQ_REMOVE(&wq->wq_list, w, w_link);
	pthread_mutex_unlock(&wq->wq_lock);
	w->w_wq = NULL;
}

int
waitq_park(struct waiter *w, const struct timespec *deadline)
{
	return lwp_park(w->w_lwp, w->w_seq, deadline);
}

void
waitq_wakeup(struct waitq *wq)
{
	struct waiter *w;

	pthread_mutex_lock(&wq->wq_lock);
	TAILQ_FOREACH(w, &wq->wq_list, w_link)
		lwp_unpark(w->w_lwp);
	pthread_mutex_unlock(&wq->wq_lock);
}

static bool
deadline_passed(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	    (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/*
 * Sleeps until l's wake sequence moves past seq, the deadline passes or
 * the lwp is cancelled.  Cancellation wins over a wakeup so that a
 * cancelled call cannot keep going round its wait loop.
 */
void (*lwp_park_hook)(void);

int
lwp_park(struct lwp *l, uint64_t seq, const struct timespec *deadline)
{
	void (*hook)(void) = lwp_park_hook;
	int err = 0;

	/* callers park after finding they must wait: a hook run for a
	 * wait that ends at once only costs a hand-off */
	if (hook != NULL && !atomic_load(&l->l_cancel))
		hook();
	pthread_mutex_lock(&l->l_mtx);
	for (;;) {
		if (atomic_load(&l->l_cancel)) {
			err = -EINTR;
			break;
		}
		if (l->l_wakeseq != seq)
			break;
		if (deadline != NULL) {
			if (deadline_passed(deadline)) {
				err = -ETIMEDOUT;
				break;
			}
			pthread_cond_timedwait(&l->l_cv, &l->l_mtx, deadline);
		} else {
			pthread_cond_wait(&l->l_cv, &l->l_mtx);
		}
	}
	pthread_mutex_unlock(&l->l_mtx);
	return err;
}

void
lwp_cancel(struct lwp *l)
{
	/* the store precedes the mutex, which the parker checks under */
	atomic_store(&l->l_cancel, true);
	lwp_unpark(l);
}

/* Longer than any wait can last, short enough never to overflow. */
#define DEADLINE_MAXSEC	(1LL << 40)

void
deadline_after(struct timespec *ts, const struct timespec *rel)
{
	time_t sec = rel->tv_sec < DEADLINE_MAXSEC ? rel->tv_sec : DEADLINE_MAXSEC;

	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += sec;
	ts->tv_nsec += rel->tv_nsec;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

void
deadline_after_ms(struct timespec *ts, long ms)
{
	struct timespec rel;

	if (ms < 0)
		ms = 0;
	rel.tv_sec = ms / 1000;
	rel.tv_nsec = (ms % 1000) * 1000000L;
	deadline_after(ts, &rel);
}
