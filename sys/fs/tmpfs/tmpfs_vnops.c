/*
 * tmpfs_vnops.c — the vnode operations of tmpfs.  The vnode is the first
 * member of the tmpfs node, so a vnode pointer is a node pointer.  A
 * node lives while it has names (v_nlink) or references (v_usecount);
 * vop_inactive frees it when both are gone.
 *
 * Link counts and inode accounting follow Linux tmpfs: a directory has
 * nlink 2 plus one per subdirectory; each extra hard link reserves one
 * more inode against nr_inodes.  Time stamps follow Linux too: creating,
 * linking, unlinking and renaming touch the directories' mtime/ctime and
 * the object's ctime; writes touch mtime/ctime; reads, readdir and
 * readlink update atime with the relatime rule.
 *
 * Everything runs under vfs_lock, held by the caller.
 */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include "fs/tmpfs/tmpfs.h"

#define RELATIME_SECS	(24 * 60 * 60)

static bool
dir_dead(struct tmpfs_node *dn)
{
	return TNTOV(dn)->v_nlink == 0;
}

static void
touch_mc(struct vnode *vp, const struct timespec *now)
{
	vp->v_mtime = *now;
	vp->v_ctime = *now;
}

static bool
ts_before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec ||
	    (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

/* atime on access, honouring noatime/nodiratime/strictatime/relatime */
static void
touch_atime(struct vnode *vp)
{
	unsigned long mf = vp->v_mount->mnt_flags;
	struct timespec now;

	if (mf & (MS_NOATIME | MS_RDONLY))
		return;
	if (vp->v_type == VDIR && (mf & MS_NODIRATIME))
		return;
	tmpfs_now(&now);
	/* relatime: only if atime is not newer than mtime/ctime, or old */
	if (!(mf & MS_STRICTATIME) &&
	    ts_before(&vp->v_mtime, &vp->v_atime) &&
	    ts_before(&vp->v_ctime, &vp->v_atime) &&
	    now.tv_sec - vp->v_atime.tv_sec < RELATIME_SECS)
		return;
	vp->v_atime = now;
}

static int
tmpfs_lookup(struct vnode *dvp, const char *name, struct vnode **vpp)
{
	struct tmpfs_node *dn = VTOTN(dvp);
	struct tmpfs_dirent *de;
	struct vnode *vp;

	if (dvp->v_type != VDIR)
		return -ENOTDIR;
	if (strcmp(name, ".") == 0)
		vp = dvp;
	else if (strcmp(name, "..") == 0)
		vp = TNTOV(dn->tn_dir.td_parent);
	else if (!dir_dead(dn) && (de = tmpfs_dir_lookup(dn, name)) != NULL)
		vp = TNTOV(de->td_node);
	else
		return -ENOENT;
	vref(vp);
	*vpp = vp;
	return 0;
}

/* Common checks before adding name to dvp. */
static int
name_addable(struct vnode *dvp, const char *name)
{
	if (dvp->v_type != VDIR)
		return -ENOTDIR;
	if (dir_dead(VTOTN(dvp)))
		return -ENOENT;
	if (strlen(name) > NAME_MAX)
		return -ENAMETOOLONG;
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    tmpfs_dir_lookup(VTOTN(dvp), name) != NULL)
		return -EEXIST;
	return 0;
}

/* A copy of a symlink target; long ones are charged a page, as Linux. */
static int
symlink_target(struct tmpfs_mount *tm, const char *target, char **out,
    size_t *lenp)
{
	size_t len;

	if (target == NULL)
		return -EINVAL;
	if ((len = strlen(target)) == 0)
		return -ENOENT;
	if (len > PATH_MAX - 1)
		return -ENAMETOOLONG;
	if (len >= TMPFS_SHORT_SYMLINK && tmpfs_pages_reserve(tm, 1) != 0)
		return -ENOSPC;
	if ((*out = kmem_alloc(len + 1)) == NULL) {
		if (len >= TMPFS_SHORT_SYMLINK)
			tmpfs_pages_release(tm, 1);
		return -ENOMEM;
	}
	memcpy(*out, target, len + 1);
	*lenp = len;
	return 0;
}

