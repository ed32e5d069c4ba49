/*
 * sp.h — the sysproxy wire format (docs/protocol.md) and the codec shared by
 * rump_server and librumpclient.  Everything on the wire is little-endian
 * with fixed-width fields; every frame is a 16-byte header plus a body whose
 * layout depends on the type and, for system calls, on the argument kinds
 * of sys/kern/syscalls.tab.  One system call is exactly one request frame
 * and one reply frame: the request carries every input byte, the reply
 * every output byte, and the server never touches client memory.
 */
#ifndef RUMP_SP_SP_H
#define RUMP_SP_SP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include "kern/sysent.h"

#define SP_PROTO_MAJOR	1
#define SP_PROTO_MINOR	1		/* 1: lanes (SP_LANE) */
#define SP_BANNER_MAX	96		/* incl. the final '\n' */
#define SP_HDRSIZE	16
/* largest frame accepted; the client clamps read/write sizes to SP_MAXIO
 * (a short count, as Linux gives past 0x7ffff000) so calls always fit */
#define SP_MAXFRAME	(16u * 1024 * 1024 + 64 * 1024)
#define SP_MAXIO	(16u * 1024 * 1024)
#define SP_COMMMAX	16		/* comm bytes in a handshake */
#define SP_COOKIELEN	16		/* prefork cookie */

enum sp_type {
	SP_HANDSHAKE = 1,	/* C->S; word = enum sp_hskind */
	SP_SYSCALL = 2,		/* C->S; word = syscall number */
	SP_CANCEL = 3,		/* C->S; reqid = call to interrupt; no reply */
	SP_RAISE = 4,		/* S->C; word = signal number; no reply */
	SP_PREFORK = 5,		/* C->S; reply body = cookie */
	SP_ERROR = 6,		/* S->C reply; word = enum sp_err */
	SP_LANE = 7,		/* C->S; word = enum sp_lanekind (sp/lane.h) */
};
#define SP_TYPE_MAX	SP_LANE
#define SP_F_REPLY	0x0001

enum sp_hskind {
	SP_HS_GUEST = 1,	/* body: comm (<= SP_COMMMAX bytes, no NUL) */
	SP_HS_FORK = 2,		/* body: cookie[16], u32 cancel */
	SP_HS_EXEC = 3,		/* body: new comm */
};
/* in a handshake reply's word, besides the kind: what the server offers
 * (a 1.0 server sets none, and drops a client that sends SP_LANE) */
#define SP_HS_KINDMASK	0x00ffu
#define SP_HSF_LANE	0x0100u	/* SP_LANE is understood */

/* protocol errors (SP_ERROR word) and the errno a client reports */
enum sp_err {
	SP_ERR_NONE = 0,
	SP_ERR_MALFORMED = 1,	/* EINVAL */
	SP_ERR_NOPREFORK = 2,	/* ESRCH: unknown or expired cookie */
	SP_ERR_NOMEM = 3,	/* ENOMEM */
	SP_ERR_NOSYS = 4,	/* ENOSYS: unknown call number */
	SP_ERR_STATE = 5,	/* EINVAL: frame not allowed in this state */
};
int sp_err_errno(enum sp_err e);

struct sp_hdr {
	uint32_t len;		/* whole frame incl. header */
	uint16_t type;
	uint16_t flags;
	uint32_t reqid;
	uint32_t word;
};

void sp_hdr_put(uint8_t out[SP_HDRSIZE], const struct sp_hdr *h);
/* decodes and validates len (SP_HDRSIZE..maxframe) and type: 0 or -EPROTO */
int sp_hdr_get(const uint8_t in[SP_HDRSIZE], struct sp_hdr *h, uint32_t maxframe);

/* growable output buffer */
struct sp_buf {
	uint8_t	*b_p;
	size_t	 b_len, b_cap;
	size_t	 b_ext;		/* bytes left in place (struct sp_refs) */
	bool	 b_err;		/* allocation failed: ignore the contents */
};

/*
 * Large blocks an encoder leaves where they are instead of copying them
 * into the sp_buf: the frame is the buffer's bytes with, for each ref,
 * r_len bytes from r_p inserted after the first r_at bytes.  Padding is
 * computed on the frame's offsets (b_ext counts the bytes left out), so
 * the wire bytes are exactly those of the copying encoders.  Only blocks
 * of at least SP_REFMIN bytes are left in place, at most SP_MAXREFS per
 * frame; the rest is copied as before.
 */
#define SP_REFMIN	4096
#define SP_MAXREFS	16
struct sp_refs {
	unsigned	 x_n;
	struct sp_ref {
		size_t		 r_at;
		const void	*r_p;
		size_t		 r_len;
	} x_r[SP_MAXREFS];
};
/* the frame as iovecs (at most 2 * SP_MAXREFS + 1); returns their count */
int sp_frame_iov(const struct sp_buf *b, const struct sp_refs *x,
    struct iovec *iov);
void sp_buf_init(struct sp_buf *b);
void sp_buf_free(struct sp_buf *b);
void sp_put_u8(struct sp_buf *b, uint8_t v);
void sp_put_u32(struct sp_buf *b, uint32_t v);
void sp_put_u64(struct sp_buf *b, uint64_t v);
void sp_put_bytes(struct sp_buf *b, const void *p, size_t n);

