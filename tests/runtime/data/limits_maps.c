/* Areas against vm.max_map_count (65530): one-page mappings, alternately writable so none merges with
 * its neighbour (on Linux too), until mmap says ENOMEM; then munmap of a page inside an area, which
 * would split it, is ENOMEM too, and one that splits nothing still works. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

int main(void)
{
	size_t made = 0;
	char *last = NULL;

	setvbuf(stdout, NULL, _IONBF, 0);
	for (;;) {
		int prot = made & 1 ? PROT_READ : PROT_READ | PROT_WRITE;
		char *p = mmap(NULL, 4096, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			printf("mmap after %zu00 areas: %s\n", made / 100, strerror(errno));  /* some were there before */
			break;
		}
		last = p;
		made++;
	}
	char *inside;

	printf("munmap of the last one: %d\n", munmap(last, 4096));
	inside = mmap(NULL, 3 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	printf("a three-page area in its place: %s\n", inside == MAP_FAILED ? strerror(errno) : "mapped");
	printf("munmap of its middle page: %s\n", munmap(inside + 4096, 4096) ? strerror(errno) : "0");
	printf("munmap of all of it: %d\n", munmap(inside, 3 * 4096));
	return 0;
}
