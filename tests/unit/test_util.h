/*
 * test_util.h — shared scaffolding for the cmocka unit tests in tests/unit.
 *
 * Every t_*.c file is one test binary and boots one kernel (group setup).
 * Each test runs with the calling thread bound to the implicit pid 1 lwp,
 * in its own fresh directory /t_<test name> (TDIR()), and the per-test
 * teardown puts the thread back on pid 1, returns to "/" and checks that
 * the test left no descriptor of pid 1 open.  Expected results are those
 * of the host Linux kernel.
 *
 * Run one test by name: build/tests/bin/t_fd fd_dup2_self  (glob allowed).
 */
#ifndef TESTS_UNIT_TEST_UTIL_H
#define TESTS_UNIT_TEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <cmocka.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#define T_MAXFD		1024

/* The errno's symbolic name, for failure messages. */
static inline const char *
t_errname(int e)
{
	const char *s = strerrorname_np(e);

	return s != NULL ? s : "?";
}

/* Asserts that call succeeds (returns >= 0); evaluates to its value. */
#define OK(call) __extension__ ({					\
	errno = 0;							\
	long t_r_ = (long)(call);					\
	if (t_r_ < 0)							\
		fail_msg("%s:%d: %s failed: %s (%d)", __FILE__,		\
		    __LINE__, #call, t_errname(errno), errno);		\
	t_r_;								\
})

/* Asserts that call fails with -1 and exactly errno e. */
#define ERR(e, call) do {						\
	errno = 0;							\
	long t_r_ = (long)(call);					\
	int t_e_ = errno;						\
	if (t_r_ != -1 || t_e_ != (e))					\
		fail_msg("%s:%d: %s: got %ld errno %s (%d), "		\
		    "want -1 errno %s (%d)", __FILE__, __LINE__,	\
		    #call, t_r_, t_r_ == -1 ? t_errname(t_e_) : "-",	\
		    t_e_, t_errname(e), (e));				\
} while (0)

/* Asserts that call returns exactly v. */
#define EQ(v, call) do {						\
	errno = 0;							\
	long t_r_ = (long)(call);					\
	if (t_r_ != (long)(v))						\
		fail_msg("%s:%d: %s: got %ld (errno %s), want %ld",	\
		    __FILE__, __LINE__, #call, t_r_, t_errname(errno),	\
		    (long)(v));						\
} while (0)

static int t_fdbase[T_MAXFD];	/* pid 1's open descriptors at setup */
static mode_t t_umask0;		/* pid 1's umask after boot */

static inline bool
t_fdopen(int fd)
{
	return rump_sys_fcntl(fd, F_GETFD) != -1;
}

static inline int
t_group_setup(void **state)
{
	(void)state;
	if (rump_init() != 0)
		return -1;
	t_umask0 = (mode_t)rump_sys_umask(022);
	rump_sys_umask(t_umask0);
	return 0;
}

static inline int
t_setup(void **state)
{
	(void)state;
	rump_lwproc_switch(NULL);
	if (rump_sys_chdir("/") != 0)
		return -1;
	rump_sys_umask(t_umask0);
	for (int fd = 0; fd < T_MAXFD; fd++)
		t_fdbase[fd] = t_fdopen(fd);
	return 0;
}

/*
 * Leaves whatever process a failed test was bound to (releasing it makes
 * it exit), then closes and reports descriptors the test leaked on pid 1.
 */
static inline int
t_teardown(void **state)
{
	int leaked = 0;

	(void)state;
	for (int i = 0; i < 8 && rump_lwproc_curlwp() != NULL; i++)
		rump_lwproc_releaselwp();
	rump_lwproc_switch(NULL);
	rump_sys_chdir("/");
	for (int fd = 0; fd < T_MAXFD; fd++) {
		if (!t_fdbase[fd] && t_fdopen(fd)) {
			rump_sys_close(fd);
			leaked++;
		}
	}
	if (leaked != 0) {
		print_error("teardown: test leaked %d descriptor(s)\n", leaked);
		return -1;
	}
	return 0;
}

/* Creates /t_<name> and makes it the current directory. */
static inline void
t_enter(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/t_%s", name);
	OK(rump_sys_mkdir(path, 0755));
	OK(rump_sys_chmod(path, 0755));
	OK(rump_sys_chdir(path));
}
#define TDIR()	t_enter(__func__)

/* Creates (or truncates) path holding the string s; mode is exact. */
static inline void
t_mkfile(const char *path, const char *s, mode_t mode)
{
	int fd = (int)OK(rump_sys_open(path, O_CREAT | O_TRUNC | O_WRONLY, mode));
	size_t n = strlen(s);

	EQ(n, rump_sys_write(fd, s, n));
	OK(rump_sys_fchmod(fd, mode));
	OK(rump_sys_close(fd));
}

/* Reads path into buf (NUL-terminated); returns the byte count. */
static inline ssize_t
t_readfile(const char *path, char *buf, size_t size)
{
	int fd = (int)OK(rump_sys_open(path, O_RDONLY));
	ssize_t n = OK(rump_sys_read(fd, buf, size - 1));

	buf[n] = '\0';
	OK(rump_sys_close(fd));
	return n;
}

/*
 * Becomes an unprivileged process: a child of the current one (with a
 * copy of its descriptors) whose real and effective ids are uid/gid.
 * t_unbecome() makes it exit and returns to pid 1.
 */
static inline void
t_become(uid_t uid, gid_t gid)
{
	EQ(0, rump_lwproc_rfork(RUMP_RFFDG));
	OK(rump_sys_setgroups(0, NULL));
	OK(rump_sys_setgid(gid));
	OK(rump_sys_setuid(uid));
	EQ(uid, rump_sys_geteuid());
}

static inline void
t_unbecome(void)
{
	rump_lwproc_releaselwp();
	rump_lwproc_switch(NULL);
	EQ(1, rump_sys_getpid());
}

static inline ino_t
t_ino(const char *path)
{
	struct stat st;

	OK(rump_sys_stat(path, &st));
	return st.st_ino;
}

static inline dev_t
t_dev(const char *path)
{
	struct stat st;

	OK(rump_sys_stat(path, &st));
	return st.st_dev;
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, t_setup, t_teardown)

/* main() of every test binary: optional argv[1] selects tests by name. */
#define T_MAIN(group, tests)						\
int									\
main(int argc, char **argv)						\
{									\
	if (argc > 1)							\
		cmocka_set_test_filter(argv[1]);			\
	return cmocka_run_group_tests_name(group, tests,		\
	    t_group_setup, NULL);					\
}

#endif /* TESTS_UNIT_TEST_UTIL_H */
