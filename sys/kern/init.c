/*
 * init.c — booting the kernel and halting it.
 *
 * rump_init() brings the subsystems up once per host process, in the order
 * kern.h lists (memory, processes, sysctl, VFS, devices); every later call
 * returns at once.  kern_booted() is what kern_enter() asks before letting
 * a system call in.  reboot(2) ends in the halt hook, which exits the host
 * process unless a server or a test installed its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <rump/rump.h>
#include "kern/kern.h"

struct timespec boottime;

static pthread_once_t boot_once = PTHREAD_ONCE_INIT;
static atomic_bool booted;
static atomic_bool vfs_disabled;

static void
halt_exit(int howto)
{
	exit(0);
}

static void (*_Atomic halt_hook)(int) = halt_exit;

static void
boot(void)
{
	clock_gettime(CLOCK_REALTIME, &boottime);
	kmem_init();
	proc_init();
	sysctl_init();
	vfs_init();
	dev_init();
	/* release: whoever sees booted also sees everything set up above */
	atomic_store(&booted, true);
}

RUMP_EXPORT int
rump_init(void)
{
	pthread_once(&boot_once, boot);
	return 0;
}

bool
kern_booted(void)
{
	return atomic_load(&booted);
}

void
kern_set_halt_hook(void (*hook)(int howto))
{
	atomic_store(&halt_hook, hook == NULL ? halt_exit : hook);
}

/* Runs the halt hook; used by reboot(2) after the optional sync. */
void
kern_halt(int howto)
{
	void (*hook)(int) = atomic_load(&halt_hook);

	hook(howto);
}

void
kern_disable_vfs(void)
{
	atomic_store(&vfs_disabled, true);
}

bool
kern_vfs_enabled(void)
{
	return !atomic_load(&vfs_disabled);
}

static int (*_Atomic raise_hook)(struct proc *, int);

void
kern_set_raise_hook(int (*hook)(struct proc *p, int sig))
{
	atomic_store(&raise_hook, hook);
}

int
kern_raise(struct proc *p, int sig)
{
	int (*hook)(struct proc *, int) = atomic_load(&raise_hook);

	return hook == NULL ? -ESRCH : hook(p, sig);
}
