/* Unix-socket buffers are RAM: socket pairs filled until RAM has no room for another message, which
 * ends a send in ENOBUFS; with the sockets closed, RAM is back and a new pair works. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static char chunk[65536];

int main(void)
{
	int sv[2], pairs = 0, last = 2;
	const char *failed = "nothing";
	long long held = 0;
	int error = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	printf("filling sockets\n");
	for (int done = 0; !done;) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0) {
			failed = "socketpair";
			error = errno;
			break;
		}
		pairs++;
		last = sv[1];
		for (;;) {
			ssize_t n = send(sv[0], chunk, sizeof chunk, 0);
			if (n < 0) {
				if (errno != EAGAIN) {
					failed = "send";
					error = errno;
					done = 1;
				}
				break;
			}
			held += n;
		}
	}
	for (int fd = 3; fd <= last; fd++)
		close(fd);
	printf("%s: %s\n", failed, strerror(error));
	printf("full after %s pairs, %s MiB\n", pairs > 10 ? "many" : "few", held > (4 << 20) ? "several" : "few");
	printf("a new pair after closing them: %s\n", socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 &&
	       write(sv[0], "x", 1) == 1 ? "works" : strerror(errno));
	close(sv[0]);
	close(sv[1]);

	/* connections nobody accepts, their clients gone: each a socket that only its listener holds */
	int listeners = 0, waiting = 0, first = -1;
	failed = "nothing";
	for (int done = 0; !done;) {
		int l = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un a = {AF_UNIX};
		if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(sa_family_t)) < 0 || listen(l, 4096) < 0) {
			failed = "listener";
			error = errno;
			break;
		}
		if (first < 0)
			first = l;
		last = l;
		listeners++;
		socklen_t len = sizeof a;
		getsockname(l, (struct sockaddr *)&a, &len);
		for (int i = 0; i < 4097; i++) {
			int c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
			if (c < 0 || connect(c, (struct sockaddr *)&a, len) < 0) {
				failed = c < 0 ? "socket" : "connect";
				error = errno;
				done = 1;
				if (c >= 0)
					close(c);
				break;
			}
			close(c);
			waiting++;
		}
	}
	for (int fd = first; fd >= 0 && fd <= last; fd++)
		close(fd);
	printf("%s: %s\n", failed, strerror(error));
	printf("%s connections waiting, on %s\n", waiting > 1000 ? "many" : "few", listeners > 0 ? "listeners" : "none");
	printf("a new pair after closing them: %s\n", socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 ? "works" : strerror(errno));
	return 0;
}
