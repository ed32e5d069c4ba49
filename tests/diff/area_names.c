/*
 * area_names.c — name-space areas of the differential test: directory
 * trees (depth 8, fan-out 3) with their error paths, renames across
 * directories (replacing, RENAME_NOREPLACE, RENAME_EXCHANGE, directories
 * onto empty and non-empty directories), hard links and symbolic links.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "difftest.h"

#define TREE_DEPTH	8
#define TREE_FAN	3

static void
mktree(struct dctx *c, const char *path, int depth)
{
	char sub[512];

	if (depth == 0)
		return;
	for (int i = 0; i < TREE_FAN; i++) {
		snprintf(sub, sizeof(sub), "%s/d%d", path, i);
		if (R(c, c->o->mkdir(sub, 0755), "mkdir %s", sub) != 0)
			continue;
		mktree(c, sub, depth - 1);
	}
	snprintf(sub, sizeof(sub), "%s/f", path);
	make_file(c, sub, (size_t)depth * 100, (uint32_t)depth);
}

static void tree_open_errors(struct dctx *);

static void
tree_errors(struct dctx *c)
{
	const struct dops *o = c->o;
	struct stat st;

	R(c, o->mkdir("t", 0755), "mkdir t again");
	R(c, o->mkdir("t/nope/x", 0755), "mkdir missing parent");
	R(c, o->mkdir("t/f/x", 0755), "mkdir under file");
	R(c, o->rmdir("t/d0"), "rmdir non-empty");
	R(c, o->rmdir("t/f"), "rmdir file");
	R(c, o->rmdir("t/d0/."), "rmdir dot");
	R(c, o->rmdir("t/d0/.."), "rmdir dotdot");
	R(c, o->unlink("t/d0"), "unlink dir");
	R(c, o->stat("t/f/", &st), "stat file with slash");
	R(c, o->stat("t/d0/", &st), "stat dir with slash");
	R(c, o->stat("t/d0/d1/../d1/./d2//d0/../f", &st), "stat dotted path");
	R(c, o->stat("t/d0/d1/../../../t/f", &st), "stat up and down");
	R(c, o->stat("", &st), "stat empty");
	R(c, o->mkdir("slashdir/", 0755), "mkdir trailing slash");
	tree_open_errors(c);
}

static void
tree_open_errors(struct dctx *c)
{
	const struct dops *o = c->o;
	struct stat st;
	int fd;

	R(c, o->mkdir("modedir", 07777), "mkdir mode 07777");
	log_lstat(c, "modedir");
	RF(c, fd = o->open("modefile", O_CREAT | O_WRONLY, 07777), "creat mode 07777");
	if (fd >= 0)
		o->close(fd);
	log_lstat(c, "modefile");
	RF(c, fd = o->open("t/d0", O_CREAT | O_WRONLY, 0644), "creat on dir");
	if (fd >= 0)
		o->close(fd);
	RF(c, fd = o->open("t/d0", O_CREAT | O_RDONLY, 0644), "creat rdonly on dir");
	if (fd >= 0)
		o->close(fd);
	RF(c, fd = o->open("t/d0", O_WRONLY, 0), "open dir for write");
	if (fd >= 0)
		o->close(fd);
	RF(c, fd = o->open("t/f", O_RDONLY | O_DIRECTORY, 0), "open file O_DIRECTORY");
	if (fd >= 0)
		o->close(fd);
	RF(c, fd = o->open("t/newfile/", O_CREAT | O_WRONLY, 0644), "creat with slash");
	if (fd >= 0)
		o->close(fd);
	fd = RF(c, o->open("t/d1", O_RDONLY | O_DIRECTORY, 0), "open d1");
	if (fd >= 0) {
		int fd2 = RF(c, o->openat(fd, "d2/f", O_RDONLY, 0), "openat d2/f");

		if (fd2 >= 0)
			o->close(fd2);
		if (R(c, o->fstatat(fd, "d0", &st, 0), "fstatat d0") == 0)
			log_stat(c, "fstatat d0", &st);
		R(c, o->mkdir("t/d1/gone", 0700), "mkdir gone");
		R(c, o->unlinkat(fd, "gone", 0), "unlinkat dir without flag");
		R(c, o->unlinkat(fd, "gone", AT_REMOVEDIR), "unlinkat removedir");
		R(c, o->unlinkat(fd, "f", AT_REMOVEDIR), "unlinkat removedir file");
		R(c, o->unlinkat(fd, "f", 0x1234), "unlinkat bad flags");
		o->close(fd);
	}
}

/* Removes one branch through the table, logging every step. */
static void
logged_rmtree(struct dctx *c, const char *path, int depth)
{
	char sub[512];

	for (int i = 0; depth > 0 && i < TREE_FAN; i++) {
		snprintf(sub, sizeof(sub), "%s/d%d", path, i);
		logged_rmtree(c, sub, depth - 1);
	}
	snprintf(sub, sizeof(sub), "%s/f", path);
	R(c, c->o->unlink(sub), "unlink %s", sub);
	R(c, c->o->rmdir(path), "rmdir %s", path);
}

