/*
 * t_lane.c — the shared-memory rings of sp/lane.c without a server: frames
 * of every size round-trip through a ring, wrap around its end (and the
 * 32-bit indices' end) with their bytes intact, a full ring refuses and
 * frees up again, and every impossible state a hostile peer can write
 * (indices, lengths, headers) is refused with -EPROTO without reading
 * outside the ring.  Also the waiting helpers, and two threads passing
 * 100000 frames in order.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/uio.h>
#include <cmocka.h>
#include "sp/lane.h"

struct fix {
	struct lane_shm	*shm;
	struct lane_prod p;
	struct lane_cons c;
};

static int
fix_setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->shm = aligned_alloc(4096, LANE_SIZE);
	assert_non_null(f->shm);
	memset(f->shm, 0, LANE_SIZE);
	f->shm->magic = LANE_MAGIC;
	f->shm->version = LANE_VERSION;
	f->shm->ring = LANE_RING;
	f->shm->maxframe = LANE_MAXFRAME;
	f->p = (struct lane_prod){ .ctl = &f->shm->req,
	    .data = LANE_REQDATA(f->shm), .futex = true };
	f->c = (struct lane_cons){ .ctl = &f->shm->req,
	    .data = LANE_REQDATA(f->shm), .maxframe = LANE_MAXFRAME,
	    .peer = &f->shm->rep };
	*state = f;
	return 0;
}

static int
fix_teardown(void **state)
{
	struct fix *f = *state;

	free(f->shm);
	free(f);
	return 0;
}

/* moves both ends (and the shm copies) to index idx of an empty ring */
static void
fix_at(struct fix *f, uint32_t idx)
{
	f->p.head = f->c.tail = idx;
	atomic_store(&f->shm->req.head, idx);
	atomic_store(&f->shm->req.tail, idx);
}

/* the byte at offset i of frame number n's body */
static uint8_t
pat(uint32_t n, size_t i)
{
	return (uint8_t)(n * 131u + i * 7u + (i >> 8));
}

static uint8_t bodybuf[LANE_MAXFRAME];

/* publishes frame n of total length len (header + body of pat(n, i)) */
static int
put_frame(struct lane_prod *p, uint32_t n, size_t len)
{
	struct sp_hdr h = { .len = (uint32_t)len, .type = SP_SYSCALL,
	    .reqid = n, .word = (uint32_t)len };
	uint8_t hb[SP_HDRSIZE];
	size_t blen = len - SP_HDRSIZE;
	uint8_t *b = len <= LANE_MAXFRAME ? bodybuf : malloc(blen);
	struct iovec iov[3];
	int rc;

	assert_non_null(b);
	for (size_t i = 0; i < blen; i++)
		b[i] = pat(n, i);
	sp_hdr_put(hb, &h);
	/* split the body in two iovecs so lane_put gathers three */
	iov[0] = (struct iovec){ hb, SP_HDRSIZE };
	iov[1] = (struct iovec){ b, blen / 3 };
	iov[2] = (struct iovec){ b + blen / 3, blen - blen / 3 };
	rc = lane_put(p, iov, 3, len);
	if (b != bodybuf)
		free(b);
	return rc;
}

/* takes the next frame and checks that it is frame n of length len */
static void
get_frame(struct lane_cons *c, uint32_t n, size_t len)
{
	struct sp_hdr h;
	uint8_t *body = NULL;
	uint32_t tail0 = c->tail;

	assert_int_equal(lane_get(c, &h, &body), 1);
	assert_non_null(body);
	assert_int_equal(h.len, len);
	assert_int_equal(h.type, SP_SYSCALL);
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.reqid, n);
	assert_int_equal(h.word, len);
	for (size_t i = 0; i < len - SP_HDRSIZE; i++)
		if (body[i] != pat(n, i))
			fail_msg("frame %u len %zu: byte %zu is %u, not %u", n,
			    len, i, body[i], pat(n, i));
	free(body);
	assert_int_equal(c->tail - tail0, LANE_ALIGN((uint32_t)len));
	assert_int_equal(atomic_load(&c->ctl->tail), c->tail);
}

