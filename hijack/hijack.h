/*
 * hijack.h — librumphijack's internals (rumphijack(3), DESIGN.md §8).
 *
 * The library is LD_PRELOADed into an unmodified program.  Every glibc
 * function we define here shadows libc's; each decides per call whether
 * the host or the rump kernel (over librumpclient, linked in with hidden
 * visibility) serves it:
 *
 *   init.c      RUMPHIJACK / RUMPHIJACK_RETRYCONNECT parsing, the
 *               constructor, lazy initialisation, state passed over exec
 *   fdtab.c     which host-visible descriptor numbers are rump ones;
 *               dup/dup2/dup3/fcntl/close/close_range/closefrom/pipe
 *   path.c      path routing (path=, blanket=), cwd: chdir/fchdir/getcwd
 *   fdcalls.c   calls taking a descriptor: read/write/..., mmap, ioctl,
 *               copy_file_range/sendfile/splice
 *   pathcalls.c calls taking a path: open family, stat family, *at, ...
 *   dir.c       opendir/readdir/... on rump directories
 *   stdio.c     FILE streams backed by rump calls (fopen, fdopen, and
 *               stdin/stdout/stderr while 0-2 are rump descriptors)
 *   proc.c      fork/vfork/daemon, the exec family, posix_spawn, system,
 *               popen
 *   poll.c      poll/ppoll/select/pselect/epoll over host and rump
 *               descriptors together
 *
 * Descriptors (DESIGN.md §8): a rump descriptor is shown to the program
 * as a host descriptor number it really owns — a placeholder, an O_PATH
 * descriptor of /dev/null allocated at or above fdoff.  The table maps
 * that number to the rump kernel's descriptor.  Host descriptors are
 * never in the table, so they are never refused or misrouted; dup2 in
 * either direction is a host dup2 of the placeholder plus a rump dup.  A
 * placeholder reached through a path we do not interpose (a raw syscall,
 * glibc internals) fails loudly with EBADF instead of losing data.
 *
 * Conventions for wrappers:
 *  - host calls go through HOST(fn)(args): libc's definition, found once;
 *  - rump calls use the rump_sys_* stubs (-1 and errno, like libc);
 *  - call hijack_ensure() before looking at configuration or paths (the
 *    fd table answers "host" for everything before initialisation);
 *  - a rump call that returns a new rump descriptor hands it to
 *    fd_newrump(), whose result is what the program sees.
 */
#ifndef RUMP_HIJACK_HIJACK_H
#define RUMP_HIJACK_HIJACK_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <rump/rumpclient.h>
#include <rump/rump_syscalls.h>

#define HIJACK_EXPORT __attribute__((visibility("default")))

/* ---- host calls ---------------------------------------------------- */

/* libc's definition of a symbol this library also defines (dlsym
 * RTLD_NEXT); aborts with a message if there is none */
void *hijack_dlnext(const char *name);

/* HOST(read)(fd, buf, n): call libc's read.  The pointer is looked up on
 * first use at each call site and cached. */
#define HOST(fn) (__extension__({					\
	static __typeof__(&fn) host_p_;					\
	__typeof__(&fn) host_f_ =					\
	    __atomic_load_n(&host_p_, __ATOMIC_RELAXED);		\
	if (__builtin_expect(host_f_ == NULL, 0)) {			\
		host_f_ = (__typeof__(&fn))hijack_dlnext(#fn);		\
		__atomic_store_n(&host_p_, host_f_, __ATOMIC_RELAXED);	\
	}								\
	host_f_;							\
}))

/* ---- configuration (init.c) ---------------------------------------- */

#define HIJACK_MAXBLANKET	32

struct hijack_cfg {
	bool	 enabled;	/* RUMPHIJACK not empty: we talk to a kernel */
	char	 prefix[PATH_MAX];	/* path=; "" when not given */
	size_t	 prefixlen;
	char	*blanket[HIJACK_MAXBLANKET];	/* blanket= entries */
	size_t	 blanketlen[HIJACK_MAXBLANKET];
	size_t	 nblanket;
	bool	 sockets[64];	/* socket=: families sent to rump (unused yet) */
	unsigned vfs;		/* vfs=: HIJACK_VFS_* bits */
	bool	 sysctl;	/* sysctl=yes */
	int	 fdoff;		/* fdoff=; placeholders live at >= this */
};
#define HIJACK_VFS_NFSSVC	0x1
#define HIJACK_VFS_GETVFSSTAT	0x2
#define HIJACK_VFS_FHCALLS	0x4

extern struct hijack_cfg hcfg;

/* parses a RUMPHIJACK value into *c: 0, or -1 with a message naming the
 * bad item in err (for the one line we print before exit(1)) */
int hijack_parsecfg(const char *s, struct hijack_cfg *c, char *err,
    size_t errlen);
/* parses RUMPHIJACK_RETRYCONNECT: 0 and the rumpclient_setconnretry()
 * value in *out, or -1 */
int hijack_parseretry(const char *s, time_t *out);

