/*
 * rumpdefs.h — constants and structures of the rump kernel's own interface
 * that Linux has no header for: sysctl node descriptions and reboot flags.
 * Everything else uses the host's own types (struct stat, O_* flags, errno).
 */
#ifndef RUMP_RUMPDEFS_H
#define RUMP_RUMPDEFS_H

#include <stdint.h>

/* sysctl node types (struct rump_sysctlinfo.type) */
#define RUMP_CTLTYPE_NODE	1	/* interior node */
#define RUMP_CTLTYPE_INT	2	/* int */
#define RUMP_CTLTYPE_STRING	3	/* NUL-terminated string */
#define RUMP_CTLTYPE_QUAD	4	/* int64_t */
#define RUMP_CTLTYPE_STRUCT	5	/* opaque bytes */
#define RUMP_CTLTYPE_TIMEVAL	6	/* struct timeval (kern.boottime) */

/* sysctl node flags (struct rump_sysctlinfo.flags) */
#define RUMP_CTLFLAG_RW		0x01	/* writable (by root) */
#define RUMP_CTLFLAG_HEX	0x02	/* print in hexadecimal */

#define RUMP_SYSCTL_NAMEMAX	128	/* longest dotted name, with its NUL */

struct rump_sysctlinfo {
	uint32_t type;
	uint32_t flags;
	uint64_t size;		/* current size of the value in bytes */
	char	 desc[96];	/* one-line description, may be empty */
};

/* reboot(2) howto flags, NetBSD values */
#define RUMP_RB_AUTOBOOT	0x000
#define RUMP_RB_HALT		0x008
#define RUMP_RB_NOSYNC		0x004
#define RUMP_RB_POWERDOWN	0x800
#define RUMP_RB_DUMP		0x100

#endif /* RUMP_RUMPDEFS_H */
