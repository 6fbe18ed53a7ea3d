/* Threads made with the raw clone and clone3 system calls (no pthread: it needs futex), natively and on
 * the machine: the same lines and exit status.
 *
 * Each thread runs on a stack of its own and makes only raw system calls (rsys): it shares the main
 * thread's TLS, so glibc's errno and stdio are the main thread's alone. Threads and the main thread
 * meet through pipes, nanosleep polling, CLONE_CHILD_CLEARTID's zero and waitpid; nothing printed
 * depends on timing, and no id is printed, only how ids compare.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define STACK_SIZE (64 * 1024)
#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM)

static char stacks[6][STACK_SIZE] __attribute__((aligned(16)));

static long rsys(long n, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "0"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* clone(flags, stack, ptid, ctid, tls): the child calls fn(arg) on `stack` and exits the thread with its result. */
static long spawn(unsigned long flags, void *stack, int *ptid, int *ctid, unsigned long tls, int (*fn)(void *),
		  void *arg)
{
	long ret;
	register long r10 __asm__("r10") = (long)ctid;
	register long r8 __asm__("r8") = (long)tls;
	register void *r12 __asm__("r12") = (void *)fn;
	register void *r13 __asm__("r13") = arg;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "mov %%r13, %%rdi\n\t"
			 "call *%%r12\n\t"
			 "mov %%eax, %%edi\n\t"
			 "mov $60, %%eax\n\t"
			 "syscall\n\t"
			 "hlt\n"
			 "1:"
			 : "=a"(ret)
			 : "0"((long)SYS_clone), "D"(flags), "S"(stack), "d"(ptid), "r"(r10), "r"(r8), "r"(r12), "r"(r13)
			 : "rcx", "r11", "memory");
	return ret;
}

/* clone3(args, size), the child as with spawn. */
static long spawn3(struct clone_args *args, size_t size, int (*fn)(void *), void *arg)
{
	long ret;
	register void *r12 __asm__("r12") = (void *)fn;
	register void *r13 __asm__("r13") = arg;
	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "mov %%r13, %%rdi\n\t"
			 "call *%%r12\n\t"
			 "mov %%eax, %%edi\n\t"
			 "mov $60, %%eax\n\t"
			 "syscall\n\t"
			 "hlt\n"
			 "1:"
			 : "=a"(ret)
			 : "0"((long)SYS_clone3), "D"(args), "S"(size), "r"(r12), "r"(r13)
			 : "rcx", "r11", "memory");
	return ret;
}

static void *top(int i)
{
	return stacks[i] + STACK_SIZE;
}

static void tsleep(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	rsys(SYS_nanosleep, (long)&ts, 0, 0, 0, 0, 0);
}

/* Until CLONE_CHILD_CLEARTID's word is zero: the thread is gone. */
static int wait_cleared(volatile int *ctid)
{
	for (int i = 0; i < 5000; i++) {
		if (*ctid == 0)
			return 1;
		tsleep(1);
	}
	return 0;
}

static const char *err(long r)
{
	return r >= 0 ? "ok" : strerrorname_np((int)-r);
}

/* -- shared memory, descriptors, ids, TLS, CLONE_PARENT_SETTID and CLONE_CHILD_CLEARTID -- */

static volatile int counter;
static int shared_fd = -1;

struct seen {
	long tid, pid, ppid, tls_word, altstack_flags, xmm15;
	int pipe_w;
};

