/*
 * h_badframe.c — a client that breaks the protocol on purpose, to show
 * that the server drops that one connection and nothing else:
 *
 *	h_badframe CASE		(server from RUMP_SERVER, unix:// only)
 *
 *	truncated	half a header, then close
 *	truncbody	a header announcing more body than is sent, then close
 *	oversized	a length field past SP_MAXFRAME
 *	undersized	a length field smaller than the header
 *	wrongtype	an unknown frame type
 *	badflags	a request with flag bits set
 *	notrequest	a RAISE frame from the client, after the handshake
 *	garbage		4 KiB of random bytes instead of a handshake
 *	hsgarbage	a valid handshake, then random bytes
 *	badbody		a valid handshake, then getpid with a trailing byte
 *	early		a system call before the handshake
 *	noread		a valid handshake, then getrandom requests as fast as
 *			the socket takes them, never reading a reply
 *
 * Apart from truncated/truncbody (which close first), every case must see
 * the server close the connection within 10 seconds; an ERROR frame may
 * come first.  Prints what came back; exit 0 when the server dropped us.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "sp/sp.h"
#include "h_common.h"

static int
connect_server(void)
{
	const char *url = getenv("RUMP_SERVER");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int s;

	H_CHECK(url != NULL && strncmp(url, "unix://", 7) == 0,
	    "RUMP_SERVER must be a unix:// URL");
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", url + 7);
	H_CHECK((s = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0, "socket");
	H_CHECK(connect(s, (struct sockaddr *)&sun, sizeof(sun)) == 0,
	    "connect %s", sun.sun_path);
	return s;
}

static void
send_all(int s, const void *p, size_t n)
{
	H_CHECK(send(s, p, n, MSG_NOSIGNAL) == (ssize_t)n, "send");
}

static void
send_hdr(int s, uint32_t len, uint16_t type, uint16_t flags, uint32_t word)
{
	struct sp_hdr h = { .len = len, .type = type, .flags = flags,
	    .reqid = 1, .word = word };
	uint8_t b[SP_HDRSIZE];

	sp_hdr_put(b, &h);
	send_all(s, b, sizeof(b));
}

/* reads n bytes or fails */
static void
recv_all(int s, void *p, size_t n)
{
	size_t got = 0;
	ssize_t k;

	while (got < n) {
		k = recv(s, (uint8_t *)p + got, n - got, 0);
		H_CHECK(k > 0, "connection closed early");
		got += (size_t)k;
	}
}

static void
read_banner(int s)
{
	char c, line[SP_BANNER_MAX + 1];
	size_t n = 0;

	do {
		recv_all(s, &c, 1);
		line[n++] = c;
	} while (c != '\n' && n < SP_BANNER_MAX);
	line[n] = '\0';
	H_CHECK(strncmp(line, "RUMPSP-", 7) == 0, "banner %s", line);
}

static void
handshake(int s)
{
	uint8_t b[SP_HDRSIZE + 64];
	struct sp_hdr h;

	send_hdr(s, SP_HDRSIZE + 10, SP_HANDSHAKE, 0, SP_HS_GUEST);
	send_all(s, "h_badframe", 10);
	recv_all(s, b, SP_HDRSIZE);
	H_CHECK(sp_hdr_get(b, &h, SP_MAXFRAME) == 0, "reply header");
	H_CHECK(h.type == SP_HANDSHAKE && h.len <= sizeof(b),
	    "handshake reply: type %u len %u", h.type, h.len);
	recv_all(s, b, h.len - SP_HDRSIZE);
}

static void
garbage(int s)
{
	uint8_t g[4096];

	for (size_t i = 0; i < sizeof(g); i++)
		g[i] = (uint8_t)random();
	/* the server may drop us before taking it all */
	(void)send(s, g, sizeof(g), MSG_NOSIGNAL);
}

static uint32_t
callnr(const char *name)
{
	for (unsigned i = 0; i < SYS_NRMAX; i++)
		if (sp_systab[i].name != NULL &&
		    strcmp(sp_systab[i].name, name) == 0)
			return sp_systab[i].nr;
	h_fail("no call %s", name);
}

/*
 * Floods getrandom(1 MiB) requests, each encoded once by the codec: the
 * replies are big, so the server's queue for us fills quickly.  True
 * once the server dropped us.
 */
