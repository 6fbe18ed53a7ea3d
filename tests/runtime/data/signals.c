/*
 * Signals through glibc, run natively and on the emulated machine: the two
 * outputs must be the same bytes. Nothing printed depends on pids or time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got, chld;
static char altstack[65536];

static void say(const char *text)
{
	write(1, text, strlen(text));
}

static void on_info(int sig, siginfo_t *info, void *uc)
{
	char line[96];
	(void)uc;
	got = sig;
	snprintf(line, sizeof line, "  handler: sig=%d code=%d from_self=%d\n", sig, info->si_code,
		 info->si_pid == getpid());
	say(line);
}

static void on_plain(int sig)
{
	got = sig;
}

static void on_chld(int sig)
{
	(void)sig;
	chld++;
}

static void on_altstack(int sig)
{
	char here;
	(void)sig;
	got = (&here >= altstack && &here < altstack + sizeof altstack) ? 1 : -1;
}

/* The handler scribbles on xmm7; rt_sigreturn must give main its value back. */
static void on_clobber(int sig)
{
	(void)sig;
	__asm__ volatile("pcmpeqd %%xmm7, %%xmm7" ::: "xmm7");
	got = 1;
}

/* A context that sysretq cannot return to: rcx and r11 no longer hold rip and rflags. */
static void on_set_rcx_r11(int sig, siginfo_t *info, void *ucv)
{
	ucontext_t *uc = ucv;
	(void)sig;
	(void)info;
	uc->uc_mcontext.gregs[REG_RCX] = 0xdead;
	uc->uc_mcontext.gregs[REG_R11] = 0xbeef;
}

static void rcx_r11_after_handler(void)
{
	struct sigaction sa;
	uint64_t rcx, r11;
	long ret;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_set_rcx_r11;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	__asm__ volatile("syscall\n\tmovq %%r11, %1"
			 : "=a"(ret), "=r"(r11), "=c"(rcx)
			 : "a"((long)SYS_kill), "D"((long)getpid()), "S"((long)SIGUSR1)
			 : "r11", "memory");
	printf("kill=%ld, then rcx=%#llx r11=%#llx from the handler's context\n", ret, (unsigned long long)rcx,
	       (unsigned long long)r11);
}

static sigjmp_buf escape;
static volatile int fault_code;
static void *volatile fault_addr;
static char *volatile readonly;

static void on_fault(int sig, siginfo_t *info, void *uc)
{
	(void)uc;
	fault_code = info->si_code;
	fault_addr = info->si_addr;
	siglongjmp(escape, sig);
}

/* Repairs what faulted and returns: the instruction runs again, and succeeds. */
static void on_fault_repair(int sig, siginfo_t *info, void *uc)
{
	(void)sig;
	(void)uc;
	fault_addr = info->si_addr;
	mprotect(readonly, 4096, PROT_READ | PROT_WRITE);
}

static void faults(void)
{
	static const char *const names[] = { "NULL", "kernel", "read-only", "divide" };
	struct sigaction sa;
	volatile int zero = 0, result = 0;
	int i, sig;

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	readonly = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < 4; i++) {
		char *expected = i == 0 ? NULL : i == 1 ? (char *)0xffffffff81000000ull : readonly;
		sig = sigsetjmp(escape, 1);
		if (sig == 0) {
			if (i == 0)
				result = *(volatile char *)expected;
			else if (i < 3)
				*(volatile char *)expected = 1;
			else
				result = 1000 / zero;
			printf("%s: no fault\n", names[i]);
			continue;
		}
		printf("%s: %s code=%d addr_ok=%d\n", names[i], strsignal(sig), fault_code,
		       i == 3 ? fault_addr != NULL : fault_addr == expected);
	}
	sa.sa_sigaction = on_fault_repair;
	sigaction(SIGSEGV, &sa, NULL);
	readonly[100] = 42;
	printf("repaired: %d addr_ok=%d\n", readonly[100], fault_addr == readonly + 100);
	(void)result;
}

static uint64_t xmm7_low(void)
{
	uint64_t value;
	__asm__ volatile("movq %%xmm7, %0" : "=r"(value));
	return value;
}

static void set_xmm7(uint64_t value)
{
	__asm__ volatile("movq %0, %%xmm7" ::"r"(value) : "xmm7");
}

