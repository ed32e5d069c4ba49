/*
 * proc.c — processes: creation by fork, lookup by pid, exit.
 *
 * proc1 (pid 1) is the kernel's own process, made at boot; every host
 * thread not bound elsewhere runs in it.  Other processes are children
 * made by proc_fork() (rump_lwproc_rfork, the server's fork handshake)
 * and live until their last lwp is released.  There are no zombies: a
 * process vanishes at exit and its children are handed to proc1.
 *
 * Locks: proc_lock covers allproc, pids, parents and lwp lists; p_mtx
 * covers one process's credentials, umask, cwd/root and rlimits.  p_mtx
 * nests inside vfs_lock (namei reads cwd with vfs_lock held), so fork
 * takes vfs_lock first to reference the parent's cwd and root.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <rump/rump.h>
#include "kern/file.h"
#include "vfs/vfs.h"

#define PID_MAX		99999

pthread_mutex_t proc_lock = PTHREAD_MUTEX_INITIALIZER;
struct proc *proc1;

static LIST_HEAD(, proc) allproc = LIST_HEAD_INITIALIZER(allproc);
static pid_t nextpid = 2;	/* proc_lock */

struct proc *
proc_find(pid_t pid)
{
	struct proc *p;

	LIST_FOREACH(p, &allproc, p_link)
		if (p->p_pid == pid)
			return p;
	return NULL;
}

/* A pid not in use, or -EAGAIN; proc_lock held. */
static pid_t
pid_alloc_locked(void)
{
	for (int tries = 0; tries < PID_MAX; tries++) {
		pid_t pid = nextpid;

		nextpid = nextpid >= PID_MAX ? 2 : nextpid + 1;
		if (proc_find(pid) == NULL)
			return pid;
	}
	return -EAGAIN;
}

static struct proc *
proc_new(void)
{
	struct proc *p = kmem_zalloc(sizeof(*p));

	if (p == NULL)
		return NULL;
	pthread_mutex_init(&p->p_mtx, NULL);
	LIST_INIT(&p->p_lwps);
	return p;
}

static void
proc_free(struct proc *p)
{
	pthread_mutex_destroy(&p->p_mtx);
	kmem_free(p, sizeof(*p));
}

/* Host-like limits, except descriptors: Linux's usual 1024/4096. */
static void
rlimits_default(struct rlimit *rl)
{
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		if (getrlimit(i, &rl[i]) != 0)
			rl[i].rlim_cur = rl[i].rlim_max = RLIM_INFINITY;
	}
	rl[RLIMIT_NOFILE].rlim_cur = 1024;
	rl[RLIMIT_NOFILE].rlim_max = 4096;
}

void
proc_init(void)
{
	struct proc *p = proc_new();

	lwp_init();
	if (p == NULL || (p->p_fd = fdtable_alloc()) == NULL)
		abort();
	p->p_pid = 1;
	p->p_pptr = p;
	strcpy(p->p_comm, "rumpkern");
	p->p_umask = 022;
	rlimits_default(p->p_rlim);
	p->p_fd->owner = p;
	pthread_mutex_lock(&proc_lock);
	LIST_INSERT_HEAD(&allproc, p, p_link);
	proc1 = p;
	pthread_mutex_unlock(&proc_lock);
}

void
proc_setcomm(struct proc *p, const char *comm)
{
	pthread_mutex_lock(&p->p_mtx);
	strncpy(p->p_comm, comm, MAXCOMLEN);
	p->p_comm[MAXCOMLEN] = '\0';
	pthread_mutex_unlock(&p->p_mtx);
}

/* Copies what a child inherits: identity, umask, limits, cwd and root. */
static void
proc_inherit(struct proc *child, struct proc *parent)
{
	VFS_LOCK();
	pthread_mutex_lock(&parent->p_mtx);
	child->p_cred = parent->p_cred;
	child->p_umask = parent->p_umask;
	memcpy(child->p_rlim, parent->p_rlim, sizeof(child->p_rlim));
	memcpy(child->p_comm, parent->p_comm, sizeof(child->p_comm));
	child->p_cwd = parent->p_cwd;
	child->p_root = parent->p_root;
	if (child->p_cwd != NULL)
		vref(child->p_cwd);
	if (child->p_root != NULL)
		vref(child->p_root);
	pthread_mutex_unlock(&parent->p_mtx);
	VFS_UNLOCK();
}

/* Drops what a process holds: descriptors (POSIX locks with them), cwd
 * and root.  No lwp of p runs any more. */
static void
proc_exit_resources(struct proc *p)
{
	struct fdtable *fdt = p->p_fd;
	struct vnode *cwd = p->p_cwd, *root = p->p_root;

	p->p_fd = NULL;
	p->p_cwd = p->p_root = NULL;
	if (fdt != NULL)
		fdtable_free(fdt);
	if (cwd != NULL)
		vrele(cwd);
	if (root != NULL)
		vrele(root);
}

int
proc_fork(struct proc *parent, int flags, struct proc **newp)
{
	struct proc *p;
	pid_t pid;

	if ((flags & ~(RUMP_RFFDG | RUMP_RFCFDG)) != 0 ||
	    (flags & (RUMP_RFFDG | RUMP_RFCFDG)) == (RUMP_RFFDG | RUMP_RFCFDG))
		return -EINVAL;
	if ((p = proc_new()) == NULL)
		return -ENOMEM;
	if (flags & RUMP_RFCFDG)
		p->p_fd = fdtable_alloc();
	else
		p->p_fd = fdtable_copy(parent->p_fd);
	if (p->p_fd == NULL) {
		proc_free(p);
		return -ENOMEM;
	}
	p->p_fd->owner = p;
	proc_inherit(p, parent);
	pthread_mutex_lock(&proc_lock);
	pid = pid_alloc_locked();
	if (pid > 0) {
		p->p_pid = pid;
		p->p_pptr = parent;
		LIST_INSERT_HEAD(&allproc, p, p_link);
	}
	pthread_mutex_unlock(&proc_lock);
	if (pid < 0) {
		proc_exit_resources(p);
		proc_free(p);
		return pid;
	}
	*newp = p;
	return 0;
}

/*
 * The process's last lwp is gone (p_exiting set): close everything, hand
 * the children to proc1, forget the pid.
 */
void
proc_exit(struct proc *p)
{
	struct proc *q;

	proc_exit_resources(p);
	pthread_mutex_lock(&proc_lock);
	LIST_FOREACH(q, &allproc, p_link)
		if (q->p_pptr == p)
			q->p_pptr = proc1;
	LIST_REMOVE(p, p_link);
	pthread_mutex_unlock(&proc_lock);
	proc_free(p);
}
