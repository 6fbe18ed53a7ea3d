/* /proc/sys and /proc/cpuinfo as a program reads them (LTP's tst_pid.c, tst_taint.c, fcntl37, uname's
 * callers): each file's mode, size and format, the values a Linux box without a sysctl.conf holds, and
 * the writes root may make that change nothing (out-of-range values, refused with EINVAL).
 * Values that differ from box to box (hostname, release, cpu model) are printed as their shape. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

static char buf[65536];

static const char *err(int e) {
    switch (e) {
    case EINVAL: return "EINVAL";
    case EACCES: return "EACCES";
    case ENOENT: return "ENOENT";
    case EIO: return "EIO";
    case EPERM: return "EPERM";
    default: return "E?";
    }
}

static ssize_t slurp(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    ssize_t n = 0, r;
    while ((r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) n += r;
    close(fd);
    buf[n] = 0;
    return n;
}

/* "int" if the text is one decimal number and a newline, else what it is. */
static const char *shape_int(long long *value) {
    char *end;
    errno = 0;
    *value = strtoll(buf, &end, 10);
    return (end != buf && strcmp(end, "\n") == 0 && !errno) ? "int" : "not an int";
}

static void file(const char *path, int show_value) {
    struct stat st;
    if (stat(path, &st) < 0) {
        printf("%s: stat -1 %s\n", path, err(errno));
        return;
    }
    ssize_t n = slurp(path);
    long long v = 0;
    const char *shape = shape_int(&v);
    printf("%s: mode %o size %lld uid %d read %s", path, st.st_mode, (long long)st.st_size, st.st_uid,
           n < 0 ? err(errno) : "ok");
    if (show_value == 1)
        printf(" %s %lld\n", shape, v);
    else if (show_value == 2)
        printf(" text %s", buf);
    else
        printf(" %s\n", shape);
}

static void write_bad(const char *path, const char *text) {
    int fd = open(path, O_WRONLY);
    if (fd < 0) {
        printf("write %s to %s: open -1 %s\n", text, path, err(errno));
        return;
    }
    ssize_t r = write(fd, text, strlen(text));
    printf("write %s to %s: %zd %s\n", text, path, r, r < 0 ? err(errno) : "");
    close(fd);
}

/* One line of the first /proc/cpuinfo block: its name, the tabs before the colon, and its value's shape. */
static void cpuinfo_line(char *line) {
    static const char *fields[] = {"processor", "vendor_id", "cpu family", "model", "model name", "stepping",
                                   "microcode", "cpu MHz", "physical id", "siblings", "core id", "cpu cores",
                                   "apicid", "initial apicid", "fpu", "fpu_exception", "cpuid level", "wp",
                                   "flags", "bugs", "bogomips", "clflush size", "cache_alignment",
                                   "address sizes", "power management", 0};
    char *colon = strchr(line, ':');
    if (!colon) { printf("cpuinfo: no colon in %s\n", line); return; }
    char *name_end = line;
    while (name_end < colon && *name_end != '\t') name_end++;
    if (name_end == line) { printf("cpuinfo: empty name\n"); return; }
    int tabs = (int)(colon - name_end);
    for (char *p = name_end; p < colon; p++) if (*p != '\t') tabs = -1;
    *name_end = 0;
    int known = 0;
    for (int i = 0; fields[i]; i++) known |= strcmp(fields[i], line) == 0;
    if (!known) return; /* cache size, TLB size: printed by some cpus only */
    size_t len = strlen(line);
    int want = len < 8 ? 2 : len < 16 ? 1 : 0;
    char *value = colon + 1;
    const char *shape = "empty";
    if (*value) {
        if (*value != ' ') shape = "no space after colon";
        else {
            value++;
            int digits = 1, words = 1, hex = strncmp(value, "0x", 2) == 0, dot = 0;
            for (char *p = value; *p; p++) {
                if (!isdigit((unsigned char)*p)) digits = 0;
                if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '_' || *p == ' ')) words = 0;
                if (*p == '.') dot = (int)strlen(p) - 1;
            }
            shape = digits ? "number" : hex ? "hex" : dot ? (dot == 3 ? "x.xxx" : dot == 2 ? "x.xx" : "x.?")
                  : (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0) ? "yes/no"
                  : words ? "words" : "text";
            if (strcmp(line, "address sizes") == 0) {
                int phys, virt;
                shape = sscanf(value, "%d bits physical, %d bits virtual", &phys, &virt) == 2 ? "sizes" : "?";
            }
        }
    }
    if (strcmp(line, "bugs") == 0 && (strcmp(shape, "empty") == 0 || strcmp(shape, "words") == 0))
        shape = "none or words"; /* an emulated cpu has none of the host's */
    printf("cpuinfo %s: tabs %s, %s\n", line, tabs == want ? "as Linux" : "wrong", shape);
}

