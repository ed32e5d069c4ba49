/*
 * sysctl.c — rump.sysctl: NetBSD's sysctl(8) for the rump kernel named by
 * $RUMP_SERVER.  This file has the command line, the resolution of a name
 * to a node (with NetBSD's "third level name 'x' in 'a.b.x' is invalid"
 * diagnosis) and writes; show.c prints.
 *
 *	rump.sysctl [-Aadenqwx] [name[=value] ...]
 *
 * Exit status: 1 if anything went wrong (a message was printed, or would
 * have been without -q), else 0.  Like NetBSD, an invalid name or a failed
 * write ends the run at once; a failed read is reported and the remaining
 * names are still processed.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <rump/rump_syscalls.h>

#include "usr/common/rumptool.h"
#include "usr/sysctl/sysctl.h"

#define WRITE_TRIES	8

struct scopts opt = {
	.eq = " = ",
	.sep = '.',
};

static const char *const lname[] = {
	"top", "second", "third", "fourth", "fifth", "sixth",
	"seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth",
};

static void __attribute__((noreturn))
usage(void)
{
	const char *p = rumptool_progname();

	fprintf(stderr, "usage:\t%s [-dneq] [-x] name ...\n"
	    "\t%s [-neq] -w name=value ...\n"
	    "\t%s [-dnex] -a\n"
	    "\t%s [-dnex] -A\n", p, p, p, p);
	exit(1);
}

/* The name of level lvl (0 = top) for the "is invalid" message. */
static const char *
levelname(size_t lvl)
{
	static char buf[32];

	if (lvl < sizeof(lname) / sizeof(lname[0]))
		return lname[lvl];
	snprintf(buf, sizeof(buf), "%zuth", lvl + 1);
	return buf;
}

/*
 * Finds which component of key (split at opt.sep) does not exist: its
 * level and its text.  Called only once the whole name has failed.
 */
static void
badlevel(const char *key, size_t *lvlp, char *bad, size_t badsize)
{
	char prefix[RUMP_SYSCTL_NAMEMAX + 1];
	struct rump_sysctlinfo info;
	const char *p = key, *end;
	size_t lvl, plen = 0, clen;

	for (lvl = 0;; lvl++) {
		end = strchr(p, opt.sep);
		clen = end != NULL ? (size_t)(end - p) : strlen(p);
		snprintf(bad, badsize, "%.*s", (int)clen, p);
		*lvlp = lvl;
		if (end == NULL || memchr(p, '.', clen) != NULL ||
		    plen + clen + 1 >= sizeof(prefix))
			return;
		if (lvl > 0)
			prefix[plen++] = '.';
		memcpy(prefix + plen, p, clen);
		plen += clen;
		prefix[plen] = '\0';
		if (clen == 0 || rump_sys_sysctlinfo(prefix, &info) == -1)
			return;
		p = end + 1;
	}
}

/*
 * Resolves key (as typed, separator opt.sep) to a node.  On failure sets
 * the level and text of the offending component and returns -1.
 */
static int
resolve(const char *key, struct snode *n, size_t *lvlp, char *bad,
    size_t badsize)
{
	size_t len;
	char *p;

	if (key[0] == opt.sep)
		key++;
	len = strlen(key);
	if (len > 0 && key[len - 1] == opt.sep)
		len--;
	if (len == 0) {
		/* nothing to look up: NetBSD says "top level name ''" */
		*lvlp = 0;
		bad[0] = '\0';
		return -1;
	}
	if (len >= sizeof(n->name)) {
		badlevel(key, lvlp, bad, badsize);
		return -1;
	}
	memcpy(n->name, key, len);
	n->name[len] = '\0';
	if (opt.sep != '.') {
		if (strchr(n->name, '.') != NULL) {
			badlevel(key, lvlp, bad, badsize);
			return -1;
		}
		for (p = n->name; *p != '\0'; p++)
			if (*p == opt.sep)
				*p = '.';
	}
	if (rump_sys_sysctlinfo(n->name, &n->info) == 0)
		return 0;
	if (errno != ENOENT && errno != ENOTDIR && errno != ENAMETOOLONG) {
		sc_warn("%s: %s\n", sc_dispname(n->name), strerror(errno));
		exit(1);
	}
	badlevel(key, lvlp, bad, badsize);
	return -1;
}

/* A failed write: NetBSD reports it and stops. */
static void __attribute__((noreturn))
writeerr(const struct snode *n, int error)
{
	sc_warn("%s: %s\n", sc_dispname(n->name), strerror(error));
	exit(1);
}

