/*
 * ctl.c — the shape of fcntl's and ioctl's third argument per command.
 *
 * Locally the kernel gets the caller's pointer as it is; over the wire the
 * bytes behind it have to travel, so each command we support says whether
 * its argument is a plain value or a struct going in, out or both.  Both
 * ends consult this one table; a frame whose shape disagrees with it is
 * malformed.  Commands not listed travel as plain values, which is what
 * every command taking an int does, and the kernel answers EINVAL/ENOTTY
 * for the ones it does not know -- except ioctl commands whose number
 * encodes an argument size (_IOR/_IOW/_IOWR): those take a pointer, which
 * must never reach the server as a number it could take for one of its
 * own addresses, so they fail with ENOTTY unless listed.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include "sp/sp.h"

struct ctlshape {
	unsigned long	 cmd;
	int		 kind;
	size_t		 size;
};

static const struct ctlshape fcntl_shapes[] = {
	{ F_GETLK,		SA_INOUT,	sizeof(struct flock) },
	{ F_SETLK,		SA_IN,		sizeof(struct flock) },
	{ F_SETLKW,		SA_IN,		sizeof(struct flock) },
	{ F_OFD_GETLK,		SA_INOUT,	sizeof(struct flock) },
	{ F_OFD_SETLK,		SA_IN,		sizeof(struct flock) },
	{ F_OFD_SETLKW,		SA_IN,		sizeof(struct flock) },
	{ F_GETOWN_EX,		SA_OUT,		sizeof(struct f_owner_ex) },
	{ F_SETOWN_EX,		SA_IN,		sizeof(struct f_owner_ex) },
};

static const struct ctlshape ioctl_shapes[] = {
	{ FIONREAD,		SA_OUT,		sizeof(int) },
	{ FIONBIO,		SA_IN,		sizeof(int) },
	{ FIOASYNC,		SA_IN,		sizeof(int) },
	{ FIOCLEX,		SA_SCALAR,	0 },
	{ FIONCLEX,		SA_SCALAR,	0 },
	{ TIOCOUTQ,		SA_OUT,		sizeof(int) },
	{ BLKGETSIZE64,		SA_OUT,		sizeof(uint64_t) },
};

static int
lookup(const struct ctlshape *t, size_t n, uint64_t cmd, size_t *size)
{
	for (size_t i = 0; i < n; i++) {
		if (t[i].cmd == cmd) {
			*size = t[i].size;
			return t[i].kind;
		}
	}
	*size = 0;
	return SA_SCALAR;
}

/* an unlisted ioctl whose number says it takes a pointer */
static bool
ioctl_pointer(uint64_t cmd)
{
	/* the kernel may look at the low 32 bits only, as Linux does */
	return _IOC_SIZE((uint32_t)cmd) != 0;
}

int
sp_ctl_shape(const struct sysent *se, uint64_t cmd, size_t *size)
{
	if (strcmp(se->name, "fcntl") == 0)
		return lookup(fcntl_shapes, sizeof(fcntl_shapes) /
		    sizeof(fcntl_shapes[0]), (uint32_t)cmd, size);
	if (strcmp(se->name, "ioctl") == 0) {
		int kind = lookup(ioctl_shapes, sizeof(ioctl_shapes) /
		    sizeof(ioctl_shapes[0]), cmd, size);

		if (kind == SA_SCALAR && ioctl_pointer(cmd))
			return -ENOTTY;
		return kind;
	}
	*size = 0;
	return -EINVAL;
}
