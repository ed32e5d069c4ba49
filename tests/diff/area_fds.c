/*
 * area_fds.c — descriptor and special-file areas of the differential test:
 * dup/dup2/dup3/F_DUPFD and close-on-exec, lowest free descriptor, O_PATH,
 * AT_EMPTY_PATH, fchdir/getcwd, statx, FIFOs made with mknod, the /dev
 * nodes both kernels have (null, zero, full, urandom) and name-length
 * limits.  Descriptor numbers differ between the host and rump, so only
 * relations between them are logged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "difftest.h"

static void
fds_dup(struct dctx *c, int fd)
{
	const struct dops *o = c->o;
	int a, b;

	a = RF(c, o->dup2(fd, fd), "dup2 onto itself");
	L(c, "dup2 onto itself returns it: %d", a == fd);
	R(c, o->dup3(fd, fd, 0), "dup3 onto itself");
	a = RF(c, o->dup(fd), "dup");
	b = RF(c, o->dup3(fd, a, O_CLOEXEC), "dup3 O_CLOEXEC");
	L(c, "dup3 returns target: %d", a == b);
	R(c, o->fcntl_int(b, F_GETFD, 0), "F_GETFD after dup3");
	R(c, o->dup3(fd, a, 0x1234), "dup3 bad flags");
	R(c, o->fcntl_int(fd, F_GETFD, 0), "F_GETFD of original");
	R(c, o->fcntl_int(fd, F_SETFD, FD_CLOEXEC), "F_SETFD");
	R(c, o->fcntl_int(fd, F_GETFD, 0), "F_GETFD set");
	b = RF(c, o->dup(fd), "dup of cloexec fd");
	R(c, o->fcntl_int(b, F_GETFD, 0), "dup clears cloexec");
	R(c, o->close(a), "close a");
	a = RF(c, o->dup(fd), "dup after close");
	L(c, "lowest free reused: %d", a >= 0 && a < b);
	R(c, o->close(a), "close a");
	R(c, o->close(b), "close b");
	a = RF(c, o->fcntl_int(fd, F_DUPFD, 50), "F_DUPFD 50");
	L(c, "F_DUPFD at least 50: %d", a >= 50);
	R(c, o->fcntl_int(a, F_GETFD, 0), "F_DUPFD no cloexec");
	R(c, o->close(a), "close F_DUPFD");
	a = RF(c, o->fcntl_int(fd, F_DUPFD_CLOEXEC, 60), "F_DUPFD_CLOEXEC 60");
	R(c, o->fcntl_int(a, F_GETFD, 0), "F_DUPFD_CLOEXEC flag");
	R(c, o->close(a), "close F_DUPFD_CLOEXEC");
	R(c, o->fcntl_int(fd, F_DUPFD, -1), "F_DUPFD negative");
	R(c, o->close(-1), "close -1");
	R(c, o->dup(-1), "dup -1");
	R(c, o->dup2(fd, -1), "dup2 to -1");
	R(c, o->fcntl_int(-1, F_GETFD, 0), "F_GETFD -1");
	R(c, o->fcntl_int(fd, 0x7777, 0), "fcntl bad cmd");
}

static void
fds_flags(struct dctx *c)
{
	const struct dops *o = c->o;
	int fd;

	fd = RF(c, o->open("f", O_RDWR | O_APPEND | O_CLOEXEC, 0), "open flags");
	R(c, o->fcntl_int(fd, F_GETFL, 0), "F_GETFL");
	R(c, o->fcntl_int(fd, F_GETFD, 0), "F_GETFD O_CLOEXEC");
	R(c, o->fcntl_int(fd, F_SETFL, O_RDONLY | O_NONBLOCK), "F_SETFL");
	R(c, o->fcntl_int(fd, F_GETFL, 0), "F_GETFL after");
	o->close(fd);
	fd = RF(c, o->open("f", O_WRONLY | O_NONBLOCK, 0), "open O_NONBLOCK");
	R(c, o->fcntl_int(fd, F_GETFL, 0), "F_GETFL wronly nonblock");
	o->close(fd);
}

static void
fds_opath(struct dctx *c)
{
	const struct dops *o = c->o;
	struct stat st;
	char buf[4];
	int fd;

	fd = RF(c, o->open("f", O_PATH, 0), "open O_PATH");
	if (R(c, o->fstat(fd, &st), "fstat O_PATH") == 0)
		log_stat(c, "O_PATH", &st);
	R(c, o->read(fd, buf, 1), "read O_PATH");
	R(c, o->write(fd, "x", 1), "write O_PATH");
	R(c, o->fchmod(fd, 0600), "fchmod O_PATH");
	R(c, o->fcntl_int(fd, F_GETFL, 0), "F_GETFL O_PATH");
	if (R(c, o->fstatat(fd, "", &st, AT_EMPTY_PATH), "fstatat empty path") == 0)
		log_stat(c, "empty path", &st);
	R(c, o->fstatat(fd, "", &st, 0), "fstatat empty without flag");
	R(c, o->fstatat(fd, "x", &st, 0), "fstatat relative to file");
	R(c, o->close(fd), "close O_PATH");
	fd = RF(c, o->open("sub", O_PATH | O_DIRECTORY, 0), "open dir O_PATH");
	RF(c, o->openat(fd, "g", O_CREAT | O_WRONLY, 0600), "openat via O_PATH dir");
	log_lstat(c, "sub/g");
	R(c, o->close(fd), "close dir O_PATH");
}

/* The working directory removed under the process's feet. */
static void
fds_cwd_removed(struct dctx *c)
{
	const struct dops *o = c->o;
	char buf[4096];
	int fd;

	R(c, o->mkdir("gone", 0755), "mkdir gone");
	R(c, o->chdir("gone"), "chdir gone");
	R(c, o->rmdir("../gone"), "rmdir own cwd");
	R(c, o->getcwd(buf, sizeof(buf)), "getcwd in removed dir");
	RF(c, fd = o->open("new", O_CREAT | O_WRONLY, 0644), "creat in removed dir");
	if (fd >= 0)
		o->close(fd);
	R(c, o->mkdir("sub", 0755), "mkdir in removed dir");
	R(c, o->chdir(".."), "chdir .. from removed dir");
	log_lstat(c, "f");
}

