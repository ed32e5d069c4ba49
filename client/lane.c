/*
 * lane.c — librumpclient's end of the shared-memory lane (sp/lane.h,
 * docs/protocol.md §7): asking for it after a handshake, mapping it,
 * and sending requests through it.  The reading side lives with the
 * reading role in call.c.
 *
 * A lane is asked for on unix sockets (the memfd comes with the reply)
 * and on tcp connections to a loopback address (the client opens the
 * server's /proc/<pid>/fd/<n>, which works when it may look at the
 * server process: same user or root).  RUMPCLIENT_SHM=no turns it off.
 * Anything that does not work out leaves the connection socket-only.
 *
 * The mapping is MADV_DONTFORK: a forked child has its own connection
 * and never sees its parent's lane.  A lane lives as long as somebody
 * uses it (l_refs): the connection holds one reference until it is lost
 * or replaced, and senders and the reader hold one while they use it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "client/client.h"

static int
lane_wanted(int fd)
{
	static int env = -1;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	const char *e;

	if (env < 0) {
		e = getenv("RUMPCLIENT_SHM");
		env = e == NULL || !(strcmp(e, "no") == 0 || strcmp(e, "0") == 0);
	}
	if (!env || h_getpeername(fd, (struct sockaddr *)&ss, &sl) == -1)
		return 0;
	if (ss.ss_family == AF_UNIX)
		return 1;
	if (ss.ss_family == AF_INET)
		return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >>
		    24) == 127;
	if (ss.ss_family == AF_INET6) {
		const struct in6_addr *a = &((struct sockaddr_in6 *)&ss)->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) &&
		    a->s6_addr[12] == 127);
	}
	return 0;
}

/* reads exactly len bytes; the first descriptor passed with them in *rfd */
static int
lane_recv(int fd, void *p, size_t len, int *rfd)
{
	union {
		struct cmsghdr	 h;
		char		 b[CMSG_SPACE(sizeof(int))];
	} cm;
	struct iovec iov;
	struct msghdr m;
	struct cmsghdr *ch;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	ssize_t n;

	while (len > 0) {
		iov = (struct iovec){ .iov_base = p, .iov_len = len };
		m = (struct msghdr){ .msg_iov = &iov, .msg_iovlen = 1,
		    .msg_control = cm.b, .msg_controllen = sizeof(cm.b) };
		n = h_recvmsg(fd, &m, MSG_CMSG_CLOEXEC);
		if (n == 0)
			return ENOTCONN;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return errno;
			if (h_poll(&pfd, 1, 30000) <= 0)
				return ETIMEDOUT;
			continue;
		}
		for (ch = CMSG_FIRSTHDR(&m); ch != NULL; ch = CMSG_NXTHDR(&m, ch)) {
			if (ch->cmsg_level != SOL_SOCKET ||
			    ch->cmsg_type != SCM_RIGHTS)
				continue;
			for (size_t i = 0; i + CMSG_LEN(sizeof(int)) <=
			    ch->cmsg_len; i += sizeof(int)) {
				int got;

				memcpy(&got, CMSG_DATA(ch) + i, sizeof(int));
				if (*rfd < 0)
					*rfd = got;
				else
					h_close(got);
			}
		}
		p = (uint8_t *)p + n;
		len -= (size_t)n;
	}
	return 0;
}

/* the memfd behind the reply, mapped; NULL if it cannot be used */
static struct lane_shm *
lane_map(int mfd, const uint32_t v[5])
{
	char path[64];
	struct stat st;
	struct lane_shm *s;
	int seals, fd = mfd;

	if (v[0] != LANE_SIZE || v[1] != LANE_RING || v[2] != LANE_MAXFRAME)
		return NULL;
	if (fd < 0) {
		snprintf(path, sizeof(path), "/proc/%u/fd/%d", v[3], (int)v[4]);
		if ((int)v[4] < 0 ||
		    (fd = h_openat(AT_FDCWD, path, O_RDWR | O_CLOEXEC)) < 0)
			return NULL;
	}
	/* sealed against shrinking: the server cannot make us fault */
	seals = h_fcntl(fd, F_GET_SEALS, 0);
	s = MAP_FAILED;
	if (seals != -1 && (seals & F_SEAL_SHRINK) && h_fstat(fd, &st) == 0 &&
	    st.st_size >= (off_t)LANE_SIZE)
		s = h_mmap(NULL, LANE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
		    fd, 0);
	if (fd != mfd)
		h_close(fd);
	if (s == MAP_FAILED)
		return NULL;
	if (s->magic != LANE_MAGIC || s->version != LANE_VERSION) {
		h_munmap(s, LANE_SIZE);
		return NULL;
	}
	(void)h_madvise(s, LANE_SIZE, MADV_DONTFORK);
	return s;
}

