/* Unix-domain sockets, as the machine must answer them: run natively and on the machine, the outputs
 * must match. Process ids differ between the two, so only relations are printed ("peer pid is the
 * child's: yes"). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, long r) {
    if (r < 0)
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s: %ld\n", what, r);
    fflush(stdout);
}

static const char *yes(int c) { return c ? "yes" : "no"; }

static socklen_t unix_addr(struct sockaddr_un *a, const char *path, int abstract) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (abstract) {
        memcpy(a->sun_path + 1, path, strlen(path));
        return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(path);
    }
    strcpy(a->sun_path, path);
    return sizeof *a;
}

static void show_name(const char *what, struct sockaddr_un *a, socklen_t len) {
    if (len <= offsetof(struct sockaddr_un, sun_path))
        printf("%s: len %u, unnamed\n", what, (unsigned)len);
    else if (a->sun_path[0] == 0)
        printf("%s: len %u, @%.*s\n", what, (unsigned)len, (int)(len - 3), a->sun_path + 1);
    else
        printf("%s: len %u, %s\n", what, (unsigned)len, a->sun_path);
}

static char *poll_text(short ev) {
    static char buf[128];
    buf[0] = 0;
    if (ev & POLLIN) strcat(buf, "IN ");
    if (ev & POLLOUT) strcat(buf, "OUT ");
    if (ev & POLLHUP) strcat(buf, "HUP ");
    if (ev & POLLRDHUP) strcat(buf, "RDHUP ");
    if (ev & POLLERR) strcat(buf, "ERR ");
    if (!buf[0]) strcat(buf, "none");
    return buf;
}

static void show_poll(const char *what, int fd) {
    struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};
    int n = poll(&p, 1, 0);
    printf("%s: %d %s\n", what, n, poll_text(p.revents));
}

static void creation(void) {
    show("socket family 200", socket(200, SOCK_STREAM, 0));
    show("socket type 0", socket(AF_UNIX, 0, 0));
    show("socket type 99", socket(AF_UNIX, 99, 0));
    show("socket type flag 0x1000", socket(AF_UNIX, SOCK_STREAM | 0x1000, 0));
    show("socket protocol 5", socket(AF_UNIX, SOCK_STREAM, 5));
    show("socket SOCK_PACKET", socket(AF_UNIX, SOCK_PACKET, 0));
    int raw = socket(AF_UNIX, SOCK_RAW, 0), type = 0;
    socklen_t len = sizeof type;
    getsockopt(raw, SOL_SOCKET, SO_TYPE, &type, &len);
    printf("SOCK_RAW is a datagram socket: %s\n", yes(type == SOCK_DGRAM));
    close(raw);
    int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    printf("cloexec %s, nonblock %s\n", yes(fcntl(s, F_GETFD) & FD_CLOEXEC), yes(fcntl(s, F_GETFL) & O_NONBLOCK));
    struct stat st;
    fstat(s, &st);
    printf("fstat: socket %s, mode %o\n", yes(S_ISSOCK(st.st_mode)), st.st_mode & 07777);
    struct sockaddr_un a;
    len = sizeof a;
    show("getsockname unbound", getsockname(s, (struct sockaddr *)&a, &len));
    show_name("  name", &a, len);
    len = sizeof a;
    show("getpeername unconnected", getpeername(s, (struct sockaddr *)&a, &len));
    int p[2];
    pipe(p);
    show("getpeername on a pipe", getpeername(p[0], (struct sockaddr *)&a, &len));
    show("getsockopt on a pipe", getsockopt(p[0], SOL_SOCKET, SO_TYPE, &type, &len));
    struct ucred nobody;
    len = sizeof nobody;
    show("SO_PEERCRED unconnected", getsockopt(s, SOL_SOCKET, SO_PEERCRED, &nobody, &len));
    printf("  pid %d uid %d gid %d\n", nobody.pid, (int)nobody.uid, (int)nobody.gid);
    show("listen unbound", listen(s, 5));
    show("accept unbound", accept(s, NULL, NULL));
    char c;
    show("recv unconnected stream", recv(s, &c, 1, 0));
    show("send unconnected stream", send(s, "x", 1, 0));
    show_poll("poll fresh stream", s);
    close(p[0]);
    close(p[1]);
    close(s);
}

static void options(void) {
    int sv[2], v;
    socklen_t len = sizeof v;
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int names[] = {SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ERROR, SO_ACCEPTCONN, SO_SNDBUF, SO_RCVBUF, SO_PASSCRED};
    const char *text[] = {"SO_TYPE", "SO_DOMAIN", "SO_PROTOCOL", "SO_ERROR", "SO_ACCEPTCONN", "SO_SNDBUF",
                          "SO_RCVBUF", "SO_PASSCRED"};
    for (int i = 0; i < 8; i++) {
        len = sizeof v;
        v = -7;
        int r = getsockopt(sv[0], SOL_SOCKET, names[i], &v, &len);
        printf("%s: %d = %d (len %u)\n", text[i], r, v, (unsigned)len);
    }
    v = 10000;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
    len = sizeof v;
    getsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &v, &len);
    printf("SO_SNDBUF after 10000: %d\n", v);
    v = 1;
    setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    getsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &v, &len);
    printf("SO_RCVBUF after 1: %d\n", v);
    struct ucred cr;
    len = sizeof cr;
    show("SO_PEERCRED", getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &len));
    printf("  pid is mine: %s, uid %u gid %u, len %u\n", yes(cr.pid == getpid()), cr.uid, cr.gid, (unsigned)len);
    len = 2;
    v = 0x7f7f7f7f;
    show("SO_TYPE into 2 bytes", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len));
    printf("  len %u, value %#x\n", (unsigned)len, v);
    len = -1;
    show("getsockopt len -1", getsockopt(sv[0], SOL_SOCKET, SO_TYPE, &v, &len));
    show("getsockopt level 6", getsockopt(sv[0], 6, 1, &v, &len));
    len = sizeof v;
    show("getsockopt unknown", getsockopt(sv[0], SOL_SOCKET, 999, &v, &len));
    show("setsockopt short", setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &v, 2));
    show("setsockopt unknown", setsockopt(sv[0], SOL_SOCKET, 999, &v, sizeof v));
    struct timeval tv = {0, 100000};
    show("SO_RCVTIMEO 100ms", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char c;
    show("recv with a timeout", recv(sv[0], &c, 1, 0));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double took = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("  waited about the timeout: %s\n", yes(took > 0.05 && took < 5));
    tv.tv_usec = 2000000;
    show("SO_RCVTIMEO bad usec", setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
    close(sv[0]);
    close(sv[1]);
}

static int sigpipes;
static void on_sigpipe(int sig) { (void)sig; sigpipes++; }

static void stream_pair(void) {
    int sv[2];
    char buf[256];
    show("socketpair stream", socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
    show_poll("poll empty", sv[0]);
    show("recv MSG_DONTWAIT", recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
    show("write", write(sv[1], "hello world", 11));
    int n = 0;
    ioctl(sv[0], FIONREAD, &n);
    printf("FIONREAD: %d\n", n);
    show_poll("poll with data", sv[0]);
    show("recv MSG_PEEK 5", recv(sv[0], buf, 5, MSG_PEEK));
    printf("  %.5s\n", buf);
    show("read", read(sv[0], buf, sizeof buf));
    printf("  %.11s\n", buf);
    show("send two", send(sv[1], "ab", 2, 0));
    show("send two more", send(sv[1], "cd", 2, 0));
    show("recv joins them", recv(sv[0], buf, sizeof buf, 0));
    struct iovec iov[2] = {{"first ", 6}, {"second", 6}};
    show("writev", writev(sv[1], iov, 2));
    char x[4], y[20];
    struct iovec in[2] = {{x, 4}, {y, 20}};
    show("readv", readv(sv[0], in, 2));
    printf("  %.4s|%.8s\n", x, y);
    show("sendto with an address", sendto(sv[1], "z", 1, 0, (struct sockaddr *)&(struct sockaddr_un){AF_UNIX, "x"},
                                          sizeof(struct sockaddr_un)));

    /* fill it without blocking */
    fcntl(sv[1], F_SETFL, O_NONBLOCK);
    static char big[65536];
    long total = 0, r;
    while ((r = write(sv[1], big, sizeof big)) > 0)
        total += r;
    printf("filled until EAGAIN: %s, more than 100000: %s\n", yes(r < 0 && errno == EAGAIN), yes(total > 100000));
    show_poll("poll full writer", sv[1]);
    long drained = 0;
    while ((r = recv(sv[0], big, sizeof big, MSG_DONTWAIT)) > 0)
        drained += r;
    printf("drained all: %s\n", yes(drained == total));
    show_poll("poll drained writer", sv[1]);

    show("shutdown bad how", shutdown(sv[1], 3));
    show("shutdown SHUT_WR", shutdown(sv[1], SHUT_WR));
    show_poll("poll reader after SHUT_WR", sv[0]);
    show_poll("poll writer after SHUT_WR", sv[1]);
    show("read at EOF", read(sv[0], buf, sizeof buf));
    signal(SIGPIPE, on_sigpipe);
    show("write after SHUT_WR", write(sv[1], "x", 1));
    printf("  SIGPIPEs: %d\n", sigpipes);
    show("send MSG_NOSIGNAL after SHUT_WR", send(sv[1], "x", 1, MSG_NOSIGNAL));
    printf("  SIGPIPEs: %d\n", sigpipes);
    show("write the other way", write(sv[0], "back", 4));
    close(sv[0]);
    show_poll("poll after the peer closed", sv[1]);
    show("read what was left", read(sv[1], buf, sizeof buf));
    show("read after the peer closed", read(sv[1], buf, sizeof buf));
    close(sv[1]);

    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    show("write to be lost", write(sv[1], "lost", 4));
    close(sv[0]);
    show("write to a closed peer", write(sv[1], "x", 1));
    printf("  SIGPIPEs: %d\n", sigpipes);
    signal(SIGPIPE, SIG_DFL);
    close(sv[1]);

    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[0], "unread", 6);
    close(sv[0]);
    show("read after unread data was lost", read(sv[1], buf, sizeof buf));
    close(sv[1]);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    write(sv[1], "unread", 6);
    close(sv[1]);
    show("peer closed with data unread here: read", read(sv[0], buf, sizeof buf));
    show("then", read(sv[0], buf, sizeof buf));
    close(sv[0]);

    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        write(sv[1], "part one,", 9);
        usleep(100000);
        write(sv[1], " part two", 9);
        _exit(0);
    }
    show("recv MSG_WAITALL", recv(sv[0], buf, 18, MSG_WAITALL));
    printf("  %.18s\n", buf);
    waitpid(child, NULL, 0);
    close(sv[0]);
    close(sv[1]);
}

