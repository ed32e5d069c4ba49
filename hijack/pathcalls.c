/*
 * pathcalls.c — the glibc functions that name a file by path: the open
 * family, the stat family (both the 2.33+ entry points and the older
 * __xstat ABI that binaries built before 2.33 still call), the *at
 * calls, links, renames, attributes and times, statfs/statvfs, device
 * nodes and FIFOs, realpath, extended attributes, pathconf, chroot and
 * mount.
 *
 * Every wrapper asks path_route() where its path goes.  The host gets
 * exactly the arguments the program passed (the common case must stay
 * a prefix test and one indirect call); the rump kernel gets the
 * translated path and descriptor.  A call naming two paths (rename,
 * link) is refused with EXDEV when they are in different kernels, like
 * a rename between two mounts, so that mv falls back to copying.
 *
 * realpath cannot be left to glibc for rump paths: it walks the path
 * with internal calls we never see.  We walk it ourselves in the
 * kernel's namespace, so ".." stops at the kernel's root and absolute
 * symlink targets mean the kernel's root, and give the result back in
 * the program's view (path_fromrump).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utime.h>
#include <linux/magic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <sys/random.h>
#include <sys/xattr.h>
#include "hijack/hijack.h"
#include "hijack/internal.h"

/*
 * Entry points glibc exports but declares only for _FORTIFY_SOURCE, and
 * the pre-2.33 stat/mknod ABI (compat symbols today).  x86_64 accepts
 * stat versions 0 (kernel) and 1 (glibc), mknod version 0 only.
 */
int __open_2(const char *, int);
int __open64_2(const char *, int);
int __openat_2(int, const char *, int);
int __openat64_2(int, const char *, int);
ssize_t __readlink_chk(const char *, char *, size_t, size_t);
ssize_t __readlinkat_chk(int, const char *, char *, size_t, size_t);
char *__realpath_chk(const char *, char *, size_t);
void __chk_fail(void) __attribute__((__noreturn__));

int __xstat(int, const char *, struct stat *);
int __xstat64(int, const char *, struct stat64 *);
int __lxstat(int, const char *, struct stat *);
int __lxstat64(int, const char *, struct stat64 *);
int __fxstatat(int, int, const char *, struct stat *, int);
int __fxstatat64(int, int, const char *, struct stat64 *, int);
int __xmknod(int, const char *, mode_t, dev_t *);
int __xmknodat(int, int, const char *, mode_t, dev_t *);

#define STATVER_OK(v)	((v) == 0 || (v) == 1)
#define MKNODVER_OK(v)	((v) == 0)

#define ST_VALID_FLAG	0x0020	/* statfs f_flags is meaningful */

/* glibc refuses a dev_t the kernel's 32-bit mknod argument cannot hold */
#define DEV_OK(d)	((dev_t)(unsigned int)(d) == (d))

/*
 * glibc's headers declare some paths nonnull that a program may still
 * pass as NULL (rename, canonicalize_file_name...): hide the pointer
 * from the optimizer so that our NULL test stays.
 */
static inline const char *
maybenull(const char *p)
{
	__asm__("" : "+r"(p));
	return p;
}

/*
 * Where a call naming two paths goes: ROUTE_HOST, ROUTE_RUMP, or -1
 * with EXDEV when they are in different kernels.  A NULL path is the
 * host's to fail with EFAULT.
 */
static int
route2(int d1, const char *p1, const char **r1, int *rd1,
    int d2, const char *p2, const char **r2, int *rd2)
{
	enum route a, b;

	if (maybenull(p1) == NULL || maybenull(p2) == NULL)
		return ROUTE_HOST;
	a = path_route(d1, p1, r1, rd1);
	b = path_route(d2, p2, r2, rd2);
	if (a != b)
		return seterr(EXDEV);
	return a;
}

/* ---- open ------------------------------------------------------------ */

static int
rump_open(int rd, const char *rp, int flags, mode_t mode)
{
	int rfd;

	if ((rfd = rump_sys_openat(rd, rp, flags, mode)) < 0)
		return -1;
	return fd_newrump(rfd, (flags & O_CLOEXEC) != 0);
}

HIJACK_EXPORT int
open(const char *path, int flags, ...)
{
	const char *rp;
	int rd;
	mode_t mode = 0;
	va_list ap;

	if (__OPEN_NEEDS_MODE(flags)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_open(rd, rp, flags, mode);
	return fd_hostnew(HOST(open)(path, flags, mode));
}
HIJACK_EXPORT int open64(const char *, int, ...)
    __attribute__((alias("open")));

HIJACK_EXPORT int
openat(int dirfd, const char *path, int flags, ...)
{
	const char *rp;
	int rd;
	mode_t mode = 0;
	va_list ap;

	if (__OPEN_NEEDS_MODE(flags)) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	if (path_route(dirfd, path, &rp, &rd) == ROUTE_RUMP)
		return rump_open(rd, rp, flags, mode);
	return fd_hostnew(HOST(openat)(dirfd, path, flags, mode));
}
HIJACK_EXPORT int openat64(int, const char *, int, ...)
    __attribute__((alias("openat")));

HIJACK_EXPORT int
creat(const char *path, mode_t mode)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_open(rd, rp, O_CREAT | O_WRONLY | O_TRUNC, mode);
	return fd_hostnew(HOST(creat)(path, mode));
}
HIJACK_EXPORT int creat64(const char *, mode_t)
    __attribute__((alias("creat")));

/*
 * The fortified forms have no mode: glibc aborts when the flags need
 * one, and its own __open_2 is the one to produce that message.
 */
