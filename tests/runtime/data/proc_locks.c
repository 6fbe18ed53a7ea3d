/* /proc/locks while a process holds a flock, a POSIX and an OFD lock: the lines of its file's inode. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void) {
	int fd = open("f", O_RDWR | O_CREAT, 0644), ofd = open("f", O_RDWR);
	struct flock rd = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 10, .l_len = 10};
	struct flock wr = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 100, .l_len = 0};
	if (flock(fd, LOCK_EX) || fcntl(fd, F_SETLK, &rd) || fcntl(ofd, F_OFD_SETLK, &wr)) return 1;
	struct stat st;
	fstat(fd, &st);
	char mine[64], line[256];
	snprintf(mine, sizeof mine, ":%lu ", (unsigned long)st.st_ino);
	printf("%d \n", getpid());
	FILE *locks = fopen("/proc/locks", "r");  /* the whole system's on Linux: other programs' locks too */
	if (!locks) return 2;
	while (fgets(line, sizeof line, locks))
		if (strstr(line, mine)) fputs(line, stdout);
	return 0;
}
