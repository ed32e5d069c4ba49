/*
 * sysctl_nodes.c — the kern.*, hw.* and vfs.generic.* nodes of the tree.
 *
 * sysctl_init() (called by rump_init() before the VFS exists) registers
 * them; computed ones (boottime, physmem, fstypes) are evaluated at read
 * time.  Names, types and defaults follow NetBSD's rump kernel
 * (shared/reference/netbsd-rumpctrl-net.md §5); values describing the
 * machine come from the host.  The limits kern.maxfiles, kern.maxproc and
 * kern.maxvnodes are reported and settable but advisory: descriptor
 * tables obey RLIMIT_NOFILE and the file systems their own size limits.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "kern/kern.h"
#include "kern/sysctl.h"
#include "vfs/vfs.h"

#define RUMP_OSTYPE	"Rump"
#define RUMP_OSRELEASE	"0.1.0"
#define RUMP_OSREVISION	100
#define HOSTNAME_MAX	256	/* MAXHOSTNAMELEN: names are < 256 bytes */
#define NCPU_MAX	256

/* provided by kmem.c when the kernel memory limit can be read back */
extern uint64_t kmem_getlimit(void) __attribute__((weak, visibility("hidden")));

static char hostname[HOSTNAME_MAX];
static char domainname[HOSTNAME_MAX];
static char ostype[] = RUMP_OSTYPE;
static char osrelease[] = RUMP_OSRELEASE;
static char version[128];
static char defcorename[PATH_MAX] = "%n.core";
static char machine[sizeof(((struct utsname *)0)->machine)];

static int osrevision = RUMP_OSREVISION;
static int maxfiles = 4096;
static int maxproc = 1044;
static int maxvnodes = 65536;
static int argmax = 262144;
static int hostid;
static int iov_max = 1024;
static int login_name_max = 17;
static int posix1version = 200809;
static int ngroups = NGROUPS_KMAX;
static int fscale = 2048;
static int ccpu = 1948;		/* exp(-1/20) * fscale: load-average decay */

static int ncpu = 2;
static int pagesize = 4096;
static int byteorder;
static int alignbytes;
static int magiclinks;

void
kern_gethostname(char *buf, size_t len)
{
	if (len == 0)
		return;
	sysctl_lock();
	snprintf(buf, len, "%s", hostname);
	sysctl_unlock();
}

void
kern_getdomainname(char *buf, size_t len)
{
	if (len == 0)
		return;
	sysctl_lock();
	snprintf(buf, len, "%s", domainname);
	sysctl_unlock();
}

/* --- computed values ------------------------------------------------------- */

static int
sysctl_boottime(struct sysctlnode *node, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	struct timeval tv = {
		.tv_sec = boottime.tv_sec,
		.tv_usec = boottime.tv_nsec / 1000,
	};

	return sysctl_copyval(oldp, oldlenp, &tv, sizeof(tv));
}

/* Bytes of memory the kernel may use: its kmem limit, else the host's RAM. */
static uint64_t
physmem_bytes(void)
{
	uint64_t limit = 0;
	long pages, psize;

	if (kmem_getlimit != NULL)
		limit = kmem_getlimit();
	if (limit != 0)
		return limit;
	pages = sysconf(_SC_PHYS_PAGES);
	psize = sysconf(_SC_PAGESIZE);
	if (pages <= 0 || psize <= 0)
		return 0;
	return (uint64_t)pages * (uint64_t)psize;
}

static int
sysctl_physmem(struct sysctlnode *node, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	uint64_t bytes = physmem_bytes();
	int v = bytes > INT_MAX ? INT_MAX : (int)bytes;

	return sysctl_copyval(oldp, oldlenp, &v, sizeof(v));
}

static int
sysctl_physmem64(struct sysctlnode *node, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	uint64_t bytes = physmem_bytes();
	int64_t v = bytes > INT64_MAX ? INT64_MAX : (int64_t)bytes;

	return sysctl_copyval(oldp, oldlenp, &v, sizeof(v));
}

/* Read-only (the tree refuses writes before calling this). */
static int
sysctl_fstypes(struct sysctlnode *node, void *oldp, size_t *oldlenp,
    const void *newp, size_t newlen)
{
	char buf[512];
	size_t len = vfs_fstypes(buf, sizeof(buf));

	if (len >= sizeof(buf))
		return -ENOMEM;
	return sysctl_copyval(oldp, oldlenp, buf, len + 1);
}

/* --- defaults from the host ----------------------------------------------- */

/*
 * NetBSD's rule: RUMP_NCPU unset means 2, "host" means the host's count,
 * otherwise a positive number.  An unparsable value falls back to 2.
 */
