/*
 * t_sysctl.c — the sysctl tree through rump_sys_sysctlbyname(),
 * rump_sys_sysctlnext() and rump_sys_sysctlinfo(): values of the standard
 * nodes, size queries, writes and their permissions, unknown names, and
 * enumeration (every leaf exactly once, in a stable order).
 */
#include "test_util.h"
#include <sys/time.h>
#include <sys/utsname.h>

#define MAXNAMES 4096

static void
get_string(const char *name, char *buf, size_t size)
{
	size_t len = size;

	OK(rump_sys_sysctlbyname(name, buf, &len, NULL, 0));
	assert_true(len >= 1 && len <= size);
	EQ(len, strlen(buf) + 1);
}

static int
get_int(const char *name)
{
	size_t len = sizeof(int);
	int v = -12345;

	OK(rump_sys_sysctlbyname(name, &v, &len, NULL, 0));
	EQ(sizeof(int), len);
	return v;
}

static void
sysctl_ostype(void **state)
{
	char buf[256];
	struct utsname u;
	size_t len = 0;

	get_string("kern.ostype", buf, sizeof(buf));
	assert_true(strlen(buf) > 0);
	/* size query: oldp NULL gives the size, including the NUL */
	OK(rump_sys_sysctlbyname("kern.ostype", NULL, &len, NULL, 0));
	EQ(strlen(buf) + 1, len);
	OK(rump_sys_uname(&u));
	assert_string_equal(u.sysname, buf);
	get_string("kern.osrelease", buf, sizeof(buf));
	assert_true(strlen(buf) > 0);
	assert_string_equal(u.release, buf);
	get_string("kern.version", buf, sizeof(buf));
	assert_true(strlen(buf) > 0);
}

static void
sysctl_hostname_default(void **state)
{
	char buf[512], host[256], want1[600], want2[600];
	struct utsname u;

	get_string("kern.hostname", buf, sizeof(buf));
	assert_int_equal(0, gethostname(host, sizeof(host)));
	snprintf(want1, sizeof(want1), "rump-%d.%s", (int)getpid(), host);
	snprintf(want2, sizeof(want2), "rump-%05d.%s", (int)getpid(), host);
	if (strcmp(buf, want1) != 0 && strcmp(buf, want2) != 0)
		fail_msg("kern.hostname is \"%s\", want \"%s\"", buf, want1);
	OK(rump_sys_uname(&u));
	assert_string_equal(u.nodename, buf);
}

static void
sysctl_hostname_write(void **state)
{
	char orig[512], buf[512];
	size_t len;
	struct utsname u;

	get_string("kern.hostname", orig, sizeof(orig));
	OK(rump_sys_sysctlbyname("kern.hostname", NULL, NULL, "newname", 8));
	get_string("kern.hostname", buf, sizeof(buf));
	assert_string_equal(buf, "newname");
	OK(rump_sys_uname(&u));
	assert_string_equal(u.nodename, "newname");
	/* read old value and write new one in the same call */
	len = sizeof(buf);
	OK(rump_sys_sysctlbyname("kern.hostname", buf, &len, "second", 7));
	assert_string_equal(buf, "newname");
	EQ(8, len);
	get_string("kern.hostname", buf, sizeof(buf));
	assert_string_equal(buf, "second");
	/* too small a buffer: ENOMEM and the full size */
	len = 3;
	ERR(ENOMEM, rump_sys_sysctlbyname("kern.hostname", buf, &len, NULL, 0));
	EQ(7, len);
	OK(rump_sys_sysctlbyname("kern.hostname", NULL, NULL, orig,
	    strlen(orig) + 1));
	get_string("kern.hostname", buf, sizeof(buf));
	assert_string_equal(buf, orig);
}