static void
t_roundtrip(void **state)
{
	struct fix *f = *state;
	uint32_t n = 0;
	size_t len;

	for (len = SP_HDRSIZE; len <= LANE_MAXFRAME;
	    len += len < 600 ? 1 : len < 5000 ? 97 : 4093) {
		uint32_t head0 = f->p.head, seq0 = atomic_load(&f->shm->req.seq);

		assert_int_equal(put_frame(&f->p, n, len), 0);
		assert_int_equal(f->p.head - head0, LANE_ALIGN((uint32_t)len));
		assert_int_equal(atomic_load(&f->shm->req.head), f->p.head);
		assert_int_equal(atomic_load(&f->shm->req.seq), seq0 + 1);
		assert_true(lane_ready(&f->c));
		get_frame(&f->c, n, len);
		assert_false(lane_ready(&f->c));
		n++;
	}
	/* the edges */
	for (len = LANE_MAXFRAME - 9; len <= LANE_MAXFRAME; len++) {
		assert_int_equal(put_frame(&f->p, n, len), 0);
		get_frame(&f->c, n, len);
		n++;
	}
	assert_int_equal(f->p.head, f->c.tail);
}

/*
 * Thousands of frames of changing odd and even sizes, several in flight,
 * around the ring many times; once from 0, once starting just below the
 * 32-bit indices' wrap.
 */
static void
wrap_from(struct fix *f, uint32_t start)
{
	uint32_t putn = 0, getn = 0, lens[4096];
	uint64_t moved = 0;

	fix_at(f, start);
	while (getn < 20000) {
		/* put until full (or enough in flight), then take some */
		while (putn - getn < 4096) {
			size_t len = SP_HDRSIZE + (putn * 7919u) % 3001u;

			if (putn % 97 == 0)
				len = LANE_MAXFRAME - (putn % 5);
			if (put_frame(&f->p, putn, len) != 0)
				break;
			lens[putn % 4096] = (uint32_t)len;
			putn++;
		}
		assert_true(putn > getn);
		for (uint32_t k = (putn - getn + 1) / 2; k > 0; k--) {
			get_frame(&f->c, getn, lens[getn % 4096]);
			moved += LANE_ALIGN(lens[getn % 4096]);
			getn++;
		}
	}
	while (getn < putn) {
		get_frame(&f->c, getn, lens[getn % 4096]);
		moved += LANE_ALIGN(lens[getn % 4096]);
		getn++;
	}
	assert_false(lane_ready(&f->c));
	assert_true(moved > 50ull * LANE_RING);	/* around it many times */
}

static void
t_wrap(void **state)
{
	wrap_from(*state, 0);
}

static void
t_wrap32(void **state)
{
	wrap_from(*state, 0u - 3 * LANE_RING - 40);
}

static void
t_full(void **state)
{
	struct fix *f = *state;
	struct sp_hdr h;
	uint8_t *body;
	uint32_t n = 0, head;

	for (uint32_t start = 0; start < 2 * LANE_RING;
	    start += LANE_RING / 2 + 24) {
		fix_at(f, start);
		/* exactly four largest frames fill the ring */
		for (int i = 0; i < 4; i++)
			assert_int_equal(put_frame(&f->p, n + i, LANE_MAXFRAME), 0);
		head = f->p.head;
		assert_int_equal(head - f->c.tail, LANE_RING);
		assert_int_equal(put_frame(&f->p, 99, SP_HDRSIZE), -EAGAIN);
		assert_int_equal(f->p.head, head);
		assert_int_equal(atomic_load(&f->shm->req.head), head);
		get_frame(&f->c, n, LANE_MAXFRAME);
		/* room for exactly one more of them, not a byte more */
		assert_int_equal(put_frame(&f->p, n + 4, LANE_MAXFRAME), 0);
		assert_int_equal(put_frame(&f->p, 99, SP_HDRSIZE), -EAGAIN);
		for (int i = 1; i < 5; i++)
			get_frame(&f->c, n + i, LANE_MAXFRAME);
		assert_int_equal(lane_get(&f->c, &h, &body), 0);
		n += 5;
	}
	/* a ring with 8 bytes free refuses the smallest frame */
	fix_at(f, 0);
	for (int i = 0; i < 3; i++)
		assert_int_equal(put_frame(&f->p, 1000 + i, LANE_MAXFRAME), 0);
	assert_int_equal(put_frame(&f->p, 1003, LANE_MAXFRAME - 8), 0);
	assert_int_equal(LANE_RING - (f->p.head - f->c.tail), 8);
	assert_int_equal(put_frame(&f->p, 1004, SP_HDRSIZE), -EAGAIN);
	get_frame(&f->c, 1000, LANE_MAXFRAME);
	assert_int_equal(put_frame(&f->p, 1004, SP_HDRSIZE), 0);
}

