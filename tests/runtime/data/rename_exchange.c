/* renameat2's RENAME_EXCHANGE: two names trade inodes at once; its errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#define RENAME_WHITEOUT 4
#endif

static void show(const char *what, long r) {
	printf("%s: %ld %s\n", what, r, r < 0 ? strerrorname_np(errno) : "");
}

static long rename2(const char *a, const char *b, unsigned flags) {
	return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, flags);
}

static void contents(const char *path) {
	char buf[32] = {0};
	int fd = open(path, O_RDONLY);
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	printf("  %s: %zd '%s'\n", path, n, buf);
}

static void put(const char *path, const char *text) {
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	write(fd, text, strlen(text));
	close(fd);
}

int main(void) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	put("a", "first");
	put("b", "second");
	mkdir("d", 0755);
	mkdir("d/sub", 0755);
	put("d/inner", "inner");
	struct stat before_a, before_b, after;
	stat("a", &before_a);
	stat("b", &before_b);
	show("exchange two files", rename2("a", "b", RENAME_EXCHANGE));
	contents("a");
	contents("b");
	stat("a", &after);
	printf("  a has b's inode: %d\n", after.st_ino == before_b.st_ino);
	show("exchange a file and a directory", rename2("a", "d", RENAME_EXCHANGE));
	printf("  a is a directory now: %d, d/inner reached through a: %d\n", stat("a", &after) == 0 && S_ISDIR(after.st_mode),
	       access("a/inner", F_OK) == 0);
	contents("d");
	show("exchange with a missing name", rename2("a", "missing", RENAME_EXCHANGE));
	show("exchange a name with itself", rename2("b", "b", RENAME_EXCHANGE));
	show("exchange into its own subtree", rename2("a", "a/sub", RENAME_EXCHANGE));
	show("NOREPLACE with EXCHANGE", rename2("a", "b", RENAME_NOREPLACE | RENAME_EXCHANGE));
	show("WHITEOUT with EXCHANGE", rename2("a", "b", RENAME_WHITEOUT | RENAME_EXCHANGE));
	show("unknown flag", rename2("a", "b", 8));
	show("NOREPLACE onto an existing name", rename2("b", "d", RENAME_NOREPLACE));
	show("exchange . and b", rename2(".", "b", RENAME_EXCHANGE));
	puts("done");
	return 0;
}
