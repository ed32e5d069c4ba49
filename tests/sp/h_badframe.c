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
 * Shared-memory lanes (sp/lane.h): each asks for a lane after the
 * handshake, takes the memfd from the reply (SCM_RIGHTS) and maps it.
 *
 *	lanegarbage	confirm, then a garbage header (unknown type, length
 *			past LANE_MAXFRAME) published in the request ring
 *	laneindex	confirm, then an impossible request ring head
 *	lanenonce	a confirmation with the wrong nonce
 *	lanetype	confirm, then a well-formed HANDSHAKE frame in the ring
 *	lanetail	confirm, an impossible reply ring tail, then a request
 *	lanereoffer	a second offer on the same connection: refused with
 *			SP_ERR_STATE, the first lane keeps working
 *	lanerace N	N connections that put poll(-1) in their lane and go
 *			away around that moment
 *	laneseal	the memfd cannot be shrunk or grown (sealed); then
 *			confirm and one getpid through the ring, whose reply
 *			must come (reply ring or socket) within 5 s: prints OK
 *			and exits 0, the server keeps the connection
 *	laneflood	confirm, then getpid requests through the ring as fast
 *			as it takes them, never consuming the reply ring nor
 *			reading the socket, until the server drops us (20 s)
 *
 * Apart from truncated/truncbody (which close first) and laneseal, every
 * case must see the server close the connection within 10 seconds; an
 * ERROR frame may come first.  Prints what came back; exit 0 when the
 * server dropped us.
 */
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include "sp/sp.h"
#include "sp/lane.h"
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

/* --- lanes ------------------------------------------------------------------ */

struct hlane {
	struct lane_shm		*shm;
	int			 mfd;
	struct lane_prod	 out;		/* requests */
	struct lane_cons	 in;		/* replies */
};

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

/* reads exactly n bytes with recvmsg; the first descriptor in *fd */
static void
recv_fd(int s, void *p, size_t n, int *fd)
{
	union {
		struct cmsghdr	 h;
		char		 b[CMSG_SPACE(4 * sizeof(int))];
	} cm;
	struct iovec iov;
	struct msghdr m;
	struct cmsghdr *ch;
	ssize_t k;

	while (n > 0) {
		iov = (struct iovec){ .iov_base = p, .iov_len = n };
		m = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1,
		    .msg_control = cm.b, .msg_controllen = sizeof(cm.b) };
		k = recvmsg(s, &m, MSG_CMSG_CLOEXEC);
		H_CHECK(k > 0, "recvmsg: connection closed early");
		for (ch = CMSG_FIRSTHDR(&m); ch != NULL;
		    ch = CMSG_NXTHDR(&m, ch)) {
			if (ch->cmsg_level != SOL_SOCKET ||
			    ch->cmsg_type != SCM_RIGHTS)
				continue;
			for (size_t i = 0; CMSG_LEN(i + sizeof(int)) <=
			    ch->cmsg_len; i += sizeof(int)) {
				int got;

				memcpy(&got, CMSG_DATA(ch) + i, sizeof(int));
				if (*fd < 0)
					*fd = got;
				else
					close(got);
			}
		}
		p = (uint8_t *)p + k;
		n -= (size_t)k;
	}
}