static void
t_toobig(void **state)
{
	struct fix *f = *state;
	uint32_t seq0 = atomic_load(&f->shm->req.seq);
	struct sp_hdr h;
	uint8_t *body;

	assert_int_equal(put_frame(&f->p, 1, LANE_MAXFRAME + 1), -EAGAIN);
	assert_int_equal(put_frame(&f->p, 1, LANE_MAXFRAME + 8), -EAGAIN);
	assert_int_equal(put_frame(&f->p, 1, 2 * LANE_RING), -EAGAIN);
	assert_int_equal(f->p.head, 0);
	assert_int_equal(atomic_load(&f->shm->req.head), 0);
	assert_int_equal(atomic_load(&f->shm->req.seq), seq0);
	assert_int_equal(lane_get(&f->c, &h, &body), 0);
}

static void
t_empty(void **state)
{
	struct fix *f = *state;
	struct sp_hdr h;
	uint8_t *body = (uint8_t *)&h;	/* untouched when empty */

	for (uint32_t at = 0; at < 3 * LANE_RING; at += LANE_RING / 3 + 8) {
		fix_at(f, at);
		assert_false(lane_ready(&f->c));
		assert_int_equal(lane_get(&f->c, &h, &body), 0);
		assert_ptr_equal(body, (uint8_t *)&h);
		assert_int_equal(f->c.tail, at);
	}
}

/*
 * The corrupt states, each at several tail positions (start, middle, the
 * last 8 and 16 bytes before the ring's end), over a ring that is a heap
 * block of exactly LANE_RING bytes: ASan sees any byte read outside it.
 */