static void seqpacket(void) {
    int sv[2];
    char buf[64];
    show("socketpair seqpacket", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv));
    send(sv[1], "one", 3, 0);
    send(sv[1], "second", 6, 0);
    send(sv[1], "3", 1, 0);
    send(sv[1], "", 0, 0);
    send(sv[1], "truncated message", 17, 0);
    int n = 0;
    ioctl(sv[0], FIONREAD, &n);
    printf("FIONREAD: %d\n", n);
    for (int i = 0; i < 4; i++)
        show("recv one message", recv(sv[0], buf, sizeof buf, 0));
    struct iovec iov = {buf, 4};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    show("recvmsg into 4 bytes", recvmsg(sv[0], &m, 0));
    printf("  MSG_TRUNC: %s, %.4s\n", yes(m.msg_flags & MSG_TRUNC), buf);
    send(sv[1], "0123456789", 10, 0);
    show("recv MSG_TRUNC into 2", recv(sv[0], buf, 2, MSG_TRUNC));
    show("recv MSG_DONTWAIT empty", recv(sv[0], buf, sizeof buf, MSG_DONTWAIT));
    struct iovec two[2] = {{"ab", 2}, {"cde", 3}};
    show("writev to seqpacket", writev(sv[1], two, 2));
    show("one message of both buffers", recv(sv[0], buf, sizeof buf, 0));
    int v = 4608 / 2;
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
    static char big[8192];
    show("send past SO_SNDBUF", send(sv[1], big, sizeof big, 0));
    shutdown(sv[1], SHUT_WR);
    show("recv after SHUT_WR", recv(sv[0], buf, sizeof buf, 0));
    show("send after SHUT_WR", send(sv[1], "x", 1, MSG_NOSIGNAL));
    close(sv[0]);
    signal(SIGPIPE, on_sigpipe);
    int before = sigpipes;
    show("send to a closed seqpacket peer", send(sv[1], "x", 1, 0));
    printf("  SIGPIPE: %s\n", yes(sigpipes > before));
    signal(SIGPIPE, SIG_DFL);
    close(sv[1]);
    int s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    show("recv unconnected seqpacket", recv(s, buf, 1, 0));
    show("send unconnected seqpacket", send(s, "x", 1, 0));
    close(s);
}

