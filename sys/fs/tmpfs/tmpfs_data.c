/*
 * tmpfs_data.c — contents of regular files.  A file is a radix tree of
 * 4 KiB pages with 512 slots per level (a level is itself one 4 KiB
 * block of pointers).  The tree grows in height only as far as the
 * highest page index in use needs, so a file of a few pages costs one
 * node, a dense 100 MiB file three levels, and a file with one byte at
 * 2^63-2 six levels; holes cost nothing and read as zeros.
 *
 * Invariant: bytes of a page beyond v_size are zero, so extending a file
 * never has to clear anything.  Pages count against the mount's size
 * limit (tmpfs_pages_reserve); running out, or out of kmem, is -ENOSPC
 * for data.  v_blocks is pages * 8.  vfs_lock is held by every caller.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "fs/tmpfs/tmpfs.h"

#define SLOT_SHIFT	9
#define NSLOTS		(1 << SLOT_SHIFT)
#define MAXHEIGHT	6		/* 54 bits of page index >= 51 needed */
#define PG_UNWRITTEN	((uintptr_t)1)	/* fallocated, never written */
#define NONE		UINT64_MAX

static char zero_page[TMPFS_PAGE_SIZE];

static inline char *
pg_ptr(void *slot)
{
	return (char *)((uintptr_t)slot & ~PG_UNWRITTEN);
}

static inline bool
pg_unwritten(void *slot)
{
	return ((uintptr_t)slot & PG_UNWRITTEN) != 0;
}

/* Number of page indices a tree of height h covers. */
static uint64_t
capacity(unsigned h)
{
	return h == 0 ? 0 : (uint64_t)1 << (SLOT_SHIFT * h);
}

static void
update_blocks(struct tmpfs_node *tn)
{
	TNTOV(tn)->v_blocks = tn->tn_reg.tr_npages * (TMPFS_PAGE_SIZE / 512);
}

/* The slot holding page idx, or NULL if the path to it is absent. */
static void **
slot_find(struct tmpfs_reg *r, uint64_t idx)
{
	void **node = r->tr_root;

	if (idx >= capacity(r->tr_height))
		return NULL;
	for (unsigned level = r->tr_height - 1; level > 0; level--) {
		node = node[(idx >> (SLOT_SHIFT * level)) & (NSLOTS - 1)];
		if (node == NULL)
			return NULL;
	}
	return &node[idx & (NSLOTS - 1)];
}

/* Raises the tree until it covers idx. */
static int
tree_grow(struct tmpfs_reg *r, uint64_t idx)
{
	if (r->tr_root == NULL) {
		unsigned h = 1;
		while (idx >= capacity(h))
			h++;
		if ((r->tr_root = kmem_zalloc(TMPFS_PAGE_SIZE)) == NULL)
			return -ENOSPC;
		r->tr_height = h;
		return 0;
	}
	while (idx >= capacity(r->tr_height)) {
		void **top = kmem_zalloc(TMPFS_PAGE_SIZE);
		if (top == NULL)
			return -ENOSPC;
		top[0] = r->tr_root;
		r->tr_root = top;
		r->tr_height++;
	}
	return 0;
}

/* The slot for page idx, building the path to it. */
static void **
slot_make(struct tmpfs_reg *r, uint64_t idx, int *errp)
{
	void **node;

	if ((*errp = tree_grow(r, idx)) != 0)
		return NULL;
	node = r->tr_root;
	for (unsigned level = r->tr_height - 1; level > 0; level--) {
		void **slot = &node[(idx >> (SLOT_SHIFT * level)) & (NSLOTS - 1)];
		if (*slot == NULL && (*slot = kmem_zalloc(TMPFS_PAGE_SIZE)) == NULL) {
			*errp = -ENOSPC;
			return NULL;
		}
		node = *slot;
	}
	return &node[idx & (NSLOTS - 1)];
}

