/*
 * area_files.c — file-content areas of the differential test: files of
 * many sizes, truncate/ftruncate up and down, fallocate, files over
 * 100 MiB (sparse at a 150 MiB offset with SEEK_DATA/SEEK_HOLE, and dense
 * in 1 MiB chunks), and the I/O calls: pread/pwrite, readv/writev,
 * O_APPEND, lseek and shared offsets.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "difftest.h"

#define MiB	(1024L * 1024)

static void
sizes_make(struct dctx *c)
{
	static const size_t sizes[] = {
		0, 1, 4095, 4096, 4097, 65536, 65537, MiB, MiB + 1,
	};
	char name[32];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "s%zu", sizes[i]);
		make_file(c, name, sizes[i], (uint32_t)i);
		log_lstat(c, name);
		log_content(c, name);
	}
}

static void
sizes_truncate(struct dctx *c)
{
	const struct dops *o = c->o;
	int fd;

	R(c, o->truncate("s4097", 100), "truncate down");
	log_lstat(c, "s4097");
	log_content(c, "s4097");
	R(c, o->truncate("s4097", 10000), "truncate up");
	log_lstat(c, "s4097");
	log_content(c, "s4097");
	R(c, o->truncate("s4097", 0), "truncate to 0");
	log_lstat(c, "s4097");
	R(c, o->truncate("s4097", MiB + 3), "truncate far up");
	log_lstat(c, "s4097");
	log_content(c, "s4097");
	R(c, o->truncate("s4097", -1), "truncate negative");
	R(c, o->truncate(".", 0), "truncate dir");
	R(c, o->truncate("nope", 0), "truncate missing");
	fd = RF(c, o->open("s1048576", O_RDWR, 0), "open s1048576");
	if (fd >= 0) {
		R(c, o->ftruncate(fd, 4096 * 3 + 5), "ftruncate down");
		log_lstat(c, "s1048576");
		R(c, o->ftruncate(fd, 4096 * 20), "ftruncate up");
		log_lstat(c, "s1048576");
		R(c, o->lseek(fd, 0, SEEK_END), "lseek end after ftruncate");
		R(c, o->write(fd, "tail", 4), "write after ftruncate");
		log_lstat(c, "s1048576");
		o->close(fd);
	}
	log_content(c, "s1048576");
	fd = RF(c, o->open("s4096", O_RDONLY, 0), "open s4096 ro");
	if (fd >= 0) {
		R(c, o->ftruncate(fd, 10), "ftruncate read-only fd");
		o->close(fd);
	}
	fd = RF(c, o->open("falloc", O_CREAT | O_RDWR, 0644), "open falloc");
	if (fd >= 0) {
		R(c, o->fallocate(fd, 0, 0, 8192), "fallocate 8192");
		log_lstat(c, "falloc");
		R(c, o->fallocate(fd, 0, 4096 * 10, 100), "fallocate beyond");
		log_lstat(c, "falloc");
		R(c, o->fallocate(fd, 0, 0, 0), "fallocate len 0");
		o->close(fd);
	}
	log_content(c, "falloc");
}

void
area_sizes(struct dctx *c)
{
	sizes_make(c);
	sizes_truncate(c);
	log_tree(c, ".");
}

static void
sparse_seeks(struct dctx *c, int fd)
{
	const struct dops *o = c->o;
	const off_t d1 = 50 * MiB + 3 * 4096, d2 = 150 * MiB;
	static const char zeros[4096];
	char buf[4096];
	ssize_t k;

	R(c, o->lseek(fd, 0, SEEK_DATA), "SEEK_DATA 0");
	R(c, o->lseek(fd, 0, SEEK_HOLE), "SEEK_HOLE 0");
	R(c, o->lseek(fd, d1 + 10, SEEK_DATA), "SEEK_DATA inside d1");
	R(c, o->lseek(fd, d1, SEEK_HOLE), "SEEK_HOLE from d1");
	R(c, o->lseek(fd, d1 + 4096, SEEK_DATA), "SEEK_DATA after d1");
	R(c, o->lseek(fd, 71 * MiB, SEEK_DATA), "SEEK_DATA after unaligned");
	R(c, o->lseek(fd, d2, SEEK_HOLE), "SEEK_HOLE from d2");
	R(c, o->lseek(fd, d2 + 4, SEEK_DATA), "SEEK_DATA at last byte");
	R(c, o->lseek(fd, d2 + 5, SEEK_DATA), "SEEK_DATA at EOF");
	R(c, o->lseek(fd, d2 + 5, SEEK_HOLE), "SEEK_HOLE at EOF");
	R(c, o->lseek(fd, d2 + 100, SEEK_HOLE), "SEEK_HOLE past EOF");
	R(c, o->lseek(fd, -1, SEEK_DATA), "SEEK_DATA negative");
	R(c, o->lseek(fd, 60 * MiB, SEEK_DATA), "SEEK_DATA before unaligned");
	R(c, o->lseek(fd, 70 * MiB + 105, SEEK_HOLE), "SEEK_HOLE in unaligned");
	R(c, o->lseek(fd, 70 * MiB + 50, SEEK_DATA), "SEEK_DATA before it, same page");
	k = R(c, o->pread(fd, buf, sizeof(buf), 100 * MiB), "pread in hole");
	if (k == (ssize_t)sizeof(buf))
		L(c, "hole reads zeros: %d", memcmp(buf, zeros, sizeof(buf)) == 0);
	k = R(c, o->pread(fd, buf, 9, d2 - 4), "pread across hole/data");
	if (k == 9)
		L(c, "bytes: %02x %02x %02x %02x %.5s", buf[0], buf[1], buf[2],
		    buf[3], buf + 4);
	k = R(c, o->pread(fd, buf, sizeof(buf), d1 - 2), "pread into d1");
	if (k > 0)
		L(c, "hash %016llx",
		    (unsigned long long)hash_bytes(0, buf, (size_t)k));
}

static void
bigfile_sparse(struct dctx *c)
{
	const struct dops *o = c->o;
	struct stat st;
	char page[4096];
	int fd;

	fd = RF(c, o->open("sparse", O_CREAT | O_RDWR, 0644), "open sparse");
	if (fd < 0)
		return;
	fill_pattern(page, sizeof(page), 11, 0);
	R(c, o->pwrite(fd, page, sizeof(page), 50 * MiB + 3 * 4096), "pwrite d1");
	R(c, o->pwrite(fd, "unaligned!", 10, 70 * MiB + 100), "pwrite unaligned");
	R(c, o->pwrite(fd, "hello", 5, 150 * MiB), "pwrite at 150 MiB");
	if (R(c, o->fstat(fd, &st), "fstat sparse") == 0)
		log_stat(c, "sparse", &st);
	sparse_seeks(c, fd);
	R(c, o->ftruncate(fd, 200 * MiB), "extend sparse");
	if (R(c, o->fstat(fd, &st), "fstat sparse") == 0)
		log_stat(c, "sparse", &st);
	R(c, o->ftruncate(fd, 150 * MiB + 2), "cut sparse");
	if (R(c, o->fstat(fd, &st), "fstat sparse") == 0)
		log_stat(c, "sparse", &st);
	o->close(fd);
	log_content(c, "sparse");
	R(c, o->unlink("sparse"), "unlink sparse");
}

/* 101 MiB written in 1 MiB chunks, read back by log_content. */
static void
bigfile_dense(struct dctx *c)
{
	const struct dops *o = c->o;
	unsigned char *buf = malloc(MiB);
	long done = 0;
	ssize_t k = 0;
	int fd;

	fd = RF(c, o->open("dense", O_CREAT | O_WRONLY | O_TRUNC, 0644),
	    "open dense");
	if (fd < 0) {
		free(buf);
		return;
	}
	for (int i = 0; i < 101; i++) {
		fill_pattern(buf, MiB, 12, (uint64_t)done);
		k = o->write(fd, buf, MiB);
		if (k != MiB)
			break;
		done += k;
	}
	R(c, k, "last dense write");
	L(c, "dense wrote %ld", done);
	R(c, o->fsync(fd), "fsync dense");
	o->close(fd);
	log_lstat(c, "dense");
	log_content(c, "dense");
	R(c, o->truncate("dense", 100 * MiB + 7), "truncate dense");
	log_lstat(c, "dense");
	log_content(c, "dense");
	R(c, o->unlink("dense"), "unlink dense");
	free(buf);
}

