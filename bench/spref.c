/*
 * spref.c — the references the sysproxy figures are divided by, run by
 * the same bench in the same run:
 *
 *  - a raw ping-pong between two processes over the same kind of socket
 *    (AF_UNIX stream, or TCP on 127.0.0.1 with TCP_NODELAY on both ends)
 *    with the sizes of getpid's sysproxy frames: 16 bytes there, 24 back.
 *    The server side is a plain blocking read/write loop: the cheapest
 *    way to answer, which is what "raw" means here.
 *  - 1 GiB written and read back in 1 MiB chunks with the host's own
 *    write(2)/read(2) on the host's tmpfs.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "spbench.h"

#define TMPFS_MAGIC_	0x01021994

/* all n bytes, or false at EOF or on error */
static bool
readfull(int fd, void *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = read(fd, (char *)buf + got, n - got);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			return false;
		}
		got += (size_t)r;
	}
	return true;
}

/* answers every 16-byte request with 24 bytes until the client goes */
void
ref_serve(void *arg)
{
	int lfd = *(int *)arg, fd, one = 1;
	char req[REQ_SIZE], rep[REP_SIZE];

	if ((fd = accept(lfd, NULL, NULL)) < 0)
		fail("reference server: accept: %s", strerror(errno));
	close(lfd);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	memset(rep, 0x5a, sizeof(rep));
	while (readfull(fd, req, sizeof(req)))
		if (write(fd, rep, sizeof(rep)) != (ssize_t)sizeof(rep))
			break;
	close(fd);
}

/* n round trips on the connected socket *arg */
void
ref_pingpong(void *arg, long n)
{
	int fd = *(int *)arg;
	char req[REQ_SIZE] = { 0 }, rep[REP_SIZE];

	for (long i = 0; i < n; i++) {
		if (write(fd, req, sizeof(req)) != (ssize_t)sizeof(req) ||
		    !readfull(fd, rep, sizeof(rep)))
			fail("reference ping-pong: %s", strerror(errno));
	}
}

/* the host's tmpfs: /dev/shm if it is one, else /tmp */
static const char *
host_tmpfs(void)
{
	struct statfs sf;

	if (statfs("/dev/shm", &sf) == 0 && sf.f_type == TMPFS_MAGIC_)
		return "/dev/shm";
	if (statfs("/tmp", &sf) != 0 || sf.f_type != TMPFS_MAGIC_)
		fprintf(stderr, "spbench: no host tmpfs, using /tmp\n");
	return "/tmp";
}

/* one 1 GiB write and read on the host's tmpfs: MB/s (10^6) each way */
void
io_host_once(const char *wbuf, char *rbuf, double *wmbs, double *rmbs)
{
	char path[128];
	double t0;
	int fd;

	snprintf(path, sizeof(path), "%s/spbench.%d", host_tmpfs(), (int)getpid());
	if ((fd = open(path, O_CREAT | O_TRUNC | O_RDWR | O_EXCL, 0600)) < 0)
		fail("%s: %s", path, strerror(errno));
	unlink(path);		/* freed at close, whatever happens */
	t0 = now_ns();
	for (long off = 0; off < IO_TOTAL; off += IO_CHUNK)
		if (write(fd, wbuf, IO_CHUNK) != IO_CHUNK)
			fail("host write: %s", strerror(errno));
	*wmbs = IO_TOTAL / ((now_ns() - t0) / 1e9) / 1e6;
	if (lseek(fd, 0, SEEK_SET) != 0)
		fail("host lseek: %s", strerror(errno));
	t0 = now_ns();
	for (long off = 0; off < IO_TOTAL; off += IO_CHUNK)
		if (read(fd, rbuf, IO_CHUNK) != IO_CHUNK)
			fail("host read: %s", strerror(errno));
	*rmbs = IO_TOTAL / ((now_ns() - t0) / 1e9) / 1e6;
	if (memcmp(wbuf, rbuf, IO_CHUNK) != 0)
		fail("host read: wrong bytes");
	close(fd);
}
