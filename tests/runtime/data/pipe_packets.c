/* pipe2(O_DIRECT): every write is a packet (split at a page), a read returns at most one packet. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static void show_read(const char *what, int fd, size_t size)
{
	char buf[65536];
	ssize_t n = read(fd, buf, size);
	if (n < 0) {
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
		return;
	}
	printf("%s: %zd", what, n);
	if (n <= 16)
		printf(" \"%.*s\"", (int)n, buf);
	printf("\n");
}

int main(void)
{
	int p[2];
	if (pipe2(p, O_DIRECT) != 0) {
		printf("pipe2(O_DIRECT): %s\n", strerrorname_np(errno));
		return 1;
	}
	printf("O_DIRECT on the ends: %d %d\n", !!(fcntl(p[0], F_GETFL) & O_DIRECT), !!(fcntl(p[1], F_GETFL) & O_DIRECT));
	write(p[1], "abc", 3);
	write(p[1], "defgh", 5);
	write(p[1], "ij", 2);
	int avail = 0;
	ioctl(p[0], FIONREAD, &avail);
	printf("FIONREAD: %d\n", avail);
	show_read("read 100", p[0], 100);
	show_read("read 100", p[0], 100);
	show_read("read 100", p[0], 100);

	write(p[1], "0123456789", 10);
	write(p[1], "xy", 2);
	show_read("read 4 of a 10-byte packet", p[0], 4);
	show_read("the next read: the next packet", p[0], 100);

	static char big[10000];
	memset(big, 'q', sizeof big);
	printf("write of 10000: %zd\n", write(p[1], big, sizeof big));
	show_read("read 65536", p[0], 65536);
	show_read("read 65536", p[0], 65536);
	show_read("read 65536", p[0], 65536);

	int n[2];
	pipe2(n, O_DIRECT | O_NONBLOCK);
	int packets = 0;
	while (write(n[1], "x", 1) == 1)
		packets++;
	printf("1-byte packets before EAGAIN: %d (%s)\n", packets, strerrorname_np(errno));
	struct pollfd pf = {.fd = n[1], .events = POLLOUT};
	printf("poll for POLLOUT when full: %d\n", poll(&pf, 1, 0));
	show_read("read 100 of them", n[0], 100);
	printf("poll for POLLOUT after one read: %d\n", poll(&pf, 1, 0));

	int s[2];
	pipe2(s, 0);
	write(s[1], "ab", 2);
	write(s[1], "cd", 2);
	show_read("stream pipe: writes merge", s[0], 100);
	/* F_SETFL switches packet mode on an end, either way. */
	int t[2];
	pipe(t);
	printf("F_SETFL O_DIRECT: %d\n", fcntl(t[1], F_SETFL, O_DIRECT));
	write(t[1], "12", 2);
	write(t[1], "34", 2);
	show_read("read 100 after switching packets on", t[0], 100);
	fcntl(t[1], F_SETFL, 0);
	write(t[1], "56", 2);
	write(t[1], "78", 2);
	show_read("read 100 after switching them off: the last packet", t[0], 100);
	show_read("read 100", t[0], 100);
	write(t[1], "ab", 2);
	fcntl(t[1], F_SETFL, O_DIRECT);
	write(t[1], "cdef", 4);
	write(t[1], "gh", 2);
	show_read("read 3: stream bytes, then into a packet", t[0], 3);
	show_read("read 100", t[0], 100);
	/* A packet joins a stream buffer only if what it leaves over of a page fits in the buffer's page. */
	fcntl(t[0], F_SETFL, O_NONBLOCK);
	fcntl(t[1], F_SETFL, 0);
	write(t[1], big, 4095);
	fcntl(t[1], F_SETFL, O_DIRECT);
	write(t[1], "xy", 2);
	write(t[1], "z", 1);
	show_read("read 5000: the stream, then one packet", t[0], 5000);
	show_read("read 100", t[0], 100);
	fcntl(t[1], F_SETFL, 0);
	write(t[1], big, 4094);
	fcntl(t[1], F_SETFL, O_DIRECT);
	write(t[1], "xy", 2);
	write(t[1], "z", 1);
	show_read("read 5000: the packet joined the stream", t[0], 5000);
	show_read("read 100", t[0], 100);
	int bad[2];
	int rc = pipe2(bad, O_APPEND);
	printf("pipe2 with O_APPEND: %d %s\n", rc, strerrorname_np(errno));
	return 0;
}
