/*
 * tmpfs_vfsops.c — tmpfs mounts: option parsing, statfs, unmount, and the
 * node allocator with the mount-wide page and inode accounting that the
 * size= and nr_inodes= limits are enforced against.
 *
 * Defaults follow Linux tmpfs: half of host RAM for size and for
 * nr_inodes, root directory mode 01777 owned by 0:0.  "size=0" and
 * "nr_inodes=0" mean unlimited (statfs then reports zeros, like Linux).
 * Every node and page is kmem memory, so the kernel memory cap applies
 * on top of the size limit.
 *
 * Called with vfs_lock held, like every other tmpfs entry point.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include "fs/tmpfs/tmpfs.h"

#ifndef ST_VALID
#define ST_VALID	0x0020		/* Linux: f_flags is meaningful */
#endif

struct tmpfs_args {
	uint64_t	ta_pages;
	uint64_t	ta_inodes;
	mode_t		ta_mode;
	uid_t		ta_uid;
	gid_t		ta_gid;
};

static uint64_t
host_ram_pages(void)
{
	long n = sysconf(_SC_PHYS_PAGES);
	long psz = sysconf(_SC_PAGESIZE);

	if (n <= 0 || psz <= 0)
		return 1 << 18;		/* 1 GiB if the host will not say */
	return (uint64_t)n * (uint64_t)psz / TMPFS_PAGE_SIZE;
}

/* Linux memparse(): a number (base 0) with an optional k/m/g/t/p/e suffix. */
static int
parse_mem(const char *s, uint64_t *out, const char **restp)
{
	char *end;
	unsigned shift = 0;

	if (*s == '\0' || *s == '-')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno != 0 || end == s)
		return -EINVAL;
	switch (*end) {
	case 'e': case 'E': shift += 10; /* FALLTHROUGH */
	case 'p': case 'P': shift += 10; /* FALLTHROUGH */
	case 't': case 'T': shift += 10; /* FALLTHROUGH */
	case 'g': case 'G': shift += 10; /* FALLTHROUGH */
	case 'm': case 'M': shift += 10; /* FALLTHROUGH */
	case 'k': case 'K': shift += 10; end++; break;
	default: break;
	}
	if (shift != 0 && (v << shift) >> shift != v)
		return -EINVAL;
	*out = v << shift;
	*restp = end;
	return 0;
}

static int
parse_uint(const char *s, int base, uint64_t max, uint64_t *out)
{
	char *end;

	if (*s == '\0' || *s == '-')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno != 0 || *end != '\0' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* size=N[kmgtpe] or size=N% (of host RAM), in bytes rounded up to pages */
static int
parse_size(const char *val, uint64_t *pages)
{
	uint64_t bytes;
	const char *rest;
	int error = parse_mem(val, &bytes, &rest);

	if (error != 0)
		return error;
	if (*rest == '%') {
		uint64_t ram = host_ram_pages();
		if (rest[1] != '\0' || bytes > UINT64_MAX / ram)
			return -EINVAL;
		*pages = (ram * bytes + 99) / 100;
		return 0;
	}
	if (*rest != '\0')
		return -EINVAL;
	*pages = bytes / TMPFS_PAGE_SIZE + (bytes % TMPFS_PAGE_SIZE != 0);
	return 0;
}

/* flags Linux tmpfs accepts that change nothing here */
static int
parse_flag(const char *key)
{
	if (strcmp(key, "inode64") == 0 || strcmp(key, "inode32") == 0 ||
	    strcmp(key, "noswap") == 0)
		return 0;
	return -EINVAL;
}

/* nr_blocks= and nr_inodes= take memparse() counts */
static int
parse_count(const char *val, uint64_t *out)
{
	const char *rest;
	int error = parse_mem(val, out, &rest);

	if (error != 0)
		return error;
	return *rest == '\0' ? 0 : -EINVAL;
}

static int
parse_one(struct tmpfs_args *ta, const char *key, const char *val)
{
	uint64_t v;
	int error;

	if (val == NULL)
		return parse_flag(key);
	if (strcmp(key, "size") == 0)
		return parse_size(val, &ta->ta_pages);
	if (strcmp(key, "nr_blocks") == 0)
		return parse_count(val, &ta->ta_pages);
	if (strcmp(key, "nr_inodes") == 0)
		return parse_count(val, &ta->ta_inodes);
	if (strcmp(key, "mode") == 0) {
		if ((error = parse_uint(val, 8, UINT32_MAX, &v)) == 0)
			ta->ta_mode = v & 07777;
		return error;
	}
	if (strcmp(key, "uid") == 0 || strcmp(key, "gid") == 0) {
		if ((error = parse_uint(val, 0, UINT32_MAX - 1, &v)) != 0)
			return error;
		if (key[0] == 'u')
			ta->ta_uid = v;
		else
			ta->ta_gid = v;
		return 0;
	}
	if (strcmp(key, "huge") == 0 && (strcmp(val, "never") == 0 ||
	    strcmp(val, "always") == 0 || strcmp(val, "within_size") == 0 ||
	    strcmp(val, "advise") == 0))
		return 0;
	return -EINVAL;
}

/* "key=val,key,..." into ta; empty items are skipped like Linux does. */
static int
parse_options(const char *data, struct tmpfs_args *ta)
{
	char item[128];

	while (data != NULL && *data != '\0') {
		const char *comma = strchr(data, ',');
		size_t len = comma != NULL ? (size_t)(comma - data) : strlen(data);

		if (len >= sizeof(item))
			return -EINVAL;
		memcpy(item, data, len);
		item[len] = '\0';
		data = comma != NULL ? comma + 1 : NULL;
		if (len == 0)
			continue;
		char *eq = strchr(item, '=');
		if (eq != NULL)
			*eq++ = '\0';
		int error = parse_one(ta, item, eq);
		if (error != 0)
			return error;
	}
	return 0;
}

void
tmpfs_now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}

