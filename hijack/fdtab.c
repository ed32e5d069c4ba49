/*
 * fdtab.c — which of the program's descriptor numbers are rump ones.
 *
 * Each rump descriptor the program holds is a host descriptor number it
 * really owns: a placeholder, an O_PATH duplicate of /dev/null, at or
 * above fdoff.  The table maps that number to the kernel's descriptor,
 * one kernel descriptor per program number: dup/dup2 make a kernel dup
 * and a host dup of the placeholder, so both kernels always agree on
 * which numbers are open and which are close-on-exec (the host closes
 * the placeholder on exec, the kernel its descriptor).  Host descriptors
 * are never in the table; a host call that hands out a number still in
 * it (possible only if a placeholder was closed behind our back) drops
 * the stale entry.
 *
 * The table is lock-free: two-level, entries swapped atomically, so a
 * close racing a close (or a signal handler's close) releases the kernel
 * descriptor exactly once, and lookups on the host fast path are two
 * loads.
 *
 * Our own host descriptors (the client's socket, the placeholder
 * template, helpers' wake-up descriptors) are invisible: close/dup2/
 * fcntl on them behave as on a closed number, and dup2 onto the socket's
 * number moves the socket first.
 *
 * Across exec the table travels in RUMPHIJACK__FDTAB=host:rump,...
 * (only descriptors that survive the exec).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hijack/hijack.h"
#include "hijack/internal.h"

#define OWN_HIGHFD	1000	/* where our own descriptors go */
#define OWN_MAX		1024	/* helpers' wake-up descriptors: one per waiting thread */

int *fdtab_chunk[FDTAB_NCHUNK];
static int tmpl_fd = -1;
static int own_fds[OWN_MAX];
static int own_n;

/* ---- the table ----------------------------------------------------- */

