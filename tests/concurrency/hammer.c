/*
 * hammer.c — what each thread of the concurrency test does: a seeded
 * random mix of name-space operations on overlapping directories, content
 * checks of whatever it can open, pipe messages, dup/close on the shared
 * descriptor table, POSIX and OFD locks, O_APPEND records and sysctl.
 * Every result is checked against the errors a race can legitimately give.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rump/rump_syscalls.h>

#include "conc.h"

struct ld64 {
	uint64_t	d_ino;
	int64_t		d_off;
	unsigned short	d_reclen;
	unsigned char	d_type;
	char		d_name[];
};

static void
path_n(char *buf, size_t len, uint64_t *r)
{
	snprintf(buf, len, "/conc/d%d/n%d", (int)(rnd(r) % NDIRS),
	    (int)(rnd(r) % NNAMES));
}

static void
path_s(char *buf, size_t len, uint64_t *r)
{
	snprintf(buf, len, "/conc/d%d/s%d", (int)(rnd(r) % NDIRS),
	    (int)(rnd(r) % NSUBS));
}

/* Whole file written under a private name, then renamed into place. */
static void
op_create(struct cthr *t, bool insub)
{
	unsigned char buf[MAXFILE];
	char tmp[64], dst[64];
	size_t len;
	int fd, d = (int)(rnd(&t->rng) % NDIRS);

	snprintf(tmp, sizeof(tmp), "/conc/d%d/t%d_%ld", d, t->id, t->iters);
	if (insub)
		snprintf(dst, sizeof(dst), "/conc/d%d/s%d/f", d,
		    (int)(rnd(&t->rng) % NSUBS));
	else
		path_n(dst, sizeof(dst), &t->rng);
	content_make(buf, &len, rnd(&t->rng));
	fd = rump_sys_open(tmp, O_CREAT | O_EXCL | O_WRONLY, 0644);
	if (fd < 0) {
		cfail("create %s: %s", tmp, strerror(errno));
		return;
	}
	if (rump_sys_write(fd, buf, len) != (ssize_t)len)
		cfail("write %s: %s", tmp, strerror(errno));
	rump_sys_close(fd);
	if (rump_sys_rename(tmp, dst) != 0) {
		/* s-dirs vanish; an n-name may have become a directory never */
		expect("rename", dst, -1, insub ? ENOENT : 0, 0, 0);
		expect("unlink", tmp, rump_sys_unlink(tmp), 0, 0, 0);
	}
}

static void
op_read(struct cthr *t)
{
	unsigned char buf[MAXFILE + 1];
	char p[64];
	ssize_t k, n = 0;
	int fd;

	path_n(p, sizeof(p), &t->rng);
	fd = rump_sys_open(p, O_RDONLY, 0);
	if (fd < 0) {
		expect("open", p, fd, ENOENT, ELOOP, 0);
		return;
	}
	while (n < (ssize_t)sizeof(buf) &&
	    (k = rump_sys_read(fd, buf + n, sizeof(buf) - (size_t)n)) > 0)
		n += k;
	if (!content_ok(buf, (size_t)n))
		cfail("bad content in %s (%zd bytes)", p, n);
	expect("close", p, rump_sys_close(fd), 0, 0, 0);
}

static void
op_names(struct cthr *t, int which)
{
	char a[64], b[64], target[16];
	struct stat st;

	path_n(a, sizeof(a), &t->rng);
	switch (which) {
	case 0:
		expect("unlink", a, rump_sys_unlink(a), ENOENT, 0, 0);
		break;
	case 1:
		path_n(b, sizeof(b), &t->rng);
		expect("link", b, rump_sys_link(a, b), ENOENT, EEXIST, 0);
		break;
	case 2:
		snprintf(target, sizeof(target), "n%d",
		    (int)(rnd(&t->rng) % NNAMES));
		expect("symlink", a, rump_sys_symlink(target, a), EEXIST, 0, 0);
		break;
	case 4:
		path_n(b, sizeof(b), &t->rng);
		expect("rename", b, rump_sys_rename(a, b), ENOENT, 0, 0);
		break;
	case 5:
		path_n(b, sizeof(b), &t->rng);
		expect("exchange", b, rump_sys_renameat2(AT_FDCWD, a, AT_FDCWD,
		    b, RENAME_EXCHANGE), ENOENT, 0, 0);
		break;
	case 3:
		if (rump_sys_lstat(a, &st) != 0)
			expect("lstat", a, -1, ENOENT, 0, 0);
		else if (st.st_nlink < 1 || (!S_ISREG(st.st_mode) &&
		    !S_ISLNK(st.st_mode)))
			cfail("lstat %s: mode %o nlink %lu", a, st.st_mode,
			    (unsigned long)st.st_nlink);
		else if (S_ISREG(st.st_mode) && st.st_size < HDRSZ)
			cfail("lstat %s: size %lld", a, (long long)st.st_size);
		break;
	}
}

