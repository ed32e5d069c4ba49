/*
 * t_errors.c — error paths, one test per errno: every call of
 * sys/kern/syscalls.tab that takes a descriptor is tried with a bad one,
 * every pointer-taking call with NULL, every flags argument with junk,
 * plus ESPIPE, EPIPE, EAGAIN and friends.  The expected errno is what the
 * host Linux kernel returns for the same call (checked with scratch
 * programs on the host).  Path-name errors are in t_errfs.c.
 */
#include "test_util.h"
#include <poll.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <linux/close_range.h>

/* Every descriptor-taking call must say EBADF for bad. */
static void
ebadf_all(int bad)
{
	char buf[64];
	struct stat st;
	struct statx stx;
	struct statfs sfs;
	struct iovec iov = { buf, sizeof(buf) };
	struct timespec ts[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };

	ERR(EBADF, rump_sys_close(bad));
	ERR(EBADF, rump_sys_dup(bad));
	ERR(EBADF, rump_sys_dup2(bad, 50));
	ERR(EBADF, rump_sys_dup3(bad, 50, 0));
	ERR(EBADF, rump_sys_fcntl(bad, F_GETFD));
	ERR(EBADF, rump_sys_fcntl(bad, F_GETFL));
	ERR(EBADF, rump_sys_ioctl(bad, FIONREAD, buf));
	ERR(EBADF, rump_sys_flock(bad, LOCK_SH));
	ERR(EBADF, rump_sys_read(bad, buf, sizeof(buf)));
	ERR(EBADF, rump_sys_write(bad, buf, sizeof(buf)));
	ERR(EBADF, rump_sys_pread(bad, buf, sizeof(buf), 0));
	ERR(EBADF, rump_sys_pwrite(bad, buf, sizeof(buf), 0));
	ERR(EBADF, rump_sys_readv(bad, &iov, 1));
	ERR(EBADF, rump_sys_writev(bad, &iov, 1));
	ERR(EBADF, rump_sys_preadv(bad, &iov, 1, 0));
	ERR(EBADF, rump_sys_pwritev(bad, &iov, 1, 0));
	ERR(EBADF, rump_sys_lseek(bad, 0, SEEK_SET));
	ERR(EBADF, rump_sys_fsync(bad));
	ERR(EBADF, rump_sys_fdatasync(bad));
	ERR(EBADF, rump_sys_syncfs(bad));
	ERR(EBADF, rump_sys_ftruncate(bad, 0));
	ERR(EBADF, rump_sys_fallocate(bad, 0, 0, 10));
	ERR(EBADF, rump_sys_openat(bad, "f", O_RDONLY));
	ERR(EBADF, rump_sys_fstat(bad, &st));
	ERR(EBADF, rump_sys_fstatat(bad, "f", &st, 0));
	ERR(EBADF, rump_sys_newfstatat(bad, "f", &st, 0));
	ERR(EBADF, rump_sys_fstatat(bad, "", &st, AT_EMPTY_PATH));
	ERR(EBADF, rump_sys_statx(bad, "f", 0, STATX_BASIC_STATS, &stx));
	ERR(EBADF, rump_sys_getdents64(bad, buf, sizeof(buf)));
	ERR(EBADF, rump_sys_mkdirat(bad, "x", 0755));
	ERR(EBADF, rump_sys_mknodat(bad, "x", S_IFIFO | 0644, 0));
	ERR(EBADF, rump_sys_unlinkat(bad, "f", 0));
	ERR(EBADF, rump_sys_renameat(bad, "f", AT_FDCWD, "g"));
	ERR(EBADF, rump_sys_renameat(AT_FDCWD, "f", bad, "g"));
	ERR(EBADF, rump_sys_renameat2(bad, "f", AT_FDCWD, "g", 0));
	ERR(EBADF, rump_sys_linkat(bad, "f", AT_FDCWD, "g", 0));
	ERR(EBADF, rump_sys_linkat(AT_FDCWD, "f", bad, "g", 0));
	ERR(EBADF, rump_sys_symlinkat("f", bad, "g"));
	ERR(EBADF, rump_sys_readlinkat(bad, "f", buf, sizeof(buf)));
	ERR(EBADF, rump_sys_fchmod(bad, 0644));
	ERR(EBADF, rump_sys_fchmodat(bad, "f", 0644, 0));
	ERR(EBADF, rump_sys_fchown(bad, 0, 0));
	ERR(EBADF, rump_sys_fchownat(bad, "f", 0, 0, 0));
	ERR(EBADF, rump_sys_utimensat(bad, "f", ts, 0));
	ERR(EBADF, rump_sys_utimensat(bad, NULL, ts, 0));
	ERR(EBADF, rump_sys_futimens(bad, ts));
	ERR(EBADF, rump_sys_faccessat(bad, "f", F_OK, 0));
	ERR(EBADF, rump_sys_faccessat2(bad, "f", F_OK, 0));
	ERR(EBADF, rump_sys_fchdir(bad));
	ERR(EBADF, rump_sys_fstatfs(bad, &sfs));
}

