/*
 * sysctl.c — the sysctl tree and its three system calls.
 *
 * Nodes are named by dotted NetBSD names ("kern.hostname").  Components add
 * leaves at init time (sysctl_nodes.c for kern/hw/vfs, later the network
 * stack); interior nodes appear on demand.  Children are kept in creation
 * order, so depth-first enumeration (sysctlnext) lists a subtree in the
 * order it was registered, like NetBSD's sysctl -a.
 *
 * Semantics chosen where NetBSD and Linux leave room:
 *  - reading with oldp == NULL only reports the size in *oldlenp;
 *  - a too small buffer gets what fits, *oldlenp is set to the full size
 *    and the call fails with ENOMEM (NetBSD);
 *  - reading or writing an interior node fails with EISDIR;
 *  - writes need RUMP_CTLFLAG_RW and root, else EPERM; a write is applied
 *    only if the read part (if any) succeeded;
 *  - a value of the wrong size (int, quad) or a string that does not fit
 *    its buffer is EINVAL.
 *
 * Locking: one mutex, sysctl_mtx, protects the shape of the tree and every
 * node's value.  Handlers run with it held and must not sleep or take a
 * lock that anyone holds while calling into sysctl (kern_gethostname is
 * called with no lock held; vfs.generic.fstypes takes the file-system
 * registry's mutex inside this one, never the other way round).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include "kern/kern.h"
#include "kern/sysctl.h"
#include "kern/sysent.h"

#define SYSCTL_COMPMAX	32	/* longest single component, with NUL */

struct sysctlnode {
	char			 sn_name[SYSCTL_COMPMAX];
	unsigned		 sn_type;	/* RUMP_CTLTYPE_* */
	unsigned		 sn_flags;	/* RUMP_CTLFLAG_* */
	struct sysctlnode	*sn_parent;
	TAILQ_HEAD(, sysctlnode) sn_children;	/* RUMP_CTLTYPE_NODE */
	TAILQ_ENTRY(sysctlnode)	 sn_sibling;
	void			*sn_ptr;	/* int/quad/string storage */
	size_t			 sn_size;	/* string buffer size */
	sysctl_fn		 sn_fn;		/* computed value, or NULL */
	void			*sn_arg;
	char			 sn_desc[sizeof(((struct rump_sysctlinfo *)0)->desc)];
};

static pthread_mutex_t sysctl_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct sysctlnode sysctl_root = {
	.sn_type = RUMP_CTLTYPE_NODE,
	.sn_children = TAILQ_HEAD_INITIALIZER(sysctl_root.sn_children),
};

void
sysctl_lock(void)
{
	pthread_mutex_lock(&sysctl_mtx);
}

void
sysctl_unlock(void)
{
	pthread_mutex_unlock(&sysctl_mtx);
}

void *
sysctl_node_arg(struct sysctlnode *node)
{
	return node->sn_arg;
}

int
sysctl_copyval(void *oldp, size_t *oldlenp, const void *val, size_t size)
{
	size_t cap = *oldlenp;

	*oldlenp = size;
	if (oldp == NULL)
		return 0;
	if (cap < size) {
		memcpy(oldp, val, cap);
		return -ENOMEM;
	}
	memcpy(oldp, val, size);
	return 0;
}

/* --- the tree -------------------------------------------------------------- */

static struct sysctlnode *
sysctl_child(struct sysctlnode *dir, const char *comp, size_t len)
{
	struct sysctlnode *n;

	if (len >= SYSCTL_COMPMAX)
		return NULL;
	TAILQ_FOREACH(n, &dir->sn_children, sn_sibling) {
		if (strncmp(n->sn_name, comp, len) == 0 && n->sn_name[len] == '\0')
			return n;
	}
	return NULL;
}

/*
 * Finds the node for a dotted name.  With create set, missing interior
 * nodes are made on the way and the returned node is a fresh leaf (or
 * NULL with *errp set: -EEXIST, -ENOTDIR, -EINVAL, -ENOMEM).
 * sysctl_mtx held.
 */
