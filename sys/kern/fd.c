/*
 * fd.c — per-process descriptor tables.
 *
 * A table is an array of (file, close-on-exec) slots that grows by
 * doubling; the lowest free slot is always the one handed out (with a
 * hint so a full low range is not rescanned).  Limits: RLIMIT_NOFILE of
 * the owning process, and NR_OPEN_K slots at most.
 *
 * Closing is two-phase: the slot is emptied under the table lock, the file
 * is released after it, because releasing can reach the VFS, lockf and
 * pipes (lock order: fdtable.lock > vfs_lock > object locks).  Every close
 * of a descriptor over a vnode drops the process's POSIX record locks on
 * it, as POSIX demands.
 */
#include <errno.h>
#include <string.h>
#include "kern/file.h"

#define NDFILE		16		/* initial slots */

struct fdtable *
fdtable_alloc(void)
{
	struct fdtable *fdt = kmem_zalloc(sizeof(*fdt));

	if (fdt == NULL)
		return NULL;
	fdt->tab = kmem_zalloc(NDFILE * sizeof(struct fdent));
	if (fdt->tab == NULL) {
		kmem_free(fdt, sizeof(*fdt));
		return NULL;
	}
	fdt->nfd = NDFILE;
	pthread_mutex_init(&fdt->lock, NULL);
	return fdt;
}

struct fdtable *
fdtable_copy(struct fdtable *src)
{
	struct fdtable *fdt = kmem_zalloc(sizeof(*fdt));

	if (fdt == NULL)
		return NULL;
	pthread_mutex_init(&fdt->lock, NULL);
	pthread_mutex_lock(&src->lock);
	fdt->tab = kmem_alloc(src->nfd * sizeof(struct fdent));
	if (fdt->tab == NULL) {
		pthread_mutex_unlock(&src->lock);
		pthread_mutex_destroy(&fdt->lock);
		kmem_free(fdt, sizeof(*fdt));
		return NULL;
	}
	memcpy(fdt->tab, src->tab, src->nfd * sizeof(struct fdent));
	fdt->nfd = src->nfd;
	fdt->lowfree = src->lowfree;
	for (int i = 0; i < fdt->nfd; i++)
		if (fdt->tab[i].fe_file != NULL)
			file_hold(fdt->tab[i].fe_file);
	pthread_mutex_unlock(&src->lock);
	return fdt;
}

/* Drops a file taken out of a slot; no table lock held. */
static void
fd_release(struct proc *p, struct file *fp)
{
	if (p != NULL && fp->f_vnode != NULL)
		lf_release_proc(fp->f_vnode, p);
	file_rele(fp);
}

/* Empties slot fd (which is in use); returns its file. fdt->lock held. */
static struct file *
fd_clear_locked(struct fdtable *fdt, int fd)
{
	struct file *fp = fdt->tab[fd].fe_file;

	fdt->tab[fd].fe_file = NULL;
	fdt->tab[fd].fe_flags = 0;
	if (fd < fdt->lowfree)
		fdt->lowfree = fd;
	return fp;
}

/* Closes every slot whose flags match mask (0: all); fdt->lock not held. */
static void
fdtable_close_matching(struct fdtable *fdt, uint8_t mask)
{
	int i = 0;

	for (;;) {
		struct file *fp = NULL;

		pthread_mutex_lock(&fdt->lock);
		for (; i < fdt->nfd && fp == NULL; i++) {
			if (fdt->tab[i].fe_file != NULL &&
			    (mask == 0 || (fdt->tab[i].fe_flags & mask)))
				fp = fd_clear_locked(fdt, i);
		}
		pthread_mutex_unlock(&fdt->lock);
		if (fp == NULL)
			return;
		fd_release(fdt->owner, fp);
	}
}

void
fdtable_free(struct fdtable *fdt)
{
	fdtable_close_matching(fdt, 0);
	pthread_mutex_destroy(&fdt->lock);
	kmem_free(fdt->tab, fdt->nfd * sizeof(struct fdent));
	kmem_free(fdt, sizeof(*fdt));
}

void
fdtable_closeexec(struct fdtable *fdt)
{
	fdtable_close_matching(fdt, FD_CLOEXEC_BIT);
}

static int
nofile_limit(struct proc *p)
{
	rlim_t lim;

	pthread_mutex_lock(&p->p_mtx);
	lim = p->p_rlim[RLIMIT_NOFILE].rlim_cur;
	pthread_mutex_unlock(&p->p_mtx);
	return lim > NR_OPEN_K ? NR_OPEN_K : (int)lim;
}

