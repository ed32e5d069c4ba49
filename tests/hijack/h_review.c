/*
 * h_review.c — regression checks for defects found reviewing
 * librumphijack (tests/e2e/hijack.bats runs each mode under the preload
 * against its own rump_server -lrumpvfs).  Every mode exits 0 when the
 * library behaved; a hang is caught by the test's timeout.
 *
 *   fclose_pending      fclose(stdout) on a rump fd 1 whose flush fails
 *   spawn_noflush FILE  a popen/posix_spawn child must not flush the
 *                       parent's stdout buffer (FILE: /rump/...)
 *   umask_errno FIFO    umask never changes errno, even with the kernel gone
 *   fork_popen          fork while another thread is inside popen()
 *   fork_helpers        fork while other threads make and drop poll helpers
 *   open_errno PATH     prints the errno name of a failing open(PATH)
 *   pending_moves       stdout's buffer goes where fd 1 is at the flush,
 *                       as in glibc: across dup2 and in a fork+exec child
 *                       (stdout: a host file; writes /rump/x, /rump/y)
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "h_common.h"

extern char **environ;

static void
fclose_pending(void)
{
	int fd, r, e;

	fd = open("/rump/ro", O_RDWR | O_CREAT | O_TRUNC, 0644);
	H_CHECK(fd >= 0, "create /rump/ro");
	H_CHECK(close(fd) == 0, "close");
	/* a read-only rump file as fd 1: stdout's flush fails */
	fd = open("/rump/ro", O_RDONLY);
	H_CHECK(fd >= 0, "open /rump/ro");
	H_CHECK(dup2(fd, 1) == 1, "dup2 onto 1");
	H_CHECK(close(fd) == 0, "close");
	H_CHECK(printf("never written\n") > 0, "printf");
	errno = 0;
	r = fclose(stdout);
	e = errno;
	/* fd 1 is closed now: report on stderr */
	H_CHECK(r == EOF, "fclose(stdout) returned %d, expected EOF", r);
	errno = e;
	H_CHECK(e == EBADF, "fclose(stdout): errno %d, expected EBADF", e);
	errno = 0;
	H_CHECK(fcntl(1, F_GETFD) == -1 && errno == EBADF,
	    "fd 1 still open after fclose(stdout)");
}

static void
waitok(pid_t pid, const char *what)
{
	int st;

	H_CHECK(waitpid(pid, &st, 0) == pid, "waitpid %s", what);
	H_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: status %#x", what,
	    st);
}

static void
spawn_noflush(const char *path)
{
	posix_spawn_file_actions_t fa;
	char *argv[] = { (char *)"true", NULL };
	char buf[64];
	FILE *p;
	pid_t pid;
	int fd, null;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	H_CHECK(fd >= 0, "open %s", path);
	H_CHECK(dup2(fd, 1) == 1, "dup2 onto 1");
	H_CHECK(close(fd) == 0, "close");
	/* buffered in stdout (a rump file: fully buffered) */
	printf("before\n");
	/* the child dup2s the pipe onto 1: a rump to host change */
	p = popen("echo child", "r");
	H_CHECK(p != NULL, "popen");
	H_CHECK(fgets(buf, sizeof(buf), p) != NULL, "read from popen");
	H_CHECK(strcmp(buf, "child\n") == 0, "popen read \"%s\"", buf);
	H_CHECK(pclose(p) == 0, "pclose");
	/* and posix_spawn with a dup2 onto 1 */
	null = open("/dev/null", O_WRONLY);
	H_CHECK(null >= 0, "open /dev/null");
	H_CHECK(posix_spawn_file_actions_init(&fa) == 0, "fa_init");
	H_CHECK(posix_spawn_file_actions_adddup2(&fa, null, 1) == 0,
	    "adddup2");
	H_CHECK(posix_spawnp(&pid, "true", &fa, NULL, argv, environ) == 0,
	    "posix_spawnp");
	waitok(pid, "spawned true");
	posix_spawn_file_actions_destroy(&fa);
	printf("after\n");
	H_CHECK(fflush(stdout) == 0, "fflush");
}

static void
umask_errno(const char *fifo)
{
	char line[16];
	FILE *f;
	int fd;

	fd = open("/rump/um", O_RDWR | O_CREAT, 0644);
	H_CHECK(fd >= 0, "open /rump/um");
	printf("ready\n");
	fflush(stdout);
	f = fopen(fifo, "r");
	H_CHECK(f != NULL, "fopen %s", fifo);
	H_CHECK(fgets(line, sizeof(line), f) != NULL, "read %s", fifo);
	fclose(f);
	/* the kernel is gone: rump calls fail, umask still may not */
	errno = 0;
	H_CHECK(umask(027) == 022, "umask did not return the old mask");
	H_CHECK(errno == 0, "umask changed errno to %d", errno);
	H_CHECK(umask(022) == 027, "umask did not return the old mask");
	H_CHECK(errno == 0, "umask changed errno to %d", errno);
	printf("ok\n");
}

/* ---- fork while another thread holds one of the library's locks ---- */

