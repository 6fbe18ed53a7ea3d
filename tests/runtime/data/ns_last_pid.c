/* /proc/sys/kernel/ns_last_pid (issue 17): the last pid handed out; root may set where the next search starts. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define PATH "/proc/sys/kernel/ns_last_pid"

static long put(const char *text)
{
	int fd = open(PATH, O_WRONLY);
	if (fd < 0)
		return -1;
	long n = write(fd, text, strlen(text));
	int saved = errno;
	close(fd);
	errno = saved;
	return n;
}

int main(void)
{
	char buf[32] = "";
	struct stat st;
	setvbuf(stdout, NULL, _IONBF, 0);
	stat(PATH, &st);
	printf("mode %o\n", st.st_mode & 07777);
	pid_t child = fork();
	if (!child)
		_exit(0);
	waitpid(child, NULL, 0);
	int fd = open(PATH, O_RDONLY);
	read(fd, buf, sizeof(buf) - 1);
	close(fd);
	printf("it reads the last child's pid: %d\n", atoi(buf) == child);
	long n = put("-1");
	printf("write -1: %ld %s\n", n, strerrorname_np(errno));
	printf("write 4999: %ld\n", put("4999"));
	child = fork();
	if (!child)
		_exit(0);
	waitpid(child, NULL, 0);
	printf("the next child's pid: %d\n", child);
	child = fork();
	if (!child) {
		setuid(65534);
		long r = put("100");
		printf("as nobody, write 100: %ld %s\n", r, strerrorname_np(errno));
		_exit(0);
	}
	waitpid(child, NULL, 0);
	return 0;
}