static int sharing_thread(void *arg)
{
	struct seen *s = arg;
	long fds[1];
	int p[2];
	s->tid = rsys(SYS_gettid, 0, 0, 0, 0, 0, 0);
	s->pid = rsys(SYS_getpid, 0, 0, 0, 0, 0, 0);
	s->ppid = rsys(SYS_getppid, 0, 0, 0, 0, 0, 0);
	__asm__ volatile("mov %%fs:8, %0" : "=r"(s->tls_word));
	stack_t ss;
	rsys(SYS_sigaltstack, 0, (long)&ss, 0, 0, 0, 0); /* not the main thread's: a new thread starts without one */
	s->altstack_flags = ss.ss_flags;
	/* Its own FPU registers: what it finds, then what it leaves for the main thread to not see. */
	__asm__ volatile("movq %%xmm15, %0" : "=r"(s->xmm15));
	__asm__ volatile("movq %0, %%xmm15" : : "r"(0x5555555555555555L) : "xmm15");
	counter = 42;
	(void)fds;
	if (rsys(SYS_pipe, (long)p, 0, 0, 0, 0, 0) == 0) {
		shared_fd = p[0];
		rsys(SYS_write, p[1], (long)"from the thread", 15, 0, 0, 0);
		rsys(SYS_close, p[1], 0, 0, 0, 0, 0);
	}
	rsys(SYS_write, s->pipe_w, (long)"x", 1, 0, 0, 0);
	return 0;
}

static void sharing(void)
{
	static unsigned long tls_block[4];
	struct seen s = { 0 };
	int sync[2], ptid = 0, ctid = -1;
	char buf[32] = { 0 };
	pipe(sync);
	s.pipe_w = sync[1];
	tls_block[0] = (unsigned long)tls_block; /* %fs:0 points to itself, as x86-64 TLS requires */
	tls_block[1] = 0x5eed;
	static char altstack[16384];
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack };
	sigaltstack(&ss, 0);
	__asm__ volatile("movq %0, %%xmm15" : : "r"(0xaaaaaaaaaaaaaaaaL) : "xmm15");
	long tid = spawn(THREAD_FLAGS | CLONE_SETTLS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_CHILD_SETTID,
			 top(0), &ptid, &ctid, (unsigned long)tls_block, sharing_thread, &s);
	read(sync[0], buf, 1);
	int cleared = wait_cleared(&ctid);
	long xmm15;
	__asm__ volatile("movq %%xmm15, %0" : "=r"(xmm15));
	stack_t own;
	sigaltstack(0, &own);
	printf("thread's alternate stack: %s, the main thread's: %s\n", s.altstack_flags == SS_DISABLE ? "none" : "set",
	       own.ss_flags == SS_DISABLE ? "none" : "set");
	printf("xmm15: the thread found the main thread's=%d, the main thread kept its own=%d\n",
	       s.xmm15 == (long)0xaaaaaaaaaaaaaaaaL, xmm15 == (long)0xaaaaaaaaaaaaaaaaL);
	ss.ss_flags = SS_DISABLE;
	sigaltstack(&ss, 0);
	printf("thread: clone=%s counter=%d same pid=%d own tid=%d tid returned=%d ptid=%d ppid same=%d tls=%#lx "
	       "ctid cleared=%d\n",
	       err(tid), counter, s.pid == getpid(), s.tid != getpid(), s.tid == tid, ptid == tid,
	       s.ppid == getppid(), s.tls_word, cleared);
	memset(buf, 0, sizeof buf);
	printf("descriptor made by the thread: %d read=\"%s\"\n", shared_fd >= 0,
	       shared_fd >= 0 && read(shared_fd, buf, sizeof buf - 1) > 0 ? buf : "");
	printf("main thread: gettid==getpid %d\n", (long)gettid() == (long)getpid());
	close(sync[0]);
	close(sync[1]);
	close(shared_fd);
}

/* -- CLONE_FS: one cwd and umask for both, or each its own -- */

static int chdir_thread(void *arg)
{
	rsys(SYS_chdir, (long)"/proc", 0, 0, 0, 0, 0);
	rsys(SYS_umask, 077, 0, 0, 0, 0, 0);
	return 0;
}

static void fs_sharing(void)
{
	char before[4096], after[4096];
	int ctid = -1;
	unsigned long flags[] = { THREAD_FLAGS, THREAD_FLAGS & ~CLONE_FS };
	getcwd(before, sizeof before);
	for (int i = 0; i < 2; i++) {
		mode_t old = umask(022);
		ctid = -1;
		spawn(flags[i] | CLONE_CHILD_CLEARTID, top(2), 0, &ctid, 0, chdir_thread, 0);
		wait_cleared(&ctid);
		getcwd(after, sizeof after);
		mode_t now = umask(old);
		printf("%s: the thread's chdir moved the main thread=%d, its umask too=%d\n",
		       i ? "without CLONE_FS" : "CLONE_FS", strcmp(after, "/proc") == 0, now == 077);
		chdir(before);
	}
}

