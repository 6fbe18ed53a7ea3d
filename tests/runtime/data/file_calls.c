/* getdents, mknod(at), close_range, preadv/pwritev(2), O_TMPFILE, O_PATH and *at() with an absolute path
 * (issue 16). Run in an empty directory of a tmpfs; its output is compared with the native run's.
 * With the argument "foreign" it only tries a device node the machine does not have. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef RWF_ATOMIC
#define RWF_ATOMIC 0x40
#endif
#ifndef RWF_DONTCACHE
#define RWF_DONTCACHE 0x80
#endif
#ifndef RWF_NOAPPEND
#define RWF_NOAPPEND 0x20
#endif

#define CALL(what, expr) say(what, (long)(expr))

static void say(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The old getdents' records, sorted by name (the order of a listing is the filesystem's). */
static void list_old(const char *dir)
{
	char buf[4096], *names[64];
	int count = 0, fd = open(dir, O_RDONLY | O_DIRECTORY);
	long n;
	while ((n = syscall(SYS_getdents, fd, buf, sizeof buf)) > 0) {
		for (long at = 0; at < n;) {
			unsigned short reclen = *(unsigned short *)(buf + at + 16);
			char *name = buf + at + 18;
			if (count < 64 && asprintf(&names[count], "%s type %d reclen %u", name, buf[at + reclen - 1], reclen) > 0)
				count++;
			at += reclen;
		}
	}
	CALL("getdents at the end", n);
	qsort(names, count, sizeof *names, by_name);
	for (int i = 0; i < count; i++)
		printf("  %s\n", names[i]);
	close(fd);
}

static void getdents_cases(void)
{
	char buf[512];
	mkdir("d", 0755);
	close(open("d/regular", O_CREAT | O_WRONLY, 0644));
	mkdir("d/sub", 0755);
	symlink("regular", "d/link");
	mkfifo("d/fifo", 0600);
	close(open("d/a-name-of-exactly-thirty-chars", O_CREAT | O_WRONLY, 0644));
	list_old("d");
	int fd = open("d", O_RDONLY | O_DIRECTORY);
	CALL("getdents into 10 bytes", syscall(SYS_getdents, fd, buf, 10));
	CALL("getdents into 24 bytes", syscall(SYS_getdents, fd, buf, 24));
	CALL("getdents to a bad address", syscall(SYS_getdents, fd, (void *)8, sizeof buf));
	close(fd);
	fd = open("d/regular", O_RDONLY);
	CALL("getdents of a file", syscall(SYS_getdents, fd, buf, sizeof buf));
	close(fd);
	CALL("getdents of a closed fd", syscall(SYS_getdents, fd, buf, sizeof buf));
	fd = open("d", O_PATH);
	CALL("getdents of an O_PATH fd", syscall(SYS_getdents, fd, buf, sizeof buf));
	CALL("getdents64 of an O_PATH fd", syscall(SYS_getdents64, fd, buf, sizeof buf));
	close(fd);
}

static void show_node(const char *path)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		printf("  %s: -1 %s\n", path, strerrorname_np(errno));
		return;
	}
	printf("  %s: mode %o rdev %u:%u size %ld\n", path, st.st_mode, major(st.st_rdev), minor(st.st_rdev),
	       (long)st.st_size);
}

