#define _GNU_SOURCE
/* AF_INET and AF_INET6 sockets on loopback: TCP and UDP echo between parent and child, and the errors Linux gives.
 * Ports are ephemeral (bind to port 0), so no number printed depends on the host. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <net/if.h>
#include <unistd.h>

static int sigpipes;
static void on_sigpipe(int sig) { (void)sig; sigpipes++; }

static void report(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, r);
}

static int opt(int fd, int level, int name)
{
	int v = -7;
	socklen_t len = sizeof(v);
	if (getsockopt(fd, level, name, &v, &len) < 0)
		return -1000 - errno;
	return v;
}

static struct sockaddr_in v4(const char *ip, unsigned short port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

static struct sockaddr_in6 v6(const char *ip, unsigned short port)
{
	struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	inet_pton(AF_INET6, ip, &a.sin6_addr);
	return a;
}

static unsigned short port_of(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void show_name(const char *what, int fd, int peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char text[64] = "";
	int r = peer ? getpeername(fd, (struct sockaddr *)&ss, &len) : getsockname(fd, (struct sockaddr *)&ss, &len);
	if (r < 0) {
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
		return;
	}
	if (ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, text, sizeof(text));
	else
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, text, sizeof(text));
	printf("%s: family %d len %u %s port %s\n", what, ss.ss_family, len, text,
	       (ss.ss_family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port)
		       ? "set" : "0");
}

/* A TCP echo over `family`: the child connects to the listener and sends; the parent echoes. */
static void tcp_echo(const char *label, int family, const struct sockaddr *listen_at, socklen_t listen_len,
		     const struct sockaddr *connect_to, socklen_t connect_len, int client_family)
{
	int l = socket(family, SOCK_STREAM, 0);
	int one = 1;
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	report("bind", bind(l, listen_at, listen_len));
	report("listen", listen(l, 4));
	printf("%s: SO_ACCEPTCONN %d\n", label, opt(l, SOL_SOCKET, SO_ACCEPTCONN));
	unsigned short port = port_of(l);
	struct sockaddr_storage to;
	memcpy(&to, connect_to, connect_len);
	if (to.ss_family == AF_INET)
		((struct sockaddr_in *)&to)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&to)->sin6_port = htons(port);
	pid_t child = fork();
	if (child == 0) {
		int c = socket(client_family, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&to, connect_len) < 0)
			_exit(10);
		if (send(c, "hello, echo", 11, 0) != 11)
			_exit(11);
		char buf[32];
		int got = 0;
		while (got < 11) {
			ssize_t n = recv(c, buf + got, sizeof(buf) - got, 0);
			if (n <= 0)
				_exit(12);
			got += n;
		}
		_exit(memcmp(buf, "hello, echo", 11) ? 13 : 0);
	}
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	int s = accept(l, (struct sockaddr *)&peer, &plen);
	printf("%s: accept family %d len %u\n", label, peer.ss_family, plen);
	show_name("  accepted name", s, 0);
	show_name("  accepted peer", s, 1);
	char buf[64];
	ssize_t n = recv(s, buf, 5, MSG_WAITALL);
	report("  recv waitall 5", n);
	n += recv(s, buf + n, sizeof(buf) - n, MSG_WAITALL | MSG_DONTWAIT) > 0 ? 6 : 0;
	report("  send back", send(s, buf, n, 0));
	int status;
	waitpid(child, &status, 0);
	printf("  child status %d\n", WEXITSTATUS(status));
	report("  recv after the peer closed", recv(s, buf, sizeof(buf), 0));
	close(s);
	close(l);
}

