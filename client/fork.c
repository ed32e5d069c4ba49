/*
 * fork.c — librumpclient's life cycle: rumpclient_init, fork, exec and
 * daemon across the proxy (rumpclient(3)), and the reconnect setting.
 *
 * fork: the parent asks the server for a copy of its kernel process now
 * (PREFORK, answered with a cookie), forks on the host, and the child
 * claims the copy on a new connection (FORK handshake with the cookie).
 * A plain host h_fork() leaves the child without a connection: our atfork
 * handler drops the child's reference to the parent's socket and its
 * rumpclient_init() makes a fresh guest process.
 *
 * exec: the connection survives execve.  rumpclient_exec() clears its
 * close-on-exec flag and passes "RUMPCLIENT__EXECFD=<fd>,<next reqid>"
 * and the parsed URL (RUMP__PARSEDSERVER, absolute unix path) in the
 * environment; the new image's rumpclient_init() finds them and sends an
 * EXEC handshake with its new name.  The kernel keeps pid and descriptors
 * and closes the close-on-exec ones.  Call it while no other thread is in
 * a remote call: a reply half-read by another thread is lost with the old
 * image.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "client/client.h"
#include <rump/rumpclient.h>

#define EXECFD_ENV	"RUMPCLIENT__EXECFD"
#define PARSED_ENV	"RUMP__PARSEDSERVER"

struct rumpclient_fork {
	uint8_t	rf_cookie[SP_COOKIELEN];
};

static pthread_once_t cli_once = PTHREAD_ONCE_INIT;
static __thread sigset_t fork_mask;

static void
fork_prepare(void)
{
	cli_block(&fork_mask);
	pthread_mutex_lock(&cli.con_mtx);
	pthread_mutex_lock(&cli.snd_mtx);
	call_forklock();
	pthread_mutex_lock(&cli.mtx);
}

static void
fork_parent(void)
{
	pthread_mutex_unlock(&cli.mtx);
	call_forkunlock(false);
	pthread_mutex_unlock(&cli.snd_mtx);
	pthread_mutex_unlock(&cli.con_mtx);
	cli_unblock(&fork_mask);
}

/* the child must not talk on its parent's connection */
static void
fork_child(void)
{
	if (cli.oldfd >= 0 && conn_same(cli.oldfd, cli.olddev, cli.oldino))
		h_close(cli.oldfd);
	cli.oldfd = -1;
	if (cli.fd >= 0 && conn_same(cli.fd, cli.dev, cli.ino))
		h_close(cli.fd);
	cli.fd = -1;
	cli.state = CONN_NONE;
	if (cli.lane != NULL)
		clane_forget(cli.lane);	/* drops the connection's reference */
	cli.lane = NULL;
	pthread_mutex_unlock(&cli.mtx);
	call_forkunlock(true);
	pthread_mutex_unlock(&cli.snd_mtx);
	pthread_mutex_unlock(&cli.con_mtx);
	cli_unblock(&fork_mask);
}

static void
cli_setup(void)
{
	pthread_atfork(fork_prepare, fork_parent, fork_child);
}

/* RUMP_SERVER (or the URL an exec'ing parent parsed) into cli.url */
static int
init_url(void)
{
	const char *s, *why = NULL;
	int r;

	if ((s = getenv(PARSED_ENV)) == NULL)
		s = getenv("RUMP_SERVER");
	if (s == NULL) {
		cli_msg("rumpclient: RUMP_SERVER not set");
		return ENOENT;
	}
	r = sp_url_parse(s, false, &cli.url, &why);
	if (r < 0) {
		cli_msg("rumpclient: bad RUMP_SERVER \"%s\": %s", s,
		    why != NULL ? why : strerror(-r));
		return EINVAL;
	}
	cli.haveurl = true;
	return 0;
}

