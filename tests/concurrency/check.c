/*
 * check.c — the concurrency test's helpers (failure recording, seeded
 * random numbers, self-describing file contents and records) and its final
 * invariants: every directory listing equals the set of names lstat finds,
 * no temporary file survives, every file's contents are whole, link counts
 * equal the names found, directory link counts equal 2 + subdirectories,
 * the O_APPEND log holds every record exactly once and the OFD-locked
 * counter lost no increment.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rump/rump_syscalls.h>

#include "conc.h"

void
cfail(const char *fmt, ...)
{
	va_list ap;

	if (atomic_fetch_add(&C.nfail, 1) != 0)
		return;
	pthread_mutex_lock(&C.faillock);
	va_start(ap, fmt);
	vsnprintf(C.firstfail, sizeof(C.firstfail), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&C.faillock);
}

void
expect(const char *op, const char *path, int rv, int ok1, int ok2, int ok3)
{
	int e = errno;

	if (rv >= 0)
		return;
	if ((ok1 != 0 && e == ok1) || (ok2 != 0 && e == ok2) ||
	    (ok3 != 0 && e == ok3))
		return;
	cfail("%s %s: unexpected %s", op, path, strerrorname_np(e));
}

uint64_t
rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static unsigned char
pat(uint64_t seed, size_t i)
{
	return (unsigned char)(seed * 31 + i * 7 + (i >> 8));
}

void
content_make(unsigned char *buf, size_t *len, uint64_t seed)
{
	uint32_t n = (uint32_t)(HDRSZ + seed % (MAXFILE - HDRSZ));
	uint64_t check = seed ^ n ^ 0x434f4e43ULL;

	memset(buf, 0, HDRSZ);
	memcpy(buf, "CONC", 4);
	memcpy(buf + 4, &n, 4);
	memcpy(buf + 8, &seed, 8);
	memcpy(buf + 16, &check, 8);
	for (size_t i = HDRSZ; i < n; i++)
		buf[i] = pat(seed, i);
	*len = n;
}

bool
content_ok(const unsigned char *buf, size_t len)
{
	uint64_t seed, check;
	uint32_t n;

	if (len < HDRSZ || memcmp(buf, "CONC", 4) != 0)
		return false;
	memcpy(&n, buf + 4, 4);
	memcpy(&seed, buf + 8, 8);
	memcpy(&check, buf + 16, 8);
	if (n != len || check != (seed ^ n ^ 0x434f4e43ULL))
		return false;
	for (size_t i = HDRSZ; i < n; i++)
		if (buf[i] != pat(seed, i))
			return false;
	return true;
}

void
record_make(unsigned char rec[RECSZ], int tid, long seq)
{
	uint64_t a = (uint64_t)tid, b = (uint64_t)seq;
	uint64_t h = (a * 0x9e3779b97f4a7c15ULL) ^ (b * 0xc2b2ae3d27d4eb4fULL);

	for (int i = 0; i < RECSZ; i += 8) {
		uint64_t w = i == 0 ? a : i == 8 ? b : h + (uint64_t)i;

		memcpy(rec + i, &w, 8);
	}
}

bool
record_ok(const unsigned char rec[RECSZ], int *tid, long *seq)
{
	unsigned char want[RECSZ];
	uint64_t a, b;

	memcpy(&a, rec, 8);
	memcpy(&b, rec + 8, 8);
	if (a >= NTHR)
		return false;
	record_make(want, (int)a, (long)b);
	*tid = (int)a;
	*seq = (long)b;
	return memcmp(want, rec, RECSZ) == 0;
}

int
count_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < NFDSCAN; fd++)
		n += rump_sys_fcntl(fd, F_GETFD) >= 0;
	return n;
}

/* Inodes seen by the final walk and how many names each had. */
struct inoseen {
	ino_t	ino;
	nlink_t	nlink;
	int	names;
	char	path[64];
};
static struct inoseen seen[NDIRS * (NNAMES + NSUBS) + 8];
static int nseen, nfiles, nsubdirs;

static void
note_inode(const char *path, const struct stat *st)
{
	for (int i = 0; i < nseen; i++) {
		if (seen[i].ino == st->st_ino) {
			seen[i].names++;
			return;
		}
	}
	seen[nseen].ino = st->st_ino;
	seen[nseen].nlink = st->st_nlink;
	seen[nseen].names = 1;
	snprintf(seen[nseen].path, sizeof(seen[0].path), "%s", path);
	nseen++;
}

static void
check_file(const char *path)
{
	unsigned char *buf = malloc(MAXFILE + 1);
	ssize_t n;
	int fd = rump_sys_open(path, O_RDONLY | O_NOFOLLOW, 0);

	if (fd < 0) {
		cfail("final open %s: %s", path, strerror(errno));
		free(buf);
		return;
	}
	nfiles++;
	n = rump_sys_read(fd, buf, MAXFILE + 1);
	if (n < 0 || !content_ok(buf, (size_t)n))
		cfail("final content of %s bad (%zd bytes)", path, n);
	rump_sys_close(fd);
	free(buf);
}

/* Names in a directory, as getdents64 lists them. */
static int
listing(const char *dir, char names[][32], int max)
{
	char buf[4096];
	int fd = rump_sys_open(dir, O_RDONLY | O_DIRECTORY, 0), n = 0;
	ssize_t k;

	if (fd < 0)
		return -1;
	while ((k = rump_sys_getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < k;) {
			const char *name = buf + off + 19;

			off += *(unsigned short *)(buf + off + 16);
			if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
				continue;
			if (n < max)
				snprintf(names[n], 32, "%s", name);
			n++;
		}
	}
	rump_sys_close(fd);
	return n;
}

