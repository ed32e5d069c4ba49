/*
 * lockf.c — advisory locks on vnodes, with Linux semantics.
 *
 * Three kinds of lock live in one list per vnode (v_lockf):
 *   - POSIX record locks (fcntl F_SETLK): byte ranges owned by a process,
 *     all dropped when the process closes any descriptor of the file;
 *   - OFD locks (F_OFD_SETLK): byte ranges owned by an open file
 *     description, dropped when its last reference goes;
 *   - flock locks: the whole file, owned by an open file description.
 * POSIX and OFD locks share one range space and conflict with each other
 * whenever owners differ; flock locks only meet other flock locks.  An
 * owner's POSIX/OFD locks never overlap each other: setting a range
 * replaces what the owner held there, and same-type neighbours merge.
 * F_GETLK reports the first conflict in Linux's order (lf_seq).
 *
 * Blocked requests sleep on v_lockf_wq and look again after every change
 * that removed or weakened a lock.  Deadlock detection (POSIX owners only,
 * like Linux) keeps a global waits-for graph: each process blocked in
 * F_SETLKW records the owner of the lock blocking it; an edge is cleared
 * when that vnode's locks change, since the waiter will look again.
 *
 * Locking: v_lockf_mtx covers a vnode's list; lf_graph_mtx the graph.
 * Order: vfs_lock (only to read v_size, before) > v_lockf_mtx >
 * lf_graph_mtx > waitq lock.  Nothing is held while sleeping.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/file.h>
#include <unistd.h>

#include "kern/file.h"
#include "kern/kern.h"
#include "vfs/vfs.h"

#define OFF_MAX		INT64_MAX	/* "to the end of all possible files" */
#define LF_MAXDEPTH	10		/* waits-for chain followed, as Linux */

enum lf_kind { LF_POSIX, LF_OFD, LF_FLOCK };

struct lockf {
	struct lockf	*lf_next;	/* v_lockf list, in no order */
	enum lf_kind	 lf_kind;
	short		 lf_type;	/* F_RDLCK, F_WRLCK (F_UNLCK: requests) */
	off_t		 lf_start;	/* first byte */
	off_t		 lf_end;	/* last byte, inclusive; OFF_MAX: no end */
	const void	*lf_owner;	/* struct proc (POSIX) or struct file */
	pid_t		 lf_pid;	/* reported by F_GETLK */
	uint64_t	 lf_seq;	/* F_GETLK order, see lf_findconflict */
};

/* a process blocked in F_SETLKW, on its waiting lwp's stack */
struct lf_waitent {
	const void		*we_owner;	/* the waiting process */
	const void		*we_blocker;	/* owner it waits for, or NULL */
	struct vnode		*we_vp;
	LIST_ENTRY(lf_waitent)	 we_link;
};

static atomic_uint_fast64_t lf_nextseq = 1;
static pthread_mutex_t lf_graph_mtx = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(, lf_waitent) lf_waiters = LIST_HEAD_INITIALIZER(lf_waiters);

/* --- lists and conflicts ----------------------------------------------------- */

static bool
lf_isflock(const struct lockf *l)
{
	return l->lf_kind == LF_FLOCK;
}

static bool
lf_overlaps(const struct lockf *l, off_t start, off_t end)
{
	return l->lf_start <= end && start <= l->lf_end;
}

/* overlapping or adjacent, careful at OFF_MAX */
static bool
lf_touches(const struct lockf *l, off_t start, off_t end)
{
	return (end == OFF_MAX || l->lf_start <= end + 1) &&
	    (l->lf_end == OFF_MAX || start <= l->lf_end + 1);
}

static bool
lf_conflicts(const struct lockf *held, const struct lockf *req)
{
	if (lf_isflock(held) != lf_isflock(req) ||
	    held->lf_owner == req->lf_owner)
		return false;
	if (held->lf_type != F_WRLCK && req->lf_type != F_WRLCK)
		return false;
	return lf_overlaps(held, req->lf_start, req->lf_end);
}

