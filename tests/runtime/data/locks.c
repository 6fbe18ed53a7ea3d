/* Record locks, OFD locks and flock between processes, as Linux answers them.
 *
 * Every line is printed by the process named in it, in an order fixed by
 * pipes and waits (never by timing): a process that must be asleep in a
 * lock before the other goes on is watched in /proc/PID/stat until it is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wait_asleep.h"

static pid_t g_parent, g_child;

static const char *err(int r) {
	static char buf[64];
	if (r == 0) return "0";
	snprintf(buf, sizeof buf, "-1 %s", strerrorname_np(errno));
	return buf;
}

static int lk(int fd, int cmd, short type, short whence, off_t start, off_t len) {
	struct flock fl = {.l_type = type, .l_whence = whence, .l_start = start, .l_len = len};
	return fcntl(fd, cmd, &fl);
}

static const char *tname(int t) {
	return t == F_RDLCK ? "F_RDLCK" : t == F_WRLCK ? "F_WRLCK" : t == F_UNLCK ? "F_UNLCK" : "?";
}

/* F_GETLK (or F_OFD_GETLK) for [start, start+len): what blocks it, pid as "parent", "child", -1 or a number. */
static void probe(const char *who, int fd, int cmd, short type, off_t start, off_t len, pid_t parent) {
	struct flock fl = {.l_type = type, .l_whence = SEEK_SET, .l_start = start, .l_len = len};
	if (fcntl(fd, cmd, &fl) < 0) {
		printf("%s: getlk %s %ld+%ld: %s\n", who, tname(type), (long)start, (long)len, err(-1));
		return;
	}
	const char *pid = fl.l_pid == parent || fl.l_pid == g_parent ? "parent"
			  : fl.l_pid == g_child && g_child ? "child"
			  : fl.l_pid == -1 ? "-1" : "other";
	if (fl.l_type == F_UNLCK)
		printf("%s: getlk %s %ld+%ld: free (whence %d start %ld len %ld)\n", who, tname(type), (long)start,
		       (long)len, fl.l_whence, (long)fl.l_start, (long)fl.l_len);
	else
		printf("%s: getlk %s %ld+%ld: %s start %ld len %ld pid %s\n", who, tname(type), (long)start, (long)len,
		       tname(fl.l_type), (long)fl.l_start, (long)fl.l_len, pid);
}