/* Fills an empty slot with a zero page charged to the mount. */
static int
page_fill(struct tmpfs_node *tn, void **slot, uintptr_t tag)
{
	struct tmpfs_mount *tm = VTOTM(TNTOV(tn));
	char *pg;
	int error;

	if ((error = tmpfs_pages_reserve(tm, 1)) != 0)
		return error;
	if ((pg = kmem_zalloc(TMPFS_PAGE_SIZE)) == NULL) {
		tmpfs_pages_release(tm, 1);
		return -ENOSPC;
	}
	*slot = (void *)((uintptr_t)pg | tag);
	tn->tn_reg.tr_npages++;
	return 0;
}

/* Page idx ready to be written into (allocated and marked written). */
static char *
page_for_write(struct tmpfs_node *tn, uint64_t idx, int *errp)
{
	void **slot = slot_make(&tn->tn_reg, idx, errp);

	if (slot == NULL)
		return NULL;
	if (*slot == NULL && (*errp = page_fill(tn, slot, 0)) != 0)
		return NULL;
	*slot = pg_ptr(*slot);
	return *slot;
}

ssize_t
tmpfs_reg_read(struct tmpfs_node *tn, struct uio *uio)
{
	off_t off = uio->uio_offset, size = TNTOV(tn)->v_size;
	size_t done = 0;

	if (off < 0)
		return -EINVAL;
	while (uio->uio_resid > 0 && off < size) {
		uint64_t idx = (uint64_t)off >> TMPFS_PAGE_SHIFT;
		size_t pgoff = off & (TMPFS_PAGE_SIZE - 1);
		size_t n = TMPFS_PAGE_SIZE - pgoff;
		if ((off_t)n > size - off)
			n = size - off;
		if (n > uio->uio_resid)
			n = uio->uio_resid;
		void **slot = slot_find(&tn->tn_reg, idx);
		char *pg = slot != NULL && *slot != NULL ? pg_ptr(*slot) : zero_page;
		size_t m = uiomove(pg + pgoff, n, uio);
		done += m;
		off += m;
		if (m < n)
			break;
	}
	return done;
}

/*
 * Writes what fits: a short count when the space runs out part way, the
 * error only if nothing could be written (Linux behaviour).
 */
ssize_t
tmpfs_reg_write(struct tmpfs_node *tn, struct uio *uio)
{
	struct vnode *vp = TNTOV(tn);
	off_t off = uio->uio_offset;
	size_t left = uio->uio_resid, done = 0;
	int error = 0;

	if (left == 0)
		return 0;
	if (off < 0)
		return -EINVAL;
	if (off >= TMPFS_MAXFILESIZE)
		return -EFBIG;
	if (left > (uint64_t)(TMPFS_MAXFILESIZE - off))
		left = TMPFS_MAXFILESIZE - off;
	while (left > 0) {
		size_t pgoff = off & (TMPFS_PAGE_SIZE - 1);
		size_t n = TMPFS_PAGE_SIZE - pgoff;
		if (n > left)
			n = left;
		char *pg = page_for_write(tn, (uint64_t)off >> TMPFS_PAGE_SHIFT,
		    &error);
		if (pg == NULL)
			break;
		size_t m = uiomove(pg + pgoff, n, uio);
		done += m;
		off += m;
		left -= m;
		if (m < n)
			break;
	}
	if (off > vp->v_size)
		vp->v_size = off;
	update_blocks(tn);
	if (done == 0 && error != 0)
		return error;
	return done;
}

static bool
node_empty(void **node)
{
	for (int i = 0; i < NSLOTS; i++)
		if (node[i] != NULL)
			return false;
	return true;
}

/* Frees a whole subtree whose slots are pages at level 0; returns pages. */
static uint64_t
subtree_free(void **node, unsigned level)
{
	uint64_t n = 0;

	for (int i = 0; i < NSLOTS; i++) {
		if (node[i] == NULL)
			continue;
		if (level == 0) {
			kmem_free(pg_ptr(node[i]), TMPFS_PAGE_SIZE);
			n++;
		} else
			n += subtree_free(node[i], level - 1);
	}
	kmem_free(node, TMPFS_PAGE_SIZE);
	return n;
}

