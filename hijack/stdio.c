/*
 * stdio.c — FILE streams over rump descriptors: fopen/fopen64, fdopen,
 * freopen/freopen64, and stdin/stdout/stderr while descriptor 0, 1 or 2
 * is a rump one.
 *
 * glibc's FILE code does its I/O with internal read/write/lseek calls we
 * cannot see, so a stream on a rump file is a fopencookie(3) stream whose
 * callbacks call our exported read/write/lseek/close on the program's
 * descriptor (the fd table routes them).  Its _fileno is set to that
 * descriptor so fileno() works; glibc itself only looks at _fileno of a
 * cookie stream to tell "open" (not -1), and the cookie vtable's stat
 * fails, so glibc never makes a system call on it (libio/iofopncook.c,
 * _IO_file_doallocate: BUFSIZ buffer, fully buffered, no tty probe).
 * Cookie streams are byte-oriented only (glibc gives them no wide data).
 *
 * Standard streams: fdtab.c calls stdio_fdchanging(n) and
 * stdio_fdchanged(n) around every change of descriptor 0-2.  While n is
 * a rump descriptor the global stdin/stdout/stderr points to a cookie
 * stream over n (one per n, kept for the life of the process so that a
 * pointer the program copied never dangles); when n is a host descriptor
 * again the global gets back the FILE it held before.  Output still
 * buffered in the global at the change moves to its replacement: glibc
 * writes a buffer to whatever the number is when it flushes, so printf,
 * then dup2 of a file onto 1, puts the text in the file, and a forked
 * child that dup2s and execs never writes the parent's buffer.
 *
 * freopen keeps the FILE object whenever the stream is one of ours (the
 * cookie just gets a new descriptor behind the same number and a reset).
 * A libc stream cannot become a cookie stream in place, so freopen of a
 * libc stream onto a rump file returns a different FILE: for a standard
 * stream that is the cookie the global now points to.  The old object is
 * left allocated with its descriptor number now a rump placeholder, so
 * using it fails with EBADF instead of writing somewhere else.
 *
 * fclose is not interposed: glibc's fclose of a cookie stream flushes
 * through our write callback and calls our close callback, which closes
 * the descriptor and frees the cookie.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "hijack/hijack.h"

/*
 * glibc's libio flag bits (libio/libio.h; the same since libio began).
 * The public struct _IO_FILE has _flags but not these names; freopen of
 * one of our streams needs them to change its read/write permissions.
 */
#define LIBIO_NO_READS		0x0004
#define LIBIO_NO_WRITES		0x0008
#define LIBIO_IS_APPENDING	0x1000
#define LIBIO_IS_FILEBUF	0x2000

struct hck {
	int		 fd;	/* the program's descriptor; -1: closed */
	int		 stdfd;	/* 0-2: the standard stream's cookie */
	FILE		*fp;
	struct hck	*next;
	struct hck	**prevp;
};

/* every live cookie: freopen asks "is this ours", exit flushes them */
static pthread_mutex_t ck_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct hck *ck_list;

/* standard streams, under std_mtx (taken before ck_mtx) */
static pthread_mutex_t std_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct {
	struct hck	*ck;		/* the cookie for this fd, once made */
	FILE		*installed;	/* what we put in the global, or NULL */
	FILE		*saved;		/* what the global held before */
} stdst[3];

/* a parsed mode string */
struct fmode {
	int	oflags;		/* open(2) flags */
	int	rw;		/* LIBIO_* bits */
	char	ckmode[3];	/* the same for fopencookie */
};

static FILE **
std_global(int fd)
{
	switch (fd) {
	case 0:
		return &stdin;
	case 1:
		return &stdout;
	default:
		return &stderr;
	}
}

/* ---- the cookie ----------------------------------------------------- */

static ssize_t
ck_read(void *c, char *buf, size_t n)
{
	struct hck *ck = c;

	return read(ck->fd, buf, n);
}

