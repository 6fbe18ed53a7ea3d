/* Pipe buffers are RAM: pipes filled until RAM has no page for more, which ends in ENOMEM from
 * a write (or from pipe itself); with the pipes closed, RAM is back. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char chunk[65536];

int main(void)
{
	int fds[2], pipes = 0;
	const char *failed;
	long long held = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("filling pipes\n");  /* stdio's pages and printf's stack, paged in while RAM has room */
	for (;;) {
		if (pipe2(fds, O_NONBLOCK) < 0) {
			failed = "pipe";
			break;
		}
		pipes++;
		ssize_t n = write(fds[1], chunk, sizeof chunk);

		if (n < 0) {
			failed = "write";
			break;
		}
		held += n;
	}
	int error = errno;

	for (int fd = 3; fd < fds[1] + 2; fd++)
		close(fd);  /* RAM back before printing: with it full, any new page of ours meets the OOM killer */
	printf("%s: %s\n", failed, strerror(error));
	printf("full after %s pipes, %s MiB\n", pipes > 10 ? "many" : "few", held > (4 << 20) ? "several" : "few");
	return 0;
}
