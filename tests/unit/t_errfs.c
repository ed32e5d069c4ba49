/*
 * t_errfs.c — error paths of the path-name calls, one test per errno:
 * ENOENT, ENOTDIR, EISDIR, EEXIST, ENOTEMPTY, EXDEV, ELOOP, ENAMETOOLONG,
 * EPERM, EACCES, EBUSY and the "." / ".." special cases.  The expected
 * errno is what the host Linux kernel returns for the same call.
 * Descriptor, pointer and flag errors are in t_errors.c.
 */
#include "test_util.h"
#include <sys/statfs.h>

static void
err_enoent(void **state)
{
	char buf[64];
	struct stat st;
	struct statfs sfs;

	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	t_mkfile("f", "x", 0644);
	ERR(ENOENT, rump_sys_open("nope", O_RDONLY));
	ERR(ENOENT, rump_sys_open("", O_RDONLY));
	ERR(ENOENT, rump_sys_openat(AT_FDCWD, "nope", O_RDONLY));
	ERR(ENOENT, rump_sys_open("nodir/f", O_CREAT | O_WRONLY, 0644));
	ERR(ENOENT, rump_sys_creat("nodir/f", 0644));
	ERR(ENOENT, rump_sys_stat("nope", &st));
	ERR(ENOENT, rump_sys_lstat("nope", &st));
	ERR(ENOENT, rump_sys_stat("", &st));
	ERR(ENOENT, rump_sys_mkdir("", 0755));
	ERR(ENOENT, rump_sys_mkdir("nodir/x", 0755));
	ERR(ENOENT, rump_sys_mknod("nodir/x", S_IFIFO | 0644, 0));
	ERR(ENOENT, rump_sys_rmdir("nope"));
	ERR(ENOENT, rump_sys_unlink("nope"));
	ERR(ENOENT, rump_sys_unlink(""));
	ERR(ENOENT, rump_sys_unlinkat(AT_FDCWD, "nope", AT_REMOVEDIR));
	ERR(ENOENT, rump_sys_rename("nope", "x"));
	ERR(ENOENT, rump_sys_rename("f", "nodir/x"));
	ERR(ENOENT, rump_sys_renameat2(AT_FDCWD, "f", AT_FDCWD, "nope",
	    RENAME_EXCHANGE));
	ERR(ENOENT, rump_sys_link("nope", "x"));
	ERR(ENOENT, rump_sys_link("f", "nodir/x"));
	ERR(ENOENT, rump_sys_symlink("f", "nodir/x"));
	ERR(ENOENT, rump_sys_symlink("", "emptylink"));
	ERR(ENOENT, rump_sys_readlink("nope", buf, sizeof(buf)));
	ERR(ENOENT, rump_sys_chmod("nope", 0644));
	ERR(ENOENT, rump_sys_chown("nope", 0, 0));
	ERR(ENOENT, rump_sys_lchown("nope", 0, 0));
	ERR(ENOENT, rump_sys_truncate("nope", 0));
	ERR(ENOENT, rump_sys_access("nope", F_OK));
	ERR(ENOENT, rump_sys_chdir("nope"));
	ERR(ENOENT, rump_sys_chdir(""));
	ERR(ENOENT, rump_sys_chroot("nope"));
	ERR(ENOENT, rump_sys_statfs("nope", &sfs));
	ERR(ENOENT, rump_sys_utimensat(AT_FDCWD, "nope", NULL, 0));
	ERR(ENOENT, rump_sys_umount2("nope", 0));
	ERR(ENOENT, rump_sys_mount("tmpfs", "nope", "tmpfs", 0, NULL));
	ERR(ENOENT, rump_sys_faccessat2(AT_FDCWD, "nope", R_OK, 0));
	ERR(ENOENT, rump_sys_fchmodat(AT_FDCWD, "nope", 0644, 0));
	ERR(ENOENT, rump_sys_fchownat(AT_FDCWD, "nope", 0, 0, 0));
	ERR(ENOENT, rump_sys_readlinkat(AT_FDCWD, "nope", buf, sizeof(buf)));
}

