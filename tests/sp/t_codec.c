/*
 * t_codec.c — the sysproxy codec: every argument kind round-trips between
 * the client encoder and the server decoder, and every malformed body
 * (truncated, padded wrongly, trailing bytes, shape mismatches, garbage)
 * is refused without touching memory it should not.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <cmocka.h>
#include "sp/sp.h"

#define NR(name) nr_of(#name)

static const struct sysent *
nr_of(const char *name)
{
	for (int i = 0; i < SYS_NRMAX; i++)
		if (sp_systab[i].name != NULL && strcmp(sp_systab[i].name, name) == 0)
			return &sp_systab[i];
	fail_msg("no syscall %s", name);
	return NULL;
}

static void
t_header(void **state)
{
	struct sp_hdr h = { 32, SP_SYSCALL, SP_F_REPLY, 0xdeadbeef, 7 }, g;
	uint8_t raw[SP_HDRSIZE];

	sp_hdr_put(raw, &h);
	assert_int_equal(raw[0], 32);		/* little-endian on the wire */
	assert_int_equal(raw[8], 0xef);
	assert_int_equal(sp_hdr_get(raw, &g, SP_MAXFRAME), 0);
	assert_memory_equal(&h, &g, sizeof(h));
	h.len = 15;
	sp_hdr_put(raw, &h);
	assert_int_equal(sp_hdr_get(raw, &g, SP_MAXFRAME), -EPROTO);
	h.len = SP_MAXFRAME + 1;
	sp_hdr_put(raw, &h);
	assert_int_equal(sp_hdr_get(raw, &g, SP_MAXFRAME), -EPROTO);
	h.len = 16;
	h.type = 99;
	sp_hdr_put(raw, &h);
	assert_int_equal(sp_hdr_get(raw, &g, SP_MAXFRAME), -EPROTO);
	h.type = SP_SYSCALL;
	h.flags = 0x8000;
	sp_hdr_put(raw, &h);
	assert_int_equal(sp_hdr_get(raw, &g, SP_MAXFRAME), -EPROTO);
}

/* client encode -> server decode -> server reply -> client decode */
static long
roundtrip(const struct sysent *se, struct sp_argv *av, long (*fake)(struct sp_call *))
{
	struct sp_buf req, rep;
	struct sp_call c;
	long ret, kret;

	sp_buf_init(&req);
	sp_buf_init(&rep);
	assert_int_equal(sp_enc_call(&req, se, av), 0);
	assert_int_equal(sp_dec_call(req.b_p, req.b_len, se, &c), 0);
	kret = fake(&c);
	assert_int_equal(sp_enc_reply(&rep, &c, kret), 0);
	assert_int_equal(sp_dec_reply(rep.b_p, rep.b_len, se, av, &ret), 0);
	sp_buf_free(&req);
	sp_buf_free(&rep);
	return ret;
}

static long
fake_read(struct sp_call *c)
{
	assert_int_equal(c->a[0], 3);
	assert_int_equal(c->a[2], 100);
	memset((void *)(uintptr_t)c->a[1], 'x', 42);
	return 42;
}

static void
t_read(void **state)
{
	char buf[100];
	struct sp_argv av[3] = {
		{ .val = 3 }, { .val = (uintptr_t)buf, .len = sizeof(buf) }, { .val = 100 },
	};

	memset(buf, 0, sizeof(buf));
	assert_int_equal(roundtrip(NR(read), av, fake_read), 42);
	assert_int_equal(buf[41], 'x');
	assert_int_equal(buf[42], 0);	/* only what the kernel produced comes back */
}

static long
fake_open(struct sp_call *c)
{
	assert_string_equal((const char *)(uintptr_t)c->a[0], "/tmp/some/file");
	assert_int_equal(c->a[1], O_CREAT | O_RDWR);
	assert_int_equal(c->a[2], 0644);
	return -ENOENT;
}

static void
t_open(void **state)
{
	const char *path = "/tmp/some/file";
	struct sp_argv av[3] = {
		{ .val = (uintptr_t)path, .len = strlen(path) + 1 },
		{ .val = O_CREAT | O_RDWR }, { .val = 0644 },
	};
	struct sp_buf b;

	assert_int_equal(roundtrip(NR(open), av, fake_open), -ENOENT);
	av[0].val = 0;			/* a required path may not be NULL */
	sp_buf_init(&b);
	assert_int_equal(sp_enc_call(&b, NR(open), av), -EFAULT);
	sp_buf_free(&b);
}

