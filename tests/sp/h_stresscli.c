/*
 * h_stresscli.c — many clients at once, killed at random (NetBSD t_sp
 * "stress_short", "stress_killer"), without sockets:
 *
 *	h_stresscli ROUNDS [kill]
 *
 * Keeps NCLI client processes of NTHR threads each busy with file calls
 * (/dev/null, a private file in /tmp created, written and unlinked),
 * sysctl reads and getpid.  Every 100 ms the parent signals a random
 * client and starts a new one in its place, ROUNDS times.  SIGUSR1 asks
 * for a clean exit (status 0 required: every call succeeded until then);
 * with "kill" the client gets SIGKILL, mostly in the middle of a call.
 * At the end the parent removes the files killed clients left behind,
 * so that the kernel's memory can be compared with what it was before.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>
#include <rump/rumpclient.h>
#include "h_common.h"

#define NCLI	32
#define NTHR	8

static atomic_bool quit;
static pid_t mypid;
static char hostname[256];

static void
on_usr1(int sig)
{
	atomic_store(&quit, true);
}

/* a failed call is an error unless our quit signal interrupted it */
static void
check(bool ok, const char *what)
{
	if (!ok && !(errno == EINTR && atomic_load(&quit)))
		h_fail("client %d: %s", (int)getpid(), what);
}

static void
one_round(int tid)
{
	char buf[256], path[64];
	size_t len = sizeof(buf);
	int fd;

	fd = rump_sys_open("/dev/null", O_WRONLY);
	check(fd >= 0, "open /dev/null");
	if (fd >= 0) {
		check(rump_sys_write(fd, "0123456789abcdef", 16) == 16, "write");
		check(rump_sys_close(fd) == 0, "close");
	}
	/* unlinked at once, so that a killed client leaves no file
	 * behind and the kernel's memory must come back in full */
	snprintf(path, sizeof(path), "/tmp/stress.%d.%d", (int)getpid(), tid);
	fd = rump_sys_open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	check(fd >= 0, "create");
	if (fd >= 0) {
		check(rump_sys_unlink(path) == 0, "unlink");
		check(rump_sys_write(fd, path, strlen(path)) ==
		    (ssize_t)strlen(path), "write tmp");
		check(rump_sys_close(fd) == 0, "close tmp");
	}
	if (rump_sys_sysctlbyname("kern.hostname", buf, &len, NULL, 0) == 0)
		check(strcmp(buf, hostname) == 0, "hostname changed");
	else
		check(false, "sysctl");
	check(rump_sys_getpid() == mypid, "getpid");
}

static void *
worker(void *arg)
{
	int tid = (int)(intptr_t)arg;

	while (!atomic_load(&quit))
		one_round(tid);
	return NULL;
}

static void __attribute__((noreturn))
client(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	pthread_t t[NTHR];
	size_t len = sizeof(hostname);
	sigset_t usr1;

	/* SIGUSR1 came blocked from the parent: a quit request that
	 * arrives before the handler is there waits for it */
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_UNBLOCK, &usr1, NULL);
	if (rumpclient_init() != 0)
		h_fail("rumpclient_init");
	mypid = rump_sys_getpid();
	check(mypid > 0, "first getpid");
	check(rump_sys_sysctlbyname("kern.hostname", hostname, &len, NULL,
	    0) == 0, "first sysctl");
	for (int i = 0; i < NTHR; i++)
		if (pthread_create(&t[i], NULL, worker, (void *)(intptr_t)i))
			h_fail("pthread_create");
	for (int i = 0; i < NTHR; i++)
		pthread_join(t[i], NULL);
	exit(0);
}

/* removes the files of clients killed between create and unlink */
static void
cleanup(void)
{
	struct dirent64 *d;
	char buf[4096], path[300];
	long n;
	int fd;

	H_CHECK(rumpclient_init() == 0, "rumpclient_init");
	H_CHECK((fd = rump_sys_open("/tmp", O_RDONLY | O_DIRECTORY)) >= 0,
	    "open /tmp");
	while ((n = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0)
		for (long off = 0; off < n; off += d->d_reclen) {
			d = (struct dirent64 *)(buf + off);
			if (strncmp(d->d_name, "stress.", 7) != 0)
				continue;
			snprintf(path, sizeof(path), "/tmp/%s", d->d_name);
			H_CHECK(rump_sys_unlink(path) == 0, "unlink %s", path);
		}
	H_CHECK(n == 0, "getdents64");
	rump_sys_close(fd);
}

static pid_t
spawn(void)
{
	pid_t pid = fork();

	if (pid < 0)
		h_fail("fork");
	if (pid == 0)
		client();
	return pid;
}

/* reaps one client; false if it did not end the way sig asks */
static bool
reap(pid_t pid, int sig)
{
	int st;

	if (waitpid(pid, &st, 0) != pid)
		h_fail("waitpid");
	if (sig == SIGKILL && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
		return true;
	/* a SIGKILL that came after a failure still shows the failure's
	 * exit status; a clean exit before the kill is fine, too */
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return true;
	fprintf(stderr, "client %d: %s %d\n", (int)pid, WIFEXITED(st) ?
	    "exit status" : "killed by signal", WIFEXITED(st) ?
	    WEXITSTATUS(st) : WTERMSIG(st));
	return false;
}

int
main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 10, bad = 0;
	int sig = argc > 2 && strcmp(argv[2], "kill") == 0 ? SIGKILL : SIGUSR1;
	pid_t cli[NCLI];
	struct timespec tick = { 0, 100 * 1000 * 1000 };

	sigset_t usr1;

	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	srandom((unsigned)getpid());
	for (int i = 0; i < NCLI; i++)
		cli[i] = spawn();
	for (int r = 0; r < rounds; r++) {
		int i = (int)(random() % NCLI);

		nanosleep(&tick, NULL);
		kill(cli[i], sig);
		bad += !reap(cli[i], sig);
		cli[i] = spawn();
	}
	/* the last ones leave cleanly in both modes */
	for (int i = 0; i < NCLI; i++)
		kill(cli[i], SIGUSR1);
	for (int i = 0; i < NCLI; i++)
		bad += !reap(cli[i], SIGUSR1);
	cleanup();
	printf("%d rounds, %d bad clients\n", rounds, bad);
	return bad == 0 ? 0 : 1;
}