void
area_bigfiles(struct dctx *c)
{
	bigfile_sparse(c);
	bigfile_dense(c);
}

static void
io_positional(struct dctx *c, int fd)
{
	const struct dops *o = c->o;
	char buf[3000], a[10], b[100], d[5000];
	struct iovec iov[4];
	ssize_t k;

	k = R(c, o->pread(fd, buf, sizeof(buf), 1234), "pread 1234");
	if (k > 0)
		L(c, "hash %016llx", (unsigned long long)hash_bytes(0, buf, (size_t)k));
	R(c, o->pread(fd, buf, sizeof(buf), 9000), "pread near EOF");
	R(c, o->pread(fd, buf, sizeof(buf), 20000), "pread past EOF");
	R(c, o->pread(fd, buf, sizeof(buf), -1), "pread negative");
	R(c, o->lseek(fd, 0, SEEK_CUR), "offset after preads");
	R(c, o->pwrite(fd, "XYZ", 3, 20000), "pwrite past EOF");
	R(c, o->lseek(fd, 0, SEEK_CUR), "offset after pwrite");
	R(c, o->pwrite(fd, "XYZ", 3, -5), "pwrite negative");
	iov[0] = (struct iovec){ .iov_base = a, .iov_len = sizeof(a) };
	iov[1] = (struct iovec){ .iov_base = NULL, .iov_len = 0 };
	iov[2] = (struct iovec){ .iov_base = b, .iov_len = sizeof(b) };
	iov[3] = (struct iovec){ .iov_base = d, .iov_len = sizeof(d) };
	R(c, o->lseek(fd, 9990, SEEK_SET), "lseek 9990");
	k = R(c, o->readv(fd, iov, 4), "readv");
	if (k > 0)
		L(c, "readv %016llx %016llx",
		    (unsigned long long)hash_bytes(0, a, sizeof(a)),
		    (unsigned long long)hash_bytes(0, b, sizeof(b)));
	R(c, o->lseek(fd, 0, SEEK_CUR), "offset after readv");
	memset(a, 'a', sizeof(a));
	memset(b, 'b', sizeof(b));
	memset(d, 'd', sizeof(d));
	R(c, o->lseek(fd, 100, SEEK_SET), "lseek 100");
	R(c, o->writev(fd, iov, 4), "writev");
	R(c, o->lseek(fd, 0, SEEK_CUR), "offset after writev");
	R(c, o->writev(fd, iov, 0), "writev 0 iovecs");
	R(c, o->writev(fd, iov, -1), "writev -1 iovecs");
	R(c, o->read(fd, buf, 0), "read 0 bytes");
}