/*
 * The first conflicting lock, or NULL.  "First" is Linux's list order,
 * which F_GETLK shows: owners in the order they came to hold locks here
 * (an owner that drops all of them queues again at the end), each
 * owner's ranges by start.  v_lockf_mtx held.
 */
static struct lockf *
lf_findconflict(struct vnode *vp, const struct lockf *req)
{
	struct lockf *l, *best = NULL;

	for (l = vp->v_lockf; l != NULL; l = l->lf_next)
		if (lf_conflicts(l, req) && (best == NULL ||
		    l->lf_seq < best->lf_seq || (l->lf_seq == best->lf_seq &&
		    l->lf_start < best->lf_start)))
			best = l;
	return best;
}

/* The order key for a lock of req's owner: its existing one, or a new
 * one that sorts after every other owner's.  v_lockf_mtx held. */
static uint64_t
lf_ownerseq(struct vnode *vp, const struct lockf *req)
{
	struct lockf *l;

	for (l = vp->v_lockf; l != NULL; l = l->lf_next)
		if (l->lf_owner == req->lf_owner &&
		    lf_isflock(l) == lf_isflock(req))
			return l->lf_seq;
	return atomic_fetch_add(&lf_nextseq, 1);
}

/* Removes l, whose predecessor is prev (NULL: l is first), and frees it. */
static void
lf_unlink(struct vnode *vp, struct lockf *prev, struct lockf *l)
{
	if (prev == NULL)
		vp->v_lockf = l->lf_next;
	else
		prev->lf_next = l->lf_next;
	kmem_free(l, sizeof(*l));
}

static void
lf_insert(struct vnode *vp, struct lockf *l)
{
	l->lf_next = vp->v_lockf;
	vp->v_lockf = l;
}

/*
 * Locks of vp were removed or weakened: clear the graph edges of its
 * waiters (they are about to look again) and wake them.  v_lockf_mtx held.
 */
static void
lf_wakeup(struct vnode *vp)
{
	struct lf_waitent *we;

	pthread_mutex_lock(&lf_graph_mtx);
	LIST_FOREACH(we, &lf_waiters, we_link)
		if (we->we_vp == vp)
			we->we_blocker = NULL;
	pthread_mutex_unlock(&lf_graph_mtx);
	waitq_wakeup(&vp->v_lockf_wq);
}

/* --- setting a range ---------------------------------------------------------- */

/*
 * Trims l, a lock of req's owner overlapping req's range, to the parts
 * outside that range; a lock strictly containing the range splits in two
 * using *spare.  v_lockf_mtx held.  Returns false if l must be removed.
 */
static bool
lf_trim(struct vnode *vp, struct lockf *l, const struct lockf *req,
    struct lockf **spare)
{
	struct lockf *r;

	if (l->lf_start < req->lf_start && l->lf_end > req->lf_end) {
		r = *spare;
		*spare = NULL;
		*r = *l;
		r->lf_start = req->lf_end + 1;
		lf_insert(vp, r);
		l->lf_end = req->lf_start - 1;
	} else if (l->lf_start < req->lf_start) {
		l->lf_end = req->lf_start - 1;
	} else if (l->lf_end > req->lf_end) {
		l->lf_start = req->lf_end + 1;
	} else {
		return false;
	}
	return true;
}

/*
 * Makes req's owner hold req's type (nothing, for F_UNLCK) over req's
 * range within req's class: same-type locks touching it merge into the
 * new one, others are trimmed.  spare[0] becomes the new lock, spare[1]
 * the far part of a split; used entries are set to NULL.  v_lockf_mtx
 * held.  Returns true if any lock was removed or weakened.
 */
