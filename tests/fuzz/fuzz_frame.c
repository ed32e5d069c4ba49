/*
 * fuzz_frame.c — libFuzzer target for everything a peer can send: a frame
 * header, then a body decoded as the server decodes system-call requests
 * and as the client decodes replies, whole and (as the client does for a
 * large first output block) with that block taken out by the reader: both
 * decoders must agree on every body.  Built with clang by `make fuzz`;
 * tests/e2e/fuzz.bats runs it for a bounded time in every `make check`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include "sp/sp.h"

/* client-side buffers a reply may be decoded into */
static uint8_t bufs[SYS_MAXARGS][64];
static uint8_t iobuf[SYS_MAXARGS][2][32];
static struct iovec iovs[SYS_MAXARGS][2];

static void
client_args(const struct sysent *se, struct sp_argv *av)
{
	memset(av, 0, sizeof(*av) * SYS_MAXARGS);
	for (uint32_t i = 0; i < se->nargs; i++) {
		switch (se->args[i].kind) {
		case SA_IOVIN:
		case SA_IOVOUT:
			for (int k = 0; k < 2; k++) {
				iovs[i][k].iov_base = iobuf[i][k];
				iovs[i][k].iov_len = sizeof(iobuf[i][k]);
			}
			av[i].val = (uintptr_t)iovs[i];
			av[i].len = 2;
			break;
		case SA_SCALAR:
		case SA_FD:
			if (!se->args[i].ctl)
				break;
			av[i].ctlkind = SA_OUT;
			/* FALLTHROUGH */
		default:
			av[i].val = (uintptr_t)bufs[i];
			av[i].len = sizeof(bufs[i]);
		}
	}
}

/* the client's direct path: the prefix check, then the rest decoded
 * without the block's bytes, must accept exactly what the whole-body
 * decoder accepts (every buffer above holds 64 bytes) */
static void
placed_agrees(const uint8_t *body, size_t blen, const struct sysent *se,
    const struct sp_argv *av, int whole)
{
	uint8_t *rest;
	size_t n;
	long ret;
	int part;

	if (blen < SP_REPLY_PREFIX ||
	    sp_reply_prefix(body, blen, 64, &n) != 0)
		return;
	if ((rest = malloc(blen - n + 1)) == NULL)
		return;
	memcpy(rest, body, SP_REPLY_PREFIX);
	memcpy(rest + SP_REPLY_PREFIX, body + SP_REPLY_PREFIX + n,
	    blen - SP_REPLY_PREFIX - n);
	part = sp_dec_reply_placed(rest, blen - n, se, av, n, &ret);
	free(rest);
	if ((part == 0) != (whole == 0))
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sp_hdr h;
	struct sp_call c;
	struct sp_buf rep;
	struct sp_argv av[SYS_MAXARGS];
	const struct sysent *se;
	long ret;

	if (size < SP_HDRSIZE || sp_hdr_get(data, &h, SP_MAXFRAME) < 0)
		return 0;
	if (h.word >= SYS_NRMAX || sp_systab[h.word].name == NULL)
		return 0;
	se = &sp_systab[h.word];
	if (!(h.flags & SP_F_REPLY)) {
		if (sp_dec_call(data + SP_HDRSIZE, size - SP_HDRSIZE, se, &c) == 0) {
			sp_buf_init(&rep);
			sp_enc_reply(&rep, &c, (long)(int8_t)h.reqid);
			sp_buf_free(&rep);
		}
	} else {
		client_args(se, av);
		placed_agrees(data + SP_HDRSIZE, size - SP_HDRSIZE, se, av,
		    sp_dec_reply(data + SP_HDRSIZE, size - SP_HDRSIZE, se, av,
		    &ret));
	}
	return 0;
}
