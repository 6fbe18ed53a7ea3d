/*
 * syscalls: one check per line for the calls the other examples leave out:
 * execve, vfork (sharing the parent's memory), clone flags, kill, nanosleep and the clocks, ids and
 * priority, readv/writev, fcntl, pipe2, ioctl and the *at family. Expects
 * itself at /bin/syscalls (it execs that) and a writable cwd.
 */
#include <syscall.h>

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define FD_CLOEXEC 1
#define FIONREAD 0x541b
#define TCGETS 0x5401
#define AT_REMOVEDIR 0x200
#define CLONE_VM 0x100
#define CLONE_SIGHAND 0x800
#define CLONE_VFORK 0x4000
#define CLONE_THREAD 0x10000
#define CLONE_PARENT_SETTID 0x100000
#define SIGCHLD 17
#define PRIO_PROCESS 0

static void say(const char *s)
{
	long n = 0;

	while (s[n])
		n++;
	write(1, s, n);
}

static void check(const char *what, int ok)
{
	say(what);
	say(ok ? ": ok\n" : ": FAILED\n");
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static long ms(void)
{
	struct __kernel_timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int reap(long pid)
{
	int status = -1;

	return wait4(pid, &status, 0, 0) == pid ? status : -1;
}

int main(int argc, char **argv, char **envp)
{
	if (argc == 3 && same(argv[1], "exec-child"))	/* the image execve loaded */
		return same(argv[2], "A") && envp[0] && same(envp[0], "X=1") && !envp[1] ? 5 : 1;

	/* execve: a forked child replaces its image; a missing file fails in place */
	char *cargv[] = { "syscalls", "exec-child", "A", 0 }, *cenvp[] = { "X=1", 0 };
	long pid = fork();
	if (pid == 0) {
		execve("/bin/syscalls", (const char *const *)cargv, (const char *const *)cenvp);
		exit_group(99);
	}
	check("execve", WEXITSTATUS(reap(pid)) == 5
	      && execve("/missing", (const char *const *)cargv, 0) == -1 && errno == 2);

	/* vfork: the parent resumes only once the child has exited */
	pid = vfork();
	if (pid == 0) {
		struct __kernel_timespec nap = { 0, 20000000 };
		nanosleep(&nap, 0);
		exit_group(6);
	}
	int status = 0;
	check("vfork", wait4(pid, &status, WNOHANG, 0) == pid && WEXITSTATUS(status) == 6);

	/* clone: a thread needs the signal actions shared, and those the memory; CLONE_PARENT_SETTID reports the child */
	int ptid = 0;
	check("clone refuses bad flags", clone(CLONE_THREAD | CLONE_VM, 0, 0, 0, 0) == -1 && errno == 22
	      && clone(CLONE_SIGHAND, 0, 0, 0, 0) == -1 && errno == 22);
	pid = clone(SIGCHLD | CLONE_PARENT_SETTID, 0, &ptid, 0, 0);
	if (pid == 0)
		exit_group(7);
	check("clone", pid > 0 && ptid == pid && WEXITSTATUS(reap(pid)) == 7);

	/* kill: a sleeping child dies of SIGTERM; probing and bad signals */
	pid = fork();
	if (pid == 0) {
		struct __kernel_timespec nap = { 10, 0 };
		nanosleep(&nap, 0);
		exit_group(8);
	}
	check("kill", kill(pid, SIGTERM) == 0 && WTERMSIG(reap(pid)) == SIGTERM && kill(getpid(), 0) == 0
	      && kill(pid, 0) == -1 && errno == 3 && kill(getpid(), 65) == -1 && errno == 22);

	/* nanosleep and the clocks */
	struct __kernel_timespec nap = { 0, 30000000 }, bad = { 0, 1000000000 };
	long t0 = ms();
	check("nanosleep", nanosleep(&nap, 0) == 0 && ms() - t0 >= 30
	      && nanosleep(&bad, 0) == -1 && errno == 22);
	long t = 0;
	struct __kernel_old_timeval tv;
	struct __kernel_timespec res;
	check("time", time(&t) == t && gettimeofday(&tv, 0) == 0 && tv.tv_sec - t <= 1
	      && clock_getres(CLOCK_MONOTONIC, &res) == 0 && clock_gettime(42, &res) == -1 && errno == 22);

	/* ids and priority */
	uid_t r = 1, e = 1, s = 1;
	check("ids", getuid() == 0 && geteuid() == 0 && getgid() == 0 && getegid() == 0
	      && getresuid(&r, &e, &s) == 0 && r + e + s == 0 && getpgrp() == getpid()
	      && getsid(0) == getpid() && setsid() == -1 && errno == 1);
	check("priority", getpriority(PRIO_PROCESS, 0) == 20 && setpriority(PRIO_PROCESS, 0, 5) == 0
	      && getpriority(PRIO_PROCESS, 0) == 15 && getpriority(PRIO_PROCESS, 4242) == -1 && errno == 3);

	/* readv and writev through a pipe */
	int fds[2];
	char a[3], b[10];
	struct iovec out[2] = { { "abc", 3 }, { "defgh", 5 } }, in[2] = { { a, 3 }, { b, 10 } };
	check("writev+readv", pipe(fds) == 0 && writev(fds[1], out, 2) == 8 && readv(fds[0], in, 2) == 8
	      && a[0] == 'a' && a[2] == 'c' && b[0] == 'd' && b[4] == 'h');

	/* fcntl */
	int dup = fcntl(fds[0], F_DUPFD, 10);
	check("fcntl", dup == 10 && fcntl(dup, F_GETFD, 0) == 0 && fcntl(dup, F_SETFD, FD_CLOEXEC) == 0
	      && fcntl(dup, F_GETFD, 0) == FD_CLOEXEC && (fcntl(fds[1], F_GETFL, 0) & 3) == O_WRONLY
	      && fcntl(fds[0], F_SETFL, O_NONBLOCK) == 0 && read(fds[0], a, 1) == -1 && errno == 11
	      && fcntl(99, F_GETFD, 0) == -1 && errno == 9);

	/* pipe2 and ioctl */
	int p2[2], avail = -1;
	check("pipe2", pipe2(p2, O_CLOEXEC) == 0 && fcntl(p2[0], F_GETFD, 0) == FD_CLOEXEC
	      && pipe2(p2, 1) == -1 && errno == 22);
	char termios[60];
	check("ioctl", write(p2[1], "xyz", 3) == 3 && ioctl(p2[0], FIONREAD, (unsigned long)&avail) == 0
	      && avail == 3 && ioctl(p2[0], TCGETS, (unsigned long)termios) == -1 && errno == 25);

	/* the *at family, relative to a directory fd */
	struct stat st;
	int dir, f;
	check("*at", mkdirat(AT_FDCWD, "d", 0755) == 0
	      && (dir = openat(AT_FDCWD, "d", O_RDONLY | O_DIRECTORY, 0)) >= 0
	      && (f = openat(dir, "f", O_CREAT | O_WRONLY, 0644)) >= 0 && write(f, "12345", 5) == 5
	      && newfstatat(dir, "f", &st, 0) == 0 && st.st_size == 5
	      && faccessat(dir, "f", 0) == 0 && renameat(dir, "f", AT_FDCWD, "g") == 0
	      && faccessat(dir, "f", 0) == -1 && errno == 2 && unlinkat(AT_FDCWD, "g", 0) == 0
	      && unlinkat(AT_FDCWD, "d", AT_REMOVEDIR) == 0 && mkdirat(dir, "x", 0755) == -1 && errno == 2);
	return 0;
}
