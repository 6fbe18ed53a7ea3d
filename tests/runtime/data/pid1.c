/* PID 1 (issue 17): who the first program's parent is, where orphans go, and Linux's rules for PID 1.
 * Each mode prints FACTS a native run must print too: `parent` run as a child of PID 1 (the machine's init,
 * natively `unshare --pid --fork` with a child of our own as pid 1), `self` run as PID 1 itself (--pid1,
 * natively `unshare --pid --fork` of the program). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t usr1;

static void on_usr1(int sig) { (void)sig; usr1++; }

static void nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* The program as the init's child: a normal parent, and an orphan of its goes to PID 1, which reaps it. */
static int parent(void)
{
	int fds[2];
	printf("FACTS parent: getppid()=%d\n", (int)getppid());
	if (pipe(fds))
		return 1;
	pid_t middle = fork();
	if (middle == 0) {
		if (fork() == 0) {  /* the grandchild: orphaned when `middle` exits */
			close(fds[0]);
			nap(100);
			int ppid = (int)getppid();
			if (write(fds[1], &ppid, sizeof ppid) != sizeof ppid)
				_exit(2);
			_exit(7);
		}
		_exit(0);
	}
	close(fds[1]);
	int status;
	waitpid(middle, &status, 0);
	int ppid = 0;
	if (read(fds[0], &ppid, sizeof ppid) != sizeof ppid)
		return 1;
	printf("FACTS orphan: reparented to pid %d, our zombie to reap: %s\n", ppid,
	       waitpid(-1, &status, WNOHANG) < 0 && errno == ECHILD ? "none" : "some");
	return 3;
}

/* The program as PID 1: signals it has no handler for are not delivered, even SIGKILL; handled ones are. */
static int self(void)
{
	printf("FACTS self: getpid()=%d getppid()=%d\n", (int)getpid(), (int)getppid());
	int term = kill(1, SIGTERM), killed = kill(1, SIGKILL), seg = raise(SIGSEGV);
	printf("FACTS SIGTERM, SIGKILL, raise(SIGSEGV) to itself without a handler: %d %d %d, still here\n", term, killed,
	       seg);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	kill(1, SIGUSR1);  /* blocked while SIG_DFL: queued, then dropped when unblocked */
	sigpending(&set);
	printf("FACTS blocked SIGUSR1 pending: %d\n", sigismember(&set, SIGUSR1));
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	printf("FACTS after unblocking: still here\n");
	signal(SIGUSR1, on_usr1);
	kill(1, SIGUSR1);
	printf("FACTS with a handler: SIGUSR1 taken %d time(s)\n", (int)usr1);
	return 4;
}

/* PID 1 exits while a child sleeps: the child is killed, and the run ends. */
static int zap(void)
{
	pid_t child = fork();
	if (child == 0) {
		for (;;)
			pause();
	}
	printf("FACTS zap: a child sleeps, PID 1 exits\n");
	return 5;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	const char *mode = argc > 1 ? argv[1] : "";
	if (!strcmp(mode, "parent"))
		return parent();
	if (!strcmp(mode, "self"))
		return self();
	if (!strcmp(mode, "zap"))
		return zap();
	if (!strcmp(mode, "die"))
		return raise(SIGTERM);  /* as the init's child: killed, and the init says so with 128+15 */
	if (!strcmp(mode, "spawn") && argc > 2) {  /* natively: pid 1 of a new namespace that runs the test as pid 2 */
		pid_t child = fork();
		if (child == 0) {
			argv[1] = argv[0];
			execv(argv[0], argv + 1);
			_exit(127);
		}
		int status, code = 1;
		pid_t done;
		while ((done = wait(&status)) != -1)  /* every orphan too, as the machine's init */
			if (done == child)
				code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		return code;
	}
	fprintf(stderr, "usage: pid1 parent|self|zap|die|spawn MODE\n");
	return 2;
}
