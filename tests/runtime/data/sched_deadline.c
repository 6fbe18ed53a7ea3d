/* SCHED_DEADLINE on the machine (tests/runtime/test_runtime_sched_deadline.py): admission, the parameters
 * read back, fork refused, and a spinning task throttled to its runtime. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct attr { uint32_t size, policy; uint64_t flags; int32_t nice; uint32_t prio; uint64_t runtime, deadline, period; };

static const char *set(uint64_t runtime, uint64_t deadline, uint64_t period)
{
	struct attr a = { sizeof(a), 6, 0, 0, 0, runtime, deadline, period };
	return syscall(SYS_sched_setattr, 0, &a, 0) < 0 ? strerror(errno) : "ok";
}

static double now(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	printf("runtime past deadline: %s\n", set(20000000, 10000000, 30000000));
	printf("runtime below 1024 ns: %s\n", set(1000, 10000000, 30000000));
	printf("97%% of the cpu: %s\n", set(29000000, 30000000, 30000000));
	printf("a third: %s\n", set(10000000, 30000000, 30000000));
	struct attr got = { 0 };
	syscall(SYS_sched_getattr, 0, &got, sizeof(got), 0);
	printf("read back: policy %u runtime %llu deadline %llu period %llu\n", got.policy,
	       (unsigned long long)got.runtime, (unsigned long long)got.deadline, (unsigned long long)got.period);
	printf("fork: %s\n", fork() < 0 ? strerror(errno) : "ok");
	printf("a tenth: %s\n", set(2000000, 20000000, 20000000));
	double wall = now(CLOCK_MONOTONIC), cpu = now(CLOCK_THREAD_CPUTIME_ID);
	while (now(CLOCK_MONOTONIC) - wall < 0.5)
		;
	double share = (now(CLOCK_THREAD_CPUTIME_ID) - cpu) / (now(CLOCK_MONOTONIC) - wall);
	printf("spinning got a share of the cpu below a half: %s\n", share < 0.5 ? "yes" : "no");
	return 0;
}
