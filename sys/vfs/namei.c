/*
 * namei.c — path name lookup and the permission checks around it.
 *
 * namei walks a path one component at a time from the process root (for
 * "/...") or a start directory, under vfs_lock: it checks search
 * permission on each directory, crosses mount points downwards
 * (v_mountedhere) and upwards (".." at a mount's root goes through
 * mnt_covered), keeps ".." from climbing above the process root, and
 * splices symbolic links into the remaining path (at most SYMLOOP_MAX_K).
 * The walk owns one reference on its current directory; every vnode it
 * hands back is referenced and released by namei_done().
 *
 * p_cwd and p_root are written with vfs_lock and then p_mtx held
 * (vfs_dir.c), so the walk reads them under vfs_lock alone.
 */
#include <errno.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>
#include "vfs/vfs_path.h"

struct walk {
	const struct cred	*w_cred;
	struct vnode		*w_root;	/* process root, not referenced */
	struct vnode		*w_dir;		/* current directory, referenced */
	char			*w_buf;		/* remaining path */
	size_t			 w_bufsz;
	char			*w_link;	/* symlink target (PATH_MAX), lazily */
	int			 w_nlinks;
	int			 w_flags;
};

bool
vn_rdonly(const struct vnode *vp)
{
	return vp->v_mount != NULL && (vp->v_mount->mnt_flags & MS_RDONLY);
}

bool
namei_isdot(const char *name)
{
	return strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strcmp(name, "/") == 0;
}

int
vn_access(struct vnode *vp, const struct cred *c, int mode)
{
	unsigned bits;

	mode &= R_OK | W_OK | X_OK;
	if ((mode & W_OK) && vn_rdonly(vp) && (vp->v_type == VREG ||
	    vp->v_type == VDIR || vp->v_type == VLNK))
		return -EROFS;
	if (cred_isroot(c)) {
		/* root may search anything but runs only what someone could */
		if ((mode & X_OK) && vp->v_type != VDIR &&
		    (vp->v_mode & 0111) == 0)
			return -EACCES;
		return 0;
	}
	if (c->euid == vp->v_uid)
		bits = (vp->v_mode >> 6) & 7;
	else if (cred_groupmember(c, vp->v_gid))
		bits = (vp->v_mode >> 3) & 7;
	else
		bits = vp->v_mode & 7;
	return ((int)bits & mode) == mode ? 0 : -EACCES;
}

/* vp, or the root of what is mounted on it (repeatedly); moves the ref */
static struct vnode *
crossdown(struct vnode *vp)
{
	struct vnode *root;

	while (vp->v_type == VDIR && vp->v_mountedhere != NULL) {
		root = vp->v_mountedhere->mnt_root;
		vref(root);
		vrele_locked(vp);
		vp = root;
	}
	return vp;
}

/* ".." of the walk's directory: stays at the process root, leaves mounts */
static int
lookup_dotdot(struct walk *w, struct vnode **vpp)
{
	struct vnode *dir = w->w_dir, *up;
	int err;

	vref(dir);
	while (dir != w->w_root && dir == dir->v_mount->mnt_root &&
	    dir->v_mount->mnt_covered != NULL) {
		up = dir->v_mount->mnt_covered;
		vref(up);
		vrele_locked(dir);
		dir = up;
	}
	if (dir == w->w_root) {
		*vpp = dir;
		return 0;
	}
	err = dir->v_op->vop_lookup(dir, "..", &up);
	vrele_locked(dir);
	if (err != 0)
		return err;
	*vpp = crossdown(up);
	return 0;
}

static int
lookup_one(struct walk *w, const char *name, struct vnode **vpp)
{
	struct vnode *vp;
	int err;

	if (strcmp(name, ".") == 0) {
		vref(w->w_dir);
		*vpp = w->w_dir;
		return 0;
	}
	if (strcmp(name, "..") == 0)
		return lookup_dotdot(w, vpp);
	err = w->w_dir->v_op->vop_lookup(w->w_dir, name, &vp);
	if (err != 0)
		return err;
	*vpp = crossdown(vp);
	return 0;
}