static void mknod_cases(void)
{
	char buf[8];
	umask(022);
	CALL("mknod fifo", mknod("n-fifo", S_IFIFO | 0666, 0));
	CALL("mknod regular", mknod("n-reg", S_IFREG | 0666, 0));
	CALL("mknod type 0", mknod("n-zero", 0640, 0));
	CALL("mknod socket", mknod("n-sock", S_IFSOCK | 0777, 0));
	CALL("mknod null", mknod("n-null", S_IFCHR | 0666, makedev(1, 3)));
	CALL("mknodat zero", mknodat(AT_FDCWD, "n-zero-dev", S_IFCHR | 0600, makedev(1, 5)));
	CALL("mknod urandom", mknod("n-urandom", S_IFCHR | 0644, makedev(1, 9)));
	CALL("mknod suid bits", mknod("n-suid", S_IFREG | 07777, 0));
	for (const char *const *p = (const char *const[]){"n-fifo", "n-reg", "n-zero", "n-sock", "n-null",
							      "n-zero-dev", "n-urandom", "n-suid", NULL};
	     *p; p++)
		show_node(*p);
	int fd = open("n-null", O_RDWR);
	CALL("write to the null node", write(fd, "abc", 3));
	CALL("read the null node", read(fd, buf, sizeof buf));
	close(fd);
	fd = open("n-zero-dev", O_RDONLY);
	memset(buf, 'x', sizeof buf);
	CALL("read the zero node", read(fd, buf, sizeof buf));
	printf("  zero bytes: %d\n", buf[0] == 0 && buf[7] == 0);
	close(fd);
	fd = open("n-urandom", O_RDONLY);
	CALL("read the urandom node", read(fd, buf, sizeof buf));
	close(fd);
	CALL("open the socket node", open("n-sock", O_RDONLY));
	CALL("open the socket node O_PATH", (fd = open("n-sock", O_PATH)) >= 0 ? 0 : -1);
	close(fd);
	CALL("mknod over a name", mknod("n-reg", S_IFIFO | 0600, 0));
	CALL("mknod in a missing dir", mknod("missing/x", S_IFIFO | 0600, 0));
	CALL("mknod a directory", mknod("n-dir", S_IFDIR | 0700, 0));
	CALL("mknod type 070000", mknod("n-bad", 070000 | 0600, 0));
	CALL("mknod type 0150000", mknod("n-bad", 0150000 | 0600, 0));
	CALL("mknod trailing slash", mknod("n-slash/", S_IFIFO | 0600, 0));
	CALL("mknod in /proc", mknod("/proc/n", S_IFIFO | 0600, 0));
	int file = open("n-reg", O_RDONLY);
	CALL("mknodat, relative, file dirfd", mknodat(file, "x", S_IFIFO | 0600, 0));
	char here[512], abs[600];
	getcwd(here, sizeof here);
	snprintf(abs, sizeof abs, "%s/n-abs", here);
	CALL("mknodat, absolute, file dirfd", mknodat(file, abs, S_IFIFO | 0600, 0));
	show_node("n-abs");
	close(file);
}

static void close_range_cases(void)
{
	for (int fd = 10; fd <= 15; fd++)
		dup2(0, fd);
	CALL("close_range 11-13", close_range(11, 13, 0));
	CALL("close_range cloexec 14-max", close_range(14, ~0U, CLOSE_RANGE_CLOEXEC));
	for (int fd = 10; fd <= 16; fd++)
		printf("  fd %d: %d\n", fd, fcntl(fd, F_GETFD));
	CALL("close_range unshare", close_range(10, 10, CLOSE_RANGE_UNSHARE));
	printf("  fd 10: %d\n", fcntl(10, F_GETFD));
	CALL("close_range first > last", close_range(5, 4, 0));
	CALL("close_range flag 1", close_range(3, 4, 1));
	CALL("close_range flag 8", close_range(3, 4, 8));
	CALL("close_range of nothing open", close_range(500, 600, 0));
	for (int fd = 14; fd <= 15; fd++)
		close(fd);
}