/* -- clone3 -- */

static int clone3_thread(void *arg)
{
	*(volatile long *)arg = rsys(SYS_getpid, 0, 0, 0, 0, 0, 0);
	return 0;
}

static void clone3_cases(void)
{
	struct clone_args a;
	unsigned char big[4096 + 8];
	volatile long pid_seen = 0;
	int ptid = 0, ctid = -1;

	memset(&a, 0, sizeof a);
	a.flags = THREAD_FLAGS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID;
	a.parent_tid = (uintptr_t)&ptid;
	a.child_tid = (uintptr_t)&ctid;
	a.stack = (uintptr_t)stacks[1];
	a.stack_size = STACK_SIZE;
	long tid = spawn3(&a, CLONE_ARGS_SIZE_VER0, clone3_thread, (void *)&pid_seen);
	int cleared = wait_cleared(&ctid);
	printf("clone3 thread: %s ptid=%d same pid=%d cleared=%d\n", err(tid), ptid == tid, pid_seen == getpid(),
	       cleared);

	memset(&a, 0, sizeof a);
	a.flags = THREAD_FLAGS;
	a.stack = (uintptr_t)stacks[1];
	a.stack_size = STACK_SIZE;
	printf("clone3 size 63: %s\n", err(spawn3(&a, 63, clone3_thread, (void *)&pid_seen)));
	memset(big, 0, sizeof big);
	memcpy(big, &a, sizeof a);
	printf("clone3 size 4097: %s\n", err(spawn3((struct clone_args *)big, 4097, clone3_thread, (void *)&pid_seen)));
	big[100] = 1;
	printf("clone3 size 104, tail set: %s\n",
	       err(spawn3((struct clone_args *)big, 104, clone3_thread, (void *)&pid_seen)));
	a.exit_signal = SIGCHLD;
	printf("clone3 thread with an exit signal: %s\n", err(spawn3(&a, sizeof a, clone3_thread, (void *)&pid_seen)));
	a.exit_signal = 0;
	a.stack_size = 0;
	printf("clone3 stack without a size: %s\n", err(spawn3(&a, sizeof a, clone3_thread, (void *)&pid_seen)));
	a.stack_size = STACK_SIZE;
	a.flags = THREAD_FLAGS | CLONE_DETACHED;
	printf("clone3 CLONE_DETACHED: %s\n", err(spawn3(&a, sizeof a, clone3_thread, (void *)&pid_seen)));
	a.flags = THREAD_FLAGS | CLONE_CLEAR_SIGHAND;
	printf("clone3 CLONE_SIGHAND|CLONE_CLEAR_SIGHAND: %s\n",
	       err(spawn3(&a, sizeof a, clone3_thread, (void *)&pid_seen)));
	a.flags = THREAD_FLAGS | (1ULL << 40);
	printf("clone3 unknown flag: %s\n", err(spawn3(&a, sizeof a, clone3_thread, (void *)&pid_seen)));
	a.flags = CLONE_VM;
	a.exit_signal = 65;
	printf("clone3 exit signal 65: %s\n", err(spawn3(&a, sizeof a, clone3_thread, (void *)&pid_seen)));
	a.exit_signal = 0;
	a.set_tid_size = 1;
	printf("clone3 set_tid_size without set_tid: %s\n",
	       err(spawn3(&a, CLONE_ARGS_SIZE_VER1, clone3_thread, (void *)&pid_seen)));
}

/* -- the combinations Linux refuses -- */

static int never(void *arg)
{
	(void)arg;
	return 99;
}