int
tmpfs_inode_reserve(struct tmpfs_mount *tm)
{
	if (tm->tm_inodes_max != 0 && tm->tm_inodes_used >= tm->tm_inodes_max)
		return -ENOSPC;
	tm->tm_inodes_used++;
	return 0;
}

void
tmpfs_inode_release(struct tmpfs_mount *tm)
{
	tm->tm_inodes_used--;
}

int
tmpfs_pages_reserve(struct tmpfs_mount *tm, uint64_t n)
{
	if (tm->tm_pages_max != 0 &&
	    (tm->tm_pages_used > tm->tm_pages_max ||
	     n > tm->tm_pages_max - tm->tm_pages_used))
		return -ENOSPC;
	tm->tm_pages_used += n;
	return 0;
}

void
tmpfs_pages_release(struct tmpfs_mount *tm, uint64_t n)
{
	tm->tm_pages_used -= n;
}

/*
 * A new node with one inode reserved and the vnode set up (usecount 1,
 * the caller's reference).  Type-specific state is the caller's job,
 * except for directories, which start empty with nlink 2.
 */
int
tmpfs_node_alloc(struct tmpfs_mount *tm, mode_t mode, uid_t uid, gid_t gid,
    dev_t rdev, struct tmpfs_node **tnp)
{
	struct tmpfs_node *tn;
	struct vnode *vp;
	int error;

	if ((error = tmpfs_inode_reserve(tm)) != 0)
		return error;
	tn = kmem_zalloc(sizeof(*tn));
	if (tn == NULL) {
		tmpfs_inode_release(tm);
		return -ENOMEM;
	}
	vp = TNTOV(tn);
	vnode_init(vp, tm->tm_mp, &tmpfs_vnops, vtype_from_mode(mode));
	vp->v_data = tn;
	vp->v_ino = tm->tm_nextino++;
	vp->v_mode = mode;
	vp->v_nlink = 1;
	vp->v_uid = uid;
	vp->v_gid = gid;
	vp->v_rdev = (S_ISCHR(mode) || S_ISBLK(mode)) ? rdev : 0;
	vp->v_size = 0;
	vp->v_blocks = 0;
	tmpfs_now(&vp->v_atime);
	vp->v_mtime = vp->v_ctime = vp->v_btime = vp->v_atime;
	if (S_ISDIR(mode)) {
		vp->v_nlink = 2;
		vp->v_size = 2 * TMPFS_DIRENT_SIZE;
		tmpfs_dir_init(tn, NULL);
	}
	LIST_INSERT_HEAD(&tm->tm_nodes, tn, tn_link);
	*tnp = tn;
	return 0;
}

/*
 * Frees the node and everything it owns; its names must be gone.  A
 * removed directory releases its parent, which may free that in turn
 * (the caller's vnode still counts in mnt_nactive, so the mount stays).
 */
void
tmpfs_node_free(struct tmpfs_mount *tm, struct tmpfs_node *tn)
{
	struct vnode *vp = TNTOV(tn);
	struct tmpfs_node *parent = NULL;

	switch (vp->v_type) {
	case VDIR:
		if (vp->v_nlink == 0)
			parent = tn->tn_dir.td_parent;
		tmpfs_dir_fini(tn);
		break;
	case VREG:
		tmpfs_reg_fini(tn);
		break;
	case VLNK:
		if (tn->tn_lnk.tl_len >= TMPFS_SHORT_SYMLINK)
			tmpfs_pages_release(tm, 1);
		kmem_free(tn->tn_lnk.tl_target, tn->tn_lnk.tl_len + 1);
		break;
	default:
		break;
	}
	LIST_REMOVE(tn, tn_link);
	tmpfs_inode_release(tm);
	vnode_fini(vp);
	kmem_free(tn, sizeof(*tn));
	/* a removed directory's hold on its parent (see drop_link) */
	if (parent != NULL)
		vrele_locked(TNTOV(parent));
}