static void
op_dirs(struct cthr *t, int which)
{
	char a[64], b[64];

	path_s(a, sizeof(a), &t->rng);
	switch (which) {
	case 0:
		expect("mkdir", a, rump_sys_mkdir(a, 0755), EEXIST, 0, 0);
		break;
	case 1:
		expect("rmdir", a, rump_sys_rmdir(a), ENOENT, ENOTEMPTY, 0);
		break;
	case 2:
		path_s(b, sizeof(b), &t->rng);
		expect("rename dir", b, rump_sys_rename(a, b), ENOENT,
		    ENOTEMPTY, EEXIST);
		break;
	case 3:
		snprintf(b, sizeof(b), "%s/f", a);
		expect("unlink", b, rump_sys_unlink(b), ENOENT, 0, 0);
		break;
	}
}

static bool
name_ok(const char *s, unsigned char type)
{
	int a, b;
	char extra;

	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return type == DT_DIR;
	if (sscanf(s, "n%d%c", &a, &extra) == 1)
		return a >= 0 && a < NNAMES && (type == DT_REG || type == DT_LNK);
	if (sscanf(s, "s%d%c", &a, &extra) == 1)
		return a >= 0 && a < NSUBS && type == DT_DIR;
	if (sscanf(s, "t%d_%d%c", &a, &b, &extra) == 2)
		return a >= 0 && a < NTHR && type == DT_REG;
	return false;
}

static void
op_getdents(struct cthr *t)
{
	char p[64], buf[2048];
	ssize_t k;
	int fd;

	snprintf(p, sizeof(p), "/conc/d%d", (int)(rnd(&t->rng) % NDIRS));
	fd = rump_sys_open(p, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		cfail("open %s: %s", p, strerror(errno));
		return;
	}
	while ((k = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < k;) {
			struct ld64 *d = (struct ld64 *)(buf + off);

			if (d->d_reclen == 0 || off + d->d_reclen > k) {
				cfail("getdents %s: bad reclen %u", p, d->d_reclen);
				break;
			}
			if (!name_ok(d->d_name, d->d_type))
				cfail("getdents %s: bad entry '%.40s' type %u", p,
				    d->d_name, d->d_type);
			off += d->d_reclen;
		}
	}
	if (k < 0)
		cfail("getdents %s: %s", p, strerror(errno));
	rump_sys_close(fd);
}

/* 16-byte messages through the process's shared non-blocking pipe. */
static void
op_pipe(struct cthr *t)
{
	struct cproc *pr = t->proc;
	uint64_t msg[2];
	ssize_t k;

	if (rnd(&t->rng) & 1) {
		msg[0] = ((uint64_t)t->id << 32) | (uint64_t)t->iters;
		msg[1] = msg[0] * 0x9e3779b97f4a7c15ULL;
		k = rump_sys_write(pr->pipefd[1], msg, MSGSZ);
		if (k == MSGSZ)
			atomic_fetch_add(&pr->sent, 1);
		else
			expect("pipe write", "", (int)k, EAGAIN, 0, 0);
	} else {
		k = rump_sys_read(pr->pipefd[0], msg, MSGSZ);
		if (k == MSGSZ) {
			atomic_fetch_add(&pr->recvd, 1);
			if (msg[1] != msg[0] * 0x9e3779b97f4a7c15ULL)
				cfail("pipe message torn");
		} else if (k < 0) {
			expect("pipe read", "", (int)k, EAGAIN, 0, 0);
		} else {
			cfail("pipe read returned %zd", k);
		}
	}
}

/*
 * One descriptor slot that every thread of the process dup2()s onto,
 * fstat()s and closes at once: whatever it finds there must be whole.
 */
