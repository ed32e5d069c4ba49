/*
 * proc.c — process creation and exec under the hijack (rumphijack(3),
 * DESIGN.md §8): fork, _Fork, vfork, daemon; execve and every other exec
 * entry point (execv, execvp, execvpe, execl, execle, execlp, fexecve,
 * execveat); posix_spawn and posix_spawnp with their file actions;
 * system, popen and pclose.
 *
 * fork gives the child a forked copy of the rump process: the parent
 * asks the kernel for the copy before the host fork and the child claims
 * it on a connection of its own (rumpclient_prefork/fork_init), so the
 * rump descriptor numbers and the descriptor table inherited in memory
 * stay valid together.  exec keeps the same rump process: the table and
 * the cwd go to the new image in private environment variables
 * (hijack_execenv, init.c) and rumpclient_exec() hands over the
 * connection.  The kernel closes the close-on-exec rump descriptors, the
 * host closes their placeholders.
 *
 * glibc's own execvp, posix_spawn, system and popen reach the host
 * kernel through internal calls that never see our execve, so each of
 * them is rebuilt here on top of our fork and our execve.  A program
 * kept in the rump kernel (an exec path that routes there, fexecve of a
 * rump descriptor) is copied into a memfd and run from that.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "hijack/hijack.h"

#ifndef MFD_EXEC
#define MFD_EXEC	0x0010U
#endif

#define SHELL_PATH	"/bin/sh"
#define DEFAULT_PATH	"/bin:/usr/bin"	/* glibc's _CS_PATH */

static int proc_execve(const char *, char *const[], char *const[]);

static size_t
countargs(char *const argv[])
{
	size_t n = 0;

	while (argv != NULL && argv[n] != NULL)
		n++;
	return n;
}

/* ---- fork ------------------------------------------------------------ */

/*
 * A host fork whose child owns a copy of our rump process.  In the child
 * *cerr is 0, or the errno of claiming the copy: the child then has no
 * rump process and every rump descriptor it inherited is dead.
 */
static pid_t
proc_fork(pid_t (*hostfork)(void), int *cerr)
{
	struct rumpclient_fork *rf;
	pid_t pid;
	int e;

	*cerr = 0;
	if ((rf = rumpclient_prefork()) == NULL)
		return -1;
	pid = hostfork();
	if (pid == -1) {
		e = errno;
		rumpclient_fork_cancel(rf);
		errno = e;
	} else if (pid == 0) {
		if (rumpclient_fork_init(rf) == -1)	/* frees rf */
			*cerr = errno;
	} else {
		free(rf);	/* malloc'd by prefork; the copy is the child's */
	}
	return pid;
}

/*
 * Held by every fork of ours, and by posix_spawn from creating its error
 * pipe until the parent has closed the pipe's write end: a child forked
 * by another thread in between would hold that end open, and the spawn
 * would wait for that child's exec or exit.  (glibc's clone(CLONE_VFORK)
 * needs no pipe.)
 */
static pthread_mutex_t fork_mtx = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

/* recursive: a signal handler may fork while its thread holds it; the
 * child starts with it free, whatever depth the parent was at */
static void
fork_mtx_child(void)
{
	static const pthread_mutex_t init =
	    PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

	memcpy(&fork_mtx, &init, sizeof(init));
}

/*
 * A child that could not claim its rump process must not go on: a
 * program that sees -1 from fork in the child would carry on as the
 * parent next to the real one.  It says so and exits.
 */
