/* Descriptors against RLIMIT_NOFILE, whose default and ceiling are the machine's --max-files. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char *result(int value)
{
	static char text[64];

	if (value < 0)
		return strerror(errno);
	snprintf(text, sizeof text, "%d", value);
	return text;
}

extern char __executable_start[], edata[];

int main(void)
{
	struct rlimit limit;
	int fds[2], opened = 0;

	/* The program's code and data are read from its file on first touch, into frames of RAM: all of it now,
	 * before descriptors fill RAM, so that what ends the loop is ENOMEM, not the OOM killer. */
	for (const char *page = __executable_start; page < edata; page += 4096)
		(void)*(const volatile char *)page;
	setvbuf(stdout, NULL, _IONBF, 0);
	getrlimit(RLIMIT_NOFILE, &limit);
	printf("RLIMIT_NOFILE %llu %llu\n", (unsigned long long)limit.rlim_cur, (unsigned long long)limit.rlim_max);
	while (open("/dev/null", O_RDONLY) >= 0)
		opened++;
	printf("open after %d: %s\n", opened, strerror(errno));
	printf("dup: %s\n", result(dup(0)));
	printf("pipe: %s\n", result(pipe(fds)));
	printf("F_DUPFD: %s\n", result(fcntl(0, F_DUPFD, 0)));
	limit.rlim_max++;
	printf("raise the ceiling: %s\n", result(setrlimit(RLIMIT_NOFILE, &limit)));
	limit.rlim_max--;
	limit.rlim_cur = 12;
	printf("soft limit 12: %s\n", result(setrlimit(RLIMIT_NOFILE, &limit)));
	close(10);
	close(11);
	close(20);
	printf("open: %s\n", result(open("/dev/null", O_RDONLY)));
	printf("dup2 to 12: %s\n", result(dup2(0, 12)));
	printf("F_DUPFD from 12: %s\n", result(fcntl(0, F_DUPFD, 12)));
	printf("open: %s\n", result(open("/dev/null", O_RDONLY)));
	printf("open: %s\n", result(open("/dev/null", O_RDONLY)));
	return 0;
}
