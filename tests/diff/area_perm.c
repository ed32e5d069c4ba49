/*
 * area_perm.c — permissions, ownership, umask and timestamps in the
 * differential test.  Root sets up files of several owners and modes, then
 * a child process drops to a non-root effective uid/gid (setgroups,
 * setegid, seteuid: the real and saved ids stay 0, as on the host) and
 * runs into EACCES and EPERM; access() uses the real ids, faccessat with
 * AT_EACCESS the effective ones.  Writes and chmod by that user must drop
 * set-id bits exactly as Linux does (S_ISGID also when the writer is not
 * in the file's group).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "difftest.h"

/* Set-id bits: what root's chmod/chown keep, and files for the user to write. */
static void
perm_setup_setid(struct dctx *c)
{
	const struct dops *o = c->o;

	make_file(c, "suid", 10, 8);
	R(c, o->chmod("suid", 06755), "chmod suid");
	log_lstat(c, "suid");
	R(c, o->chown("suid", NONROOT_UID, -1), "chown suid file");
	log_lstat(c, "suid");
	R(c, o->mkdir("sgdir", 02755), "mkdir sgdir");
	R(c, o->chmod("sgdir", 02755), "chmod sgdir");
	R(c, o->chown("sgdir", -1, OTHER_GID), "chgrp sgdir");
	log_lstat(c, "sgdir");
	make_file(c, "sgdir/inherit", 1, 9);
	R(c, o->mkdir("sgdir/subdir", 0755), "mkdir in sgdir");
	make_file(c, "sgnoexec", 10, 18);
	R(c, o->chmod("sgnoexec", 02644), "chmod sgnoexec");
	R(c, o->chown("sgnoexec", NONROOT_UID, -1), "root chown sgnoexec");
	log_lstat(c, "sgnoexec");
	make_file(c, "suidworld", 10, 13);
	R(c, o->chmod("suidworld", 06666), "chmod suidworld");
	make_file(c, "suidxworld", 10, 14);
	R(c, o->chmod("suidxworld", 06777), "chmod suidxworld");
	make_file(c, "sgidworld", 10, 16);
	R(c, o->chmod("sgidworld", 02666), "chmod sgidworld");
	make_file(c, "suidgrp", 10, 17);
	R(c, o->chown("suidgrp", 0, NONROOT_GID), "chgrp suidgrp");
	R(c, o->chmod("suidgrp", 06666), "chmod suidgrp");
}

static void
perm_setup_modes(struct dctx *c)
{
	const struct dops *o = c->o;

	R(c, o->chown("pubfile", -1, -1), "chown -1 -1");
	R(c, o->chmod("nope", 0644), "chmod missing");
	R(c, o->chmod("pubfile", 07777), "chmod 07777");
	log_lstat(c, "pubfile");
	R(c, o->chmod("pubfile", 0644), "chmod 0644");
	make_file(c, "exec000", 1, 10);
	R(c, o->chmod("exec000", 0), "chmod 0");
	make_file(c, "exec100", 1, 11);
	R(c, o->chmod("exec100", 0100), "chmod 0100");
	R(c, o->mkdir("dir000", 0), "mkdir dir000");
}

/* Files and directories of several owners and modes. */
static void
perm_setup(struct dctx *c)
{
	const struct dops *o = c->o;

	make_file(c, "rootfile", 10, 1);
	R(c, o->chmod("rootfile", 0600), "chmod rootfile");
	make_file(c, "pubfile", 10, 2);
	make_file(c, "worldfile", 10, 3);
	R(c, o->chmod("worldfile", 0666), "chmod worldfile");
	make_file(c, "userfile", 10, 4);
	R(c, o->chown("userfile", NONROOT_UID, NONROOT_GID), "chown userfile");
	make_file(c, "usergrp", 10, 12);
	R(c, o->chown("usergrp", NONROOT_UID, OTHER_GID), "chown usergrp");
	R(c, o->mkdir("userdir", 0755), "mkdir userdir");
	R(c, o->chown("userdir", NONROOT_UID, OTHER_GID), "chown userdir");
	R(c, o->mkdir("rootdir", 0755), "mkdir rootdir");
	R(c, o->mkdir("opendir", 0777), "mkdir opendir");
	R(c, o->chmod("opendir", 0777), "chmod opendir");
	R(c, o->mkdir("opendir/rdir", 0755), "mkdir opendir/rdir");
	R(c, o->mkdir("opendir/rdir2", 0755), "mkdir opendir/rdir2");
	R(c, o->mkdir("opendir/other", 0777), "mkdir opendir/other");
	R(c, o->chmod("opendir/other", 0777), "chmod opendir/other");
	R(c, o->mkdir("noexec", 0700), "mkdir noexec");
	make_file(c, "noexec/f", 10, 5);
	R(c, o->mkdir("sticky", 01777), "mkdir sticky");
	R(c, o->chmod("sticky", 01777), "chmod sticky");
	make_file(c, "sticky/other", 10, 6);
	R(c, o->chown("sticky/other", OTHER_UID, OTHER_GID), "chown other");
	make_file(c, "sticky/mine", 10, 7);
	R(c, o->chown("sticky/mine", NONROOT_UID, NONROOT_GID), "chown mine");
	perm_setup_modes(c);
	perm_setup_setid(c);
}