static void
fork_childfailed(const char *fn, int e)
{
	char msg[256];
	int n;

	n = snprintf(msg, sizeof(msg), "rumphijack: %s: the child could not "
	    "attach to the rump kernel at RUMP_SERVER: %s\n", fn, strerror(e));
	if (n > 0)
		(void)HOST(write)(STDERR_FILENO, msg,
		    (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	_exit(1);
}

static pid_t
proc_dofork(const char *fn, pid_t (*hostfork)(void))
{
	pid_t pid;
	int cerr;

	pthread_mutex_lock(&fork_mtx);
	pid = proc_fork(hostfork, &cerr);
	if (pid == 0)
		fork_mtx_child();
	else
		pthread_mutex_unlock(&fork_mtx);
	if (pid == 0 && cerr != 0)
		fork_childfailed(fn, cerr);
	return pid;
}

HIJACK_EXPORT pid_t
fork(void)
{
	if (!hijack_on())
		return HOST(fork)();
	return proc_dofork("fork", HOST(fork));
}

/* glibc exports these too (GLIBC_2.2.5); older code calls them */
pid_t __fork(void);
HIJACK_EXPORT pid_t
__fork(void)
{
	return fork();
}

/*
 * _Fork runs no atfork handlers, but librumpclient needs its own: they
 * hold its locks across the fork and drop the parent's socket in the
 * child.  Without them a child could inherit a lock held by another
 * thread, and claiming the copy would shut down the socket the parent
 * still shares with it.  So while hijacking, _Fork is a full fork (the
 * program's atfork handlers run too); otherwise it is libc's.
 */
HIJACK_EXPORT pid_t
_Fork(void)
{
	if (!hijack_on())
		return HOST(_Fork)();
	return proc_dofork("_Fork", HOST(fork));
}

/*
 * vfork is a full fork, hijacked or not.  A vfork child shares our
 * memory and connection state: one that execs would hand the parent's
 * live socket to the new image.  And calling libc's vfork from inside
 * this function would let the child return through a stack frame the
 * parent still needs.  POSIX allows vfork to be fork.
 */
HIJACK_EXPORT pid_t
vfork(void)
{
	if (!hijack_on())
		return HOST(fork)();
	return proc_dofork("vfork", HOST(fork));
}

pid_t __vfork(void);
HIJACK_EXPORT pid_t
__vfork(void)
{
	return vfork();
}

/*
 * libc's daemon forks, changes directory and points 0-2 at /dev/null
 * with internal calls, behind the back of our descriptor table and cwd.
 * Ours does the same steps with our fork, chdir and dup2.
 */
HIJACK_EXPORT int
daemon(int nochdir, int noclose)
{
	struct stat st;
	pid_t pid;
	int fd;

	if (!hijack_on())
		return HOST(daemon)(nochdir, noclose);
	pid = proc_dofork("daemon", HOST(fork));
	if (pid == -1)
		return -1;
	if (pid != 0)
		_exit(0);
	if (setsid() == -1)
		return -1;
	if (!nochdir)
		(void)chdir("/");
	if (!noclose) {
		fd = fd_hostnew(HOST(open)("/dev/null", O_RDWR));
		if (fd == -1)
			return -1;
		if (HOST(fstat)(fd, &st) == -1 || !S_ISCHR(st.st_mode)) {
			(void)HOST(close)(fd);
			return seterr(ENODEV);
		}
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			(void)close(fd);
	}
	return 0;
}

/* ---- exec -------------------------------------------------------------- */

/* exec path on the host, keeping the rump process and our state */
static int
exec_keep(const char *path, char *const argv[], char *const envp[])
{
	char **env;
	int e;

	if ((env = hijack_execenv(envp)) == NULL)
		return -1;
	rumpclient_exec(path, argv, env);
	e = errno;
	hijack_execenv_free(env);
	return seterr(e);
}

/*
 * Run the program behind a rump descriptor: the host can only exec what
 * it can see, so copy the file into a memfd and exec that through
 * /proc/self/fd.  A binary needs nothing more, and its memfd is
 * close-on-exec.  An interpreter started for a "#!" script opens the
 * path it is given, /proc/self/fd/N, in the new image: that memfd must
 * stay open over exec.  The checks are those exec makes (a regular file
 * with an execute bit, else EACCES).
 */
static int
exec_rumpfd(int rfd, char *const argv[], char *const envp[])
{
	struct stat st;
	char head[2], path[40], *buf;
	unsigned flags;
	ssize_t n, w;
	off_t off;
	int mfd, e;

	if (rump_sys_fstat(rfd, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode) || (st.st_mode & 0111) == 0)
		return seterr(EACCES);
	if ((n = rump_sys_pread(rfd, head, sizeof(head), 0)) == -1)
		return -1;
	flags = n == 2 && head[0] == '#' && head[1] == '!' ? 0 : MFD_CLOEXEC;
	/* MFD_EXEC: kernels that restrict memfd execution want it asked for */
	mfd = memfd_create("rumphijack-exec", flags | MFD_EXEC);
	if (mfd == -1 && errno == EINVAL)
		mfd = memfd_create("rumphijack-exec", flags);
	if (mfd == -1)
		return -1;
	(void)fd_hostnew(mfd);
	if ((buf = malloc(65536)) == NULL) {
		(void)HOST(close)(mfd);
		return seterr(ENOMEM);
	}
	for (off = 0;; off += n) {
		n = rump_sys_pread(rfd, buf, 65536, off);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n <= 0)
			break;
		for (ssize_t done = 0; done < n; done += w) {
			w = HOST(write)(mfd, buf + done, (size_t)(n - done));
			if (w == -1 && errno == EINTR)
				w = 0;
			else if (w <= 0) {
				n = -1;
				break;
			}
		}
		if (n == -1)
			break;
	}
	e = errno;
	free(buf);
	if (n == -1) {
		(void)HOST(close)(mfd);
		return seterr(e);
	}
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	exec_keep(path, argv, envp);
	e = errno;
	(void)HOST(close)(mfd);
	return seterr(e);
}

/* exec a file in the rump kernel named by rpath relative to rdirfd */
static int
exec_rumpat(int rdirfd, const char *rpath, int atflags, char *const argv[],
    char *const envp[])
{
	int rfd, e;

	rfd = rump_sys_openat(rdirfd, rpath, O_RDONLY | O_CLOEXEC |
	    ((atflags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0));
	if (rfd == -1)
		return -1;
	exec_rumpfd(rfd, argv, envp);
	e = errno;
	(void)rump_sys_close(rfd);
	return seterr(e);
}

/* our execve: a path in the rump namespace runs from the rump kernel */
static int
proc_execve(const char *path, char *const argv[], char *const envp[])
{
	const char *rpath;
	int rdirfd;

	if (path_route(AT_FDCWD, path, &rpath, &rdirfd) == ROUTE_RUMP)
		return exec_rumpat(rdirfd, rpath, 0, argv, envp);
	return exec_keep(path, argv, envp);
}

HIJACK_EXPORT int
execve(const char *path, char *const argv[], char *const envp[])
{
	if (!hijack_on())
		return HOST(execve)(path, argv, envp);
	return proc_execve(path, argv, envp);
}

HIJACK_EXPORT int
execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

/* a file exec refused with ENOEXEC: run it as a shell script, like glibc */
static void
exec_shell(const char *file, char *const argv[], char *const envp[])
{
	size_t argc = countargs(argv);
	char *nargv[argc + 3];

	nargv[0] = (char *)SHELL_PATH;
	nargv[1] = (char *)file;
	for (size_t i = 1; i < argc; i++)
		nargv[i + 1] = argv[i];
	nargv[argc > 1 ? argc + 1 : 2] = NULL;
	proc_execve(SHELL_PATH, nargv, envp);
}

/*
 * execvpe's search, as glibc does it: no search for a name with a '/';
 * PATH, or "/bin:/usr/bin" when unset, each empty entry meaning the
 * cwd; an error other than "not there" ends the search, and EACCES seen
 * on the way is what is reported when nothing was found.  posix_spawnp
 * searches the same way but never falls back to the shell.
 */
static int
exec_search(const char *file, char *const argv[], char *const envp[],
    bool shell)
{
	char buf[PATH_MAX + NAME_MAX + 2];
	const char *path, *p, *end;
	bool eacces = false;
	size_t flen, dlen;

	if (*file == '\0')
		return seterr(ENOENT);
	if (strchr(file, '/') != NULL) {
		proc_execve(file, argv, envp);
		if (errno == ENOEXEC && shell)
			exec_shell(file, argv, envp);
		return -1;
	}
	if ((flen = strnlen(file, NAME_MAX + 1)) > NAME_MAX)
		return seterr(ENAMETOOLONG);
	if ((path = getenv("PATH")) == NULL)
		path = DEFAULT_PATH;
	for (p = path;; p = end + 1) {
		end = strchrnul(p, ':');
		dlen = (size_t)(end - p);
		if (dlen < PATH_MAX) {
			memcpy(buf, p, dlen);
			if (dlen > 0)
				buf[dlen++] = '/';
			memcpy(buf + dlen, file, flen + 1);
			proc_execve(buf, argv, envp);
			if (errno == ENOEXEC && shell)
				exec_shell(buf, argv, envp);
			switch (errno) {
			case EACCES:
				eacces = true;
				break;
			case ENOENT:
			case ESTALE:
			case ENOTDIR:
			case ENODEV:
			case ETIMEDOUT:
				break;
			default:
				return -1;
			}
		}
		if (*end == '\0')
			break;
	}
	if (eacces)
		errno = EACCES;
	return -1;
}

HIJACK_EXPORT int
execvpe(const char *file, char *const argv[], char *const envp[])
{
	if (!hijack_on())
		return HOST(execvpe)(file, argv, envp);
	return exec_search(file, argv, envp, true);
}

HIJACK_EXPORT int
execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

/* the argument list of execl and friends, up to its NULL */
static void
argv_fill(char **argv, size_t argc, const char *arg, va_list ap)
{
	argv[0] = (char *)arg;
	for (size_t i = 1; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	argv[argc] = NULL;
}

static size_t
argv_count(const char *arg, va_list ap)
{
	va_list c;
	size_t n = 0;

	if (arg == NULL)
		return 0;
	va_copy(c, ap);
	for (n = 1; va_arg(c, char *) != NULL; n++)
		continue;
	va_end(c);
	return n;
}

HIJACK_EXPORT int
execl(const char *path, const char *arg, ...)
{
	va_list ap;
	size_t argc;

	va_start(ap, arg);
	argc = argv_count(arg, ap);
	if (argc >= INT_MAX) {
		va_end(ap);
		return seterr(E2BIG);
	}
	char *argv[argc + 1];
	argv_fill(argv, argc, arg, ap);
	va_end(ap);
	return execve(path, argv, environ);
}

HIJACK_EXPORT int
execlp(const char *file, const char *arg, ...)
{
	va_list ap;
	size_t argc;

	va_start(ap, arg);
	argc = argv_count(arg, ap);
	if (argc >= INT_MAX) {
		va_end(ap);
		return seterr(E2BIG);
	}
	char *argv[argc + 1];
	argv_fill(argv, argc, arg, ap);
	va_end(ap);
	return execvpe(file, argv, environ);
}

HIJACK_EXPORT int
execle(const char *path, const char *arg, ...)
{
	char *const *envp;
	va_list ap;
	size_t argc;

	va_start(ap, arg);
	argc = argv_count(arg, ap);
	if (argc >= INT_MAX) {
		va_end(ap);
		return seterr(E2BIG);
	}
	char *argv[argc + 1];
	argv_fill(argv, argc, arg, ap);
	if (argc > 0)	/* skip the NULL that ends the arguments */
		(void)va_arg(ap, char *);
	envp = va_arg(ap, char *const *);
	va_end(ap);
	return execve(path, argv, envp);
}

/* fexecve on one of the program's descriptors */
static int
proc_fexecve(int fd, char *const argv[], char *const envp[])
{
	char path[40];
	int rfd;

	if (fd < 0 || argv == NULL || envp == NULL)
		return seterr(EINVAL);
	if (fd_isown(fd))
		return seterr(EBADF);
	if ((rfd = fd_torump(fd)) >= 0)
		return exec_rumpfd(rfd, argv, envp);
	if (HOST(fcntl)(fd, F_GETFD) == -1)
		return -1;
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	exec_keep(path, argv, envp);
	/* like glibc: without /proc there is no way to do it */
	if (errno == ENOENT && HOST(access)("/proc/self/fd", F_OK) == -1)
		errno = ENOSYS;
	return -1;
}

HIJACK_EXPORT int
fexecve(int fd, char *const argv[], char *const envp[])
{
	if (!hijack_on())
		return HOST(fexecve)(fd, argv, envp);
	return proc_fexecve(fd, argv, envp);
}

HIJACK_EXPORT int
execveat(int dirfd, const char *path, char *const argv[],
    char *const envp[], int flags)
{
	char hpath[PATH_MAX + 32];
	const char *rpath;
	struct stat st;
	int rdirfd;

	if (!hijack_on())
		return HOST(execveat)(dirfd, path, argv, envp, flags);
	if ((flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) != 0)
		return seterr(EINVAL);
	if (path[0] == '\0') {
		if ((flags & AT_EMPTY_PATH) == 0)
			return seterr(ENOENT);
		if (dirfd == AT_FDCWD || dirfd < 0)
			return seterr(dirfd == AT_FDCWD ? EACCES : EBADF);
		return proc_fexecve(dirfd, argv, envp);
	}
	if (path[0] != '/' && dirfd != AT_FDCWD && fd_isown(dirfd))
		return seterr(EBADF);
	if (path_route(dirfd, path, &rpath, &rdirfd) == ROUTE_RUMP)
		return exec_rumpat(rdirfd, rpath, flags, argv, envp);
	if ((flags & AT_SYMLINK_NOFOLLOW) != 0 &&
	    HOST(fstatat)(dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISLNK(st.st_mode))
		return seterr(ELOOP);
	if (path[0] == '/' || dirfd == AT_FDCWD)
		return exec_keep(path, argv, envp);
	/* relative to a host directory descriptor: name it through /proc */
	if (HOST(fcntl)(dirfd, F_GETFD) == -1)
		return -1;
	if ((size_t)snprintf(hpath, sizeof(hpath), "/proc/self/fd/%d/%s",
	    dirfd, path) >= sizeof(hpath))
		return seterr(ENAMETOOLONG);
	return exec_keep(hpath, argv, envp);
}

/* ---- posix_spawn --------------------------------------------------- */

/*
 * glibc keeps its file actions in a private layout and runs them in the
 * child with internal calls.  We record every action in a list of our
 * own, found by the address of the posix_spawn_file_actions_t, and also
 * let libc record it so the object stays valid for libc's own use.
 */
enum sa_kind {
	SA_OPEN, SA_CLOSE, SA_DUP2, SA_CHDIR, SA_FCHDIR, SA_CLOSEFROM,
	SA_TCSETPGRP,
};

struct spawn_act {
	enum sa_kind	 kind;
	int		 fd;
	int		 fd2;		/* dup2's new descriptor */
	int		 oflag;
	mode_t		 mode;
	char		*path;
};

struct spawn_fa {
	const posix_spawn_file_actions_t *key;
	struct spawn_act *acts;
	size_t		 n;
	size_t		 cap;
	bool		 partial;	/* initialised without us: incomplete */
	struct spawn_fa	*next;
};

static pthread_mutex_t fa_lock = PTHREAD_MUTEX_INITIALIZER;
static struct spawn_fa *fa_head;

static struct spawn_fa **
fa_find(const posix_spawn_file_actions_t *key)
{
	struct spawn_fa **pp;

	for (pp = &fa_head; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->key == key)
			break;
	return pp;
}

static void
fa_free(struct spawn_fa *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->acts[i].path);
	free(f->acts);
	free(f);
}

static int
fa_record(posix_spawn_file_actions_t *fa, const struct spawn_act *a)
{
	struct spawn_fa **pp, *f;
	struct spawn_act *na;
	char *path = NULL;
	size_t ncap;

	if (a->path != NULL && (path = strdup(a->path)) == NULL)
		return ENOMEM;
	pthread_mutex_lock(&fa_lock);
	pp = fa_find(fa);
	if ((f = *pp) == NULL) {
		if ((f = calloc(1, sizeof(*f))) == NULL)
			goto nomem;
		f->key = fa;
		/* libc already holds this one; earlier ones we never saw */
		f->partial = fa->__used > 1;
		*pp = f;
	}
	if (f->n == f->cap) {
		ncap = f->cap == 0 ? 8 : f->cap * 2;
		if ((na = realloc(f->acts, ncap * sizeof(*na))) == NULL)
			goto nomem;
		f->acts = na;
		f->cap = ncap;
	}
	f->acts[f->n] = *a;
	f->acts[f->n].path = path;
	f->n++;
	pthread_mutex_unlock(&fa_lock);
	return 0;
nomem:
	pthread_mutex_unlock(&fa_lock);
	free(path);
	return ENOMEM;
}

HIJACK_EXPORT int
posix_spawn_file_actions_init(posix_spawn_file_actions_t *fa)
{
	struct spawn_fa **pp, *f, *old;
	int r;

	if ((r = HOST(posix_spawn_file_actions_init)(fa)) != 0)
		return r;
	if ((f = calloc(1, sizeof(*f))) == NULL) {
		(void)HOST(posix_spawn_file_actions_destroy)(fa);
		return ENOMEM;
	}
	f->key = fa;
	pthread_mutex_lock(&fa_lock);
	pp = fa_find(fa);
	if ((old = *pp) != NULL)	/* initialised again without destroy */
		*pp = old->next;
	f->next = fa_head;
	fa_head = f;
	pthread_mutex_unlock(&fa_lock);
	if (old != NULL)
		fa_free(old);
	return 0;
}

HIJACK_EXPORT int
posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *fa)
{
	struct spawn_fa **pp, *f;

	pthread_mutex_lock(&fa_lock);
	pp = fa_find(fa);
	if ((f = *pp) != NULL)
		*pp = f->next;
	pthread_mutex_unlock(&fa_lock);
	if (f != NULL)
		fa_free(f);
	return HOST(posix_spawn_file_actions_destroy)(fa);
}

HIJACK_EXPORT int
posix_spawn_file_actions_addopen(posix_spawn_file_actions_t *restrict fa,
    int fd, const char *restrict path, int oflag, mode_t mode)
{
	struct spawn_act a = { .kind = SA_OPEN, .fd = fd, .oflag = oflag,
	    .mode = mode, .path = (char *)path };
	int r;

	if ((r = HOST(posix_spawn_file_actions_addopen)(fa, fd, path, oflag,
	    mode)) != 0)
		return r;
	return fa_record(fa, &a);
}

HIJACK_EXPORT int
posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *fa, int fd)
{
	struct spawn_act a = { .kind = SA_CLOSE, .fd = fd };
	int r;

	if ((r = HOST(posix_spawn_file_actions_addclose)(fa, fd)) != 0)
		return r;
	return fa_record(fa, &a);
}

HIJACK_EXPORT int
posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int fd,
    int newfd)
{
	struct spawn_act a = { .kind = SA_DUP2, .fd = fd, .fd2 = newfd };
	int r;

	if ((r = HOST(posix_spawn_file_actions_adddup2)(fa, fd, newfd)) != 0)
		return r;
	return fa_record(fa, &a);
}

