/* One send of 512 MiB of untouched memory through sockets whose send buffer root forced to INT_MAX:
 * a datagram and a stream. RAM has no room for it, so neither may be copied into the host process
 * whole first: the datagram is refused before its copy, the stream copied one skb at a time. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

static int forced_pair(int type, int sv[2])
{
	int most = 0x7fffffff;
	if (socketpair(AF_UNIX, type | SOCK_NONBLOCK, 0, sv) ||
	    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &most, sizeof most)) {
		perror("forced_pair");
		return -1;
	}
	return 0;
}

static void show(const char *what, long done, size_t size)
{
	if (done < 0)
		printf("%s: %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %s\n", what, done == (long)size ? "all" : done ? "some" : "none");
}

int main(void)
{
	size_t size = (size_t)512 << 20;
	setvbuf(stdout, NULL, _IONBF, 0);
	char *untouched = mmap(NULL, size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (untouched == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	int dgram[2], stream[2];
	if (forced_pair(SOCK_DGRAM, dgram) || forced_pair(SOCK_STREAM, stream))
		return 1;
	show("datagram send", send(dgram[0], untouched, size, 0), size);
	long sent = send(stream[0], untouched, size, 0);
	show("stream send", sent > 0 && sent < (long)size ? 1 : sent, size);
	close(stream[0]); /* what it queued filled RAM: let it go */
	close(stream[1]);
	return 0;
}
