/*
 * poll.c — poll(2) and ppoll(2) over any mix of files.
 *
 * No thread per call and no per-object poll lists: each descriptor's
 * fo_poll enters one of the caller's waiters (up to POLLWAIT_MAX) on the
 * object's wait queue when nothing asked for is ready, then the lwp parks
 * once for all of them.  The wake sequence is read before the first scan,
 * so an object that becomes ready anywhere between the scan and the park
 * makes the park return at once.  Files are looked up once per call;
 * descriptors closed meanwhile stay valid objects until we return.
 */
#include <errno.h>
#include <string.h>
#include "kern/file.h"
#include "kern/sysent.h"

/* Linux's DEFAULT_POLLMASK, for files that do not implement fo_poll */
#define POLL_DEFAULT	(POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)

struct pollstate {
	struct pollfd	*fds;
	nfds_t		 nfds;
	struct file	**files;	/* NULL: negative or bad descriptor */
	struct waiter	*waiters;	/* nfds * POLLWAIT_MAX */
	struct pollwait	*pws;		/* one per fd */
};

static int
poll_one(struct pollstate *ps, nfds_t i, bool wait)
{
	struct pollfd *pfd = &ps->fds[i];
	struct file *fp = ps->files[i];
	int want = pfd->events | POLLERR | POLLHUP, got;

	if (pfd->fd < 0)
		return pfd->revents = 0;
	if (fp == NULL)
		return pfd->revents = POLLNVAL;
	if (fp->f_ops->fo_poll == NULL)
		got = POLL_DEFAULT;
	else
		got = fp->f_ops->fo_poll(fp, want, wait ? &ps->pws[i] : NULL);
	pfd->revents = (short)(got & want);
	return pfd->revents;
}

/* One pass over every descriptor; returns how many are ready. */
static int
poll_scan(struct pollstate *ps, bool wait)
{
	int n = 0;

	for (nfds_t i = 0; i < ps->nfds; i++) {
		if (poll_one(ps, i, wait && n == 0) != 0)
			n++;
	}
	return n;
}

static void
poll_leave_all(struct pollstate *ps)
{
	for (nfds_t i = 0; i < ps->nfds; i++) {
		struct pollwait *pw = &ps->pws[i];

		for (int j = 0; j < pw->pw_n; j++)
			waitq_leave(&pw->pw_waiters[j]);
		pw->pw_n = 0;
	}
}

static int
poll_loop(struct pollstate *ps, const struct timespec *deadline)
{
	struct lwp *l = curlwp();
	struct timespec now;
	bool expired = false;
	int n, err;

	/* poll(..., 0) is common: scan once without entering any queue */
	if (deadline != NULL) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		expired = now.tv_sec > deadline->tv_sec ||
		    (now.tv_sec == deadline->tv_sec &&
		    now.tv_nsec >= deadline->tv_nsec);
	}

	for (;;) {
		uint64_t seq = lwp_getseq(l);

		n = poll_scan(ps, !expired);
		if (n > 0 || expired) {
			poll_leave_all(ps);
			return n;
		}
		err = lwp_park(l, seq, deadline);
		poll_leave_all(ps);
		if (err == -EINTR)
			return err;
		expired = err == -ETIMEDOUT;
	}
}

static int
poll_setup(struct pollstate *ps, struct proc *p)
{
	size_t nw = ps->nfds * POLLWAIT_MAX;

	ps->files = kmem_zalloc(ps->nfds * sizeof(*ps->files));
	ps->waiters = kmem_zalloc(nw * sizeof(*ps->waiters));
	ps->pws = kmem_zalloc(ps->nfds * sizeof(*ps->pws));
	if (ps->files == NULL || ps->waiters == NULL || ps->pws == NULL)
		return -ENOMEM;
	for (nfds_t i = 0; i < ps->nfds; i++) {
		struct file *fp = fd_getfile(p, ps->fds[i].fd);

		/* O_PATH descriptors are not pollable: POLLNVAL, as Linux */
		if (fp != NULL && (atomic_load(&fp->f_flag) & O_PATH)) {
			file_rele(fp);
			fp = NULL;
		}
		ps->files[i] = fp;
		ps->pws[i].pw_waiters = &ps->waiters[i * POLLWAIT_MAX];
		ps->pws[i].pw_max = POLLWAIT_MAX;
	}
	return 0;
}

static void
poll_teardown(struct pollstate *ps)
{
	if (ps->files != NULL) {
		for (nfds_t i = 0; i < ps->nfds; i++)
			if (ps->files[i] != NULL)
				file_rele(ps->files[i]);
	}
	kmem_free(ps->files, ps->nfds * sizeof(*ps->files));
	kmem_free(ps->waiters, ps->nfds * POLLWAIT_MAX * sizeof(*ps->waiters));
	kmem_free(ps->pws, ps->nfds * sizeof(*ps->pws));
}

/* deadline NULL: wait forever. */
static long
poll_common(struct pollfd *fds, nfds_t nfds, const struct timespec *deadline)
{
	struct proc *p = curproc();
	struct pollstate ps = { .fds = fds, .nfds = nfds };
	rlim_t lim;
	long rv;

	pthread_mutex_lock(&p->p_mtx);
	lim = p->p_rlim[RLIMIT_NOFILE].rlim_cur;
	pthread_mutex_unlock(&p->p_mtx);
	if (nfds > lim)
		return -EINVAL;
	if (nfds > 0 && fds == NULL)
		return -EFAULT;
	if (nfds == 0) {
		/* a pure sleep, interruptible */
		struct lwp *l = curlwp();

		do {
			rv = lwp_park(l, lwp_getseq(l), deadline);
		} while (rv == 0);
		return rv == -ETIMEDOUT ? 0 : rv;
	}
	rv = poll_setup(&ps, p);
	if (rv == 0)
		rv = poll_loop(&ps, deadline);
	poll_teardown(&ps);
	return rv;
}

long
sys_poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	struct timespec deadline;

	if (timeout < 0)
		return poll_common(fds, nfds, NULL);
	deadline_after_ms(&deadline, timeout);
	return poll_common(fds, nfds, &deadline);
}

/* The signal mask has no meaning here: this kernel delivers no signals. */
long
sys_ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *tmo,
    const sigset_t *sigmask)
{
	struct timespec deadline;

	if (tmo == NULL)
		return poll_common(fds, nfds, NULL);
	if (tmo->tv_sec < 0 || tmo->tv_nsec < 0 || tmo->tv_nsec >= 1000000000L)
		return -EINVAL;
	deadline_after(&deadline, tmo);
	return poll_common(fds, nfds, &deadline);
}