HIJACK_EXPORT int
posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *restrict fa,
    const char *restrict path)
{
	struct spawn_act a = { .kind = SA_CHDIR, .path = (char *)path };
	int r;

	if ((r = HOST(posix_spawn_file_actions_addchdir_np)(fa, path)) != 0)
		return r;
	return fa_record(fa, &a);
}

HIJACK_EXPORT int
posix_spawn_file_actions_addfchdir_np(posix_spawn_file_actions_t *fa, int fd)
{
	struct spawn_act a = { .kind = SA_FCHDIR, .fd = fd };
	int r;

	if ((r = HOST(posix_spawn_file_actions_addfchdir_np)(fa, fd)) != 0)
		return r;
	return fa_record(fa, &a);
}

HIJACK_EXPORT int
posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *fa,
    int from)
{
	struct spawn_act a = { .kind = SA_CLOSEFROM, .fd = from };
	int r;

	if ((r = HOST(posix_spawn_file_actions_addclosefrom_np)(fa, from)) != 0)
		return r;
	return fa_record(fa, &a);
}

HIJACK_EXPORT int
posix_spawn_file_actions_addtcsetpgrp_np(posix_spawn_file_actions_t *fa,
    int tcfd)
{
	struct spawn_act a = { .kind = SA_TCSETPGRP, .fd = tcfd };
	int r;

	if ((r = HOST(posix_spawn_file_actions_addtcsetpgrp_np)(fa, tcfd)) != 0)
		return r;
	return fa_record(fa, &a);
}

