/*
 * area_dents.c — getdents64 over a directory of 10,000 entries: the set of
 * names (hashed, sorted) with several buffer sizes, rewinding, a buffer
 * too small for one entry, and a pass that deletes half of the entries
 * while iterating and checks that every survivor is returned exactly once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difftest.h"

#define NENT	10000

struct ld64 {
	uint64_t	d_ino;
	int64_t		d_off;
	unsigned short	d_reclen;
	unsigned char	d_type;
	char		d_name[];
};

static void
dents_create(struct dctx *c)
{
	char name[32];
	int fd, bad = 0, first_err = 0;

	R(c, c->o->mkdir("big", 0755), "mkdir big");
	for (int i = 0; i < NENT; i++) {
		snprintf(name, sizeof(name), "big/e%05d", i);
		if (i % 10 == 9)
			fd = c->o->mkdir(name, 0755);
		else
			fd = c->o->open(name, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0) {
			if (bad++ == 0)
				first_err = errno;
			continue;
		}
		if (i % 10 != 9)
			c->o->close(fd);
	}
	L(c, "created %d entries, %d failed (first %s)", NENT - bad, bad,
	    bad ? strerrorname_np(first_err) : "-");
}

/* Reads the directory once with the given buffer size; logs count + hash. */
static void
dents_scan(struct dctx *c, size_t bufsize)
{
	struct dent *v;
	size_t n;
	int err = list_dir(c->o, "big", bufsize, &v, &n);
	size_t dirs = 0;

	for (size_t i = 0; i < n; i++)
		dirs += v[i].type == 4;
	if (err != 0) {
		errno = -err;
		R(c, -1, "scan with %zu-byte buffer", bufsize);
	}
	L(c, "scan with %zu-byte buffer: %zu entries, %zu dirs", bufsize, n,
	    dirs);
	free_dents(v, n);
}

static void
dents_rewind(struct dctx *c)
{
	const struct dops *o = c->o;
	char buf[8192];
	ssize_t k;
	long first = 0, second = 0;
	int fd;

	fd = RF(c, o->open("big", O_RDONLY | O_DIRECTORY, 0), "open big");
	if (fd < 0)
		return;
	while ((k = o->getdents64(fd, buf, sizeof(buf))) > 0)
		first++;
	R(c, k, "getdents at end");
	R(c, o->lseek(fd, 0, SEEK_SET), "rewind");
	while ((k = o->getdents64(fd, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0; off < k; second++)
			off += ((struct ld64 *)(buf + off))->d_reclen;
	L(c, "after rewind %ld entries (calls before: %s)", second,
	    first > 0 ? "some" : "none");
	R(c, o->lseek(fd, 0, SEEK_SET), "rewind again");
	R(c, o->getdents64(fd, buf, 10), "getdents tiny buffer");
	o->close(fd);
	fd = RF(c, o->open("big/e00000", O_RDONLY, 0), "open file");
	if (fd >= 0) {
		R(c, o->getdents64(fd, buf, sizeof(buf)), "getdents on file");
		o->close(fd);
	}
	R(c, o->getdents64(9999, buf, sizeof(buf)), "getdents bad fd");
}

/*
 * Odd-numbered entries are removed while iterating: each one when it is
 * returned, and also (through its even partner) possibly before it is
 * returned.  Even-numbered entries are never touched and must each be
 * returned exactly once.
 */
static void
dents_delete_half(struct dctx *c)
{
	const struct dops *o = c->o;
	unsigned char *seen = calloc(NENT, 1);
	char buf[4096], name[32];
	int fd, missed = 0, dups = 0, errs = 0, bogus = 0;
	ssize_t k;

	fd = RF(c, o->open("big", O_RDONLY | O_DIRECTORY, 0), "open big");
	while (fd >= 0 && (k = o->getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < k;) {
			struct ld64 *d = (struct ld64 *)(buf + off);
			int i;

			off += d->d_reclen;
			if (d->d_name[0] == '.')
				continue;
			if (sscanf(d->d_name, "e%d", &i) != 1 || i < 0 ||
			    i >= NENT) {
				bogus++;
				continue;
			}
			if (i % 2 == 0 && seen[i]++)
				dups++;
			snprintf(name, sizeof(name), "big/e%05d", i | 1);
			if (o->unlinkat(AT_FDCWD, name, (i | 1) % 10 == 9 ?
			    AT_REMOVEDIR : 0) != 0 && errno != ENOENT)
				errs++;
		}
	}
	if (fd >= 0)
		o->close(fd);
	for (int i = 0; i < NENT; i += 2)
		missed += !seen[i];
	L(c, "delete pass: missed %d, duplicates %d, errors %d, bogus %d",
	    missed, dups, errs, bogus);
	free(seen);
}

void
area_getdents(struct dctx *c)
{
	dents_create(c);
	log_lstat(c, "big");
	log_listing(c, "big");
	dents_scan(c, 32768);
	dents_scan(c, 300);
	dents_scan(c, 1 << 20);
	dents_rewind(c);
	dents_delete_half(c);
	log_listing(c, "big");
	log_lstat(c, "big");
	R(c, c->o->rmdir("big"), "rmdir non-empty big");
}
