/* An extended attribute set on a host file of the root when the machine's filesystem has no inode left to
 * keep that file in memory: ENOSPC, and the attribute is not there (the file is still open, so the machine
 * still has its inode). Fills the inodes first with files in the directory argv[2]. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

int main(int argc, char **argv) {
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		printf("open: %s\n", strerrorname_np(errno));
		return 1;
	}
	char name[4096];
	for (int i = 0;; i++) {
		snprintf(name, sizeof name, "%s/fill%d", argv[2], i);
		int made = open(name, O_CREAT | O_WRONLY, 0644);
		if (made < 0) {
			printf("filled: %s\n", strerrorname_np(errno));
			break;
		}
		close(made);
	}
	int set = fsetxattr(fd, "user.a", "1", 1, 0);
	printf("set: %s\n", set == 0 ? "0" : strerrorname_np(errno));
	char value[16];
	ssize_t got = fgetxattr(fd, "user.a", value, sizeof value);
	printf("get: %s\n", got >= 0 ? "there" : strerrorname_np(errno));
	return 0;
}
