/*
 * lwp.c — lwps and the binding of host threads to them.
 *
 * Every host thread that calls into the kernel runs as some lwp.  By
 * default that is the thread's "implicit" lwp in proc1, made on the
 * thread's first system call and freed by a pthread key destructor when
 * the thread exits.  The rump_lwproc_* calls bind a thread explicitly to
 * an lwp of another process (rfork, newlwp, switch); releasing the last
 * lwp of a process makes it exit.
 *
 * Locks: proc_lock covers the lwp lists and counts.  The thread-local
 * pointers need none: only their own thread touches them.
 */
#include <errno.h>
#include <stdlib.h>
#include <rump/rump.h>
#include "kern/kern.h"

static __thread struct lwp *tls_bound;		/* explicit binding, or NULL */
static __thread struct lwp *tls_implicit;	/* this thread's pid 1 lwp */
static pthread_key_t implicit_key;

static void lwp_destroy(struct lwp *l);

static void
implicit_dtor(void *arg)
{
	struct lwp *l = arg;

	/* a later destructor making a system call gets a fresh lwp */
	tls_implicit = NULL;
	pthread_mutex_lock(&proc_lock);
	LIST_REMOVE(l, l_plink);
	l->l_proc->p_nlwps--;
	pthread_mutex_unlock(&proc_lock);
	lwp_destroy(l);
}

/* Called by proc_init(). */
void
lwp_init(void)
{
	pthread_key_create(&implicit_key, implicit_dtor);
}

/*
 * A new lwp, not yet in any process.  lwps come from the host heap, not
 * kmem: they are bounded by host threads and processes rather than by
 * data clients send, and an implicit one must not fail because some
 * client filled the kmem limit (kern_enter has no way to say ENOMEM).
 */
static struct lwp *
lwp_new(struct proc *p)
{
	struct lwp *l = calloc(1, sizeof(*l));
	pthread_condattr_t ca;

	if (l == NULL)
		return NULL;
	l->l_proc = p;
	pthread_mutex_init(&l->l_mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->l_cv, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&l->l_cancel, false);
	return l;
}

static void
lwp_destroy(struct lwp *l)
{
	pthread_cond_destroy(&l->l_cv);
	pthread_mutex_destroy(&l->l_mtx);
	free(l);
}

/* Adds l to p unless p is exiting; proc_lock held. */
static int
lwp_attach_locked(struct proc *p, struct lwp *l)
{
	if (p->p_exiting)
		return -ESRCH;
	LIST_INSERT_HEAD(&p->p_lwps, l, l_plink);
	p->p_nlwps++;
	return 0;
}

struct lwp *
lwp_create(struct proc *p)
{
	struct lwp *l = lwp_new(p);
	int err;

	if (l == NULL)
		return NULL;
	pthread_mutex_lock(&proc_lock);
	err = lwp_attach_locked(p, l);
	pthread_mutex_unlock(&proc_lock);
	if (err != 0) {
		lwp_destroy(l);
		return NULL;
	}
	return l;
}

static struct lwp *
implicit_lwp(void)
{
	struct lwp *l = tls_implicit;

	if (l != NULL)
		return l;
	/* kern_enter() has no error path to report this through, and an
	 * lwp is a hundred bytes: failing here means the host is out */
	l = lwp_create(proc1);
	if (l == NULL)
		abort();
	l->l_implicit = true;
	tls_implicit = l;
	pthread_setspecific(implicit_key, l);
	return l;
}

struct lwp *
curlwp(void)
{
	if (tls_bound != NULL)
		return tls_bound;
	return implicit_lwp();
}

struct lwp *
kern_enter(void)
{
	struct lwp *l;

	if (!kern_booted())
		return NULL;
	l = curlwp();
	atomic_store(&l->l_cancel, false);
	return l;
}

void
kern_leave(struct lwp *l)
{
	(void)l;
}

void
lwp_bind(struct lwp *l)
{
	tls_bound = (l == NULL || l->l_implicit) ? NULL : l;
}

void
lwp_release(struct lwp *l)
{
	struct proc *p = l->l_proc;
	bool last;

	if (l->l_implicit)
		return;
	pthread_mutex_lock(&proc_lock);
	LIST_REMOVE(l, l_plink);
	last = --p->p_nlwps == 0 && p != proc1;
	if (last)
		p->p_exiting = true;
	pthread_mutex_unlock(&proc_lock);
	lwp_destroy(l);
	if (last)
		proc_exit(p);
}

/* --- the public lwproc API ------------------------------------------------ */

RUMP_EXPORT int
rump_lwproc_rfork(int flags)
{
	struct proc *p;
	struct lwp *l;
	int err;

	if (!kern_booted())
		return ENXIO;
	err = proc_fork(curproc(), flags, &p);
	if (err < 0)
		return -err;
	l = lwp_create(p);
	if (l == NULL) {
		pthread_mutex_lock(&proc_lock);
		p->p_exiting = true;
		pthread_mutex_unlock(&proc_lock);
		proc_exit(p);
		return ENOMEM;
	}
	lwp_bind(l);
	return 0;
}

RUMP_EXPORT int
rump_lwproc_newlwp(pid_t pid)
{
	struct proc *p;
	struct lwp *l;
	int err;

	if (!kern_booted())
		return ENXIO;
	l = lwp_new(NULL);
	if (l == NULL)
		return ENOMEM;
	pthread_mutex_lock(&proc_lock);
	p = proc_find(pid);
	l->l_proc = p;
	err = p == NULL ? -ESRCH : lwp_attach_locked(p, l);
	pthread_mutex_unlock(&proc_lock);
	if (err != 0) {
		lwp_destroy(l);
		return -err;
	}
	lwp_bind(l);
	return 0;
}

RUMP_EXPORT void
rump_lwproc_switch(struct lwp *l)
{
	lwp_bind(l);
}

RUMP_EXPORT void
rump_lwproc_releaselwp(void)
{
	struct lwp *l = tls_bound;

	if (l == NULL)
		return;
	tls_bound = NULL;
	lwp_release(l);
}

RUMP_EXPORT struct lwp *
rump_lwproc_curlwp(void)
{
	return tls_bound;
}

RUMP_EXPORT void
rump_lwproc_cancel(struct lwp *l)
{
	if (l != NULL)
		lwp_cancel(l);
}