static void
err_ebadf(void **state)
{
	int fd;

	TDIR();
	t_mkfile("f", "x", 0644);
	ebadf_all(-1);
	ebadf_all(-5);
	ebadf_all(1000);
	fd = OK(rump_sys_open("f", O_RDONLY));
	OK(rump_sys_close(fd));
	if (!t_fdbase[fd])
		ebadf_all(fd);
}

static void
err_ebadf_mode(void **state)
{
	char buf[8];
	struct iovec iov = { buf, sizeof(buf) };
	int rd, wr, p[2];
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	TDIR();
	t_mkfile("f", "data", 0644);
	rd = OK(rump_sys_open("f", O_RDONLY));
	wr = OK(rump_sys_open("f", O_WRONLY));
	ERR(EBADF, rump_sys_write(rd, "x", 1));
	ERR(EBADF, rump_sys_pwrite(rd, "x", 1, 0));
	ERR(EBADF, rump_sys_writev(rd, &iov, 1));
	ERR(EBADF, rump_sys_pwritev(rd, &iov, 1, 0));
	ERR(EBADF, rump_sys_read(wr, buf, 1));
	ERR(EBADF, rump_sys_pread(wr, buf, 1, 0));
	ERR(EBADF, rump_sys_readv(wr, &iov, 1));
	ERR(EBADF, rump_sys_preadv(wr, &iov, 1, 0));
	ERR(EBADF, rump_sys_fallocate(rd, 0, 0, 10));
	/* Linux: ftruncate on a descriptor not open for writing is EINVAL */
	ERR(EINVAL, rump_sys_ftruncate(rd, 0));
	/* a write lock needs a descriptor open for writing */
	ERR(EBADF, rump_sys_fcntl(rd, F_SETLK, &fl));
	fl.l_type = F_RDLCK;
	ERR(EBADF, rump_sys_fcntl(wr, F_SETLK, &fl));
	OK(rump_sys_pipe(p));
	ERR(EBADF, rump_sys_write(p[0], "x", 1));
	ERR(EBADF, rump_sys_read(p[1], buf, 1));
	OK(rump_sys_close(p[0]));
	OK(rump_sys_close(p[1]));
	OK(rump_sys_close(rd));
	OK(rump_sys_close(wr));
}









static void
err_efault(void **state)
{
	char buf[64];
	struct flock fl;
	int fd;

	TDIR();
	t_mkfile("f", "x", 0644);
	fd = OK(rump_sys_open("f", O_RDWR));
	ERR(EFAULT, rump_sys_stat("f", NULL));
	ERR(EFAULT, rump_sys_stat(NULL, (struct stat *)buf));
	ERR(EFAULT, rump_sys_lstat("f", NULL));
	ERR(EFAULT, rump_sys_fstat(fd, NULL));
	ERR(EFAULT, rump_sys_fstatat(AT_FDCWD, "f", NULL, 0));
	ERR(EFAULT, rump_sys_statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, NULL));
	ERR(EFAULT, rump_sys_open(NULL, O_RDONLY));
	ERR(EFAULT, rump_sys_openat(AT_FDCWD, NULL, O_RDONLY));
	ERR(EFAULT, rump_sys_creat(NULL, 0644));
	ERR(EFAULT, rump_sys_read(fd, NULL, 10));
	ERR(EFAULT, rump_sys_write(fd, NULL, 10));
	ERR(EFAULT, rump_sys_pread(fd, NULL, 10, 0));
	ERR(EFAULT, rump_sys_pwrite(fd, NULL, 10, 0));
	ERR(EFAULT, rump_sys_readv(fd, NULL, 1));
	ERR(EFAULT, rump_sys_writev(fd, NULL, 1));
	ERR(EFAULT, rump_sys_pipe(NULL));
	ERR(EFAULT, rump_sys_pipe2(NULL, 0));
	ERR(EFAULT, rump_sys_getcwd(NULL, 100));
	ERR(EFAULT, rump_sys_statfs("f", NULL));
	ERR(EFAULT, rump_sys_fstatfs(fd, NULL));
	ERR(EFAULT, rump_sys_getdents64(fd, NULL, 100));
	ERR(EFAULT, rump_sys_fcntl(fd, F_SETLK, NULL));
	ERR(EFAULT, rump_sys_fcntl(fd, F_GETLK, NULL));
	/* nothing was changed by the failed calls */
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	OK(rump_sys_fcntl(fd, F_GETLK, &fl));
	EQ(F_UNLCK, fl.l_type);
	EQ(1, rump_sys_read(fd, buf, sizeof(buf)));
	OK(rump_sys_close(fd));
}

