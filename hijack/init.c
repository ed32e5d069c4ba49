/*
 * init.c — librumphijack's start: the RUMPHIJACK and
 * RUMPHIJACK_RETRYCONNECT settings (rumphijack(3)), the connection to
 * the kernel, the state an exec'ing parent left us, and umask.
 *
 * Initialisation runs from our constructor, or earlier from the first
 * wrapper that needs it (another library's constructor may call open()
 * before ours runs).  While it runs, this thread's wrappers route
 * everything to the host, so nothing we call on the way can recurse.
 *
 * A process that cannot reach its kernel cannot do what it was started
 * for: as in NetBSD, we print one line and exit(1) rather than let it run
 * with /rump silently missing.  A connection lost later follows the
 * retry policy (rumpclient(3)): calls fail with ENOTCONN, or the process
 * exits with "die".
 */
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "hijack/hijack.h"
#include "hijack/internal.h"

#define DEFAULT_CFG	"path=/rump,socket=all:nolocal"
#define DEFAULT_FDOFF	128
#define PWD_ENV		"RUMPHIJACK__PWDINRUMP"

struct hijack_cfg hcfg;
int hijack_ready;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static __thread bool initializing;

void *
hijack_dlnext(const char *name)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (p == NULL) {
		hijack_msg("rumphijack: the C library has no %s", name);
		abort();
	}
	return p;
}

/* ---- RUMPHIJACK ---------------------------------------------------- */

static const struct {
	const char *name;
	int	    family;
} families[] = {
	{ "local", AF_LOCAL }, { "unix", AF_UNIX }, { "inet", AF_INET },
	{ "inet6", AF_INET6 }, { "route", AF_NETLINK }, { "netlink", AF_NETLINK },
	{ "link", AF_PACKET }, { "packet", AF_PACKET },
};

static int
cfgerr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int
parse_path(const char *v, struct hijack_cfg *c, char *err, size_t errlen)
{
	size_t n = strlen(v);

	if (v[0] != '/')
		return cfgerr(err, errlen, "path=%s: not an absolute path", v);
	/* "/" would take the whole host; "//" is the one prefix ending in
	 * a slash allowed ("///" and "/rump/" would never match as meant) */
	if (n < 2)
		return cfgerr(err, errlen, "path=%s: too short (use // for the "
		    "rump root)", v);
	if (v[n - 1] == '/' && strcmp(v, "//") != 0)
		return cfgerr(err, errlen, "path=%s: ends in /", v);
	if (n >= sizeof(c->prefix))
		return cfgerr(err, errlen, "path=: too long");
	memcpy(c->prefix, v, n + 1);
	c->prefixlen = n;
	return 0;
}

static int
parse_blanket(const char *v, struct hijack_cfg *c, char *err, size_t errlen)
{
	const char *p = v, *e;
	size_t n;

	for (;;) {
		e = strchr(p, ':');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n == 0 || p[0] != '/' || p[n - 1] == '/')
			return cfgerr(err, errlen, "blanket=%s: \"%.*s\" is not "
			    "an absolute path without a trailing /", v, (int)n, p);
		if (c->nblanket == HIJACK_MAXBLANKET)
			return cfgerr(err, errlen, "blanket=: more than %d "
			    "entries", HIJACK_MAXBLANKET);
		if ((c->blanket[c->nblanket] = strndup(p, n)) == NULL)
			return cfgerr(err, errlen, "blanket=: out of memory");
		c->blanketlen[c->nblanket++] = n;
		if (e == NULL)
			return 0;
		p = e + 1;
	}
}

/* the next item of the colon list at *p into item: 1; 0 at the end; -1
 * for an empty or too long item */
static int
list_next(const char **p, char *item, size_t len)
{
	const char *e;
	size_t n;

	if (**p == '\0')
		return 0;
	e = strchr(*p, ':');
	n = e != NULL ? (size_t)(e - *p) : strlen(*p);
	if (n == 0 || n >= len)
		return -1;
	memcpy(item, *p, n);
	item[n] = '\0';
	*p = e != NULL ? e + 1 : *p + n;
	return 1;
}

