/* statx, creat, fadvise64 and the extended-attribute calls, with their errors.
 *
 * Runs in an empty directory of a tmpfs natively (tests/runtime/test_runtime_statx_xattr.py
 * makes one in /dev/shm) and in the machine's own directory, and prints only what
 * tmpfs and the machine must agree on: masks, modes, sizes, link counts, which
 * fields equal which, errno names; never inode numbers, times or device numbers.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x4000U
#endif

/* An address no program maps: a volatile, so the compiler does not refuse to pass it. */
static char *volatile bad = (char *)8;

struct xattr_args_v0 {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

static void result(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

#define CALL(what, expr) do { errno = 0; result(what, (long)(expr)); } while (0)

static const char *yes(int cond)
{
	return cond ? "yes" : "no";
}

static void pause_a_little(void)
{
	struct timespec ts = {0, 20 * 1000 * 1000};
	nanosleep(&ts, NULL);
}

static int same_time(struct statx_timestamp a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == (uint32_t)b.tv_nsec;
}

static void statx_checks(void)
{
	struct statx sx;
	struct stat st;
	int fd = creat("f", 0640);
	char data[5000];

	memset(data, 'x', sizeof data);
	CALL("write 5000", write(fd, data, sizeof data));
	close(fd);
	symlink("f", "l");
	mkdir("d", 0750);

	CALL("statx f basic+btime", statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS | STATX_BTIME, &sx));
	stat("f", &st);
	printf("  mask %#x attributes %#llx attributes_mask %#llx\n", sx.stx_mask,
	       (unsigned long long)sx.stx_attributes, (unsigned long long)sx.stx_attributes_mask);
	printf("  blksize %u nlink %u uid %u gid %u mode %o size %llu blocks %llu\n", sx.stx_blksize, sx.stx_nlink,
	       sx.stx_uid, sx.stx_gid, sx.stx_mode, (unsigned long long)sx.stx_size,
	       (unsigned long long)sx.stx_blocks);
	printf("  as stat: ino %s dev %s blksize %s blocks %s atime %s mtime %s ctime %s\n",
	       yes(sx.stx_ino == st.st_ino),
	       yes(makedev(sx.stx_dev_major, sx.stx_dev_minor) == st.st_dev),
	       yes(sx.stx_blksize == (uint32_t)st.st_blksize), yes(sx.stx_blocks == (uint64_t)st.st_blocks),
	       yes(same_time(sx.stx_atime, st.st_atim)), yes(same_time(sx.stx_mtime, st.st_mtim)),
	       yes(same_time(sx.stx_ctime, st.st_ctim)));
	printf("  btime set %s, not after ctime %s\n", yes(sx.stx_btime.tv_sec != 0),
	       yes(sx.stx_btime.tv_sec < sx.stx_ctime.tv_sec
		   || (sx.stx_btime.tv_sec == sx.stx_ctime.tv_sec && sx.stx_btime.tv_nsec <= sx.stx_ctime.tv_nsec)));
	struct statx_timestamp born = sx.stx_btime;

	memset(&sx, 0xff, sizeof sx);
	CALL("statx f mask 0", statx(AT_FDCWD, "f", 0, 0, &sx));
	printf("  mask %#x mtime %lld ctime %lld btime %lld\n", sx.stx_mask, (long long)sx.stx_mtime.tv_sec,
	       (long long)sx.stx_ctime.tv_sec, (long long)sx.stx_btime.tv_sec);

	CALL("statx f mtime only", statx(AT_FDCWD, "f", 0, STATX_MTIME, &sx));
	printf("  mask %#x\n", sx.stx_mask);

	pause_a_little();
	fd = open("f", O_WRONLY | O_APPEND);
	CALL("append", write(fd, "y", 1));
	close(fd);
	CALL("statx f after a write", statx(AT_FDCWD, "f", 0, STATX_ALL, &sx));
	printf("  size %llu, btime kept %s, mtime after btime %s\n", (unsigned long long)sx.stx_size,
	       yes(sx.stx_btime.tv_sec == born.tv_sec && sx.stx_btime.tv_nsec == born.tv_nsec),
	       yes(sx.stx_mtime.tv_sec > born.tv_sec
		   || (sx.stx_mtime.tv_sec == born.tv_sec && sx.stx_mtime.tv_nsec > born.tv_nsec)));
	uint64_t mnt_f = sx.stx_mnt_id;

	CALL("statx l nofollow", statx(AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_ALL, &sx));
	printf("  mask %#x mode %o size %llu\n", sx.stx_mask, sx.stx_mode, (unsigned long long)sx.stx_size);
	CALL("statx l follows", statx(AT_FDCWD, "l", 0, STATX_TYPE | STATX_SIZE, &sx));
	printf("  mode %o size %llu\n", sx.stx_mode, (unsigned long long)sx.stx_size);
	CALL("statx d", statx(AT_FDCWD, "d", AT_STATX_FORCE_SYNC, STATX_ALL, &sx));
	printf("  mask %#x mode %o nlink %u same mount %s\n", sx.stx_mask, sx.stx_mode, sx.stx_nlink,
	       yes(sx.stx_mnt_id == mnt_f));
	CALL("statx d unique mount id", statx(AT_FDCWD, "d", AT_STATX_DONT_SYNC, STATX_ALL | STATX_MNT_ID_UNIQUE, &sx));
	printf("  mask %#x unique id past 2^31 %s\n", sx.stx_mask, yes(sx.stx_mnt_id >= (1ULL << 31)));
	CALL("statx /dev/null", statx(AT_FDCWD, "/dev/null", 0, STATX_BASIC_STATS, &sx));
	printf("  mode %o rdev %u:%u size %llu\n", sx.stx_mode, sx.stx_rdev_major, sx.stx_rdev_minor,
	       (unsigned long long)sx.stx_size);
	CALL("statx /dev/null, type only", statx(AT_FDCWD, "/dev/null", 0, STATX_TYPE, &sx));
	printf("  mask %#x\n", sx.stx_mask);
	CALL("statx /proc", statx(AT_FDCWD, "/proc", 0, STATX_ALL, &sx));
	printf("  mask %#x attributes %#llx attributes_mask %#llx other mount %s\n", sx.stx_mask,
	       (unsigned long long)sx.stx_attributes, (unsigned long long)sx.stx_attributes_mask,
	       yes(sx.stx_mnt_id != mnt_f));

	fd = open("f", O_RDONLY);
	CALL("statx fd empty path", statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &sx));
	printf("  size %llu\n", (unsigned long long)sx.stx_size);
	CALL("statx fd NULL path", syscall(SYS_statx, fd, NULL, AT_EMPTY_PATH, STATX_SIZE, &sx));
	CALL("statx fd empty path, odd flag", statx(fd, "", AT_EMPTY_PATH | 0x10000, STATX_SIZE, &sx));
	int opath = open("d", O_PATH);
	CALL("statx O_PATH fd", statx(opath, "", AT_EMPTY_PATH, STATX_TYPE, &sx));
	printf("  mode %o\n", sx.stx_mode);
	CALL("statx cwd empty path", statx(AT_FDCWD, "", AT_EMPTY_PATH, STATX_TYPE, &sx));
	printf("  mode %o\n", sx.stx_mode);
	CALL("statx dirfd relative", statx(open("d", O_RDONLY | O_DIRECTORY), "../f", 0, STATX_SIZE, &sx));
	printf("  size %llu\n", (unsigned long long)sx.stx_size);