static bool
listed(char names[][32], int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return true;
	return false;
}

/* Every candidate name is stat-able exactly when it is listed. */
static int
check_names(const char *dir, char names[][32], int n, char kind, int count)
{
	char path[96], name[16];
	struct stat st;
	int subdirs = 0;

	for (int i = 0; i < count; i++) {
		snprintf(name, sizeof(name), "%c%d", kind, i);
		snprintf(path, sizeof(path), "%s/%s", dir, name);
		if ((rump_sys_lstat(path, &st) == 0) != listed(names, n, name)) {
			cfail("%s: lstat and listing disagree", path);
			continue;
		}
		if (!listed(names, n, name))
			continue;
		if (!S_ISDIR(st.st_mode))
			note_inode(path, &st);
		if (S_ISREG(st.st_mode))
			check_file(path);
		if (S_ISDIR(st.st_mode))
			subdirs++;
		nsubdirs += S_ISDIR(st.st_mode);
	}
	return subdirs;
}

static bool
top_name_ok(const char *name)
{
	int i;
	char extra;

	if (sscanf(name, "n%d%c", &i, &extra) == 1)
		return i >= 0 && i < NNAMES;
	if (sscanf(name, "s%d%c", &i, &extra) == 1)
		return i >= 0 && i < NSUBS;
	return false;
}

static void
check_subdir(const char *dir, char names[][32], int n)
{
	char path[96];
	struct stat st;

	for (int i = 0; i < n; i++)
		if (strcmp(names[i], "f") != 0)
			cfail("%s/%s: unexpected entry", dir, names[i]);
	if (!listed(names, n, "f"))
		return;
	snprintf(path, sizeof(path), "%s/f", dir);
	if (rump_sys_lstat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		cfail("%s: listed but not a file", path);
		return;
	}
	note_inode(path, &st);
	check_file(path);
}

static void
check_dir(const char *dir, bool top)
{
	char names[64][32], sub[96];
	int n = listing(dir, names, 64), subdirs = 0;
	struct stat st;

	if (n < 0 || n > 64) {
		cfail("final listing %s: %d entries", dir, n);
		return;
	}
	for (int i = 0; i < n; i++)
		if (names[i][0] == 't')
			cfail("%s/%s: temporary file left behind", dir, names[i]);
		else if (top && !top_name_ok(names[i]))
			cfail("%s/%s: unexpected entry", dir, names[i]);
	if (top) {
		subdirs = check_names(dir, names, n, 's', NSUBS);
		check_names(dir, names, n, 'n', NNAMES);
		for (int i = 0; i < NSUBS; i++) {
			snprintf(sub, sizeof(sub), "%s/s%d", dir, i);
			if (listed(names, n, sub + strlen(dir) + 1))
				check_dir(sub, false);
		}
	} else {
		check_subdir(dir, names, n);
	}
	if (rump_sys_stat(dir, &st) != 0 || st.st_nlink != (nlink_t)(2 + subdirs))
		cfail("%s: nlink %lu with %d subdirectories", dir,
		    (unsigned long)st.st_nlink, subdirs);
}

void
check_tree(void)
{
	char dir[32];

	int multi = 0;

	nseen = nfiles = nsubdirs = 0;
	for (int d = 0; d < NDIRS; d++) {
		snprintf(dir, sizeof(dir), "/conc/d%d", d);
		check_dir(dir, true);
	}
	for (int i = 0; i < nseen; i++) {
		if ((int)seen[i].nlink != seen[i].names)
			cfail("%s: nlink %lu but %d names", seen[i].path,
			    (unsigned long)seen[i].nlink, seen[i].names);
		multi += seen[i].names > 1;
	}
	printf("final tree: %d inodes (%d with several names), %d files read, "
	    "%d subdirectories\n", nseen, multi, nfiles, nsubdirs);
}

void
check_shared(long appends[NTHR], long increments)
{
	unsigned char rec[RECSZ];
	long total = 0, got[NTHR] = { 0 }, seq;
	uint64_t counter = 0;
	struct stat st;
	int fd, tid;

	for (int i = 0; i < NTHR; i++)
		total += appends[i];
	fd = rump_sys_open("/conc/append", O_RDONLY, 0);
	if (fd < 0 || rump_sys_fstat(fd, &st) != 0) {
		cfail("append log: %s", strerror(errno));
		return;
	}
	if (st.st_size != total * RECSZ)
		cfail("append log: %lld bytes for %ld records",
		    (long long)st.st_size, total);
	while (rump_sys_read(fd, rec, RECSZ) == RECSZ) {
		/* each thread's records appear in its own order */
		if (!record_ok(rec, &tid, &seq) || seq != got[tid])
			cfail("append log: torn or out-of-order record");
		else
			got[tid]++;
	}
	rump_sys_close(fd);
	fd = rump_sys_open("/conc/counter", O_RDONLY, 0);
	if (fd < 0 || rump_sys_pread(fd, &counter, 8, 0) != 8)
		cfail("counter: %s", strerror(errno));
	else if ((long)counter != increments)
		cfail("counter %llu, expected %ld", (unsigned long long)counter,
		    increments);
	if (fd >= 0)
		rump_sys_close(fd);
}
