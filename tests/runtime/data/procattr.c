/* Process attributes (issue 17): personality, ioprio, kcmp, prctl's timer slack, child subreaper and
 * no_new_privs, /proc/PID/status's VmLck, smaps and pagemap, /proc/config.gz. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *err(long r) { return r == -1 ? strerrorname_np(errno) : "ok"; }

static long status_kb(const char *field)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, field, strlen(field)))
			sscanf(line + strlen(field) + 1, "%ld", &v);
	if (f)
		fclose(f);
	return v;
}

static void smaps_of(void *addr, long *rss, long *locked)
{
	char line[512];
	int in = 0;
	FILE *f = fopen("/proc/self/smaps", "r");
	*rss = *locked = -1;
	while (f && fgets(line, sizeof line, f)) {
		unsigned long a, b;
		if (sscanf(line, "%lx-%lx", &a, &b) == 2) {
			in = a == (unsigned long)addr;
			continue;
		}
		if (in && !strncmp(line, "Rss:", 4))
			sscanf(line + 4, "%ld", rss);
		if (in && !strncmp(line, "Locked:", 7))
			sscanf(line + 7, "%ld", locked);
	}
	if (f)
		fclose(f);
}

static void personality_(void)
{
	printf("personality now: %#x\n", personality(0xffffffff));
	printf("set ADDR_NO_RANDOMIZE, old: %#x\n", personality(ADDR_NO_RANDOMIZE));
	printf("read back: %#x\n", personality(0xffffffff));
	pid_t pid = fork();
	if (!pid) {
		printf("child inherits: %#x\n", personality(0xffffffff));
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	personality(STICKY_TIMEOUTS);
	struct timeval tv = {0, 10};
	select(0, NULL, NULL, NULL, &tv);
	printf("sticky select timeout kept: %ld\n", (long)tv.tv_usec);
	personality(PER_LINUX);
	tv.tv_usec = 10;
	select(0, NULL, NULL, NULL, &tv);
	printf("plain select timeout written: %ld\n", (long)tv.tv_usec);
}

#define IOPRIO(c, l) ((c) << 13 | (l))
static void ioprio_(void)
{
	printf("ioprio at start: %ld\n", syscall(SYS_ioprio_get, 1, 0));
	long r = syscall(SYS_ioprio_set, 1, 0, IOPRIO(2, 3));
	printf("set BE 3: %s, get %ld\n", err(r), syscall(SYS_ioprio_get, 1, 0));
	printf("set BE 8 (level 0): %s\n", err(syscall(SYS_ioprio_set, 1, 0, IOPRIO(2, 8))));
	printf("set class 4: %s\n", err(syscall(SYS_ioprio_set, 1, 0, IOPRIO(4, 0))));
	printf("set NONE 1: %s\n", err(syscall(SYS_ioprio_set, 1, 0, IOPRIO(0, 1))));
	printf("bad which: %s\n", err(syscall(SYS_ioprio_get, 9, 0)));
	printf("no such pid: %s\n", err(syscall(SYS_ioprio_get, 1, 999999)));
	syscall(SYS_ioprio_set, 1, 0, IOPRIO(3, 0));
	setpgid(0, 0); /* a group of this process alone */
	printf("pgrp get: %ld\n", syscall(SYS_ioprio_get, 2, 0));
	pid_t pid = fork();
	if (!pid) {
		printf("child inherits: %ld\n", syscall(SYS_ioprio_get, 1, 0));
		syscall(SYS_ioprio_set, 1, 0, IOPRIO(0, 0));
		pause();
		_exit(0);
	}
	usleep(100000);
	printf("pgrp get with a NONE member: %ld\n", syscall(SYS_ioprio_get, 2, 0));
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void kcmp_(void)
{
	int fd = open("/proc/self/status", O_RDONLY), dup1 = dup(fd), other = open("/proc/self/status", O_RDONLY);
	pid_t me = getpid();
	printf("kcmp same file: %ld\n", syscall(SYS_kcmp, me, me, 0, fd, dup1));
	long r = syscall(SYS_kcmp, me, me, 0, fd, other);
	printf("kcmp other file: %s\n", r == 1 || r == 2 ? "ordered" : "wrong");
	printf("kcmp order reversed: %s\n", syscall(SYS_kcmp, me, me, 0, other, fd) == 3 - r ? "yes" : "no");
	printf("kcmp bad fd: %s\n", err(syscall(SYS_kcmp, me, me, 0, fd, 999)));
	printf("kcmp bad type: %s\n", err(syscall(SYS_kcmp, me, me, 8, 0, 0)));
	printf("kcmp no pid: %s\n", err(syscall(SYS_kcmp, me, 999999, 1, 0, 0)));
	pid_t pid = fork();
	if (!pid) {
		pause();
		_exit(0);
	}
	printf("kcmp VM after fork: %s\n", syscall(SYS_kcmp, me, pid, 1, 0, 0) ? "differ" : "same");
	printf("kcmp FILE after fork: %ld\n", syscall(SYS_kcmp, me, pid, 0, fd, fd));
	printf("kcmp FS after fork: %s\n", syscall(SYS_kcmp, me, pid, 3, 0, 0) ? "differ" : "same");
	printf("kcmp SIGHAND after fork: %s\n", syscall(SYS_kcmp, me, pid, 4, 0, 0) ? "differ" : "same");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static void prctl_(void)
{
	printf("timerslack: %d\n", prctl(PR_GET_TIMERSLACK));
	prctl(PR_SET_TIMERSLACK, 70000);
	printf("timerslack set: %d\n", prctl(PR_GET_TIMERSLACK));
	char buf[64] = "";
	int fd = open("/proc/self/timerslack_ns", O_RDONLY);
	buf[read(fd, buf, sizeof buf - 1)] = 0;
	close(fd);
	printf("timerslack_ns file: %s", buf);
	pid_t pid = fork();
	if (!pid) {
		prctl(PR_SET_TIMERSLACK, 0);
		printf("child reset to its default: %d\n", prctl(PR_GET_TIMERSLACK));
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	prctl(PR_SET_TIMERSLACK, 0);
	printf("reset: %d\n", prctl(PR_GET_TIMERSLACK));
	printf("nnp set 2: %s\n", err(prctl(PR_SET_NO_NEW_PRIVS, 2, 0, 0, 0)));
	printf("nnp get with arg: %s\n", err(prctl(PR_GET_NO_NEW_PRIVS, 1, 0, 0, 0)));

	int v = -1;
	prctl(PR_GET_CHILD_SUBREAPER, &v);
	printf("subreaper: %d\n", v);
	pid = fork();
	if (!pid) {
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		prctl(PR_GET_CHILD_SUBREAPER, &v);
		printf("subreaper set: %d\n", v);
		pid_t reaper = getpid();
		pid_t mid = fork();
		if (!mid) {
			pid_t grand = fork();
			if (!grand) {
				usleep(200000);
				printf("orphan's parent is the subreaper: %s\n", getppid() == reaper ? "yes" : "no");
				fflush(stdout);
				_exit(7);
			}
			_exit(0);
		}
		waitpid(mid, NULL, 0);
		int st;
		pid_t got = wait(&st);
		printf("subreaper reaps the orphan: %s, status %d\n", got > 0 ? "yes" : "no", WEXITSTATUS(st));
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	pid = fork();
	if (!pid) {
		long r = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		printf("nnp set: %s, get %d\n", err(r), prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
}

static void memory_(void)
{
	long page = sysconf(_SC_PAGESIZE);
	printf("VmLck at start: %ld\n", status_kb("VmLck:"));
	printf("VmPin: %ld\n", status_kb("VmPin:"));
	char *buf = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long rss, locked;
	buf[0] = 1;
	smaps_of(buf, &rss, &locked);
	printf("smaps one page touched: Rss %ld Locked %ld\n", rss, locked);
	mlock(buf, 4 * page);
	printf("VmLck after mlock 4 pages: %ld\n", status_kb("VmLck:"));
	smaps_of(buf, &rss, &locked);
	printf("smaps locked part: Rss %ld Locked %ld\n", rss, locked);
	munlock(buf, 4 * page);
	printf("VmLck after munlock: %ld\n", status_kb("VmLck:"));
	char *onfault = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	syscall(SYS_mlock2, onfault, 4 * page, 1);
	unsigned char vec[4];
	mincore(onfault, 4 * page, vec);
	printf("mlock2 ONFAULT: VmLck %ld, resident %d%d%d%d\n", status_kb("VmLck:"), vec[0] & 1, vec[1] & 1,
	       vec[2] & 1, vec[3] & 1);
	munlockall();
	printf("VmLck after munlockall: %ld\n", status_kb("VmLck:"));

	int pm = open("/proc/self/pagemap", O_RDONLY);
	uint64_t entry[2];
	pread(pm, entry, 16, (uintptr_t)buf / page * 8);
	printf("pagemap: touched present %d, untouched present %d, pfn shown %s\n", (int)(entry[0] >> 63),
	       (int)(entry[1] >> 63), entry[0] & ((1ULL << 55) - 1) ? "yes" : "no");
	printf("pagemap odd offset: %s\n", err(pread(pm, entry, 8, 3)));
	printf("pagemap odd count: %s\n", err(pread(pm, entry, 5, 0)));
	close(pm);

	/* MAP_GROWSDOWN: a touch just below the area extends it, unless another area is within the guard gap. */
	char *space = mmap(NULL, 512 * page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(space, 512 * page);
	char *top = space + 500 * page;
	char *grows = mmap(top, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_GROWSDOWN,
			   -1, 0);
	grows[-1] = 1;
	grows[-2 * page] = 1;
	smaps_of(grows - 2 * page, &rss, &locked);
	printf("growsdown: grew by 2 pages, both resident: %s\n", rss == 8 ? "yes" : "no");
	pid_t pid = fork();
	if (!pid) {
		mmap(grows - 100 * page, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
		grows[-3 * page] = 1; /* within 256 pages of the area below: SIGSEGV */
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	printf("growsdown near another area: %s\n", WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "grew");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	personality_();
	ioprio_();
	kcmp_();
	prctl_();
	memory_();
	printf("done\n");
	return 0;
}
