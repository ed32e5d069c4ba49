/*
 * t_fd.c — descriptor-table semantics: lowest free descriptor, dup, dup2,
 * dup3, F_DUPFD(_CLOEXEC), the close-on-exec flag, RLIMIT_NOFILE, shared
 * and independent offsets, descriptor tables across rump_lwproc_rfork()
 * and close_range().  Tests that need a predictable table run in a child
 * created with RUMP_RFCFDG (an empty table).
 */
#include "test_util.h"
#include <sys/resource.h>
#include <linux/close_range.h>

/* Becomes a child of pid 1 with an empty descriptor table. */
static void
fresh_child(void)
{
	EQ(0, rump_lwproc_rfork(RUMP_RFCFDG));
	for (int fd = 0; fd < 64; fd++)
		ERR(EBADF, rump_sys_fcntl(fd, F_GETFD));
}

static void
fd_lowest(void **state)
{
	TDIR();
	t_mkfile("f", "x", 0644);
	fresh_child();
	EQ(0, rump_sys_open("f", O_RDONLY));
	EQ(1, rump_sys_open("f", O_RDONLY));
	EQ(2, rump_sys_open("f", O_RDONLY));
	EQ(3, rump_sys_dup(0));
	OK(rump_sys_close(1));
	EQ(1, rump_sys_open("f", O_RDONLY));
	OK(rump_sys_close(0));
	OK(rump_sys_close(2));
	EQ(0, rump_sys_dup(3));
	EQ(2, rump_sys_open("f", O_RDONLY));
	int p[2];
	OK(rump_sys_close(1));
	OK(rump_sys_close(2));
	OK(rump_sys_pipe(p));
	EQ(1, p[0]);
	EQ(2, p[1]);
	EQ(4, rump_sys_fcntl(0, F_DUPFD, 0));
	t_unbecome();
}

static void
fd_dup2_self(void **state)
{
	struct stat a, b;
	int fd, other;

	TDIR();
	t_mkfile("f", "x", 0644);
	t_mkfile("g", "y", 0644);
	fd = OK(rump_sys_open("f", O_RDONLY | O_CLOEXEC));
	/* onto itself: returns fd and changes nothing, not even FD_CLOEXEC */
	EQ(fd, rump_sys_dup2(fd, fd));
	EQ(FD_CLOEXEC, rump_sys_fcntl(fd, F_GETFD));
	OK(rump_sys_fstat(fd, &a));
	EQ(t_ino("f"), a.st_ino);
	ERR(EBADF, rump_sys_dup2(999, 999));
	ERR(EBADF, rump_sys_dup2(-1, fd));
	EQ(FD_CLOEXEC, rump_sys_fcntl(fd, F_GETFD));
	/* onto another open descriptor: it is closed and replaced */
	other = OK(rump_sys_open("g", O_RDONLY));
	EQ(other, rump_sys_dup2(fd, other));
	OK(rump_sys_fstat(other, &b));
	EQ(a.st_ino, b.st_ino);
	EQ(0, rump_sys_fcntl(other, F_GETFD));
	ERR(EBADF, rump_sys_dup2(fd, -1));
	/* dup3 refuses the same descriptor and unknown flags */
	ERR(EINVAL, rump_sys_dup3(fd, fd, 0));
	ERR(EINVAL, rump_sys_dup3(fd, fd, O_CLOEXEC));
	ERR(EINVAL, rump_sys_dup3(fd, other, 0x4));
	ERR(EINVAL, rump_sys_dup3(fd, other, O_NONBLOCK));
	ERR(EBADF, rump_sys_dup3(999, other, 0));
	EQ(other, rump_sys_dup3(fd, other, O_CLOEXEC));
	EQ(FD_CLOEXEC, rump_sys_fcntl(other, F_GETFD));
	EQ(other, rump_sys_dup3(fd, other, 0));
	EQ(0, rump_sys_fcntl(other, F_GETFD));
	OK(rump_sys_close(other));
	OK(rump_sys_close(fd));
}

