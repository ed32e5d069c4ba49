/*
 * t_perm.c — permission checks as Linux makes them: owner, group and
 * other classes (the first class that matches decides, even when a later
 * one would allow more), supplementary groups, root's overrides, search
 * permission for fchdir and lookups, the extra write permission needed to
 * move a directory to a new parent, and getcwd independent of ancestor
 * permissions.
 */
#include "test_util.h"

static void
perm_classes(void **state)
{
	gid_t g500 = 500;
	int fd;

	TDIR();
	t_mkfile("o70", "x", 0070);
	OK(rump_sys_chown("o70", 1000, 1000));
	t_mkfile("g604", "x", 0604);
	OK(rump_sys_chown("g604", 0, 1000));
	t_mkfile("g40", "x", 0040);
	OK(rump_sys_chown("g40", 0, 500));
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	OK(rump_sys_setgroups(1, &g500));
	OK(rump_sys_setgid(1000));
	OK(rump_sys_setuid(1000));
	/* the owner class decides for the owner, though group allows */
	ERR(EACCES, rump_sys_open("o70", O_RDONLY));
	ERR(EACCES, rump_sys_access("o70", R_OK));
	/* the group class decides for members, though other allows */
	ERR(EACCES, rump_sys_open("g604", O_RDONLY));
	/* supplementary groups count */
	fd = OK(rump_sys_open("g40", O_RDONLY));
	OK(rump_sys_close(fd));
	ERR(EACCES, rump_sys_open("g40", O_WRONLY));
	t_unbecome();
	/* an outsider gets the other bits */
	t_become(1001, 1001);
	fd = OK(rump_sys_open("g604", O_RDONLY));
	OK(rump_sys_close(fd));
	ERR(EACCES, rump_sys_open("g604", O_WRONLY));
	ERR(EACCES, rump_sys_open("g40", O_RDONLY));
	t_unbecome();
}

static void
perm_root(void **state)
{
	int fd;

	TDIR();
	OK(rump_sys_mkdir("z", 0));
	t_mkfile("f", "x", 0);
	/* root ignores rwx on directories, and on files except exec */
	OK(rump_sys_access("z", X_OK));
	OK(rump_sys_access("z", R_OK | W_OK));
	OK(rump_sys_access("f", R_OK | W_OK));
	ERR(EACCES, rump_sys_access("f", X_OK));
	fd = OK(rump_sys_open("f", O_RDWR));
	OK(rump_sys_close(fd));
	t_mkfile("z/inside", "y", 0644);
	fd = OK(rump_sys_open("z", O_RDONLY | O_DIRECTORY));
	OK(rump_sys_fchdir(fd));
	OK(rump_sys_close(fd));
}

static void
perm_search(void **state)
{
	int fd;

	TDIR();
	OK(rump_sys_mkdir("ro", 0444));
	OK(rump_sys_chmod("ro", 0444));
	fd = OK(rump_sys_open("ro", O_RDONLY | O_DIRECTORY));
	t_become(1000, 1000);
	/* fchdir needs search permission on the directory */
	ERR(EACCES, rump_sys_fchdir(fd));
	ERR(EACCES, rump_sys_chdir("/t_perm_search/ro"));
	/* and so do lookups through a descriptor opened earlier */
	ERR(EACCES, rump_sys_openat(fd, "x", O_RDONLY));
	t_unbecome();
	OK(rump_sys_close(fd));
}

static void
perm_getcwd(void **state)
{
	char buf[256];
	struct stat st;
	struct lwp *child;

	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	OK(rump_sys_mkdir("d/e", 0755));
	OK(rump_sys_chdir("d/e"));
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	child = rump_lwproc_curlwp();
	OK(rump_sys_setgid(1000));
	OK(rump_sys_setuid(1000));
	rump_lwproc_switch(NULL);
	OK(rump_sys_chmod("/t_perm_getcwd/d", 0700));
	rump_lwproc_switch(child);
	/* the cwd lies below a directory the process may not search */
	EQ(strlen("/t_perm_getcwd/d/e") + 1, rump_sys_getcwd(buf, sizeof(buf)));
	assert_string_equal(buf, "/t_perm_getcwd/d/e");
	OK(rump_sys_stat(".", &st));
	OK(rump_sys_stat("..", &st));
	ERR(EACCES, rump_sys_stat("../e", &st));
	t_unbecome();
}

static void
perm_rename_dir(void **state)
{
	struct stat st;

	TDIR();
	OK(rump_sys_mkdir("ua", 0777));
	OK(rump_sys_mkdir("ub", 0777));
	OK(rump_sys_chmod("ua", 0777));
	OK(rump_sys_chmod("ub", 0777));
	OK(rump_sys_mkdir("ua/rootdir", 0755));
	t_mkfile("ua/rootfile", "", 0644);
	t_become(1000, 1000);
	/* moving a directory to a new parent rewrites its "..": needs w */
	ERR(EACCES, rump_sys_rename("/t_perm_rename_dir/ua/rootdir",
	    "/t_perm_rename_dir/ub/rootdir"));
	OK(rump_sys_rename("/t_perm_rename_dir/ua/rootdir",
	    "/t_perm_rename_dir/ua/rd2"));
	/* files need no permission on themselves */
	OK(rump_sys_rename("/t_perm_rename_dir/ua/rootfile",
	    "/t_perm_rename_dir/ub/rootfile"));
	t_unbecome();
	OK(rump_sys_stat("ua/rd2", &st));
	OK(rump_sys_stat("ub/rootfile", &st));
}

static void
perm_write_not_owner(void **state)
{
	struct timespec now[2] = { { 0, UTIME_NOW }, { 0, UTIME_NOW } };
	struct stat st;

	TDIR();
	t_mkfile("w", "x", 0666);
	t_become(1000, 1000);
	/* write permission suffices for "now" timestamps and truncation */
	OK(rump_sys_utimensat(AT_FDCWD, "w", NULL, 0));
	OK(rump_sys_utimensat(AT_FDCWD, "w", now, 0));
	OK(rump_sys_truncate("w", 5));
	t_unbecome();
	OK(rump_sys_stat("w", &st));
	EQ(5, st.st_size);
	EQ(0, st.st_uid);
}

static void
perm_symlink_types(void **state)
{
	struct stat st;

	TDIR();
	t_mkfile("f", "x", 0644);
	OK(rump_sys_mkdir("dir", 0755));
	OK(rump_sys_symlink("f/", "lsf"));
	OK(rump_sys_symlink("dir", "ldir"));
	ERR(ENOTDIR, rump_sys_stat("lsf", &st));
	ERR(EISDIR, rump_sys_rename("ldir", "dir"));
	ERR(ENOTDIR, rump_sys_rename("dir", "lsf"));
	ERR(ENOTDIR, rump_sys_rename("dir", "f"));
	/* renaming a symlink moves the link, not its target */
	OK(rump_sys_rename("ldir", "ldir2"));
	OK(rump_sys_lstat("ldir2", &st));
	assert_true(S_ISLNK(st.st_mode));
	OK(rump_sys_stat("dir", &st));
}

static const struct CMUnitTest tests[] = {
	T(perm_classes),
	T(perm_root),
	T(perm_search),
	T(perm_getcwd),
	T(perm_rename_dir),
	T(perm_write_not_owner),
	T(perm_symlink_types),
};

T_MAIN("perm", tests)