static void
op_slot(struct cthr *t)
{
	struct stat st;
	int src = (rnd(&t->rng) & 1) ? t->lockfd : t->proc->pipefd[1];

	switch (rnd(&t->rng) % 3) {
	case 0:
		if (rump_sys_dup2(src, SHARED_SLOT) != SHARED_SLOT)
			cfail("dup2 to shared slot: %s", strerror(errno));
		break;
	case 1:
		if (rump_sys_fstat(SHARED_SLOT, &st) == 0) {
			if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode))
				cfail("shared slot: mode %o", st.st_mode);
		} else {
			expect("fstat slot", "", -1, EBADF, 0, 0);
		}
		break;
	default:
		expect("close slot", "", rump_sys_close(SHARED_SLOT), EBADF, 0, 0);
		break;
	}
}

/* dup/dup2/F_DUPFD on the table all threads of the process share. */
static void
op_dup(struct cthr *t)
{
	int src = t->proc->pipefd[0], fd, target = 200 + t->id;
	struct stat st;

	switch (rnd(&t->rng) % 3) {
	case 0:
		fd = rump_sys_dup(src);
		break;
	case 1:
		fd = rump_sys_dup2(src, target);
		if (fd >= 0 && fd != target)
			cfail("dup2 returned %d, not %d", fd, target);
		break;
	default:
		fd = rump_sys_fcntl(src, F_DUPFD_CLOEXEC, 100);
		if (fd >= 0 && fd < 100)
			cfail("F_DUPFD_CLOEXEC returned %d", fd);
		if (fd >= 0 && rump_sys_fcntl(fd, F_GETFD) != FD_CLOEXEC)
			cfail("F_DUPFD_CLOEXEC: no FD_CLOEXEC");
		break;
	}
	if (fd < 0) {
		cfail("dup: %s", strerror(errno));
		return;
	}
	if (rump_sys_fstat(fd, &st) != 0 || !S_ISFIFO(st.st_mode))
		cfail("fstat of dup %d: %s", fd, strerror(errno));
	expect("close dup", "", rump_sys_close(fd), 0, 0, 0);
}

static void
op_lock(struct cthr *t)
{
	struct flock fl = {
		.l_type = (rnd(&t->rng) & 1) ? F_WRLCK : F_RDLCK,
		.l_whence = SEEK_SET,
		.l_start = (off_t)(rnd(&t->rng) % 100),
		.l_len = (off_t)(1 + rnd(&t->rng) % 20),
	};
	int rv = rump_sys_fcntl(t->lockfd, F_SETLK, &fl);

	expect("F_SETLK", "", rv, EAGAIN, 0, 0);
	fl.l_type = F_WRLCK;
	if (rump_sys_fcntl(t->lockfd, F_GETLK, &fl) != 0)
		cfail("F_GETLK: %s", strerror(errno));
	else if (fl.l_type != F_UNLCK && (fl.l_pid == t->proc->pid ||
	    fl.l_pid <= 1))
		cfail("F_GETLK reports pid %d", fl.l_pid);
	fl.l_type = F_UNLCK;
	expect("F_UNLCK", "", rump_sys_fcntl(t->lockfd, F_SETLK, &fl), 0, 0, 0);
}

/*
 * The first thread of each process takes two of four bytes with F_SETLKW
 * in random order: cycles between processes form and must be broken with
 * EDEADLK (a kernel that misses one hangs here, and the watchdog fires).
 * Other threads of the process share its POSIX locks, so only one plays.
 */
static void
op_deadlock(struct cthr *t)
{
	int a = (int)(rnd(&t->rng) % 4), b = (a + 1 + (int)(rnd(&t->rng) % 3)) % 4;
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
	    .l_start = 1000 + a, .l_len = 1 };

	if (rump_sys_fcntl(t->lockfd, F_SETLKW, &fl) != 0) {
		t->deadlocks += errno == EDEADLK;
		expect("SETLKW first", "", -1, EDEADLK, 0, 0);
		return;
	}
	usleep(200);	/* widen the window in which cycles form */
	fl.l_start = 1000 + b;
	if (rump_sys_fcntl(t->lockfd, F_SETLKW, &fl) != 0) {
		t->deadlocks += errno == EDEADLK;
		expect("SETLKW second", "", -1, EDEADLK, 0, 0);
	}
	fl = (struct flock){ .l_type = F_UNLCK, .l_whence = SEEK_SET,
	    .l_start = 1000, .l_len = 4 };
	expect("unlock dance", "", rump_sys_fcntl(t->lockfd, F_SETLK, &fl), 0, 0, 0);
}

