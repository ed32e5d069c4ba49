/*
 * tmpfs.h — the in-memory file system: the kernel's root, /dev and /tmp,
 * and mountable anywhere with a size limit.  Only tmpfs_vfsops leaves
 * this directory; the rest is shared between its four files:
 *
 *	tmpfs_vfsops.c	mount options, statfs, node allocation and the
 *			mount-wide page and inode accounting
 *	tmpfs_vnops.c	the vnode operations vector
 *	tmpfs_dir.c	directory entries: name hash and readdir cookies
 *	tmpfs_data.c	file contents: a radix tree of 4 KiB pages
 *
 * Locking: everything here is protected by vfs_lock, which every caller
 * holds (the VFS takes it; tmpfs never does).
 */
#ifndef RUMP_FS_TMPFS_H
#define RUMP_FS_TMPFS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include "vfs/vfs.h"

extern const struct vfsops tmpfs_vfsops;

#define TMPFS_MAGIC		0x01021994	/* statfs f_type, as Linux */
#define TMPFS_PAGE_SHIFT	12
#define TMPFS_PAGE_SIZE		(1 << TMPFS_PAGE_SHIFT)
#define TMPFS_MAXFILESIZE	INT64_MAX	/* Linux MAX_LFS_FILESIZE */
#define TMPFS_DIRENT_SIZE	20		/* Linux BOGO_DIRENT_SIZE */
#define TMPFS_SHORT_SYMLINK	128		/* longer targets cost a page */

/* First readdir cookie of a real entry: 0 is ".", 1 is "..". */
#define TMPFS_COOKIE_FIRST	2

struct tmpfs_node;

/* One name in a directory; hashed by name, ordered by cookie. */
struct tmpfs_dirent {
	LIST_ENTRY(tmpfs_dirent) td_hash;
	TAILQ_ENTRY(tmpfs_dirent) td_order;	/* ascending td_cookie */
	off_t			 td_cookie;
	struct tmpfs_node	*td_node;
	uint32_t		 td_hashval;
	uint16_t		 td_namelen;
	char			 td_name[];
};

LIST_HEAD(tmpfs_bucket, tmpfs_dirent);
TAILQ_HEAD(tmpfs_dirlist, tmpfs_dirent);

struct tmpfs_dir {
	struct tmpfs_bucket	*td_buckets;	/* NULL while empty */
	size_t			 td_nbuckets;
	size_t			 td_nentries;
	struct tmpfs_dirlist	 td_list;
	off_t			 td_nextcookie;	/* never reused */
	struct tmpfs_dirent	*td_hint;	/* where the last readdir stopped */
	/*
	 * "..".  A removed directory keeps its old parent, referenced,
	 * so that ".." from a deleted cwd still works as on Linux.
	 */
	struct tmpfs_node	*td_parent;
};

/*
 * Page tree of a regular file: td_height levels of 512-slot nodes, the
 * last level pointing at pages.  A page pointer with bit 0 set was
 * allocated by fallocate and never written: it reads as zeros and is a
 * hole to SEEK_DATA, as in Linux tmpfs.
 */
struct tmpfs_reg {
	void			*tr_root;
	unsigned		 tr_height;	/* 0: no pages */
	uint64_t		 tr_npages;
};

struct tmpfs_lnk {
	char			*tl_target;	/* NUL-terminated */
	size_t			 tl_len;
};

struct tmpfs_node {
	struct vnode		 tn_vnode;	/* first: vnode <-> node casts */
	LIST_ENTRY(tmpfs_node)	 tn_link;	/* tm_nodes */
	union {
		struct tmpfs_dir	 tn_dir;
		struct tmpfs_reg	 tn_reg;
		struct tmpfs_lnk	 tn_lnk;
	};
};

struct tmpfs_mount {
	struct mount		*tm_mp;
	uint64_t		 tm_pages_max;	/* 0: unlimited */
	uint64_t		 tm_pages_used;
	uint64_t		 tm_inodes_max;	/* 0: unlimited */
	uint64_t		 tm_inodes_used;
	ino_t			 tm_nextino;
	LIST_HEAD(, tmpfs_node)	 tm_nodes;	/* every node, for unmount */
};

static inline struct tmpfs_node *
VTOTN(struct vnode *vp)
{
	return (struct tmpfs_node *)vp;
}

static inline struct vnode *
TNTOV(struct tmpfs_node *tn)
{
	return &tn->tn_vnode;
}

static inline struct tmpfs_mount *
VTOTM(struct vnode *vp)
{
	return vp->v_mount->mnt_data;
}

/* tmpfs_vfsops.c: nodes and accounting */
int tmpfs_node_alloc(struct tmpfs_mount *tm, mode_t mode, uid_t uid,
    gid_t gid, dev_t rdev, struct tmpfs_node **tnp);
void tmpfs_node_free(struct tmpfs_mount *tm, struct tmpfs_node *tn);
int tmpfs_inode_reserve(struct tmpfs_mount *tm);
void tmpfs_inode_release(struct tmpfs_mount *tm);
int tmpfs_pages_reserve(struct tmpfs_mount *tm, uint64_t n);
void tmpfs_pages_release(struct tmpfs_mount *tm, uint64_t n);
void tmpfs_now(struct timespec *ts);

/* tmpfs_vnops.c */
extern const struct vnops tmpfs_vnops;

/* tmpfs_dir.c */
void tmpfs_dir_init(struct tmpfs_node *dn, struct tmpfs_node *parent);
void tmpfs_dir_fini(struct tmpfs_node *dn);
struct tmpfs_dirent *tmpfs_dir_lookup(struct tmpfs_node *dn, const char *name);
struct tmpfs_dirent *tmpfs_dirent_alloc(const char *name);
void tmpfs_dirent_free(struct tmpfs_dirent *de);
int tmpfs_dir_prepare(struct tmpfs_node *dn);
void tmpfs_dir_insert(struct tmpfs_node *dn, struct tmpfs_dirent *de,
    struct tmpfs_node *tn);
void tmpfs_dir_remove(struct tmpfs_node *dn, struct tmpfs_dirent *de);
ssize_t tmpfs_dir_read(struct tmpfs_node *dn, void *buf, size_t len,
    off_t *offp);

/* tmpfs_data.c */
ssize_t tmpfs_reg_read(struct tmpfs_node *tn, struct uio *uio);
ssize_t tmpfs_reg_write(struct tmpfs_node *tn, struct uio *uio);
int tmpfs_reg_truncate(struct tmpfs_node *tn, off_t size);
int tmpfs_reg_allocate(struct tmpfs_node *tn, off_t off, off_t len);
off_t tmpfs_reg_seek(struct tmpfs_node *tn, off_t off, int whence);
void tmpfs_reg_fini(struct tmpfs_node *tn);

#endif /* RUMP_FS_TMPFS_H */