static void einval_cases(void)
{
	static const struct {
		const char *name;
		unsigned long flags;
	} cases[] = {
		{ "CLONE_THREAD without CLONE_SIGHAND", CLONE_THREAD | CLONE_VM },
		{ "CLONE_SIGHAND without CLONE_VM", CLONE_SIGHAND },
		{ "CLONE_NEWNS|CLONE_FS", CLONE_NEWNS | CLONE_FS | SIGCHLD },
		{ "CLONE_NEWUSER|CLONE_FS", CLONE_NEWUSER | CLONE_FS | SIGCHLD },
		{ "CLONE_THREAD|CLONE_NEWPID", THREAD_FLAGS | CLONE_NEWPID },
		{ "CLONE_THREAD|CLONE_NEWUSER", THREAD_FLAGS | CLONE_NEWUSER },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		printf("clone %s: %s\n", cases[i].name, err(spawn(cases[i].flags, top(2), 0, 0, 0, never, 0)));
	printf("clone CLONE_SETTLS with a kernel address: %s\n",
	       err(spawn(THREAD_FLAGS | CLONE_SETTLS, top(2), 0, 0, 0xffffffff81000000UL, never, 0)));
}

/* -- exit vs exit_group, and a zombie leader -- */

static int thread_exit_group(void *arg)
{
	char c;
	rsys(SYS_read, (long)arg, (long)&c, 1, 0, 0, 0);
	rsys(SYS_exit_group, 7, 0, 0, 0, 0, 0);
	return 0;
}

static int thread_exit(void *arg)
{
	char c;
	rsys(SYS_read, (long)arg, (long)&c, 1, 0, 0, 0);
	rsys(SYS_exit, 5, 0, 0, 0, 0, 0);
	return 0;
}

static void status_line(const char *what, pid_t pid, int status)
{
	if (WIFEXITED(status))
		printf("%s: waited=%d exited %d\n", what, pid > 0, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		printf("%s: waited=%d killed by %s\n", what, pid > 0, sigabbrev_np(WTERMSIG(status)));
}

static void proc_line(pid_t pid, const char *key)
{
	char path[64], line[256];
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("  %s %s\n", path + strlen(path) - 6, strerror(errno));
		return;
	}
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, key, strlen(key)))
			printf("  leader's %s", line);
	fclose(f);
}

static void exits(int group)
{
	int go[2], status;
	pipe(go);
	pid_t child = fork();
	if (child == 0) {
		spawn(THREAD_FLAGS, top(3), 0, 0, 0, group ? thread_exit_group : thread_exit, (void *)(long)go[0]);
		rsys(SYS_exit, 3, 0, 0, 0, 0, 0); /* the leader first: a zombie until the thread is gone */
	}
	struct timespec ts = { 0, 100 * 1000000 };
	nanosleep(&ts, 0);
	pid_t early = waitpid(child, &status, WNOHANG);
	printf("%s: while a thread runs waitpid(WNOHANG)=%d\n", group ? "exit_group" : "exit", early);
	proc_line(child, "State:");
	proc_line(child, "Threads:");
	write(go[1], "g", 1);
	pid_t done = waitpid(child, &status, 0);
	status_line(group ? "thread's exit_group(7) after leader's exit(3)" : "thread's exit(5) after leader's exit(3)",
		    done, status);
	close(go[0]);
	close(go[1]);
}

/* -- signals: tgkill to one thread, kill() to the process, per-thread masks -- */

static volatile long handled_by[65];

static void on_signal(int sig)
{
	handled_by[sig] = rsys(SYS_gettid, 0, 0, 0, 0, 0, 0);
}

struct sig_thread {
	int go;
	volatile long tid;
	volatile long first_read, second_read;
};

static int signal_thread(void *arg)
{
	struct sig_thread *s = arg;
	unsigned long none = 0;
	char c;
	s->tid = rsys(SYS_gettid, 0, 0, 0, 0, 0, 0);
	rsys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&none, 0, 8, 0, 0); /* this thread takes them */
	s->first_read = rsys(SYS_read, s->go, (long)&c, 1, 0, 0, 0);  /* ended by tgkill's SIGUSR1 */
	s->second_read = rsys(SYS_read, s->go, (long)&c, 1, 0, 0, 0); /* by kill()'s SIGUSR2 */
	return 0;
}