/* what a posix_spawnattr_t asks for, read in the parent */
struct spawnopt {
	short		 flags;
	sigset_t	 sigdef;
	sigset_t	 sigmask;
	pid_t		 pgroup;
	int		 policy;
	struct sched_param param;
};

struct spawnjob {
	const char	*path;
	char *const	*argv;
	char *const	*envp;
	bool		 search;	/* posix_spawnp */
	const struct spawn_act *acts;
	size_t		 nacts;
	const struct spawnopt *opt;
	sigset_t	 parentmask;	/* the caller's mask */
	int		 errfd;		/* close-on-exec; we write errno there */
};

/* an action wants descriptor number fd: move our error pipe out of its way */
static void
spawn_freefd(struct spawnjob *j, int fd)
{
	int nfd;

	if (fd != j->errfd)
		return;
	nfd = HOST(fcntl)(j->errfd, F_DUPFD_CLOEXEC, fd + 1);
	fd_owndel(j->errfd);
	(void)HOST(close)(j->errfd);
	j->errfd = nfd;
	if (nfd != -1)
		fd_ownadd(nfd);
}

static int
spawn_action(struct spawnjob *j, const struct spawn_act *a)
{
	int fd, flags;

	switch (a->kind) {
	case SA_CLOSE:
		/* like glibc: only a descriptor out of range is an error */
		if (close(a->fd) == -1 && errno == EBADF &&
		    (a->fd < 0 || a->fd >= getdtablesize()))
			return -1;
		return 0;
	case SA_OPEN:
		spawn_freefd(j, a->fd);
		(void)close(a->fd);	/* POSIX: closed before the open */
		if ((fd = open(a->path, a->oflag, a->mode)) == -1)
			return -1;
		if (fd != a->fd) {
			if (dup2(fd, a->fd) != a->fd)
				return -1;
			if (close(fd) == -1)
				return -1;
		}
		return 0;
	case SA_DUP2:
		if (a->fd == a->fd2) {	/* glibc: clears close-on-exec */
			if ((flags = fcntl(a->fd, F_GETFD)) == -1)
				return -1;
			return fcntl(a->fd, F_SETFD, flags & ~FD_CLOEXEC) == -1 ?
			    -1 : 0;
		}
		spawn_freefd(j, a->fd2);
		return dup2(a->fd, a->fd2) == a->fd2 ? 0 : -1;
	case SA_CHDIR:
		return chdir(a->path);
	case SA_FCHDIR:
		return fchdir(a->fd);
	case SA_CLOSEFROM:
		closefrom(a->fd);
		return 0;
	case SA_TCSETPGRP:
		if (fd_isown(a->fd))
			return seterr(EBADF);
		if (fd_isrump(a->fd))	/* no terminals in the rump kernel */
			return seterr(ENOTTY);
		return tcsetpgrp(a->fd, getpgid(0));
	}
	return seterr(EINVAL);
}