/* Frees the pages with index >= from below node (first index base). */
static uint64_t
subtree_trim(void **node, unsigned level, uint64_t base, uint64_t from)
{
	unsigned shift = SLOT_SHIFT * level;
	uint64_t n = 0;

	for (int i = 0; i < NSLOTS; i++) {
		uint64_t sbase = base + ((uint64_t)i << shift);
		if (node[i] == NULL || sbase + ((uint64_t)1 << shift) <= from)
			continue;
		if (level == 0) {
			kmem_free(pg_ptr(node[i]), TMPFS_PAGE_SIZE);
			n++;
		} else if (sbase >= from) {
			n += subtree_free(node[i], level - 1);
		} else {
			n += subtree_trim(node[i], level - 1, sbase, from);
			if (!node_empty(node[i]))
				continue;
			kmem_free(node[i], TMPFS_PAGE_SIZE);
		}
		node[i] = NULL;
	}
	return n;
}

static void
reg_trim(struct tmpfs_node *tn, uint64_t from)
{
	struct tmpfs_reg *r = &tn->tn_reg;
	uint64_t n;

	if (r->tr_root == NULL || from >= capacity(r->tr_height))
		return;
	n = subtree_trim(r->tr_root, r->tr_height - 1, 0, from);
	if (node_empty(r->tr_root)) {
		kmem_free(r->tr_root, TMPFS_PAGE_SIZE);
		r->tr_root = NULL;
		r->tr_height = 0;
	}
	r->tr_npages -= n;
	tmpfs_pages_release(VTOTM(TNTOV(tn)), n);
	update_blocks(tn);
}

int
tmpfs_reg_truncate(struct tmpfs_node *tn, off_t size)
{
	struct vnode *vp = TNTOV(tn);

	if (size < 0)
		return -EINVAL;
	if (size < vp->v_size) {
		uint64_t last = (uint64_t)size >> TMPFS_PAGE_SHIFT;
		size_t pgoff = size & (TMPFS_PAGE_SIZE - 1);
		reg_trim(tn, pgoff == 0 ? last : last + 1);
		void **slot = slot_find(&tn->tn_reg, last);
		if (pgoff != 0 && slot != NULL && *slot != NULL)
			memset(pg_ptr(*slot) + pgoff, 0, TMPFS_PAGE_SIZE - pgoff);
	}
	vp->v_size = size;
	return 0;
}

void
tmpfs_reg_fini(struct tmpfs_node *tn)
{
	reg_trim(tn, 0);
}

/* Pages present with index in [lo, hi] below node. */
static uint64_t
subtree_count(void **node, unsigned level, uint64_t base, uint64_t lo,
    uint64_t hi)
{
	unsigned shift = SLOT_SHIFT * level;
	uint64_t n = 0;

	for (int i = 0; i < NSLOTS; i++) {
		uint64_t sbase = base + ((uint64_t)i << shift);
		uint64_t slast = sbase + ((uint64_t)1 << shift) - 1;
		if (node[i] == NULL || slast < lo)
			continue;
		if (sbase > hi)
			break;
		if (level == 0)
			n++;
		else
			n += subtree_count(node[i], level - 1, sbase, lo, hi);
	}
	return n;
}

/*
 * fallocate mode 0: every page of [off, off+len) exists afterwards and
 * the size covers it.  The space check is made up front so that a
 * request that cannot fit changes nothing, as on Linux.
 */