	CALL("statx both sync types", statx(AT_FDCWD, "f", AT_STATX_SYNC_TYPE, STATX_ALL, &sx));
	CALL("statx reserved mask", statx(AT_FDCWD, "f", 0, 0x80000000U, &sx));
	CALL("statx odd flag", statx(AT_FDCWD, "f", 0x10000, STATX_ALL, &sx));
	CALL("statx AT_REMOVEDIR", statx(AT_FDCWD, "f", AT_REMOVEDIR, STATX_ALL, &sx));
	CALL("statx missing", statx(AT_FDCWD, "missing", 0, STATX_ALL, &sx));
	CALL("statx file as directory", statx(AT_FDCWD, "f/", 0, STATX_ALL, &sx));
	CALL("statx empty path", statx(AT_FDCWD, "", 0, STATX_ALL, &sx));
	CALL("statx empty path, bad flag first", statx(AT_FDCWD, "", 0x10000, STATX_ALL, &sx));
	CALL("statx bad fd", statx(99, "", AT_EMPTY_PATH, STATX_ALL, &sx));
	CALL("statx bad dirfd", statx(99, "f", 0, STATX_ALL, &sx));
	CALL("statx dirfd not a directory", statx(fd, "f", 0, STATX_ALL, &sx));
	CALL("statx bad buffer", syscall(SYS_statx, AT_FDCWD, "f", 0, STATX_ALL, bad));
	CALL("statx bad buffer, missing file", syscall(SYS_statx, AT_FDCWD, "missing", 0, STATX_ALL, bad));
	CALL("statx bad path", syscall(SYS_statx, AT_FDCWD, bad, 0, 0x80000000U, &sx));
	close(fd);
	close(opath);
}

