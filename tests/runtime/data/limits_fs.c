/* Filling the in-memory filesystem: a short write up to the page where it is full, then ENOSPC;
 * statfs tells the size; removing the file gives the space back. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

static char chunk[1 << 20];

int main(void)
{
	struct statfs fs;
	long long total = 0;
	int short_writes = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	statfs("/", &fs);
	printf("size %lld KiB\n", (long long)fs.f_blocks * fs.f_bsize / 1024);
	/* A page taken first, so that the space left is not a whole number of chunks. */
	int pad = open("/pad", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (write(pad, chunk, 4096) != 4096)
		return 1;
	close(pad);
	int fd = open("/big", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	for (;;) {
		ssize_t n = write(fd, chunk, sizeof chunk);

		if (n < 0) {
			printf("write: %s\n", strerror(errno));
			break;
		}
		short_writes += n < (ssize_t)sizeof chunk;
		total += n;
	}
	statfs("/", &fs);
	printf("short writes %d, whole pages %d, free blocks %lld\n", short_writes, total % 4096 == 0,
	       (long long)fs.f_bfree);
	printf("ftruncate past the end: %s\n", ftruncate(fd, total + (1 << 20)) ? strerror(errno) : "0");
	close(fd);
	printf("unlink: %d\n", unlink("/big"));
	fd = open("/small", O_WRONLY | O_CREAT, 0644);
	printf("write after: %zd\n", write(fd, chunk, sizeof chunk));
	statfs("/", &fs);
	printf("the file holds: %lld KiB\n", total / 1024);
	return 0;
}
