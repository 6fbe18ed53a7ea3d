/* Credentials and permission checks (issue 16): as root, make files of several modes in the current
   directory (a fresh tmpfs one natively), then change ids with the set*id calls and see what each
   identity may do. Every result is printed; the machine's output must be the native run's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY 65534

static void show(const char *what, long ret) {
    if (ret < 0)
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s: %ld\n", what, ret);
}

static long closing(long fd) {
    if (fd >= 0)
        close((int)fd);
    return fd < 0 ? fd : 0;
}

static void ids(const char *when) {
    uid_t r, e, s;
    gid_t gr, ge, gs;
    syscall(SYS_getresuid, &r, &e, &s);
    syscall(SYS_getresgid, &gr, &ge, &gs);
    printf("%s: uid %u %u %u fsuid %d gid %u %u %u fsgid %d\n", when, r, e, s, setfsuid(-1), gr, ge, gs,
           setfsgid(-1));
    char line[256];
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) {
        printf("  /proc/self/status: %s\n", strerrorname_np(errno));
        return;
    }
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "Uid:", 4) || !strncmp(line, "Gid:", 4) || !strncmp(line, "Groups:", 7))
            printf("  %s", line);
    fclose(f);
}

static void groups(const char *when) {
    gid_t list[16];
    int n = (int)syscall(SYS_getgroups, 16, list);
    printf("%s: getgroups(0) %ld, list", when, syscall(SYS_getgroups, 0, NULL));
    for (int i = 0; i < n; i++)
        printf(" %u", list[i]);
    printf("\n");
}

/* The capability bits this program cares about: whatever else root holds differs between hosts. */
#define WATCHED ((1u << CAP_CHOWN) | (1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH) | (1u << CAP_FOWNER) \
                 | (1u << CAP_KILL) | (1u << CAP_SETGID) | (1u << CAP_SETUID))

static void caps(const char *when) {
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    long ret = syscall(SYS_capget, &h, d);
    if (ret < 0) {
        show(when, ret);
        return;
    }
    printf("%s: effective %#x permitted %#x inheritable %#x\n", when, d[0].effective & WATCHED,
           d[0].permitted & WATCHED, d[0].inheritable);
}

static long try_open(const char *path, int flags) { return closing(open(path, flags)); }

/* A copy of this program, set-user-ID 1000 and set-group-ID 1001, run by nobody: its ids and AT_SECURE. */
static void setid_exec(void) {
    int in = open("/proc/self/exe", O_RDONLY), out = creat("suidprog", 0755);
    char buf[65536];
    ssize_t n;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n)
            break;
    close(in);
    close(out);
    show("chown suidprog 1000:1001", chown("suidprog", 1000, 1001));
    show("chmod suidprog 06755", chmod("suidprog", 06755));
    pid_t pid = fork();
    if (pid == 0) {
        if (syscall(SYS_setresgid, NOBODY, NOBODY, NOBODY) || syscall(SYS_setresuid, NOBODY, NOBODY, NOBODY))
            _exit(3);
        execl("./suidprog", "suidprog", "report", (char *)NULL);
        _exit(4);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("set-id child: status %d\n", WEXITSTATUS(status));
    show("chmod suidprog 02745 (setgid, no group x)", chmod("suidprog", 02745));
    pid = fork();
    if (pid == 0) {
        if (syscall(SYS_setresgid, NOBODY, NOBODY, NOBODY) || syscall(SYS_setresuid, NOBODY, NOBODY, NOBODY))
            _exit(3);
        execl("./suidprog", "suidprog", "report", (char *)NULL);
        _exit(4);
    }
    waitpid(pid, &status, 0);
    printf("not set-id child: status %d\n", WEXITSTATUS(status));
    show("unlink suidprog", unlink("suidprog"));
}

