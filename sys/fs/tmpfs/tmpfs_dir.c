/*
 * tmpfs_dir.c — directory entries.  Each directory keeps its names twice:
 * in a hash table (FNV-1a, doubled when it averages two per bucket) for
 * O(1) lookup, and in a list ordered by a cookie that is taken from a
 * per-directory counter and never reused.
 *
 * Readdir cookies and order.  Like Linux tmpfs, a listing shows "." and
 * "..", then the entries newest first.  A directory position is either
 * 0 ("." next), 1 (".." next) or a cookie value P >= 2 meaning "the
 * entries whose cookie is below P come next".  The record of an entry
 * carries its own cookie as d_off; the record of ".." carries the next
 * cookie to be handed out.  Removing entries never moves a position and
 * new entries get cookies above every position handed out after they
 * were made, so a listing taken while others add and remove names never
 * repeats a name nor skips one that existed throughout.  td_hint, the
 * last entry a readdir returned, makes resuming O(1); removal moves the
 * hint to the next newer entry, which is still at or above any position
 * handed out from the removed one.
 *
 * vfs_lock is held by every caller.
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include "fs/tmpfs/tmpfs.h"

#define DIR_MINBUCKETS	16

/* the layout getdents64 returns */
struct tmpfs_dirent64 {
	uint64_t	d_ino;
	int64_t		d_off;
	uint16_t	d_reclen;
	uint8_t		d_type;
	char		d_name[];
};

static uint32_t
name_hash(const char *name, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)name[i];
		h *= 16777619u;
	}
	return h;
}

void
tmpfs_dir_init(struct tmpfs_node *dn, struct tmpfs_node *parent)
{
	struct tmpfs_dir *d = &dn->tn_dir;

	d->td_buckets = NULL;
	d->td_nbuckets = 0;
	d->td_nentries = 0;
	TAILQ_INIT(&d->td_list);
	d->td_nextcookie = TMPFS_COOKIE_FIRST;
	d->td_hint = NULL;
	d->td_parent = parent;
}

/* Frees the bucket table of an empty directory. */
void
tmpfs_dir_fini(struct tmpfs_node *dn)
{
	struct tmpfs_dir *d = &dn->tn_dir;

	if (d->td_buckets != NULL)
		kmem_free(d->td_buckets, d->td_nbuckets * sizeof(*d->td_buckets));
	d->td_buckets = NULL;
	d->td_nbuckets = 0;
}

struct tmpfs_dirent *
tmpfs_dir_lookup(struct tmpfs_node *dn, const char *name)
{
	struct tmpfs_dir *d = &dn->tn_dir;
	struct tmpfs_dirent *de;
	size_t len = strlen(name);
	uint32_t h;

	if (d->td_nentries == 0)
		return NULL;
	h = name_hash(name, len);
	LIST_FOREACH(de, &d->td_buckets[h & (d->td_nbuckets - 1)], td_hash) {
		if (de->td_hashval == h && de->td_namelen == len &&
		    memcmp(de->td_name, name, len) == 0)
			return de;
	}
	return NULL;
}

struct tmpfs_dirent *
tmpfs_dirent_alloc(const char *name)
{
	size_t len = strlen(name);
	struct tmpfs_dirent *de;

	if (len > NAME_MAX)
		return NULL;
	de = kmem_alloc(offsetof(struct tmpfs_dirent, td_name) + len + 1);
	if (de == NULL)
		return NULL;
	memcpy(de->td_name, name, len + 1);
	de->td_namelen = len;
	de->td_hashval = name_hash(name, len);
	de->td_node = NULL;
	de->td_cookie = 0;
	return de;
}

void
tmpfs_dirent_free(struct tmpfs_dirent *de)
{
	kmem_free(de, offsetof(struct tmpfs_dirent, td_name) + de->td_namelen + 1);
}

/*
 * Moves every entry into a table of n buckets.  Failing to allocate only
 * costs speed, so it is not an error.
 */
