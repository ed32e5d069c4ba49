/*
 * demo.c — `make demo`: boots a rump kernel inside this process, shows its
 * identity, works with files, processes and a pipe, and halts it.
 *
 * Everything printed comes back from the rump kernel through rump_sys_*
 * calls; nothing touches the host's file system.  Any failing call stops
 * the demo with the kernel's errno, so a broken kernel cannot look healthy.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <rump/rump.h>
#include <rump/rump_syscalls.h>

/* Stops the demo when a call fails, naming the call and the errno. */
#define CHECK(expr)	check((long)(expr), #expr, __LINE__)

static long
check(long rv, const char *what, int line)
{
	if (rv < 0) {
		fprintf(stderr, "demo.c:%d: %s: %s\n", line, what,
		    strerror(errno));
		exit(1);
	}
	return rv;
}

static void
section(const char *title)
{
	printf("\n== %s\n", title);
}

static void
show_sysctl(const char *name)
{
	char buf[256];
	size_t len = sizeof(buf);

	CHECK(rump_sys_sysctlbyname(name, buf, &len, NULL, 0));
	printf("  %-22s %.*s\n", name, (int)len, buf);
}

static void
identity(void)
{
	struct utsname u;
	union { int32_t i; int64_t q; } ncpu;
	size_t len = sizeof(ncpu);

	section("who is this kernel (sysctl, uname)");
	show_sysctl("kern.ostype");
	show_sysctl("kern.osrelease");
	show_sysctl("kern.hostname");
	show_sysctl("vfs.generic.fstypes");
	CHECK(rump_sys_sysctlbyname("hw.ncpu", &ncpu, &len, NULL, 0));
	printf("  %-22s %lld\n", "hw.ncpu",
	    len == sizeof(ncpu.i) ? (long long)ncpu.i : (long long)ncpu.q);
	CHECK(rump_sys_uname(&u));
	printf("  uname: %s %s %s %s\n", u.sysname, u.nodename, u.release,
	    u.machine);
	printf("  we are pid %ld (parent %ld), uid %ld\n", CHECK(rump_sys_getpid()),
	    CHECK(rump_sys_getppid()), CHECK(rump_sys_getuid()));
}

