/*
 * t_files.c — the successful paths of the file calls on tmpfs: reading
 * and writing (plain, positional, vectored, O_APPEND), lseek incl.
 * SEEK_DATA/SEEK_HOLE, truncation, sparse and dense files, O_PATH, modes,
 * umask, ownership, timestamps, statfs, statx, flock, and the process and
 * system information calls.  Directories are in t_dirs.c.  Results are
 * Linux's.
 */
#include "test_util.h"
#include <poll.h>
#include <sys/random.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>

#define TMPFS_MAGIC_LINUX 0x01021994


static void
files_rw(void **state)
{
	char buf[64];
	int fd;

	TDIR();
	fd = OK(rump_sys_open("f", O_CREAT | O_EXCL | O_RDWR, 0644));
	EQ(11, rump_sys_write(fd, "hello world", 11));
	EQ(11, rump_sys_lseek(fd, 0, SEEK_CUR));
	EQ(0, rump_sys_read(fd, buf, sizeof(buf)));
	EQ(0, rump_sys_lseek(fd, 0, SEEK_SET));
	EQ(5, rump_sys_read(fd, buf, 5));
	assert_memory_equal(buf, "hello", 5);
	EQ(5, rump_sys_pread(fd, buf, 5, 6));
	assert_memory_equal(buf, "world", 5);
	EQ(5, rump_sys_lseek(fd, 0, SEEK_CUR));
	EQ(1, rump_sys_pwrite(fd, "W", 1, 6));
	EQ(5, rump_sys_lseek(fd, 0, SEEK_CUR));
	EQ(3, rump_sys_pread(fd, buf, 10, 8));
	EQ(0, rump_sys_pread(fd, buf, 10, 100));
	EQ(11, rump_sys_lseek(fd, 0, SEEK_END));
	EQ(9, rump_sys_lseek(fd, -2, SEEK_END));
	EQ(10, rump_sys_lseek(fd, 1, SEEK_CUR));
	EQ(0, rump_sys_write(fd, "x", 0));
	OK(rump_sys_close(fd));
	EQ(11, t_readfile("f", buf, sizeof(buf)));
	assert_string_equal(buf, "hello World");
	/* O_TRUNC empties, O_APPEND always writes at the end */
	fd = OK(rump_sys_open("f", O_WRONLY | O_TRUNC));
	EQ(3, rump_sys_write(fd, "abc", 3));
	OK(rump_sys_close(fd));
	fd = OK(rump_sys_open("f", O_WRONLY | O_APPEND));
	EQ(0, rump_sys_lseek(fd, 0, SEEK_SET));
	EQ(3, rump_sys_write(fd, "def", 3));
	EQ(6, rump_sys_lseek(fd, 0, SEEK_CUR));
	OK(rump_sys_close(fd));
	EQ(6, t_readfile("f", buf, sizeof(buf)));
	assert_string_equal(buf, "abcdef");
	/* creat = O_CREAT|O_WRONLY|O_TRUNC */
	fd = OK(rump_sys_creat("f", 0600));
	EQ(O_WRONLY, rump_sys_fcntl(fd, F_GETFL) & O_ACCMODE);
	OK(rump_sys_close(fd));
	EQ(0, t_readfile("f", buf, sizeof(buf)));
}