/* set once initialisation finished (acquire/release) */
extern int hijack_ready;
void hijack_init_slow(void);
static inline void
hijack_ensure(void)
{
	if (__builtin_expect(!__atomic_load_n(&hijack_ready, __ATOMIC_ACQUIRE), 0))
		hijack_init_slow();
}
/* true when rump calls are possible (configured and connected) */
static inline bool
hijack_on(void)
{
	hijack_ensure();
	return hcfg.enabled;
}

/* ---- descriptors (fdtab.c) ----------------------------------------- */

/* entries are rumpfd + 1 so that zeroed chunks mean "host" */
#define FDTAB_SHIFT	10
#define FDTAB_CHUNK	(1 << FDTAB_SHIFT)
#define FDTAB_NCHUNK	1024		/* up to 1 Mi descriptors */
extern int *fdtab_chunk[FDTAB_NCHUNK];	/* atomic builtins only */

/* the rump descriptor behind the program's fd, or -1 for a host one */
static inline int
fd_torump(int fd)
{
	int *c;

	if (__builtin_expect((unsigned)fd >= FDTAB_CHUNK * FDTAB_NCHUNK, 0))
		return -1;
	c = __atomic_load_n(&fdtab_chunk[(unsigned)fd >> FDTAB_SHIFT],
	    __ATOMIC_ACQUIRE);
	if (__builtin_expect(c == NULL, 1))
		return -1;
	return __atomic_load_n(&c[fd & (FDTAB_CHUNK - 1)], __ATOMIC_RELAXED) - 1;
}
static inline bool
fd_isrump(int fd)
{
	return fd_torump(fd) >= 0;
}

/* a new rump descriptor: allocates a placeholder at >= max(minfd, fdoff)
 * (close-on-exec when cloexec), records it and returns its number; -1
 * and errno on failure, with rfd closed in the kernel */
int fd_newrump(int rfd, bool cloexec);
int fd_newrump_min(int rfd, int minfd, bool cloexec);
/* a host call handed out fd (open, socket, pipe, accept...): any stale
 * entry for that number is dropped (its rump descriptor closed).  -1 is
 * ignored, so fd_hostnew(HOST(open)(...)) is fine; returns fd. */
int fd_hostnew(int fd);
/* descriptors the program must not see or touch: the client's socket
 * and our own helpers; close/dup2 on them behave as on a closed fd */
bool fd_isown(int fd);
/* registers/unregisters one of our own host descriptors */
void fd_ownadd(int fd);
void fd_owndel(int fd);

/* fd 0-2 changed between host and rump (stdio.c swaps the FILEs);
 * before: about to change (flush), after: changed */
void stdio_fdchanging(int fd);
void stdio_fdchanged(int fd);

/* ---- paths and cwd (path.c) ---------------------------------------- */

enum route { ROUTE_HOST = 0, ROUTE_RUMP = 1 };

/*
 * Where path, relative to dirfd (a program descriptor or AT_FDCWD),
 * goes.  ROUTE_RUMP: *rpath is what to hand the kernel (prefix
 * stripped for path=, unchanged for blanket= or relative paths; it
 * points into path, or is "/") and *rdirfd the kernel's dirfd
 * (AT_FDCWD or the translated descriptor).  ROUTE_HOST: *rpath = path,
 * *rdirfd = dirfd.  An absolute path ignores dirfd; a relative one goes
 * where dirfd (or, for AT_FDCWD, the cwd) is.  NULL path: host.
 */
enum route path_route(int dirfd, const char *path, const char **rpath,
    int *rdirfd);
/* the same for a path relative to the cwd */
static inline enum route
path_route_cwd(const char *path, const char **rpath)
{
	int d;

	return path_route(-100 /* AT_FDCWD */, path, rpath, &d);
}
/* the cwd is in the rump kernel */
extern bool pwdinrump;

/*
 * The host fast path: true when path (relative to dirfd) certainly goes
 * to the host, false when path_route() must decide.  Wrappers of hot
 * calls test this first, with no locals whose address escapes, so that
 * the host call is a tail call (a few ns in all).
 */
static inline bool
path_ishost(int dirfd, const char *path)
{
	if (__builtin_expect(!__atomic_load_n(&hijack_ready, __ATOMIC_ACQUIRE), 0))
		return false;
	if (!hcfg.enabled || path == NULL)
		return true;
	if (path[0] == '/')
		return (hcfg.prefixlen == 0 || path[1] != hcfg.prefix[1]) &&
		    hcfg.nblanket == 0;
	if (dirfd == -100 /* AT_FDCWD */)
		return !pwdinrump;
	return !fd_isrump(dirfd);
}
/* the program-visible name of a rump path: prefix + kpath (kpath
 * absolute, in the kernel's namespace); ERANGE if it does not fit */
int path_fromrump(const char *kpath, char *out, size_t outlen);

/* ---- process state over exec (init.c, used by proc.c) --------------- */

/* a new environment for execve: envp plus our private variables (the
 * descriptor table, pwdinrump); free with hijack_execenv_free */
char **hijack_execenv(char *const envp[]);
void hijack_execenv_free(char **env);

/* ---- small helpers ------------------------------------------------- */

/* errno = e; return -1 */
static inline int
seterr(int e)
{
	extern int *__errno_location(void);

	*__errno_location() = e;
	return -1;
}

#endif /* RUMP_HIJACK_HIJACK_H */