static void tcp_errors(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	printf("TCP SO_TYPE %d SO_PROTOCOL %d SO_DOMAIN %d\n", opt(s, SOL_SOCKET, SO_TYPE), opt(s, SOL_SOCKET, SO_PROTOCOL),
	       opt(s, SOL_SOCKET, SO_DOMAIN));
	printf("TCP SO_SNDBUF %d SO_RCVBUF %d TCP_NODELAY %d IP_TTL %d TCP_MAXSEG %d\n", opt(s, SOL_SOCKET, SO_SNDBUF),
	       opt(s, SOL_SOCKET, SO_RCVBUF), opt(s, IPPROTO_TCP, TCP_NODELAY), opt(s, IPPROTO_IP, IP_TTL),
	       opt(s, IPPROTO_TCP, TCP_MAXSEG));
	int v = 1;
	report("TCP_NODELAY on", setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof(v)));
	v = 5;
	report("TCP_KEEPIDLE 5", setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)));
	v = 0;
	report("TCP_KEEPIDLE 0", setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE, &v, sizeof(v)));
	v = 300;
	report("IP_TTL 300", setsockopt(s, IPPROTO_IP, IP_TTL, &v, sizeof(v)));
	v = 9;
	report("IP_TTL 9", setsockopt(s, IPPROTO_IP, IP_TTL, &v, sizeof(v)));
	printf("TCP_NODELAY %d TCP_KEEPIDLE %d IP_TTL %d\n", opt(s, IPPROTO_TCP, TCP_NODELAY),
	       opt(s, IPPROTO_TCP, TCP_KEEPIDLE), opt(s, IPPROTO_IP, IP_TTL));
	report("IPV6_V6ONLY on a v4 socket", opt(s, IPPROTO_IPV6, IPV6_V6ONLY) + 1000 == -EOPNOTSUPP ? -1 : 0);
	show_name("unbound name", s, 0);
	show_name("unbound peer", s, 1);
	char buf[8];
	report("recv unconnected", recv(s, buf, sizeof(buf), 0));
	report("send unconnected, MSG_NOSIGNAL", send(s, "x", 1, MSG_NOSIGNAL));
	report("send unconnected", send(s, "x", 1, 0));
	printf("SIGPIPEs %d\n", sigpipes);
	report("shutdown unconnected", shutdown(s, SHUT_WR));
	report("shutdown how 3", shutdown(s, 3));
	report("listen unbound", listen(s, 1));
	report("bind after listen", bind(s, (struct sockaddr *)&(struct sockaddr_in){.sin_family = AF_INET}, 16));
	report("connect to self, a listener", connect(s, (struct sockaddr *)&(struct sockaddr_in){.sin_family = AF_INET}, 16));
	close(s);

	s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = v4("127.0.0.1", 0);
	report("bind addrlen 15", bind(s, (struct sockaddr *)&a, 15));
	struct sockaddr_in6 six = v6("::1", 0);
	report("bind an AF_INET6 address", bind(s, (struct sockaddr *)&six, sizeof(six)));
	a = v4("192.0.2.1", 0);
	report("bind 192.0.2.1", bind(s, (struct sockaddr *)&a, sizeof(a)));
	a = v4("127.0.0.1", 0);
	report("bind 127.0.0.1:0", bind(s, (struct sockaddr *)&a, sizeof(a)));
	report("bind again", bind(s, (struct sockaddr *)&a, sizeof(a)));
	int other = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = htons(port_of(s));
	report("bind the same port", bind(other, (struct sockaddr *)&a, sizeof(a)));
	struct sockaddr_in any = v4("0.0.0.0", port_of(s));
	report("bind the same port on 0.0.0.0", bind(other, (struct sockaddr *)&any, sizeof(any)));
	report("connect to a port nobody listens on", connect(other, (struct sockaddr *)&a, sizeof(a)));
	report("connect again", connect(other, (struct sockaddr *)&a, sizeof(a)));
	printf("SO_ERROR %d\n", opt(other, SOL_SOCKET, SO_ERROR));
	report("connect addrlen 8", connect(other, (struct sockaddr *)&a, 8));
	report("connect an AF_INET6 address", connect(other, (struct sockaddr *)&six, sizeof(six)));
	close(other);

	/* a nonblocking connect, and MSG_PEEK / MSG_DONTWAIT on the connection */
	report("listen", listen(s, 1));
	int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	report("nonblocking connect", connect(c, (struct sockaddr *)&a, sizeof(a)));
	struct pollfd p = {.fd = c, .events = POLLIN | POLLOUT};
	report("poll", poll(&p, 1, 1000));
	printf("revents %#x\n", p.revents);
	report("connect once more", connect(c, (struct sockaddr *)&a, sizeof(a)));
	report("and again", connect(c, (struct sockaddr *)&a, sizeof(a)));
	int ep = epoll_create1(0);
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = s};
	epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
	report("epoll_wait on the listener", epoll_wait(ep, &ev, 1, 1000));
	int srv = accept4(s, NULL, NULL, SOCK_NONBLOCK);
	report("accept4", srv >= 0);
	report("recv nothing yet", recv(srv, buf, sizeof(buf), 0));
	report("send 6", send(c, "abcdef", 6, 0));
	report("FIONREAD", ioctl(srv, FIONREAD, &v) < 0 ? -1 : v);
	report("recv MSG_PEEK 3", recv(srv, buf, 3, MSG_PEEK));
	report("recv 8", recv(srv, buf, 8, 0));
	printf("got %.6s\n", buf);
	report("shutdown SHUT_WR", shutdown(c, SHUT_WR));
	report("recv after the peer's SHUT_WR", recv(srv, buf, sizeof(buf), 0));
	report("send after own SHUT_WR", send(c, "x", 1, MSG_NOSIGNAL));
	report("send to the half-closed", send(srv, "yz", 2, 0));
	report("recv it", recv(c, buf, sizeof(buf), 0));
	p = (struct pollfd){.fd = c, .events = POLLIN | POLLOUT | POLLRDHUP};
	poll(&p, 1, 0);
	printf("revents %#x\n", p.revents);
	close(srv);
	report("recv after the peer closed", recv(c, buf, sizeof(buf), 0));
	close(c);

	/* the peer closes: a FIN (read to the end, one more send goes out), then its RST */
	c = socket(AF_INET, SOCK_STREAM, 0);
	report("connect", connect(c, (struct sockaddr *)&a, sizeof(a)));
	srv = accept(s, NULL, NULL);
	report("send to the server", send(c, "abc", 3, 0));
	report("server reads", recv(srv, buf, sizeof(buf), 0));
	close(srv);
	p = (struct pollfd){.fd = c, .events = POLLIN | POLLOUT | POLLRDHUP};
	poll(&p, 1, 0);
	printf("revents after the FIN %#x\n", p.revents);
	report("recv after the FIN", recv(c, buf, sizeof(buf), 0));
	report("send after the FIN", send(c, "x", 1, MSG_NOSIGNAL));
	p = (struct pollfd){.fd = c, .events = POLLIN | POLLOUT | POLLRDHUP};
	poll(&p, 1, 0);
	printf("revents after the RST %#x\n", p.revents);
	report("send after the RST", send(c, "x", 1, 0));
	printf("SIGPIPEs %d\n", sigpipes);
	report("recv after the RST", recv(c, buf, sizeof(buf), 0));
	show_name("peer after the RST", c, 1);
	close(c);

	/* closing with unread data resets the connection */
	c = socket(AF_INET, SOCK_STREAM, 0);
	report("connect", connect(c, (struct sockaddr *)&a, sizeof(a)));
	srv = accept(s, NULL, NULL);
	report("send to the server", send(c, "abc", 3, 0));
	close(srv);
	report("recv after the reset", recv(c, buf, sizeof(buf), 0));
	report("recv again", recv(c, buf, sizeof(buf), 0));
	close(c);

	/* urgent data: the last byte of a MSG_OOB send, out of the stream, or inline with SO_OOBINLINE */
	for (int inline_oob = 0; inline_oob < 2; inline_oob++) {
		c = socket(AF_INET, SOCK_STREAM, 0);
		report("connect", connect(c, (struct sockaddr *)&a, sizeof(a)));
		srv = accept(s, NULL, NULL);
		setsockopt(srv, SOL_SOCKET, SO_OOBINLINE, &inline_oob, sizeof(inline_oob));
		report("send ab", send(c, "ab", 2, 0));
		report("send cd MSG_OOB", send(c, "cd", 2, MSG_OOB));
		report("send ef", send(c, "ef", 2, 0));
		p = (struct pollfd){.fd = srv, .events = POLLIN | POLLPRI};
		poll(&p, 1, 0);
		printf("inline %d: revents %#x\n", inline_oob, p.revents);
		int mark = -1;
		report("SIOCATMARK", ioctl(srv, SIOCATMARK, &mark) < 0 ? -1 : mark);
		memset(buf, 0, sizeof(buf));
		report("recv up to the mark", recv(srv, buf, sizeof(buf), 0));
		printf("got %s\n", buf);
		report("SIOCATMARK", ioctl(srv, SIOCATMARK, &mark) < 0 ? -1 : mark);
		memset(buf, 0, sizeof(buf));
		report("recv MSG_OOB", recv(srv, buf, 1, MSG_OOB));
		printf("got %s\n", buf);
		report("recv MSG_OOB again", recv(srv, buf, 1, MSG_OOB));
		memset(buf, 0, sizeof(buf));
		report("recv the rest", recv(srv, buf, sizeof(buf), 0));
		printf("got %s\n", buf);
		close(srv);
		close(c);
	}

	/* SO_LINGER with no time: close resets */
	c = socket(AF_INET, SOCK_STREAM, 0);
	report("connect", connect(c, (struct sockaddr *)&a, sizeof(a)));
	srv = accept(s, NULL, NULL);
	struct linger lg = {.l_onoff = 1, .l_linger = 0};
	report("SO_LINGER 0", setsockopt(srv, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)));
	close(srv);
	report("recv after an abortive close", recv(c, buf, sizeof(buf), 0));
	close(c);
	close(s);
	close(ep);
}

