/*
 * host.h — the host calls librumpclient makes for itself.
 *
 * librumphijack links this client in and defines read, close, fcntl,
 * fork, ... itself; a plain call from the client would bind to those
 * definitions and route the client's own socket through the hijack.  So
 * the client reaches the host kernel directly (system calls) or, where
 * libc must run (fork and its atfork handlers, daemon), through the next
 * definition after the calling object (RTLD_NEXT), which is libc's in
 * both the shared client and the hijack.
 */
#ifndef RUMP_CLIENT_HOST_H
#define RUMP_CLIENT_HOST_H

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static inline ssize_t
h_read(int fd, void *buf, size_t n)
{
	return syscall(SYS_read, fd, buf, n);
}

static inline ssize_t
h_readv(int fd, const struct iovec *iov, int n)
{
	return syscall(SYS_readv, fd, iov, n);
}

static inline ssize_t
h_write(int fd, const void *buf, size_t n)
{
	return syscall(SYS_write, fd, buf, n);
}

static inline int
h_close(int fd)
{
	return (int)syscall(SYS_close, fd);
}

static inline int
h_fcntl(int fd, int cmd, long arg)
{
	return (int)syscall(SYS_fcntl, fd, cmd, arg);
}

static inline int
h_fstat(int fd, struct stat *st)
{
	return (int)syscall(SYS_fstat, fd, st);
}

static inline int
h_openat(int dirfd, const char *path, int flags)
{
	return (int)syscall(SYS_openat, dirfd, path, flags, 0);
}

static inline int
h_socket(int domain, int type, int proto)
{
	return (int)syscall(SYS_socket, domain, type, proto);
}

static inline int
h_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	return (int)syscall(SYS_connect, fd, sa, len);
}

static inline int
h_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	return (int)syscall(SYS_setsockopt, fd, level, name, val, len);
}

static inline int
h_shutdown(int fd, int how)
{
	return (int)syscall(SYS_shutdown, fd, how);
}

static inline ssize_t
h_sendmsg(int fd, const struct msghdr *m, int flags)
{
	return syscall(SYS_sendmsg, fd, m, flags);
}

static inline ssize_t
h_recvmsg(int fd, struct msghdr *m, int flags)
{
	return syscall(SYS_recvmsg, fd, m, flags);
}

static inline void *
h_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return (void *)syscall(SYS_mmap, addr, len, prot, flags, fd, off);
}

static inline int
h_munmap(void *addr, size_t len)
{
	return (int)syscall(SYS_munmap, addr, len);
}

static inline int
h_madvise(void *addr, size_t len, int advice)
{
	return (int)syscall(SYS_madvise, addr, len, advice);
}

static inline int
h_getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	return (int)syscall(SYS_getsockname, fd, sa, len);
}

static inline int
h_getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	return (int)syscall(SYS_getpeername, fd, sa, len);
}

static inline ssize_t
h_recv(int fd, void *buf, size_t n, int flags)
{
	return syscall(SYS_recvfrom, fd, buf, n, flags, NULL, NULL);
}

/* the kernel writes the time left back into *ts: pass a copy */
static inline int
h_ppoll(struct pollfd *p, nfds_t n, const struct timespec *ts,
    const sigset_t *mask)
{
	struct timespec t, *tp = NULL;

	if (ts != NULL) {
		t = *ts;
		tp = &t;
	}
	return (int)syscall(SYS_ppoll, p, n, tp, mask, _NSIG / 8);
}

static inline int
h_poll(struct pollfd *p, nfds_t n, int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	return h_ppoll(p, n, ms < 0 ? NULL : &ts, NULL);
}

static inline char *
h_getcwd(char *buf, size_t len)
{
	return syscall(SYS_getcwd, buf, len) < 0 ? NULL : buf;
}

static inline int
h_execve(const char *path, char *const argv[], char *const envp[])
{
	return (int)syscall(SYS_execve, path, argv, envp);
}

/* libc's fork/daemon: they must run atfork handlers and stdio cleanup */
static inline pid_t
h_fork(void)
{
	static pid_t (*f)(void);

	if (f == NULL)
		f = (pid_t (*)(void))dlsym(RTLD_NEXT, "fork");
	return f();
}

static inline int
h_daemon(int nochdir, int noclose)
{
	static int (*f)(int, int);

	if (f == NULL)
		f = (int (*)(int, int))dlsym(RTLD_NEXT, "daemon");
	return f(nochdir, noclose);
}

#endif /* RUMP_CLIENT_HOST_H */