static void __attribute__((noreturn))
spawn_child(struct spawnjob *j, int cerr)
{
	const struct spawnopt *o = j->opt;
	struct sigaction sa;
	int e;

	if (cerr != 0) {
		errno = cerr;
		goto fail;
	}
	/*
	 * Output the parent buffered is the parent's to write: an action
	 * that moves descriptor 1 or 2 between kernels would flush it
	 * (stdio_fdchanging) and it would come out twice.  This process
	 * only execs or _exits, so its copy can go.
	 */
	if (stdout != NULL)
		__fpurge(stdout);
	if (stderr != NULL)
		__fpurge(stderr);
	/*
	 * Our handlers must not run in the child before the exec (libc would
	 * reset them there anyway): caught signals go back to the default,
	 * as do the ones SETSIGDEF names.
	 */
	for (int sig = 1; sig < _NSIG; sig++) {
		if (sigaction(sig, NULL, &sa) == -1)
			continue;
		if ((o->flags & POSIX_SPAWN_SETSIGDEF) != 0 &&
		    sigismember(&o->sigdef, sig) == 1)
			;
		else if (sa.sa_handler == SIG_IGN || sa.sa_handler == SIG_DFL)
			continue;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = 0;
		sa.sa_handler = SIG_DFL;
		(void)sigaction(sig, &sa, NULL);
	}
	if ((o->flags & POSIX_SPAWN_SETSCHEDULER) != 0) {
		if (sched_setscheduler(0, o->policy, &o->param) == -1)
			goto fail;
	} else if ((o->flags & POSIX_SPAWN_SETSCHEDPARAM) != 0) {
		if (sched_setparam(0, &o->param) == -1)
			goto fail;
	}
	if ((o->flags & POSIX_SPAWN_SETSID) != 0 && setsid() == -1)
		goto fail;
	if ((o->flags & POSIX_SPAWN_SETPGROUP) != 0 &&
	    setpgid(0, o->pgroup) == -1)
		goto fail;
	if ((o->flags & POSIX_SPAWN_RESETIDS) != 0 &&
	    (seteuid(getuid()) == -1 || setegid(getgid()) == -1))
		goto fail;
	for (size_t i = 0; i < j->nacts; i++)
		if (spawn_action(j, &j->acts[i]) == -1)
			goto fail;
	pthread_sigmask(SIG_SETMASK, (o->flags & POSIX_SPAWN_SETSIGMASK) != 0 ?
	    &o->sigmask : &j->parentmask, NULL);
	if (j->search)
		exec_search(j->path, j->argv, j->envp, false);
	else
		proc_execve(j->path, j->argv, j->envp);
fail:
	e = errno;
	if (j->errfd != -1)
		(void)HOST(write)(j->errfd, &e, sizeof(e));
	_exit(127);
}