static void udp(int family, const char *loopback)
{
	int a = socket(family, SOCK_DGRAM, 0), b = socket(family, SOCK_DGRAM, 0);
	struct sockaddr_storage at;
	socklen_t len = family == AF_INET ? sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6);
	if (family == AF_INET)
		*(struct sockaddr_in *)&at = v4(loopback, 0);
	else
		*(struct sockaddr_in6 *)&at = v6(loopback, 0);
	printf("UDP %d SO_TYPE %d SO_PROTOCOL %d SO_SNDBUF %d\n", family, opt(a, SOL_SOCKET, SO_TYPE),
	       opt(a, SOL_SOCKET, SO_PROTOCOL), opt(a, SOL_SOCKET, SO_SNDBUF));
	report("bind", bind(a, (struct sockaddr *)&at, len));
	if (family == AF_INET)
		((struct sockaddr_in *)&at)->sin_port = htons(port_of(a));
	else
		((struct sockaddr_in6 *)&at)->sin6_port = htons(port_of(a));
	report("send unconnected", send(b, "x", 1, 0));
	report("listen", listen(a, 1));
	report("accept", accept(a, NULL, NULL));
	report("sendto", sendto(b, "datagram", 8, 0, (struct sockaddr *)&at, len));
	report("sendto MSG_OOB", sendto(b, "x", 1, MSG_OOB, (struct sockaddr *)&at, len));
	report("sendto addrlen 4", sendto(b, "x", 1, 0, (struct sockaddr *)&at, 4));
	static char big[65536];
	report("sendto 65508", sendto(b, big, 65508, 0, (struct sockaddr *)&at, len));
	report("sendto 65536", sendto(b, big, 65536, 0, (struct sockaddr *)&at, len));
	show_name("sender name", b, 0);
	char buf[16];
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	report("recvfrom 4 MSG_TRUNC", recvfrom(a, buf, 4, MSG_TRUNC | MSG_PEEK, (struct sockaddr *)&from, &flen));
	report("FIONREAD", ioctl(a, FIONREAD, &(int){0}) < 0 ? -1 : 0);
	flen = sizeof(from);
	report("recvfrom", recvfrom(a, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen));
	printf("from family %d len %u, the sender's port: %s\n", from.ss_family, flen,
	       (family == AF_INET ? ntohs(((struct sockaddr_in *)&from)->sin_port)
				  : ntohs(((struct sockaddr_in6 *)&from)->sin6_port)) == port_of(b) ? "yes" : "no");
	report("recv nothing", recv(a, buf, sizeof(buf), MSG_DONTWAIT));
	report("shutdown unconnected", shutdown(a, SHUT_RD));
	/* a child answers; the parent waits in recv */
	pid_t child = fork();
	if (child == 0) {
		report("  child connect", connect(b, (struct sockaddr *)&at, len));
		report("  child send", send(b, "from the child", 14, 0));
		_exit(0);
	}
	int a2 = socket(family, SOCK_DGRAM, 0);
	long bound = bind(a2, (struct sockaddr *)&at, len);
	int bind_errno = errno, status;
	waitpid(child, &status, 0);  /* the child's lines come first, whichever runs first */
	errno = bind_errno;
	report("bind a2", bound);
	close(a);
	int c = socket(family, SOCK_DGRAM, 0);
	report("connect", connect(c, (struct sockaddr *)&at, len));
	report("send to a closed port", send(c, "x", 1, 0));
	report("recv the refusal", recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	report("recv again", recv(c, buf, sizeof(buf), MSG_DONTWAIT));
	close(a2);
	close(b);
	close(c);
}

