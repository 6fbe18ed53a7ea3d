/* Interval timers, POSIX timers, cpu-time accounting and waitid (issue 16): run natively and on the
 * machine, the outputs compared. Only facts that hold on any run are printed: counts, errnos, signal
 * codes, and times compared with bounds, never the times themselves. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t hits, last_code, best_overrun, last_value, last_timerid, best_getoverrun;

static const char *err(int e) {
	switch (e) {
	case 0: return "0";
	case EINVAL: return "EINVAL";
	case EINTR: return "EINTR";
	case ECHILD: return "ECHILD";
	case EFAULT: return "EFAULT";
	case EBADF: return "EBADF";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ESRCH: return "ESRCH";
	case EAGAIN: return "EAGAIN";
	default: return strerrorname_np(e);
	}
}

#define SHOW(what, call) do { errno = 0; long r_ = (long)(call); printf("%s: %ld %s\n", what, r_, r_ < 0 ? err(errno) : "0"); } while (0)

static void on_signal(int sig, siginfo_t *si, void *uc) {
	(void)sig; (void)uc;
	hits++;
	last_code = si->si_code;
	if (si->si_code == SI_TIMER) {
		last_value = si->si_value.sival_int;
		last_timerid = si->si_timerid;
		/* The largest overrun seen, and what timer_getoverrun said then: a slow run may take a
		 * second expiry before the timer is disarmed. */
		if (si->si_overrun > best_overrun) {
			best_overrun = si->si_overrun;
			best_getoverrun = syscall(SYS_timer_getoverrun, si->si_timerid);
		}
	}
}

static void handle(int sig, int flags) {
	struct sigaction sa = {0};
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(sig, &sa, NULL);
}

static long usage_us(int who, int sys) {
	struct rusage ru;
	getrusage(who, &ru);
	struct timeval tv = sys ? ru.ru_stime : ru.ru_utime;
	return tv.tv_sec * 1000000L + tv.tv_usec;
}

/* Busy in user mode until the process has `us` microseconds of user time. */
static void spin_user(long us) {
	volatile unsigned long x = 0;
	while (usage_us(RUSAGE_SELF, 0) < us)
		for (int i = 0; i < 20000; i++) x += i;
}

/* User time never runs backwards: a virtual timer read back at once shows at most what was set plus the
 * tick a cpu timer is armed late by (getitimer01's check), however long the calls themselves take. */
static void virtual_read_back(void) {
	struct timespec tick;
	clock_getres(CLOCK_MONOTONIC_COARSE, &tick);
	long bound = 10000 + (tick.tv_nsec + 999) / 1000, past = 0;
	for (int i = 0; i < 2000; i++) {
		struct itimerval it = {{0, 0}, {0, 10000}}, now;
		setitimer(ITIMER_VIRTUAL, &it, NULL);
		getitimer(ITIMER_VIRTUAL, &now);
		past += now.it_value.tv_sec != 0 || now.it_value.tv_usec > bound;
	}
	struct itimerval off = {{0, 0}, {0, 0}};
	setitimer(ITIMER_VIRTUAL, &off, NULL);
	printf("ITIMER_VIRTUAL read back past what was set plus a tick: %ld of 2000\n", past);
}

