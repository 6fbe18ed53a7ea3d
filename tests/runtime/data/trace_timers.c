/* The timer, resource-usage and waitid calls with results that do not vary from run to run, for --trace
 * against strace (data/trace_timers.strace). */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void) {
	struct itimerval it = {{0, 250000}, {5, 0}}, zero = {0}, old;
	syscall(SYS_setitimer, ITIMER_REAL, &it, NULL);
	syscall(SYS_setitimer, ITIMER_REAL, &zero, &old);
	syscall(SYS_getitimer, ITIMER_VIRTUAL, &old);
	syscall(SYS_setitimer, 99, &it, NULL);
	syscall(SYS_alarm, 0);
	struct sigevent sev = {0};
	sev.sigev_notify = SIGEV_SIGNAL;
	sev.sigev_signo = SIGRTMIN + 1;
	sev.sigev_value.sival_int = 42;
	int id, quiet;
	syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id);
	struct sigevent none = {0};
	none.sigev_notify = SIGEV_NONE;
	syscall(SYS_timer_create, CLOCK_REALTIME, &none, &quiet);
	syscall(SYS_timer_create, 99, &sev, &quiet);
	struct itimerspec its = {{1, 500}, {0, 0}}, cur;
	syscall(SYS_timer_settime, id, 0, &its, NULL);
	syscall(SYS_timer_settime, id, TIMER_ABSTIME, &its, &cur);
	syscall(SYS_timer_gettime, id, &cur);
	syscall(SYS_timer_getoverrun, id);
	syscall(SYS_timer_delete, id);
	syscall(SYS_timer_delete, id);
	struct rusage ru;
	syscall(SYS_getrusage, 5, &ru);
	syscall(SYS_times, (void *)8);
	siginfo_t si;
	memset(&si, 0, sizeof si);
	syscall(SYS_waitid, P_ALL, 0, &si, WEXITED, NULL);
	syscall(SYS_waitid, 9, 0, &si, WEXITED, NULL);
	syscall(SYS_wait4, -1, NULL, 0x100, NULL);
	pid_t child = fork();
	if (child == 0)
		_exit(7);
	syscall(SYS_waitid, P_PID, child, &si, WEXITED | WNOWAIT, NULL);
	syscall(SYS_waitid, P_PID, child, &si, WEXITED, NULL);
	memset(&si, 0, sizeof si);
	syscall(SYS_waitid, P_ALL, 0, &si, WEXITED | WNOHANG, NULL);
	return 0;
}