static long
fake_writev(struct sp_call *c)
{
	const struct iovec *iov = (const void *)(uintptr_t)c->a[1];

	assert_int_equal(c->a[2], 3);
	assert_int_equal(iov[0].iov_len, 5);
	assert_memory_equal(iov[0].iov_base, "hello", 5);
	assert_int_equal(iov[1].iov_len, 0);
	assert_memory_equal(iov[2].iov_base, "world!", 6);
	return 11;
}

static long
fake_readv(struct sp_call *c)
{
	const struct iovec *iov = (const void *)(uintptr_t)c->a[1];

	memcpy(iov[0].iov_base, "abc", 3);
	memcpy(iov[1].iov_base, "defg", 2);
	return 5;
}

static void
t_iov(void **state)
{
	char a[3], b[4] = "zzzz";
	struct iovec in[3] = { { "hello", 5 }, { NULL, 0 }, { "world!", 6 } };
	struct iovec out[2] = { { a, 3 }, { b, 4 } };
	struct sp_argv av[3] = {
		{ .val = 4 }, { .val = (uintptr_t)in, .len = 3 }, { .val = 3 },
	};

	assert_int_equal(roundtrip(NR(writev), av, fake_writev), 11);
	av[1].val = (uintptr_t)out;
	av[1].len = 2;
	av[2].val = 2;
	assert_int_equal(roundtrip(NR(readv), av, fake_readv), 5);
	assert_memory_equal(a, "abc", 3);
	assert_memory_equal(b, "dezz", 4);	/* scattered in iovec order */
}

static long
fake_getlk(struct sp_call *c)
{
	struct flock *fl = (void *)(uintptr_t)c->a[2];

	assert_int_equal(c->ctlkind[2], SA_INOUT);
	assert_int_equal(fl->l_start, 100);
	fl->l_type = F_UNLCK;
	fl->l_pid = 77;
	return 0;
}

static void
t_fcntl_shapes(void **state)
{
	struct flock fl = { .l_type = F_WRLCK, .l_start = 100, .l_len = 10 };
	struct sp_argv av[3] = { { .val = 5 }, { .val = F_GETLK }, { .val = (uintptr_t)&fl } };
	struct sp_buf b;
	struct sp_call c;
	int kind;

	kind = sp_ctl_shape(NR(fcntl), F_GETLK, &av[2].len);
	assert_int_equal(kind, SA_INOUT);
	av[2].ctlkind = (uint8_t)kind;
	assert_int_equal(roundtrip(NR(fcntl), av, fake_getlk), 0);
	assert_int_equal(fl.l_type, F_UNLCK);
	assert_int_equal(fl.l_pid, 77);

	/* a client that claims F_GETLK takes a plain value is refused */
	av[2].ctlkind = SA_SCALAR;
	av[2].len = 0;
	sp_buf_init(&b);
	assert_int_equal(sp_enc_call(&b, NR(fcntl), av), 0);
	assert_int_equal(sp_dec_call(b.b_p, b.b_len, NR(fcntl), &c), -EPROTO);
	sp_buf_free(&b);
	assert_int_equal(sp_ctl_shape(NR(fcntl), F_SETFD, &av[2].len), SA_SCALAR);
	assert_int_equal(sp_ctl_shape(NR(read), 0, &av[2].len), -EINVAL);
}

static long
fake_sysctl(struct sp_call *c)
{
	size_t *oldlenp = (void *)(uintptr_t)c->a[2];

	assert_string_equal((const char *)(uintptr_t)c->a[0], "kern.hostname");
	assert_int_equal(*oldlenp, 64);
	assert_int_equal(c->a[3], 0);		/* absent optional input */
	memcpy((void *)(uintptr_t)c->a[1], "host", 5);
	*oldlenp = 5;
	return 0;
}

static void
t_sysctl_got(void **state)
{
	char old[64];
	size_t oldlen = sizeof(old);
	struct sp_argv av[5] = {
		{ .val = (uintptr_t)"kern.hostname", .len = 14 },
		{ .val = (uintptr_t)old, .len = sizeof(old) },
		{ .val = (uintptr_t)&oldlen, .len = sizeof(oldlen) },
		{ .val = 0 }, { .val = 0 },
	};

	memset(old, '#', sizeof(old));
	assert_int_equal(roundtrip(NR(sysctlbyname), av, fake_sysctl), 0);
	assert_int_equal(oldlen, 5);
	assert_string_equal(old, "host");
	assert_int_equal(old[5], '#');	/* only *oldlenp bytes came back */
}