static void vector_cases(void)
{
	char a[8], b[8];
	struct iovec out[2] = {{"hello", 5}, {"world", 5}};
	struct iovec in[2] = {{a, 3}, {b, 4}};
	int fd = open("v", O_CREAT | O_RDWR | O_TRUNC, 0644);
	CALL("pwritev at 4", pwritev(fd, out, 2, 4));
	CALL("  position", lseek(fd, 0, SEEK_CUR));
	CALL("preadv at 6", preadv(fd, in, 2, 6));
	printf("  got %.3s %.4s\n", a, b);
	CALL("preadv at -2", preadv(fd, in, 2, -2));
	CALL("preadv raw, pos_h ignored", syscall(SYS_preadv, fd, in, 2, 4L, 0x7fffffffL));
	printf("  got %.3s %.4s\n", a, b);
	CALL("preadv2 at -1 (the position)", preadv2(fd, in, 1, -1, 0));
	CALL("  position", lseek(fd, 0, SEEK_CUR));
	CALL("preadv2 at -3", preadv2(fd, in, 1, -3, 0));
	CALL("preadv2 HIPRI", preadv2(fd, in, 2, 0, RWF_HIPRI));
	CALL("pwritev2 DSYNC|SYNC", pwritev2(fd, out, 1, 0, RWF_DSYNC | RWF_SYNC));
	CALL("pwritev2 APPEND at 0", pwritev2(fd, out, 1, 0, RWF_APPEND));
	struct stat st;
	fstat(fd, &st);
	printf("  size %ld position %ld\n", (long)st.st_size, (long)lseek(fd, 0, SEEK_CUR));
	CALL("pwritev2 APPEND|NOAPPEND", pwritev2(fd, out, 1, 0, RWF_APPEND | RWF_NOAPPEND));
	CALL("preadv2 NOWAIT on a file", preadv2(fd, in, 1, 0, RWF_NOWAIT));
	CALL("preadv2 unknown flag", preadv2(fd, in, 1, 0, 0x10000));
	CALL("preadv2 unknown flag, nothing to read", preadv2(fd, in, 0, 0, 0x10000));
	CALL("preadv2 ATOMIC", preadv2(fd, in, 1, 0, RWF_ATOMIC));
	CALL("pwritev2 ATOMIC", pwritev2(fd, out, 1, 0, RWF_ATOMIC));
	CALL("pwritev2 DONTCACHE", pwritev2(fd, out, 1, 0, RWF_DONTCACHE));
	CALL("preadv 1025 vectors", preadv(fd, in, 1025, 0));
	CALL("preadv from a bad vector", preadv(fd, (struct iovec *)8, 1, 0));
	close(fd);
	fd = open("v", O_WRONLY | O_APPEND);
	CALL("preadv on a write-only fd", preadv(fd, in, 1, 0));
	CALL("pwritev at 0 with O_APPEND", pwritev(fd, out, 1, 0));
	CALL("pwritev2 NOAPPEND at 0 with O_APPEND", pwritev2(fd, out + 1, 1, 0, RWF_NOAPPEND));
	fstat(fd, &st);
	printf("  size %ld\n", (long)st.st_size);
	close(fd);
	fd = open("v", O_RDONLY);
	char all[64] = {0};
	CALL("read it all", read(fd, all, sizeof all - 1));
	for (int i = 0; i < 32; i++)
		if (!all[i])
			all[i] = '.';
	printf("  %s\n", all);
	close(fd);
	fd = open("d", O_RDONLY | O_DIRECTORY);
	CALL("preadv on a directory", preadv(fd, in, 1, 0));
	close(fd);
	int p[2];
	pipe(p);
	CALL("preadv on a pipe at 0", preadv(p[0], in, 1, 0));
	CALL("pwritev2 on a pipe at 0", pwritev2(p[1], out, 1, 0, 0));
	CALL("preadv2 NOWAIT, empty pipe", preadv2(p[0], in, 1, -1, RWF_NOWAIT));
	CALL("pwritev2 on a pipe at -1", pwritev2(p[1], out, 2, -1, 0));
	CALL("preadv2 on a pipe at -1", preadv2(p[0], in, 2, -1, 0));
	printf("  got %.3s %.4s\n", a, b);
	close(p[0]);
	close(p[1]);
	CALL("preadv on a closed fd", preadv(p[0], in, 1, 0));
}

static void tmpfile_cases(void)
{
	struct stat st;
	umask(022);
	int fd = open(".", O_TMPFILE | O_RDWR, 0666);
	CALL("O_TMPFILE", fd >= 0 ? 0 : -1);
	CALL("  write", write(fd, "unnamed", 7));
	fstat(fd, &st);
	printf("  mode %o nlink %ld size %ld\n", st.st_mode, (long)st.st_nlink, (long)st.st_size);
	CALL("  F_GETFL", fcntl(fd, F_GETFL));
	CALL("  link it", linkat(fd, "", AT_FDCWD, "t-named", AT_EMPTY_PATH));
	CALL("  link it again", linkat(fd, "", AT_FDCWD, "t-again", AT_EMPTY_PATH));
	fstat(fd, &st);
	printf("  nlink %ld\n", (long)st.st_nlink);
	show_node("t-named");
	close(fd);
	fd = open(".", O_TMPFILE | O_WRONLY | O_EXCL, 0600);
	CALL("O_TMPFILE|O_EXCL", fd >= 0 ? 0 : -1);
	CALL("  link it", linkat(fd, "", AT_FDCWD, "t-excl", AT_EMPTY_PATH));
	close(fd);
	fd = open(".", O_TMPFILE | O_RDWR, 0600);
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	CALL("  write", write(fd, "by proc", 7));
	int again = open(proc, O_RDONLY);
	char unnamed[256] = {0};
	CALL("  reopened by /proc/self/fd", again >= 0 ? 0 : -1);
	snprintf(unnamed, sizeof unnamed, "/proc/self/fd/%d", again);
	char name[256] = {0};
	readlink(unnamed, name, sizeof name - 1);
	size_t length = strlen(name);
	printf("  its name ends in \" (deleted)\": %d\n", length > 10 && !strcmp(name + length - 10, " (deleted)"));
	close(again);
	CALL("  link /proc/self/fd/N, following", linkat(AT_FDCWD, proc, AT_FDCWD, "t-proc", AT_SYMLINK_FOLLOW));
	show_node("t-proc");
	close(fd);
	CALL("O_TMPFILE read-only", open(".", O_TMPFILE | O_RDONLY, 0600));
	CALL("__O_TMPFILE without O_DIRECTORY", open(".", __O_TMPFILE | O_RDWR, 0600));
	CALL("O_TMPFILE of a file", open("v", O_TMPFILE | O_RDWR, 0600));
	CALL("O_TMPFILE of a missing dir", open("nowhere", O_TMPFILE | O_RDWR, 0600));
	CALL("O_TMPFILE in /proc", open("/proc", O_TMPFILE | O_RDWR, 0600));
	CALL("O_TMPFILE|O_CREAT", open(".", O_TMPFILE | O_CREAT | O_RDWR, 0600));
	fd = open(".", O_TMPFILE | O_PATH | O_RDWR, 0600);
	CALL("O_TMPFILE|O_PATH (a plain O_PATH open)", fd >= 0 ? 0 : -1);
	fstat(fd, &st);
	printf("  dir %d\n", S_ISDIR(st.st_mode));
	close(fd);
}

