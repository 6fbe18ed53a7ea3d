/* A socket bound to an abstract name that holds, in its own queue, its own descriptor and one of
 * /proc/self (whose file leads to the process and so to the machine), then closed: a cycle only
 * the in-flight collector could purge. Run natively it just prints what it did. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(void)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv)) {
		perror("socketpair");
		return 1;
	}
	struct sockaddr_un name = {AF_UNIX};
	memcpy(name.sun_path, "\0cycle", 6);
	printf("bind: %d\n", bind(sv[0], (struct sockaddr *)&name, sizeof(sa_family_t) + 6));
	int fds[2] = {sv[0], open("/proc/self/status", O_RDONLY)};
	union {
		char buf[CMSG_SPACE(sizeof fds)];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof control);
	char byte = 'x';
	struct iovec iov = {&byte, 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			     .msg_controllen = sizeof control.buf};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof fds);
	memcpy(CMSG_DATA(cmsg), fds, sizeof fds);
	printf("sendmsg: %zd\n", sendmsg(sv[1], &msg, 0));
	close(sv[1]);
	close(fds[1]);
	close(sv[0]);
	puts("done");
	return 0;
}
