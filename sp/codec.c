/*
 * codec.c — encoding and validation of sysproxy frames (sp.h).
 *
 * The system-call body is driven entirely by the argument kinds of the
 * syscall table: the client encodes what its stub described, the server
 * decodes it against its own copy of the table and refuses anything that
 * does not match exactly (wrong lengths, missing NULs, trailing bytes).
 * Byte blocks start and end on 8-byte boundaries of the body so that the
 * server can hand the kernel pointers into the frame without misaligned
 * struct accesses.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include "sp/sp.h"

#define SP_MAXIOV	1024	/* UIO_MAXIOV */
#define SP_MAXSTR	(64 * 1024)

int
sp_err_errno(enum sp_err e)
{
	switch (e) {
	case SP_ERR_NONE:
		return 0;
	case SP_ERR_MALFORMED:
		return EINVAL;
	case SP_ERR_NOPREFORK:
		return ESRCH;
	case SP_ERR_NOMEM:
		return ENOMEM;
	case SP_ERR_NOSYS:
		return ENOSYS;
	case SP_ERR_STATE:
		return EINVAL;
	}
	return EPROTO;
}

/* --- header ---------------------------------------------------------------- */

static void
le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

void
sp_hdr_put(uint8_t out[SP_HDRSIZE], const struct sp_hdr *h)
{
	le32(out, h->len);
	out[4] = (uint8_t)h->type;
	out[5] = (uint8_t)(h->type >> 8);
	out[6] = (uint8_t)h->flags;
	out[7] = (uint8_t)(h->flags >> 8);
	le32(out + 8, h->reqid);
	le32(out + 12, h->word);
}

int
sp_hdr_get(const uint8_t in[SP_HDRSIZE], struct sp_hdr *h, uint32_t maxframe)
{
	h->len = get32(in);
	h->type = (uint16_t)(in[4] | in[5] << 8);
	h->flags = (uint16_t)(in[6] | in[7] << 8);
	h->reqid = get32(in + 8);
	h->word = get32(in + 12);
	if (h->len < SP_HDRSIZE || h->len > maxframe)
		return -EPROTO;
	if (h->type < SP_HANDSHAKE || h->type > SP_TYPE_MAX)
		return -EPROTO;
	if (h->flags & ~SP_F_REPLY)
		return -EPROTO;
	return 0;
}

/* --- buffers ----------------------------------------------------------------- */