/* the new image after rumpclient_exec(): take over the connection */
static int
init_exec(const char *s)
{
	char comm[SP_COMMMAX + 1];
	unsigned long next;
	struct stat st;
	char *end;
	long fd;
	int error;

	fd = strtol(s, &end, 10);
	next = *end == ',' ? strtoul(end + 1, NULL, 10) : 1;
	unsetenv(EXECFD_ENV);
	if (fd < 0 || fd > INT_MAX || h_fstat((int)fd, &st) == -1 ||
	    !S_ISSOCK(st.st_mode))
		return EBADF;
	h_fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	h_fcntl((int)fd, F_SETFL, h_fcntl((int)fd, F_GETFL, 0) | O_NONBLOCK);
	call_setnextreq((uint32_t)next);
	conn_comm(comm);
	error = conn_handshake((int)fd, SP_HS_EXEC, comm, strlen(comm));
	if (error != 0) {
		h_close((int)fd);
		return error;
	}
	conn_install((int)fd);
	return 0;
}

static int
init_locked(void)
{
	char comm[SP_COMMMAX + 1];
	const char *s;
	int fd, error;

	if (cli.state == CONN_UP && cli.pid == getpid())
		return 0;
	if ((error = init_url()) != 0)
		return error;
	conn_dropold();
	if ((s = getenv(EXECFD_ENV)) != NULL)
		return init_exec(s);
	conn_comm(comm);
	error = conn_open(&cli.url, SP_HS_GUEST, comm, strlen(comm), &fd);
	if (error != 0)
		return error;
	conn_install(fd);
	return 0;
}

RUMP_EXPORT int
rumpclient_init(void)
{
	sigset_t orig;
	int error;

	pthread_once(&cli_once, cli_setup);
	cli_block(&orig);
	pthread_mutex_lock(&cli.con_mtx);
	error = init_locked();
	pthread_mutex_unlock(&cli.con_mtx);
	cli_unblock(&orig);
	if (error != 0) {
		errno = error;
		return -1;
	}
	return 0;
}

RUMP_EXPORT int
rumpclient_setconnretry(time_t timeout)
{
	if (timeout < RUMPCLIENT_RETRYCONN_DIE) {
		errno = EINVAL;
		return -1;
	}
	cli.retry = timeout;
	return 0;
}

RUMP_EXPORT struct rumpclient_fork *
rumpclient_prefork(void)
{
	struct rumpclient_fork *rf = NULL;
	struct waiter w = { .w_body = NULL };
	sigset_t orig;
	int error;

	cli_block(&orig);
	error = call_rpc(SP_PREFORK, 0, NULL, 0, &w, &orig);
	if (error == 0) {
		if (w.w_hdr.type == SP_ERROR)
			error = sp_err_errno((enum sp_err)w.w_hdr.word);
		else if (w.w_hdr.type != SP_PREFORK ||
		    w.w_hdr.len != SP_HDRSIZE + SP_COOKIELEN)
			error = EPROTO;
		else if ((rf = malloc(sizeof(*rf))) == NULL)
			error = ENOMEM;
		else
			memcpy(rf->rf_cookie, w.w_body, SP_COOKIELEN);
		free(w.w_body);
	}
	cli_unblock(&orig);
	if (error != 0)
		errno = error;
	return rf;
}

/* a FORK handshake on a new connection; cancel: give the copy back */
static int
fork_claim(const struct rumpclient_fork *rf, uint32_t cancel, int *fdp)
{
	uint8_t body[SP_COOKIELEN + 4];

	if (!cli.haveurl)
		return ENOTCONN;
	memcpy(body, rf->rf_cookie, SP_COOKIELEN);
	for (int i = 0; i < 4; i++)
		body[SP_COOKIELEN + i] = (uint8_t)(cancel >> (8 * i));
	return conn_open(&cli.url, SP_HS_FORK, body, sizeof(body), fdp);
}

RUMP_EXPORT int
rumpclient_fork_init(struct rumpclient_fork *rf)
{
	sigset_t orig;
	int fd, error;

	cli_block(&orig);
	pthread_mutex_lock(&cli.con_mtx);
	if (cli.state == CONN_UP)	/* not a fresh child: replace it */
		conn_lost(cli.gen, ENOTCONN);
	conn_dropold();
	error = fork_claim(rf, 0, &fd);
	if (error == 0)
		conn_install(fd);
	pthread_mutex_unlock(&cli.con_mtx);
	cli_unblock(&orig);
	free(rf);
	if (error != 0) {
		errno = error;
		return -1;
	}
	return 0;
}

