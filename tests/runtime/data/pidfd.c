/* pidfds and kcmp (issue 17): pidfd_open, poll readiness at exit, waitid(P_PIDFD), pidfd_send_signal,
 * pidfd_getfd, clone3(CLONE_PIDFD), kcmp. Prints what it sees; the machine must print the same. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK O_NONBLOCK
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif
#define PIDFD_GET_INFO _IOWR(0xFF, 11, struct info)
#define PIDFD_GET_INFO_SHORT _IOWR(0xFF, 11, uint32_t)
#define PIDFD_INFO_PID 1
#define PIDFD_INFO_CREDS 2
#define PIDFD_INFO_EXIT 8
#define KCMP_FILE 0
#define KCMP_VM 1
#define KCMP_FILES 2

struct info {
	uint64_t mask, cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	int32_t exit_code;
	uint32_t coredump_mask, spare;
};

struct clone_args_v0 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

static void show(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

static int pidfd_open(pid_t pid, unsigned int flags) { return syscall(SYS_pidfd_open, pid, flags, 0, 0, 0); }

static int send_signal(int fd, int sig, siginfo_t *info, unsigned int flags)
{
	return syscall(SYS_pidfd_send_signal, fd, sig, info, flags, 0);
}

static volatile sig_atomic_t got_value = -1;

static void on_usr1(int sig, siginfo_t *info, void *uc)
{
	(void)sig, (void)uc;
	got_value = info->si_value.sival_int;
}

int main(void)
{
	int pipefd[2], go[2];
	char c;
	setvbuf(stdout, NULL, _IONBF, 0);

	show("pidfd_open bad flags", pidfd_open(getpid(), 1));
	show("pidfd_open pid 0", pidfd_open(0, 0));
	int self = pidfd_open(getpid(), 0);
	printf("self pidfd cloexec: %d\n", (fcntl(self, F_GETFD) & FD_CLOEXEC) != 0);
	struct pollfd p = { .fd = self, .events = POLLIN };
	show("poll on a live process", poll(&p, 1, 0));

	/* A child that waits for a byte, then exits 7: the pidfd polls readable only once it has exited. */
	if (pipe(go) || pipe(pipefd))
		return 1;
	pid_t child = fork();
	if (!child) {
		int fd = open("/dev/null", O_RDONLY);
		write(pipefd[1], &fd, sizeof(fd));
		read(go[0], &c, 1);
		_exit(7);
	}
	int fd_in_child;
	read(pipefd[0], &fd_in_child, sizeof(fd_in_child));
	int pfd = pidfd_open(child, PIDFD_NONBLOCK);
	printf("nonblock pidfd O_NONBLOCK: %d\n", (fcntl(pfd, F_GETFL) & O_NONBLOCK) != 0);
	siginfo_t si;
	show("waitid P_PIDFD before exit (nonblock)", waitid(P_PIDFD, pfd, &si, WEXITED));
	int stolen = syscall(SYS_pidfd_getfd, pfd, fd_in_child, 0);
	printf("pidfd_getfd cloexec: %d\n", (fcntl(stolen, F_GETFD) & FD_CLOEXEC) != 0);
	show("kcmp the stolen file", syscall(SYS_kcmp, getpid(), child, KCMP_FILE, stolen, fd_in_child));
	show("kcmp another file", syscall(SYS_kcmp, getpid(), child, KCMP_FILE, 0, fd_in_child) > 0);
	show("kcmp VM with a forked child", syscall(SYS_kcmp, getpid(), child, KCMP_VM, 0, 0) > 0);
	show("kcmp FILES with itself", syscall(SYS_kcmp, getpid(), getpid(), KCMP_FILES, 0, 0));
	show("kcmp bad type", syscall(SYS_kcmp, getpid(), child, 99, 0, 0));
	show("pidfd_getfd bad flags", syscall(SYS_pidfd_getfd, pfd, fd_in_child, 1));
	show("pidfd_getfd closed target fd", syscall(SYS_pidfd_getfd, pfd, 99, 0));
	show("pidfd_getfd on a regular fd", syscall(SYS_pidfd_getfd, stolen, 0, 0));
	p.fd = pfd;
	show("poll before exit", poll(&p, 1, 0));
	write(go[1], "x", 1);
	show("poll until exit", poll(&p, 1, 5000));
	printf("revents POLLIN: %d\n", (p.revents & POLLIN) != 0);
	struct info info = { .mask = PIDFD_INFO_EXIT };
	show("PIDFD_GET_INFO of a zombie", ioctl(pfd, PIDFD_GET_INFO, &info));
	printf("mask PID|CREDS %d, EXIT %d, pid %d, ppid is ours %d, uid %u\n",
	       (info.mask & (PIDFD_INFO_PID | PIDFD_INFO_CREDS)) == 3, (info.mask & PIDFD_INFO_EXIT) != 0,
	       info.pid == (uint32_t)child, info.ppid == (uint32_t)getpid(), info.ruid);
	show("PIDFD_GET_INFO NULL", ioctl(pfd, PIDFD_GET_INFO, NULL));
	uint32_t small = 0;
	show("PIDFD_GET_INFO too short", ioctl(pfd, PIDFD_GET_INFO_SHORT, &small));
	memset(&si, 0, sizeof(si));
	show("waitid P_PIDFD after exit", waitid(P_PIDFD, pfd, &si, WEXITED));
	memset(&info, 0, sizeof(info));
	show("PIDFD_GET_INFO reaped, no EXIT", ioctl(pfd, PIDFD_GET_INFO, &info));
	info.mask = PIDFD_INFO_EXIT;
	show("PIDFD_GET_INFO reaped, EXIT", ioctl(pfd, PIDFD_GET_INFO, &info));
	/* (Linux built with cgroups adds PIDFD_INFO_CGROUPID here; this machine has none.) */
	printf("mask EXIT %d, PID %d, exit status %d, pid %u\n", (info.mask & PIDFD_INFO_EXIT) != 0,
	       (info.mask & PIDFD_INFO_PID) != 0, WEXITSTATUS(info.exit_code), info.pid);
	printf("si_code CLD_EXITED: %d, si_status %d, si_pid is the child: %d\n", si.si_code == CLD_EXITED,
	       si.si_status, si.si_pid == child);
	show("waitid P_PIDFD reaped", waitid(P_PIDFD, pfd, &si, WEXITED));
	show("send to a reaped process", send_signal(pfd, 0, NULL, 0));
	p.events = POLLIN;
	show("poll a reaped process", poll(&p, 1, 0));
	printf("revents POLLHUP: %d\n", (p.revents & POLLHUP) != 0);

	/* pidfd_send_signal to oneself, with a siginfo. */
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
	sigaction(SIGUSR1, &sa, NULL);
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGUSR1;
	si.si_code = SI_QUEUE;
	si.si_value.sival_int = 777;
	show("send SIGUSR1 with a value", send_signal(self, SIGUSR1, &si, 0));
	printf("handler saw value %d\n", (int)got_value);
	show("send with bad flags", send_signal(self, SIGUSR1, &si, 99));
	show("send with two scopes", send_signal(self, SIGUSR1, &si, 3));
	show("send another signal than the siginfo's", send_signal(self, SIGUSR2, &si, 0));
	show("send through a regular file", send_signal(0, SIGUSR1, NULL, 0));
	int proc_self = open("/proc/self", O_DIRECTORY | O_RDONLY);
	got_value = -1;
	si.si_value.sival_int = 5;
	show("send through /proc/self", send_signal(proc_self, SIGUSR1, &si, 0));
	printf("handler saw value %d\n", (int)got_value);
	show("send signal 0", send_signal(self, 0, NULL, 0));
	show("send signal 65", send_signal(self, 65, NULL, 0));

	/* clone3 with CLONE_PIDFD: the pidfd comes back through the pointer; a bad pointer is EFAULT. */
	int cpidfd = -1;
	struct clone_args_v0 args = { .flags = CLONE_PIDFD, .pidfd = (uintptr_t)&cpidfd, .exit_signal = SIGCHLD };
	long pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid == 0)
		_exit(3);
	printf("clone3 pidfd: %d\n", cpidfd >= 0);
	p.fd = cpidfd;
	p.events = POLLIN;
	show("poll the clone3 child", poll(&p, 1, 5000));
	memset(&si, 0, sizeof(si));
	show("waitid the clone3 child", waitid(P_PIDFD, cpidfd, &si, WEXITED));
	printf("its status %d\n", si.si_status);
	void *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	args.pidfd = (uintptr_t)ro;
	show("clone3 with a read-only pidfd pointer", syscall(SYS_clone3, &args, sizeof(args)));
	args.flags = CLONE_PIDFD | CLONE_PARENT_SETTID;
	args.parent_tid = args.pidfd = (uintptr_t)&cpidfd;
	show("clone3 pidfd == parent_tid", syscall(SYS_clone3, &args, sizeof(args)));
	printf("done\n");
	return 0;
}