static void
symlink_set(struct tmpfs_node *tn, char *target, size_t len)
{
	struct vnode *vp = TNTOV(tn);

	tn->tn_lnk.tl_target = target;
	tn->tn_lnk.tl_len = len;
	vp->v_size = len;
	vp->v_blocks = len >= TMPFS_SHORT_SYMLINK ? TMPFS_PAGE_SIZE / 512 : 0;
}

static int
create_checks(mode_t *modep)
{
	switch (*modep & S_IFMT) {
	case 0:
		*modep |= S_IFREG;
		return 0;
	case S_IFREG: case S_IFDIR: case S_IFIFO: case S_IFCHR:
	case S_IFBLK: case S_IFSOCK:
		return 0;
	case S_IFLNK:
		*modep = S_IFLNK | 0777;
		return 0;
	default:
		return -EINVAL;
	}
}

static int
tmpfs_create(struct vnode *dvp, const char *name, mode_t mode, uid_t uid,
    gid_t gid, dev_t rdev, const char *target, struct vnode **vpp)
{
	struct tmpfs_mount *tm = VTOTM(dvp);
	struct tmpfs_node *dn = VTOTN(dvp), *tn;
	struct tmpfs_dirent *de;
	char *tgt = NULL;
	size_t tlen = 0;
	int error;

	mode &= S_IFMT | 07777;
	if ((error = name_addable(dvp, name)) != 0 ||
	    (error = create_checks(&mode)) != 0 ||
	    (error = tmpfs_dir_prepare(dn)) != 0)
		return error;
	if ((de = tmpfs_dirent_alloc(name)) == NULL)
		return -ENOMEM;
	if (S_ISLNK(mode) &&
	    (error = symlink_target(tm, target, &tgt, &tlen)) != 0)
		goto fail;
	if ((error = tmpfs_node_alloc(tm, mode, uid, gid, rdev, &tn)) != 0)
		goto fail;
	if (S_ISDIR(mode)) {
		tn->tn_dir.td_parent = dn;
		dvp->v_nlink++;
	} else if (S_ISLNK(mode))
		symlink_set(tn, tgt, tlen);
	tmpfs_dir_insert(dn, de, tn);
	touch_mc(dvp, &TNTOV(tn)->v_ctime);
	*vpp = TNTOV(tn);
	return 0;
fail:
	if (tgt != NULL) {
		if (tlen >= TMPFS_SHORT_SYMLINK)
			tmpfs_pages_release(tm, 1);
		kmem_free(tgt, tlen + 1);
	}
	tmpfs_dirent_free(de);
	return error;
}

static int
tmpfs_link(struct vnode *dvp, const char *name, struct vnode *vp)
{
	struct tmpfs_mount *tm = VTOTM(dvp);
	struct tmpfs_dirent *de;
	struct timespec now;
	int error;

	if ((error = name_addable(dvp, name)) != 0)
		return error;
	if (vp->v_mount != dvp->v_mount)
		return -EXDEV;
	if (vp->v_type == VDIR)
		return -EPERM;
	if (vp->v_nlink == 0)
		return -ENOENT;
	if ((error = tmpfs_dir_prepare(VTOTN(dvp))) != 0)
		return error;
	if ((error = tmpfs_inode_reserve(tm)) != 0)
		return error;
	if ((de = tmpfs_dirent_alloc(name)) == NULL) {
		tmpfs_inode_release(tm);
		return -ENOMEM;
	}
	tmpfs_dir_insert(VTOTN(dvp), de, VTOTN(vp));
	vp->v_nlink++;
	tmpfs_now(&now);
	vp->v_ctime = now;
	touch_mc(dvp, &now);
	return 0;
}

/*
 * Accounts for one name of tn in dn going away: link counts, the
 * extra-link inode reservation, and the reference a removed directory
 * holds on its parent.  The node itself goes in vop_inactive once
 * unreferenced.
 */