HIJACK_EXPORT int
__open_2(const char *path, int flags)
{
	const char *rp;
	int rd;

	if (!__OPEN_NEEDS_MODE(flags) &&
	    path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_open(rd, rp, flags, 0);
	return fd_hostnew(HOST(__open_2)(path, flags));
}
HIJACK_EXPORT int __open64_2(const char *, int)
    __attribute__((alias("__open_2")));

HIJACK_EXPORT int
__openat_2(int dirfd, const char *path, int flags)
{
	const char *rp;
	int rd;

	if (!__OPEN_NEEDS_MODE(flags) &&
	    path_route(dirfd, path, &rp, &rd) == ROUTE_RUMP)
		return rump_open(rd, rp, flags, 0);
	return fd_hostnew(HOST(__openat_2)(dirfd, path, flags));
}
HIJACK_EXPORT int __openat64_2(int, const char *, int)
    __attribute__((alias("__openat_2")));

/* ---- stat ------------------------------------------------------------ */

/*
 * Every stat form funnels into one fstatat in the kernel.  The exported
 * functions test path_ishost() first so that the host call is a tail
 * call; only a path that may be the kernel's reaches stat_rump().  On
 * x86_64 and the other LP64 ABIs struct stat64 is struct stat, so the
 * *64 names are aliases, as they are in glibc.
 */
#define STAT_HOST	(-2)	/* stat_rump(): the path is the host's */

static __attribute__((noinline)) int
stat_rump(int dirfd, const char *path, struct stat *st, int flags)
{
	const char *rp;
	int rd;

	if (path_route(dirfd, path, &rp, &rd) != ROUTE_RUMP)
		return STAT_HOST;
	return rump_sys_fstatat(rd, rp, st, flags);
}

/* the old __xstat ABI: the version is checked for the kernel's paths
 * (libc checks it for the host's) */
static int
xstat_rump(int ver, int dirfd, const char *path, struct stat *st, int flags)
{
	const char *rp;
	int rd;

	if (path_route(dirfd, path, &rp, &rd) != ROUTE_RUMP)
		return STAT_HOST;
	if (!STATVER_OK(ver))
		return seterr(EINVAL);
	return rump_sys_fstatat(rd, rp, st, flags);
}

HIJACK_EXPORT int
stat(const char *path, struct stat *st)
{
	int r;

	if (__builtin_expect(path_ishost(AT_FDCWD, path), 1) ||
	    (r = stat_rump(AT_FDCWD, path, st, 0)) == STAT_HOST)
		return HOST(stat)(path, st);
	return r;
}

HIJACK_EXPORT int
lstat(const char *path, struct stat *st)
{
	int r;

	if (__builtin_expect(path_ishost(AT_FDCWD, path), 1) ||
	    (r = stat_rump(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW)) == STAT_HOST)
		return HOST(lstat)(path, st);
	return r;
}

HIJACK_EXPORT int
fstatat(int dirfd, const char *path, struct stat *st, int flags)
{
	int r;

	if (__builtin_expect(path_ishost(dirfd, path), 1) ||
	    (r = stat_rump(dirfd, path, st, flags)) == STAT_HOST)
		return HOST(fstatat)(dirfd, path, st, flags);
	return r;
}

HIJACK_EXPORT int
__xstat(int ver, const char *path, struct stat *st)
{
	int r;

	if (__builtin_expect(path_ishost(AT_FDCWD, path), 1) ||
	    (r = xstat_rump(ver, AT_FDCWD, path, st, 0)) == STAT_HOST)
		return HOST(__xstat)(ver, path, st);
	return r;
}

HIJACK_EXPORT int
__lxstat(int ver, const char *path, struct stat *st)
{
	int r;

	if (__builtin_expect(path_ishost(AT_FDCWD, path), 1) ||
	    (r = xstat_rump(ver, AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW)) ==
	    STAT_HOST)
		return HOST(__lxstat)(ver, path, st);
	return r;
}

HIJACK_EXPORT int
__fxstatat(int ver, int dirfd, const char *path, struct stat *st, int flags)
{
	int r;

	if (__builtin_expect(path_ishost(dirfd, path), 1) ||
	    (r = xstat_rump(ver, dirfd, path, st, flags)) == STAT_HOST)
		return HOST(__fxstatat)(ver, dirfd, path, st, flags);
	return r;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wattribute-alias"
_Static_assert(sizeof(struct stat) == sizeof(struct stat64),
    "struct stat64 differs from struct stat: the *64 stat aliases are wrong");
HIJACK_EXPORT int stat64(const char *, struct stat64 *)
    __attribute__((alias("stat")));
HIJACK_EXPORT int lstat64(const char *, struct stat64 *)
    __attribute__((alias("lstat")));
HIJACK_EXPORT int fstatat64(int, const char *, struct stat64 *, int)
    __attribute__((alias("fstatat")));
HIJACK_EXPORT int __xstat64(int, const char *, struct stat64 *)
    __attribute__((alias("__xstat")));
HIJACK_EXPORT int __lxstat64(int, const char *, struct stat64 *)
    __attribute__((alias("__lxstat")));
HIJACK_EXPORT int __fxstatat64(int, int, const char *, struct stat64 *, int)
    __attribute__((alias("__fxstatat")));
#pragma GCC diagnostic pop

static __attribute__((noinline)) int
statx_rump(int dirfd, const char *restrict path, int flags, unsigned int mask,
    struct statx *restrict stx)
{
	const char *rp;
	int rd;

	if (path_route(dirfd, path, &rp, &rd) != ROUTE_RUMP)
		return STAT_HOST;
	return rump_sys_statx(rd, rp, flags, mask, stx);
}

HIJACK_EXPORT int
statx(int dirfd, const char *restrict path, int flags, unsigned int mask,
    struct statx *restrict stx)
{
	int r;

	if (__builtin_expect(path_ishost(dirfd, path), 1) ||
	    (r = statx_rump(dirfd, path, flags, mask, stx)) == STAT_HOST)
		return HOST(statx)(dirfd, path, flags, mask, stx);
	return r;
}

/* ---- directories, names, links --------------------------------------- */

HIJACK_EXPORT int
mkdir(const char *path, mode_t mode)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_mkdirat(rd, rp, mode);
	return HOST(mkdir)(path, mode);
}

HIJACK_EXPORT int
mkdirat(int dirfd, const char *path, mode_t mode)
{
	const char *rp;
	int rd;

	if (path_route(dirfd, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_mkdirat(rd, rp, mode);
	return HOST(mkdirat)(dirfd, path, mode);
}

HIJACK_EXPORT int
rmdir(const char *path)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_unlinkat(rd, rp, AT_REMOVEDIR);
	return HOST(rmdir)(path);
}

HIJACK_EXPORT int
unlink(const char *path)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_unlinkat(rd, rp, 0);
	return HOST(unlink)(path);
}

HIJACK_EXPORT int
unlinkat(int dirfd, const char *path, int flags)
{
	const char *rp;
	int rd;

	if (path_route(dirfd, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_unlinkat(rd, rp, flags);
	return HOST(unlinkat)(dirfd, path, flags);
}

HIJACK_EXPORT int
rename(const char *from, const char *to)
{
	const char *r1, *r2;
	int d1, d2;

	switch (route2(AT_FDCWD, from, &r1, &d1,
	    AT_FDCWD, to, &r2, &d2)) {
	case ROUTE_RUMP:
		return rump_sys_renameat(d1, r1, d2, r2);
	case ROUTE_HOST:
		return HOST(rename)(from, to);
	default:
		return -1;
	}
}

HIJACK_EXPORT int
renameat(int fromfd, const char *from, int tofd, const char *to)
{
	const char *r1, *r2;
	int d1, d2;

	switch (route2(fromfd, from, &r1, &d1, tofd, to, &r2, &d2)) {
	case ROUTE_RUMP:
		return rump_sys_renameat(d1, r1, d2, r2);
	case ROUTE_HOST:
		return HOST(renameat)(fromfd, from, tofd, to);
	default:
		return -1;
	}
}

HIJACK_EXPORT int
renameat2(int fromfd, const char *from, int tofd, const char *to,
    unsigned int flags)
{
	const char *r1, *r2;
	int d1, d2;

	switch (route2(fromfd, from, &r1, &d1, tofd, to, &r2, &d2)) {
	case ROUTE_RUMP:
		return rump_sys_renameat2(d1, r1, d2, r2, flags);
	case ROUTE_HOST:
		return HOST(renameat2)(fromfd, from, tofd, to, flags);
	default:
		return -1;
	}
}

HIJACK_EXPORT int
link(const char *from, const char *to)
{
	const char *r1, *r2;
	int d1, d2;

	switch (route2(AT_FDCWD, from, &r1, &d1,
	    AT_FDCWD, to, &r2, &d2)) {
	case ROUTE_RUMP:
		return rump_sys_linkat(d1, r1, d2, r2, 0);
	case ROUTE_HOST:
		return HOST(link)(from, to);
	default:
		return -1;
	}
}

HIJACK_EXPORT int
linkat(int fromfd, const char *from, int tofd, const char *to, int flags)
{
	const char *r1, *r2;
	int d1, d2;

	switch (route2(fromfd, from, &r1, &d1, tofd, to, &r2, &d2)) {
	case ROUTE_RUMP:
		return rump_sys_linkat(d1, r1, d2, r2, flags);
	case ROUTE_HOST:
		return HOST(linkat)(fromfd, from, tofd, to, flags);
	default:
		return -1;
	}
}

/* the target is only a string stored in the link: never translated */
HIJACK_EXPORT int
symlink(const char *target, const char *path)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_symlinkat(target, rd, rp);
	return HOST(symlink)(target, path);
}

HIJACK_EXPORT int
symlinkat(const char *target, int dirfd, const char *path)
{
	const char *rp;
	int rd;

	if (path_route(dirfd, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_symlinkat(target, rd, rp);
	return HOST(symlinkat)(target, dirfd, path);
}

static __attribute__((noinline)) ssize_t
readlink_slow(const char *restrict path, char *restrict out, size_t len)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_readlinkat(rd, rp, out, len);
	return HOST(readlink)(path, out, len);
}

HIJACK_EXPORT ssize_t
readlink(const char *restrict path, char *restrict out, size_t len)
{
	if (__builtin_expect(path_ishost(AT_FDCWD, path), 1))
		return HOST(readlink)(path, out, len);
	return readlink_slow(path, out, len);
}

static __attribute__((noinline)) ssize_t
readlinkat_slow(int dirfd, const char *restrict path, char *restrict out,
    size_t len)
{
	const char *rp;
	int rd;

	if (path_route(dirfd, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_readlinkat(rd, rp, out, len);
	return HOST(readlinkat)(dirfd, path, out, len);
}

HIJACK_EXPORT ssize_t
readlinkat(int dirfd, const char *restrict path, char *restrict out,
    size_t len)
{
	if (__builtin_expect(path_ishost(dirfd, path), 1))
		return HOST(readlinkat)(dirfd, path, out, len);
	return readlinkat_slow(dirfd, path, out, len);
}

HIJACK_EXPORT ssize_t
__readlink_chk(const char *path, char *out, size_t len, size_t outlen)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP) {
		if (len > outlen)
			__chk_fail();
		return rump_sys_readlinkat(rd, rp, out, len);
	}
	return HOST(__readlink_chk)(path, out, len, outlen);
}

HIJACK_EXPORT ssize_t
__readlinkat_chk(int dirfd, const char *path, char *out, size_t len,
    size_t outlen)
{
	const char *rp;
	int rd;

	if (path_route(dirfd, path, &rp, &rd) == ROUTE_RUMP) {
		if (len > outlen)
			__chk_fail();
		return rump_sys_readlinkat(rd, rp, out, len);
	}
	return HOST(__readlinkat_chk)(dirfd, path, out, len, outlen);
}

/* ---- owner, mode, size, access --------------------------------------- */

HIJACK_EXPORT int
chmod(const char *path, mode_t mode)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_fchmodat(rd, rp, mode, 0);
	return HOST(chmod)(path, mode);
}

HIJACK_EXPORT int
fchmodat(int dirfd, const char *path, mode_t mode, int flags)
{
	const char *rp;
	int rd;

	if (path_route(dirfd, path, &rp, &rd) == ROUTE_RUMP) {
		/* glibc's own check: the kernel would take AT_EMPTY_PATH */
		if (flags != 0 && flags != AT_SYMLINK_NOFOLLOW)
			return seterr(EINVAL);
		return rump_sys_fchmodat(rd, rp, mode, flags);
	}
	return HOST(fchmodat)(dirfd, path, mode, flags);
}

HIJACK_EXPORT int
lchmod(const char *path, mode_t mode)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_fchmodat(rd, rp, mode, AT_SYMLINK_NOFOLLOW);
	return HOST(lchmod)(path, mode);
}

HIJACK_EXPORT int
chown(const char *path, uid_t uid, gid_t gid)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_fchownat(rd, rp, uid, gid, 0);
	return HOST(chown)(path, uid, gid);
}