/* Makes slot fd exist; fdt->lock held. */
static int
fdtable_grow_locked(struct fdtable *fdt, int fd)
{
	int n = fdt->nfd;
	struct fdent *tab;

	if (fd < n)
		return 0;
	while (n <= fd)
		n *= 2;
	tab = kmem_realloc(fdt->tab, fdt->nfd * sizeof(struct fdent),
	    n * sizeof(struct fdent));
	if (tab == NULL)
		return -ENOMEM;
	memset(tab + fdt->nfd, 0, (n - fdt->nfd) * sizeof(struct fdent));
	fdt->tab = tab;
	fdt->nfd = n;
	return 0;
}

int
fd_alloc(struct proc *p, struct file *fp, int minfd, bool cloexec)
{
	struct fdtable *fdt = p->p_fd;
	int lim = nofile_limit(p), fd, err;

	pthread_mutex_lock(&fdt->lock);
	fd = minfd > fdt->lowfree ? minfd : fdt->lowfree;
	while (fd < fdt->nfd && fdt->tab[fd].fe_file != NULL)
		fd++;
	if (minfd <= fdt->lowfree)
		fdt->lowfree = fd;
	if (fd >= lim) {
		pthread_mutex_unlock(&fdt->lock);
		return -EMFILE;
	}
	if ((err = fdtable_grow_locked(fdt, fd)) != 0) {
		pthread_mutex_unlock(&fdt->lock);
		return err;
	}
	file_hold(fp);
	fdt->tab[fd].fe_file = fp;
	fdt->tab[fd].fe_flags = cloexec ? FD_CLOEXEC_BIT : 0;
	if (fd == fdt->lowfree)
		fdt->lowfree = fd + 1;
	pthread_mutex_unlock(&fdt->lock);
	return fd;
}

struct file *
fd_getfile(struct proc *p, int fd)
{
	struct fdtable *fdt = p->p_fd;
	struct file *fp = NULL;

	if (fd < 0 || fdt == NULL)
		return NULL;
	pthread_mutex_lock(&fdt->lock);
	if (fd < fdt->nfd && (fp = fdt->tab[fd].fe_file) != NULL)
		file_hold(fp);
	pthread_mutex_unlock(&fdt->lock);
	return fp;
}

int
fd_close(struct proc *p, int fd)
{
	struct fdtable *fdt = p->p_fd;
	struct file *fp = NULL;

	if (fd < 0)
		return -EBADF;
	pthread_mutex_lock(&fdt->lock);
	if (fd < fdt->nfd && fdt->tab[fd].fe_file != NULL)
		fp = fd_clear_locked(fdt, fd);
	pthread_mutex_unlock(&fdt->lock);
	if (fp == NULL)
		return -EBADF;
	fd_release(p, fp);
	return 0;
}

int
fd_dup2(struct proc *p, int oldfd, int newfd, bool cloexec)
{
	struct fdtable *fdt = p->p_fd;
	struct file *fp, *old;
	int err;

	if (oldfd < 0)
		return -EBADF;
	if (newfd < 0 || newfd >= nofile_limit(p))
		return -EBADF;
	pthread_mutex_lock(&fdt->lock);
	if (oldfd >= fdt->nfd || (fp = fdt->tab[oldfd].fe_file) == NULL) {
		pthread_mutex_unlock(&fdt->lock);
		return -EBADF;
	}
	if ((err = fdtable_grow_locked(fdt, newfd)) != 0) {
		pthread_mutex_unlock(&fdt->lock);
		return err;
	}
	file_hold(fp);
	old = fdt->tab[newfd].fe_file;
	fdt->tab[newfd].fe_file = fp;
	fdt->tab[newfd].fe_flags = cloexec ? FD_CLOEXEC_BIT : 0;
	if (newfd == fdt->lowfree)
		fdt->lowfree = newfd + 1;
	pthread_mutex_unlock(&fdt->lock);
	if (old != NULL)
		fd_release(p, old);
	return newfd;
}

int
fd_getflags(struct proc *p, int fd)
{
	struct fdtable *fdt = p->p_fd;
	int flags = -EBADF;

	if (fd < 0)
		return -EBADF;
	pthread_mutex_lock(&fdt->lock);
	if (fd < fdt->nfd && fdt->tab[fd].fe_file != NULL)
		flags = (fdt->tab[fd].fe_flags & FD_CLOEXEC_BIT) ? FD_CLOEXEC : 0;
	pthread_mutex_unlock(&fdt->lock);
	return flags;
}

int
fd_setflags(struct proc *p, int fd, int flags)
{
	struct fdtable *fdt = p->p_fd;
	int err = -EBADF;

	if (fd < 0)
		return -EBADF;
	pthread_mutex_lock(&fdt->lock);
	if (fd < fdt->nfd && fdt->tab[fd].fe_file != NULL) {
		fdt->tab[fd].fe_flags = (flags & FD_CLOEXEC) ? FD_CLOEXEC_BIT : 0;
		err = 0;
	}
	pthread_mutex_unlock(&fdt->lock);
	return err;
}
