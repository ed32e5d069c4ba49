/*
 * lane.c — the shared-memory rings of sp/lane.h: publishing and taking
 * frames, spinning and futex waits.  Both ends run this code; what the
 * other process wrote into the mapping is read once, checked, and copied
 * before use, because the other process may change it at any moment.
 */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "sp/lane.h"

static inline void
cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* copies n bytes into the ring at index idx, wrapping at its end */
static void
ring_write(uint8_t *data, uint32_t idx, const void *src, size_t n)
{
	uint32_t off = idx & (LANE_RING - 1);
	size_t first = LANE_RING - off < n ? LANE_RING - off : n;

	memcpy(data + off, src, first);
	memcpy(data, (const uint8_t *)src + first, n - first);
}

static void
ring_read(const uint8_t *data, uint32_t idx, void *dst, size_t n)
{
	uint32_t off = idx & (LANE_RING - 1);
	size_t first = LANE_RING - off < n ? LANE_RING - off : n;

	memcpy(dst, data + off, first);
	memcpy((uint8_t *)dst + first, data, n - first);
}

bool
lane_poke(struct lane_ctl *ctl, bool sock, bool futex)
{
	if (sock)
		atomic_fetch_add(&ctl->sockseq, 1);
	atomic_fetch_add(&ctl->seq, 1);		/* seq_cst: orders the load below */
	if (!atomic_load(&ctl->sleeping))
		return false;
	if (futex)
		syscall(SYS_futex, &ctl->seq, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
	return true;
}

int
lane_put(struct lane_prod *p, const struct iovec *iov, int niov, size_t len)
{
	uint32_t tail = atomic_load_explicit(&p->ctl->tail, memory_order_acquire);
	uint32_t used = p->head - tail, need, idx;

	if (used > LANE_RING)
		return -EPROTO;
	if (len > LANE_MAXFRAME)
		return -EAGAIN;
	need = LANE_ALIGN((uint32_t)len);
	if (LANE_RING - used < need)
		return -EAGAIN;
	idx = p->head;
	for (int i = 0; i < niov; i++) {
		ring_write(p->data, idx, iov[i].iov_base, iov[i].iov_len);
		idx += (uint32_t)iov[i].iov_len;
	}
	p->head += need;
	atomic_store_explicit(&p->ctl->head, p->head, memory_order_release);
	return lane_poke(p->ctl, false, p->futex) && !p->futex ? 1 : 0;
}

bool
lane_ready(const struct lane_cons *c)
{
	return atomic_load_explicit(&c->ctl->head, memory_order_acquire) !=
	    c->tail;
}

int
lane_get(struct lane_cons *c, struct sp_hdr *h, uint8_t **body)
{
	uint32_t head = atomic_load_explicit(&c->ctl->head, memory_order_acquire);
	uint32_t avail = head - c->tail, need;
	uint8_t hb[SP_HDRSIZE];
	size_t blen;

	if (avail == 0)
		return 0;
	/* the producer publishes whole frames, each 8-aligned */
	if (avail > LANE_RING || avail < SP_HDRSIZE || (avail & 7) != 0)
		return -EPROTO;
	ring_read(c->data, c->tail, hb, SP_HDRSIZE);
	if (sp_hdr_get(hb, h, c->maxframe) != 0)
		return -EPROTO;
	need = LANE_ALIGN(h->len);
	if (need > avail)
		return -EPROTO;
	blen = h->len - SP_HDRSIZE;
	if ((*body = malloc(blen + 1)) == NULL)
		return -ENOMEM;
	ring_read(c->data, c->tail + SP_HDRSIZE, *body, blen);
	c->tail += need;
	atomic_store_explicit(&c->ctl->tail, c->tail, memory_order_release);
	return 1;
}

static long
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

bool
lane_spin(const struct lane_cons *c, uint32_t seq0, long ns)
{
	long end;

	int cpu = sched_getcpu();

	atomic_store_explicit(&c->ctl->ccpu, (uint32_t)(cpu + 1),
	    memory_order_relaxed);
	if (ns <= 0 || (c->peer != NULL && cpu >= 0 &&
	    atomic_load_explicit(&c->peer->ccpu, memory_order_relaxed) ==
	    (uint32_t)(cpu + 1)))
		return false;
	end = mono_ns() + ns;
	for (;;) {
		for (int i = 0; i < 64; i++) {
			if (lane_ready(c) ||
			    atomic_load_explicit(&c->ctl->seq,
			    memory_order_relaxed) != seq0)
				return true;
			cpu_relax();
		}
		if (mono_ns() >= end)
			return false;
	}
}

bool
lane_sleep_prepare(struct lane_cons *c, uint32_t *seq)
{
	*seq = atomic_load(&c->ctl->seq);
	atomic_store(&c->ctl->sleeping, 1);	/* seq_cst: before the check */
	if (lane_ready(c)) {
		atomic_store(&c->ctl->sleeping, 0);
		return false;
	}
	return true;
}

int
lane_wait(struct lane_ctl *ctl, uint32_t seq, const struct timespec *tmo)
{
	return (int)syscall(SYS_futex, &ctl->seq, FUTEX_WAIT, seq, tmo, NULL, 0);
}

void
lane_sleep_done(struct lane_cons *c)
{
	atomic_store_explicit(&c->ctl->sleeping, 0, memory_order_relaxed);
}

long
lane_spin_max(void)
{
	static _Atomic long max = -1;
	cpu_set_t set;
	long m = atomic_load_explicit(&max, memory_order_relaxed);

	if (m >= 0)
		return m;
	m = LANE_SPIN_NS;
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
	    (sched_getaffinity(0, sizeof(set), &set) == 0 &&
	    CPU_COUNT(&set) < 2))
		m = 0;
	atomic_store_explicit(&max, m, memory_order_relaxed);
	return m;
}

/* a spin that paid keeps the full budget; one that did not halves it,
 * down to a sixteenth, so a waiter that keeps losing spins little */
long
lane_spin_adapt(long budget, bool hit)
{
	long max = lane_spin_max();

	if (hit || max == 0)
		return max;
	budget /= 2;
	return budget < max / 16 ? max / 16 : budget;
}
