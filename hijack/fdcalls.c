/*
 * fdcalls.c — interposed calls that take a descriptor: read/write and
 * their vector, positional and fortified forms, lseek, the sync family,
 * truncate/allocate/advise, fstat/fstatfs/fstatvfs, fchmod/fchown/
 * futimens, locks, ioctl and the termios/tty calls, getdents64, xattrs,
 * fpathconf, mmap, and copy_file_range/sendfile/splice.
 *
 * Every wrapper asks fd_torump() whether the descriptor is a rump one.
 * A host descriptor costs that lookup and one call of libc's own
 * function: the rump side is a branch marked unlikely, and anything
 * longer than a single rump_sys_* call lives in a separate cold function
 * so that the host path stays a handful of instructions.  A rump
 * descriptor goes to the kernel under the kernel's own number.
 *
 * What the kernel has no call for is emulated here: fstatvfs from
 * fstatfs, fpathconf from fstatfs and fixed limits, lockf through our
 * fcntl, private mmap by copying the file into anonymous memory, and the
 * copy calls (copy_file_range, sendfile, splice) between a rump
 * descriptor and anything else through a bounce buffer.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <termios.h>
#include <unistd.h>
#include "hijack/hijack.h"
#include "hijack/internal.h"

#define UNLIKELY(x)	__builtin_expect(!!(x), 0)
#define LIKELY(x)	__builtin_expect(!!(x), 1)
#define COLD		__attribute__((noinline, cold))

/* the largest transfer Linux makes in one call */
#define MAX_RW		0x7ffff000L
/* bounce buffer of the copy calls */
#define BOUNCE		(128 * 1024)

/* glibc entry points without a public prototype (no _FORTIFY_SOURCE, and
 * the old stat ABI left the headers in 2.33) */
extern void __chk_fail(void) __attribute__((__noreturn__));
ssize_t __read_chk(int, void *, size_t, size_t);
ssize_t __pread_chk(int, void *, size_t, off_t, size_t);
ssize_t __pread64_chk(int, void *, size_t, off64_t, size_t);
int __fxstat(int, int, struct stat *);
int __fxstat64(int, int, struct stat64 *);
int __ttyname_r_chk(int, char *, size_t, size_t);

/* the *64 types are the plain ones on LP64: forwarding by cast is safe */
_Static_assert(sizeof(struct stat) == sizeof(struct stat64), "stat64");
_Static_assert(sizeof(struct statfs) == sizeof(struct statfs64), "statfs64");
_Static_assert(sizeof(struct statvfs) == sizeof(struct statvfs64),
    "statvfs64");
_Static_assert(sizeof(off_t) == sizeof(off64_t), "off64_t");

/* x86_64's __fxstat takes _STAT_VER_KERNEL (0) and _STAT_VER_LINUX (1),
 * the same struct both ways; anything else is EINVAL (glibc 2.36, tried) */
#define STAT_VEROK(v)	((v) == 0 || (v) == 1)

static inline bool
badiovcnt(int cnt)
{
	return cnt < 0 || cnt > IOV_MAX;
}

/* ---- read ---------------------------------------------------------- */

HIJACK_EXPORT ssize_t
read(int fd, void *buf, size_t n)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_read(rfd, buf, n);
	return HOST(read)(fd, buf, n);
}

HIJACK_EXPORT ssize_t
__read_chk(int fd, void *buf, size_t n, size_t buflen)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0)) {
		if (n > buflen)
			__chk_fail();
		return rump_sys_read(rfd, buf, n);
	}
	return HOST(__read_chk)(fd, buf, n, buflen);
}

HIJACK_EXPORT ssize_t
readv(int fd, const struct iovec *iov, int cnt)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0)) {
		if (badiovcnt(cnt))
			return seterr(EINVAL);
		return rump_sys_readv(rfd, iov, cnt);
	}
	return HOST(readv)(fd, iov, cnt);
}

HIJACK_EXPORT ssize_t
pread(int fd, void *buf, size_t n, off_t off)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_pread(rfd, buf, n, off);
	return HOST(pread)(fd, buf, n, off);
}
HIJACK_EXPORT ssize_t pread64(int, void *, size_t, off64_t)
    __attribute__((alias("pread")));

HIJACK_EXPORT ssize_t
__pread_chk(int fd, void *buf, size_t n, off_t off, size_t buflen)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0)) {
		if (n > buflen)
			__chk_fail();
		return rump_sys_pread(rfd, buf, n, off);
	}
	return HOST(__pread_chk)(fd, buf, n, off, buflen);
}

HIJACK_EXPORT ssize_t
__pread64_chk(int fd, void *buf, size_t n, off64_t off, size_t buflen)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0)) {
		if (n > buflen)
			__chk_fail();
		return rump_sys_pread(rfd, buf, n, off);
	}
	return HOST(__pread64_chk)(fd, buf, n, off, buflen);
}

HIJACK_EXPORT ssize_t
preadv(int fd, const struct iovec *iov, int cnt, off_t off)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0)) {
		if (badiovcnt(cnt))
			return seterr(EINVAL);
		return rump_sys_preadv(rfd, iov, cnt, off);
	}
	return HOST(preadv)(fd, iov, cnt, off);
}
HIJACK_EXPORT ssize_t preadv64(int, const struct iovec *, int, off64_t)
    __attribute__((alias("preadv")));