static bool
flood(int s)
{
	const struct sysent *se = &sp_systab[callnr("getrandom")];
	static uint8_t never;	/* an output's address is not encoded */
	struct sp_argv av[3] = {
		{ .val = (uintptr_t)&never, .len = 1u << 20 },
		{ .val = 1u << 20 }, { .val = 0 },
	};
	struct sp_hdr h = { .type = SP_SYSCALL, .word = se->nr };
	int64_t end = h_now_ns() + 10 * (int64_t)1000000000;
	struct sp_buf b;
	long nreq = 0;
	size_t off;
	ssize_t k;

	sp_buf_init(&b);
	sp_put_bytes(&b, (uint8_t[SP_HDRSIZE]){ 0 }, SP_HDRSIZE);
	H_CHECK(sp_enc_call(&b, se, av) == 0 && !b.b_err, "encoding");
	h.len = (uint32_t)b.b_len;
	while (h_now_ns() < end) {
		h.reqid = (uint32_t)++nreq;
		sp_hdr_put(b.b_p, &h);
		for (off = 0; off < b.b_len; off += (size_t)k) {
			k = send(s, b.b_p + off, b.b_len - off, MSG_NOSIGNAL);
			if (k < 0 && (errno == EPIPE || errno == ECONNRESET)) {
				printf("dropped after %ld requests\n", nreq);
				sp_buf_free(&b);
				return true;
			}
			H_CHECK(k >= 0, "send");
		}
	}
	sp_buf_free(&b);
	return false;
}

/* waits for EOF, reading (and naming) any frames that come first */
static void
expect_drop(int s)
{
	struct pollfd p = { .fd = s, .events = POLLIN };
	uint8_t buf[65536];
	int64_t end = h_now_ns() + 10 * (int64_t)1000000000;
	struct sp_hdr h;
	ssize_t k;

	fcntl(s, F_SETFL, 0);
	for (;;) {
		int ms = (int)((end - h_now_ns()) / 1000000);

		H_CHECK(ms > 0 && poll(&p, 1, ms) == 1,
		    "the server kept the connection open");
		k = recv(s, buf, sizeof(buf), 0);
		if (k == 0 || (k < 0 && errno == ECONNRESET))
			break;
		H_CHECK(k > 0, "recv");
		if (k >= SP_HDRSIZE && sp_hdr_get(buf, &h, SP_MAXFRAME) == 0 &&
		    h.type == SP_ERROR)
			printf("ERROR frame, error %u\n", h.word);
	}
	printf("connection closed by the server\n");
}

int
main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	int s;

	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)getpid());
	s = connect_server();
	read_banner(s);
	if (strcmp(c, "truncated") == 0) {
		send_all(s, "\x20\0\0\0\x02\0", 6);
		return close(s);
	}
	if (strcmp(c, "truncbody") == 0) {
		send_hdr(s, SP_HDRSIZE + 12, SP_HANDSHAKE, 0, SP_HS_GUEST);
		send_all(s, "h_bad", 5);
		return close(s);
	}
	if (strcmp(c, "oversized") == 0)
		send_hdr(s, SP_MAXFRAME + 1, SP_HANDSHAKE, 0, SP_HS_GUEST);
	else if (strcmp(c, "undersized") == 0)
		send_hdr(s, SP_HDRSIZE - 8, SP_HANDSHAKE, 0, SP_HS_GUEST);
	else if (strcmp(c, "wrongtype") == 0)
		send_hdr(s, SP_HDRSIZE, 77, 0, 0);
	else if (strcmp(c, "badflags") == 0) {
		handshake(s);
		send_hdr(s, SP_HDRSIZE, SP_SYSCALL, 0x8000, callnr("getpid"));
	} else if (strcmp(c, "notrequest") == 0) {
		handshake(s);
		send_hdr(s, SP_HDRSIZE, SP_RAISE, 0, 9);
	} else if (strcmp(c, "garbage") == 0)
		garbage(s);
	else if (strcmp(c, "hsgarbage") == 0) {
		handshake(s);
		garbage(s);
	} else if (strcmp(c, "badbody") == 0) {
		handshake(s);
		send_hdr(s, SP_HDRSIZE + 8, SP_SYSCALL, 0, callnr("getpid"));
		send_all(s, "\0\0\0\0\0\0\0\0", 8);
	} else if (strcmp(c, "early") == 0)
		send_hdr(s, SP_HDRSIZE, SP_SYSCALL, 0, callnr("getpid"));
	else if (strcmp(c, "noread") == 0) {
		handshake(s);
		H_CHECK(flood(s), "the server never dropped a client that "
		    "does not read");
		return 0;
	} else
		h_fail("unknown case %s", c);
	expect_drop(s);
	return 0;
}