static void creat_checks(void)
{
	char buf[8];
	struct stat st;
	mode_t old = umask(022);

	int fd = creat("c", 0666);
	result("creat", fd >= 0 ? 0 : -1);
	stat("c", &st);
	printf("  mode %o accmode %d\n", st.st_mode, fcntl(fd, F_GETFL) & O_ACCMODE);
	CALL("write to it", write(fd, "hello", 5));
	CALL("read from it", read(fd, buf, sizeof buf));
	close(fd);
	fd = creat("c", 0600);
	stat("c", &st);
	printf("creat again: truncated to %lld, mode kept %o\n", (long long)st.st_size, st.st_mode);
	close(fd);
	CALL("creat a directory", creat("d", 0644));
	CALL("creat in a missing directory", creat("nowhere/c", 0644));
	CALL("creat through a file", creat("c/x", 0644));
	CALL("creat bad path", syscall(SYS_creat, bad, 0644));
	umask(old);
}

static void fadvise_checks(void)
{
	int fd = open("f", O_RDONLY);
	int pipes[2];

	pipe(pipes);
	int opath = open("f", O_PATH);
	int dir = open("d", O_RDONLY | O_DIRECTORY);
	int null = open("/dev/null", O_WRONLY);
	printf("posix_fadvise returns %d\n", posix_fadvise(fd, 0, 0, 99));
	for (long advice = 0; advice <= 6; advice++) {
		char what[32];
		snprintf(what, sizeof what, "fadvise advice %ld", advice);
		CALL(what, syscall(SYS_fadvise64, fd, 0L, 0L, advice));
	}
	CALL("fadvise advice -1", syscall(SYS_fadvise64, fd, 0L, 0L, -1L));
	CALL("fadvise advice in the high half", syscall(SYS_fadvise64, fd, 0L, 0L, 0x100000004L));
	CALL("fadvise negative length", syscall(SYS_fadvise64, fd, 0L, -1L, 0L));
	CALL("fadvise negative offset", syscall(SYS_fadvise64, fd, -5L, 10L, 3L));
	CALL("fadvise past the end", syscall(SYS_fadvise64, fd, 1L << 40, 1L << 40, 4L));
	CALL("fadvise pipe", syscall(SYS_fadvise64, pipes[0], 0L, 0L, 0L));
	CALL("fadvise pipe, bad advice", syscall(SYS_fadvise64, pipes[1], 0L, 0L, 99L));
	CALL("fadvise pipe, negative length", syscall(SYS_fadvise64, pipes[0], 0L, -1L, 0L));
	CALL("fadvise bad fd", syscall(SYS_fadvise64, 99L, 0L, 0L, 0L));
	CALL("fadvise O_PATH", syscall(SYS_fadvise64, opath, 0L, 0L, 0L));
	CALL("fadvise directory", syscall(SYS_fadvise64, dir, 0L, 0L, 4L));
	CALL("fadvise /dev/null", syscall(SYS_fadvise64, null, 0L, 0L, 1L));
	CALL("fadvise /dev/null bad advice", syscall(SYS_fadvise64, null, 0L, 0L, 7L));
	close(fd);
	close(pipes[0]);
	close(pipes[1]);
	close(opath);
	close(dir);
	close(null);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names a list holds, sorted: tmpfs keeps them in a hash table, in no order to rely on. */
static void print_list(const char *what, char *list, ssize_t len)
{
	char *names[64];
	int count = 0;

	for (char *p = list; p < list + len && count < 64; p += strlen(p) + 1)
		names[count++] = p;
	qsort(names, count, sizeof names[0], by_name);
	printf("%s:", what);
	for (int i = 0; i < count; i++)
		printf(" %s", names[i]);
	printf("\n");
}

static void xattr_checks(void)
{
	static char big[70000];
	char buf[300];
	char list[1024];
	struct stat before, after;
	int pipes[2];

	memset(big, 'v', sizeof big);
	CALL("user on a file", setxattr("f", "user.a", "1", 1, 0));
	CALL("user on a directory", setxattr("d", "user.d", "dir", 3, 0));
	CALL("user on a symlink", lsetxattr("l", "user.x", "1", 1, 0));
	CALL("user through a symlink", setxattr("l", "user.b", "22", 2, 0));
	CALL("user on /dev/null", setxattr("/dev/null", "user.x", "1", 1, 0));
	CALL("get user on /dev/null", getxattr("/dev/null", "user.x", buf, 10));
	CALL("get user on a symlink", lgetxattr("l", "user.x", buf, 10));
	CALL("trusted on a symlink", lsetxattr("l", "trusted.t", "link", 4, 0));
	CALL("get trusted on a symlink", lgetxattr("l", "trusted.t", buf, sizeof buf));
	CALL("list a symlink", llistxattr("l", list, sizeof list));
	CALL("trusted", setxattr("f", "trusted.t", "T", 1, 0));
	CALL("security", setxattr("f", "security.s", "S\0", 2, 0));
	CALL("unknown namespace", setxattr("f", "foo.x", "1", 1, 0));
	CALL("system namespace", setxattr("f", "system.x", "1", 1, 0));
	CALL("get unknown namespace", getxattr("f", "foo.x", buf, 1));
	CALL("remove unknown namespace", removexattr("f", "foo.x"));
	CALL("bare prefix", setxattr("f", "user.", "1", 1, 0));
	CALL("get bare prefix", getxattr("f", "trusted.", buf, 1));
	CALL("empty name", setxattr("f", "", "1", 1, 0));
	CALL("get empty name", getxattr("f", "", buf, 1));
	CALL("bad capability", setxattr("f", "security.capability", "xyz", 3, 0));

	CALL("get", getxattr("f", "user.b", buf, sizeof buf));
	printf("  value %.2s\n", buf);
	CALL("get size only", getxattr("f", "security.s", NULL, 0));
	CALL("get short buffer", getxattr("f", "security.s", buf, 1));
	CALL("get missing", getxattr("f", "user.zz", buf, sizeof buf));
	CALL("get from a missing file", getxattr("missing", "user.a", buf, sizeof buf));
	CALL("get through a file", getxattr("f/x", "user.a", buf, sizeof buf));

	CALL("create", setxattr("f", "user.c", "c", 1, XATTR_CREATE));
	CALL("create again", setxattr("f", "user.c", "c", 1, XATTR_CREATE));
	CALL("replace", setxattr("f", "user.c", "cc", 2, XATTR_REPLACE));
	CALL("replace missing", setxattr("f", "user.r", "r", 1, XATTR_REPLACE));
	CALL("create and replace, missing", setxattr("f", "user.r", "r", 1, XATTR_CREATE | XATTR_REPLACE));
	CALL("create and replace, there", setxattr("f", "user.c", "r", 1, XATTR_CREATE | XATTR_REPLACE));
	CALL("unknown flag", setxattr("f", "user.c", "r", 1, 4));
	CALL("get replaced", getxattr("f", "user.c", buf, sizeof buf));

	CALL("empty value", setxattr("f", "user.e", "", 0, 0));
	CALL("get empty value", getxattr("f", "user.e", buf, sizeof buf));
	CALL("largest value", setxattr("f", "user.big", big, 65536, 0));
	CALL("too large a value", setxattr("f", "user.big2", big, 65537, 0));
	CALL("get largest with a larger buffer", getxattr("f", "user.big", big, sizeof big));
	CALL("get largest, 65535", getxattr("f", "user.big", big, 65535));
	CALL("remove largest", removexattr("f", "user.big"));

	memset(buf, 'n', sizeof buf);
	memcpy(buf, "user.", 5);
	buf[255] = 0;
	CALL("255-byte name", setxattr("f", buf, "1", 1, 0));
	CALL("get 255-byte name", getxattr("f", buf, NULL, 0));
	CALL("remove 255-byte name", removexattr("f", buf));
	buf[255] = 'n';
	buf[256] = 0;
	CALL("256-byte name", setxattr("f", buf, "1", 1, 0));
	CALL("get 256-byte name", getxattr("f", buf, NULL, 0));
	CALL("remove 256-byte name", removexattr("f", buf));

	CALL("bad name pointer", setxattr("f", bad, "1", 1, 0));
	CALL("bad value pointer", setxattr("f", "user.q", bad, 1, 0));
	CALL("bad value pointer, size 0", setxattr("f", "user.q0", bad, 0, 0));
	CALL("bad value pointer, bad flags first", setxattr("f", "user.q", bad, 1, 8));
	CALL("bad path pointer, bad name first", setxattr(bad, "", "1", 1, 0));
	CALL("get into a bad buffer", getxattr("f", "user.a", bad, 10));
	CALL("get missing into a bad buffer", getxattr("f", "user.zz", bad, 10));
	CALL("remove missing", removexattr("f", "user.zz"));

	CALL("list size", listxattr("f", NULL, 0));
	ssize_t len = listxattr("f", list, sizeof list);
	print_list("list", list, len);
	CALL("list short buffer", listxattr("f", list, 5));
	CALL("list into a bad buffer", listxattr("d", bad, 100));
	len = listxattr("d", list, sizeof list);
	print_list("list d", list, len);
	CALL("list a file without any", listxattr("d/..", list, 0));

	int fd = open("f", O_RDONLY);
	CALL("fset on a read-only fd", fsetxattr(fd, "user.fd", "fd", 2, 0));
	CALL("fget", fgetxattr(fd, "user.fd", buf, sizeof buf));
	CALL("flist size", flistxattr(fd, NULL, 0));
	CALL("fremove", fremovexattr(fd, "user.fd"));
	CALL("fremove again", fremovexattr(fd, "user.fd"));
	CALL("fset bad fd", fsetxattr(99, "user.a", "1", 1, 0));
	CALL("fget bad fd", fgetxattr(-5, "user.a", buf, 1));
	int opath = open("f", O_PATH);
	CALL("fset O_PATH", fsetxattr(opath, "user.a", "1", 1, 0));
	CALL("fget O_PATH", fgetxattr(opath, "user.a", buf, 1));
	CALL("flist O_PATH", flistxattr(opath, list, sizeof list));
	pipe(pipes);
	CALL("fset user on a pipe", fsetxattr(pipes[0], "user.a", "1", 1, 0));
	CALL("fget user on a pipe", fgetxattr(pipes[0], "user.a", buf, 1));
	CALL("fset trusted on a pipe", fsetxattr(pipes[0], "trusted.a", "1", 1, 0));
	CALL("fget trusted on a pipe", fgetxattr(pipes[0], "trusted.a", buf, 1));
	CALL("flist a pipe", flistxattr(pipes[0], list, sizeof list));
	CALL("get user on /proc", getxattr("/proc/self/status", "user.a", buf, 1));
	CALL("set trusted on /proc", setxattr("/proc/self/status", "trusted.a", "1", 1, 0));
	CALL("list /proc", listxattr("/proc/self/status", list, sizeof list));

	stat("f", &before);
	pause_a_little();
	CALL("set moves ctime", setxattr("f", "user.t", "t", 1, 0));
	stat("f", &after);
	printf("  ctime moved %s, mtime kept %s\n",
	       yes(after.st_ctim.tv_sec != before.st_ctim.tv_sec || after.st_ctim.tv_nsec != before.st_ctim.tv_nsec),
	       yes(after.st_mtim.tv_sec == before.st_mtim.tv_sec && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec));

	chmod("d", 01777);
	CALL("user on a sticky directory (root)", setxattr("d", "user.sticky", "1", 1, 0));

	struct xattr_args_v0 args = {(uintptr_t)"at!", 3, 0};
	CALL("setxattrat", syscall(463, AT_FDCWD, "f", 0, "user.at", &args, sizeof args));
	args.value = (uintptr_t)buf;
	args.size = sizeof buf;
	memset(buf, 0, sizeof buf);
	CALL("getxattrat", syscall(464, AT_FDCWD, "f", 0, "user.at", &args, sizeof args));
	printf("  value %s\n", buf);
	CALL("getxattrat fd", syscall(464, fd, "", AT_EMPTY_PATH, "user.at", &args, sizeof args));
	CALL("getxattrat fd NULL path", syscall(464, fd, NULL, AT_EMPTY_PATH, "user.at", &args, sizeof args));
	CALL("getxattrat symlink nofollow", syscall(464, AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, "trusted.t", &args,
						   sizeof args));
	CALL("getxattrat dirfd", syscall(464, open("d", O_RDONLY), "../f", 0, "user.at", &args, sizeof args));
	args.flags = XATTR_CREATE;
	CALL("getxattrat with flags", syscall(464, AT_FDCWD, "f", 0, "user.at", &args, sizeof args));
	args.value = (uintptr_t)"x";
	args.size = 1;
	CALL("setxattrat XATTR_CREATE", syscall(463, AT_FDCWD, "f", 0, "user.at", &args, sizeof args));
	CALL("setxattrat bad at flags", syscall(463, AT_FDCWD, "f", 0x10000, "user.at", &args, sizeof args));
	CALL("setxattrat short args", syscall(463, AT_FDCWD, "f", 0, "user.at", &args, 8));
	CALL("setxattrat args past a page", syscall(463, AT_FDCWD, "f", 0, "user.at", &args, 4097));
	unsigned char longer[24] = {0};
	memcpy(longer, &args, sizeof args);
	CALL("setxattrat longer args, zero tail", syscall(463, AT_FDCWD, "f", 0, "user.at2", longer, sizeof longer));
	longer[20] = 1;
	CALL("setxattrat longer args, nonzero tail", syscall(463, AT_FDCWD, "f", 0, "user.at3", longer,
							    sizeof longer));
	CALL("setxattrat bad args", syscall(463, AT_FDCWD, "f", 0, "user.at", bad, sizeof args));
	CALL("listxattrat", syscall(465, AT_FDCWD, "f", 0, NULL, 0));
	CALL("listxattrat fd", syscall(465, fd, "", AT_EMPTY_PATH, list, sizeof list));
	CALL("listxattrat bad at flags", syscall(465, AT_FDCWD, "f", 1, list, sizeof list));
	CALL("removexattrat", syscall(466, AT_FDCWD, "f", 0, "user.at"));
	CALL("removexattrat again", syscall(466, AT_FDCWD, "f", 0, "user.at"));
	CALL("removexattrat empty path without the flag", syscall(466, fd, "", 0, "user.at2"));
	CALL("removexattrat fd", syscall(466, fd, "", AT_EMPTY_PATH, "user.at2"));
	len = listxattr("f", list, sizeof list);
	print_list("list at the end", list, len);
	close(fd);
	close(opath);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A directory of its own, 0700 on both sides whatever the directory it starts in. */
	if (mkdir("run", 0700) != 0 || chdir("run") != 0) {
		perror("run");
		return 1;
	}
	statx_checks();
	creat_checks();
	fadvise_checks();
	xattr_checks();
	printf("done\n");
	return 0;
}
