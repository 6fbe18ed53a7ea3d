/* A TPACKET_V3 receive ring on lo: blocks retired by their timer (poll wakes for it) or when full, the
 * packets in them walked by tp_next_offset, a block the process holds freezing the queue. */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PROTO 0x88B5

static void show(const char *what, unsigned char *ring, int block) {
	struct tpacket_block_desc *b = (struct tpacket_block_desc *)(ring + block * 4096);
	struct tpacket_hdr_v1 *h = &b->hdr.bh1;
	printf("%s: block %d version %u priv at %u status %#x packets %u first at %u len %u seq %llu\n", what, block,
	       b->version, b->offset_to_priv, h->block_status, h->num_pkts, h->offset_to_first_pkt, h->blk_len,
	       (unsigned long long)h->seq_num);
	struct tpacket3_hdr *p = (struct tpacket3_hdr *)((char *)b + h->offset_to_first_pkt);
	for (unsigned i = 0; i < h->num_pkts && i < 3; i++) {
		printf("  packet: next %u len %u snaplen %u mac %u net %u status %u data %.8s\n", p->tp_next_offset,
		       p->tp_len, p->tp_snaplen, p->tp_mac, p->tp_net, p->tp_status, (char *)p + p->tp_mac + 14);
		p = (struct tpacket3_hdr *)((char *)p + p->tp_next_offset);
	}
}

int main(void) {
	int lo = if_nametoindex("lo");
	int rx = socket(AF_PACKET, SOCK_RAW, htons(PROTO));
	int v = TPACKET_V3;
	setsockopt(rx, SOL_PACKET, PACKET_VERSION, &v, sizeof v);
	struct tpacket_req3 req = {.tp_block_size = 4096, .tp_block_nr = 2, .tp_frame_size = 2048, .tp_frame_nr = 4,
	                           .tp_retire_blk_tov = 50, .tp_sizeof_priv = 12};
	printf("ring: %d\n", setsockopt(rx, SOL_PACKET, PACKET_RX_RING, &req, sizeof req));
	unsigned char *ring = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, rx, 0);
	show("empty", ring, 0);
	int tx = socket(AF_PACKET, SOCK_DGRAM, htons(PROTO));
	struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_protocol = htons(PROTO), .sll_ifindex = lo,
	                         .sll_halen = 6};
	for (int i = 0; i < 3; i++) {
		char msg[16];
		snprintf(msg, sizeof msg, "packet %d", i);
		sendto(tx, msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof to);
	}
	struct pollfd p = {.fd = rx, .events = POLLIN};
	printf("poll at once: %d\n", poll(&p, 1, 0));
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int r = poll(&p, 1, 2000);
	clock_gettime(CLOCK_MONOTONIC, &b);
	double waited = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("poll for the timer: %d, within a second: %d\n", r, waited < 1.0);
	show("retired", ring, 0);
	show("next", ring, 1);
	/* the first block stays the process's: fill the second, then the queue freezes */
	char big[1000];
	memset(big, 'x', sizeof big);
	memcpy(big, "bigframe", 8);
	for (int i = 0; i < 6; i++) sendto(tx, big, sizeof big, 0, (struct sockaddr *)&to, sizeof to);
	show("full", ring, 1);
	struct tpacket_stats_v3 st;
	socklen_t l = sizeof st;
	getsockopt(rx, SOL_PACKET, PACKET_STATISTICS, &st, &l);
	printf("stats: %u packets %u drops\n", st.tp_packets, st.tp_drops);
	((struct tpacket_block_desc *)ring)->hdr.bh1.block_status = TP_STATUS_KERNEL;
	sendto(tx, "after", 5, 0, (struct sockaddr *)&to, sizeof to);
	poll(&p, 1, 2000);
	usleep(200000);
	poll(&p, 1, 0);
	show("thawed", ring, 0);
	printf("done\n");
	return 0;
}