static void
root_access(struct dctx *c)
{
	const struct dops *o = c->o;

	R(c, o->access("exec000", R_OK | W_OK), "root access rw 000");
	R(c, o->access("exec000", X_OK), "root access x 000");
	R(c, o->access("exec100", X_OK), "root access x 100");
	R(c, o->access("dir000", X_OK), "root access x dir000");
	R(c, o->access("dir000", R_OK | W_OK), "root access rw dir000");
	R(c, o->access("nope", F_OK), "access missing");
	R(c, o->access("pubfile", 0x40), "access bad mode");
	R(c, o->faccessat(AT_FDCWD, "exec000", X_OK, AT_EACCESS), "root eaccess x 000");
}

static void
user_open(struct dctx *c)
{
	const struct dops *o = c->o;
	int fd;

	RF(c, fd = o->open("rootfile", O_RDONLY, 0), "user open rootfile");
	if (fd >= 0)
		o->close(fd);
	RF(c, fd = o->open("pubfile", O_RDONLY, 0), "user open pubfile r");
	if (fd >= 0)
		o->close(fd);
	RF(c, fd = o->open("pubfile", O_WRONLY, 0), "user open pubfile w");
	if (fd >= 0)
		o->close(fd);
	RF(c, fd = o->open("rootdir/new", O_CREAT | O_WRONLY, 0644), "user creat in rootdir");
	if (fd >= 0)
		o->close(fd);
	RF(c, fd = o->open("opendir/new", O_CREAT | O_WRONLY, 0666), "user creat in opendir");
	if (fd >= 0) {
		R(c, o->fchmod(fd, 0600), "user fchmod own");
		R(c, o->fchown(fd, OTHER_UID, -1), "user fchown away");
		o->close(fd);
	}
	log_lstat(c, "opendir/new");
	R(c, o->mkdir("opendir/sub", 0777), "user mkdir in opendir");
	log_lstat(c, "opendir/sub");
	R(c, o->stat("noexec/f", &(struct stat){ 0 }), "user stat through 0700 dir");
	R(c, o->truncate("rootfile", 0), "user truncate rootfile");
	R(c, o->truncate("worldfile", 3), "user truncate worldfile");
}

static void
user_dirs_times(struct dctx *c)
{
	const struct dops *o = c->o;
	struct timespec now_omit[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };

	R(c, o->rename("opendir/rdir", "opendir/rdir.moved"),
	    "user rename root's dir, same parent");
	R(c, o->rename("opendir/rdir2", "opendir/other/rdir2"),
	    "user move root's dir to another parent");
	R(c, o->utimensat(AT_FDCWD, "worldfile", now_omit, 0),
	    "user now/omit on writable");
	R(c, o->utimensat(AT_FDCWD, "rootfile", now_omit, 0),
	    "user now/omit on unwritable");
	R(c, o->utimensat(AT_FDCWD, "rootfile", NULL, 0),
	    "user touch unwritable");
}

