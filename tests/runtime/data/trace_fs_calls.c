/* The calls of issue 15 that Debian's programs make at start-up, for --trace against strace's lines:
 * statx, creat, fadvise64 and the extended-attribute calls, each with a success and an error. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

static char *volatile bad = (char *)8;

struct xattr_args_v0 {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

int main(void)
{
	struct statx sx;
	char buf[64];

	mkdir("trace-run", 0700);
	chdir("trace-run");
	int fd = creat("f", 0640);
	write(fd, "hello\n", 6);
	symlink("f", "l");
	statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS | STATX_BTIME, &sx);
	statx(AT_FDCWD, "f", AT_NO_AUTOMOUNT, 0, &sx);
	statx(AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MODE | STATX_SIZE, &sx);
	statx(fd, "", AT_EMPTY_PATH, STATX_ALL | STATX_MNT_ID, &sx);
	statx(AT_FDCWD, "/dev/null", AT_STATX_DONT_SYNC, STATX_TYPE, &sx);
	statx(AT_FDCWD, "/proc", 0, STATX_ALL, &sx);
	statx(AT_FDCWD, "f", AT_STATX_SYNC_TYPE, STATX_ALL, &sx);
	statx(AT_FDCWD, "f", 0x10000, 0x80000000U, &sx);
	statx(AT_FDCWD, "missing", AT_STATX_FORCE_SYNC | AT_SYMLINK_NOFOLLOW, STATX_INO, &sx);
	creat("d/x", 0600);
	syscall(SYS_fadvise64, fd, 0L, 4096L, (long)POSIX_FADV_DONTNEED);
	syscall(SYS_fadvise64, fd, -5L, -1L, 77L);
	syscall(SYS_fadvise64, fd, 0L, 0L, (long)POSIX_FADV_SEQUENTIAL);
	setxattr("f", "user.mime_type", "text/plain", 10, XATTR_CREATE);
	setxattr("f", "user.mime_type", "x", 1, XATTR_CREATE);
	lsetxattr("l", "trusted.md5", "0123456789abcdef0123456789abcdef0123", 36, 0);
	fsetxattr(fd, "security.label", "with NUL\0", 9, XATTR_REPLACE);
	fsetxattr(fd, "security.label", "nul\0", 4, 0);
	setxattr("f", "user.x", "v", 1, 8);
	getxattr("f", "user.mime_type", buf, sizeof buf);
	getxattr("f", "user.mime_type", NULL, 0);
	getxattr("f", "user.mime_type", buf, 2);
	lgetxattr("l", "trusted.md5", buf, sizeof buf);
	fgetxattr(fd, "security.label", buf, sizeof buf);
	fgetxattr(fd, "user.none", buf, sizeof buf);
	listxattr("f", NULL, 0);
	llistxattr("l", buf, sizeof buf);
	flistxattr(fd, buf, 4);
	removexattr("f", "user.mime_type");
	lremovexattr("l", "user.none");
	fremovexattr(fd, "security.label");
	listxattr("f", buf, sizeof buf);
	getxattr("f", bad, buf, 1);
	struct xattr_args_v0 args = {(uintptr_t)"at!", 3, 0};
	syscall(463, AT_FDCWD, "f", 0, "user.at", &args, sizeof args);
	args.value = (uintptr_t)buf;
	args.size = sizeof buf;
	syscall(464, fd, "", AT_EMPTY_PATH, "user.at", &args, sizeof args);
	syscall(464, AT_FDCWD, "f", AT_SYMLINK_NOFOLLOW, "user.none", &args, sizeof args);
	syscall(465, AT_FDCWD, "f", 0, buf, sizeof buf);
	syscall(466, AT_FDCWD, "f", 0x10000, "user.at");
	syscall(466, AT_FDCWD, "f", 0, "user.at");
	puts("done");
	return 0;
}
