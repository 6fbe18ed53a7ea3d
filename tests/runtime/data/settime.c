/* Setting the time (issue 17): clock_settime, settimeofday, adjtimex, clock_adjtime.
 *
 * With no argument: only what changes nothing (the errors, reads), so the run
 * can be held to a native one without touching the host's clock. With "set"
 * (the machine only): the clock is stepped and every way of reading it must
 * see the step. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *err(long r) { return r == -1 ? strerrorname_np(errno) : "ok"; }

static long sys_settime(clockid_t c, const struct timespec *ts) { return syscall(SYS_clock_settime, c, ts); }
static long sys_adjtimex(struct timex *t) { return syscall(SYS_adjtimex, t); }
static long sys_clock_adjtime(clockid_t c, struct timex *t) { return syscall(SYS_clock_adjtime, c, t); }

static void errors(void)
{
	struct timespec ts = {1, 0}, bad = {0, -1}, neg = {-1, 0}, big = {0, 1000000000};
	printf("settime MONOTONIC: %s\n", err(sys_settime(CLOCK_MONOTONIC, &ts)));
	printf("settime BOOTTIME: %s\n", err(sys_settime(CLOCK_BOOTTIME, &ts)));
	printf("settime TAI: %s\n", err(sys_settime(CLOCK_TAI, &ts)));
	printf("settime PROCESS_CPUTIME: %s\n", err(sys_settime(CLOCK_PROCESS_CPUTIME_ID, &ts)));
	printf("settime pid 1 cpu clock: %s\n", err(sys_settime(~(clockid_t)1 << 3 | 2, &ts)));
	printf("settime clock 100: %s\n", err(sys_settime(100, &ts)));
	printf("settime MONOTONIC NULL: %s\n", err(sys_settime(CLOCK_MONOTONIC, NULL)));
	printf("settime REALTIME NULL: %s\n", err(sys_settime(CLOCK_REALTIME, NULL)));
	printf("settime nsec -1: %s\n", err(sys_settime(CLOCK_REALTIME, &bad)));
	printf("settime sec -1: %s\n", err(sys_settime(CLOCK_REALTIME, &neg)));
	printf("settime nsec 1e9: %s\n", err(sys_settime(CLOCK_REALTIME, &big)));
	struct timeval tv = {0, 1000000};
	printf("settimeofday usec 1e6: %s\n", err(settimeofday(&tv, NULL)));
	struct timezone tz = {16 * 60, 0};
	printf("settimeofday zone 16h: %s\n", err(settimeofday(NULL, &tz)));
	printf("settimeofday bad pointer: %s\n", err(syscall(SYS_settimeofday, (void *)8, NULL)));

	struct timex t;
	memset(&t, 0, sizeof t);
	long r = sys_adjtimex(&t);
	printf("adjtimex read: %s, precision %ld tolerance %ld, state %s\n", err(r), t.precision, t.tolerance,
	       r >= 0 && r <= 5 ? "a TIME_ value" : "bad");
	memset(&t, 0, sizeof t);
	t.modes = ADJ_TICK;
	t.tick = 900000 / sysconf(_SC_CLK_TCK) - 1;
	printf("adjtimex tick too small: %s\n", err(sys_adjtimex(&t)));
	t.tick = 1100000 / sysconf(_SC_CLK_TCK) + 1;
	printf("adjtimex tick too big: %s\n", err(sys_adjtimex(&t)));
	t.modes = 0x8000;
	printf("adjtimex 0x8000 alone: %s\n", err(sys_adjtimex(&t)));
	t.modes = ADJ_SETOFFSET;
	t.time.tv_usec = -1;
	printf("adjtimex setoffset usec -1: %s\n", err(sys_adjtimex(&t)));
	t.time.tv_usec = 1000000;
	printf("adjtimex setoffset usec 1e6: %s\n", err(sys_adjtimex(&t)));
	t.modes = ADJ_SETOFFSET | ADJ_NANO;
	t.time.tv_usec = 1000000000;
	printf("adjtimex setoffset nsec 1e9: %s\n", err(sys_adjtimex(&t)));
	t.modes = ADJ_FREQUENCY;
	t.freq = 0x7fffffffffffffffL;
	printf("adjtimex huge freq: %s\n", err(sys_adjtimex(&t)));
	printf("adjtimex bad pointer: %s\n", err(sys_adjtimex((struct timex *)8)));
	memset(&t, 0, sizeof t);
	printf("clock_adjtime MONOTONIC: %s\n", err(sys_clock_adjtime(CLOCK_MONOTONIC, &t)));
	printf("clock_adjtime TAI: %s\n", err(sys_clock_adjtime(CLOCK_TAI, &t)));
	printf("clock_adjtime clock 100: %s\n", err(sys_clock_adjtime(100, &t)));
	printf("clock_adjtime bad pointer: %s\n", err(sys_clock_adjtime(100, (struct timex *)8)));
	printf("clock_adjtime REALTIME read: %s\n", sys_clock_adjtime(CLOCK_REALTIME, &t) >= 0 ? "ok" : "fail");

	pid_t pid = fork();
	if (pid == 0) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		if (setuid(65534))
			_exit(9);
		printf("nobody settime: %s\n", err(sys_settime(CLOCK_REALTIME, &now)));
		struct timeval tnow = {now.tv_sec, 0};
		printf("nobody settimeofday: %s\n", err(settimeofday(&tnow, NULL)));
		memset(&t, 0, sizeof t);
		printf("nobody adjtimex read: %s\n", sys_adjtimex(&t) >= 0 ? "ok" : err(-1));
		t.modes = ADJ_FREQUENCY;
		printf("nobody adjtimex freq: %s\n", err(sys_adjtimex(&t)));
		t.modes = ADJ_OFFSET_SS_READ;
		printf("nobody adjtime read: %s\n", sys_adjtimex(&t) >= 0 ? "ok" : err(-1));
		t.modes = ADJ_OFFSET_SINGLESHOT;
		printf("nobody adjtime: %s\n", err(sys_adjtimex(&t)));
		fflush(stdout);
		_exit(0);
	}
	int status;
	waitpid(pid, &status, 0);
}

static long long ns(struct timespec ts) { return ts.tv_sec * 1000000000LL + ts.tv_nsec; }

static void steps(void)
{
	const long long day = 86400LL * 1000000000LL;
	struct timespec before, after, target, mono;
	clock_gettime(CLOCK_REALTIME, &before);
	int tfd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	struct itimerspec far = {{0, 0}, {before.tv_sec + 3600, 0}};
	timerfd_settime(tfd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &far, NULL);
	int plain = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK);
	timerfd_settime(plain, TFD_TIMER_ABSTIME, &far, NULL);
	target.tv_sec = before.tv_sec + 86400;
	target.tv_nsec = before.tv_nsec;
	printf("settime +1 day: %s\n", err(clock_settime(CLOCK_REALTIME, &target)));
	uint64_t ticks;
	printf("cancel-on-set timerfd read: %s\n", err(read(tfd, &ticks, 8)));
	printf("read again: %s\n", err(read(tfd, &ticks, 8)));
	long n = read(plain, &ticks, 8);
	printf("absolute timerfd an hour ahead, the clock a day on: %s %llu\n", err(n),
	       n == 8 ? (unsigned long long)ticks : 0ULL);
	clock_gettime(CLOCK_REALTIME, &after); /* through the vDSO */
	long long moved = ns(after) - ns(before) - day;
	printf("vdso clock_gettime moved a day: %s\n", moved >= 0 && moved < 2000000000LL ? "yes" : "no");
	syscall(SYS_clock_gettime, CLOCK_REALTIME, &after);
	moved = ns(after) - ns(before) - day;
	printf("syscall clock_gettime moved a day: %s\n", moved >= 0 && moved < 2000000000LL ? "yes" : "no");
	struct timeval tv;
	gettimeofday(&tv, NULL);
	printf("gettimeofday moved a day: %s\n", tv.tv_sec - before.tv_sec - 86400 < 3 && tv.tv_sec >= target.tv_sec ? "yes" : "no");
	time_t now = time(NULL);
	printf("time moved a day: %s\n", now - before.tv_sec - 86400 < 3 && now >= target.tv_sec ? "yes" : "no");
	syscall(SYS_time, &now);
	printf("sys_time moved a day: %s\n", now - before.tv_sec - 86400 < 3 && now >= target.tv_sec ? "yes" : "no");

	struct timex t;
	long r;
	memset(&t, 0, sizeof t);
	t.modes = ADJ_SETOFFSET;
	t.time.tv_sec = -86400;
	printf("adjtimex setoffset -1 day: %s\n", adjtimex(&t) >= 0 ? "ok" : err(-1));
	clock_gettime(CLOCK_REALTIME, &after);
	moved = ns(after) - ns(before);
	printf("back to the time before: %s\n", moved >= 0 && moved < 2000000000LL ? "yes" : "no");

	clock_gettime(CLOCK_MONOTONIC, &mono);
	mono.tv_sec -= 10;
	printf("settime before the monotonic clock: %s\n", err(clock_settime(CLOCK_REALTIME, &mono)));

	struct timezone tz = {-120, 0}, got;
	printf("settimeofday zone: %s\n", err(settimeofday(NULL, &tz)));
	gettimeofday(&tv, &got);
	printf("gettimeofday zone: %d %d\n", got.tz_minuteswest, got.tz_dsttime);

	memset(&t, 0, sizeof t);
	t.modes = ADJ_OFFSET_SINGLESHOT;
	t.offset = 200000;
	r = adjtimex(&t);
	printf("adjtime 200ms: %s, previous %ld\n", r >= 0 ? "ok" : err(-1), t.offset);
	t.modes = ADJ_OFFSET_SS_READ;
	adjtimex(&t);
	printf("adjtime left: %s\n", t.offset > 190000 && t.offset <= 200000 ? "about 200ms" : "wrong");

	memset(&t, 0, sizeof t);
	t.modes = ADJ_STATUS | ADJ_FREQUENCY | ADJ_MAXERROR | ADJ_TIMECONST | ADJ_TICK;
	t.status = STA_PLL | STA_NANO;
	t.freq = 655360; /* 10 ppm */
	t.maxerror = 99999999;
	t.constant = 3;
	t.tick = 10001;
	r = adjtimex(&t);
	printf("adjtimex set: %ld status %#x freq %ld maxerror %ld constant %ld tick %ld\n", r, t.status, t.freq,
	       t.maxerror, t.constant, t.tick);
	t.modes = ADJ_OFFSET;
	t.offset = 123;
	adjtimex(&t);
	printf("offset with PLL: %ld\n", t.offset);
	t.modes = ADJ_STATUS;
	t.status = 0;
	r = adjtimex(&t);
	printf("PLL off: %ld status %#x\n", r, t.status);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 1 && !strcmp(argv[1], "set"))
		steps();
	else
		errors();
	printf("done\n");
	return 0;
}
