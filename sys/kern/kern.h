/*
 * kern.h — the kernel core's internal interface: processes, lwps (kernel
 * threads of a process, bound to host threads), credentials, the one
 * sleep/wakeup primitive, kernel memory and boot.  Files, descriptors and
 * the VFS have their own headers (file.h, vfs/vfs.h).
 *
 * Conventions everywhere in sys/: functions return 0 / a value >= 0 or a
 * negative errno; the conversion to errno happens once, in the generated
 * entry points.  Pointers handed to sys_* handlers are always directly
 * accessible kernel memory.
 *
 * Lock order (outer first): proc_lock > fdtable.lock > vfs_lock >
 *   object locks (pipe, vnode data) > waitq.lock > lwp.mtx.
 * No lock is held across waitq_park() except as waitq_sleep() describes.
 */
#ifndef RUMP_KERN_KERN_H
#define RUMP_KERN_KERN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>

#define RUMP_EXPORT __attribute__((visibility("default")))

struct file;
struct fdtable;
struct vnode;

/* --- credentials --------------------------------------------------------- */

#define NGROUPS_KMAX 32

struct cred {
	uid_t	uid, euid, suid;
	gid_t	gid, egid, sgid;
	int	ngroups;
	gid_t	groups[NGROUPS_KMAX];
};

/* true if c is a member of group g (egid or supplementary) */
bool cred_groupmember(const struct cred *c, gid_t g);
/* true if c has superuser powers */
static inline bool cred_isroot(const struct cred *c) { return c->euid == 0; }

/* --- lwps and processes -------------------------------------------------- */

/*
 * An lwp is the kernel's view of one host thread running in a process.
 * A host thread is bound to at most one lwp at a time (thread-local
 * curlwp).  Its mtx/cv/seq implement parking for the sleep primitive.
 */
struct lwp {
	struct proc		*l_proc;
	pthread_mutex_t		 l_mtx;
	pthread_cond_t		 l_cv;
	uint64_t		 l_wakeseq;	/* bumped by every unpark; l_mtx */
	atomic_bool		 l_cancel;	/* pending EINTR */
	bool			 l_implicit;	/* the per-thread pid 1 lwp */
	LIST_ENTRY(lwp)		 l_plink;	/* in proc's list; proc_lock */
};

#define MAXCOMLEN 16

struct proc {
	pid_t			 p_pid;
	struct proc		*p_pptr;	/* parent; proc_lock */
	char			 p_comm[MAXCOMLEN + 1];
	pthread_mutex_t		 p_mtx;		/* cred, umask, cwd, root, rlim */
	struct cred		 p_cred;
	mode_t			 p_umask;
	struct vnode		*p_cwd;		/* referenced */
	struct vnode		*p_root;	/* referenced */
	struct rlimit		 p_rlim[RLIM_NLIMITS];
	struct fdtable		*p_fd;
	int			 p_nlwps;	/* proc_lock */
	bool			 p_exiting;	/* proc_lock */
	LIST_HEAD(, lwp)	 p_lwps;	/* proc_lock */
	LIST_ENTRY(proc)	 p_link;	/* allproc; proc_lock */
};

extern pthread_mutex_t proc_lock;
extern struct proc *proc1;		/* the kernel's own process, pid 1 */

/* The lwp and process of the calling thread (inside a system call). */
struct lwp *curlwp(void);
static inline struct proc *curproc(void) { return curlwp()->l_proc; }

/*
 * Entering and leaving the kernel around each system call: returns the
 * calling thread's lwp, binding the implicit pid 1 lwp on first use, or
 * NULL if the kernel has not been booted.
 */
struct lwp *kern_enter(void);
void kern_leave(struct lwp *l);

/* Process life cycle (proc.c).  flags: RUMP_RFFDG / RUMP_RFCFDG. */
int proc_fork(struct proc *parent, int flags, struct proc **newp);
struct proc *proc_find(pid_t pid);		/* unreferenced; proc_lock */
void proc_exit(struct proc *p);			/* closes all, reparents */
void proc_setcomm(struct proc *p, const char *comm);
/* lwps: allocation, binding to the calling host thread, release. */
void lwp_init(void);				/* by proc_init() */
struct lwp *lwp_create(struct proc *p);
void lwp_bind(struct lwp *l);			/* make curlwp */
void lwp_release(struct lwp *l);		/* last one exits the proc */
void lwp_cancel(struct lwp *l);
/* Snapshot of credentials for permission checks without p_mtx held. */
void proc_getcred(struct proc *p, struct cred *out);