static void dgram(void) {
    int sv[2];
    char buf[64];
    struct sockaddr_un a, from;
    socklen_t len;
    show("socketpair dgram", socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
    send(sv[1], "12", 2, 0);
    send(sv[1], "345", 3, 0);
    show("recv", recv(sv[0], buf, sizeof buf, 0));
    show("recv", recv(sv[0], buf, sizeof buf, 0));
    len = sizeof from;
    send(sv[1], "x", 1, 0);
    show("recvfrom an unnamed sender", recvfrom(sv[0], buf, sizeof buf, 0, (struct sockaddr *)&from, &len));
    printf("  address length %u\n", (unsigned)len);
    close(sv[0]);
    show("send to a closed peer", send(sv[1], "x", 1, 0));
    show("send again", send(sv[1], "x", 1, 0));
    close(sv[1]);

    int r = socket(AF_UNIX, SOCK_DGRAM, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0), o = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("bind receiver", bind(r, (struct sockaddr *)&a, unix_addr(&a, "dgram-r", 0)));
    show("bind sender abstract", bind(s, (struct sockaddr *)&a, unix_addr(&a, "dgram-s", 1)));
    show("send unconnected", send(s, "x", 1, 0));
    show("sendto by name", sendto(s, "hi", 2, 0, (struct sockaddr *)&a, unix_addr(&a, "dgram-r", 0)));
    len = sizeof from;
    show("recvfrom", recvfrom(r, buf, sizeof buf, 0, (struct sockaddr *)&from, &len));
    show_name("  from", &from, len);
    show("sendto a missing name", sendto(s, "x", 1, 0, (struct sockaddr *)&a, unix_addr(&a, "nothere", 0)));
    show("sendto a missing abstract name", sendto(s, "x", 1, 0, (struct sockaddr *)&a, unix_addr(&a, "nothere", 1)));
    int st = socket(AF_UNIX, SOCK_STREAM, 0);
    show("sendto a stream socket's name", sendto(st, "x", 1, 0, (struct sockaddr *)&a, unix_addr(&a, "dgram-r", 0)));
    close(st);
    int sent = 0;
    while (sendto(o, "q", 1, MSG_DONTWAIT, (struct sockaddr *)&a, unix_addr(&a, "dgram-r", 0)) == 1)
        sent++;
    printf("queued before %s: %d\n", strerrorname_np(errno), sent);
    while (recv(r, buf, sizeof buf, MSG_DONTWAIT) > 0)
        ;
    show("connect receiver to sender", connect(r, (struct sockaddr *)&a, unix_addr(&a, "dgram-s", 1)));
    show("third party sendto", sendto(o, "x", 1, 0, (struct sockaddr *)&a, unix_addr(&a, "dgram-r", 0)));
    show("connect sender to receiver", connect(s, (struct sockaddr *)&a, unix_addr(&a, "dgram-r", 0)));
    show("send connected", send(s, "hey", 3, 0));
    len = sizeof from;
    show("getpeername", getpeername(s, (struct sockaddr *)&from, &len));
    show_name("  peer", &from, len);
    show("recv", recv(r, buf, sizeof buf, 0));
    struct sockaddr unspec = {AF_UNSPEC};
    show("disconnect", connect(s, &unspec, sizeof unspec));
    show("send after disconnect", send(s, "x", 1, 0));
    static char huge[300000];
    show("send too big", sendto(s, huge, sizeof huge, 0, (struct sockaddr *)&a, unix_addr(&a, "dgram-r", 0)));
    show("connect sender again", connect(s, (struct sockaddr *)&a, unix_addr(&a, "dgram-r", 0)));
    show("send to the receiver", send(s, "q", 1, 0));
    int o2 = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(o2, (struct sockaddr *)&a, unix_addr(&a, "dgram-o", 1));
    show("receiver connects elsewhere", connect(r, (struct sockaddr *)&a, unix_addr(&a, "dgram-o", 1)));
    show("its queue was purged", recv(r, buf, sizeof buf, MSG_DONTWAIT));
    int err = 0;
    len = sizeof err;
    getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
    printf("the sender's SO_ERROR: %s\n", err ? strerrorname_np(err) : "0");
    show("the sender sends to it now", send(s, "x", 1, 0));
    close(o2);
    close(r);
    show("sendto a closed socket's name", sendto(s, "x", 1, 0, (struct sockaddr *)&a, unix_addr(&a, "dgram-r", 0)));
    close(s);
    close(o);
    unlink("dgram-r");
}

static void server(const char *name, int abstract) {
    struct sockaddr_un a, peer;
    socklen_t alen = unix_addr(&a, name, abstract), len;
    char buf[64];
    int l = socket(AF_UNIX, SOCK_STREAM, 0);
    printf("-- %s name %s\n", abstract ? "abstract" : "filesystem", name);
    show("bind", bind(l, (struct sockaddr *)&a, alen));
    show("bind again", bind(l, (struct sockaddr *)&a, alen));
    int other = socket(AF_UNIX, SOCK_STREAM, 0);
    show("bind another to the name", bind(other, (struct sockaddr *)&a, alen));
    show("connect before listen", connect(other, (struct sockaddr *)&a, alen));
    if (!abstract) {
        struct stat st;
        stat(name, &st);
        printf("the name is a socket: %s, mode %o\n", yes(S_ISSOCK(st.st_mode)), st.st_mode & 07777);
        show("open the name", open(name, O_RDONLY));
    }
    show("listen", listen(l, 5));
    len = sizeof peer;
    getsockname(l, (struct sockaddr *)&peer, &len);
    show_name("getsockname", &peer, len);
    int acc = 0;
    len = sizeof acc;
    getsockopt(l, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len);
    printf("SO_ACCEPTCONN: %d\n", acc);
    int ep = epoll_create1(0);
    struct epoll_event ev = {EPOLLIN, {.fd = l}};
    epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev);
    show("epoll before a connection", epoll_wait(ep, &ev, 1, 0));
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        if (connect(c, (struct sockaddr *)&a, alen) < 0) {
            perror("client connect");
            _exit(1);
        }
        struct ucred cr;
        socklen_t cl = sizeof cr;
        getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl);
        struct sockaddr_un p;
        socklen_t pl = sizeof p;
        getpeername(c, (struct sockaddr *)&p, &pl);
        write(c, "ping", 4);
        char b[64];
        int n = read(c, b, sizeof b);
        printf("client: got %.*s, peer pid is my parent: %s, peer name matches: %s\n", n, b,
               yes(cr.pid == getppid()), yes(pl == (abstract ? alen : alen - (socklen_t)sizeof a.sun_path +
                                                                       (socklen_t)strlen(name) + 1)));
        fflush(stdout);
        _exit(0);
    }
    len = sizeof peer;
    show("epoll with a connection pending", epoll_wait(ep, &ev, 1, 5000));
    close(ep);
    int s = accept(l, (struct sockaddr *)&peer, &len);
    printf("accept: %s, address length %u\n", yes(s >= 0), (unsigned)len);
    struct ucred cr;
    len = sizeof cr;
    getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &len);
    printf("peer pid is the child's: %s, uid %u\n", yes(cr.pid == child), cr.uid);
    len = sizeof peer;
    getsockname(s, (struct sockaddr *)&peer, &len);
    show_name("accepted socket's name", &peer, len);
    int n = read(s, buf, sizeof buf);
    printf("server: got %.*s\n", n, buf);
    fflush(stdout);
    write(s, "pong", 4);
    int status;
    waitpid(child, &status, 0);
    printf("client exit %d\n", WEXITSTATUS(status));
    show("read after the client left", read(s, buf, sizeof buf));
    close(s);
    if (!abstract) {
        show("unlink the name", unlink(name));
        show("connect to the unlinked name", connect(other, (struct sockaddr *)&a, alen));
        int c = socket(AF_UNIX, SOCK_STREAM, 0);
        close(l);
        show("rebind the name", bind(c, (struct sockaddr *)&a, alen));
        close(c);
        int again = socket(AF_UNIX, SOCK_STREAM, 0);
        show("connect to a name nobody listens on", connect(again, (struct sockaddr *)&a, alen));
        close(again);
        unlink(name);
        int f = open("plain-file", O_CREAT | O_WRONLY, 0644);
        close(f);
        show("connect to a plain file", connect(other, (struct sockaddr *)&a, unix_addr(&a, "plain-file", 0)));
        unlink("plain-file");
    } else {
        close(l);
        show("connect to a closed abstract name", connect(other, (struct sockaddr *)&a, alen));
        int again = socket(AF_UNIX, SOCK_STREAM, 0);
        show("bind the abstract name again", bind(again, (struct sockaddr *)&a, alen));
        close(again);
    }
    close(other);
}