static void itimers(void) {
	handle(SIGALRM, 0);
	hits = 0;
	struct itimerval it = {{0, 20000}, {0, 20000}}, old;
	SHOW("setitimer real 20ms", setitimer(ITIMER_REAL, &it, NULL));
	while (hits < 3) pause();
	printf("SIGALRM handled 3 times: %d, si_code SI_KERNEL: %d\n", hits >= 3, last_code == SI_KERNEL);
	struct itimerval zero = {0};
	setitimer(ITIMER_REAL, &zero, &old);
	printf("old interval %ld.%06ld, value at most 20ms: %d\n", (long)old.it_interval.tv_sec,
	       (long)old.it_interval.tv_usec, old.it_value.tv_sec == 0 && old.it_value.tv_usec <= 20000);

	struct itimerval ten = {{2, 0}, {10, 0}};
	setitimer(ITIMER_REAL, &ten, NULL);
	getitimer(ITIMER_REAL, &old);
	printf("getitimer: interval %ld.%06ld, value in (9, 10]: %d\n", (long)old.it_interval.tv_sec,
	       (long)old.it_interval.tv_usec, old.it_value.tv_sec == 9 || (old.it_value.tv_sec == 10 && !old.it_value.tv_usec));
	SHOW("alarm(5) after a 10 s timer", alarm(5));
	SHOW("alarm(0) after alarm(5)", alarm(0));
	SHOW("alarm(0) with none", alarm(0));
	getitimer(ITIMER_REAL, &old);
	printf("after alarm(0): %ld %ld %ld %ld\n", (long)old.it_interval.tv_sec, (long)old.it_interval.tv_usec,
	       (long)old.it_value.tv_sec, (long)old.it_value.tv_usec);

	SHOW("setitimer bad which", setitimer(99, &ten, NULL));
	SHOW("getitimer bad which", getitimer(-1, &old));
	struct itimerval bad = {{0, 0}, {0, 1000000}};
	SHOW("setitimer usec 1000000", setitimer(ITIMER_REAL, &bad, NULL));
	bad.it_value.tv_usec = -1;
	SHOW("setitimer usec -1", setitimer(ITIMER_VIRTUAL, &bad, NULL));
	SHOW("getitimer bad pointer", syscall(SYS_getitimer, ITIMER_PROF, (void *)8));
	SHOW("setitimer NULL value", syscall(SYS_setitimer, ITIMER_REAL, NULL, &old));

	/* alarm interrupting a blocking read: a handler without SA_RESTART. */
	int fds[2];
	pipe(fds);
	char c;
	hits = 0;
	alarm(1);
	SHOW("read from an empty pipe under alarm(1)", read(fds[0], &c, 1));
	printf("SIGALRM hits: %d\n", (int)hits);
	/* With SA_RESTART the read goes on after the handler: a write from a child ends it. */
	handle(SIGALRM, SA_RESTART);
	hits = 0;
	struct itimerval soon = {{0, 0}, {0, 50000}};
	setitimer(ITIMER_REAL, &soon, NULL);
	pid_t writer = fork();
	if (writer == 0) {
		struct timespec ts = {0, 300000000};
		nanosleep(&ts, NULL);
		write(fds[1], "x", 1);
		_exit(0);
	}
	SHOW("restarted read", read(fds[0], &c, 1));
	printf("SIGALRM hits: %d\n", (int)hits);
	waitpid(writer, NULL, 0);
	close(fds[0]);
	close(fds[1]);

	/* ITIMER_VIRTUAL and ITIMER_PROF fire in a busy loop. */
	handle(SIGVTALRM, 0);
	handle(SIGPROF, 0);
	hits = 0;
	struct itimerval v = {{0, 0}, {0, 30000}};
	SHOW("setitimer virtual 30ms", setitimer(ITIMER_VIRTUAL, &v, NULL));
	volatile unsigned long x = 0;
	while (!hits) x++;
	printf("SIGVTALRM: %d\n", (int)hits);
	hits = 0;
	SHOW("setitimer prof 30ms", setitimer(ITIMER_PROF, &v, NULL));
	while (!hits) x++;
	printf("SIGPROF: %d\n", (int)hits);
	v.it_value.tv_sec = 100;
	setitimer(ITIMER_VIRTUAL, &v, NULL);
	pid_t child = fork();
	if (child == 0) {
		getitimer(ITIMER_VIRTUAL, &old);
		printf("child's virtual timer: %ld.%06ld\n", (long)old.it_value.tv_sec, (long)old.it_value.tv_usec);
		_exit(0);
	}
	waitpid(child, NULL, 0);
	fflush(stdout);
	getitimer(ITIMER_VIRTUAL, &old);
	printf("parent's virtual timer still armed: %d\n", old.it_value.tv_sec > 90);
	setitimer(ITIMER_VIRTUAL, &zero, NULL);
}

