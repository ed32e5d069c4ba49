/*
 * show.c — rump.sysctl's reading side: fetching a node's value from the
 * kernel, printing it the way NetBSD's sysctl(8) does, walking a subtree
 * with sysctlnext, and the error messages that go with reading.
 *
 * NetBSD conventions kept here: a value the user named ("req") reports
 * every problem, while nodes reached by walking a subtree stay quiet about
 * values that are not available or have no printable type; ints print in
 * decimal (hex for HEX nodes), quads unsigned, strings raw, kern.boottime
 * through ctime(3), structs only in hex with -x.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <rump/rump_syscalls.h>

#include "usr/common/rumptool.h"
#include "usr/sysctl/sysctl.h"

#define READ_TRIES	8	/* a value that keeps growing gives up here */
#define STRUCT_SHOWN	16	/* bytes of a struct printed with -x */

void
sc_warn(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(opt.warnfp, "%s: ", rumptool_progname());
	va_start(ap, fmt);
	vfprintf(opt.warnfp, fmt, ap);
	va_end(ap);
	opt.errs++;
}

/*
 * A failed read.  Losing the server ends the program: a walk that went on
 * would print a silently truncated listing.
 */
void
sc_readerr(const struct snode *n, int error, bool req)
{
	if (rumptool_lostconn(error)) {
		sc_warn("%s: %s\n", sc_dispname(n->name), strerror(error));
		exit(1);
	}
	if (!opt.Aflag && !req)
		return;
	switch (error) {
	case ENOENT:
	case ENOPROTOOPT:
	case ENOTDIR:
	case EINVAL:
	case EOPNOTSUPP:
	case EPROTONOSUPPORT:
		sc_warn("%s: the value is not available (%s)\n",
		    sc_dispname(n->name), strerror(error));
		break;
	default:
		sc_warn("%s: %s\n", sc_dispname(n->name), strerror(error));
		break;
	}
}

/* The dotted kernel name spelled with the separator the user typed. */
const char *
sc_dispname(const char *name)
{
	static char buf[RUMP_SYSCTL_NAMEMAX + 1];
	char *p = buf;

	if (opt.sep == '.' && !opt.lead)
		return name;
	if (opt.lead)
		*p++ = opt.sep;
	for (; *name != '\0'; name++)
		*p++ = *name == '.' ? opt.sep : *name;
	*p = '\0';
	return buf;
}

/*
 * Reads a value of unknown size into a malloc'd buffer; hint is the size
 * sysctlinfo reported.  Returns 0 or an errno.
 */
int
sc_read(const char *name, void **bufp, size_t *lenp, size_t hint)
{
	size_t cap = hint < 64 ? 64 : hint + 16, len;
	void *buf = NULL, *nbuf;
	int tries;

	for (tries = 0; tries < READ_TRIES; tries++) {
		nbuf = realloc(buf, cap);
		if (nbuf == NULL)
			break;
		buf = nbuf;
		len = cap;
		if (rump_sys_sysctlbyname(name, buf, &len, NULL, 0) == 0) {
			*bufp = buf;
			*lenp = len;
			return 0;
		}
		if (errno != ENOMEM) {
			free(buf);
			return errno;
		}
		/* grown since sysctlinfo: retry with what the kernel said */
		cap = len > cap ? len + 16 : cap * 2;
	}
	free(buf);
	return ENOMEM;
}

/* Starts a line for mode m; false if nothing is to be printed. */
static bool
sc_begin(const struct snode *n, enum showmode m)
{
	if (opt.qflag)
		return false;
	if (opt.nflag && m == SHOW_OLD)
		return false;
	if (!opt.nflag) {
		if (m == SHOW_VALUE)
			printf("%s%s", sc_dispname(n->name), opt.eq);
		else if (m == SHOW_OLD)
			printf("%s: ", sc_dispname(n->name));
	}
	return true;
}

static void
sc_end(enum showmode m)
{
	fputs(m == SHOW_OLD ? " -> " : "\n", stdout);
}

void
sc_number(const struct snode *n, const void *val, enum showmode m)
{
	uint64_t q;
	int i;

	if (!sc_begin(n, m))
		return;
	if (n->info.type == RUMP_CTLTYPE_QUAD) {
		memcpy(&q, val, sizeof(q));
		if (opt.xflag)
			printf("0x%016" PRIx64, q);
		else if (n->info.flags & RUMP_CTLFLAG_HEX)
			printf("%#" PRIx64, q);
		else
			printf("%" PRIu64, q);
	} else {
		memcpy(&i, val, sizeof(i));
		if (opt.xflag)
			printf("0x%08x", (unsigned)i);
		else if (n->info.flags & RUMP_CTLFLAG_HEX)
			printf("%#x", (unsigned)i);
		else
			printf("%d", i);
	}
	sc_end(m);
}

void
sc_string(const struct snode *n, const char *s, size_t len, enum showmode m)
{
	size_t i;

	if (!sc_begin(n, m))
		return;
	if (opt.xflag || (n->info.flags & RUMP_CTLFLAG_HEX)) {
		for (i = 0; i < len; i++) {
			if (opt.xflag)
				printf("%02x", (unsigned char)s[i]);
			if (s[i] == '\0')
				break;
			if (!opt.xflag)
				printf("\\x%2.2x", (unsigned char)s[i]);
		}
	} else {
		printf("%.*s", (int)len, s);
	}
	sc_end(m);
}