static void
fds_cwd(struct dctx *c)
{
	const struct dops *o = c->o;
	char buf[4096], *tail;
	int fd;

	fd = RF(c, o->open("sub", O_RDONLY | O_DIRECTORY, 0), "open sub");
	R(c, o->fchdir(fd), "fchdir sub");
	if (R(c, o->getcwd(buf, sizeof(buf)), "getcwd") == 0) {
		tail = strstr(buf, "/fds/");
		L(c, "cwd ends in %s", tail != NULL ? tail : "?");
	}
	R(c, o->getcwd(buf, 3), "getcwd small buffer");
	log_lstat(c, "g");
	R(c, o->chdir(".."), "chdir ..");
	R(c, o->close(fd), "close sub");
	fd = RF(c, o->open("f", O_RDONLY, 0), "open f");
	R(c, o->fchdir(fd), "fchdir file");
	R(c, o->close(fd), "close f");
	R(c, o->chdir("f"), "chdir file");
	R(c, o->chdir("nope"), "chdir missing");
	log_lstat(c, "f");
	fds_cwd_removed(c);
}

static void
fds_statx(struct dctx *c)
{
	struct statx sx;

	if (R(c, c->o->statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, &sx),
	    "statx f") == 0)
		L(c, "statx: basic %d mode %o nlink %u uid %u gid %u size %llu "
		    "blocks %llu", (sx.stx_mask & STATX_BASIC_STATS) ==
		    STATX_BASIC_STATS, sx.stx_mode, sx.stx_nlink, sx.stx_uid,
		    sx.stx_gid, (unsigned long long)sx.stx_size,
		    (unsigned long long)sx.stx_blocks);
	c->o->symlink("f", "fl");
	if (R(c, c->o->statx(AT_FDCWD, "fl", AT_SYMLINK_NOFOLLOW,
	    STATX_BASIC_STATS, &sx), "statx nofollow") == 0)
		L(c, "statx link: mode %o size %llu", sx.stx_mode,
		    (unsigned long long)sx.stx_size);
	R(c, c->o->statx(AT_FDCWD, "f", 0x1000000, STATX_BASIC_STATS, &sx),
	    "statx bad flags");
}

void
area_fds(struct dctx *c)
{
	int fd;

	make_file(c, "f", 3000, 1);
	R(c, c->o->mkdir("sub", 0755), "mkdir sub");
	fd = RF(c, c->o->open("f", O_RDONLY, 0), "open f");
	fds_dup(c, fd);
	c->o->close(fd);
	fds_flags(c);
	fds_opath(c);
	fds_cwd(c);
	fds_statx(c);
}