static void
fd_dupfd_min(void **state)
{
	struct rlimit rl;

	TDIR();
	t_mkfile("f", "x", 0644);
	fresh_child();
	EQ(0, rump_sys_open("f", O_RDONLY));
	EQ(10, rump_sys_fcntl(0, F_DUPFD, 10));
	EQ(11, rump_sys_fcntl(0, F_DUPFD, 10));
	EQ(0, rump_sys_fcntl(10, F_GETFD));
	EQ(12, rump_sys_fcntl(0, F_DUPFD_CLOEXEC, 10));
	EQ(FD_CLOEXEC, rump_sys_fcntl(12, F_GETFD));
	EQ(1, rump_sys_fcntl(0, F_DUPFD, 0));
	OK(rump_sys_close(10));
	EQ(5, rump_sys_fcntl(0, F_DUPFD, 5));
	EQ(10, rump_sys_fcntl(0, F_DUPFD, 10));
	EQ(13, rump_sys_fcntl(0, F_DUPFD, 10));
	rl.rlim_cur = rl.rlim_max = 64;
	OK(rump_sys_setrlimit(RLIMIT_NOFILE, &rl));
	ERR(EINVAL, rump_sys_fcntl(0, F_DUPFD, -1));
	ERR(EINVAL, rump_sys_fcntl(0, F_DUPFD, (long)rl.rlim_cur));
	ERR(EINVAL, rump_sys_fcntl(0, F_DUPFD_CLOEXEC, (long)rl.rlim_cur));
	ERR(EBADF, rump_sys_dup2(0, (int)rl.rlim_cur));
	EQ(rl.rlim_cur - 1, rump_sys_dup2(0, (int)rl.rlim_cur - 1));
	ERR(EBADF, rump_sys_fcntl(20, F_DUPFD, 0));
	t_unbecome();
}

static void
fd_cloexec(void **state)
{
	int fd, d;

	TDIR();
	t_mkfile("f", "x", 0644);
	fd = OK(rump_sys_open("f", O_RDWR | O_CLOEXEC));
	EQ(FD_CLOEXEC, rump_sys_fcntl(fd, F_GETFD));
	/* O_CLOEXEC is a descriptor flag, not a file status flag */
	EQ(0, rump_sys_fcntl(fd, F_GETFL) & O_CLOEXEC);
	EQ(O_RDWR, rump_sys_fcntl(fd, F_GETFL) & O_ACCMODE);
	d = OK(rump_sys_dup(fd));
	EQ(0, rump_sys_fcntl(d, F_GETFD));
	OK(rump_sys_fcntl(d, F_SETFD, FD_CLOEXEC));
	EQ(FD_CLOEXEC, rump_sys_fcntl(d, F_GETFD));
	/* not shared between duplicates */
	OK(rump_sys_fcntl(fd, F_SETFD, 0));
	EQ(0, rump_sys_fcntl(fd, F_GETFD));
	EQ(FD_CLOEXEC, rump_sys_fcntl(d, F_GETFD));
	/* dup2 clears it on the new descriptor */
	EQ(d, rump_sys_dup2(fd, d));
	EQ(0, rump_sys_fcntl(d, F_GETFD));
	OK(rump_sys_close(d));
	d = OK(rump_sys_fcntl(fd, F_DUPFD_CLOEXEC, 0));
	EQ(FD_CLOEXEC, rump_sys_fcntl(d, F_GETFD));
	OK(rump_sys_close(d));
	OK(rump_sys_close(fd));
	/* pipe2 O_CLOEXEC marks both ends */
	int p[2];
	OK(rump_sys_pipe2(p, O_CLOEXEC));
	EQ(FD_CLOEXEC, rump_sys_fcntl(p[0], F_GETFD));
	EQ(FD_CLOEXEC, rump_sys_fcntl(p[1], F_GETFD));
	OK(rump_sys_close(p[0]));
	OK(rump_sys_close(p[1]));
}

