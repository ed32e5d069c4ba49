/*
 * h_bigio.c — large reads and writes through the direct paths of
 * librumpclient (call.c: a read's data goes from the socket straight into
 * the caller's buffers, a write's from the caller's buffer to the socket)
 * and of rump_server (spout.c: replies gathered from the kernel's
 * buffers): 8 threads share the connection, each with its own file, and
 * check every byte of odd-sized read, pread and readv calls, short reads
 * and reads at end of file, while SIGUSR1 handlers make large nested
 * reads of their own in the middle of the other calls.
 *
 *	h_bigio			exits 0 when every byte came back right
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/uio.h>
#include <unistd.h>
#include <rump/rumpclient.h>
#include <rump/rump_syscalls.h>
#include "h_common.h"

#define NTHR	8
#define ROUNDS	12
#define FSIZE	(3 * 1024 * 1024 + 12345)

static int sigfd;			/* the handlers' file */
static _Atomic int sigreads;

static uint8_t
pat(int t, size_t off)
{
	return (uint8_t)(off * 31 + (off >> 11) + (size_t)t * 7 + 1);
}

static void
check(int t, const uint8_t *p, size_t off, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		H_CHECK(p[i] == pat(t, off + i), "thread %d %s: byte %zu", t,
		    what, off + i);
}

/* a nested call in the middle of another one on this thread */
static void
on_usr1(int sig)
{
	static __thread uint8_t buf[100000];
	int e = errno;
	ssize_t n = rump_sys_pread(sigfd, buf, sizeof(buf), 4093);

	if (n != (ssize_t)sizeof(buf))
		_exit(3);
	for (size_t i = 0; i < sizeof(buf); i++)
		if (buf[i] != pat(NTHR, 4093 + i))
			_exit(4);
	sigreads++;
	errno = e;
	(void)sig;
}

static int
make_file(int t)
{
	char path[32];
	uint8_t *p = malloc(FSIZE);
	size_t off = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/bigio.%d", t);
	fd = rump_sys_open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	H_CHECK(fd >= 0, "open %s", path);
	for (size_t i = 0; i < FSIZE; i++)
		p[i] = pat(t, i);
	/* odd sizes: the request's padding follows the data */
	while (off < FSIZE) {
		size_t k = off % 3 == 0 ? 1048579 : 70001;

		k = k < FSIZE - off ? k : FSIZE - off;
		n = rump_sys_write(fd, p + off, k);
		H_CHECK(n == (ssize_t)k, "thread %d write", t);
		off += k;
	}
	free(p);
	return fd;
}

static void *
worker(void *arg)
{
	int t = (int)(intptr_t)arg, fd = make_file(t);
	uint8_t *buf = malloc(FSIZE + 100), *a, *b;
	struct iovec iov[4];
	ssize_t n;

	for (int r = 0; r < ROUNDS; r++) {
		size_t off = (size_t)r * 99991 % (FSIZE / 2);

		/* a buffer larger than what is left: a short count */
		n = rump_sys_pread(fd, buf, FSIZE + 100, (off_t)off);
		H_CHECK(n == (ssize_t)(FSIZE - off), "thread %d pread", t);
		check(t, buf, off, (size_t)n, "pread");
		/* at end of file: nothing, with a large buffer */
		n = rump_sys_pread(fd, buf, 65536, FSIZE);
		H_CHECK(n == 0, "thread %d pread at EOF", t);
		/* little data into a large buffer */
		n = rump_sys_pread(fd, buf, 65536, FSIZE - 5);
		H_CHECK(n == 5, "thread %d pread near EOF", t);
		check(t, buf, FSIZE - 5, 5, "pread near EOF");
		/* scattered over odd iovecs, one of them empty */
		a = buf;
		b = buf + 500000;
		iov[0] = (struct iovec){ a, 7 };
		iov[1] = (struct iovec){ a + 7, 0 };
		iov[2] = (struct iovec){ a + 7, 300001 };
		iov[3] = (struct iovec){ b, 123457 };
		H_CHECK(rump_sys_lseek(fd, (off_t)off, SEEK_SET) == (off_t)off,
		    "thread %d lseek", t);
		n = rump_sys_readv(fd, iov, 4);
		H_CHECK(n == 7 + 300001 + 123457, "thread %d readv", t);
		check(t, a, off, 300008, "readv");
		check(t, b, off + 300008, 123457, "readv");
		n = rump_sys_read(fd, buf, 1048576);
		H_CHECK(n == 1048576, "thread %d read", t);
		check(t, buf, off + 300008 + 123457, 1048576, "read");
	}
	free(buf);
	rump_sys_close(fd);
	return NULL;
}

int
main(void)
{
	pthread_t th[NTHR];
	struct sigaction sa = { .sa_handler = on_usr1 };

	H_CHECK(rumpclient_init() == 0, "rumpclient_init");
	sigfd = make_file(NTHR);
	sigaction(SIGUSR1, &sa, NULL);
	for (int i = 0; i < NTHR; i++)
		pthread_create(&th[i], NULL, worker, (void *)(intptr_t)i);
	for (int k = 0; k < 40; k++) {
		usleep(5000);
		pthread_kill(th[k % NTHR], SIGUSR1);
	}
	for (int i = 0; i < NTHR; i++)
		pthread_join(th[i], NULL);
	printf("ok, %d nested reads\n", sigreads);
	return 0;
}