int
tmpfs_reg_allocate(struct tmpfs_node *tn, off_t off, off_t len)
{
	struct tmpfs_reg *r = &tn->tn_reg;
	struct tmpfs_mount *tm = VTOTM(TNTOV(tn));
	uint64_t lo, hi, missing;
	int error = 0;

	if (off < 0 || len <= 0)
		return -EINVAL;
	if (len > TMPFS_MAXFILESIZE - off)
		return -EFBIG;
	lo = (uint64_t)off >> TMPFS_PAGE_SHIFT;
	hi = (uint64_t)(off + len - 1) >> TMPFS_PAGE_SHIFT;
	missing = hi - lo + 1;
	if (r->tr_root != NULL)
		missing -= subtree_count(r->tr_root, r->tr_height - 1, 0, lo, hi);
	if ((error = tmpfs_pages_reserve(tm, missing)) != 0)
		return error;
	tmpfs_pages_release(tm, missing);	/* page_fill takes them one by one */
	for (uint64_t idx = lo; idx <= hi && error == 0; idx++) {
		void **slot = slot_make(r, idx, &error);
		if (slot != NULL && *slot == NULL)
			error = page_fill(tn, slot, PG_UNWRITTEN);
	}
	update_blocks(tn);
	if (error == 0 && off + len > TNTOV(tn)->v_size)
		TNTOV(tn)->v_size = off + len;
	return error;
}

/* First page >= from holding written data below node, or NONE. */
static uint64_t
find_data(void **node, unsigned level, uint64_t base, uint64_t from)
{
	unsigned shift = SLOT_SHIFT * level;
	int i0 = from > base ? (int)((from - base) >> shift) : 0;

	for (int i = i0; i < NSLOTS; i++) {
		uint64_t sbase = base + ((uint64_t)i << shift);
		if (node[i] == NULL)
			continue;
		if (level == 0) {
			if (!pg_unwritten(node[i]))
				return sbase;
			continue;
		}
		uint64_t r = find_data(node[i], level - 1, sbase,
		    from > sbase ? from : sbase);
		if (r != NONE)
			return r;
	}
	return NONE;
}

/* First page >= from that is a hole below node, or NONE. */
static uint64_t
find_hole(void **node, unsigned level, uint64_t base, uint64_t from)
{
	unsigned shift = SLOT_SHIFT * level;
	int i0 = from > base ? (int)((from - base) >> shift) : 0;

	for (int i = i0; i < NSLOTS; i++) {
		uint64_t sbase = base + ((uint64_t)i << shift);
		uint64_t start = from > sbase ? from : sbase;
		if (node[i] == NULL)
			return start;
		if (level == 0) {
			if (pg_unwritten(node[i]))
				return start;
			continue;
		}
		uint64_t r = find_hole(node[i], level - 1, sbase, start);
		if (r != NONE)
			return r;
	}
	return NONE;
}

/* SEEK_DATA / SEEK_HOLE at page granularity; -ENXIO outside [0, size). */
off_t
tmpfs_reg_seek(struct tmpfs_node *tn, off_t off, int whence)
{
	struct tmpfs_reg *r = &tn->tn_reg;
	off_t size = TNTOV(tn)->v_size;
	uint64_t idx, lastidx, found;

	if (off < 0 || off >= size)
		return -ENXIO;
	idx = (uint64_t)off >> TMPFS_PAGE_SHIFT;
	lastidx = (uint64_t)(size - 1) >> TMPFS_PAGE_SHIFT;
	if (whence == SEEK_DATA) {
		found = NONE;
		if (r->tr_root != NULL && idx < capacity(r->tr_height))
			found = find_data(r->tr_root, r->tr_height - 1, 0, idx);
		if (found == NONE || found > lastidx)
			return -ENXIO;
	} else if (whence == SEEK_HOLE) {
		found = idx;
		if (r->tr_root != NULL && idx < capacity(r->tr_height)) {
			found = find_hole(r->tr_root, r->tr_height - 1, 0, idx);
			if (found == NONE)
				found = capacity(r->tr_height);
		}
		if (found > lastidx)
			return size;
	} else
		return -EINVAL;
	if (found == idx)
		return off;
	return (off_t)(found << TMPFS_PAGE_SHIFT);
}
