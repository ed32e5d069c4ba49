/*
 * main.c — rump_server and rump_allserver: a rump kernel serving system
 * calls to other processes over a socket (docs/man/rump_server.1).
 *
 *	rump_server [-sv] [-c ncpu] [-d drivespec] [-l component]
 *	    [-m module] [-r memlimit] URL
 *
 * Order matters: options are checked, then the process daemonizes (the
 * fork must come before the kernel starts its threads), boots, opens the
 * drives, listens, and only then tells the waiting parent to exit 0.  Any
 * failure on the way makes the parent exit with the errno, after the
 * child printed "rump_server: what: strerror" on the caller's stderr.
 * The same program is rump_allserver, which has every component.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <rump/rump.h>
#include <rump/rump_syscalls.h>
#include "kern/kern.h"
#include "vfs/vfs.h"
#include "server/server.h"

bool srv_verbose;
static int daemon_fd = -1;	/* write end of the pipe to the waiting parent */

void
srv_log(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "rump_server: %s\n", buf);
}

void
srv_debug(const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!srv_verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fprintf(stderr, "rump_server: %s\n", buf);
}

/* Reports err (positive errno) to the waiting parent, if any, and exits. */
static void __attribute__((noreturn))
die(int err, const char *what)
{
	fprintf(stderr, "rump_server: %s: %s\n", what, strerror(err));
	if (daemon_fd >= 0) {
		(void)write(daemon_fd, &err, sizeof(err));
		close(daemon_fd);
	}
	exit(err);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: rump_server [-sv] [-c ncpu] [-d drivespec] "
	    "[-l component] [-m module] [-r memlimit] url\n");
	exit(1);
}

/* --- components ------------------------------------------------------------- */

#define COMP_VFS	0x1
#define COMP_DEV	0x2
#define COMP_NET	0x4	/* accepted; no network stack yet */

static const struct component {
	const char	*name;
	unsigned	 bits;		/* with dependencies */
} components[] = {
	{ "rumpkern", 0 },
	{ "rumpvfs", COMP_VFS },
	{ "rumpfs_tmpfs", COMP_VFS },
	{ "rumpdev", COMP_DEV },
	{ "rumpnet", COMP_NET },
	{ "rumpnet_net", COMP_NET },
	{ "rumpnet_netinet", COMP_NET },
	{ "rumpnet_netinet6", COMP_NET },
	{ "rumpnet_local", COMP_NET },
	{ "rumpnet_shmif", COMP_NET },
	{ "rumpnet_config", COMP_NET },
};

/* librumpvfs.so.0 -> rumpvfs: the forms NetBSD's dlopen loop accepted */
static int
component_bits(const char *arg, unsigned *bits)
{
	char name[64];
	char *so;

	snprintf(name, sizeof(name), "%s", strncmp(arg, "lib", 3) == 0 ?
	    arg + 3 : arg);
	if ((so = strstr(name, ".so")) != NULL &&
	    (so[3] == '\0' || so[3] == '.'))
		*so = '\0';
	for (size_t i = 0; i < sizeof(components) / sizeof(components[0]); i++)
		if (strcmp(name, components[i].name) == 0) {
			*bits |= components[i].bits;
			if (components[i].bits & COMP_NET)
				srv_debug("%s: accepted, but this kernel has no "
				    "network stack yet", arg);
			return 0;
		}
	return -ENOENT;
}

/* --- daemonizing ---------------------------------------------------------------- */

/*
 * The parent waits for one int on a pipe: 0 once the server listens, or
 * the errno of what failed; EOF without a value means the child died.
 */
static void
daemonize_begin(void)
{
	int p[2], err;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) != 0)
		die(errno, "pipe");
	if ((pid = fork()) < 0)
		die(errno, "fork");
	if (pid > 0) {
		close(p[1]);
		do
			n = read(p[0], &err, sizeof(err));
		while (n < 0 && errno == EINTR);
		_exit(n == sizeof(err) ? err : ESRCH);
	}
	close(p[0]);
	daemon_fd = p[1];
	if (setsid() < 0)
		die(errno, "setsid");
}

/* Success: detach from the caller's terminal and release the parent. */
static void
daemonize_done(void)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC), ok = 0;

	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		if (!srv_verbose)	/* -v keeps logging to the caller's stderr */
			dup2(null, 2);
		if (null > 2)
			close(null);
	}
	(void)write(daemon_fd, &ok, sizeof(ok));
	close(daemon_fd);
	daemon_fd = -1;
}

/* --- options ----------------------------------------------------------------- */

struct opts {
	bool		 foreground;
	const char	*ncpu;
	uint64_t	 memlimit;
	unsigned	 comps;
	const char	*module;
	const char	*url;
};