static void
err_efault_paths(void **state)
{
	struct rlimit rl;

	TDIR();
	t_mkfile("f", "x", 0644);
	ERR(EFAULT, rump_sys_mkdir(NULL, 0755));
	ERR(EFAULT, rump_sys_rmdir(NULL));
	ERR(EFAULT, rump_sys_unlink(NULL));
	ERR(EFAULT, rump_sys_rename(NULL, "g"));
	ERR(EFAULT, rump_sys_rename("f", NULL));
	ERR(EFAULT, rump_sys_link("f", NULL));
	ERR(EFAULT, rump_sys_symlink(NULL, "g"));
	ERR(EFAULT, rump_sys_readlink("f", NULL, 10));
	ERR(EFAULT, rump_sys_chmod(NULL, 0644));
	ERR(EFAULT, rump_sys_chdir(NULL));
	ERR(EFAULT, rump_sys_access(NULL, F_OK));
	ERR(EFAULT, rump_sys_truncate(NULL, 0));
	ERR(EFAULT, rump_sys_uname(NULL));
	ERR(EFAULT, rump_sys_clock_gettime(CLOCK_REALTIME, NULL));
	ERR(EFAULT, rump_sys_nanosleep(NULL, NULL));
	ERR(EFAULT, rump_sys_getrandom(NULL, 10, 0));
	ERR(EFAULT, rump_sys_getrlimit(RLIMIT_NOFILE, NULL));
	ERR(EFAULT, rump_sys_setrlimit(RLIMIT_NOFILE, NULL));
	ERR(EFAULT, rump_sys_sysctlbyname(NULL, NULL, NULL, NULL, 0));
	/* NULL path with a real directory fd: utimensat(2) is EFAULT too */
	ERR(EFAULT, rump_sys_utimensat(AT_FDCWD, NULL, NULL, 0));
	OK(rump_sys_getrlimit(RLIMIT_NOFILE, &rl));
	assert_true(rl.rlim_cur > 0);
	OK(rump_sys_stat("f", &(struct stat){ 0 }));
}

