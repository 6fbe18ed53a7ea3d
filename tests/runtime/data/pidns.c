/* PID namespaces: clone(CLONE_NEWPID) and unshare(CLONE_NEWPID) children see their own numbers, the
 * namespace's init reaps its orphans and ignores the signals it has no handler for, and its end kills
 * the rest of the namespace; the parent sees the global numbers. Run as root, natively and on the machine. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <stdint.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/reboot.h>

static long top_ns; /* the pid namespace the program started in: reboot is only ever called below it */

static void say(const char *what, long value) {
    printf("%s: %ld\n", what, value);
    fflush(stdout);
}

static const char *err(long rc) {
    return rc == 0 ? "ok" : errno == EINVAL ? "EINVAL" : errno == ENOSPC ? "ENOSPC" : errno == EPERM ? "EPERM"
         : errno == ENOMEM ? "ENOMEM" : errno == ESRCH ? "ESRCH" : errno == EEXIST ? "EEXIST" : "other";
}

static long ino_of(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_ino : -1;
}

/* clone3 with set_tid: the pids asked for, the new namespace's first. */
static long clone3_set_tid(uint64_t flags, pid_t *tids, size_t n) {
    struct clone_args args;
    memset(&args, 0, sizeof args);
    args.flags = flags;
    args.exit_signal = SIGCHLD;
    args.set_tid = (uintptr_t)tids;
    args.set_tid_size = n;
    return syscall(SYS_clone3, &args, sizeof args);
}

static pid_t clone_newpid(void) {
    return (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0);
}