static void
special_fifo(struct dctx *c)
{
	const struct dops *o = c->o;
	char buf[8];
	int r, w;

	R(c, o->mknod("fifo", S_IFIFO | 0640, 0), "mknod fifo");
	log_lstat(c, "fifo");
	R(c, o->mknod("fifo", S_IFIFO | 0640, 0), "mknod fifo again");
	R(c, o->mknod("plain", S_IFREG | 0600, 0), "mknod regular");
	log_lstat(c, "plain");
	RF(c, w = o->open("fifo", O_WRONLY | O_NONBLOCK, 0), "fifo writer, no reader");
	if (w >= 0)
		o->close(w);
	r = RF(c, o->open("fifo", O_RDONLY | O_NONBLOCK, 0), "fifo reader nonblock");
	w = RF(c, o->open("fifo", O_WRONLY | O_NONBLOCK, 0), "fifo writer");
	R(c, o->read(r, buf, sizeof(buf)), "fifo read empty");
	R(c, o->write(w, "fifo!", 5), "fifo write");
	R(c, o->read(r, buf, sizeof(buf)), "fifo read");
	R(c, o->lseek(r, 0, SEEK_SET), "fifo lseek");
	R(c, o->close(w), "close writer");
	R(c, o->read(r, buf, sizeof(buf)), "fifo read after writer closed");
	R(c, o->close(r), "close reader");
	log_listing(c, ".");
}

static void
special_dev(struct dctx *c)
{
	const struct dops *o = c->o;
	static const char zeros[64];
	char buf[64];
	struct stat st;
	int fd;

	fd = RF(c, o->open("/dev/null", O_RDWR, 0), "open /dev/null");
	R(c, o->write(fd, "abc", 3), "write null");
	R(c, o->read(fd, buf, sizeof(buf)), "read null");
	if (R(c, o->fstat(fd, &st), "fstat null") == 0)
		L(c, "null: chr %d", S_ISCHR(st.st_mode));
	o->close(fd);
	fd = RF(c, o->open("/dev/zero", O_RDWR, 0), "open /dev/zero");
	memset(buf, 'x', sizeof(buf));
	R(c, o->read(fd, buf, sizeof(buf)), "read zero");
	L(c, "zeros: %d", memcmp(buf, zeros, sizeof(buf)) == 0);
	R(c, o->write(fd, buf, 10), "write zero");
	o->close(fd);
	fd = RF(c, o->open("/dev/full", O_RDWR, 0), "open /dev/full");
	R(c, o->write(fd, "abc", 3), "write full");
	R(c, o->read(fd, buf, 16), "read full");
	o->close(fd);
	fd = RF(c, o->open("/dev/urandom", O_RDONLY, 0), "open /dev/urandom");
	R(c, o->read(fd, buf, sizeof(buf)), "read urandom");
	o->close(fd);
	R(c, o->access("/dev/null", R_OK | W_OK), "access /dev/null");
}

static void
special_names(struct dctx *c)
{
	char name[300], *path;
	size_t plen = 4200;
	int fd;

	memset(name, 'n', sizeof(name));
	name[255] = '\0';
	RF(c, fd = c->o->open(name, O_CREAT | O_WRONLY, 0644), "creat 255-byte name");
	if (fd >= 0)
		c->o->close(fd);
	name[255] = 'n';
	name[256] = '\0';
	RF(c, fd = c->o->open(name, O_CREAT | O_WRONLY, 0644), "creat 256-byte name");
	if (fd >= 0)
		c->o->close(fd);
	R(c, c->o->mkdir(name, 0755), "mkdir 256-byte name");
	path = malloc(plen + 1);
	for (size_t i = 0; i + 2 <= plen; i += 2)
		memcpy(path + i, "./", 2);
	path[plen - 1] = 'x';
	path[plen] = '\0';
	R(c, c->o->access(path, F_OK), "access 4200-byte path");
	path[4094] = 'x';
	path[4095] = '\0';
	R(c, c->o->access(path, F_OK), "access 4095-byte path");
	free(path);
}

void
area_special(struct dctx *c)
{
	special_fifo(c);
	special_dev(c);
	special_names(c);
}
