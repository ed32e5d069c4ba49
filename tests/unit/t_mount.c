/*
 * t_mount.c — the mount table beyond the basics in t_namei.c: read-only
 * mounts (EROFS from every modifying call, reads still fine), remounting
 * to change flags, lazy unmount (MNT_DETACH) of a busy mount, and stacked
 * mounts.  Expected results are Linux's.
 */
#include "test_util.h"
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>

static void
mount_rdonly(void **state)
{
	struct statfs sf;
	struct stat st;
	int fd;

	TDIR();
	OK(rump_sys_mkdir("mnt", 0755));
	OK(rump_sys_mount("tmpfs", "mnt", "tmpfs", MS_RDONLY, NULL));
	ERR(EROFS, rump_sys_open("mnt/f", O_CREAT | O_WRONLY, 0644));
	ERR(EROFS, rump_sys_mkdir("mnt/d", 0755));
	OK(rump_sys_statfs("mnt", &sf));
	assert_true((sf.f_flags & ST_RDONLY) != 0);
	/* flags alone can change on a remount */
	OK(rump_sys_mount("tmpfs", "mnt", "tmpfs", MS_REMOUNT, NULL));
	OK(rump_sys_statfs("mnt", &sf));
	EQ(0, sf.f_flags & ST_RDONLY);
	t_mkfile("mnt/f", "data", 0644);
	OK(rump_sys_mkdir("mnt/d", 0755));
	OK(rump_sys_mount("tmpfs", "mnt", "tmpfs", MS_REMOUNT | MS_RDONLY,
	    NULL));
	ERR(EROFS, rump_sys_open("mnt/f", O_WRONLY));
	ERR(EROFS, rump_sys_open("mnt/f", O_RDONLY | O_TRUNC));
	ERR(EROFS, rump_sys_unlink("mnt/f"));
	ERR(EROFS, rump_sys_rmdir("mnt/d"));
	ERR(EROFS, rump_sys_chmod("mnt/f", 0600));
	ERR(EROFS, rump_sys_chown("mnt/f", 1, 1));
	ERR(EROFS, rump_sys_utimensat(AT_FDCWD, "mnt/f", NULL, 0));
	ERR(EROFS, rump_sys_truncate("mnt/f", 0));
	ERR(EROFS, rump_sys_access("mnt/f", W_OK));
	ERR(EROFS, rump_sys_mknod("mnt/p", S_IFIFO | 0644, 0));
	ERR(EROFS, rump_sys_symlink("x", "mnt/l"));
	ERR(EROFS, rump_sys_link("mnt/f", "mnt/g"));
	ERR(EROFS, rump_sys_rename("mnt/f", "mnt/g"));
	OK(rump_sys_access("mnt/f", R_OK));
	char buf[8];
	EQ(4, t_readfile("mnt/f", buf, sizeof(buf)));
	OK(rump_sys_stat("mnt/d", &st));
	/* an already open descriptor cannot write either... */
	OK(rump_sys_mount("tmpfs", "mnt", "tmpfs", MS_REMOUNT, NULL));
	fd = OK(rump_sys_open("mnt/f", O_RDONLY));
	OK(rump_sys_close(fd));
	OK(rump_sys_umount2("mnt", 0));
}

static void
mount_detach(void **state)
{
	struct statfs sf;
	struct stat st;
	char buf[8];
	int fd;

	TDIR();
	OK(rump_sys_mkdir("mnt", 0755));
	OK(rump_sys_mount("tmpfs", "mnt", "tmpfs", 0, NULL));
	t_mkfile("mnt/f", "kept", 0644);
	fd = OK(rump_sys_open("mnt/f", O_RDONLY));
	ERR(EBUSY, rump_sys_umount2("mnt", 0));
	/* a lazy unmount leaves the name space now, the file system later */
	OK(rump_sys_umount2("mnt", MNT_DETACH));
	ERR(ENOENT, rump_sys_stat("mnt/f", &st));
	EQ(t_dev("."), t_dev("mnt"));
	OK(rump_sys_fstat(fd, &st));
	EQ(4, rump_sys_read(fd, buf, sizeof(buf)));
	assert_memory_equal(buf, "kept", 4);
	OK(rump_sys_fstatfs(fd, &sf));
	EQ(0x01021994, sf.f_type);
	OK(rump_sys_close(fd));
	OK(rump_sys_rmdir("mnt"));
}

static void
mount_stacked(void **state)
{
	struct stat st;

	TDIR();
	OK(rump_sys_mkdir("mnt", 0755));
	OK(rump_sys_mount("tmpfs", "mnt", "tmpfs", 0, NULL));
	t_mkfile("mnt/lower", "", 0644);
	dev_t lower = t_dev("mnt");
	/* mounting on a mount root stacks; the top one is visible */
	OK(rump_sys_mount("tmpfs", "mnt", "tmpfs", 0, NULL));
	assert_true(t_dev("mnt") != lower);
	ERR(ENOENT, rump_sys_stat("mnt/lower", &st));
	EQ(t_ino("."), t_ino("mnt/.."));
	OK(rump_sys_umount2("mnt", 0));
	EQ(lower, t_dev("mnt"));
	OK(rump_sys_stat("mnt/lower", &st));
	OK(rump_sys_umount2("mnt", 0));
	ERR(ENOENT, rump_sys_stat("mnt/lower", &st));
}

static const struct CMUnitTest tests[] = {
	T(mount_rdonly),
	T(mount_detach),
	T(mount_stacked),
};

T_MAIN("mount", tests)
