/*
 * etfs.c — host files exposed inside the kernel (rump_etfs_register).
 *
 * An etfs entry maps a key (a path in the kernel's name space) to a window
 * [offset, offset+size) of a host file.  Registering creates the node
 * (REG, or a BLK/CHR node with a dynamic device number, major ETFS_MAJOR)
 * and marks its vnode with v_etfs; vn_open_file() sends opens of marked
 * vnodes here, whatever their type.  Files then do host pread/pwrite
 * confined to the window, without vfs_lock held.  Writes at or past the
 * end of the window are -ENOSPC for every type (the window never grows).
 *
 * Locking: vfs_lock before etfs_mtx.  v_etfs is set and cleared under
 * both; an entry lives while it is registered or any file uses it
 * (e_refs, etfs_mtx); the host descriptor is closed with the last one.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "dev/dev.h"
#include "kern/kern.h"
#include "kern/sysent.h"
#include "vfs/vfs.h"
#include "rump/rump.h"

#define ETFS_MAJOR	240

struct etfs {
	TAILQ_ENTRY(etfs)	 e_link;	/* etfs_mtx */
	char			*e_key;
	size_t			 e_keysize;
	int			 e_fd;		/* host file */
	int			 e_type;	/* RUMP_ETFS_* */
	bool			 e_ro;		/* host file opened read-only */
	uint64_t		 e_off, e_size;
	struct vnode		*e_vp;		/* referenced while registered */
	int			 e_refs;	/* etfs_mtx */
};

static pthread_mutex_t etfs_mtx = PTHREAD_MUTEX_INITIALIZER;
static TAILQ_HEAD(, etfs) etfs_list = TAILQ_HEAD_INITIALIZER(etfs_list);
static atomic_uint etfs_nextminor;

static void
etfs_rele(struct etfs *e)
{
	bool last;

	pthread_mutex_lock(&etfs_mtx);
	last = --e->e_refs == 0;
	pthread_mutex_unlock(&etfs_mtx);
	if (!last)
		return;
	close(e->e_fd);
	kmem_free(e->e_key, e->e_keysize);
	kmem_free(e, sizeof(*e));
}

/* --- file operations (no vfs_lock) ---------------------------------------- */

/* Moves up to the window's end between the host file and uio. */
static ssize_t
etfs_rw(struct etfs *e, struct uio *uio, bool wr)
{
	size_t done = 0, cnt;
	uint64_t off = (uint64_t)uio->uio_offset;
	struct iovec *iov;
	ssize_t n;

	if (uio->uio_offset < 0)
		return -EINVAL;
	while (uio->uio_resid > 0 && uio->uio_iovcnt > 0) {
		iov = uio->uio_iov;
		if (iov->iov_len == 0) {
			uio->uio_iov++;
			uio->uio_iovcnt--;
			continue;
		}
		if (off >= e->e_size) {
			if (wr && done == 0)
				return -ENOSPC;
			break;
		}
		cnt = iov->iov_len < uio->uio_resid ? iov->iov_len : uio->uio_resid;
		if (cnt > e->e_size - off)
			cnt = (size_t)(e->e_size - off);
		if (wr)
			n = pwrite(e->e_fd, iov->iov_base, cnt, (off_t)(e->e_off + off));
		else
			n = pread(e->e_fd, iov->iov_base, cnt, (off_t)(e->e_off + off));
		if (n < 0)
			return done > 0 ? (ssize_t)done : -errno;
		if (n == 0)
			break;
		uio_advance(uio, (size_t)n);
		off += (uint64_t)n;
		done += (size_t)n;
	}
	return (ssize_t)done;
}

static ssize_t
etfs_read(struct file *fp, struct uio *uio)
{
	return etfs_rw(fp->f_data, uio, false);
}

static ssize_t
etfs_write(struct file *fp, struct uio *uio)
{
	return etfs_rw(fp->f_data, uio, true);
}

static off_t
etfs_seek(struct file *fp, off_t cur, off_t off, int whence)
{
	struct etfs *e = fp->f_data;
	off_t base;

	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = cur; break;
	case SEEK_END: base = (off_t)e->e_size; break;
	default: return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	return base + off;
}

static int
etfs_stat(struct file *fp, struct stat *st)
{
	struct etfs *e = fp->f_data;

	VFS_LOCK();
	vnode_stat(fp->f_vnode, st);
	VFS_UNLOCK();
	if (e->e_type != RUMP_ETFS_CHR)
		st->st_size = (off_t)e->e_size;
	return 0;
}

