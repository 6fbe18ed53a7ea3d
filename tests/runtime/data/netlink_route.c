/* NETLINK_ROUTE over AF_NETLINK, and mq_notify's SIGEV_THREAD (which glibc serves through a netlink socket):
 * lo's link and addresses, the acks and errors; only what lo shows is printed (a host has more links). */
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <mqueue.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *err(int e) {
	switch (e) {
	case 0: return "0";
	case ENODEV: return "ENODEV";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
	case EINVAL: return "EINVAL";
	case EADDRINUSE: return "EADDRINUSE";
	case EEXIST: return "EEXIST";
	default: return "other";
	}
}

static char buf[65536];
static int seq = 100;

struct req { struct nlmsghdr h; struct ifinfomsg i; char attrs[64]; };

static int send_link(int fd, int type, int flags, int index, const char *name, unsigned ifflags, unsigned change) {
	struct req r;
	memset(&r, 0, sizeof r);
	r.h.nlmsg_type = type;
	r.h.nlmsg_flags = NLM_F_REQUEST | flags;
	r.h.nlmsg_seq = ++seq;
	r.i.ifi_index = index;
	r.i.ifi_flags = ifflags;
	r.i.ifi_change = change;
	int len = NLMSG_LENGTH(sizeof r.i);
	if (name) {
		struct rtattr *a = (struct rtattr *)((char *)&r + NLMSG_ALIGN(len));
		a->rta_type = IFLA_IFNAME;
		a->rta_len = RTA_LENGTH(strlen(name) + 1);
		strcpy(RTA_DATA(a), name);
		len = NLMSG_ALIGN(len) + RTA_ALIGN(a->rta_len);
	}
	r.h.nlmsg_len = len;
	return send(fd, &r, len, 0);
}

/* Reads answers until the one that ends the request: an NLMSG_ERROR (its error printed) or NLMSG_DONE. */
static void answers(int fd, const char *what, int lo) {
	int links = 0, los = 0, addrs = 0, done = 0, error = 1, multi = 0;
	while (!done) {
		struct sockaddr_nl from;
		socklen_t fl = sizeof from;
		int n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		if (n < 0) { printf("%s: recv %s\n", what, err(errno)); return; }
		if (from.nl_pid != 0) printf("%s: not from the kernel\n", what);
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != (unsigned)seq) printf("%s: wrong seq\n", what);
			multi |= h->nlmsg_flags & NLM_F_MULTI;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				printf("%s: error %s capped %d\n", what, err(-e->error), !!(h->nlmsg_flags & NLM_F_CAPPED));
				error = 0;
				done = 1;
			} else if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
			} else if (h->nlmsg_type == RTM_NEWLINK) {
				struct ifinfomsg *i = NLMSG_DATA(h);
				links++;
				if (i->ifi_index == lo) {
					los++;
					printf("%s: lo type %d flags %#x\n", what, i->ifi_type, i->ifi_flags);
					int len = IFLA_PAYLOAD(h);
					for (struct rtattr *a = IFLA_RTA(i); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
						if (a->rta_type == IFLA_IFNAME) printf("%s: name %s\n", what, (char *)RTA_DATA(a));
						if (a->rta_type == IFLA_MTU) printf("%s: mtu %u\n", what, *(unsigned *)RTA_DATA(a));
					}
				}
				if (!multi) done = 1;
			} else if (h->nlmsg_type == RTM_NEWADDR) {
				struct ifaddrmsg *a = NLMSG_DATA(h);
				if (a->ifa_index == (unsigned)lo) {
					addrs++;
					printf("%s: lo address family %d /%d scope %d\n", what, a->ifa_family, a->ifa_prefixlen,
					       a->ifa_scope);
				}
			}
		}
	}
	if (error && multi) printf("%s: lo links %d, addresses %d, multipart\n", what, los, addrs);
	(void)links;
}

static volatile int notified;
static void tfunc(union sigval sv) { notified = sv.sival_int; }