static void
parse_opts(int argc, char **argv, struct opts *o)
{
	struct drive *d, *last = NULL;
	const char *why;
	char msg[256];
	int ch, err;

	while ((ch = getopt(argc, argv, "c:d:l:m:r:sv")) != -1) {
		switch (ch) {
		case 'c': {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (*end != '\0' || n < 1 || n > 256) {
				snprintf(msg, sizeof(msg), "-c %s: ncpu must "
				    "be 1..256", optarg);
				die(EINVAL, msg);
			}
			o->ncpu = optarg;
			break;
		}
		case 'd':
			if ((err = drivespec_parse(optarg, &d, &why)) < 0) {
				snprintf(msg, sizeof(msg), "-d %s: %s", optarg, why);
				die(-err, msg);
			}
			if (last == NULL)
				SLIST_INSERT_HEAD(&drives, d, d_link);
			else
				SLIST_INSERT_AFTER(last, d, d_link);
			last = d;
			break;
		case 'l':
			if (component_bits(optarg, &o->comps) < 0) {
				snprintf(msg, sizeof(msg), "-l %s: unknown "
				    "component", optarg);
				die(ENOENT, msg);
			}
			break;
		case 'm':
			o->module = optarg;
			break;
		case 'r':
			if (parse_size(optarg, &o->memlimit) < 0 ||
			    o->memlimit < (1u << 20)) {
				snprintf(msg, sizeof(msg), "-r %s: memory limit "
				    "must be at least 1m", optarg);
				die(EINVAL, msg);
			}
			break;
		case 's':
			o->foreground = true;
			break;
		case 'v':
			srv_verbose = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind != 1)
		usage();
	o->url = argv[optind];
}

/* --- booting, serving, halting ------------------------------------------------ */

/* The banner's fields come from the kernel's own sysctl nodes. */
static void
make_banner(char *buf, size_t size)
{
	/* 24 bytes each keeps the banner within SP_BANNER_MAX */
	char ostype[24] = "Rump", rel[24] = "0", mach[24] = "unknown";
	size_t len;

	len = sizeof(ostype);
	(void)rump_sys_sysctlbyname("kern.ostype", ostype, &len, NULL, 0);
	len = sizeof(rel);
	(void)rump_sys_sysctlbyname("kern.osrelease", rel, &len, NULL, 0);
	len = sizeof(mach);
	(void)rump_sys_sysctlbyname("hw.machine", mach, &len, NULL, 0);
	ostype[sizeof(ostype) - 1] = rel[sizeof(rel) - 1] = '\0';
	mach[sizeof(mach) - 1] = '\0';
	snprintf(buf, size, "RUMPSP-%d.%d-%s-%s/%s\n", SP_PROTO_MAJOR,
	    SP_PROTO_MINOR, ostype, rel, mach);
}

/* Makes d visible at its key in the kernel; 0 or a positive errno. */
static int
drive_register(const struct drive *d)
{
	static const int etype[] = {
		[DRIVE_BLK] = RUMP_ETFS_BLK, [DRIVE_CHR] = RUMP_ETFS_CHR,
		[DRIVE_REG] = RUMP_ETFS_REG,
	};

	return rump_etfs_register(d->d_key, d->d_hostpath, etype[d->d_type],
	    d->d_offset, d->d_size == DRIVE_SIZE_END ? 0 : d->d_size);
}

static void
boot_kernel(const struct opts *o)
{
	const char *what;
	struct drive *d;
	int err;

	if (o->ncpu != NULL)
		setenv("RUMP_NCPU", o->ncpu, 1);
	if ((o->comps & COMP_VFS) == 0)
		kern_disable_vfs();
	if ((err = rump_init()) != 0)
		die(err, "rump_init");
	/* after boot: the boot's own allocations must never fail */
	if (o->memlimit != 0)
		kmem_setlimit(o->memlimit);
	/* The file system belongs to whoever started the server, as a FUSE
	 * mount does: hijacked programs run with their own credentials in
	 * the kernel (rumphijack(3)), and an unprivileged user must be able
	 * to use the root of the kernel he started. */
	if ((o->comps & COMP_VFS) != 0 && geteuid() != 0 &&
	    (err = rump_sys_chown("/", geteuid(), getegid())) != 0)
		die(errno, "chown of the root directory");
	if (!SLIST_EMPTY(&drives) && (o->comps & COMP_VFS) == 0)
		die(ENOSYS, "-d: drives need the VFS (-lrumpvfs)");
	SLIST_FOREACH(d, &drives, d_link) {
		if ((err = drive_open(d, &what)) < 0)
			die(-err, what);
		if ((err = drive_register(d)) != 0)
			die(err, d->d_key);
	}
	if (srv_verbose)
		drives_print(stderr);
}

/* Many clients, each one socket: use every descriptor the host allows. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct sp_url url;
	char banner[SP_BANNER_MAX], msg[300];
	const char *why;
	sigset_t set;
	int err, sig;

	if (strstr(basename(argv[0]), "allserver") != NULL)
		o.comps = COMP_VFS | COMP_DEV | COMP_NET;
	parse_opts(argc, argv, &o);
	if ((err = sp_url_parse(o.url, true, &url, &why)) < 0) {
		snprintf(msg, sizeof(msg), "%s: %s", o.url, why);
		die(-err, msg);
	}
	if (o.module != NULL) {
		snprintf(msg, sizeof(msg), "-m %s: this kernel has no loadable "
		    "modules (every component is built in; see -l)", o.module);
		die(ENOSYS, msg);
	}
	raise_nofile();
	if (!o.foreground)
		daemonize_begin();
	/* every thread inherits this mask: only main takes the signals */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	boot_kernel(&o);
	make_banner(banner, sizeof(banner));
	if ((err = spserver_listen(&url, &why)) < 0) {
		snprintf(msg, sizeof(msg), "%s: %s", o.url, why);
		die(-err, msg);
	}
	kern_set_halt_hook(spserver_halt_hook);
	kern_set_raise_hook(spserver_raise);
	if (getenv("RUMP_SERVER_DEBUG") != NULL)
		debug_init();
	if ((err = spserver_start(banner)) < 0)
		die(-err, "starting the server threads");
	srv_debug("serving %s (%s)", o.url, url.family == AF_UNIX ? url.path :
	    url.host);
	if (!o.foreground)
		daemonize_done();
	do
		err = sigwait(&set, &sig);
	while (err != 0);
	srv_debug("signal %d: halting", sig);
	(void)vfs_sync_all();
	spserver_unlisten();
	fflush(NULL);
	_exit(0);
}
