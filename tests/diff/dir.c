/*
 * dir.c — directory helpers of the differential test: reading a directory
 * with raw getdents64 through the table, sorted listings and recursive
 * snapshots for the log, tree removal for cleanup, and the pipe-based
 * semaphore that orders spawned processes.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "difftest.h"

struct ld64 {
	uint64_t	d_ino;
	int64_t		d_off;
	unsigned short	d_reclen;
	unsigned char	d_type;
	char		d_name[];
};

/* Listings bigger than this are logged as a count and a hash. */
#define LISTING_VERBOSE_MAX	200

int
list_dir(const struct dops *o, const char *dir, size_t bufsize,
    struct dent **out, size_t *np)
{
	char *buf = malloc(bufsize);
	struct dent *v = NULL;
	size_t n = 0, cap = 0;
	ssize_t k;
	int fd, err = 0;

	*out = NULL;
	*np = 0;
	fd = o->open(dir, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		err = -errno;
		free(buf);
		return err;
	}
	while ((k = o->getdents64(fd, buf, bufsize)) > 0) {
		for (ssize_t off = 0; off < k;) {
			struct ld64 *d = (struct ld64 *)(buf + off);

			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				v = realloc(v, cap * sizeof(*v));
			}
			v[n].name = strdup(d->d_name);
			v[n].type = d->d_type;
			n++;
			off += d->d_reclen;
		}
	}
	if (k < 0)
		err = -errno;
	o->close(fd);
	free(buf);
	*out = v;
	*np = n;
	return err;
}

void
free_dents(struct dent *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
}

static int
dent_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dent *)a)->name,
	    ((const struct dent *)b)->name);
}

void
log_listing(struct dctx *c, const char *dir)
{
	struct dent *v;
	size_t n;
	int err = list_dir(c->o, dir, 4096, &v, &n);

	if (err != 0) {
		errno = -err;
		R(c, -1, "listing %s", dir);
		free_dents(v, n);
		return;
	}
	qsort(v, n, sizeof(*v), dent_cmp);
	if (n <= LISTING_VERBOSE_MAX) {
		for (size_t i = 0; i < n; i++)
			L(c, "listing %s: %s type %u", dir, v[i].name, v[i].type);
	} else {
		uint64_t h = 0xcbf29ce484222325ULL;

		for (size_t i = 0; i < n; i++) {
			h = hash_bytes(h, v[i].name, strlen(v[i].name) + 1);
			h = hash_bytes(h, &v[i].type, 1);
		}
		L(c, "listing %s: %zu entries hash %016llx", dir, n,
		    (unsigned long long)h);
	}
	free_dents(v, n);
}

static void
log_entry(struct dctx *c, const char *path)
{
	struct stat st;
	char target[512];
	ssize_t k;

	if (R(c, c->o->lstat(path, &st), "lstat %s", path) != 0)
		return;
	log_stat(c, path, &st);
	if (S_ISREG(st.st_mode)) {
		log_content(c, path);
	} else if (S_ISLNK(st.st_mode)) {
		k = R(c, c->o->readlink(path, target, sizeof(target) - 1),
		    "readlink %s", path);
		if (k >= 0) {
			target[k] = '\0';
			L(c, "link %s -> %s", path, target);
		}
	} else if (S_ISDIR(st.st_mode)) {
		log_tree(c, path);
	}
}

void
log_tree(struct dctx *c, const char *dir)
{
	struct dent *v;
	size_t n;
	char path[4096];

	log_listing(c, dir);
	if (list_dir(c->o, dir, 65536, &v, &n) != 0) {
		free_dents(v, n);
		return;
	}
	qsort(v, n, sizeof(*v), dent_cmp);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].name, ".") == 0 || strcmp(v[i].name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, v[i].name);
		log_entry(c, path);
	}
	free_dents(v, n);
}

void
rmtree(const struct dops *o, const char *path)
{
	struct stat st;
	struct dent *v;
	size_t n;
	char sub[4096];

	if (o->lstat(path, &st) != 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		o->unlink(path);
		return;
	}
	o->chmod(path, 0755);
	if (list_dir(o, path, 65536, &v, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			if (strcmp(v[i].name, ".") == 0 ||
			    strcmp(v[i].name, "..") == 0)
				continue;
			snprintf(sub, sizeof(sub), "%s/%s", path, v[i].name);
			rmtree(o, sub);
		}
	}
	free_dents(v, n);
	o->rmdir(path);
}

void
dsync_init(struct dsync *s)
{
	if (pipe(s->fd) != 0)
		abort();
}

void
dsync_destroy(struct dsync *s)
{
	close(s->fd[0]);
	close(s->fd[1]);
}

void
dsync_post(struct dsync *s, int value)
{
	while (write(s->fd[1], &value, sizeof(value)) < 0 && errno == EINTR)
		;
}

int
dsync_wait(struct dsync *s)
{
	int value = -1;

	while (read(s->fd[0], &value, sizeof(value)) < 0 && errno == EINTR)
		;
	return value;
}