static void
write_number(const struct snode *n, const char *value)
{
	unsigned long long q;
	unsigned ii, hi;
	uint64_t qo;
	size_t olen;
	int io;
	char *t;

	errno = 0;
	q = strtoull(value, &t, 0);
	if (q == ULLONG_MAX && errno == ERANGE) {
		sc_warn("%s: %s\n", value, strerror(ERANGE));
		exit(1);
	}
	if (t == value || *t != '\0') {
		sc_warn("%s: not a number\n", value);
		exit(1);
	}
	if (n->info.type == RUMP_CTLTYPE_QUAD) {
		olen = sizeof(qo);
		if (rump_sys_sysctlbyname(n->name, &qo, &olen, &q,
		    sizeof(q)) == -1)
			writeerr(n, errno);
		sc_number(n, &qo, SHOW_OLD);
		sc_number(n, &q, SHOW_NEW);
		return;
	}
	/* an int takes 32 bits, or a sign-extended negative number */
	ii = (unsigned)q;
	hi = (unsigned)(q >> 32);
	if (hi != 0 && hi != UINT_MAX) {
		sc_warn("%s: %s\n", value, strerror(ERANGE));
		exit(1);
	}
	olen = sizeof(io);
	if (rump_sys_sysctlbyname(n->name, &io, &olen, &ii, sizeof(ii)) == -1)
		writeerr(n, errno);
	sc_number(n, &io, SHOW_OLD);
	sc_number(n, &ii, SHOW_NEW);
}

/* Reads the old string and stores the new one in one call. */
static void
write_string(const struct snode *n, const char *value)
{
	size_t si = strlen(value) + 1, cap, olen = 0;
	char *old = NULL, *nold;
	int tries, error = ENOMEM;

	cap = n->info.size < 64 ? 64 : n->info.size + 16;
	for (tries = 0; tries < WRITE_TRIES; tries++) {
		nold = realloc(old, cap);
		if (nold == NULL)
			break;
		old = nold;
		olen = cap;
		if (rump_sys_sysctlbyname(n->name, old, &olen, value,
		    si) == 0) {
			error = 0;
			break;
		}
		error = errno;
		if (error != ENOMEM)
			break;
		/* the old value did not fit, so nothing was written */
		cap = olen > cap ? olen + 16 : cap * 2;
	}
	if (error != 0) {
		free(old);
		writeerr(n, error);
	}
	sc_string(n, old, olen, SHOW_OLD);
	sc_string(n, value, si, SHOW_NEW);
	free(old);
}

static void
setvalue(const struct snode *n, const char *value)
{
	if (!opt.wflag) {
		sc_warn("Must specify -w to set variables\n");
		exit(1);
	}
	switch (n->info.type) {
	case RUMP_CTLTYPE_INT:
	case RUMP_CTLTYPE_QUAD:
		write_number(n, value);
		break;
	case RUMP_CTLTYPE_STRING:
		write_string(n, value);
		break;
	case RUMP_CTLTYPE_TIMEVAL:
		/* printed by a special handler that cannot write */
		sc_warn("Cannot write `%s': %s\n", sc_dispname(n->name),
		    strerror(EOPNOTSUPP));
		exit(1);
	default:
		/* NetBSD's old behaviour: nodes and structs are printed */
		sc_show(n, true);
		break;
	}
}

/* One command-line argument: "name", "name=value" or "name?=value". */
static void
parse(char *key)
{
	char bad[RUMP_SYSCTL_NAMEMAX + 1], *value, *dot;
	bool optional = false;
	struct snode n;
	size_t lvl;

	value = strchr(key, '=');
	if (value != NULL) {
		if (value > key && value[-1] == '?') {
			value[-1] = '\0';
			optional = true;
		}
		*value++ = '\0';
	}
	dot = strpbrk(key, "./");
	opt.sep = dot != NULL ? *dot : '.';
	opt.lead = key[0] == opt.sep;

	if (resolve(key, &n, &lvl, bad, sizeof(bad)) != 0) {
		if (optional)
			return;
		if (opt.qflag)
			opt.errs++;
		else
			sc_warn("%s level name '%s' in '%s' is invalid\n",
			    levelname(lvl), bad, key);
		exit(1);
	}
	if (value == NULL)
		sc_show(&n, true);
	else
		setvalue(&n, value);
}

int
main(int argc, char *argv[])
{
	int ch;

	opt.warnfp = stderr;
	opterr = 0;
	while ((ch = getopt(argc, argv, "+Aadenqwx")) != -1) {
		switch (ch) {
		case 'A': opt.Aflag++; break;
		case 'a': opt.aflag++; break;
		case 'd': opt.dflag++; break;
		case 'e': opt.eq = "="; break;
		case 'n': opt.nflag++; break;
		case 'q': opt.qflag++; break;
		case 'w': opt.wflag++; break;
		case 'x': opt.xflag++; break;
		default: rumptool_badopt(); usage();
		}
	}
	argc -= optind;
	argv += optind;

	if ((opt.aflag || opt.Aflag) && opt.qflag)
		usage();
	if ((opt.Aflag || opt.dflag) && argc == 0)
		opt.aflag = 1;
	if (!opt.aflag && argc == 0)
		usage();
	if (opt.Aflag)
		opt.warnfp = stdout;
	if (rumptool_init() != 0)
		return 1;

	if (opt.aflag) {
		/* NetBSD: the whole tree, the names are ignored */
		sc_walk(NULL);
		return 0;
	}
	for (; argc > 0; argc--, argv++)
		parse(*argv);
	return opt.errs != 0 ? 1 : 0;
}
