/* The names mknod, bind and O_TMPFILE make, and connect's use of a socket name, under permission checks:
 * made as root, then tried as nobody (issue 16: the credentials work meeting the files and sockets work). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

static void show(const char *what, int r) { printf("%s: %d %s\n", what, r < 0 ? -1 : 0, r < 0 ? strerror(errno) : ""); }

static struct sockaddr_un name(const char *path) {
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    strcpy(a.sun_path, path);
    return a;
}

int main(void) {
    struct stat st;
    chmod(".", 0755);
    mkdir("closed", 0755);
    mkdir("open", 0777);
    chmod("open", 0777);  /* past the umask */
    mkdir("sgid", 0777);
    chown("sgid", 0, 1234);
    chmod("sgid", 02777);
    int listener = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un root_sock = name("open/root.sock");
    show("root binds open/root.sock", bind(listener, (void *)&root_sock, sizeof root_sock));
    listen(listener, 1);
    chmod("open/root.sock", 0700);
    if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)) {
        perror("dropping to nobody");
        return 1;
    }
    show("mknod fifo in a 0755 root directory", mknod("closed/f", S_IFIFO | 0644, 0));
    show("mknod fifo in a 0777 directory", mknod("open/f", S_IFIFO | 0644, 0));
    show("mknod 1:3 as nobody", mknod("open/null", S_IFCHR | 0644, makedev(1, 3)));
    show("O_TMPFILE in a 0755 root directory", open("closed", O_TMPFILE | O_RDWR, 0600));
    int tmp = open("open", O_TMPFILE | O_RDWR, 0600);
    show("O_TMPFILE in a 0777 directory", tmp);
    fstat(tmp, &st);
    printf("O_TMPFILE file: owner %u:%u mode %o\n", st.st_uid, st.st_gid, st.st_mode);
    show("mknod fifo in a setgid directory", mknod("sgid/f", S_IFIFO | 0644, 0));
    stat("sgid/f", &st);
    printf("its group %u\n", st.st_gid);
    int client = socket(AF_UNIX, SOCK_STREAM, 0);
    show("connect to a 0700 root socket", connect(client, (void *)&root_sock, sizeof root_sock));
    int bound = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un closed = name("closed/s"), open_name = name("open/s");
    show("bind in a 0755 root directory", bind(bound, (void *)&closed, sizeof closed));
    show("bind in a 0777 directory", bind(bound, (void *)&open_name, sizeof open_name));
    stat("open/s", &st);
    printf("socket name: owner %u:%u mode %o\n", st.st_uid, st.st_gid, st.st_mode);
    return 0;
}
