/*
 * t_namei.c — path name resolution corner cases: absolute and relative
 * paths, "." and "..", repeated and trailing slashes, symlink chains,
 * loops and the 40-link limit, *at() directory descriptors, AT_* flags,
 * name length limits, search permission, cwd and chroot, and crossing
 * mount points.  Expected results are those of Linux.
 */
#include "test_util.h"
#include <sys/mount.h>

static void
namei_abs_rel(void **state)
{
	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	t_mkfile("d/f", "x", 0644);
	ino_t ino = t_ino("d/f");
	EQ(ino, t_ino("/t_namei_abs_rel/d/f"));
	EQ(ino, t_ino("./d/../d/./f"));
	EQ(ino, t_ino("../t_namei_abs_rel/d/f"));
	EQ(t_ino("."), t_ino("/t_namei_abs_rel"));
	EQ(t_ino("d/.."), t_ino("."));
}

static void
namei_dotdot_root(void **state)
{
	struct stat root, st;

	TDIR();
	OK(rump_sys_stat("/", &root));
	OK(rump_sys_stat("/..", &st));
	EQ(root.st_ino, st.st_ino);
	EQ(root.st_dev, st.st_dev);
	EQ(root.st_ino, t_ino("/../../.."));
	EQ(root.st_ino, t_ino("../../.."));
	EQ(root.st_ino, t_ino("/t_namei_dotdot_root/../.."));
	OK(rump_sys_chdir("/.."));
	EQ(root.st_ino, t_ino("."));
	EQ(root.st_ino, t_ino(".."));
}

static void
namei_slashes(void **state)
{
	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	t_mkfile("d/f", "x", 0644);
	EQ(t_ino("/"), t_ino("//"));
	EQ(t_ino("/"), t_ino("///"));
	EQ(t_ino("d/f"), t_ino("d//f"));
	EQ(t_ino("d/f"), t_ino("//t_namei_slashes///d////f"));
	EQ(t_ino("d"), t_ino("d//"));
	EQ(t_ino("d"), t_ino("d/./"));
}

static void
namei_trailing_slash(void **state)
{
	struct stat st;

	TDIR();
	t_mkfile("f", "x", 0644);
	OK(rump_sys_mkdir("d", 0755));
	/* on a file: never a directory */
	ERR(ENOTDIR, rump_sys_stat("f/", &st));
	ERR(ENOTDIR, rump_sys_lstat("f/", &st));
	ERR(ENOTDIR, rump_sys_open("f/", O_RDONLY));
	ERR(ENOTDIR, rump_sys_unlink("f/"));
	ERR(ENOTDIR, rump_sys_access("f/", F_OK));
	ERR(EISDIR, rump_sys_open("f/", O_CREAT | O_WRONLY, 0644));
	ERR(EISDIR, rump_sys_open("new/", O_CREAT | O_WRONLY, 0644));
	ERR(ENOENT, rump_sys_stat("new", &st));
	/* on directories: fine */
	OK(rump_sys_stat("d/", &st));
	assert_true(S_ISDIR(st.st_mode));
	OK(rump_sys_mkdir("a/", 0755));
	OK(rump_sys_mkdir("b//", 0755));
	OK(rump_sys_stat("a", &st));
	assert_true(S_ISDIR(st.st_mode));
	OK(rump_sys_rmdir("a/"));
	OK(rump_sys_rmdir("b//"));
	ERR(ENOENT, rump_sys_stat("a", &st));
	OK(rump_sys_rename("d/", "e/"));
	OK(rump_sys_stat("e", &st));
	/* a symlink to a directory is followed when a slash follows it */
	OK(rump_sys_symlink("e", "le"));
	OK(rump_sys_lstat("le/", &st));
	assert_true(S_ISDIR(st.st_mode));
	OK(rump_sys_lstat("le", &st));
	assert_true(S_ISLNK(st.st_mode));
	ERR(ENOTDIR, rump_sys_rmdir("le"));
	ERR(ENOTDIR, rump_sys_rmdir("le/"));
	OK(rump_sys_stat("e", &st));
}