/*
 * RWF_* flags on a rump descriptor.  HIPRI is a hint; DSYNC/SYNC mean
 * nothing to a read and an fsync after a write.  NOWAIT and APPEND
 * cannot be kept by a separate call afterwards, so they get what Linux
 * answers for a file that does not support them, as do unknown bits.
 */
#define RWF_KNOWN	(RWF_HIPRI | RWF_DSYNC | RWF_SYNC)

static COLD ssize_t
rump_preadv2(int rfd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	if ((flags & ~RWF_KNOWN) != 0)
		return seterr(EOPNOTSUPP);
	if (badiovcnt(cnt))
		return seterr(EINVAL);
	/* -1: the current file offset, used and moved, as readv */
	if (off == -1)
		return rump_sys_readv(rfd, iov, cnt);
	return rump_sys_preadv(rfd, iov, cnt, off);
}

HIJACK_EXPORT ssize_t
preadv2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_preadv2(rfd, iov, cnt, off, flags);
	return HOST(preadv2)(fd, iov, cnt, off, flags);
}
HIJACK_EXPORT ssize_t preadv64v2(int, const struct iovec *, int, off64_t,
    int) __attribute__((alias("preadv2")));

/* ---- write --------------------------------------------------------- */

HIJACK_EXPORT ssize_t
write(int fd, const void *buf, size_t n)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_write(rfd, buf, n);
	return HOST(write)(fd, buf, n);
}

HIJACK_EXPORT ssize_t
writev(int fd, const struct iovec *iov, int cnt)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0)) {
		if (badiovcnt(cnt))
			return seterr(EINVAL);
		return rump_sys_writev(rfd, iov, cnt);
	}
	return HOST(writev)(fd, iov, cnt);
}

HIJACK_EXPORT ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_pwrite(rfd, buf, n, off);
	return HOST(pwrite)(fd, buf, n, off);
}
HIJACK_EXPORT ssize_t pwrite64(int, const void *, size_t, off64_t)
    __attribute__((alias("pwrite")));

HIJACK_EXPORT ssize_t
pwritev(int fd, const struct iovec *iov, int cnt, off_t off)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0)) {
		if (badiovcnt(cnt))
			return seterr(EINVAL);
		return rump_sys_pwritev(rfd, iov, cnt, off);
	}
	return HOST(pwritev)(fd, iov, cnt, off);
}
HIJACK_EXPORT ssize_t pwritev64(int, const struct iovec *, int, off64_t)
    __attribute__((alias("pwritev")));

static COLD ssize_t
rump_pwritev2(int rfd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	ssize_t n;
	int e;

	if ((flags & ~RWF_KNOWN) != 0)
		return seterr(EOPNOTSUPP);
	if (badiovcnt(cnt))
		return seterr(EINVAL);
	if (off == -1)
		n = rump_sys_writev(rfd, iov, cnt);
	else
		n = rump_sys_pwritev(rfd, iov, cnt, off);
	if (n <= 0 || (flags & (RWF_DSYNC | RWF_SYNC)) == 0)
		return n;
	/* objects without a sync (pipes) answer EINVAL; Linux ignores the
	 * flag for them */
	e = errno;
	if (((flags & RWF_SYNC) ? rump_sys_fsync(rfd) :
	    rump_sys_fdatasync(rfd)) == -1 && errno != EINVAL)
		return -1;
	errno = e;
	return n;
}

HIJACK_EXPORT ssize_t
pwritev2(int fd, const struct iovec *iov, int cnt, off_t off, int flags)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_pwritev2(rfd, iov, cnt, off, flags);
	return HOST(pwritev2)(fd, iov, cnt, off, flags);
}
HIJACK_EXPORT ssize_t pwritev64v2(int, const struct iovec *, int, off64_t,
    int) __attribute__((alias("pwritev2")));

/* ---- offset, sync, size -------------------------------------------- */

HIJACK_EXPORT off_t
lseek(int fd, off_t off, int whence)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_lseek(rfd, off, whence);
	return HOST(lseek)(fd, off, whence);
}
HIJACK_EXPORT off64_t lseek64(int, off64_t, int)
    __attribute__((alias("lseek")));

HIJACK_EXPORT int
fsync(int fd)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_fsync(rfd);
	return HOST(fsync)(fd);
}

HIJACK_EXPORT int
fdatasync(int fd)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_fdatasync(rfd);
	return HOST(fdatasync)(fd);
}

HIJACK_EXPORT int
syncfs(int fd)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_syncfs(rfd);
	return HOST(syncfs)(fd);
}

/* sync(2) means every file system: the host's and the kernel's */
HIJACK_EXPORT void
sync(void)
{
	int e;

	HOST(sync)();
	if (hijack_on()) {
		e = errno;
		(void)rump_sys_sync();
		errno = e;
	}
}

HIJACK_EXPORT int
ftruncate(int fd, off_t len)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_ftruncate(rfd, len);
	return HOST(ftruncate)(fd, len);
}
HIJACK_EXPORT int ftruncate64(int, off64_t)
    __attribute__((alias("ftruncate")));

