/* mount, umount2, chroot, unshare(CLONE_NEWNS), setns and /proc/self/mounts, as the machine's issue 17 has them.
 * Run natively inside `unshare -m --propagation private` (nothing reaches the host's mounts) in a tmpfs
 * directory, and on the machine in /work: the two outputs must be the same. Paths are printed relative
 * to the working directory, which differs between the two runs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <utime.h>
#include <linux/mount.h>

#ifndef MOVE_MOUNT_BENEATH
#define MOVE_MOUNT_BENEATH 0x200
#endif

static char cwd[4096];

static void report(const char *what, long rc) {
    if (rc < 0)
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s: %ld\n", what, rc);
}

/* The line of `file` whose mountpoint (or mountinfo's fifth field) is cwd/rel, cwd cut out; or "none". */
static void show_mount(const char *file, const char *rel, int field) {
    char want[4200], line[8192];
    snprintf(want, sizeof want, "%s/%s", cwd, rel);
    FILE *f = fopen(file, "r");
    if (!f) {
        printf("%s: cannot open: %s\n", file, strerrorname_np(errno));
        return;
    }
    int found = 0;
    while (fgets(line, sizeof line, f)) {
        char copy[8192];
        strcpy(copy, line);
        char *fields[16] = {0};
        int n = 0;
        for (char *tok = strtok(copy, " \n"); tok && n < 16; tok = strtok(NULL, " \n"))
            fields[n++] = tok;
        if (n <= field || strcmp(fields[field], want) != 0)
            continue;
        found++;
        printf("%s %s:", file, rel);
        if (field == 1) {
            printf(" %s %s %s %s %s\n", fields[0], rel, fields[2], fields[3], fields[4]);
        } else {
            int dash = 0;
            while (dash < n && strcmp(fields[dash], "-") != 0)
                dash++;
            printf(" root %s options %s", fields[3], fields[5]);
            for (int i = dash; i < n; i++)
                printf(" %s", fields[i]);
            printf("\n");
        }
    }
    if (!found)
        printf("%s %s: none\n", file, rel);
    fclose(f);
}

/* Which propagation tags mountinfo gives cwd/rel (shared, master, unbindable), their numbers left out. */
static void show_tags(const char *rel) {
    char want[4200], line[8192];
    snprintf(want, sizeof want, "%s/%s", cwd, rel);
    FILE *f = fopen("/proc/self/mountinfo", "r");
    while (f && fgets(line, sizeof line, f)) {
        char point[4200];
        if (sscanf(line, "%*d %*d %*d:%*d %*s %4199s", point) != 1 || strcmp(point, want) != 0)
            continue;
        printf("tags %s:%s%s%s\n", rel, strstr(line, " shared:") ? " shared" : "",
               strstr(line, " master:") ? " master" : "", strstr(line, " unbindable") ? " unbindable" : "");
    }
    if (f)
        fclose(f);
}

static dev_t dev_of(const char *path) {
    struct stat st;
    if (stat(path, &st) < 0)
        return (dev_t)-1;
    return st.st_dev;
}

static void statfs_of(const char *path) {
    struct statfs sf;
    if (statfs(path, &sf) < 0) {
        printf("statfs %s: -1 %s\n", path, strerrorname_np(errno));
        return;
    }
    printf("statfs %s: type %#lx blocks %ld bsize %ld rdonly %d\n", path, (long)sf.f_type, (long)sf.f_blocks,
           (long)sf.f_bsize, !!(sf.f_flags & ST_RDONLY));
}

