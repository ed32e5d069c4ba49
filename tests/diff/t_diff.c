/*
 * t_diff.c — the differential test's driver: every area (one cmocka case
 * each, so a failure is named) runs once against the host's own tmpfs, in
 * a fresh directory under /dev/shm, and once against the rump kernel, in
 * a fresh directory under its /tmp; the two result logs must be equal
 * line by line.  The host is the reference for Linux semantics.
 *
 *   t_diff [filter]          run the areas whose names match (cmocka glob)
 *   DIFFTEST_LOGDIR=dir      also write both logs of every area there
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <cmocka.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

#include "difftest.h"

#ifndef TMPFS_MAGIC
#define TMPFS_MAGIC 0x01021994
#endif

static char hostbase[256];
static const char rumpbase[] = "/tmp/difftest";

/* /dev/shm is tmpfs on any usual Linux; /tmp is the fallback. */
static int
make_hostbase(void)
{
	static const char *const cand[] = { "/dev/shm", "/tmp" };
	struct statfs sf;

	for (size_t i = 0; i < 2; i++) {
		if (statfs(cand[i], &sf) != 0 || sf.f_type != TMPFS_MAGIC)
			continue;
		snprintf(hostbase, sizeof(hostbase), "%s/difftest.XXXXXX", cand[i]);
		return mkdtemp(hostbase) != NULL ? 0 : -1;
	}
	fprintf(stderr, "t_diff: no tmpfs found, using /tmp (results may differ)\n");
	snprintf(hostbase, sizeof(hostbase), "/tmp/difftest.XXXXXX");
	return mkdtemp(hostbase) != NULL ? 0 : -1;
}

static int
group_setup(void **state)
{
	signal(SIGPIPE, SIG_IGN);
	umask(022);
	if (make_hostbase() != 0 || chmod(hostbase, 0755) != 0) {
		perror("t_diff: host directory");
		return -1;
	}
	if (rump_init() != 0) {
		fprintf(stderr, "t_diff: rump_init failed\n");
		return -1;
	}
	rump_sys_umask(022);
	rmtree(&rump_ops, rumpbase);
	if (rump_sys_mkdir(rumpbase, 0755) != 0 ||
	    rump_sys_chmod(rumpbase, 0755) != 0) {
		perror("t_diff: rump directory");
		return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	rmtree(&host_ops, hostbase);
	rmtree(&rump_ops, rumpbase);
	return 0;
}

static void
save_log(const char *area, const char *side, const struct dlog *g)
{
	const char *dir = getenv("DIFFTEST_LOGDIR");
	char path[512];
	FILE *f;

	if (dir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s.%s.log", dir, area, side);
	if ((f = fopen(path, "w")) == NULL)
		return;
	for (size_t i = 0; i < g->n; i++)
		fprintf(f, "%s\n", g->line[i]);
	fclose(f);
}

static void
run_side(const struct dops *o, const char *base, const char *area,
    void (*fn)(struct dctx *), struct dlog *log)
{
	struct dctx c = { .o = o, .log = log };

	dlog_init(log);
	R(&c, o->chdir(base), "chdir base");
	rmtree(o, area);
	R(&c, o->mkdir(area, 0755), "mkdir area");
	if (R(&c, o->chdir(area), "chdir area") == 0)
		fn(&c);
	o->chdir(base);
	rmtree(o, area);
	save_log(area, o->name, log);
}

static void
run_area(const char *area, void (*fn)(struct dctx *))
{
	struct dlog h, r;
	int rc;

	/* the host side needs root to chown and to play another user */
	if (geteuid() != 0 && (strcmp(area, "perm") == 0 ||
	    strcmp(area, "umask_times") == 0)) {
		printf("%s: skipped, the host side needs root\n", area);
		skip();
	}
	run_side(&host_ops, hostbase, area, fn, &h);
	run_side(&rump_ops, rumpbase, area, fn, &r);
	rc = dlog_compare(&h, &r);
	if (rc == 0)
		printf("%s: %zu results agree\n", area, h.n);
	dlog_free(&h);
	dlog_free(&r);
	if (rc != 0)
		fail_msg("%s: host and rump results differ (see above)", area);
}

#define AREA(name)							\
	static void t_##name(void **state) { run_area(#name, area_##name); }

AREA(tree)
AREA(sizes)
AREA(bigfiles)
AREA(io)
AREA(rename)
AREA(links)
AREA(getdents)
AREA(perm)
AREA(umask_times)
AREA(locks)
AREA(flock_ofd)
AREA(pipes)
AREA(fds)
AREA(special)

/* A kernel that never wakes a sleeper fails the program in bounded time. */
static void
watchdog(int sig)
{
	static const char msg[] = "t_diff: watchdog: still running after 240 s, "
	    "a blocked call never returned?\n";

	write(2, msg, sizeof(msg) - 1);
	_exit(70);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_tree),
		cmocka_unit_test(t_sizes),
		cmocka_unit_test(t_bigfiles),
		cmocka_unit_test(t_io),
		cmocka_unit_test(t_rename),
		cmocka_unit_test(t_links),
		cmocka_unit_test(t_getdents),
		cmocka_unit_test(t_perm),
		cmocka_unit_test(t_umask_times),
		cmocka_unit_test(t_locks),
		cmocka_unit_test(t_flock_ofd),
		cmocka_unit_test(t_pipes),
		cmocka_unit_test(t_fds),
		cmocka_unit_test(t_special),
	};

	signal(SIGALRM, watchdog);
	alarm(240);
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return cmocka_run_group_tests_name("diff", tests, group_setup,
	    group_teardown);
}