static void
corrupt_at(struct lane_cons *c, uint8_t *data, uint32_t tail)
{
	struct {
		uint32_t avail;		/* head - tail */
		uint32_t len;		/* header at tail: len, type, flags */
		uint16_t type, flags;
	} bad[] = {
		{ LANE_RING + 8, 32, SP_SYSCALL, 0 },	/* more than the ring */
		{ LANE_RING * 3 + 8, 32, SP_SYSCALL, 0 },
		{ 0u - 8, 32, SP_SYSCALL, 0 },		/* head behind tail */
		{ 0x80000000u, 32, SP_SYSCALL, 0 },
		{ 8, 32, SP_SYSCALL, 0 },		/* less than a header */
		{ 1, 32, SP_SYSCALL, 0 },
		{ 15, 32, SP_SYSCALL, 0 },
		{ 20, 32, SP_SYSCALL, 0 },		/* not 8-aligned */
		{ 33, 32, SP_SYSCALL, 0 },
		{ LANE_RING - 4, 32, SP_SYSCALL, 0 },
		{ 64, 0, SP_SYSCALL, 0 },		/* len < header */
		{ 64, 15, SP_SYSCALL, 0 },
		{ LANE_RING, LANE_MAXFRAME + 1, SP_SYSCALL, 0 },
		{ LANE_RING, LANE_MAXFRAME + 8, SP_SYSCALL, 0 },
		{ LANE_RING, 0xfffffff8u, SP_SYSCALL, 0 },
		{ LANE_RING, 0xffffffffu, SP_SYSCALL, 0 },
		{ 64, 32, 0, 0 },			/* unknown types */
		{ 64, 32, SP_TYPE_MAX + 1, 0 },
		{ 64, 32, 0xffff, 0 },
		{ 64, 32, SP_SYSCALL, 0x8000 },		/* unknown flags */
		{ 32, 40, SP_SYSCALL, 0 },		/* longer than avail */
		{ 32, 33, SP_SYSCALL, 0 },		/* aligned: 40 > 32 */
		{ 16, 17, SP_SYSCALL, 0 },
		{ 8192, 8193, SP_SYSCALL, 0 },
		{ LANE_RING - 8, LANE_RING - 7, SP_SYSCALL, 0 },
		{ 65536 - 8, LANE_MAXFRAME, SP_SYSCALL, 0 },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sp_hdr h = { .len = bad[i].len, .type = bad[i].type,
		    .flags = bad[i].flags, .reqid = 7, .word = 9 };
		uint8_t hb[SP_HDRSIZE], *body = NULL;
		struct sp_hdr got;
		uint32_t off = tail & (LANE_RING - 1);

		sp_hdr_put(hb, &h);
		for (int b = 0; b < SP_HDRSIZE; b++)	/* wraps like the ring */
			data[(off + (uint32_t)b) & (LANE_RING - 1)] = hb[b];
		c->tail = tail;
		atomic_store(&c->ctl->tail, tail);
		atomic_store(&c->ctl->head, tail + bad[i].avail);
		if (lane_get(c, &got, &body) != -EPROTO)
			fail_msg("case %zu at tail %u: not refused", i, tail);
		assert_null(body);
		assert_int_equal(c->tail, tail);	/* nothing taken */
		assert_int_equal(atomic_load(&c->ctl->tail), tail);
	}
	/* the same bytes made right are accepted, wrapping if need be */
	{
		struct sp_hdr h = { .len = 45, .type = SP_SYSCALL, .reqid = 3 };
		uint8_t hb[SP_HDRSIZE], *body = NULL;
		struct sp_hdr got;
		uint32_t off = tail & (LANE_RING - 1);

		sp_hdr_put(hb, &h);
		for (uint32_t b = 0; b < 48; b++)
			data[(off + b) & (LANE_RING - 1)] =
			    b < SP_HDRSIZE ? hb[b] : (uint8_t)b;
		atomic_store(&c->ctl->head, tail + 48);
		assert_int_equal(lane_get(c, &got, &body), 1);
		assert_int_equal(got.len, 45);
		for (uint32_t b = 0; b < 29; b++)
			assert_int_equal(body[b], (uint8_t)(b + SP_HDRSIZE));
		free(body);
		assert_int_equal(c->tail, tail + 48);
	}
}

static void
t_corrupt(void **state)
{
	struct fix *f = *state;
	uint8_t *tight = malloc(LANE_RING);
	struct lane_cons c = f->c;
	const uint32_t tails[] = { 0, 8, LANE_RING / 2 + 40, LANE_RING - 16,
	    LANE_RING - 8, 5 * LANE_RING - 8, 0u - 8, 0u - 16 };

	assert_non_null(tight);
	memset(tight, 0xa5, LANE_RING);
	for (size_t i = 0; i < sizeof(tails) / sizeof(tails[0]); i++) {
		c.data = tight;
		corrupt_at(&c, tight, tails[i]);
		/* and in the real mapping's request ring */
		c.data = LANE_REQDATA(f->shm);
		corrupt_at(&c, LANE_REQDATA(f->shm), tails[i]);
	}
	free(tight);
}