static void
namei_symlink_chain(void **state)
{
	char buf[64];
	struct stat st;

	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	t_mkfile("d/f", "chain", 0644);
	OK(rump_sys_symlink("d/f", "s1"));
	OK(rump_sys_symlink("s1", "s2"));
	OK(rump_sys_symlink("/t_namei_symlink_chain/s2", "s3"));
	OK(rump_sys_symlink("d", "ld"));
	OK(rump_sys_symlink("..", "d/up"));
	EQ(5, t_readfile("s3", buf, sizeof(buf)));
	assert_string_equal(buf, "chain");
	EQ(t_ino("d/f"), t_ino("s3"));
	EQ(t_ino("d/f"), t_ino("ld/f"));
	EQ(t_ino("d/f"), t_ino("d/up/d/up/ld/f"));
	EQ(t_ino("."), t_ino("d/up"));
	/* lstat looks at the link itself; its size is the target's length */
	OK(rump_sys_lstat("s3", &st));
	assert_true(S_ISLNK(st.st_mode));
	EQ(strlen("/t_namei_symlink_chain/s2"), st.st_size);
	/* readlink returns the target exactly, unterminated */
	memset(buf, 'z', sizeof(buf));
	EQ(1, rump_sys_readlink("d/up/ld", buf, sizeof(buf)));
	assert_memory_equal(buf, "dz", 2);
	EQ(2, rump_sys_readlink("s2", buf, 2));
	assert_memory_equal(buf, "s1", 2);
	/* a chain ending in a directory */
	OK(rump_sys_symlink("ld", "lld"));
	OK(rump_sys_chdir("lld"));
	EQ(t_ino("/t_namei_symlink_chain/d"), t_ino("."));
}

static void
namei_symlink_loop(void **state)
{
	struct stat st;

	TDIR();
	OK(rump_sys_symlink("loop2", "loop1"));
	OK(rump_sys_symlink("loop1", "loop2"));
	OK(rump_sys_symlink("self", "self"));
	ERR(ELOOP, rump_sys_stat("loop1", &st));
	ERR(ELOOP, rump_sys_open("loop1", O_RDONLY));
	ERR(ELOOP, rump_sys_stat("loop1/x", &st));
	ERR(ELOOP, rump_sys_mkdir("loop1/x", 0755));
	ERR(ELOOP, rump_sys_open("self", O_CREAT | O_WRONLY, 0644));
	ERR(ELOOP, rump_sys_chdir("self"));
	OK(rump_sys_lstat("loop1", &st));
	assert_true(S_ISLNK(st.st_mode));
	OK(rump_sys_unlink("self"));
}

static void
namei_symlink_limit(void **state)
{
	char a[16], b[16];
	struct stat st;

	TDIR();
	t_mkfile("l0", "end", 0644);
	for (int i = 1; i <= 41; i++) {
		snprintf(a, sizeof(a), "l%d", i - 1);
		snprintf(b, sizeof(b), "l%d", i);
		OK(rump_sys_symlink(a, b));
	}
	/* Linux follows at most 40 links in one resolution */
	OK(rump_sys_stat("l40", &st));
	assert_true(S_ISREG(st.st_mode));
	ERR(ELOOP, rump_sys_stat("l41", &st));
	ERR(ELOOP, rump_sys_open("l41", O_RDONLY));
	OK(rump_sys_lstat("l41", &st));
}