/* Opaque bytes: only -x shows them (the first few, then a count). */
static void
sc_struct(const struct snode *n, const unsigned char *buf, size_t len,
    bool req)
{
	size_t i, shown = len > STRUCT_SHOWN ? STRUCT_SHOWN : len;

	if (opt.qflag)
		return;
	if (!opt.xflag) {
		if (opt.Aflag || req)
			sc_warn("%s: this type is unknown to this program\n",
			    sc_dispname(n->name));
		return;
	}
	if (!opt.nflag)
		printf("%s%s", sc_dispname(n->name), opt.eq);
	for (i = 0; i < shown; i++)
		printf("%02x", buf[i]);
	if (len > shown)
		printf("...(%zu more bytes)", len - shown);
	putchar('\n');
}

/* kern.boottime: ctime(3) text; -n seconds, -nn seconds.microseconds. */
static void
sc_timeval(const struct snode *n, const void *buf, size_t len, bool req)
{
	struct timeval tv;
	time_t sec;

	if (len != sizeof(tv)) {
		sc_warn("%s: !returned size wrong!\n", sc_dispname(n->name));
		exit(1);
	}
	if (opt.xflag) {
		sc_struct(n, buf, len, req);
		return;
	}
	if (opt.qflag)
		return;
	memcpy(&tv, buf, sizeof(tv));
	sec = tv.tv_sec;
	if (!opt.nflag)
		printf("%s%s%s", sc_dispname(n->name), opt.eq, ctime(&sec));
	else if (opt.nflag == 1)
		printf("%ld\n", (long)sec);
	else
		printf("%ld.%06ld\n", (long)sec, (long)tv.tv_usec);
}

static void
sc_leaf(const struct snode *n, bool req)
{
	void *buf;
	size_t len;
	int error;

	error = sc_read(n->name, &buf, &len, n->info.size);
	if (error != 0) {
		sc_readerr(n, error, req);
		return;
	}
	switch (n->info.type) {
	case RUMP_CTLTYPE_INT:
	case RUMP_CTLTYPE_QUAD:
		if (len != (n->info.type == RUMP_CTLTYPE_INT ?
		    sizeof(int) : sizeof(int64_t)))
			sc_readerr(n, EPROTO, req);
		else
			sc_number(n, buf, SHOW_VALUE);
		break;
	case RUMP_CTLTYPE_STRING:
		sc_string(n, buf, len, SHOW_VALUE);
		break;
	case RUMP_CTLTYPE_TIMEVAL:
		sc_timeval(n, buf, len, req);
		break;
	default:
		sc_struct(n, buf, len, req);
		break;
	}
	free(buf);
}

/* -d: a leaf's description; interior nodes only with -A. */
static void
sc_desc(const struct snode *n, bool req)
{
	if (!opt.Aflag && n->info.type == RUMP_CTLTYPE_NODE)
		return;
	if (!opt.Aflag && !req && n->info.desc[0] == '\0')
		return;
	if (!opt.nflag)
		printf("%s: ", sc_dispname(n->name));
	printf("%.*s\n", (int)sizeof(n->info.desc),
	    n->info.desc[0] != '\0' ? n->info.desc : "(no description)");
}

/* Prints a node: a leaf's value (or description), or a whole subtree. */
void
sc_show(const struct snode *n, bool req)
{
	if (opt.dflag) {
		sc_desc(n, req);
		if (n->info.type != RUMP_CTLTYPE_NODE)
			return;
	}
	if (n->info.type == RUMP_CTLTYPE_NODE) {
		sc_walk(n->name);
		return;
	}
	if (n->info.size == 0 && n->info.type != RUMP_CTLTYPE_STRING) {
		if (opt.Aflag || req)
			printf("%s: node contains no data\n",
			    sc_dispname(n->name));
		return;
	}
	sc_leaf(n, req);
}

/*
 * Every leaf below prefix (NULL: the whole tree), in the kernel's order.
 * sysctlnext hands out leaves only, so the walk ends at the first name
 * outside the prefix.
 */
void
sc_walk(const char *prefix)
{
	char cur[RUMP_SYSCTL_NAMEMAX], next[RUMP_SYSCTL_NAMEMAX];
	size_t plen = prefix != NULL ? strlen(prefix) : 0;
	struct snode n;

	snprintf(cur, sizeof(cur), "%s", prefix != NULL ? prefix : "");
	for (;;) {
		if (rump_sys_sysctlnext(cur, next, sizeof(next)) == -1) {
			if (errno != ENOENT) {
				snprintf(n.name, sizeof(n.name), "%s", cur);
				sc_readerr(&n, errno, true);
			}
			return;
		}
		if (plen > 0 && (strncmp(next, prefix, plen) != 0 ||
		    next[plen] != '.'))
			return;
		snprintf(n.name, sizeof(n.name), "%s", next);
		if (rump_sys_sysctlinfo(next, &n.info) == -1) {
			/* gone since sysctlnext named it: skip, like -a does */
			if (rumptool_lostconn(errno))
				sc_readerr(&n, errno, false);
		} else {
			sc_show(&n, false);
		}
		memcpy(cur, next, sizeof(cur));
	}
}