/* asks for a lane and maps it; does not confirm */
static void
lane_offer(int s, struct hlane *l)
{
	uint8_t hb[SP_HDRSIZE], body[SP_LANE_REPLY_LEN];
	struct sp_hdr h;
	int fd = -1;

	send_hdr(s, SP_HDRSIZE, SP_LANE, 0, SP_LANE_OFFER);
	recv_fd(s, hb, sizeof(hb), &fd);
	H_CHECK(sp_hdr_get(hb, &h, SP_MAXFRAME) == 0, "lane reply header");
	H_CHECK(h.type == SP_LANE && h.flags == SP_F_REPLY &&
	    h.len == SP_HDRSIZE + SP_LANE_REPLY_LEN,
	    "lane reply: type %u flags %#x len %u", h.type, h.flags, h.len);
	recv_fd(s, body, sizeof(body), &fd);
	H_CHECK(le32(body) == LANE_SIZE && le32(body + 4) == LANE_RING &&
	    le32(body + 8) == LANE_MAXFRAME, "lane reply: %u %u %u",
	    le32(body), le32(body + 4), le32(body + 8));
	H_CHECK(fd >= 0 && (int32_t)le32(body + 16) == -1,
	    "no memfd with the lane reply (fd field %d)",
	    (int32_t)le32(body + 16));
	l->mfd = fd;
	l->shm = mmap(NULL, LANE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
	    fd, 0);
	H_CHECK(l->shm != MAP_FAILED, "mmap the lane");
	H_CHECK(l->shm->magic == LANE_MAGIC && l->shm->version == LANE_VERSION &&
	    l->shm->ring == LANE_RING && l->shm->maxframe == LANE_MAXFRAME,
	    "lane header");
	l->out = (struct lane_prod){ .ctl = &l->shm->req,
	    .data = LANE_REQDATA(l->shm), .futex = true,
	    .head = atomic_load(&l->shm->req.head) };
	l->in = (struct lane_cons){ .ctl = &l->shm->rep,
	    .data = LANE_REPDATA(l->shm), .maxframe = LANE_MAXFRAME,
	    .tail = atomic_load(&l->shm->rep.tail), .peer = &l->shm->req };
	printf("lane mapped\n");
}

static void
lane_confirm(int s, struct hlane *l, bool wrong)
{
	uint8_t nonce[LANE_NONCE];

	memcpy(nonce, l->shm->nonce, LANE_NONCE);
	if (wrong)
		nonce[3] ^= 0x5a;
	send_hdr(s, SP_HDRSIZE + LANE_NONCE, SP_LANE, 0, SP_LANE_CONFIRM);
	send_all(s, nonce, LANE_NONCE);
}

/* publishes raw request ring bytes by hand: head, seq, a shared wake */
static void
lane_publish(struct hlane *l, uint32_t head)
{
	atomic_store(&l->shm->req.head, head);
	atomic_fetch_add(&l->shm->req.seq, 1);
	syscall(SYS_futex, &l->shm->req.seq, FUTEX_WAKE, INT_MAX, NULL, NULL,
	    0);
}

/* a getpid request frame (header included) in b */
static void
enc_getpid(struct sp_buf *b)
{
	const struct sysent *se = &sp_systab[callnr("getpid")];
	struct sp_argv av[1] = { { .val = 0 } };

	sp_buf_init(b);
	sp_put_bytes(b, (uint8_t[SP_HDRSIZE]){ 0 }, SP_HDRSIZE);
	H_CHECK(sp_enc_call(b, se, av) == 0 && !b->b_err, "encoding getpid");
}

static int
lane_put_frame(struct hlane *l, struct sp_buf *b, uint32_t reqid)
{
	struct sp_hdr h = { .len = (uint32_t)b->b_len, .type = SP_SYSCALL,
	    .reqid = reqid, .word = callnr("getpid") };
	struct iovec iov = { .iov_base = b->b_p, .iov_len = b->b_len };

	sp_hdr_put(b->b_p, &h);
	return lane_put(&l->out, &iov, 1, b->b_len);
}

/* the reply to reqid from the reply ring or the socket, within 5 s */
static void
lane_getpid_reply(int s, struct hlane *l, uint32_t reqid)
{
	const struct sysent *se = &sp_systab[callnr("getpid")];
	struct sp_argv av[1] = { { .val = 0 } };
	int64_t end = h_now_ns() + 5 * (int64_t)1000000000;
	struct pollfd p = { .fd = s, .events = POLLIN };
	uint8_t hb[SP_HDRSIZE], *body = NULL;
	struct sp_hdr h;
	const char *via;
	long ret;
	int rc;

	for (;;) {
		H_CHECK(h_now_ns() < end, "no reply to getpid within 5 s");
		rc = lane_get(&l->in, &h, &body);
		H_CHECK(rc >= 0, "reply ring: %d", rc);
		if (rc == 1) {
			via = "the reply ring";
			break;
		}
		if (poll(&p, 1, 1) == 1) {
			recv_all(s, hb, SP_HDRSIZE);
			H_CHECK(sp_hdr_get(hb, &h, SP_MAXFRAME) == 0,
			    "reply header on the socket");
			H_CHECK((body = malloc(h.len - SP_HDRSIZE + 1)) != NULL,
			    "malloc");
			recv_all(s, body, h.len - SP_HDRSIZE);
			via = "the socket";
			break;
		}
	}
	H_CHECK(h.type == SP_SYSCALL && h.flags == SP_F_REPLY &&
	    h.reqid == reqid, "reply: type %u flags %#x reqid %u", h.type,
	    h.flags, h.reqid);
	H_CHECK(sp_dec_reply(body, h.len - SP_HDRSIZE, se, av, &ret) == 0,
	    "decoding the reply");
	H_CHECK(ret > 0, "getpid returned %ld", ret);
	printf("getpid through the lane: %ld, reply by %s\n", ret, via);
	free(body);
}