HIJACK_EXPORT int
fallocate(int fd, int mode, off_t off, off_t len)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_fallocate(rfd, mode, off, len);
	return HOST(fallocate)(fd, mode, off, len);
}
HIJACK_EXPORT int fallocate64(int, int, off64_t, off64_t)
    __attribute__((alias("fallocate")));

/*
 * posix_fallocate returns the error and leaves errno alone.  Where the
 * kernel cannot reserve, glibc falls back to making the file long
 * enough; so do we (tmpfs files are sparse anyway).
 */
static COLD int
rump_posix_fallocate(int rfd, off_t off, off_t len)
{
	struct stat st;
	int e = errno, r = 0;

	if (off < 0 || len < 0)
		r = EINVAL;
	else if (rump_sys_fallocate(rfd, 0, off, len) == -1) {
		r = errno;
		if (r == EOPNOTSUPP) {
			if (rump_sys_fstat(rfd, &st) == -1)
				r = errno;
			else if (S_ISFIFO(st.st_mode))
				r = ESPIPE;
			else if (!S_ISREG(st.st_mode))
				r = ENODEV;
			else if (off > INT64_MAX - len)
				r = EFBIG;
			else if (st.st_size >= off + len)
				r = 0;
			else if (rump_sys_ftruncate(rfd, off + len) == -1)
				r = errno;
			else
				r = 0;
		}
	}
	errno = e;
	return r;
}

HIJACK_EXPORT int
posix_fallocate(int fd, off_t off, off_t len)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_posix_fallocate(rfd, off, len);
	return HOST(posix_fallocate)(fd, off, len);
}
HIJACK_EXPORT int posix_fallocate64(int, off64_t, off64_t)
    __attribute__((alias("posix_fallocate")));

/* the kernel keeps no page cache to advise: check what Linux checks,
 * then succeed.  Returns the error, errno untouched. */
static COLD int
rump_fadvise(int rfd, off_t len, int advice)
{
	struct stat st;
	int e = errno, r = 0;

	if (rump_sys_fstat(rfd, &st) == -1)
		r = errno;
	else if (S_ISFIFO(st.st_mode))
		r = ESPIPE;
	else if (len < 0 || advice < POSIX_FADV_NORMAL ||
	    advice > POSIX_FADV_NOREUSE)
		r = EINVAL;
	errno = e;
	return r;
}

HIJACK_EXPORT int
posix_fadvise(int fd, off_t off, off_t len, int advice)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_fadvise(rfd, len, advice);
	return HOST(posix_fadvise)(fd, off, len, advice);
}
HIJACK_EXPORT int posix_fadvise64(int, off64_t, off64_t, int)
    __attribute__((alias("posix_fadvise")));

static COLD ssize_t
rump_readahead(int rfd)
{
	struct stat st;
	int fl;

	if ((fl = rump_sys_fcntl(rfd, F_GETFL)) == -1)
		return -1;
	if ((fl & O_PATH) || (fl & O_ACCMODE) == O_WRONLY)
		return seterr(EBADF);
	if (rump_sys_fstat(rfd, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode))
		return seterr(EINVAL);
	return 0;
}

HIJACK_EXPORT ssize_t
readahead(int fd, off64_t off, size_t n)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_readahead(rfd);
	return HOST(readahead)(fd, off, n);
}

/* ---- attributes ---------------------------------------------------- */

/*
 * The stat family also hides our own descriptors (the client's socket):
 * programs that probe which numbers are open do it with fstat.  The
 * client itself calls libc's fstat directly, never this one.
 */
HIJACK_EXPORT int
fstat(int fd, struct stat *st)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_fstat(rfd, st);
	if (UNLIKELY(fd_isown(fd)))
		return seterr(EBADF);
	return HOST(fstat)(fd, st);
}

HIJACK_EXPORT int
fstat64(int fd, struct stat64 *st)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_fstat(rfd, (struct stat *)st);
	if (UNLIKELY(fd_isown(fd)))
		return seterr(EBADF);
	return HOST(fstat64)(fd, st);
}

HIJACK_EXPORT int
__fxstat(int vers, int fd, struct stat *st)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0)) {
		if (!STAT_VEROK(vers))
			return seterr(EINVAL);
		return rump_sys_fstat(rfd, st);
	}
	if (UNLIKELY(fd_isown(fd)))
		return seterr(EBADF);
	return HOST(__fxstat)(vers, fd, st);
}

HIJACK_EXPORT int
__fxstat64(int vers, int fd, struct stat64 *st)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0)) {
		if (!STAT_VEROK(vers))
			return seterr(EINVAL);
		return rump_sys_fstat(rfd, (struct stat *)st);
	}
	if (UNLIKELY(fd_isown(fd)))
		return seterr(EBADF);
	return HOST(__fxstat64)(vers, fd, st);
}

HIJACK_EXPORT int
fstatfs(int fd, struct statfs *sf)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_fstatfs(rfd, sf);
	return HOST(fstatfs)(fd, sf);
}