/* A counter in a file, incremented under an exclusive OFD lock. */
static void
op_counter(struct cthr *t)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_len = 8 };
	uint64_t v = 0;

	if (rump_sys_fcntl(t->counterfd, F_OFD_SETLKW, &fl) != 0) {
		cfail("F_OFD_SETLKW: %s", strerror(errno));
		return;
	}
	if (rump_sys_pread(t->counterfd, &v, 8, 0) != 8)
		cfail("counter pread: %s", strerror(errno));
	v++;
	if (rump_sys_pwrite(t->counterfd, &v, 8, 0) != 8)
		cfail("counter pwrite: %s", strerror(errno));
	t->increments++;
	fl.l_type = F_UNLCK;
	expect("F_OFD unlock", "", rump_sys_fcntl(t->counterfd, F_OFD_SETLK, &fl),
	    0, 0, 0);
}

static void
op_append(struct cthr *t)
{
	unsigned char rec[RECSZ];

	record_make(rec, t->id, t->appends);
	if (rump_sys_write(t->appendfd, rec, RECSZ) != RECSZ)
		cfail("append: %s", strerror(errno));
	else
		t->appends++;
}

/* Either the boot-time name or one whole name some thread wrote. */
static bool
hostname_ok(const char *s)
{
	int id, end = 0;

	if (strncmp(s, "rump-", 5) == 0)
		return true;
	return sscanf(s, "conc-%d%n", &id, &end) == 1 && s[end] == '\0' &&
	    id >= 0 && id < NTHR;
}

static void
op_sysctl(struct cthr *t)
{
	char val[64], next[128];
	size_t len = sizeof(val);
	int k;

	switch (rnd(&t->rng) % 3) {
	case 0:
		if (rump_sys_sysctlbyname("kern.hostname", val, &len, NULL, 0) != 0)
			cfail("sysctl read hostname: %s", strerror(errno));
		else if (!hostname_ok(val))
			cfail("sysctl hostname '%.40s'", val);
		break;
	case 1:
		k = snprintf(val, sizeof(val), "conc-%d", t->id);
		if (rump_sys_sysctlbyname("kern.hostname", NULL, NULL, val,
		    (size_t)k + 1) != 0)
			cfail("sysctl write hostname: %s", strerror(errno));
		break;
	default:
		if (rump_sys_sysctlbyname("kern.ostype", val, &len, NULL, 0) != 0)
			cfail("sysctl kern.ostype: %s", strerror(errno));
		if (rump_sys_sysctlnext("kern", next, sizeof(next)) != 0)
			cfail("sysctlnext kern: %s", strerror(errno));
		break;
	}
}

static void
one_op(struct cthr *t)
{
	int op = (int)(rnd(&t->rng) % 20), sub = (int)(rnd(&t->rng) % 6);

	t->ops[op]++;
	switch (op) {
	case 0: case 1: op_create(t, false); break;
	case 2: op_create(t, true); break;
	case 3: case 4: op_read(t); break;
	case 5: case 6: case 7: op_names(t, sub); break;
	case 8: case 9: op_dirs(t, sub % 4); break;
	case 10: op_getdents(t); break;
	case 11: case 12: op_pipe(t); break;
	case 13: op_dup(t); break;
	case 14: op_lock(t); break;
	case 15: op_counter(t); break;
	case 16: op_append(t); break;
	case 17: op_sysctl(t); break;
	case 18: op_slot(t); break;
	default:
		if (t->id % NTHR_PER == 0)
			op_deadlock(t);
		else
			op_names(t, 3);
		break;
	}
}

void
hammer_thread(struct cthr *t)
{
	const char *env = getenv("CONC_ITERS");
	long n = env != NULL ? strtol(env, NULL, 10) : CONC_ITERS_DEFAULT;

	t->lockfd = rump_sys_open("/conc/lockfile", O_RDWR, 0);
	t->appendfd = rump_sys_open("/conc/append", O_WRONLY | O_APPEND, 0);
	t->counterfd = rump_sys_open("/conc/counter", O_RDWR, 0);
	if (t->lockfd < 0 || t->appendfd < 0 || t->counterfd < 0) {
		cfail("thread %d: open shared files: %s", t->id, strerror(errno));
		return;
	}
	for (t->iters = 0; t->iters < n; t->iters++)
		one_op(t);
	rump_sys_close(t->lockfd);
	rump_sys_close(t->appendfd);
	rump_sys_close(t->counterfd);
}