/* true once the server closed the socket (which we never read) */
static bool
sock_closed(int s)
{
	struct pollfd p = { .fd = s, .events = POLLRDHUP };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP |
	    POLLERR)) != 0;
}

/*
 * getpid requests through the ring as fast as it takes them; the reply
 * ring and the socket are never read.  True once the server dropped us.
 */
static bool
lane_flood(int s, struct hlane *l)
{
	int64_t end = h_now_ns() + 20 * (int64_t)1000000000;
	struct sp_buf b;
	uint32_t n = 0;
	long full = 0;
	int rc;

	enc_getpid(&b);
	while (h_now_ns() < end) {
		for (int i = 0; i < 256; i++) {
			rc = lane_put_frame(l, &b, n + 1);
			if (rc == -EAGAIN) {
				full++;
				sched_yield();
				break;
			}
			H_CHECK(rc == 0, "lane_put: %d", rc);
			n++;
		}
		if (sock_closed(s)) {
			printf("dropped after %u requests through the lane "
			    "(ring full %ld times, lane closed %u)\n", n, full,
			    atomic_load(&l->shm->rep.closed));
			sp_buf_free(&b);
			return true;
		}
	}
	printf("%u requests through the lane, not dropped (ring full %ld "
	    "times)\n", n, full);
	sp_buf_free(&b);
	return false;
}

static int
lane_case(int s, const char *c)
{
	struct hlane l;
	struct sp_buf b;

	handshake(s);
	lane_offer(s, &l);
	if (strcmp(c, "lanenonce") == 0) {
		lane_confirm(s, &l, true);
		expect_drop(s);
		return 0;
	}
	if (strcmp(c, "laneseal") == 0) {
		errno = 0;
		H_CHECK(ftruncate(l.mfd, 4096) == -1 && errno == EPERM,
		    "the lane memfd could be shrunk");
		errno = 0;
		H_CHECK(ftruncate(l.mfd, 2 * (off_t)LANE_SIZE) == -1 &&
		    errno == EPERM, "the lane memfd could be grown");
		printf("memfd sealed\n");
	}
	lane_confirm(s, &l, false);
	if (strcmp(c, "lanereoffer") == 0) {
		int64_t end = h_now_ns() + 5 * (int64_t)1000000000;
		struct pollfd p = { .fd = s, .events = POLLIN };
		uint8_t hb[SP_HDRSIZE], *body = NULL;
		struct sp_hdr h;
		int nofd = -1, rc;

		/* a second lane for the same image is refused (the answer
		 * may come through the lane), and the first keeps working */
		send_hdr(s, SP_HDRSIZE, SP_LANE, 0, SP_LANE_OFFER);
		for (;;) {
			H_CHECK(h_now_ns() < end, "no answer to a second offer");
			if ((rc = lane_get(&l.in, &h, &body)) == 1)
				break;
			H_CHECK(rc == 0, "reply ring: %d", rc);
			if (poll(&p, 1, 1) == 1) {
				recv_fd(s, hb, sizeof(hb), &nofd);
				H_CHECK(sp_hdr_get(hb, &h, SP_MAXFRAME) == 0,
				    "reply header");
				break;
			}
		}
		free(body);
		H_CHECK(h.type == SP_ERROR && h.word == SP_ERR_STATE &&
		    h.len == SP_HDRSIZE, "second offer: type %u word %u",
		    h.type, h.word);
		enc_getpid(&b);
		H_CHECK(lane_put_frame(&l, &b, 43) == 0, "lane_put");
		sp_buf_free(&b);
		lane_getpid_reply(s, &l, 43);
		printf("OK\n");
		return 0;
	}
	if (strcmp(c, "lanetail") == 0) {
		/* an impossible reply ring tail, then a request whose reply
		 * must go into that ring */
		atomic_store(&l.shm->rep.tail, 0x80000000u);
		enc_getpid(&b);
		H_CHECK(lane_put_frame(&l, &b, 42) == 0, "lane_put");
		sp_buf_free(&b);
	} else if (strcmp(c, "lanegarbage") == 0) {
		struct sp_hdr h = { .len = LANE_MAXFRAME + 64, .type = 0x77,
		    .flags = 0x1234, .reqid = 5, .word = 0xdeadbeef };
		uint8_t *d = LANE_REQDATA(l.shm);

		for (size_t i = SP_HDRSIZE; i < LANE_ALIGN(h.len); i++)
			d[i] = (uint8_t)random();
		sp_hdr_put(d, &h);
		lane_publish(&l, LANE_ALIGN(h.len));
	} else if (strcmp(c, "laneindex") == 0)
		lane_publish(&l, LANE_RING * 3 + 8);
	else if (strcmp(c, "lanetype") == 0) {
		struct sp_hdr h = { .len = SP_HDRSIZE + 10,
		    .type = SP_HANDSHAKE, .reqid = 2, .word = SP_HS_GUEST };
		uint8_t hb[SP_HDRSIZE];
		struct iovec iov[2] = { { hb, SP_HDRSIZE },
		    { "h_badframe", 10 } };

		sp_hdr_put(hb, &h);
		H_CHECK(lane_put(&l.out, iov, 2, h.len) == 0, "lane_put");
	} else if (strcmp(c, "laneseal") == 0) {
		enc_getpid(&b);
		H_CHECK(lane_put_frame(&l, &b, 42) == 0, "lane_put");
		sp_buf_free(&b);
		lane_getpid_reply(s, &l, 42);
		printf("OK\n");
		return 0;
	} else if (strcmp(c, "laneflood") == 0) {
		H_CHECK(lane_flood(s, &l), "the server never dropped a lane "
		    "client that does not read");
		return 0;
	} else
		h_fail("unknown case %s", c);
	expect_drop(s);
	return 0;
}

