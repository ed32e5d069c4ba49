/*
 * dir.c — directory streams on rump descriptors: opendir/fdopendir,
 * readdir (and the _r and 64 forms), closedir, dirfd, rewinddir,
 * seekdir/telldir and the scandir family.
 *
 * glibc's own DIR code reads with internal getdents64/lseek calls that
 * no preloaded library can see, so a DIR over a rump descriptor is one
 * of ours: struct hdir, whose first int is HDIR_MAGIC.  glibc's struct
 * __dirstream starts with its descriptor, never negative, so every DIR
 * function tells the two apart with one load and hands libc's to HOST().
 *
 * Positions are the kernel's getdents64 d_off cookies, as in glibc:
 * telldir is the d_off of the last entry returned (0 before the first),
 * seekdir lseeks the descriptor there and drops the buffer.  tmpfs keeps
 * a cookie valid when entries come and go (sys/fs/tmpfs/tmpfs_dir.c), so
 * seekdir(telldir()) resumes exactly where the listing was.
 *
 * The stream keeps only the program-visible descriptor and translates it
 * on every refill, so a dup2 over it behaves as it does for libc's DIR.
 * closedir closes it with our close() (fdtab.c).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hijack/hijack.h"

/* readdir_r is deprecated in the headers, but programs still call it */
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

#define HDIR_MAGIC	(-0x48444952)	/* "HDIR", negated: never an fd */
#define HDIR_BUFSIZE	32768		/* glibc's default allocation */

/* the flags glibc's opendir opens with (O_LARGEFILE is 0 on LP64) */
#define HDIR_OFLAGS	(O_RDONLY | O_NONBLOCK | O_DIRECTORY | O_CLOEXEC)

struct hdir {
	int		 magic;		/* HDIR_MAGIC; first, see above */
	int		 fd;		/* the program's descriptor */
	pthread_mutex_t	 mtx;
	size_t		 size;		/* bytes of records in buf */
	size_t		 off;		/* next record */
	off_t		 pos;		/* telldir: d_off of the last one */
	int		 errcode;	/* readdir_r's sticky error */
	_Alignas(struct dirent64) char buf[HDIR_BUFSIZE];
};

_Static_assert(sizeof(struct dirent) == sizeof(struct dirent64) &&
    offsetof(struct dirent, d_name) == offsetof(struct dirent64, d_name),
    "readdir and readdir64 share one record layout");

/*
 * Ours or NULL.  The prototypes promise a non-null DIR; the asm keeps
 * the compiler from dropping the test, so NULL goes to libc exactly as
 * it would without us (EINVAL for closedir, a crash elsewhere).
 */
static inline struct hdir *
hdir_of(DIR *dirp)
{
	void *p = dirp;

	__asm__("" : "+r"(p));
	if (p != NULL && *(const int *)p == HDIR_MAGIC)
		return p;
	return NULL;
}

/* Wraps program descriptor fd; on failure fd stays open (the callers
 * differ on whether to close it). */
static struct hdir *
hdir_alloc(int fd)
{
	struct hdir *d;

	if ((d = malloc(sizeof(*d))) == NULL)
		return NULL;
	d->magic = HDIR_MAGIC;
	d->fd = fd;
	pthread_mutex_init(&d->mtx, NULL);
	d->size = d->off = 0;
	d->pos = 0;
	d->errcode = 0;
	return d;
}

/* opendir on a path the router sent to the kernel */
static struct hdir *
hdir_openrump(int rdirfd, const char *rpath)
{
	struct hdir *d;
	int rfd, fd, e;

	if ((rfd = rump_sys_openat(rdirfd, rpath, HDIR_OFLAGS)) == -1)
		return NULL;
	if ((fd = fd_newrump(rfd, true)) == -1)
		return NULL;
	if ((d = hdir_alloc(fd)) == NULL) {
		e = errno;
		close(fd);
		errno = e;
	}
	return d;
}

static int
hdir_close(struct hdir *d)
{
	int fd = d->fd;

	d->magic = 0;
	pthread_mutex_destroy(&d->mtx);
	free(d);
	return close(fd);
}

static ssize_t
hdir_getdents(int fd, void *buf, size_t len)
{
	int rfd = fd_torump(fd);

	if (rfd >= 0)
		return rump_sys_getdents64(rfd, buf, len);
	return HOST(getdents64)(fd, buf, len);
}

static void
hdir_lseek(int fd, off_t pos)
{
	int rfd = fd_torump(fd);
	int e = errno;

	if (rfd >= 0)
		(void)rump_sys_lseek(rfd, pos, SEEK_SET);
	else
		(void)HOST(lseek)(fd, pos, SEEK_SET);
	errno = e;
}

/*
 * The next record, or NULL at the end (errno untouched) or on an error
 * (errno set).  A directory removed under us reads as ENOENT: that is
 * the end, as POSIX and glibc have it.  Called with d->mtx held.
 */