static void
err_enotdir(void **state)
{
	char buf[256];
	struct stat st;
	int fd;

	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	t_mkfile("f", "x", 0644);
	ERR(ENOTDIR, rump_sys_stat("f/x", &st));
	ERR(ENOTDIR, rump_sys_open("f/x", O_RDONLY));
	ERR(ENOTDIR, rump_sys_open("f", O_RDONLY | O_DIRECTORY));
	ERR(ENOTDIR, rump_sys_mkdir("f/x", 0755));
	ERR(ENOTDIR, rump_sys_rmdir("f"));
	ERR(ENOTDIR, rump_sys_unlinkat(AT_FDCWD, "f", AT_REMOVEDIR));
	ERR(ENOTDIR, rump_sys_rename("d", "f"));
	ERR(ENOTDIR, rump_sys_chdir("f"));
	ERR(ENOTDIR, rump_sys_chroot("f"));
	ERR(ENOTDIR, rump_sys_link("f", "f/x"));
	fd = OK(rump_sys_open("f", O_RDONLY));
	ERR(ENOTDIR, rump_sys_getdents64(fd, buf, sizeof(buf)));
	ERR(ENOTDIR, rump_sys_fchdir(fd));
	ERR(ENOTDIR, rump_sys_openat(fd, "x", O_RDONLY));
	ERR(ENOTDIR, rump_sys_mkdirat(fd, "x", 0755));
	ERR(ENOTDIR, rump_sys_fstatat(fd, "x", &st, 0));
	ERR(ENOTDIR, rump_sys_renameat(fd, "x", AT_FDCWD, "y"));
	ERR(ENOTDIR, rump_sys_symlinkat("x", fd, "y"));
	OK(rump_sys_close(fd));
}

static void
err_eisdir(void **state)
{
	char buf[8];
	int fd;

	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	t_mkfile("f", "x", 0644);
	ERR(EISDIR, rump_sys_open("d", O_WRONLY));
	ERR(EISDIR, rump_sys_open("d", O_RDWR));
	ERR(EISDIR, rump_sys_open("d", O_RDONLY | O_CREAT, 0644));
	ERR(EISDIR, rump_sys_open("d", O_RDONLY | O_TRUNC));
	ERR(EISDIR, rump_sys_creat("d", 0644));
	ERR(EISDIR, rump_sys_open("x/", O_CREAT | O_WRONLY, 0644));
	ERR(EISDIR, rump_sys_unlink("d"));
	ERR(EISDIR, rump_sys_unlinkat(AT_FDCWD, "d", 0));
	ERR(EISDIR, rump_sys_rename("f", "d"));
	ERR(EISDIR, rump_sys_truncate("d", 0));
	fd = OK(rump_sys_open("d", O_RDONLY));
	ERR(EISDIR, rump_sys_read(fd, buf, sizeof(buf)));
	ERR(EISDIR, rump_sys_pread(fd, buf, sizeof(buf), 0));
	OK(rump_sys_close(fd));
}

static void
err_eexist(void **state)
{
	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	t_mkfile("f", "x", 0644);
	OK(rump_sys_symlink("nowhere", "dang"));
	ERR(EEXIST, rump_sys_open("f", O_CREAT | O_EXCL | O_WRONLY, 0644));
	ERR(EEXIST, rump_sys_open("d", O_CREAT | O_EXCL | O_RDONLY, 0644));
	ERR(EEXIST, rump_sys_open("dang", O_CREAT | O_EXCL | O_WRONLY, 0644));
	ERR(EEXIST, rump_sys_mkdir("d", 0755));
	ERR(EEXIST, rump_sys_mkdir("f", 0755));
	ERR(EEXIST, rump_sys_mkdir("/", 0755));
	ERR(EEXIST, rump_sys_mkdirat(AT_FDCWD, "dang", 0755));
	ERR(EEXIST, rump_sys_link("f", "f"));
	ERR(EEXIST, rump_sys_link("f", "d"));
	ERR(EEXIST, rump_sys_link("f", "dang"));
	ERR(EEXIST, rump_sys_symlink("x", "f"));
	ERR(EEXIST, rump_sys_symlink("x", "d"));
	ERR(EEXIST, rump_sys_symlinkat("x", AT_FDCWD, "dang"));
	ERR(EEXIST, rump_sys_mknod("f", S_IFIFO | 0644, 0));
	ERR(EEXIST, rump_sys_mknodat(AT_FDCWD, "d", S_IFREG | 0644, 0));
	ERR(EEXIST, rump_sys_renameat2(AT_FDCWD, "f", AT_FDCWD, "d",
	    RENAME_NOREPLACE));
	ERR(EEXIST, rump_sys_renameat2(AT_FDCWD, "f", AT_FDCWD, "dang",
	    RENAME_NOREPLACE));
}