/*
 * Start a child that runs the job and execs.  The child reports a
 * failure (its errno) over a close-on-exec pipe; the parent reads until
 * the exec closes it, and reaps a child that failed.  0 or an errno;
 * *forked tells whether a child existed.
 */
static int
spawn_run(pid_t *pidp, struct spawnjob *j, bool *forked)
{
	sigset_t all;
	int p[2], e, cerr, err = 0;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	*forked = false;
	pthread_mutex_lock(&fork_mtx);
	if (HOST(pipe2)(p, O_CLOEXEC) == -1) {
		e = errno;
		pthread_mutex_unlock(&fork_mtx);
		return e;
	}
	(void)fd_hostnew(p[0]);
	(void)fd_hostnew(p[1]);
	fd_ownadd(p[0]);
	fd_ownadd(p[1]);
	j->errfd = p[1];
	/* no handler of ours may run in the child before it is set up */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &j->parentmask);
	pid = proc_fork(HOST(fork), &cerr);
	if (pid == 0) {
		fork_mtx_child();
		fd_owndel(p[0]);
		(void)HOST(close)(p[0]);
		spawn_child(j, cerr);
	}
	e = errno;
	fd_owndel(p[1]);
	(void)HOST(close)(p[1]);
	pthread_mutex_unlock(&fork_mtx);
	pthread_sigmask(SIG_SETMASK, &j->parentmask, NULL);
	if (pid == -1) {
		fd_owndel(p[0]);
		(void)HOST(close)(p[0]);
		return e;
	}
	*forked = true;
	while (got < sizeof(err)) {
		n = HOST(read)(p[0], (char *)&err + got, sizeof(err) - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	fd_owndel(p[0]);
	(void)HOST(close)(p[0]);
	if (got == sizeof(err) && err != 0) {
		while (waitpid(pid, NULL, 0) == -1 && errno == EINTR)
			continue;
		return err;
	}
	if (pidp != NULL)
		*pidp = pid;
	return 0;
}

static int
spawn_common(pid_t *pidp, const char *path,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
    char *const argv[], char *const envp[], bool search)
{
	struct spawnopt opt;
	struct spawnjob job;
	struct spawn_act *acts = NULL;
	struct spawn_fa *f;
	bool partial = false, forked;
	size_t nacts = 0;
	int r, e = errno;

	memset(&opt, 0, sizeof(opt));
	if (attr != NULL) {
		(void)posix_spawnattr_getflags(attr, &opt.flags);
		(void)posix_spawnattr_getsigdefault(attr, &opt.sigdef);
		(void)posix_spawnattr_getsigmask(attr, &opt.sigmask);
		(void)posix_spawnattr_getpgroup(attr, &opt.pgroup);
		(void)posix_spawnattr_getschedpolicy(attr, &opt.policy);
		(void)posix_spawnattr_getschedparam(attr, &opt.param);
	}
	if (fa != NULL) {
		pthread_mutex_lock(&fa_lock);
		if ((f = *fa_find(fa)) != NULL && f->n > 0) {
			partial = f->partial;
			if ((acts = malloc(f->n * sizeof(*acts))) != NULL) {
				memcpy(acts, f->acts, f->n * sizeof(*acts));
				nacts = f->n;
			}
		} else if (f == NULL && fa->__used > 0)
			partial = true;
		pthread_mutex_unlock(&fa_lock);
		if (f != NULL && f->n > 0 && acts == NULL)
			return ENOMEM;
	}
	if (partial) {
		/* actions we never saw: only libc can run them */
		free(acts);
		return search ?
		    HOST(posix_spawnp)(pidp, path, fa, attr, argv, envp) :
		    HOST(posix_spawn)(pidp, path, fa, attr, argv, envp);
	}
	memset(&job, 0, sizeof(job));
	job.path = path;
	job.argv = argv;
	job.envp = envp;
	job.search = search;
	job.acts = acts;
	job.nacts = nacts;
	job.opt = &opt;
	r = spawn_run(pidp, &job, &forked);
	free(acts);
	errno = e;
	return r;
}

HIJACK_EXPORT int
posix_spawn(pid_t *restrict pid, const char *restrict path,
    const posix_spawn_file_actions_t *restrict fa,
    const posix_spawnattr_t *restrict attr, char *const argv[restrict],
    char *const envp[restrict])
{
	if (!hijack_on())
		return HOST(posix_spawn)(pid, path, fa, attr, argv, envp);
	return spawn_common(pid, path, fa, attr, argv, envp, false);
}

HIJACK_EXPORT int
posix_spawnp(pid_t *restrict pid, const char *restrict file,
    const posix_spawn_file_actions_t *restrict fa,
    const posix_spawnattr_t *restrict attr, char *const argv[restrict],
    char *const envp[restrict])
{
	if (!hijack_on())
		return HOST(posix_spawnp)(pid, file, fa, attr, argv, envp);
	return spawn_common(pid, file, fa, attr, argv, envp, true);
}

/* ---- system ------------------------------------------------------------ */

/*
 * POSIX: the caller ignores SIGINT and SIGQUIT and blocks SIGCHLD while
 * the command runs; the child gets the caller's dispositions back.
 * Concurrent calls share the ignoring: the first saves the dispositions,
 * the last restores them.
 */
static pthread_mutex_t sys_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned sys_refs;
static struct sigaction sys_intr, sys_quit;

static int
proc_system(const char *cmd)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)"--",
	    (char *)cmd, NULL };
	struct sigaction ign;
	struct spawnopt opt;
	struct spawnjob job;
	sigset_t chld, omask;
	int status, r, e;
	bool forked;
	pid_t pid;

	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	pthread_mutex_lock(&sys_lock);
	if (sys_refs++ == 0) {
		(void)sigaction(SIGINT, &ign, &sys_intr);
		(void)sigaction(SIGQUIT, &ign, &sys_quit);
	}
	memset(&opt, 0, sizeof(opt));
	sigemptyset(&opt.sigdef);
	if (sys_intr.sa_handler != SIG_IGN)
		sigaddset(&opt.sigdef, SIGINT);
	if (sys_quit.sa_handler != SIG_IGN)
		sigaddset(&opt.sigdef, SIGQUIT);
	pthread_mutex_unlock(&sys_lock);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &chld, &omask);
	opt.flags = POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK;
	opt.sigmask = omask;

	memset(&job, 0, sizeof(job));
	job.path = SHELL_PATH;
	job.argv = argv;
	job.envp = environ;
	job.opt = &opt;
	r = spawn_run(&pid, &job, &forked);
	if (r == 0) {
		while ((e = (int)waitpid(pid, &status, 0)) == -1 &&
		    errno == EINTR)
			continue;
		if (e != pid)
			status = -1;
	} else if (forked) {
		status = W_EXITCODE(127, 0);	/* as if the shell exited 127 */
	} else {
		status = -1;
	}
	e = errno;
	pthread_mutex_lock(&sys_lock);
	if (--sys_refs == 0) {
		(void)sigaction(SIGINT, &sys_intr, NULL);
		(void)sigaction(SIGQUIT, &sys_quit, NULL);
	}
	pthread_mutex_unlock(&sys_lock);
	pthread_sigmask(SIG_SETMASK, &omask, NULL);
	if (r != 0 && !forked)
		e = r;
	errno = e;
	return status;
}