HIJACK_EXPORT int
fstatfs64(int fd, struct statfs64 *sf)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_fstatfs(rfd, (struct statfs *)sf);
	return HOST(fstatfs64)(fd, sf);
}

/* statvfs as glibc derives it from statfs */
static COLD int
rump_fstatvfs(int rfd, struct statvfs *sv)
{
	struct statfs sf;

	if (rump_sys_fstatfs(rfd, &sf) == -1)
		return -1;
	statfs_to_statvfs(&sf, sv);
	return 0;
}

HIJACK_EXPORT int
fstatvfs(int fd, struct statvfs *sv)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_fstatvfs(rfd, sv);
	return HOST(fstatvfs)(fd, sv);
}

HIJACK_EXPORT int
fstatvfs64(int fd, struct statvfs64 *sv)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_fstatvfs(rfd, (struct statvfs *)sv);
	return HOST(fstatvfs64)(fd, sv);
}

HIJACK_EXPORT int
fchmod(int fd, mode_t mode)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_fchmod(rfd, mode);
	return HOST(fchmod)(fd, mode);
}

HIJACK_EXPORT int
fchown(int fd, uid_t uid, gid_t gid)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_fchown(rfd, uid, gid);
	return HOST(fchown)(fd, uid, gid);
}

HIJACK_EXPORT int
futimens(int fd, const struct timespec ts[2])
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_futimens(rfd, ts);
	return HOST(futimens)(fd, ts);
}

static COLD int
rump_futimes(int rfd, const struct timeval tv[2])
{
	struct timespec ts[2];

	if (tv == NULL)
		return rump_sys_futimens(rfd, NULL);
	for (int i = 0; i < 2; i++) {
		/* glibc refuses these before converting */
		if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
			return seterr(EINVAL);
		ts[i].tv_sec = tv[i].tv_sec;
		ts[i].tv_nsec = tv[i].tv_usec * 1000;
	}
	return rump_sys_futimens(rfd, ts);
}

HIJACK_EXPORT int
futimes(int fd, const struct timeval tv[2])
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_futimes(rfd, tv);
	return HOST(futimes)(fd, tv);
}

/* fpathconf: pathcalls.c's answers; the fstatfs also reports a bad
 * descriptor first, as glibc's does */
static COLD long
rump_fpathconf(int rfd, int name)
{
	struct statfs sf;
	struct stat st = { 0 };
	long v;
	int k;

	if (rump_sys_fstatfs(rfd, &sf) == -1)
		return -1;
	if ((k = pathconf_fixed(name, &v)) != 0)
		return k > 0 ? v : seterr(EINVAL);
	if (name == _PC_ASYNC_IO && rump_sys_fstat(rfd, &st) == -1)
		return -1;
	return pathconf_fs(name, &sf, st.st_mode);
}

HIJACK_EXPORT long
fpathconf(int fd, int name)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_fpathconf(rfd, name);
	return HOST(fpathconf)(fd, name);
}

/*
 * Extended attributes: the kernel has none.  Linux answers EOPNOTSUPP
 * (== ENOTSUP) for get/set/remove on such a file system and an empty
 * list for listxattr; libattr's attr_copy_fd (cp -a, mv) treats both as
 * "nothing to copy".
 */
HIJACK_EXPORT ssize_t
fgetxattr(int fd, const char *name, void *value, size_t size)
{
	if (UNLIKELY(fd_isrump(fd)))
		return seterr(ENOTSUP);
	return HOST(fgetxattr)(fd, name, value, size);
}

HIJACK_EXPORT int
fsetxattr(int fd, const char *name, const void *value, size_t size,
    int flags)
{
	if (UNLIKELY(fd_isrump(fd)))
		return seterr(ENOTSUP);
	return HOST(fsetxattr)(fd, name, value, size, flags);
}

HIJACK_EXPORT ssize_t
flistxattr(int fd, char *list, size_t size)
{
	if (UNLIKELY(fd_isrump(fd)))
		return 0;
	return HOST(flistxattr)(fd, list, size);
}

HIJACK_EXPORT int
fremovexattr(int fd, const char *name)
{
	if (UNLIKELY(fd_isrump(fd)))
		return seterr(ENOTSUP);
	return HOST(fremovexattr)(fd, name);
}

/* ---- locks --------------------------------------------------------- */

HIJACK_EXPORT int
flock(int fd, int op)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_flock(rfd, op);
	return HOST(flock)(fd, op);
}

/*
 * lockf is record locking from the current offset, as glibc builds it
 * on fcntl.  fcntl here is ours (fdtab.c), which hands the lock to the
 * kernel.  F_GETLK never reports the caller's own locks, so any lock it
 * does report belongs to someone else.
 */
static COLD int
rump_lockf(int fd, int cmd, off_t len)
{
	struct flock fl = {
		.l_whence = SEEK_CUR,
		.l_start = 0,
		.l_len = len,
	};

	switch (cmd) {
	case F_TEST:
		fl.l_type = F_RDLCK;
		if (fcntl(fd, F_GETLK, &fl) == -1)
			return -1;
		if (fl.l_type == F_UNLCK)
			return 0;
		return seterr(EACCES);
	case F_ULOCK:
		fl.l_type = F_UNLCK;
		return fcntl(fd, F_SETLK, &fl);
	case F_LOCK:
		fl.l_type = F_WRLCK;
		return fcntl(fd, F_SETLKW, &fl);
	case F_TLOCK:
		fl.l_type = F_WRLCK;
		return fcntl(fd, F_SETLK, &fl);
	default:
		return seterr(EINVAL);
	}
}