static int *
tab_slot(int fd, bool create)
{
	int *c, *fresh;
	unsigned i = (unsigned)fd >> FDTAB_SHIFT;

	c = __atomic_load_n(&fdtab_chunk[i], __ATOMIC_ACQUIRE);
	if (c == NULL && create) {
		if ((fresh = calloc(FDTAB_CHUNK, sizeof(int))) == NULL)
			return NULL;
		c = NULL;
		if (__atomic_compare_exchange_n(&fdtab_chunk[i], &c, fresh, false,
		    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			c = fresh;
		else
			free(fresh);
	}
	return c == NULL ? NULL : &c[fd & (FDTAB_CHUNK - 1)];
}

/* sets fd's entry to rfd (-1: host); returns the previous rump fd or -1 */
static int
tab_swap(int fd, int rfd)
{
	int *s;

	if (fd < 0 || fd >= FDTAB_CHUNK * FDTAB_NCHUNK)
		return -1;
	if ((s = tab_slot(fd, rfd >= 0)) == NULL)
		return -1;
	return __atomic_exchange_n(s, rfd + 1, __ATOMIC_ACQ_REL) - 1;
}

/* calls fn(host, rump, arg) for every entry with host in [lo, hi] */
static void
tab_walk(unsigned lo, unsigned hi, void (*fn)(int, int, void *), void *arg)
{
	for (unsigned i = lo >> FDTAB_SHIFT; i < FDTAB_NCHUNK &&
	    i <= hi >> FDTAB_SHIFT; i++) {
		int *c = __atomic_load_n(&fdtab_chunk[i], __ATOMIC_ACQUIRE);

		if (c == NULL)
			continue;
		for (unsigned j = 0; j < FDTAB_CHUNK; j++) {
			unsigned fd = (i << FDTAB_SHIFT) | j;
			int v = __atomic_load_n(&c[j], __ATOMIC_RELAXED);

			if (v > 0 && fd >= lo && fd <= hi)
				fn((int)fd, v - 1, arg);
		}
	}
}

/* ---- our own descriptors ------------------------------------------- */

bool
fd_isown(int fd)
{
	int n;

	if (fd < 0)
		return false;
	if (fd == __atomic_load_n(&tmpl_fd, __ATOMIC_RELAXED) ||
	    rumpclient__isownfd(fd))
		return true;
	n = __atomic_load_n(&own_n, __ATOMIC_ACQUIRE);
	for (int i = 0; i < n; i++)
		if (__atomic_load_n(&own_fds[i], __ATOMIC_RELAXED) == fd)
			return true;
	return false;
}

/*
 * Only adders serialise (two must not take the same free slot).  A
 * removal is one atomic store and takes no lock: poll.c's fork handler
 * drops the helpers' descriptors in the child, where the lock may be
 * held by a thread that no longer exists; the child gets the lock
 * afresh (own_atfork_child) for adding later.
 */
static pthread_mutex_t own_mtx = PTHREAD_MUTEX_INITIALIZER;

static void
own_atfork_child(void)
{
	pthread_mutex_init(&own_mtx, NULL);
}

void
fd_ownadd(int fd)
{
	pthread_mutex_lock(&own_mtx);
	for (int i = 0; i < own_n; i++) {
		if (__atomic_load_n(&own_fds[i], __ATOMIC_RELAXED) == -1) {
			__atomic_store_n(&own_fds[i], fd, __ATOMIC_RELEASE);
			pthread_mutex_unlock(&own_mtx);
			return;
		}
	}
	if (own_n < OWN_MAX) {
		own_fds[own_n] = fd;
		__atomic_store_n(&own_n, own_n + 1, __ATOMIC_RELEASE);
	} else {
		static bool said;

		if (!said)
			hijack_msg("rumphijack: more than %d descriptors of our own; "
			    "descriptor %d is visible to the program", OWN_MAX, fd);
		said = true;
	}
	pthread_mutex_unlock(&own_mtx);
}

void
fd_owndel(int fd)
{
	int n = __atomic_load_n(&own_n, __ATOMIC_ACQUIRE);

	for (int i = 0; i < n; i++)
		if (__atomic_load_n(&own_fds[i], __ATOMIC_RELAXED) == fd)
			__atomic_store_n(&own_fds[i], -1, __ATOMIC_RELEASE);
}

/* the program wants number fd: get ours out of the way; 0 or an errno */
static int
own_evict(int fd)
{
	int t, n;

	if (rumpclient__isownfd(fd))
		return rumpclient__movefd(fd);
	t = __atomic_load_n(&tmpl_fd, __ATOMIC_RELAXED);
	if (fd == t) {
		if ((n = HOST(fcntl)(t, F_DUPFD_CLOEXEC, t + 1)) == -1)
			return errno;
		__atomic_store_n(&tmpl_fd, n, __ATOMIC_RELAXED);
		HOST(close)(t);
		return 0;
	}
	return fd_isown(fd) ? EBUSY : 0;
}

/* ---- allocation ---------------------------------------------------- */

void
fdtab_init(void)
{
	int fd, hi;

	fd = HOST(open)("/dev/null", O_PATH | O_CLOEXEC);
	if (fd == -1)
		fd = HOST(open)("/", O_PATH | O_CLOEXEC);
	if (fd == -1) {
		hijack_msg("rumphijack: cannot open a placeholder descriptor: %s",
		    strerror(errno));
		_exit(1);
	}
	hi = HOST(fcntl)(fd, F_DUPFD_CLOEXEC, OWN_HIGHFD);
	if (hi != -1) {
		HOST(close)(fd);
		fd = hi;
	}
	__atomic_store_n(&tmpl_fd, fd, __ATOMIC_RELEASE);
	pthread_atfork(NULL, NULL, own_atfork_child);
}

int
fd_newrump_min(int rfd, int minfd, bool cloexec)
{
	int h, e, prev, asked = minfd;

	if (minfd < hcfg.fdoff)
		minfd = hcfg.fdoff;
	h = HOST(fcntl)(__atomic_load_n(&tmpl_fd, __ATOMIC_RELAXED),
	    cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, minfd);
	if (h == -1 || h >= FDTAB_CHUNK * FDTAB_NCHUNK) {
		e = h == -1 ? errno : EMFILE;
		/* F_DUPFD's EINVAL for fdoff at or above RLIMIT_NOFILE: to
		 * an open that is "no descriptor left" */
		if (e == EINVAL && asked < minfd)
			e = EMFILE;
		if (h != -1)
			HOST(close)(h);
		rump_sys_close(rfd);
		return seterr(e);
	}
	if ((prev = tab_swap(h, rfd)) >= 0)
		rump_sys_close(prev);
	if (fd_torump(h) != rfd) {		/* no memory for a chunk */
		HOST(close)(h);
		rump_sys_close(rfd);
		return seterr(ENOMEM);
	}
	return h;
}

int
fd_newrump(int rfd, bool cloexec)
{
	return fd_newrump_min(rfd, 0, cloexec);
}

int
fd_hostnew(int fd)
{
	int prev;

	if (fd >= 0 && __builtin_expect(fd_torump(fd) >= 0, 0) &&
	    (prev = tab_swap(fd, -1)) >= 0)
		rump_sys_close(prev);
	return fd;
}

/* ---- close --------------------------------------------------------- */

static int
close_rump(int fd)
{
	int r, rc;

	if (fd <= 2)
		stdio_fdchanging(fd);
	if ((r = tab_swap(fd, -1)) < 0)
		return HOST(close)(fd);		/* lost a race with a close */
	HOST(close)(fd);
	rc = rump_sys_close(r);
	if (fd <= 2)
		stdio_fdchanged(fd);
	return rc;
}

HIJACK_EXPORT int
close(int fd)
{
	if (__builtin_expect(fd_torump(fd) < 0, 1)) {
		if (fd_isown(fd))
			return seterr(EBADF);
		return HOST(close)(fd);
	}
	return close_rump(fd);
}

struct rangeop {
	unsigned flags;
};

static void
range_rump(int fd, int rfd, void *arg)
{
	struct rangeop *op = arg;

	if (op->flags & CLOSE_RANGE_CLOEXEC)
		rump_sys_fcntl(rfd, F_SETFD, FD_CLOEXEC);
	else
		close_rump(fd);
}

static int
cmpint(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

HIJACK_EXPORT int
close_range(unsigned int first, unsigned int last, int flags)
{
	struct rangeop op = { (unsigned)flags };
	int own[OWN_MAX + 3], n = 0;
	unsigned lo;

	if (first > last || (flags & ~(CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE)))
		return seterr(EINVAL);
	if (__atomic_load_n(&hijack_ready, __ATOMIC_ACQUIRE) && hcfg.enabled)
		tab_walk(first, last, range_rump, &op);
	/* host: the range minus our own descriptors */
	for (int fd = 0, m = __atomic_load_n(&own_n, __ATOMIC_ACQUIRE); fd < m; fd++)
		own[n++] = __atomic_load_n(&own_fds[fd], __ATOMIC_RELAXED);
	own[n++] = __atomic_load_n(&tmpl_fd, __ATOMIC_RELAXED);
	n += rumpclient__ownfds(&own[n]);
	qsort(own, (size_t)n, sizeof(int), cmpint);
	lo = first;
	for (int i = 0; i < n; i++) {
		if (own[i] < 0 || (unsigned)own[i] < lo || (unsigned)own[i] > last)
			continue;
		if ((unsigned)own[i] > lo &&
		    HOST(close_range)(lo, (unsigned)own[i] - 1, flags) == -1)
			return -1;
		lo = (unsigned)own[i] + 1;
		if (lo == 0)
			return 0;
	}
	if (lo <= last)
		return HOST(close_range)(lo, last, flags);
	return 0;
}

HIJACK_EXPORT void
closefrom(int lowfd)
{
	if (lowfd < 0)
		lowfd = 0;
	close_range((unsigned)lowfd, ~0u, 0);
}

/* ---- dup ----------------------------------------------------------- */

HIJACK_EXPORT int
dup(int fd)
{
	int r = fd_torump(fd), nr;

	if (__builtin_expect(r < 0, 1)) {
		if (fd_isown(fd))
			return seterr(EBADF);
		return fd_hostnew(HOST(dup)(fd));
	}
	if ((nr = rump_sys_fcntl(r, F_DUPFD, 0)) == -1)
		return -1;
	return fd_newrump(nr, false);
}

/* dup2/dup3: newfd becomes a copy of oldfd in oldfd's kernel */
static int
dup_onto(int oldfd, int newfd, int flags)
{
	int ro, nr = -1, prev, e, rc;

	if (fd_isown(oldfd))
		return seterr(EBADF);
	if (newfd < 0)
		return seterr(EBADF);
	if ((e = own_evict(newfd)) != 0)
		return seterr(e);
	ro = fd_torump(oldfd);
	if (ro >= 0) {
		/* the table must hold newfd before either kernel changes:
		 * past its end (nr_open raised) or with no memory for the
		 * chunk, the placeholder would be a dead number */
		if (newfd >= FDTAB_CHUNK * FDTAB_NCHUNK)
			return seterr(EBADF);
		if (tab_slot(newfd, true) == NULL)
			return seterr(ENOMEM);
		nr = rump_sys_fcntl(ro, (flags & O_CLOEXEC) ? F_DUPFD_CLOEXEC :
		    F_DUPFD, 0);
		if (nr == -1)
			return -1;
	}
	if (newfd <= 2)
		stdio_fdchanging(newfd);
	rc = HOST(dup3)(oldfd, newfd, flags);
	if (rc == -1) {
		e = errno;
		if (nr >= 0)
			rump_sys_close(nr);
		return seterr(e);
	}
	prev = tab_swap(newfd, nr);
	if (prev >= 0)
		rump_sys_close(prev);
	if (newfd <= 2)
		stdio_fdchanged(newfd);
	return newfd;
}

HIJACK_EXPORT int
dup2(int oldfd, int newfd)
{
	if (__builtin_expect(!fd_isrump(oldfd) && !fd_isrump(newfd) &&
	    !fd_isown(newfd) && !fd_isown(oldfd), 1))
		return HOST(dup2)(oldfd, newfd);
	if (oldfd == newfd) {
		if (fd_isown(oldfd))
			return seterr(EBADF);
		return newfd;		/* a table entry is an open number */
	}
	return dup_onto(oldfd, newfd, 0);
}

HIJACK_EXPORT int
dup3(int oldfd, int newfd, int flags)
{
	if (oldfd == newfd || (flags & ~O_CLOEXEC))
		return seterr(EINVAL);
	if (__builtin_expect(!fd_isrump(oldfd) && !fd_isrump(newfd) &&
	    !fd_isown(newfd) && !fd_isown(oldfd), 1))
		return HOST(dup3)(oldfd, newfd, flags);
	return dup_onto(oldfd, newfd, flags);
}

/* ---- fcntl --------------------------------------------------------- */

static int
fcntl_rump(int fd, int r, int cmd, long arg)
{
	int nr;

	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg < 0 || arg >= FDTAB_CHUNK * FDTAB_NCHUNK)
			return seterr(EINVAL);
		if ((nr = rump_sys_fcntl(r, cmd, 0)) == -1)
			return -1;
		return fd_newrump_min(nr, (int)arg, cmd == F_DUPFD_CLOEXEC);
	case F_SETFD:
		/* both kernels close it on exec, or neither */
		if (rump_sys_fcntl(r, F_SETFD, arg) == -1)
			return -1;
		return HOST(fcntl)(fd, F_SETFD, arg);
	default:
		return rump_sys_fcntl(r, cmd, arg);
	}
}

HIJACK_EXPORT int
fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;
	int r;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	r = fd_torump(fd);
	if (__builtin_expect(r >= 0, 0))
		return fcntl_rump(fd, r, cmd, arg);
	if (fd_isown(fd))
		return seterr(EBADF);
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		return fd_hostnew(HOST(fcntl)(fd, cmd, arg));
	return HOST(fcntl)(fd, cmd, arg);
}