static void dual_stack(void)
{
	int l = socket(AF_INET6, SOCK_STREAM, 0);
	struct sockaddr_in6 any = v6("::", 0);
	report("v6 bind ::", bind(l, (struct sockaddr *)&any, sizeof(any)));
	int v = 1;
	report("IPV6_V6ONLY after bind", setsockopt(l, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)));
	printf("IPV6_V6ONLY %d\n", opt(l, IPPROTO_IPV6, IPV6_V6ONLY));
	int v4sock = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in same = v4("127.0.0.1", port_of(l));
	report("v4 bind on the same port", bind(v4sock, (struct sockaddr *)&same, sizeof(same)));
	close(v4sock);
	close(l);
}

static void multicast_and_lo(void)
{
	int r = socket(AF_INET, SOCK_DGRAM, 0), s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in any = v4("0.0.0.0", 0);
	report("bind the receiver", bind(r, (struct sockaddr *)&any, sizeof(any)));
	struct ip_mreqn m = {.imr_ifindex = 0};
	inet_pton(AF_INET, "239.1.2.3", &m.imr_multiaddr);
	report("IP_DROP_MEMBERSHIP before joining", setsockopt(r, IPPROTO_IP, IP_DROP_MEMBERSHIP, &m, sizeof(m)));
	report("IP_ADD_MEMBERSHIP", setsockopt(r, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)));
	report("IP_ADD_MEMBERSHIP again", setsockopt(r, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)));
	struct ip_mreqn bad = m;
	inet_pton(AF_INET, "10.1.2.3", &bad.imr_multiaddr);
	report("IP_ADD_MEMBERSHIP of a unicast address", setsockopt(r, IPPROTO_IP, IP_ADD_MEMBERSHIP, &bad, sizeof(bad)));
	struct sockaddr_in group = v4("239.1.2.3", port_of(r));
	report("sendto the group", sendto(s, "to all", 6, 0, (struct sockaddr *)&group, sizeof(group)));
	char buf[16];
	report("the member receives", recv(r, buf, sizeof(buf), 0));
	report("IP_DROP_MEMBERSHIP", setsockopt(r, IPPROTO_IP, IP_DROP_MEMBERSHIP, &m, sizeof(m)));
	report("sendto the group again", sendto(s, "to all", 6, 0, (struct sockaddr *)&group, sizeof(group)));
	report("nothing for a socket that left", recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	struct ifreq ifr = {0};
	strcpy(ifr.ifr_name, "lo");
	report("SIOCGIFFLAGS lo", ioctl(s, SIOCGIFFLAGS, &ifr));
	printf("lo flags %#x\n", ifr.ifr_flags & (IFF_UP | IFF_LOOPBACK | IFF_RUNNING));
	report("SIOCGIFINDEX lo", ioctl(s, SIOCGIFINDEX, &ifr) < 0 ? -1 : ifr.ifr_ifindex);
	strcpy(ifr.ifr_name, "nosuchif0");
	report("SIOCGIFFLAGS nosuchif0", ioctl(s, SIOCGIFFLAGS, &ifr));
	struct ifreq reqs[16];
	struct ifconf ifc = {.ifc_len = sizeof(reqs), .ifc_req = reqs};
	report("SIOCGIFCONF", ioctl(s, SIOCGIFCONF, &ifc));
	int lo = 0;
	for (int i = 0; i < ifc.ifc_len / (int)sizeof(struct ifreq); i++)
		lo |= !strcmp(reqs[i].ifr_name, "lo") &&
		      ((struct sockaddr_in *)&reqs[i].ifr_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
	printf("lo with 127.0.0.1 listed: %d\n", lo);
	close(r);
	close(s);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	signal(SIGPIPE, on_sigpipe);
	report("socket TCP with IPPROTO_UDP", socket(AF_INET, SOCK_STREAM, IPPROTO_UDP));
	report("socket UDP with IPPROTO_TCP", socket(AF_INET6, SOCK_DGRAM, IPPROTO_TCP));
	report("socket protocol -1", socket(AF_INET, SOCK_STREAM, -1));
	report("socketpair AF_INET", socketpair(AF_INET, SOCK_STREAM, 0, (int[2]){0}));
	tcp_errors();
	struct sockaddr_in l4 = v4("127.0.0.1", 0), c4 = v4("127.0.0.1", 0);
	tcp_echo("TCP 127.0.0.1", AF_INET, (struct sockaddr *)&l4, sizeof(l4), (struct sockaddr *)&c4, sizeof(c4), AF_INET);
	struct sockaddr_in6 l6 = v6("::1", 0), c6 = v6("::1", 0);
	tcp_echo("TCP ::1", AF_INET6, (struct sockaddr *)&l6, sizeof(l6), (struct sockaddr *)&c6, sizeof(c6), AF_INET6);
	struct sockaddr_in6 any6 = v6("::", 0);
	struct sockaddr_in c4b = v4("127.0.0.2", 0);
	tcp_echo("TCP v4 to ::", AF_INET6, (struct sockaddr *)&any6, sizeof(any6), (struct sockaddr *)&c4b, sizeof(c4b),
		 AF_INET);
	udp(AF_INET, "127.0.0.1");
	udp(AF_INET6, "::1");
	dual_stack();
	multicast_and_lo();
	printf("done\n");
	return 0;
}
