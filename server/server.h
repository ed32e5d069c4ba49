/*
 * server.h — the pieces of rump_server (docs/man/rump_server.1):
 *   main.c       options, components, daemonizing, signals, halting
 *   drivespec.c  -d drive specifications: parsing and host files
 *   spserver.c   the sysproxy listener and the I/O loop (input, dispatch)
 *   spout.c      connections' references and output
 *   spwork.c     the worker pool and what each request does
 *   debug.c      debug.sp.* sysctl nodes for tests
 * The server links the kernel statically (librump.a) and reaches kernel
 * internals (proc_fork, lwp_create, ...) directly.
 */
#ifndef RUMP_SERVER_SERVER_H
#define RUMP_SERVER_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/queue.h>
#include <sys/types.h>
#include "sp/sp.h"

struct proc;

/* --- logging (main.c) ---------------------------------------------------- */

extern bool srv_verbose;
/* "rump_server: ..." on stderr, always */
void srv_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* the same, only with -v */
void srv_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- drives (drivespec.c) ------------------------------------------------- */

enum drive_type { DRIVE_BLK, DRIVE_CHR, DRIVE_REG };

#define DRIVE_SIZE_END	UINT64_MAX	/* type=reg without size: whole file */

struct drive {
	char			*d_key;		/* path in the rump kernel */
	char			*d_hostpath;
	uint64_t		 d_offset;
	uint64_t		 d_size;
	bool			 d_sizehost;	/* size=host */
	enum drive_type		 d_type;
	int			 d_fd;		/* host file, open O_RDWR */
	SLIST_ENTRY(drive)	 d_link;
};

/* Parses one -d argument; 0 or -errno with *why set. */
int drivespec_parse(const char *spec, struct drive **dp, const char **why);
/* Opens (creating or extending) the host file; 0 or -errno, *what set. */
int drive_open(struct drive *d, const char **what);
void drive_free(struct drive *d);
/* Parsed drives; main.c registers each with etfs after boot. */
extern SLIST_HEAD(drivelist, drive) drives;
void drives_print(FILE *fp);

/* Parses N[bkmgt] (dd style); 0 or -EINVAL / -ERANGE. */
int parse_size(const char *s, uint64_t *out);

/* --- the sysproxy server (spserver.c, spwork.c) --------------------------- */

/*
 * Binds and listens on u (backlog 128); a stale unix socket left by a
 * dead server is replaced, a live one is -EADDRINUSE.  0 or -errno with
 * *what naming the step that failed.
 */
int spserver_listen(const struct sp_url *u, const char **what);
/* Starts the I/O thread and the workers; banner is sent to every client. */
int spserver_start(const char *banner);
/* Stops listening and removes the unix socket file (idempotent). */
void spserver_unlisten(void);
/* The kernel's halt hook (reboot(2)), see spwork.c. */
void spserver_halt_hook(int howto);
/* The kernel's raise hook: a RAISE frame to p's client; 0 or -ESRCH. */
int spserver_raise(struct proc *p, int sig);
/* The same by pid; pid 0 is the lowest pid of any client. */
int spserver_raise_pid(pid_t pid, int sig);
int spserver_nclients(void);
int spserver_npreforks(void);

/* --- debug.sp.* sysctl nodes for tests (debug.c; RUMP_SERVER_DEBUG=1) ---- */
void debug_init(void);

#endif /* RUMP_SERVER_SERVER_H */
