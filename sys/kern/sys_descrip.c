/*
 * sys_descrip.c — system calls on descriptors themselves: close, dup*,
 * fcntl, ioctl, close_range, pipe*, flock.
 *
 * Each handler checks its arguments, then calls into fd.c (the table),
 * pipe.c or the advisory-lock code (vfs/lockf.c).  O_PATH descriptors
 * allow only what Linux allows them: close, dup*, and fcntl's
 * F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD and F_GETFL.
 */
#include <errno.h>
#include <limits.h>
#include <sys/ioctl.h>
#include "kern/file.h"
#include "vfs/vfs.h"
#include "kern/sysent.h"

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE	(1U << 1)
#define CLOSE_RANGE_CLOEXEC	(1U << 2)
#endif
#ifndef F_OFD_GETLK
#define F_OFD_GETLK	36
#define F_OFD_SETLK	37
#define F_OFD_SETLKW	38
#endif

/*
 * The kernel's O_LARGEFILE bit, which Linux adds to every open(2) on a
 * 64-bit machine and F_GETFL reports (glibc defines O_LARGEFILE as 0).
 */
#if defined(__aarch64__) || defined(__arm__)
#define KO_LARGEFILE	0400000
#else
#define KO_LARGEFILE	0100000
#endif

/* F_SETFL may change only these (Linux SETFL_MASK) */
#define SETFL_MASK	(O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

static bool
file_ispath(struct file *fp)
{
	return (atomic_load(&fp->f_flag) & O_PATH) != 0;
}

long
sys_close(int fd)
{
	return fd_close(curproc(), fd);
}

long
sys_dup(int fd)
{
	struct file *fp = fd_getfile(curproc(), fd);
	int rv;

	if (fp == NULL)
		return -EBADF;
	rv = fd_alloc(curproc(), fp, 0, false);
	file_rele(fp);
	return rv;
}

long
sys_dup2(int oldfd, int newfd)
{
	struct file *fp;

	if (oldfd == newfd) {
		if ((fp = fd_getfile(curproc(), oldfd)) == NULL)
			return -EBADF;
		file_rele(fp);
		return newfd;
	}
	return fd_dup2(curproc(), oldfd, newfd, false);
}

long
sys_dup3(int oldfd, int newfd, int flags)
{
	if ((flags & ~O_CLOEXEC) != 0 || oldfd == newfd)
		return -EINVAL;
	return fd_dup2(curproc(), oldfd, newfd, (flags & O_CLOEXEC) != 0);
}

/* F_DUPFD / F_DUPFD_CLOEXEC: lowest free descriptor >= arg. */
static long
fcntl_dupfd(struct proc *p, struct file *fp, unsigned long arg, bool cloexec)
{
	rlim_t lim;

	pthread_mutex_lock(&p->p_mtx);
	lim = p->p_rlim[RLIMIT_NOFILE].rlim_cur;
	pthread_mutex_unlock(&p->p_mtx);
	if (arg >= lim || arg > INT_MAX)
		return -EINVAL;
	return fd_alloc(p, fp, (int)arg, cloexec);
}

static long
fcntl_getfl(struct file *fp)
{
	int fl = atomic_load(&fp->f_flag);

	/* everything open(2) made, except O_PATH descriptors */
	if (fp->f_vnode != NULL && !vfs_is_anon(fp->f_vnode) && (fl & O_PATH) == 0)
		fl |= KO_LARGEFILE;
	return fl;
}

static long
fcntl_setfl(struct file *fp, unsigned long arg)
{
	int old = atomic_load(&fp->f_flag), new;

	do {
		new = (old & ~SETFL_MASK) | ((int)arg & SETFL_MASK);
	} while (!atomic_compare_exchange_weak(&fp->f_flag, &old, new));
	return 0;
}

static bool
fcntl_pathok(int cmd)
{
	return cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC || cmd == F_GETFD ||
	    cmd == F_SETFD || cmd == F_GETFL;
}

/*
 * F_SETLK/F_SETLKW: a close() of fd by another lwp while the request
 * waited has already dropped the process's locks on the file, so a lock
 * granted after it would outlive every descriptor (and the process).
 * As Linux does, such a lock is taken back and the call fails -EBADF.
 * The slot is cleared before close releases locks, so one of the two
 * always sees the other.
 */
static long
fcntl_setlk(struct proc *p, int fd, struct file *fp, int cmd,
    struct flock *fl)
{
	struct flock un = *fl;
	struct file *now;
	long rv;

	rv = lf_fcntl(fp, p, cmd, fl);
	if (rv != 0 || fl->l_type == F_UNLCK)
		return rv;
	now = fd_getfile(p, fd);
	if (now != NULL)
		file_rele(now);
	if (now == fp)
		return 0;
	un.l_type = F_UNLCK;
	(void)lf_fcntl(fp, p, F_SETLK, &un);
	return -EBADF;
}