static int
parse_socket(const char *v, struct hijack_cfg *c, char *err, size_t errlen)
{
	char item[32];
	const char *p = v;
	size_t i;
	bool first, on;
	int r;

	for (first = true; (r = list_next(&p, item, sizeof(item))) > 0;
	    first = false) {
		if (strcmp(item, "all") == 0) {
			if (!first)
				return cfgerr(err, errlen, "socket=%s: \"all\" "
				    "must come first", v);
			for (i = 0; i < sizeof(c->sockets); i++)
				c->sockets[i] = true;
			continue;
		}
		on = strncmp(item, "no", 2) != 0 || strcmp(item, "none") == 0;
		for (i = 0; i < sizeof(families) / sizeof(families[0]); i++)
			if (strcmp(on ? item : item + 2, families[i].name) == 0)
				break;
		if (i == sizeof(families) / sizeof(families[0]))
			return cfgerr(err, errlen, "socket=%s: unknown protocol "
			    "family \"%s\"", v, item);
		c->sockets[families[i].family] = on;
	}
	return r < 0 ? cfgerr(err, errlen, "socket=%s: bad item", v) : 0;
}

static int
parse_vfs(const char *v, struct hijack_cfg *c, char *err, size_t errlen)
{
	static const struct { const char *n; unsigned bit; } calls[] = {
		{ "nfssvc", HIJACK_VFS_NFSSVC },
		{ "getvfsstat", HIJACK_VFS_GETVFSSTAT },
		{ "fhcalls", HIJACK_VFS_FHCALLS },
	};
	char item[32];
	const char *p = v;
	size_t i;
	bool on;
	int r;

	while ((r = list_next(&p, item, sizeof(item))) > 0) {
		if (strcmp(item, "all") == 0) {
			c->vfs = ~0u;
			continue;
		}
		on = strncmp(item, "no", 2) != 0;
		for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
			if (strcmp(on ? item : item + 2, calls[i].n) == 0)
				break;
		if (i == sizeof(calls) / sizeof(calls[0]))
			return cfgerr(err, errlen, "vfs=%s: unknown call "
			    "group \"%s\"", v, item);
		c->vfs = on ? c->vfs | calls[i].bit : c->vfs & ~calls[i].bit;
	}
	return r < 0 ? cfgerr(err, errlen, "vfs=%s: bad item", v) : 0;
}

static int
parse_yesno(const char *k, const char *v, bool *out, char *err, size_t errlen)
{
	if (*v == '\0' || strcasecmp(v, "yes") == 0 || strcasecmp(v, "y") == 0) {
		*out = true;
		return 0;
	}
	if (strcasecmp(v, "no") == 0 || strcasecmp(v, "n") == 0) {
		*out = false;
		return 0;
	}
	return cfgerr(err, errlen, "%s=%s: not yes or no", k, v);
}

static int
parse_fdoff(const char *v, struct hijack_cfg *c, char *err, size_t errlen)
{
	char *end;
	long n;

	errno = 0;
	n = isdigit((unsigned char)*v) ? strtol(v, &end, 10) : -1;
	if (n < 0 || errno != 0 || *end != '\0' || n < 3 ||
	    n >= FDTAB_CHUNK * FDTAB_NCHUNK)
		return cfgerr(err, errlen, "fdoff=%s: not a number from 3 to %d",
		    v, FDTAB_CHUNK * FDTAB_NCHUNK - 1);
	c->fdoff = (int)n;
	return 0;
}

