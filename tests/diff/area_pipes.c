/*
 * area_pipes.c — pipes between two threads of one process in the
 * differential test: 1 MiB through a blocking pipe in odd-sized writes and
 * reads (totals and checksums), EOF once every write end is closed, a
 * reader blocked on an empty pipe, EPIPE, O_NONBLOCK and the error paths
 * (ESPIPE, EBADF on the wrong end, EINVAL flags).  SIGPIPE is ignored by
 * the test program so that the host returns EPIPE like the rump kernel.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "difftest.h"

#define PIPE_TOTAL	(1024 * 1024)

struct pthr {
	struct dctx	 c;
	struct dlog	 log;
	int		 fd;
};

static void
pthr_init(struct pthr *t, struct dctx *parent, int fd)
{
	dlog_init(&t->log);
	t->c.o = parent->o;
	t->c.log = &t->log;
	t->fd = fd;
}

static void
pthr_merge(struct dctx *parent, struct pthr *t)
{
	dlog_append(parent->log, &t->log);
	dlog_free(&t->log);
}

static void *
pipe_writer(void *v)
{
	static const size_t sizes[] = { 1, 100, 4096, 65536, 70000, 3000, 12345 };
	struct pthr *t = v;
	unsigned char *buf = malloc(70000);
	size_t done = 0, i = 0, shorts = 0, calls = 0;
	ssize_t k = 0;

	while (done < PIPE_TOTAL) {
		size_t n = sizes[i++ % 7];

		if (n > PIPE_TOTAL - done)
			n = PIPE_TOTAL - done;
		fill_pattern(buf, n, 21, done);
		k = t->c.o->write(t->fd, buf, n);
		calls++;
		if (k <= 0)
			break;
		shorts += (size_t)k != n;
		done += (size_t)k;
	}
	if (k < 0)
		R(&t->c, k, "writer write");
	L(&t->c, "writer: %zu bytes in %zu calls, %zu short", done, calls, shorts);
	R(&t->c, t->c.o->close(t->fd), "writer close");
	free(buf);
	return NULL;
}

static void *
pipe_reader(void *v)
{
	struct pthr *t = v;
	unsigned char *buf = malloc(PIPE_TOTAL);
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t total = 0, i = 0;
	ssize_t k;

	while ((k = t->c.o->read(t->fd, buf, 1000 + (i++ % 5) * 20000)) > 0) {
		h = hash_bytes(h, buf, (size_t)k);
		total += (size_t)k;
	}
	R(&t->c, k, "reader last read");
	R(&t->c, t->c.o->read(t->fd, buf, 10), "reader read after EOF");
	L(&t->c, "reader: %zu bytes hash %016llx", total, (unsigned long long)h);
	fill_pattern(buf, PIPE_TOTAL, 21, 0);
	L(&t->c, "expected hash %016llx", (unsigned long long)
	    hash_bytes(0xcbf29ce484222325ULL, buf, PIPE_TOTAL));
	free(buf);
	return NULL;
}

static void
pipe_transfer(struct dctx *c)
{
	struct pthr w, r;
	pthread_t tw, tr;
	int p[2];

	if (R(c, c->o->pipe(p), "pipe") != 0)
		return;
	pthr_init(&r, c, p[0]);
	pthr_init(&w, c, p[1]);
	pthread_create(&tr, NULL, pipe_reader, &r);
	pthread_create(&tw, NULL, pipe_writer, &w);
	pthread_join(tw, NULL);
	pthread_join(tr, NULL);
	pthr_merge(c, &w);
	pthr_merge(c, &r);
	R(c, c->o->close(p[0]), "close read end");
}

static void *
late_reader(void *v)
{
	struct pthr *t = v;
	char buf[64];
	ssize_t k;

	k = R(&t->c, t->c.o->read(t->fd, buf, sizeof(buf)), "blocked read");
	if (k > 0)
		L(&t->c, "got %.*s", (int)k, buf);
	return NULL;
}

static void
pipe_blocked_reader(struct dctx *c)
{
	struct pthr r;
	pthread_t tr;
	int p[2];

	if (R(c, c->o->pipe2(p, O_CLOEXEC), "pipe2 cloexec") != 0)
		return;
	R(c, c->o->fcntl_int(p[0], F_GETFD, 0), "F_GETFD");
	pthr_init(&r, c, p[0]);
	pthread_create(&tr, NULL, late_reader, &r);
	usleep(50 * 1000);
	R(c, c->o->write(p[1], "late", 4), "late write");
	pthread_join(tr, NULL);
	pthr_merge(c, &r);
	c->o->close(p[0]);
	c->o->close(p[1]);
}

static void
pipe_errors(struct dctx *c)
{
	const struct dops *o = c->o;
	struct stat st;
	char buf[16];
	int p[2], d;

	if (R(c, o->pipe(p), "pipe") != 0)
		return;
	if (R(c, o->fstat(p[0], &st), "fstat pipe") == 0)
		log_stat(c, "pipe", &st);
	R(c, o->lseek(p[0], 0, SEEK_CUR), "lseek pipe");
	R(c, o->pread(p[0], buf, 1, 0), "pread pipe");
	R(c, o->write(p[0], "x", 1), "write read end");
	R(c, o->read(p[1], buf, 1), "read write end");
	R(c, o->fcntl_int(p[0], F_GETFL, 0), "F_GETFL read end");
	R(c, o->fcntl_int(p[1], F_GETFL, 0), "F_GETFL write end");
	d = RF(c, o->dup(p[1]), "dup write end");
	R(c, o->close(p[1]), "close write end");
	R(c, o->fcntl_int(p[0], F_SETFL, O_NONBLOCK), "set O_NONBLOCK");
	R(c, o->read(p[0], buf, sizeof(buf)), "read with dup open");
	R(c, o->close(d), "close dup");
	R(c, o->read(p[0], buf, sizeof(buf)), "read at EOF");
	R(c, o->close(p[0]), "close read end");
	if (R(c, o->pipe(p), "pipe") != 0)
		return;
	R(c, o->close(p[0]), "close read end");
	R(c, o->write(p[1], "abc", 3), "write without reader");
	R(c, o->close(p[1]), "close write end");
	R(c, o->pipe2(p, 0x1234), "pipe2 bad flags");
}

static void
pipe_nonblock(struct dctx *c)
{
	const struct dops *o = c->o;
	char buf[4096];
	long total = 0;
	ssize_t k;
	int p[2];

	if (R(c, o->pipe2(p, O_NONBLOCK), "pipe2 nonblock") != 0)
		return;
	R(c, o->read(p[0], buf, sizeof(buf)), "read empty");
	R(c, o->fcntl_int(p[1], F_GETFL, 0), "F_GETFL");
	memset(buf, 'p', sizeof(buf));
	while ((k = o->write(p[1], buf, sizeof(buf))) > 0)
		total += k;
	R(c, k, "write to full pipe");
	L(c, "capacity at least 4096: %d, page multiple: %d", total >= 4096,
	    total % 4096 == 0);
	R(c, o->read(p[0], buf, 100), "read 100");
	while ((k = o->read(p[0], buf, sizeof(buf))) > 0)
		total -= k;
	R(c, k, "read drained");
	L(c, "drained all but 100: %d", total == 100);
	o->close(p[0]);
	o->close(p[1]);
}

static void
fork_writer(struct dctx *c, void *v)
{
	int *p = v;

	R(c, c->o->close(p[0]), "child closes read end");
	R(c, c->o->write(p[1], "from child", 10), "child writes");
}

/* A write end inherited by a child keeps EOF away until the child exits. */
static void
pipe_fork(struct dctx *c)
{
	char buf[64];
	struct dproc *child;
	ssize_t k;
	int p[2];

	if (R(c, c->o->pipe(p), "pipe") != 0)
		return;
	child = c->o->spawn(c, fork_writer, p);
	R(c, c->o->close(p[1]), "parent closes write end");
	k = R(c, c->o->read(p[0], buf, sizeof(buf)), "parent reads");
	if (k > 0)
		L(c, "got %.*s", (int)k, buf);
	R(c, c->o->read(p[0], buf, sizeof(buf)), "parent reads EOF");
	c->o->join(c, child);
	R(c, c->o->close(p[0]), "close read end");
}

void
area_pipes(struct dctx *c)
{
	pipe_fork(c);
	pipe_transfer(c);
	pipe_blocked_reader(c);
	pipe_errors(c);
	pipe_nonblock(c);
}
