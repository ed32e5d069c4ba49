/*
 * sysent.h — the dispatch table generated from syscalls.tab.  The local
 * entry points use it implicitly; the sysproxy server (a later component)
 * decodes a call by number and runs sysent[nr].invoke with the decoded
 * arguments.  Argument kinds drive the wire codec.
 */
#ifndef RUMP_KERN_SYSENT_H
#define RUMP_KERN_SYSENT_H

#include <stddef.h>
#include <stdint.h>

enum sysarg_kind {
	SA_SCALAR, SA_FD, SA_PATH, SA_STR, SA_IN, SA_OUT, SA_INOUT,
	SA_IOVIN, SA_IOVOUT,
};
/* SA_CTL does not exist as a kind: ctl arguments are SA_SCALAR in the
 * table and get their shape per command (sp/sp.h, sp_ctl_shape). */

struct sysarg {
	uint8_t		 kind;		/* enum sysarg_kind */
	uint8_t		 optional;	/* pointer may be NULL */
	uint8_t		 ctl;		/* shape depends on the previous arg */
	const char	*name;
};

#define SYS_MAXARGS 6

struct sysent {
	const char	*name;		/* NULL: unused number */
	uint32_t	 nr;
	uint32_t	 nargs;
	struct sysarg	 args[SYS_MAXARGS];
	long		(*invoke)(const uint64_t *args);	/* kernel only */
	/* bytes of output argument i that come back when the call returned
	 * ret (NULL: the call has no outputs) */
	size_t		(*got)(unsigned i, const uint64_t *args, long ret);
	/* 0 if the declared sizes n[] (bytes, or iovec counts) are what the
	 * table's expressions give for args; NULL: nothing to check */
	int		(*check)(const uint64_t *args, const size_t *n);
};

#include "sys_protos.h"		/* SYS_NRMAX, sys_* handler prototypes */

extern const struct sysent sysent[SYS_NRMAX];

#endif /* RUMP_KERN_SYSENT_H */