int
hijack_parsecfg(const char *s, struct hijack_cfg *c, char *err, size_t errlen)
{
	char *copy, *item, *save, *v;
	int r = 0;

	memset(c, 0, sizeof(*c));
	c->fdoff = DEFAULT_FDOFF;
	if (*s == '\0')
		return 0;		/* hijack nothing */
	c->enabled = true;
	if ((copy = strdup(s)) == NULL)
		return cfgerr(err, errlen, "out of memory");
	for (item = strtok_r(copy, ",", &save); item != NULL && r == 0;
	    item = strtok_r(NULL, ",", &save)) {
		if ((v = strchr(item, '=')) != NULL)
			*v++ = '\0';
		if (strcmp(item, "sysctl") == 0 || strcmp(item, "modctl") == 0) {
			bool yes = false;

			r = parse_yesno(item, v != NULL ? v : "", &yes, err, errlen);
			if (item[0] == 's')
				c->sysctl = yes;
			continue;
		}
		if (v == NULL) {
			r = cfgerr(err, errlen, "\"%s\": expected name=value", item);
		} else if (strcmp(item, "path") == 0) {
			r = parse_path(v, c, err, errlen);
		} else if (strcmp(item, "blanket") == 0) {
			r = parse_blanket(v, c, err, errlen);
		} else if (strcmp(item, "socket") == 0) {
			memset(c->sockets, 0, sizeof(c->sockets));
			r = parse_socket(v, c, err, errlen);
		} else if (strcmp(item, "vfs") == 0) {
			r = parse_vfs(v, c, err, errlen);
		} else if (strcmp(item, "fdoff") == 0) {
			r = parse_fdoff(v, c, err, errlen);
		} else {
			r = cfgerr(err, errlen, "unknown setting \"%s\" (path, "
			    "blanket, socket, vfs, sysctl, fdoff)", item);
		}
	}
	free(copy);
	return r;
}

int
hijack_parseretry(const char *s, time_t *out)
{
	char *end;
	long n;

	if (strcmp(s, "inftime") == 0)
		*out = RUMPCLIENT_RETRYCONN_INFTIME;
	else if (strcmp(s, "once") == 0)
		*out = RUMPCLIENT_RETRYCONN_ONCE;
	else if (strcmp(s, "die") == 0)
		*out = RUMPCLIENT_RETRYCONN_DIE;
	else {
		errno = 0;
		n = isdigit((unsigned char)*s) ? strtol(s, &end, 10) : -1;
		if (n < 0 || errno != 0 || *end != '\0')
			return -1;
		*out = (time_t)n;
	}
	return 0;
}

/* ---- connecting ---------------------------------------------------- */

/* rumpclient_init(), retried at start as the policy allows */
static int
init_connect(time_t retry)
{
	struct timespec ts = { 0, 100000000L };
	time_t start = time(NULL);
	int tries = 0;

	for (;;) {
		if (rumpclient_init() == 0)
			return 0;
		/* a malformed RUMP_SERVER won't get better */
		if (errno == EINVAL)
			return -1;
		tries++;
		if (retry == 0 || retry == RUMPCLIENT_RETRYCONN_DIE ||
		    (retry == RUMPCLIENT_RETRYCONN_ONCE && tries > 1) ||
		    (retry > 0 && time(NULL) - start >= retry))
			return -1;
		/* forever: say so once, or it looks like a hang */
		if (tries == 1 && retry == RUMPCLIENT_RETRYCONN_INFTIME) {
			const char *s = getenv("RUMP_SERVER");

			hijack_msg("rumphijack: waiting for the rump kernel at "
			    "RUMP_SERVER=%s (%s): RUMPHIJACK_RETRYCONNECT",
			    s != NULL ? s : "", strerror(errno));
		}
		nanosleep(&ts, NULL);
	}
}

static void
init_fail(int e)
{
	const char *s = getenv("RUMP_SERVER");

	/* librumpclient has already said what is wrong with the URL */
	if (e != EINVAL)
		hijack_msg("rumphijack: cannot reach the rump kernel at "
		    "RUMP_SERVER=%s: %s", s != NULL ? s : "", strerror(e));
	_exit(1);
}

static void
init_creds(void)
{
	gid_t groups[NGROUPS_MAX];
	int n;

	if (geteuid() == 0 && getegid() == 0)
		return;
	if ((n = getgroups(NGROUPS_MAX, groups)) >= 0)
		rump_sys_setgroups((size_t)n, groups);
	rump_sys_setgid(getegid());
	rump_sys_setuid(geteuid());
}