HIJACK_EXPORT int fcntl64(int fd, int cmd, ...) __attribute__((alias("fcntl")));

/* ---- pipes --------------------------------------------------------- */

/* pipes stay host pipes: pipelines between programs need them */
HIJACK_EXPORT int
pipe(int fds[2])
{
	if (HOST(pipe)(fds) == -1)
		return -1;
	fd_hostnew(fds[0]);
	fd_hostnew(fds[1]);
	return 0;
}

HIJACK_EXPORT int
pipe2(int fds[2], int flags)
{
	if (HOST(pipe2)(fds, flags) == -1)
		return -1;
	fd_hostnew(fds[0]);
	fd_hostnew(fds[1]);
	return 0;
}

/* ---- exec ---------------------------------------------------------- */

struct sbuf {
	char	*s;
	size_t	 len, cap;
	bool	 oom;
};

static void
ser_one(int fd, int rfd, void *arg)
{
	struct sbuf *b = arg;
	char item[32];
	int fl, n;
	char *ns;

	fl = HOST(fcntl)(fd, F_GETFD);
	if (fl == -1 || (fl & FD_CLOEXEC))
		return;			/* gone with the exec */
	n = snprintf(item, sizeof(item), "%s%d:%d", b->len > 0 ? "," : "",
	    fd, rfd);
	if (b->len + (size_t)n + 1 > b->cap) {
		b->cap = (b->cap + (size_t)n + 1) * 2;
		if ((ns = realloc(b->s, b->cap)) == NULL) {
			b->oom = true;
			return;
		}
		b->s = ns;
	}
	memcpy(b->s + b->len, item, (size_t)n + 1);
	b->len += (size_t)n;
}