static int
etfs_ioctl(struct file *fp, unsigned long cmd, void *data)
{
	struct etfs *e = fp->f_data;

	if (e->e_type == RUMP_ETFS_BLK && cmd == BLKGETSIZE64) {
		memcpy(data, &e->e_size, sizeof(uint64_t));
		return 0;
	}
	return -ENOTTY;
}

static void
etfs_close(struct file *fp)
{
	etfs_rele(fp->f_data);
}

static const struct fileops etfs_fileops = {
	.fo_read = etfs_read,
	.fo_write = etfs_write,
	.fo_ioctl = etfs_ioctl,
	.fo_poll = dev_poll_rw,
	.fo_stat = etfs_stat,
	.fo_seek = etfs_seek,
	.fo_close = etfs_close,
};

/* Host fdatasync for the file's entry; -EINVAL if fp is not etfs. */
int
etfs_fsync(struct file *fp)
{
	struct etfs *e = fp->f_data;

	if (fp->f_ops != &etfs_fileops)
		return -EINVAL;
	return fdatasync(e->e_fd) == 0 ? 0 : -errno;
}

/* --- hooks for the VFS --------------------------------------------- */

/*
 * vn_open_file for a vnode with v_etfs set: consumes the caller's
 * reference on success.  Returns false (nothing done) if the entry went
 * away meanwhile, so the caller opens the plain node.
 */
bool
etfs_open(struct vnode *vp, int flags, struct file **fpp, int *errp)
{
	struct file *fp = NULL;
	struct etfs *e;

	VFS_LOCK();
	pthread_mutex_lock(&etfs_mtx);
	e = atomic_load(&vp->v_etfs);
	if (e != NULL)
		e->e_refs++;
	pthread_mutex_unlock(&etfs_mtx);
	VFS_UNLOCK();
	if (e == NULL)
		return false;
	*errp = 0;
	if (e->e_ro && (flags & O_ACCMODE) != O_RDONLY)
		*errp = -EROFS;
	else if ((fp = file_alloc(FT_DEV, &etfs_fileops, flags)) == NULL)
		*errp = -ENOMEM;
	if (*errp != 0) {
		etfs_rele(e);
		return true;
	}
	proc_getcred(curproc(), &fp->f_cred);
	fp->f_vnode = vp;
	fp->f_data = e;
	*fpp = fp;
	return true;
}

/* st_size of a marked node seen through stat(2); vfs_lock held */
off_t
etfs_vnsize(struct vnode *vp)
{
	struct etfs *e = atomic_load(&vp->v_etfs);

	if (e == NULL || e->e_type == RUMP_ETFS_CHR)
		return vp->v_size;
	return (off_t)e->e_size;
}

/* --- registration -------------------------------------------------- */

