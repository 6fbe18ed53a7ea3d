/* Raw IPv4 sockets on lo: an ICMP echo to 127.0.0.1 and the kernel's reply, IP_HDRINCL's filled-in header,
 * a protocol nobody takes answered with ICMP protocol unreachable, and the creation errors. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static unsigned short csum(const void *p, int n) {
	const unsigned short *w = p;
	unsigned sum = 0;
	for (; n > 1; n -= 2) sum += *w++;
	if (n) sum += *(const unsigned char *)w;
	while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

static const char *err(int r) {
	if (r >= 0) return "ok";
	switch (errno) {
	case EPROTONOSUPPORT: return "EPROTONOSUPPORT";
	case EINVAL: return "EINVAL";
	case EAGAIN: return "EAGAIN";
	case EDESTADDRREQ: return "EDESTADDRREQ";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	default: return "other";
	}
}

/* Waits a little for a packet of ours: lo may carry others' ICMP natively, so only ours (by id) count. */
static int wait_for(int fd, char *buf, int size, int type, int id) {
	for (int tries = 0; tries < 50; tries++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		if (poll(&p, 1, 100) <= 0) continue;
		int n = recv(fd, buf, size, 0);
		struct iphdr *ip = (struct iphdr *)buf;
		struct icmphdr *ic = (struct icmphdr *)(buf + ip->ihl * 4);
		if (n > 0 && ic->type == type && (type == ICMP_DEST_UNREACH || ntohs(ic->un.echo.id) == id)) return n;
	}
	return -1;
}

int main(void) {
	int r = socket(AF_INET, SOCK_RAW, 0);
	printf("protocol 0: %s\n", err(r));
	int icmp = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct sockaddr_in bad = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0xC0000201)};
	r = bind(icmp, (struct sockaddr *)&bad, sizeof bad);
	printf("bind 192.0.2.1: %s\n", err(r));
	r = send(icmp, "x", 1, 0);
	printf("send unconnected: %s\n", err(r));
	int hdrincl = -1;
	socklen_t l = sizeof hdrincl;
	getsockopt(icmp, IPPROTO_IP, IP_HDRINCL, &hdrincl, &l);
	printf("IP_HDRINCL of ICMP: %d\n", hdrincl);

	char pkt[64] = {0};
	struct icmphdr *e = (struct icmphdr *)pkt;
	e->type = ICMP_ECHO;
	e->un.echo.id = htons(0x5151);
	e->un.echo.sequence = htons(7);
	memcpy(pkt + 8, "payload!", 8);
	e->checksum = csum(pkt, 16);
	r = sendto(icmp, pkt, 16, 0, (struct sockaddr *)&to, sizeof to);
	printf("echo sent: %d\n", r);
	char buf[2048];
	int n = wait_for(icmp, buf, sizeof buf, ICMP_ECHO, 0x5151);
	struct iphdr *ip = (struct iphdr *)buf;
	printf("own request seen: %d bytes, ttl %d, protocol %d, from %s, csum ok %d\n", n, ip->ttl, ip->protocol,
	       inet_ntoa(*(struct in_addr *)&ip->saddr), csum(ip, ip->ihl * 4) == 0);
	n = wait_for(icmp, buf, sizeof buf, ICMP_ECHOREPLY, 0x5151);
	struct icmphdr *rep = (struct icmphdr *)(buf + ip->ihl * 4);
	printf("reply: %d bytes, seq %d, payload %.8s, csum ok %d\n", n, ntohs(rep->un.echo.sequence),
	       (char *)rep + 8, csum(rep, n - ip->ihl * 4) == 0);

	/* IP_HDRINCL with protocol 253 (experimental): the kernel fills length, id and checksum */
	int exp = socket(AF_INET, SOCK_RAW, 253);
	int one = 1;
	setsockopt(exp, IPPROTO_IP, IP_HDRINCL, &one, sizeof one);
	struct iphdr h = {.version = 4, .ihl = 5, .ttl = 9, .protocol = 253, .daddr = htonl(INADDR_LOOPBACK)};
	memcpy(buf, &h, sizeof h);
	memcpy(buf + 20, "abc", 3);
	r = sendto(exp, buf, 23, 0, (struct sockaddr *)&to, sizeof to);
	printf("hdrincl sent: %d\n", r);
	struct pollfd p = {.fd = exp, .events = POLLIN};
	poll(&p, 1, 1000);
	n = recv(exp, buf, sizeof buf, MSG_DONTWAIT);
	printf("hdrincl got: %d bytes, tot_len %d, ttl %d, id set %d, saddr %s, csum ok %d, data %.3s\n", n,
	       ntohs(ip->tot_len), ip->ttl, ip->id != 0, inet_ntoa(*(struct in_addr *)&ip->saddr),
	       csum(ip, 20) == 0, buf + 20);
	r = sendto(exp, buf, 10, 0, (struct sockaddr *)&to, sizeof to);
	printf("hdrincl shorter than a header: %s\n", err(r));
	close(exp);

	/* protocol 252: nobody's, so ICMP says protocol unreachable */
	int lone = socket(AF_INET, SOCK_RAW, 252);
	close(lone);
	int raw = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	h.protocol = 252;
	memcpy(buf, &h, sizeof h);
	r = sendto(raw, buf, 28, 0, (struct sockaddr *)&to, sizeof to);
	printf("IPPROTO_RAW sent: %d\n", r);
	n = wait_for(icmp, buf, sizeof buf, ICMP_DEST_UNREACH, 0);
	rep = (struct icmphdr *)(buf + ip->ihl * 4);
	printf("unreachable: %d bytes, code %d, quotes protocol %d\n", n, rep->code, ((struct iphdr *)(rep + 1))->protocol);
	/* UDP made by hand: to a bound socket, then to a port nobody holds */
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in ua = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t ul = sizeof ua;
	bind(u, (struct sockaddr *)&ua, sizeof ua);
	getsockname(u, (struct sockaddr *)&ua, &ul);
	int ur = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
	unsigned char seg[16] = {0x30, 0x39};
	memcpy(seg + 2, &ua.sin_port, 2);
	seg[5] = 15;
	memcpy(seg + 8, "udpdata", 7);
	r = sendto(ur, seg, 15, 0, (struct sockaddr *)&to, sizeof to);
	printf("udp by hand: %d\n", r);
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	p.fd = u;
	poll(&p, 1, 1000);
	n = recvfrom(u, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
	printf("udp socket got %d: %.7s from port %d\n", n, buf, ntohs(from.sin_port));
	close(u);
	r = sendto(ur, seg, 15, 0, (struct sockaddr *)&to, sizeof to);
	n = wait_for(icmp, buf, sizeof buf, ICMP_DEST_UNREACH, 0);
	rep = (struct icmphdr *)(buf + ip->ihl * 4);
	printf("port unreachable: %d bytes, code %d\n", n, rep->code);
	printf("done\n");
	return 0;
}