char *
fdtab_serialize(void)
{
	struct sbuf b = { 0 };
	char *out;

	tab_walk(0, ~0u, ser_one, &b);
	if (b.oom || asprintf(&out, FDTAB_ENV "=%s", b.s != NULL ? b.s : "") < 0)
		out = NULL;
	free(b.s);
	return out;
}

void
fdtab_restore(void)
{
	const char *s = getenv(FDTAB_ENV);
	char *end;
	long h, r;

	if (s == NULL)
		return;
	while (*s != '\0') {
		h = strtol(s, &end, 10);
		if (*end != ':')
			break;
		r = strtol(end + 1, &end, 10);
		if (*end != ',' && *end != '\0')
			break;
		if (h >= 0 && h < FDTAB_CHUNK * FDTAB_NCHUNK && r >= 0 &&
		    r < INT_MAX && HOST(fcntl)((int)h, F_GETFD) != -1 &&
		    !fd_isown((int)h)) {
			tab_swap((int)h, (int)r);
			if (h <= 2)
				stdio_fdchanged((int)h);
		}
		s = *end == ',' ? end + 1 : end;
	}
	if (*s != '\0')
		hijack_msg("rumphijack: " FDTAB_ENV " malformed; rump "
		    "descriptors after \"%s\" are lost", s);
	unsetenv(FDTAB_ENV);
}
