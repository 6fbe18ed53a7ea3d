/* seccomp as programs meet it: strict mode, filters' actions, SIGSYS's details, inheritance, TSYNC. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define ON_NR(nr, action) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1), BPF_STMT(BPF_RET | BPF_K, (action))
#define ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static const char *err(long r)
{
	static char buf[64];
	if (r >= 0)
		snprintf(buf, sizeof buf, "%ld", r);
	else
		snprintf(buf, sizeof buf, "-1 %s", strerrorname_np(errno));
	return buf;
}

static long install(struct sock_filter *insns, unsigned short len, unsigned flags)
{
	struct sock_fprog prog = { .len = len, .filter = insns };
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
}

static const char *status_of(pid_t pid)
{
	static char buf[64];
	int status;
	waitpid(pid, &status, 0);
	if (WIFSIGNALED(status))
		snprintf(buf, sizeof buf, "killed by %s", sigabbrev_np(WTERMSIG(status)));
	else
		snprintf(buf, sizeof buf, "exited %d", WEXITSTATUS(status));
	return buf;
}

static volatile siginfo_t trapped;

static void on_sigsys(int sig, siginfo_t *info, void *ctx)
{
	(void)sig;
	(void)ctx;
	trapped = *info;
}

static void seccomp_line(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "Seccomp", 7) || !strncmp(line, "NoNewPrivs", 10))
			fputs(line, stdout);
	fclose(f);
}

static void *thread_getppid(void *arg)
{
	(void)arg;
	long r = syscall(SYS_getppid);
	return (void *)(r < 0 ? (long)errno : 0L);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	unsigned action = SECCOMP_RET_TRAP;
	printf("trap available: %s\n", err(syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action)));
	action = 0x12340000;
	printf("unknown action: %s\n", err(syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action)));
	printf("mode now: %d\n", prctl(PR_GET_SECCOMP));

	/* Programs the kernel refuses. */
	struct sock_filter no_ret[] = { LOAD_NR };
	struct sock_filter past_data[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 64), ALLOW };
	struct sock_filter unaligned[] = { BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 2), ALLOW };
	struct sock_filter jump_out[] = { BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0), ALLOW };
	struct sock_filter byte_load[] = { BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0), ALLOW };
	struct sock_filter unset_mem[] = { BPF_STMT(BPF_LD | BPF_MEM, 3), ALLOW };
	pid_t child = fork();
	if (child == 0) {
		printf("without no_new_privs as root: %s\n", err(install((struct sock_filter[]){ ALLOW }, 1, 0)));
		printf("then strict mode: %s\n", err(prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT)));
		_exit(0);
	}
	printf("root child: %s\n", status_of(child));
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	printf("no return: %s\n", err(install(no_ret, 1, 0)));
	printf("load past the data: %s\n", err(install(past_data, 2, 0)));
	printf("unaligned load: %s\n", err(install(unaligned, 2, 0)));
	printf("jump out: %s\n", err(install(jump_out, 2, 0)));
	printf("byte load: %s\n", err(install(byte_load, 2, 0)));
	printf("unset scratch: %s\n", err(install(unset_mem, 2, 0)));
	printf("empty: %s\n", err(install(no_ret, 0, 0)));
	printf("listener flag with tsync: %s\n", err(install((struct sock_filter[]){ ALLOW }, 1,
		SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_NEW_LISTENER)));

	/* Strict mode: write goes through, getpid kills. */
	child = fork();
	if (child == 0) {
		prctl(PR_SET_SECCOMP, SECCOMP_MODE_STRICT);
		write(1, "strict: write allowed\n", 22);
		syscall(SYS_getpid);
		write(1, "strict: getpid allowed\n", 23);
		syscall(SYS_exit, 0);
	}
	printf("strict child: %s\n", status_of(child));

	/* A filter: getppid fails with EPERM, uname traps, kill kills the process, the rest run. */
	child = fork();
	if (child == 0) {
		struct sock_filter filter[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 38),
			LOAD_NR,
			ON_NR(SYS_getppid, SECCOMP_RET_ERRNO | EPERM),
			ON_NR(SYS_uname, SECCOMP_RET_TRAP | 77),
			ON_NR(SYS_kill, SECCOMP_RET_KILL_PROCESS),
			ON_NR(SYS_getpgid, SECCOMP_RET_TRACE),
			ON_NR(SYS_getsid, SECCOMP_RET_USER_NOTIF),
			ALLOW,
		};
		printf("install: %s\n", err(install(filter, sizeof filter / sizeof *filter, 0)));
		seccomp_line();
		printf("getppid: %s\n", err(syscall(SYS_getppid)));
		printf("getpgid (trace, no tracer): %s\n", err(syscall(SYS_getpgid, 0)));
		printf("getsid (notify, no listener): %s\n", err(syscall(SYS_getsid, 0)));
		struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };
		sigaction(SIGSYS, &sa, NULL);
		long r = syscall(SYS_uname, (void *)0x1234);
		printf("uname trapped: returned %ld, si_code %d si_errno %d si_syscall %d si_arch %#x addr set %d\n", r,
		       trapped.si_code, trapped.si_errno, trapped.si_syscall, trapped.si_arch, trapped.si_call_addr != NULL);
		/* Filters are inherited: a grandchild fails the same way. */
		pid_t grandchild = fork();
		if (grandchild == 0) {
			printf("grandchild getppid: %s\n", err(syscall(SYS_getppid)));
			_exit(0);
		}
		waitpid(grandchild, NULL, 0);
		/* A second filter stacks: the most restrictive answer wins. */
		struct sock_filter more[] = { LOAD_NR, ON_NR(SYS_getppid, SECCOMP_RET_ERRNO | EACCES), ALLOW };
		printf("second filter: %s\n", err(install(more, sizeof more / sizeof *more, 0)));
		printf("getppid now: %s\n", err(syscall(SYS_getppid)));
		seccomp_line();
		/* i386 calls carry their own arch. */
		long ia32;
		asm volatile("int $0x80" : "=a"(ia32) : "a"(20) : "memory");
		printf("int 0x80 getpid: %ld\n", ia32);
		kill(getpid(), 0);
		printf("kill allowed?\n");
		_exit(0);
	}
	printf("filtered child: %s\n", status_of(child));

	/* TSYNC: another thread takes the filter. */
	child = fork();
	if (child == 0) {
		pthread_t thread;
		struct sock_filter filter[] = { LOAD_NR, ON_NR(SYS_getppid, SECCOMP_RET_ERRNO | ENOKEY), ALLOW };
		printf("tsync: %s\n", err(install(filter, sizeof filter / sizeof *filter, SECCOMP_FILTER_FLAG_TSYNC)));
		void *result;
		pthread_create(&thread, NULL, thread_getppid, NULL);
		pthread_join(thread, &result);
		printf("thread getppid errno: %s\n", strerrorname_np((int)(long)result));
		_exit(0);
	}
	printf("tsync child: %s\n", status_of(child));
	printf("done\n");
	return 0;
}
