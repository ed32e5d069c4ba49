/*
 * sysent.h — the dispatch table generated from syscalls.tab.  The local
 * entry points use it implicitly; the sysproxy server (a later component)
 * decodes a call by number and runs sysent[nr].invoke with the decoded
 * arguments.  Argument kinds drive the wire codec.
 */
#ifndef RUMP_KERN_SYSENT_H
#define RUMP_KERN_SYSENT_H

#include <stdint.h>

enum sysarg_kind {
	SA_SCALAR, SA_FD, SA_PATH, SA_STR, SA_IN, SA_OUT, SA_INOUT,
	SA_IOVIN, SA_IOVOUT,
};

struct sysarg {
	uint8_t		 kind;		/* enum sysarg_kind */
	uint8_t		 optional;	/* pointer may be NULL */
	const char	*name;
};

#define SYS_MAXARGS 6

struct sysent {
	const char	*name;		/* NULL: unused number */
	uint32_t	 nr;
	uint32_t	 nargs;
	struct sysarg	 args[SYS_MAXARGS];
	long		(*invoke)(const uint64_t *args);
};

#include "sys_protos.h"		/* SYS_NRMAX, sys_* handler prototypes */

extern const struct sysent sysent[SYS_NRMAX];

#endif /* RUMP_KERN_SYSENT_H */