static void reap(const char *who) {
	int status;
	pid_t p = wait(&status);
	printf("%s: child %s status %d\n", who, p > 0 ? "reaped" : "lost", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void token_put(int fd) { (void)!write(fd, "x", 1); }
static void token_get(int fd) { char c; (void)!read(fd, &c, 1); }

static void on_usr1(int sig) { (void)sig; }

static int open_file(const char *name, int flags) {
	int fd = open(name, flags | O_CREAT, 0644);
	if (fd < 0) { perror(name); exit(2); }
	return fd;
}

static void ranges(void) {
	pid_t me = getpid();
	int fd = open_file("ranges", O_RDWR);
	(void)!write(fd, "0123456789", 10);
	printf("lock 0+100 W: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 100)));
	printf("unlock 40+20: %s\n", err(lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 40, 20)));
	printf("lock 100+100 R: %s\n", err(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 100, 100)));
	printf("upgrade 150+10 W: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 150, 10)));
	printf("lock 300+10 W: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 300, 10)));
	printf("lock 310+10 W (adjacent): %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 310, 10)));
	lseek(fd, 500, SEEK_SET);
	printf("lock SEEK_CUR -5 len 10 W: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_CUR, -5, 10)));
	printf("lock SEEK_END +990 len -10 R: %s\n", err(lk(fd, F_SETLK, F_RDLCK, SEEK_END, 990, -10)));
	printf("lock 2000+0 (to EOF) R: %s\n", err(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 2000, 0)));
	probe("parent", fd, F_GETLK, F_WRLCK, 0, 0, me);
	probe("parent", fd, F_GETLK, F_UNLCK, 45, 100, me);
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		probe("child", fd, F_GETLK, F_WRLCK, 0, 0, me);
		probe("child", fd, F_GETLK, F_WRLCK, 45, 10, me);
		probe("child", fd, F_GETLK, F_WRLCK, 50, 100, me);
		probe("child", fd, F_GETLK, F_RDLCK, 120, 10, me);
		probe("child", fd, F_GETLK, F_WRLCK, 120, 10, me);
		probe("child", fd, F_GETLK, F_RDLCK, 155, 1, me);
		probe("child", fd, F_GETLK, F_RDLCK, 160, 1, me);
		probe("child", fd, F_GETLK, F_WRLCK, 305, 1, me);
		probe("child", fd, F_GETLK, F_WRLCK, 320, 200, me);
		probe("child", fd, F_GETLK, F_WRLCK, 996, 1, me);
		probe("child", fd, F_GETLK, F_RDLCK, 1000, 1, me);
		probe("child", fd, F_GETLK, F_WRLCK, 1000, 1, me);
		probe("child", fd, F_GETLK, F_WRLCK, 5000, 1, me);
		probe("child", fd, F_GETLK, F_UNLCK, 0, 0, me);
		printf("child: setlk 0+1 W: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1)));
		printf("child: setlk 120+1 R: %s\n", err(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 120, 1)));
		printf("child: setlk 45+5 W: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 45, 5)));
		exit(0);
	}
	reap("parent");
	/* Any close of the file by the process drops its locks, through whichever descriptor. */
	int other = open_file("ranges", O_RDONLY);
	close(other);
	fflush(stdout);
	child = fork();
	if (child == 0) {
		probe("child", fd, F_GETLK, F_WRLCK, 0, 0, me);
		exit(0);
	}
	reap("parent");
	close(fd);
}

static void errors(void) {
	int fd = open_file("errs", O_RDWR), ro = open_file("errs", O_RDONLY), wo = open_file("errs", O_WRONLY);
	struct flock fl = {.l_type = F_RDLCK, .l_whence = 7};
	printf("whence 7: %s\n", err(fcntl(fd, F_SETLK, &fl)));
	printf("type 9: %s\n", err(lk(fd, F_SETLK, 9, SEEK_SET, 0, 1)));
	printf("start -1: %s\n", err(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, -1, 1)));
	printf("start 10 len -11: %s\n", err(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 10, -11)));
	printf("start max len 2: %s\n", err(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, LLONG_MAX, 2)));
	lseek(fd, 10, SEEK_SET);
	printf("SEEK_CUR start max: %s\n", err(lk(fd, F_SETLK, F_RDLCK, SEEK_CUR, LLONG_MAX, 1)));
	printf("getlk start -1: %s\n", err(lk(fd, F_GETLK, F_RDLCK, SEEK_SET, -1, 1)));
	printf("W on O_RDONLY: %s\n", err(lk(ro, F_SETLK, F_WRLCK, SEEK_SET, 0, 1)));
	printf("R on O_WRONLY: %s\n", err(lk(wo, F_SETLK, F_RDLCK, SEEK_SET, 0, 1)));
	printf("UN on O_RDONLY: %s\n", err(lk(ro, F_SETLK, F_UNLCK, SEEK_SET, 0, 1)));
	printf("getlk W on O_RDONLY: %s\n", err(lk(ro, F_GETLK, F_WRLCK, SEEK_SET, 0, 1)));
	printf("setlk bad fd: %s\n", err(lk(99, F_SETLK, F_RDLCK, SEEK_SET, 0, 1)));
	printf("setlk bad pointer: %s\n", err(fcntl(fd, F_SETLK, (void *)16)));
	printf("getlk bad pointer: %s\n", err(fcntl(fd, F_GETLK, (void *)16)));
	int path = open("errs", O_PATH);
	printf("setlk O_PATH: %s\n", err(lk(path, F_SETLK, F_RDLCK, SEEK_SET, 0, 1)));
	printf("flock O_PATH: %s\n", err(flock(path, LOCK_SH)));
	struct flock ofd = {.l_type = F_RDLCK, .l_pid = 1};
	printf("ofd setlk l_pid 1: %s\n", err(fcntl(fd, F_OFD_SETLK, &ofd)));
	printf("ofd getlk l_pid 1: %s\n", err(fcntl(fd, F_OFD_GETLK, &ofd)));
	printf("flock 0: %s\n", err(flock(fd, 0)));
	printf("flock SH|EX: %s\n", err(flock(fd, LOCK_SH | LOCK_EX)));
	printf("flock NB only: %s\n", err(flock(fd, LOCK_NB)));
	printf("flock bad fd: %s\n", err(flock(99, LOCK_SH)));
	printf("flock 0 bad fd: %s\n", err(flock(99, 0)));
	close(fd), close(ro), close(wo), close(path);
}

/* One process blocks in F_SETLKW until the other unlocks. */
static void contention(void) {
	int fd = open_file("contend", O_RDWR), up[2];
	pipe(up);
	printf("parent: lock 0+10 W: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		printf("child: about to wait for 5+1\n");
		fflush(stdout);
		token_put(up[1]);
		int r = lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 5, 1);
		printf("child: setlkw 5+1 W: %s\n", err(r));
		probe("child", fd, F_GETLK, F_WRLCK, 0, 0, getppid());
		exit(0);
	}
	token_get(up[0]);
	wait_asleep(child);
	probe("parent", fd, F_GETLK, F_WRLCK, 0, 0, 0);
	printf("parent: the child sleeps; unlocking\n");
	fflush(stdout);
	lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 0, 0);
	reap("parent");
	close(fd);
}

