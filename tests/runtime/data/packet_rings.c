/* AF_PACKET rings on lo: a TPACKET_V2 receive ring mapped and filled, a transmit ring's frames sent, mmap's
 * checks and EBUSY while mapped. An experimental ethertype keeps a host's other lo traffic out. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define PROTO 0x88B5

int main(void) {
	int lo = if_nametoindex("lo");
	int rx = socket(AF_PACKET, SOCK_RAW, htons(PROTO));
	int v = TPACKET_V2;
	setsockopt(rx, SOL_PACKET, PACKET_VERSION, &v, sizeof v);
	struct tpacket_req req = {.tp_block_size = 4096, .tp_block_nr = 2, .tp_frame_size = 2048, .tp_frame_nr = 4};
	printf("rx ring: %d\n", setsockopt(rx, SOL_PACKET, PACKET_RX_RING, &req, sizeof req));
	void *bad = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rx, 0);
	printf("mmap of part of it: %s\n", bad == MAP_FAILED && errno == EINVAL ? "EINVAL" : "mapped");
	unsigned char *ring = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, rx, 0);
	printf("mmap: %s\n", ring == MAP_FAILED ? "failed" : "ok");
	int r = setsockopt(rx, SOL_PACKET, PACKET_RX_RING, &(struct tpacket_req){0}, sizeof req);
	printf("free while mapped: %d %s\n", r, errno == EBUSY ? "EBUSY" : "?");
	struct pollfd p = {.fd = rx, .events = POLLIN};
	printf("poll before: %d\n", poll(&p, 1, 0));

	int tx = socket(AF_PACKET, SOCK_DGRAM, htons(PROTO));
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_protocol = htons(PROTO), .sll_ifindex = lo,
	                         .sll_halen = 6};
	for (int i = 0; i < 5; i++) {
		char msg[16];
		snprintf(msg, sizeof msg, "frame %d", i);
		sendto(tx, msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof to);
	}
	printf("poll after: %d\n", poll(&p, 1, 1000));
	for (int i = 0; i < 4; i++) {
		struct tpacket2_hdr *h = (struct tpacket2_hdr *)(ring + (i / 2) * 4096 + (i % 2) * 2048);
		struct sockaddr_ll *sll = (struct sockaddr_ll *)((char *)h + TPACKET_ALIGN(sizeof *h));
		printf("frame %d: status %u len %u snaplen %u mac %u net %u proto %#x pkttype %d data %.7s\n", i,
		       h->tp_status, h->tp_len, h->tp_snaplen, h->tp_mac, h->tp_net, ntohs(sll->sll_protocol),
		       sll->sll_pkttype, (char *)h + h->tp_mac + 14);
		h->tp_status = TP_STATUS_KERNEL;
	}
	sendto(tx, "late", 4, 0, (struct sockaddr *)&to, sizeof to);
	struct tpacket2_hdr *h = (struct tpacket2_hdr *)ring;
	printf("after one was lost: status %u data %.4s\n", h->tp_status, (char *)h + h->tp_mac + 14);
	struct tpacket_stats st;
	socklen_t l = sizeof st;
	getsockopt(rx, SOL_PACKET, PACKET_STATISTICS, &st, &l);
	printf("stats: %u packets %u drops\n", st.tp_packets, st.tp_drops);

	/* a transmit ring: two frames marked, one send sends both */
	int out = socket(AF_PACKET, SOCK_RAW, 0);
	setsockopt(out, SOL_PACKET, PACKET_VERSION, &v, sizeof v);
	printf("tx ring: %d\n", setsockopt(out, SOL_PACKET, PACKET_TX_RING, &req, sizeof req));
	unsigned char *txr = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, out, 0);
	for (int i = 0; i < 2; i++) {
		struct tpacket2_hdr *t = (struct tpacket2_hdr *)(txr + i * 2048);
		unsigned char *data = (unsigned char *)t + TPACKET2_HDRLEN - sizeof(struct sockaddr_ll);
		memset(data, 0, 12);
		data[12] = PROTO >> 8;
		data[13] = PROTO & 0xff;
		memcpy(data + 14, i ? "second" : "first!", 6);
		t->tp_len = 20;
		t->tp_status = TP_STATUS_SEND_REQUEST;
	}
	for (int i = 0; i < 4; i++) ((struct tpacket2_hdr *)(ring + (i / 2) * 4096 + (i % 2) * 2048))->tp_status = 0;
	r = sendto(out, NULL, 0, 0, (struct sockaddr *)&to, sizeof to);
	printf("tx send: %d, statuses %u %u\n", r, ((struct tpacket2_hdr *)txr)->tp_status,
	       ((struct tpacket2_hdr *)(txr + 2048))->tp_status);
	poll(&p, 1, 1000);
	for (int i = 0; i < 4; i++) {
		struct tpacket2_hdr *g = (struct tpacket2_hdr *)(ring + (i / 2) * 4096 + (i % 2) * 2048);
		if (g->tp_status & TP_STATUS_USER)
			printf("received: len %u data %.6s\n", g->tp_len, (char *)g + g->tp_mac + 14);
	}
	munmap(ring, 8192);
	r = setsockopt(rx, SOL_PACKET, PACKET_RX_RING, &(struct tpacket_req){0}, sizeof req);
	printf("free once unmapped: %d\n", r);
	printf("done\n");
	return 0;
}
