/* prctl and resource limits through glibc: the same bytes natively and on the machine. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

int main(void)
{
	char name[16] = { 0 };
	struct rlimit limit;
	int result;

	prctl(PR_SET_NAME, "worker-with-a-long-name");
	prctl(PR_GET_NAME, name);
	printf("name: %s\n", name);
	printf("dumpable: %d\n", prctl(PR_GET_DUMPABLE));
	result = prctl(0x7fff0000);
	printf("unknown option: %d %s\n", result, strerrorname_np(errno));
	getrlimit(RLIMIT_NOFILE, &limit);
	limit.rlim_cur = 64;
	printf("setrlimit: %d\n", setrlimit(RLIMIT_NOFILE, &limit));
	getrlimit(RLIMIT_NOFILE, &limit);
	printf("nofile soft: %llu\n", (unsigned long long)limit.rlim_cur);
	limit.rlim_cur = limit.rlim_max + 1;
	result = setrlimit(RLIMIT_NOFILE, &limit);
	printf("soft above hard: %d %s\n", result, strerrorname_np(errno));
	return 0;
}