/* a consumer with a smaller maxframe refuses frames above it */
static void
t_maxframe(void **state)
{
	struct fix *f = *state;
	struct lane_cons c = f->c;
	struct sp_hdr h;
	uint8_t *body = NULL;

	c.maxframe = 1024;
	assert_int_equal(put_frame(&f->p, 1, 1024), 0);
	assert_int_equal(put_frame(&f->p, 2, 1025), 0);
	get_frame(&c, 1, 1024);
	assert_int_equal(lane_get(&c, &h, &body), -EPROTO);
	assert_null(body);
}

/* the producer checks the consumer's tail */
static void
t_badtail(void **state)
{
	struct fix *f = *state;
	uint32_t seq0;

	for (uint32_t at = 0; at < 2 * LANE_RING; at += LANE_RING - 8) {
		fix_at(f, at);
		assert_int_equal(put_frame(&f->p, 1, 64), 0);
		seq0 = atomic_load(&f->shm->req.seq);
		/* tail ahead of head */
		atomic_store(&f->shm->req.tail, f->p.head + 8);
		assert_int_equal(put_frame(&f->p, 2, 64), -EPROTO);
		/* tail more than a ring behind */
		atomic_store(&f->shm->req.tail, f->p.head - LANE_RING - 8);
		assert_int_equal(put_frame(&f->p, 2, 64), -EPROTO);
		atomic_store(&f->shm->req.tail, f->p.head ^ 0x80000000u);
		assert_int_equal(put_frame(&f->p, 2, 64), -EPROTO);
		assert_int_equal(atomic_load(&f->shm->req.head), f->p.head);
		assert_int_equal(atomic_load(&f->shm->req.seq), seq0);
		/* exactly a ring behind: full, not impossible */
		atomic_store(&f->shm->req.tail, f->p.head - LANE_RING);
		assert_int_equal(put_frame(&f->p, 2, 64), -EAGAIN);
		/* and a sane tail again works */
		atomic_store(&f->shm->req.tail, f->p.head);
		assert_int_equal(put_frame(&f->p, 2, 64), 0);
	}
}

static void
t_waiting(void **state)
{
	struct fix *f = *state;
	struct timespec tmo = { 0, 1000000 };
	uint32_t seq;

	assert_false(lane_ready(&f->c));
	/* nothing there: sleeping is set and seq read */
	assert_true(lane_sleep_prepare(&f->c, &seq));
	assert_int_equal(seq, atomic_load(&f->shm->req.seq));
	assert_int_equal(atomic_load(&f->shm->req.sleeping), 1);
	/* the futex: times out on the current seq, returns at once otherwise */
	errno = 0;
	assert_int_equal(lane_wait(&f->shm->req, seq, &tmo), -1);
	assert_int_equal(errno, ETIMEDOUT);
	errno = 0;
	assert_int_equal(lane_wait(&f->shm->req, seq + 1, &tmo), -1);
	assert_int_equal(errno, EAGAIN);
	lane_sleep_done(&f->c);
	assert_int_equal(atomic_load(&f->shm->req.sleeping), 0);

	/* spinning: never with ns 0, at once when a frame or seq moved */
	assert_false(lane_spin(&f->c, seq, 0));
	assert_false(lane_spin(&f->c, seq, 20000));
	lane_poke(&f->shm->req, false, true);
	assert_int_equal(atomic_load(&f->shm->req.seq), seq + 1);
	assert_int_equal(atomic_load(&f->shm->req.sockseq), 0);
	assert_false(lane_spin(&f->c, seq, 0));
	assert_true(lane_spin(&f->c, seq, 1000000000L));
	lane_poke(&f->shm->req, true, true);
	assert_int_equal(atomic_load(&f->shm->req.sockseq), 1);

	/* a frame is there: ready, and sleep_prepare says no and clears */
	assert_int_equal(put_frame(&f->p, 5, 100), 0);
	assert_true(lane_ready(&f->c));
	seq = atomic_load(&f->shm->req.seq);
	assert_false(lane_spin(&f->c, seq, 0));
	assert_true(lane_spin(&f->c, seq, 1000000000L));
	atomic_store(&f->shm->req.sleeping, 1);
	assert_false(lane_sleep_prepare(&f->c, &seq));
	assert_int_equal(atomic_load(&f->shm->req.sleeping), 0);
	get_frame(&f->c, 5, 100);
	assert_false(lane_ready(&f->c));
	assert_true(lane_sleep_prepare(&f->c, &seq));
	lane_sleep_done(&f->c);

	/* the spin budget */
	{
		long max = lane_spin_max(), b = max;

		assert_true(max == 0 || max == LANE_SPIN_NS);
		for (int i = 0; i < 10; i++)
			b = lane_spin_adapt(b, false);
		assert_int_equal(b, max / 16);
		assert_int_equal(lane_spin_adapt(b, true), max);
	}
}

