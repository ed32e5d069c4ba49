/*
 * cred.c — credentials: group membership and consistent snapshots.
 *
 * A process's struct cred lives in the proc under p_mtx and changes with
 * the set*id calls (sys_prot.c).  Permission checks work on a copy taken
 * with proc_getcred(), so they never hold p_mtx while walking the VFS;
 * files keep the opener's copy in f_cred.  A new process starts as root
 * with no supplementary groups (proc_init zeroes it).
 */
#include "kern/kern.h"

bool
cred_groupmember(const struct cred *c, gid_t g)
{
	if (c->egid == g)
		return true;
	for (int i = 0; i < c->ngroups; i++)
		if (c->groups[i] == g)
			return true;
	return false;
}

void
proc_getcred(struct proc *p, struct cred *out)
{
	pthread_mutex_lock(&p->p_mtx);
	*out = p->p_cred;
	pthread_mutex_unlock(&p->p_mtx);
}
