/* chattr's flags (FS_IOC_GETFLAGS/SETFLAGS, FS_IOC_FSGETXATTR, file_getattr/file_setattr) and what immutable and
 * append-only forbid: writing opens, truncate, unlink, rename, link, chmod, chown, utimes, xattrs, fallocate,
 * F_SETFL without O_APPEND; statx's attributes. Run as root in an empty directory of a tmpfs; the output is
 * compared with a native run's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

struct file_attr_v0 {
	unsigned long long fa_xflags;
	unsigned int fa_extsize, fa_nextents, fa_projid, fa_cowextsize;
};

static void say(const char *what, long ret)
{
	printf("%-34s %ld %s\n", what, ret, ret < 0 ? strerrorname_np(errno) : "");
}

static int getflags(int fd)
{
	int flags = -1;
	ioctl(fd, FS_IOC_GETFLAGS, &flags);
	return flags;
}

static long setflags(int fd, int flags)
{
	return ioctl(fd, FS_IOC_SETFLAGS, &flags);
}

static void attributes(const char *path)
{
	struct statx sx;
	statx(AT_FDCWD, path, 0, STATX_BASIC_STATS, &sx);
	printf("statx %s: immutable %d append %d nodump %d (mask %d)\n", path,
	       !!(sx.stx_attributes & STATX_ATTR_IMMUTABLE), !!(sx.stx_attributes & STATX_ATTR_APPEND),
	       !!(sx.stx_attributes & STATX_ATTR_NODUMP), !!(sx.stx_attributes_mask & STATX_ATTR_IMMUTABLE));
}

int main(void)
{
	int fd = open("imm", O_CREAT | O_RDWR, 0644);
	write(fd, "data", 4);
	printf("flags at first: %#x\n", getflags(fd));
	say("SETFLAGS nodump|noatime", setflags(fd, FS_NODUMP_FL | FS_NOATIME_FL));
	printf("flags: %#x\n", getflags(fd));
	say("SETFLAGS sync (not tmpfs's)", setflags(fd, FS_SYNC_FL));
	say("SETFLAGS immutable", setflags(fd, FS_IMMUTABLE_FL));
	printf("flags: %#x\n", getflags(fd));
	struct fsxattr fsx;
	say("FS_IOC_FSGETXATTR", ioctl(fd, FS_IOC_FSGETXATTR, &fsx));
	printf("xflags: %#x\n", fsx.fsx_xflags);
	attributes("imm");
	say("open O_WRONLY", open("imm", O_WRONLY));
	say("open O_RDONLY", open("imm", O_RDONLY) >= 0 ? 0 : -1);
	say("truncate", truncate("imm", 0));
	say("unlink", unlink("imm"));
	say("rename", rename("imm", "other"));
	say("link", link("imm", "other"));
	say("chmod", chmod("imm", 0600));
	say("chown -1 -1", chown("imm", -1, -1));
	say("chown", chown("imm", 1, 1));
	say("utimes now", utimensat(AT_FDCWD, "imm", NULL, 0));
	say("setxattr", setxattr("imm", "user.k", "v", 1, 0));
	say("fallocate", fallocate(fd, 0, 0, 4096));
	say("access W_OK", access("imm", W_OK));
	struct file_attr_v0 fa = {0};
	say("file_getattr", syscall(468, AT_FDCWD, "imm", &fa, sizeof(fa), 0));
	printf("fa_xflags: %#llx\n", fa.fa_xflags);
	fa.fa_xflags = 0;
	say("file_setattr clears", syscall(469, AT_FDCWD, "imm", &fa, sizeof(fa), 0));
	printf("flags: %#x\n", getflags(fd));
	say("unlink now", unlink("imm"));

	fd = open("app", O_CREAT | O_RDWR, 0644);
	say("SETFLAGS append", setflags(fd, FS_APPEND_FL));
	attributes("app");
	say("open O_WRONLY", open("app", O_WRONLY));
	int afd = open("app", O_WRONLY | O_APPEND);
	say("open O_WRONLY|O_APPEND", afd >= 0 ? 0 : -1);
	say("open O_APPEND|O_TRUNC", open("app", O_WRONLY | O_APPEND | O_TRUNC));
	say("write appends", write(afd, "xy", 2));
	say("F_SETFL without O_APPEND", fcntl(afd, F_SETFL, 0));
	say("ftruncate", ftruncate(fd, 0));
	say("fallocate keep-size", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 4096));
	say("fallocate punch", fallocate(fd, FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE, 0, 4096));
	say("unlink", unlink("app"));
	say("setxattr", setxattr("app", "user.k", "v", 1, 0));
	say("SETFLAGS 0", setflags(fd, 0));
	say("unlink now", unlink("app"));

	mkdir("adir", 0755);
	close(open("adir/f", O_CREAT | O_WRONLY, 0644));
	int dfd = open("adir", O_RDONLY);
	say("SETFLAGS append on a directory", setflags(dfd, FS_APPEND_FL));
	say("create in it", open("adir/g", O_CREAT | O_WRONLY, 0644) >= 0 ? 0 : -1);
	say("unlink in it", unlink("adir/f"));
	say("SETFLAGS immutable on it", setflags(dfd, FS_IMMUTABLE_FL));
	say("create in it", open("adir/h", O_CREAT | O_WRONLY, 0644));
	say("SETFLAGS 0", setflags(dfd, 0));

	int pipes[2];
	pipe(pipes);
	int flags;
	say("GETFLAGS on a pipe", ioctl(pipes[0], FS_IOC_GETFLAGS, &flags));
	say("file_getattr on a pipe fd", syscall(468, pipes[0], "", &fa, sizeof(fa), AT_EMPTY_PATH));
	say("file_getattr relative to a file", syscall(468, pipes[0], "x", &fa, sizeof(fa), 0));
	say("file_getattr small", syscall(468, AT_FDCWD, "adir", &fa, 8, 0));
	say("file_getattr bad flags", syscall(468, AT_FDCWD, "adir", &fa, sizeof(fa), 1));
	return 0;
}