static struct dirent64 *
hdir_next(struct hdir *d, bool keeperr)
{
	struct dirent64 *de;
	int saved = errno;
	ssize_t n;

	do {
		if (d->off >= d->size) {
			n = hdir_getdents(d->fd, d->buf, sizeof(d->buf));
			if (n <= 0) {
				if (n == 0 || errno == ENOENT)
					errno = saved;
				else if (keeperr)
					d->errcode = errno;
				return NULL;
			}
			d->size = (size_t)n;
			d->off = 0;
		}
		de = (struct dirent64 *)(d->buf + d->off);
		d->off += de->d_reclen;
		d->pos = de->d_off;
	} while (de->d_ino == 0);
	return de;
}

static struct dirent64 *
hdir_read(struct hdir *d)
{
	struct dirent64 *de;

	pthread_mutex_lock(&d->mtx);
	de = hdir_next(d, false);
	pthread_mutex_unlock(&d->mtx);
	return de;
}

/* glibc's readdir_r: names longer than NAME_MAX are skipped and reported
 * as ENAMETOOLONG at the end of the listing */
static int
hdir_read_r(struct hdir *d, struct dirent64 *entry, struct dirent64 **result)
{
	struct dirent64 *de;
	size_t reclen = 0;
	int rv;

	pthread_mutex_lock(&d->mtx);
	for (;;) {
		if ((de = hdir_next(d, true)) == NULL)
			break;
		reclen = de->d_reclen;
		if (reclen <= offsetof(struct dirent64, d_name) + NAME_MAX + 1)
			break;
		if (strlen(de->d_name) <= NAME_MAX) {
			reclen = offsetof(struct dirent64, d_name) +
			    strlen(de->d_name) + 1;
			break;
		}
		d->errcode = ENAMETOOLONG;
	}
	if (de != NULL) {
		memcpy(entry, de, reclen);
		entry->d_reclen = (unsigned short)reclen;
		*result = entry;
		rv = 0;
	} else {
		*result = NULL;
		rv = d->errcode;
	}
	pthread_mutex_unlock(&d->mtx);
	return rv;
}

/* ---- opening and closing -------------------------------------------- */

HIJACK_EXPORT DIR *
opendir(const char *name)
{
	const char *rpath;
	const char *p = name;
	int rdirfd;

	__asm__("" : "+r"(p));	/* declared nonnull; NULL goes to libc */
	if (p == NULL || p[0] == '\0' ||
	    path_route(AT_FDCWD, p, &rpath, &rdirfd) == ROUTE_HOST)
		return HOST(opendir)(name);
	return (DIR *)hdir_openrump(rdirfd, rpath);
}

HIJACK_EXPORT DIR *
fdopendir(int fd)
{
	struct hdir *d;
	struct stat st;
	int rfd, fl;

	if ((rfd = fd_torump(fd)) < 0)
		return HOST(fdopendir)(fd);
	if (rump_sys_fstat(rfd, &st) == -1)
		return NULL;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return NULL;
	}
	if ((fl = rump_sys_fcntl(rfd, F_GETFL)) == -1)
		return NULL;
	if ((fl & O_ACCMODE) == O_WRONLY) {
		errno = EINVAL;
		return NULL;
	}
	d = hdir_alloc(fd);
	return (DIR *)d;
}

HIJACK_EXPORT int
closedir(DIR *dirp)
{
	struct hdir *d = hdir_of(dirp);

	if (d == NULL)
		return HOST(closedir)(dirp);
	return hdir_close(d);
}

HIJACK_EXPORT int
dirfd(DIR *dirp)
{
	struct hdir *d = hdir_of(dirp);

	if (d == NULL)
		return HOST(dirfd)(dirp);
	return d->fd;
}

/* ---- reading -------------------------------------------------------- */

HIJACK_EXPORT struct dirent *
readdir(DIR *dirp)
{
	struct hdir *d = hdir_of(dirp);

	if (d == NULL)
		return HOST(readdir)(dirp);
	return (struct dirent *)hdir_read(d);
}

HIJACK_EXPORT int
readdir_r(DIR *dirp, struct dirent *entry, struct dirent **result)
{
	struct hdir *d = hdir_of(dirp);

	if (d == NULL)
		return HOST(readdir_r)(dirp, entry, result);
	return hdir_read_r(d, (struct dirent64 *)entry,
	    (struct dirent64 **)result);
}

/* ---- positions ------------------------------------------------------ */

HIJACK_EXPORT void
rewinddir(DIR *dirp)
{
	struct hdir *d = hdir_of(dirp);

	if (d == NULL) {
		HOST(rewinddir)(dirp);
		return;
	}
	pthread_mutex_lock(&d->mtx);
	hdir_lseek(d->fd, 0);
	d->pos = 0;
	d->size = d->off = 0;
	d->errcode = 0;
	pthread_mutex_unlock(&d->mtx);
}