static void
namei_dangling(void **state)
{
	struct stat st;
	int fd;

	TDIR();
	OK(rump_sys_symlink("target", "dang"));
	ERR(ENOENT, rump_sys_stat("dang", &st));
	ERR(ENOENT, rump_sys_open("dang", O_RDONLY));
	ERR(ENOENT, rump_sys_access("dang", F_OK));
	OK(rump_sys_lstat("dang", &st));
	assert_true(S_ISLNK(st.st_mode));
	ERR(EEXIST, rump_sys_open("dang", O_CREAT | O_EXCL | O_WRONLY, 0644));
	/* O_CREAT through a dangling link creates its target */
	fd = OK(rump_sys_open("dang", O_CREAT | O_WRONLY, 0644));
	OK(rump_sys_close(fd));
	OK(rump_sys_stat("target", &st));
	assert_true(S_ISREG(st.st_mode));
	EQ(t_ino("target"), t_ino("dang"));
	/* a link to a missing directory in the middle of a path */
	OK(rump_sys_symlink("nodir", "ldir"));
	ERR(ENOENT, rump_sys_stat("ldir/x", &st));
	ERR(ENOENT, rump_sys_open("ldir/x", O_CREAT | O_WRONLY, 0644));
}

static void
namei_nofollow(void **state)
{
	struct stat st;
	int fd;

	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	t_mkfile("d/f", "x", 0644);
	OK(rump_sys_symlink("d/f", "s"));
	OK(rump_sys_symlink("d", "ld"));
	ERR(ELOOP, rump_sys_open("s", O_RDONLY | O_NOFOLLOW));
	ERR(ELOOP, rump_sys_open("s", O_WRONLY | O_CREAT | O_NOFOLLOW, 0644));
	ERR(ENOTDIR, rump_sys_open("ld", O_RDONLY | O_NOFOLLOW | O_DIRECTORY));
	/* only the last component is concerned */
	fd = OK(rump_sys_open("ld/f", O_RDONLY | O_NOFOLLOW));
	OK(rump_sys_close(fd));
	fd = OK(rump_sys_open("d/f", O_RDONLY | O_NOFOLLOW));
	OK(rump_sys_close(fd));
	OK(rump_sys_fstatat(AT_FDCWD, "s", &st, AT_SYMLINK_NOFOLLOW));
	assert_true(S_ISLNK(st.st_mode));
	OK(rump_sys_fstatat(AT_FDCWD, "s", &st, 0));
	assert_true(S_ISREG(st.st_mode));
	/* linkat links the symlink itself unless AT_SYMLINK_FOLLOW */
	OK(rump_sys_linkat(AT_FDCWD, "s", AT_FDCWD, "h1", 0));
	OK(rump_sys_lstat("h1", &st));
	assert_true(S_ISLNK(st.st_mode));
	OK(rump_sys_linkat(AT_FDCWD, "s", AT_FDCWD, "h2", AT_SYMLINK_FOLLOW));
	OK(rump_sys_lstat("h2", &st));
	assert_true(S_ISREG(st.st_mode));
	EQ(t_ino("d/f"), st.st_ino);
	EQ(2, st.st_nlink);
	/* lchown and fchownat(AT_SYMLINK_NOFOLLOW) change the link */
	OK(rump_sys_lchown("s", 7, 8));
	OK(rump_sys_lstat("s", &st));
	EQ(7, st.st_uid);
	OK(rump_sys_stat("s", &st));
	EQ(0, st.st_uid);
	OK(rump_sys_fchownat(AT_FDCWD, "ld", 9, 9, AT_SYMLINK_NOFOLLOW));
	OK(rump_sys_stat("d", &st));
	EQ(0, st.st_uid);
}

static void
namei_empty_path(void **state)
{
	struct stat st, st2;
	struct statx stx;
	int fd;

	TDIR();
	t_mkfile("f", "12345", 0644);
	fd = OK(rump_sys_open("f", O_RDONLY));
	OK(rump_sys_fstatat(fd, "", &st, AT_EMPTY_PATH));
	OK(rump_sys_fstat(fd, &st2));
	EQ(st2.st_ino, st.st_ino);
	EQ(5, st.st_size);
	ERR(ENOENT, rump_sys_fstatat(fd, "", &st, 0));
	ERR(ENOENT, rump_sys_stat("", &st));
	ERR(ENOTDIR, rump_sys_fstatat(fd, "x", &st, 0));
	/* an absolute path ignores the (non-directory) dirfd */
	OK(rump_sys_fstatat(fd, "/", &st, 0));
	OK(rump_sys_fstatat(AT_FDCWD, "", &st, AT_EMPTY_PATH));
	EQ(t_ino("."), st.st_ino);
	memset(&stx, 0, sizeof(stx));
	OK(rump_sys_statx(fd, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &stx));
	EQ(st2.st_ino, stx.stx_ino);
	EQ(5, stx.stx_size);
	assert_true(S_ISREG(stx.stx_mode));
	OK(rump_sys_close(fd));
}