HIJACK_EXPORT int
lchown(const char *path, uid_t uid, gid_t gid)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_fchownat(rd, rp, uid, gid,
		    AT_SYMLINK_NOFOLLOW);
	return HOST(lchown)(path, uid, gid);
}

HIJACK_EXPORT int
fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags)
{
	const char *rp;
	int rd;

	if (path_route(dirfd, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_fchownat(rd, rp, uid, gid, flags);
	return HOST(fchownat)(dirfd, path, uid, gid, flags);
}

HIJACK_EXPORT int
truncate(const char *path, off_t len)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_truncate(rp, len);
	return HOST(truncate)(path, len);
}
HIJACK_EXPORT int truncate64(const char *, off64_t)
    __attribute__((alias("truncate")));

static __attribute__((noinline)) int
access_slow(const char *path, int mode)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_faccessat2(rd, rp, mode, 0);
	return HOST(access)(path, mode);
}

HIJACK_EXPORT int
access(const char *path, int mode)
{
	if (__builtin_expect(path_ishost(AT_FDCWD, path), 1))
		return HOST(access)(path, mode);
	return access_slow(path, mode);
}

HIJACK_EXPORT int
euidaccess(const char *path, int mode)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_faccessat2(rd, rp, mode, AT_EACCESS);
	return HOST(euidaccess)(path, mode);
}

