/*
 * t_etfs.c — rump_etfs_register/remove: a window of a host file seen at a
 * key inside the kernel, as a regular file or a block device.  The host
 * file is a mkstemp file under /tmp, removed at the end of each test.
 */
#include "test_util.h"
#include <linux/fs.h>
#include <sys/sysmacros.h>

#define HOSTSIZE	8192

static char hostpath[64];
static int hostfd = -1;

static void
host_create(void)
{
	char buf[HOSTSIZE];

	strcpy(hostpath, "/tmp/t_etfs.XXXXXX");
	hostfd = mkstemp(hostpath);
	assert_true(hostfd >= 0);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(HOSTSIZE, pwrite(hostfd, buf, sizeof(buf), 0));
}

static void
host_remove(void)
{
	close(hostfd);
	unlink(hostpath);
	hostfd = -1;
}

static void
host_expect(off_t off, const char *s)
{
	char buf[64];
	size_t n = strlen(s);

	assert_int_equal((ssize_t)n, pread(hostfd, buf, n, off));
	assert_memory_equal(s, buf, n);
}

static void
etfs_reg(void **state)
{
	struct stat st;
	char buf[16];
	int fd;

	host_create();
	EQ(0, rump_etfs_register("/etfs/a/reg", hostpath, RUMP_ETFS_REG, 0, 0));
	OK(rump_sys_stat("/etfs/a", &st));
	assert_true(S_ISDIR(st.st_mode));
	EQ(0755, st.st_mode & 07777);
	OK(rump_sys_stat("/etfs/a/reg", &st));
	assert_true(S_ISREG(st.st_mode));
	EQ(HOSTSIZE, st.st_size);
	fd = (int)OK(rump_sys_open("/etfs/a/reg", O_RDWR));
	EQ(5, rump_sys_write(fd, "hello", 5));
	EQ(5, rump_sys_lseek(fd, 0, SEEK_CUR));
	host_expect(0, "hello");
	EQ(3, rump_sys_pread(fd, buf, 3, 1));
	assert_memory_equal("ell", buf, 3);
	EQ(3, rump_sys_read(fd, buf, 3));
	assert_memory_equal("xxx", buf, 3);
	EQ(HOSTSIZE, rump_sys_lseek(fd, 0, SEEK_END));
	EQ(0, rump_sys_read(fd, buf, sizeof(buf)));
	ERR(ENOSPC, rump_sys_write(fd, "a", 1));
	EQ(HOSTSIZE - 2, rump_sys_lseek(fd, -2, SEEK_END));
	EQ(2, rump_sys_write(fd, "abc", 3));
	host_expect(HOSTSIZE - 2, "ab");
	ERR(EINVAL, rump_sys_lseek(fd, -1, SEEK_SET));
	OK(rump_sys_fstat(fd, &st));
	EQ(HOSTSIZE, st.st_size);
	OK(rump_sys_fsync(fd));
	OK(rump_sys_close(fd));
	EQ(0, rump_etfs_remove("/etfs/a/reg"));
	ERR(ENOENT, rump_sys_stat("/etfs/a/reg", &st));
	EQ(ENOENT, rump_etfs_remove("/etfs/a/reg"));
	host_remove();
}

static void
etfs_blk_window(void **state)
{
	struct stat st;
	uint64_t sz = 0;
	char buf[16];
	int fd;

	host_create();
	EQ(0, rump_etfs_register("/dkw", hostpath, RUMP_ETFS_BLK, 4096, 1024));
	OK(rump_sys_stat("/dkw", &st));
	assert_true(S_ISBLK(st.st_mode));
	EQ(240, major(st.st_rdev));
	EQ(1024, st.st_size);
	fd = (int)OK(rump_sys_open("/dkw", O_RDWR));
	EQ(3, rump_sys_pwrite(fd, "abc", 3, 100));
	host_expect(4196, "abc");
	EQ(4, rump_sys_pwrite(fd, "0123456789", 10, 1020));
	host_expect(5116, "0123x");
	ERR(ENOSPC, rump_sys_pwrite(fd, "z", 1, 1024));
	EQ(0, rump_sys_pread(fd, buf, sizeof(buf), 1024));
	EQ(100, rump_sys_lseek(fd, 100, SEEK_SET));
	EQ(3, rump_sys_read(fd, buf, 3));
	assert_memory_equal("abc", buf, 3);
	OK(rump_sys_ioctl(fd, BLKGETSIZE64, &sz));
	EQ(1024, sz);
	OK(rump_sys_fstat(fd, &st));
	EQ(1024, st.st_size);
	assert_true(S_ISBLK(st.st_mode));
	OK(rump_sys_fsync(fd));
	/* removed while open: the open file keeps working */
	EQ(0, rump_etfs_remove("/dkw"));
	ERR(ENOENT, rump_sys_stat("/dkw", &st));
	EQ(3, rump_sys_pread(fd, buf, 3, 100));
	assert_memory_equal("abc", buf, 3);
	OK(rump_sys_close(fd));
	host_remove();
}

static void
etfs_chr(void **state)
{
	struct stat st;
	char buf[4];
	int fd;

	host_create();
	EQ(0, rump_etfs_register("/dev/etfsc", hostpath, RUMP_ETFS_CHR, 0, 16));
	OK(rump_sys_stat("/dev/etfsc", &st));
	assert_true(S_ISCHR(st.st_mode));
	fd = (int)OK(rump_sys_open("/dev/etfsc", O_RDONLY));
	EQ(4, rump_sys_read(fd, buf, 4));
	assert_memory_equal("xxxx", buf, 4);
	ERR(EBADF, rump_sys_write(fd, "a", 1));
	OK(rump_sys_close(fd));
	EQ(0, rump_etfs_remove("/dev/etfsc"));
	host_remove();
}

static void
etfs_errors(void **state)
{
	TDIR();
	host_create();
	EQ(EINVAL, rump_etfs_register("/e1", hostpath, 7, 0, 0));
	EQ(EINVAL, rump_etfs_register("rel", hostpath, RUMP_ETFS_REG, 0, 0));
	EQ(ENOENT, rump_etfs_register("/e1", "/tmp/t_etfs.does.not.exist",
	    RUMP_ETFS_REG, 0, 0));
	EQ(EINVAL, rump_etfs_register("/e1", hostpath, RUMP_ETFS_REG,
	    HOSTSIZE + 1, 0));
	t_mkfile("/t_etfs_errors/f", "", 0644);
	EQ(EEXIST, rump_etfs_register("/t_etfs_errors/f", hostpath,
	    RUMP_ETFS_REG, 0, 0));
	EQ(0, rump_etfs_register("/e1", hostpath, RUMP_ETFS_BLK, 0, 0));
	EQ(EEXIST, rump_etfs_register("/e1", hostpath, RUMP_ETFS_BLK, 0, 0));
	EQ(0, rump_etfs_remove("/e1"));
	EQ(ENOENT, rump_etfs_remove("/e1"));
	host_remove();
}

static const struct CMUnitTest tests[] = {
	T(etfs_reg),
	T(etfs_blk_window),
	T(etfs_chr),
	T(etfs_errors),
};

T_MAIN("etfs", tests)