static void
namei_at_dirfd(void **state)
{
	struct stat st;
	int dfd, ffd, fd;

	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	t_mkfile("d/f", "x", 0644);
	dfd = OK(rump_sys_open("d", O_RDONLY | O_DIRECTORY));
	fd = OK(rump_sys_openat(dfd, "f", O_RDONLY));
	OK(rump_sys_fstat(fd, &st));
	EQ(t_ino("d/f"), st.st_ino);
	OK(rump_sys_close(fd));
	OK(rump_sys_mkdirat(dfd, "sub", 0755));
	OK(rump_sys_fstatat(dfd, "sub", &st, 0));
	assert_true(S_ISDIR(st.st_mode));
	OK(rump_sys_stat("d/sub", &st));
	OK(rump_sys_symlinkat("f", dfd, "lf"));
	EQ(t_ino("d/f"), t_ino("d/lf"));
	OK(rump_sys_renameat(dfd, "lf", AT_FDCWD, "lf2"));
	OK(rump_sys_lstat("lf2", &st));
	OK(rump_sys_unlinkat(AT_FDCWD, "lf2", 0));
	OK(rump_sys_faccessat(dfd, "f", R_OK, 0));
	/* the dirfd follows its directory through a rename */
	OK(rump_sys_rename("d", "d2"));
	OK(rump_sys_fstatat(dfd, "f", &st, 0));
	EQ(t_ino("d2/f"), st.st_ino);
	OK(rump_sys_fstatat(dfd, "..", &st, 0));
	EQ(t_ino("."), st.st_ino);
	fd = OK(rump_sys_openat(AT_FDCWD, "d2/f", O_RDONLY));
	OK(rump_sys_close(fd));
	/* a file as dirfd, bad dirfds; absolute paths ignore them */
	ffd = OK(rump_sys_open("d2/f", O_RDONLY));
	ERR(ENOTDIR, rump_sys_openat(ffd, "f", O_RDONLY));
	ERR(ENOTDIR, rump_sys_mkdirat(ffd, "x", 0755));
	ERR(ENOTDIR, rump_sys_unlinkat(ffd, "x", 0));
	ERR(EBADF, rump_sys_openat(-1, "f", O_RDONLY));
	ERR(EBADF, rump_sys_openat(999, "f", O_RDONLY));
	fd = OK(rump_sys_openat(ffd, "/t_namei_at_dirfd/d2/f", O_RDONLY));
	OK(rump_sys_close(fd));
	fd = OK(rump_sys_openat(-5, "/t_namei_at_dirfd/d2/f", O_RDONLY));
	OK(rump_sys_close(fd));
	OK(rump_sys_unlinkat(dfd, "sub", AT_REMOVEDIR));
	ERR(ENOENT, rump_sys_stat("d2/sub", &st));
	OK(rump_sys_close(ffd));
	OK(rump_sys_close(dfd));
}

