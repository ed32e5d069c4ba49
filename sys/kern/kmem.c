/*
 * kmem.c — kernel memory: malloc with an account.
 *
 * Every allocation that grows with what callers ask for (file objects,
 * descriptor tables, pipe buffers, tmpfs data) goes through here so that a
 * server started with a memory limit can refuse work with ENOMEM instead of
 * letting one client exhaust the host.  The account is a pair of atomics:
 * no lock, safe from any thread.  Callers pass the size back on free, as
 * NetBSD's kmem(9) does, which keeps the bookkeeping free of headers.
 */
#include <stdlib.h>
#include <string.h>
#include "kern/kern.h"

static _Atomic uint64_t kmem_used;
static _Atomic uint64_t kmem_limit;	/* 0: unlimited */

void
kmem_init(void)
{
	/* the account starts empty; a limit set before boot is kept */
}

void
kmem_setlimit(uint64_t bytes)
{
	atomic_store(&kmem_limit, bytes);
}

uint64_t
kmem_getlimit(void)
{
	return atomic_load(&kmem_limit);
}

uint64_t
kmem_inuse(void)
{
	return atomic_load(&kmem_used);
}

/* Reserves size bytes against the limit; false if that would pass it. */
static bool
kmem_charge(size_t size)
{
	uint64_t limit = atomic_load(&kmem_limit);
	uint64_t prev = atomic_fetch_add(&kmem_used, size);

	if (limit != 0 && prev + size > limit) {
		atomic_fetch_sub(&kmem_used, size);
		return false;
	}
	return true;
}

static void
kmem_uncharge(size_t size)
{
	atomic_fetch_sub(&kmem_used, size);
}

void *
kmem_alloc(size_t size)
{
	void *p;

	if (!kmem_charge(size))
		return NULL;
	p = malloc(size == 0 ? 1 : size);
	if (p == NULL)
		kmem_uncharge(size);
	return p;
}

void *
kmem_zalloc(size_t size)
{
	void *p;

	if (!kmem_charge(size))
		return NULL;
	p = calloc(1, size == 0 ? 1 : size);
	if (p == NULL)
		kmem_uncharge(size);
	return p;
}

/* On failure the old block is untouched and still accounted. */
void *
kmem_realloc(void *p, size_t oldsize, size_t newsize)
{
	void *np;

	if (p == NULL)
		return kmem_alloc(newsize);
	if (newsize > oldsize && !kmem_charge(newsize - oldsize))
		return NULL;
	np = realloc(p, newsize == 0 ? 1 : newsize);
	if (np == NULL) {
		if (newsize > oldsize)
			kmem_uncharge(newsize - oldsize);
		return NULL;
	}
	if (newsize < oldsize)
		kmem_uncharge(oldsize - newsize);
	return np;
}

void
kmem_free(void *p, size_t size)
{
	if (p == NULL)
		return;
	free(p);
	kmem_uncharge(size);
}
