/*
 * t_boot.c — booting: before rump_init() every system call fails with
 * ENXIO and nothing can be forked; rump_init() boots once and later calls
 * return 0 at once; the booted kernel has the documented layout (pid 1 is
 * root in "/", with /dev and /tmp).  Unlike the other binaries, this one
 * boots inside its tests, in order.
 */
#include "test_util.h"

static void
boot_before_init(void **state)
{
	struct stat st;

	ERR(ENXIO, rump_sys_getpid());
	ERR(ENXIO, rump_sys_stat("/", &st));
	ERR(ENXIO, rump_sys_open("/dev/null", O_RDONLY));
	assert_true(rump_lwproc_rfork(RUMP_RFFDG) != 0);
	assert_null(rump_lwproc_curlwp());
}

static void
boot_init(void **state)
{
	struct stat st;
	char buf[64];

	EQ(0, rump_init());
	EQ(0, rump_init());
	EQ(1, rump_sys_getpid());
	EQ(0, rump_sys_geteuid());
	OK(rump_sys_getcwd(buf, sizeof(buf)));
	assert_string_equal(buf, "/");
	OK(rump_sys_stat("/", &st));
	assert_true(S_ISDIR(st.st_mode));
	OK(rump_sys_stat("/dev", &st));
	assert_true(S_ISDIR(st.st_mode));
	OK(rump_sys_stat("/tmp", &st));
	assert_true(S_ISDIR(st.st_mode));
	/* /tmp is world-writable and sticky, as on Linux */
	EQ(01777, st.st_mode & 07777);
	/* the default umask is Linux's */
	EQ(022, rump_sys_umask(022));
	/* pid 1 starts with no descriptors */
	EQ(0, rump_sys_open("/dev/null", O_RDONLY));
	OK(rump_sys_close(0));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(boot_before_init),
		cmocka_unit_test(boot_init),
	};

	(void)argc;
	(void)argv;
	return cmocka_run_group_tests_name("boot", tests, NULL, NULL);
}
