/*
 * spproxy.c — a relay between a client and a rump_server that counts the
 * frames going each way, to check how many round trips a sequence of
 * calls costs without trusting either side's own bookkeeping (neither
 * librumpclient nor rump_server keeps a frame counter).
 *
 * It parses the streams independently of sp/codec.c, from
 * docs/protocol.md: the server first sends a banner line ending in '\n',
 * then both directions are frames whose first 4 bytes are the frame's
 * whole length (little-endian), type at offset 4, flags at offset 6
 * (bit 0: reply).  The relay serves nconn connections one after the
 * other and writes one struct frame_count per connection to a pipe.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "spbench.h"

#define HDR		16
#define T_SYSCALL	2
#define F_REPLY		0x0001
#define RESULT_MS	30000

/* one direction of a connection */
struct stream {
	bool		 banner;	/* still in the banner line */
	size_t		 hgot;
	uint8_t		 hdr[HDR];
	uint64_t	 skip;		/* body bytes left in this frame */
};

static uint32_t
le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void
count(struct frame_count *fc, const uint8_t *h, bool up)
{
	uint16_t type = h[4] | h[5] << 8, flags = h[6] | h[7] << 8;

	if (up && (flags & F_REPLY) == 0) {
		fc->requests++;
		if (type == T_SYSCALL)
			fc->syscalls++;
	} else if (!up && (flags & F_REPLY) != 0)
		fc->replies++;
}

static void
feed(struct stream *s, struct frame_count *fc, const uint8_t *p, size_t n,
    bool up)
{
	while (n > 0 && !fc->bad) {
		if (s->banner) {
			const uint8_t *nl = memchr(p, '\n', n);
			size_t k = nl != NULL ? (size_t)(nl - p) + 1 : n;

			s->banner = nl == NULL;
			p += k, n -= k;
		} else if (s->skip > 0) {
			size_t k = s->skip < n ? (size_t)s->skip : n;

			s->skip -= k;
			p += k, n -= k;
		} else {
			size_t k = HDR - s->hgot < n ? HDR - s->hgot : n;

			memcpy(s->hdr + s->hgot, p, k);
			s->hgot += k;
			p += k, n -= k;
			if (s->hgot < HDR)
				continue;
			s->hgot = 0;
			if (le32(s->hdr) < HDR) {
				fc->bad = true;
				break;
			}
			s->skip = le32(s->hdr) - HDR;
			count(fc, s->hdr, up);
		}
	}
}

static bool
writeall(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) <= 0) {
			if (w < 0 && errno == EINTR)
				continue;
			return false;
		}
		p += w, n -= (size_t)w;
	}
	return true;
}

/* relays until either side closes */
static void
relay(int cfd, int sfd, struct frame_count *fc)
{
	static uint8_t buf[65536];
	struct stream up = { .banner = false }, down = { .banner = true };
	struct pollfd pfd[2] = { { .fd = cfd, .events = POLLIN },
	    { .fd = sfd, .events = POLLIN } };
	ssize_t n;

	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		for (int i = 0; i < 2; i++) {
			if (pfd[i].revents == 0)
				continue;
			if ((n = read(pfd[i].fd, buf, sizeof(buf))) <= 0)
				return;
			if (i == 0) {
				fc->bytes_up += n;
				feed(&up, fc, buf, (size_t)n, true);
			} else {
				fc->bytes_down += n;
				feed(&down, fc, buf, (size_t)n, false);
			}
			if (!writeall(pfd[!i].fd, buf, (size_t)n))
				return;
		}
	}
}

struct proxy_arg {
	int			 lfd, wfd, nconn;
	const struct endpoint	*back;
};

static void
proxy_main(void *arg)
{
	struct proxy_arg *a = arg;

	for (int i = 0; i < a->nconn; i++) {
		struct frame_count fc = { 0 };
		int cfd = accept(a->lfd, NULL, NULL), sfd;

		if (cfd < 0)
			fail("proxy: accept: %s", strerror(errno));
		if ((sfd = ep_connect(a->back)) < 0)
			fail("proxy: connect %s: %s", a->back->url, strerror(errno));
		relay(cfd, sfd, &fc);
		close(cfd);
		close(sfd);
		if (write(a->wfd, &fc, sizeof(fc)) != sizeof(fc))
			fail("proxy: result pipe: %s", strerror(errno));
	}
}

/* a relay from front (where clients connect) to back, for nconn
 * connections; *resultfd reads one struct frame_count per connection */
pid_t
proxy_start(const struct endpoint *front, const struct endpoint *back,
    int nconn, int *resultfd)
{
	struct proxy_arg a = { .nconn = nconn, .back = back };
	int p[2];
	pid_t pid;

	if (pipe(p) != 0)
		fail("pipe: %s", strerror(errno));
	a.lfd = ep_listen(front);
	a.wfd = p[1];
	pid = spawn(-1, proxy_main, &a);
	close(a.lfd);
	close(p[1]);
	*resultfd = p[0];
	return pid;
}

/* the counts of the next connection: 0, or -1 if the relay failed */
int
proxy_result(int fd, struct frame_count *fc)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	if (poll(&pfd, 1, RESULT_MS) != 1 ||
	    read(fd, fc, sizeof(*fc)) != sizeof(*fc)) {
		fprintf(stderr, "spbench: no frame count from the relay\n");
		return -1;
	}
	return 0;
}