HIJACK_EXPORT int
lockf(int fd, int cmd, off_t len)
{
	if (UNLIKELY(fd_isrump(fd)))
		return rump_lockf(fd, cmd, len);
	return HOST(lockf)(fd, cmd, len);
}
HIJACK_EXPORT int lockf64(int, int, off64_t) __attribute__((alias("lockf")));

/* ---- ioctl and terminals ------------------------------------------- */

/*
 * ioctl on a rump descriptor.  Over the wire an argument travels only
 * as a plain value or as a struct the protocol knows the shape of
 * (sp/ctl.c); a pointer sent as a value would be meaningless to the
 * server.  So: the commands with a known shape go to the kernel, the
 * close-on-exec pair goes through our fcntl so the placeholder follows,
 * terminal requests get ENOTTY (nothing in the kernel is a terminal),
 * cloning gets EOPNOTSUPP like a file system without reflinks, and
 * another command that encodes a pointer argument gets the ENOTTY the
 * kernel would give; what remains (values) is the kernel's to answer.
 */
static COLD int
rump_ioctl(int fd, int rfd, unsigned long req, void *arg)
{
	switch (req) {
	case FIONREAD:
	case FIONBIO:
	case FIOASYNC:
	case TIOCOUTQ:
	case BLKGETSIZE64:
		return rump_sys_ioctl(rfd, req, arg);
	case FIOCLEX:
		return fcntl(fd, F_SETFD, FD_CLOEXEC);
	case FIONCLEX:
		return fcntl(fd, F_SETFD, 0);
	case FICLONE:
	case FICLONERANGE:
		return seterr(EOPNOTSUPP);
	}
	/* the tty drivers' 'T' range: TCGETS, TIOCGWINSZ, TIOCGPGRP, ... */
	if (_IOC_TYPE(req) == 'T')
		return seterr(ENOTTY);
	if (_IOC_DIR(req) != _IOC_NONE && _IOC_SIZE(req) != 0)
		return seterr(ENOTTY);
	return rump_sys_ioctl(rfd, req, arg);
}

HIJACK_EXPORT int
ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	int rfd;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	rfd = fd_torump(fd);
	if (UNLIKELY(rfd >= 0))
		return rump_ioctl(fd, rfd, req, arg);
	return HOST(ioctl)(fd, req, arg);
}

HIJACK_EXPORT int
isatty(int fd)
{
	if (UNLIKELY(fd_isrump(fd))) {
		seterr(ENOTTY);
		return 0;
	}
	return HOST(isatty)(fd);
}

/*
 * The termios/tty layer: glibc implements these with ioctls of its own,
 * which on a placeholder would say EBADF; nothing in the kernel is a
 * terminal, so the answer is ENOTTY.  Each is the host's otherwise.
 */
#define NOTTY(ret, name, params, args)					\
HIJACK_EXPORT ret							\
name params								\
{									\
	if (UNLIKELY(fd_isrump(fd)))					\
		return seterr(ENOTTY);					\
	return HOST(name) args;						\
}

NOTTY(int, tcgetattr, (int fd, struct termios *t), (fd, t))
NOTTY(int, tcsetattr, (int fd, int act, const struct termios *t),
    (fd, act, t))
NOTTY(pid_t, tcgetpgrp, (int fd), (fd))
NOTTY(int, tcsetpgrp, (int fd, pid_t pgrp), (fd, pgrp))
NOTTY(pid_t, tcgetsid, (int fd), (fd))
NOTTY(int, tcflush, (int fd, int q), (fd, q))
NOTTY(int, tcdrain, (int fd), (fd))
NOTTY(int, tcflow, (int fd, int act), (fd, act))
NOTTY(int, tcsendbreak, (int fd, int dur), (fd, dur))

HIJACK_EXPORT char *
ttyname(int fd)
{
	if (UNLIKELY(fd_isrump(fd))) {
		seterr(ENOTTY);
		return NULL;
	}
	return HOST(ttyname)(fd);
}

/* returns the error number and, like glibc's, leaves it in errno too */
HIJACK_EXPORT int
ttyname_r(int fd, char *buf, size_t len)
{
	if (UNLIKELY(fd_isrump(fd))) {
		seterr(ENOTTY);
		return ENOTTY;
	}
	return HOST(ttyname_r)(fd, buf, len);
}

HIJACK_EXPORT int
__ttyname_r_chk(int fd, char *buf, size_t len, size_t buflen)
{
	if (UNLIKELY(fd_isrump(fd))) {
		if (len > buflen)
			__chk_fail();
		seterr(ENOTTY);
		return ENOTTY;
	}
	return HOST(__ttyname_r_chk)(fd, buf, len, buflen);
}

/* ---- directories --------------------------------------------------- */