/* Two processes each wait for the other's lock: the second to ask is told EDEADLK. */
static void deadlock(void) {
	int fd = open_file("dead", O_RDWR), up[2], down[2];
	pipe(up), pipe(down);
	printf("parent: lock 0+1: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1)));
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		printf("child: lock 1+1: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 1, 1)));
		fflush(stdout);
		token_put(up[1]);
		token_get(down[0]);
		wait_asleep(getppid());
		printf("child: setlkw 0+1 while the parent waits for 1+1: %s\n",
		       err(lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 0, 1)));
		printf("child: setlk 0+1: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1)));
		printf("child: unlock 1+1\n");
		fflush(stdout);
		lk(fd, F_SETLK, F_UNLCK, SEEK_SET, 1, 1);
		exit(0);
	}
	token_get(up[0]);
	token_put(down[1]);
	int r = lk(fd, F_SETLKW, F_WRLCK, SEEK_SET, 1, 1);
	printf("parent: setlkw 1+1: %s\n", err(r));
	reap("parent");
	close(fd);
}

/* A signal ends an F_SETLKW or a blocking flock: EINTR without SA_RESTART. */
static void interrupted(void) {
	int fd = open_file("intr", O_RDWR), up[2];
	pipe(up);
	lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0);
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		struct sigaction sa = {.sa_handler = on_usr1};
		sigaction(SIGUSR1, &sa, NULL);
		token_put(up[1]);
		printf("child: setlkw interrupted: %s\n", err(lk(fd, F_SETLKW, F_RDLCK, SEEK_SET, 0, 1)));
		int fd2 = open("intr", O_RDWR);
		token_put(up[1]);
		printf("child: flock EX on a new description, waited: %s\n", err(flock(fd2, LOCK_EX)));
		int fd3 = open("intr", O_RDWR);
		token_put(up[1]);
		printf("child: flock EX on a third, interrupted: %s\n", err(flock(fd3, LOCK_EX)));
		exit(0);
	}
	g_child = child;
	token_get(up[0]);
	wait_asleep(child);
	flock(fd, LOCK_SH);
	kill(child, SIGUSR1);
	token_get(up[0]);
	wait_asleep(child);
	flock(fd, LOCK_UN);
	token_get(up[0]);
	wait_asleep(child);
	kill(child, SIGUSR1);
	reap("parent");
	close(fd);
}

/* OFD locks belong to the open file description: shared across fork, dropped at its last close. */
static void ofd(void) {
	int fd = open_file("ofd", O_RDWR), up[2], down[2];
	pipe(up), pipe(down);
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10};
	printf("parent: ofd lock 0+10 W: %s\n", err(fcntl(fd, F_OFD_SETLK, &fl)));
	printf("parent: posix lock 0+1 on the same fd: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 1)));
	probe("parent", fd, F_GETLK, F_WRLCK, 5, 1, getpid());
	probe("parent", fd, F_OFD_GETLK, F_WRLCK, 5, 1, getpid());
	probe("parent", fd, F_OFD_GETLK, F_UNLCK, 5, 1, getpid());
	probe("parent", fd, F_OFD_GETLK, F_UNLCK, 20, 1, getpid());
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		struct flock again = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 20};
		printf("child: ofd lock 0+20 through the inherited fd: %s\n", err(fcntl(fd, F_OFD_SETLK, &again)));
		int mine = open_file("ofd", O_RDWR);
		probe("child", mine, F_OFD_GETLK, F_RDLCK, 15, 1, getppid());
		probe("child", mine, F_GETLK, F_RDLCK, 0, 0, getppid());
		probe("child", mine, F_OFD_GETLK, F_UNLCK, 0, 0, getppid());
		struct flock rd = {.l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
		printf("child: ofd lock on its own description: %s\n", err(fcntl(mine, F_OFD_SETLK, &rd)));
		printf("child: posix lock on its own description: %s\n",
		       err(lk(mine, F_SETLK, F_RDLCK, SEEK_SET, 0, 1)));
		close(fd); /* the parent still has the description: the lock stays */
		probe("child", mine, F_OFD_GETLK, F_RDLCK, 0, 1, getppid());
		fflush(stdout);
		token_put(up[1]);
		rd.l_type = F_WRLCK;
		printf("child: ofd setlkw: %s\n", err(fcntl(mine, F_OFD_SETLKW, &rd)));
		probe("child", mine, F_OFD_GETLK, F_WRLCK, 0, 0, getppid());
		exit(0);
	}
	token_get(up[0]);
	wait_asleep(child);
	printf("parent: the child sleeps; closing the last descriptor of the description\n");
	fflush(stdout);
	close(fd);
	reap("parent");
}