static void
sysctl_hw(void **state)
{
	struct rump_sysctlinfo info;
	int64_t mem = 0;
	size_t len = sizeof(mem);

	assert_true(get_int("hw.ncpu") >= 1);
	EQ(4096, get_int("hw.pagesize"));
	OK(rump_sys_sysctlinfo("hw.ncpu", &info));
	EQ(RUMP_CTLTYPE_INT, info.type);
	EQ(sizeof(int), info.size);
	EQ(0, info.flags & RUMP_CTLFLAG_RW);
	OK(rump_sys_sysctlbyname("hw.physmem64", &mem, &len, NULL, 0));
	EQ(sizeof(int64_t), len);
	assert_true(mem > 0);
	OK(rump_sys_sysctlinfo("hw.physmem64", &info));
	EQ(RUMP_CTLTYPE_QUAD, info.type);
	EQ(8, info.size);
}

static void
sysctl_fstypes(void **state)
{
	char buf[1024], *tok, *save;
	bool found = false;

	get_string("vfs.generic.fstypes", buf, sizeof(buf));
	/* single spaces between names, none at either end */
	assert_true(buf[0] != ' ');
	assert_true(buf[strlen(buf) - 1] != ' ');
	assert_null(strstr(buf, "  "));
	for (tok = strtok_r(buf, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save))
		found |= strcmp(tok, "tmpfs") == 0;
	assert_true(found);
}

static void
sysctl_readonly(void **state)
{
	int v = 8;
	char buf[256], after[256];

	get_string("kern.ostype", buf, sizeof(buf));
	ERR(EPERM, rump_sys_sysctlbyname("kern.ostype", NULL, NULL, "X", 2));
	get_string("kern.ostype", after, sizeof(after));
	assert_string_equal(buf, after);
	ERR(EPERM, rump_sys_sysctlbyname("hw.ncpu", NULL, NULL, &v, sizeof(v)));
	ERR(EPERM, rump_sys_sysctlbyname("hw.pagesize", NULL, NULL, &v,
	    sizeof(v)));
	ERR(EPERM, rump_sys_sysctlbyname("vfs.generic.fstypes", NULL, NULL,
	    "x", 2));
	assert_true(get_int("hw.ncpu") >= 1);
	EQ(4096, get_int("hw.pagesize"));
}

static void
sysctl_unknown(void **state)
{
	struct rump_sysctlinfo info;
	char buf[64];
	size_t len = sizeof(buf);

	ERR(ENOENT, rump_sys_sysctlbyname("kern.nosuchname", buf, &len,
	    NULL, 0));
	len = sizeof(buf);
	ERR(ENOENT, rump_sys_sysctlbyname("nosuchtop", buf, &len, NULL, 0));
	len = sizeof(buf);
	ERR(ENOENT, rump_sys_sysctlbyname("kern.hostname.deeper", buf, &len,
	    NULL, 0));
	ERR(ENOENT, rump_sys_sysctlinfo("kern.nosuchname", &info));
	/* malformed names are unknown names */
	static const char *bad[] = { "kern..hostname", "kern.", ".kern", "",
	    "kern.hostname.", "hw..ncpu" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		len = sizeof(buf);
		ERR(ENOENT, rump_sys_sysctlbyname(bad[i], buf, &len, NULL, 0));
		ERR(ENOENT, rump_sys_sysctlinfo(bad[i], &info));
	}
	ERR(ENOENT, rump_sys_sysctlnext("kern.nosuchname", buf, sizeof(buf)));
	ERR(ENOENT, rump_sys_sysctlbyname("kern.nosuchname", NULL, NULL,
	    "x", 2));
	/* interior nodes have no value */
	len = sizeof(buf);
	ERR(EISDIR, rump_sys_sysctlbyname("kern", buf, &len, NULL, 0));
	OK(rump_sys_sysctlinfo("kern", &info));
	EQ(RUMP_CTLTYPE_NODE, info.type);
	ERR(EFAULT, rump_sys_sysctlbyname(NULL, buf, &len, NULL, 0));
	ERR(EFAULT, rump_sys_sysctlinfo("kern.ostype", NULL));
}

