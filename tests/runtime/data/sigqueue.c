/* Queued signals and their readers (issue 17): rt_sigqueueinfo, rt_tgsigqueueinfo, rt_sigtimedwait,
 * signalfd; wait4 when an ignored SIGCHLD reaps the children; setpgid and setsid's rules. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

static long queue(pid_t pid, int sig, int code, int value)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = sig;
	si.si_code = code;
	si.si_pid = getpid();
	si.si_uid = getuid();
	si.si_value.sival_int = value;
	return syscall(SYS_rt_sigqueueinfo, pid, sig, &si);
}

static void on_usr2(int sig) { (void)sig; }

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);

	siginfo_t si;
	struct timespec zero = { 0, 0 }, bad = { 0, 1000000000 }, short_wait = { 0, 50000000 };
	show("sigtimedwait nothing pending", sigtimedwait(&set, &si, &zero));
	show("sigtimedwait 50 ms", sigtimedwait(&set, &si, &short_wait));
	show("sigtimedwait bad timespec", sigtimedwait(&set, &si, &bad));
	show("rt_sigtimedwait bad sigsetsize", syscall(SYS_rt_sigtimedwait, &set, &si, &zero, 4));
	show("sigqueueinfo SI_QUEUE to self", queue(getpid(), SIGUSR1, SI_QUEUE, 42));
	show("sigqueueinfo SI_USER to self", queue(getpid(), SIGRTMIN, SI_USER, 9));
	show("sigqueueinfo to nobody", queue(0x7ffffff0, SIGUSR1, SI_QUEUE, 1));
	show("sigqueueinfo bad signal", queue(getpid(), 99, SI_QUEUE, 1));
	pid_t parent = getpid();
	pid_t child = fork();
	if (!child) {
		show("child: sigqueueinfo SI_USER to its parent", queue(parent, SIGUSR1, SI_USER, 1));
		show("child: sigqueueinfo SI_TKILL to its parent", queue(parent, SIGUSR1, SI_TKILL, 1));
		_exit(0);
	}
	waitpid(child, NULL, 0);
	memset(&si, 0, sizeof(si));
	show("sigwaitinfo", sigwaitinfo(&set, &si));
	printf("si_code SI_QUEUE %d, value %d, pid is ours %d\n", si.si_code == SI_QUEUE, si.si_value.sival_int,
	       si.si_pid == getpid());
	show("sigwaitinfo the next", sigwaitinfo(&set, &si));
	printf("si_code SI_USER %d\n", si.si_code == SI_USER);
	show("rt_tgsigqueueinfo tid 0", syscall(SYS_rt_tgsigqueueinfo, getpid(), 0, SIGUSR1, &si));
	si.si_code = SI_QUEUE;
	si.si_value.sival_int = 314;
	show("rt_tgsigqueueinfo to self", syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGUSR1, &si));

	/* Real-time signals queue, each instance with its value, oldest first. */
	sigset_t rtonly;
	sigemptyset(&rtonly);
	sigaddset(&rtonly, SIGRTMIN);
	for (int v = 1; v <= 3; v++)
		queue(getpid(), SIGRTMIN, SI_QUEUE, v);
	for (int i = 0; i < 3; i++) {
		memset(&si, 0, sizeof(si));
		sigwaitinfo(&rtonly, &si);
		printf("queued SIGRTMIN value %d\n", si.si_value.sival_int);
	}
	show("nothing more queued", sigtimedwait(&rtonly, &si, &zero));
	/* Past RLIMIT_SIGPENDING (0 here) a sender's real-time siginfo is refused; kill's is lost, not the signal. */
	struct rlimit old, none = { 0, 0 };
	getrlimit(RLIMIT_SIGPENDING, &old);
	setrlimit(RLIMIT_SIGPENDING, &none);
	show("sigqueueinfo past RLIMIT_SIGPENDING", queue(getpid(), SIGRTMIN, SI_QUEUE, 4));
	show("tgkill past it", syscall(SYS_tgkill, getpid(), gettid(), SIGRTMIN));
	show("kill past it", kill(getpid(), SIGRTMIN));
	memset(&si, 0, sizeof(si));
	show("sigwaitinfo the lost siginfo", sigwaitinfo(&rtonly, &si) == SIGRTMIN);
	printf("si_code SI_USER %d, si_pid %d\n", si.si_code == SI_USER, si.si_pid);
	setrlimit(RLIMIT_SIGPENDING, &old);

	/* A handled signal outside the set ends the wait with EINTR. */
	struct sigaction sa = { .sa_handler = on_usr2 };
	sigaction(SIGUSR2, &sa, NULL);
	child = fork();
	if (!child) {
		usleep(100000);
		kill(parent, SIGUSR2);
		_exit(0);
	}
	sigset_t rt;
	sigemptyset(&rt);
	sigaddset(&rt, SIGRTMIN);
	show("sigwaitinfo interrupted", sigwaitinfo(&rt, &si));
	waitpid(child, NULL, 0);

	/* signalfd: the pending SIGUSR1 (value 314) reads as a signalfd_siginfo. */
	show("signalfd4 bad flags", signalfd(-1, &set, 0x1));
	show("signalfd on a pipe fd", signalfd(0, &set, 0));
	int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	struct pollfd p = { .fd = sfd, .events = POLLIN };
	show("poll signalfd", poll(&p, 1, 0));
	struct signalfd_siginfo ssi[2];
	show("read short buffer", read(sfd, ssi, 10));
	show("read signalfd", read(sfd, ssi, sizeof(ssi)));
	printf("ssi_signo SIGUSR1 %d, ssi_code SI_QUEUE %d, ssi_int %d\n", ssi[0].ssi_signo == SIGUSR1,
	       ssi[0].ssi_code == SI_QUEUE, ssi[0].ssi_int);
	show("read signalfd again", read(sfd, ssi, sizeof(ssi)));
	show("poll signalfd empty", poll(&p, 1, 0));
	child = fork();
	if (!child)
		_exit(0);
	waitpid(child, NULL, 0);

	/* wait4 with SIGCHLD ignored: the children are reaped at exit and wait4 answers ECHILD at the last. */
	signal(SIGCHLD, SIG_IGN);
	child = fork();
	if (!child) {
		usleep(50000);
		_exit(0);
	}
	show("wait4 with SIGCHLD ignored", wait4(-1, NULL, 0, NULL));
	signal(SIGCHLD, SIG_DFL);

	/* setpgid and setsid. */
	show("setpgid negative", setpgid(0, -1));
	show("setpgid to a group nobody has", setpgid(0, 0x7ffffff0));
	int sync[2];
	if (pipe(sync))
		return 1;
	child = fork();
	if (!child) {
		show("child: setsid", setsid() > 0);
		write(sync[1], "x", 1);
		pause();
		_exit(0);
	}
	char c;
	read(sync[0], &c, 1);
	show("setpgid of a session leader child", setpgid(child, getpgrp()));
	show("setpgid into the child's session's group", setpgid(0, child));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	printf("done\n");
	return 0;
}
