/*
 * drivespec.c — rump_server -d: host files mapped into the kernel.
 *
 * A drive spec is a comma-separated list of name=value options, each at
 * most once (NetBSD's rump_server(1) syntax):
 *	key=/dev/dk,hostpath=/tmp/disk.img,size=16m[,offset=N][,type=blk|chr|reg]
 * size takes dd-style suffixes or "host" (the size of an existing regular
 * file, not combinable with offset); disklabel= is recognised but refused
 * (EOPNOTSUPP).  The host file is created if missing and a regular file
 * shorter than offset+size is extended, as NetBSD does.  main.c then
 * registers each drive with the kernel's etfs (rump_etfs_register), which
 * makes the key visible inside the kernel; -v prints the list.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "server/server.h"

struct drivelist drives = SLIST_HEAD_INITIALIZER(drives);

int
parse_size(const char *s, uint64_t *out)
{
	uint64_t v = 0, mul = 1;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	switch (*p) {
	case '\0': break;
	case 'b': case 'B': mul = 512; break;
	case 'k': case 'K': mul = 1ULL << 10; break;
	case 'm': case 'M': mul = 1ULL << 20; break;
	case 'g': case 'G': mul = 1ULL << 30; break;
	case 't': case 'T': mul = 1ULL << 40; break;
	default: return -EINVAL;
	}
	if (*p != '\0' && p[1] != '\0')
		return -EINVAL;
	if (v > UINT64_MAX / mul)
		return -ERANGE;
	*out = v * mul;
	return 0;
}

enum { O_KEY, O_HOSTPATH, O_SIZE, O_OFFSET, O_DISKLABEL, O_TYPE, O_NOPTS };
static const char *const optnames[O_NOPTS] = {
	[O_KEY] = "key", [O_HOSTPATH] = "hostpath", [O_SIZE] = "size",
	[O_OFFSET] = "offset", [O_DISKLABEL] = "disklabel", [O_TYPE] = "type",
};

/* Splits spec (modified in place) into the option values. */
static int
split_opts(char *spec, char *vals[O_NOPTS], const char **why)
{
	char *tok, *save = NULL, *eq;
	int i;

	for (tok = strtok_r(spec, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if ((eq = strchr(tok, '=')) == NULL) {
			*why = "option without '=value'";
			return -EINVAL;
		}
		*eq = '\0';
		for (i = 0; i < O_NOPTS; i++)
			if (strcmp(tok, optnames[i]) == 0)
				break;
		if (i == O_NOPTS) {
			*why = "unknown option (key, hostpath, size, offset, "
			    "disklabel, type)";
			return -EINVAL;
		}
		if (vals[i] != NULL) {
			*why = "option given twice";
			return -EINVAL;
		}
		vals[i] = eq + 1;
	}
	return 0;
}

static int
fill_drive(struct drive *d, char *vals[O_NOPTS], const char **why)
{
	if (vals[O_DISKLABEL] != NULL) {
		*why = "disklabel is not supported";
		return -EOPNOTSUPP;
	}
	if (vals[O_KEY] == NULL || vals[O_KEY][0] != '/') {
		*why = vals[O_KEY] == NULL ? "key is required" :
		    "key must be an absolute path";
		return -EINVAL;
	}
	if (vals[O_HOSTPATH] == NULL || vals[O_HOSTPATH][0] == '\0') {
		*why = "hostpath is required";
		return -EINVAL;
	}
	d->d_type = DRIVE_BLK;
	if (vals[O_TYPE] != NULL) {
		if (strcmp(vals[O_TYPE], "blk") == 0)
			d->d_type = DRIVE_BLK;
		else if (strcmp(vals[O_TYPE], "chr") == 0)
			d->d_type = DRIVE_CHR;
		else if (strcmp(vals[O_TYPE], "reg") == 0)
			d->d_type = DRIVE_REG;
		else {
			*why = "type must be blk, chr or reg";
			return -EINVAL;
		}
	}
	if (vals[O_OFFSET] != NULL && parse_size(vals[O_OFFSET], &d->d_offset) < 0) {
		*why = "bad offset";
		return -EINVAL;
	}
	if (vals[O_SIZE] == NULL) {
		if (d->d_type != DRIVE_REG) {
			*why = "size is required (except with type=reg)";
			return -EINVAL;
		}
		d->d_size = DRIVE_SIZE_END;
	} else if (strcmp(vals[O_SIZE], "host") == 0) {
		if (vals[O_OFFSET] != NULL) {
			*why = "size=host cannot be combined with offset";
			return -EINVAL;
		}
		d->d_sizehost = true;
	} else if (parse_size(vals[O_SIZE], &d->d_size) < 0 || d->d_size == 0) {
		*why = "bad size";
		return -EINVAL;
	}
	if (d->d_size != DRIVE_SIZE_END && !d->d_sizehost &&
	    d->d_offset > UINT64_MAX - d->d_size) {
		*why = "offset + size overflows";
		return -ERANGE;
	}
	return 0;
}

int
drivespec_parse(const char *spec, struct drive **dp, const char **why)
{
	char *vals[O_NOPTS] = { 0 };
	char *copy = strdup(spec);
	struct drive *d = calloc(1, sizeof(*d));
	int err;

	*why = NULL;
	if (copy == NULL || d == NULL) {
		free(copy);
		free(d);
		*why = "out of memory";
		return -ENOMEM;
	}
	d->d_fd = -1;
	err = split_opts(copy, vals, why);
	if (err == 0)
		err = fill_drive(d, vals, why);
	if (err == 0) {
		d->d_key = strdup(vals[O_KEY]);
		d->d_hostpath = strdup(vals[O_HOSTPATH]);
		if (d->d_key == NULL || d->d_hostpath == NULL) {
			*why = "out of memory";
			err = -ENOMEM;
		}
	}
	free(copy);
	if (err != 0) {
		drive_free(d);
		return err;
	}
	*dp = d;
	return 0;
}

int
drive_open(struct drive *d, const char **what)
{
	struct stat st;
	int flags = O_RDWR | O_CLOEXEC | (d->d_sizehost ? 0 : O_CREAT);

	*what = d->d_hostpath;
	if ((d->d_fd = open(d->d_hostpath, flags, 0644)) < 0)
		return -errno;
	if (fstat(d->d_fd, &st) != 0)
		return -errno;
	if (d->d_sizehost) {
		if (!S_ISREG(st.st_mode)) {
			*what = "size=host needs a regular file";
			return -EINVAL;
		}
		if (st.st_size == 0) {
			*what = "size=host: the host file is empty";
			return -EINVAL;
		}
		d->d_size = (uint64_t)st.st_size;
		return 0;
	}
	if (S_ISREG(st.st_mode) && d->d_size != DRIVE_SIZE_END &&
	    (uint64_t)st.st_size < d->d_offset + d->d_size) {
		if (d->d_offset + d->d_size > (uint64_t)INT64_MAX)
			return -EFBIG;
		if (ftruncate(d->d_fd, (off_t)(d->d_offset + d->d_size)) != 0)
			return -errno;
	}
	return 0;
}

void
drive_free(struct drive *d)
{
	if (d == NULL)
		return;
	if (d->d_fd >= 0)
		close(d->d_fd);
	free(d->d_key);
	free(d->d_hostpath);
	free(d);
}

void
drives_print(FILE *fp)
{
	static const char *const tn[] = { "blk", "chr", "reg" };
	struct drive *d;

	SLIST_FOREACH(d, &drives, d_link) {
		if (d->d_size == DRIVE_SIZE_END)
			fprintf(fp, "rump_server: drive %s: %s, offset %llu, "
			    "to the end, type %s\n",
			    d->d_key, d->d_hostpath,
			    (unsigned long long)d->d_offset, tn[d->d_type]);
		else
			fprintf(fp, "rump_server: drive %s: %s, offset %llu, "
			    "size %llu, type %s\n",
			    d->d_key, d->d_hostpath,
			    (unsigned long long)d->d_offset,
			    (unsigned long long)d->d_size, tn[d->d_type]);
	}
}
