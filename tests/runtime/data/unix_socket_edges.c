/* Edge values of the Unix-socket calls, printed as call, value and errno name: a negative msg_namelen,
 * a stream socket given an address of another family, credentials naming no id, negative buffer sizes,
 * SO_LINGER turned off. Run natively and on the machine; the outputs must match. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SHOW(x)                                                                                  \
	do {                                                                                     \
		errno = 0;                                                                       \
		long r = (x);                                                                    \
		printf("%s: %ld %s\n", #x, r, r < 0 ? strerrorname_np(errno) : "");            \
	} while (0)

static int option(int fd, int name)
{
	int value = 0;
	socklen_t length = sizeof value;
	getsockopt(fd, SOL_SOCKET, name, &value, &length);
	return value;
}

static long send_cred(int fd, pid_t pid, uid_t uid, gid_t gid)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} control;
	memset(&control, 0, sizeof control);
	char byte = 'c';
	struct iovec iov = {&byte, 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
			     .msg_controllen = sizeof control.buf};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_CREDENTIALS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(struct ucred));
	struct ucred cred = {pid, uid, gid};
	memcpy(CMSG_DATA(cmsg), &cred, sizeof cred);
	return sendmsg(fd, &msg, 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	int sv[2], dg[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || socketpair(AF_UNIX, SOCK_DGRAM, 0, dg)) {
		perror("socketpair");
		return 1;
	}
	char buf[16], name[32];
	struct iovec iov = {buf, sizeof buf};

	/* __copy_msghdr: a negative msg_namelen is EINVAL before anything is received. */
	SHOW(write(sv[1], "abc", 3));
	struct msghdr msg = {.msg_name = name, .msg_namelen = -1, .msg_iov = &iov, .msg_iovlen = 1};
	SHOW(recvmsg(sv[0], &msg, MSG_DONTWAIT));
	msg.msg_name = NULL;
	msg.msg_namelen = 77;
	SHOW(recvmsg(sv[0], &msg, MSG_DONTWAIT));
	printf("msg_namelen after a receive without msg_name: %d\n", msg.msg_namelen);

	/* A stream socket refuses any address (EISCONN connected) before looking at it. */
	struct sockaddr_in inet = {.sin_family = AF_INET};
	SHOW(sendto(sv[0], "a", 1, 0, (struct sockaddr *)&inet, sizeof inet));
	struct msghdr named = {.msg_name = &inet, .msg_namelen = sizeof inet, .msg_iov = &iov, .msg_iovlen = 1};
	iov.iov_len = 1;
	SHOW(sendmsg(sv[0], &named, 0));
	SHOW(sendmsg(dg[0], &named, MSG_OOB));
	SHOW(sendmsg(dg[0], &named, 0));

	/* scm_check_creds: an id that maps to none is EINVAL, even for root. */
	SHOW(send_cred(dg[0], getpid(), (uid_t)-1, 0));
	SHOW(send_cred(dg[0], getpid(), 0, (gid_t)-1));
	SHOW(send_cred(dg[0], getpid(), 0, 0));

	/* SO_SNDBUF/SO_RCVBUF take the value as unsigned (min_t(u32, ...)); the FORCE ones clamp at 0. */
	int value = -1;
	SHOW(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &value, sizeof value));
	SHOW(setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &value, sizeof value));
	int sndbuf = option(sv[0], SO_SNDBUF), rcvbuf = option(sv[0], SO_RCVBUF);
	value = 0x7fffffff; /* the host's wmem_max/rmem_max are its own: compare with the most a caller gets */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &value, sizeof value);
	setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &value, sizeof value);
	printf("after -1: SO_SNDBUF the most: %s, SO_RCVBUF the most: %s\n",
	       sndbuf == option(sv[0], SO_SNDBUF) ? "yes" : "no", rcvbuf == option(sv[0], SO_RCVBUF) ? "yes" : "no");
	value = -5;
	SHOW(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &value, sizeof value));
	SHOW(setsockopt(sv[0], SOL_SOCKET, SO_RCVBUFFORCE, &value, sizeof value));
	printf("after FORCE -5: SO_SNDBUF %d, SO_RCVBUF %d\n", option(sv[0], SO_SNDBUF), option(sv[0], SO_RCVBUF));

	/* SO_LINGER off keeps the time it had. */
	struct linger linger = {1, 7};
	socklen_t length = sizeof linger;
	SHOW(setsockopt(sv[0], SOL_SOCKET, SO_LINGER, &linger, sizeof linger));
	linger = (struct linger){0, 3};
	SHOW(setsockopt(sv[0], SOL_SOCKET, SO_LINGER, &linger, sizeof linger));
	SHOW(getsockopt(sv[0], SOL_SOCKET, SO_LINGER, &linger, &length));
	printf("SO_LINGER after turning it off: onoff %d, linger %d\n", linger.l_onoff, linger.l_linger);
	linger = (struct linger){1, -1};
	SHOW(setsockopt(sv[0], SOL_SOCKET, SO_LINGER, &linger, sizeof linger));
	SHOW(getsockopt(sv[0], SOL_SOCKET, SO_LINGER, &linger, &length));
	printf("SO_LINGER of -1: onoff %d, linger %d\n", linger.l_onoff, linger.l_linger);

	/* sock_set_timeout counts in jiffies (CONFIG_HZ=250: 4 ms), and a time past what they hold is for ever. */
	struct timeval times[] = {{0, 1}, {1, 4001}, {0x7fffffffffffffffL, 0}, {36893488147419101L, 0}, {-1, 5}};
	for (unsigned i = 0; i < sizeof times / sizeof *times; i++) {
		struct timeval tv = times[i];
		socklen_t size = sizeof tv;
		SHOW(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
		getsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, &size);
		printf("SO_RCVTIMEO {%ld, %ld} reads {%ld, %ld}\n", times[i].tv_sec, times[i].tv_usec, tv.tv_sec,
		       tv.tv_usec);
	}
	/* bind's name: a trailing slash on a name that does not exist is ENOENT, on one that does EADDRINUSE. */
	struct sockaddr_un slash = {AF_UNIX, "edges-sock/"};
	SHOW(bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&slash, sizeof slash));
	struct sockaddr_un here = {AF_UNIX, "./"};
	SHOW(bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&here, sizeof here));
	struct stat st;
	printf("edges-sock made: %s\n", stat("edges-sock", &st) ? "no" : "yes");
	/* A control buffer that cannot be written: the message is received all the same (put_cmsg's EFAULT is
	 * ignored), and no descriptor is made for a slot that cannot be written. */
	int on = 1;
	SHOW(setsockopt(dg[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
	SHOW(send(dg[0], "p", 1, 0));
	iov.iov_len = sizeof buf;
	struct msghdr lost = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = (void *)0xfffffffffffff000ul,
			      .msg_controllen = 64};
	SHOW(recvmsg(dg[1], &lost, 0));
	printf("  flags %#x, controllen %zu\n", lost.msg_flags, lost.msg_controllen);
	on = 0;
	SHOW(setsockopt(dg[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
	int first = dup(0);
	close(first);
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} rights;
	memset(&rights, 0, sizeof rights);
	char byte = 'r';
	struct iovec one = {&byte, 1};
	struct msghdr passing = {.msg_iov = &one, .msg_iovlen = 1, .msg_control = rights.buf,
				 .msg_controllen = sizeof rights.buf};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&passing);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &dg[0], sizeof(int));
	SHOW(sendmsg(dg[0], &passing, 0));
	lost.msg_controllen = 64;
	lost.msg_flags = 0;
	SHOW(recvmsg(dg[1], &lost, 0));
	printf("  flags %#x, controllen %zu, no descriptor made: %s\n", lost.msg_flags, lost.msg_controllen,
	       dup(0) == first ? "yes" : "no");
	puts("done");
	return 0;
}