HIJACK_EXPORT int
eaccess(const char *path, int mode)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_faccessat2(rd, rp, mode, AT_EACCESS);
	return HOST(eaccess)(path, mode);
}

static __attribute__((noinline)) int
faccessat_slow(int dirfd, const char *path, int mode, int flags)
{
	const char *rp;
	int rd;

	if (path_route(dirfd, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_faccessat2(rd, rp, mode, flags);
	return HOST(faccessat)(dirfd, path, mode, flags);
}

HIJACK_EXPORT int
faccessat(int dirfd, const char *path, int mode, int flags)
{
	if (__builtin_expect(path_ishost(dirfd, path), 1))
		return HOST(faccessat)(dirfd, path, mode, flags);
	return faccessat_slow(dirfd, path, mode, flags);
}

/* ---- times ----------------------------------------------------------- */

/* timevals as utimensat wants them; EINVAL for microseconds out of
 * range, as Linux's utimes and futimesat check */
static int
tv_tots(const struct timeval tv[2], struct timespec ts[2])
{
	int i;

	for (i = 0; i < 2; i++) {
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return seterr(EINVAL);
		ts[i].tv_sec = tv[i].tv_sec;
		ts[i].tv_nsec = tv[i].tv_usec * 1000;
	}
	return 0;
}

HIJACK_EXPORT int
utime(const char *path, const struct utimbuf *times)
{
	const char *rp;
	int rd;
	struct timespec ts[2];

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP) {
		if (times == NULL)
			return rump_sys_utimensat(rd, rp, NULL, 0);
		ts[0].tv_sec = times->actime;
		ts[0].tv_nsec = 0;
		ts[1].tv_sec = times->modtime;
		ts[1].tv_nsec = 0;
		return rump_sys_utimensat(rd, rp, ts, 0);
	}
	return HOST(utime)(path, times);
}

static int
rump_utimes(int rd, const char *rp, const struct timeval tv[2], int flags)
{
	struct timespec ts[2];

	if (tv == NULL)
		return rump_sys_utimensat(rd, rp, NULL, flags);
	if (tv_tots(tv, ts) != 0)
		return -1;
	return rump_sys_utimensat(rd, rp, ts, flags);
}

HIJACK_EXPORT int
utimes(const char *path, const struct timeval tv[2])
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_utimes(rd, rp, tv, 0);
	return HOST(utimes)(path, tv);
}

HIJACK_EXPORT int
lutimes(const char *path, const struct timeval tv[2])
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_utimes(rd, rp, tv, AT_SYMLINK_NOFOLLOW);
	return HOST(lutimes)(path, tv);
}