static void
write_file(const char *path, const char *text)
{
	int fd;

	fd = CHECK(rump_sys_open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
	CHECK(rump_sys_write(fd, text, strlen(text)));
	CHECK(rump_sys_close(fd));
}

/* Writes size bytes of a pattern, reads them back and compares. */
static void
big_file(const char *path, size_t size)
{
	unsigned char *buf = malloc(size), *back = malloc(size);
	struct stat st;
	int fd;

	if (buf == NULL || back == NULL)
		exit(1);
	for (size_t i = 0; i < size; i++)
		buf[i] = (unsigned char)(i * 7 + i / 4096);
	fd = CHECK(rump_sys_open(path, O_RDWR | O_CREAT | O_EXCL, 0600));
	CHECK(rump_sys_write(fd, buf, size));
	CHECK(rump_sys_pread(fd, back, size, 0));
	CHECK(rump_sys_fstat(fd, &st));
	CHECK(rump_sys_close(fd));
	printf("  wrote and read back %s: %lld bytes, %s\n", path,
	    (long long)st.st_size,
	    memcmp(buf, back, size) == 0 ? "contents identical" : "MISMATCH");
	free(buf);
	free(back);
}

static void
files(void)
{
	char buf[128], target[64];
	struct stat st;
	ssize_t n;
	int fd;

	section("files and directories");
	CHECK(rump_sys_mkdir("/tmp/demo", 0755));
	CHECK(rump_sys_mkdir("/tmp/demo/src", 0755));
	CHECK(rump_sys_mkdir("/tmp/demo/src/lib", 0755));
	printf("  mkdir /tmp/demo /tmp/demo/src /tmp/demo/src/lib\n");
	write_file("/tmp/demo/hello.txt", "hello from a rump kernel\n");
	fd = CHECK(rump_sys_open("/tmp/demo/hello.txt", O_RDONLY));
	n = CHECK(rump_sys_read(fd, buf, sizeof(buf) - 1));
	buf[n] = '\0';
	CHECK(rump_sys_close(fd));
	printf("  read /tmp/demo/hello.txt: %s", buf);
	big_file("/tmp/demo/src/data.bin", 3 << 20);

	CHECK(rump_sys_symlink("hello.txt", "/tmp/demo/greeting"));
	n = CHECK(rump_sys_readlink("/tmp/demo/greeting", target,
	    sizeof(target) - 1));
	target[n] = '\0';
	printf("  symlink /tmp/demo/greeting -> %s\n", target);
	CHECK(rump_sys_link("/tmp/demo/hello.txt", "/tmp/demo/src/lib/hello"));
	CHECK(rump_sys_stat("/tmp/demo/hello.txt", &st));
	printf("  hard link /tmp/demo/src/lib/hello: inode %llu now has %lu "
	    "links\n", (unsigned long long)st.st_ino,
	    (unsigned long)st.st_nlink);
	CHECK(rump_sys_rename("/tmp/demo/src/data.bin", "/tmp/demo/data.bin"));
	printf("  renamed /tmp/demo/src/data.bin -> /tmp/demo/data.bin\n");
	CHECK(rump_sys_chdir("/tmp/demo"));
	CHECK(rump_sys_getcwd(buf, sizeof(buf)));
	printf("  chdir: getcwd() = %s\n", buf);
}

/* One line of `ls -l`, from fstatat() on the directory descriptor. */
static void
ls_line(int dirfd, const char *name)
{
	static const char rwx[] = "rwxrwxrwx";
	char mode[11], when[32], target[64] = "";
	struct stat st;
	struct tm tm;
	time_t t;

	CHECK(rump_sys_fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW));
	mode[0] = S_ISDIR(st.st_mode) ? 'd' : S_ISLNK(st.st_mode) ? 'l' :
	    S_ISFIFO(st.st_mode) ? 'p' : S_ISCHR(st.st_mode) ? 'c' : '-';
	for (int i = 0; i < 9; i++)
		mode[i + 1] = (st.st_mode & (0400 >> i)) ? rwx[i] : '-';
	if (st.st_mode & S_ISUID)
		mode[3] = mode[3] == 'x' ? 's' : 'S';
	if (st.st_mode & S_ISGID)
		mode[6] = mode[6] == 'x' ? 's' : 'S';
	if (st.st_mode & S_ISVTX)
		mode[9] = mode[9] == 'x' ? 't' : 'T';
	mode[10] = '\0';
	t = st.st_mtim.tv_sec;
	localtime_r(&t, &tm);
	strftime(when, sizeof(when), "%b %e %H:%M", &tm);
	if (S_ISLNK(st.st_mode)) {
		ssize_t n = CHECK(rump_sys_readlinkat(dirfd, name, target + 4,
		    sizeof(target) - 5));
		memcpy(target, " -> ", 4);
		target[4 + n] = '\0';
	}
	printf("  %s %2lu %4u %4u %8lld %s %s%s\n", mode,
	    (unsigned long)st.st_nlink, st.st_uid, st.st_gid,
	    (long long)st.st_size, when, name, target);
}

static int
namecmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The kernel's struct linux_dirent64 layout, as getdents64 returns it. */
struct dent64 {
	uint64_t	d_ino;
	int64_t		d_off;
	unsigned short	d_reclen;
	unsigned char	d_type;
	char		d_name[];
};

static void
list_dir(const char *path)
{
	char buf[4096], *names[64];
	int fd, count = 0;
	ssize_t n;

	section("ls -l (getdents64 + fstatat)");
	printf("  %s:\n", path);
	fd = CHECK(rump_sys_open(path, O_RDONLY | O_DIRECTORY));
	while ((n = CHECK(rump_sys_getdents64(fd, buf, sizeof(buf)))) > 0) {
		for (ssize_t off = 0; off < n;) {
			struct dent64 *d = (struct dent64 *)(buf + off);

			if (count < 64)
				names[count++] = strdup(d->d_name);
			off += d->d_reclen;
		}
	}
	qsort(names, count, sizeof(names[0]), namecmp);
	for (int i = 0; i < count; i++) {
		ls_line(fd, names[i]);
		free(names[i]);
	}
	CHECK(rump_sys_close(fd));
}