static void signals_to_threads(void)
{
	struct sigaction sa = { 0 };
	sigset_t both, old;
	struct sig_thread s = { 0 };
	int go[2], ctid = -1;
	pipe(go);
	s.go = go[0];
	sa.sa_handler = on_signal; /* no SA_RESTART: the read ends with EINTR */
	sigaction(SIGUSR1, &sa, 0);
	sigaction(SIGUSR2, &sa, 0);
	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGUSR2);
	sigprocmask(SIG_BLOCK, &both, &old); /* the main thread blocks both, and the thread starts so */
	spawn(THREAD_FLAGS | CLONE_CHILD_CLEARTID, top(4), 0, &ctid, 0, signal_thread, &s);
	while (!s.tid)
		tsleep(1);
	tsleep(20);
	long r = syscall(SYS_tgkill, getpid(), s.tid, SIGUSR1);
	while (!handled_by[SIGUSR1])
		tsleep(1);
	printf("tgkill(SIGUSR1) to the thread: %s, handled by it=%d, its read: %s\n", err(r),
	       handled_by[SIGUSR1] == s.tid, err(s.first_read));
	tsleep(20);
	r = kill(getpid(), SIGUSR2);
	while (!handled_by[SIGUSR2])
		tsleep(1);
	printf("kill(getpid(), SIGUSR2): %s, taken by the unblocked thread=%d, its read: %s\n", err(r),
	       handled_by[SIGUSR2] == s.tid, err(s.second_read));
	sigset_t pending;
	sigpending(&pending);
	printf("main thread still has pending: USR1=%d USR2=%d, cleared=%d\n", sigismember(&pending, SIGUSR1),
	       sigismember(&pending, SIGUSR2), wait_cleared(&ctid));
	printf("tgkill with the wrong tgid: %s\n", err(syscall(SYS_tgkill, getpid() + 1000000, gettid(), 0) ? -errno : 0));
	sigprocmask(SIG_SETMASK, &old, 0);
	close(go[0]);
	close(go[1]);
}

static int fatal_thread(void *arg)
{
	(void)arg;
	long pid = rsys(SYS_getpid, 0, 0, 0, 0, 0, 0);
	long tid = rsys(SYS_gettid, 0, 0, 0, 0, 0, 0);
	rsys(SYS_tgkill, pid, tid, SIGTERM, 0, 0, 0);
	return 0;
}

static void fatal_signal(void)
{
	int status;
	pid_t child = fork();
	if (child == 0) {
		spawn(THREAD_FLAGS, top(3), 0, 0, 0, fatal_thread, 0);
		for (;;)
			pause(); /* the thread's SIGTERM ends the main thread too */
	}
	pid_t done = waitpid(child, &status, 0);
	status_line("SIGTERM to one thread", done, status);
}

/* -- CLONE_VFORK|CLONE_VM, vfork, CLONE_PARENT, wait's __WCLONE, __WALL and __WNOTHREAD -- */

static volatile int written_by_child;

static int vfork_child(void *arg)
{
	(void)arg;
	tsleep(50); /* the parent must not run meanwhile */
	written_by_child = 99;
	rsys(SYS_exit, 4, 0, 0, 0, 0, 0);
	return 0;
}

static int plain_exit(void *arg)
{
	rsys(SYS_exit, (long)arg, 0, 0, 0, 0, 0);
	return 0;
}

static char *self_path;

static int exec_self(void *arg)
{
	char *argv[] = { self_path, "after-vfork", 0 };
	char *envp[] = { 0 };
	(void)arg;
	rsys(SYS_execve, (long)"/proc/self/exe", (long)argv, (long)envp, 0, 0, 0);
	return 126;
}

static volatile pid_t forked_by_thread;

/* Forks, then stays until told to go: its child is its own, not the main thread's, while it lives. */
static int forking_thread(void *arg)
{
	char c;
	long pid = rsys(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0)
		rsys(SYS_exit_group, 11, 0, 0, 0, 0, 0);
	forked_by_thread = pid;
	rsys(SYS_read, (long)arg, (long)&c, 1, 0, 0, 0);
	return 0;
}

