/*
 * t_dirs.c — directories on tmpfs: getdents64 (small buffers, rewinding,
 * removal while iterating, 10,000 entries), rename in all its forms, hard
 * and symbolic links and link counts, directory timestamps, the mode bits
 * mkdir/open/symlink create, and set-group-ID and sticky directories.
 */
#include "test_util.h"
#include <sys/statfs.h>

struct dirent64_hdr {
	uint64_t	d_ino;
	int64_t		d_off;
	unsigned short	d_reclen;
	unsigned char	d_type;
	char		d_name[];
};

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
dirs_getdents(void **state)
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
dirs_rename(void **state)
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
dirs_links(void **state)
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
dirs_dir_times(void **state)
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
dirs_setgid_sticky(void **state)
{
	struct stat st;

	TDIR();
	OK(rump_sys_chmod(".", 0777));
	/* a set-group-ID directory hands its group down */
	OK(rump_sys_mkdir("sg", 0777));
	OK(rump_sys_chown("sg", 0, 500));
	OK(rump_sys_chmod("sg", 02777));
	t_become(1000, 1000);
	t_mkfile("/t_dirs_setgid_sticky/sg/f", "", 0644);
	OK(rump_sys_mkdir("/t_dirs_setgid_sticky/sg/sub", 0755));
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
	t_mkfile("/t_dirs_setgid_sticky/st/a", "", 0666);
	t_mkfile("/t_dirs_setgid_sticky/st/b", "", 0666);
	t_unbecome();
	t_become(3000, 3000);
	ERR(EPERM, rump_sys_unlink("/t_dirs_setgid_sticky/st/a"));
	t_unbecome();
	t_become(2000, 2000);
	OK(rump_sys_unlink("/t_dirs_setgid_sticky/st/a"));
	t_unbecome();
	t_become(1000, 1000);
	OK(rump_sys_unlink("/t_dirs_setgid_sticky/st/b"));
	t_unbecome();
}

static void
dirs_dir_rewind(void **state)
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
dirs_mode_bits(void **state)
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
dirs_getdents_unlink(void **state)
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

static void
dirs_big_dir(void **state)
{
	char name[32], buf[8192];
	int fd, total = 0;
	ssize_t len;

	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "d/entry-%05d", i);
		fd = OK(rump_sys_open(name, O_CREAT | O_EXCL | O_WRONLY, 0644));
		OK(rump_sys_close(fd));
	}
	fd = OK(rump_sys_open("d", O_RDONLY | O_DIRECTORY));
	while ((len = OK(rump_sys_getdents64(fd, buf, sizeof(buf)))) > 0)
		for (ssize_t off = 0; off < len; total++)
			off += ((struct dirent64_hdr *)(buf + off))->d_reclen;
	OK(rump_sys_close(fd));
	EQ(10002, total);
	for (int i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "d/entry-%05d", i);
		OK(rump_sys_unlink(name));
	}
	OK(rump_sys_rmdir("d"));
}

/* Collects up to max entries of one getdents64 call: names and d_offs. */
static int
read_entries(int fd, size_t bufsize, char (*names)[64], int64_t *offs, int max)
{
	char buf[4096];
	ssize_t len = OK(rump_sys_getdents64(fd, buf, bufsize));
	int n = 0;

	for (ssize_t off = 0; off < len && n < max; n++) {
		struct dirent64_hdr *d = (void *)(buf + off);

		snprintf(names[n], 64, "%s", d->d_name);
		offs[n] = d->d_off;
		off += d->d_reclen;
	}
	return n;
}

static void
dirs_seek_doff(void **state)
{
	static char all[40][64], again[40][64];
	int64_t offs[40], offs2[40];
	int fd, n, m;

	TDIR();
	for (int i = 0; i < 30; i++) {
		char name[16];

		snprintf(name, sizeof(name), "x%02d", i);
		t_mkfile(name, "", 0644);
	}
	fd = OK(rump_sys_open(".", O_RDONLY | O_DIRECTORY));
	n = read_entries(fd, 4096, all, offs, 40);
	EQ(32, n);
	/* the offset after a call is the d_off of its last entry */
	EQ(0, rump_sys_lseek(fd, 0, SEEK_SET));
	m = read_entries(fd, 200, again, offs2, 40);
	assert_true(m > 0 && m < n);
	EQ(offs2[m - 1], rump_sys_lseek(fd, 0, SEEK_CUR));
	/* seeking to an entry's d_off resumes right after that entry */
	for (int k = 0; k < n - 1; k += 7) {
		EQ(offs[k], rump_sys_lseek(fd, offs[k], SEEK_SET));
		m = read_entries(fd, 4096, again, offs2, 40);
		EQ(n - k - 1, m);
		assert_string_equal(again[0], all[k + 1]);
		EQ(offs[k + 1], offs2[0]);
	}
	/* past the last entry: nothing more */
	EQ(offs[n - 1], rump_sys_lseek(fd, offs[n - 1], SEEK_SET));
	EQ(0, rump_sys_getdents64(fd, all, sizeof(all)));
	OK(rump_sys_close(fd));
}

static const struct CMUnitTest tests[] = {
	T(dirs_getdents),
	T(dirs_rename),
	T(dirs_links),
	T(dirs_dir_times),
	T(dirs_setgid_sticky),
	T(dirs_dir_rewind),
	T(dirs_mode_bits),
	T(dirs_getdents_unlink),
	T(dirs_big_dir),
	T(dirs_seek_doff),
};

T_MAIN("dirs", tests)
