/*
 * spbench.h — the sysproxy part of `make bench` (build/bench/spbench):
 * the cost of rump_sys_* calls made through librumpclient to a
 * rump_server, each as a ratio to a reference measured in the same run.
 *
 *   spbench.c   main: the scenarios and the table
 *   spsetup.c   processes: temp dir, servers, measuring children, cleanup
 *   spref.c     the references: raw socket ping-pong, host tmpfs I/O
 *   spclient.c  the measured clients (run in children, via librumpclient)
 *   spproxy.c   a relay that counts the frames between client and server
 *
 * Every measurement runs in a child process of its own, because
 * librumpclient reads RUMP_SERVER once per process.  Every process the
 * bench starts is killed when it ends, however it ends.
 */
#ifndef RUMP_BENCH_SPBENCH_H
#define RUMP_BENCH_SPBENCH_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define RUNS		5		/* a latency is a median of RUNS runs */
#define RUN_NS		200000000.0	/* of about 200 ms each */

/* the sysproxy frames of getpid (docs/protocol.md §2, §6) */
#define REQ_SIZE	16		/* header, empty body */
#define REP_SIZE	24		/* header, i64 pid */

/* where a server (rump or reference) listens */
struct endpoint {
	int	 family;		/* AF_UNIX or AF_INET (127.0.0.1) */
	char	 path[108];
	int	 port;
	char	 url[160];		/* for RUMP_SERVER */
};

/* spsetup.c */
extern const char *tmpdir;
double now_ns(void);
void measure2(void (*fa)(void *, long), void *aa, void (*fb)(void *, long),
    void *ab, double *a, double *b);
void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void setup(void);
void ep_unix(struct endpoint *ep, const char *name);
void ep_tcp(struct endpoint *ep);
int ep_listen(const struct endpoint *ep);
int ep_connect(const struct endpoint *ep);
void pin(int cpu);
int first_cpu(void);
pid_t spawn(int cpu, void (*fn)(void *), void *arg);
void reap(pid_t pid);
pid_t server_start(const struct endpoint *ep, int cpu, const char *memlimit);
int in_child(const char *url, int cpu, void (*fn)(void *, double *),
    void *arg, double *out, int nout, int limit_s);

/* spref.c */
void ref_serve(void *arg);		/* arg: int *, a listening socket */
void ref_pingpong(void *arg, long n);	/* arg: int *, connected socket */
void io_host_once(const char *wbuf, char *rbuf, double *wmbs, double *rmbs);

/* spclient.c */
#define IO_TOTAL	(1024L * 1024 * 1024)
#define IO_CHUNK	(1024L * 1024)
#define IO_RUNS		3
#define OFC_N		1000		/* open+fstat+close in the frame count */
void rc_getpid(void *arg, double *out);	/* arg: reference endpoint;
					   out: ns per ref, rump round trip */
void rc_threads(void *arg, double *out);	/* out: calls/s, 1 and 8 threads */
void rc_ofc(void *arg, double *out);	/* out: ns per null call, per ofc */
void rc_ofc_count(void *arg, double *out);	/* arg: long *, iterations */
void rc_getpid_count(void *arg, double *out);	/* arg: long *, iterations */
void rc_io(void *arg, double *out);	/* out: host w, r, rump w, r MB/s */

/* spproxy.c: frames seen on one relayed connection */
struct frame_count {
	long	 requests;		/* client to server, not replies */
	long	 syscalls;		/* of which SYSCALL */
	long	 replies;		/* server to client */
	long	 bytes_up, bytes_down;
	bool	 bad;			/* stream did not parse */
};
pid_t proxy_start(const struct endpoint *front, const struct endpoint *back,
    int nconn, int *resultfd);
int proxy_result(int fd, struct frame_count *fc);

#endif /* RUMP_BENCH_SPBENCH_H */
