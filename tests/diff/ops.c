/*
 * ops.c — the two system-call tables of the differential test and their
 * process models.  The host table is libc (run as root in a fresh tmpfs
 * directory); the rump table is rump_sys_*.  A "process" is a fork()ed
 * child on the host and a thread bound to a rump_lwproc_rfork()ed process
 * for rump; either way the child logs privately and join() appends its
 * lines to the parent's log, so concurrent children never interleave.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "difftest.h"

struct dproc {
	/* host */
	pid_t		 pid;
	int		 rfd;
	/* rump */
	pthread_t	 th;
	struct dlog	 log;
	struct dctx	 ctx;
	struct dsync	 forked;	/* like fork(): spawn returns after rfork */
	void		(*fn)(struct dctx *, void *);
	void		*arg;
	int		 err;
};

/* --- host ------------------------------------------------------------------ */

static int
h_open(const char *path, int flags, mode_t mode)
{
	return open(path, flags, mode);
}

static int
h_openat(int dfd, const char *path, int flags, mode_t mode)
{
	return openat(dfd, path, flags, mode);
}

static int
h_fcntl_int(int fd, int cmd, int arg)
{
	return fcntl(fd, cmd, arg);
}

static int
h_fcntl_lk(int fd, int cmd, struct flock *fl)
{
	return fcntl(fd, cmd, fl);
}

static int
h_getcwd(char *buf, size_t size)
{
	return getcwd(buf, size) != NULL ? 0 : -1;
}

static int
h_umask(mode_t m)
{
	return (int)umask(m);
}

static void
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		p += k;
		n -= (size_t)k;
	}
}

/* The child sends its log lines through a pipe and leaves without atexit. */
static struct dproc *
host_spawn(struct dctx *parent, void (*fn)(struct dctx *, void *), void *arg)
{
	struct dproc *p = calloc(1, sizeof(*p));
	int pfd[2];

	if (p == NULL || pipe(pfd) != 0)
		abort();
	fflush(stdout);
	fflush(stderr);
	p->pid = fork();
	if (p->pid < 0)
		abort();
	if (p->pid == 0) {
		struct dlog log;
		struct dctx c = { .o = parent->o, .log = &log };

		close(pfd[0]);
		dlog_init(&log);
		fn(&c, arg);
		for (size_t i = 0; i < log.n; i++) {
			write_all(pfd[1], log.line[i], strlen(log.line[i]));
			write_all(pfd[1], "\n", 1);
		}
		_exit(0);
	}
	close(pfd[1]);
	p->rfd = pfd[0];
	return p;
}