/* Unshare a pid namespace and fork into it, until the kernel refuses: the depth it stopped at. */
static int deepest(int level) {
    if (unshare(CLONE_NEWPID) != 0) {
        printf("unshare NEWPID below level %d: %s\n", level, err(-1));
        fflush(stdout);
        return level;
    }
    pid_t child = fork();
    if (child == 0)
        _exit(deepest(level + 1) == 32 ? 0 : 1);
    int status;
    waitpid(child, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 32 : -1;
}

static int init_main(int zap_fd) {
    say("init getpid", getpid());
    say("init getppid", getppid());
    say("init gettid", syscall(SYS_gettid));
    say("init pid ns is pid_for_children", ino_of("/proc/self/ns/pid") == ino_of("/proc/self/ns/pid_for_children"));

    /* An orphan is reparented to this init, which reaps it. */
    int ready[2];
    pipe(ready);
    pid_t first = fork();
    if (first == 0) {
        pid_t orphan = fork();
        if (orphan == 0) {
            char c;
            close(ready[1]);
            read(ready[0], &c, 1); /* EOF once its parent has exited */
            while (getppid() != 1)
                usleep(1000);
            _exit(getppid() == 1 ? 7 : 8);
        }
        _exit(orphan == 3 ? 0 : 1);
    }
    close(ready[0]);
    close(ready[1]);
    int status;
    say("first child's pid", first);
    say("wait reaps it", waitpid(first, &status, 0));
    say("it forked pid 3", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    pid_t reaped = wait(&status);
    say("init reaps the orphan", reaped);
    say("orphan saw ppid 1", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    /* A signal from inside the namespace the init has no handler for is dropped. */
    pid_t sender = fork();
    if (sender == 0)
        _exit(kill(1, SIGTERM) == 0 ? 0 : 1);
    waitpid(sender, &status, 0);
    say("kill(1, SIGTERM) from inside succeeds", WIFEXITED(status) && WEXITSTATUS(status) == 0);
    say("init survives it", 1);
    say("kill(-1, 0) finds no other process", kill(-1, 0) == -1 && errno == ESRCH);

    /* unshare(CLONE_NEWPID): the caller stays, its next child is pid 1 of the new namespace. */
    pid_t helper = fork();
    if (helper == 0) {
        printf("unshare NEWPID: %s\n", err(unshare(CLONE_NEWPID)));
        printf("again: %s\n", err(unshare(CLONE_NEWPID)));
        say("still pid", getpid());
        say("ns differs from pid_for_children",
            ino_of("/proc/self/ns/pid") != ino_of("/proc/self/ns/pid_for_children"));
        fflush(stdout);
        pid_t nested = fork();
        if (nested == 0) {
            say("nested getpid", getpid());
            say("nested getppid", getppid());
            _exit(0);
        }
        waitpid(nested, NULL, 0);
        say("nested child as its parent sees it > 1", nested > 1);
        pid_t after = fork();
        printf("fork after the nested init ended: %s\n", after < 0 ? err(-1) : "forked");
        fflush(stdout);
        if (after == 0)
            _exit(0);
        _exit(0);
    }
    waitpid(helper, NULL, 0);

    /* A /proc mounted in this namespace shows its processes by their numbers here. */
    pid_t viewer = fork();
    if (viewer == 0) {
        unshare(CLONE_NEWNS);
        mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL);
        printf("mount proc: %s\n", err(mount("proc", "/proc", "proc", 0, NULL)));
        char link[64] = "";
        ssize_t n = readlink("/proc/self", link, sizeof link - 1);
        link[n > 0 ? n : 0] = 0;
        printf("/proc/self: %s\n", link);
        DIR *dir = opendir("/proc");
        struct dirent *entry;
        int listed = 0, has_one = 0;
        while (dir && (entry = readdir(dir)) != NULL)
            if (entry->d_name[0] >= '0' && entry->d_name[0] <= '9') {
                listed++;
                has_one |= strcmp(entry->d_name, "1") == 0;
            }
        if (dir)
            closedir(dir);
        say("/proc lists the init and this viewer only", listed == 2 && has_one);
        FILE *f = fopen("/proc/1/status", "r");
        char line[256];
        while (f && fgets(line, sizeof line, f))
            if (strncmp(line, "NSpid:", 6) == 0 || strncmp(line, "PPid:", 5) == 0)
                printf("/proc/1/status %s", line);
        if (f)
            fclose(f);
        fflush(stdout);
        _exit(0);
    }
    waitpid(viewer, NULL, 0);

    /* reboot(2) in a nested namespace ends it: its init dies of SIGHUP for a restart. */
    pid_t rb = fork();
    if (rb == 0) {
        unshare(CLONE_NEWPID);
        pid_t r = fork();
        if (r == 0) {
            if (getpid() != 1 || ino_of("/proc/self/ns/pid") == top_ns)
                _exit(99); /* never reboot anything but a namespace this program made */
            printf("reboot CAD_ON in a pid namespace: %s\n",
                   err(syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_CAD_ON, 0)));
            fflush(stdout);
            syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_RESTART, 0);
            _exit(9);
        }
        int st;
        waitpid(r, &st, 0);
        _exit(WIFSIGNALED(st) ? WTERMSIG(st) : 100 + WEXITSTATUS(st));
    }
    waitpid(rb, &status, 0);
    say("reboot RESTART: the nested init dies of signal", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    pid_t depth = fork();
    if (depth == 0)
        _exit(deepest(1) == 32 ? 0 : 1);
    waitpid(depth, &status, 0);
    say("32 levels, then ENOSPC", WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* A process left behind, holding a pipe: it dies with the init. */
    pid_t stays = fork();
    if (stays == 0) {
        for (;;)
            pause();
    }
    (void)zap_fd;
    return 5;
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    long own = ino_of("/proc/self/ns/pid");
    top_ns = own;
    pid_t not_one[2] = {2, 0}, too_many[3] = {1, 0, 0}, taken[1] = {getpid()}, zero[1] = {0};
    not_one[1] = too_many[1] = too_many[2] = getpid();
    printf("set_tid: a new namespace's first not 1: %s\n", err(clone3_set_tid(CLONE_NEWPID, not_one, 2)));
    printf("set_tid: more than the levels: %s\n", err(clone3_set_tid(CLONE_NEWPID, too_many, 3)));
    printf("set_tid: a pid in use: %s\n", err(clone3_set_tid(0, taken, 1)));
    printf("set_tid: 0: %s\n", err(clone3_set_tid(0, zero, 1)));
    int zap[2], go[2];
    pipe(zap);
    pipe(go);
    pid_t child = clone_newpid();
    if (child == 0) {
        char c;
        close(zap[0]);
        close(go[1]);
        read(go[0], &c, 1); /* the parent's checks first, for one order of output */
        exit(init_main(zap[1]));
    }
    close(zap[1]);
    close(go[0]);
    say("parent sees a pid other than 1", child > 1);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/pid", child);
    int fd = open(path, O_RDONLY);
    int parent_fd = ioctl(fd, NS_GET_PARENT);
    struct stat st;
    fstat(parent_fd, &st);
    say("NS_GET_PARENT of the child's is ours", (long)st.st_ino == own);
    say("the child's differs", ino_of(path) != own);
    snprintf(path, sizeof path, "/proc/%d/status", child);
    FILE *status_file = fopen(path, "r");
    char line[256], expect[64];
    int nspid_ok = 0;
    snprintf(expect, sizeof expect, "NSpid:\t%d\t1\n", child);
    while (status_file && fgets(line, sizeof line, status_file))
        if (strcmp(line, expect) == 0)
            nspid_ok = 1;
    if (status_file)
        fclose(status_file);
    say("status NSpid: the global pid, then 1", nspid_ok);
    int mine = open("/proc/self/ns/pid", O_RDONLY);
    printf("NS_GET_PARENT of the first: %s\n", err(ioctl(mine, NS_GET_PARENT)));
    fflush(stdout);
    close(go[1]);
    siginfo_t info;
    memset(&info, 0, sizeof info);
    waitid(P_PID, child, &info, WEXITED | WNOWAIT);
    say("waitid si_pid is the global pid", info.si_pid == child);
    int status;
    say("waitpid returns it", waitpid(child, &status, 0) == child);
    say("init exit status", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    char c;
    say("the process it left is gone (pipe EOF)", read(zap[0], &c, 1) == 0);
    printf("done\n");
    return 0;
}
