/*
 * h_cwd.c — NetBSD's t_cwd helper, rewritten: the cwd moves into the rump
 * kernel through a path= prefix and getcwd() reports it with the prefix;
 * ".." and symlinks never leave the rump namespace.  Run under the
 * preload with RUMPHIJACK=path=<prefix>:
 *
 *	h_cwd <prefix> simple|symlink chdir|fchdir
 *
 * "fchdir" enters each directory through open + fchdir + close instead
 * of chdir.  Every getcwd is checked in both glibc forms (a caller's
 * buffer and getcwd(NULL, 0), which coreutils' pwd uses) and with a
 * buffer one byte too small (ERANGE).
 */
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "h_common.h"

static const char *prefix;
static bool use_fchdir;

/* the program-visible name of rump path x: prefix "/" x, without
 * doubling a trailing slash of the prefix ("//" + "dir" is "//dir") */
static const char *
makepath(const char *x)
{
	static char buf[PATH_MAX];
	size_t n = strlen(prefix);

	snprintf(buf, sizeof(buf), "%s%s%s", prefix,
	    n > 0 && prefix[n - 1] == '/' ? "" : "/", x);
	return buf;
}

static void
dochdir(const char *path)
{
	int fd;

	if (!use_fchdir) {
		H_CHECK(chdir(path) == 0, "chdir(\"%s\")", path);
		return;
	}
	fd = open(path, O_RDONLY);
	H_CHECK(fd >= 0, "open(\"%s\", O_RDONLY)", path);
	H_CHECK(fchdir(fd) == 0, "fchdir(%d) (\"%s\")", fd, path);
	H_CHECK(close(fd) == 0, "close(%d)", fd);
}

static void
checkcwd(const char *want, const char *after)
{
	char buf[PATH_MAX];
	char *p;

	H_CHECK(getcwd(buf, sizeof(buf)) == buf, "getcwd after %s", after);
	if (strcmp(buf, want) != 0) {
		errno = 0;
		h_fail("after %s: getcwd is \"%s\", expected \"%s\"",
		    after, buf, want);
	}
	/* exactly large enough, and one byte short */
	H_CHECK(getcwd(buf, strlen(want) + 1) == buf,
	    "getcwd with a buffer of %zu after %s", strlen(want) + 1, after);
	errno = 0;
	H_CHECK(getcwd(buf, strlen(want)) == NULL && errno == ERANGE,
	    "getcwd with a buffer of %zu after %s: expected ERANGE",
	    strlen(want), after);
	p = getcwd(NULL, 0);
	H_CHECK(p != NULL, "getcwd(NULL, 0) after %s", after);
	if (strcmp(p, want) != 0) {
		errno = 0;
		h_fail("after %s: getcwd(NULL, 0) is \"%s\", expected \"%s\"",
		    after, p, want);
	}
	free(p);
}

/*
 * Not a check of the library but a guard: the tests run as root, and if
 * entering "//" went to the host instead, the relative mkdirs and
 * symlinks below would land in the host's root directory.  The test
 * starts us in its temporary directory and entering the rump kernel
 * leaves the host's cwd alone, so the host's own answer (a raw system
 * call the preload cannot see) must not be "/".
 */
static void
enter_prefix(void)
{
	char buf[PATH_MAX];

	dochdir(prefix);
	H_CHECK(syscall(SYS_getcwd, buf, sizeof(buf)) > 0, "raw getcwd");
	if (strcmp(buf, "/") == 0) {
		errno = 0;
		h_fail("entering %s changed the host's cwd to \"/\": not "
		    "making directories there", prefix);
	}
}

static void
simple(void)
{
	enter_prefix();
	checkcwd(prefix, "entering the prefix");

	H_CHECK(mkdir("dir", 0777) == 0, "mkdir(\"dir\") at the rump root");
	dochdir("dir");
	checkcwd(makepath("dir"), "entering dir");

	H_CHECK(mkdir("dir", 0777) == 0, "mkdir(\"dir\") in dir");
	dochdir("dir");
	checkcwd(makepath("dir/dir"), "entering dir/dir");

	dochdir("..");
	checkcwd(makepath("dir"), "going up with \"..\"");

	/* more ".." than there are levels: stops at the rump root */
	dochdir("../../../../../../..");
	checkcwd(prefix, "climbing past the rump root");

	dochdir("/");
	checkcwd("/", "returning to the host root");
}

static void
symlinks(void)
{
	enter_prefix();
	H_CHECK(mkdir("adir", 0777) == 0, "mkdir(\"adir\")");
	H_CHECK(mkdir("anotherdir", 0777) == 0, "mkdir(\"anotherdir\")");
	/* an absolute target resolves in the rump kernel, not the host */
	H_CHECK(symlink("/adir", "anotherdir/lincthesink") == 0,
	    "symlink(\"/adir\", \"anotherdir/lincthesink\")");
	dochdir("anotherdir/lincthesink");
	checkcwd(makepath("adir"), "following the symlink");
}

int
main(int argc, char *argv[])
{
	if (argc != 4) {
		fprintf(stderr, "usage: h_cwd prefix simple|symlink "
		    "chdir|fchdir\n");
		return 2;
	}
	prefix = argv[1];
	if (strcmp(argv[3], "fchdir") == 0)
		use_fchdir = true;
	else if (strcmp(argv[3], "chdir") != 0) {
		fprintf(stderr, "h_cwd: unknown type %s\n", argv[3]);
		return 2;
	}
	if (strcmp(argv[2], "simple") == 0)
		simple();
	else if (strcmp(argv[2], "symlink") == 0)
		symlinks();
	else {
		fprintf(stderr, "h_cwd: unknown test %s\n", argv[2]);
		return 2;
	}
	return 0;
}