static void names(void) {
    struct sockaddr_un a;
    socklen_t len;
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("bind short", bind(s, (struct sockaddr *)&a, 1));
    a.sun_family = AF_INET;
    show("bind wrong family", bind(s, (struct sockaddr *)&a, sizeof a));
    show("bind too long", bind(s, (struct sockaddr *)&a, sizeof a + 1));
    show("bind missing directory", bind(s, (struct sockaddr *)&a, unix_addr(&a, "no/such/dir", 0)));
    a.sun_family = AF_UNIX;
    show("autobind", bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)));
    len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    int hex = len == 8 && a.sun_path[0] == 0;
    for (int i = 1; i < 6 && hex; i++)
        hex = strchr("0123456789abcdef", a.sun_path[i]) != NULL;
    printf("autobind name: len %u, five hex digits: %s\n", (unsigned)len, yes(hex));
    show("autobind again", bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)));
    close(s);
    int l = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    bind(l, (struct sockaddr *)&a, unix_addr(&a, "backlog-test", 1));
    listen(l, 1);
    int ok = 0;
    for (int i = 0; i < 5; i++) {
        int c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (connect(c, (struct sockaddr *)&a, unix_addr(&a, "backlog-test", 1)) == 0)
            ok++;
        else
            printf("connect %d: %s\n", i, strerrorname_np(errno));
    }
    printf("connections queued with backlog 1: %d\n", ok);
    int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
    printf("accept4 SOCK_CLOEXEC: %s\n", yes(fcntl(c, F_GETFD) & FD_CLOEXEC));
    show("accept4 bad flags", accept4(l, NULL, NULL, 0x1));
    close(c);
    c = accept(l, NULL, NULL);
    show("accept nonblocking, empty", accept(l, NULL, NULL));
    close(l);
    int d = socket(AF_UNIX, SOCK_DGRAM, 0);
    show("listen on a datagram socket", listen(d, 1));
    show("accept on a datagram socket", accept(d, NULL, NULL));
    close(d);
}

