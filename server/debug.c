/*
 * debug.c — sysctl nodes that let tests look inside a running server,
 * registered only when RUMP_SERVER_DEBUG is set in its environment (they
 * are not NetBSD's and must not show up in ordinary `rump.sysctl -a`):
 *
 *	debug.sp.kmem_inuse	bytes of kernel memory in use (leak checks)
 *	debug.sp.clients	connections open now
 *	debug.sp.preforks	prefork cookies waiting to be claimed
 *	debug.sp.raise_signo	signal that raise_pid sends (default SIGPROF)
 *	debug.sp.raise_pid	writing N sends raise_signo to the client whose
 *				process is pid N (0: the lowest client pid),
 *				as NetBSD's h_simpleserver "sendsig" does
 */
#include <errno.h>
#include <signal.h>
#include "kern/kern.h"
#include "kern/sysctl.h"
#include "server/server.h"

static int raise_signo = SIGPROF;

static int
dbg_kmem(struct sysctlnode *node, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	int64_t v = (int64_t)kmem_inuse();

	return sysctl_copyval(oldp, oldlenp, &v, sizeof(v));
}

static int
dbg_clients(struct sysctlnode *node, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	int v = spserver_nclients();

	return sysctl_copyval(oldp, oldlenp, &v, sizeof(v));
}

static int
dbg_preforks(struct sysctlnode *node, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	int v = spserver_npreforks();

	return sysctl_copyval(oldp, oldlenp, &v, sizeof(v));
}

static int
dbg_raise(struct sysctlnode *node, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	int v = 0, err;

	if ((err = sysctl_copyval(oldp, oldlenp, &v, sizeof(v))) < 0)
		return err;
	if (newp == NULL)
		return 0;
	if (newlen != sizeof(int) || *(const int *)newp < 0)
		return -EINVAL;
	return spserver_raise_pid(*(const int *)newp, raise_signo);
}

void
debug_init(void)
{
	int ro = 0, rw = RUMP_CTLFLAG_RW;

	(void)sysctl_add_proc("debug.sp.kmem_inuse", RUMP_CTLTYPE_QUAD, ro,
	    dbg_kmem, NULL, "Kernel memory in use");
	(void)sysctl_add_proc("debug.sp.clients", RUMP_CTLTYPE_INT, ro,
	    dbg_clients, NULL, "Sysproxy connections");
	(void)sysctl_add_proc("debug.sp.preforks", RUMP_CTLTYPE_INT, ro,
	    dbg_preforks, NULL, "Unclaimed prefork cookies");
	(void)sysctl_add_int("debug.sp.raise_signo", rw, &raise_signo,
	    "Signal sent by debug.sp.raise_pid");
	(void)sysctl_add_proc("debug.sp.raise_pid", RUMP_CTLTYPE_INT, rw,
	    dbg_raise, NULL, "Send raise_signo to a client process");
}