static void
drop_link(struct tmpfs_node *dn, struct tmpfs_node *tn,
    const struct timespec *now)
{
	struct vnode *vp = TNTOV(tn);

	if (vp->v_type == VDIR) {
		vp->v_nlink = 0;
		TNTOV(dn)->v_nlink--;
		vref(TNTOV(dn));	/* for td_parent; tmpfs_node_free drops it */
	} else {
		if (vp->v_nlink > 1)
			tmpfs_inode_release(VTOTM(vp));
		vp->v_nlink--;
	}
	vp->v_ctime = *now;
}

static int
tmpfs_remove(struct vnode *dvp, const char *name, struct vnode *vp)
{
	struct tmpfs_node *dn = VTOTN(dvp);
	struct tmpfs_dirent *de;
	struct timespec now;

	if (dvp->v_type != VDIR)
		return -ENOTDIR;
	de = tmpfs_dir_lookup(dn, name);
	if (de == NULL || TNTOV(de->td_node) != vp)
		return -ENOENT;
	if (vp->v_type == VDIR && VTOTN(vp)->tn_dir.td_nentries != 0)
		return -ENOTEMPTY;
	tmpfs_now(&now);
	tmpfs_dir_remove(dn, de);
	tmpfs_dirent_free(de);
	drop_link(dn, VTOTN(vp), &now);
	touch_mc(dvp, &now);
	return 0;
}

/* Moves directory tn from parent fdn to tdn: the ".." link moves too. */
static void
reparent(struct tmpfs_node *tn, struct tmpfs_node *fdn, struct tmpfs_node *tdn)
{
	if (TNTOV(tn)->v_type != VDIR || fdn == tdn)
		return;
	TNTOV(fdn)->v_nlink--;
	TNTOV(tdn)->v_nlink++;
	tn->tn_dir.td_parent = tdn;
}

static int
rename_exchange(struct tmpfs_node *fdn, struct tmpfs_dirent *fde,
    struct tmpfs_node *tdn, struct tmpfs_dirent *tde)
{
	struct tmpfs_node *fn = fde->td_node, *tn = tde->td_node;

	fde->td_node = tn;
	tde->td_node = fn;
	reparent(fn, fdn, tdn);
	reparent(tn, tdn, fdn);
	return 0;
}

/*
 * Plain rename, replacing tde's node if there is one.  A replaced entry
 * keeps its slot and readdir cookie and now names the moved node, so a
 * listing running meanwhile shows the name exactly once.  A new name
 * needs a dirent, allocated before anything changes.
 */
static int
rename_move(struct tmpfs_node *fdn, struct tmpfs_dirent *fde,
    struct tmpfs_node *tdn, struct tmpfs_dirent *tde, const char *tname,
    const struct timespec *now)
{
	struct tmpfs_node *fn = fde->td_node;
	struct tmpfs_dirent *nde;
	int error;

	if (tde != NULL) {
		struct tmpfs_node *victim = tde->td_node;
		if (TNTOV(victim)->v_type == VDIR &&
		    victim->tn_dir.td_nentries != 0)
			return -ENOTEMPTY;
		drop_link(tdn, victim, now);
		tde->td_node = fn;
	} else {
		if ((error = tmpfs_dir_prepare(tdn)) != 0)
			return error;
		if ((nde = tmpfs_dirent_alloc(tname)) == NULL)
			return -ENOMEM;
		tmpfs_dir_insert(tdn, nde, fn);
	}
	tmpfs_dir_remove(fdn, fde);
	tmpfs_dirent_free(fde);
	reparent(fn, fdn, tdn);
	return 0;
}

/* The two entries of a rename, checked against what the VFS looked up. */
static int
rename_entries(struct vnode *fdvp, const char *fname, struct vnode *fvp,
    struct vnode *tdvp, const char *tname, struct vnode *tvp,
    struct tmpfs_dirent **fdep, struct tmpfs_dirent **tdep)
{
	struct tmpfs_node *fdn = VTOTN(fdvp), *tdn = VTOTN(tdvp);
	struct tmpfs_dirent *de;

