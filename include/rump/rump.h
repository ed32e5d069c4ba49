/*
 * rump.h — the local rump kernel API: booting the kernel and binding host
 * threads to kernel processes (the "lwproc" calls).  System calls themselves
 * are in <rump/rump_syscalls.h>; both are served by librump.
 *
 * A host thread that makes a rump_sys_*() call without having been bound to
 * a process runs as the kernel's own process, pid 1.  rump_lwproc_rfork()
 * creates a child of the current process and binds the calling thread to it,
 * which is how a single program plays several processes (e.g. two processes
 * contending for a lock).
 */
#ifndef RUMP_RUMP_H
#define RUMP_RUMP_H

#include <stdint.h>
#include <sys/types.h>
#include <rump/rumpdefs.h>

#ifdef __cplusplus
extern "C" {
#endif

struct lwp;

/* Boots the kernel once per host process; later calls return 0 at once. */
int rump_init(void);

/*
 * rfork flags: copy the parent's descriptor table, or start with none.
 * 0 copies too: unlike NetBSD, descriptor tables are never shared between
 * processes (threads share one by being lwps of the same process).
 */
#define RUMP_RFFDG	0x01
#define RUMP_RFCFDG	0x02

/*
 * Creates a child of the current process (credentials, cwd, root, umask,
 * rlimits are inherited; descriptors per flags) and binds the calling
 * thread to a new lwp in it.  Returns 0 or an errno value.
 */
int rump_lwproc_rfork(int flags);
/* Binds the calling thread to a new lwp in process pid; 0 or an errno. */
int rump_lwproc_newlwp(pid_t pid);
/* Binds the calling thread to l (NULL: back to the implicit pid 1 lwp). */
void rump_lwproc_switch(struct lwp *l);
/*
 * Releases the calling thread's lwp; if it was the last lwp of its process,
 * the process exits (descriptors closed, children reparented to pid 1).
 */
void rump_lwproc_releaselwp(void);
/* The lwp the calling thread is bound to, or NULL if implicit. */
struct lwp *rump_lwproc_curlwp(void);

/*
 * Interrupts whatever call lwp l is blocked in: it returns EINTR.  The flag
 * stays set until the lwp next enters the kernel, so a call about to sleep is
 * interrupted too.
 */
void rump_lwproc_cancel(struct lwp *l);

/*
 * etfs: the window [offset, offset+size) of the host file hostpath appears
 * at the absolute path key inside the kernel (missing parent directories
 * are created 0755), as a regular file, block device or character device.
 * size 0 means the host file's size minus offset.  The host file is opened
 * read-write, else read-only (then opening the node for writing is EROFS).
 * Reads stop at the window's end; writes at or past it fail with ENOSPC.
 * Both return 0 or an errno value (EINVAL bad type or key, EEXIST key
 * exists, ENOENT no such host file or key, ENOSYS kernel without VFS).
 * rump_etfs_remove unlinks the node; the host file is closed once no
 * open file uses it.
 */
#define RUMP_ETFS_REG	0
#define RUMP_ETFS_BLK	1
#define RUMP_ETFS_CHR	2
int rump_etfs_register(const char *key, const char *hostpath, int type,
    uint64_t offset, uint64_t size);
int rump_etfs_remove(const char *key);

#ifdef __cplusplus
}
#endif

#endif /* RUMP_RUMP_H */