static struct sysctlnode *
sysctl_walk(const char *name, bool create, int *errp)
{
	struct sysctlnode *dir = &sysctl_root, *n = NULL;
	const char *p = name, *dot;
	size_t len;

	*errp = -ENOENT;
	if (name == NULL || name[0] == '\0' ||
	    strnlen(name, RUMP_SYSCTL_NAMEMAX) >= RUMP_SYSCTL_NAMEMAX)
		return NULL;
	for (;;) {
		dot = strchr(p, '.');
		len = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (len == 0 || len >= SYSCTL_COMPMAX) {
			*errp = create ? -EINVAL : -ENOENT;
			return NULL;
		}
		if (dir->sn_type != RUMP_CTLTYPE_NODE) {
			*errp = create ? -ENOTDIR : -ENOENT;
			return NULL;
		}
		n = sysctl_child(dir, p, len);
		if (n == NULL) {
			if (!create)
				return NULL;
			n = calloc(1, sizeof(*n));
			if (n == NULL) {
				*errp = -ENOMEM;
				return NULL;
			}
			memcpy(n->sn_name, p, len);
			n->sn_type = RUMP_CTLTYPE_NODE;
			n->sn_parent = dir;
			TAILQ_INIT(&n->sn_children);
			TAILQ_INSERT_TAIL(&dir->sn_children, n, sn_sibling);
		} else if (create && dot == NULL) {
			*errp = -EEXIST;
			return NULL;
		}
		if (dot == NULL)
			return n;
		dir = n;
		p = dot + 1;
	}
}

static int
sysctl_add(const char *name, unsigned type, unsigned flags, void *ptr,
    size_t size, sysctl_fn fn, void *arg, const char *desc)
{
	struct sysctlnode *n;
	int err;

	sysctl_lock();
	n = sysctl_walk(name, true, &err);
	if (n != NULL) {
		n->sn_type = type;
		n->sn_flags = flags;
		n->sn_ptr = ptr;
		n->sn_size = size;
		n->sn_fn = fn;
		n->sn_arg = arg;
		if (desc != NULL)
			strncpy(n->sn_desc, desc, sizeof(n->sn_desc) - 1);
		err = 0;
	}
	sysctl_unlock();
	return err;
}

int
sysctl_add_int(const char *name, unsigned flags, int *valp, const char *desc)
{
	return sysctl_add(name, RUMP_CTLTYPE_INT, flags, valp, sizeof(int),
	    NULL, NULL, desc);
}

int
sysctl_add_quad(const char *name, unsigned flags, int64_t *valp, const char *desc)
{
	return sysctl_add(name, RUMP_CTLTYPE_QUAD, flags, valp, sizeof(int64_t),
	    NULL, NULL, desc);
}

int
sysctl_add_string(const char *name, unsigned flags, char *buf, size_t bufsize,
    const char *desc)
{
	if (bufsize == 0)
		return -EINVAL;
	return sysctl_add(name, RUMP_CTLTYPE_STRING, flags, buf, bufsize,
	    NULL, NULL, desc);
}

int
sysctl_add_proc(const char *name, unsigned type, unsigned flags, sysctl_fn fn,
    void *arg, const char *desc)
{
	if (fn == NULL || type == RUMP_CTLTYPE_NODE)
		return -EINVAL;
	return sysctl_add(name, type, flags, NULL, 0, fn, arg, desc);
}

/* --- values ------------------------------------------------------------------ */

/* Writes newp into a variable-backed node; sysctl_mtx held. */
static int
sysctl_store(struct sysctlnode *n, const void *newp, size_t newlen)
{
	size_t len;

	switch (n->sn_type) {
	case RUMP_CTLTYPE_STRING:
		len = strnlen(newp, newlen);
		if (len >= n->sn_size)
			return -EINVAL;
		memcpy(n->sn_ptr, newp, len);
		((char *)n->sn_ptr)[len] = '\0';
		return 0;
	case RUMP_CTLTYPE_INT:
	case RUMP_CTLTYPE_QUAD:
		if (newlen != n->sn_size)
			return -EINVAL;
		memcpy(n->sn_ptr, newp, newlen);
		return 0;
	default:
		return -EINVAL;
	}
}

/* The node's value size for a plain node; sysctl_mtx held. */
static size_t
sysctl_valsize(struct sysctlnode *n)
{
	if (n->sn_type == RUMP_CTLTYPE_STRING)
		return strnlen(n->sn_ptr, n->sn_size - 1) + 1;
	return n->sn_size;
}

/* Read (oldp may be NULL) then write (newp may be NULL); sysctl_mtx held. */
static int
sysctl_access(struct sysctlnode *n, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	int err;

	if (n->sn_fn != NULL)
		return n->sn_fn(n, oldp, oldlenp, newp, newlen);
	err = sysctl_copyval(oldp, oldlenp, n->sn_ptr, sysctl_valsize(n));
	if (err == 0 && newp != NULL)
		err = sysctl_store(n, newp, newlen);
	return err;
}