	if (fdvp->v_mount != tdvp->v_mount || fvp->v_mount != fdvp->v_mount)
		return -EXDEV;
	if (fdvp->v_type != VDIR || tdvp->v_type != VDIR)
		return -ENOTDIR;
	if (dir_dead(fdn) || dir_dead(tdn))
		return -ENOENT;
	if (strlen(tname) > NAME_MAX)
		return -ENAMETOOLONG;
	de = tmpfs_dir_lookup(fdn, fname);
	if (de == NULL || TNTOV(de->td_node) != fvp)
		return -ENOENT;
	*fdep = de;
	de = tmpfs_dir_lookup(tdn, tname);
	if (de != NULL && TNTOV(de->td_node) != tvp)
		return -ENOENT;	/* the VFS saw a different target */
	*tdep = de;
	return 0;
}

static int
tmpfs_rename(struct vnode *fdvp, const char *fname, struct vnode *fvp,
    struct vnode *tdvp, const char *tname, struct vnode *tvp, unsigned flags)
{
	struct tmpfs_node *fdn = VTOTN(fdvp), *tdn = VTOTN(tdvp);
	struct tmpfs_dirent *fde, *tde;
	struct timespec now;
	int error;

	if ((error = rename_entries(fdvp, fname, fvp, tdvp, tname, tvp, &fde,
	    &tde)) != 0)
		return error;
	if (fvp == tvp)
		return 0;	/* same object: nothing to do (POSIX) */
	if (flags & RENAME_EXCHANGE) {
		if (tde == NULL)
			return -ENOENT;
		error = rename_exchange(fdn, fde, tdn, tde);
	} else {
		if (tde != NULL && (flags & RENAME_NOREPLACE))
			return -EEXIST;
		tmpfs_now(&now);
		error = rename_move(fdn, fde, tdn, tde, tname, &now);
	}
	if (error != 0)
		return error;
	tmpfs_now(&now);
	touch_mc(fdvp, &now);
	touch_mc(tdvp, &now);
	fvp->v_ctime = now;
	if (tvp != NULL)
		tvp->v_ctime = now;
	return 0;
}

static ssize_t
tmpfs_readdir(struct vnode *vp, void *buf, size_t len, off_t *offp)
{
	ssize_t n;

	if (vp->v_type != VDIR)
		return -ENOTDIR;
	n = tmpfs_dir_read(VTOTN(vp), buf, len, offp);
	if (n >= 0)
		touch_atime(vp);
	return n;
}

static int
type_is_reg(struct vnode *vp)
{
	if (vp->v_type == VREG)
		return 0;
	return vp->v_type == VDIR ? -EISDIR : -EINVAL;
}

/* Linux rw_verify_area: a transfer must not run past the largest off_t */
static bool
range_ok(const struct uio *uio)
{
	return uio->uio_offset >= 0 &&
	    uio->uio_resid <= (uint64_t)(INT64_MAX - uio->uio_offset);
}

static ssize_t
tmpfs_read(struct vnode *vp, struct uio *uio)
{
	ssize_t n;
	int error;

	if ((error = type_is_reg(vp)) != 0)
		return error;
	if (!range_ok(uio))
		return -EINVAL;
	n = tmpfs_reg_read(VTOTN(vp), uio);
	if (n >= 0)
		touch_atime(vp);
	return n;
}

/*
 * What Linux does before modifying file data (file_modified): an
 * unprivileged writer loses set-user-ID, and set-group-ID when group
 * execute is set, and mtime/ctime move.
 */
static void
data_modified(struct vnode *vp)
{
	struct timespec now;
	struct cred c;

	/*
	 * Linux (file_remove_privs): a writer without CAP_FSETID loses the
	 * file's setuid bit, and its setgid bit when that bit means "set
	 * group id" (group-execute set) or the writer is not in the group.
	 */
	if (vp->v_mode & (S_ISUID | S_ISGID)) {
		proc_getcred(curproc(), &c);
		if (!cred_isroot(&c)) {
			vp->v_mode &= ~S_ISUID;
			if ((vp->v_mode & S_IXGRP) || !cred_groupmember(&c, vp->v_gid))
				vp->v_mode &= ~S_ISGID;
		}
	}
	tmpfs_now(&now);
	touch_mc(vp, &now);
}

