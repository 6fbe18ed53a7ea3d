/*
 * The scheduling calls runtimes make at start-up, through the raw system
 * call where glibc's wrapper would hide the kernel's answer. Only what holds
 * on any Linux machine is printed: the mask has CPU 0's bit only where the
 * machine has one CPU, so the test prints whether the bit of the CPU we run
 * on is set, not the mask.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/membarrier.h>
#ifndef MEMBARRIER_CMD_GET_REGISTRATIONS
#define MEMBARRIER_CMD_GET_REGISTRATIONS (1 << 9) /* Linux 6.3; older headers lack it */
#endif
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void show(const char *what, long rc)
{
	if (rc < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, rc);
}

int main(void)
{
	unsigned long mask[16];
	unsigned cpu = 99, node = 99;
	show("getcpu", syscall(SYS_getcpu, &cpu, &node, NULL));
	memset(mask, 0xa5, sizeof mask);
	/* It answers cpumask_size(), which depends on the kernel's configuration (NR_CPUS): say only
	   that it is whole longs, and that nothing past it was written. */
	long n = syscall(SYS_sched_getaffinity, 0, sizeof mask, mask);
	int untouched = 1;
	for (size_t i = n > 0 ? (size_t)n : 0; i < sizeof mask; i++)
		untouched &= ((unsigned char *)mask)[i] == 0xa5;
	printf("sched_getaffinity(0, 128): whole longs: %d, nothing written past them: %d, our cpu's bit: %lu\n",
	       n > 0 && n % 8 == 0 && n <= 128, untouched, mask[cpu / 64] >> (cpu % 64) & 1);
	show("sched_getaffinity(0, 0)", syscall(SYS_sched_getaffinity, 0, 0, mask));
	show("sched_getaffinity(0, 4)", syscall(SYS_sched_getaffinity, 0, 4, mask));
	show("sched_getaffinity(0, 12)", syscall(SYS_sched_getaffinity, 0, 12, mask));
	show("sched_getaffinity(getpid(), 8)", syscall(SYS_sched_getaffinity, getpid(), 8, mask));
	show("sched_getaffinity(unknown pid)", syscall(SYS_sched_getaffinity, 0x3ffffff0, 8, mask));
	show("sched_getaffinity(bad pointer)", syscall(SYS_sched_getaffinity, 0, 8, (void *)8));
	cpu_set_t set;
	CPU_ZERO(&set);
	show("sched_setaffinity(empty)", sched_setaffinity(0, sizeof set, &set));
	CPU_SET(cpu, &set);
	show("sched_setaffinity(our cpu)", sched_setaffinity(0, sizeof set, &set));
	show("sched_getaffinity() after", sched_getaffinity(0, sizeof set, &set));
	printf("our cpu still in the set: %d\n", CPU_ISSET(cpu, &set));
	show("sched_getscheduler(0)", sched_getscheduler(0));
	show("sched_getscheduler(-1)", sched_getscheduler(-1));
	struct sched_param param = {.sched_priority = 42};
	show("sched_getparam(0)", sched_getparam(0, &param));
	printf("priority: %d\n", param.sched_priority);
	show("sched_getparam(0, NULL)", syscall(SYS_sched_getparam, 0, NULL));
	show("sched_get_priority_max(SCHED_FIFO)", sched_get_priority_max(SCHED_FIFO));
	show("sched_get_priority_min(SCHED_RR)", sched_get_priority_min(SCHED_RR));
	show("sched_get_priority_max(SCHED_OTHER)", sched_get_priority_max(SCHED_OTHER));
	show("sched_get_priority_min(SCHED_BATCH)", sched_get_priority_min(SCHED_BATCH));
	show("sched_get_priority_max(42)", sched_get_priority_max(42));

	long rseq_bits = MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ | MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ;
	long query = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
	printf("membarrier QUERY, RSEQ commands aside: %#lx\n", query & ~rseq_bits);
	show("membarrier QUERY flags=1", syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 1, 0));
	show("membarrier GET_REGISTRATIONS", syscall(SYS_membarrier, MEMBARRIER_CMD_GET_REGISTRATIONS, 0, 0));
	show("membarrier PRIVATE_EXPEDITED unregistered",
	     syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0));
	show("membarrier REGISTER_PRIVATE_EXPEDITED_SYNC_CORE",
	     syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0));
	show("membarrier PRIVATE_EXPEDITED after SYNC_CORE's registration",
	     syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0));
	show("membarrier PRIVATE_EXPEDITED_SYNC_CORE",
	     syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0));
	show("membarrier GET_REGISTRATIONS", syscall(SYS_membarrier, MEMBARRIER_CMD_GET_REGISTRATIONS, 0, 0));
	show("membarrier REGISTER_PRIVATE_EXPEDITED",
	     syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0));
	show("membarrier PRIVATE_EXPEDITED", syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0));
	show("membarrier REGISTER_GLOBAL_EXPEDITED",
	     syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0));
	show("membarrier GLOBAL_EXPEDITED", syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0));
	show("membarrier GLOBAL", syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0));
	show("membarrier GET_REGISTRATIONS", syscall(SYS_membarrier, MEMBARRIER_CMD_GET_REGISTRATIONS, 0, 0));
	show("membarrier 1<<20", syscall(SYS_membarrier, 1 << 20, 0, 0));

	/* sched_yield really hands the CPU over: the parent spins on it until the child has exited. */
	pid_t child = fork();
	if (child == 0)
		_exit(7);
	int status = 0, yields = 0;
	while (waitpid(child, &status, WNOHANG) == 0) {
		sched_yield();
		yields++;
	}
	printf("child exited with %d while the parent yielded\n", WEXITSTATUS(status));

	/* A zombie is still found; a reaped child is not. */
	child = fork();
	if (child == 0)
		_exit(0);
	usleep(50000);
	n = syscall(SYS_sched_getaffinity, child, sizeof mask, mask);
	printf("sched_getaffinity(zombie): whole longs: %d\n", n > 0 && n % 8 == 0);
	show("sched_getscheduler(zombie)", sched_getscheduler(child));
	waitpid(child, NULL, 0);
	show("sched_getscheduler(reaped)", sched_getscheduler(child));
	return 0;
}