static void
namei_nametoolong(void **state)
{
	static char path[8192];
	char name[300];
	struct stat st;
	int fd;

	TDIR();
	memset(name, 'n', sizeof(name));
	name[256] = '\0';
	ERR(ENAMETOOLONG, rump_sys_stat(name, &st));
	ERR(ENAMETOOLONG, rump_sys_open(name, O_CREAT | O_WRONLY, 0644));
	ERR(ENAMETOOLONG, rump_sys_mkdir(name, 0755));
	name[255] = '\0';
	ERR(ENOENT, rump_sys_stat(name, &st));
	fd = OK(rump_sys_open(name, O_CREAT | O_WRONLY, 0644));
	OK(rump_sys_close(fd));
	OK(rump_sys_stat(name, &st));
	OK(rump_sys_unlink(name));
	/* whole paths: 4095 bytes resolve, 4096 (PATH_MAX with NUL) do not */
	for (int i = 0; i < 5000; i++)
		path[i] = (i % 2) != 0 ? '/' : 'a';
	path[4095] = '\0';
	ERR(ENOENT, rump_sys_stat(path, &st));
	path[4095] = '/';
	path[4096] = '\0';
	ERR(ENAMETOOLONG, rump_sys_stat(path, &st));
	ERR(ENAMETOOLONG, rump_sys_mkdir(path, 0755));
	memset(path, '/', 5000);
	path[5000] = '\0';
	ERR(ENAMETOOLONG, rump_sys_stat(path, &st));
	/* symlink targets are limited the same way */
	memset(path, 'x', 4096);
	path[4095] = '\0';
	OK(rump_sys_symlink(path, "okl"));
	OK(rump_sys_lstat("okl", &st));
	EQ(4095, st.st_size);
	path[4095] = 'x';
	path[4096] = '\0';
	ERR(ENAMETOOLONG, rump_sys_symlink(path, "badl"));
}

static void
namei_notdir(void **state)
{
	struct stat st;

	TDIR();
	t_mkfile("f", "x", 0644);
	ERR(ENOTDIR, rump_sys_stat("f/x", &st));
	ERR(ENOTDIR, rump_sys_stat("f/.", &st));
	ERR(ENOTDIR, rump_sys_stat("f/..", &st));
	ERR(ENOTDIR, rump_sys_mkdir("f/x", 0755));
	ERR(ENOTDIR, rump_sys_open("f/x", O_CREAT | O_WRONLY, 0644));
	ERR(ENOTDIR, rump_sys_open("f", O_RDONLY | O_DIRECTORY));
	ERR(ENOTDIR, rump_sys_chdir("f"));
	ERR(ENOTDIR, rump_sys_rmdir("f"));
	ERR(ENOTDIR, rump_sys_symlink("x", "f/l"));
	ERR(ENOTDIR, rump_sys_rename("f/x", "y"));
}

static void
namei_eacces(void **state)
{
	struct stat st;
	int fd;

	TDIR();
	OK(rump_sys_mkdir("d", 0700));
	t_mkfile("d/f", "x", 0644);
	t_become(1000, 1000);
	ERR(EACCES, rump_sys_stat("d/f", &st));
	ERR(EACCES, rump_sys_open("d/f", O_RDONLY));
	ERR(EACCES, rump_sys_chdir("d"));
	ERR(EACCES, rump_sys_open("d", O_RDONLY | O_DIRECTORY));
	OK(rump_sys_stat("d", &st));
	t_unbecome();
	/* read but no search permission: names cannot be resolved */
	OK(rump_sys_chmod("d", 0766));
	t_become(1000, 1000);
	ERR(EACCES, rump_sys_stat("d/f", &st));
	t_unbecome();
	/* search but no read: resolvable, not listable */
	OK(rump_sys_chmod("d", 0711));
	t_become(1000, 1000);
	OK(rump_sys_stat("d/f", &st));
	ERR(EACCES, rump_sys_open("d", O_RDONLY | O_DIRECTORY));
	OK(rump_sys_chdir("d"));
	t_unbecome();
	/* the group bits apply to a group member */
	OK(rump_sys_chmod("d", 0710));
	OK(rump_sys_chown("d", 0, 1000));
	t_become(1000, 1000);
	OK(rump_sys_stat("d/f", &st));
	t_unbecome();
	t_become(1001, 1001);
	ERR(EACCES, rump_sys_stat("d/f", &st));
	t_unbecome();
	/* root searches anything */
	OK(rump_sys_chmod("d", 0));
	OK(rump_sys_stat("d/f", &st));
	fd = OK(rump_sys_open("d/f", O_RDONLY));
	OK(rump_sys_close(fd));
}