static void install(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

static void describe(const char *what, int status)
{
	if (WIFEXITED(status))
		printf("%s: exit %d\n", what, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("%s: killed by %s\n", what, strsignal(WTERMSIG(status)));
}

/* A child signals the parent, blocked in read(), then writes one byte. */
static void interrupted_read(int restart)
{
	int fds[2];
	char c = 0;
	pid_t pid;
	ssize_t n;

	install(SIGUSR2, on_plain, restart ? SA_RESTART : 0);
	pipe(fds);
	pid = fork();
	if (pid == 0) {
		usleep(100000);
		kill(getppid(), SIGUSR2);
		usleep(100000);
		write(fds[1], "x", 1);
		_exit(0);
	}
	got = 0;
	n = read(fds[0], &c, 1);
	printf("read with%s SA_RESTART: n=%zd errno=%s got=%d", restart ? "" : "out", n,
	       n < 0 ? strerrorname_np(errno) : "0", got);
	if (n < 0)
		n = read(fds[0], &c, 1);
	printf(" then n=%zd c=%c\n", n, c);
	waitpid(pid, NULL, 0);
	close(fds[0]);
	close(fds[1]);
}

int main(void)
{
	struct sigaction sa;
	sigset_t set, old, pending;
	stack_t ss;
	int fds[2], status, i;
	pid_t pid;

	setvbuf(stdout, NULL, _IONBF, 0);

	memset(&sa, 0, sizeof sa);
	sa.sa_sigaction = on_info;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	say("raise(SIGUSR1)\n");
	raise(SIGUSR1);
	printf("after raise: got=%d\n", got);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, &old);
	got = 0;
	kill(getpid(), SIGUSR1);
	sigpending(&pending);
	printf("blocked: got=%d pending=%d\n", got, sigismember(&pending, SIGUSR1));
	sigprocmask(SIG_SETMASK, &old, NULL);
	printf("unblocked: got=%d\n", got);

	interrupted_read(0);
	interrupted_read(1);

	install(SIGCHLD, on_chld, SA_RESTART);
	for (i = 0; i < 3; i++) {
		pid = fork();
		if (pid == 0)
			_exit(i);
		waitpid(pid, &status, 0);
		describe("child", status);
	}
	printf("SIGCHLD handled %d times\n", chld);

	pid = fork();
	if (pid == 0) {
		pause();
		_exit(0);
	}
	usleep(100000);
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	describe("paused child sent SIGTERM", status);

	pid = fork();
	if (pid == 0)
		abort();
	waitpid(pid, &status, 0);
	describe("abort()", status);

	pipe(fds);
	close(fds[0]);
	pid = fork();
	if (pid == 0) {
		write(fds[1], "x", 1);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	describe("write to a pipe nobody reads", status);
	signal(SIGPIPE, SIG_IGN);
	i = (int)write(fds[1], "x", 1);
	printf("with SIGPIPE ignored: write=%d errno=%s\n", i, strerrorname_np(errno));
	signal(SIGPIPE, SIG_DFL);
	close(fds[1]);

	ss.ss_sp = altstack;
	ss.ss_size = sizeof altstack;
	ss.ss_flags = 0;
	sigaltstack(&ss, NULL);
	install(SIGUSR1, on_altstack, SA_ONSTACK);
	got = 0;
	raise(SIGUSR1);
	printf("handler on the alternate stack: %d\n", got);

	rcx_r11_after_handler();
	faults();

	install(SIGUSR1, on_clobber, 0);
	got = 0;
	set_xmm7(0x1122334455667788ull);
	syscall(SYS_kill, getpid(), SIGUSR1);
	printf("xmm7 after a handler clobbered it: %#llx (handled %d)\n", (unsigned long long)xmm7_low(), got);

	/* Another process's SSE registers never show through a context switch. */
	pipe(fds);
	set_xmm7(0xaaaaaaaaaaaaaaaaull);
	pid = fork();
	if (pid == 0) {
		set_xmm7(0x5555555555555555ull);
		write(fds[1], "x", 1);
		_exit(xmm7_low() == 0x5555555555555555ull ? 0 : 1);
	}
	read(fds[0], &i, 1);
	printf("xmm7 after the child ran: %#llx\n", (unsigned long long)xmm7_low());
	waitpid(pid, &status, 0);
	describe("child kept its own xmm7", status);

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	install(SIGUSR1, on_plain, 0);
	got = 0;
	pid = fork();
	if (pid == 0) {
		kill(getppid(), SIGUSR1);
		_exit(0);
	}
	sigemptyset(&set);
	i = sigsuspend(&set);
	printf("sigsuspend: %d %s got=%d\n", i, strerrorname_np(errno), got);
	sigprocmask(SIG_BLOCK, NULL, &old);
	printf("mask restored: %d\n", sigismember(&old, SIGUSR1));
	waitpid(pid, NULL, 0);

	install(SIGUSR1, on_plain, SA_RESETHAND);
	pid = fork();
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &set, NULL);
		raise(SIGUSR1);
		raise(SIGUSR1);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	describe("second SIGUSR1 after SA_RESETHAND", status);
	return 3;
}