HIJACK_EXPORT ssize_t
getdents64(int fd, void *buf, size_t n)
{
	int rfd = fd_torump(fd);

	if (UNLIKELY(rfd >= 0))
		return rump_sys_getdents64(rfd, buf, n);
	return HOST(getdents64)(fd, buf, n);
}

/* ---- mmap ---------------------------------------------------------- */

/*
 * A rump file cannot be mapped: its pages live in another process.  A
 * private mapping never writes back, so it is emulated by an anonymous
 * private mapping filled with the file's contents at mmap time, then
 * given the protection asked for.  Unlike Linux it does not see later
 * changes to the file, and pages wholly past EOF read as zero instead
 * of raising SIGBUS.  A read-only shared mapping is emulated the same
 * way, with the same lack of coherence.  A writable shared mapping would
 * have to write back: refused with ENODEV, "the file system does not
 * support memory mapping".  Of the kernel's devices, /dev/zero maps as
 * anonymous memory (shared too) as on Linux, block devices (etfs) as
 * files, the others give ENODEV.
 */
static COLD void *
rump_mmap(void *addr, size_t len, int prot, int flags, int rfd, off_t off)
{
	const int huge = MAP_HUGETLB |
	    (int)((unsigned)MAP_HUGE_MASK << MAP_HUGE_SHIFT);
	long pg = sysconf(_SC_PAGESIZE);
	int type = flags & MAP_TYPE, fl, hflags, e;
	struct stat st;
	size_t want, done;
	ssize_t r;
	char *p;

	if (type != MAP_PRIVATE && type != MAP_SHARED &&
	    type != MAP_SHARED_VALIDATE) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if (len == 0 || off < 0 || (off & (pg - 1)) != 0) {
		errno = EINVAL;
		return MAP_FAILED;
	}
	if ((fl = rump_sys_fcntl(rfd, F_GETFL)) == -1 ||
	    rump_sys_fstat(rfd, &st) == -1)
		return MAP_FAILED;
	if (fl & O_PATH) {
		errno = EBADF;
		return MAP_FAILED;
	}
	/* of the character devices only /dev/zero maps, as on Linux */
	if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode) &&
	    !(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 5))) {
		errno = ENODEV;
		return MAP_FAILED;
	}
	if ((fl & O_ACCMODE) == O_WRONLY ||
	    (type != MAP_PRIVATE && (prot & PROT_WRITE) &&
	    (fl & O_ACCMODE) != O_RDWR)) {
		errno = EACCES;
		return MAP_FAILED;
	}
	/* /dev/zero is anonymous memory, shared or not */
	if (S_ISCHR(st.st_mode))
		return HOST(mmap)(addr, len, prot, (flags & ~(MAP_TYPE |
		    MAP_SYNC)) | (type == MAP_PRIVATE ? MAP_PRIVATE :
		    MAP_SHARED) | MAP_ANONYMOUS, -1, 0);
	if (type != MAP_PRIVATE && (prot & PROT_WRITE)) {
		errno = ENODEV;
		return MAP_FAILED;
	}
	if (len > (size_t)(INT64_MAX - off)) {
		errno = EOVERFLOW;
		return MAP_FAILED;
	}

	hflags = (flags & ~(MAP_TYPE | huge | MAP_SYNC)) |
	    MAP_PRIVATE | MAP_ANONYMOUS;
	p = HOST(mmap)(addr, len, PROT_READ | PROT_WRITE, hflags, -1, 0);
	if (p == MAP_FAILED)
		return MAP_FAILED;

	/* block devices (etfs) are read until they stop */
	want = len;
	if (S_ISREG(st.st_mode))
		want = st.st_size <= off ? 0 :
		    (size_t)(st.st_size - off) < len ? (size_t)(st.st_size - off) :
		    len;
	for (done = 0; done < want; done += (size_t)r) {
		r = rump_sys_pread(rfd, p + done, want - done,
		    off + (off_t)done);
		if (r == -1)
			goto fail;
		if (r == 0)
			break;
	}
	if (prot != (PROT_READ | PROT_WRITE) && mprotect(p, len, prot) == -1)
		goto fail;
	return p;
fail:
	e = errno;
	munmap(p, len);
	errno = e;
	return MAP_FAILED;
}

HIJACK_EXPORT void *
mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	int rfd;

	if (LIKELY((flags & MAP_ANONYMOUS) != 0) ||
	    LIKELY((rfd = fd_torump(fd)) < 0))
		return HOST(mmap)(addr, len, prot, flags, fd, off);
	return rump_mmap(addr, len, prot, flags, rfd, off);
}
HIJACK_EXPORT void *mmap64(void *, size_t, int, int, int, off64_t)
    __attribute__((alias("mmap")));

/* ---- copying between descriptors ----------------------------------- */

/*
 * copy_file_range, sendfile and splice between two host descriptors are
 * libc's.  With a rump descriptor at either end the data goes through a
 * bounce buffer here: read from one end, write all of it to the other.
 * A position pointer means pread/pwrite at that position, updated by
 * what was copied, with the file offset untouched; no pointer means
 * read/write at the file offset, which moves.  Bytes read but not
 * written are given back (position or file offset rewound; from a pipe
 * they are lost, as with any failed write).  An error after some bytes
 * were copied returns the count; the next call sees the error.
 */