static int
tmpfs_mount(struct mount *mp, const char *data, struct vnode **rootvp)
{
	struct tmpfs_args ta = {
		.ta_pages = host_ram_pages() / 2,
		.ta_inodes = host_ram_pages() / 2,
		.ta_mode = 01777,
	};
	struct tmpfs_mount *tm;
	struct tmpfs_node *root;
	int error;

	if ((error = parse_options(data, &ta)) != 0)
		return error;
	tm = kmem_zalloc(sizeof(*tm));
	if (tm == NULL)
		return -ENOMEM;
	tm->tm_mp = mp;
	tm->tm_pages_max = ta.ta_pages;
	tm->tm_inodes_max = ta.ta_inodes;
	tm->tm_nextino = 1;		/* the root is inode 1, as on Linux */
	LIST_INIT(&tm->tm_nodes);
	mp->mnt_data = tm;
	error = tmpfs_node_alloc(tm, S_IFDIR | ta.ta_mode, ta.ta_uid,
	    ta.ta_gid, 0, &root);
	if (error != 0) {
		mp->mnt_data = NULL;
		kmem_free(tm, sizeof(*tm));
		return error;
	}
	root->tn_dir.td_parent = root;
	*rootvp = TNTOV(root);
	return 0;
}

/* Linux statfs f_flags from the mount flags (ST_VALID: f_flags is set). */
static long
statfs_flags(unsigned long mf)
{
	long fl = ST_VALID;

	if (mf & MS_RDONLY)
		fl |= ST_RDONLY;
	if (mf & MS_NOSUID)
		fl |= ST_NOSUID;
	if (mf & MS_NODEV)
		fl |= ST_NODEV;
	if (mf & MS_NOEXEC)
		fl |= ST_NOEXEC;
	if (mf & MS_SYNCHRONOUS)
		fl |= ST_SYNCHRONOUS;
	if (mf & MS_NOATIME)
		fl |= ST_NOATIME;
	if (mf & MS_NODIRATIME)
		fl |= ST_NODIRATIME;
	if (mf & MS_RELATIME)
		fl |= ST_RELATIME;
	return fl;
}

static int
tmpfs_statfs(struct mount *mp, struct statfs *sf)
{
	struct tmpfs_mount *tm = mp->mnt_data;

	memset(sf, 0, sizeof(*sf));
	sf->f_type = TMPFS_MAGIC;
	sf->f_bsize = TMPFS_PAGE_SIZE;
	sf->f_frsize = TMPFS_PAGE_SIZE;
	sf->f_namelen = NAME_MAX;
	if (tm->tm_pages_max != 0) {
		sf->f_blocks = tm->tm_pages_max;
		sf->f_bfree = tm->tm_pages_used >= tm->tm_pages_max ? 0 :
		    tm->tm_pages_max - tm->tm_pages_used;
		sf->f_bavail = sf->f_bfree;
	}
	if (tm->tm_inodes_max != 0) {
		sf->f_files = tm->tm_inodes_max;
		sf->f_ffree = tm->tm_inodes_used >= tm->tm_inodes_max ? 0 :
		    tm->tm_inodes_max - tm->tm_inodes_used;
	}
	sf->f_fsid.__val[0] = (int)mp->mnt_dev;
	sf->f_fsid.__val[1] = (int)((uint64_t)mp->mnt_dev >> 32);
	sf->f_flags = statfs_flags(mp->mnt_flags);
	return 0;
}

/*
 * Frees every node, the root included, whatever its reference count: the
 * VFS calls this once nothing can reach the mount any more and must not
 * touch its vnodes (mnt_root included) afterwards.
 */
static void
tmpfs_unmount(struct mount *mp)
{
	struct tmpfs_mount *tm = mp->mnt_data;
	struct tmpfs_node *tn;

	if (tm == NULL)
		return;
	/*
	 * Names first, so that freeing a directory never meets entries.
	 * No removed directory is left (they die with their last
	 * reference), so no node releases another here.
	 */
	LIST_FOREACH(tn, &tm->tm_nodes, tn_link) {
		if (tn->tn_vnode.v_type != VDIR)
			continue;
		assert(tn->tn_vnode.v_nlink != 0);
		struct tmpfs_dirent *de;
		while ((de = TAILQ_FIRST(&tn->tn_dir.td_list)) != NULL) {
			tmpfs_dir_remove(tn, de);
			tmpfs_dirent_free(de);
		}
	}
	while ((tn = LIST_FIRST(&tm->tm_nodes)) != NULL)
		tmpfs_node_free(tm, tn);
	mp->mnt_data = NULL;
	kmem_free(tm, sizeof(*tm));
}

static int
tmpfs_sync(struct mount *mp)
{
	return 0;
}

const struct vfsops tmpfs_vfsops = {
	.vfs_name = "tmpfs",
	.vfs_mount = tmpfs_mount,
	.vfs_statfs = tmpfs_statfs,
	.vfs_unmount = tmpfs_unmount,
	.vfs_sync = tmpfs_sync,
};
