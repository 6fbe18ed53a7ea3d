/* File-system calls with exact answers, printed one per line: times
 * (utimensat with UTIME_NOW/UTIME_OMIT, futimens, utimes, futimesat, utime),
 * st_blocks and st_size, links, modes and owners, truncation, sendfile,
 * symlinks, fsync and poll. Built with gcc -static at test time and run in
 * a scratch directory natively, under qemu-x86_64 and on the machine
 * (tests/runtime/test_runtime_busybox.py): the lines must be the same.
 * Only what Linux fixes is printed (no inode numbers, no "now"). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>
#include <utime.h>

static void result(const char *what, long ret) {
    if (ret < 0)
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s: %ld\n", what, ret);
}

static void times_of(const char *path) {
    struct stat st;
    if (lstat(path, &st) < 0) {
        printf("lstat %s: %s\n", path, strerrorname_np(errno));
        return;
    }
    printf("%s: atime %lld.%09ld mtime %lld.%09ld\n", path, (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
           (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
}

static void sizes_of(const char *path) {
    struct stat st;
    if (lstat(path, &st) < 0) {
        printf("lstat %s: %s\n", path, strerrorname_np(errno));
        return;
    }
    printf("%s: size %lld blocks %lld blksize %ld nlink %lu mode %o\n", path, (long long)st.st_size,
           (long long)st.st_blocks, (long)st.st_blksize, (unsigned long)st.st_nlink, st.st_mode);
}

static int now_is_recent(const char *path, int which) {
    struct stat st;
    struct timespec now;
    lstat(path, &st);
    clock_gettime(CLOCK_REALTIME, &now);
    time_t t = which ? st.st_mtim.tv_sec : st.st_atim.tv_sec;
    return t > 1700000000 && t <= now.tv_sec && now.tv_sec - t < 60;
}

static void make(const char *path, size_t size) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char *data = calloc(1, size + 1);
    memset(data, 'd', size);
    if (write(fd, data, size) != (ssize_t)size)
        perror("write");
    free(data);
    close(fd);
}

int main(void) {
    /* -- times -- */
    make("t", 10);
    struct timespec ts[2] = {{1000000000, 123456789}, {1100000000, 987654321}};
    result("utimensat both", utimensat(AT_FDCWD, "t", ts, 0));
    times_of("t");
    struct timespec omit_atime[2] = {{5, UTIME_OMIT}, {1200000000, 5}};
    result("utimensat omit atime", utimensat(AT_FDCWD, "t", omit_atime, 0));
    times_of("t");
    struct timespec now_mtime[2] = {{7, 7}, {0, UTIME_NOW}};
    result("utimensat now mtime", utimensat(AT_FDCWD, "t", now_mtime, 0));
    printf("mtime is now: %d\n", now_is_recent("t", 1));
    struct timespec both_omit[2] = {{0, UTIME_OMIT}, {0, UTIME_OMIT}};
    result("utimensat omit both, missing path", utimensat(AT_FDCWD, "missing", both_omit, 0));
    struct timespec bad[2] = {{0, 1000000000}, {0, 0}};
    result("utimensat bad nsec", utimensat(AT_FDCWD, "t", bad, 0));
    result("utimensat bad flags", utimensat(AT_FDCWD, "t", ts, 0x4000));
    result("utimensat missing", utimensat(AT_FDCWD, "missing", ts, 0));
    result("utimensat NULL times", utimensat(AT_FDCWD, "t", NULL, 0));
    printf("atime and mtime are now: %d %d\n", now_is_recent("t", 0), now_is_recent("t", 1));
    struct timespec before_1970[2] = {{-86400, 0}, {-1, 500000000}};
    result("utimensat before 1970", utimensat(AT_FDCWD, "t", before_1970, 0));
    times_of("t");

    symlink("t", "l");
    struct timespec link_times[2] = {{300000000, 0}, {400000000, 0}};
    result("utimensat nofollow", utimensat(AT_FDCWD, "l", link_times, AT_SYMLINK_NOFOLLOW));
    times_of("l");
    times_of("t");

    int fd = open("t", O_RDONLY);
    struct timespec fd_times[2] = {{600000000, 1}, {700000000, 2}};
    result("futimens", futimens(fd, fd_times));
    times_of("t");
    result("utimensat fd, NULL path, flags", syscall(SYS_utimensat, fd, NULL, fd_times, AT_SYMLINK_NOFOLLOW));
    close(fd);
    result("futimens closed fd", futimens(fd, fd_times));

    struct timeval tv[2] = {{800000000, 250000}, {900000000, 750000}};
    result("utimes", utimes("t", tv));
    times_of("t");
    struct timeval bad_tv[2] = {{0, 1000000}, {0, 0}};
    result("utimes bad usec", utimes("t", bad_tv));
    mkdir("d", 0755);
    int dirfd = open("d", O_RDONLY | O_DIRECTORY);
    make("d/inner", 1);
    result("futimesat", syscall(SYS_futimesat, dirfd, "inner", tv));
    times_of("d/inner");
    struct utimbuf ub = {1234567890, 1357924680};
    result("utime", utime("t", &ub));
    times_of("t");

    /* -- sizes and blocks -- */
    make("zero", 0);
    make("one", 1);
    make("page", 4096);
    make("page1", 4097);
    sizes_of("zero");
    sizes_of("one");
    sizes_of("page");
    sizes_of("page1");
    sizes_of("d");
    sizes_of("l");

    /* -- links -- */
    result("link", link("one", "one.2"));
    sizes_of("one");
    result("link existing", link("one", "page"));
    result("link dir", link("d", "d.2"));
    result("link missing", link("missing", "x"));
    result("link trailing slash", link("one", "newname/"));
    result("unlink", unlink("one.2"));
    sizes_of("one");
    result("symlink existing", symlink("x", "one"));
    result("symlink empty target", symlink("", "empty-link"));
    char target[64] = "";
    result("readlink", readlink("l", target, sizeof target));
    printf("target: %s\n", target);
    result("readlink not a link", readlink("one", target, sizeof target));
    result("rename over a link", rename("page", "one"));
    sizes_of("one");

    /* -- mode and owner -- */
    result("chmod", chmod("page1", 04755));
    sizes_of("page1");
    result("chown keeps owner, clears setuid", chown("page1", -1, -1));
    sizes_of("page1");
    result("chmod setgid+group exec", chmod("page1", 02775));
    result("chown again", chown("page1", getuid(), -1));
    sizes_of("page1");
    result("chmod setgid, no group exec", chmod("page1", 02745));
    result("chown keeps setgid", chown("page1", -1, getgid()));
    sizes_of("page1");
    fd = open("page1", O_RDONLY);
    result("fchmod", fchmod(fd, 0600));
    sizes_of("page1");
    close(fd);
    result("fchmodat", fchmodat(AT_FDCWD, "l", 0640, 0));
    sizes_of("t");
    result("chmod dir", chmod("d", 0700));
    sizes_of("d");
    result("lchown symlink", lchown("l", getuid(), getgid()));
    result("fchownat bad flags", fchownat(AT_FDCWD, "t", -1, -1, 0x4000));

    /* -- truncation -- */
    result("truncate grow", truncate("zero", 5000));
    sizes_of("zero");
    result("truncate shrink", truncate("zero", 3));
    sizes_of("zero");
    result("truncate dir", truncate("d", 0));
    result("truncate negative", truncate("zero", -1));
    result("truncate missing", truncate("missing", 0));
    fd = open("zero", O_RDONLY);
    result("ftruncate read-only", ftruncate(fd, 0));
    close(fd);
    fd = open("zero", O_RDWR);
    result("ftruncate", ftruncate(fd, 1));
    result("ftruncate negative", ftruncate(fd, -5));
    sizes_of("zero");
    result("fsync", fsync(fd));
    result("fdatasync", fdatasync(fd));
    close(fd);
    result("fsync closed", fsync(fd));
    sync();

    /* -- sendfile -- */
    make("src", 10000);
    int in = open("src", O_RDONLY);
    int out = open("dst", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    off_t off = 9000;
    result("sendfile at offset", sendfile(out, in, &off, 5000));
    printf("offset now %lld, file offset %lld\n", (long long)off, (long long)lseek(in, 0, SEEK_CUR));
    result("sendfile", sendfile(out, in, NULL, 4000));
    printf("file offset %lld\n", (long long)lseek(in, 0, SEEK_CUR));
    result("sendfile zero", sendfile(out, in, NULL, 0));
    result("sendfile to read-only", sendfile(in, out, NULL, 10));
    close(out);
    out = open("dst", O_WRONLY | O_APPEND);
    result("sendfile to O_APPEND", sendfile(out, in, NULL, 10));
    close(out);
    sizes_of("dst");
    int p[2];
    pipe(p);
    off = 0;
    result("sendfile pipe source with offset", sendfile(out, p[0], &off, 10));
    close(in);

    /* -- poll -- */
    struct pollfd pfd[4] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}, {-1, POLLIN, 0}, {999, POLLIN, 0}};
    result("poll", poll(pfd, 4, 0));
    printf("revents %#x %#x %#x %#x\n", pfd[0].revents, pfd[1].revents, pfd[2].revents, pfd[3].revents);
    write(p[1], "x", 1);
    result("poll after write", poll(pfd, 2, -1));
    printf("revents %#x %#x\n", pfd[0].revents, pfd[1].revents);
    char c;
    read(p[0], &c, 1);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    result("poll timeout", poll(pfd, 1, 100));
    clock_gettime(CLOCK_MONOTONIC, &end);
    long waited = (end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000;
    printf("waited at least 100 ms: %d\n", waited >= 100);
    close(p[1]);
    result("poll writer gone", poll(pfd, 1, -1));
    printf("revents %#x\n", pfd[0].revents);
    pipe(p);
    close(p[0]);
    struct pollfd wfd = {p[1], POLLOUT, 0};
    result("poll reader gone", poll(&wfd, 1, 0));
    printf("revents %#x\n", wfd.revents);
    int zero = open("zero", O_RDONLY);
    struct pollfd ffd = {zero, POLLIN | POLLOUT, 0};
    result("poll regular file", poll(&ffd, 1, -1));
    printf("revents %#x\n", ffd.revents);
    result("poll EFAULT", syscall(SYS_poll, (void *)8, 1, 0));

    /* -- statfs -- */
    struct statfs sf;
    result("statfs", statfs(".", &sf));
    printf("bsize %ld namelen %ld\n", (long)sf.f_bsize, (long)sf.f_namelen);
    result("fstatfs", fstatfs(zero, &sf));
    result("statfs missing", statfs("missing", &sf));
    return 0;
}
