/* A network namespace counts against max_net_namespaces while something holds it (a task, a socket made in
 * it, an open nsfs file) and is let go with the last of them. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int write_file(const char *path, const char *text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) return -1;
    int ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
    close(fd);
    return ok ? 0 : -1;
}

/* A new namespace with a socket bound to an abstract name and its nsfs file open; both descriptors back. */
static int enter_new(int fds[2]) {
    if (unshare(CLONE_NEWNET) < 0) return -1;
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strcpy(a.sun_path + 1, "held");
    fds[0] = socket(AF_UNIX, SOCK_DGRAM, 0);
    bind(fds[0], (struct sockaddr *)&a, offsetof(struct sockaddr_un, sun_path) + 5);
    fds[1] = open("/proc/self/ns/net", O_RDONLY);
    return 0;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    int home = open("/proc/self/ns/net", O_RDONLY);
    if (unshare(CLONE_NEWUSER) < 0 || write_file("/proc/sys/user/max_net_namespaces", "2") < 0) {
        printf("setup: %s\n", strerror(errno));
        return 1;
    }
    int held[2][2];
    printf("first: %d\n", enter_new(held[0]));
    printf("second: %d\n", enter_new(held[1]));
    int spare[2];
    int third = enter_new(spare);
    printf("third past the limit: %s\n", third < 0 && errno == ENOSPC ? "ENOSPC" : "made");
    int made = 0;
    for (int i = 0; i < 2; i++) {
        close(held[i][0]);
        close(held[i][1]);
    }
    /* The second is still the task's own: it goes at the first unshare below. */
    for (int i = 0; i < 40; i++) {
        int fds[2];
        if (enter_new(fds) < 0) {
            printf("round %d: %s\n", i, strerror(errno));
            break;
        }
        close(fds[0]);
        close(fds[1]);
        made++;
    }
    printf("made and let go: %d\n", made);
    printf("setns home: %d\n", setns(home, CLONE_NEWNET));
    return 0;
}