static void
namei_cwd(void **state)
{
	char buf[256];
	int fd, ffd;

	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	OK(rump_sys_mkdir("d/e", 0755));
	t_mkfile("f", "x", 0644);
	OK(rump_sys_chdir("d"));
	EQ(strlen("/t_namei_cwd/d") + 1, rump_sys_getcwd(buf, sizeof(buf)));
	assert_string_equal(buf, "/t_namei_cwd/d");
	fd = OK(rump_sys_open("/t_namei_cwd/d/e", O_RDONLY | O_DIRECTORY));
	OK(rump_sys_fchdir(fd));
	OK(rump_sys_getcwd(buf, sizeof(buf)));
	assert_string_equal(buf, "/t_namei_cwd/d/e");
	OK(rump_sys_chdir(".."));
	OK(rump_sys_getcwd(buf, sizeof(buf)));
	assert_string_equal(buf, "/t_namei_cwd/d");
	ERR(ERANGE, rump_sys_getcwd(buf, 5));
	ERR(ERANGE, rump_sys_getcwd(buf, 1));
	OK(rump_sys_chdir("/"));
	EQ(2, rump_sys_getcwd(buf, sizeof(buf)));
	assert_string_equal(buf, "/");
	ffd = OK(rump_sys_open("/t_namei_cwd/f", O_RDONLY));
	ERR(ENOTDIR, rump_sys_fchdir(ffd));
	ERR(EBADF, rump_sys_fchdir(-1));
	ERR(ENOENT, rump_sys_chdir("/t_namei_cwd/nonexistent"));
	/* a removed cwd has no name any more */
	OK(rump_sys_fchdir(fd));
	OK(rump_sys_rmdir("/t_namei_cwd/d/e"));
	ERR(ENOENT, rump_sys_getcwd(buf, sizeof(buf)));
	ERR(ENOENT, rump_sys_open("x", O_CREAT | O_WRONLY, 0644));
	OK(rump_sys_close(fd));
	OK(rump_sys_close(ffd));
}

static void
namei_chroot(void **state)
{
	char buf[256];
	struct stat st, root;

	TDIR();
	OK(rump_sys_mkdir("jail", 0755));
	OK(rump_sys_mkdir("jail/sub", 0755));
	t_mkfile("jail/inner", "in", 0644);
	OK(rump_sys_symlink("/inner", "jail/abs"));
	OK(rump_sys_symlink("../../../inner", "jail/sub/up"));
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	struct lwp *child = rump_lwproc_curlwp();
	OK(rump_sys_chroot("jail"));
	OK(rump_sys_chdir("/"));
	OK(rump_sys_stat("/", &root));
	EQ(t_ino("/inner"), t_ino("inner"));
	EQ(root.st_ino, t_ino("/.."));
	EQ(root.st_ino, t_ino("../../.."));
	OK(rump_sys_stat("/../../inner", &st));
	ERR(ENOENT, rump_sys_stat("/t_namei_chroot", &st));
	/* symlinks resolve inside the new root */
	EQ(t_ino("/inner"), t_ino("/abs"));
	EQ(t_ino("/inner"), t_ino("/sub/up"));
	OK(rump_sys_getcwd(buf, sizeof(buf)));
	assert_string_equal(buf, "/");
	OK(rump_sys_chdir("sub"));
	OK(rump_sys_getcwd(buf, sizeof(buf)));
	assert_string_equal(buf, "/sub");
	OK(rump_sys_chdir("../../.."));
	EQ(root.st_ino, t_ino("."));
	/* children inherit the root */
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	ERR(ENOENT, rump_sys_stat("/t_namei_chroot", &st));
	rump_lwproc_releaselwp();
	rump_lwproc_switch(child);
	rump_lwproc_releaselwp();
	rump_lwproc_switch(NULL);
	/* pid 1 is unaffected */
	OK(rump_sys_stat("/t_namei_chroot/jail/inner", &st));
	t_become(1000, 1000);
	ERR(EPERM, rump_sys_chroot("/t_namei_chroot/jail"));
	t_unbecome();
	ERR(ENOTDIR, rump_sys_chroot("/t_namei_chroot/jail/inner"));
	ERR(ENOENT, rump_sys_chroot("/t_namei_chroot/nope"));
}

