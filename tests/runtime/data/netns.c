/* Network namespaces (CLONE_NEWNET): a new one has only lo, down; its ports and abstract Unix names are
 * its own; a socket's interface ioctls answer for the namespace it was made in; setns goes back. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define NS_GET_NSTYPE 0xb703

static const char *err(int r) {
    if (r >= 0) return "ok";
    switch (errno) {
    case ENETUNREACH: return "ENETUNREACH";
    case EADDRINUSE: return "EADDRINUSE";
    case ECONNREFUSED: return "ECONNREFUSED";
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    case ENODEV: return "ENODEV";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    default: return strerror(errno);
    }
}

static int lo_flags(int sock) {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0) return -1;
    return ifr.ifr_flags;
}

static void lo_addresses(int sock, const char *when) {
    struct ifreq ifr, all[4];
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    printf("SIOCGIFADDR lo %s: %s\n", when, err(ioctl(sock, SIOCGIFADDR, &ifr)));
    struct ifconf ifc = {.ifc_len = sizeof all, .ifc_req = all};
    int got = ioctl(sock, SIOCGIFCONF, &ifc);
    printf("SIOCGIFCONF %s: %s, %d of lo\n", when, err(got), (int)(ifc.ifc_len / sizeof all[0]));
}

static struct sockaddr_in loopback(int port) {
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

static socklen_t abstract(struct sockaddr_un *a, const char *name) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    snprintf(a->sun_path + 1, sizeof a->sun_path - 1, "syscalltbl-netns-%d-%s", getpid(), name);
    return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a->sun_path + 1);
}

static void ns_link(char *buf, size_t size) {
    ssize_t n = readlink("/proc/self/ns/net", buf, size - 1);
    buf[n < 0 ? 0 : n] = 0;
}

int main(void) {
    char first[64], second[64], back[64];
    setvbuf(stdout, NULL, _IONBF, 0);
    ns_link(first, sizeof first);
    printf("link names net: %d\n", strncmp(first, "net:[", 5) == 0);
    int home = open("/proc/self/ns/net", O_RDONLY);
    printf("NS_GET_NSTYPE net: %#x\n", ioctl(home, NS_GET_NSTYPE));

    int old_udp = socket(AF_INET, SOCK_DGRAM, 0);
    int tcp0 = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = loopback(0);
    socklen_t len = sizeof a;
    bind(tcp0, (struct sockaddr *)&a, sizeof a);
    listen(tcp0, 4);
    getsockname(tcp0, (struct sockaddr *)&a, &len);
    int port = ntohs(a.sin_port);
    struct sockaddr_un ua;
    socklen_t ulen = abstract(&ua, "shared");
    int unix0 = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("first abstract bind: %s\n", err(bind(unix0, (struct sockaddr *)&ua, ulen)));
    listen(unix0, 4);

    printf("unshare NEWNET: %s\n", err(unshare(CLONE_NEWNET)));
    ns_link(second, sizeof second);
    printf("a new namespace: %d\n", strcmp(first, second) != 0);
    int udp = socket(AF_INET, SOCK_DGRAM, 0);
    int flags = lo_flags(udp);
    printf("new lo: loopback %d up %d\n", !!(flags & IFF_LOOPBACK), !!(flags & IFF_UP));
    printf("the old socket's lo up: %d\n", !!(lo_flags(old_udp) & IFF_UP));
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    int got = ioctl(udp, SIOCGIFINDEX, &ifr);
    printf("SIOCGIFINDEX lo: %s %d\n", err(got), ifr.ifr_ifindex);
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "eth0");
    printf("SIOCGIFFLAGS eth0: %s\n", err(ioctl(udp, SIOCGIFFLAGS, &ifr)));

    lo_addresses(udp, "never up");
    a = loopback(port);
    printf("sendto while lo is down: %s\n", err(sendto(udp, "x", 1, 0, (struct sockaddr *)&a, sizeof a)));
    int tcp = socket(AF_INET, SOCK_STREAM, 0);
    printf("connect while lo is down: %s\n", err(connect(tcp, (struct sockaddr *)&a, sizeof a)));
    close(tcp);
    tcp = socket(AF_INET, SOCK_STREAM, 0);
    printf("bind the first namespace's port here: %s\n", err(bind(tcp, (struct sockaddr *)&a, sizeof a)));
    int unix1 = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("same abstract name here: %s\n", err(bind(unix1, (struct sockaddr *)&ua, ulen)));
    struct sockaddr_un other;
    socklen_t olen = abstract(&other, "only-there");
    int unix2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    printf("a name only here: %s\n", err(bind(unix2, (struct sockaddr *)&other, olen)));
    int probe = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("connect to it (not listening here): %s\n", err(connect(probe, (struct sockaddr *)&ua, ulen)));
    close(probe);

    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    ifr.ifr_flags = (short)(flags | IFF_UP);
    printf("SIOCSIFFLAGS lo up: %s\n", err(ioctl(udp, SIOCSIFFLAGS, &ifr)));
    printf("lo up now: %d\n", !!(lo_flags(udp) & IFF_UP));
    lo_addresses(udp, "up");
    int rx = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in r = loopback(0);
    socklen_t rlen = sizeof r;
    printf("bind udp: %s\n", err(bind(rx, (struct sockaddr *)&r, sizeof r)));
    getsockname(rx, (struct sockaddr *)&r, &rlen);
    printf("sendto now: %s\n", err(sendto(udp, "hi", 2, 0, (struct sockaddr *)&r, sizeof r)));
    char buf[8] = {0};
    printf("received: %zd %s\n", recv(rx, buf, sizeof buf, MSG_DONTWAIT), buf);
    printf("listen tcp here: %s\n", err(listen(tcp, 4)));

    printf("setns back: %s\n", err(setns(home, CLONE_NEWNET)));
    ns_link(back, sizeof back);
    printf("back in the first: %d\n", strcmp(first, back) == 0);
    probe = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("connect to the first's abstract name: %s\n", err(connect(probe, (struct sockaddr *)&ua, ulen)));
    int here = socket(AF_UNIX, SOCK_DGRAM, 0);
    printf("the second's name from here: %s\n", err(connect(here, (struct sockaddr *)&other, olen)));
    int tcp2 = socket(AF_INET, SOCK_STREAM, 0);
    a = loopback(port);
    printf("bind the port again here: %s\n", err(bind(tcp2, (struct sockaddr *)&a, sizeof a)));
    printf("the second namespace's socket still answers for it: up %d\n", !!(lo_flags(udp) & IFF_UP));
    printf("done\n");
    return 0;
}