static void
err_enotempty(void **state)
{
	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	OK(rump_sys_mkdir("e", 0755));
	OK(rump_sys_mkdir("e/sub", 0755));
	t_mkfile("d/f", "x", 0644);
	ERR(ENOTEMPTY, rump_sys_rmdir("d"));
	ERR(ENOTEMPTY, rump_sys_unlinkat(AT_FDCWD, "d", AT_REMOVEDIR));
	ERR(ENOTEMPTY, rump_sys_rmdir(".."));
	ERR(ENOTEMPTY, rump_sys_rmdir("d/.."));
	ERR(ENOTEMPTY, rump_sys_rename("e", "d"));
	ERR(ENOTEMPTY, rump_sys_rename("d", "e"));
	/* a directory with only a subdirectory is not empty either */
	OK(rump_sys_unlink("d/f"));
	ERR(ENOTEMPTY, rump_sys_rmdir("e"));
	OK(rump_sys_rename("e", "d"));
	OK(rump_sys_rmdir("d/sub"));
	OK(rump_sys_rmdir("d"));
}

static void
err_exdev(void **state)
{
	TDIR();
	OK(rump_sys_mkdir("mnt", 0755));
	t_mkfile("f", "x", 0644);
	OK(rump_sys_mount("tmpfs", "mnt", "tmpfs", 0, NULL));
	t_mkfile("mnt/g", "y", 0644);
	OK(rump_sys_mkdir("mnt/dir", 0755));
	ERR(EXDEV, rump_sys_rename("f", "mnt/f"));
	ERR(EXDEV, rump_sys_rename("mnt/g", "g"));
	ERR(EXDEV, rump_sys_rename("mnt/dir", "dir"));
	ERR(EXDEV, rump_sys_renameat(AT_FDCWD, "f", AT_FDCWD, "mnt/g"));
	ERR(EXDEV, rump_sys_renameat2(AT_FDCWD, "f", AT_FDCWD, "mnt/g",
	    RENAME_NOREPLACE));
	ERR(EXDEV, rump_sys_link("f", "mnt/f"));
	ERR(EXDEV, rump_sys_linkat(AT_FDCWD, "mnt/g", AT_FDCWD, "g", 0));
	OK(rump_sys_unlink("mnt/g"));
	OK(rump_sys_rmdir("mnt/dir"));
	OK(rump_sys_umount2("mnt", 0));
}

static void
err_eloop(void **state)
{
	struct stat st;
	char buf[16];

	TDIR();
	OK(rump_sys_symlink("b", "a"));
	OK(rump_sys_symlink("a", "b"));
	t_mkfile("f", "x", 0644);
	OK(rump_sys_symlink("f", "lf"));
	ERR(ELOOP, rump_sys_open("a", O_RDONLY));
	ERR(ELOOP, rump_sys_open("a", O_CREAT | O_WRONLY, 0644));
	ERR(ELOOP, rump_sys_stat("a", &st));
	ERR(ELOOP, rump_sys_stat("a/x", &st));
	ERR(ELOOP, rump_sys_mkdir("a/x", 0755));
	ERR(ELOOP, rump_sys_chdir("a"));
	ERR(ELOOP, rump_sys_access("a", F_OK));
	ERR(ELOOP, rump_sys_chmod("a", 0644));
	ERR(ELOOP, rump_sys_truncate("a", 0));
	ERR(ELOOP, rump_sys_readlink("a/x", buf, sizeof(buf)));
	ERR(ELOOP, rump_sys_open("lf", O_RDONLY | O_NOFOLLOW));
	OK(rump_sys_lstat("a", &st));
	OK(rump_sys_unlink("a"));
}

static void
err_enametoolong(void **state)
{
	static char path[5000];
	char name[300], buf[16];
	struct stat st;

	TDIR();
	t_mkfile("f", "x", 0644);
	memset(name, 'q', sizeof(name));
	name[256] = '\0';
	ERR(ENAMETOOLONG, rump_sys_open(name, O_RDONLY));
	ERR(ENAMETOOLONG, rump_sys_open(name, O_CREAT | O_WRONLY, 0644));
	ERR(ENAMETOOLONG, rump_sys_mkdir(name, 0755));
	ERR(ENAMETOOLONG, rump_sys_rename("f", name));
	ERR(ENAMETOOLONG, rump_sys_link("f", name));
	ERR(ENAMETOOLONG, rump_sys_symlink("f", name));
	ERR(ENAMETOOLONG, rump_sys_unlink(name));
	ERR(ENAMETOOLONG, rump_sys_lstat(name, &st));
	ERR(ENAMETOOLONG, rump_sys_readlink(name, buf, sizeof(buf)));
	memset(path, 'p', 4096);
	path[4096] = '\0';
	ERR(ENAMETOOLONG, rump_sys_symlink(path, "l"));
	ERR(ENAMETOOLONG, rump_sys_stat(path, &st));
	ERR(ENAMETOOLONG, rump_sys_chdir(path));
}