static void
namei_mount(void **state)
{
	struct stat st, here, mnt;
	int fd;

	TDIR();
	OK(rump_sys_mkdir("mnt", 0755));
	t_mkfile("mnt/hidden", "h", 0644);
	t_mkfile("g", "g", 0644);
	OK(rump_sys_mount("tmpfs", "mnt", "tmpfs", 0, NULL));
	OK(rump_sys_stat(".", &here));
	OK(rump_sys_stat("mnt", &mnt));
	assert_true(here.st_dev != mnt.st_dev);
	assert_true(S_ISDIR(mnt.st_mode));
	ERR(ENOENT, rump_sys_stat("mnt/hidden", &st));
	OK(rump_sys_stat("mnt/..", &st));
	EQ(here.st_ino, st.st_ino);
	EQ(here.st_dev, st.st_dev);
	OK(rump_sys_mkdir("mnt/sub", 0755));
	EQ(here.st_ino, t_ino("mnt/sub/../.."));
	t_mkfile("mnt/f", "f", 0644);
	EQ(mnt.st_dev, t_dev("mnt/f"));
	ERR(EXDEV, rump_sys_rename("mnt/f", "f2"));
	ERR(EXDEV, rump_sys_rename("g", "mnt/g"));
	ERR(EXDEV, rump_sys_link("mnt/f", "f2"));
	ERR(EXDEV, rump_sys_link("g", "mnt/g"));
	ERR(EXDEV, rump_sys_renameat2(AT_FDCWD, "g", AT_FDCWD, "mnt/f",
	    RENAME_EXCHANGE));
	OK(rump_sys_rename("mnt/f", "mnt/sub/f"));
	OK(rump_sys_chdir("mnt/sub"));
	EQ(here.st_ino, t_ino("../.."));
	OK(rump_sys_chdir("/t_namei_mount"));
	/* busy while a descriptor or a cwd is inside */
	ERR(EBUSY, rump_sys_rmdir("mnt"));
	fd = OK(rump_sys_open("mnt/sub/f", O_RDONLY));
	ERR(EBUSY, rump_sys_umount2("mnt", 0));
	OK(rump_sys_close(fd));
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	struct lwp *child = rump_lwproc_curlwp();
	OK(rump_sys_chdir("mnt/sub"));
	rump_lwproc_switch(NULL);
	ERR(EBUSY, rump_sys_umount2("/t_namei_mount/mnt", 0));
	rump_lwproc_switch(child);
	rump_lwproc_releaselwp();
	rump_lwproc_switch(NULL);
	OK(rump_sys_umount2("mnt", 0));
	EQ(here.st_dev, t_dev("mnt"));
	OK(rump_sys_stat("mnt/hidden", &st));
	ERR(ENOENT, rump_sys_stat("mnt/sub", &st));
	ERR(EINVAL, rump_sys_umount2("mnt", 0));
	ERR(ENOENT, rump_sys_umount2("nope", 0));
}

static void
namei_mount_errors(void **state)
{
	TDIR();
	OK(rump_sys_mkdir("mnt", 0755));
	t_mkfile("f", "x", 0644);
	ERR(ENODEV, rump_sys_mount("none", "mnt", "nosuchfs", 0, NULL));
	ERR(ENOTDIR, rump_sys_mount("tmpfs", "f", "tmpfs", 0, NULL));
	ERR(ENOENT, rump_sys_mount("tmpfs", "nope", "tmpfs", 0, NULL));
	t_become(1000, 1000);
	ERR(EPERM, rump_sys_mount("tmpfs", "/t_namei_mount_errors/mnt",
	    "tmpfs", 0, NULL));
	t_unbecome();
	OK(rump_sys_mount("tmpfs", "mnt", "tmpfs", 0, NULL));
	t_become(1000, 1000);
	ERR(EPERM, rump_sys_umount2("/t_namei_mount_errors/mnt", 0));
	t_unbecome();
	OK(rump_sys_umount2("mnt", 0));
}

