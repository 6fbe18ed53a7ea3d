/* Writes to /proc/sys that change something, made where they change nothing of the host's: natively in a
 * new UTS and pid namespace (kernel.hostname and, since Linux 6.14, kernel.pid_max are per namespace), on
 * the machine in the machine (whose unshare refuses namespaces). fs.pipe-max-size is global, so it is
 * only written a value that rounds to the one it holds. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static char buf[256];

static const char *get(const char *path) {
    int fd = open(path, O_RDONLY);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
    if (fd >= 0) close(fd);
    buf[n < 0 ? 0 : n] = 0;
    return buf;
}

static void put(const char *path, const char *text) {
    int fd = open(path, O_WRONLY | O_TRUNC);
    ssize_t r = fd < 0 ? -1 : write(fd, text, strlen(text));
    printf("write %s to %s: %s\n", text, path, r < 0 ? strerror(errno) : "ok");
    if (fd >= 0) close(fd);
    printf("  now: %s", get(path));
}

static int body(void) {
    struct utsname u;
    put("/proc/sys/kernel/hostname", "box-one\n");
    uname(&u);
    printf("uname nodename: %s\n", u.nodename);
    put("/proc/sys/kernel/hostname", "a-name-longer-than-sixty-four-bytes-is-cut-to-sixty-four-by-proc-do-uts-string");
    put("/proc/sys/kernel/hostname", "two\nlines");
    /* sethostname and setdomainname: what the files and uname show next. */
    char long_name[65];
    memset(long_name, 'x', sizeof long_name);
    int r1 = sethostname("by-call\0after", 13);
    printf("sethostname: %d, file: %s", r1, get("/proc/sys/kernel/hostname"));
    errno = 0;
    int r2 = sethostname(long_name, 65);
    printf("sethostname 65 bytes: %d %s\n", r2, strerror(errno));
    int r3 = setdomainname("example.org", 11);
    uname(&u);
    printf("setdomainname: %d, uname: %s %s\n", r3, u.nodename, u.domainname);
    /* One below what it holds (a power of two) rounds up to it again. */
    char held[32], below[32];
    snprintf(held, sizeof held, "%s", get("/proc/sys/fs/pipe-max-size"));
    snprintf(below, sizeof below, "%lld", atoll(held) - 1);
    int fd = open("/proc/sys/fs/pipe-max-size", O_WRONLY);
    ssize_t r = write(fd, below, strlen(below));
    close(fd);
    printf("pipe-max-size written one below: %s, rounded back: %s\n", r < 0 ? strerror(errno) : "ok",
           strcmp(get("/proc/sys/fs/pipe-max-size"), held) == 0 ? "yes" : "no");
    put("/proc/sys/kernel/pid_max", "400");
    /* Fork past pid_max: pids stay below it and start again at 300 (RESERVED_PIDS). */
    int highest = 0, after_wrap = 0, previous = 0;
    for (int i = 0; i < 450; i++) {
        pid_t pid = fork();
        if (pid == 0) _exit(0);
        if (pid < 0) { printf("fork: %s\n", strerror(errno)); return 1; }
        waitpid(pid, NULL, 0);
        if (pid > highest) highest = pid;
        if (pid < previous && !after_wrap) after_wrap = pid;
        previous = pid;
    }
    printf("pids below pid_max: %s, first after the wrap: %d\n", highest < 400 ? "yes" : "no", after_wrap);
    puts("done");
    return 0;
}

int main(void) {
    if (unshare(CLONE_NEWUTS | CLONE_NEWPID) < 0)
        return body(); /* the machine: a box of its own */
    pid_t child = fork(); /* the first process of the new pid namespace */
    if (child == 0) return body();
    int status;
    waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