static long kcreate(clockid_t clock, struct sigevent *sev, int *id) {
	return syscall(SYS_timer_create, clock, sev, id);
}

static void posix_timers(void) {
	int sig = SIGRTMIN + 1;
	handle(sig, 0);
	struct sigevent sev = {0};
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = sig;
	sev.sigev_value.sival_int = 42;
	int id = -1, id2 = -1;
	SHOW("timer_create monotonic", kcreate(CLOCK_MONOTONIC, &sev, &id));
	SHOW("timer_create realtime, NULL event", kcreate(CLOCK_REALTIME, NULL, &id2));
	printf("ids %d %d\n", id, id2);
	struct itimerspec its = {{0, 10000000}, {0, 10000000}}, cur;
	hits = 0;
	SHOW("timer_settime 10ms", syscall(SYS_timer_settime, id, 0, &its, NULL));
	while (hits < 3) pause();
	printf("timer signals 3: %d, SI_TIMER %d, value %d, timerid matches %d\n", hits >= 3, last_code == SI_TIMER,
	       (int)last_value, last_timerid == id);
	syscall(SYS_timer_gettime, id, &cur);
	printf("gettime interval %ld.%09ld, value <= 10ms: %d\n", (long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec,
	       cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec <= 10000000);

	/* Overruns: the signal blocked while the timer runs on. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, sig);
	sigprocmask(SIG_BLOCK, &set, NULL);
	best_overrun = 0;
	struct itimerspec fast = {{0, 2000000}, {0, 2000000}};
	syscall(SYS_timer_settime, id, 0, &fast, NULL);
	struct timespec wait = {0, 100000000};
	nanosleep(&wait, NULL);
	hits = 0;
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	struct itimerspec off = {0};
	syscall(SYS_timer_settime, id, 0, &off, &cur);
	printf("after unblocking: a signal %d, si_overrun > 5: %d, the handler's timer_getoverrun the same: %d\n",
	       hits >= 1, best_overrun > 5, best_getoverrun == best_overrun);
	SHOW("timer_getoverrun after timer_settime", syscall(SYS_timer_getoverrun, id));
	printf("disarmed: old interval %ld.%09ld\n", (long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec);
	syscall(SYS_timer_gettime, id, &cur);
	printf("gettime disarmed: %ld %ld %ld %ld\n", (long)cur.it_interval.tv_sec, cur.it_interval.tv_nsec,
	       (long)cur.it_value.tv_sec, cur.it_value.tv_nsec);

	/* SIGEV_NONE: nothing is sent, the time left is kept. */
	struct sigevent none = {0};
	none.sigev_notify = SIGEV_NONE;
	int quiet = -1;
	SHOW("timer_create SIGEV_NONE", kcreate(CLOCK_MONOTONIC, &none, &quiet));
	struct itimerspec five = {{0, 0}, {5, 0}};
	syscall(SYS_timer_settime, quiet, 0, &five, NULL);
	syscall(SYS_timer_gettime, quiet, &cur);
	printf("SIGEV_NONE left in (4, 5]: %d\n", cur.it_value.tv_sec == 4 || (cur.it_value.tv_sec == 5 && !cur.it_value.tv_nsec));
	/* An absolute expiry in the past fires at once. */
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	struct itimerspec past = {{0, 0}, {now.tv_sec - 1, 0}};
	hits = 0;
	SHOW("timer_settime absolute, past", syscall(SYS_timer_settime, id, TIMER_ABSTIME, &past, NULL));
	while (!hits) pause();
	printf("fired at once: %d\n", (int)hits);

	/* SIGEV_THREAD_ID to this thread. */
	struct sigevent mine = {0};
	mine.sigev_notify = SIGEV_THREAD_ID;
	mine.sigev_signo = sig;
	mine._sigev_un._tid = gettid();
	int tid_timer = -1;
	SHOW("timer_create SIGEV_THREAD_ID", kcreate(CLOCK_MONOTONIC, &mine, &tid_timer));
	mine._sigev_un._tid = 99999;
	SHOW("timer_create SIGEV_THREAD_ID, no such thread", kcreate(CLOCK_MONOTONIC, &mine, &id2));
	hits = 0;
	struct itimerspec once = {{0, 0}, {0, 5000000}};
	syscall(SYS_timer_settime, tid_timer, 0, &once, NULL);
	while (!hits) pause();
	printf("thread-directed timer fired: %d\n", (int)hits);

	/* A cpu-time timer fires in a busy loop. */
	int cpu = -1;
	SHOW("timer_create process cputime", kcreate(CLOCK_PROCESS_CPUTIME_ID, &sev, &cpu));
	hits = 0;
	struct itimerspec twenty = {{0, 0}, {0, 20000000}};
	syscall(SYS_timer_settime, cpu, 0, &twenty, NULL);
	volatile unsigned long x = 0;
	while (!hits) x++;
	printf("cpu-time timer fired: %d\n", (int)hits);
	int tcpu = -1;
	SHOW("timer_create thread cputime", kcreate(CLOCK_THREAD_CPUTIME_ID, &sev, &tcpu));

	/* Errors. */
	struct sigevent bad = sev;
	bad.sigev_signo = 0;
	SHOW("timer_create signo 0", kcreate(CLOCK_MONOTONIC, &bad, &id2));
	bad.sigev_signo = 65;
	SHOW("timer_create signo 65", kcreate(CLOCK_MONOTONIC, &bad, &id2));
	bad = sev;
	bad.sigev_notify = 77;
	SHOW("timer_create notify 77", kcreate(CLOCK_MONOTONIC, &bad, &id2));
	SHOW("timer_create clock 99", kcreate(99, &sev, &id2));
	SHOW("timer_create monotonic_raw", kcreate(CLOCK_MONOTONIC_RAW, &sev, &id2));
	SHOW("timer_create bad event pointer", kcreate(CLOCK_MONOTONIC, (void *)8, &id2));
	SHOW("timer_create bad id pointer", kcreate(CLOCK_MONOTONIC, &sev, (void *)8));
	SHOW("timer_settime NULL", syscall(SYS_timer_settime, id, 0, NULL, NULL));
	struct itimerspec badns = {{0, 0}, {0, 1000000000}};
	SHOW("timer_settime nsec 1e9", syscall(SYS_timer_settime, id, 0, &badns, NULL));
	SHOW("timer_settime no such timer", syscall(SYS_timer_settime, 12345, 0, &its, NULL));
	SHOW("timer_gettime no such timer", syscall(SYS_timer_gettime, 12345, &cur));
	SHOW("timer_gettime bad pointer", syscall(SYS_timer_gettime, id, (void *)8));
	SHOW("timer_getoverrun no such timer", syscall(SYS_timer_getoverrun, 12345));

	pid_t child = fork();
	if (child == 0) {
		SHOW("child: timer_gettime of the parent's timer", syscall(SYS_timer_gettime, id, &cur));
		int first = -1;
		kcreate(CLOCK_MONOTONIC, &sev, &first);
		printf("child's first timer id: %d\n", first);
		_exit(0);
	}
	waitpid(child, NULL, 0);
	fflush(stdout);
	/* Timers are bounded: RLIMIT_SIGPENDING counts them. */
	struct rlimit few = {50, 50}, saved;
	getrlimit(RLIMIT_SIGPENDING, &saved);
	setrlimit(RLIMIT_SIGPENDING, &few);
	int made = 0, last = -1;
	errno = 0;
	while (made < 1000 && kcreate(CLOCK_MONOTONIC, &sev, &last) == 0)
		made++;
	printf("timer_create until RLIMIT_SIGPENDING: EAGAIN within 1000: %d\n", made < 1000 && errno == EAGAIN);
	setrlimit(RLIMIT_SIGPENDING, &saved);
	SHOW("timer_delete", syscall(SYS_timer_delete, id));
	SHOW("timer_delete again", syscall(SYS_timer_delete, id));
	SHOW("timer_gettime deleted", syscall(SYS_timer_gettime, id, &cur));
}

static void accounting(void) {
	spin_user(60000);
	printf("user time >= 60ms: %d\n", usage_us(RUSAGE_SELF, 0) >= 60000);
	long before = usage_us(RUSAGE_SELF, 1);
	while (usage_us(RUSAGE_SELF, 1) - before < 5000) getppid();
	printf("system time grows with system calls: 1\n");
	printf("thread's user time >= 60ms: %d\n", usage_us(RUSAGE_THREAD, 0) >= 60000);
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("maxrss > 0: %d, minflt > 0: %d\n", ru.ru_maxrss > 0, ru.ru_minflt > 0);
	SHOW("getrusage who 5", getrusage(5, &ru));
	SHOW("getrusage RUSAGE_BOTH", getrusage(-2, &ru));
	SHOW("getrusage bad pointer", syscall(SYS_getrusage, RUSAGE_SELF, (void *)8));
	struct timespec cpu0, cpu1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0);
	printf("process cpu clock >= user time: %d\n", cpu0.tv_sec * 1000000L + cpu0.tv_nsec / 1000 >= 60000);

	pid_t child = fork();
	if (child == 0) {
		spin_user(50000);
		_exit(3);
	}
	int status;
	struct rusage cru;
	SHOW("wait4 with rusage", wait4(child, &status, 0, &cru) == child);
	printf("wait4's rusage user >= 50ms: %d, status %#x\n",
	       cru.ru_utime.tv_sec * 1000000L + cru.ru_utime.tv_usec >= 50000, status);
	printf("RUSAGE_CHILDREN user >= 50ms: %d\n", usage_us(RUSAGE_CHILDREN, 0) >= 50000);
	struct tms t;
	clock_t ticks = times(&t);
	printf("times: utime >= 6 ticks %d, cutime >= 5 ticks %d, returns > 0 %d\n", t.tms_utime >= 6,
	       t.tms_cutime >= 5, ticks > 0);
	SHOW("times(NULL) > 0", times(NULL) > 0);
	SHOW("times bad pointer", syscall(SYS_times, (void *)8));
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu1);
	printf("process cpu clock moves: %d\n", cpu1.tv_sec > cpu0.tv_sec || cpu1.tv_nsec > cpu0.tv_nsec);
	clockid_t mine;
	clock_getcpuclockid(getpid(), &mine);
	SHOW("clock_gettime of the pid's cpu clock", clock_gettime(mine, &cpu1));
	SHOW("clock_gettime cpu clock of pid 99999", syscall(SYS_clock_gettime, (~99999 << 3) | 2, &cpu1));
	SHOW("clock_gettime cpu clock kind 3", syscall(SYS_clock_gettime, (~0 << 3) | 3, &cpu1));
	struct timespec tiny = {0, 1000};
	printf("clock_nanosleep thread cputime: %s\n", err(clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &tiny, NULL)));
}