/* flock: per description, independent of fcntl's locks, conversions not atomic. */
static void flocks(void) {
	int fd = open_file("fl", O_RDWR), up[2];
	pipe(up);
	printf("parent: flock EX: %s\n", err(flock(fd, LOCK_EX)));
	printf("parent: flock EX again: %s\n", err(flock(fd, LOCK_EX | LOCK_NB)));
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		int mine = open_file("fl", O_RDONLY);
		printf("child: flock EX|NB on the inherited fd: %s\n", err(flock(fd, LOCK_EX | LOCK_NB)));
		printf("child: flock SH|NB on its own: %s\n", err(flock(mine, LOCK_SH | LOCK_NB)));
		printf("child: fcntl W lock meanwhile: %s\n", err(lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0)));
		printf("child: parent converts to SH (inherited fd): %s\n", err(flock(fd, LOCK_SH)));
		printf("child: flock SH|NB on its own: %s\n", err(flock(mine, LOCK_SH | LOCK_NB)));
		printf("child: convert inherited to EX|NB: %s\n", err(flock(fd, LOCK_EX | LOCK_NB)));
		printf("child: now its own to EX|NB (the other was lost): %s\n", err(flock(mine, LOCK_EX | LOCK_NB)));
		printf("child: unlock own: %s\n", err(flock(mine, LOCK_UN)));
		printf("child: unlock own again: %s\n", err(flock(mine, LOCK_UN)));
		printf("child: LOCK_MAND: %s\n", err(flock(mine, 32 | LOCK_SH)));
		fflush(stdout);
		printf("child: flock EX|NB inherited: %s\n", err(flock(fd, LOCK_EX | LOCK_NB)));
		fflush(stdout);
		token_put(up[1]);
		int r = flock(mine, LOCK_SH);
		printf("child: flock SH waited: %s\n", err(r));
		exit(0);
	}
	token_get(up[0]);
	wait_asleep(child);
	printf("parent: the child sleeps; unlocking the inherited description\n");
	fflush(stdout);
	flock(fd, LOCK_UN);
	reap("parent");
	close(fd);
}

/* A lock held by a process that exits is free again: the waiter gets it. */
static void on_exit_release(void) {
	int fd = open_file("exit", O_RDWR), up[2], down[2];
	pipe(up), pipe(down);
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0);
		token_put(up[1]);
		token_get(down[0]);
		exit(0);
	}
	g_child = child;
	token_get(up[0]);
	probe("parent", fd, F_GETLK, F_RDLCK, 0, 0, 0);
	token_put(down[1]);
	printf("parent: setlkw after the child exits: %s\n", err(lk(fd, F_SETLKW, F_RDLCK, SEEK_SET, 0, 0)));
	reap("parent");
	close(fd);
}

/* A file that was there before the program (on the machine, a file of the host root, read through): its
 * locks are the machine's, and every open of it reaches the same inode and so the same locks. */