HIJACK_EXPORT void
seekdir(DIR *dirp, long pos)
{
	struct hdir *d = hdir_of(dirp);

	if (d == NULL) {
		HOST(seekdir)(dirp, pos);
		return;
	}
	pthread_mutex_lock(&d->mtx);
	hdir_lseek(d->fd, pos);
	d->pos = pos;
	d->size = d->off = 0;
	pthread_mutex_unlock(&d->mtx);
}

HIJACK_EXPORT long
telldir(DIR *dirp)
{
	struct hdir *d = hdir_of(dirp);
	long pos;

	if (d == NULL)
		return HOST(telldir)(dirp);
	pthread_mutex_lock(&d->mtx);
	pos = d->pos;
	pthread_mutex_unlock(&d->mtx);
	return pos;
}

/* ---- scandir -------------------------------------------------------- */

typedef int (*scan_sel_t)(const struct dirent64 *);
typedef int (*scan_cmp_t)(const struct dirent64 **, const struct dirent64 **);

/*
 * glibc's scandir after the open, on one of our streams: errno is 0
 * around the loop so that an error of readdir (not of the filter) fails
 * the whole call; on success errno is what it was on entry.  Closes d.
 */
static int
scan_tail(struct hdir *d, struct dirent64 ***namelist, scan_sel_t sel,
    scan_cmp_t cmp)
{
	struct dirent64 **v = NULL, **nv, *de, *copy;
	size_t cnt = 0, vsize = 0, len;
	int save = errno, rv;

	errno = 0;
	while ((de = hdir_read(d)) != NULL) {
		if (sel != NULL && !sel(de)) {
			errno = 0;	/* what the filter left is no error */
			continue;
		}
		errno = 0;
		if (cnt == vsize) {
			vsize = vsize == 0 ? 10 : 2 * vsize;
			if ((nv = realloc(v, vsize * sizeof(*v))) == NULL)
				break;
			v = nv;
		}
		len = de->d_reclen;
		if ((copy = malloc(len)) == NULL)
			break;
		v[cnt++] = memcpy(copy, de, len);
	}
	if (errno != 0) {
		save = errno;
		while (cnt > 0)
			free(v[--cnt]);
		free(v);
		rv = -1;
	} else {
		if (cmp != NULL)
			qsort(v, cnt, sizeof(*v),
			    (int (*)(const void *, const void *))(void (*)(void))
			    cmp);
		*namelist = v;
		rv = (int)cnt;
	}
	(void)hdir_close(d);
	errno = save;
	return rv;
}

static int
scan_rump(int rdirfd, const char *rpath, struct dirent64 ***namelist,
    scan_sel_t sel, scan_cmp_t cmp)
{
	struct hdir *d;

	if ((d = hdir_openrump(rdirfd, rpath)) == NULL)
		return -1;
	return scan_tail(d, namelist, sel, cmp);
}

HIJACK_EXPORT int
scandirat(int dfd, const char *dir, struct dirent ***namelist,
    int (*sel)(const struct dirent *),
    int (*cmp)(const struct dirent **, const struct dirent **))
{
	const char *rpath;
	const char *p = dir;
	int rdirfd;

	__asm__("" : "+r"(p));
	if (p == NULL || p[0] == '\0' ||
	    path_route(dfd, p, &rpath, &rdirfd) == ROUTE_HOST)
		return HOST(scandirat)(dfd, dir, namelist, sel, cmp);
	return scan_rump(rdirfd, rpath, (struct dirent64 ***)namelist,
	    (scan_sel_t)(void (*)(void))sel, (scan_cmp_t)(void (*)(void))cmp);
}

/* glibc's scandir is scandirat(AT_FDCWD, ...) too */
HIJACK_EXPORT int
scandir(const char *dir, struct dirent ***namelist,
    int (*sel)(const struct dirent *),
    int (*cmp)(const struct dirent **, const struct dirent **))
{
	return scandirat(AT_FDCWD, dir, namelist, sel, cmp);
}

/*
 * The *64 forms: struct dirent64 is struct dirent on x86_64 and the
 * other LP64 ABIs, and glibc makes them aliases too.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wattribute-alias"
_Static_assert(sizeof(struct dirent) == sizeof(struct dirent64) &&
    offsetof(struct dirent, d_name) == offsetof(struct dirent64, d_name),
    "struct dirent64 differs from struct dirent: the *64 aliases are wrong");
HIJACK_EXPORT struct dirent64 *readdir64(DIR *)
    __attribute__((alias("readdir")));
HIJACK_EXPORT int readdir64_r(DIR *, struct dirent64 *, struct dirent64 **)
    __attribute__((alias("readdir_r")));
HIJACK_EXPORT int scandir64(const char *, struct dirent64 ***,
    int (*)(const struct dirent64 *),
    int (*)(const struct dirent64 **, const struct dirent64 **))
    __attribute__((alias("scandir")));
HIJACK_EXPORT int scandirat64(int, const char *, struct dirent64 ***,
    int (*)(const struct dirent64 *),
    int (*)(const struct dirent64 **, const struct dirent64 **))
    __attribute__((alias("scandirat")));
#pragma GCC diagnostic pop