struct xend {
	int	 fd;	/* the program's descriptor */
	int	 rfd;	/* the kernel's, or -1: a host descriptor */
};

static ssize_t
x_read(const struct xend *x, void *buf, size_t n, off_t *pos)
{
	if (pos != NULL)
		return x->rfd >= 0 ? rump_sys_pread(x->rfd, buf, n, *pos) :
		    HOST(pread)(x->fd, buf, n, *pos);
	return x->rfd >= 0 ? rump_sys_read(x->rfd, buf, n) :
	    HOST(read)(x->fd, buf, n);
}

static ssize_t
x_write(const struct xend *x, const void *buf, size_t n, off_t *pos)
{
	if (pos != NULL)
		return x->rfd >= 0 ? rump_sys_pwrite(x->rfd, buf, n, *pos) :
		    HOST(pwrite)(x->fd, buf, n, *pos);
	return x->rfd >= 0 ? rump_sys_write(x->rfd, buf, n) :
	    HOST(write)(x->fd, buf, n);
}

static off_t
x_lseek(const struct xend *x, off_t off, int whence)
{
	return x->rfd >= 0 ? rump_sys_lseek(x->rfd, off, whence) :
	    HOST(lseek)(x->fd, off, whence);
}

static int
x_fstat(const struct xend *x, struct stat *st)
{
	return x->rfd >= 0 ? rump_sys_fstat(x->rfd, st) :
	    HOST(fstat)(x->fd, st);
}

static int
x_getfl(const struct xend *x)
{
	return x->rfd >= 0 ? rump_sys_fcntl(x->rfd, F_GETFL) :
	    HOST(fcntl)(x->fd, F_GETFL);
}

static bool
x_readable(int fl)
{
	return !(fl & O_PATH) && (fl & O_ACCMODE) != O_WRONLY;
}

static bool
x_writable(int fl)
{
	return !(fl & O_PATH) && (fl & O_ACCMODE) != O_RDONLY;
}

/*
 * Copies up to len bytes from in to out.  ipos/opos: positions (updated)
 * or NULL for the file offsets.  once: a single chunk, because a second
 * read could block where the real call would have returned (pipes).
 */
static ssize_t
bounce(const struct xend *in, off_t *ipos, const struct xend *out,
    off_t *opos, size_t len, bool once)
{
	size_t chunk, total = 0, want, done;
	ssize_t r, w = 0;
	int e = errno;
	char *buf;

	if (len > (size_t)MAX_RW)
		len = (size_t)MAX_RW;
	if (len == 0)
		return 0;
	chunk = len < BOUNCE ? len : BOUNCE;
	if ((buf = malloc(chunk)) == NULL)
		return seterr(ENOMEM);
	while (total < len) {
		want = len - total < chunk ? len - total : chunk;
		if ((r = x_read(in, buf, want, ipos)) <= 0)
			break;
		if (ipos != NULL)
			*ipos += r;
		for (done = 0; done < (size_t)r; done += (size_t)w) {
			w = x_write(out, buf + done, (size_t)r - done, opos);
			if (w <= 0)
				break;
			if (opos != NULL)
				*opos += w;
		}
		total += done;
		if (done < (size_t)r) {
			int we = errno;

			if (ipos != NULL)
				*ipos -= (off_t)((size_t)r - done);
			else
				(void)x_lseek(in, -(off_t)((size_t)r - done),
				    SEEK_CUR);
			errno = we;
			r = w;
			break;
		}
		if ((size_t)r < want || once)
			break;
	}
	free(buf);
	if (total == 0 && r < 0)
		return -1;
	errno = e;
	return (ssize_t)total;
}

static COLD ssize_t
rump_copy_file_range(int infd, int rin, off64_t *inoff, int outfd, int rout,
    off64_t *outoff, size_t len, unsigned int flags)
{
	struct xend in = { infd, rin }, out = { outfd, rout };
	struct stat ist, ost;
	off_t ipos, opos;
	int ifl, ofl;
	ssize_t n;

	if (flags != 0)
		return seterr(EINVAL);
	if ((ifl = x_getfl(&in)) == -1 || (ofl = x_getfl(&out)) == -1 ||
	    x_fstat(&in, &ist) == -1 || x_fstat(&out, &ost) == -1)
		return -1;
	if (S_ISDIR(ist.st_mode) || S_ISDIR(ost.st_mode))
		return seterr(EISDIR);
	if (!S_ISREG(ist.st_mode) || !S_ISREG(ost.st_mode))
		return seterr(EINVAL);
	if (!x_readable(ifl) || !x_writable(ofl) || (ofl & O_APPEND))
		return seterr(EBADF);
	if ((inoff != NULL && *inoff < 0) || (outoff != NULL && *outoff < 0))
		return seterr(EINVAL);
	/* overlapping ranges of one file: only possible inside the kernel */
	if (rin >= 0 && rout >= 0 && ist.st_dev == ost.st_dev &&
	    ist.st_ino == ost.st_ino) {
		ipos = inoff != NULL ? *inoff : x_lseek(&in, 0, SEEK_CUR);
		opos = outoff != NULL ? *outoff : x_lseek(&out, 0, SEEK_CUR);
		if (ipos == -1 || opos == -1)
			return -1;
		if (len > (size_t)MAX_RW)
			len = (size_t)MAX_RW;
		if (ipos < opos + (off_t)len && opos < ipos + (off_t)len)
			return seterr(EINVAL);
	}
	ipos = inoff != NULL ? *inoff : 0;
	opos = outoff != NULL ? *outoff : 0;
	n = bounce(&in, inoff != NULL ? &ipos : NULL, &out,
	    outoff != NULL ? &opos : NULL, len, false);
	if (n > 0) {
		if (inoff != NULL)
			*inoff = ipos;
		if (outoff != NULL)
			*outoff = opos;
	}
	return n;
}