static void
namei_mount_size(void **state)
{
	static char chunk[65536];
	long total = 0;
	ssize_t n;
	int fd;

	TDIR();
	OK(rump_sys_mkdir("mnt", 0755));
	OK(rump_sys_mount("tmpfs", "mnt", "tmpfs", 0, "size=1m"));
	fd = OK(rump_sys_open("mnt/big", O_CREAT | O_WRONLY, 0644));
	memset(chunk, 'b', sizeof(chunk));
	for (int i = 0; i < 64; i++) {
		n = rump_sys_write(fd, chunk, sizeof(chunk));
		if (n < 0)
			break;
		total += n;
	}
	ERR(ENOSPC, rump_sys_write(fd, chunk, sizeof(chunk)));
	assert_true(total <= 1024 * 1024);
	assert_true(total >= 512 * 1024);
	/* freeing space makes room again */
	OK(rump_sys_ftruncate(fd, 0));
	EQ(sizeof(chunk), rump_sys_pwrite(fd, chunk, sizeof(chunk), 0));
	OK(rump_sys_close(fd));
	OK(rump_sys_unlink("mnt/big"));
	OK(rump_sys_umount2("mnt", 0));
}

static void
namei_trailing_slash_more(void **state)
{
	struct stat st;
	char b[16];
	int fd;

	TDIR();
	t_mkfile("f", "x", 0644);
	OK(rump_sys_mkdir("dir", 0755));
	OK(rump_sys_symlink("nowhere", "dang"));
	OK(rump_sys_symlink("f", "lf"));
	ERR(EISDIR, rump_sys_open("dang/", O_CREAT | O_WRONLY, 0644));
	ERR(EEXIST, rump_sys_mkdir("dang/", 0755));
	ERR(ENOTDIR, rump_sys_rename("f", "nonexist/"));
	OK(rump_sys_rename("dir", "newdir/"));
	OK(rump_sys_rename("newdir/", "dir"));
	ERR(ENOENT, rump_sys_link("f", "x/"));
	ERR(EISDIR, rump_sys_unlink("dir/"));
	ERR(ENOTDIR, rump_sys_readlink("lf/", b, sizeof(b)));
	ERR(ENOTDIR, rump_sys_stat("f//", &st));
	ERR(ENOTDIR, rump_sys_rename("f/", "g"));
	ERR(EPERM, rump_sys_link("dir/", "x"));
	ERR(EEXIST, rump_sys_symlink("f", "dir/"));
	ERR(ENOENT, rump_sys_mknod("p/", S_IFIFO | 0644, 0));
	ERR(ENOTDIR, rump_sys_rmdir("f/"));
	ERR(ENOTDIR, rump_sys_unlink("lf/"));
	ERR(ENOENT, rump_sys_open("nonexist/", O_RDONLY));
	ERR(EISDIR, rump_sys_open("dir/", O_WRONLY));
	ERR(EEXIST, rump_sys_mkdir("lf/", 0755));
	fd = OK(rump_sys_open("dir/", O_RDONLY));
	OK(rump_sys_close(fd));
	ERR(ENOENT, rump_sys_stat("g", &st));
	ERR(ENOENT, rump_sys_stat("nowhere", &st));
}

static const struct CMUnitTest tests[] = {
	T(namei_abs_rel),
	T(namei_dotdot_root),
	T(namei_slashes),
	T(namei_trailing_slash),
	T(namei_trailing_slash_more),
	T(namei_symlink_chain),
	T(namei_symlink_loop),
	T(namei_symlink_limit),
	T(namei_dangling),
	T(namei_nofollow),
	T(namei_empty_path),
	T(namei_at_dirfd),
	T(namei_nametoolong),
	T(namei_notdir),
	T(namei_eacces),
	T(namei_cwd),
	T(namei_chroot),
	T(namei_mount),
	T(namei_mount_errors),
	T(namei_mount_size),
};

T_MAIN("namei", tests)