static void
err_eperm(void **state)
{
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	gid_t g = 0;
	int fd;

	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	t_mkfile("f", "x", 0644);
	OK(rump_sys_mkdir("sticky", 01777));
	OK(rump_sys_chmod("sticky", 01777));
	t_mkfile("sticky/rootfile", "r", 0666);
	ERR(EPERM, rump_sys_link("d", "d2"));
	t_become(1000, 1000);
	ERR(EPERM, rump_sys_chown("f", 1000, 1000));
	ERR(EPERM, rump_sys_lchown("f", 1000, -1));
	ERR(EPERM, rump_sys_chmod("f", 0777));
	ERR(EPERM, rump_sys_fchmodat(AT_FDCWD, "f", 0777, 0));
	ERR(EPERM, rump_sys_utimensat(AT_FDCWD, "f", ts, 0));
	ERR(EPERM, rump_sys_setuid(0));
	ERR(EPERM, rump_sys_seteuid(0));
	ERR(EPERM, rump_sys_setgid(0));
	ERR(EPERM, rump_sys_setegid(0));
	ERR(EPERM, rump_sys_setgroups(1, &g));
	ERR(EPERM, rump_sys_chroot("d"));
	ERR(EPERM, rump_sys_unlink("sticky/rootfile"));
	ERR(EPERM, rump_sys_rename("sticky/rootfile", "sticky/mine"));
	fd = OK(rump_sys_open("f", O_RDONLY));
	ERR(EPERM, rump_sys_fchmod(fd, 0777));
	ERR(EPERM, rump_sys_fchown(fd, 1000, -1));
	/* no-op ownership changes are allowed */
	OK(rump_sys_fchown(fd, -1, -1));
	OK(rump_sys_close(fd));
	/* owners may chmod but not give away */
	fd = OK(rump_sys_open("sticky/mine", O_CREAT | O_WRONLY, 0600));
	OK(rump_sys_fchmod(fd, 0644));
	ERR(EPERM, rump_sys_fchown(fd, 1001, -1));
	ERR(EPERM, rump_sys_fchown(fd, -1, 0));
	OK(rump_sys_fchown(fd, 1000, 1000));
	OK(rump_sys_close(fd));
	OK(rump_sys_unlink("sticky/mine"));
	t_unbecome();
	struct stat st;
	OK(rump_sys_stat("f", &st));
	EQ(0, st.st_uid);
	EQ(0644, st.st_mode & 07777);
}

static void
err_eacces(void **state)
{
	char buf[16];
	int fd;

	TDIR();
	OK(rump_sys_mkdir("ro", 0755));
	OK(rump_sys_mkdir("nox", 0700));
	t_mkfile("ro/f", "x", 0644);
	t_mkfile("secret", "s", 0600);
	t_mkfile("nox/f", "x", 0644);
	OK(rump_sys_symlink("f", "nox/l"));
	t_become(1000, 1000);
	ERR(EACCES, rump_sys_open("secret", O_RDONLY));
	ERR(EACCES, rump_sys_open("ro/f", O_WRONLY));
	ERR(EACCES, rump_sys_open("ro/f", O_RDWR));
	ERR(EACCES, rump_sys_open("ro/new", O_CREAT | O_WRONLY, 0644));
	ERR(EACCES, rump_sys_creat("ro/new", 0644));
	ERR(EACCES, rump_sys_mkdir("ro/sub", 0755));
	ERR(EACCES, rump_sys_mknod("ro/fifo", S_IFIFO | 0644, 0));
	ERR(EACCES, rump_sys_symlink("x", "ro/l"));
	/* Linux with fs.protected_hardlinks=1 (the default): not ours */
	ERR(EPERM, rump_sys_link("ro/f", "ro/g"));
	ERR(EACCES, rump_sys_unlink("ro/f"));
	ERR(EACCES, rump_sys_rename("ro/f", "ro/g"));
	ERR(EACCES, rump_sys_truncate("ro/f", 0));
	ERR(EACCES, rump_sys_access("ro/f", W_OK));
	ERR(EACCES, rump_sys_access("secret", R_OK));
	ERR(EACCES, rump_sys_faccessat(AT_FDCWD, "secret", R_OK, AT_EACCESS));
	ERR(EACCES, rump_sys_chdir("nox"));
	ERR(EACCES, rump_sys_readlink("nox/l", buf, sizeof(buf)));
	ERR(EACCES, rump_sys_utimensat(AT_FDCWD, "ro/f", NULL, 0));
	ERR(EACCES, rump_sys_rmdir("nox"));
	OK(rump_sys_access("ro/f", R_OK));
	fd = OK(rump_sys_open("ro/f", O_RDONLY));
	ERR(EACCES, rump_sys_futimens(fd, NULL));
	OK(rump_sys_close(fd));
	t_unbecome();
	/* root passes every rwx check, but execute needs some x bit */
	OK(rump_sys_access("secret", R_OK | W_OK));
	ERR(EACCES, rump_sys_access("secret", X_OK));
	OK(rump_sys_chmod("secret", 0601));
	OK(rump_sys_access("secret", X_OK));
}