static bool
lf_apply(struct vnode *vp, const struct lockf *req, struct lockf *spare[2])
{
	struct lockf *l, *prev = NULL, *next, *n;
	off_t start = req->lf_start, end = req->lf_end;
	uint64_t seq = lf_ownerseq(vp, req);
	bool changed = false;

	for (l = vp->v_lockf; l != NULL; l = next) {
		next = l->lf_next;
		if (l->lf_owner != req->lf_owner ||
		    lf_isflock(l) != lf_isflock(req)) {
			prev = l;
		} else if (l->lf_type == req->lf_type &&
		    lf_touches(l, start, end)) {
			start = l->lf_start < start ? l->lf_start : start;
			end = l->lf_end > end ? l->lf_end : end;
			lf_unlink(vp, prev, l);
		} else if (!lf_overlaps(l, req->lf_start, req->lf_end)) {
			prev = l;
		} else {
			changed = true;
			if (lf_trim(vp, l, req, &spare[1]))
				prev = l;
			else
				lf_unlink(vp, prev, l);
		}
	}
	if (req->lf_type != F_UNLCK) {
		n = spare[0];
		spare[0] = NULL;
		*n = *req;
		n->lf_start = start;
		n->lf_end = end;
		n->lf_seq = seq;
		lf_insert(vp, n);
	}
	return changed;
}

/* --- deadlock detection -------------------------------------------------------- */

/* What owner waits for, or NULL.  lf_graph_mtx held. */
static const void *
lf_waiting_for(const void *owner)
{
	struct lf_waitent *we;

	LIST_FOREACH(we, &lf_waiters, we_link)
		if (we->we_owner == owner && we->we_blocker != NULL)
			return we->we_blocker;
	return NULL;
}

/*
 * we's owner is about to wait for blocker: false if blocker already waits,
 * directly or through others, for we's owner (a deadlock); otherwise the
 * edge is recorded (we entered in the graph if new) and true returned.
 */
static bool
lf_may_wait(struct lf_waitent *we, bool *entered, const void *blocker)
{
	const void *o = blocker;
	bool ok = true;
	int i;

	pthread_mutex_lock(&lf_graph_mtx);
	for (i = 0; i < LF_MAXDEPTH && o != NULL && ok; i++) {
		o = lf_waiting_for(o);
		ok = o != we->we_owner;
	}
	if (ok) {
		we->we_blocker = blocker;
		if (!*entered)
			LIST_INSERT_HEAD(&lf_waiters, we, we_link);
		*entered = true;
	}
	pthread_mutex_unlock(&lf_graph_mtx);
	return ok;
}

static void
lf_graph_leave(struct lf_waitent *we)
{
	pthread_mutex_lock(&lf_graph_mtx);
	LIST_REMOVE(we, we_link);
	pthread_mutex_unlock(&lf_graph_mtx);
}

/* --- acquiring ----------------------------------------------------------------- */

/*
 * Waits until req conflicts with nothing (or fails: -EAGAIN without wait,
 * -EDEADLK, -EINTR).  Called and returns with v_lockf_mtx held.
 */
static int
lf_wait(struct vnode *vp, const struct lockf *req, bool wait)
{
	struct lf_waitent we = { .we_owner = req->lf_owner, .we_vp = vp };
	bool detect = req->lf_kind == LF_POSIX, entered = false;
	struct lockf *blk;
	struct waiter w;
	int error = 0;

	while ((blk = lf_findconflict(vp, req)) != NULL) {
		if (!wait) {
			error = -EAGAIN;
			break;
		}
		if (detect && !lf_may_wait(&we, &entered, blk->lf_owner)) {
			error = -EDEADLK;
			break;
		}
		waitq_enter(&vp->v_lockf_wq, &w);
		pthread_mutex_unlock(&vp->v_lockf_mtx);
		error = waitq_park(&w, NULL);
		waitq_leave(&w);
		pthread_mutex_lock(&vp->v_lockf_mtx);
		if (error != 0)
			break;
	}
	if (entered)
		lf_graph_leave(&we);
	return error;
}

/*
 * Sets req (F_UNLCK: clears its range), waiting for conflicts to go if
 * wait.  Memory is taken before the lock so that a change, once begun,
 * cannot fail half-way; Linux reports allocation failure as -ENOLCK.
 */
