/*
 * t_files.c — the successful paths of the file system calls on tmpfs:
 * reading and writing (plain, positional, vectored, O_APPEND), lseek,
 * truncation and sparse files, getdents64, rename in all its forms, hard
 * and symbolic links, modes, umask, ownership, timestamps, statfs, statx,
 * and the process/system information calls.  Results are Linux's.
 */
#include "test_util.h"
#include <sys/random.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/sysmacros.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>

#define TMPFS_MAGIC_LINUX 0x01021994

struct dirent64_hdr {
	uint64_t	d_ino;
	int64_t		d_off;
	unsigned short	d_reclen;
	unsigned char	d_type;
	char		d_name[];
};

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

/* Lists a directory with getdents64 into names; returns the count. */
static int
list_dir(const char *path, char (*names)[64], int max, size_t bufsize)
{
	char buf[4096];
	int fd = OK(rump_sys_open(path, O_RDONLY | O_DIRECTORY));
	int n = 0;
	ssize_t len;

	assert_true(bufsize <= sizeof(buf));
	while ((len = OK(rump_sys_getdents64(fd, buf, bufsize))) > 0) {
		for (ssize_t off = 0; off < len;) {
			struct dirent64_hdr *d = (void *)(buf + off);

			assert_true(d->d_reclen > 0);
			assert_true(n < max);
			snprintf(names[n++], 64, "%s:%d", d->d_name, d->d_type);
			off += d->d_reclen;
		}
	}
	OK(rump_sys_close(fd));
	return n;
}