int main(void) {
	int lo = if_nametoindex("lo");
	int r = socket(AF_NETLINK, SOCK_STREAM, NETLINK_ROUTE);
	printf("socket SOCK_STREAM: %d %s\n", r, err(errno));
	r = socket(AF_NETLINK, SOCK_RAW, 31);
	printf("socket protocol 31: %d %s\n", r, err(errno));
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	printf("bind: %d\n", bind(fd, (struct sockaddr *)&sa, sizeof sa));
	socklen_t sl = sizeof sa;
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	printf("port id is the pid: %d, len %d\n", sa.nl_pid == (unsigned)getpid(), sl);
	int fd2 = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_ROUTE);
	r = bind(fd2, (struct sockaddr *)&sa, sizeof sa);
	printf("bind the same port id: %d %s\n", r, err(errno));
	struct sockaddr_nl inet_sa = {.nl_family = AF_INET};
	r = bind(fd2, (struct sockaddr *)&inet_sa, sizeof inet_sa);
	printf("bind AF_INET: %d %s\n", r, err(errno));

	send_link(fd, RTM_GETLINK, 0, 0, "lo", 0, 0);
	answers(fd, "getlink lo", lo);
	send_link(fd, RTM_GETLINK, 0, lo, NULL, 0, 0);
	answers(fd, "getlink by index", lo);
	send_link(fd, RTM_GETLINK, NLM_F_ACK, 0, "nosuchdev", 0, 0);
	answers(fd, "getlink nosuchdev", lo);
	send_link(fd, RTM_GETLINK, NLM_F_DUMP, 0, NULL, 0, 0);
	answers(fd, "dump links", lo);
	send_link(fd, RTM_NEWLINK, NLM_F_ACK, lo, NULL, IFF_UP, IFF_UP);
	answers(fd, "lo up", lo);
	send_link(fd, RTM_NEWLINK, NLM_F_ACK | NLM_F_EXCL, lo, NULL, IFF_UP, IFF_UP);
	answers(fd, "newlink excl", lo);
	send_link(fd, RTM_NEWLINK, NLM_F_ACK, 0, NULL, 0, 0);
	answers(fd, "newlink nothing", lo);
	send_link(fd, RTM_MAX + 1, NLM_F_ACK, 0, NULL, 0, 0);
	answers(fd, "type past RTM_MAX", lo);

	struct { struct nlmsghdr h; struct ifaddrmsg a; } ra = {
		.h = {.nlmsg_len = sizeof ra, .nlmsg_type = RTM_GETADDR, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		      .nlmsg_seq = ++seq},
		.a = {.ifa_family = AF_INET}};
	send(fd, &ra, sizeof ra, 0);
	answers(fd, "dump IPv4 addresses", lo);

	ssize_t got = recv(fd, buf, 1, MSG_DONTWAIT | MSG_PEEK);
	printf("peek empty: %zd %s\n", got, errno == EAGAIN ? "EAGAIN" : "?");

	struct mq_attr attr = {.mq_maxmsg = 2, .mq_msgsize = 8};
	mq_unlink("/netlink_route");
	mqd_t q = mq_open("/netlink_route", O_RDWR | O_CREAT, 0600, &attr);
	struct sigevent ev = {.sigev_notify = SIGEV_THREAD, .sigev_notify_function = tfunc,
	                      .sigev_value = {.sival_int = 42}};
	printf("mq_notify SIGEV_THREAD: %d\n", mq_notify(q, &ev));
	printf("mq_notify again: %d\n", mq_notify(q, NULL));
	printf("mq_notify SIGEV_THREAD: %d\n", mq_notify(q, &ev));
	mq_send(q, "hi", 2, 0);
	for (int i = 0; i < 500 && !notified; i++) usleep(10000);
	printf("notified with %d\n", notified);
	mq_unlink("/netlink_route");
	printf("done\n");
	return 0;
}
