/* UTS, IPC and time namespaces (tests/runtime/test_runtime_namespaces.py): what a child in new ones sees,
   setns back, the nsfs ioctls, /proc/PID/timens_offsets and the clocks moved in the vDSO and the syscalls. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NS_GET_PARENT 0xb702
#define NS_GET_NSTYPE 0xb703
#define NS_GET_OWNER_UID 0xb704
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x80
#endif

static const char *err(long r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

static void link_of(const char *path, char *out, size_t n) {
    ssize_t len = readlink(path, out, n - 1);
    out[len < 0 ? 0 : len] = 0;
}

static void show_hostname_file(const char *who) {
    char buf[128] = {0};
    int fd = open("/proc/sys/kernel/hostname", O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    printf("%s /proc/sys/kernel/hostname: %.*s", who, (int)(n < 0 ? 0 : n), buf);
}

static long mono_s(int syscall_path, clockid_t clock) {
    struct timespec ts;
    if (syscall_path)
        syscall(SYS_clock_gettime, clock, &ts);
    else
        clock_gettime(clock, &ts);
    return ts.tv_sec;
}

static int run_child(void (*fn)(void)) {
    pid_t pid = fork();
    if (pid == 0) {
        fn();
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    return status;
}

static int parent_uts, parent_ipc, shmid;
static key_t key = 0x5eed;

static void uts_child(void) {
    char mine[64], theirs[64];
    struct utsname u;
    printf("unshare uts: %s\n", err(unshare(CLONE_NEWUTS)));
    uname(&u);
    printf("inherited name is the parent's: %d\n", strcmp(u.nodename, "nsparent") == 0);
    printf("sethostname: %s\n", err(sethostname("nschild", 7)));
    printf("setdomainname: %s\n", err(setdomainname("nsdomain", 8)));
    uname(&u);
    printf("child uname: %s %s\n", u.nodename, u.domainname);
    show_hostname_file("child");
    link_of("/proc/self/ns/uts", mine, sizeof mine);
    link_of("/proc/1/ns/uts", theirs, sizeof theirs);
    printf("uts link looks like uts:[N]: %d\n", strncmp(mine, "uts:[", 5) == 0);
    printf("setns uts with CLONE_NEWIPC: %s\n", err(syscall(SYS_setns, parent_uts, CLONE_NEWIPC)));
    printf("setns uts back: %s\n", err(syscall(SYS_setns, parent_uts, CLONE_NEWUTS)));
    uname(&u);
    printf("after setns: %s\n", u.nodename);
}

static void ipc_child(void) {
    printf("unshare ipc: %s\n", err(unshare(CLONE_NEWIPC)));
    printf("shmget parent's key: %s\n", err(shmget(key, 0, 0)));
    printf("shmat parent's id: %s\n", err((long)shmat(shmid, NULL, 0) == -1 ? -1 : 0));
    int q = msgget(key, IPC_CREAT | 0600);
    printf("msgget in the new namespace: %s\n", err(q));
    FILE *f = fopen("/proc/sys/kernel/msgmni", "r");
    int mni = 0;
    if (f) { fscanf(f, "%d", &mni); fclose(f); }
    printf("msgmni is the default: %d\n", mni == 32000);
    printf("setns ipc back: %s\n", err(syscall(SYS_setns, parent_ipc, 0)));
    int id = shmget(key, 0, 0);
    printf("shmget after setns finds the parent's: %d\n", id == shmid);
    printf("msgget sees no queue here: %s\n", err(msgget(key, 0)));
}

static void time_child(void) {
    struct sysinfo si;
    long mono = mono_s(0, CLOCK_MONOTONIC), mono_sys = mono_s(1, CLOCK_MONOTONIC);
    long boot = mono_s(0, CLOCK_BOOTTIME), boot_sys = mono_s(1, CLOCK_BOOTTIME);
    long raw = mono_s(0, CLOCK_MONOTONIC_RAW);
    sysinfo(&si);
    printf("child vdso/syscall monotonic agree: %d\n", labs(mono - mono_sys) <= 1);
    printf("child vdso/syscall boottime agree: %d\n", labs(boot - boot_sys) <= 1);
    printf("child monotonic - boottime around -1000: %d\n", labs(mono - boot + 1000) <= 2);
    printf("child raw follows monotonic: %d\n", labs(raw - mono) <= 2);
    printf("child uptime past 2000: %d\n", si.uptime >= 2000);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += 20000000;
    if (until.tv_nsec >= 1000000000) { until.tv_sec++; until.tv_nsec -= 1000000000; }
    long before = mono_s(1, CLOCK_MONOTONIC);
    printf("absolute nanosleep: %d\n", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL));
    printf("slept briefly: %d\n", mono_s(1, CLOCK_MONOTONIC) - before <= 1);
    int fd = open("/proc/self/timens_offsets", O_WRONLY);
    printf("offsets frozen: %s\n", err(write(fd, "monotonic 5 0", 13)));
    close(fd);
}

static void exec_child(void) {
    unshare(CLONE_NEWTIME);
    int fd = open("/proc/self/timens_offsets", O_WRONLY);
    write(fd, "boottime 3000 0", 15);
    close(fd);
    char *argv[] = {"namespaces", "timecheck", NULL};
    execv("/proc/self/exe", argv);
    printf("execv: %s\n", err(-1));
}

static void timecheck(void) {
    long mono = mono_s(0, CLOCK_MONOTONIC), boot = mono_s(0, CLOCK_BOOTTIME), boot_sys = mono_s(1, CLOCK_BOOTTIME);
    char own[64], children[64];
    link_of("/proc/self/ns/time", own, sizeof own);
    link_of("/proc/self/ns/time_for_children", children, sizeof children);
    printf("after exec: in the children's namespace: %d\n", strcmp(own, children) == 0);
    printf("after exec: boottime - monotonic around 2000 (inherited monotonic offset): %d\n", labs(boot - mono - 2000) <= 2);
    printf("after exec: vdso/syscall boottime agree: %d\n", labs(boot - boot_sys) <= 1);
    int fd = open("/proc/self/timens_offsets", O_WRONLY);
    printf("after exec: offsets frozen: %s\n", err(write(fd, "boottime 1 0", 12)));
}

int main(int argc, char **argv) {
    char buf[256];
    if (argc > 1) {
        timecheck();
        return 0;
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("sethostname in the parent's own namespace: %s\n", err(unshare(CLONE_NEWUTS)));
    sethostname("nsparent", 8);
    parent_uts = open("/proc/self/ns/uts", O_RDONLY);
    parent_ipc = open("/proc/self/ns/ipc", O_RDONLY);
    printf("NS_GET_NSTYPE uts: %#lx\n", (long)ioctl(parent_uts, NS_GET_NSTYPE));
    printf("NS_GET_NSTYPE ipc: %#lx\n", (long)ioctl(parent_ipc, NS_GET_NSTYPE));
    printf("NS_GET_PARENT uts: %s\n", err(ioctl(parent_uts, NS_GET_PARENT)));
    unsigned uid;
    printf("NS_GET_OWNER_UID uts: %s\n", err(ioctl(parent_uts, NS_GET_OWNER_UID, &uid)));
    run_child(uts_child);
    struct utsname u;
    uname(&u);
    printf("parent keeps: %s\n", u.nodename);
    show_hostname_file("parent");

    printf("unshare ipc in the parent: %s\n", err(unshare(CLONE_NEWIPC)));
    parent_ipc = open("/proc/self/ns/ipc", O_RDONLY);
    shmid = shmget(key, 4096, IPC_CREAT | 0600);
    printf("shmget: %s\n", err(shmid));
    run_child(ipc_child);
    printf("clone NEWIPC|SYSVSEM: %s\n", err(syscall(SYS_clone, CLONE_NEWIPC | CLONE_SYSVSEM | SIGCHLD, 0, 0, 0, 0)));
    shmctl(shmid, IPC_RMID, NULL);

    char before_link[64], after_link[64], children_link[64];
    link_of("/proc/self/ns/time", before_link, sizeof before_link);
    printf("unshare time: %s\n", err(unshare(CLONE_NEWTIME)));
    link_of("/proc/self/ns/time", after_link, sizeof after_link);
    link_of("/proc/self/ns/time_for_children", children_link, sizeof children_link);
    printf("own time namespace kept: %d\n", strcmp(before_link, after_link) == 0);
    printf("children's differs: %d\n", strcmp(after_link, children_link) != 0);
    int fd = open("/proc/self/timens_offsets", O_WRONLY);
    printf("bad clock: %s\n", err(write(fd, "realtime 5 0", 12)));
    printf("nsec too large: %s\n", err(write(fd, "monotonic 5 1000000000", 22)));
    printf("too far back: %s\n", err(write(fd, "monotonic -100000000000 0", 25)));
    printf("set offsets: %s\n", err(write(fd, "monotonic 1000 0\nboottime 2000 0\n", 33)));
    close(fd);
    fd = open("/proc/self/timens_offsets", O_RDONLY);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n < 0 ? 0 : n] = 0;
    close(fd);
    printf("%s", buf);
    run_child(time_child);
    printf("parent monotonic untouched: %d\n", labs(mono_s(0, CLOCK_MONOTONIC) - mono_s(0, CLOCK_BOOTTIME)) <= 1);
    run_child(exec_child);
    printf("done\n");
    return 0;
}
