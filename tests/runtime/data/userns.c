/* User namespaces (tests/runtime/test_runtime_namespaces.py): ids through uid_map and gid_map, the
   setgroups file, capabilities inside and outside, the nsfs ioctls of user namespaces, and the
   namespace's own /proc/sys/user limits. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NS_GET_USERNS 0xb701
#define NS_GET_PARENT 0xb702
#define NS_GET_OWNER_UID 0xb704

static const char *err(long r) { return r < 0 ? strerrorname_np(errno) : "ok"; }
static int go[2], done[2];

static long put(const char *path, const char *text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0)
        return -1;
    long r = write(fd, text, strlen(text));
    int saved = errno;
    close(fd);
    errno = saved;
    return r;
}

static void show(const char *path) {
    char buf[256] = {0};
    int fd = open(path, O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    printf("%s: %s", strrchr(path, '/') + 1, n > 0 ? buf : "(empty)\n");
}

static ino_t ino_of(int fd) {
    struct stat st;
    fstat(fd, &st);
    return st.st_ino;
}

static int child(void *arg) {
    char c;
    (void)arg;
    printf("child before maps: uid %d gid %d\n", (int)getuid(), (int)getgid());
    printf("child setuid(0) before maps: %s\n", err(setuid(0)));
    struct stat st;
    stat("/", &st);
    printf("child before maps: / owned by %d:%d\n", (int)st.st_uid, (int)st.st_gid);
    printf("child sethostname in the parent's uts: %s\n", err(sethostname("x", 1)));
    write(done[1], "r", 1);
    read(go[0], &c, 1);
    printf("child after maps: uid %d euid %d gid %d\n", (int)getuid(), (int)geteuid(), (int)getgid());
    stat("/", &st);
    printf("child after maps: / owned by %d:%d\n", (int)st.st_uid, (int)st.st_gid);
    printf("child setuid(5) unmapped: %s\n", err(setuid(5)));
    int file = open("owned", O_CREAT | O_WRONLY, 0600);
    printf("child fchown to an unmapped uid: %s\n", err(fchown(file, 5, -1)));
    printf("child fchown to itself: %s\n", err(fchown(file, 0, 0)));
    close(file);
    unlink("owned");
    gid_t g = 0;
    printf("child setgroups (denied): %s\n", err(setgroups(1, &g)));
    printf("child unshare uts: %s\n", err(unshare(CLONE_NEWUTS)));
    printf("child sethostname in its own uts: %s\n", err(sethostname("inner", 5)));
    show("/proc/sys/user/max_user_namespaces");
    printf("child max_uts_namespaces = 0: %s\n", err(put("/proc/sys/user/max_uts_namespaces", "0")));
    printf("child max_uts_namespaces = -1: %s\n", err(put("/proc/sys/user/max_uts_namespaces", "-1")));
    printf("child unshare uts past its limit: %s\n", err(unshare(CLONE_NEWUTS)));
    printf("child unshare ipc: %s\n", err(unshare(CLONE_NEWIPC)));
    int self = open("/proc/self/ns/user", O_RDONLY);
    int up = ioctl(self, NS_GET_USERNS);
    printf("child NS_GET_USERNS of its own (the parent's, above it): %s\n", err(up));
    int upup = up >= 0 ? ioctl(up, NS_GET_USERNS) : -1;
    printf("child NS_GET_USERNS of the first: %s\n", err(upup));
    fflush(stdout);
    return 0;
}

int main(void) {
    static char stack[65536];
    char path[64], c;
    setvbuf(stdout, NULL, _IONBF, 0);
    int init = open("/proc/self/ns/user", O_RDONLY);
    printf("NS_GET_USERNS of the first: %s\n", err(ioctl(init, NS_GET_USERNS)));
    printf("NS_GET_PARENT of the first: %s\n", err(ioctl(init, NS_GET_PARENT)));
    uid_t owner = 7;
    long r = ioctl(init, NS_GET_OWNER_UID, &owner);
    printf("NS_GET_OWNER_UID of the first: %s %d\n", err(r), (int)owner);
    pipe(go);
    pipe(done);
    pid_t pid = clone(child, stack + sizeof stack, CLONE_NEWUSER | SIGCHLD, NULL);
    read(done[0], &c, 1);  /* the child has printed its first lines */
    printf("clone CLONE_NEWUSER: %s\n", err(pid));
    snprintf(path, sizeof path, "/proc/%d/ns/user", pid);
    int theirs = open(path, O_RDONLY);
    printf("child's user namespace differs: %d\n", ino_of(theirs) != ino_of(init));
    int parent = ioctl(theirs, NS_GET_USERNS);
    printf("NS_GET_USERNS of the child's is ours: %d\n", parent >= 0 && ino_of(parent) == ino_of(init));
    int parent2 = ioctl(theirs, NS_GET_PARENT);
    printf("NS_GET_PARENT of the child's is ours: %d\n", parent2 >= 0 && ino_of(parent2) == ino_of(init));
    printf("close-on-exec: %d\n", fcntl(parent, F_GETFD) == FD_CLOEXEC);
    owner = 7;
    r = ioctl(theirs, NS_GET_OWNER_UID, &owner);
    printf("NS_GET_OWNER_UID of the child's: %s %d\n", err(r), (int)owner);
    snprintf(path, sizeof path, "/proc/%d/uid_map", pid);
    show(path);
    printf("uid_map junk: %s\n", err(put(path, "0 0 x\n")));
    printf("uid_map zero count: %s\n", err(put(path, "0 0 0\n")));
    printf("uid_map overlap: %s\n", err(put(path, "0 0 1\n0 5 1\n")));
    printf("uid_map: %s\n", err(put(path, "0 0 1\n")));
    printf("uid_map again: %s\n", err(put(path, "1 1 1\n")));
    show(path);
    snprintf(path, sizeof path, "/proc/%d/setgroups", pid);
    show(path);
    printf("setgroups deny: %s\n", err(put(path, "deny")));
    printf("setgroups allow again: %s\n", err(put(path, "allow")));
    show(path);
    snprintf(path, sizeof path, "/proc/%d/gid_map", pid);
    printf("gid_map: %s\n", err(put(path, "0 0 1")));
    show(path);
    write(go[1], "g", 1);
    int status;
    waitpid(pid, &status, 0);
    printf("child exit: %d\n", WEXITSTATUS(status));
    printf("done\n");
    return 0;
}
