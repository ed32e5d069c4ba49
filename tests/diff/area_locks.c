/*
 * area_locks.c — advisory locks between two processes in the differential
 * test: POSIX record locks (conflicts, F_GETLK reports, splitting, whence,
 * negative lengths, F_SETLKW woken by a close() of another descriptor,
 * release on exit), flock (shared/exclusive, LOCK_NB, up/downgrade,
 * independence from fcntl locks) and OFD locks (per open file description,
 * interplay with POSIX locks).  The two processes step in lock-step through
 * host pipes; each knows the other's pid only to name it in the log.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "difftest.h"

struct lockarg {
	struct dsync	toA, toB;
};

/* Both processes of one area: pids as each one learned them. */
struct who {
	int	self, other;
};

static const char *
pidname(const struct who *w, pid_t pid)
{
	if (pid == w->self)
		return "self";
	if (pid == w->other)
		return "other";
	if (pid == -1)
		return "-1";
	if (pid == 0)
		return "0";
	return "unknown";
}

static long
setlk(struct dctx *c, int fd, int cmd, short type, short whence, off_t start,
    off_t len, const char *what)
{
	struct flock fl = {
		.l_type = type, .l_whence = whence, .l_start = start,
		.l_len = len,
	};

	return R(c, c->o->fcntl_lk(fd, cmd, &fl), "%s", what);
}

static void
getlk(struct dctx *c, const struct who *w, int fd, int cmd, short type,
    off_t start, off_t len, const char *what)
{
	struct flock fl = {
		.l_type = type, .l_whence = SEEK_SET, .l_start = start,
		.l_len = len,
	};

	if (R(c, c->o->fcntl_lk(fd, cmd, &fl), "%s", what) == 0)
		L(c, "%s: type=%d whence=%d start=%lld len=%lld pid=%s", what,
		    fl.l_type, fl.l_whence, (long long)fl.l_start,
		    (long long)fl.l_len, pidname(w, fl.l_pid));
}

static void
posix_a(struct dctx *c, void *v)
{
	struct lockarg *la = v;
	struct who w = { .self = c->o->getpid() };
	int fd, fd2;

	fd = RF(c, c->o->open("lk", O_RDWR, 0), "A open");
	setlk(c, fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10, "A wr 0+10");
	setlk(c, fd, F_SETLK, F_RDLCK, SEEK_SET, 50, 10, "A rd 50+10");
	dsync_post(&la->toB, w.self);
	w.other = dsync_wait(&la->toA);
	getlk(c, &w, fd, F_GETLK, F_WRLCK, 10, 20, "A getlk 10+20");
	getlk(c, &w, fd, F_GETLK, F_RDLCK, 0, 10, "A getlk own range");
	setlk(c, fd, F_SETLK, F_UNLCK, SEEK_SET, 3, 2, "A unlock 3+2");
	dsync_post(&la->toB, 0);
	dsync_wait(&la->toA);
	fd2 = RF(c, c->o->open("lk", O_RDONLY, 0), "A open second fd");
	dsync_post(&la->toB, 0);
	usleep(100 * 1000);
	/* POSIX: closing any descriptor of the file drops all our locks. */
	R(c, c->o->close(fd2), "A close second fd");
	dsync_wait(&la->toA);
	getlk(c, &w, fd, F_GETLK, F_WRLCK, 0, 0, "A getlk after B's SETLKW");
	dsync_post(&la->toB, 0);
	R(c, c->o->close(fd), "A close");
}