static void
files_vectors(void **state)
{
	char a[4], b[8], buf[32];
	struct iovec wv[3] = { { "abc", 3 }, { "", 0 }, { "defghij", 7 } };
	struct iovec rv[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	int fd;

	TDIR();
	fd = OK(rump_sys_open("f", O_CREAT | O_RDWR, 0644));
	EQ(10, rump_sys_writev(fd, wv, 3));
	EQ(10, rump_sys_pwritev(fd, wv, 3, 10));
	EQ(10, rump_sys_lseek(fd, 0, SEEK_CUR));
	EQ(12, rump_sys_preadv(fd, rv, 2, 8));
	assert_memory_equal(a, "ijab", 4);
	assert_memory_equal(b, "cdefghij", 8);
	EQ(0, rump_sys_lseek(fd, 0, SEEK_SET));
	EQ(12, rump_sys_readv(fd, rv, 2));
	assert_memory_equal(a, "abcd", 4);
	assert_memory_equal(b, "efghijab", 8);
	EQ(8, rump_sys_readv(fd, rv, 2));
	EQ(0, rump_sys_readv(fd, rv, 2));
	OK(rump_sys_close(fd));
	EQ(20, t_readfile("f", buf, sizeof(buf)));
	assert_string_equal(buf, "abcdefghijabcdefghij");
}

static void
files_truncate_sparse(void **state)
{
	static char buf[8192];
	struct stat st;
	int fd;

	TDIR();
	fd = OK(rump_sys_open("f", O_CREAT | O_RDWR, 0644));
	EQ(3, rump_sys_write(fd, "abc", 3));
	OK(rump_sys_ftruncate(fd, 1));
	OK(rump_sys_fstat(fd, &st));
	EQ(1, st.st_size);
	/* the offset is not moved by truncation; a gap reads as zeros */
	EQ(3, rump_sys_write(fd, "XYZ", 3));
	EQ(6, rump_sys_pread(fd, buf, sizeof(buf), 0));
	assert_memory_equal(buf, "a\0\0XYZ", 6);
	OK(rump_sys_truncate("f", 8000));
	OK(rump_sys_fstat(fd, &st));
	EQ(8000, st.st_size);
	memset(buf, 1, sizeof(buf));
	EQ(8000 - 6, rump_sys_pread(fd, buf, sizeof(buf), 6));
	for (int i = 0; i < 8000 - 6; i++)
		if (buf[i] != 0)
			fail_msg("byte %d after extension is %d", i + 6, buf[i]);
	/* a sparse file far beyond RAM-sized offsets */
	EQ(1, rump_sys_pwrite(fd, "e", 1, (off_t)1 << 34));
	OK(rump_sys_fstat(fd, &st));
	EQ(((off_t)1 << 34) + 1, st.st_size);
	assert_true(st.st_blocks * 512 < (1 << 20));
	EQ(1, rump_sys_pread(fd, buf, 1, ((off_t)1 << 33)));
	EQ(0, buf[0]);
	OK(rump_sys_ftruncate(fd, 0));
	OK(rump_sys_fstat(fd, &st));
	EQ(0, st.st_size);
	/* fallocate mode 0 extends */
	OK(rump_sys_fallocate(fd, 0, 0, 4096));
	OK(rump_sys_fstat(fd, &st));
	EQ(4096, st.st_size);
	OK(rump_sys_fallocate(fd, 0, 100, 10));
	OK(rump_sys_fstat(fd, &st));
	EQ(4096, st.st_size);
	OK(rump_sys_fsync(fd));
	OK(rump_sys_fdatasync(fd));
	OK(rump_sys_syncfs(fd));
	OK(rump_sys_sync());
	OK(rump_sys_close(fd));
}





static void
files_modes(void **state)
{
	struct stat st;
	int fd;

	TDIR();
	OK(rump_sys_umask(027));
	EQ(027, rump_sys_umask(027));
	fd = OK(rump_sys_open("f", O_CREAT | O_WRONLY, 0666));
	OK(rump_sys_fstat(fd, &st));
	EQ(S_IFREG | 0640, st.st_mode);
	OK(rump_sys_close(fd));
	OK(rump_sys_mkdir("d", 0777));
	OK(rump_sys_stat("d", &st));
	EQ(S_IFDIR | 0750, st.st_mode);
	OK(rump_sys_mknod("p", S_IFIFO | 0666, 0));
	OK(rump_sys_stat("p", &st));
	EQ(S_IFIFO | 0640, st.st_mode);
	OK(rump_sys_umask(022));
	OK(rump_sys_chmod("f", 04755));
	OK(rump_sys_stat("f", &st));
	EQ(S_IFREG | 04755, st.st_mode);
	OK(rump_sys_fchmodat(AT_FDCWD, "f", 0600, 0));
	OK(rump_sys_stat("f", &st));
	EQ(0600, st.st_mode & 07777);
	/* chown by root; a non-root write clears set-id bits */
	OK(rump_sys_chown("f", 1000, 1000));
	OK(rump_sys_chmod("f", 06777));
	OK(rump_sys_stat("f", &st));
	EQ(1000, st.st_uid);
	EQ(1000, st.st_gid);
	t_become(1000, 1000);
	fd = OK(rump_sys_open("f", O_WRONLY));
	EQ(1, rump_sys_write(fd, "x", 1));
	OK(rump_sys_close(fd));
	t_unbecome();
	OK(rump_sys_stat("f", &st));
	EQ(0777, st.st_mode & 07777);
	/* a new file's owner is the creator's effective ids */
	t_become(1234, 4321);
	ERR(EACCES, rump_sys_mkdir("/t_files_modes/d2", 0755));
	t_unbecome();
	OK(rump_sys_chmod(".", 0777));
	t_become(1234, 4321);
	OK(rump_sys_mkdir("/t_files_modes/d2", 0755));
	OK(rump_sys_stat("/t_files_modes/d2", &st));
	EQ(1234, st.st_uid);
	EQ(4321, st.st_gid);
	t_unbecome();
}

static void
files_access(void **state)
{
	TDIR();
	t_mkfile("f", "x", 0640);
	OK(rump_sys_chown("f", 1000, 2000));
	OK(rump_sys_access("f", R_OK | W_OK));
	t_become(1000, 1000);
	OK(rump_sys_access("f", R_OK | W_OK));
	ERR(EACCES, rump_sys_access("f", X_OK));
	t_unbecome();
	t_become(1001, 2000);
	OK(rump_sys_access("f", R_OK));
	ERR(EACCES, rump_sys_access("f", W_OK));
	OK(rump_sys_faccessat(AT_FDCWD, "f", R_OK, 0));
	OK(rump_sys_faccessat2(AT_FDCWD, "f", R_OK, AT_EACCESS));
	t_unbecome();
	t_become(1002, 1002);
	ERR(EACCES, rump_sys_access("f", R_OK));
	OK(rump_sys_access("f", F_OK));
	t_unbecome();
}

static void
files_times(void **state)
{
	struct timespec ts[2] = { { 1000, 500 }, { 2000, 600 } };
	struct timespec omit[2] = { { 0, UTIME_OMIT }, { 5, UTIME_NOW } };
	struct timeval now;
	struct stat st;
	int fd;

	TDIR();
	t_mkfile("f", "x", 0644);
	OK(rump_sys_utimensat(AT_FDCWD, "f", ts, 0));
	OK(rump_sys_stat("f", &st));
	EQ(1000, st.st_atim.tv_sec);
	EQ(500, st.st_atim.tv_nsec);
	EQ(2000, st.st_mtim.tv_sec);
	EQ(600, st.st_mtim.tv_nsec);
	OK(rump_sys_gettimeofday(&now, NULL));
	/* UTIME_OMIT keeps atime, UTIME_NOW sets mtime to now */
	OK(rump_sys_utimensat(AT_FDCWD, "f", omit, 0));
	OK(rump_sys_stat("f", &st));
	EQ(1000, st.st_atim.tv_sec);
	assert_true(st.st_mtim.tv_sec >= now.tv_sec - 1);
	assert_true(st.st_ctim.tv_sec >= now.tv_sec - 1);
	fd = OK(rump_sys_open("f", O_RDWR));
	OK(rump_sys_futimens(fd, ts));
	OK(rump_sys_fstat(fd, &st));
	EQ(2000, st.st_mtim.tv_sec);
	/* writing updates mtime */
	EQ(1, rump_sys_write(fd, "y", 1));
	OK(rump_sys_fstat(fd, &st));
	assert_true(st.st_mtim.tv_sec >= now.tv_sec - 1);
	OK(rump_sys_utimensat(fd, NULL, ts, 0));
	OK(rump_sys_fstat(fd, &st));
	EQ(2000, st.st_mtim.tv_sec);
	OK(rump_sys_close(fd));
	/* AT_SYMLINK_NOFOLLOW sets the link's own times */
	OK(rump_sys_symlink("f", "l"));
	OK(rump_sys_utimensat(AT_FDCWD, "l", ts, AT_SYMLINK_NOFOLLOW));
	OK(rump_sys_lstat("l", &st));
	EQ(2000, st.st_mtim.tv_sec);
}

static void
files_statfs_statx(void **state)
{
	struct statfs a, b;
	struct statx stx;
	struct stat st;
	int fd;

	TDIR();
	t_mkfile("f", "12345", 0644);
	OK(rump_sys_statfs("f", &a));
	EQ(TMPFS_MAGIC_LINUX, a.f_type);
	assert_true(a.f_bsize > 0);
	fd = OK(rump_sys_open("f", O_RDONLY));
	OK(rump_sys_fstatfs(fd, &b));
	EQ(a.f_type, b.f_type);
	memset(&stx, 0, sizeof(stx));
	OK(rump_sys_statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, &stx));
	OK(rump_sys_fstat(fd, &st));
	assert_true((stx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS);
	EQ(st.st_ino, stx.stx_ino);
	EQ(5, stx.stx_size);
	EQ(st.st_mode, stx.stx_mode);
	EQ(st.st_nlink, stx.stx_nlink);
	EQ(st.st_mtim.tv_sec, stx.stx_mtime.tv_sec);
	EQ(major(st.st_dev), stx.stx_dev_major);
	EQ(minor(st.st_dev), stx.stx_dev_minor);
	OK(rump_sys_newfstatat(AT_FDCWD, "f", &st, 0));
	EQ(stx.stx_ino, st.st_ino);
	OK(rump_sys_close(fd));
}

static void
files_identity(void **state)
{
	struct utsname u;
	struct rlimit rl;
	gid_t groups[8] = { 5, 6 }, got[8];
	struct timespec a, b, req = { 0, 20 * 1000 * 1000 };
	struct timeval tv;
	unsigned char r1[32], r2[32];

	EQ(1, rump_sys_getpid());
	EQ(0, rump_sys_getuid());
	EQ(0, rump_sys_geteuid());
	EQ(0, rump_sys_getgid());
	EQ(0, rump_sys_getegid());
	OK(rump_sys_uname(&u));
	assert_true(strlen(u.sysname) > 0);
	assert_true(strlen(u.machine) > 0);
	OK(rump_sys_getrlimit(RLIMIT_NOFILE, &rl));
	assert_true(rl.rlim_cur > 3 && rl.rlim_cur <= rl.rlim_max);
	/* credentials of a child */
	t_become(1000, 1000);
	EQ(1000, rump_sys_getuid());
	EQ(1000, rump_sys_getgid());
	EQ(0, rump_sys_getgroups(0, NULL));
	t_unbecome();
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	OK(rump_sys_setgroups(2, groups));
	EQ(2, rump_sys_getgroups(0, NULL));
	EQ(2, rump_sys_getgroups(8, got));
	EQ(5, got[0]);
	EQ(6, got[1]);
	ERR(EINVAL, rump_sys_getgroups(1, got));
	OK(rump_sys_setegid(7));
	EQ(7, rump_sys_getegid());
	EQ(0, rump_sys_getgid());
	OK(rump_sys_seteuid(1000));
	EQ(1000, rump_sys_geteuid());
	EQ(0, rump_sys_getuid());
	/* the saved id lets it come back */
	OK(rump_sys_seteuid(0));
	EQ(0, rump_sys_geteuid());
	t_unbecome();
	/* time */
	OK(rump_sys_clock_gettime(CLOCK_MONOTONIC, &a));
	OK(rump_sys_nanosleep(&req, NULL));
	OK(rump_sys_clock_gettime(CLOCK_MONOTONIC, &b));
	assert_true((b.tv_sec - a.tv_sec) * 1000000000L +
	    (b.tv_nsec - a.tv_nsec) >= 20 * 1000 * 1000);
	OK(rump_sys_gettimeofday(&tv, NULL));
	OK(rump_sys_clock_gettime(CLOCK_REALTIME, &a));
	assert_true(a.tv_sec - tv.tv_sec <= 1 && a.tv_sec >= tv.tv_sec);
	EQ(sizeof(r1), rump_sys_getrandom(r1, sizeof(r1), 0));
	EQ(sizeof(r2), rump_sys_getrandom(r2, sizeof(r2), GRND_NONBLOCK));
	assert_true(memcmp(r1, r2, sizeof(r1)) != 0);
}

static void
files_flock(void **state)
{
	int fd1, fd2, d;

	TDIR();
	t_mkfile("f", "x", 0644);
	fd1 = OK(rump_sys_open("f", O_RDONLY));
	fd2 = OK(rump_sys_open("f", O_RDONLY));
	OK(rump_sys_flock(fd1, LOCK_SH));
	OK(rump_sys_flock(fd2, LOCK_SH | LOCK_NB));
	ERR(EWOULDBLOCK, rump_sys_flock(fd2, LOCK_EX | LOCK_NB));
	OK(rump_sys_flock(fd1, LOCK_UN));
	OK(rump_sys_flock(fd2, LOCK_EX | LOCK_NB));
	/* the lock belongs to the open file: a dup shares it */
	d = OK(rump_sys_dup(fd2));
	OK(rump_sys_close(fd2));
	ERR(EWOULDBLOCK, rump_sys_flock(fd1, LOCK_SH | LOCK_NB));
	OK(rump_sys_close(d));
	OK(rump_sys_flock(fd1, LOCK_EX | LOCK_NB));
	OK(rump_sys_close(fd1));
}


static void
files_append_pwrite(void **state)
{
	char buf[16];
	int fd;

	TDIR();
	t_mkfile("f", "12345", 0644);
	fd = OK(rump_sys_open("f", O_WRONLY | O_APPEND));
	/* Linux: pwrite on an O_APPEND descriptor appends anyway */
	EQ(1, rump_sys_pwrite(fd, "X", 1, 0));
	OK(rump_sys_close(fd));
	EQ(6, t_readfile("f", buf, sizeof(buf)));
	assert_string_equal(buf, "12345X");
	/* O_RDONLY|O_TRUNC still truncates */
	fd = OK(rump_sys_open("f", O_RDONLY | O_TRUNC));
	OK(rump_sys_close(fd));
	EQ(0, t_readfile("f", buf, sizeof(buf)));
	/* O_EXCL without O_CREAT is ignored */
	fd = OK(rump_sys_open("f", O_RDONLY | O_EXCL));
	OK(rump_sys_close(fd));
}

static void
files_seek_data(void **state)
{
	int fd;

	TDIR();
	t_mkfile("f", "123456", 0644);
	fd = OK(rump_sys_open("f", O_RDONLY));
	EQ(0, rump_sys_lseek(fd, 0, SEEK_DATA));
	EQ(6, rump_sys_lseek(fd, 0, SEEK_HOLE));
	EQ(6, rump_sys_lseek(fd, 3, SEEK_HOLE));
	ERR(ENXIO, rump_sys_lseek(fd, 6, SEEK_DATA));
	ERR(ENXIO, rump_sys_lseek(fd, 6, SEEK_HOLE));
	ERR(ENXIO, rump_sys_lseek(fd, 100, SEEK_HOLE));
	OK(rump_sys_close(fd));
	fd = OK(rump_sys_open("e", O_CREAT | O_RDONLY, 0644));
	ERR(ENXIO, rump_sys_lseek(fd, 0, SEEK_DATA));
	OK(rump_sys_close(fd));
}

static void
files_opath(void **state)
{
	struct stat st;
	char buf[4];
	int fd, dfd, f2;

	TDIR();
	t_mkfile("f", "x", 0);
	OK(rump_sys_mkdir("d", 0755));
	t_become(1000, 1000);
	/* O_PATH needs no permission on the file itself */
	fd = OK(rump_sys_open("f", O_PATH));
	OK(rump_sys_fstat(fd, &st));
	EQ(0, st.st_mode & 07777);
	assert_true((rump_sys_fcntl(fd, F_GETFL) & O_PATH) != 0);
	ERR(EBADF, rump_sys_read(fd, buf, 1));
	ERR(EBADF, rump_sys_write(fd, buf, 1));
	ERR(EBADF, rump_sys_fchmod(fd, 0644));
	ERR(EBADF, rump_sys_fchown(fd, 0, 0));
	ERR(EBADF, rump_sys_ftruncate(fd, 0));
	ERR(EBADF, rump_sys_flock(fd, LOCK_SH));
	ERR(EBADF, rump_sys_lseek(fd, 0, SEEK_SET));
	ERR(EBADF, rump_sys_fsync(fd));
	ERR(EBADF, rump_sys_futimens(fd, NULL));
	f2 = OK(rump_sys_dup(fd));
	OK(rump_sys_close(f2));
	OK(rump_sys_close(fd));
	t_unbecome();
	/* an O_PATH directory works as a dirfd and for fchdir */
	dfd = OK(rump_sys_open("d", O_PATH | O_DIRECTORY));
	fd = OK(rump_sys_openat(dfd, "g", O_CREAT | O_WRONLY, 0644));
	OK(rump_sys_close(fd));
	ERR(EBADF, rump_sys_getdents64(dfd, buf, sizeof(buf)));
	OK(rump_sys_fchdir(dfd));
	OK(rump_sys_stat("g", &st));
	OK(rump_sys_close(dfd));
	/* O_PATH|O_NOFOLLOW opens the link itself */
	OK(rump_sys_symlink("f", "/t_files_opath/l"));
	fd = OK(rump_sys_open("/t_files_opath/l", O_PATH | O_NOFOLLOW));
	OK(rump_sys_fstat(fd, &st));
	assert_true(S_ISLNK(st.st_mode));
	OK(rump_sys_close(fd));
}



static void
files_chown_suid(void **state)
{
	struct stat st;

	TDIR();
	t_mkfile("f", "", 0644);
	OK(rump_sys_chmod("f", 06755));
	OK(rump_sys_chown("f", 1, 1));
	OK(rump_sys_stat("f", &st));
	EQ(0755, st.st_mode & 07777);
	/* without group execute, S_ISGID means mandatory locking: kept */
	OK(rump_sys_chmod("f", 02644));
	OK(rump_sys_chown("f", 2, 2));
	OK(rump_sys_stat("f", &st));
	EQ(02644, st.st_mode & 07777);
	/* a non-member owner cannot set S_ISGID for a foreign group */
	OK(rump_sys_chown("f", 1000, 0));
	t_become(1000, 1000);
	OK(rump_sys_chmod("/t_files_chown_suid/f", 02755));
	t_unbecome();
	OK(rump_sys_stat("f", &st));
	EQ(0755, st.st_mode & 07777);
}

static void
files_access_real(void **state)
{
	TDIR();
	t_mkfile("f", "x", 0600);
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	OK(rump_sys_seteuid(1000));
	/* access() asks about the real uid (root), open() uses the euid */
	OK(rump_sys_access("f", R_OK));
	ERR(EACCES, rump_sys_faccessat(AT_FDCWD, "f", R_OK, AT_EACCESS));
	ERR(EACCES, rump_sys_open("f", O_RDONLY));
	OK(rump_sys_seteuid(0));
	t_unbecome();
}

static void
files_statfs_size(void **state)
{
	struct statfs sf;

	TDIR();
	OK(rump_sys_mkdir("mnt", 0755));
	OK(rump_sys_mount("tmpfs", "mnt", "tmpfs", 0, "size=1m"));
	OK(rump_sys_statfs("mnt", &sf));
	EQ(TMPFS_MAGIC_LINUX, sf.f_type);
	EQ(1024 * 1024, (long)sf.f_blocks * sf.f_bsize);
	EQ(sf.f_blocks, sf.f_bfree);
	t_mkfile("mnt/f", "", 0644);
	int fd = OK(rump_sys_open("mnt/f", O_WRONLY));
	static char blk[65536];
	EQ(sizeof(blk), rump_sys_write(fd, blk, sizeof(blk)));
	OK(rump_sys_close(fd));
	OK(rump_sys_statfs("mnt", &sf));
	EQ(sf.f_blocks - 65536 / sf.f_bsize, sf.f_bfree);
	OK(rump_sys_unlink("mnt/f"));
	OK(rump_sys_umount2("mnt", 0));
}


static void
files_mknod_kinds(void **state)
{
	struct stat st;

	TDIR();
	OK(rump_sys_mknod("r0", 0644, 0));
	OK(rump_sys_stat("r0", &st));
	assert_true(S_ISREG(st.st_mode));
	OK(rump_sys_mknodat(AT_FDCWD, "r1", S_IFREG | 0644, 0));
	OK(rump_sys_stat("r1", &st));
	assert_true(S_ISREG(st.st_mode));
	EQ(0, st.st_size);
	OK(rump_sys_mknod("p", S_IFIFO | 0644, 0));
	OK(rump_sys_stat("p", &st));
	assert_true(S_ISFIFO(st.st_mode));
	OK(rump_sys_unlink("p"));
}

static void
files_shrink_zero(void **state)
{
	static char buf[20000];
	int fd;

	TDIR();
	fd = OK(rump_sys_open("f", O_CREAT | O_RDWR, 0644));
	memset(buf, 'x', sizeof(buf));
	EQ(sizeof(buf), rump_sys_write(fd, buf, sizeof(buf)));
	/* shrink into the middle of a page, then grow: no stale bytes */
	OK(rump_sys_ftruncate(fd, 5000));
	OK(rump_sys_ftruncate(fd, 20000));
	memset(buf, 1, sizeof(buf));
	EQ(20000, rump_sys_pread(fd, buf, sizeof(buf), 0));
	for (int i = 0; i < 20000; i++) {
		char want = i < 5000 ? 'x' : 0;

		if (buf[i] != want)
			fail_msg("byte %d is %d after shrink and grow", i, buf[i]);
	}
	/* the same when the file grows by writing past its end */
	OK(rump_sys_ftruncate(fd, 4097));
	EQ(1, rump_sys_pwrite(fd, "e", 1, 12000));
	EQ(12001, rump_sys_pread(fd, buf, sizeof(buf), 0));
	for (int i = 4097; i < 12000; i++)
		if (buf[i] != 0)
			fail_msg("byte %d is %d after shrink and write", i, buf[i]);
	EQ('x', buf[4096]);
	EQ('e', buf[12000]);
	OK(rump_sys_close(fd));
}




static void
files_dense(void **state)
{
	static unsigned char buf[1 << 20];
	const int mib = 16;
	unsigned char b[7];
	int fd;

	TDIR();
	fd = OK(rump_sys_open("f", O_CREAT | O_RDWR, 0644));
	for (int m = 0; m < mib; m++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (unsigned char)((m * sizeof(buf) + i) % 251);
		EQ(sizeof(buf), rump_sys_write(fd, buf, sizeof(buf)));
	}
	/* unaligned reads across page boundaries */
	for (long off = 4093; off < (long)mib << 20; off += 999983) {
		EQ(sizeof(b), rump_sys_pread(fd, b, sizeof(b), off));
		for (size_t i = 0; i < sizeof(b); i++)
			if (b[i] != (unsigned char)((off + (long)i) % 251))
				fail_msg("byte %ld wrong", off + (long)i);
	}
	struct stat st;
	OK(rump_sys_fstat(fd, &st));
	EQ((long)mib << 20, st.st_size);
	assert_true(st.st_blocks * 512 >= ((long)mib << 20));
	OK(rump_sys_close(fd));
	OK(rump_sys_unlink("f"));
}

static void
files_huge_offsets(void **state)
{
	char buf[16];
	struct stat st;
	int fd;

	TDIR();
	fd = OK(rump_sys_open("f", O_CREAT | O_RDWR, 0644));
	EQ(4, rump_sys_write(fd, "abcd", 4));
	/* tmpfs files may be as large as off_t allows (Linux tmpfs) */
	ERR(EINVAL, rump_sys_pread(fd, buf, 10, LLONG_MAX - 5));
	ERR(EINVAL, rump_sys_pread(fd, buf, 10, LLONG_MAX));
	EQ(1, rump_sys_pwrite(fd, "x", 1, LLONG_MAX - 1));
	ERR(EINVAL, rump_sys_pwrite(fd, "xy", 2, LLONG_MAX - 1));
	OK(rump_sys_fstat(fd, &st));
	EQ(LLONG_MAX, st.st_size);
	ERR(EINVAL, rump_sys_pread(fd, buf, 10, LLONG_MAX - 1));
	EQ(1, rump_sys_pread(fd, buf, 1, LLONG_MAX - 1));
	EQ('x', buf[0]);
	EQ(LLONG_MAX, rump_sys_lseek(fd, LLONG_MAX, SEEK_SET));
	ERR(EINVAL, rump_sys_lseek(fd, 1, SEEK_CUR));
	OK(rump_sys_ftruncate(fd, 1LL << 62));
	OK(rump_sys_fstat(fd, &st));
	EQ(1LL << 62, st.st_size);
	OK(rump_sys_ftruncate(fd, LLONG_MAX));
	OK(rump_sys_ftruncate(fd, 4));
	EQ(4, rump_sys_pread(fd, buf, sizeof(buf), 0));
	assert_memory_equal(buf, "abcd", 4);
	OK(rump_sys_close(fd));
}

static void
files_seek_hole_sparse(void **state)
{
	int fd;

	TDIR();
	fd = OK(rump_sys_open("f", O_CREAT | O_RDWR, 0644));
	EQ(1, rump_sys_pwrite(fd, "x", 1, 1LL << 40));
	/* Linux tmpfs reports the hole before the only data page */
	EQ(1LL << 40, rump_sys_lseek(fd, 0, SEEK_DATA));
	EQ(0, rump_sys_lseek(fd, 0, SEEK_HOLE));
	EQ(1LL << 40, rump_sys_lseek(fd, (1LL << 40) - 1, SEEK_DATA));
	EQ((1LL << 40) + 1, rump_sys_lseek(fd, 1LL << 40, SEEK_HOLE));
	OK(rump_sys_close(fd));
}

static void
files_poll_regular(void **state)
{
	struct pollfd pf[2];
	int fd, z;

	TDIR();
	t_mkfile("f", "x", 0644);
	fd = OK(rump_sys_open("f", O_RDWR));
	z = OK(rump_sys_open("/dev/zero", O_RDWR));
	/* regular files and these devices are always ready */
	pf[0] = (struct pollfd){ .fd = fd, .events = POLLIN | POLLOUT };
	pf[1] = (struct pollfd){ .fd = z, .events = POLLIN | POLLOUT };
	EQ(2, rump_sys_poll(pf, 2, 1000));
	EQ(POLLIN | POLLOUT, pf[0].revents);
	EQ(POLLIN | POLLOUT, pf[1].revents);
	OK(rump_sys_close(z));
	OK(rump_sys_close(fd));
}

static const struct CMUnitTest tests[] = {
	T(files_rw),
	T(files_vectors),
	T(files_truncate_sparse),
	T(files_modes),
	T(files_access),
	T(files_times),
	T(files_statfs_statx),
	T(files_identity),
	T(files_flock),
	T(files_append_pwrite),
	T(files_seek_data),
	T(files_opath),
	T(files_chown_suid),
	T(files_access_real),
	T(files_statfs_size),
	T(files_mknod_kinds),
	T(files_shrink_zero),
	T(files_dense),
	T(files_huge_offsets),
	T(files_seek_hole_sparse),
	T(files_poll_regular),
};

T_MAIN("files", tests)