/* a NULL path means dirfd itself (Linux, and glibc passes it on) */
HIJACK_EXPORT int
futimesat(int dirfd, const char *path, const struct timeval tv[2])
{
	const char *rp;
	int rd;

	if (path == NULL) {
		hijack_ensure();
		if ((rd = fd_torump(dirfd)) >= 0)
			return rump_utimes(rd, NULL, tv, 0);
	} else if (path_route(dirfd, path, &rp, &rd) == ROUTE_RUMP)
		return rump_utimes(rd, rp, tv, 0);
	return HOST(futimesat)(dirfd, path, tv);
}

/*
 * glibc's utimensat refuses a NULL path with EINVAL before the kernel
 * sees it (futimens uses an internal entry), and path_route sends NULL
 * to the host: the same answer for a rump dirfd.
 */
HIJACK_EXPORT int
utimensat(int dirfd, const char *path, const struct timespec ts[2], int flags)
{
	const char *rp;
	int rd;

	if (path_route(dirfd, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_utimensat(rd, rp, ts, flags);
	return HOST(utimensat)(dirfd, path, ts, flags);
}

/* ---- file systems ---------------------------------------------------- */

HIJACK_EXPORT int
statfs(const char *path, struct statfs *sf)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_statfs(rp, sf);
	return HOST(statfs)(path, sf);
}

HIJACK_EXPORT int
statfs64(const char *path, struct statfs64 *sf)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_statfs(rp, (struct statfs *)sf);
	return HOST(statfs64)(path, sf);
}

/* statvfs the way glibc derives it from statfs (fdcalls.c's fstatvfs
 * too) */
void
statfs_to_statvfs(const struct statfs *sf, struct statvfs *sv)
{
	memset(sv, 0, sizeof(*sv));
	sv->f_bsize = (unsigned long)sf->f_bsize;
	sv->f_frsize = (unsigned long)(sf->f_frsize != 0 ? sf->f_frsize :
	    sf->f_bsize);
	sv->f_blocks = sf->f_blocks;
	sv->f_bfree = sf->f_bfree;
	sv->f_bavail = sf->f_bavail;
	sv->f_files = sf->f_files;
	sv->f_ffree = sf->f_ffree;
	sv->f_favail = sf->f_ffree;
	sv->f_fsid = (unsigned long)(unsigned int)sf->f_fsid.__val[0] |
	    (unsigned long)(unsigned int)sf->f_fsid.__val[1] << 32;
	sv->f_flag = (unsigned long)sf->f_flags & ~(unsigned long)ST_VALID_FLAG;
	sv->f_namemax = (unsigned long)sf->f_namelen;
}

static int
rump_statvfs(const char *rp, struct statvfs *sv)
{
	struct statfs sf;

	if (rump_sys_statfs(rp, &sf) != 0)
		return -1;
	statfs_to_statvfs(&sf, sv);
	return 0;
}

HIJACK_EXPORT int
statvfs(const char *restrict path, struct statvfs *restrict sv)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_statvfs(rp, sv);
	return HOST(statvfs)(path, sv);
}

HIJACK_EXPORT int
statvfs64(const char *restrict path, struct statvfs64 *restrict sv)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_statvfs(rp, (struct statvfs *)sv);
	return HOST(statvfs64)(path, sv);
}

/*
 * pathconf/fpathconf of a kernel file: what glibc answers on Linux for
 * the same file system.  Names glibc answers without looking at the file
 * are constants (pathconf_fixed: 1 with the value, 0 for the file
 * system's answer, -1 for EINVAL); the others come from the kernel's
 * statfs (pathconf_fs), and _PC_ASYNC_IO from the file's type, which the
 * callers look up.
 */
int
pathconf_fixed(int name, long *v)
{
	switch (name) {
	case _PC_MAX_CANON:
	case _PC_MAX_INPUT:
		*v = 255;
		return 1;
	case _PC_PATH_MAX:
		*v = PATH_MAX;
		return 1;
	case _PC_PIPE_BUF:
		*v = PIPE_BUF;
		return 1;
	case _PC_NO_TRUNC:
		*v = 1;
		return 1;
	case _PC_VDISABLE:
		*v = 0;
		return 1;
	case _PC_SYNC_IO:
	case _PC_PRIO_IO:
	case _PC_SOCK_MAXBUF:
	case _PC_REC_INCR_XFER_SIZE:
	case _PC_REC_MAX_XFER_SIZE:
	case _PC_SYMLINK_MAX:
		*v = -1;		/* no limit, errno unchanged */
		return 1;
	case _PC_ASYNC_IO:
	case _PC_LINK_MAX:
	case _PC_NAME_MAX:
	case _PC_CHOWN_RESTRICTED:
	case _PC_FILESIZEBITS:
	case _PC_REC_MIN_XFER_SIZE:
	case _PC_REC_XFER_ALIGN:
	case _PC_ALLOC_SIZE_MIN:
	case _PC_2_SYMLINKS:
		return 0;
	default:
		return -1;
	}
}

long
pathconf_fs(int name, const struct statfs *sf, unsigned int mode)
{
	switch (name) {
	case _PC_ASYNC_IO:
		return S_ISREG(mode) || S_ISBLK(mode) ? 1 : -1;
	case _PC_LINK_MAX:
		return sf->f_type == EXT2_SUPER_MAGIC ? 65000 : 127;
	case _PC_NAME_MAX:
		return sf->f_namelen;
	case _PC_FILESIZEBITS:
		return sf->f_type == EXT2_SUPER_MAGIC ? 64 : 32;
	case _PC_REC_MIN_XFER_SIZE:
		return sf->f_bsize;
	case _PC_REC_XFER_ALIGN:
	case _PC_ALLOC_SIZE_MIN:
		return sf->f_frsize != 0 ? sf->f_frsize : sf->f_bsize;
	default:		/* _PC_CHOWN_RESTRICTED, _PC_2_SYMLINKS */
		return 1;
	}
}