static void
posix_b_phase1(struct dctx *c, const struct who *w, int fd)
{
	setlk(c, fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 10, "B wr 5+10");
	setlk(c, fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 1, "B rd 0+1");
	setlk(c, fd, F_SETLK, F_WRLCK, SEEK_SET, 10, 10, "B wr 10+10");
	setlk(c, fd, F_SETLK, F_RDLCK, SEEK_SET, 50, 10, "B rd 50+10");
	setlk(c, fd, F_SETLK, F_WRLCK, SEEK_SET, 55, 1, "B wr 55+1");
	getlk(c, w, fd, F_GETLK, F_WRLCK, 0, 5, "B getlk 0+5");
	getlk(c, w, fd, F_GETLK, F_RDLCK, 50, 5, "B getlk rd 50+5");
	getlk(c, w, fd, F_GETLK, F_WRLCK, 10, 10, "B getlk own");
	getlk(c, w, fd, F_GETLK, F_WRLCK, 52, 1, "B getlk wr 52+1");
	getlk(c, w, fd, F_GETLK, 99, 0, 1, "B getlk bad type");
}

static void
posix_b_phase2(struct dctx *c, const struct who *w, int fd)
{
	int rfd;

	getlk(c, w, fd, F_GETLK, F_WRLCK, 3, 2, "B getlk hole 3+2");
	getlk(c, w, fd, F_GETLK, F_WRLCK, 4, 2, "B getlk 4+2");
	getlk(c, w, fd, F_GETLK, F_WRLCK, 0, 4, "B getlk 0+4");
	R(c, c->o->lseek(fd, 90, SEEK_SET), "B lseek 90");
	setlk(c, fd, F_SETLK, F_WRLCK, SEEK_CUR, 0, 5, "B wr cur+5");
	setlk(c, fd, F_SETLK, F_WRLCK, SEEK_END, -2, 2, "B wr end-2");
	setlk(c, fd, F_SETLK, F_WRLCK, SEEK_SET, 30, -5, "B wr 30-5");
	setlk(c, fd, F_SETLK, F_WRLCK, SEEK_SET, -1, 5, "B wr negative start");
	setlk(c, fd, F_SETLK, 99, SEEK_SET, 0, 1, "B bad type");
	rfd = RF(c, c->o->open("lk", O_RDONLY, 0), "B open ro");
	setlk(c, rfd, F_SETLK, F_WRLCK, SEEK_SET, 200, 1, "B wr on ro fd");
	setlk(c, rfd, F_SETLK, F_RDLCK, SEEK_SET, 200, 1, "B rd on ro fd");
	getlk(c, w, fd, F_GETLK, F_WRLCK, 0, 0, "B getlk all by A?");
	c->o->close(rfd);
}

static void
posix_b(struct dctx *c, void *v)
{
	struct lockarg *la = v;
	struct who w = { .self = c->o->getpid() };
	int fd;

	w.other = dsync_wait(&la->toB);
	fd = RF(c, c->o->open("lk", O_RDWR, 0), "B open");
	posix_b_phase1(c, &w, fd);
	dsync_post(&la->toA, w.self);
	dsync_wait(&la->toB);
	posix_b_phase2(c, &w, fd);
	dsync_post(&la->toA, 0);
	dsync_wait(&la->toB);
	setlk(c, fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 10, "B SETLKW 0+10");
	dsync_post(&la->toA, 0);
	dsync_wait(&la->toB);
	/* exits holding locks: they must go with the process */
}

static void
run_pair(struct dctx *c, void (*a)(struct dctx *, void *),
    void (*b)(struct dctx *, void *))
{
	struct lockarg la;
	struct dproc *pa, *pb;

	dsync_init(&la.toA);
	dsync_init(&la.toB);
	pa = c->o->spawn(c, a, &la);
	pb = c->o->spawn(c, b, &la);
	c->o->join(c, pa);
	c->o->join(c, pb);
	dsync_destroy(&la.toA);
	dsync_destroy(&la.toB);
}

void
area_locks(struct dctx *c)
{
	struct who w = { .self = c->o->getpid(), .other = -2 };
	int fd;

	make_file(c, "lk", 100, 1);
	run_pair(c, posix_a, posix_b);
	fd = RF(c, c->o->open("lk", O_RDWR, 0), "parent open");
	if (fd >= 0) {
		getlk(c, &w, fd, F_GETLK, F_WRLCK, 0, 0, "parent getlk after exit");
		c->o->close(fd);
	}
}