/* --- sleeping ------------------------------------------------------------ */

/*
 * A wait queue is a list of lwps waiting for one object to change.  The
 * protocol, used by pipes, fifos, locks, poll, sockets and accept alike:
 *
 *	struct waiter w;
 *	lock(obj);
 *	while (!condition) {
 *		waitq_enter(&obj->wq, &w);	// registers, snapshots wakeseq
 *		unlock(obj);
 *		err = waitq_park(&w, deadline);	// 0, -ETIMEDOUT or -EINTR
 *		waitq_leave(&w);
 *		lock(obj);
 *		if (err) break;
 *	}
 *
 * waitq_wakeup() after changing the object's state (lock held or not) can
 * never be lost: a wakeup between enter and park makes park return at once.
 * poll() enters one waiter per descriptor, then parks once.
 */
struct waiter;
struct waitq {
	pthread_mutex_t		 wq_lock;
	TAILQ_HEAD(, waiter)	 wq_list;
};
struct waiter {
	struct lwp		*w_lwp;
	struct waitq		*w_wq;
	uint64_t		 w_seq;
	TAILQ_ENTRY(waiter)	 w_link;
};

void waitq_init(struct waitq *wq);
void waitq_destroy(struct waitq *wq);
void waitq_enter(struct waitq *wq, struct waiter *w);
/* deadline: absolute CLOCK_MONOTONIC time, or NULL for none. */
int waitq_park(struct waiter *w, const struct timespec *deadline);
void waitq_leave(struct waiter *w);
void waitq_wakeup(struct waitq *wq);		/* wakes every waiter */
/* park on several waiters entered with the same lwp (poll) */
int lwp_park(struct lwp *l, uint64_t seq, const struct timespec *deadline);
/*
 * Called by a thread about to sleep in lwp_park (no kernel lock held):
 * the embedder (rump_server's lanes) hands work this thread was doing
 * to another thread before it blocks.  NULL: nothing to do.
 */
extern void (*lwp_park_hook)(void);
/* l's current wake sequence, the seq to pass lwp_park (poll, nanosleep) */
uint64_t lwp_getseq(struct lwp *l);
/* deadline = now + ms (ms < 0: NULL semantics handled by caller) */
void deadline_after_ms(struct timespec *ts, long ms);
/* deadline = now + rel (a valid timespec; huge values are clamped) */
void deadline_after(struct timespec *ts, const struct timespec *rel);

/* --- kernel memory -------------------------------------------------------- */

/*
 * All kernel allocations that scale with user input go through kmem so
 * that `rump_server -r` can cap them: past the limit, -ENOMEM.
 */
void *kmem_alloc(size_t size);		/* NULL when over limit */
void *kmem_zalloc(size_t size);
void *kmem_realloc(void *p, size_t oldsize, size_t newsize);
void kmem_free(void *p, size_t size);
void kmem_setlimit(uint64_t bytes);	/* 0 = unlimited */
uint64_t kmem_inuse(void);
uint64_t kmem_getlimit(void);		/* 0 = unlimited */

/* --- boot and halt -------------------------------------------------------- */

extern struct timespec boottime;	/* CLOCK_REALTIME at boot */
bool kern_booted(void);
/* Called by reboot(2) after syncing; the default exits the host process. */
void kern_set_halt_hook(void (*hook)(int howto));
void kern_halt(int howto);		/* runs the hook (reboot(2)) */
/*
 * Components (rump_server -l): the VFS faction is present unless disabled
 * before rump_init().  Without it sysctl_init() leaves out vfs.* and the
 * sysproxy dispatcher refuses calls with a path argument (ENOSYS); the
 * kernel still mounts its private root, which nobody can then reach.
 */
void kern_disable_vfs(void);
bool kern_vfs_enabled(void);
/*
 * Signals to remote processes: the sysproxy server installs a hook that
 * delivers sig to the client process behind p (a RAISE frame); without
 * one, or for a process with no client, kern_raise() is -ESRCH.
 */
void kern_set_raise_hook(int (*hook)(struct proc *p, int sig));
int kern_raise(struct proc *p, int sig);

/* subsystem init, called in this order by rump_init() */
void kmem_init(void);
void proc_init(void);
void sysctl_init(void);
void vfs_init(void);			/* mounts tmpfs at /, /dev, /tmp */
void dev_init(void);			/* creates /dev nodes */

#endif /* RUMP_KERN_KERN_H */