/* bounds-checked reader: any overrun sets r_err and returns zeros */
struct sp_rd {
	const uint8_t	*r_p;
	size_t		 r_len, r_off;
	size_t		 r_skew;	/* frame bytes not in r_p (placed) */
	bool		 r_err;
};
void sp_rd_init(struct sp_rd *r, const void *p, size_t len);
uint8_t sp_get_u8(struct sp_rd *r);
uint32_t sp_get_u32(struct sp_rd *r);
uint64_t sp_get_u64(struct sp_rd *r);
const void *sp_get_bytes(struct sp_rd *r, size_t n);	/* NULL on overrun */

/*
 * System call codec.  The client stub fills one struct sp_argv per
 * argument: the value (scalar or the caller's pointer) and, for pointer
 * kinds, the byte length (path/str: strlen+1; in/inout: N; out: capacity
 * N; iovin/iovout: the iovec count, with the iovec array as the value).
 * A NULL optional pointer is encoded as absent.  ctl arguments have their
 * shape (scalar / in / out / inout with size) resolved by sp_ctl_shape().
 */
#define SP_ABSENT	0xffffffffu

struct sp_argv {
	uint64_t	 val;
	size_t		 len;
	uint8_t		 ctlkind;	/* ctl args: SA_SCALAR/SA_IN/SA_OUT/SA_INOUT */
};

/* client: request body for call se with args av */
int sp_enc_call(struct sp_buf *b, const struct sysent *se, const struct sp_argv *av);
/* the same body, with large input blocks left in the caller's memory */
int sp_enc_call_refs(struct sp_buf *b, struct sp_refs *x,
    const struct sysent *se, const struct sp_argv *av);
/* client: copies the reply's output bytes into the caller's buffers;
 * returns 0 (result in *ret) or -EPROTO for a reply that does not match */
int sp_dec_reply(const void *body, size_t len, const struct sysent *se,
    const struct sp_argv *av, long *ret);

/*
 * Client, large replies: the reader may store the bytes of the reply's
 * first output block straight into the caller's buffers.  A reply body
 * starts with i64 result, u32 n, 4 bytes of padding, so that block's n
 * bytes always begin at body offset SP_REPLY_PREFIX.  sp_reply_dst()
 * gives the buffers (iovecs) and capacity of that block when the call has
 * one worth it; sp_reply_prefix() checks a body's first bytes as
 * sp_dec_reply would (result in range, n within the capacity, zero
 * padding, n bytes present) before any byte is stored; and
 * sp_dec_reply_placed() decodes the rest of a body from which those
 * `placed` bytes were taken out (the padding that follows them stays).
 */
#define SP_REPLY_PREFIX	16
int sp_reply_dst(const struct sysent *se, const struct sp_argv *av,
    struct iovec *one, const struct iovec **iov, size_t *niov, size_t *cap);
int sp_reply_prefix(const uint8_t pre[SP_REPLY_PREFIX], size_t blen,
    size_t cap, size_t *n);
int sp_dec_reply_placed(const void *body, size_t len, const struct sysent *se,
    const struct sp_argv *av, size_t placed, long *ret);

/*
 * Server side: a decoded call owns kernel-side buffers for every pointer
 * argument (inputs point into the frame body, which must outlive the
 * call; outputs are allocated), and a[] holds the arguments as the
 * handler takes them.
 */
struct sp_call {
	const struct sysent	*se;
	uint64_t		 a[SYS_MAXARGS];
	size_t			 cap[SYS_MAXARGS];	/* out/inout/iov capacities */
	void			*owned[SYS_MAXARGS];	/* to free after the reply */
	void			*iodata[SYS_MAXARGS];	/* iovout: the one data buffer */
	size_t			 n[SYS_MAXARGS];	/* declared size: bytes, iov count */
	uint8_t			 ctlkind[SYS_MAXARGS];
};
/* validates body against se; 0 or -EPROTO / -ENOMEM */
int sp_dec_call(const void *body, size_t len, const struct sysent *se, struct sp_call *c);
/* reply body after the handler returned ret; frees the call's buffers */
int sp_enc_reply(struct sp_buf *b, struct sp_call *c, long ret);
/* the same body with large output blocks left in the call's buffers,
 * which the frame then references: the caller frees them (sp_call_free)
 * once the frame is sent or copied */
int sp_enc_reply_refs(struct sp_buf *b, struct sp_refs *x, struct sp_call *c,
    long ret);
void sp_call_free(struct sp_call *c);

/* the descriptor table without handlers (build/gen/systab.c) */
extern const struct sysent sp_systab[SYS_NRMAX];

/* shape of fcntl/ioctl's third argument for a command: SA_SCALAR, SA_IN,
 * SA_OUT or SA_INOUT with *size bytes; -EINVAL for commands we refuse */
int sp_ctl_shape(const struct sysent *se, uint64_t cmd, size_t *size);

/* URLs (sp/url.c): unix://rel, unix:///abs, tcp://a.b.c.d:port/,
 * tcp://[v6]:port/, tcp://0:port/ or a star as host (servers only).
 * Relative unix paths are made absolute at parse time. */
struct sp_url {
	int	family;			/* AF_UNIX, AF_INET, AF_INET6 */
	char	path[108];		/* AF_UNIX */
	char	host[64];		/* numeric address */
	int	port;
	bool	wildcard;
};
/* 0 or -errno; *why gets a short reason for messages */
int sp_url_parse(const char *url, bool server, struct sp_url *u, const char **why);

#endif /* RUMP_SP_SP_H */