static volatile bool stop;

static void *
popen_loop(void *arg)
{
	FILE *p;

	(void)arg;
	while (!stop) {
		p = popen("exit 0", "r");
		H_CHECK(p != NULL, "popen in thread");
		(void)pclose(p);
	}
	return NULL;
}

/* each thread's mixed poll makes a helper; the helper goes at its exit */
static void *
helper_once(void *arg)
{
	struct pollfd pfd[2];
	int *fds = arg;

	pfd[0] = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = fds[1], .events = POLLIN };
	(void)poll(pfd, 2, 1);
	return NULL;
}

static void *
helper_loop(void *arg)
{
	pthread_t t;

	while (!stop) {
		if (pthread_create(&t, NULL, helper_once, arg) == 0)
			pthread_join(t, NULL);
	}
	return NULL;
}

static void
fork_children(int n, bool dopoll, int *fds)
{
	struct pollfd pfd[2];
	pid_t pid;
	FILE *p;

	for (int i = 0; i < n; i++) {
		pid = fork();
		H_CHECK(pid != -1, "fork");
		if (pid == 0) {
			alarm(20);
			if (dopoll) {
				pfd[0] = (struct pollfd){ .fd = fds[0],
				    .events = POLLIN };
				pfd[1] = (struct pollfd){ .fd = fds[1],
				    .events = POLLIN };
				(void)poll(pfd, 2, 1);
			} else {
				p = popen("exit 0", "r");
				if (p == NULL || pclose(p) != 0)
					_exit(1);
			}
			_exit(0);
		}
		waitok(pid, "child");
	}
}

static void
fork_locked(bool helpers, int n)
{
	pthread_t t[4];
	int fds[2], nt = helpers ? 4 : 1;

	/* an idle host pipe and an idle rump FIFO: poll needs a helper */
	H_CHECK(pipe(fds) == 0, "pipe");
	H_CHECK(mkfifo("/rump/fifo", 0644) == 0 || errno == EEXIST, "mkfifo");
	fds[1] = open("/rump/fifo", O_RDWR | O_NONBLOCK);
	H_CHECK(fds[1] >= 0, "open /rump/fifo");
	for (int i = 0; i < nt; i++)
		H_CHECK(pthread_create(&t[i], NULL, helpers ? helper_loop :
		    popen_loop, fds) == 0, "pthread_create");
	fork_children(n, helpers, fds);
	stop = true;
	for (int i = 0; i < nt; i++)
		pthread_join(t[i], NULL);
}

static void
open_errno(const char *path)
{
	int fd;

	errno = 0;
	fd = open(path, O_RDONLY);
	H_CHECK(fd == -1, "open %s succeeded", path);
	printf("%s\n", strerrorname_np(errno));
}

static void
pending_moves(void)
{
	pid_t pid;
	int fd, save;

	printf("hdr\n");
	/* a child that redirects and execs must not write the parent's copy */
	pid = fork();
	H_CHECK(pid != -1, "fork");
	if (pid == 0) {
		fd = open("/rump/x", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd == -1 || dup2(fd, 1) != 1)
			_exit(1);
		execlp("true", "true", (char *)NULL);
		_exit(127);
	}
	waitok(pid, "child");
	H_CHECK(fflush(stdout) == 0, "fflush");
	/* one is still buffered at the dup2: it goes to the rump file */
	printf("one\n");
	save = dup(1);
	H_CHECK(save >= 0, "dup");
	fd = open("/rump/y", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	H_CHECK(fd >= 0, "open /rump/y");
	H_CHECK(dup2(fd, 1) == 1, "dup2 onto 1");
	H_CHECK(close(fd) == 0, "close");
	printf("two\n");
	H_CHECK(fflush(stdout) == 0, "fflush");
	/* and three, buffered for the rump file, back to the host one */
	printf("three\n");
	H_CHECK(dup2(save, 1) == 1, "dup2 back");
	H_CHECK(close(save) == 0, "close");
	printf("four\n");
}

int
main(int argc, char *argv[])
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "fclose_pending") == 0 && argc == 2)
		fclose_pending();
	else if (strcmp(mode, "spawn_noflush") == 0 && argc == 3)
		spawn_noflush(argv[2]);
	else if (strcmp(mode, "umask_errno") == 0 && argc == 3)
		umask_errno(argv[2]);
	else if (strcmp(mode, "fork_popen") == 0 && argc == 3)
		fork_locked(false, atoi(argv[2]));
	else if (strcmp(mode, "fork_helpers") == 0 && argc == 3)
		fork_locked(true, atoi(argv[2]));
	else if (strcmp(mode, "open_errno") == 0 && argc == 3)
		open_errno(argv[2]);
	else if (strcmp(mode, "pending_moves") == 0 && argc == 2)
		pending_moves();
	else {
		fprintf(stderr, "usage: h_review fclose_pending|"
		    "spawn_noflush FILE|umask_errno FIFO|fork_popen N|"
		    "fork_helpers N|open_errno PATH|pending_moves\n");
		return 2;
	}
	return 0;
}
