/*
 * The corners of signal delivery, natively and on the emulated machine: the
 * two outputs must be the same bytes. Nothing printed depends on pids or time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fenv.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t got, rounding;
static sigjmp_buf escape;
static volatile long fault_err, fault_code;

static void say(const char *text)
{
	write(1, text, strlen(text));
}

static void on_signal(int sig)
{
	got = sig;
}

static void say_signal(int sig)
{
	char line[16];
	int n = snprintf(line, sizeof line, "  handler %d\n", sig);
	write(1, line, (size_t)n);
}

static void note_rounding(int sig)
{
	(void)sig;
	rounding = fegetround();
}

static void on_fault(int sig, siginfo_t *info, void *ucv)
{
	ucontext_t *uc = ucv;
	fault_err = uc->uc_mcontext.gregs[REG_ERR];
	fault_code = info->si_code;
	siglongjmp(escape, sig);
}

static void install(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

static void nanosleep_interrupted(void)
{
	struct timespec request = { 5, 0 }, left = { 0, 0 };
	pid_t parent = getpid();
	int result, error;

	install(SIGUSR1, on_signal, SA_RESTART); /* SA_RESTART or not, nanosleep answers EINTR */
	if (fork() == 0) {
		usleep(300000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	result = nanosleep(&request, &left);
	error = errno;
	printf("nanosleep: %d %s, most of 5 s left: %s\n", result, strerrorname_np(error),
	       left.tv_sec < 5 && left.tv_sec >= 3 ? "yes" : "no");
	wait(NULL);
}

static void handler_starts_with_a_clean_fpu(void)
{
	install(SIGUSR1, note_rounding, 0);
	fesetround(FE_UPWARD);
	raise(SIGUSR1);
	printf("rounding in the handler: %s, after it: %s\n", rounding == FE_TONEAREST ? "to nearest" : "upward",
	       fegetround() == FE_UPWARD ? "upward" : "to nearest");
	fesetround(FE_TONEAREST);
}

static void two_pending_then_unblocked(void)
{
	sigset_t both;

	install(SIGUSR1, say_signal, 0);
	install(SIGUSR2, say_signal, 0);
	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGUSR2);
	sigprocmask(SIG_BLOCK, &both, NULL);
	raise(SIGUSR1);
	raise(SIGUSR2);
	say("two pending, unblocked:\n");
	sigprocmask(SIG_UNBLOCK, &both, NULL);
}

static void sigsuspend_skips_an_ignored_signal(void)
{
	sigset_t blocked, none;
	pid_t parent = getpid(), quick, late;

	install(SIGUSR1, on_signal, 0);
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGUSR1);
	sigaddset(&blocked, SIGCHLD);
	sigprocmask(SIG_BLOCK, &blocked, NULL);
	quick = fork();
	if (quick == 0)
		_exit(0); /* its SIGCHLD (default: ignored) is pending when sigsuspend starts */
	late = fork();
	if (late == 0) {
		usleep(200000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	usleep(100000);
	got = 0;
	sigemptyset(&none);
	sigsuspend(&none);
	printf("sigsuspend ended by signal %d\n", got);
	waitpid(quick, NULL, 0);
	waitpid(late, NULL, 0);
	sigprocmask(SIG_UNBLOCK, &blocked, NULL);
}

static void signal_before_the_child_first_runs(void)
{
	long pid, spins = 0;
	int status;

	install(SIGUSR1, on_signal, 0);
	got = 0;
	pid = syscall(SYS_fork);
	if (pid == 0) {
		while (!got && spins < 400000000L)
			spins++;
		syscall(SYS_exit_group, got ? 0 : 1);
	}
	kill((pid_t)pid, SIGUSR1);
	waitpid((pid_t)pid, &status, 0);
	printf("child saw the signal sent before it ran: %s\n", WEXITSTATUS(status) == 0 ? "yes" : "no");
}

static void int80_read_restarted(void)
{
	static char buffer[16];
	int fds[2];
	pid_t parent = getpid();
	long result;

	install(SIGUSR1, on_signal, SA_RESTART);
	pipe(fds);
	if (fork() == 0) {
		usleep(100000);
		kill(parent, SIGUSR1);
		usleep(100000);
		write(fds[1], "hello", 5);
		_exit(0);
	}
	__asm__ volatile("int $0x80" : "=a"(result) : "a"(3), "b"(fds[0]), "c"(buffer), "d"(5) : "memory");
	printf("int $0x80 read, restarted: %ld '%s'\n", result, buffer);
	wait(NULL);
}

static void fault_error_codes(void)
{
	static const char *const names[] = { "write to a read-only page", "read of an unmapped page", "ud2", "int3",
					     "int $0x81" };
	struct sigaction sa;
	char *readonly = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *volatile unmapped = (char *)0x10;
	volatile char sink;
	int i, sig;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGTRAP, &sa, NULL);
	for (i = 0; i < 5; i++) {
		sig = sigsetjmp(escape, 1);
		if (sig == 0) {
			if (i == 0)
				*(volatile char *)readonly = 1;
			else if (i == 1)
				sink = *unmapped;
			else if (i == 2)
				__asm__ volatile("ud2");
			else if (i == 3)
				__asm__ volatile("int3");
			else
				__asm__ volatile("int $0x81");
			printf("%s: no fault\n", names[i]);
			continue;
		}
		printf("%s: signal %d code %ld err %ld\n", names[i], sig, fault_code, i < 2 ? fault_err : 0L);
	}
	(void)sink;
}