static void
host_join(struct dctx *parent, struct dproc *p)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap), *s;
	ssize_t k;
	int status;

	for (;;) {
		if (n + 1024 > cap)
			buf = realloc(buf, cap *= 2);
		k = read(p->rfd, buf + n, cap - n - 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	close(p->rfd);
	for (s = buf; *s != '\0';) {
		char *nl = strchr(s, '\n');

		if (nl == NULL)
			nl = s + strlen(s);
		else
			*nl++ = '\0';
		dlog_add(parent->log, s);
		s = nl;
	}
	free(buf);
	while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		L(parent, "proc exit ok");
	else
		L(parent, "proc died: status %#x", status);
	free(p);
}

const struct dops host_ops = {
	.name = "host",
	.open = h_open, .openat = h_openat, .close = close,
	.read = read, .write = write, .pread = pread, .pwrite = pwrite,
	.readv = readv, .writev = writev, .lseek = lseek,
	.fstat = fstat, .stat = stat, .lstat = lstat, .fstatat = fstatat,
	.ftruncate = ftruncate, .truncate = truncate,
	.fallocate = fallocate, .fsync = fsync,
	.mkdir = mkdir, .rmdir = rmdir, .unlink = unlink,
	.unlinkat = unlinkat, .rename = rename, .renameat2 = renameat2,
	.link = link, .symlink = symlink, .readlink = readlink,
	.chmod = chmod, .fchmod = fchmod, .chown = chown, .fchown = fchown,
	.lchown = lchown, .utimensat = utimensat, .futimens = futimens,
	.access = access, .faccessat = faccessat,
	.getdents64 = getdents64, .fcntl_int = h_fcntl_int,
	.fcntl_lk = h_fcntl_lk, .flock = flock, .pipe = pipe, .pipe2 = pipe2,
	.dup = dup, .dup2 = dup2, .dup3 = dup3, .mknod = mknod,
	.fchdir = fchdir, .getcwd = h_getcwd, .statx = statx,
	.umask = h_umask,
	.setgroups = setgroups, .setegid = setegid, .seteuid = seteuid,
	.getpid = getpid, .chdir = chdir,
	.spawn = host_spawn, .join = host_join,
};

/* --- rump ------------------------------------------------------------------ */

static int
r_open(const char *path, int flags, mode_t mode)
{
	return rump_sys_open(path, flags, mode);
}

static int
r_openat(int dfd, const char *path, int flags, mode_t mode)
{
	return rump_sys_openat(dfd, path, flags, mode);
}

static int
r_fcntl_int(int fd, int cmd, int arg)
{
	return rump_sys_fcntl(fd, cmd, arg);
}

static int
r_fcntl_lk(int fd, int cmd, struct flock *fl)
{
	return rump_sys_fcntl(fd, cmd, fl);
}

/* rump_sys_getcwd follows the system call: it returns the length. */
static int
r_getcwd(char *buf, size_t size)
{
	return rump_sys_getcwd(buf, size) >= 0 ? 0 : -1;
}

static int
r_umask(mode_t m)
{
	return rump_sys_umask(m);
}

static void *
rump_proc_main(void *v)
{
	struct dproc *p = v;

	p->err = rump_lwproc_rfork(RUMP_RFFDG);
	dsync_post(&p->forked, 0);
	if (p->err != 0)
		return NULL;
	p->fn(&p->ctx, p->arg);
	rump_lwproc_releaselwp();
	return NULL;
}

/* fork() copies the caller's descriptors: RUMP_RFFDG does the same. */
static struct dproc *
rump_spawn(struct dctx *parent, void (*fn)(struct dctx *, void *), void *arg)
{
	struct dproc *p = calloc(1, sizeof(*p));

	if (p == NULL)
		abort();
	dlog_init(&p->log);
	p->ctx.o = parent->o;
	p->ctx.log = &p->log;
	p->fn = fn;
	p->arg = arg;
	dsync_init(&p->forked);
	if (pthread_create(&p->th, NULL, rump_proc_main, p) != 0)
		abort();
	dsync_wait(&p->forked);
	return p;
}

static void
rump_join(struct dctx *parent, struct dproc *p)
{
	pthread_join(p->th, NULL);
	dlog_append(parent->log, &p->log);
	if (p->err == 0)
		L(parent, "proc exit ok");
	else
		L(parent, "proc died: rfork %s", strerrorname_np(p->err));
	dlog_free(&p->log);
	dsync_destroy(&p->forked);
	free(p);
}

const struct dops rump_ops = {
	.name = "rump",
	.open = r_open, .openat = r_openat, .close = rump_sys_close,
	.read = rump_sys_read, .write = rump_sys_write,
	.pread = rump_sys_pread, .pwrite = rump_sys_pwrite,
	.readv = rump_sys_readv, .writev = rump_sys_writev,
	.lseek = rump_sys_lseek,
	.fstat = rump_sys_fstat, .stat = rump_sys_stat,
	.lstat = rump_sys_lstat, .fstatat = rump_sys_fstatat,
	.ftruncate = rump_sys_ftruncate, .truncate = rump_sys_truncate,
	.fallocate = rump_sys_fallocate, .fsync = rump_sys_fsync,
	.mkdir = rump_sys_mkdir, .rmdir = rump_sys_rmdir,
	.unlink = rump_sys_unlink, .unlinkat = rump_sys_unlinkat,
	.rename = rump_sys_rename, .renameat2 = rump_sys_renameat2,
	.link = rump_sys_link, .symlink = rump_sys_symlink,
	.readlink = rump_sys_readlink,
	.chmod = rump_sys_chmod, .fchmod = rump_sys_fchmod,
	.chown = rump_sys_chown, .fchown = rump_sys_fchown,
	.lchown = rump_sys_lchown, .utimensat = rump_sys_utimensat,
	.futimens = rump_sys_futimens,
	.access = rump_sys_access, .faccessat = rump_sys_faccessat,
	.getdents64 = rump_sys_getdents64, .fcntl_int = r_fcntl_int,
	.fcntl_lk = r_fcntl_lk, .flock = rump_sys_flock,
	.pipe = rump_sys_pipe, .pipe2 = rump_sys_pipe2,
	.dup = rump_sys_dup, .dup2 = rump_sys_dup2, .dup3 = rump_sys_dup3,
	.mknod = rump_sys_mknod, .fchdir = rump_sys_fchdir,
	.getcwd = r_getcwd, .statx = rump_sys_statx, .umask = r_umask,
	.setgroups = rump_sys_setgroups, .setegid = rump_sys_setegid,
	.seteuid = rump_sys_seteuid, .getpid = rump_sys_getpid,
	.chdir = rump_sys_chdir,
	.spawn = rump_spawn, .join = rump_join,
};