void
area_tree(struct dctx *c)
{
	R(c, c->o->mkdir("t", 0755), "mkdir t");
	mktree(c, "t", TREE_DEPTH);
	log_lstat(c, "t");
	log_lstat(c, "t/d0");
	log_lstat(c, "t/d2/d2/d2/d2/d2/d2/d2/d2");
	tree_errors(c);
	log_tree(c, "t");
	logged_rmtree(c, "t/d1", TREE_DEPTH - 1);
	log_lstat(c, "t");
	log_listing(c, "t");
}

static void
rename_files(struct dctx *c)
{
	const struct dops *o = c->o;

	R(c, o->mkdir("a", 0755), "mkdir a");
	R(c, o->mkdir("b", 0755), "mkdir b");
	make_file(c, "a/f1", 100, 1);
	make_file(c, "a/f2", 200, 2);
	make_file(c, "a/f3", 300, 3);
	make_file(c, "b/g", 400, 4);
	R(c, o->rename("a/f1", "b/f1"), "rename across dirs");
	log_content(c, "b/f1");
	log_lstat(c, "a/f1");
	R(c, o->link("b/f1", "b/f1.link"), "link f1");
	R(c, o->rename("a/f2", "b/f1"), "rename replacing");
	log_content(c, "b/f1");
	log_lstat(c, "b/f1.link");
	log_content(c, "b/f1.link");
	R(c, o->renameat2(AT_FDCWD, "a/f3", AT_FDCWD, "b/g", RENAME_NOREPLACE),
	    "noreplace onto existing");
	R(c, o->renameat2(AT_FDCWD, "a/f3", AT_FDCWD, "b/h", RENAME_NOREPLACE),
	    "noreplace onto new");
	R(c, o->renameat2(AT_FDCWD, "b/h", AT_FDCWD, "b/g", RENAME_EXCHANGE),
	    "exchange files");
	log_content(c, "b/h");
	log_content(c, "b/g");
	R(c, o->renameat2(AT_FDCWD, "b/h", AT_FDCWD, "b/nope", RENAME_EXCHANGE),
	    "exchange with missing");
	R(c, o->renameat2(AT_FDCWD, "b/h", AT_FDCWD, "b/g",
	    RENAME_EXCHANGE | RENAME_NOREPLACE), "exchange|noreplace");
	R(c, o->renameat2(AT_FDCWD, "b/h", AT_FDCWD, "b/g", 0x100),
	    "renameat2 bad flags");
	R(c, o->rename("b/g", "b/g"), "rename onto itself");
	R(c, o->rename("b/f1", "b/f1.link"), "rename onto own hard link");
	log_lstat(c, "b/f1");
	log_lstat(c, "b/f1.link");
	R(c, o->rename("b/nope", "b/x"), "rename missing");
	R(c, o->rename("b/g/", "b/x"), "rename file with slash");
	R(c, o->rename("b/g", "b/x/"), "rename to slash name");
}

