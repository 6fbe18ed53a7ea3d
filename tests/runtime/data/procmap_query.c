/* PROCMAP_QUERY on /proc/self/maps, held to Linux: the area of the program's own code, its name and build ID,
   and the refusals. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* include/uapi/linux/fs.h of Linux 6.11, which the build host's headers may predate */
struct procmap_query {
	uint64_t size, query_flags, query_addr, vma_start, vma_end, vma_flags, vma_page_size, vma_offset, inode;
	uint32_t dev_major, dev_minor, vma_name_size, build_id_size;
	uint64_t vma_name_addr, build_id_addr;
};
#define PROCMAP_QUERY _IOWR('f', 17, struct procmap_query)
#define PROCMAP_QUERY_COVERING_OR_NEXT_VMA 0x10
#define PROCMAP_QUERY_FILE_BACKED_VMA 0x20

static void say(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

int main(void)
{
	int fd = open("/proc/self/maps", O_RDONLY);
	struct procmap_query q;
	char name[256], exe[256], id[64];
	memset(&q, 0, sizeof(q));
	q.size = sizeof(q);
	q.query_addr = (uintptr_t)main;
	q.vma_name_addr = (uintptr_t)name;
	q.vma_name_size = sizeof(name);
	q.build_id_addr = (uintptr_t)id;
	q.build_id_size = sizeof(id);
	say("query code", ioctl(fd, PROCMAP_QUERY, &q));
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	printf("covers main: %d flags %llx page %llu\n", q.vma_start <= (uintptr_t)main && (uintptr_t)main < q.vma_end,
	       (unsigned long long)q.vma_flags, (unsigned long long)q.vma_page_size);
	printf("name is exe: %d, its size: %d\n", strcmp(name, exe) == 0, q.vma_name_size == strlen(exe) + 1);
	printf("build id: %u bytes:", q.build_id_size);
	for (unsigned i = 0; i < q.build_id_size; i++)
		printf("%02x", (unsigned char)id[i]);
	printf("\n");
	q.build_id_size = 4;
	say("short build id buffer", ioctl(fd, PROCMAP_QUERY, &q));
	q.build_id_size = 0;
	q.build_id_addr = 0;
	q.vma_name_size = 3;
	say("short name buffer", ioctl(fd, PROCMAP_QUERY, &q));
	q.vma_name_size = 0;
	say("name size without buffer", ioctl(fd, PROCMAP_QUERY, &q));
	q.vma_name_addr = 0;
	q.query_flags = 0x40;
	say("unknown flag", ioctl(fd, PROCMAP_QUERY, &q));
	q.query_flags = 0;
	q.query_addr = 0x1000;
	say("nothing there", ioctl(fd, PROCMAP_QUERY, &q));
	q.query_flags = PROCMAP_QUERY_COVERING_OR_NEXT_VMA | PROCMAP_QUERY_FILE_BACKED_VMA;
	say("next file area", ioctl(fd, PROCMAP_QUERY, &q));
	printf("its offset %llu\n", (unsigned long long)q.vma_offset);
	q.query_flags = 0;
	q.size = 16;
	say("too small", ioctl(fd, PROCMAP_QUERY, &q));
	char big[200] = {0};
	memcpy(big, &q, sizeof(q));
	((struct procmap_query *)big)->size = sizeof(big);
	((struct procmap_query *)big)->query_addr = (uintptr_t)main;
	big[150] = 1;
	say("unknown tail", ioctl(fd, PROCMAP_QUERY, big));
	say("other request", ioctl(fd, _IO('f', 18)));
	printf("done\n");
	return 0;
}