static int
ncpu_default(void)
{
	const char *env = getenv("RUMP_NCPU");
	char *end;
	long n;

	if (env == NULL || env[0] == '\0')
		return 2;
	if (strcmp(env, "host") == 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	else {
		errno = 0;
		n = strtol(env, &end, 10);
		if (errno != 0 || *end != '\0')
			n = 2;
	}
	if (n < 1)
		n = 2;
	return n > NCPU_MAX ? NCPU_MAX : (int)n;
}

static void
host_defaults(void)
{
	char host[HOST_NAME_MAX + 1];
	struct utsname u;
	const char *env;

	host[sizeof(host) - 1] = '\0';
	if (gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0')
		snprintf(hostname, sizeof(hostname), "rump-%05d.%s",
		    (int)getpid(), host);
	else
		snprintf(hostname, sizeof(hostname), "rump-%05d", (int)getpid());
	if (uname(&u) == 0)
		snprintf(machine, sizeof(machine), "%s", u.machine);
	else
		snprintf(machine, sizeof(machine), "unknown");
	snprintf(version, sizeof(version), "%s %s (RUMP) #0: %s %s",
	    RUMP_OSTYPE, RUMP_OSRELEASE, __DATE__, __TIME__);
	ncpu = ncpu_default();
	env = getenv("RUMP_NVNODES");
	if (env != NULL && atoi(env) > 0)
		maxvnodes = atoi(env);
	byteorder = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 1234 : 4321;
	alignbytes = (int)_Alignof(max_align_t) - 1;
}

/* --- registration ------------------------------------------------------------ */

#define RO	0
#define RW	RUMP_CTLFLAG_RW

static const struct intnode {
	const char	*name;
	unsigned	 flags;
	int		*valp;
	const char	*desc;
} intnodes[] = {
	{ "kern.osrevision", RO, &osrevision, "Operating system revision" },
	{ "kern.maxfiles", RW, &maxfiles, "Maximum number of open files" },
	{ "kern.maxproc", RW, &maxproc, "Maximum number of simultaneous processes" },
	{ "kern.maxvnodes", RW, &maxvnodes, "Maximum number of vnodes" },
	{ "kern.argmax", RO, &argmax, "Maximum number of bytes of arguments to execve(2)" },
	{ "kern.hostid", RW | RUMP_CTLFLAG_HEX, &hostid, "System host ID number" },
	{ "kern.iov_max", RO, &iov_max, "Maximum number of iovec structures per process" },
	{ "kern.login_name_max", RO, &login_name_max, "Maximum login name length" },
	{ "kern.posix1version", RO, &posix1version, "Version of POSIX 1003.1 the system attempts to comply with" },
	{ "kern.ngroups", RO, &ngroups, "Maximum number of supplemental groups" },
	{ "kern.fscale", RO, &fscale, "Kernel fixed-point scale factor" },
	{ "kern.ccpu", RO, &ccpu, "Scheduler exponential decay value" },
};

static const struct strnode {
	const char	*name;
	unsigned	 flags;
	char		*buf;
	size_t		 size;
	const char	*desc;
} strnodes[] = {
	{ "kern.ostype", RO, ostype, sizeof(ostype), "Operating system type" },
	{ "kern.osrelease", RO, osrelease, sizeof(osrelease), "Operating system release" },
	{ "kern.version", RO, version, sizeof(version), "Kernel version" },
	{ "kern.hostname", RW, hostname, sizeof(hostname), "System hostname" },
	{ "kern.domainname", RW, domainname, sizeof(domainname), "YP domain name" },
	{ "kern.defcorename", RW, defcorename, sizeof(defcorename), "Default core file name" },
	{ "hw.machine", RO, machine, sizeof(machine), "Machine class" },
	{ "hw.machine_arch", RO, machine, sizeof(machine), "Machine CPU class" },
	{ "hw.model", RO, machine, sizeof(machine), "Machine model" },
};

static void
sysctl_check(int err, const char *name)
{
	if (err != 0) {
		fprintf(stderr, "rump: sysctl: cannot add %s: %s\n", name,
		    strerror(-err));
		abort();
	}
}

/* Registers every node; enumeration order is the order of creation. */
void
sysctl_init(void)
{
	static bool done;
	size_t i;

	if (done)
		return;
	done = true;
	host_defaults();
	for (i = 0; i < sizeof(strnodes) / sizeof(strnodes[0]); i++)
		sysctl_check(sysctl_add_string(strnodes[i].name, strnodes[i].flags,
		    strnodes[i].buf, strnodes[i].size, strnodes[i].desc),
		    strnodes[i].name);
	for (i = 0; i < sizeof(intnodes) / sizeof(intnodes[0]); i++)
		sysctl_check(sysctl_add_int(intnodes[i].name, intnodes[i].flags,
		    intnodes[i].valp, intnodes[i].desc), intnodes[i].name);
	sysctl_check(sysctl_add_proc("kern.boottime", RUMP_CTLTYPE_TIMEVAL, RO,
	    sysctl_boottime, NULL, "System boot time"), "kern.boottime");
	sysctl_check(sysctl_add_int("hw.ncpu", RO, &ncpu,
	    "Number of CPUs configured"), "hw.ncpu");
	sysctl_check(sysctl_add_int("hw.ncpuonline", RO, &ncpu,
	    "Number of CPUs online"), "hw.ncpuonline");
	sysctl_check(sysctl_add_int("hw.pagesize", RO, &pagesize,
	    "Software page size"), "hw.pagesize");
	sysctl_check(sysctl_add_proc("hw.physmem", RUMP_CTLTYPE_INT, RO,
	    sysctl_physmem, NULL, "Bytes of physical memory"), "hw.physmem");
	sysctl_check(sysctl_add_proc("hw.physmem64", RUMP_CTLTYPE_QUAD, RO,
	    sysctl_physmem64, NULL, "Bytes of physical memory"), "hw.physmem64");
	sysctl_check(sysctl_add_int("hw.byteorder", RO, &byteorder,
	    "System byte order"), "hw.byteorder");
	sysctl_check(sysctl_add_int("hw.alignbytes", RO, &alignbytes,
	    "Alignment constraint for all possible data types"), "hw.alignbytes");
	if (!kern_vfs_enabled())
		return;		/* rump_server without -lrumpvfs */
	sysctl_check(sysctl_add_proc("vfs.generic.fstypes", RUMP_CTLTYPE_STRING, RO,
	    sysctl_fstypes, NULL, "List of file systems present"),
	    "vfs.generic.fstypes");
	sysctl_check(sysctl_add_int("vfs.generic.magiclinks", RW, &magiclinks,
	    "Whether \"magic\" symlinks are expanded"), "vfs.generic.magiclinks");
}