static void
fd_close_bad(void **state)
{
	int fd;

	TDIR();
	t_mkfile("f", "x", 0644);
	ERR(EBADF, rump_sys_close(-1));
	ERR(EBADF, rump_sys_close(INT_MAX));
	ERR(EBADF, rump_sys_close(T_MAXFD - 1));
	fd = OK(rump_sys_open("f", O_RDONLY));
	OK(rump_sys_close(fd));
	ERR(EBADF, rump_sys_close(fd));
	ERR(EBADF, rump_sys_dup(fd));
	ERR(EBADF, rump_sys_fcntl(fd, F_GETFD));
}

static void
fd_emfile(void **state)
{
	struct rlimit rl = { .rlim_cur = 8, .rlim_max = 8 }, got;
	struct lwp *child;
	int p[2];

	TDIR();
	t_mkfile("f", "x", 0644);
	fresh_child();
	child = rump_lwproc_curlwp();
	OK(rump_sys_setrlimit(RLIMIT_NOFILE, &rl));
	OK(rump_sys_getrlimit(RLIMIT_NOFILE, &got));
	EQ(8, got.rlim_cur);
	EQ(8, got.rlim_max);
	for (int i = 0; i < 8; i++)
		EQ(i, rump_sys_open("f", O_RDONLY));
	ERR(EMFILE, rump_sys_open("f", O_RDONLY));
	ERR(EMFILE, rump_sys_dup(0));
	ERR(EMFILE, rump_sys_fcntl(0, F_DUPFD, 0));
	ERR(EMFILE, rump_sys_pipe(p));
	ERR(EBADF, rump_sys_dup2(0, 8));
	OK(rump_sys_close(5));
	EQ(5, rump_sys_open("f", O_RDONLY));
	/* one free slot is not enough for a pipe */
	OK(rump_sys_close(7));
	ERR(EMFILE, rump_sys_pipe(p));
	EQ(7, rump_sys_dup(0));
	/* lowering the limit leaves existing descriptors alone */
	rl.rlim_cur = 4;
	OK(rump_sys_setrlimit(RLIMIT_NOFILE, &rl));
	OK(rump_sys_fcntl(7, F_GETFD));
	OK(rump_sys_close(7));
	ERR(EMFILE, rump_sys_open("f", O_RDONLY));
	/* an unprivileged process cannot raise the hard limit */
	rl.rlim_cur = rl.rlim_max = 16;
	t_become(1000, 1000);
	ERR(EPERM, rump_sys_setrlimit(RLIMIT_NOFILE, &rl));
	rump_lwproc_releaselwp();
	rump_lwproc_switch(child);
	t_unbecome();
}

static void
fd_shared_offset(void **state)
{
	char buf[16];
	int fd, d, fd2;

	TDIR();
	fd = OK(rump_sys_open("f", O_CREAT | O_RDWR, 0644));
	EQ(5, rump_sys_write(fd, "hello", 5));
	d = OK(rump_sys_dup(fd));
	EQ(5, rump_sys_lseek(d, 0, SEEK_CUR));
	EQ(0, rump_sys_lseek(d, 0, SEEK_SET));
	EQ(0, rump_sys_lseek(fd, 0, SEEK_CUR));
	EQ(2, rump_sys_read(fd, buf, 2));
	EQ(3, rump_sys_read(d, buf, 3));
	assert_memory_equal(buf, "llo", 3);
	EQ(5, rump_sys_lseek(fd, 0, SEEK_CUR));
	/* file status flags are shared too */
	OK(rump_sys_fcntl(d, F_SETFL, O_APPEND));
	assert_true((rump_sys_fcntl(fd, F_GETFL) & O_APPEND) != 0);
	EQ(0, rump_sys_lseek(fd, 0, SEEK_SET));
	EQ(1, rump_sys_write(fd, "!", 1));
	EQ(6, rump_sys_lseek(d, 0, SEEK_CUR));
	/* a second open has its own offset and flags */
	fd2 = OK(rump_sys_open("f", O_RDONLY));
	EQ(0, rump_sys_lseek(fd2, 0, SEEK_CUR));
	EQ(0, rump_sys_fcntl(fd2, F_GETFL) & O_APPEND);
	EQ(6, rump_sys_read(fd2, buf, sizeof(buf)));
	assert_memory_equal(buf, "hello!", 6);
	EQ(6, rump_sys_lseek(fd, 0, SEEK_CUR));
	/* F_SETFL cannot change the access mode */
	OK(rump_sys_fcntl(fd2, F_SETFL, O_RDWR));
	EQ(O_RDONLY, rump_sys_fcntl(fd2, F_GETFL) & O_ACCMODE);
	ERR(EBADF, rump_sys_write(fd2, "x", 1));
	OK(rump_sys_close(fd2));
	OK(rump_sys_close(d));
	OK(rump_sys_close(fd));
}