HIJACK_EXPORT long
pathconf(const char *path, int name)
{
	const char *rp;
	int rd, k;
	struct statfs sf;
	struct stat st = { 0 };
	long v;

	if (path_route(AT_FDCWD, path, &rp, &rd) != ROUTE_RUMP)
		return HOST(pathconf)(path, name);
	if ((k = pathconf_fixed(name, &v)) != 0)
		return k > 0 ? v : seterr(EINVAL);
	if (name == _PC_ASYNC_IO) {
		if (rump_sys_stat(rp, &st) != 0)
			return -1;
	} else if (rump_sys_statfs(rp, &sf) != 0)
		return -1;
	return pathconf_fs(name, &sf, st.st_mode);
}

HIJACK_EXPORT int
chroot(const char *path)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_chroot(rp);
	return HOST(chroot)(path);
}

/* by the mount point: the source may be no path at all ("tmpfs") */
HIJACK_EXPORT int
mount(const char *source, const char *target, const char *fstype,
    unsigned long flags, const void *data)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, target, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_mount(source, rp, fstype, flags, data);
	return HOST(mount)(source, target, fstype, flags, data);
}

HIJACK_EXPORT int
umount(const char *target)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, target, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_umount2(rp, 0);
	return HOST(umount)(target);
}

HIJACK_EXPORT int
umount2(const char *target, int flags)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, target, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_umount2(rp, flags);
	return HOST(umount2)(target, flags);
}

/* ---- device nodes and FIFOs ------------------------------------------ */

HIJACK_EXPORT int
mknod(const char *path, mode_t mode, dev_t dev)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP) {
		if (!DEV_OK(dev))
			return seterr(EINVAL);
		return rump_sys_mknodat(rd, rp, mode, dev);
	}
	return HOST(mknod)(path, mode, dev);
}

HIJACK_EXPORT int
mknodat(int dirfd, const char *path, mode_t mode, dev_t dev)
{
	const char *rp;
	int rd;

	if (path_route(dirfd, path, &rp, &rd) == ROUTE_RUMP) {
		if (!DEV_OK(dev))
			return seterr(EINVAL);
		return rump_sys_mknodat(rd, rp, mode, dev);
	}
	return HOST(mknodat)(dirfd, path, mode, dev);
}

HIJACK_EXPORT int
mkfifo(const char *path, mode_t mode)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_mknodat(rd, rp, mode | S_IFIFO, 0);
	return HOST(mkfifo)(path, mode);
}

HIJACK_EXPORT int
mkfifoat(int dirfd, const char *path, mode_t mode)
{
	const char *rp;
	int rd;

	if (path_route(dirfd, path, &rp, &rd) == ROUTE_RUMP)
		return rump_sys_mknodat(rd, rp, mode | S_IFIFO, 0);
	return HOST(mkfifoat)(dirfd, path, mode);
}

HIJACK_EXPORT int
__xmknod(int ver, const char *path, mode_t mode, dev_t *dev)
{
	const char *rp;
	int rd;

	if (path_route(AT_FDCWD, path, &rp, &rd) == ROUTE_RUMP) {
		if (!MKNODVER_OK(ver) || !DEV_OK(*dev))
			return seterr(EINVAL);
		return rump_sys_mknodat(rd, rp, mode, *dev);
	}
	return HOST(__xmknod)(ver, path, mode, dev);
}

HIJACK_EXPORT int
__xmknodat(int ver, int dirfd, const char *path, mode_t mode, dev_t *dev)
{
	const char *rp;
	int rd;

	if (path_route(dirfd, path, &rp, &rd) == ROUTE_RUMP) {
		if (!MKNODVER_OK(ver) || !DEV_OK(*dev))
			return seterr(EINVAL);
		return rump_sys_mknodat(rd, rp, mode, *dev);
	}
	return HOST(__xmknodat)(ver, dirfd, path, mode, dev);
}

/* ---- extended attributes --------------------------------------------- */

/*
 * The kernel's file systems have no extended attributes.  Linux answers
 * a file system without xattr handlers like this: the path is looked
 * up first (ENOENT, ENOTDIR... win), then get/set/remove fail with
 * EOPNOTSUPP and list returns an empty list.  libattr (cp -a, mv) is
 * quiet about both.
 */
static ssize_t
rump_noxattr(const char *rp, bool follow, bool list)
{
	struct stat st;

	if (rump_sys_fstatat(AT_FDCWD, rp, &st,
	    follow ? 0 : AT_SYMLINK_NOFOLLOW) != 0)
		return -1;
	if (list)
		return 0;
	return seterr(ENOTSUP);
}

HIJACK_EXPORT ssize_t
getxattr(const char *path, const char *name, void *value, size_t size)
{
	const char *rp;

	if (path_route_cwd(path, &rp) == ROUTE_RUMP)
		return rump_noxattr(rp, true, false);
	return HOST(getxattr)(path, name, value, size);
}

HIJACK_EXPORT ssize_t
lgetxattr(const char *path, const char *name, void *value, size_t size)
{
	const char *rp;

	if (path_route_cwd(path, &rp) == ROUTE_RUMP)
		return rump_noxattr(rp, false, false);
	return HOST(lgetxattr)(path, name, value, size);
}

HIJACK_EXPORT int
setxattr(const char *path, const char *name, const void *value, size_t size,
    int flags)
{
	const char *rp;

	if (path_route_cwd(path, &rp) == ROUTE_RUMP)
		return (int)rump_noxattr(rp, true, false);
	return HOST(setxattr)(path, name, value, size, flags);
}

HIJACK_EXPORT int
lsetxattr(const char *path, const char *name, const void *value, size_t size,
    int flags)
{
	const char *rp;

	if (path_route_cwd(path, &rp) == ROUTE_RUMP)
		return (int)rump_noxattr(rp, false, false);
	return HOST(lsetxattr)(path, name, value, size, flags);
}