/* Collects every name sysctlnext yields from the start; returns count. */
static int
enumerate(char (*names)[RUMP_SYSCTL_NAMEMAX], int max)
{
	char cur[RUMP_SYSCTL_NAMEMAX];
	int n = 0;

	if (rump_sys_sysctlnext(NULL, names[0], RUMP_SYSCTL_NAMEMAX) != 0)
		fail_msg("sysctlnext(NULL): %s", t_errname(errno));
	for (n = 1; n < max; n++) {
		strcpy(cur, names[n - 1]);
		if (rump_sys_sysctlnext(cur, names[n], RUMP_SYSCTL_NAMEMAX) != 0)
			break;
	}
	int e = errno;
	if (n == max)
		fail_msg("sysctlnext does not terminate after %d names", max);
	EQ(ENOENT, e);
	return n;
}

static int
cmpname(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
sysctl_enumerate(void **state)
{
	static char first[MAXNAMES][RUMP_SYSCTL_NAMEMAX];
	static char second[MAXNAMES][RUMP_SYSCTL_NAMEMAX];
	static char sorted[MAXNAMES][RUMP_SYSCTL_NAMEMAX];
	static const char *must[] = { "kern.hostname", "kern.ostype",
	    "kern.osrelease", "kern.version", "kern.boottime",
	    "kern.maxfiles", "kern.maxproc", "hw.ncpu", "hw.pagesize",
	    "hw.physmem64", "vfs.generic.fstypes" };
	struct rump_sysctlinfo info;
	int n, m;

	n = enumerate(first, MAXNAMES);
	m = enumerate(second, MAXNAMES);
	EQ(n, m);
	for (int i = 0; i < n; i++)
		assert_string_equal(first[i], second[i]);
	memcpy(sorted, first, sizeof(sorted));
	qsort(sorted, (size_t)n, sizeof(sorted[0]), cmpname);
	for (int i = 1; i < n; i++)
		if (strcmp(sorted[i - 1], sorted[i]) == 0)
			fail_msg("sysctlnext yields %s twice", sorted[i]);
	for (size_t k = 0; k < sizeof(must) / sizeof(must[0]); k++)
		assert_non_null(bsearch(must[k], sorted, (size_t)n,
		    sizeof(sorted[0]), cmpname));
	/* every name yielded is a readable leaf */
	for (int i = 0; i < n; i++) {
		size_t len = 0;

		OK(rump_sys_sysctlinfo(first[i], &info));
		assert_true(info.type != RUMP_CTLTYPE_NODE);
		OK(rump_sys_sysctlbyname(first[i], NULL, &len, NULL, 0));
	}
	/* starting inside a subtree stays in order */
	char next[RUMP_SYSCTL_NAMEMAX];
	OK(rump_sys_sysctlnext("hw", next, sizeof(next)));
	assert_memory_equal(next, "hw.", 3);
	for (int i = 0; i + 1 < n; i++) {
		OK(rump_sys_sysctlnext(first[i], next, sizeof(next)));
		assert_string_equal(next, first[i + 1]);
	}
	ERR(ENOENT, rump_sys_sysctlnext(first[n - 1], next, sizeof(next)));
}

static void
sysctl_info_types(void **state)
{
	struct rump_sysctlinfo info;
	char buf[512];
	size_t len = 0;

	OK(rump_sys_sysctlinfo("kern.hostname", &info));
	EQ(RUMP_CTLTYPE_STRING, info.type);
	assert_true((info.flags & RUMP_CTLFLAG_RW) != 0);
	get_string("kern.hostname", buf, sizeof(buf));
	EQ(strlen(buf) + 1, info.size);
	OK(rump_sys_sysctlinfo("kern.ostype", &info));
	EQ(RUMP_CTLTYPE_STRING, info.type);
	EQ(0, info.flags & RUMP_CTLFLAG_RW);
	OK(rump_sys_sysctlinfo("kern.maxfiles", &info));
	EQ(RUMP_CTLTYPE_INT, info.type);
	assert_true((info.flags & RUMP_CTLFLAG_RW) != 0);
	OK(rump_sys_sysctlinfo("kern.boottime", &info));
	EQ(RUMP_CTLTYPE_TIMEVAL, info.type);
	EQ(sizeof(struct timeval), info.size);
	OK(rump_sys_sysctlbyname("kern.boottime", NULL, &len, NULL, 0));
	EQ(sizeof(struct timeval), len);
	OK(rump_sys_sysctlinfo("vfs", &info));
	EQ(RUMP_CTLTYPE_NODE, info.type);
	OK(rump_sys_sysctlinfo("vfs.generic", &info));
	EQ(RUMP_CTLTYPE_NODE, info.type);
}

static void
sysctl_boottime(void **state)
{
	struct timeval bt, now;
	size_t len = sizeof(bt);

	OK(rump_sys_sysctlbyname("kern.boottime", &bt, &len, NULL, 0));
	OK(rump_sys_gettimeofday(&now, NULL));
	assert_true(bt.tv_sec <= now.tv_sec);
	assert_true(bt.tv_sec > now.tv_sec - 3600);
	assert_true(bt.tv_usec >= 0 && bt.tv_usec < 1000000);
}

static void
sysctl_int_write(void **state)
{
	int orig = get_int("kern.maxfiles"), v;
	short small = 1;

	v = orig + 1;
	OK(rump_sys_sysctlbyname("kern.maxfiles", NULL, NULL, &v, sizeof(v)));
	EQ(orig + 1, get_int("kern.maxfiles"));
	ERR(EINVAL, rump_sys_sysctlbyname("kern.maxfiles", NULL, NULL, &small,
	    sizeof(small)));
	EQ(orig + 1, get_int("kern.maxfiles"));
	OK(rump_sys_sysctlbyname("kern.maxfiles", NULL, NULL, &orig,
	    sizeof(orig)));
	EQ(orig, get_int("kern.maxfiles"));
}

static void
sysctl_nonroot(void **state)
{
	char buf[512], after[512];
	int v;

	get_string("kern.hostname", buf, sizeof(buf));
	v = get_int("kern.maxfiles");
	t_become(1000, 1000);
	/* reading is for everyone, writing for root */
	get_string("kern.hostname", after, sizeof(after));
	assert_string_equal(buf, after);
	ERR(EPERM, rump_sys_sysctlbyname("kern.hostname", NULL, NULL, "evil",
	    5));
	ERR(EPERM, rump_sys_sysctlbyname("kern.maxfiles", NULL, NULL, &v,
	    sizeof(v)));
	t_unbecome();
	get_string("kern.hostname", after, sizeof(after));
	assert_string_equal(buf, after);
}

static void
sysctl_hostname_long(void **state)
{
	static char name[1001];
	char orig[512];
	struct utsname u;

	get_string("kern.hostname", orig, sizeof(orig));
	memset(name, 'h', 1000);
	ERR(EINVAL, rump_sys_sysctlbyname("kern.hostname", NULL, NULL, name,
	    1001));
	name[100] = '\0';
	/* either refused, or uname still gets a terminated nodename */
	if (rump_sys_sysctlbyname("kern.hostname", NULL, NULL, name, 101) == 0) {
		OK(rump_sys_uname(&u));
		assert_true(strnlen(u.nodename, sizeof(u.nodename)) <
		    sizeof(u.nodename));
		assert_memory_equal(u.nodename, name, strlen(u.nodename));
	} else
		EQ(EINVAL, errno);
	OK(rump_sys_sysctlbyname("kern.hostname", NULL, NULL, orig,
	    strlen(orig) + 1));
	OK(rump_sys_uname(&u));
	assert_string_equal(u.nodename, orig);
}

static const struct CMUnitTest tests[] = {
	T(sysctl_ostype),
	T(sysctl_hostname_default),
	T(sysctl_hostname_write),
	T(sysctl_hw),
	T(sysctl_fstypes),
	T(sysctl_readonly),
	T(sysctl_unknown),
	T(sysctl_enumerate),
	T(sysctl_info_types),
	T(sysctl_boottime),
	T(sysctl_int_write),
	T(sysctl_nonroot),
	T(sysctl_hostname_long),
};

T_MAIN("sysctl", tests)