/* all of it or what got out before an error, as glibc's file write */
static ssize_t
ck_write(void *c, const char *buf, size_t n)
{
	struct hck *ck = c;
	size_t done = 0;
	ssize_t w;

	while (done < n) {
		if ((w = write(ck->fd, buf + done, n - done)) <= 0)
			break;
		done += (size_t)w;
	}
	return (ssize_t)done;
}

static int
ck_seek(void *c, off64_t *off, int whence)
{
	struct hck *ck = c;
	off_t r;

	if ((r = lseek(ck->fd, *off, whence)) == -1)
		return -1;
	*off = r;
	return 0;
}

static void
ck_unlist(struct hck *ck)
{
	pthread_mutex_lock(&ck_mtx);
	if (ck->next != NULL)
		ck->next->prevp = ck->prevp;
	*ck->prevp = ck->next;
	pthread_mutex_unlock(&ck_mtx);
}

/*
 * fclose's end of the stream.  The global may still point to it while
 * close() runs fdtab's hooks; by then glibc has flushed it, and
 * stdio_fdchanged puts the old FILE back when fd 0-2 goes host.
 */
static int
ck_close(void *c)
{
	struct hck *ck = c;
	int fd = ck->fd;

	if (ck->stdfd >= 0) {
		pthread_mutex_lock(&std_mtx);
		if (stdst[ck->stdfd].ck == ck)
			stdst[ck->stdfd].ck = NULL;
		pthread_mutex_unlock(&std_mtx);
	}
	ck_unlist(ck);
	free(ck);
	if (fd < 0)
		return seterr(EBADF);
	return close(fd);
}

static const cookie_io_functions_t ck_fns = {
	.read = ck_read,
	.write = ck_write,
	.seek = ck_seek,
	.close = ck_close,
};

/* a cookie stream over program descriptor fd (left open on failure) */
static struct hck *
ck_new(int fd, const char *ckmode, int stdfd)
{
	struct hck *ck;
	FILE *fp;

	if ((ck = malloc(sizeof(*ck))) == NULL)
		return NULL;
	ck->fd = fd;
	ck->stdfd = stdfd;
	if ((fp = fopencookie(ck, ckmode, ck_fns)) == NULL) {
		free(ck);
		return NULL;
	}
	fp->_fileno = fd;
	ck->fp = fp;
	pthread_mutex_lock(&ck_mtx);
	ck->next = ck_list;
	if (ck_list != NULL)
		ck_list->prevp = &ck->next;
	ck->prevp = &ck_list;
	ck_list = ck;
	pthread_mutex_unlock(&ck_mtx);
	return ck;
}

static struct hck *
ck_find(FILE *fp)
{
	struct hck *ck;

	if (fp == NULL)
		return NULL;
	pthread_mutex_lock(&ck_mtx);
	for (ck = ck_list; ck != NULL && ck->fp != fp; ck = ck->next)
		continue;
	pthread_mutex_unlock(&ck_mtx);
	return ck;
}

/*
 * Library destructors run before exit() flushes stdio (_IO_cleanup comes
 * after every atexit handler, _dl_fini included): write out our streams
 * while the connection surely still works.  Like exit(), never wait for
 * a lock another thread holds.
 */
__attribute__((destructor)) static void
stdio_fini(void)
{
	struct hck *ck;
	int e = errno;

	pthread_mutex_lock(&ck_mtx);
	for (ck = ck_list; ck != NULL; ck = ck->next) {
		if (__fpending(ck->fp) == 0 || ftrylockfile(ck->fp) != 0)
			continue;
		(void)fflush_unlocked(ck->fp);
		funlockfile(ck->fp);
	}
	pthread_mutex_unlock(&ck_mtx);
	errno = e;
}

/* a fork while another thread holds our locks must not leave the child
 * unable to open a stream */
static void
stdio_prefork(void)
{
	pthread_mutex_lock(&std_mtx);
	pthread_mutex_lock(&ck_mtx);
}

static void
stdio_postfork(void)
{
	pthread_mutex_unlock(&ck_mtx);
	pthread_mutex_unlock(&std_mtx);
}