/* The writer thread of the pipe demo: 1000 numbered lines, then EOF. */
static void *
pipe_writer(void *arg)
{
	int fd = *(int *)arg;
	char line[32];

	for (int i = 0; i < 1000; i++) {
		int len = snprintf(line, sizeof(line), "line %d\n", i);

		CHECK(rump_sys_write(fd, line, len));
	}
	CHECK(rump_sys_close(fd));
	return NULL;
}

static void
pipe_threads(void)
{
	char buf[512];
	long total = 0, lines = 0;
	pthread_t writer;
	int fds[2];
	ssize_t n;

	section("a pipe between two threads");
	CHECK(rump_sys_pipe(fds));
	if (pthread_create(&writer, NULL, pipe_writer, &fds[1]) != 0)
		exit(1);
	while ((n = CHECK(rump_sys_read(fds[0], buf, sizeof(buf)))) > 0) {
		total += n;
		for (ssize_t i = 0; i < n; i++)
			lines += buf[i] == '\n';
	}
	pthread_join(writer, NULL);
	CHECK(rump_sys_close(fds[0]));
	printf("  reader got %ld lines, %ld bytes, then EOF when the writer "
	    "closed its end\n", lines, total);
}

/* A child process with an ordinary user's credentials meets permissions. */
static void
processes(void)
{
	int err;

	section("processes and permissions (lwproc)");
	write_file("/tmp/demo/secret", "root only\n");
	CHECK(rump_sys_chmod("/tmp/demo/secret", 0600));
	if ((err = rump_lwproc_rfork(RUMP_RFFDG)) != 0) {
		fprintf(stderr, "rump_lwproc_rfork: %s\n", strerror(err));
		exit(1);
	}
	printf("  rump_lwproc_rfork(): now pid %ld, child of %ld\n",
	    CHECK(rump_sys_getpid()), CHECK(rump_sys_getppid()));
	CHECK(rump_sys_setuid(1000));
	printf("  setuid(1000): uid %ld\n", CHECK(rump_sys_getuid()));
	if (rump_sys_open("/tmp/demo/secret", O_RDONLY) == -1)
		printf("  open /tmp/demo/secret (mode 0600, owner 0): %s\n",
		    strerror(errno));
	else
		printf("  open /tmp/demo/secret: succeeded (unexpected)\n");
	if (rump_sys_sysctlbyname("kern.hostname", NULL, NULL, "x", 1) == -1)
		printf("  write kern.hostname as uid 1000: %s\n",
		    strerror(errno));
	else
		printf("  write kern.hostname as uid 1000: succeeded "
		    "(unexpected)\n");
	rump_lwproc_releaselwp();
	printf("  rump_lwproc_releaselwp(): child exited, back to pid %ld\n",
	    CHECK(rump_sys_getpid()));
}

static void
hostname(void)
{
	static const char name[] = "demo.rump.example";
	char old[256], now[256];
	size_t oldlen = sizeof(old), nowlen = sizeof(now);
	struct utsname u;

	section("writing a sysctl node (as root)");
	CHECK(rump_sys_sysctlbyname("kern.hostname", old, &oldlen, name,
	    sizeof(name)));
	CHECK(rump_sys_sysctlbyname("kern.hostname", now, &nowlen, NULL, 0));
	CHECK(rump_sys_uname(&u));
	printf("  kern.hostname: %.*s -> %.*s\n", (int)oldlen, old,
	    (int)nowlen, now);
	printf("  uname nodename: %s\n", u.nodename);
}

int
main(void)
{
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	section("booting");
	if ((err = rump_init()) != 0) {
		fprintf(stderr, "rump_init: %s\n", strerror(err));
		return 1;
	}
	printf("  rump_init() = 0: the kernel runs inside this process "
	    "(host pid %d)\n", (int)getpid());
	identity();
	files();
	list_dir("/tmp/demo");
	pipe_threads();
	processes();
	hostname();

	section("halting");
	printf("  rump_sys_reboot(RUMP_RB_HALT): sync, halt, exit\n");
	fflush(stdout);
	CHECK(rump_sys_reboot(RUMP_RB_HALT, NULL));
	fprintf(stderr, "demo: reboot returned\n");
	return 1;
}