static void
init_run(void)
{
	static char err[PATH_MAX + 128];
	struct hijack_cfg c;
	const char *s;
	time_t retry = 0;
	mode_t um;
	bool execd;

	s = getenv("RUMPHIJACK");
	if (hijack_parsecfg(s != NULL ? s : DEFAULT_CFG, &c, err, sizeof(err))) {
		hijack_msg("rumphijack: RUMPHIJACK: %s", err);
		_exit(1);
	}
	if ((s = getenv("RUMPHIJACK_RETRYCONNECT")) != NULL &&
	    hijack_parseretry(s, &retry) == -1) {
		hijack_msg("rumphijack: RUMPHIJACK_RETRYCONNECT=%s: not inftime, "
		    "once, die or a number of seconds", s);
		_exit(1);
	}
	if (!c.enabled) {
		hcfg = c;
		return;
	}
	if (getenv("RUMP_SERVER") == NULL && getenv("RUMP__PARSEDSERVER") == NULL) {
		hijack_msg("rumphijack: RUMP_SERVER is not set (the rump kernel's "
		    "URL, e.g. unix:///tmp/sock; RUMPHIJACK= hijacks nothing)");
		_exit(1);
	}
	rumpclient_setconnretry(retry);
	execd = getenv("RUMPCLIENT__EXECFD") != NULL;
	if (init_connect(retry) == -1)
		init_fail(errno);
	hcfg = c;
	/* a new kernel process is root: make it the program's user, so that
	 * files it creates there are owned as on the host (an exec'd image
	 * keeps the process and its credentials) */
	if (!execd)
		init_creds();

	/* files the program creates in the kernel get its umask */
	um = HOST(umask)(022);
	HOST(umask)(um);
	rump_sys_umask(um);

	fdtab_init();
	if ((s = getenv(PWD_ENV)) != NULL) {
		pwdinrump = strcmp(s, "1") == 0;
		unsetenv(PWD_ENV);
	}
	fdtab_restore();
}

static void
init_once_fn(void)
{
	initializing = true;
	init_run();
	initializing = false;
	__atomic_store_n(&hijack_ready, 1, __ATOMIC_RELEASE);
}

void
hijack_init_slow(void)
{
	if (initializing)
		return;
	pthread_once(&init_once, init_once_fn);
}

__attribute__((constructor(101))) static void
hijack_ctor(void)
{
	hijack_init_slow();
}

/* ---- exec ---------------------------------------------------------- */

char **
hijack_execenv(char *const envp[])
{
	char **env, *tab = NULL, *pwd = NULL;
	size_t n = 0, k = 0;

	while (envp != NULL && envp[n] != NULL)
		n++;
	if ((env = calloc(n + 3, sizeof(*env))) == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (strncmp(envp[i], FDTAB_ENV "=", sizeof(FDTAB_ENV)) != 0 &&
		    strncmp(envp[i], PWD_ENV "=", sizeof(PWD_ENV)) != 0)
			env[k++] = envp[i];
	if (hijack_ready && hcfg.enabled) {
		if ((tab = fdtab_serialize()) != NULL)
			env[k++] = tab;
		if (pwdinrump && asprintf(&pwd, PWD_ENV "=1") >= 0)
			env[k++] = pwd;
	}
	env[k] = NULL;
	return env;
}

void
hijack_execenv_free(char **env)
{
	for (size_t i = 0; env[i] != NULL; i++)
		if (strncmp(env[i], FDTAB_ENV "=", sizeof(FDTAB_ENV)) == 0 ||
		    strncmp(env[i], PWD_ENV "=", sizeof(PWD_ENV)) == 0)
			free(env[i]);
	free(env);
}

/* ---- umask --------------------------------------------------------- */

/* umask cannot fail: a lost connection must not show in errno */
HIJACK_EXPORT mode_t
umask(mode_t mask)
{
	mode_t old = HOST(umask)(mask);
	int e;

	if (hijack_on()) {
		e = errno;
		(void)rump_sys_umask(mask);
		errno = e;
	}
	return old;
}
