/* Fork until fork fails: the errno, then every child killed and reaped. Then, as an ordinary user
 * with RLIMIT_NPROC 5, the same: Linux lifts that limit only for root. Runs on a machine with few processes. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t children[1 << 16];

static int fork_until_refused(const char *who)
{
	int made = 0;

	for (;;) {
		pid_t child = fork();

		if (child < 0) {
			printf("%s: fork %d: %s\n", who, made + 1, strerror(errno));
			break;
		}
		if (child == 0) {
			pause();
			_exit(0);
		}
		children[made++] = child;
	}
	for (int i = 0; i < made; i++)
		kill(children[i], SIGKILL);
	int reaped = 0;

	while (wait(NULL) > 0)
		reaped++;
	printf("%s: %d children made, %d reaped\n", who, made, reaped);
	return made;
}

int main(void)
{
	struct rlimit limit;

	setvbuf(stdout, NULL, _IONBF, 0);
	getrlimit(RLIMIT_NPROC, &limit);
	printf("RLIMIT_NPROC %llu %llu\n", (unsigned long long)limit.rlim_cur, (unsigned long long)limit.rlim_max);
	fork_until_refused("root");
	pid_t user = fork();

	if (user == 0) {
		struct rlimit five = { 5, 5 };

		setrlimit(RLIMIT_NPROC, &five);
		if (setuid(1000) != 0)
			printf("setuid: %s\n", strerror(errno));
		_exit(fork_until_refused("uid 1000") == 4 ? 0 : 1);
	}
	int status;

	waitpid(user, &status, 0);
	printf("uid 1000's process exited with %d\n", WEXITSTATUS(status));
	return 0;
}
