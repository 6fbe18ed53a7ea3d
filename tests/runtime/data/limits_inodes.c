/* Filling the in-memory filesystem's inodes (tmpfs's nr_inodes): new files, directories, symlinks and
 * hard links are ENOSPC, statfs says none is free, and removing a file makes room for one. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

static const char *result(int value)
{
	return value < 0 ? strerror(errno) : "0";
}

int main(void)
{
	char name[32];
	int made = 0;
	struct statfs fs;

	setvbuf(stdout, NULL, _IONBF, 0);
	for (;; made++) {
		snprintf(name, sizeof name, "/f%d", made);
		int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);

		if (fd < 0)
			break;
		close(fd);
	}
	printf("open(O_CREAT) after %s files: %s\n", made > 0 ? "some" : "no", strerror(errno));
	statfs("/", &fs);
	printf("free inodes: %llu\n", (unsigned long long)fs.f_ffree);
	printf("mkdir: %s\n", result(mkdir("/d", 0755)));
	printf("symlink: %s\n", result(symlink("/f0", "/s")));
	printf("link: %s\n", result(link("/f0", "/l")));
	printf("unlink: %s\n", result(unlink("/f1")));
	printf("link: %s\n", result(link("/f0", "/l")));
	printf("link again: %s\n", result(link("/f0", "/l2")));
	printf("unlink a second name: %s\n", result(unlink("/l")));
	printf("mkdir: %s\n", result(mkdir("/d", 0755)));
	return 0;
}