static void
dir_rehash(struct tmpfs_dir *d, size_t n)
{
	struct tmpfs_bucket *nb = kmem_zalloc(n * sizeof(*nb));
	struct tmpfs_dirent *de;

	if (nb == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		LIST_INIT(&nb[i]);
	TAILQ_FOREACH(de, &d->td_list, td_order) {
		LIST_REMOVE(de, td_hash);
		LIST_INSERT_HEAD(&nb[de->td_hashval & (n - 1)], de, td_hash);
	}
	if (d->td_buckets != NULL)
		kmem_free(d->td_buckets, d->td_nbuckets * sizeof(*d->td_buckets));
	d->td_buckets = nb;
	d->td_nbuckets = n;
}

static int
dir_ensure_table(struct tmpfs_dir *d)
{
	if (d->td_buckets != NULL)
		return 0;
	struct tmpfs_bucket *nb = kmem_zalloc(DIR_MINBUCKETS * sizeof(*nb));
	if (nb == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < DIR_MINBUCKETS; i++)
		LIST_INIT(&nb[i]);
	d->td_buckets = nb;
	d->td_nbuckets = DIR_MINBUCKETS;
	return 0;
}

/*
 * Makes sure an insertion into dn cannot fail: the only allocation it
 * needs is the first bucket table (growing later is optional).
 */
int
tmpfs_dir_prepare(struct tmpfs_node *dn)
{
	return dir_ensure_table(&dn->tn_dir);
}

/* Adds de (from tmpfs_dirent_alloc) naming tn; tmpfs_dir_prepare first. */
void
tmpfs_dir_insert(struct tmpfs_node *dn, struct tmpfs_dirent *de,
    struct tmpfs_node *tn)
{
	struct tmpfs_dir *d = &dn->tn_dir;

	de->td_node = tn;
	de->td_cookie = d->td_nextcookie++;
	LIST_INSERT_HEAD(&d->td_buckets[de->td_hashval & (d->td_nbuckets - 1)],
	    de, td_hash);
	TAILQ_INSERT_TAIL(&d->td_list, de, td_order);
	d->td_nentries++;
	TNTOV(dn)->v_size += TMPFS_DIRENT_SIZE;
	if (d->td_nentries > 2 * d->td_nbuckets)
		dir_rehash(d, 2 * d->td_nbuckets);
}

void
tmpfs_dir_remove(struct tmpfs_node *dn, struct tmpfs_dirent *de)
{
	struct tmpfs_dir *d = &dn->tn_dir;

	if (d->td_hint == de)
		d->td_hint = TAILQ_NEXT(de, td_order);
	LIST_REMOVE(de, td_hash);
	TAILQ_REMOVE(&d->td_list, de, td_order);
	d->td_nentries--;
	TNTOV(dn)->v_size -= TMPFS_DIRENT_SIZE;
	if (d->td_nentries == 0)
		tmpfs_dir_fini(dn);	/* an empty directory costs no table */
}

/* Appends one record if it fits; returns its length or 0. */
static size_t
put_record(char *buf, size_t space, ino_t ino, off_t next, unsigned type,
    const char *name, size_t namelen)
{
	size_t reclen = offsetof(struct tmpfs_dirent64, d_name) + namelen + 1;
	struct tmpfs_dirent64 rec;

	reclen = (reclen + 7) & ~(size_t)7;
	if (reclen > space)
		return 0;
	rec.d_ino = ino;
	rec.d_off = next;
	rec.d_reclen = reclen;
	rec.d_type = type;
	memcpy(buf, &rec, offsetof(struct tmpfs_dirent64, d_name));
	memcpy(buf + offsetof(struct tmpfs_dirent64, d_name), name, namelen);
	memset(buf + offsetof(struct tmpfs_dirent64, d_name) + namelen, 0,
	    reclen - offsetof(struct tmpfs_dirent64, d_name) - namelen);
	return reclen;
}

/* The newest entry whose cookie is below pos, or NULL. */
static struct tmpfs_dirent *
dir_seek(struct tmpfs_dir *d, off_t pos)
{
	struct tmpfs_dirent *de = d->td_hint;

	if (de == NULL || de->td_cookie < pos)
		de = TAILQ_LAST(&d->td_list, tmpfs_dirlist);
	while (de != NULL && de->td_cookie >= pos)
		de = TAILQ_PREV(de, tmpfs_dirlist, td_order);
	return de;
}

/* "." and ".." for positions 0 and 1; returns the bytes used. */
static size_t
put_dots(struct tmpfs_node *dn, char *out, size_t len, off_t *posp)
{
	struct tmpfs_dir *d = &dn->tn_dir;
	size_t filled = 0, n;

	if (*posp == 0) {
		n = put_record(out, len, TNTOV(dn)->v_ino, 1, DT_DIR, ".", 1);
		if (n == 0)
			return 0;
		filled += n;
		*posp = 1;
	}
	if (*posp == 1) {
		n = put_record(out + filled, len - filled,
		    TNTOV(d->td_parent)->v_ino, d->td_nextcookie, DT_DIR, "..", 2);
		if (n == 0)
			return filled;
		filled += n;
		*posp = d->td_nextcookie;
	}
	return filled;
}

ssize_t
tmpfs_dir_read(struct tmpfs_node *dn, void *buf, size_t len, off_t *offp)
{
	struct tmpfs_dir *d = &dn->tn_dir;
	struct tmpfs_dirent *de;
	off_t pos = *offp;
	size_t filled = 0, n;
	char *out = buf;

	if (TNTOV(dn)->v_nlink == 0)
		return -ENOENT;		/* removed: Linux IS_DEADDIR */
	if (pos < 0)
		return 0;
	filled = put_dots(dn, out, len, &pos);
	for (de = dir_seek(d, pos); de != NULL;
	    de = TAILQ_PREV(de, tmpfs_dirlist, td_order)) {
		struct vnode *vp = TNTOV(de->td_node);
		n = put_record(out + filled, len - filled, vp->v_ino,
		    de->td_cookie, IFTODT(vp->v_mode), de->td_name,
		    de->td_namelen);
		if (n == 0)
			break;
		filled += n;
		pos = de->td_cookie;
		d->td_hint = de;
	}
	if (filled == 0 && (pos < TMPFS_COOKIE_FIRST || dir_seek(d, pos) != NULL))
		return -EINVAL;
	*offp = pos;
	return filled;
}