static int send_fds(int sock, int *fds, int n, const char *data) {
    char control[CMSG_SPACE(sizeof(int) * 300)];
    struct iovec iov = {(void *)data, strlen(data)};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                       .msg_controllen = CMSG_SPACE(sizeof(int) * n)};
    memset(control, 0, sizeof control);
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * n);
    memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
    return sendmsg(sock, &m, 0);
}

static int recv_fds(int sock, int *fds, int room, int flags, int *msg_flags) {
    char control[CMSG_SPACE(sizeof(int) * 8)], data[64];
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                       .msg_controllen = room ? CMSG_SPACE(sizeof(int) * room) : 0};
    int r = recvmsg(sock, &m, flags);
    *msg_flags = m.msg_flags;
    int n = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
            n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            memcpy(fds, CMSG_DATA(c), n * sizeof(int));
        }
    return r < 0 ? r : n;
}

static void rights(void) {
    int sv[2], fds[8], flags;
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    int f = open("passed.txt", O_CREAT | O_RDWR | O_TRUNC, 0644);
    write(f, "the passed file's text", 22);
    lseek(f, 4, SEEK_SET);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        close(sv[0]);
        int got[8], fl;
        int n = recv_fds(sv[1], got, 4, 0, &fl);
        char b[64];
        int r = read(got[0], b, sizeof b);
        printf("child: received %d fd, reads %.*s from the shared offset\n", n, r, b);
        fflush(stdout);
        _exit(0);
    }
    show("sendmsg SCM_RIGHTS", send_fds(sv[0], &f, 1, "F"));
    waitpid(child, NULL, 0);
    printf("after the child read, offset %ld\n", (long)lseek(f, 0, SEEK_CUR));

    int three[3] = {f, f, f};
    show("send three", send_fds(sv[0], three, 3, "T"));
    int n = recv_fds(sv[1], fds, 1, 0, &flags);
    printf("room for one: got %d, MSG_CTRUNC %s\n", n, yes(flags & MSG_CTRUNC));
    close(fds[0]);
    show("send one more", send_fds(sv[0], &f, 1, "C"));
    n = recv_fds(sv[1], fds, 0, 0, &flags);
    printf("no room: got %d, MSG_CTRUNC %s\n", n, yes(flags & MSG_CTRUNC));
    show("send for cloexec", send_fds(sv[0], &f, 1, "X"));
    n = recv_fds(sv[1], fds, 2, MSG_CMSG_CLOEXEC, &flags);
    printf("MSG_CMSG_CLOEXEC: got %d, FD_CLOEXEC %s\n", n, yes(fcntl(fds[0], F_GETFD) & FD_CLOEXEC));
    close(fds[0]);
    show("send for peek", send_fds(sv[0], &f, 1, "P"));
    n = recv_fds(sv[1], fds, 2, MSG_PEEK, &flags);
    printf("peek: got %d\n", n);
    close(fds[0]);
    n = recv_fds(sv[1], fds, 2, 0, &flags);
    printf("then: got %d\n", n);
    close(fds[0]);
    int bad = 99;
    show("send a bad descriptor", send_fds(sv[0], &bad, 1, "B"));
    int many[254];
    for (int i = 0; i < 254; i++)
        many[i] = f;
    show("send 254", send_fds(sv[0], many, 254, "M"));
    show("send 253", send_fds(sv[0], many, 253, "M"));
    n = recv_fds(sv[1], fds, 8, 0, &flags);
    printf("253 sent, room for 8: got %d, MSG_CTRUNC %s\n", n, yes(flags & MSG_CTRUNC));
    for (int i = 0; i < n; i++)
        close(fds[i]);
    /* data after a message with descriptors is not joined to it */
    send_fds(sv[0], &f, 1, "A");
    write(sv[0], "BC", 2);
    char data[16];
    n = recv_fds(sv[1], fds, 2, 0, &flags);
    close(fds[0]);
    show("the rest", read(sv[1], data, sizeof data));
    /* a socket passed inside itself, then closed: nothing may hang */
    int cyc[2];
    socketpair(AF_UNIX, SOCK_DGRAM, 0, cyc);
    send_fds(cyc[0], &cyc[1], 1, "loop");
    send_fds(cyc[1], &cyc[0], 1, "loop");
    close(cyc[0]);
    close(cyc[1]);
    printf("cycle closed\n");
    close(f);
    unlink("passed.txt");
    close(sv[0]);
    close(sv[1]);
}