static int child_status(pid_t pid) {
    int status;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (!getcwd(cwd, sizeof cwd))
        return 1;
    umask(022);
    mkdir("mnt", 0755);
    report("mount missing dir", mount("none", "nosuch", "tmpfs", 0, NULL));
    report("mount unknown type", mount("none", "mnt", "nosuchfs", 0, NULL));
    report("mount no type", mount("none", "mnt", NULL, 0, NULL));
    report("mount bad size", mount("none", "mnt", "tmpfs", 0, "size=abc"));
    report("mount bad option", mount("none", "mnt", "tmpfs", 0, "colour=blue"));
    report("mount tmpfs", mount("none", "mnt", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0700"));
    struct stat st;
    stat("mnt", &st);
    printf("mnt mode %o, own device %d\n", st.st_mode, dev_of("mnt") != dev_of("."));
    show_mount("/proc/self/mounts", "mnt", 1);
    show_mount("/proc/self/mountinfo", "mnt", 4);
    show_mount("/proc/mounts", "mnt", 1);
    statfs_of("mnt");

    int fd = open("mnt/f", O_CREAT | O_RDWR, 0644);
    report("write in the tmpfs", write(fd, "hello", 5));
    report("link across mounts", link("mnt/f", "g"));
    report("rename across mounts", rename("mnt/f", "h"));
    report("rmdir the mountpoint", rmdir("mnt"));
    report("rename the mountpoint", rename("mnt", "mnt-elsewhere"));
    report("umount with a file open", umount("mnt"));
    report("remount ro with a file open for writing",
           mount(NULL, "mnt", NULL, MS_REMOUNT | MS_RDONLY, NULL));
    close(fd);
    report("umount2 bad flags", umount2("mnt", 0x100));
    report("umount2 expire+detach", umount2("mnt", MNT_EXPIRE | MNT_DETACH));
    report("umount not a mount", umount("mnt/.."));
    report("private on a plain directory", mount(NULL, ".", NULL, MS_PRIVATE, NULL));
    report("private on the mount", mount(NULL, "mnt", NULL, MS_PRIVATE, NULL));
    report("two propagation types", mount(NULL, "mnt", NULL, MS_PRIVATE | MS_SHARED, NULL));
    mkdir("mnt/d", 0755);
    report("remount ro", mount(NULL, "mnt", NULL, MS_REMOUNT | MS_RDONLY, NULL));
    show_mount("/proc/self/mounts", "mnt", 1);
    statfs_of("mnt");
    report("open for writing", open("mnt/f", O_WRONLY));
    report("open read-only", (fd = open("mnt/f", O_RDONLY)));
    report("fchmod", fchmod(fd, 0600));
    report("fchown", fchown(fd, 1, 1));
    close(fd);
    report("open O_TRUNC", open("mnt/f", O_RDONLY | O_TRUNC));
    report("creat", creat("mnt/new", 0644));
    report("creat existing", creat("mnt/f", 0644));
    report("mkdir", mkdir("mnt/e", 0755));
    report("mkdir existing", mkdir("mnt/d", 0755));
    report("rmdir", rmdir("mnt/d"));
    report("unlink", unlink("mnt/f"));
    report("unlink missing", unlink("mnt/none"));
    report("rename", rename("mnt/f", "mnt/f2"));
    report("link", link("mnt/f", "mnt/f3"));
    report("symlink", symlink("f", "mnt/s"));
    report("mknod fifo", mknod("mnt/p", S_IFIFO | 0600, 0));
    report("chmod", chmod("mnt/f", 0600));
    report("chown", chown("mnt/f", 1, 1));
    report("utime", utime("mnt/f", NULL));
    report("truncate", truncate("mnt/f", 0));
    report("access W_OK", access("mnt/f", W_OK));
    report("access R_OK", access("mnt/f", R_OK));
    report("remount rw", mount(NULL, "mnt", NULL, MS_REMOUNT, NULL));
    report("creat after rw", (fd = creat("mnt/new", 0644)));
    close(fd);

    mkdir("b", 0755);
    report("bind without a source", mount(NULL, "b", NULL, MS_BIND, NULL));
    report("bind", mount("mnt", "b", NULL, MS_BIND, NULL));
    report("stat through the bind", stat("b/new", &st));
    report("same device", dev_of("b") == dev_of("mnt"));
    report("umount the bind", umount("b"));
    report("gone with it", stat("b/new", &st));

    mkdir("c", 0755);
    report("move", mount("mnt", "c", NULL, MS_MOVE, NULL));
    report("moved file", stat("c/new", &st));
    report("old place empty", stat("mnt/new", &st));
    report("move back", mount("c", "mnt", NULL, MS_MOVE, NULL));

    report("expire once", umount2("mnt", MNT_EXPIRE));
    report("expire twice", umount2("mnt", MNT_EXPIRE));
    report("unmounted", stat("mnt/new", &st));
    report("umount again", umount("mnt"));

    /* A lazy unmount leaves the open directory working. */
    mount("none", "mnt", "tmpfs", 0, NULL);
    mkdir("mnt/inner", 0755);
    int dirfd = open("mnt", O_RDONLY | O_DIRECTORY);
    report("umount busy dir", umount("mnt"));
    report("detach", umount2("mnt", MNT_DETACH));
    report("fstatat through the detached", fstatat(dirfd, "inner", &st, 0));
    close(dirfd);

    /* A chroot in a child: absolute paths start there, and .. of its root is itself. */
    mkdir("jail", 0755);
    mount("none", "jail", "tmpfs", 0, NULL);
    close(creat("jail/inside", 0644));
    pid_t pid = fork();
    if (pid == 0) {
        report("chroot a file", chroot("jail/inside"));
        report("chroot missing", chroot("jail/none"));
        report("chroot", chroot("jail"));
        report("stat /inside", stat("/inside", &st));
        struct stat root, up;
        stat("/", &root);
        stat("/..", &up);
        report("/.. is /", root.st_ino == up.st_ino && root.st_dev == up.st_dev);
        chdir("/");
        report("stat ../../inside", stat("../../inside", &st));
        report("getcwd is /", getcwd(cwd, sizeof cwd) && strcmp(cwd, "/") == 0);
        setuid(65534);
        report("chroot as nobody", chroot("/"));
        report("mount as nobody", mount("none", "/", "tmpfs", 0, NULL));
        report("umount as nobody", umount("/"));
        report("unshare as nobody", unshare(CLONE_NEWNS));
        _exit(0);
    }
    child_status(pid);
    umount("jail");

    /* A mount namespace of the child's own: what it mounts, its parent does not see. */
    mkdir("ns", 0755);
    pid = fork();
    if (pid == 0) {
        char before[64] = "", after[64] = "";
        readlink("/proc/self/ns/mnt", before, sizeof before - 1);
        report("unshare NEWNS", unshare(CLONE_NEWNS));
        readlink("/proc/self/ns/mnt", after, sizeof after - 1);
        report("ns link looks right", strncmp(after, "mnt:[", 5) == 0);
        report("ns changed", strcmp(before, after) != 0);
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
        report("mount in the new ns", mount("none", "ns", "tmpfs", 0, NULL));
        report("own device in the child", dev_of("ns") != dev_of("."));
        _exit(0);
    }
    child_status(pid);
    report("parent sees a mount", dev_of("ns") != dev_of("."));
    report("unshare CLONE_PTRACE", unshare(0x2000));

    /* setns back into the first namespace from a child that left it. */
    int nsfd = open("/proc/self/ns/mnt", O_RDONLY);
    report("nsfd", nsfd >= 0);
    pid = fork();
    if (pid == 0) {
        unshare(CLONE_NEWNS);
        mount("none", "ns", "tmpfs", 0, NULL);
        report("setns wrong type", setns(nsfd, CLONE_NEWUTS));
        report("setns not an ns", setns(1, 0));
        report("setns", setns(nsfd, CLONE_NEWNS));
        report("back: no mount", dev_of("ns") != dev_of("."));
        _exit(0);
    }
    child_status(pid);

    /* A directory bound onto itself, and onto its own subdirectory: the walk, "..", getcwd and umount. */
    mkdir("self", 0755);
    mkdir("self/sub", 0755);
    report("bind onto itself", mount("self", "self", NULL, MS_BIND, NULL));
    report("stat self/sub", stat("self/sub", &st));
    report("bind onto its subdirectory", mount("self", "self/sub", NULL, MS_BIND, NULL));
    report("stat self/sub/sub", stat("self/sub/sub", &st));
    chdir("self/sub");
    char here[4096];
    report("getcwd ends in self/sub", getcwd(here, sizeof here) && strcmp(here + strlen(cwd), "/self/sub") == 0);
    report("stat ../../self", stat("../../self", &st));
    chdir(cwd);
    report("umount the subdirectory's", umount("self/sub"));
    report("umount the self-bind", umount("self"));
    report("umount once more", umount("self"));

    mkdir("t1", 0755);
    /* sysfs(2) and ustat(2): filesystem types by index, and a mounted filesystem's free counts by device. */
    long proc_index = syscall(SYS_sysfs, 1, "proc");
    char fsname[64] = "";
    report("sysfs proc index", proc_index >= 0);
    report("sysfs name of that index", syscall(SYS_sysfs, 2, proc_index, fsname));
    printf("sysfs name: %s\n", fsname);
    report("sysfs count covers it", syscall(SYS_sysfs, 3) > proc_index);
    report("sysfs unknown name", syscall(SYS_sysfs, 1, "ext0"));
    report("sysfs index past the end", syscall(SYS_sysfs, 2, 1000, fsname));
    report("sysfs bad option", syscall(SYS_sysfs, 4));
    report("sysfs bad name pointer", syscall(SYS_sysfs, 1, (char *)-1));
    FILE *types = fopen("/proc/filesystems", "r");
    char typeline[128];
    int tmpfs_listed = 0, proc_listed = 0;
    while (types && fgets(typeline, sizeof typeline, types)) {
        tmpfs_listed |= strcmp(typeline, "nodev\ttmpfs\n") == 0;
        proc_listed |= strcmp(typeline, "nodev\tproc\n") == 0;
    }
    if (types)
        fclose(types);
    printf("/proc/filesystems: tmpfs %d proc %d\n", tmpfs_listed, proc_listed);
    mount("none", "t1", "tmpfs", 0, "size=64k,nr_inodes=10");
    struct { int f_tfree; unsigned long f_tinode; char f_fname[6], f_fpack[6]; } us;
    report("ustat of a tmpfs", syscall(SYS_ustat, (unsigned)dev_of("t1"), &us));
    printf("ustat: tfree %d tinode %lu\n", us.f_tfree, us.f_tinode);
    report("ustat bad buffer", syscall(SYS_ustat, (unsigned)dev_of("t1"), (void *)-1));
    umount("t1");
    report("ustat of no filesystem", syscall(SYS_ustat, 0xfffffu, &us));

    /* The descriptor API: a detached clone attached elsewhere, beneath a mount, and mount_setattr. */
    mkdir("t2", 0755);
    mkdir("t3", 0755);
    mount("none", "t1", "tmpfs", 0, NULL);
    close(creat("t1/x", 0644));
    report("open_tree bad flags", syscall(SYS_open_tree, AT_FDCWD, "t1", 0x4));
    report("open_tree recursive without clone", syscall(SYS_open_tree, AT_FDCWD, "t1", AT_RECURSIVE));
    int tree = syscall(SYS_open_tree, AT_FDCWD, "t1", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    report("open_tree clone", tree >= 0);
    report("move_mount bad flags", syscall(SYS_move_mount, tree, "", AT_FDCWD, "t2", 0x8000));
    report("move_mount not empty-path", syscall(SYS_move_mount, tree, "", AT_FDCWD, "t2", 0));
    report("move_mount", syscall(SYS_move_mount, tree, "", AT_FDCWD, "t2", MOVE_MOUNT_F_EMPTY_PATH));
    close(tree);
    report("t2/x through the clone", stat("t2/x", &st));
    mount("none", "t3", "tmpfs", 0, NULL);
    close(creat("t3/y", 0644));
    tree = syscall(SYS_open_tree, AT_FDCWD, "t1", OPEN_TREE_CLONE);
    report("move_mount beneath", syscall(SYS_move_mount, tree, "", AT_FDCWD, "t3",
                                         MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_BENEATH));
    close(tree);
    report("t3/y still on top", stat("t3/y", &st));
    umount("t3");
    report("t3/x from beneath", stat("t3/x", &st));
    umount("t3");
    umount("t2");
    struct mount_attr attr = {0};
    report("setattr nothing", syscall(SYS_mount_setattr, AT_FDCWD, "nosuch", 0, &attr, sizeof attr));
    report("setattr short", syscall(SYS_mount_setattr, AT_FDCWD, "t1", 0, &attr, 16));
    report("setattr huge", syscall(SYS_mount_setattr, AT_FDCWD, "t1", 0, &attr, 8192));
    attr.propagation = MS_SHARED | MS_PRIVATE;
    report("setattr two types", syscall(SYS_mount_setattr, AT_FDCWD, "t1", 0, &attr, sizeof attr));
    attr.propagation = MS_SHARED;
    report("setattr not a mount", syscall(SYS_mount_setattr, AT_FDCWD, ".", 0, &attr, sizeof attr));
    report("setattr shared", syscall(SYS_mount_setattr, AT_FDCWD, "t1", 0, &attr, sizeof attr));
    show_tags("t1");
    report("bind the shared mount", mount("t1", "t2", NULL, MS_BIND, NULL));
    show_tags("t2");
    attr.propagation = MS_SLAVE;
    report("setattr slave", syscall(SYS_mount_setattr, AT_FDCWD, "t2", 0, &attr, sizeof attr));
    show_tags("t2");
    umount("t2");
    attr.propagation = 0;
    attr.attr_set = MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOATIME;
    report("setattr noatime without clearing", syscall(SYS_mount_setattr, AT_FDCWD, "t1", 0, &attr, sizeof attr));
    attr.attr_clr = MOUNT_ATTR__ATIME;
    report("setattr noexec,noatime", syscall(SYS_mount_setattr, AT_FDCWD, "t1", 0, &attr, sizeof attr));
    show_mount("/proc/self/mounts", "t1", 1);
    attr.attr_set = 0;
    attr.attr_clr = 0;
    attr.propagation = MS_PRIVATE;
    report("setattr private", syscall(SYS_mount_setattr, AT_FDCWD, "t1", 0, &attr, sizeof attr));
    show_tags("t1");
    umount("t1");
    printf("done\n");
    return 0;
}
