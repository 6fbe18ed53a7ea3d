/* statx of one file argv[2] times (argv[1] names it): what ls -l does for each file it lists. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int main(int argc, char **argv) {
	struct statx st;
	int times = atoi(argv[2]), ok = 0;
	for (int i = 0; i < times; i++) ok += statx(AT_FDCWD, argv[1], 0, STATX_BASIC_STATS, &st) == 0;
	printf("%d of %d, size %llu\n", ok, times, (unsigned long long)st.stx_size);
	return 0;
}
