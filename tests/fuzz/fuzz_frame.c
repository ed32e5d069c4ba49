/*
 * fuzz_frame.c — libFuzzer target for everything a peer can send: a frame
 * header, then a body decoded as the server decodes system-call requests
 * and as the client decodes replies.  Built with clang by `make fuzz`;
 * tests/e2e/fuzz.bats runs it for a bounded time in every `make check`.
 */
#include <stdint.h>
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
		(void)sp_dec_reply(data + SP_HDRSIZE, size - SP_HDRSIZE, se, av, &ret);
	}
	return 0;
}