static long
fcntl_file(struct proc *p, int fd, struct file *fp, int cmd, unsigned long arg)
{
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		return fcntl_dupfd(p, fp, arg, cmd == F_DUPFD_CLOEXEC);
	case F_GETFD:
		return fd_getflags(p, fd);
	case F_SETFD:
		return fd_setflags(p, fd, (int)arg);
	case F_GETFL:
		return fcntl_getfl(fp);
	case F_SETFL:
		return fcntl_setfl(fp, arg);
	case F_SETLK:
	case F_SETLKW:
		if (arg == 0)
			return -EFAULT;
		return fcntl_setlk(p, fd, fp, cmd, (struct flock *)arg);
	case F_GETLK:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		if (arg == 0)
			return -EFAULT;
		return lf_fcntl(fp, p, cmd, (struct flock *)arg);
	case F_GETPIPE_SZ:
	case F_SETPIPE_SZ:
		return pipe_fcntl(fp, cmd, arg);
	default:
		return -EINVAL;
	}
}

long
sys_fcntl(int fd, int cmd, unsigned long arg)
{
	struct proc *p = curproc();
	struct file *fp = fd_getfile(p, fd);
	long rv;

	if (fp == NULL)
		return -EBADF;
	if (file_ispath(fp) && !fcntl_pathok(cmd))
		rv = -EBADF;
	else
		rv = fcntl_file(p, fd, fp, cmd, arg);
	file_rele(fp);
	return rv;
}

long
sys_ioctl(int fd, unsigned long request, unsigned long arg)
{
	struct proc *p = curproc();
	struct file *fp = fd_getfile(p, fd);
	long rv;

	if (fp == NULL)
		return -EBADF;
	if (file_ispath(fp)) {
		file_rele(fp);
		return -EBADF;
	}
	switch (request) {
	case FIOCLEX:
	case FIONCLEX:
		rv = fd_setflags(p, fd, request == FIOCLEX ? FD_CLOEXEC : 0);
		break;
	case FIONBIO:
		if (arg == 0) {
			rv = -EFAULT;
			break;
		}
		if (*(int *)arg)
			atomic_fetch_or(&fp->f_flag, O_NONBLOCK);
		else
			atomic_fetch_and(&fp->f_flag, ~O_NONBLOCK);
		rv = 0;
		break;
	default:
		if (fp->f_ops->fo_ioctl == NULL)
			rv = -ENOTTY;
		else
			rv = fp->f_ops->fo_ioctl(fp, request, (void *)arg);
		break;
	}
	file_rele(fp);
	return rv;
}

long
sys_close_range(unsigned int first, unsigned int last, unsigned int flags)
{
	struct proc *p = curproc();
	unsigned int end;

	if ((flags & ~(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)) != 0 ||
	    first > last)
		return -EINVAL;
	/* tables are never shared between processes: UNSHARE has nothing to do */
	pthread_mutex_lock(&p->p_fd->lock);
	end = (unsigned int)p->p_fd->nfd;
	pthread_mutex_unlock(&p->p_fd->lock);
	if (last >= end)
		last = end == 0 ? 0 : end - 1;
	for (unsigned int fd = first; fd <= last && fd < end; fd++) {
		if (flags & CLOSE_RANGE_CLOEXEC)
			(void)fd_setflags(p, (int)fd, FD_CLOEXEC);
		else
			(void)fd_close(p, (int)fd);
	}
	return 0;
}

long
sys_pipe2(int *fds, int flags)
{
	struct proc *p = curproc();
	struct file *rfp, *wfp;
	bool cloexec = (flags & O_CLOEXEC) != 0;
	int rfd, wfd, err;

	/* O_NOTIFICATION_PIPE (watch queues) does not exist here */
	if ((flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) != 0)
		return -EINVAL;
	if ((err = pipe_create(flags, &rfp, &wfp)) != 0)
		return err;
	rfd = fd_alloc(p, rfp, 0, cloexec);
	wfd = rfd < 0 ? rfd : fd_alloc(p, wfp, 0, cloexec);
	if (wfd < 0 && rfd >= 0)
		fd_close(p, rfd);
	file_rele(rfp);
	file_rele(wfp);
	if (wfd < 0)
		return wfd;
	fds[0] = rfd;
	fds[1] = wfd;
	return 0;
}

long
sys_pipe(int *fds)
{
	return sys_pipe2(fds, 0);
}

long
sys_flock(int fd, int operation)
{
	struct file *fp = fd_getfile(curproc(), fd);
	long rv;

	if (fp == NULL)
		return -EBADF;
	rv = file_ispath(fp) ? -EBADF : lf_flock(fp, operation);
	file_rele(fp);
	return rv;
}