HIJACK_EXPORT int
system(const char *cmd)
{
	if (!hijack_on())
		return HOST(system)(cmd);
	if (cmd == NULL)	/* is there a shell?  glibc asks it */
		return proc_system("exit 0") == 0;
	return proc_system(cmd);
}

/* ---- popen ------------------------------------------------------------- */

struct popen_ent {
	FILE		*fp;
	int		 fd;		/* the parent's end */
	pid_t		 pid;
	struct popen_ent *next;
};

static pthread_mutex_t popen_lock = PTHREAD_MUTEX_INITIALIZER;
static struct popen_ent *popen_head;

HIJACK_EXPORT FILE *
popen(const char *cmd, const char *mode)
{
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)cmd, NULL };
	bool rd = false, wr = false, cloexec = false, forked;
	struct popen_ent *ent, *q;
	struct spawn_act *acts;
	struct spawnopt opt;
	struct spawnjob job;
	size_t nacts = 0, nprev = 0;
	int p[2], mine, theirs, target, r;
	FILE *fp;

	if (!hijack_on())
		return HOST(popen)(cmd, mode);
	for (const char *m = mode; *m != '\0'; m++) {
		switch (*m) {
		case 'r':
			rd = true;
			break;
		case 'w':
			wr = true;
			break;
		case 'e':
			cloexec = true;
			break;
		default:
			errno = EINVAL;
			return NULL;
		}
	}
	if (rd == wr) {
		errno = EINVAL;
		return NULL;
	}
	if ((ent = malloc(sizeof(*ent))) == NULL)
		return NULL;
	if (HOST(pipe2)(p, O_CLOEXEC) == -1) {
		free(ent);
		return NULL;
	}
	(void)fd_hostnew(p[0]);
	(void)fd_hostnew(p[1]);
	mine = rd ? p[0] : p[1];
	theirs = rd ? p[1] : p[0];
	target = rd ? STDOUT_FILENO : STDIN_FILENO;
	if ((fp = HOST(fdopen)(mine, rd ? "r" : "w")) == NULL) {
		r = errno;
		(void)HOST(close)(p[0]);
		(void)HOST(close)(p[1]);
		free(ent);
		errno = r;
		return NULL;
	}

	/*
	 * The child: our end onto 0 or 1 (a dup2 onto itself clears
	 * close-on-exec), and POSIX: streams of earlier popens closed.  The
	 * list stays locked over the fork so the child sees it whole.
	 */
	pthread_mutex_lock(&popen_lock);
	for (q = popen_head; q != NULL; q = q->next)
		nprev++;
	if ((acts = calloc(nprev + 1, sizeof(*acts))) == NULL) {
		pthread_mutex_unlock(&popen_lock);
		r = ENOMEM;
		goto fail;
	}
	acts[nacts++] = (struct spawn_act){ .kind = SA_DUP2, .fd = theirs,
	    .fd2 = target };
	for (q = popen_head; q != NULL; q = q->next)
		if (q->fd != target)
			acts[nacts++] = (struct spawn_act){ .kind = SA_CLOSE,
			    .fd = q->fd };
	memset(&opt, 0, sizeof(opt));
	memset(&job, 0, sizeof(job));
	job.path = SHELL_PATH;
	job.argv = argv;
	job.envp = environ;
	job.acts = acts;
	job.nacts = nacts;
	job.opt = &opt;
	r = spawn_run(&ent->pid, &job, &forked);
	free(acts);
	if (r != 0) {
		pthread_mutex_unlock(&popen_lock);
		goto fail;
	}
	ent->fp = fp;
	ent->fd = mine;
	ent->next = popen_head;
	popen_head = ent;
	pthread_mutex_unlock(&popen_lock);
	(void)HOST(close)(theirs);
	if (!cloexec)
		(void)HOST(fcntl)(mine, F_SETFD, 0);
	return fp;
