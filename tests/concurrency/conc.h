/*
 * conc.h — shared state of the concurrency test: NPROC rump processes
 * with NTHR_PER threads each hammer one tree under /conc; every operation
 * checks its own result against the errors it may legitimately race into,
 * and the final pass (check.c) verifies the invariants of what is left.
 */
#ifndef CONC_H
#define CONC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define NPROC		4
#define NTHR_PER	4
#define NTHR		(NPROC * NTHR_PER)
#define NDIRS		4	/* /conc/d0 .. d3, never removed */
#define NNAMES		12	/* n0 .. n11: files, hard links, symlinks */
#define NSUBS		4	/* s0 .. s3: directories that come and go */
#define RECSZ		64	/* one O_APPEND record */
#define MSGSZ		16	/* one pipe message */
#define HDRSZ		32	/* file header */
#define MAXFILE		(HDRSZ + 6000)
#define NFDSCAN		1024
#define SHARED_SLOT	300	/* dup2()ed onto by every thread */
/* Iterations per thread; the TSan build sets a smaller default. */
#ifndef CONC_ITERS_DEFAULT
#define CONC_ITERS_DEFAULT	20000
#endif

struct cproc {
	pid_t		 pid;
	int		 pipefd[2];	/* O_NONBLOCK, shared by its threads */
	int		 fds_start, fds_end;
	atomic_long	 sent, recvd, drained;
	pthread_barrier_t bar;
};

struct cthr {
	int		 id;
	struct cproc	*proc;
	pthread_t	 th;
	uint64_t	 rng;
	long		 iters;
	long		 appends;	/* records written to /conc/append */
	long		 increments;	/* of /conc/counter under an OFD lock */
	long		 deadlocks;	/* EDEADLK answers to op_deadlock */
	long		 ops[20];	/* per operation kind, for the summary */
	int		 lockfd, appendfd, counterfd;
};

struct conc {
	struct cproc	 proc[NPROC];
	struct cthr	 thr[NTHR];
	pthread_barrier_t startbar;	/* all processes created */
	atomic_int	 nfail;
	pthread_mutex_t	 faillock;
	char		 firstfail[512];
};

extern struct conc C;

/* Records a failure (kept: the first message and a count). */
void	cfail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* errno in a small set, else a failure naming the operation */
void	expect(const char *op, const char *path, int rv, int ok1, int ok2, int ok3);

uint64_t rnd(uint64_t *s);
void	content_make(unsigned char *buf, size_t *len, uint64_t seed);
bool	content_ok(const unsigned char *buf, size_t len);
void	record_make(unsigned char rec[RECSZ], int tid, long seq);
bool	record_ok(const unsigned char rec[RECSZ], int *tid, long *seq);
int	count_fds(void);

void	hammer_thread(struct cthr *t);
/* Invariants of the tree and the shared files after all threads stopped. */
void	check_tree(void);
void	check_shared(long appends[NTHR], long increments);

#endif /* CONC_H */