static void vfork_and_wait(void)
{
	int status, ctid = -1;
	long pid = spawn(CLONE_VM | CLONE_VFORK | SIGCHLD, top(5), 0, 0, 0, vfork_child, 0);
	int seen = written_by_child;
	pid_t done = waitpid(pid, &status, 0);
	printf("CLONE_VFORK|CLONE_VM: parent saw the child's write at once=%d\n", seen == 99);
	status_line("  the vfork child", done, status);

	volatile int exec_errno = 0;
	pid_t v = vfork();
	if (v == 0) {
		char *argv[] = { "missing", 0 };
		execve("/nonexistent/program", argv, environ);
		exec_errno = errno;
		_exit(127);
	}
	done = waitpid(v, &status, 0);
	printf("vfork + failed execve: the parent reads %s\n", strerrorname_np(exec_errno));
	status_line("  the vfork child", done, status);

	pid = spawn(CLONE_VM, top(5), 0, 0, 0, plain_exit, (void *)9); /* no exit signal: a "clone" child */
	tsleep(20);
	done = waitpid(pid, &status, 0);
	printf("waitpid(clone child, 0): %s\n", done < 0 ? strerrorname_np(errno) : "ok");
	done = waitpid(pid, &status, __WCLONE);
	status_line("waitpid(clone child, __WCLONE)", done, status);
	signal(SIGUSR2, SIG_IGN);
	pid = spawn(CLONE_VM | SIGUSR2, top(5), 0, 0, 0, plain_exit, (void *)8);
	done = waitpid(pid, &status, __WALL);
	status_line("waitpid(SIGUSR2 child, __WALL)", done, status);

	/* No exit signal, but execve makes it SIGCHLD (de_thread): a plain waitpid sees the end. */
	pid = spawn(CLONE_VM | CLONE_VFORK, top(5), 0, 0, 0, exec_self, 0);
	done = waitpid(pid, &status, 0);
	status_line("exit signal 0, then execve: waitpid without __WCLONE", done, status);

	int go[2];
	pipe(go);
	spawn(THREAD_FLAGS | CLONE_CHILD_CLEARTID, top(4), 0, &ctid, 0, forking_thread, (void *)(long)go[0]);
	while (!forked_by_thread)
		tsleep(1);
	done = waitpid(forked_by_thread, &status, __WNOTHREAD);
	printf("waitpid(thread's child, __WNOTHREAD): %s\n", done < 0 ? strerrorname_np(errno) : "ok");
	done = waitpid(forked_by_thread, &status, 0);
	status_line("waitpid(thread's child) from the main thread", done, status);
	write(go[1], "g", 1);
	printf("forking thread gone: %d\n", wait_cleared(&ctid));
	close(go[0]);
	close(go[1]);
	printf("waitpid bad option: %s\n", waitpid(-1, &status, 0x100) < 0 ? strerrorname_np(errno) : "ok");

	pid_t middle = fork();
	if (middle == 0) {
		long sibling = spawn(CLONE_PARENT | SIGCHLD, top(5), 0, 0, 0, plain_exit, (void *)6);
		_exit(sibling > 0 ? 0 : 1);
	}
	waitpid(middle, &status, 0);
	status_line("CLONE_PARENT's caller", middle, status);
	done = waitpid(-1, &status, 0);
	status_line("  its sibling, the grandparent's child", done, status);
}

/* -- /proc/self/task, and exec in a thread -- */

static int parked(void *arg)
{
	char c;
	rsys(SYS_read, (long)arg, (long)&c, 1, 0, 0, 0);
	return 0;
}