static void
rename_dirs(struct dctx *c)
{
	const struct dops *o = c->o;

	R(c, o->mkdir("a/d", 0755), "mkdir a/d");
	R(c, o->mkdir("a/d/sub", 0755), "mkdir a/d/sub");
	make_file(c, "a/d/sub/x", 10, 5);
	R(c, o->mkdir("b/empty", 0755), "mkdir b/empty");
	R(c, o->mkdir("b/full", 0755), "mkdir b/full");
	make_file(c, "b/full/y", 20, 6);
	log_lstat(c, "a");
	log_lstat(c, "b");
	R(c, o->rename("a/d", "b/full"), "dir onto non-empty dir");
	R(c, o->rename("a/d", "b/g"), "dir onto file");
	R(c, o->rename("b/g", "b/empty"), "file onto dir");
	R(c, o->rename("a/d", "a/d/sub/in"), "dir into itself");
	R(c, o->rename("a/d", "a/d"), "dir onto itself");
	R(c, o->rename("a/d", "b/empty"), "dir onto empty dir");
	log_lstat(c, "a");
	log_lstat(c, "b");
	log_lstat(c, "b/empty");
	log_content(c, "b/empty/sub/x");
	R(c, o->rename("b/empty/sub", "a/moved/"), "dir rename with slash");
	log_lstat(c, "a");
	log_lstat(c, "b/empty");
	R(c, o->renameat2(AT_FDCWD, "a/moved", AT_FDCWD, "b/full",
	    RENAME_EXCHANGE), "exchange dirs across parents");
	log_tree(c, "a");
	log_tree(c, "b");
	R(c, o->renameat2(AT_FDCWD, "a/moved", AT_FDCWD, "b/g",
	    RENAME_EXCHANGE), "exchange dir and file");
	log_lstat(c, "a");
	log_lstat(c, "b");
	R(c, o->rename("a/.", "b/dot"), "rename dot");
	R(c, o->rename("a", "a/moved/.."), "rename onto ancestor");
	R(c, o->rename("b/full", "."), "rename onto dot");
}

void
area_rename(struct dctx *c)
{
	rename_files(c);
	rename_dirs(c);
	log_tree(c, ".");
}

static void
hard_links(struct dctx *c)
{
	const struct dops *o = c->o;
	struct stat s1, s2;
	char buf[64];
	int fd;

	make_file(c, "f", 5000, 7);
	R(c, o->link("f", "g"), "link f g");
	if (o->stat("f", &s1) == 0 && o->stat("g", &s2) == 0)
		L(c, "f and g same inode: %d", s1.st_ino == s2.st_ino);
	log_lstat(c, "f");
	R(c, o->mkdir("dir", 0755), "mkdir dir");
	R(c, o->link("f", "dir/h"), "link into dir");
	log_lstat(c, "g");
	R(c, o->link("f", "g"), "link onto existing");
	R(c, o->link("dir", "dirlink"), "link a dir");
	R(c, o->link("nope", "x"), "link missing");
	R(c, o->link("f", "nope/x"), "link into missing dir");
	R(c, o->unlink("f"), "unlink f");
	log_lstat(c, "g");
	log_content(c, "g");
	fd = RF(c, o->open("g", O_RDONLY, 0), "open g");
	R(c, o->unlink("g"), "unlink g");
	R(c, o->unlink("dir/h"), "unlink dir/h");
	if (fd >= 0) {
		R(c, o->fstat(fd, &s1), "fstat unlinked");
		log_stat(c, "unlinked", &s1);
		R(c, o->read(fd, buf, sizeof(buf)), "read unlinked");
		L(c, "read unlinked hash %016llx",
		    (unsigned long long)hash_bytes(0, buf, sizeof(buf)));
		o->close(fd);
	}
	R(c, o->unlink("g"), "unlink g again");
}

