/* AF_PACKET on lo: the ring setup checks (PACKET_VERSION, PACKET_RESERVE, PACKET_RX_RING), and frames of an
 * experimental ethertype between packet sockets (no other traffic uses it, so a host's lo is quiet for it). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROTO 0x88B5

static const char *err(int r) {
	if (r >= 0) return "ok";
	switch (errno) {
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case ENXIO: return "ENXIO";
	case ESOCKTNOSUPPORT: return "ESOCKTNOSUPPORT";
	case ENOPROTOOPT: return "ENOPROTOOPT";
	case EAGAIN: return "EAGAIN";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: return "other";
	}
}

static int setint(int fd, int opt, int val) { return setsockopt(fd, SOL_PACKET, opt, &val, sizeof val); }

int main(void) {
	int lo = if_nametoindex("lo");
	int r = socket(AF_PACKET, SOCK_STREAM, htons(ETH_P_ALL));
	printf("SOCK_STREAM: %s\n", err(r));

	int fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	printf("version 3: %s\n", err(setint(fd, PACKET_VERSION, TPACKET_V3)));
	printf("version 7: %s\n", err(setint(fd, PACKET_VERSION, 7)));
	int hdrlen = TPACKET_V3;
	socklen_t l = sizeof hdrlen;
	getsockopt(fd, SOL_PACKET, PACKET_HDRLEN, &hdrlen, &l);
	printf("hdrlen of v3: %d\n", hdrlen);
	struct tpacket_req3 req3 = {.tp_block_size = 4096, .tp_block_nr = 2, .tp_frame_size = 4096, .tp_frame_nr = 2,
	                            .tp_retire_blk_tov = 100, .tp_sizeof_priv = 3U << 30};
	r = setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req3, sizeof req3);
	printf("v3 ring with a huge private area: %s\n", err(r));
	req3.tp_sizeof_priv = 512;
	r = setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req3, sizeof req3);
	printf("v3 ring: %s\n", err(r));
	r = setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req3, sizeof req3);
	printf("a second ring: %s\n", err(r));
	printf("version with a ring: %s\n", err(setint(fd, PACKET_VERSION, TPACKET_V2)));
	printf("reserve with a ring: %s\n", err(setint(fd, PACKET_RESERVE, 16)));
	req3.tp_block_nr = 0;
	r = setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req3, sizeof req3);
	printf("frames without blocks: %s\n", err(r));
	req3.tp_frame_nr = 0;
	r = setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req3, sizeof req3);
	printf("ring freed: %s\n", err(r));
	printf("version 2 again: %s\n", err(setint(fd, PACKET_VERSION, TPACKET_V2)));
	printf("reserve past INT_MAX: %s\n", err(setint(fd, PACKET_RESERVE, -52)));
	struct tpacket_req req = {.tp_block_size = 4096, .tp_block_nr = 1, .tp_frame_size = 16, .tp_frame_nr = 256};
	r = setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req);
	printf("v2 frames smaller than the header: %s\n", err(r));
	req.tp_frame_size = 2048;
	req.tp_frame_nr = 3;
	r = setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof req);
	printf("frame count not the blocks': %s\n", err(r));
	close(fd);

	int raw = socket(AF_PACKET, SOCK_RAW, htons(PROTO));
	int dgram = socket(AF_PACKET, SOCK_DGRAM, 0);
	struct sockaddr_ll at = {.sll_family = AF_PACKET, .sll_protocol = htons(PROTO), .sll_ifindex = lo};
	printf("bind dgram: %s\n", err(bind(dgram, (struct sockaddr *)&at, sizeof at)));
	struct sockaddr_ll name;
	l = sizeof name;
	getsockname(dgram, (struct sockaddr *)&name, &l);
	printf("name: len %d family %d protocol %#x lo %d hatype %d halen %d\n", l, name.sll_family,
	       ntohs(name.sll_protocol), name.sll_ifindex == lo, name.sll_hatype, name.sll_halen);
	l = sizeof name;
	r = getpeername(dgram, (struct sockaddr *)&name, &l);
	printf("getpeername: %s\n", err(r));

	int sender = socket(AF_PACKET, SOCK_DGRAM, htons(PROTO));
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_protocol = htons(PROTO), .sll_ifindex = lo,
	                         .sll_halen = 6};
	r = sendto(sender, "hello", 5, 0, (struct sockaddr *)&to, sizeof to);
	printf("send: %d\n", r);
	char buf[2048];
	struct sockaddr_ll from;
	l = sizeof from;
	r = recvfrom(raw, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &l);
	printf("raw got %d bytes, ethertype %02x%02x, pkttype %d, len %d, payload %.5s\n", r, (unsigned char)buf[12],
	       (unsigned char)buf[13], from.sll_pkttype, l, buf + 14);
	l = sizeof from;
	r = recvfrom(dgram, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &l);
	printf("dgram got %d bytes: %.5s, protocol %#x hatype %d\n", r, buf, ntohs(from.sll_protocol), from.sll_hatype);
	r = recv(sender, buf, sizeof buf, MSG_DONTWAIT);
	printf("the sender hears itself: %s\n", err(r));
	r = recv(raw, buf, sizeof buf, MSG_DONTWAIT);
	printf("only once: %s\n", err(r));
	r = sendto(raw, "short", 5, 0, (struct sockaddr *)&to, sizeof to);
	printf("a raw frame shorter than its header: %s\n", err(r));
	to.sll_ifindex = 999;
	r = sendto(sender, "hello", 5, 0, (struct sockaddr *)&to, sizeof to);
	printf("to no device: %s\n", err(r));
	r = send(sender, "hello", 5, 0);
	printf("unbound, unnamed: %s\n", err(r));
	struct tpacket_stats st;
	l = sizeof st;
	getsockopt(dgram, SOL_PACKET, PACKET_STATISTICS, &st, &l);
	printf("stats: %u packets %u drops\n", st.tp_packets, st.tp_drops);
	printf("done\n");
	return 0;
}