/* PR_SET_KEEPCAPS keeps the permitted set past the uids leaving 0; the bounding set only shrinks. */
static void keepcaps(void) {
    pid_t pid = fork();
    if (pid == 0) {
        show("keepcaps: PR_SET_KEEPCAPS 2", prctl(PR_SET_KEEPCAPS, 2, 0, 0, 0));
        show("keepcaps: PR_SET_KEEPCAPS 1", prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0));
        show("keepcaps: PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));
        show("keepcaps: setresuid 1000", syscall(SYS_setresuid, 1000, 1000, 1000));
        caps("keepcaps: caps");
        show("keepcaps: PR_CAPBSET_DROP CAP_KILL (no CAP_SETPCAP now)", prctl(PR_CAPBSET_DROP, CAP_KILL, 0, 0, 0));
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    pid = fork();
    if (pid == 0) {
        show("bset: PR_CAPBSET_DROP 99", prctl(PR_CAPBSET_DROP, 99, 0, 0, 0));
        show("bset: PR_CAPBSET_DROP CAP_KILL", prctl(PR_CAPBSET_DROP, CAP_KILL, 0, 0, 0));
        show("bset: PR_CAPBSET_READ CAP_KILL", prctl(PR_CAPBSET_READ, CAP_KILL, 0, 0, 0));
        show("bset: PR_CAPBSET_READ 99", prctl(PR_CAPBSET_READ, 99, 0, 0, 0));
        caps("bset: caps (the effective set keeps CAP_KILL)");
        _exit(0);
    }
    waitpid(pid, NULL, 0);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && !strcmp(argv[1], "report")) {
        ids("  exec'd");
        printf("  AT_SECURE %lu\n", getauxval(AT_SECURE));
        caps("  caps");
        return 0;
    }
    umask(022);
    /* The directory tree, made by root with the modes given. */
    show("chmod .", chmod(".", 0755));
    show("creat secret 0600", closing(creat("secret", 0600)));
    show("creat ro 0444", closing(creat("ro", 0444)));
    show("creat pub 0644", closing(creat("pub", 0644)));
    show("creat none 0000", closing(creat("none", 0000)));
    show("creat noexec 0644", closing(creat("noexec", 0644)));
    show("mkdir priv 0700", mkdir("priv", 0700));
    show("creat priv/x", closing(creat("priv/x", 0644)));
    show("mkdir sticky", mkdir("sticky", 0777));
    show("chmod sticky 01777", chmod("sticky", 01777));
    show("creat sticky/roots", closing(creat("sticky/roots", 0666)));
    show("chmod sticky/roots 0666", chmod("sticky/roots", 0666));
    show("mkdir open 0777", mkdir("open", 0777));
    show("chmod open 0777", chmod("open", 0777));
    show("mkdir sgid", mkdir("sgid", 0777));
    show("chown sgid to 0:100", chown("sgid", 0, 100));
    show("chmod sgid 02777", chmod("sgid", 02777));

    setid_exec();
    keepcaps();

    /* Root: the mode bits do not stop it, except for running what nobody may run. */
    ids("root");
    show("root open none O_RDWR", try_open("none", O_RDWR));
    show("root access none R_OK|W_OK", access("none", R_OK | W_OK));
    show("root access noexec X_OK", access("noexec", X_OK));
    show("root access priv X_OK", access("priv", X_OK));
    show("root access missing F_OK", access("missing", F_OK));
    show("root access bad mode 8", access("pub", 8));
    show("root faccessat2 bad flag", syscall(SYS_faccessat2, AT_FDCWD, "pub", R_OK, 0x1));
    show("root faccessat2 AT_EACCESS|AT_SYMLINK_NOFOLLOW", syscall(SYS_faccessat2, AT_FDCWD, "pub", W_OK,
                                                                   AT_EACCESS | AT_SYMLINK_NOFOLLOW));
    show("root faccessat2 empty path", syscall(SYS_faccessat2, AT_FDCWD, "", R_OK, AT_EMPTY_PATH));
    caps("root caps");

    /* Capabilities: the version handshake, and capset lowering the effective set. */
    struct __user_cap_header_struct h = {0x12345678, 0};
    struct __user_cap_data_struct d[2];
    show("capget bad version", syscall(SYS_capget, &h, d));
    printf("  version written back %#x\n", h.version);
    h.version = 0x12345678;
    show("capget bad version, NULL data", syscall(SYS_capget, &h, NULL));
    h = (struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_1, 0};
    show("capget version 1", syscall(SYS_capget, &h, d));
    h = (struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_3, -5};
    show("capget pid -5", syscall(SYS_capget, &h, d));
    h = (struct __user_cap_header_struct){_LINUX_CAPABILITY_VERSION_3, 0};
    show("capget", syscall(SYS_capget, &h, d));
    struct __user_cap_data_struct saved[2];
    memcpy(saved, d, sizeof d);
    d[0].effective &= ~((1u << CAP_DAC_OVERRIDE) | (1u << CAP_DAC_READ_SEARCH));
    show("capset without DAC_OVERRIDE", syscall(SYS_capset, &h, d));
    caps("  caps");
    show("  open none O_RDONLY", try_open("none", O_RDONLY));
    show("  open secret O_RDWR (owner)", try_open("secret", O_RDWR));
    show("  access none R_OK (real ids: root's permitted set)", access("none", R_OK));
    show("capset back", syscall(SYS_capset, &h, saved));
    show("  open none O_RDONLY", try_open("none", O_RDONLY));
    memcpy(d, saved, sizeof d);
    d[0].permitted &= ~(1u << CAP_KILL);
    show("capset effective beyond permitted", syscall(SYS_capset, &h, d));
    d[0].effective &= ~(1u << CAP_KILL);
    show("capset without CAP_KILL", syscall(SYS_capset, &h, d));
    caps("  caps");
    show("capset raising the permitted set", syscall(SYS_capset, &h, saved));
    h.version = _LINUX_CAPABILITY_VERSION_1;
    show("capset version 1, same low word", syscall(SYS_capset, &h, d));
    h.version = _LINUX_CAPABILITY_VERSION_3;
    h.pid = 1;
    show("capset another pid", syscall(SYS_capset, &h, saved));

    /* Supplementary groups. */
    groups("start");
    gid_t list[] = {5, 1, 3, 1};
    show("setgroups 5 1 3 1", syscall(SYS_setgroups, 4, list));
    groups("after");
    show("getgroups too small", syscall(SYS_getgroups, 2, list));
    show("setgroups 65537", syscall(SYS_setgroups, 65537, list));
    show("setgroups -1", syscall(SYS_setgroups, -1, list));
    show("setgroups bad pointer", syscall(SYS_setgroups, 2, (void *)8));
    ids("with groups");
    show("setgroups none", syscall(SYS_setgroups, 0, NULL));
    groups("none");

    /* A child to signal later, as root: it ends when the pipe closes. */
    int p[2];
    if (pipe(p) < 0)
        return 1;
    pid_t child = fork();
    if (child == 0) {
        char c;
        close(p[1]);
        while (read(p[0], &c, 1) > 0) {
        }
        _exit(0);
    }
    close(p[0]);

    /* fsuid alone: setfsuid returns the old value whatever happens. */
    show("setfsuid nobody", setfsuid(NOBODY));
    show("  open secret as fsuid nobody", try_open("secret", O_RDONLY));
    caps("  caps with fsuid nobody");
    show("setfsuid -1", setfsuid(-1));
    show("setfsuid 0", setfsuid(0));
    show("  open secret as fsuid 0", try_open("secret", O_RDONLY));

    /* Down to nobody, keeping root as the saved uid. */
    show("setresgid nobody", syscall(SYS_setresgid, NOBODY, NOBODY, NOBODY));
    show("setresuid nobody nobody 0", syscall(SYS_setresuid, NOBODY, NOBODY, 0));
    ids("nobody, saved 0");
    caps("  caps");
    show("  open secret", try_open("secret", O_RDONLY));
    show("  open ro O_RDONLY", try_open("ro", O_RDONLY));
    show("  access ro W_OK", access("ro", W_OK));
    show("  access ro R_OK", access("ro", R_OK));
    show("  open pub O_WRONLY", try_open("pub", O_WRONLY));
    show("  open pub O_RDONLY|O_TRUNC", try_open("pub", O_RDONLY | O_TRUNC));
    show("  creat new in .", closing(creat("new", 0644)));
    show("  creat pub O_CREAT|O_EXCL", try_open("pub", O_CREAT | O_EXCL | O_WRONLY));
    show("  stat priv/x", stat("priv/x", &(struct stat){0}));
    show("  chdir priv", chdir("priv"));
    show("  opendir priv", try_open("priv", O_RDONLY | O_DIRECTORY));
    show("  kill root child 0", kill(child, 0));
    show("  kill root child SIGTERM", kill(child, SIGTERM));

    show("seteuid 0 (the saved uid)", syscall(SYS_setresuid, -1, 0, -1));
    ids("euid 0");
    caps("  caps");
    show("  open secret", try_open("secret", O_RDONLY));
    show("  access secret R_OK (real ids)", access("secret", R_OK));
    show("  faccessat2 secret R_OK AT_EACCESS", syscall(SYS_faccessat2, AT_FDCWD, "secret", R_OK, AT_EACCESS));
    show("  kill root child 0", kill(child, 0));
    show("setreuid -1 nobody", syscall(SYS_setreuid, -1, NOBODY));
    ids("setreuid");
    show("setuid 0 (back to the saved one)", syscall(SYS_setuid, 0));
    ids("setuid");
    show("setreuid nobody nobody", syscall(SYS_setreuid, NOBODY, NOBODY));
    ids("all nobody");
    caps("  caps");

    /* Nobody for good: the set*id calls refuse, the files answer by their modes. */
    show("setuid 0", syscall(SYS_setuid, 0));
    show("setuid -1", syscall(SYS_setuid, -1));
    show("setuid nobody", syscall(SYS_setuid, NOBODY));
    show("setreuid 0 -1", syscall(SYS_setreuid, 0, -1));
    show("setreuid -1 0", syscall(SYS_setreuid, -1, 0));
    show("setresuid -1 -1 0", syscall(SYS_setresuid, -1, -1, 0));
    show("setresuid -1 -1 -1", syscall(SYS_setresuid, -1, -1, -1));
    show("setgid 0", syscall(SYS_setgid, 0));
    show("setregid 0 -1", syscall(SYS_setregid, 0, -1));
    show("setresgid -1 0 -1", syscall(SYS_setresgid, -1, 0, -1));
    show("setgroups none", syscall(SYS_setgroups, 0, NULL));
    show("setfsuid 0", setfsuid(0));
    show("setfsuid 0 again", setfsuid(0));
    show("setfsgid 0", setfsgid(0));
    show("setfsgid 0 again", setfsgid(0));
    ids("nobody");
    show("  open secret", try_open("secret", O_RDONLY));
    show("  access ro W_OK", access("ro", W_OK));
    show("  unlink pub", unlink("pub"));
    show("  rmdir priv", rmdir("priv"));
    show("  mkdir in .", mkdir("newdir", 0755));
    show("  rename ro in .", rename("ro", "ro2"));
    show("  unlink sticky/roots", unlink("sticky/roots"));
    show("  rename sticky/roots", rename("sticky/roots", "sticky/mine2"));
    show("  creat sticky/mine", closing(creat("sticky/mine", 0644)));
    show("  rename sticky/mine", rename("sticky/mine", "sticky/mine2"));
    show("  unlink sticky/mine2", unlink("sticky/mine2"));
    show("  open sticky/roots O_RDWR", try_open("sticky/roots", O_RDWR));
    show("  link secret (protected_hardlinks)", link("secret", "sticky/l1"));
    show("  link sticky/roots (0666: a safe source)", link("sticky/roots", "sticky/l2"));
    show("  unlink sticky/l2 (ours? no: root's)", unlink("sticky/l2"));
    show("  link pub in . ", link("pub", "l3"));
    show("  symlink in .", symlink("pub", "s1"));
    show("  symlink in sticky", symlink("../pub", "sticky/s2"));
    show("  unlink sticky/s2", unlink("sticky/s2"));
    show("  open ro O_NOATIME", try_open("ro", O_RDONLY | O_NOATIME));
    show("  mkdir sticky/d", mkdir("sticky/d", 0700));
    struct stat st;
    show("  open sticky/d/../../secret", try_open("sticky/d/../../secret", O_RDONLY));
    show("  rename sticky/d to open/d (a directory changing parent)", rename("sticky/d", "open/d"));
    show("  rmdir open/d", rmdir("open/d"));
    /* Files the test put there before the run: on the machine they are the host root's (hostfs.py). */
    show("  host: stat hostdir/f (hostdir 0700)", stat("hostdir/f", &st));
    show("  host: open hostro O_WRONLY (0444)", try_open("hostro", O_WRONLY));
    show("  host: open hostmine O_RDWR (nobody's 0600)", try_open("hostmine", O_RDWR));
    show("  host: chmod hostmine 0640", chmod("hostmine", 0640));
    show("  host: unlink hostro", unlink("hostro"));
    show("  host: truncate hostro", truncate("hostro", 0));
    show("  chmod pub", chmod("pub", 0777));
    show("  chown pub", chown("pub", NOBODY, NOBODY));
    show("  utimes pub now", utimes("pub", NULL));
    show("  utimes pub explicit", utimes("pub", (struct timeval[2]){{1, 0}, {2, 0}}));
    show("  utimes sticky/roots now", utimes("sticky/roots", NULL));
    show("  truncate pub", truncate("pub", 0));
    show("  truncate sticky/roots", truncate("sticky/roots", 0));
    show("  creat open/mine", closing(creat("open/mine", 0644)));
    show("  chmod open/mine 04755", chmod("open/mine", 04755));
    show("  chown open/mine nobody:-1", chown("open/mine", NOBODY, -1));
    show("  chown open/mine -1:0", chown("open/mine", -1, 0));
    show("  chown open/mine 0:-1", chown("open/mine", 0, -1));
    show("  utimes open/mine explicit", utimes("open/mine", (struct timeval[2]){{1, 0}, {2, 0}}));
    show("  chmod open/mine 02755 (its group is ours)", chmod("open/mine", 02755));
    stat("open/mine", &st);
    printf("  open/mine: mode %o uid %u gid %u\n", st.st_mode, st.st_uid, st.st_gid);
    show("  creat sgid/f", closing(creat("sgid/f", 0644)));
    show("  mkdir sgid/d", mkdir("sgid/d", 0755));
    stat("sgid/f", &st);
    printf("  sgid/f: mode %o uid %u gid %u\n", st.st_mode, st.st_uid, st.st_gid);
    stat("sgid/d", &st);
    printf("  sgid/d: mode %o uid %u gid %u\n", st.st_mode, st.st_uid, st.st_gid);
    show("  chmod sgid/f 02755 (group 100: not ours)", chmod("sgid/f", 02755));
    stat("sgid/f", &st);
    printf("  sgid/f: mode %o\n", st.st_mode);
    show("  execve noexec", execve("noexec", (char *[]){"noexec", NULL}, (char *[]){NULL}));
    show("  kill root child", kill(child, 0));
    show("  kill -1, 0", kill(-1, 0));
    show("  kill self", kill(getpid(), 0));
    show("  prctl PR_CAPBSET_READ CAP_SETUID", prctl(PR_CAPBSET_READ, CAP_SETUID, 0, 0, 0));
    show("  prctl PR_GET_KEEPCAPS", prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0));

    close(p[1]);
    int status;
    show("child reaped", waitpid(child, &status, 0) == child ? WEXITSTATUS(status) : -1);
    printf("done\n");
    return 0;
}
