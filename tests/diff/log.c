/*
 * log.c — the differential test's result log and the logging helpers that
 * every area shares: results with errno names, normalized stat lines,
 * content hashes, sorted directory listings and whole-tree snapshots.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "difftest.h"

#define CHUNK	(1u << 20)

void
dlog_init(struct dlog *g)
{
	g->line = NULL;
	g->n = g->cap = 0;
}

void
dlog_free(struct dlog *g)
{
	for (size_t i = 0; i < g->n; i++)
		free(g->line[i]);
	free(g->line);
	dlog_init(g);
}

void
dlog_add(struct dlog *g, const char *s)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 256;
		g->line = realloc(g->line, g->cap * sizeof(*g->line));
		if (g->line == NULL)
			abort();
	}
	g->line[g->n] = strdup(s);
	if (g->line[g->n] == NULL)
		abort();
	g->n++;
}

void
dlog_append(struct dlog *to, const struct dlog *from)
{
	for (size_t i = 0; i < from->n; i++)
		dlog_add(to, from->line[i]);
}

int
dlog_compare(const struct dlog *h, const struct dlog *r)
{
	size_t n = h->n > r->n ? h->n : r->n;

	for (size_t i = 0; i < n; i++) {
		const char *a = i < h->n ? h->line[i] : "<end of log>";
		const char *b = i < r->n ? r->line[i] : "<end of log>";

		if (strcmp(a, b) != 0) {
			fprintf(stderr, "difference at line %zu:\n  host: %s\n"
			    "  rump: %s\n", i + 1, a, b);
			for (size_t j = i > 3 ? i - 3 : 0; j < i; j++)
				fprintf(stderr, "  (before: %s)\n", h->line[j]);
			return -1;
		}
	}
	return 0;
}

static void
vlog(struct dctx *c, const char *prefix, const char *fmt, va_list ap)
{
	char buf[1024];
	int k = snprintf(buf, sizeof(buf), "%s", prefix);

	vsnprintf(buf + k, sizeof(buf) - (size_t)k, fmt, ap);
	dlog_add(c->log, buf);
}

void
L(struct dctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(c, "", fmt, ap);
	va_end(ap);
}

static void
vresult(struct dctx *c, long rv, int err, bool isfd, const char *fmt,
    va_list ap)
{
	char what[900], line[1024];

	vsnprintf(what, sizeof(what), fmt, ap);
	if (rv < 0) {
		const char *en = strerrorname_np(err);

		snprintf(line, sizeof(line), "%s = %ld %s", what, rv,
		    en != NULL ? en : "E?");
	} else if (isfd) {
		snprintf(line, sizeof(line), "%s = fd", what);
	} else {
		snprintf(line, sizeof(line), "%s = %ld", what, rv);
	}
	dlog_add(c->log, line);
}

long
R(struct dctx *c, long rv, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vresult(c, rv, err, false, fmt, ap);
	va_end(ap);
	errno = err;
	return rv;
}

long
RF(struct dctx *c, long rv, const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	vresult(c, rv, err, true, fmt, ap);
	va_end(ap);
	errno = err;
	return rv;
}

/* Directory sizes and block counts are file-system trivia; the rest must match. */
void
log_stat(struct dctx *c, const char *what, const struct stat *st)
{
	if (S_ISDIR(st->st_mode))
		L(c, "%s: mode=%06o nlink=%lu uid=%u gid=%u", what,
		    st->st_mode, (unsigned long)st->st_nlink, st->st_uid,
		    st->st_gid);
	else if (S_ISREG(st->st_mode))
		L(c, "%s: mode=%06o nlink=%lu uid=%u gid=%u size=%lld "
		    "blocks=%lld", what, st->st_mode,
		    (unsigned long)st->st_nlink, st->st_uid, st->st_gid,
		    (long long)st->st_size, (long long)st->st_blocks);
	else
		L(c, "%s: mode=%06o nlink=%lu uid=%u gid=%u size=%lld", what,
		    st->st_mode, (unsigned long)st->st_nlink, st->st_uid,
		    st->st_gid, (long long)st->st_size);
}

void
log_lstat(struct dctx *c, const char *path)
{
	struct stat st;

	if (R(c, c->o->lstat(path, &st), "lstat %s", path) == 0)
		log_stat(c, path, &st);
}

void
log_statpath(struct dctx *c, const char *path)
{
	struct stat st;

	if (R(c, c->o->stat(path, &st), "stat %s", path) == 0)
		log_stat(c, path, &st);
}

/* FNV-1a, byte by byte: the same bytes hash alike however they were split. */
uint64_t
hash_bytes(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (; n > 0; n--, b++)
		h = (h ^ *b) * 0x100000001b3ULL;
	return h;
}

/* Byte x of a pattern depends only on (seed, x): chunked writes agree. */
void
fill_pattern(void *buf, size_t n, uint64_t seed, uint64_t off)
{
	unsigned char *b = buf;

	for (size_t i = 0; i < n; i++) {
		uint64_t x = off + i;

		b[i] = (unsigned char)(((x * 2654435761u) >> 11) ^ (x >> 20) ^
		    seed);
	}
}

void
log_content(struct dctx *c, const char *path)
{
	unsigned char *buf = malloc(CHUNK);
	uint64_t h = 0xcbf29ce484222325ULL;
	long long total = 0;
	ssize_t k;
	int fd;

	fd = c->o->open(path, O_RDONLY, 0);
	if (fd < 0) {
		R(c, fd, "content open %s", path);
		free(buf);
		return;
	}
	while ((k = c->o->read(fd, buf, CHUNK)) > 0) {
		h = hash_bytes(h, buf, (size_t)k);
		total += k;
	}
	if (k < 0)
		R(c, k, "content read %s", path);
	c->o->close(fd);
	L(c, "content %s: %lld bytes hash %016llx", path, total,
	    (unsigned long long)h);
	free(buf);
}

void
make_file(struct dctx *c, const char *path, size_t size, uint32_t seed)
{
	size_t done = 0, len = size < CHUNK ? size : CHUNK;
	unsigned char *buf = malloc(len ? len : 1);
	ssize_t k = 0;
	int fd;

	fd = RF(c, c->o->open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644),
	    "make open %s", path);
	if (fd < 0) {
		free(buf);
		return;
	}
	while (done < size) {
		size_t n = size - done < CHUNK ? size - done : CHUNK;

		fill_pattern(buf, n, seed, done);
		k = c->o->write(fd, buf, n);
		if (k <= 0)
			break;
		done += (size_t)k;
	}
	if (k < 0)
		R(c, k, "make write %s", path);
	L(c, "make %s: wrote %zu", path, done);
	R(c, c->o->close(fd), "make close %s", path);
	free(buf);
}