/*
 * Splices link's target in front of rest (the path after the link's
 * component; trail: a '/' separated them) and restarts from the root
 * for an absolute target.  Like Linux, only each target is bounded by
 * PATH_MAX, not the spliced whole: the buffer grows as needed.
 */
static int
follow_link(struct walk *w, struct vnode *link, const char *rest, bool trail)
{
	size_t restlen = strlen(rest), need;
	ssize_t n;
	char *nb;

	if (w->w_nlinks++ >= SYMLOOP_MAX_K)
		return -ELOOP;
	if (w->w_link == NULL && (w->w_link = kmem_alloc(PATH_MAX)) == NULL)
		return -ENOMEM;
	n = link->v_op->vop_readlink(link, w->w_link, PATH_MAX);
	if (n < 0)
		return (int)n;
	if (n == 0)
		return -ENOENT;
	need = (size_t)n + (trail ? 1 : 0) + restlen + 1;
	if ((nb = kmem_alloc(need)) == NULL)
		return -ENOMEM;
	memcpy(nb, w->w_link, (size_t)n);
	if (trail)
		nb[n++] = '/';
	memcpy(nb + n, rest, restlen + 1);
	kmem_free(w->w_buf, w->w_bufsz);
	w->w_buf = nb;
	w->w_bufsz = need;
	if (w->w_buf[0] == '/') {
		vref(w->w_root);
		vrele_locked(w->w_dir);
		w->w_dir = w->w_root;
	}
	return 0;
}

/* The path had no final component ("/", or a link to "/"). */
static int
walk_nolast(struct walk *w, struct nameidata *nd)
{
	struct vnode *dir = w->w_dir;

	if (dir->v_type != VDIR)
		return -ENOTDIR;
	w->w_dir = NULL;
	nd->ni_trailslash = true;
	if (w->w_flags & NI_PARENT) {
		strcpy(nd->ni_name, "/");
		vref(dir);
		nd->ni_dvp = dir;
	}
	nd->ni_vp = dir;
	return 0;
}

/* Final component under NI_PARENT: the parent and what the name holds. */
static int
walk_parent(struct walk *w, const char *name, struct vnode *vp,
    bool trail, struct nameidata *nd)
{
	nd->ni_dvp = w->w_dir;
	w->w_dir = NULL;
	nd->ni_vp = vp;
	nd->ni_trailslash = trail;
	strcpy(nd->ni_name, name);
	return 0;
}

static int
walk_final(struct walk *w, struct vnode *vp, bool trail,
    struct nameidata *nd)
{
	if ((trail || (w->w_flags & NI_MUSTDIR)) && vp->v_type != VDIR) {
		vrele_locked(vp);
		return -ENOTDIR;
	}
	nd->ni_vp = vp;
	nd->ni_trailslash = trail;
	return 0;
}

/*
 * Takes the component at *cpp (slashes already skipped) into name and
 * moves *cpp past it and the slashes after it.  Errors come in Linux's
 * order: ENOTDIR for the directory, EACCES to search it, ENAMETOOLONG.
 */
