/*
 * internal.h — what init.c, fdtab.c and path.c share beyond hijack.h.
 */
#ifndef RUMP_HIJACK_INTERNAL_H
#define RUMP_HIJACK_INTERNAL_H

#include <stdbool.h>

#define FDTAB_ENV	"RUMPHIJACK__FDTAB"

/* one line on stderr, without stdio (librumpclient's, linked in) */
void cli_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define hijack_msg cli_msg

/* fdtab.c: the placeholder template; the table from FDTAB_ENV (unset
 * afterwards); "RUMPHIJACK__FDTAB=..." for an exec (malloc'd) or NULL */
void fdtab_init(void);
void fdtab_restore(void);
char *fdtab_serialize(void);

/* pathcalls.c: statvfs as glibc derives it from statfs */
struct statfs;
struct statvfs;
void statfs_to_statvfs(const struct statfs *sf, struct statvfs *sv);
/* pathcalls.c: pathconf answers for kernel files */
int pathconf_fixed(int name, long *v);
long pathconf_fs(int name, const struct statfs *sf, unsigned int mode);

/* client/conn.c (linked in, hidden) */
bool rumpclient__isownfd(int fd);
int rumpclient__movefd(int fd);
int rumpclient__ownfds(int out[2]);

#endif /* RUMP_HIJACK_INTERNAL_H */