static void path_cases(void)
{
	char buf[64];
	struct stat st;
	struct statfs sf;
	int fd = open("p-file", O_CREAT | O_WRONLY, 0644);
	write(fd, "contents", 8);
	close(fd);
	symlink("p-file", "p-link");
	fd = open("p-file", O_PATH | O_RDWR | O_TRUNC | O_CREAT | O_APPEND | O_NONBLOCK, 0600);
	CALL("O_PATH with other flags", fd >= 0 ? 0 : -1);
	CALL("  F_GETFL", fcntl(fd, F_GETFL));
	CALL("  fstat", fstat(fd, &st));
	printf("  size %ld (not truncated)\n", (long)st.st_size);
	CALL("  fstatfs", fstatfs(fd, &sf));
	CALL("  read", read(fd, buf, 4));
	CALL("  write", write(fd, "x", 1));
	CALL("  pread", pread(fd, buf, 4, 0));
	CALL("  lseek", lseek(fd, 0, SEEK_SET));
	int avail;
	CALL("  ioctl FIONREAD", ioctl(fd, FIONREAD, &avail));
	CALL("  fchmod", fchmod(fd, 0600));
	CALL("  fchown", fchown(fd, 0, 0));
	CALL("  fsync", fsync(fd));
	CALL("  ftruncate", ftruncate(fd, 0));
	CALL("  mmap", mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0) == MAP_FAILED ? -1 : 0);
	CALL("  fsetxattr", fsetxattr(fd, "user.x", "1", 1, 0));
	CALL("  F_SETFL", fcntl(fd, F_SETFL, O_NONBLOCK));
	CALL("  F_SETFD", fcntl(fd, F_SETFD, FD_CLOEXEC));
	CALL("  F_GETFD", fcntl(fd, F_GETFD));
	int copy = dup(fd);
	CALL("  dup", copy >= 0 ? 0 : -1);
	close(copy);
	char proc[64];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
	int reopened = open(proc, O_RDONLY);
	CALL("  reopened by /proc/self/fd", reopened >= 0 ? 0 : -1);
	memset(buf, 0, sizeof buf);
	CALL("  read it", read(reopened, buf, sizeof buf - 1));
	printf("  %s\n", buf);
	char target[256] = {0}, here[256];
	snprintf(proc, sizeof proc, "/proc/self/fd/%d", reopened);
	readlink(proc, target, sizeof target - 1);
	getcwd(here, sizeof here);
	printf("  its name: %s\n", !strncmp(target, here, strlen(here)) ? target + strlen(here) : target);
	close(reopened);
	CALL("  readlinkat \"\" of a file", readlinkat(fd, "", buf, sizeof buf));
	struct pollfd pfd = {fd, POLLIN | POLLOUT, 0};
	CALL("  poll", poll(&pfd, 1, 0));
	printf("  revents %#x\n", pfd.revents);
	fd_set readable;
	FD_ZERO(&readable);
	FD_SET(fd, &readable);
	struct timeval none = {0, 0};
	CALL("  select", select(fd + 1, &readable, NULL, NULL, &none));
	printf("  readable %d\n", FD_ISSET(fd, &readable));
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN};
	CALL("  epoll_ctl add", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	close(ep);
	CALL("  fadvise", posix_fadvise(fd, 0, 0, POSIX_FADV_NORMAL) ? -1 : 0);
	off_t at = 0;
	CALL("  sendfile from it", sendfile(1, fd, &at, 1));
	CALL("  fstatat \"\" AT_EMPTY_PATH", fstatat(fd, "", &st, AT_EMPTY_PATH));
	CALL("  fgetxattr", fgetxattr(fd, "user.x", buf, sizeof buf));
	CALL("  F_DUPFD", (copy = fcntl(fd, F_DUPFD, 20)) >= 20 ? 0 : -1);
	close(copy);
	CALL("  fchdir to a file", fchdir(fd));
	CALL("  openat(fd, \"x\") of a file", openat(fd, "x", O_RDONLY));
	CALL("  fsync", fdatasync(fd));
	close(fd);

	fd = open("p-link", O_PATH | O_NOFOLLOW);
	CALL("O_PATH|O_NOFOLLOW of a symlink", fd >= 0 ? 0 : -1);
	fstat(fd, &st);
	printf("  link %d\n", S_ISLNK(st.st_mode));
	memset(buf, 0, sizeof buf);
	CALL("  readlinkat \"\"", readlinkat(fd, "", buf, sizeof buf));
	printf("  %s\n", buf);
	close(fd);
	CALL("O_NOFOLLOW of a symlink", open("p-link", O_RDONLY | O_NOFOLLOW));
	CALL("O_PATH|O_CREAT of a missing file", open("p-missing", O_PATH | O_CREAT, 0600));

	int dir = open("d", O_PATH | O_DIRECTORY);
	CALL("O_PATH directory", dir >= 0 ? 0 : -1);
	CALL("  openat through it", (fd = openat(dir, "regular", O_RDONLY)) >= 0 ? 0 : -1);
	close(fd);
	CALL("  fstatat through it", fstatat(dir, "sub", &st, 0));
	CALL("  fchdir", fchdir(dir));
	CALL("  stat regular from there", stat("regular", &st));
	CALL("  back", chdir(".."));
	close(dir);
	dir = open("p-file", O_PATH | O_DIRECTORY);
	CALL("O_PATH|O_DIRECTORY of a file", dir);
	fd = open("n-fifo", O_PATH);
	CALL("O_PATH of a FIFO (no wait)", fd >= 0 ? 0 : -1);
	close(fd);
	CALL("nonblocking writer of the FIFO (O_PATH is no reader)", open("n-fifo", O_WRONLY | O_NONBLOCK));
}