static void credentials(void) {
    int sv[2], on = 1;
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    fflush(stdout);
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        send(sv[1], "x", 1, 0);
        struct ucred own = {getpid(), getuid(), getgid()};
        char control[CMSG_SPACE(sizeof own)];
        struct iovec iov = {"y", 1};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_CREDENTIALS;
        c->cmsg_len = CMSG_LEN(sizeof own);
        memcpy(CMSG_DATA(c), &own, sizeof own);
        show("child: sendmsg own credentials", sendmsg(sv[1], &m, 0));
        own.pid = 999999;
        memcpy(CMSG_DATA(c), &own, sizeof own);
        show("child: sendmsg a pid that does not exist", sendmsg(sv[1], &m, 0));
        own.pid = getpid();
        c->cmsg_len = CMSG_LEN(sizeof own) - 1;
        show("child: sendmsg a short SCM_CREDENTIALS", sendmsg(sv[1], &m, 0));
        _exit(0);
    }
    waitpid(child, NULL, 0);
    for (int i = 0; i < 2; i++) {
        char control[CMSG_SPACE(sizeof(struct ucred))], data[8];
        struct iovec iov = {data, sizeof data};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
        int r = recvmsg(sv[0], &m, 0);
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        struct ucred cr = {0};
        if (c && c->cmsg_type == SCM_CREDENTIALS)
            memcpy(&cr, CMSG_DATA(c), sizeof cr);
        printf("recvmsg %d: SCM_CREDENTIALS %s, pid is the child's: %s, uid %u gid %u\n", r,
               yes(c && c->cmsg_type == SCM_CREDENTIALS), yes(cr.pid == child), cr.uid, cr.gid);
    }
    char data[8];
    struct iovec iov = {data, sizeof data};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};
    send(sv[1], "z", 1, 0);
    recvmsg(sv[0], &m, 0);
    printf("no control buffer with SO_PASSCRED: MSG_CTRUNC %s\n", yes(m.msg_flags & MSG_CTRUNC));
    close(sv[0]);
    close(sv[1]);

    /* as nobody: only its own ids and pid may be claimed */
    socketpair(AF_UNIX, SOCK_DGRAM, 0, sv);
    setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    fflush(stdout);
    child = fork();
    if (child == 0) {
        setgid(65534);
        setuid(65534);
        struct ucred claim[] = {{getpid(), 0, 65534}, {getpid(), 65534, 0}, {getppid(), 65534, 65534},
                                {getpid(), 65534, 65534}};
        const char *what[] = {"uid 0", "gid 0", "the parent's pid", "its own"};
        for (int i = 0; i < 4; i++) {
            char control[CMSG_SPACE(sizeof(struct ucred))];
            struct iovec iov = {"n", 1};
            struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                               .msg_controllen = sizeof control};
            struct cmsghdr *c = CMSG_FIRSTHDR(&m);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_CREDENTIALS;
            c->cmsg_len = CMSG_LEN(sizeof claim[i]);
            memcpy(CMSG_DATA(c), &claim[i], sizeof claim[i]);
            char label[64];
            snprintf(label, sizeof label, "nobody claims %s", what[i]);
            show(label, sendmsg(sv[1], &m, 0));
        }
        send(sv[1], "m", 1, 0);
        _exit(0);
    }
    waitpid(child, NULL, 0);
    for (int i = 0; i < 2; i++) {
        char control[CMSG_SPACE(sizeof(struct ucred))];
        struct iovec iov = {data, sizeof data};
        struct msghdr rm = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                            .msg_controllen = sizeof control};
        recvmsg(sv[0], &rm, 0);
        struct cmsghdr *c = CMSG_FIRSTHDR(&rm);
        struct ucred cr = {0};
        if (c && c->cmsg_type == SCM_CREDENTIALS)
            memcpy(&cr, CMSG_DATA(c), sizeof cr);
        printf("from nobody: pid is the child's %s, uid %u gid %u\n", yes(cr.pid == child), cr.uid, cr.gid);
    }
    close(sv[0]);
    close(sv[1]);
}