static void
user_owner_ops(struct dctx *c)
{
	const struct dops *o = c->o;
	struct timespec ts[2] = { { 1000, 0 }, { 2000, 0 } };

	R(c, o->chmod("rootfile", 0644), "user chmod rootfile");
	R(c, o->chmod("userfile", 0640), "user chmod own");
	R(c, o->chmod("userfile", 02640), "user chmod own setgid");
	log_lstat(c, "userfile");
	R(c, o->chown("userfile", OTHER_UID, -1), "user chown to other uid");
	R(c, o->chown("userfile", NONROOT_UID, NONROOT_GID), "user chown no-op");
	R(c, o->chown("userfile", -1, OTHER_GID), "user chgrp non-member");
	R(c, o->chown("rootfile", -1, -1), "user chown rootfile -1 -1");
	R(c, o->unlink("rootdir/../rootfile"), "user unlink in root dir");
	R(c, o->unlink("sticky/other"), "user unlink other in sticky");
	R(c, o->rename("sticky/other", "sticky/x"), "user rename other in sticky");
	R(c, o->unlink("sticky/mine"), "user unlink own in sticky");
	make_file(c, "sticky/mine2", 5, 15);
	R(c, o->rename("sticky/mine2", "sticky/other"), "user rename onto other in sticky");
	R(c, o->rename("opendir/new", "sticky/other"), "user move onto other in sticky");
	R(c, o->utimensat(AT_FDCWD, "pubfile", NULL, 0), "user touch pubfile");
	R(c, o->utimensat(AT_FDCWD, "worldfile", NULL, 0), "user touch worldfile");
	R(c, o->utimensat(AT_FDCWD, "worldfile", ts, 0), "user set times worldfile");
	R(c, o->utimensat(AT_FDCWD, "userfile", ts, 0), "user set times own");
	log_lstat(c, "worldfile");
	R(c, o->chmod("usergrp", 02644), "user chmod g+s, not in group");
	log_lstat(c, "usergrp");
	R(c, o->chmod("userdir", 02755), "user chmod dir g+s, not in group");
	log_lstat(c, "userdir");
	user_dirs_times(c);
}

/* Writes by someone without CAP_FSETID drop set-id bits, as on Linux. */
static void
user_write_suid(struct dctx *c)
{
	const char *names[] = { "suidworld", "suidxworld", "sgidworld", "suidgrp" };
	int fd;

	for (int i = 0; i < 4; i++) {
		fd = RF(c, c->o->open(names[i], O_WRONLY, 0), "user open %s", names[i]);
		if (fd < 0)
			continue;
		R(c, c->o->write(fd, "w", 1), "user write %s", names[i]);
		c->o->close(fd);
		log_lstat(c, names[i]);
	}
}

static void
user_access(struct dctx *c)
{
	const struct dops *o = c->o;

	R(c, o->access("rootfile", R_OK), "user access rootfile (real ids)");
	R(c, o->faccessat(AT_FDCWD, "rootfile", R_OK, AT_EACCESS), "user eaccess rootfile");
	R(c, o->faccessat(AT_FDCWD, "pubfile", R_OK, AT_EACCESS), "user eaccess pubfile r");
	R(c, o->faccessat(AT_FDCWD, "pubfile", W_OK, AT_EACCESS), "user eaccess pubfile w");
	R(c, o->faccessat(AT_FDCWD, "exec100", X_OK, AT_EACCESS), "user eaccess exec100");
	R(c, o->faccessat(AT_FDCWD, "noexec/f", F_OK, AT_EACCESS), "user eaccess in noexec");
	R(c, o->faccessat(AT_FDCWD, "worldfile", W_OK, AT_EACCESS), "user eaccess worldfile w");
	R(c, o->faccessat(AT_FDCWD, "worldfile", W_OK, 0x4000), "faccessat bad flag");
}

static void
nonroot_child(struct dctx *c, void *arg)
{
	const struct dops *o = c->o;

	R(c, o->setgroups(0, NULL), "setgroups none");
	R(c, o->setegid(NONROOT_GID), "setegid");
	R(c, o->seteuid(NONROOT_UID), "seteuid");
	user_open(c);
	user_owner_ops(c);
	user_access(c);
	user_write_suid(c);
	R(c, o->setegid(0), "user setegid 0");
	R(c, o->seteuid(0), "user seteuid back to saved 0");
	R(c, o->chmod("rootfile", 0640), "root again chmod");
}