/* every strict prefix and every extension of a valid body is refused */
static void
t_truncated(void **state)
{
	const char *path = "/a/b";
	struct stat st;
	struct sp_argv av[4] = {
		{ .val = (uint64_t)AT_FDCWD }, { .val = (uintptr_t)path, .len = 5 },
		{ .val = (uintptr_t)&st, .len = sizeof(st) }, { .val = 0 },
	};
	struct sp_buf b;
	struct sp_call c;
	uint8_t *copy;

	sp_buf_init(&b);
	assert_int_equal(sp_enc_call(&b, NR(fstatat), av), 0);
	for (size_t n = 0; n < b.b_len; n++) {
		copy = malloc(n ? n : 1);
		memcpy(copy, b.b_p, n);
		assert_int_equal(sp_dec_call(copy, n, NR(fstatat), &c), -EPROTO);
		free(copy);
	}
	copy = malloc(b.b_len + 8);
	memcpy(copy, b.b_p, b.b_len);
	memset(copy + b.b_len, 0, 8);
	assert_int_equal(sp_dec_call(copy, b.b_len + 8, NR(fstatat), &c), -EPROTO);
	/* a path without its NUL */
	memcpy(copy, b.b_p, b.b_len);
	copy[8 + 8 + 4] = 'x';		/* u64 dirfd, u32 len, pad, "/a/b\0" */
	assert_int_equal(sp_dec_call(copy, b.b_len, NR(fstatat), &c), -EPROTO);
	/* non-zero padding */
	memcpy(copy, b.b_p, b.b_len);
	copy[8 + 4] = 1;
	assert_int_equal(sp_dec_call(copy, b.b_len, NR(fstatat), &c), -EPROTO);
	free(copy);
	sp_buf_free(&b);
}

/* random bodies for every call: never a crash, a leak or a bad access */
static void
t_garbage(void **state)
{
	uint8_t body[256];
	struct sp_call c;
	struct sp_buf rep;
	unsigned seed = 12345;

	for (int iter = 0; iter < 200000; iter++) {
		const struct sysent *se = &sp_systab[rand_r(&seed) % SYS_NRMAX];
		size_t len = (size_t)rand_r(&seed) % sizeof(body);

		if (se->name == NULL)
			continue;
		for (size_t i = 0; i < len; i++)
			body[i] = (uint8_t)rand_r(&seed);
		/* small length words make the decoder go further */
		if (len > 12 && (iter & 1))
			memset(body + 8, 0, 3);
		if (sp_dec_call(body, len, se, &c) == 0) {
			sp_buf_init(&rep);
			assert_int_equal(sp_enc_reply(&rep, &c, -EINTR), 0);
			sp_buf_free(&rep);
		}
	}
}

/* the frame sp_frame_iov describes, flattened; its length in *len */
static uint8_t *
flatten(const struct sp_buf *b, const struct sp_refs *x, size_t *len)
{
	struct iovec iov[2 * SP_MAXREFS + 1];
	int n = sp_frame_iov(b, x, iov);
	uint8_t *p = malloc(b->b_len + b->b_ext + 1), *q = p;

	for (int i = 0; i < n; i++) {
		memcpy(q, iov[i].iov_base, iov[i].iov_len);
		q += iov[i].iov_len;
	}
	*len = (size_t)(q - p);
	assert_int_equal(*len, b->b_len + b->b_ext);
	return p;
}

/* blocks left in place give the very same bytes as copied ones: odd
 * sizes (padding), more large blocks than SP_MAXREFS, small ones between */
