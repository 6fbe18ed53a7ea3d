/* userfaultfd held to Linux: the handshake's refusals, a missing page served by another thread, a held fault
   that SIGKILL still kills, and one the context's close lets go. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGE 4096

static void say(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

static int uffd_new(int flags)
{
	return syscall(SYS_userfaultfd, flags);
}

static int uffd;
static char *area, *source;

static void *serve(void *arg)
{
	struct uffd_msg msg;
	struct pollfd p = {uffd, POLLIN, 0};
	poll(&p, 1, -1);
	printf("poll: %x\n", p.revents);
	if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
		return NULL;
	printf("message: event %x flags %llx offset %ld\n", msg.event, (unsigned long long)msg.arg.pagefault.flags,
	       (long)((char *)msg.arg.pagefault.address - area));
	struct uffdio_copy copy = {.dst = (unsigned long)area + PAGE, .src = (unsigned long)source, .len = PAGE};
	say("copy", ioctl(uffd, UFFDIO_COPY, &copy));
	printf("copied: %lld\n", (long long)copy.copy);
	say("copy again", ioctl(uffd, UFFDIO_COPY, &copy));
	printf("copy result: %lld\n", (long long)copy.copy);
	return NULL;
}

static void *closer(void *arg)
{
	struct uffd_msg msg;
	struct pollfd p = {uffd, POLLIN, 0};
	poll(&p, 1, -1);
	say("read before close", read(uffd, &msg, sizeof(msg)));
	close(uffd);
	return NULL;
}

static void registered(int flags)
{
	struct uffdio_api api = {.api = UFFD_API};
	uffd = uffd_new(flags);
	ioctl(uffd, UFFDIO_API, &api);
	area = mmap(NULL, 4 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct uffdio_register reg = {.range = {(unsigned long)area, 4 * PAGE}, .mode = UFFDIO_REGISTER_MODE_MISSING};
	say("register", ioctl(uffd, UFFDIO_REGISTER, &reg));
	printf("range ioctls: %llx\n", (unsigned long long)reg.ioctls);
}

int main(void)
{
	struct uffdio_api api = {.api = 0xAB};
	struct uffd_msg msg;
	char buf[64];
	say("bad flags", uffd_new(0x100));
	uffd = uffd_new(O_CLOEXEC | O_NONBLOCK);
	say("read before api", read(uffd, buf, sizeof(buf)));
	struct uffdio_range range = {0x10000, PAGE};
	say("wake before api", ioctl(uffd, UFFDIO_WAKE, &range));
	say("bad api", ioctl(uffd, UFFDIO_API, &api));
	printf("zeroed: %llx %llx\n", (unsigned long long)api.features, (unsigned long long)api.ioctls);
	api.api = UFFD_API;
	api.features = 1ULL << 40;
	say("unknown feature", ioctl(uffd, UFFDIO_API, &api));
	api.api = UFFD_API; /* the refusal zeroed the struct */
	api.features = UFFD_FEATURE_MINOR_SHMEM;
	say("api", ioctl(uffd, UFFDIO_API, &api));
	printf("minor offered: %d ioctls %llx\n", !!(api.features & UFFD_FEATURE_MINOR_SHMEM),
	       (unsigned long long)api.ioctls);
	say("api again", ioctl(uffd, UFFDIO_API, &api));
	say("empty read", read(uffd, &msg, sizeof(msg)));
	say("short read", read(uffd, buf, 8));
	say("unknown ioctl", ioctl(uffd, _IO(0xAA, 0x30)));
	struct uffdio_register reg = {.range = {0x10000, PAGE}, .mode = UFFDIO_REGISTER_MODE_MISSING};
	say("register nothing", ioctl(uffd, UFFDIO_REGISTER, &reg));
	char *plain = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	reg.range.start = (unsigned long)plain + 1;
	say("register unaligned", ioctl(uffd, UFFDIO_REGISTER, &reg));
	reg.range.start = (unsigned long)plain;
	reg.mode = 0;
	say("register no mode", ioctl(uffd, UFFDIO_REGISTER, &reg));
	reg.mode = UFFDIO_REGISTER_MODE_MINOR;
	say("minor on anonymous", ioctl(uffd, UFFDIO_REGISTER, &reg));
	char *shared = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	reg.range.start = (unsigned long)shared;
	reg.mode = UFFDIO_REGISTER_MODE_MINOR;
	say("minor on shared memory", ioctl(uffd, UFFDIO_REGISTER, &reg));
	struct uffdio_range whole = {(unsigned long)shared, PAGE};
	say("unregister", ioctl(uffd, UFFDIO_UNREGISTER, &whole));
	close(uffd);

	uffd = uffd_new(O_CLOEXEC);
	api.features = 0;
	ioctl(uffd, UFFDIO_API, &api);
	struct pollfd p = {uffd, POLLIN, 0};
	say("blocking poll", poll(&p, 1, 0));
	printf("revents: %x\n", p.revents);
	close(uffd);

	/* a missing page served by another thread */
	source = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(source, 'S', PAGE);
	registered(O_CLOEXEC | O_NONBLOCK);
	pthread_t thread;
	pthread_create(&thread, NULL, serve, NULL);
	char touched = area[PAGE + 5];
	pthread_join(thread, NULL);
	printf("touched: %c\n", touched);
	struct uffdio_zeropage zero = {.range = {(unsigned long)area, PAGE}};
	say("zeropage", ioctl(uffd, UFFDIO_ZEROPAGE, &zero));
	printf("zeropage result: %lld byte %d\n", (long long)zero.zeropage, area[7]);
	struct uffdio_copy outside = {.dst = (unsigned long)plain, .src = (unsigned long)source, .len = PAGE};
	say("copy outside", ioctl(uffd, UFFDIO_COPY, &outside));
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		area[3 * PAGE] = 'c'; /* not registered in the child */
		_exit(area[3 * PAGE] == 'c' ? 0 : 1);
	}
	int status;
	waitpid(child, &status, 0);
	printf("child's own page: exit %d\n", WEXITSTATUS(status));

	/* a held fault that SIGKILL kills */
	fflush(stdout);
	child = fork();
	if (child == 0) {
		registered(O_CLOEXEC | O_NONBLOCK);
		area[0] = 1;
		_exit(0);
	}
	usleep(300000);
	kill(child, SIGKILL);
	waitpid(child, &status, 0);
	printf("held child: signaled %d sig %d\n", WIFSIGNALED(status), WTERMSIG(status));

	/* a held fault that the context's close lets go */
	registered(O_CLOEXEC | O_NONBLOCK);
	pthread_create(&thread, NULL, closer, NULL);
	char after = area[2 * PAGE];
	pthread_join(thread, NULL);
	printf("after close: %d\n", after);
	printf("done\n");
	return 0;
}
