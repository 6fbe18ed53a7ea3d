/* Long symlinks take the filesystem's pages, as tmpfs keeps a long target in a page of its own:
 * on a small filesystem they end in ENOSPC long before the inode limit, and short ones still fit. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

int main(void)
{
	static char target[4000];
	char name[32];
	int made = 0;
	struct statfs fs;

	memset(target, 'a', sizeof target - 1);
	for (;; made++) {
		snprintf(name, sizeof name, "/s%d", made);
		if (symlink(target, name) < 0)
			break;
	}
	printf("long symlinks: %s after %s\n", strerror(errno), made <= 256 ? "at most one per page" : "too many");
	statfs("/", &fs);
	printf("free blocks: %llu\n", (unsigned long long)fs.f_bfree);
	printf("short symlink: %s\n", symlink("/s0", "/short") < 0 ? strerror(errno) : "0");
	return 0;
}