static int
cmp64(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
files_getdents(void **state)
{
	static char names[300][64];
	char want[64];
	int n;

	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	for (int i = 0; i < 200; i++) {
		snprintf(want, sizeof(want), "d/file%03d", i);
		t_mkfile(want, "", 0644);
	}
	OK(rump_sys_mkdir("d/sub", 0755));
	OK(rump_sys_symlink("x", "d/link"));
	OK(rump_sys_mknod("d/fifo", S_IFIFO | 0644, 0));
	/* a small buffer forces many calls: nothing lost or repeated */
	n = list_dir("d", names, 300, 100);
	EQ(205, n);
	qsort(names, (size_t)n, sizeof(names[0]), cmp64);
	assert_string_equal(names[0], "..:4");
	assert_string_equal(names[1], ".:4");
	assert_string_equal(names[2], "fifo:1");
	assert_string_equal(names[3], "file000:8");
	assert_string_equal(names[202], "file199:8");
	assert_string_equal(names[203], "link:10");
	assert_string_equal(names[204], "sub:4");
	n = list_dir("d", names, 300, 4096);
	EQ(205, n);
	/* after removals */
	for (int i = 0; i < 200; i++) {
		snprintf(want, sizeof(want), "d/file%03d", i);
		OK(rump_sys_unlink(want));
	}
	n = list_dir("d", names, 300, 4096);
	EQ(5, n);
}

static void
files_rename(void **state)
{
	char buf[16];
	struct stat st;
	ino_t fi, gi, di;

	TDIR();
	OK(rump_sys_mkdir("a", 0755));
	OK(rump_sys_mkdir("b", 0755));
	t_mkfile("a/f", "F", 0644);
	t_mkfile("b/g", "G", 0644);
	fi = t_ino("a/f");
	gi = t_ino("b/g");
	/* across directories, replacing a file */
	OK(rump_sys_rename("a/f", "b/g"));
	ERR(ENOENT, rump_sys_stat("a/f", &st));
	EQ(fi, t_ino("b/g"));
	EQ(1, t_readfile("b/g", buf, sizeof(buf)));
	assert_string_equal(buf, "F");
	/* onto itself and onto a hard link of itself: nothing happens */
	OK(rump_sys_rename("b/g", "b/g"));
	OK(rump_sys_link("b/g", "b/h"));
	OK(rump_sys_rename("b/g", "b/h"));
	OK(rump_sys_stat("b/g", &st));
	EQ(2, st.st_nlink);
	OK(rump_sys_unlink("b/h"));
	/* directories move with their ".." and link counts */
	OK(rump_sys_mkdir("a/sub", 0755));
	di = t_ino("a/sub");
	OK(rump_sys_stat("a", &st));
	EQ(3, st.st_nlink);
	OK(rump_sys_rename("a/sub", "b/sub"));
	EQ(di, t_ino("b/sub"));
	EQ(t_ino("b"), t_ino("b/sub/.."));
	OK(rump_sys_stat("a", &st));
	EQ(2, st.st_nlink);
	OK(rump_sys_stat("b", &st));
	EQ(3, st.st_nlink);
	/* a directory may replace an empty directory */
	OK(rump_sys_mkdir("a/empty", 0755));
	OK(rump_sys_rename("b/sub", "a/empty"));
	EQ(di, t_ino("a/empty"));
	/* RENAME_NOREPLACE onto a free name, RENAME_EXCHANGE swaps */
	t_mkfile("x", "X", 0644);
	gi = t_ino("x");
	OK(rump_sys_renameat2(AT_FDCWD, "x", AT_FDCWD, "y", RENAME_NOREPLACE));
	EQ(gi, t_ino("y"));
	OK(rump_sys_renameat2(AT_FDCWD, "y", AT_FDCWD, "a/empty",
	    RENAME_EXCHANGE));
	EQ(gi, t_ino("a/empty"));
	EQ(di, t_ino("y"));
	EQ(t_ino("."), t_ino("y/.."));
	OK(rump_sys_renameat(AT_FDCWD, "y", AT_FDCWD, "z"));
	EQ(di, t_ino("z"));
}

static void
files_links(void **state)
{
	char buf[64];
	struct stat st;
	int fd;

	TDIR();
	t_mkfile("f", "data", 0644);
	OK(rump_sys_link("f", "g"));
	OK(rump_sys_linkat(AT_FDCWD, "g", AT_FDCWD, "h", 0));
	OK(rump_sys_stat("f", &st));
	EQ(3, st.st_nlink);
	EQ(st.st_ino, t_ino("h"));
	fd = OK(rump_sys_open("f", O_RDONLY));
	OK(rump_sys_unlink("f"));
	OK(rump_sys_unlink("g"));
	OK(rump_sys_fstat(fd, &st));
	EQ(1, st.st_nlink);
	/* an unlinked file stays readable while open */
	OK(rump_sys_unlink("h"));
	OK(rump_sys_fstat(fd, &st));
	EQ(0, st.st_nlink);
	EQ(4, rump_sys_read(fd, buf, sizeof(buf)));
	assert_memory_equal(buf, "data", 4);
	OK(rump_sys_close(fd));
	/* symlinks: size, readlink, readlinkat */
	OK(rump_sys_symlinkat("some/target", AT_FDCWD, "s"));
	OK(rump_sys_lstat("s", &st));
	assert_true(S_ISLNK(st.st_mode));
	EQ(11, st.st_size);
	EQ(11, rump_sys_readlinkat(AT_FDCWD, "s", buf, sizeof(buf)));
	assert_memory_equal(buf, "some/target", 11);
	/* directory link counts */
	OK(rump_sys_mkdir("d", 0755));
	OK(rump_sys_stat("d", &st));
	EQ(2, st.st_nlink);
	OK(rump_sys_mkdir("d/e", 0755));
	OK(rump_sys_stat("d", &st));
	EQ(3, st.st_nlink);
	OK(rump_sys_rmdir("d/e"));
	OK(rump_sys_stat("d", &st));
	EQ(2, st.st_nlink);
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
files_dir_times(void **state)
{
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
	struct timeval now;
	struct stat st;

	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	OK(rump_sys_gettimeofday(&now, NULL));
	OK(rump_sys_utimensat(AT_FDCWD, "d", old, 0));
	t_mkfile("d/f", "", 0644);
	OK(rump_sys_stat("d", &st));
	assert_true(st.st_mtim.tv_sec >= now.tv_sec - 1);
	assert_true(st.st_ctim.tv_sec >= now.tv_sec - 1);
	OK(rump_sys_utimensat(AT_FDCWD, "d", old, 0));
	OK(rump_sys_unlink("d/f"));
	OK(rump_sys_stat("d", &st));
	assert_true(st.st_mtim.tv_sec >= now.tv_sec - 1);
	/* chmod changes ctime only */
	t_mkfile("g", "", 0644);
	OK(rump_sys_utimensat(AT_FDCWD, "g", old, 0));
	OK(rump_sys_chmod("g", 0600));
	OK(rump_sys_stat("g", &st));
	EQ(1000, st.st_mtim.tv_sec);
	EQ(1000, st.st_atim.tv_sec);
	assert_true(st.st_ctim.tv_sec >= now.tv_sec - 1);
}

static void
files_setgid_sticky(void **state)
{
	struct stat st;

	TDIR();
	OK(rump_sys_chmod(".", 0777));
	/* a set-group-ID directory hands its group down */
	OK(rump_sys_mkdir("sg", 0777));
	OK(rump_sys_chown("sg", 0, 500));
	OK(rump_sys_chmod("sg", 02777));
	t_become(1000, 1000);
	t_mkfile("/t_files_setgid_sticky/sg/f", "", 0644);
	OK(rump_sys_mkdir("/t_files_setgid_sticky/sg/sub", 0755));
	t_unbecome();
	OK(rump_sys_stat("sg/f", &st));
	EQ(1000, st.st_uid);
	EQ(500, st.st_gid);
	OK(rump_sys_stat("sg/sub", &st));
	EQ(500, st.st_gid);
	assert_true((st.st_mode & S_ISGID) != 0);
	/* in a sticky directory the directory's owner may remove others' files */
	OK(rump_sys_mkdir("st", 0777));
	OK(rump_sys_chown("st", 2000, 2000));
	OK(rump_sys_chmod("st", 01777));
	t_become(1000, 1000);
	t_mkfile("/t_files_setgid_sticky/st/a", "", 0666);
	t_mkfile("/t_files_setgid_sticky/st/b", "", 0666);
	t_unbecome();
	t_become(3000, 3000);
	ERR(EPERM, rump_sys_unlink("/t_files_setgid_sticky/st/a"));
	t_unbecome();
	t_become(2000, 2000);
	OK(rump_sys_unlink("/t_files_setgid_sticky/st/a"));
	t_unbecome();
	t_become(1000, 1000);
	OK(rump_sys_unlink("/t_files_setgid_sticky/st/b"));
	t_unbecome();
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
files_dir_rewind(void **state)
{
	static char a[50][64], b[50][64];
	int n, m;

	TDIR();
	for (int i = 0; i < 20; i++) {
		char name[16];

		snprintf(name, sizeof(name), "n%d", i);
		t_mkfile(name, "", 0644);
	}
	int fd = OK(rump_sys_open(".", O_RDONLY | O_DIRECTORY));
	char buf[4096];
	ssize_t len = OK(rump_sys_getdents64(fd, buf, sizeof(buf)));
	n = 0;
	for (ssize_t off = 0; off < len; n++) {
		struct dirent64_hdr *d = (void *)(buf + off);
		snprintf(a[n], 64, "%s", d->d_name);
		off += d->d_reclen;
	}
	EQ(0, rump_sys_getdents64(fd, buf, sizeof(buf)));
	EQ(0, rump_sys_lseek(fd, 0, SEEK_SET));
	len = OK(rump_sys_getdents64(fd, buf, sizeof(buf)));
	m = 0;
	for (ssize_t off = 0; off < len; m++) {
		struct dirent64_hdr *d = (void *)(buf + off);
		snprintf(b[m], 64, "%s", d->d_name);
		off += d->d_reclen;
	}
	EQ(22, n);
	EQ(n, m);
	for (int i = 0; i < n; i++)
		assert_string_equal(a[i], b[i]);
	OK(rump_sys_close(fd));
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
files_mode_bits(void **state)
{
	struct stat st;
	struct statfs sf;
	int fd;

	TDIR();
	OK(rump_sys_umask(022));
	OK(rump_sys_mkdir("s", 01777));
	OK(rump_sys_stat("s", &st));
	EQ(S_IFDIR | 01755, st.st_mode);
	OK(rump_sys_mkdir("u", 07777));
	OK(rump_sys_stat("u", &st));
	EQ(S_IFDIR | 01755, st.st_mode);
	fd = OK(rump_sys_open("cr", O_CREAT | O_WRONLY, 07777));
	OK(rump_sys_fstat(fd, &st));
	EQ(S_IFREG | 07755, st.st_mode);
	OK(rump_sys_close(fd));
	OK(rump_sys_umask(077));
	OK(rump_sys_symlink("x", "sl"));
	OK(rump_sys_lstat("sl", &st));
	EQ(S_IFLNK | 0777, st.st_mode);
	OK(rump_sys_statfs(".", &sf));
	EQ(255, sf.f_namelen);
}

static void
files_getdents_unlink(void **state)
{
	static char seen[200];
	char buf[512], name[32];
	int fd, total = 0;
	ssize_t len;

	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "d/e%d", i);
		t_mkfile(name, "", 0644);
	}
	/* removing entries already returned must not skip or repeat others */
	fd = OK(rump_sys_open("d", O_RDONLY | O_DIRECTORY));
	while ((len = OK(rump_sys_getdents64(fd, buf, sizeof(buf)))) > 0) {
		for (ssize_t off = 0; off < len;) {
			struct dirent64_hdr *d = (void *)(buf + off);
			int i;

			off += d->d_reclen;
			if (d->d_name[0] == '.')
				continue;
			assert_int_equal(1, sscanf(d->d_name, "e%d", &i));
			if (seen[i]++)
				fail_msg("%s returned twice", d->d_name);
			total++;
			snprintf(name, sizeof(name), "d/%s", d->d_name);
			OK(rump_sys_unlink(name));
		}
	}
	EQ(200, total);
	OK(rump_sys_close(fd));
	OK(rump_sys_rmdir("d"));
}

static const struct CMUnitTest tests[] = {
	T(files_rw),
	T(files_vectors),
	T(files_truncate_sparse),
	T(files_getdents),
	T(files_rename),
	T(files_links),
	T(files_modes),
	T(files_access),
	T(files_times),
	T(files_statfs_statx),
	T(files_identity),
	T(files_flock),
	T(files_append_pwrite),
	T(files_seek_data),
	T(files_opath),
	T(files_dir_times),
	T(files_setgid_sticky),
	T(files_chown_suid),
	T(files_access_real),
	T(files_statfs_size),
	T(files_dir_rewind),
	T(files_mknod_kinds),
	T(files_shrink_zero),
	T(files_mode_bits),
	T(files_getdents_unlink),
};

T_MAIN("files", tests)