__attribute__((constructor)) static void
stdio_init(void)
{
	pthread_atfork(stdio_prefork, stdio_postfork, stdio_postfork);
}

/* ---- modes ---------------------------------------------------------- */

static void
fmode_ckmode(struct fmode *m)
{
	char *p = m->ckmode;

	if (m->rw & LIBIO_IS_APPENDING)
		*p++ = 'a';
	else if (m->rw & LIBIO_NO_READS)
		*p++ = 'w';
	else
		*p++ = 'r';
	if ((m->rw & (LIBIO_NO_READS | LIBIO_NO_WRITES)) == 0)
		*p++ = '+';
	*p = '\0';
}

/* fopen's reading of a mode, as glibc's _IO_new_file_fopen: six
 * characters after the first at most; b, m, c and anything unknown
 * (",ccs=" included) are ignored */
static int
fmode_fopen(const char *mode, struct fmode *m)
{
	int acc;

	switch (*mode) {
	case 'r':
		acc = O_RDONLY;
		m->oflags = 0;
		m->rw = LIBIO_NO_WRITES;
		break;
	case 'w':
		acc = O_WRONLY;
		m->oflags = O_CREAT | O_TRUNC;
		m->rw = LIBIO_NO_READS;
		break;
	case 'a':
		acc = O_WRONLY;
		m->oflags = O_CREAT | O_APPEND;
		m->rw = LIBIO_NO_READS | LIBIO_IS_APPENDING;
		break;
	default:
		return seterr(EINVAL);
	}
	for (int i = 1; i < 7 && mode[i] != '\0'; i++) {
		switch (mode[i]) {
		case '+':
			acc = O_RDWR;
			m->rw &= LIBIO_IS_APPENDING;
			break;
		case 'x':
			m->oflags |= O_EXCL;
			break;
		case 'e':
			m->oflags |= O_CLOEXEC;
			break;
		default:
			break;
		}
	}
	m->oflags |= acc;
	fmode_ckmode(m);
	return 0;
}

/* fdopen's reading, as glibc's _IO_new_fdopen: four characters after
 * the first, stopping at '+' */
static int
fmode_fdopen(const char *mode, struct fmode *m)
{
	m->oflags = 0;
	switch (*mode) {
	case 'r':
		m->rw = LIBIO_NO_WRITES;
		break;
	case 'w':
		m->rw = LIBIO_NO_READS;
		break;
	case 'a':
		m->rw = LIBIO_NO_READS | LIBIO_IS_APPENDING;
		break;
	default:
		return seterr(EINVAL);
	}
	for (int i = 1; i < 5 && mode[i] != '\0'; i++) {
		if (mode[i] == '+') {
			m->rw &= LIBIO_IS_APPENDING;
			break;
		}
	}
	fmode_ckmode(m);
	return 0;
}

/* "a" without "+" starts at the end; a pipe's ESPIPE is fine */
static int
fmode_seekend(const struct fmode *m, int fd)
{
	if ((m->rw & (LIBIO_IS_APPENDING | LIBIO_NO_READS)) !=
	    (LIBIO_IS_APPENDING | LIBIO_NO_READS))
		return 0;
	if (lseek(fd, 0, SEEK_END) == -1 && errno != ESPIPE)
		return -1;
	return 0;
}

/* ---- fopen and fdopen ----------------------------------------------- */

