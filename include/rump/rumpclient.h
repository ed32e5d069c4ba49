/*
 * rumpclient.h — librumpclient, the remote client of a rump kernel
 * (rumpclient(3)).  A program linked with -lrumpclient calls the same
 * rump_sys_* functions as one linked with the local library; each call
 * travels to the rump_server named by RUMP_SERVER as one request and
 * one reply.  Call rumpclient_init() first.
 */
#ifndef RUMP_RUMPCLIENT_H
#define RUMP_RUMPCLIENT_H

#include <sys/types.h>
#include <time.h>
#include <rump/rump_syscalls.h>

#ifdef __cplusplus
extern "C" {
#endif

/* connects to $RUMP_SERVER: 0, or -1 with errno */
int rumpclient_init(void);

/* reconnect policy: seconds to keep trying, 0 (the default: never) or */
#define RUMPCLIENT_RETRYCONN_INFTIME	((time_t)-1)	/* forever */
#define RUMPCLIENT_RETRYCONN_ONCE	((time_t)-2)	/* one attempt */
#define RUMPCLIENT_RETRYCONN_DIE	((time_t)-3)	/* _exit(1) at once */
int rumpclient_setconnretry(time_t timeout);

/* fork with the kernel process: prefork in the parent, host fork, then
 * fork_init in the child (or fork_cancel in the parent if fork failed) */
struct rumpclient_fork;
struct rumpclient_fork *rumpclient_prefork(void);
int rumpclient_fork_init(struct rumpclient_fork *rf);
void rumpclient_fork_cancel(struct rumpclient_fork *rf);
pid_t rumpclient_fork(void);
pid_t rumpclient_vfork(void);

/* execve keeping the kernel process (pid, descriptors without
 * O_CLOEXEC); the new image calls rumpclient_init() */
int rumpclient_exec(const char *path, char *const argv[], char *const envp[]);

/* daemon(3) with the kernel process following the daemon */
int rumpclient_daemon(int nochdir, int noclose);

#ifdef __cplusplus
}
#endif

#endif /* RUMP_RUMPCLIENT_H */