/*
 * Two processes each hold one byte and then wait for the other's: one of
 * them must get EDEADLK (which one depends on timing), give up its byte,
 * and let the other through.  The parent logs the pair of results sorted.
 */
struct dlarg {
	struct dsync	 go[2], res;
};

static void
deadlock_side(struct dctx *c, struct dlarg *d, int me)
{
	struct flock fl = { .l_type = F_WRLCK, .l_start = 1 - me, .l_len = 1 };
	int fd, rv, err;

	fd = RF(c, c->o->open("dl", O_RDWR, 0), "open dl");
	setlk(c, fd, F_SETLK, F_WRLCK, SEEK_SET, me, 1, "lock own byte");
	dsync_post(&d->go[1 - me], 0);
	dsync_wait(&d->go[me]);
	rv = c->o->fcntl_lk(fd, F_SETLKW, &fl);
	err = rv == 0 ? 0 : errno;
	if (rv != 0) {
		/* which side gives up depends on timing: not logged */
		fl = (struct flock){ .l_type = F_UNLCK };
		c->o->fcntl_lk(fd, F_SETLK, &fl);
	}
	dsync_post(&d->res, err);
	L(c, "SETLKW other byte: %s", rv == 0 || err == EDEADLK ? "0 or EDEADLK" :
	    strerrorname_np(err));
	c->o->close(fd);
}

static void
deadlock_a(struct dctx *c, void *v)
{
	deadlock_side(c, v, 0);
}

static void
deadlock_b(struct dctx *c, void *v)
{
	deadlock_side(c, v, 1);
}

static void
deadlock(struct dctx *c)
{
	struct dlarg d;
	struct dproc *pa, *pb;
	int r1, r2;

	make_file(c, "dl", 10, 3);
	dsync_init(&d.go[0]);
	dsync_init(&d.go[1]);
	dsync_init(&d.res);
	pa = c->o->spawn(c, deadlock_a, &d);
	pb = c->o->spawn(c, deadlock_b, &d);
	r1 = dsync_wait(&d.res);
	r2 = dsync_wait(&d.res);
	c->o->join(c, pa);
	c->o->join(c, pb);
	L(c, "deadlock results: %s %s", strerrorname_np(r1 < r2 ? r1 : r2) ?: "0",
	    strerrorname_np(r1 < r2 ? r2 : r1) ?: "0");
	dsync_destroy(&d.go[0]);
	dsync_destroy(&d.go[1]);
	dsync_destroy(&d.res);
}

static void
flock_a(struct dctx *c, void *v)
{
	struct lockarg *la = v;
	struct who w = { .self = c->o->getpid() };
	struct flock ofd = { .l_type = F_WRLCK, .l_start = 20, .l_len = 10 };
	int fd;

	fd = RF(c, c->o->open("fl", O_RDWR, 0), "A open");
	R(c, c->o->flock(fd, LOCK_EX), "A flock EX");
	dsync_post(&la->toB, w.self);
	w.other = dsync_wait(&la->toA);
	R(c, c->o->flock(fd, LOCK_SH), "A flock downgrade SH");
	dsync_post(&la->toB, 0);
	dsync_wait(&la->toA);
	R(c, c->o->flock(fd, LOCK_UN), "A flock UN");
	dsync_post(&la->toB, 0);
	dsync_wait(&la->toA);
	setlk(c, fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10, "A fcntl wr despite flock");
	R(c, c->o->fcntl_lk(fd, F_OFD_SETLK, &ofd), "A OFD wr 20+10");
	dsync_post(&la->toB, 0);
	dsync_wait(&la->toA);
	R(c, c->o->close(fd), "A close");
	dsync_post(&la->toB, 0);
}

