/*
 * url.c — the sysproxy address syntax, shared by rump_server (where to
 * listen) and librumpclient (where to connect; RUMP_SERVER).
 *
 *	unix://relative/path	made absolute with getcwd() here, so the
 *				name survives a later chdir or exec
 *	unix:///absolute/path
 *	tcp://a.b.c.d:port[/]	numeric IPv4 only: no name lookup
 *	tcp://[v6addr]:port[/]	numeric IPv6
 *	tcp://0:port/ or tcp://(star):port/	any address, servers only
 *
 * Parsing never touches the network; sp_url_parse() only fills a struct
 * sp_url that the caller turns into a sockaddr.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "sp.h"

static int
url_fail(const char **why, const char *reason, int err)
{
	if (why != NULL)
		*why = reason;
	return -err;
}

static int
parse_unix(const char *rest, struct sp_url *u, const char **why)
{
	char cwd[4096];
	int n;

	if (rest[0] == '\0')
		return url_fail(why, "empty unix socket path", EINVAL);
	if (rest[0] == '/')
		n = snprintf(u->path, sizeof(u->path), "%s", rest);
	else {
		/* the system call: under librumphijack getcwd() may name a
		 * directory in the rump kernel */
		if (syscall(SYS_getcwd, cwd, sizeof(cwd)) < 0)
			return url_fail(why, "cannot get the current directory",
			    errno == ERANGE ? ENAMETOOLONG : errno);
		n = snprintf(u->path, sizeof(u->path), "%s%s%s", cwd,
		    strcmp(cwd, "/") == 0 ? "" : "/", rest);
	}
	/* sun_path holds 108 bytes including the NUL */
	if (n < 0 || (size_t)n >= sizeof(u->path) ||
	    (size_t)n >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return url_fail(why, "unix socket path too long", ENAMETOOLONG);
	u->family = AF_UNIX;
	return 0;
}

/* port: decimal digits up to the end or a '/' */
static int
parse_port(const char *s, struct sp_url *u, const char **why)
{
	long port = 0;

	if (*s == '\0' || *s == '/')
		return url_fail(why, "missing port number", EINVAL);
	for (; *s >= '0' && *s <= '9'; s++) {
		port = port * 10 + (*s - '0');
		if (port > 65535)
			return url_fail(why, "port out of range (1-65535)", ERANGE);
	}
	if (*s != '\0' && *s != '/')
		return url_fail(why, "port is not a number", EINVAL);
	if (port == 0)
		return url_fail(why, "port out of range (1-65535)", ERANGE);
	u->port = (int)port;
	return 0;
}

static int
parse_tcp(const char *rest, bool server, struct sp_url *u, const char **why)
{
	unsigned char addr[sizeof(struct in6_addr)];
	const char *end, *after;
	size_t hlen;

	if (rest[0] == '[') {
		if ((end = strchr(rest, ']')) == NULL)
			return url_fail(why, "missing ']' after IPv6 address", EINVAL);
		rest++;
		after = end + 1;
		u->family = AF_INET6;
	} else {
		if ((end = strchr(rest, ':')) == NULL)
			return url_fail(why, "missing :port", EINVAL);
		after = end;
		u->family = AF_INET;
	}
	hlen = (size_t)(end - rest);
	if (hlen == 0)
		return url_fail(why, "missing address", EINVAL);
	if (hlen >= sizeof(u->host))
		return url_fail(why, "address too long", EINVAL);
	memcpy(u->host, rest, hlen);
	u->host[hlen] = '\0';
	if (*after != ':')
		return url_fail(why, "missing :port", EINVAL);
	if (u->family == AF_INET &&
	    (strcmp(u->host, "0") == 0 || strcmp(u->host, "*") == 0)) {
		if (!server)
			return url_fail(why, "client needs a specific address",
			    EINVAL);
		strcpy(u->host, "0.0.0.0");
		u->wildcard = true;
	} else if (inet_pton(u->family, u->host, addr) != 1)
		return url_fail(why, u->family == AF_INET ?
		    "not a numeric IPv4 address (names are not looked up)" :
		    "not a numeric IPv6 address", EINVAL);
	return parse_port(after + 1, u, why);
}

int
sp_url_parse(const char *url, bool server, struct sp_url *u, const char **why)
{
	memset(u, 0, sizeof(*u));
	if (why != NULL)
		*why = NULL;
	if (url == NULL || url[0] == '\0')
		return url_fail(why, "empty address", EINVAL);
	if (strncmp(url, "unix://", 7) == 0)
		return parse_unix(url + 7, u, why);
	if (strncmp(url, "tcp://", 6) == 0)
		return parse_tcp(url + 6, server, u, why);
	if (strstr(url, "://") == NULL)
		return url_fail(why, "not a URL (scheme://address)", EINVAL);
	return url_fail(why, "unknown scheme (use unix:// or tcp://)", EINVAL);
}