static void
fd_fork_copy(void **state)
{
	struct lwp *child;
	int fd, cfd;

	TDIR();
	t_mkfile("f", "0123456789", 0644);
	fd = OK(rump_sys_open("f", O_RDONLY | O_CLOEXEC));
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	child = rump_lwproc_curlwp();
	assert_non_null(child);
	/* the copy keeps FD_CLOEXEC and shares the open file (offset) */
	EQ(FD_CLOEXEC, rump_sys_fcntl(fd, F_GETFD));
	EQ(4, rump_sys_lseek(fd, 4, SEEK_SET));
	OK(rump_sys_fcntl(fd, F_SETFD, 0));
	cfd = OK(rump_sys_open("f", O_RDONLY));
	rump_lwproc_switch(NULL);
	EQ(4, rump_sys_lseek(fd, 0, SEEK_CUR));
	EQ(FD_CLOEXEC, rump_sys_fcntl(fd, F_GETFD));
	if (cfd != fd && !t_fdbase[cfd])
		ERR(EBADF, rump_sys_fcntl(cfd, F_GETFD));
	rump_lwproc_switch(child);
	OK(rump_sys_close(fd));
	rump_lwproc_releaselwp();
	rump_lwproc_switch(NULL);
	/* closing the child's copy left ours open */
	OK(rump_sys_fcntl(fd, F_GETFD));
	/* RUMP_RFCFDG: nothing inherited */
	EQ(0, rump_lwproc_rfork(RUMP_RFCFDG));
	ERR(EBADF, rump_sys_fcntl(fd, F_GETFD));
	EQ(0, rump_sys_open("f", O_RDONLY));
	t_unbecome();
	OK(rump_sys_fcntl(fd, F_GETFD));
	OK(rump_sys_close(fd));
}

static void
fd_close_range(void **state)
{
	TDIR();
	t_mkfile("f", "x", 0644);
	fresh_child();
	for (int i = 0; i < 10; i++)
		EQ(i, rump_sys_open("f", O_RDONLY));
	OK(rump_sys_close_range(3, 5, 0));
	for (int i = 0; i < 10; i++) {
		if (i >= 3 && i <= 5)
			ERR(EBADF, rump_sys_fcntl(i, F_GETFD));
		else
			EQ(0, rump_sys_fcntl(i, F_GETFD));
	}
	OK(rump_sys_close_range(7, ~0U, CLOSE_RANGE_CLOEXEC));
	EQ(0, rump_sys_fcntl(6, F_GETFD));
	for (int i = 7; i < 10; i++)
		EQ(FD_CLOEXEC, rump_sys_fcntl(i, F_GETFD));
	ERR(EINVAL, rump_sys_close_range(5, 3, 0));
	ERR(EINVAL, rump_sys_close_range(0, ~0U, 0x80));
	/* closing ranges with holes or beyond the table is fine */
	OK(rump_sys_close_range(100, 200, 0));
	OK(rump_sys_close_range(8, 8, 0));
	ERR(EBADF, rump_sys_fcntl(8, F_GETFD));
	OK(rump_sys_close_range(0, ~0U, 0));
	for (int i = 0; i < 10; i++)
		ERR(EBADF, rump_sys_fcntl(i, F_GETFD));
	EQ(0, rump_sys_open("f", O_RDONLY));
	t_unbecome();
}