int
clane_open(int fd, struct clane **lp)
{
	struct sp_hdr h = { .len = SP_HDRSIZE, .type = SP_LANE,
	    .reqid = call_nextreq(), .word = SP_LANE_OFFER };
	uint8_t hb[SP_HDRSIZE], body[SP_LANE_REPLY_LEN], *skip;
	uint32_t v[5];
	struct sp_hdr r;
	struct lane_shm *s = NULL;
	struct clane *l;
	int mfd = -1, error;

	*lp = NULL;
	if (!(conn_hsword() & SP_HSF_LANE) || !lane_wanted(fd))
		return 0;
	if ((error = conn_writeall(fd, &h, NULL, 0)) != 0)
		return error;
	for (;;) {
		if ((error = lane_recv(fd, hb, sizeof(hb), &mfd)) != 0)
			goto out;
		error = EPROTO;
		if (sp_hdr_get(hb, &r, SP_MAXFRAME) != 0)
			goto out;
		if (r.reqid == h.reqid && (r.flags & SP_F_REPLY))
			break;
		/* nothing else is in flight: only a RAISE can come first */
		if ((skip = malloc(r.len - SP_HDRSIZE + 1)) == NULL) {
			error = ENOMEM;
			goto out;
		}
		error = lane_recv(fd, skip, r.len - SP_HDRSIZE, &mfd);
		free(skip);
		if (error != 0)
			goto out;
		if (r.type == SP_RAISE && !(r.flags & SP_F_REPLY))
			kill(getpid(), (int)r.word);
	}
	error = 0;
	if (r.type == SP_ERROR)		/* no lane here: the socket it is */
		goto out;
	error = EPROTO;
	if (r.type != SP_LANE || r.len != SP_HDRSIZE + SP_LANE_REPLY_LEN ||
	    (error = lane_recv(fd, body, sizeof(body), &mfd)) != 0)
		goto out;
	for (int i = 0; i < 5; i++)
		v[i] = (uint32_t)body[4 * i] | (uint32_t)body[4 * i + 1] << 8 |
		    (uint32_t)body[4 * i + 2] << 16 |
		    (uint32_t)body[4 * i + 3] << 24;
	if ((s = lane_map(mfd, v)) == NULL ||
	    (l = calloc(1, sizeof(*l))) == NULL) {
		/* socket only; the server lets the lane go */
		if (s != NULL)
			h_munmap(s, LANE_SIZE);
		h = (struct sp_hdr){ .len = SP_HDRSIZE, .type = SP_LANE,
		    .reqid = call_nextreq(), .word = SP_LANE_DECLINE };
		error = conn_writeall(fd, &h, NULL, 0);
		goto out;
	}
	h = (struct sp_hdr){ .len = SP_HDRSIZE + LANE_NONCE, .type = SP_LANE,
	    .reqid = call_nextreq(), .word = SP_LANE_CONFIRM };
	if ((error = conn_writeall(fd, &h, s->nonce, LANE_NONCE)) != 0) {
		h_munmap(s, LANE_SIZE);
		free(l);
		goto out;
	}
	l->l_shm = s;
	l->l_out = (struct lane_prod){ .ctl = &s->req, .data = LANE_REQDATA(s),
	    .futex = true };
	l->l_in = (struct lane_cons){ .ctl = &s->rep, .data = LANE_REPDATA(s),
	    .maxframe = SP_MAXFRAME, .peer = &s->req };
	l->l_sockseen = atomic_load(&s->rep.sockseq);
	l->l_spin = lane_spin_max();
	atomic_init(&l->l_refs, 1);
	*lp = l;
out:
	if (mfd >= 0)
		h_close(mfd);
	return error;
}

void
clane_hold(struct clane *l)
{
	atomic_fetch_add(&l->l_refs, 1);
}

void
clane_rele(struct clane *l)
{
	if (l == NULL || atomic_fetch_sub(&l->l_refs, 1) != 1)
		return;
	h_munmap(l->l_shm, LANE_SIZE);
	free(l);
}

/*
 * The child of a fork has no mapping (MADV_DONTFORK).  A reader of the
 * parent's lane may still be on this thread's stack (a handler that
 * forked interrupted its wait): give the range harmless private memory
 * and let the references run out as usual.
 */
void
clane_forget(struct clane *l)
{
	void *p = h_mmap(l->l_shm, LANE_SIZE, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (p == MAP_FAILED || p != (void *)l->l_shm)
		return;		/* taken meanwhile: leak the lane, touch nothing */
	clane_rele(l);
}

int
clane_send(struct clane *l, const struct sp_hdr *h, const struct iovec *body,
    int nbody)
{
	struct iovec iov[1 + CONN_MAXIOV];
	uint8_t hb[SP_HDRSIZE];
	int n, rc;

	if (h->len > LANE_MAXFRAME || nbody > CONN_MAXIOV)
		return EAGAIN;
	n = conn_frameiov(hb, h, body, nbody, iov);
	rc = lane_put(&l->l_out, iov, n, h->len);
	return rc == 0 ? 0 : rc == -EAGAIN ? EAGAIN : ENOTCONN;
}