static void waits(void) {
	siginfo_t si;
	memset(&si, 0x55, sizeof si);
	SHOW("waitid no children", waitid(P_ALL, 0, &si, WEXITED));
	printf("  zeroed: signo %d pid %d status %d\n", si.si_signo, si.si_pid, si.si_status);
	SHOW("waitid options 0", waitid(P_ALL, 0, &si, 0));
	SHOW("waitid bad option", waitid(P_ALL, 0, &si, WEXITED | 0x100));
	SHOW("waitid which 9", waitid(9, 0, &si, WEXITED));
	SHOW("waitid P_PID 0", waitid(P_PID, 0, &si, WEXITED));
	SHOW("waitid P_PGID -1", waitid(P_PGID, -1, &si, WEXITED));
	SHOW("waitid P_PIDFD -1", waitid(P_PIDFD, -1, &si, WEXITED));
	SHOW("waitid P_PIDFD stdin", waitid(P_PIDFD, 0, &si, WEXITED));
	SHOW("wait4 bad option, no children", wait4(-1, NULL, 0x100, NULL));
	SHOW("wait4 INT_MIN", wait4(-2147483647 - 1, NULL, 0, NULL));

	int p[2];
	pipe(p);
	pid_t child = fork();
	if (child == 0) {
		char c;
		read(p[0], &c, 1);
		_exit(7);
	}
	memset(&si, 0x55, sizeof si);
	SHOW("waitid WNOHANG, running", waitid(P_PID, child, &si, WEXITED | WNOHANG));
	printf("  signo %d pid %d\n", si.si_signo, si.si_pid);
	write(p[1], "x", 1);
	SHOW("waitid WNOWAIT", waitid(P_PID, child, &si, WEXITED | WNOWAIT));
	printf("  signo %d code CLD_EXITED %d pid matches %d status %d uid %d\n", si.si_signo, si.si_code == CLD_EXITED,
	       si.si_pid == child, si.si_status, si.si_uid);
	struct rusage ru;
	SHOW("waitid P_ALL again, with rusage", syscall(SYS_waitid, P_ALL, 0, &si, WEXITED, &ru));
	printf("  pid matches %d status %d\n", si.si_pid == child, si.si_status);
	SHOW("waitid after the reap", waitid(P_PID, child, &si, WEXITED | WNOHANG));

	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	SHOW("waitid only WSTOPPED, WNOHANG", waitid(P_PID, child, &si, WSTOPPED | WNOHANG));
	kill(child, SIGKILL);
	SHOW("waitid P_PGID 0", waitid(P_PGID, 0, &si, WEXITED));
	printf("  code CLD_KILLED %d status %d\n", si.si_code == CLD_KILLED, si.si_status);

	/* Core-dumping signals: WCOREDUMP only when RLIMIT_CORE allows a dump. */
	for (int lim = 0; lim < 2; lim++) {
		struct rlimit r = {lim ? 1 << 20 : 0, RLIM_INFINITY};
		setrlimit(RLIMIT_CORE, &r);
		child = fork();
		if (child == 0) {
			raise(SIGSEGV);
			_exit(1);
		}
		int status;
		waitpid(child, &status, 0);
		printf("SIGSEGV, core limit %d: status %#x WCOREDUMP %d\n", lim, status, WCOREDUMP(status) != 0);
	}
	child = fork();
	if (child == 0)
		abort();
	SHOW("waitid after abort", waitid(P_PID, child, &si, WEXITED));
	printf("  code CLD_DUMPED %d status %d\n", si.si_code == CLD_DUMPED, si.si_status);
}

