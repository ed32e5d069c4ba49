/*
 * sys_prot.c — identity and per-process settings: the get/set id calls,
 * supplementary groups, umask and resource limits.
 *
 * Rules are Linux's, with "has CAP_SETUID/CAP_SETGID/CAP_SYS_RESOURCE"
 * read as "effective uid is 0".  Everything here works on the calling
 * process under its p_mtx.
 */
#include <errno.h>
#include <string.h>
#include "kern/kern.h"
#include "kern/file.h"
#include "kern/sysent.h"


/* Runs fn on the caller's credentials under p_mtx. */
#define WITH_CRED(p, c, body) do {			\
	pthread_mutex_lock(&(p)->p_mtx);		\
	struct cred *c = &(p)->p_cred;			\
	body;						\
	pthread_mutex_unlock(&(p)->p_mtx);		\
} while (0)

long
sys_getpid(void)
{
	return curproc()->p_pid;
}

long
sys_getppid(void)
{
	struct proc *p = curproc();
	pid_t pid;

	pthread_mutex_lock(&proc_lock);
	pid = p->p_pptr->p_pid;
	pthread_mutex_unlock(&proc_lock);
	/* proc1 is its own parent internally; Linux's init has ppid 0 */
	return p == proc1 ? 0 : pid;
}

long
sys_getuid(void)
{
	long id;

	WITH_CRED(curproc(), c, id = c->uid);
	return id;
}

long
sys_geteuid(void)
{
	long id;

	WITH_CRED(curproc(), c, id = c->euid);
	return id;
}

long
sys_getgid(void)
{
	long id;

	WITH_CRED(curproc(), c, id = c->gid);
	return id;
}

long
sys_getegid(void)
{
	long id;

	WITH_CRED(curproc(), c, id = c->egid);
	return id;
}

/*
 * setuid: root sets all three ids; others may only set the effective id
 * to the real or saved one.
 */
long
sys_setuid(uid_t uid)
{
	long rv = 0;

	if (uid == (uid_t)-1)
		return -EINVAL;
	WITH_CRED(curproc(), c, {
		if (cred_isroot(c))
			c->uid = c->euid = c->suid = uid;
		else if (uid == c->uid || uid == c->suid)
			c->euid = uid;
		else
			rv = -EPERM;
	});
	return rv;
}

long
sys_setgid(gid_t gid)
{
	long rv = 0;

	if (gid == (gid_t)-1)
		return -EINVAL;
	WITH_CRED(curproc(), c, {
		if (cred_isroot(c))
			c->gid = c->egid = c->sgid = gid;
		else if (gid == c->gid || gid == c->sgid)
			c->egid = gid;
		else
			rv = -EPERM;
	});
	return rv;
}

/* seteuid = setresuid(-1, euid, -1) */
long
sys_seteuid(uid_t euid)
{
	long rv = 0;

	if (euid == (uid_t)-1)
		return -EINVAL;
	WITH_CRED(curproc(), c, {
		if (cred_isroot(c) || euid == c->uid || euid == c->euid ||
		    euid == c->suid)
			c->euid = euid;
		else
			rv = -EPERM;
	});
	return rv;
}

long
sys_setegid(gid_t egid)
{
	long rv = 0;

	if (egid == (gid_t)-1)
		return -EINVAL;
	WITH_CRED(curproc(), c, {
		if (cred_isroot(c) || egid == c->gid || egid == c->egid ||
		    egid == c->sgid)
			c->egid = egid;
		else
			rv = -EPERM;
	});
	return rv;
}

long
sys_getgroups(int size, gid_t *list)
{
	long rv;

	if (size < 0)
		return -EINVAL;
	WITH_CRED(curproc(), c, {
		rv = c->ngroups;
		if (size != 0) {
			if (size < c->ngroups || list == NULL)
				rv = size < c->ngroups ? -EINVAL : -EFAULT;
			else
				memcpy(list, c->groups, c->ngroups * sizeof(gid_t));
		}
	});
	return rv;
}

/* Linux allows 65536 groups; this kernel keeps NGROUPS_KMAX (EINVAL). */
long
sys_setgroups(size_t size, const gid_t *list)
{
	long rv = 0;

	if (size > NGROUPS_KMAX)
		return -EINVAL;
	if (size > 0 && list == NULL)
		return -EFAULT;
	WITH_CRED(curproc(), c, {
		if (!cred_isroot(c)) {
			rv = -EPERM;
		} else {
			c->ngroups = (int)size;
			if (size > 0)
				memcpy(c->groups, list, size * sizeof(gid_t));
		}
	});
	return rv;
}

long
sys_umask(mode_t mask)
{
	struct proc *p = curproc();
	mode_t old;

	pthread_mutex_lock(&p->p_mtx);
	old = p->p_umask;
	p->p_umask = mask & 0777;
	pthread_mutex_unlock(&p->p_mtx);
	return old;
}

long
sys_getrlimit(int resource, struct rlimit *rlim)
{
	struct proc *p = curproc();

	if (resource < 0 || resource >= RLIM_NLIMITS)
		return -EINVAL;
	pthread_mutex_lock(&p->p_mtx);
	*rlim = p->p_rlim[resource];
	pthread_mutex_unlock(&p->p_mtx);
	return 0;
}

long
sys_setrlimit(int resource, const struct rlimit *rlim)
{
	struct proc *p = curproc();
	struct rlimit new = *rlim;
	long rv = 0;

	if (resource < 0 || resource >= RLIM_NLIMITS ||
	    new.rlim_cur > new.rlim_max)
		return -EINVAL;
	if (resource == RLIMIT_NOFILE && new.rlim_max > NR_OPEN_K)
		return -EPERM;
	pthread_mutex_lock(&p->p_mtx);
	if (new.rlim_max > p->p_rlim[resource].rlim_max &&
	    !cred_isroot(&p->p_cred))
		rv = -EPERM;
	else
		p->p_rlim[resource] = new;
	pthread_mutex_unlock(&p->p_mtx);
	return rv;
}