static void
symlink_chain(struct dctx *c, int n)
{
	char name[32], target[32];
	struct stat st;

	make_file(c, "chain_end", 10, 8);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		if (i == n - 1)
			snprintf(target, sizeof(target), "chain_end");
		else
			snprintf(target, sizeof(target), "c%d", i + 1);
		c->o->symlink(target, name);
	}
	R(c, c->o->stat("c0", &st), "stat chain of %d", n);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		c->o->unlink(name);
	}
	c->o->unlink("chain_end");
}

static void
sym_links(struct dctx *c)
{
	const struct dops *o = c->o;
	struct stat st;
	char buf[16];
	int fd;

	make_file(c, "t", 100, 9);
	R(c, o->symlink("t", "s"), "symlink s");
	log_lstat(c, "s");
	log_statpath(c, "s");
	R(c, o->readlink("s", buf, sizeof(buf)), "readlink s");
	R(c, o->readlink("t", buf, sizeof(buf)), "readlink regular");
	R(c, o->symlink("0123456789abcdefghij", "long"), "symlink long");
	R(c, o->readlink("long", buf, 8), "readlink truncated");
	L(c, "truncated: %.8s", buf);
	R(c, o->symlink("nope", "dangling"), "symlink dangling");
	R(c, o->stat("dangling", &st), "stat dangling");
	log_lstat(c, "dangling");
	RF(c, fd = o->open("dangling", O_CREAT | O_EXCL | O_WRONLY, 0644), "creat excl via dangling");
	if (fd >= 0)
		o->close(fd);
	RF(c, fd = o->open("dangling", O_CREAT | O_WRONLY, 0644), "creat via dangling");
	if (fd >= 0)
		o->close(fd);
	log_lstat(c, "nope");
	R(c, o->symlink("l2", "l1"), "symlink l1");
	R(c, o->symlink("l1", "l2"), "symlink l2");
	R(c, o->stat("l1", &st), "stat loop");
	RF(c, fd = o->open("s", O_RDONLY | O_NOFOLLOW, 0), "open O_NOFOLLOW");
	if (fd >= 0)
		o->close(fd);
	R(c, o->symlink("t", "s"), "symlink onto existing");
	R(c, o->symlink("", "empty"), "symlink empty target");
	R(c, o->symlink("/nonexistent/abs", "abs"), "symlink absolute");
	R(c, o->readlink("s", buf, 0), "readlink size 0");
	log_tree(c, ".");
}

static void
sym_links_dirs(struct dctx *c)
{
	const struct dops *o = c->o;
	struct stat st;

	R(c, o->mkdir("d", 0755), "mkdir d");
	make_file(c, "d/in", 30, 10);
	R(c, o->symlink("d", "sd"), "symlink to dir");
	log_statpath(c, "sd/in");
	log_lstat(c, "sd/");
	if (R(c, o->fstatat(AT_FDCWD, "sd", &st, AT_SYMLINK_NOFOLLOW),
	    "fstatat nofollow") == 0)
		log_stat(c, "sd nofollow", &st);
	R(c, o->link("s", "s.hard"), "link to symlink");
	log_lstat(c, "s");
	R(c, o->lchown("s", 5, 6), "lchown s");
	log_lstat(c, "s.hard");
	log_lstat(c, "t");
	R(c, o->unlink("s"), "unlink symlink");
	log_lstat(c, "t");
	R(c, o->rmdir("sd"), "rmdir symlink to dir");
	R(c, o->unlink("sd/"), "unlink symlink with slash");
	symlink_chain(c, 40);
	symlink_chain(c, 41);
}

void
area_links(struct dctx *c)
{
	hard_links(c);
	sym_links(c);
	sym_links_dirs(c);
	log_tree(c, ".");
}