static int
lf_set(struct vnode *vp, const struct lockf *req, bool wait)
{
	struct lockf *spare[2] = { NULL, NULL };
	int error = 0, i;

	/* a new lock needs one record; a split (never for flock) another */
	if (req->lf_type != F_UNLCK)
		spare[0] = kmem_alloc(sizeof(struct lockf));
	if (!lf_isflock(req))
		spare[1] = kmem_alloc(sizeof(struct lockf));
	if ((req->lf_type != F_UNLCK && spare[0] == NULL) ||
	    (!lf_isflock(req) && spare[1] == NULL)) {
		error = -ENOLCK;
		goto out;
	}
	pthread_mutex_lock(&vp->v_lockf_mtx);
	if (req->lf_type != F_UNLCK)
		error = lf_wait(vp, req, wait);
	if (error == 0 && lf_apply(vp, req, spare))
		lf_wakeup(vp);
	pthread_mutex_unlock(&vp->v_lockf_mtx);
out:
	for (i = 0; i < 2; i++)
		if (spare[i] != NULL)
			kmem_free(spare[i], sizeof(struct lockf));
	return error;
}

/* Drops every lock of owner whose kind is in kinds (bit mask). */
static void
lf_release(struct vnode *vp, const void *owner, unsigned kinds)
{
	struct lockf *l, *prev = NULL, *next;
	bool changed = false;

	if (vp == NULL)
		return;
	pthread_mutex_lock(&vp->v_lockf_mtx);
	for (l = vp->v_lockf; l != NULL; l = next) {
		next = l->lf_next;
		if (l->lf_owner == owner && (kinds & (1u << l->lf_kind)) != 0) {
			lf_unlink(vp, prev, l);
			changed = true;
		} else {
			prev = l;
		}
	}
	if (changed)
		lf_wakeup(vp);
	pthread_mutex_unlock(&vp->v_lockf_mtx);
}

void
lf_release_proc(struct vnode *vp, struct proc *p)
{
	lf_release(vp, p, 1u << LF_POSIX);
}

void
lf_release_file(struct vnode *vp, struct file *fp)
{
	lf_release(vp, fp, (1u << LF_OFD) | (1u << LF_FLOCK));
}

/* --- fcntl ----------------------------------------------------------------------- */

/* The byte range of fl as [start, end], checked as Linux does. */
static int
lf_range(struct file *fp, const struct flock *fl, struct lockf *req)
{
	off_t base, start;

	switch (fl->l_whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		pthread_mutex_lock(&fp->f_offlock);
		base = fp->f_offset;
		pthread_mutex_unlock(&fp->f_offlock);
		break;
	case SEEK_END:
		VFS_LOCK();
		base = fp->f_vnode->v_size;
		VFS_UNLOCK();
		break;
	default:
		return -EINVAL;
	}
	if (__builtin_add_overflow(base, fl->l_start, &start))
		return -EOVERFLOW;
	if (start < 0)
		return -EINVAL;
	if (fl->l_len > 0) {
		if (fl->l_len - 1 > OFF_MAX - start)
			return -EOVERFLOW;
		req->lf_start = start;
		req->lf_end = start + (fl->l_len - 1);
	} else if (fl->l_len < 0) {
		/* POSIX-2001: the range ends just before l_start */
		if (start + fl->l_len < 0)
			return -EINVAL;
		req->lf_start = start + fl->l_len;
		req->lf_end = start - 1;
	} else {
		req->lf_start = start;
		req->lf_end = OFF_MAX;
	}
	return 0;
}

static int
lf_getlk(struct file *fp, struct lockf *req, struct flock *fl)
{
	struct vnode *vp = fp->f_vnode;
	struct lockf *l;

	pthread_mutex_lock(&vp->v_lockf_mtx);
	l = lf_findconflict(vp, req);
	if (l == NULL) {
		fl->l_type = F_UNLCK;
	} else {
		fl->l_type = l->lf_type;
		fl->l_whence = SEEK_SET;
		fl->l_start = l->lf_start;
		fl->l_len = l->lf_end == OFF_MAX ? 0 :
		    l->lf_end - l->lf_start + 1;
		fl->l_pid = l->lf_kind == LF_OFD ? -1 : l->lf_pid;
	}
	pthread_mutex_unlock(&vp->v_lockf_mtx);
	return 0;
}