/*
 * n connections, each putting poll(NULL, 0, -1) into its lane and going
 * away around that moment: whatever was admitted is cancelled with the
 * connection, nothing is left blocked in the server (the bats test
 * counts its threads afterwards)
 */
static int
lane_race(int n)
{
	const struct sysent *se = &sp_systab[callnr("poll")];
	struct sp_argv av[3] = { { .val = 0 }, { .val = 0 },
	    { .val = (uint64_t)(int64_t)-1 } };
	struct sp_hdr h;
	struct sp_buf b;
	struct iovec iov;
	struct hlane l;
	int s;

	sp_buf_init(&b);
	sp_put_bytes(&b, (uint8_t[SP_HDRSIZE]){ 0 }, SP_HDRSIZE);
	H_CHECK(sp_enc_call(&b, se, av) == 0 && !b.b_err, "encoding poll");
	h = (struct sp_hdr){ .len = (uint32_t)b.b_len, .type = SP_SYSCALL,
	    .reqid = 7, .word = callnr("poll") };
	sp_hdr_put(b.b_p, &h);
	iov = (struct iovec){ b.b_p, b.b_len };
	for (int i = 0; i < n; i++) {
		s = connect_server();
		read_banner(s);
		handshake(s);
		lane_offer(s, &l);
		lane_confirm(s, &l, false);
		usleep(3000 + (useconds_t)(random() % 2000));
		if (i % 3 == 0)
			shutdown(s, SHUT_RDWR);
		H_CHECK(lane_put(&l.out, &iov, 1, b.b_len) == 0, "lane_put");
		if (i % 3 == 2)
			for (volatile int j = 0; j < (int)(random() % 20000); j++)
				continue;
		shutdown(s, SHUT_RDWR);
		close(s);
		munmap(l.shm, LANE_SIZE);
		close(l.mfd);
	}
	sp_buf_free(&b);
	printf("%d connections gone\n", n);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	int s;

	signal(SIGPIPE, SIG_IGN);
	srandom((unsigned)getpid());
	if (strcmp(c, "lanerace") == 0)
		return lane_race(argc > 2 ? atoi(argv[2]) : 100);
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
	} else if (strncmp(c, "lane", 4) == 0)
		return lane_case(s, c);
	else
		h_fail("unknown case %s", c);
	expect_drop(s);
	return 0;
}