int main(void) {
    file("/proc/sys/kernel/pid_max", 1);
    file("/proc/sys/kernel/tainted", 1);
    file("/proc/sys/kernel/core_pattern", 2);
    file("/proc/sys/kernel/ostype", 2);
    file("/proc/sys/kernel/hostname", 0);
    file("/proc/sys/kernel/domainname", 0);
    file("/proc/sys/kernel/osrelease", 0);
    file("/proc/sys/kernel/version", 0);
    file("/proc/sys/kernel/threads-max", 0);
    file("/proc/sys/fs/pipe-max-size", 1);
    file("/proc/sys/fs/pipe-user-pages-soft", 1);
    file("/proc/sys/fs/lease-break-time", 1);
    file("/proc/sys/kernel/no-such-file", 0);

    /* uname and the files agree. */
    struct utsname u;
    uname(&u);
    slurp("/proc/sys/kernel/hostname");
    printf("hostname is uname's nodename: %s\n", strncmp(buf, u.nodename, strlen(u.nodename)) == 0 &&
           buf[strlen(u.nodename)] == '\n' ? "yes" : "no");
    slurp("/proc/sys/kernel/osrelease");
    printf("osrelease is uname's release: %s\n", strncmp(buf, u.release, strlen(u.release)) == 0 &&
           buf[strlen(u.release)] == '\n' ? "yes" : "no");
    slurp("/proc/sys/kernel/version");
    printf("version is uname's version: %s\n", strncmp(buf, u.version, strlen(u.version)) == 0 &&
           buf[strlen(u.version)] == '\n' ? "yes" : "no");
    slurp("/proc/sys/kernel/threads-max");
    printf("threads-max at least 20: %s\n", atoll(buf) >= 20 ? "yes" : "no");

    /* Writes the kernel refuses, so nothing changes on the host. */
    write_bad("/proc/sys/kernel/pid_max", "100");
    write_bad("/proc/sys/kernel/pid_max", "4194305");
    write_bad("/proc/sys/kernel/pid_max", "12x");
    write_bad("/proc/sys/kernel/pid_max", "");
    write_bad("/proc/sys/fs/pipe-max-size", "2147483649");
    write_bad("/proc/sys/fs/pipe-max-size", "-1");
    write_bad("/proc/sys/kernel/threads-max", "0");
    write_bad("/proc/sys/kernel/ostype", "Linux");
    write_bad("/proc/sys/kernel/osrelease", "1.0");

    /* A read in pieces gives the same text as one read. */
    int fd = open("/proc/sys/kernel/pid_max", O_RDONLY);
    char a[4] = {0}, b[16] = {0};
    ssize_t ra = read(fd, a, 3), rb = read(fd, b, sizeof b - 1);
    close(fd);
    printf("pid_max in two reads: %zd %zd %s|%s\n", ra, rb, a, b);
    fd = open("/proc/sys/kernel/core_pattern", O_RDONLY);
    memset(b, 0, sizeof b);
    ra = read(fd, a, 2);
    rb = read(fd, b, sizeof b - 1);
    close(fd);
    printf("core_pattern in two reads: %zd %zd %.2s|%s", ra, rb, a, b);

    /* /proc/cpuinfo's first block. */
    if (slurp("/proc/cpuinfo") <= 0) {
        printf("cpuinfo: read -1 %s\n", err(errno));
        return 1;
    }
    char *block_end = strstr(buf, "\n\n");
    printf("cpuinfo block ends in a blank line: %s\n", block_end ? "yes" : "no");
    if (block_end) block_end[1] = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) cpuinfo_line(line);
    puts("done");
    return 0;
}