static void
err_ebusy(void **state)
{
	TDIR();
	OK(rump_sys_mkdir("mnt", 0755));
	OK(rump_sys_mount("tmpfs", "mnt", "tmpfs", 0, NULL));
	ERR(EBUSY, rump_sys_rmdir("mnt"));
	ERR(EBUSY, rump_sys_rename("mnt", "mnt2"));
	ERR(EBUSY, rump_sys_rmdir("/"));
	OK(rump_sys_chdir("mnt"));
	ERR(EBUSY, rump_sys_umount2("/t_err_ebusy/mnt", 0));
	OK(rump_sys_chdir("/t_err_ebusy"));
	OK(rump_sys_umount2("mnt", 0));
	OK(rump_sys_rmdir("mnt"));
}

static void
err_dots(void **state)
{
	struct stat st;
	int dfd;

	TDIR();
	OK(rump_sys_mkdir("d", 0755));
	OK(rump_sys_mkdir("d/sub", 0755));
	t_mkfile("f", "x", 0644);
	ERR(EBUSY, rump_sys_rename(".", "x"));
	ERR(EBUSY, rump_sys_rename("d", "d/.."));
	ERR(EBUSY, rump_sys_rename("d/.", "x"));
	ERR(EBUSY, rump_sys_rename("d", "."));
	ERR(EBUSY, rump_sys_rename("f", "d/."));
	ERR(ENOTEMPTY, rump_sys_rename("d/sub", "d"));
	ERR(EINVAL, rump_sys_rename("d", "d/sub"));
	ERR(EISDIR, rump_sys_unlink("."));
	ERR(EPERM, rump_sys_link(".", "x"));
	ERR(EEXIST, rump_sys_symlink("x", "."));
	ERR(EEXIST, rump_sys_mkdir(".", 0755));
	ERR(EEXIST, rump_sys_mkdir("..", 0755));
	ERR(EEXIST, rump_sys_mkdir("d/.", 0755));
	ERR(EEXIST, rump_sys_mkdir("f/", 0755));
	ERR(EISDIR, rump_sys_open(".", O_CREAT | O_RDONLY, 0644));
	ERR(ENOENT, rump_sys_symlink("x", "newlink/"));
	ERR(EINVAL, rump_sys_unlinkat(AT_FDCWD, "d/.", AT_REMOVEDIR));
	ERR(ENOTEMPTY, rump_sys_unlinkat(AT_FDCWD, "d/..", AT_REMOVEDIR));
	OK(rump_sys_stat("d/sub", &st));
	/* a removed directory: nothing can be created in it any more */
	dfd = OK(rump_sys_open("d/sub", O_RDONLY | O_DIRECTORY));
	OK(rump_sys_rmdir("d/sub"));
	ERR(ENOENT, rump_sys_mkdirat(dfd, "x", 0755));
	ERR(ENOENT, rump_sys_openat(dfd, "x", O_CREAT | O_WRONLY, 0644));
	ERR(ENOENT, rump_sys_symlinkat("x", dfd, "l"));
	ERR(ENOENT, rump_sys_mknodat(dfd, "p", S_IFIFO | 0644, 0));
	char buf[256];
	ERR(ENOENT, rump_sys_getdents64(dfd, buf, sizeof(buf)));
	OK(rump_sys_fstat(dfd, &st));
	EQ(0, st.st_nlink);
	OK(rump_sys_close(dfd));
}

static const struct CMUnitTest tests[] = {
	T(err_enoent),
	T(err_enotdir),
	T(err_eisdir),
	T(err_eexist),
	T(err_enotempty),
	T(err_exdev),
	T(err_eloop),
	T(err_enametoolong),
	T(err_eperm),
	T(err_eacces),
	T(err_ebusy),
	T(err_dots),
};

T_MAIN("errfs", tests)