static void
t_refs(void **state)
{
	static const size_t sizes[] = { 5001, 3, 4096, 70001, 4095, 8 };
	struct iovec iov[36];
	struct sp_argv av[3];
	struct sp_buf plain, refd;
	struct sp_refs x = { .x_n = 0 };
	struct sp_call c1, c2;
	uint8_t *flat, *data;
	size_t len;
	long ret;

	data = malloc(100000);
	for (int i = 0; i < 100000; i++)
		data[i] = (uint8_t)(i * 7 + 1);
	for (int i = 0; i < 36; i++)
		iov[i] = (struct iovec){ data + i, sizes[i % 6] };
	av[0] = (struct sp_argv){ .val = 4 };
	av[1] = (struct sp_argv){ .val = (uintptr_t)iov, .len = 36 };
	av[2] = (struct sp_argv){ .val = 36 };
	sp_buf_init(&plain);
	sp_buf_init(&refd);
	assert_int_equal(sp_enc_call(&plain, NR(writev), av), 0);
	assert_int_equal(sp_enc_call_refs(&refd, &x, NR(writev), av), 0);
	assert_int_equal(x.x_n, SP_MAXREFS);
	flat = flatten(&refd, &x, &len);
	assert_int_equal(len, plain.b_len);
	assert_memory_equal(flat, plain.b_p, len);
	free(flat);
	sp_buf_free(&refd);

	/* a read reply of 9999 bytes behind the server's 16 header bytes */
	av[0] = (struct sp_argv){ .val = 3 };
	av[1] = (struct sp_argv){ .val = (uintptr_t)data, .len = 10000 };
	av[2] = (struct sp_argv){ .val = 10000 };
	sp_buf_free(&plain);
	assert_int_equal(sp_enc_call(&plain, NR(read), av), 0);
	assert_int_equal(sp_dec_call(plain.b_p, plain.b_len, NR(read), &c1), 0);
	assert_int_equal(sp_dec_call(plain.b_p, plain.b_len, NR(read), &c2), 0);
	memset((void *)(uintptr_t)c1.a[1], 'r', 9999);
	memset((void *)(uintptr_t)c2.a[1], 'r', 9999);
	sp_buf_free(&plain);
	sp_buf_init(&refd);
	x.x_n = 0;
	sp_put_bytes(&plain, data, SP_HDRSIZE);
	sp_put_bytes(&refd, data, SP_HDRSIZE);
	assert_int_equal(sp_enc_reply(&plain, &c1, 9999), 0);
	assert_int_equal(sp_enc_reply_refs(&refd, &x, &c2, 9999), 0);
	assert_int_equal(x.x_n, 1);
	flat = flatten(&refd, &x, &len);
	sp_call_free(&c2);
	assert_int_equal(len, plain.b_len);
	assert_memory_equal(flat, plain.b_p, len);
	assert_int_equal(sp_dec_reply(flat + SP_HDRSIZE, len - SP_HDRSIZE,
	    NR(read), av, &ret), 0);
	assert_int_equal(ret, 9999);
	assert_int_equal(data[9998], 'r');

	/* the client's direct path: prefix checked against the capacity,
	 * the block's bytes taken out, the rest decoded without copying */
	{
		const uint8_t *body = flat + SP_HDRSIZE;
		size_t blen = len - SP_HDRSIZE, n;
		uint8_t *rest = malloc(blen);

		assert_int_equal(sp_reply_prefix(body, blen, 9998, &n), -EPROTO);
		assert_int_equal(sp_reply_prefix(body, blen, 10000, &n), 0);
		assert_int_equal(n, 9999);
		assert_int_equal(sp_reply_prefix(body, SP_REPLY_PREFIX + 9998,
		    10000, &n), -EPROTO);
		memcpy(rest, body, SP_REPLY_PREFIX);
		memcpy(rest + SP_REPLY_PREFIX, body + SP_REPLY_PREFIX + n,
		    blen - SP_REPLY_PREFIX - n);
		memset(data, 0, 10000);
		assert_int_equal(sp_dec_reply_placed(rest, blen - n, NR(read),
		    av, n, &ret), 0);
		assert_int_equal(ret, 9999);
		assert_int_equal(data[0], 0);	/* the reader stores, not it */
		assert_int_equal(sp_dec_reply_placed(rest, blen - n, NR(read),
		    av, n - 1, &ret), -EPROTO);
		rest[blen - n - 1] = 1;		/* the padding after the block */
		assert_int_equal(sp_dec_reply_placed(rest, blen - n, NR(read),
		    av, n, &ret), -EPROTO);
		free(rest);
	}
	free(flat);
	sp_buf_free(&plain);
	sp_buf_free(&refd);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_header),
		cmocka_unit_test(t_read),
		cmocka_unit_test(t_open),
		cmocka_unit_test(t_iov),
		cmocka_unit_test(t_fcntl_shapes),
		cmocka_unit_test(t_sysctl_got),
		cmocka_unit_test(t_truncated),
		cmocka_unit_test(t_refs),
		cmocka_unit_test(t_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