static ssize_t
tmpfs_write(struct vnode *vp, struct uio *uio)
{
	int error;

	if ((error = type_is_reg(vp)) != 0)
		return error;
	if (uio->uio_resid == 0)
		return 0;
	if (!range_ok(uio))
		return -EINVAL;
	if (uio->uio_offset >= TMPFS_MAXFILESIZE)
		return -EFBIG;
	data_modified(vp);
	return tmpfs_reg_write(VTOTN(vp), uio);
}

static int
set_size(struct vnode *vp, off_t size, const struct timespec *now)
{
	int error;

	if ((error = type_is_reg(vp)) != 0)
		return error;
	if (size < 0)
		return -EINVAL;
	if ((error = tmpfs_reg_truncate(VTOTN(vp), size)) != 0)
		return error;
	/* Linux 6.x tmpfs: even a same-size truncate moves mtime/ctime */
	touch_mc(vp, now);
	return 0;
}

static int
tmpfs_setattr(struct vnode *vp, const struct vattr *va)
{
	struct timespec now;
	int error;

	tmpfs_now(&now);
	if ((va->va_mask & VA_SIZE) &&
	    (error = set_size(vp, va->va_size, &now)) != 0)
		return error;
	if (va->va_mask & VA_MODE)
		vp->v_mode = (vp->v_mode & S_IFMT) | (va->va_mode & 07777);
	if (va->va_mask & VA_UID)
		vp->v_uid = va->va_uid;
	if (va->va_mask & VA_GID)
		vp->v_gid = va->va_gid;
	if (va->va_mask & VA_ATIME)
		vp->v_atime = va->va_atime;
	if (va->va_mask & VA_MTIME)
		vp->v_mtime = va->va_mtime;
	if (va->va_mask & VA_CTIME)
		vp->v_ctime = va->va_ctime;
	else if (va->va_mask & (VA_MODE | VA_UID | VA_GID | VA_ATIME | VA_MTIME |
	    VA_SIZE))
		vp->v_ctime = now;
	return 0;
}

static ssize_t
tmpfs_readlink(struct vnode *vp, char *buf, size_t len)
{
	struct tmpfs_lnk *l = &VTOTN(vp)->tn_lnk;
	size_t n;

	if (vp->v_type != VLNK)
		return -EINVAL;
	n = l->tl_len < len ? l->tl_len : len;
	memcpy(buf, l->tl_target, n);
	touch_atime(vp);
	return n;
}

static off_t
tmpfs_seekdata(struct vnode *vp, off_t off, int whence)
{
	if (vp->v_type != VREG)
		return -EINVAL;
	return tmpfs_reg_seek(VTOTN(vp), off, whence);
}

static int
tmpfs_allocate(struct vnode *vp, off_t off, off_t len)
{
	int error;

	if (vp->v_type == VDIR)
		return -EISDIR;
	if (vp->v_type != VREG)
		return -ENODEV;
	if (off < 0 || len <= 0)
		return -EINVAL;
	if (len > TMPFS_MAXFILESIZE - off)
		return -EFBIG;
	data_modified(vp);
	error = tmpfs_reg_allocate(VTOTN(vp), off, len);
	return error;
}

static void
tmpfs_inactive(struct vnode *vp)
{
	if (vp->v_usecount == 0 && vp->v_nlink == 0)
		tmpfs_node_free(VTOTM(vp), VTOTN(vp));
}

const struct vnops tmpfs_vnops = {
	.vop_lookup = tmpfs_lookup,
	.vop_create = tmpfs_create,
	.vop_link = tmpfs_link,
	.vop_remove = tmpfs_remove,
	.vop_rename = tmpfs_rename,
	.vop_readdir = tmpfs_readdir,
	.vop_read = tmpfs_read,
	.vop_write = tmpfs_write,
	.vop_setattr = tmpfs_setattr,
	.vop_readlink = tmpfs_readlink,
	.vop_seekdata = tmpfs_seekdata,
	.vop_allocate = tmpfs_allocate,
	.vop_inactive = tmpfs_inactive,
};