HIJACK_EXPORT ssize_t
listxattr(const char *path, char *list, size_t size)
{
	const char *rp;

	if (path_route_cwd(path, &rp) == ROUTE_RUMP)
		return rump_noxattr(rp, true, true);
	return HOST(listxattr)(path, list, size);
}

HIJACK_EXPORT ssize_t
llistxattr(const char *path, char *list, size_t size)
{
	const char *rp;

	if (path_route_cwd(path, &rp) == ROUTE_RUMP)
		return rump_noxattr(rp, false, true);
	return HOST(llistxattr)(path, list, size);
}

HIJACK_EXPORT int
removexattr(const char *path, const char *name)
{
	const char *rp;

	if (path_route_cwd(path, &rp) == ROUTE_RUMP)
		return (int)rump_noxattr(rp, true, false);
	return HOST(removexattr)(path, name);
}

HIJACK_EXPORT int
lremovexattr(const char *path, const char *name)
{
	const char *rp;

	if (path_route_cwd(path, &rp) == ROUTE_RUMP)
		return (int)rump_noxattr(rp, false, false);
	return HOST(lremovexattr)(path, name);
}

/* ---- realpath -------------------------------------------------------- */

#define RP_MAXLINKS	40		/* glibc's __eloop_threshold() */
#define RP_BUFSIZE	(2 * PATH_MAX)

struct rp_work {
	char	name[RP_BUFSIZE];	/* resolved so far, kernel's view */
	char	rest[RP_BUFSIZE];	/* still to walk */
	char	link[PATH_MAX];
	char	out[RP_BUFSIZE];
};

/*
 * Whether what is left after a component (end) makes that component
 * have to be a directory although it is no symlink: a trailing "/" or
 * "/.", or a "/.." anywhere (".." is taken lexically).  The same rule
 * as glibc's, so that "file/" and "file/.." fail with ENOTDIR.
 */
static bool
rp_needsdir(const char *end)
{
	while (*end == '/') {
		while (*end == '/')
			end++;
		if (*end == '\0')
			return true;
		if (*end++ != '.')
			return false;
		if (*end == '\0' ||
		    (*end == '.' && (end[1] == '\0' || end[1] == '/')))
			return true;
	}
	return false;
}

/* name (ending at dest) is a directory; if not, errno says why */
static bool
rp_isdir(char *name, char *dest)
{
	int rv;

	dest[0] = '/';
	dest[1] = '\0';
	rv = rump_sys_faccessat2(AT_FDCWD, name, F_OK, AT_EACCESS);
	dest[0] = '\0';
	return rv == 0;
}

/* back to the start of the last component; never above the root */
static char *
rp_up(char *name, char *dest)
{
	if (dest > name + 1)
		for (dest--; dest > name && dest[-1] != '/'; dest--)
			continue;
	return dest;
}

/*
 * kpath resolved in the kernel's namespace, given back in the
 * program's: in resolved (PATH_MAX bytes) or malloc'd.  glibc's errors
 * and its partial result in resolved for ENOENT and EACCES.
 */
static char *
rump_realpath(const char *kpath, char *resolved)
{
	struct rp_work *w;
	char *name, *dest, *p, *end, *res = NULL;
	size_t len, restlen;
	ssize_t n;
	int nlinks = 0, saved = errno, e;
	bool ok = false;

	if ((w = malloc(sizeof(*w))) == NULL)
		return NULL;
	name = dest = w->name;
	*dest = '\0';
	if (kpath[0] != '/') {
		if (rump_sys_getcwd(name, PATH_MAX) < 0)
			goto done;
		if (name[0] != '/') {	/* outside a chroot */
			errno = ENOENT;
			goto done;
		}
		dest = name + strlen(name);
	} else {
		name[0] = '/';
		dest = name + 1;
	}
	*dest = '\0';
	if ((len = strlen(kpath)) >= sizeof(w->rest)) {
		errno = ENAMETOOLONG;
		goto done;
	}
	memcpy(w->rest, kpath, len + 1);

	for (p = w->rest; *p != '\0'; p = end) {
		while (*p == '/')
			p++;
		for (end = p; *end != '\0' && *end != '/'; end++)
			continue;
		len = (size_t)(end - p);
		if (len == 0)
			break;
		if (len == 1 && p[0] == '.')
			continue;
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			dest = rp_up(name, dest);
			*dest = '\0';
			continue;
		}
		if (dest[-1] != '/')
			*dest++ = '/';
		/* room for the component, "/" for rp_isdir and the NUL */
		if ((size_t)(dest - name) + len + 2 > sizeof(w->name)) {
			errno = ENAMETOOLONG;
			goto done;
		}
		memcpy(dest, p, len);
		dest += len;
		*dest = '\0';

		n = rump_sys_readlink(name, w->link, sizeof(w->link));
		if (n >= 0) {
			if (++nlinks > RP_MAXLINKS) {
				errno = ELOOP;
				goto done;
			}
			restlen = strlen(end);
			if ((size_t)n >= sizeof(w->link) ||
			    (size_t)n + restlen + 1 > sizeof(w->rest)) {
				errno = ENAMETOOLONG;
				goto done;
			}
			/* the target takes the link's place in what is left */
			memmove(w->rest + n, end, restlen + 1);
			memcpy(w->rest, w->link, (size_t)n);
			end = w->rest;
			if (w->link[0] == '/')
				dest = name + 1;
			else
				dest = rp_up(name, dest);
			*dest = '\0';
		} else if (rp_needsdir(end) ? !rp_isdir(name, dest) :
		    errno != EINVAL)
			goto done;
	}
	if (dest > name + 1 && dest[-1] == '/')
		dest--;
	*dest = '\0';
	ok = true;