HIJACK_EXPORT ssize_t
copy_file_range(int infd, off64_t *inoff, int outfd, off64_t *outoff,
    size_t len, unsigned int flags)
{
	int rin = fd_torump(infd), rout = fd_torump(outfd);

	if (LIKELY(rin < 0 && rout < 0))
		return HOST(copy_file_range)(infd, inoff, outfd, outoff, len,
		    flags);
	return rump_copy_file_range(infd, rin, inoff, outfd, rout, outoff,
	    len, flags);
}

static COLD ssize_t
rump_sendfile(int outfd, int rout, int infd, int rin, off_t *offp,
    size_t count)
{
	struct xend in = { infd, rin }, out = { outfd, rout };
	struct stat ist;
	off_t pos;
	int ifl, ofl;
	ssize_t n;

	if ((ifl = x_getfl(&in)) == -1 || (ofl = x_getfl(&out)) == -1)
		return -1;
	if (!x_readable(ifl) || !x_writable(ofl))
		return seterr(EBADF);
	if (ofl & O_APPEND)
		return seterr(EINVAL);
	if (x_fstat(&in, &ist) == -1)
		return -1;
	if (offp != NULL && *offp < 0)
		return seterr(EINVAL);
	pos = offp != NULL ? *offp : 0;
	/* read on only where that cannot block: not from a pipe, socket or
	 * host device (a terminal); the kernel's devices never block */
	n = bounce(&in, offp != NULL ? &pos : NULL, &out, NULL, count,
	    S_ISFIFO(ist.st_mode) || S_ISSOCK(ist.st_mode) ||
	    (S_ISCHR(ist.st_mode) && rin < 0));
	if (n > 0 && offp != NULL)
		*offp = pos;
	return n;
}

HIJACK_EXPORT ssize_t
sendfile(int outfd, int infd, off_t *offp, size_t count)
{
	int rout = fd_torump(outfd), rin = fd_torump(infd);

	if (LIKELY(rin < 0 && rout < 0))
		return HOST(sendfile)(outfd, infd, offp, count);
	return rump_sendfile(outfd, rout, infd, rin, offp, count);
}
HIJACK_EXPORT ssize_t sendfile64(int, int, off64_t *, size_t)
    __attribute__((alias("sendfile")));

/*
 * splice on Linux needs a pipe at one end.  With a rump descriptor
 * involved we accept any pair (the kernel's pipes and files, host pipes
 * and files): the call is a read and a write.  One chunk per call, as a
 * pipe would return after what it has; flags (NONBLOCK, MOVE, MORE,
 * GIFT) are ignored.  A position pointer on a pipe end gets ESPIPE from
 * pread/pwrite, as from Linux.
 */
static COLD ssize_t
rump_splice(int infd, int rin, off64_t *inoff, int outfd, int rout,
    off64_t *outoff, size_t len)
{
	struct xend in = { infd, rin }, out = { outfd, rout };
	off_t ipos, opos;
	int ifl, ofl;
	ssize_t n;

	if ((ifl = x_getfl(&in)) == -1 || (ofl = x_getfl(&out)) == -1)
		return -1;
	if (!x_readable(ifl) || !x_writable(ofl))
		return seterr(EBADF);
	if (ofl & O_APPEND)
		return seterr(EINVAL);
	if ((inoff != NULL && *inoff < 0) || (outoff != NULL && *outoff < 0))
		return seterr(EINVAL);
	ipos = inoff != NULL ? *inoff : 0;
	opos = outoff != NULL ? *outoff : 0;
	n = bounce(&in, inoff != NULL ? &ipos : NULL, &out,
	    outoff != NULL ? &opos : NULL, len, true);
	if (n > 0) {
		if (inoff != NULL)
			*inoff = ipos;
		if (outoff != NULL)
			*outoff = opos;
	}
	return n;
}

HIJACK_EXPORT ssize_t
splice(int infd, off64_t *inoff, int outfd, off64_t *outoff, size_t len,
    unsigned int flags)
{
	int rin = fd_torump(infd), rout = fd_torump(outfd);

	if (LIKELY(rin < 0 && rout < 0))
		return HOST(splice)(infd, inoff, outfd, outoff, len, flags);
	return rump_splice(infd, rin, inoff, outfd, rout, outoff, len);
}
