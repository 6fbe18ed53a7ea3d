/* /dev/net/tun: a TUN link made, seen by the interface ioctls, brought up, written to, and gone on close. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *err(int r) {
	if (r >= 0) return "ok";
	switch (errno) {
	case EINVAL: return "EINVAL";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case EAGAIN: return "EAGAIN";
	case EBADFD: return "EBADFD";
	default: return "other";
	}
}

int main(void) {
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK);
	unsigned features = 0;
	ioctl(fd, TUNGETFEATURES, &features);
	printf("features: TUN %d TAP %d NO_PI %d\n", !!(features & IFF_TUN), !!(features & IFF_TAP),
	       !!(features & IFF_NO_PI));
	char b[64];
	int r = write(fd, b, 20);
	printf("write before TUNSETIFF: %s\n", err(r));
	struct ifreq ifr = {0};
	strcpy(ifr.ifr_name, "mtun%d");
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	r = ioctl(fd, TUNSETIFF, &ifr);
	printf("TUNSETIFF: %s name %s\n", err(r), ifr.ifr_name);
	char name[IFNAMSIZ];
	strcpy(name, ifr.ifr_name);
	r = ioctl(fd, TUNSETIFF, &ifr);
	printf("again: %s\n", err(r));
	int other = open("/dev/net/tun", O_RDWR);
	r = ioctl(other, TUNSETIFF, &ifr);
	printf("another file, the same name: %s\n", err(r));
	strcpy(ifr.ifr_name, "lo");
	r = ioctl(other, TUNSETIFF, &ifr);
	printf("lo: %s\n", err(r));
	close(other);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	strcpy(ifr.ifr_name, name);
	ioctl(s, SIOCGIFFLAGS, &ifr);
	printf("flags %#x\n", ifr.ifr_flags);
	ioctl(s, SIOCGIFMTU, &ifr);
	printf("mtu %d\n", ifr.ifr_mtu);
	printf("index known: %d\n", if_nametoindex(name) > 1);
	ifr.ifr_flags = IFF_UP;
	printf("up: %s\n", err(ioctl(s, SIOCSIFFLAGS, &ifr)));
	ioctl(s, SIOCGIFFLAGS, &ifr);
	printf("flags %#x\n", ifr.ifr_flags);
	unsigned char pkt[20] = {0x45, 0, 0, 20, 0, 0, 0x40, 0, 64, 253, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
	printf("write a packet: %d\n", (int)write(fd, pkt, sizeof pkt));
	pkt[0] = 0x15;
	r = write(fd, pkt, sizeof pkt);
	printf("write no IP version: %s\n", err(r));
	r = read(fd, b, sizeof b);
	printf("read: %s\n", err(r));
	close(fd);
	printf("gone: %d\n", if_nametoindex(name) == 0);
	printf("done\n");
	return 0;
}
