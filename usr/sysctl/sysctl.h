/*
 * sysctl.h — rump.sysctl's pieces:
 *   sysctl.c   command line, name resolution, writes
 *   show.c     reading and printing values, walking subtrees, messages
 * The tool speaks NetBSD sysctl(8) on the command line and in its output;
 * the kernel side is name based (rump_sys_sysctlbyname, sysctlnext,
 * sysctlinfo), so no MIB numbers appear anywhere.
 */
#ifndef RUMP_USR_SYSCTL_H
#define RUMP_USR_SYSCTL_H

#include <stdbool.h>
#include <stdio.h>
#include <rump/rumpdefs.h>

/* one node of the kernel's tree, as sysctlinfo describes it */
struct snode {
	char			name[RUMP_SYSCTL_NAMEMAX];	/* dotted */
	struct rump_sysctlinfo	info;
};

/* how a value is being shown: read, or the two halves of a write */
enum showmode {
	SHOW_VALUE,	/* "name = value\n" */
	SHOW_OLD,	/* "name: value -> " */
	SHOW_NEW,	/* "value\n" */
};

/* command-line state (sysctl.c sets it, show.c reads it) */
struct scopts {
	int	 Aflag, aflag, dflag, nflag, qflag, wflag, xflag;
	const char *eq;		/* " = ", or "=" with -e */
	char	 sep;		/* separator the current name was given with */
	bool	 lead;		/* ... and whether it started with one */
	FILE	*warnfp;	/* stderr; stdout with -A, like NetBSD */
	int	 errs;		/* messages printed: the exit status */
};
extern struct scopts opt;

/* show.c */
void	sc_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	sc_readerr(const struct snode *n, int error, bool req);
const char *sc_dispname(const char *name);
int	sc_read(const char *name, void **bufp, size_t *lenp, size_t hint);
void	sc_show(const struct snode *n, bool req);
void	sc_walk(const char *prefix);
void	sc_number(const struct snode *n, const void *val, enum showmode m);
void	sc_string(const struct snode *n, const char *s, size_t len,
	    enum showmode m);

#endif /* RUMP_USR_SYSCTL_H */