static void at_cases(void)
{
	char here[512], abs[600];
	struct stat st;
	getcwd(here, sizeof here);
	int file = open("v", O_RDONLY);
	snprintf(abs, sizeof abs, "%s/v", here);
	CALL("openat, absolute, file dirfd", openat(file, abs, O_RDONLY) >= 0 ? 0 : -1);
	CALL("openat, absolute, bad dirfd", openat(999, abs, O_RDONLY) >= 0 ? 0 : -1);
	CALL("openat, relative, file dirfd", openat(file, "v", O_RDONLY));
	CALL("fstatat, absolute, file dirfd", fstatat(file, abs, &st, 0));
	CALL("faccessat, absolute, file dirfd", faccessat(file, abs, R_OK, 0));
	snprintf(abs, sizeof abs, "%s/at-dir", here);
	CALL("mkdirat, absolute, file dirfd", mkdirat(file, abs, 0755));
	CALL("unlinkat, absolute, file dirfd", unlinkat(file, abs, AT_REMOVEDIR));
	CALL("mkdirat, relative, file dirfd", mkdirat(file, "at-dir", 0755));
	char old[600];
	snprintf(old, sizeof old, "%s/v", here);
	snprintf(abs, sizeof abs, "%s/v2", here);
	CALL("linkat, absolute, file dirfds", linkat(file, old, file, abs, 0));
	CALL("renameat, absolute, file dirfds", renameat(file, abs, file, abs));
	CALL("readlinkat, absolute, file dirfd", readlinkat(file, old, here, 1));
	close(file);
}

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "foreign")) {
		CALL("mknod 42:42", mknod("foreign", S_IFCHR | 0600, makedev(42, 42)));
		CALL("open it", open("foreign", O_RDONLY));
		CALL("mknod block 7:0", mknod("foreign-block", S_IFBLK | 0600, makedev(7, 0)));
		CALL("open it", open("foreign-block", O_RDONLY));
		CALL("then", access("foreign", F_OK));
		return 0;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	getdents_cases();
	mknod_cases();
	close_range_cases();
	vector_cases();
	tmpfile_cases();
	path_cases();
	at_cases();
	puts("done");
	return 0;
}