fail:
	(void)HOST(fclose)(fp);
	(void)HOST(close)(theirs);
	free(ent);
	errno = r;
	return NULL;
}

HIJACK_EXPORT int
pclose(FILE *fp)
{
	struct popen_ent **pp, *ent;
	int status;
	pid_t w;

	pthread_mutex_lock(&popen_lock);
	for (pp = &popen_head; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->fp == fp)
			break;
	if ((ent = *pp) != NULL)
		*pp = ent->next;
	pthread_mutex_unlock(&popen_lock);
	if (ent == NULL)
		return HOST(pclose)(fp);
	(void)HOST(fclose)(fp);
	while ((w = waitpid(ent->pid, &status, 0)) == -1 && errno == EINTR)
		continue;
	free(ent);
	return w == -1 ? -1 : status;
}

/* ---- fork from another thread ---------------------------------------- */

/*
 * A fork made by one thread while another is inside popen (which holds
 * popen_lock until its child has exec'd), system or the file-action
 * calls would leave the child a lock nobody will release: its first
 * popen or posix_spawn would hang.  The child's only thread is the one
 * that forked, so every lock here starts free in it.  (fork_mtx too,
 * for forks that did not come through proc_dofork.)
 */
static void
proc_atfork_child(void)
{
	pthread_mutex_init(&popen_lock, NULL);
	pthread_mutex_init(&sys_lock, NULL);
	pthread_mutex_init(&fa_lock, NULL);
	fork_mtx_child();
}

__attribute__((constructor)) static void
proc_init(void)
{
	pthread_atfork(NULL, NULL, proc_atfork_child);
}
