/*
 * path.c — which kernel a path belongs to, and the current directory.
 *
 * rumphijack(3): an absolute path is the kernel's when it starts with
 * the path= prefix followed by "/" or its end (the prefix is removed:
 * /rump/dev/null is the kernel's /dev/null), or with one of the blanket=
 * entries (a plain string prefix, kept: blanket=/dev/bpf also takes
 * /dev/bpfoo).  A relative path goes where the current directory is,
 * or, for the *at calls, where the directory descriptor is.  The test is
 * lexical: ".." and symbolic links never move a path between kernels,
 * so chdir("..") at the kernel's root stays there.
 *
 * The cwd is in the kernel after a successful chdir to a kernel path or
 * an fchdir to a kernel descriptor, and back on the host after either
 * to a host one (the host's cwd stays where it was meanwhile).  getcwd
 * then reports the prefix followed by the kernel's cwd.  An exec passes
 * the flag on (init.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "hijack/hijack.h"
#include "hijack/internal.h"

bool pwdinrump;

/* the part of path the kernel sees when path starts with the prefix */
static const char *
prefix_strip(const char *path)
{
	size_t n = hcfg.prefixlen, i;

	/* inline: this runs for every host path of every call */
	for (i = 0; i < n; i++)
		if (path[i] != hcfg.prefix[i])
			return NULL;
	if (n == 0)
		return NULL;
	if (hcfg.prefix[n - 1] == '/')	/* "//": keep one slash */
		return path + n - 1;
	if (path[n] == '\0')
		return "/";
	if (path[n] == '/')
		return path + n;
	return NULL;			/* /rumpdev is not under /rump */
}

static bool
blanketed(const char *path)
{
	for (size_t i = 0; i < hcfg.nblanket; i++)
		if (path[1] == hcfg.blanket[i][1] &&
		    strncmp(path, hcfg.blanket[i], hcfg.blanketlen[i]) == 0)
			return true;
	return false;
}

enum route
path_route(int dirfd, const char *path, const char **rpath, int *rdirfd)
{
	const char *k;
	int r;

	*rpath = path;
	*rdirfd = dirfd;
	if (path == NULL || !hijack_on())
		return ROUTE_HOST;
	if (path[0] == '/') {
		if ((k = prefix_strip(path)) != NULL) {
			*rpath = k;
			*rdirfd = AT_FDCWD;
			return ROUTE_RUMP;
		}
		if (blanketed(path)) {
			*rdirfd = AT_FDCWD;
			return ROUTE_RUMP;
		}
		return ROUTE_HOST;
	}
	/* relative (or "" for AT_EMPTY_PATH): where the directory is */
	if (dirfd == AT_FDCWD)
		return pwdinrump ? ROUTE_RUMP : ROUTE_HOST;
	if ((r = fd_torump(dirfd)) < 0)
		return ROUTE_HOST;
	*rdirfd = r;
	return ROUTE_RUMP;
}

int
path_fromrump(const char *kpath, char *out, size_t outlen)
{
	const char *pfx = hcfg.prefix;
	size_t pl = hcfg.prefixlen, kl;

	if (pl > 0 && pfx[pl - 1] == '/')	/* "//" + "dir" */
		kpath++;
	else if (pl > 0 && strcmp(kpath, "/") == 0)
		kpath = "";			/* the root is the prefix */
	kl = strlen(kpath);
	if (pl + kl + 1 > outlen)
		return ERANGE;
	memcpy(out, pfx, pl);
	memcpy(out + pl, kpath, kl + 1);
	return 0;
}

/* ---- the current directory ----------------------------------------- */

HIJACK_EXPORT int
chdir(const char *path)
{
	const char *rp;

	if (path_route_cwd(path, &rp) == ROUTE_HOST) {
		if (HOST(chdir)(path) == -1)
			return -1;
		pwdinrump = false;
		return 0;
	}
	if (rump_sys_chdir(rp) == -1)
		return -1;
	pwdinrump = true;
	return 0;
}

HIJACK_EXPORT int
fchdir(int fd)
{
	int r = fd_torump(fd);

	if (r < 0) {
		if (fd_isown(fd))
			return seterr(EBADF);
		if (HOST(fchdir)(fd) == -1)
			return -1;
		pwdinrump = false;
		return 0;
	}
	if (rump_sys_fchdir(r) == -1)
		return -1;
	pwdinrump = true;
	return 0;
}

HIJACK_EXPORT char *
getcwd(char *buf, size_t size)
{
	char kpath[PATH_MAX], out[PATH_MAX + PATH_MAX];
	size_t n;
	int e;

	hijack_ensure();
	if (!pwdinrump)
		return HOST(getcwd)(buf, size);
	if (buf != NULL && size == 0)
		return seterr(EINVAL), NULL;
	if (rump_sys_getcwd(kpath, sizeof(kpath)) == -1)
		return NULL;
	if ((e = path_fromrump(kpath, out, sizeof(out))) != 0)
		return seterr(e), NULL;
	n = strlen(out) + 1;
	if (buf == NULL) {
		if (size != 0 && size < n)
			return seterr(ERANGE), NULL;
		return strdup(out);
	}
	if (size < n)
		return seterr(ERANGE), NULL;
	memcpy(buf, out, n);
	return buf;
}

HIJACK_EXPORT char *
__getcwd_chk(char *buf, size_t size, size_t buflen)
{
	if (size > buflen)
		abort();	/* what glibc's __chk_fail does, less the message */
	return getcwd(buf, size);
}

HIJACK_EXPORT char *
get_current_dir_name(void)
{
	hijack_ensure();
	if (!pwdinrump)
		return HOST(get_current_dir_name)();
	return getcwd(NULL, 0);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
HIJACK_EXPORT char *
getwd(char *buf)
{
	hijack_ensure();
	if (!pwdinrump)
		return HOST(getwd)(buf);
	return getcwd(buf, PATH_MAX);
}
#pragma GCC diagnostic pop
