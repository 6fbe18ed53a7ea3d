/* Sparse files as tmpfs keeps them: a file far larger than the filesystem, written at a few offsets,
 * takes only the pages written (st_blocks), reads zeros in its holes, SEEK_DATA/SEEK_HOLE find the pages,
 * fallocate allocates and PUNCH_HOLE frees. Run in an empty directory of a tmpfs; compared with a native run. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static void show(const char *what, int fd)
{
	struct stat st;
	fstat(fd, &st);
	printf("%-28s size %lld blocks %lld\n", what, (long long)st.st_size, (long long)st.st_blocks);
}

int main(void)
{
	char buf[8192];
	memset(buf, 'x', sizeof(buf));
	int fd = open("sparse", O_CREAT | O_RDWR, 0644);
	printf("pwrite at 1 GiB: %zd\n", pwrite(fd, buf, 2048, 1LL << 30));
	printf("pwrite at 600 MiB: %zd\n", pwrite(fd, buf, 8192, 600LL << 20));
	printf("pwrite at 5 GiB: %zd\n", pwrite(fd, buf, 1, 5LL << 30));
	show("after three writes", fd);
	char back[16] = {1};
	ssize_t got = pread(fd, back, 16, 3LL << 30);
	printf("pread in a hole: %zd, zero %d\n", got, back[0] == 0 && back[15] == 0);
	printf("SEEK_DATA from 0: %lld\n", (long long)lseek(fd, 0, SEEK_DATA));
	printf("SEEK_HOLE from 600 MiB: %lld\n", (long long)lseek(fd, 600LL << 20, SEEK_HOLE));
	printf("SEEK_DATA from 601 MiB: %lld\n", (long long)lseek(fd, 601LL << 20, SEEK_DATA));
	printf("ftruncate to 1 TiB: %d\n", ftruncate(fd, 1LL << 40));
	show("after ftruncate", fd);
	printf("fallocate 16 KiB at 2 GiB: %d\n", fallocate(fd, 0, 2LL << 30, 16384));
	show("after fallocate", fd);
	printf("punch the 600 MiB pages: %d\n", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
							      600LL << 20, 8192));
	show("after punching", fd);
	char *map = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 4LL << 30);
	printf("mmap a hole page: %d\n", map != MAP_FAILED);
	map[0] = 'y';
	show("after touching it", fd);
	munmap(map, 4096);
	printf("ftruncate to 1 MiB: %d\n", ftruncate(fd, 1 << 20));
	show("after cutting", fd);
	got = pwrite(fd, buf, 1, 0x7fffffffffffffffLL);
	printf("pwrite past s_maxbytes: %zd %s\n", got, strerrorname_np(errno));
	return 0;
}