static void
err_einval_flags(void **state)
{
	struct stat st;
	struct statx stx;
	int fd, dfd, p[2];

	TDIR();
	t_mkfile("f", "x", 0644);
	OK(rump_sys_mkdir("d", 0755));
	fd = OK(rump_sys_open("f", O_RDWR));
	dfd = OK(rump_sys_open("d", O_RDONLY | O_DIRECTORY));
	ERR(EINVAL, rump_sys_fstatat(AT_FDCWD, "f", &st, 0x12345678));
	ERR(EINVAL, rump_sys_newfstatat(AT_FDCWD, "f", &st, 0x12345678));
	ERR(EINVAL, rump_sys_statx(AT_FDCWD, "f", 0x12345678,
	    STATX_BASIC_STATS, &stx));
	ERR(EINVAL, rump_sys_statx(AT_FDCWD, "f", 0, 0x80000000U, &stx));
	ERR(EINVAL, rump_sys_unlinkat(AT_FDCWD, "f", 0x1));
	ERR(EINVAL, rump_sys_unlinkat(AT_FDCWD, "d", AT_REMOVEDIR | 0x1));
	ERR(EINVAL, rump_sys_renameat2(AT_FDCWD, "f", AT_FDCWD, "d",
	    RENAME_EXCHANGE | RENAME_NOREPLACE));
	ERR(EINVAL, rump_sys_renameat2(AT_FDCWD, "f", AT_FDCWD, "g", 0x100));
	ERR(EINVAL, rump_sys_linkat(AT_FDCWD, "f", AT_FDCWD, "g", 0x1));
	ERR(EINVAL, rump_sys_fchownat(AT_FDCWD, "f", 0, 0, 0x1));
	ERR(EINVAL, rump_sys_lseek(fd, 0, 99));
	ERR(EINVAL, rump_sys_lseek(fd, -1, SEEK_SET));
	ERR(EINVAL, rump_sys_lseek(fd, -100, SEEK_END));
	EQ(0, rump_sys_lseek(fd, 0, SEEK_CUR));
	ERR(EINVAL, rump_sys_dup3(fd, fd, 0));
	ERR(EINVAL, rump_sys_dup3(fd, 100, 0x4));
	ERR(EINVAL, rump_sys_pipe2(p, 0x1));
	ERR(EINVAL, rump_sys_pipe2(p, O_RDWR));
	ERR(EINVAL, rump_sys_fcntl(fd, 9999));
	ERR(EINVAL, rump_sys_fcntl(fd, F_DUPFD, -1));
	ERR(EINVAL, rump_sys_flock(fd, 0));
	ERR(EINVAL, rump_sys_flock(fd, LOCK_SH | LOCK_EX));
	ERR(EINVAL, rump_sys_flock(fd, LOCK_NB));
	ERR(EINVAL, rump_sys_utimensat(AT_FDCWD, "f", NULL, 0x1234));
	ERR(EINVAL, rump_sys_utimensat(fd, NULL, NULL, AT_SYMLINK_NOFOLLOW));
	ERR(EINVAL, rump_sys_faccessat(AT_FDCWD, "f", 0x100, 0));
	ERR(EINVAL, rump_sys_faccessat2(AT_FDCWD, "f", R_OK, 0x1));
	ERR(EINVAL, rump_sys_access("f", 0x8));
	ERR(EINVAL, rump_sys_close_range(5, 3, 0));
	ERR(EINVAL, rump_sys_close_range(3, 5, 0x80));
	ERR(EINVAL, rump_sys_mknod("bad", 0xF000 | 0644, 0));
	ERR(EINVAL, rump_sys_getrandom(&st, 8, 0x100));
	OK(rump_sys_close(dfd));
	OK(rump_sys_close(fd));
}

static void
err_einval_values(void **state)
{
	char buf[64];
	struct timespec ts[2] = { { 0, 2000000000L }, { 0, 0 } };
	struct timespec bad = { 0, -1 };
	struct rlimit rl = { .rlim_cur = 10, .rlim_max = 5 };
	struct pollfd pfd[17];
	int fd, rd, dfd;

	TDIR();
	t_mkfile("f", "x", 0644);
	OK(rump_sys_mkdir("d", 0755));
	OK(rump_sys_mkdir("d/sub", 0755));
	fd = OK(rump_sys_open("f", O_RDWR));
	rd = OK(rump_sys_open("f", O_RDONLY));
	dfd = OK(rump_sys_open("d", O_RDONLY | O_DIRECTORY));
	ERR(EINVAL, rump_sys_rmdir("."));
	ERR(EINVAL, rump_sys_rmdir("d/."));
	ERR(EINVAL, rump_sys_unlinkat(dfd, ".", AT_REMOVEDIR));
	ERR(EINVAL, rump_sys_rename("d", "d/sub/x"));
	ERR(EINVAL, rump_sys_rename("d", "d/x"));
	ERR(EINVAL, rump_sys_ftruncate(fd, -1));
	ERR(EINVAL, rump_sys_ftruncate(rd, 0));
	ERR(EINVAL, rump_sys_truncate("f", -1));
	ERR(EINVAL, rump_sys_pwrite(fd, "x", 1, -1));
	ERR(EINVAL, rump_sys_pread(fd, buf, 1, -1));
	ERR(EINVAL, rump_sys_fallocate(fd, 0, -1, 10));
	ERR(EINVAL, rump_sys_fallocate(fd, 0, 0, 0));
	ERR(EINVAL, rump_sys_readlink("f", buf, sizeof(buf)));
	ERR(EINVAL, rump_sys_readlink("d", buf, sizeof(buf)));
	OK(rump_sys_symlink("f", "l"));
	ERR(EINVAL, rump_sys_readlink("l", buf, 0));
	ERR(EINVAL, rump_sys_getdents64(dfd, buf, 10));
	ERR(EINVAL, rump_sys_utimensat(AT_FDCWD, "f", ts, 0));
	ERR(EINVAL, rump_sys_futimens(fd, ts));
	ERR(EINVAL, rump_sys_nanosleep(&bad, NULL));
	ERR(EINVAL, rump_sys_clock_gettime((clockid_t)1234, &bad));
	ERR(EINVAL, rump_sys_setrlimit(RLIMIT_NOFILE, &rl));
	ERR(EINVAL, rump_sys_getrlimit(999, &rl));
	ERR(EINVAL, rump_sys_getgroups(-1, NULL));
	ERR(EINVAL, rump_sys_umount2("d", 0));
	/* more pollfds than RLIMIT_NOFILE allows descriptors */
	EQ(0, rump_lwproc_rfork(RUMP_RFCFDG));
	rl.rlim_cur = rl.rlim_max = 16;
	OK(rump_sys_setrlimit(RLIMIT_NOFILE, &rl));
	memset(pfd, 0, sizeof(pfd));
	for (int i = 0; i < 17; i++)
		pfd[i].fd = -1;
	ERR(EINVAL, rump_sys_poll(pfd, 17, 0));
	EQ(0, rump_sys_poll(pfd, 16, 0));
	t_unbecome();
	OK(rump_sys_close(dfd));
	OK(rump_sys_close(rd));
	OK(rump_sys_close(fd));
}