HIJACK_EXPORT FILE *
fopen(const char *path, const char *mode)
{
	const char *rpath;
	struct fmode m;
	struct hck *ck;
	int fd, e;

	if (path_route_cwd(path, &rpath) == ROUTE_HOST)
		return HOST(fopen)(path, mode);
	if (fmode_fopen(mode, &m) == -1)
		return NULL;
	if ((fd = open(path, m.oflags, 0666)) == -1)
		return NULL;
	if (fmode_seekend(&m, fd) == -1 ||
	    (ck = ck_new(fd, m.ckmode, -1)) == NULL) {
		e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	return ck->fp;
}

HIJACK_EXPORT FILE *fopen64(const char *, const char *)
    __attribute__((alias("fopen")));

HIJACK_EXPORT FILE *
fdopen(int fd, const char *mode)
{
	struct fmode m;
	struct hck *ck;
	int rfd, fl;
	bool seekend = false;

	if ((rfd = fd_torump(fd)) < 0)
		return HOST(fdopen)(fd, mode);
	if (fmode_fdopen(mode, &m) == -1)
		return NULL;
	if ((fl = rump_sys_fcntl(rfd, F_GETFL)) == -1)
		return NULL;
	if (((fl & O_ACCMODE) == O_RDONLY && !(m.rw & LIBIO_NO_WRITES)) ||
	    ((fl & O_ACCMODE) == O_WRONLY && !(m.rw & LIBIO_NO_READS))) {
		errno = EINVAL;
		return NULL;
	}
	/* glibc sets O_APPEND for "a", and then starts at the end */
	if ((m.rw & LIBIO_IS_APPENDING) && !(fl & O_APPEND)) {
		if (rump_sys_fcntl(rfd, F_SETFL, fl | O_APPEND) == -1)
			return NULL;
		seekend = true;
	}
	if (seekend && fmode_seekend(&m, fd) == -1)
		return NULL;
	if ((ck = ck_new(fd, m.ckmode, -1)) == NULL)
		return NULL;
	return ck->fp;
}

/* ---- freopen -------------------------------------------------------- */

/*
 * freopen(NULL, ...) of a rump descriptor.  glibc reopens
 * /proc/self/fd/N, which the kernel does not have; we keep the open file
 * description and apply what a reopen would: the access mode must
 * already allow the new one (EBADF otherwise), O_APPEND follows the
 * mode, "w" truncates a regular file, the offset goes to 0 and
 * close-on-exec follows 'e'.
 */
static int
reopen_rump(int fd, int oflags)
{
	int rfd = fd_torump(fd), fl, want, have;
	struct stat st;

	if ((fl = rump_sys_fcntl(rfd, F_GETFL)) == -1)
		return -1;
	want = oflags & O_ACCMODE;
	have = fl & O_ACCMODE;
	if (have != O_RDWR && want != have)
		return seterr(EBADF);
	if (rump_sys_fcntl(rfd, F_SETFL,
	    (fl & ~O_APPEND) | (oflags & O_APPEND)) == -1)
		return -1;
	if ((oflags & O_TRUNC) && rump_sys_fstat(rfd, &st) == 0 &&
	    S_ISREG(st.st_mode) && rump_sys_ftruncate(rfd, 0) == -1)
		return -1;
	if (rump_sys_lseek(rfd, 0, SEEK_SET) == -1 && errno != ESPIPE)
		return -1;
	if (fcntl(fd, F_SETFD, (oflags & O_CLOEXEC) ? FD_CLOEXEC : 0) == -1)
		return -1;
	return fd;
}

/*
 * Puts what freopen names behind descriptor number oldfd (if >= 0),
 * glibc's way: open the new file, dup3 it onto the old number (fdtab
 * switches kernels and runs the stdio hooks), close the temporary.
 * Returns the descriptor, or -1 with oldfd still open.
 */
static int
reopen_fd(const char *path, int oflags, int oldfd)
{
	char procpath[32];
	int nfd, e;

	if (path == NULL) {
		if (oldfd < 0)
			return seterr(EBADF);
		if (fd_isrump(oldfd))
			return reopen_rump(oldfd, oflags);
		snprintf(procpath, sizeof(procpath), "/proc/self/fd/%d", oldfd);
		path = procpath;
	}
	if ((nfd = open(path, oflags, 0666)) == -1)
		return -1;
	if (oldfd < 0 || nfd == oldfd)
		return nfd;
	if (dup3(nfd, oldfd, oflags & O_CLOEXEC) == -1) {
		e = errno;
		close(nfd);
		errno = e;
		return -1;
	}
	close(nfd);
	return oldfd;
}

/* a fresh start for one of our streams: nothing buffered, no error or
 * EOF, the permissions of the new mode (buffering mode is kept) */
static void
ck_reset(FILE *fp, const struct fmode *m)
{
	flockfile(fp);
	__fpurge(fp);
	clearerr_unlocked(fp);
	fp->_flags = (fp->_flags &
	    ~(LIBIO_NO_READS | LIBIO_NO_WRITES | LIBIO_IS_APPENDING)) | m->rw;
	funlockfile(fp);
}

/* freopen failed after the old stream was flushed: like glibc, the old
 * descriptor is closed and the stream is left closed */
static FILE *
reopen_fail(struct hck *ck, int oldfd)
{
	int e = errno;

	if (ck != NULL) {
		ck->fd = -1;
		ck->fp->_fileno = -2;
	}
	if (oldfd >= 0)
		close(oldfd);
	errno = e;
	return NULL;
}

/* one of our streams; the same FILE comes back */
static FILE *
reopen_ours(const char *path, const char *mode, struct hck *ck,
    bool torump)
{
	FILE *fp = ck->fp, *host;
	struct fmode m;
	int n = ck->stdfd, fd;

	(void)fflush(fp);
	if (fmode_fopen(mode, &m) == -1)
		return reopen_fail(ck, ck->fd);
	/*
	 * A standard stream going to a host file: the host FILE it
	 * displaced serves again, reopened by glibc.  Closing n first
	 * puts that FILE back in the global and leaves glibc nothing of
	 * ours to dup3 over.
	 */
	if (!torump && n >= 0) {
		pthread_mutex_lock(&std_mtx);
		host = stdst[n].installed == fp ? stdst[n].saved : NULL;
		pthread_mutex_unlock(&std_mtx);
		if (host != NULL) {
			close(n);
			return HOST(freopen)(path, mode, host);
		}
	}
	if ((fd = reopen_fd(path, m.oflags, ck->fd)) == -1)
		return reopen_fail(ck, ck->fd);
	ck->fd = fd;
	fp->_fileno = fd;
	ck_reset(fp, &m);
	if (fmode_seekend(&m, fd) == -1)
		return reopen_fail(ck, fd);
	return fp;
}

/* a libc stream onto a rump file: a new FILE, see the top */
static FILE *
reopen_libc(const char *path, const char *mode, FILE *fp, int oldfd)
{
	struct fmode m;
	struct hck *ck = NULL;
	int fd, e;

	(void)fflush(fp);
	if (fmode_fopen(mode, &m) == -1)
		return reopen_fail(NULL, oldfd);
	if ((fd = reopen_fd(path, m.oflags, oldfd)) == -1)
		return reopen_fail(NULL, oldfd);
	if (fd <= 2) {
		/* the dup3 installed fd's cookie if fp was the global */
		pthread_mutex_lock(&std_mtx);
		if (stdst[fd].installed != NULL && stdst[fd].saved == fp)
			ck = stdst[fd].ck;
		pthread_mutex_unlock(&std_mtx);
	}
	if (ck != NULL)
		ck_reset(ck->fp, &m);
	else if ((ck = ck_new(fd, m.ckmode, -1)) == NULL) {
		e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	if (fmode_seekend(&m, fd) == -1)
		return reopen_fail(NULL, fd);
	return ck->fp;
}

HIJACK_EXPORT FILE *
freopen(const char *path, const char *mode, FILE *fp)
{
	const char *rpath;
	struct hck *ck;
	int oldfd;
	bool torump;

	/* glibc reopens only file streams (not fmemopen's and the like) */
	if (fp == NULL || !(fp->_flags & LIBIO_IS_FILEBUF))
		return HOST(freopen)(path, mode, fp);
	ck = ck_find(fp);
	oldfd = ck != NULL ? ck->fd : fp->_fileno;
	if (path != NULL)
		torump = path_route_cwd(path, &rpath) == ROUTE_RUMP;
	else
		torump = oldfd >= 0 && fd_isrump(oldfd);
	if (ck != NULL)
		return reopen_ours(path, mode, ck, torump);
	if (torump)
		return reopen_libc(path, mode, fp, oldfd);
	/*
	 * libc's freopen dup3s its new descriptor onto the old number
	 * behind our back; a rump one must be closed through the table
	 * first (a libc stream left on a rump placeholder).
	 */
	if (oldfd >= 0 && fd_isrump(oldfd)) {
		(void)fflush(fp);
		close(oldfd);
	}
	return HOST(freopen)(path, mode, fp);
}

HIJACK_EXPORT FILE *freopen64(const char *, const char *, FILE *)
    __attribute__((alias("freopen")));

/* ---- standard streams ----------------------------------------------- */

/*
 * A wide-oriented stream's buffer cannot be moved to another stream
 * (std_move): it is written out before the change, to the old target.
 * (Cookie streams are never wide: only libc's own stream gets here.)
 */
void
stdio_fdchanging(int fd)
{
	FILE *fp;
	int e;

	if ((unsigned)fd > 2)
		return;
	fp = *std_global(fd);
	if (fp == NULL || fp->_mode <= 0 || __fpending(fp) == 0)
		return;
	e = errno;
	(void)fflush(fp);
	errno = e;
}

/*
 * The standard stream changed from `from' to `to': what `from' still
 * buffers for output goes to `to', as if the one stream had simply been
 * flushed after the change.  Copied out under from's lock, written with
 * none of ours held (fclose holds a stream's lock, then wants std_mtx).
 * An fclose of `from' calling us from its close callback has flushed it
 * already, so its lock is not taken then.
 */
static void
std_move(FILE *from, FILE *to)
{
	char stk[1024], *buf = stk;
	size_t n;

	if (from == NULL || to == NULL || from == to || from->_mode > 0 ||
	    __fpending(from) == 0)
		return;
	flockfile(from);
	n = __fpending(from);
	if (n > sizeof(stk) && (buf = malloc(n)) == NULL) {
		funlockfile(from);
		return;			/* left where it is */
	}
	memcpy(buf, from->_IO_write_base, n);
	__fpurge(from);
	funlockfile(from);
	(void)fwrite(buf, 1, n, to);
	if (buf != stk)
		free(buf);
}

void
stdio_fdchanged(int fd)
{
	static const char *const mode[3] = { "r", "w", "w" };
	FILE **gp, *from;
	struct hck *ck;
	int e;

	if ((unsigned)fd > 2)
		return;
	e = errno;
	gp = std_global(fd);
	pthread_mutex_lock(&std_mtx);
	from = *gp;
	if (fd_isrump(fd)) {
		if (stdst[fd].installed != NULL)
			goto out;	/* rump to rump: the cookie stays */
		if ((ck = stdst[fd].ck) == NULL) {
			if ((ck = ck_new(fd, mode[fd], fd)) == NULL)
				goto out;	/* no memory: libc's FILE stays */
			if (fd == 2)
				setvbuf(ck->fp, NULL, _IONBF, 0);
			stdst[fd].ck = ck;
		} else {
			/* the stream of a new file */
			ck->fd = fd;
			ck->fp->_fileno = fd;
			/* unlocked: fclose holds the FILE lock and then
			 * wants std_mtx (ck_close) */
			clearerr_unlocked(ck->fp);
		}
		if (*gp != ck->fp)
			stdst[fd].saved = *gp;
		stdst[fd].installed = ck->fp;
		*gp = ck->fp;
	} else if (stdst[fd].installed != NULL) {
		/* a program that set the global itself keeps its choice */
		if (*gp == stdst[fd].installed)
			*gp = stdst[fd].saved;
		stdst[fd].installed = NULL;
	}
out:
	pthread_mutex_unlock(&std_mtx);
	/* (a FILE the program put in the global itself may be another
	 * descriptor's: its buffer is not fd's to move) */
	if (fd != 0 && from != NULL && from->_fileno == fd)
		std_move(from, *gp);
	errno = e;
}
