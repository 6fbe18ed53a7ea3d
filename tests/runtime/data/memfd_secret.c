/* memfd_secret held to Linux: a file only a shared mapping can use, whose pages get_user_pages refuses. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447
#endif

static void say(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

int main(void)
{
	char path[64], link[256], line[512], buf[16] = {0};
	struct stat st;
	say("bad flags", syscall(SYS_memfd_secret, 1));
	int fd = syscall(SYS_memfd_secret, O_CLOEXEC);
	say("secret", fd >= 0 ? 0 : -1);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	link[n > 0 ? n : 0] = 0;
	printf("link: %s\n", link);
	fstat(fd, &st);
	printf("mode: %o size %ld cloexec %d\n", st.st_mode, (long)st.st_size, fcntl(fd, F_GETFD));
	say("read", read(fd, buf, 1));
	say("write", write(fd, "x", 1));
	say("truncate", ftruncate(fd, 8192));
	say("truncate again", ftruncate(fd, 4096));
	fstat(fd, &st);
	printf("size: %ld\n", (long)st.st_size);
	say("private map", mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0) == MAP_FAILED ? -1 : 0);
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	say("shared map", p == MAP_FAILED ? -1 : 0);
	strcpy(p, "secret");
	printf("reads back: %s\n", p);
	FILE *maps = fopen("/proc/self/maps", "r");
	while (fgets(line, sizeof(line), maps))
		if (strstr(line, "secretmem"))
			printf("maps: %s", strchr(line, '/'));
	fclose(maps);
	struct iovec local = {buf, 6}, remote = {p, 6};
	say("process_vm_readv of it", process_vm_readv(getpid(), &local, 1, &remote, 1, 0));
	char plain[8] = "plain";
	remote.iov_base = plain;
	say("process_vm_readv of other memory", process_vm_readv(getpid(), &local, 1, &remote, 1, 0));
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN};
	say("epoll", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	say("write from it", write(ep >= 0 ? 1 : 1, p, 0));
	int pipes[2];
	pipe(pipes);
	say("pipe write from it", write(pipes[1], p, 6));
	say("pipe read into it", read(pipes[0], p + 100, 6));
	printf("copied: %s\n", p + 100);
	printf("done\n");
	return 0;
}