static void existing_file(void) {
	int fd = open("existing", O_RDONLY), up[2], down[2];
	if (fd < 0) { perror("existing"); exit(2); }
	pipe(up), pipe(down);
	printf("parent: read lock on all of it: %s\n", err(lk(fd, F_SETLK, F_RDLCK, SEEK_SET, 0, 0)));
	printf("parent: flock EX: %s\n", err(flock(fd, LOCK_EX)));
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		close(fd); /* the description (and its flock) is the parent's alone now */
		int mine = open("existing", O_RDONLY);
		probe("child", mine, F_GETLK, F_WRLCK, 3, 1, getppid());
		printf("child: flock SH|NB: %s\n", err(flock(mine, LOCK_SH | LOCK_NB)));
		int rw = open("existing", O_RDWR);
		printf("child: write lock through a writable open: %s\n", err(lk(rw, F_SETLK, F_WRLCK, SEEK_SET, 0, 1)));
		fflush(stdout);
		token_put(up[1]);
		printf("child: flock SH waited: %s\n", err(flock(mine, LOCK_SH)));
		probe("child", mine, F_GETLK, F_WRLCK, 0, 0, getppid());
		exit(0);
	}
	token_get(up[0]);
	wait_asleep(child);
	printf("parent: closing\n");
	fflush(stdout);
	close(fd);
	reap("parent");
	(void)down;
}

/* Threads share the descriptor table, so they are one owner of POSIX locks; a close by any of them drops all. */
static int thread_fd;

static void *in_thread(void *unused) {
	(void)unused;
	probe("thread", thread_fd, F_GETLK, F_WRLCK, 0, 0, g_parent);
	printf("thread: lock 5+15 W: %s\n", err(lk(thread_fd, F_SETLK, F_WRLCK, SEEK_SET, 5, 15)));
	int other = dup(thread_fd);
	printf("thread: closes a dup of the descriptor\n");
	close(other);
	return NULL;
}

static void threads(void) {
	thread_fd = open_file("threads", O_RDWR);
	printf("main: lock 0+10 W: %s\n", err(lk(thread_fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 10)));
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		probe("child", thread_fd, F_GETLK, F_WRLCK, 0, 0, g_parent);
		exit(0);
	}
	reap("main");
	pthread_t thread;
	pthread_create(&thread, NULL, in_thread, NULL);
	pthread_join(thread, NULL);
	fflush(stdout);
	child = fork();
	if (child == 0) {
		probe("child", thread_fd, F_GETLK, F_WRLCK, 0, 0, g_parent);
		exit(0);
	}
	reap("main");
	close(thread_fd);
}

/* An exec closes the close-on-exec descriptors, and with them the process's locks on their files. */
static void close_on_exec(const char *self) {
	int fd = open_file("cloexec", O_RDWR | O_CLOEXEC), up[2], down[2];
	pipe(up), pipe(down);
	fflush(stdout);
	pid_t child = fork();
	if (child == 0) {
		lk(fd, F_SETLK, F_WRLCK, SEEK_SET, 0, 0);
		int keep = open("cloexec", O_RDONLY); /* open across the exec: only the close matters */
		token_put(up[1]);
		token_get(down[0]);
		char up_fd[16], down_fd[16];
		snprintf(up_fd, sizeof up_fd, "%d", up[1]);
		snprintf(down_fd, sizeof down_fd, "%d", down[0]);
		execl(self, "locks", "exec-wait", up_fd, down_fd, (char *)NULL);
		printf("child: exec %s: %s\n", self, strerror(errno));
		fflush(stdout);
		token_put(up[1]);
		(void)keep;
		exit(5);
	}
	g_child = child;
	token_get(up[0]);
	probe("parent", fd, F_GETLK, F_RDLCK, 0, 0, 0);
	token_put(down[1]);
	token_get(up[0]); /* the new program runs */
	probe("parent", fd, F_GETLK, F_RDLCK, 0, 0, 0);
	token_put(down[1]);
	reap("parent");
	close(fd);
}

int main(int argc, char **argv) {
	if (argc == 4 && !strcmp(argv[1], "exec-wait")) { /* close_on_exec's child after its exec */
		token_put(atoi(argv[2]));
		token_get(atoi(argv[3]));
		return 0;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	g_parent = getpid();
	printf("== ranges\n"); ranges();
	printf("== errors\n"); errors();
	printf("== contention\n"); contention();
	printf("== deadlock\n"); deadlock();
	printf("== interrupted\n"); interrupted();
	printf("== ofd\n"); ofd();
	printf("== flock\n"); flocks();
	printf("== exit\n"); on_exit_release();
	printf("== existing file\n"); existing_file();
	printf("== threads\n"); threads();
	printf("== close on exec\n"); close_on_exec("/proc/self/exe");
	printf("done\n");
	return 0;
}