static void
flock_b_ofd(struct dctx *c, const struct who *w)
{
	struct flock fl = { .l_type = F_WRLCK, .l_start = 0, .l_len = 10 };
	int fd1, fd2, fd3;

	fd1 = RF(c, c->o->open("fl2", O_RDWR | O_CREAT, 0644), "B open fl2");
	fd2 = RF(c, c->o->open("fl2", O_RDWR, 0), "B open fl2 again");
	R(c, c->o->fcntl_lk(fd1, F_OFD_SETLK, &fl), "B OFD wr fd1 0+10");
	setlk(c, fd2, F_OFD_SETLK, F_WRLCK, SEEK_SET, 5, 1, "B OFD wr fd2 5+1");
	getlk(c, w, fd2, F_OFD_GETLK, F_WRLCK, 0, 0, "B OFD getlk fd2");
	fd3 = RF(c, c->o->dup(fd1), "B dup fd1");
	setlk(c, fd3, F_OFD_SETLK, F_WRLCK, SEEK_SET, 0, 20, "B OFD extend via dup");
	R(c, c->o->close(fd3), "B close dup");
	getlk(c, w, fd2, F_OFD_GETLK, F_WRLCK, 0, 0, "B OFD getlk after dup close");
	fl = (struct flock){ .l_type = F_WRLCK, .l_len = 1, .l_pid = 5 };
	R(c, c->o->fcntl_lk(fd2, F_OFD_SETLK, &fl), "B OFD with l_pid");
	setlk(c, fd1, F_SETLK, F_WRLCK, SEEK_SET, 100, 10, "B posix fd1 100+10");
	setlk(c, fd2, F_SETLK, F_WRLCK, SEEK_SET, 100, 10, "B posix fd2 100+10");
	R(c, c->o->close(fd1), "B close fd1");
	setlk(c, fd2, F_OFD_SETLK, F_WRLCK, SEEK_SET, 5, 1, "B OFD fd2 after close");
	R(c, c->o->flock(fd2, 0x40), "B flock bad op");
	R(c, c->o->flock(9999, LOCK_EX), "B flock bad fd");
	c->o->close(fd2);
}

static void
flock_b(struct dctx *c, void *v)
{
	struct lockarg *la = v;
	struct who w = { .self = c->o->getpid() };
	int fd;

	w.other = dsync_wait(&la->toB);
	fd = RF(c, c->o->open("fl", O_RDWR, 0), "B open");
	R(c, c->o->flock(fd, LOCK_EX | LOCK_NB), "B flock EX|NB");
	R(c, c->o->flock(fd, LOCK_SH | LOCK_NB), "B flock SH|NB");
	dsync_post(&la->toA, w.self);
	dsync_wait(&la->toB);
	R(c, c->o->flock(fd, LOCK_SH | LOCK_NB), "B flock SH|NB shared");
	R(c, c->o->flock(fd, LOCK_EX | LOCK_NB), "B flock upgrade EX|NB");
	dsync_post(&la->toA, 0);
	dsync_wait(&la->toB);
	R(c, c->o->flock(fd, LOCK_EX | LOCK_NB), "B flock EX|NB alone");
	dsync_post(&la->toA, 0);
	dsync_wait(&la->toB);
	setlk(c, fd, F_OFD_SETLK, F_WRLCK, SEEK_SET, 25, 1, "B OFD wr 25+1");
	setlk(c, fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1, "B posix wr 0+1");
	getlk(c, &w, fd, F_OFD_GETLK, F_WRLCK, 0, 10, "B OFD getlk A's posix");
	getlk(c, &w, fd, F_OFD_GETLK, F_WRLCK, 20, 10, "B OFD getlk A's OFD");
	getlk(c, &w, fd, F_GETLK, F_WRLCK, 20, 1, "B getlk A's OFD");
	dsync_post(&la->toA, 0);
	dsync_wait(&la->toB);
	getlk(c, &w, fd, F_OFD_GETLK, F_WRLCK, 0, 0, "B OFD getlk after A closed");
	R(c, c->o->flock(fd, LOCK_UN), "B flock UN");
	c->o->close(fd);
	flock_b_ofd(c, &w);
}

void
area_flock_ofd(struct dctx *c)
{
	make_file(c, "fl", 100, 2);
	run_pair(c, flock_a, flock_b);
	deadlock(c);
}