static void on_usr1(int sig) { (void)sig; }

/* a child signals the parent blocked in recv (and then, when `then_write`, writes a byte) */
static void signal_a_recv(const char *what, int flags, int timeout, int then_write) {
    int sv[2];
    char c;
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = flags};
    sigaction(SIGUSR1, &sa, NULL);
    if (timeout) {
        struct timeval tv = {5, 0};
        setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        usleep(100000);
        kill(getppid(), SIGUSR1);
        usleep(100000);
        if (then_write)
            write(sv[1], "r", 1);
        _exit(0);
    }
    show(what, recv(sv[0], &c, 1, 0));
    waitpid(child, NULL, 0);
    close(sv[0]);
    close(sv[1]);
}

/* With a path: what a connect and a bind to it answer (a host's socket file, under the host-root view). */
static int probe(const char *path) {
    struct sockaddr_un a;
    socklen_t len = unix_addr(&a, path, 0);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    show("connect", connect(s, (struct sockaddr *)&a, len));
    show("bind", bind(s, (struct sockaddr *)&a, len));
    struct stat st;
    show("stat", stat(path, &st));
    printf("a socket file: %s\n", yes(S_ISSOCK(st.st_mode)));
    show("open", open(path, O_RDWR));
    return 0;
}

int main(int argc, char **argv) {
    if (argc > 1)
        return probe(argv[1]);
    umask(022);
    creation();
    options();
    stream_pair();
    seqpacket();
    dgram();
    server("echo-socket", 0);
    server("echo-abstract", 1);
    names();
    rights();
    credentials();
    signal_a_recv("recv interrupted by a handler", 0, 0, 0);
    signal_a_recv("recv restarted after an SA_RESTART handler", SA_RESTART, 0, 1);
    signal_a_recv("recv with SO_RCVTIMEO interrupted despite SA_RESTART", SA_RESTART, 1, 1);
    printf("done\n");
    return 0;
}
