/*
 * sys_misc.c — system calls about the system rather than files: uname,
 * clocks, sleeping, randomness and reboot.
 *
 * Time and randomness come straight from the host (a rump kernel has no
 * clock of its own).  nanosleep parks the lwp, so rump_lwproc_cancel()
 * interrupts it like any other blocking call.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include "kern/kern.h"
#include "kern/sysctl.h"
#include "kern/sysent.h"
#include "vfs/vfs.h"

#define UTS_SYSNAME	"Rump"
#define UTS_RELEASE	"0.1.0"
#define UTS_VERSION	"#0 RUMP " __DATE__ " " __TIME__

long
sys_uname(struct utsname *buf)
{
	struct utsname host;

	memset(buf, 0, sizeof(*buf));
	snprintf(buf->sysname, sizeof(buf->sysname), "%s", UTS_SYSNAME);
	kern_gethostname(buf->nodename, sizeof(buf->nodename));
	snprintf(buf->release, sizeof(buf->release), "%s", UTS_RELEASE);
	snprintf(buf->version, sizeof(buf->version), "%s", UTS_VERSION);
	if (uname(&host) == 0)
		memcpy(buf->machine, host.machine, sizeof(buf->machine));
	else
		snprintf(buf->machine, sizeof(buf->machine), "unknown");
	kern_getdomainname(buf->domainname, sizeof(buf->domainname));
	return 0;
}

/* The timezone argument is obsolete; Linux leaves it zeroed, we leave it. */
long
sys_gettimeofday(struct timeval *tv, void *tz)
{
	struct timespec ts;

	if (tv == NULL)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

long
sys_clock_gettime(clockid_t clk, struct timespec *tp)
{
	/* negative ids name host CPU clocks of host pids and clocks behind
	 * host descriptors: nothing of ours, and not for clients to probe */
	if (clk < 0)
		return -EINVAL;
	if (clock_gettime(clk, tp) != 0)
		return -errno;
	return 0;
}

static void
timespec_sub(const struct timespec *a, const struct timespec *b,
    struct timespec *out)
{
	out->tv_sec = a->tv_sec - b->tv_sec;
	out->tv_nsec = a->tv_nsec - b->tv_nsec;
	if (out->tv_nsec < 0) {
		out->tv_sec--;
		out->tv_nsec += 1000000000L;
	}
	if (out->tv_sec < 0)
		out->tv_sec = out->tv_nsec = 0;
}

long
sys_nanosleep(const struct timespec *req, struct timespec *rem)
{
	struct lwp *l = curlwp();
	struct timespec deadline, now;
	int err;

	if (req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= 1000000000L)
		return -EINVAL;
	deadline_after(&deadline, req);
	/* nobody wakes us but cancellation; other wakeups are stale */
	do {
		err = lwp_park(l, lwp_getseq(l), &deadline);
	} while (err == 0);
	if (err == -ETIMEDOUT)
		return 0;
	if (rem != NULL) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		timespec_sub(&deadline, &now, rem);
	}
	return err;
}

long
sys_getrandom(void *buf, size_t buflen, unsigned int flags)
{
	ssize_t n;

	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	n = getrandom(buf, buflen, flags);
	return n < 0 ? -errno : n;
}

/*
 * reboot: root only.  Syncs the file systems unless told not to, then
 * runs the halt hook, which normally ends the host process.
 */
long
sys_reboot(int howto, const char *bootstr)
{
	struct cred c;

	proc_getcred(curproc(), &c);
	if (!cred_isroot(&c))
		return -EPERM;
	if ((howto & RUMP_RB_NOSYNC) == 0)
		(void)vfs_sync_all();
	kern_halt(howto);
	return 0;
}