void
area_perm(struct dctx *c)
{
	perm_setup(c);
	root_access(c);
	c->o->join(c, c->o->spawn(c, nonroot_child, NULL));
	log_tree(c, ".");
}

/* A time set by the kernel is compared for being close to the host clock. */
static bool
recent(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return t->tv_sec >= now.tv_sec - 30 && t->tv_sec <= now.tv_sec + 1;
}

static void
fmt_time(char *buf, size_t len, const struct timespec *t)
{
	if (recent(t))
		snprintf(buf, len, "now");
	else
		snprintf(buf, len, "%lld.%09ld", (long long)t->tv_sec, t->tv_nsec);
}

static void
log_times(struct dctx *c, const char *path, int flags)
{
	struct stat st;
	char a[64], m[64];

	if (R(c, c->o->fstatat(AT_FDCWD, path, &st, flags), "times %s", path) != 0)
		return;
	fmt_time(a, sizeof(a), &st.st_atim);
	fmt_time(m, sizeof(m), &st.st_mtim);
	L(c, "%s atime %s mtime %s", path, a, m);
}

static void
umask_child(struct dctx *c, void *arg)
{
	make_file(c, "child_created", 1, 1);
	log_lstat(c, "child_created");
}

static void
umask_part(struct dctx *c)
{
	const struct dops *o = c->o;
	int fd;

	R(c, o->umask(027), "umask 027");
	make_file(c, "u027", 1, 1);
	R(c, o->mkdir("d027", 0777), "mkdir 0777");
	R(c, o->symlink("u027", "l027"), "symlink");
	o->join(c, o->spawn(c, umask_child, NULL));
	R(c, o->umask(0), "umask 0");
	RF(c, fd = o->open("u000", O_CREAT | O_WRONLY, 0777), "creat 0777");
	if (fd >= 0)
		o->close(fd);
	R(c, o->chmod("u027", 0666), "chmod ignores umask");
	RF(c, fd = o->open("u027", O_CREAT | O_WRONLY, 0600), "creat existing");
	if (fd >= 0)
		o->close(fd);
	R(c, o->umask(01777), "umask extra bits");
	R(c, o->umask(022), "umask 022");
	log_tree(c, ".");
}

static void
times_part(struct dctx *c)
{
	const struct dops *o = c->o;
	struct timespec ts[2] = { { 1000000000, 123456789 }, { 1234567890, 987654321 } };
	struct timespec omit[2] = { { 5, UTIME_OMIT }, { 77, 0 } };
	struct timespec now[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	int fd;

	make_file(c, "tf", 10, 2);
	R(c, o->utimensat(AT_FDCWD, "tf", ts, 0), "utimensat explicit");
	log_times(c, "tf", 0);
	R(c, o->utimensat(AT_FDCWD, "tf", omit, 0), "utimensat omit atime");
	log_times(c, "tf", 0);
	R(c, o->utimensat(AT_FDCWD, "tf", now, 0), "utimensat now/omit");
	log_times(c, "tf", 0);
	R(c, o->utimensat(AT_FDCWD, "tf", bad, 0), "utimensat bad nsec");
	R(c, o->utimensat(AT_FDCWD, "nope", ts, 0), "utimensat missing");
	R(c, o->symlink("tf", "tl"), "symlink tl");
	R(c, o->utimensat(AT_FDCWD, "tl", ts, AT_SYMLINK_NOFOLLOW), "utimensat nofollow");
	log_times(c, "tl", AT_SYMLINK_NOFOLLOW);
	log_times(c, "tf", 0);
	fd = RF(c, o->open("tf", O_RDWR, 0), "open tf");
	if (fd >= 0) {
		R(c, o->futimens(fd, ts), "futimens");
		log_times(c, "tf", 0);
		R(c, o->write(fd, "x", 1), "write updates mtime");
		log_times(c, "tf", 0);
		o->close(fd);
	}
	R(c, o->mkdir("td", 0755), "mkdir td");
	R(c, o->utimensat(AT_FDCWD, "td", ts, 0), "utimensat dir");
	log_times(c, "td", 0);
	make_file(c, "td/new", 1, 3);
	log_times(c, "td", 0);
}

void
area_umask_times(struct dctx *c)
{
	umask_part(c);
	times_part(c);
}