long
sys_sysctlbyname(const char *name, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	struct sysctlnode *n;
	struct cred cred;
	size_t dummy = 0;
	int err;

	if (oldp != NULL && oldlenp == NULL)
		return -EINVAL;
	if (oldlenp == NULL)
		oldlenp = &dummy;
	if (newp != NULL)
		proc_getcred(curproc(), &cred);
	sysctl_lock();
	n = sysctl_walk(name, false, &err);
	if (n == NULL)
		goto out;
	if (n->sn_type == RUMP_CTLTYPE_NODE) {
		err = -EISDIR;
		goto out;
	}
	if (newp != NULL &&
	    ((n->sn_flags & RUMP_CTLFLAG_RW) == 0 || !cred_isroot(&cred))) {
		err = -EPERM;
		goto out;
	}
	err = sysctl_access(n, oldp, oldlenp, newp, newlen);
out:
	sysctl_unlock();
	return err;
}

/* --- enumeration and description -------------------------------------------- */

/* Next node after n in depth-first order, not descending into n. */
static struct sysctlnode *
sysctl_skip(struct sysctlnode *n)
{
	while (n != NULL && n != &sysctl_root) {
		if (TAILQ_NEXT(n, sn_sibling) != NULL)
			return TAILQ_NEXT(n, sn_sibling);
		n = n->sn_parent;
	}
	return NULL;
}

/* First leaf at or after n in depth-first order (descending into n). */
static struct sysctlnode *
sysctl_firstleaf(struct sysctlnode *n)
{
	while (n != NULL) {
		if (n->sn_type != RUMP_CTLTYPE_NODE)
			return n;
		if (!TAILQ_EMPTY(&n->sn_children))
			n = TAILQ_FIRST(&n->sn_children);
		else
			n = sysctl_skip(n);
	}
	return NULL;
}

/* The dotted name of n into buf; -ERANGE if it does not fit. */
static int
sysctl_fullname(struct sysctlnode *n, char *buf, size_t size)
{
	size_t len = 0, clen;
	struct sysctlnode *p;

	for (p = n; p != &sysctl_root; p = p->sn_parent)
		len += strlen(p->sn_name) + 1;
	if (len > size)
		return -ERANGE;
	buf[--len] = '\0';
	for (p = n; p != &sysctl_root; p = p->sn_parent) {
		clen = strlen(p->sn_name);
		len -= clen;
		memcpy(buf + len, p->sn_name, clen);
		if (len > 0)
			buf[--len] = '.';
	}
	return 0;
}

/*
 * The leaf after `name` in depth-first order: for a leaf, the one after
 * it; for an interior node, the first leaf inside it (so a listing of
 * "kern" starts at kern's first leaf); for NULL or "", the first leaf.
 */
long
sys_sysctlnext(const char *name, char *next, size_t size)
{
	struct sysctlnode *n;
	int err = 0;

	sysctl_lock();
	if (name == NULL || name[0] == '\0') {
		n = sysctl_firstleaf(&sysctl_root);
	} else {
		n = sysctl_walk(name, false, &err);
		if (n == NULL)
			goto out;
		if (n->sn_type == RUMP_CTLTYPE_NODE)
			n = sysctl_firstleaf(n);
		else
			n = sysctl_firstleaf(sysctl_skip(n));
	}
	err = n != NULL ? sysctl_fullname(n, next, size) : -ENOENT;
out:
	sysctl_unlock();
	return err;
}

long
sys_sysctlinfo(const char *name, struct rump_sysctlinfo *info)
{
	struct sysctlnode *n;
	size_t size = 0;
	int err;

	sysctl_lock();
	n = sysctl_walk(name, false, &err);
	if (n == NULL)
		goto out;
	memset(info, 0, sizeof(*info));
	info->type = n->sn_type;
	info->flags = n->sn_flags;
	if (n->sn_type == RUMP_CTLTYPE_NODE)
		size = 0;
	else if (n->sn_fn != NULL)
		(void)n->sn_fn(n, NULL, &size, NULL, 0);
	else
		size = sysctl_valsize(n);
	info->size = size;
	memcpy(info->desc, n->sn_desc, sizeof(info->desc));
	err = 0;
out:
	sysctl_unlock();
	return err;
}
