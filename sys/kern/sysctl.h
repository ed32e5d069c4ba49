/*
 * sysctl.h — the kernel's sysctl tree: typed nodes by dotted NetBSD name.
 *
 * Components add their nodes at init time; interior nodes are created on
 * demand.  A node's value lives either in a variable the component owns
 * (sv_ptr) or behind a handler (for computed values such as
 * vfs.generic.fstypes).  Writes need root and RUMP_CTLFLAG_RW (else -EPERM).
 */
#ifndef RUMP_KERN_SYSCTL_H
#define RUMP_KERN_SYSCTL_H

#include <stddef.h>
#include <stdint.h>
#include <rump/rumpdefs.h>

struct sysctlnode;

/*
 * Handler: copies the current value to oldp (capacity *oldlenp; sets
 * *oldlenp to the full size; -ENOMEM if it did not fit, as NetBSD) and, if
 * newp != NULL, validates and stores the new value.
 */
typedef int (*sysctl_fn)(struct sysctlnode *node, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen);

int sysctl_add_int(const char *name, unsigned flags, int *valp, const char *desc);
int sysctl_add_quad(const char *name, unsigned flags, int64_t *valp, const char *desc);
/* string in a buffer of bufsize bytes owned by the caller */
int sysctl_add_string(const char *name, unsigned flags, char *buf, size_t bufsize,
    const char *desc);
int sysctl_add_proc(const char *name, unsigned type, unsigned flags, sysctl_fn fn,
    void *arg, const char *desc);
void *sysctl_node_arg(struct sysctlnode *node);
/* protects every node's value; handlers run with it held */
void sysctl_lock(void);
void sysctl_unlock(void);
/*
 * For handlers: copies size bytes of val to oldp per the contract above
 * (oldp NULL: size only; short buffer: what fits, then -ENOMEM).
 */
int sysctl_copyval(void *oldp, size_t *oldlenp, const void *val, size_t size);

/* kern.hostname / kern.domainname, NUL-terminated and truncated to len
 * (sysctl_nodes.c; used by uname) */
void kern_gethostname(char *buf, size_t len);
void kern_getdomainname(char *buf, size_t len);

#endif /* RUMP_KERN_SYSCTL_H */
