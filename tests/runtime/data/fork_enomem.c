/* fork until RAM is full: fork answers ENOMEM, and the processes made so far run and exit.
 *
 * Each child keeps its copy until the parent stops forking (it waits for the
 * end of a pipe): processes are time-sliced, and a child that exited at once
 * would give its memory back before RAM could fill. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	size_t size = 8 << 20;
	char *touched = malloc(size);
	int forked = 0, go[2];
	char byte;

	memset(touched, 7, size);
	if (pipe(go) != 0)
		return 1;
	for (;;) {
		pid_t child = fork();

		if (child == 0) {
			touched[size - 1] = 8;  /* its own copy */
			close(go[1]);
			if (read(go[0], &byte, 1) != 0)  /* the end: the parent has stopped forking */
				_exit(1);
			_exit(touched[0]);
		}
		if (child < 0) {
			printf("fork %d: %s\n", forked + 1, strerror(errno));
			break;
		}
		forked++;
	}
	int ok = 0, status;

	close(go[1]);

	while (wait(&status) > 0)
		ok += WIFEXITED(status) && WEXITSTATUS(status) == 7;
	printf("%d children exited with 7; parent's last byte %d\n", ok, touched[size - 1]);
	return forked > 0 ? 0 : 1;
}