static void
err_espipe(void **state)
{
	char c;
	int p[2], fd;

	TDIR();
	OK(rump_sys_pipe(p));
	ERR(ESPIPE, rump_sys_lseek(p[0], 0, SEEK_SET));
	ERR(ESPIPE, rump_sys_lseek(p[1], 0, SEEK_CUR));
	ERR(ESPIPE, rump_sys_pread(p[0], &c, 1, 0));
	ERR(ESPIPE, rump_sys_pwrite(p[1], "x", 1, 0));
	OK(rump_sys_mknod("fifo", S_IFIFO | 0644, 0));
	fd = OK(rump_sys_open("fifo", O_RDONLY | O_NONBLOCK));
	ERR(ESPIPE, rump_sys_lseek(fd, 0, SEEK_SET));
	OK(rump_sys_close(fd));
	OK(rump_sys_close(p[0]));
	OK(rump_sys_close(p[1]));
}

static void
err_epipe(void **state)
{
	struct iovec iov = { "abc", 3 };
	int p[2];

	TDIR();
	OK(rump_sys_pipe(p));
	OK(rump_sys_close(p[0]));
	ERR(EPIPE, rump_sys_write(p[1], "x", 1));
	ERR(EPIPE, rump_sys_writev(p[1], &iov, 1));
	OK(rump_sys_close(p[1]));
}

static void
err_eagain(void **state)
{
	static char big[4096];
	char c;
	int p[2], fd1, fd2, total = 0;
	ssize_t n;

	TDIR();
	OK(rump_sys_pipe2(p, O_NONBLOCK));
	ERR(EAGAIN, rump_sys_read(p[0], &c, 1));
	while ((n = rump_sys_write(p[1], big, sizeof(big))) > 0)
		total += (int)n;
	int e = errno;
	EQ(-1, n);
	EQ(EAGAIN, e);
	assert_true(total >= 4096);
	OK(rump_sys_close(p[0]));
	OK(rump_sys_close(p[1]));
	/* set later with F_SETFL */
	OK(rump_sys_pipe(p));
	OK(rump_sys_fcntl(p[0], F_SETFL, O_NONBLOCK));
	ERR(EAGAIN, rump_sys_read(p[0], &c, 1));
	OK(rump_sys_close(p[0]));
	OK(rump_sys_close(p[1]));
	/* conflicting flock on two open file descriptions */
	t_mkfile("f", "x", 0644);
	fd1 = OK(rump_sys_open("f", O_RDONLY));
	fd2 = OK(rump_sys_open("f", O_RDONLY));
	OK(rump_sys_flock(fd1, LOCK_EX));
	ERR(EWOULDBLOCK, rump_sys_flock(fd2, LOCK_EX | LOCK_NB));
	ERR(EWOULDBLOCK, rump_sys_flock(fd2, LOCK_SH | LOCK_NB));
	OK(rump_sys_flock(fd1, LOCK_UN));
	OK(rump_sys_flock(fd2, LOCK_SH | LOCK_NB));
	OK(rump_sys_close(fd1));
	OK(rump_sys_close(fd2));
}