done:
	e = errno;
	*dest = '\0';
	if (ok || (resolved != NULL && (e == ENOENT || e == EACCES))) {
		if (resolved != NULL) {
			if (path_fromrump(name, resolved, PATH_MAX) == 0)
				res = resolved;
			else if (ok)
				e = ENAMETOOLONG;
		} else if (path_fromrump(name, w->out, sizeof(w->out)) != 0)
			e = ENAMETOOLONG;
		else if ((res = strdup(w->out)) == NULL)
			e = ENOMEM;
		if (!ok)
			res = NULL;
	}
	free(w);
	errno = res != NULL ? saved : e;
	return res;
}

HIJACK_EXPORT char *
realpath(const char *restrict path, char *restrict resolved)
{
	const char *rp;

	if (path != NULL && path[0] != '\0' &&
	    path_route_cwd(path, &rp) == ROUTE_RUMP)
		return rump_realpath(rp, resolved);
	return HOST(realpath)(path, resolved);
}

HIJACK_EXPORT char *
__realpath_chk(const char *path, char *resolved, size_t resolvedlen)
{
	const char *rp;

	if (path != NULL && path[0] != '\0' &&
	    path_route_cwd(path, &rp) == ROUTE_RUMP) {
		if (resolvedlen < PATH_MAX)
			__chk_fail();
		return rump_realpath(rp, resolved);
	}
	return HOST(__realpath_chk)(path, resolved, resolvedlen);
}

HIJACK_EXPORT char *
canonicalize_file_name(const char *path)
{
	const char *rp;

	if (maybenull(path) != NULL && path[0] != '\0' &&
	    path_route_cwd(path, &rp) == ROUTE_RUMP)
		return rump_realpath(rp, NULL);
	return HOST(canonicalize_file_name)(path);
}

/* ---- temporary files ------------------------------------------------- */

/*
 * glibc's mkstemp family creates the file with internal calls we cannot
 * see, so a template under /rump would be created on the host (sort -T,
 * sed -i, editors' save files).  For a kernel template we fill in the
 * XXXXXX ourselves and create with O_EXCL, retrying on EEXIST as glibc
 * does.
 */
#define TMP_ATTEMPTS	(62 * 62 * 62)

static int
tmp_make(char *tmpl, int suffixlen, int flags, bool dir)
{
	static const char letters[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	const char *rp;
	size_t len = strlen(tmpl);
	uint64_t v;
	char *x;
	int rd, fd, saved = errno;

	if (suffixlen < 0 || len < 6 + (size_t)suffixlen ||
	    memcmp(tmpl + len - 6 - suffixlen, "XXXXXX", 6) != 0)
		return seterr(EINVAL);
	x = tmpl + len - 6 - suffixlen;
	for (int i = 0; i < TMP_ATTEMPTS; i++) {
		if (getrandom(&v, sizeof(v), GRND_NONBLOCK) != sizeof(v))
			v = ((uint64_t)(uintptr_t)&v << 17) ^ (uint64_t)i * 0x9e3779b97f4a7c15ull;
		for (int j = 0; j < 6; j++, v /= 62)
			x[j] = letters[v % 62];
		/* rp points into tmpl (or is tmpl): the letters are in it */
		path_route_cwd(tmpl, &rp);
		rd = AT_FDCWD;
		/* success after a collision: errno as it was, like glibc */
		if (dir) {
			if (rump_sys_mkdirat(rd, rp, 0700) == 0) {
				errno = saved;
				return 0;
			}
		} else {
			fd = rump_open(rd, rp, O_RDWR | O_CREAT | O_EXCL |
			    (flags & ~O_ACCMODE), 0600);
			if (fd >= 0) {
				errno = saved;
				return fd;
			}
		}
		if (errno != EEXIST)
			return -1;
	}
	return seterr(EEXIST);
}

static bool
path_route_rump(const char *path)
{
	const char *rp;

	return path_route_cwd(path, &rp) == ROUTE_RUMP;
}

HIJACK_EXPORT int
mkstemp(char *tmpl)
{
	if (!path_route_rump(tmpl))
		return fd_hostnew(HOST(mkstemp)(tmpl));
	return tmp_make(tmpl, 0, 0, false);
}

HIJACK_EXPORT int
mkostemp(char *tmpl, int flags)
{
	if (!path_route_rump(tmpl))
		return fd_hostnew(HOST(mkostemp)(tmpl, flags));
	return tmp_make(tmpl, 0, flags, false);
}

HIJACK_EXPORT int
mkstemps(char *tmpl, int suffixlen)
{
	if (!path_route_rump(tmpl))
		return fd_hostnew(HOST(mkstemps)(tmpl, suffixlen));
	return tmp_make(tmpl, suffixlen, 0, false);
}

HIJACK_EXPORT int
mkostemps(char *tmpl, int suffixlen, int flags)
{
	if (!path_route_rump(tmpl))
		return fd_hostnew(HOST(mkostemps)(tmpl, suffixlen, flags));
	return tmp_make(tmpl, suffixlen, flags, false);
}

HIJACK_EXPORT int mkstemp64(char *) __attribute__((alias("mkstemp")));
HIJACK_EXPORT int mkostemp64(char *, int) __attribute__((alias("mkostemp")));
HIJACK_EXPORT int mkstemps64(char *, int) __attribute__((alias("mkstemps")));
HIJACK_EXPORT int mkostemps64(char *, int, int)
    __attribute__((alias("mkostemps")));

HIJACK_EXPORT char *
mkdtemp(char *tmpl)
{
	if (!path_route_rump(tmpl))
		return HOST(mkdtemp)(tmpl);
	return tmp_make(tmpl, 0, 0, true) == 0 ? tmpl : NULL;
}
