/* Scheduling policies (issue 17): sched_setscheduler, setparam, getscheduler, getparam, setattr, getattr. */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t priority;
	uint64_t runtime, deadline, period;
	uint32_t util_min, util_max;
};

static const char *err(long r) { return r == -1 ? strerrorname_np(errno) : "ok"; }

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	struct sched_param p = {0};
	printf("policy at start: %d\n", sched_getscheduler(0));
	p.sched_priority = 10;
	printf("FIFO 10: %s\n", err(sched_setscheduler(0, SCHED_FIFO, &p)));
	p.sched_priority = -1;
	sched_getparam(0, &p);
	printf("now: policy %d priority %d\n", sched_getscheduler(0), p.sched_priority);
	p.sched_priority = 20;
	printf("setparam 20: %s\n", err(sched_setparam(0, &p)));
	sched_getparam(0, &p);
	printf("priority now %d\n", p.sched_priority);
	p.sched_priority = 100;
	printf("FIFO 100: %s\n", err(sched_setscheduler(0, SCHED_FIFO, &p)));
	p.sched_priority = 1;
	printf("OTHER 1: %s\n", err(sched_setscheduler(0, SCHED_OTHER, &p)));
	printf("policy 4: %s\n", err(sched_setscheduler(0, 4, &p)));
	printf("policy -1: %s\n", err(syscall(SYS_sched_setscheduler, 0, -1, &p)));
	printf("pid -1: %s\n", err(sched_setscheduler(-1, SCHED_RR, &p)));
	printf("no param: %s\n", err(syscall(SYS_sched_setscheduler, 0, SCHED_RR, NULL)));
	printf("no such pid: %s\n", err(sched_setscheduler(999999, SCHED_RR, &p)));
	p.sched_priority = 5;
	long r = sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &p);
	printf("RR 5 reset-on-fork: %s, getscheduler %#x\n", err(r), sched_getscheduler(0));
	pid_t pid = fork();
	if (!pid) {
		sched_getparam(0, &p);
		printf("child: policy %d priority %d\n", sched_getscheduler(0), p.sched_priority);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	p.sched_priority = 0;
	printf("back to OTHER: %s\n", err(sched_setscheduler(0, SCHED_OTHER, &p)));

	struct attr a;
	memset(&a, 0, sizeof a);
	printf("getattr small: %s\n", err(syscall(SYS_sched_getattr, 0, &a, 40, 0)));
	printf("getattr flags: %s\n", err(syscall(SYS_sched_getattr, 0, &a, sizeof a, 1)));
	r = syscall(SYS_sched_getattr, 0, &a, sizeof a, 0);
	printf("getattr: %s size %u policy %u nice %d priority %u util_max %u\n", err(r), a.size, a.policy, a.nice,
	       a.priority, a.util_max);
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.policy = SCHED_BATCH;
	a.nice = 5;
	r = syscall(SYS_sched_setattr, 0, &a, 0);
	printf("setattr BATCH nice 5: %s, policy %d nice %d\n", err(r), sched_getscheduler(0), getpriority(PRIO_PROCESS, 0));
	a.size = 8;
	r = syscall(SYS_sched_setattr, 0, &a, 0);
	printf("setattr size 8: %s, size written %u\n", err(r), a.size);
	a.policy = SCHED_OTHER;
	a.nice = 0;
	a.size = 0; /* VER0 */
	printf("setattr size 0: %s\n", err(syscall(SYS_sched_setattr, 0, &a, 0)));
	printf("setattr flags arg: %s\n", err(syscall(SYS_sched_setattr, 0, &a, 1)));

	pid = fork();
	if (!pid) {
		setuid(65534);
		p.sched_priority = 1;
		printf("nobody FIFO: %s\n", err(sched_setscheduler(0, SCHED_FIFO, &p)));
		printf("nobody IDLE: %s\n", err(sched_setscheduler(0, SCHED_IDLE, &(struct sched_param){0})));
		printf("nobody back to OTHER: %s\n", err(sched_setscheduler(0, SCHED_OTHER, &(struct sched_param){0})));
		printf("nobody parent's: %s\n", err(sched_setscheduler(getppid(), SCHED_OTHER, &(struct sched_param){0})));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	printf("done\n");
	return 0;
}