static void
fd_dup_keeps_object(void **state)
{
	char c;
	int p[2], w2;

	TDIR();
	OK(rump_sys_pipe(p));
	w2 = OK(rump_sys_dup(p[1]));
	OK(rump_sys_close(p[1]));
	/* the pipe is still open for writing through the duplicate */
	EQ(1, rump_sys_write(w2, "a", 1));
	EQ(1, rump_sys_read(p[0], &c, 1));
	EQ('a', c);
	OK(rump_sys_close(w2));
	EQ(0, rump_sys_read(p[0], &c, 1));
	OK(rump_sys_close(p[0]));
}

static void
fd_getfl_setfl(void **state)
{
	int fd, fl;

	TDIR();
	fd = OK(rump_sys_open("f", O_CREAT | O_WRONLY | O_APPEND, 0644));
	fl = OK(rump_sys_fcntl(fd, F_GETFL));
	EQ(O_WRONLY, fl & O_ACCMODE);
	assert_true((fl & O_APPEND) != 0);
	EQ(0, fl & (O_CREAT | O_EXCL | O_TRUNC));
	OK(rump_sys_fcntl(fd, F_SETFL, O_NONBLOCK));
	fl = OK(rump_sys_fcntl(fd, F_GETFL));
	EQ(0, fl & O_APPEND);
	assert_true((fl & O_NONBLOCK) != 0);
	EQ(O_WRONLY, fl & O_ACCMODE);
	OK(rump_sys_close(fd));
}

static void
fd_big_table(void **state)
{
	struct rlimit rl = { .rlim_cur = 4096, .rlim_max = 4096 };

	TDIR();
	t_mkfile("f", "x", 0644);
	fresh_child();
	OK(rump_sys_setrlimit(RLIMIT_NOFILE, &rl));
	EQ(0, rump_sys_open("f", O_RDONLY));
	/* the table grows on demand, far beyond the first slots */
	EQ(4000, rump_sys_dup2(0, 4000));
	EQ(3000, rump_sys_fcntl(0, F_DUPFD, 3000));
	EQ(4095, rump_sys_fcntl(0, F_DUPFD_CLOEXEC, 4095));
	EQ(FD_CLOEXEC, rump_sys_fcntl(4095, F_GETFD));
	EQ(1, rump_sys_dup(4000));
	OK(rump_sys_close_range(1, ~0U, 0));
	ERR(EBADF, rump_sys_fcntl(4000, F_GETFD));
	ERR(EBADF, rump_sys_fcntl(3000, F_GETFD));
	EQ(0, rump_sys_fcntl(0, F_GETFD));
	/* F_SETFD keeps only FD_CLOEXEC; CLOSE_RANGE_UNSHARE is accepted */
	OK(rump_sys_fcntl(0, F_SETFD, 0x11));
	EQ(FD_CLOEXEC, rump_sys_fcntl(0, F_GETFD));
	OK(rump_sys_close_range(100, 200, CLOSE_RANGE_UNSHARE));
	t_unbecome();
}

static const struct CMUnitTest tests[] = {
	T(fd_lowest),
	T(fd_dup2_self),
	T(fd_dupfd_min),
	T(fd_cloexec),
	T(fd_close_bad),
	T(fd_emfile),
	T(fd_shared_offset),
	T(fd_fork_copy),
	T(fd_close_range),
	T(fd_dup_keeps_object),
	T(fd_getfl_setfl),
	T(fd_big_table),
};

T_MAIN("fd", tests)
