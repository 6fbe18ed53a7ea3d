/* A dietlibc program listing a directory: its readdir reads the old getdents(2) records.
 * Prints each entry's name and d_type, sorted by name (a listing's order is the filesystem's). */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
	char *names[256];
	int count = 0;
	DIR *dir = opendir(argc > 1 ? argv[1] : ".");
	struct dirent *entry;
	if (!dir) {
		perror("opendir");
		return 1;
	}
	while ((entry = readdir(dir)) != NULL && count < 256) {
		size_t size = strlen(entry->d_name) + 16;
		names[count] = malloc(size);
		snprintf(names[count], size, "%s %d", entry->d_name, entry->d_type);
		count++;
	}
	closedir(dir);
	qsort(names, count, sizeof *names, by_name);
	for (int i = 0; i < count; i++)
		puts(names[i]);
	printf("%d entries\n", count);
	return 0;
}