static void proc_task(void)
{
	int go[2], c1 = -1, c2 = -1, t1 = 0, t2 = 0;
	char path[96], line[256];
	pipe(go);
	spawn(THREAD_FLAGS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID, top(3), &t1, &c1, 0, parked, (void *)(long)go[0]);
	spawn(THREAD_FLAGS | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID, top(4), &t2, &c2, 0, parked, (void *)(long)go[0]);
	int entries = 0, own = 0, found1 = 0;
	DIR *d = opendir("/proc/self/task");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		entries++;
		own += atoi(e->d_name) == getpid();
		found1 += atoi(e->d_name) == t1;
	}
	closedir(d);
	printf("/proc/self/task: %d entries, the main thread's=%d, a thread's=%d\n", entries, own, found1);
	int listed = 0;
	d = opendir("/proc");
	for (struct dirent *e; d && (e = readdir(d));)
		listed += atoi(e->d_name) == t1;
	closedir(d);
	snprintf(path, sizeof path, "/proc/%d/status", t1);
	printf("/proc lists a thread's tid=%d, /proc/TID/status opens=%d\n", listed, access(path, R_OK) == 0);
	snprintf(path, sizeof path, "/proc/self/task/%d/status", t2);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f)) {
		long v = atol(line + 6);
		if (!strncmp(line, "Tgid:", 5))
			printf("task/TID/status Tgid is the pid=%d\n", v == getpid());
		if (!strncmp(line, "Pid:", 4))
			printf("task/TID/status Pid is the tid=%d\n", atol(line + 5) == t2);
		if (!strncmp(line, "Threads:", 8))
			printf("task/TID/status %s", line);
	}
	if (f)
		fclose(f);
	snprintf(path, sizeof path, "/proc/self/task/%d/comm", t2);
	f = fopen(path, "r");
	if (f && fgets(line, sizeof line, f))
		printf("task/TID/comm: %s", line);
	if (f)
		fclose(f);
	snprintf(path, sizeof path, "/proc/self/task/%d/stat", t2);
	f = fopen(path, "r");
	if (f && fgets(line, sizeof line, f))
		printf("task/TID/stat starts with the tid=%d\n", atol(line) == t2);
	if (f)
		fclose(f);
	write(go[1], "gg", 2);
	printf("threads gone: %d %d\n", wait_cleared(&c1), wait_cleared(&c2));
	close(go[0]);
	close(go[1]);
}

static int exec_thread(void *arg)
{
	char pid[32];
	snprintf(pid, sizeof pid, "%ld", (long)arg);
	char *argv[] = { self_path, "after-exec", pid, 0 };
	char *envp[] = { 0 };
	rsys(SYS_execve, (long)"/proc/self/exe", (long)argv, (long)envp, 0, 0, 0);
	return 1;
}

/* After the leader has exited: /proc/self is then a zombie's, with no exe, so the program by its path. */
static int exec_later(void *arg)
{
	char pid[32];
	snprintf(pid, sizeof pid, "%ld", (long)arg);
	char *argv[] = { self_path, "after-exec", pid, 0 };
	char *envp[] = { 0 };
	tsleep(50);
	rsys(SYS_execve, (long)self_path, (long)argv, (long)envp, 0, 0, 0);
	return 1;
}

static void exec_in_thread(void)
{
	int status, go[2];
	fflush(stdout);
	pipe(go);
	pid_t child = fork();
	if (child == 0) {
		spawn(THREAD_FLAGS, top(3), 0, 0, 0, exec_thread, (void *)(long)getpid());
		char c;
		read(go[0], &c, 1); /* the exec kills this thread */
		_exit(1);
	}
	pid_t done = waitpid(child, &status, 0);
	status_line("execve in a thread, the new program", done, status);
	child = fork();
	if (child == 0) {
		spawn(THREAD_FLAGS, top(3), 0, 0, 0, exec_later, (void *)(long)getpid());
		rsys(SYS_exit, 2, 0, 0, 0, 0, 0); /* a zombie leader the exec'ing thread replaces */
	}
	done = waitpid(child, &status, 0);
	status_line("execve in a thread after the leader's exit", done, status);
	close(go[0]);
	close(go[1]);
}

/* -- SIGKILL from outside, and a thread's children when it exits -- */

static int forks_and_exits(void *arg)
{
	long pid = rsys(SYS_fork, 0, 0, 0, 0, 0, 0);
	if (pid == 0) {
		tsleep(50);
		rsys(SYS_exit_group, 21, 0, 0, 0, 0, 0);
	}
	*(volatile long *)arg = pid;
	return 0; /* the child passes to the main thread */
}