/* --- two threads --------------------------------------------------------------- */

#define NFRAMES	100000u

static size_t
tlen(uint32_t n)
{
	return n % 1000 == 999 ? LANE_MAXFRAME : SP_HDRSIZE + 4 + (n * 37u) % 509u;
}

static void *
producer(void *arg)
{
	struct fix *f = arg;
	static uint8_t b[LANE_MAXFRAME];

	for (uint32_t n = 0; n < NFRAMES; n++) {
		struct sp_hdr h = { .len = (uint32_t)tlen(n), .type = SP_SYSCALL,
		    .reqid = n, .word = ~n };
		uint8_t hb[SP_HDRSIZE];
		size_t blen = h.len - SP_HDRSIZE;
		struct iovec iov[2] = { { hb, SP_HDRSIZE }, { b, blen } };
		int rc;

		sp_hdr_put(hb, &h);
		memcpy(b, &n, 4);
		for (size_t i = 4; i < blen; i++)
			b[i] = pat(n, i);
		while ((rc = lane_put(&f->p, iov, 2, h.len)) == -EAGAIN)
			sched_yield();
		if (rc != 0)
			return (void *)(intptr_t)1;
	}
	return NULL;
}

static void
t_threads(void **state)
{
	struct fix *f = *state;
	struct timespec tmo = { 0, 2000000 };
	long budget = lane_spin_max();
	pthread_t t;
	void *res;
	uint32_t n = 0, seq, sleeps = 0;

	assert_int_equal(pthread_create(&t, NULL, producer, f), 0);
	while (n < NFRAMES) {
		struct sp_hdr h;
		uint8_t *body;
		uint32_t got;
		int rc = lane_get(&f->c, &h, &body);

		if (rc == 1) {
			assert_int_equal(h.reqid, n);
			assert_int_equal(h.word, ~n);
			assert_int_equal(h.len, tlen(n));
			memcpy(&got, body, 4);
			assert_int_equal(got, n);
			for (size_t i = 4; i < h.len - SP_HDRSIZE; i++)
				if (body[i] != pat(n, i))
					fail_msg("frame %u: byte %zu", n, i);
			free(body);
			n++;
			continue;
		}
		assert_int_equal(rc, 0);
		seq = atomic_load(&f->shm->req.seq);
		if (lane_spin(&f->c, seq, budget)) {
			budget = lane_spin_adapt(budget, true);
			continue;
		}
		budget = lane_spin_adapt(budget, false);
		if (!lane_sleep_prepare(&f->c, &seq))
			continue;
		sleeps++;
		(void)lane_wait(&f->shm->req, seq, &tmo);
		lane_sleep_done(&f->c);
	}
	assert_int_equal(pthread_join(t, &res), 0);
	assert_null(res);
	assert_false(lane_ready(&f->c));
	print_message("%u frames, %u sleeps\n", n, sleeps);
}

#define T(fn)	cmocka_unit_test_setup_teardown(fn, fix_setup, fix_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(t_roundtrip),
		T(t_wrap),
		T(t_wrap32),
		T(t_full),
		T(t_toobig),
		T(t_empty),
		T(t_corrupt),
		T(t_maxframe),
		T(t_badtail),
		T(t_waiting),
		T(t_threads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