static int
take_component(struct walk *w, const char **cpp, char *name, bool *trail,
    bool *last)
{
	const char *cp = *cpp;
	size_t len = strcspn(cp, "/");
	int err;

	if (w->w_dir->v_type != VDIR)
		return -ENOTDIR;
	if ((err = vn_access(w->w_dir, w->w_cred, X_OK)) != 0)
		return err;
	if (len > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(name, cp, len);
	name[len] = '\0';
	cp += len;
	*trail = (*cp == '/');
	while (*cp == '/')
		cp++;
	*last = (*cp == '\0');
	*cpp = cp;
	return 0;
}

/*
 * The walk proper: one component per round.  Symbolic links met on the
 * way, or at the end when followed, are spliced into the remaining path.
 */
static int
walk(struct walk *w, struct nameidata *nd)
{
	char name[NAME_MAX + 1];
	struct vnode *vp = NULL;
	const char *cp = w->w_buf;
	bool trail, last, parent = (w->w_flags & NI_PARENT) != 0;
	int err;

	for (;;) {
		while (*cp == '/')
			cp++;
		if (*cp == '\0')
			return walk_nolast(w, nd);
		if ((err = take_component(w, &cp, name, &trail, &last)) != 0)
			return err;
		err = lookup_one(w, name, &vp);
		if (err == -ENOENT && last && parent)
			return walk_parent(w, name, NULL, trail, nd);
		if (err != 0)
			return err;
		if (vp->v_type == VLNK && (!last || (w->w_flags & NI_FOLLOW) ||
		    (trail && !parent))) {
			err = follow_link(w, vp, cp, trail);
			vrele_locked(vp);
			if (err != 0)
				return err;
			cp = w->w_buf;
			continue;
		}
		if (last)
			return parent ? walk_parent(w, name, vp, trail, nd) :
			    walk_final(w, vp, trail, nd);
		vrele_locked(w->w_dir);
		w->w_dir = vp;
	}
}

static struct vnode *
proc_rootdir(struct proc *p)
{
	return p->p_root != NULL ? p->p_root : rootvnode;
}

/* "" with NI_EMPTYPATH: the start directory (or dirfd's object) itself. */
static int
namei_empty(struct vnode *start, int flags, struct nameidata *nd)
{
	if (!(flags & NI_EMPTYPATH) || (flags & NI_PARENT))
		return -ENOENT;
	if ((flags & NI_MUSTDIR) && start->v_type != VDIR)
		return -ENOTDIR;
	vref(start);
	nd->ni_vp = start;
	return 0;
}

int
namei_from(struct proc *p, const struct cred *cred, struct vnode *startdir,
    const char *path, int flags, struct nameidata *nd)
{
	struct walk w;
	size_t len;
	int err;

	memset(nd, 0, sizeof(*nd));
	if (startdir == NULL)
		startdir = p->p_cwd != NULL ? p->p_cwd : proc_rootdir(p);
	len = strnlen(path, PATH_MAX);
	if (len == PATH_MAX)
		return -ENAMETOOLONG;
	if (len == 0)
		return namei_empty(startdir, flags, nd);
	w.w_cred = cred;
	w.w_root = proc_rootdir(p);
	w.w_dir = path[0] == '/' ? w.w_root : startdir;
	w.w_nlinks = 0;
	w.w_flags = flags;
	w.w_link = NULL;
	w.w_bufsz = len + 1;
	if ((w.w_buf = kmem_alloc(w.w_bufsz)) == NULL)
		return -ENOMEM;
	memcpy(w.w_buf, path, len + 1);
	vref(w.w_dir);
	err = walk(&w, nd);
	if (w.w_dir != NULL)
		vrele_locked(w.w_dir);
	kmem_free(w.w_buf, w.w_bufsz);
	if (w.w_link != NULL)
		kmem_free(w.w_link, PATH_MAX);
	if (err != 0)
		namei_done(nd);
	return err;
}

void
namei_done(struct nameidata *nd)
{
	if (nd->ni_dvp != NULL)
		vrele_locked(nd->ni_dvp);
	if (nd->ni_vp != NULL)
		vrele_locked(nd->ni_vp);
	nd->ni_dvp = NULL;
	nd->ni_vp = NULL;
}

int
namei_getdir(struct proc *p, int dirfd, const char *path, int flags,
    struct file **fpp)
{
	struct file *fp;

	*fpp = NULL;
	if (dirfd == AT_FDCWD || path[0] == '/' ||
	    (path[0] == '\0' && !(flags & NI_EMPTYPATH)))
		return 0;
	fp = fd_getfile(p, dirfd);
	if (fp == NULL)
		return -EBADF;
	if (path[0] != '\0' &&
	    (fp->f_vnode == NULL || fp->f_vnode->v_type != VDIR)) {
		file_rele(fp);
		return -ENOTDIR;
	}
	*fpp = fp;
	return 0;
}

struct vnode *
namei_dirvp(struct file *dfp)
{
	return dfp != NULL ? dfp->f_vnode : NULL;
}

/*
 * The public entry: vfs_lock is held by the caller.  A real dirfd has to
 * be fetched in lock order, so namei drops vfs_lock around that before it
 * looks at anything, and keeps the directory by a vnode reference.
 */
int
namei(struct proc *p, int dirfd, const char *path, int flags,
    struct nameidata *nd)
{
	struct vnode *start = NULL;
	struct file *dfp = NULL;
	struct cred cred;
	int err = 0;

	memset(nd, 0, sizeof(*nd));
	proc_getcred(p, &cred);
	if (dirfd != AT_FDCWD && path[0] != '/' &&
	    (path[0] != '\0' || (flags & NI_EMPTYPATH))) {
		VFS_UNLOCK();
		err = namei_getdir(p, dirfd, path, flags, &dfp);
		VFS_LOCK();
	}
	if (err != 0)
		return err;
	if (dfp != NULL) {
		start = dfp->f_vnode;
		if (start != NULL)
			vref(start);
		VFS_UNLOCK();
		file_rele(dfp);
		VFS_LOCK();
		if (start == NULL)
			return -EOPNOTSUPP;	/* AT_EMPTY_PATH on a pipe */
	}
	err = namei_from(p, &cred, start, path, flags, nd);
	if (start != NULL)
		vrele_locked(start);
	return err;
}

void
pathop_init(struct pathop *po)
{
	po->po_proc = curproc();
	proc_getcred(po->po_proc, &po->po_cred);
	po->po_dirfp = NULL;
	memset(&po->po_nd, 0, sizeof(po->po_nd));
}

int
pathop_begin(struct pathop *po, int dirfd, const char *path, int flags)
{
	struct file *dfp;
	int err;

	err = namei_getdir(po->po_proc, dirfd, path, flags, &dfp);
	if (err != 0)
		return err;
	if (dfp != NULL && dfp->f_vnode == NULL) {
		/* AT_EMPTY_PATH on an anonymous pipe or socket */
		file_rele(dfp);
		return -EOPNOTSUPP;
	}
	po->po_dirfp = dfp;
	VFS_LOCK();
	err = namei_from(po->po_proc, &po->po_cred, namei_dirvp(dfp), path,
	    flags, &po->po_nd);
	if (err != 0) {
		VFS_UNLOCK();
		if (dfp != NULL)
			file_rele(dfp);
		po->po_dirfp = NULL;
	}
	return err;
}

void
pathop_end(struct pathop *po)
{
	namei_done(&po->po_nd);
	VFS_UNLOCK();
	if (po->po_dirfp != NULL)
		file_rele(po->po_dirfp);
	po->po_dirfp = NULL;
}

int
vn_maycreate(struct vnode *dvp, const struct cred *c)
{
	if (dvp->v_nlink == 0)
		return -ENOENT;		/* created in a removed directory */
	return vn_access(dvp, c, W_OK | X_OK);
}

/* Linux's may_delete, in its order of errors. */
int
vn_maydelete(struct vnode *dvp, struct vnode *vp, const struct cred *c,
    bool isdir)
{
	int err;

	if ((err = vn_access(dvp, c, W_OK | X_OK)) != 0)
		return err;
	if ((dvp->v_mode & S_ISVTX) && !cred_isroot(c) &&
	    c->euid != vp->v_uid && c->euid != dvp->v_uid)
		return -EPERM;
	if (isdir) {
		if (vp->v_type != VDIR)
			return -ENOTDIR;
		if (vp == vp->v_mount->mnt_root)
			return -EBUSY;
	} else if (vp->v_type == VDIR)
		return -EISDIR;
	return 0;
}

void
vfs_now(struct timespec *ts)
{
	clock_gettime(CLOCK_REALTIME, ts);
}