static void outside_kill_and_orphans(void)
{
	int status, go[2], ctid = -1;
	pipe(go);
	pid_t child = fork();
	if (child == 0) {
		spawn(THREAD_FLAGS, top(3), 0, 0, 0, parked, (void *)(long)go[0]);
		spawn(THREAD_FLAGS, top(4), 0, 0, 0, parked, (void *)(long)go[0]);
		for (;;)
			pause();
	}
	struct timespec ts = { 0, 50 * 1000000 };
	nanosleep(&ts, 0);
	kill(child, SIGKILL);
	pid_t done = waitpid(child, &status, 0);
	status_line("SIGKILL to a process of three threads", done, status);
	close(go[0]);
	close(go[1]);

	volatile long grandchild = 0;
	spawn(THREAD_FLAGS | CLONE_CHILD_CLEARTID, top(4), 0, &ctid, 0, forks_and_exits, (void *)&grandchild);
	wait_cleared(&ctid);
	done = waitpid(grandchild, &status, __WNOTHREAD);
	status_line("the exited thread's child, now the main thread's", done, status);
}

static void vfork_exec(void)
{
	int status;
	volatile int marker = 1234;
	char *argv[] = { self_path, "after-vfork", 0 };
	pid_t v = vfork();
	if (v == 0) {
		execve("/proc/self/exe", argv, environ);
		_exit(126);
	}
	pid_t done = waitpid(v, &status, 0);
	printf("vfork + execve: the parent's memory is intact=%d\n", marker == 1234 && argv[1][6] == 'v');
	status_line("  the exec'd vfork child", done, status);
}

/* Threads until clone fails: they count against kernel.threads-max and RLIMIT_NPROC as processes do. */
static int thread_limits(void)
{
	static int go[2];
	int made = 0, status;
	long r = 0;
	pipe(go);
	for (; made < 5 && (r = spawn(THREAD_FLAGS, stacks[made], 0, 0, 0, parked, (void *)(long)go[0])) > 0; made++)
		;
	printf("threads made: %d, then %s\n", made, err(r));
	write(go[1], "ggggg", made);
	tsleep(50);
	pid_t child = fork();
	if (child == 0) {
		struct rlimit lim = { 3, 3 };
		/* As root first: raising a hard limit (above threads-max / 2 here) takes CAP_SYS_RESOURCE. */
		if (setrlimit(RLIMIT_NPROC, &lim) || setuid(1000))
			_exit(1);
		for (made = 0; made < 5 && (r = spawn(THREAD_FLAGS, stacks[made], 0, 0, 0, parked, (void *)(long)go[0])) > 0;
		     made++)
			;
		printf("as uid 1000 with RLIMIT_NPROC 3: threads made: %d, then %s\n", made, err(r));
		_exit(0);
	}
	waitpid(child, &status, 0);
	return WEXITSTATUS(status);
}

static int after_exec(const char *pid)
{
	int entries = 0;
	DIR *d = opendir("/proc/self/task");
	for (struct dirent *e; d && (e = readdir(d));)
		entries += e->d_name[0] != '.';
	printf("after execve in a thread: pid kept=%d tid is the pid=%d threads left=%d\n", atol(pid) == getpid(),
	       (long)gettid() == (long)getpid(), entries);
	return 12;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc > 2 && !strcmp(argv[1], "after-exec"))
		return after_exec(argv[2]);
	if (argc > 1 && !strcmp(argv[1], "after-vfork")) {
		printf("the vfork child runs its new program\n");
		return 13;
	}
	if (argc > 1 && !strcmp(argv[1], "limits"))
		return thread_limits();
	self_path = argv[0];
	sharing();
	fs_sharing();
	clone3_cases();
	einval_cases();
	exits(1);
	exits(0);
	signals_to_threads();
	fatal_signal();
	vfork_and_wait();
	proc_task();
	exec_in_thread();
	vfork_exec();
	outside_kill_and_orphans();
	return 0;
}