static void resethand(void) {
	struct sigaction sa = {0}, old;
	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	sigaction(SIGUSR1, NULL, &old);
	printf("SA_RESETHAND: default now %d, SA_SIGINFO kept %d, SA_RESETHAND kept %d\n", old.sa_handler == SIG_DFL,
	       (old.sa_flags & SA_SIGINFO) != 0, (old.sa_flags & SA_RESETHAND) != 0);
}

/* Across exec: alarm and setitimer's timers stay, timer_create's go. */
static void exec_check(void) {
	struct itimerspec cur;
	unsigned left = alarm(0);
	printf("after exec: alarm left 4 or 5: %d\n", left == 4 || left == 5);
	SHOW("after exec: timer_gettime of the timer made before", syscall(SYS_timer_gettime, 0, &cur));
}

static void across_exec(void) {
	pid_t child = fork();
	if (child == 0) {
		alarm(5);
		struct sigevent none = {0};
		none.sigev_notify = SIGEV_NONE;
		int id;
		kcreate(CLOCK_MONOTONIC, &none, &id);
		execl("/proc/self/exe", "timers", "exec-check", (char *)NULL);
		_exit(99);
	}
	int status;
	waitpid(child, &status, 0);
	printf("exec'd child: status %#x\n", status);
}

int main(int argc, char **argv) {
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1 && !strcmp(argv[1], "exec-check")) {
		exec_check();
		return 0;
	}
	itimers();
	virtual_read_back();
	posix_timers();
	accounting();
	waits();
	resethand();
	across_exec();
	puts("done");
	return 0;
}