void
sp_buf_init(struct sp_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void
sp_buf_free(struct sp_buf *b)
{
	free(b->b_p);
	sp_buf_init(b);
}

static uint8_t *
sp_buf_grow(struct sp_buf *b, size_t n)
{
	uint8_t *p;
	size_t cap;

	if (b->b_err)
		return NULL;
	if (b->b_cap - b->b_len < n) {
		cap = b->b_cap ? b->b_cap : 256;
		while (cap - b->b_len < n)
			cap *= 2;
		if ((p = realloc(b->b_p, cap)) == NULL) {
			b->b_err = true;
			return NULL;
		}
		b->b_p = p;
		b->b_cap = cap;
	}
	p = b->b_p + b->b_len;
	b->b_len += n;
	return p;
}

void
sp_put_bytes(struct sp_buf *b, const void *src, size_t n)
{
	uint8_t *p = sp_buf_grow(b, n);

	if (p != NULL && n > 0)
		memcpy(p, src, n);
}

void
sp_put_u8(struct sp_buf *b, uint8_t v)
{
	sp_put_bytes(b, &v, 1);
}

void
sp_put_u32(struct sp_buf *b, uint32_t v)
{
	uint8_t p[4];

	le32(p, v);
	sp_put_bytes(b, p, 4);
}

void
sp_put_u64(struct sp_buf *b, uint64_t v)
{
	sp_put_u32(b, (uint32_t)v);
	sp_put_u32(b, (uint32_t)(v >> 32));
}

static void
sp_put_pad(struct sp_buf *b, size_t base)
{
	static const uint8_t zero[8];

	sp_put_bytes(b, zero, (8 - (b->b_len + b->b_ext - base) % 8) % 8);
}

void
sp_rd_init(struct sp_rd *r, const void *p, size_t len)
{
	r->r_p = p;
	r->r_len = len;
	r->r_off = 0;
	r->r_skew = 0;
	r->r_err = false;
}

const void *
sp_get_bytes(struct sp_rd *r, size_t n)
{
	const void *p;

	if (r->r_err || r->r_len - r->r_off < n) {
		r->r_err = true;
		return NULL;
	}
	p = r->r_p + r->r_off;
	r->r_off += n;
	return p;
}

uint8_t
sp_get_u8(struct sp_rd *r)
{
	const uint8_t *p = sp_get_bytes(r, 1);

	return p != NULL ? p[0] : 0;
}

uint32_t
sp_get_u32(struct sp_rd *r)
{
	const uint8_t *p = sp_get_bytes(r, 4);

	return p != NULL ? get32(p) : 0;
}

uint64_t
sp_get_u64(struct sp_rd *r)
{
	uint64_t lo = sp_get_u32(r);

	return lo | (uint64_t)sp_get_u32(r) << 32;
}

/* padding must be zero: anything else is a malformed frame */
static void
sp_get_pad(struct sp_rd *r)
{
	const uint8_t *p;
	size_t n = (8 - (r->r_off + r->r_skew) % 8) % 8;

	if ((p = sp_get_bytes(r, n)) == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		if (p[i] != 0)
			r->r_err = true;
}

/* a length-prefixed, padded byte block; with x, a large one stays where
 * it is and the frame references it */
static void
put_block(struct sp_buf *b, struct sp_refs *x, const void *p, size_t n)
{
	sp_put_u32(b, (uint32_t)n);
	sp_put_pad(b, 0);
	if (x != NULL && n >= SP_REFMIN && x->x_n < SP_MAXREFS && !b->b_err) {
		x->x_r[x->x_n++] = (struct sp_ref){
			.r_at = b->b_len, .r_p = p, .r_len = n,
		};
		b->b_ext += n;
	} else {
		sp_put_bytes(b, p, n);
	}
	sp_put_pad(b, 0);
}

int
sp_frame_iov(const struct sp_buf *b, const struct sp_refs *x,
    struct iovec *iov)
{
	size_t at = 0;
	int n = 0;

	for (unsigned i = 0; x != NULL && i < x->x_n; i++) {
		if (x->x_r[i].r_at > at)
			iov[n++] = (struct iovec){ b->b_p + at, x->x_r[i].r_at - at };
		iov[n++] = (struct iovec){ (void *)x->x_r[i].r_p, x->x_r[i].r_len };
		at = x->x_r[i].r_at;
	}
	if (b->b_len > at)
		iov[n++] = (struct iovec){ b->b_p + at, b->b_len - at };
	return n;
}

static const void *
get_block(struct sp_rd *r, size_t n)
{
	const void *p;

	sp_get_pad(r);
	p = sp_get_bytes(r, n);
	sp_get_pad(r);
	return p;
}

/* --- client: request encoding, reply decoding ------------------------------------ */

/* the kind an argument has for this call: ctl args carry their own */
static int
arg_kind(const struct sysarg *sa, uint8_t ctlkind)
{
	return sa->ctl ? ctlkind : sa->kind;
}

static int
enc_arg(struct sp_buf *b, struct sp_refs *x, const struct sysarg *sa,
    const struct sp_argv *av)
{
	const void *p = (const void *)(uintptr_t)av->val;
	const struct iovec *iov = p;
	int kind = arg_kind(sa, av->ctlkind);

	if (sa->ctl)
		sp_put_u8(b, (uint8_t)kind);
	switch (kind) {
	case SA_SCALAR:
	case SA_FD:
		sp_put_u64(b, av->val);
		return 0;
	case SA_PATH:
	case SA_STR:
	case SA_IN:
	case SA_INOUT:
	case SA_OUT:
		if (p == NULL) {
			if (!sa->optional && !sa->ctl)
				return -EFAULT;
			sp_put_u32(b, SP_ABSENT);
			return 0;
		}
		if (av->len >= SP_MAXFRAME)
			return -EMSGSIZE;
		if (kind == SA_OUT)
			sp_put_u32(b, (uint32_t)av->len);
		else
			put_block(b, x, p, av->len);
		return 0;
	case SA_IOVIN:
	case SA_IOVOUT:
		if (av->len > SP_MAXIOV)
			return -EINVAL;
		if (iov == NULL && av->len > 0)
			return -EFAULT;
		sp_put_u32(b, (uint32_t)av->len);
		for (size_t i = 0; i < av->len; i++) {
			if (iov[i].iov_len >= SP_MAXFRAME)
				return -EMSGSIZE;
			if (kind == SA_IOVOUT)
				sp_put_u32(b, (uint32_t)iov[i].iov_len);
			else
				put_block(b, x, iov[i].iov_base, iov[i].iov_len);
		}
		return 0;
	}
	return -EINVAL;
}

int
sp_enc_call_refs(struct sp_buf *b, struct sp_refs *x,
    const struct sysent *se, const struct sp_argv *av)
{
	size_t base = b->b_len + b->b_ext;
	int error;

	for (uint32_t i = 0; i < se->nargs; i++)
		if ((error = enc_arg(b, x, &se->args[i], &av[i])) < 0)
			return error;
	if (b->b_err)
		return -ENOMEM;
	if (b->b_len + b->b_ext - base > SP_MAXFRAME - SP_HDRSIZE)
		return -EMSGSIZE;
	return 0;
}

int
sp_enc_call(struct sp_buf *b, const struct sysent *se, const struct sp_argv *av)
{
	return sp_enc_call_refs(b, NULL, se, av);
}

#define NOT_PLACED	((size_t)-1)

/* *placed: bytes of this block the reader already stored (first output
 * block only), else NOT_PLACED */
static int
dec_out(struct sp_rd *r, const struct sysarg *sa, const struct sp_argv *av,
    size_t *placed)
{
	int kind = arg_kind(sa, av->ctlkind);
	const struct iovec *iov = (const void *)(uintptr_t)av->val;
	const uint8_t *src;
	uint32_t n;
	size_t cap = 0;

	if (kind != SA_OUT && kind != SA_INOUT && kind != SA_IOVOUT)
		return 0;
	n = sp_get_u32(r);
	if (kind == SA_IOVOUT) {
		for (size_t i = 0; i < av->len; i++)
			cap += iov[i].iov_len;
	} else {
		cap = av->val != 0 ? av->len : 0;
	}
	if (n > cap)
		return -EPROTO;
	if (*placed != NOT_PLACED) {
		/* the body holds the block's padding but not its bytes */
		if (n != *placed)
			return -EPROTO;
		*placed = NOT_PLACED;
		sp_get_pad(r);
		r->r_skew += n;
		sp_get_pad(r);
		return r->r_err ? -EPROTO : 0;
	}
	if ((src = get_block(r, n)) == NULL)
		return -EPROTO;
	if (kind != SA_IOVOUT) {
		if (n > 0)
			memcpy((void *)(uintptr_t)av->val, src, n);
		return 0;
	}
	for (size_t i = 0; n > 0; i++) {
		size_t m = iov[i].iov_len < n ? iov[i].iov_len : n;

		memcpy(iov[i].iov_base, src, m);
		src += m;
		n -= (uint32_t)m;
	}
	return 0;
}

int
sp_dec_reply_placed(const void *body, size_t len, const struct sysent *se,
    const struct sp_argv *av, size_t placed, long *ret)
{
	struct sp_rd r;

	sp_rd_init(&r, body, len);
	*ret = (long)(int64_t)sp_get_u64(&r);
	if (*ret < -4095)
		return -EPROTO;
	for (uint32_t i = 0; i < se->nargs; i++)
		if (dec_out(&r, &se->args[i], &av[i], &placed) < 0)
			return -EPROTO;
	/* placed bytes that no output block claimed: not our reply */
	if (r.r_err || r.r_off != len || placed != NOT_PLACED)
		return -EPROTO;
	return 0;
}

int
sp_dec_reply(const void *body, size_t len, const struct sysent *se,
    const struct sp_argv *av, long *ret)
{
	return sp_dec_reply_placed(body, len, se, av, NOT_PLACED, ret);
}

int
sp_reply_dst(const struct sysent *se, const struct sp_argv *av,
    struct iovec *one, const struct iovec **iov, size_t *niov, size_t *cap)
{
	for (uint32_t i = 0; i < se->nargs; i++) {
		int kind = arg_kind(&se->args[i], av[i].ctlkind);
		const struct iovec *v = (const void *)(uintptr_t)av[i].val;

		if (kind == SA_INOUT)
			return -1;		/* not worth it: sysctl-sized */
		if (kind == SA_OUT) {
			if (av[i].val == 0 || av[i].len < SP_REFMIN)
				return -1;
			*one = (struct iovec){ (void *)(uintptr_t)av[i].val, av[i].len };
			*iov = one;
			*niov = 1;
			*cap = av[i].len;
			return 0;
		}
		if (kind == SA_IOVOUT) {
			*cap = 0;
			for (size_t k = 0; k < av[i].len; k++)
				*cap += v[k].iov_len;
			if (*cap < SP_REFMIN)
				return -1;
			*iov = v;
			*niov = av[i].len;
			return 0;
		}
	}
	return -1;
}

int
sp_reply_prefix(const uint8_t pre[SP_REPLY_PREFIX], size_t blen, size_t cap,
    size_t *n)
{
	struct sp_rd r;
	int64_t ret;

	sp_rd_init(&r, pre, SP_REPLY_PREFIX);
	ret = (int64_t)sp_get_u64(&r);
	*n = sp_get_u32(&r);
	sp_get_pad(&r);
	if (r.r_err || ret < -4095 || *n > cap ||
	    *n > blen - SP_REPLY_PREFIX || blen < SP_REPLY_PREFIX)
		return -EPROTO;
	return 0;
}

/* --- server: request decoding, reply encoding --------------------------------------- */

void
sp_call_free(struct sp_call *c)
{
	for (int i = 0; i < SYS_MAXARGS; i++) {
		free(c->owned[i]);
		free(c->iodata[i]);
		c->owned[i] = NULL;
		c->iodata[i] = NULL;
	}
}

/* a string must be NUL-terminated within its block */
static int
dec_string(struct sp_rd *r, uint32_t n, uint64_t *a)
{
	const char *s;

	if (n == 0 || n > SP_MAXSTR || (s = get_block(r, n)) == NULL ||
	    s[n - 1] != '\0')
		return -EPROTO;
	*a = (uintptr_t)s;
	return 0;
}

static int
dec_iov(struct sp_rd *r, int kind, struct sp_call *c, int i)
{
	uint32_t cnt = sp_get_u32(r);
	struct iovec *iov;
	uint8_t *buf;
	size_t total = 0;

	if (r->r_err || cnt > SP_MAXIOV)
		return -EPROTO;
	if ((iov = calloc(cnt ? cnt : 1, sizeof(*iov))) == NULL)
		return -ENOMEM;
	c->owned[i] = iov;
	c->a[i] = (uintptr_t)iov;
	c->n[i] = cnt;
	for (uint32_t k = 0; k < cnt; k++) {
		uint32_t n = sp_get_u32(r);

		if (r->r_err || n > SP_MAXFRAME)
			return -EPROTO;
		iov[k].iov_len = n;
		total += n;
		if (kind == SA_IOVIN &&
		    (iov[k].iov_base = (void *)get_block(r, n)) == NULL)
			return -EPROTO;
	}
	c->cap[i] = total;
	if (kind == SA_IOVIN)
		return 0;
	/* outputs: one buffer, laid out in iovec order, replied contiguously */
	if (total > SP_MAXIO + SP_MAXIOV)
		return -EPROTO;
	if ((buf = calloc(1, total ? total : 1)) == NULL)
		return -ENOMEM;
	c->iodata[i] = buf;
	for (uint32_t k = 0; k < cnt; k++) {
		iov[k].iov_base = buf;
		buf += iov[k].iov_len;
	}
	return 0;
}

static int
dec_arg(struct sp_rd *r, const struct sysent *se, struct sp_call *c, int i)
{
	const struct sysarg *sa = &se->args[i];
	int kind = sa->kind;
	size_t want = 0;
	uint32_t n;
	const void *p;

	if (sa->ctl) {
		int shape;

		kind = sp_get_u8(r);
		if (i == 0 || (shape = sp_ctl_shape(se, c->a[i - 1], &want)) < 0 ||
		    shape != kind)
			return -EPROTO;
		c->ctlkind[i] = (uint8_t)kind;
	}
	switch (kind) {
	case SA_SCALAR:
	case SA_FD:
		c->a[i] = sp_get_u64(r);
		return r->r_err ? -EPROTO : 0;
	case SA_IOVIN:
	case SA_IOVOUT:
		return dec_iov(r, kind, c, i);
	}
	n = sp_get_u32(r);
	if (r->r_err)
		return -EPROTO;
	if (n == SP_ABSENT) {
		c->a[i] = 0;
		return sa->optional || sa->ctl ? 0 : -EPROTO;
	}
	if (sa->ctl && n != want)
		return -EPROTO;
	if (kind == SA_PATH || kind == SA_STR)
		return dec_string(r, n, &c->a[i]);
	if (n > SP_MAXIO + 64 * 1024)
		return -EPROTO;
	c->cap[i] = n;
	c->n[i] = n;
	if (kind == SA_IN) {
		if ((p = get_block(r, n)) == NULL)
			return -EPROTO;
		c->a[i] = (uintptr_t)p;
		return 0;
	}
	/* out and inout get buffers of their own: the kernel writes them */
	if ((c->owned[i] = calloc(1, n ? n : 1)) == NULL)
		return -ENOMEM;
	c->a[i] = (uintptr_t)c->owned[i];
	if (kind == SA_INOUT) {
		if ((p = get_block(r, n)) == NULL)
			return -EPROTO;
		memcpy(c->owned[i], p, n);
	}
	return 0;
}

int
sp_dec_call(const void *body, size_t len, const struct sysent *se, struct sp_call *c)
{
	struct sp_rd r;
	int error;

	memset(c, 0, sizeof(*c));
	c->se = se;
	sp_rd_init(&r, body, len);
	for (uint32_t i = 0; i < se->nargs; i++) {
		if ((error = dec_arg(&r, se, c, (int)i)) < 0) {
			sp_call_free(c);
			return error;
		}
	}
	if (r.r_err || r.r_off != len ||
	    (se->check != NULL && se->check(c->a, c->n) != 0)) {
		sp_call_free(c);
		return -EPROTO;
	}
	return 0;
}

int
sp_enc_reply_refs(struct sp_buf *b, struct sp_refs *x, struct sp_call *c,
    long ret)
{
	const struct sysent *se = c->se;

	sp_put_u64(b, (uint64_t)(int64_t)ret);
	for (uint32_t i = 0; i < se->nargs; i++) {
		const struct sysarg *sa = &se->args[i];
		int kind = sa->ctl ? c->ctlkind[i] : sa->kind;
		size_t got;

		if (kind != SA_OUT && kind != SA_INOUT && kind != SA_IOVOUT)
			continue;
		if (c->a[i] == 0) {
			sp_put_u32(b, 0);
			sp_put_pad(b, 0);
			continue;
		}
		if (sa->ctl)
			got = ret < 0 ? 0 : c->cap[i];
		else
			got = se->got != NULL ? se->got(i, c->a, ret) : 0;
		if (got > c->cap[i])
			got = c->cap[i];
		if (kind == SA_IOVOUT)
			put_block(b, x, c->iodata[i], got);
		else
			put_block(b, x, (const void *)(uintptr_t)c->a[i], got);
	}
	return b->b_err ? -ENOMEM : 0;
}

int
sp_enc_reply(struct sp_buf *b, struct sp_call *c, long ret)
{
	int error = sp_enc_reply_refs(b, NULL, c, ret);

	sp_call_free(c);
	return error;
}