RUMP_EXPORT void
rumpclient_fork_cancel(struct rumpclient_fork *rf)
{
	sigset_t orig;
	int fd, e = errno;

	if (rf == NULL)
		return;
	cli_block(&orig);
	if (fork_claim(rf, 1, &fd) == 0)
		h_close(fd);
	cli_unblock(&orig);
	free(rf);
	errno = e;
}

RUMP_EXPORT pid_t
rumpclient_fork(void)
{
	struct rumpclient_fork *rf;
	pid_t pid;
	int e;

	if ((rf = rumpclient_prefork()) == NULL)
		return -1;
	pid = h_fork();
	if (pid == -1) {
		e = errno;
		rumpclient_fork_cancel(rf);
		errno = e;
	} else if (pid == 0) {
		if (rumpclient_fork_init(rf) == -1)
			return -1;
	} else {
		free(rf);
	}
	return pid;
}

/* a real vfork would share our connection state with the child */
RUMP_EXPORT pid_t
rumpclient_vfork(void)
{
	return rumpclient_fork();
}

RUMP_EXPORT int
rumpclient_daemon(int nochdir, int noclose)
{
	struct rumpclient_fork *rf;
	int e;

	if ((rf = rumpclient_prefork()) == NULL)
		return -1;
	if (h_daemon(nochdir, noclose) == -1) {
		e = errno;
		rumpclient_fork_cancel(rf);
		errno = e;
		return -1;
	}
	return rumpclient_fork_init(rf);
}

/* envp without our variables, plus the hand-over for the new image */
static char **
exec_env(char *const envp[], int fd)
{
	char url[160], **env;
	size_t n = 0, k = 0;

	while (envp != NULL && envp[n] != NULL)
		n++;
	if ((env = calloc(n + 3, sizeof(*env))) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (strncmp(envp[i], EXECFD_ENV "=", sizeof(EXECFD_ENV)) != 0 &&
		    strncmp(envp[i], PARSED_ENV "=", sizeof(PARSED_ENV)) != 0)
			env[k++] = envp[i];
	}
	if (asprintf(&env[k++], EXECFD_ENV "=%d,%u", fd, call_nextreq()) < 0)
		env[--k] = NULL;
	if (conn_urlstr(&cli.url, url, sizeof(url)) == 0 &&
	    asprintf(&env[k++], PARSED_ENV "=%s", url) < 0)
		env[--k] = NULL;
	return env;
}

static void
exec_envfree(char **env, char *const envp[])
{
	size_t n = 0;

	while (envp != NULL && envp[n] != NULL)
		n++;
	for (size_t i = 0; env[i] != NULL; i++) {
		if (strncmp(env[i], EXECFD_ENV "=", sizeof(EXECFD_ENV)) == 0 ||
		    strncmp(env[i], PARSED_ENV "=", sizeof(PARSED_ENV)) == 0)
			free(env[i]);
	}
	free(env);
}

RUMP_EXPORT int
rumpclient_exec(const char *path, char *const argv[], char *const envp[])
{
	sigset_t orig;
	char **env;
	int fd, e;
	bool up;

	cli_block(&orig);
	pthread_mutex_lock(&cli.con_mtx);
	pthread_mutex_lock(&cli.mtx);
	fd = cli.fd;
	up = cli.state == CONN_UP && conn_same(fd, cli.dev, cli.ino);
	pthread_mutex_unlock(&cli.mtx);
	if (!up) {		/* nothing to keep: the new image starts afresh */
		pthread_mutex_unlock(&cli.con_mtx);
		cli_unblock(&orig);
		return h_execve(path, argv, envp);
	}
	if ((env = exec_env(envp, fd)) == NULL) {
		pthread_mutex_unlock(&cli.con_mtx);
		cli_unblock(&orig);
		errno = ENOMEM;
		return -1;
	}
	h_fcntl(fd, F_SETFD, 0);
	cli_unblock(&orig);	/* the new image inherits the mask */
	h_execve(path, argv, env);
	e = errno;
	cli_block(NULL);
	h_fcntl(fd, F_SETFD, FD_CLOEXEC);
	pthread_mutex_unlock(&cli.con_mtx);
	cli_unblock(&orig);
	exec_envfree(env, envp);
	errno = e;
	return -1;
}