static void processes(void)
{
	int fds[2], status;
	char got_byte = '-';
	pid_t zombie = fork(), middle;

	if (zombie == 0)
		_exit(0);
	usleep(100000);
	printf("kill(zombie, 0): %d\n", kill(zombie, 0));
	waitpid(zombie, NULL, 0);

	prctl(PR_SET_DUMPABLE, 0);
	printf("dumpable: %d\n", prctl(PR_GET_DUMPABLE));
	prctl(PR_SET_DUMPABLE, 1);

	/* A clone whose exit signal is 0 sends the parent nothing. */
	install(SIGCHLD, on_signal, 0);
	got = 0;
	if (syscall(SYS_clone, 0L, 0L, 0L, 0L, 0L) == 0)
		syscall(SYS_exit_group, 0);
	usleep(100000);
	printf("SIGCHLD from a clone with exit signal 0: %s\n", got ? "yes" : "no");
	while (waitpid(-1, NULL, __WALL | WNOHANG) > 0)
		;

	/* PR_SET_PDEATHSIG: the grandchild hears its parent die. */
	pipe(fds);
	middle = fork();
	if (middle == 0) {
		if (fork() == 0) {
			sigset_t usr2, none;
			install(SIGUSR2, on_signal, 0);
			sigemptyset(&usr2);
			sigaddset(&usr2, SIGUSR2);
			sigprocmask(SIG_BLOCK, &usr2, NULL); /* held until sigsuspend: it may come at once */
			prctl(PR_SET_PDEATHSIG, SIGUSR2);
			write(fds[1], "r", 1);
			sigemptyset(&none);
			sigsuspend(&none);
			write(fds[1], got == SIGUSR2 ? "y" : "n", 1);
			_exit(0);
		}
		read(fds[0], &got_byte, 1); /* the grandchild is ready */
		_exit(0);
	}
	waitpid(middle, &status, 0);
	read(fds[0], &got_byte, 1);
	printf("parent-death signal: %c\n", got_byte);
}

static void second_review(void)
{
	static const struct timespec zero = { 0, 0 };
	struct timespec request = { 5, 0 }, short_wait = { 0, 100000000 };
	struct pollfd none_ready = { -1, 0, 0 };
	sigset_t urg, empty;
	stack_t stack = { 0 };
	static char alternate[65536];
	pid_t parent = getpid();
	long result;

	/* nanosleep interrupted with a rem it cannot write: EFAULT, as Linux answers. */
	install(SIGUSR1, on_signal, 0);
	if (fork() == 0) {
		usleep(300000);
		kill(parent, SIGUSR1);
		_exit(0);
	}
	result = syscall(SYS_nanosleep, &request, (void *)8);
	printf("nanosleep with a bad rem, interrupted: %ld %s\n", result, strerrorname_np(errno));
	wait(NULL);

	/* A zero timeout in read-only memory is not written back. */
	result = syscall(SYS_ppoll, &none_ready, 1L, &zero, NULL, 8L);
	printf("ppoll, const zero timeout: %ld\n", result);

	/* A pending signal the mask lets through but nobody handles ends nothing. */
	sigemptyset(&urg);
	sigaddset(&urg, SIGURG);
	sigprocmask(SIG_BLOCK, &urg, NULL);
	raise(SIGURG);
	sigemptyset(&empty);
	result = ppoll(&none_ready, 1, &short_wait, &empty);
	printf("ppoll past an ignored SIGURG: %ld\n", result);
	sigprocmask(SIG_UNBLOCK, &urg, NULL);

	stack.ss_sp = alternate;
	stack.ss_size = sizeof alternate;
	stack.ss_flags = (int)(1U << 31); /* SS_AUTODISARM (linux/signal.h) */
	printf("sigaltstack with SS_AUTODISARM: %d\n", sigaltstack(&stack, NULL));
	stack.ss_flags = SS_DISABLE;
	sigaltstack(&stack, NULL);

	/* A CLONE_FILES child's exit leaves the shared table to the parent. */
	if (syscall(SYS_clone, (long)(CLONE_FILES | SIGCHLD), 0L, 0L, 0L, 0L) == 0)
		syscall(SYS_exit_group, 0);
	wait(NULL);
	printf("stdout after a CLONE_FILES child exited: %s\n", write(1, "", 0) == 0 ? "open" : "closed");
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	nanosleep_interrupted();
	handler_starts_with_a_clean_fpu();
	two_pending_then_unblocked();
	sigsuspend_skips_an_ignored_signal();
	signal_before_the_child_first_runs();
	int80_read_restarted();
	fault_error_codes();
	processes();
	second_review();
	return 0;
}