static int
lf_setlk(struct file *fp, struct lockf *req, const struct flock *fl, bool wait)
{
	switch (fl->l_type) {
	case F_RDLCK:
		if (!FREAD(fp))
			return -EBADF;
		break;
	case F_WRLCK:
		if (!FWRITE(fp))
			return -EBADF;
		break;
	case F_UNLCK:
		break;
	default:
		return -EINVAL;
	}
	if (req->lf_kind == LF_OFD && fl->l_pid != 0)
		return -EINVAL;
	req->lf_type = fl->l_type;
	return lf_set(fp->f_vnode, req, wait);
}

int
lf_fcntl(struct file *fp, struct proc *p, int cmd, struct flock *fl)
{
	bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK ||
	    cmd == F_OFD_SETLKW;
	struct lockf req = {
		.lf_kind = ofd ? LF_OFD : LF_POSIX,
		.lf_owner = ofd ? (const void *)fp : (const void *)p,
		.lf_pid = p->p_pid,
	};
	int error;

	if ((atomic_load(&fp->f_flag) & O_PATH) != 0)
		return -EBADF;
	/* no vnode (anonymous pipes, sockets): nowhere to keep locks */
	if (fp->f_vnode == NULL)
		return -ENOLCK;
	if ((cmd == F_GETLK || cmd == F_OFD_GETLK) &&
	    fl->l_type != F_RDLCK && fl->l_type != F_WRLCK)
		return -EINVAL;
	error = lf_range(fp, fl, &req);
	if (error != 0)
		return error;
	switch (cmd) {
	case F_GETLK:
	case F_OFD_GETLK:
		if (ofd && fl->l_pid != 0)
			return -EINVAL;
		req.lf_type = fl->l_type;
		return lf_getlk(fp, &req, fl);
	case F_SETLK:
	case F_OFD_SETLK:
		return lf_setlk(fp, &req, fl, false);
	case F_SETLKW:
	case F_OFD_SETLKW:
		return lf_setlk(fp, &req, fl, true);
	default:
		return -EINVAL;
	}
}

/* --- flock ------------------------------------------------------------------------ */

/* The type of fp's flock lock on vp, F_UNLCK if none. */
static int
lf_flock_held(struct vnode *vp, struct file *fp)
{
	struct lockf *l;
	int type = F_UNLCK;

	pthread_mutex_lock(&vp->v_lockf_mtx);
	for (l = vp->v_lockf; l != NULL; l = l->lf_next)
		if (lf_isflock(l) && l->lf_owner == fp)
			type = l->lf_type;
	pthread_mutex_unlock(&vp->v_lockf_mtx);
	return type;
}

/*
 * Like Linux, converting between shared and exclusive drops the old lock
 * first and then queues for the new one: not atomic, and a failed
 * LOCK_NB conversion leaves the file unlocked.
 */
int
lf_flock(struct file *fp, int op)
{
	struct vnode *vp = fp->f_vnode;
	struct lockf req = {
		.lf_kind = LF_FLOCK, .lf_owner = fp,
		.lf_start = 0, .lf_end = OFF_MAX,
	};
	int held, error;

	if ((atomic_load(&fp->f_flag) & O_PATH) != 0)
		return -EBADF;
	switch (op & ~LOCK_NB) {
	case LOCK_SH: req.lf_type = F_RDLCK; break;
	case LOCK_EX: req.lf_type = F_WRLCK; break;
	case LOCK_UN: req.lf_type = F_UNLCK; break;
	default: return -EINVAL;
	}
	if (vp == NULL)
		return -ENOLCK;
	held = lf_flock_held(vp, fp);
	if (held == req.lf_type)
		return 0;
	if (held != F_UNLCK && req.lf_type != F_UNLCK) {
		struct lockf un = req;

		un.lf_type = F_UNLCK;
		(void)lf_set(vp, &un, false);
	}
	error = lf_set(vp, &req, (op & LOCK_NB) == 0);
	return error == -EAGAIN ? -EWOULDBLOCK : error;
}
