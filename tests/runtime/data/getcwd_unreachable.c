/* getcwd of a directory the root does not lead to (fs/d_path.c): after chroot into a subdirectory, the old
 * cwd is "(unreachable)" and its path from the top, which realpath(3) refuses (CVE-2018-1000001, LTP's
 * realpath01); a removed cwd is ENOENT. Run as root in an empty directory; compared with a native run. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	char buf[PATH_MAX], here[PATH_MAX];
	mkdir("gone", 0755);
	chdir("gone");
	rmdir("../gone");
	printf("getcwd of a removed directory: %s\n", getcwd(buf, sizeof(buf)) ? "ok" : strerrorname_np(errno));
	chdir("..");
	getcwd(here, sizeof(here));
	mkdir("jail", 0755);
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		printf("chroot: %d\n", chroot("jail"));
		long n = syscall(SYS_getcwd, buf, sizeof(buf));
		printf("getcwd outside the root: %ld bytes, unreachable %d, then the old path %d\n", n > 0 ? 1L : n,
		       strncmp(buf, "(unreachable)", 13) == 0, strcmp(buf + 13, here) == 0);
		char *real = realpath(".", NULL);
		printf("realpath(\".\"): %s\n", real ? real : strerrorname_np(errno));
		chdir("/");
		printf("after chdir(\"/\"): %s\n", getcwd(buf, sizeof(buf)));
		fflush(stdout);
		_exit(0);
	}
	waitpid(child, NULL, 0);
	return 0;
}