/* Creates the missing directories above key (0755), like mkdir -p. */
static int
etfs_mkparents(const char *key, size_t keysize)
{
	char *buf, *p;
	long err = 0;

	if ((buf = kmem_alloc(keysize)) == NULL)
		return -ENOMEM;
	memcpy(buf, key, keysize);
	for (p = strchr(buf + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		err = sys_mkdirat(AT_FDCWD, buf, 0755);
		*p = '/';
		if (err != 0 && err != -EEXIST)
			break;
		err = 0;
	}
	kmem_free(buf, keysize);
	return (int)err;
}

/* Opens the host file and works out the window; 0 or -errno. */
static int
etfs_host(struct etfs *e, const char *hostpath)
{
	struct stat st;
	uint64_t hsize = 0;

	e->e_fd = open(hostpath, O_RDWR | O_CLOEXEC);
	if (e->e_fd < 0 && (errno == EACCES || errno == EROFS)) {
		e->e_fd = open(hostpath, O_RDONLY | O_CLOEXEC);
		e->e_ro = true;
	}
	if (e->e_fd < 0)
		return -errno;
	if (fstat(e->e_fd, &st) != 0)
		return -errno;
	if (S_ISREG(st.st_mode))
		hsize = (uint64_t)st.st_size;
	else if (S_ISBLK(st.st_mode) && ioctl(e->e_fd, BLKGETSIZE64, &hsize) != 0)
		return -errno;
	if (e->e_size == 0) {
		if (e->e_off > hsize)
			return -EINVAL;
		e->e_size = hsize - e->e_off;
	}
	if (e->e_off > (uint64_t)INT64_MAX ||
	    e->e_size > (uint64_t)INT64_MAX - e->e_off)
		return -EINVAL;
	return 0;
}

/* Makes the node and marks its vnode; 0 or -errno. */
static int
etfs_mknode(struct etfs *e)
{
	struct nameidata nd;
	mode_t mode;
	dev_t dev = 0;
	long err;

	if ((err = etfs_mkparents(e->e_key, e->e_keysize)) != 0)
		return (int)err;
	if (e->e_type == RUMP_ETFS_REG) {
		mode = S_IFREG | 0644;
	} else {
		mode = (e->e_type == RUMP_ETFS_BLK ? S_IFBLK : S_IFCHR) | 0600;
		dev = makedev(ETFS_MAJOR, atomic_fetch_add(&etfs_nextminor, 1));
	}
	if ((err = sys_mknodat(AT_FDCWD, e->e_key, mode, dev)) != 0)
		return (int)err;
	VFS_LOCK();
	err = namei(curproc(), AT_FDCWD, e->e_key, 0, &nd);
	if (err == 0) {
		e->e_vp = nd.ni_vp;
		vref(e->e_vp);
		namei_done(&nd);
		pthread_mutex_lock(&etfs_mtx);
		atomic_store(&e->e_vp->v_etfs, e);
		TAILQ_INSERT_TAIL(&etfs_list, e, e_link);
		pthread_mutex_unlock(&etfs_mtx);
	}
	VFS_UNLOCK();
	return (int)err;
}

RUMP_EXPORT int
rump_etfs_register(const char *key, const char *hostpath, int type,
    uint64_t offset, uint64_t size)
{
	struct etfs *e;
	struct lwp *l;
	int err;

	if (key == NULL || hostpath == NULL)
		return EFAULT;
	if ((type != RUMP_ETFS_REG && type != RUMP_ETFS_BLK &&
	    type != RUMP_ETFS_CHR) || key[0] != '/' || strlen(key) >= PATH_MAX)
		return EINVAL;
	if (!kern_vfs_enabled())
		return ENOSYS;
	if ((l = kern_enter()) == NULL)
		return ENXIO;
	err = -ENOMEM;
	if ((e = kmem_zalloc(sizeof(*e))) == NULL)
		goto out;
	e->e_keysize = strlen(key) + 1;
	if ((e->e_key = kmem_alloc(e->e_keysize)) == NULL) {
		kmem_free(e, sizeof(*e));
		goto out;
	}
	memcpy(e->e_key, key, e->e_keysize);
	e->e_type = type;
	e->e_off = offset;
	e->e_size = size;
	e->e_refs = 1;
	if ((err = etfs_host(e, hostpath)) == 0)
		err = etfs_mknode(e);
	if (err != 0) {
		if (e->e_fd >= 0)
			close(e->e_fd);
		e->e_fd = -1;
		kmem_free(e->e_key, e->e_keysize);
		kmem_free(e, sizeof(*e));
	}
out:
	kern_leave(l);
	return -err;
}

RUMP_EXPORT int
rump_etfs_remove(const char *key)
{
	struct etfs *e;
	struct lwp *l;

	if (key == NULL)
		return EFAULT;
	if ((l = kern_enter()) == NULL)
		return ENXIO;
	pthread_mutex_lock(&etfs_mtx);
	TAILQ_FOREACH(e, &etfs_list, e_link)
		if (strcmp(e->e_key, key) == 0)
			break;
	if (e != NULL)
		TAILQ_REMOVE(&etfs_list, e, e_link);
	pthread_mutex_unlock(&etfs_mtx);
	if (e == NULL) {
		kern_leave(l);
		return ENOENT;
	}
	/* the node may have been renamed or removed by someone: still ours */
	(void)sys_unlinkat(AT_FDCWD, key, 0);
	VFS_LOCK();
	pthread_mutex_lock(&etfs_mtx);
	atomic_store(&e->e_vp->v_etfs, NULL);
	pthread_mutex_unlock(&etfs_mtx);
	vrele_locked(e->e_vp);
	VFS_UNLOCK();
	etfs_rele(e);
	kern_leave(l);
	return 0;
}
