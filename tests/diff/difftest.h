/*
 * difftest.h — the differential test's shared pieces: a table of system
 * calls (one filled with the host's libc calls, one with rump_sys_*), a
 * "process" abstraction (fork() on the host, rump_lwproc_rfork() in a
 * thread for rump) and a result log.  Every test area is written once
 * against struct dops and run twice; the two logs must be identical.
 *
 * What goes into a log is chosen so that equal kernels give equal lines:
 * no descriptor numbers, inode numbers, pids (only "is the pid of X"),
 * directory sizes or timestamps that are not set explicitly.
 */
#ifndef DIFFTEST_H
#define DIFFTEST_H

#include <fcntl.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

struct dproc;
struct dctx;

struct dops {
	const char *name;	/* "host" or "rump" */
	int	(*open)(const char *, int, mode_t);
	int	(*openat)(int, const char *, int, mode_t);
	int	(*close)(int);
	ssize_t	(*read)(int, void *, size_t);
	ssize_t	(*write)(int, const void *, size_t);
	ssize_t	(*pread)(int, void *, size_t, off_t);
	ssize_t	(*pwrite)(int, const void *, size_t, off_t);
	ssize_t	(*readv)(int, const struct iovec *, int);
	ssize_t	(*writev)(int, const struct iovec *, int);
	off_t	(*lseek)(int, off_t, int);
	int	(*fstat)(int, struct stat *);
	int	(*stat)(const char *, struct stat *);
	int	(*lstat)(const char *, struct stat *);
	int	(*fstatat)(int, const char *, struct stat *, int);
	int	(*ftruncate)(int, off_t);
	int	(*truncate)(const char *, off_t);
	int	(*fallocate)(int, int, off_t, off_t);
	int	(*fsync)(int);
	int	(*mkdir)(const char *, mode_t);
	int	(*rmdir)(const char *);
	int	(*unlink)(const char *);
	int	(*unlinkat)(int, const char *, int);
	int	(*rename)(const char *, const char *);
	int	(*renameat2)(int, const char *, int, const char *, unsigned int);
	int	(*link)(const char *, const char *);
	int	(*symlink)(const char *, const char *);
	ssize_t	(*readlink)(const char *, char *, size_t);
	int	(*chmod)(const char *, mode_t);
	int	(*fchmod)(int, mode_t);
	int	(*chown)(const char *, uid_t, gid_t);
	int	(*fchown)(int, uid_t, gid_t);
	int	(*lchown)(const char *, uid_t, gid_t);
	int	(*utimensat)(int, const char *, const struct timespec *, int);
	int	(*futimens)(int, const struct timespec *);
	int	(*access)(const char *, int);
	int	(*faccessat)(int, const char *, int, int);
	ssize_t	(*getdents64)(int, void *, size_t);
	int	(*fcntl_int)(int, int, int);
	int	(*fcntl_lk)(int, int, struct flock *);
	int	(*flock)(int, int);
	int	(*pipe)(int *);
	int	(*pipe2)(int *, int);
	int	(*dup)(int);
	int	(*dup2)(int, int);
	int	(*dup3)(int, int, int);
	int	(*mknod)(const char *, mode_t, dev_t);
	int	(*fchdir)(int);
	int	(*getcwd)(char *, size_t);	/* 0 or -1, like rump_sys_getcwd */
	int	(*statx)(int, const char *, int, unsigned int, struct statx *);
	int	(*umask)(mode_t);
	int	(*setgroups)(size_t, const gid_t *);
	int	(*setegid)(gid_t);
	int	(*seteuid)(uid_t);
	int	(*getpid)(void);
	int	(*chdir)(const char *);
	/* Runs fn(child ctx, arg) as a new process; join waits and merges its log. */
	struct dproc *(*spawn)(struct dctx *, void (*)(struct dctx *, void *), void *);
	void	(*join)(struct dctx *, struct dproc *);
};

extern const struct dops host_ops;
extern const struct dops rump_ops;

/* An append-only list of result lines. */
struct dlog {
	char	**line;
	size_t	  n, cap;
};

struct dctx {
	const struct dops *o;
	struct dlog	  *log;
};

void	dlog_init(struct dlog *);
void	dlog_free(struct dlog *);
void	dlog_add(struct dlog *, const char *);
void	dlog_append(struct dlog *to, const struct dlog *from);
/* Compares two logs; on the first difference prints both lines, returns -1. */
int	dlog_compare(const struct dlog *host, const struct dlog *rump);

/* Logs a formatted note. */
void	L(struct dctx *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Logs "<what> = <rv>" or "<what> = -1 <ERRNO>" and returns rv.  RF is for
 * calls returning a descriptor (logged as "fd", not its number).  errno is
 * read first thing, so pass the call itself as rv.
 */
long	R(struct dctx *, long rv, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
long	RF(struct dctx *, long rv, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Helpers built on the table, all logging what they see. */
void	log_stat(struct dctx *, const char *what, const struct stat *st);
void	log_lstat(struct dctx *, const char *path);	/* lstat + log_stat */
void	log_statpath(struct dctx *, const char *path);	/* stat + log_stat */
void	log_content(struct dctx *, const char *path);	/* size + hash */
void	log_listing(struct dctx *, const char *dir);	/* sorted name/type */
void	log_tree(struct dctx *, const char *dir);	/* recursive snapshot */
/* One directory entry as getdents64 reports it. */
struct dent {
	char		*name;
	unsigned char	 type;
};
/* Reads a whole directory (bufsize bytes per getdents64); 0 or -errno. */
int	list_dir(const struct dops *, const char *dir, size_t bufsize,
	    struct dent **out, size_t *n);
void	free_dents(struct dent *, size_t);
/* Removes a tree through the table without logging (cleanup). */
void	rmtree(const struct dops *, const char *path);
/* Writes a whole file (created 0644) with a seeded pattern; logs the result. */
void	make_file(struct dctx *, const char *path, size_t size, uint32_t seed);

uint64_t hash_bytes(uint64_t h, const void *p, size_t n);
void	fill_pattern(void *buf, size_t n, uint64_t seed, uint64_t off);

/* Synchronization between spawned processes: a host pipe pair. */
struct dsync {
	int	fd[2];
};
void	dsync_init(struct dsync *);
void	dsync_destroy(struct dsync *);
void	dsync_post(struct dsync *, int value);
int	dsync_wait(struct dsync *);

/* Test areas (one cmocka case each). */
void	area_tree(struct dctx *);
void	area_sizes(struct dctx *);
void	area_bigfiles(struct dctx *);
void	area_io(struct dctx *);
void	area_rename(struct dctx *);
void	area_links(struct dctx *);
void	area_getdents(struct dctx *);
void	area_perm(struct dctx *);
void	area_umask_times(struct dctx *);
void	area_locks(struct dctx *);
void	area_flock_ofd(struct dctx *);
void	area_pipes(struct dctx *);
void	area_fds(struct dctx *);
void	area_special(struct dctx *);

#define NONROOT_UID	1000
#define NONROOT_GID	1000
#define OTHER_UID	2000
#define OTHER_GID	2000

#endif /* DIFFTEST_H */
