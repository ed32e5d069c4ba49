/*
 * t_dev.c — the character devices under /dev: null, zero, full, random,
 * urandom.  Their nodes carry Linux's major/minor numbers (1,3 1,5 1,7
 * 1,8 1,9) and behave like Linux's.
 */
#include "test_util.h"
#include <sys/sysmacros.h>

struct devnode {
	const char	*path;
	unsigned	 minor;
};

static const struct devnode devs[] = {
	{ "/dev/null", 3 }, { "/dev/zero", 5 }, { "/dev/full", 7 },
	{ "/dev/random", 8 }, { "/dev/urandom", 9 },
};

static void
dev_nodes(void **state)
{
	struct stat st;
	int fd;

	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		OK(rump_sys_stat(devs[i].path, &st));
		if (!S_ISCHR(st.st_mode))
			fail_msg("%s: mode %o", devs[i].path, st.st_mode);
		EQ(1, major(st.st_rdev));
		EQ(devs[i].minor, minor(st.st_rdev));
		fd = OK(rump_sys_open(devs[i].path, O_RDONLY));
		OK(rump_sys_fstat(fd, &st));
		assert_true(S_ISCHR(st.st_mode));
		EQ(makedev(1, devs[i].minor), st.st_rdev);
		OK(rump_sys_close(fd));
	}
	OK(rump_sys_stat("/dev", &st));
	assert_true(S_ISDIR(st.st_mode));
	OK(rump_sys_stat("/tmp", &st));
	assert_true(S_ISDIR(st.st_mode));
}

static void
dev_null(void **state)
{
	char buf[16] = "unchanged";
	int fd;

	fd = OK(rump_sys_open("/dev/null", O_RDWR));
	EQ(0, rump_sys_read(fd, buf, sizeof(buf)));
	assert_string_equal(buf, "unchanged");
	EQ(0, rump_sys_write(fd, buf, 0));
	EQ(sizeof(buf), rump_sys_write(fd, buf, sizeof(buf)));
	EQ(sizeof(buf), rump_sys_pwrite(fd, buf, sizeof(buf), 1000));
	EQ(0, rump_sys_lseek(fd, 123, SEEK_SET));
	OK(rump_sys_close(fd));
	/* everyone may write to it */
	t_become(1000, 1000);
	fd = OK(rump_sys_open("/dev/null", O_WRONLY | O_TRUNC));
	EQ(3, rump_sys_write(fd, "abc", 3));
	OK(rump_sys_close(fd));
	t_unbecome();
}

static void
dev_zero(void **state)
{
	static unsigned char buf[70000];
	int fd;

	fd = OK(rump_sys_open("/dev/zero", O_RDWR));
	memset(buf, 0xa5, sizeof(buf));
	EQ(sizeof(buf), rump_sys_read(fd, buf, sizeof(buf)));
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i] != 0)
			fail_msg("/dev/zero byte %zu is %#x", i, buf[i]);
	EQ(5, rump_sys_write(fd, "hello", 5));
	memset(buf, 0xa5, 10);
	EQ(10, rump_sys_pread(fd, buf, 10, 99));
	EQ(0, buf[9]);
	OK(rump_sys_close(fd));
}

static void
dev_full(void **state)
{
	unsigned char buf[64];
	int fd;

	fd = OK(rump_sys_open("/dev/full", O_RDWR));
	ERR(ENOSPC, rump_sys_write(fd, "x", 1));
	ERR(ENOSPC, rump_sys_write(fd, buf, sizeof(buf)));
	memset(buf, 0xa5, sizeof(buf));
	EQ(sizeof(buf), rump_sys_read(fd, buf, sizeof(buf)));
	for (size_t i = 0; i < sizeof(buf); i++)
		EQ(0, buf[i]);
	OK(rump_sys_close(fd));
}

static void
random_check(const char *path)
{
	unsigned char a[64], b[64];
	int fd, nz = 0;

	fd = OK(rump_sys_open(path, O_RDONLY));
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	EQ(sizeof(a), rump_sys_read(fd, a, sizeof(a)));
	EQ(sizeof(b), rump_sys_read(fd, b, sizeof(b)));
	if (memcmp(a, b, sizeof(a)) == 0)
		fail_msg("%s: two reads gave the same bytes", path);
	for (size_t i = 0; i < sizeof(a); i++)
		nz += a[i] != 0;
	assert_true(nz > 32);
	OK(rump_sys_close(fd));
	/* a second open does not replay the stream */
	fd = OK(rump_sys_open(path, O_RDONLY));
	EQ(sizeof(b), rump_sys_read(fd, b, sizeof(b)));
	assert_true(memcmp(a, b, sizeof(a)) != 0);
	OK(rump_sys_close(fd));
}

static void
dev_random(void **state)
{
	random_check("/dev/random");
	random_check("/dev/urandom");
	/* writing mixes in entropy and is allowed for root */
	int fd = OK(rump_sys_open("/dev/urandom", O_WRONLY));
	EQ(4, rump_sys_write(fd, "seed", 4));
	OK(rump_sys_close(fd));
}

static void
dev_mknod(void **state)
{
	char buf[4];
	int fd;

	TDIR();
	OK(rump_sys_mknod("mynull", S_IFCHR | 0666, makedev(1, 3)));
	OK(rump_sys_chmod("mynull", 0666));
	fd = OK(rump_sys_open("mynull", O_RDWR));
	EQ(3, rump_sys_write(fd, "abc", 3));
	EQ(0, rump_sys_read(fd, buf, sizeof(buf)));
	OK(rump_sys_close(fd));
	OK(rump_sys_mknod("myzero", S_IFCHR | 0666, makedev(1, 5)));
	fd = OK(rump_sys_open("myzero", O_RDONLY));
	buf[0] = 7;
	EQ(1, rump_sys_read(fd, buf, 1));
	EQ(0, buf[0]);
	OK(rump_sys_close(fd));
	/* a device nobody provides */
	OK(rump_sys_mknod("nodev", S_IFCHR | 0666, makedev(250, 250)));
	ERR(ENXIO, rump_sys_open("nodev", O_RDONLY));
	/* creating device nodes is a privilege, checked after write access */
	OK(rump_sys_chmod(".", 0777));
	t_become(1000, 1000);
	ERR(EPERM, rump_sys_mknod("/t_dev_mknod/x", S_IFCHR | 0666,
	    makedev(1, 3)));
	t_unbecome();
}

static const struct CMUnitTest tests[] = {
	T(dev_nodes),
	T(dev_null),
	T(dev_zero),
	T(dev_full),
	T(dev_random),
	T(dev_mknod),
};

T_MAIN("dev", tests)