static void
err_eagain_setlk(void **state)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
	    .l_start = 0, .l_len = 10 };
	int fd, cfd;

	TDIR();
	t_mkfile("f", "0123456789", 0644);
	fd = OK(rump_sys_open("f", O_RDWR));
	OK(rump_sys_fcntl(fd, F_SETLK, &fl));
	EQ(0, rump_lwproc_rfork(RUMP_RFCFDG));
	cfd = OK(rump_sys_open("f", O_RDWR));
	ERR(EAGAIN, rump_sys_fcntl(cfd, F_SETLK, &fl));
	fl.l_type = F_RDLCK;
	ERR(EAGAIN, rump_sys_fcntl(cfd, F_SETLK, &fl));
	fl.l_type = F_WRLCK;
	OK(rump_sys_fcntl(cfd, F_GETLK, &fl));
	EQ(F_WRLCK, fl.l_type);
	EQ(1, fl.l_pid);
	/* a range next to the locked one is free */
	fl.l_start = 10;
	fl.l_len = 5;
	OK(rump_sys_fcntl(cfd, F_SETLK, &fl));
	t_unbecome();
	OK(rump_sys_close(fd));
}




static void
err_misc(void **state)
{
	char buf[8];
	int fd, p[2], nread = -1;

	TDIR();
	t_mkfile("f", "x", 0644);
	ERR(ERANGE, rump_sys_getcwd(buf, 2));
	OK(rump_sys_mknod("fifo", S_IFIFO | 0644, 0));
	ERR(ENXIO, rump_sys_open("fifo", O_WRONLY | O_NONBLOCK));
	fd = OK(rump_sys_open("f", O_RDWR));
	ERR(EOPNOTSUPP, rump_sys_fallocate(fd, 0xff, 0, 10));
	ERR(ENOTTY, rump_sys_ioctl(fd, 0x5401, buf));
	OK(rump_sys_close(fd));
	OK(rump_sys_pipe(p));
	ERR(ENOTTY, rump_sys_ioctl(p[0], 0x1234, buf));
	EQ(2, rump_sys_write(p[1], "ab", 2));
	OK(rump_sys_ioctl(p[0], FIONREAD, &nread));
	EQ(2, nread);
	OK(rump_sys_close(p[0]));
	OK(rump_sys_close(p[1]));
	EQ(ESRCH, rump_lwproc_newlwp(99999));
	EQ(1, rump_sys_getpid());
}



static void
err_pipe_ops(void **state)
{
	char buf[64];
	struct stat st;
	int p[2];

	OK(rump_sys_pipe(p));
	ERR(EINVAL, rump_sys_fsync(p[0]));
	ERR(EINVAL, rump_sys_fdatasync(p[1]));
	ERR(EINVAL, rump_sys_ftruncate(p[1], 0));
	ERR(ESPIPE, rump_sys_fallocate(p[1], 0, 0, 10));
	ERR(ENOTDIR, rump_sys_getdents64(p[0], buf, sizeof(buf)));
	ERR(ENOTDIR, rump_sys_fchdir(p[0]));
	ERR(ENOTDIR, rump_sys_fstatat(p[0], "x", &st, 0));
	OK(rump_sys_close(p[0]));
	OK(rump_sys_close(p[1]));
}

static void
err_iov(void **state)
{
	char b[4];
	struct iovec iov[2] = { { b, 2 }, { b + 2, 2 } };
	int fd;

	TDIR();
	t_mkfile("f", "abcd", 0644);
	fd = OK(rump_sys_open("f", O_RDWR));
	ERR(EINVAL, rump_sys_readv(fd, iov, -1));
	ERR(EINVAL, rump_sys_writev(fd, iov, -1));
	ERR(EINVAL, rump_sys_preadv(fd, iov, -1, 0));
	ERR(EINVAL, rump_sys_pwritev(fd, iov, -1, 0));
	ERR(EINVAL, rump_sys_preadv(fd, iov, 2, -1));
	EQ(0, rump_sys_readv(fd, iov, 0));
	EQ(0, rump_sys_writev(fd, iov, 0));
	EQ(4, rump_sys_readv(fd, iov, 2));
	assert_memory_equal(b, "abcd", 4);
	OK(rump_sys_close(fd));
}

/* Last: a broken permission check would halt the test binary. */
static void
err_reboot_nonroot(void **state)
{
	t_become(1000, 1000);
	ERR(EPERM, rump_sys_reboot(RUMP_RB_HALT, NULL));
	t_unbecome();
}

static const struct CMUnitTest tests[] = {
	T(err_ebadf),
	T(err_ebadf_mode),
	T(err_efault),
	T(err_efault_paths),
	T(err_einval_flags),
	T(err_einval_values),
	T(err_espipe),
	T(err_epipe),
	T(err_eagain),
	T(err_eagain_setlk),
	T(err_misc),
	T(err_pipe_ops),
	T(err_iov),
	T(err_reboot_nonroot),
};

T_MAIN("errors", tests)