static void
io_offsets(struct dctx *c, int fd)
{
	const struct dops *o = c->o;
	char buf[16];
	int fd2;

	R(c, o->lseek(fd, -1, SEEK_END), "lseek end-1");
	R(c, o->lseek(fd, -100000, SEEK_END), "lseek before start");
	R(c, o->lseek(fd, 5, 99), "lseek bad whence");
	R(c, o->lseek(fd, 1 * MiB, SEEK_SET), "lseek beyond EOF");
	R(c, o->read(fd, buf, sizeof(buf)), "read beyond EOF");
	fd2 = RF(c, o->dup(fd), "dup");
	if (fd2 >= 0) {
		R(c, o->lseek(fd, 10, SEEK_SET), "lseek 10");
		R(c, o->read(fd2, buf, 6), "read via dup");
		R(c, o->lseek(fd, 0, SEEK_CUR), "shared offset");
		o->close(fd2);
	}
}

static void
io_append(struct dctx *c)
{
	const struct dops *o = c->o;
	char buf[8];
	int fd;

	fd = RF(c, o->open("data", O_WRONLY | O_APPEND, 0), "open O_APPEND");
	if (fd < 0)
		return;
	R(c, o->fcntl_int(fd, F_GETFL, 0), "F_GETFL append");
	R(c, o->lseek(fd, 0, SEEK_SET), "lseek 0 on append");
	R(c, o->write(fd, "abc", 3), "append write");
	R(c, o->lseek(fd, 0, SEEK_CUR), "offset after append");
	R(c, o->pwrite(fd, "PQ", 2, 0), "pwrite on append fd");
	log_lstat(c, "data");
	R(c, o->read(fd, buf, sizeof(buf)), "read on O_WRONLY");
	R(c, o->fcntl_int(fd, F_SETFL, 0), "F_SETFL clear append");
	R(c, o->fcntl_int(fd, F_GETFL, 0), "F_GETFL cleared");
	R(c, o->lseek(fd, 0, SEEK_SET), "lseek 0");
	R(c, o->write(fd, "ZZ", 2), "write at 0");
	o->close(fd);
	fd = RF(c, o->open("data", O_RDONLY, 0), "open ro");
	if (fd >= 0) {
		R(c, o->write(fd, "x", 1), "write on O_RDONLY");
		o->close(fd);
	}
	RF(c, fd = o->open("data", O_CREAT | O_EXCL | O_RDWR, 0644), "O_EXCL existing");
	if (fd >= 0)
		o->close(fd);
	RF(c, fd = o->open("data", O_RDWR | 0x4000000, 0), "open unknown flag");
	if (fd >= 0)
		o->close(fd);
	log_content(c, "data");
	RF(c, fd = o->open("data", O_RDWR | O_TRUNC, 0), "O_TRUNC");
	if (fd >= 0)
		o->close(fd);
	log_lstat(c, "data");
}

void
area_io(struct dctx *c)
{
	int fd;

	make_file(c, "data", 10000, 13);
	fd = RF(c, c->o->open("data", O_RDWR, 0), "open data");
	if (fd >= 0) {
		io_positional(c, fd);
		io_offsets(c, fd);
		c->o->close(fd);
	}
	log_lstat(c, "data");
	log_content(c, "data");
	io_append(c);
	R(c, c->o->close(fd), "close closed fd");
}
