/* inotify, fallocate, RLIMIT_FSIZE, file handles, openat2, leases, fcntl owners and O_ASYNC, F_CREATED_QUERY,
 * device nodes without a driver and fsync of a FIFO (issue 17, files). Run in an empty directory of a tmpfs;
 * its output is compared with the native run's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef F_CREATED_QUERY
#define F_CREATED_QUERY 1028
#endif

#define CALL(what, expr) say(what, (long)(expr))

static volatile int got_sig, got_code, got_fd, got_count;
static volatile long got_band;

static void record(int sig, siginfo_t *info, void *ctx)
{
	(void)ctx;
	got_sig = sig;
	got_code = info->si_code;
	got_fd = info->si_fd;
	got_band = info->si_band;
	got_count++;
}

/* Let the blocked signals in: the handler records the last one. */
static void deliver(const sigset_t *set, const char *what)
{
	got_sig = got_count = 0;
	sigprocmask(SIG_UNBLOCK, set, NULL);
	sigprocmask(SIG_BLOCK, set, NULL);
	printf("  %s: %d signal(s), last %d\n", what, got_count, got_sig);
}

static void catch(int sig)
{
	struct sigaction sa = {0};
	sa.sa_sigaction = record;
	sa.sa_flags = SA_SIGINFO;
	sigaction(sig, &sa, NULL);
}

static void say(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

static const char *event_name(unsigned mask)
{
	static char out[256];
	static const struct { unsigned bit; const char *name; } names[] = {
		{IN_ACCESS, "ACCESS"}, {IN_MODIFY, "MODIFY"}, {IN_ATTRIB, "ATTRIB"}, {IN_CLOSE_WRITE, "CLOSE_WRITE"},
		{IN_CLOSE_NOWRITE, "CLOSE_NOWRITE"}, {IN_OPEN, "OPEN"}, {IN_MOVED_FROM, "MOVED_FROM"},
		{IN_MOVED_TO, "MOVED_TO"}, {IN_CREATE, "CREATE"}, {IN_DELETE, "DELETE"}, {IN_DELETE_SELF, "DELETE_SELF"},
		{IN_MOVE_SELF, "MOVE_SELF"}, {IN_IGNORED, "IGNORED"}, {IN_Q_OVERFLOW, "Q_OVERFLOW"}, {IN_ISDIR, "ISDIR"},
	};
	out[0] = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (mask & names[i].bit)
			strcat(strcat(out, out[0] ? "|" : ""), names[i].name);
	return out;
}

/* Every queued event: wd, names of the mask bits, whether a cookie is set, the name. */
static void drain(int fd)
{
	char buf[4096] __attribute__((aligned(8)));
	long n = read(fd, buf, sizeof buf);
	if (n < 0) {
		printf("  read: -1 %s\n", strerrorname_np(errno));
		return;
	}
	for (long at = 0; at < n;) {
		struct inotify_event *e = (struct inotify_event *)(buf + at);
		printf("  wd %d %s%s %s (len %u)\n", e->wd, event_name(e->mask), e->cookie ? " cookie" : "",
		       e->len ? e->name : "-", e->len);
		at += sizeof *e + e->len;
	}
}

static void inotify_cases(void)
{
	char buf[64];
	int in = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	printf("inotify_init1: %s\n", in >= 0 ? "ok" : strerrorname_np(errno));
	CALL("inotify_init1 bad flag", inotify_init1(1));
	CALL("add_watch no events", inotify_add_watch(in, ".", 0));
	CALL("add_watch ADD|CREATE", inotify_add_watch(in, ".", IN_MODIFY | IN_MASK_ADD | IN_MASK_CREATE));
	CALL("add_watch on a non-inotify fd", inotify_add_watch(1, ".", IN_MODIFY));
	CALL("add_watch missing", inotify_add_watch(in, "missing", IN_MODIFY));
	CALL("rm_watch unknown", inotify_rm_watch(in, 99));
	mkdir("d", 0755);
	int wd = inotify_add_watch(in, "d", IN_ALL_EVENTS);
	CALL("add_watch d", wd);
	CALL("same again (MASK_CREATE)", inotify_add_watch(in, "d", IN_ALL_EVENTS | IN_MASK_CREATE));
	CALL("read, nothing queued", read(in, buf, sizeof buf));
	int fd = open("d/f", O_CREAT | O_RDWR, 0644);
	CALL("write", write(fd, "hello", 5));
	CALL("write again", write(fd, "hello", 5));
	lseek(fd, 0, SEEK_SET);
	CALL("read", read(fd, buf, 5));
	close(fd);
	chmod("d/f", 0600);
	CALL("truncate", truncate("d/f", 2));
	link("d/f", "d/g");
	rename("d/g", "d/h");
	unlink("d/h");
	mkdir("d/sub", 0700);
	rmdir("d/sub");
	int queued = 0;
	CALL("FIONREAD", ioctl(in, FIONREAD, &queued));
	printf("  bytes queued: %d\n", queued);
	CALL("read into 8 bytes", read(in, buf, 8));
	drain(in);
	int fw = inotify_add_watch(in, "d/f", IN_ATTRIB | IN_DELETE_SELF | IN_ONESHOT);
	CALL("watch d/f, oneshot", fw > 0);
	CALL("watch d/f again, MASK_ADD", inotify_add_watch(in, "d/f", IN_OPEN | IN_MASK_ADD) == fw);
	chmod("d/f", 0644);
	chmod("d/f", 0640);
	drain(in);
	int f2 = inotify_add_watch(in, "d/f", IN_ATTRIB | IN_DELETE_SELF | IN_EXCL_UNLINK);
	unlink("d/f");
	drain(in);
	CALL("rm_watch after its IGNORED", inotify_rm_watch(in, f2));
	CALL("rm_watch d", inotify_rm_watch(in, wd));
	drain(in);
	close(in);

	/* A queue of max_queued_events ends in one IN_Q_OVERFLOW. */
	FILE *limit = fopen("/proc/sys/fs/inotify/max_queued_events", "r");
	int max = 0;
	if (limit) {
		fscanf(limit, "%d", &max);
		fclose(limit);
	}
	printf("max_queued_events: %d\n", max);
	in = inotify_init1(IN_NONBLOCK);
	inotify_add_watch(in, "d", IN_CREATE | IN_DELETE);
	for (int i = 0; i < max / 2 + 2; i++) {
		snprintf(buf, sizeof buf, "d/%d", i % 4);
		close(open(buf, O_CREAT | O_WRONLY, 0600));
		unlink(buf);
	}
	long total = 0, events = 0, overflow = 0;
	char big[65536] __attribute__((aligned(8)));
	long n;
	while ((n = read(in, big, sizeof big)) > 0) {
		for (long at = 0; at < n;) {
			struct inotify_event *e = (struct inotify_event *)(big + at);
			events++;
			overflow += e->mask == IN_Q_OVERFLOW && e->wd == -1;
			at += sizeof *e + e->len;
		}
		total += n;
	}
	printf("overflowed queue: %ld events, %ld overflow\n", events, overflow);
	close(in);
}

static void fallocate_cases(void)
{
	struct stat st;
	int fd = open("fa", O_CREAT | O_RDWR, 0644);
	CALL("fallocate 0..8192", fallocate(fd, 0, 0, 8192));
	fstat(fd, &st);
	printf("  size %ld blocks %ld\n", (long)st.st_size, (long)st.st_blocks);
	CALL("fallocate KEEP_SIZE past the end", fallocate(fd, FALLOC_FL_KEEP_SIZE, 8192, 8192));
	fstat(fd, &st);
	printf("  size %ld blocks %ld\n", (long)st.st_size, (long)st.st_blocks);
	char data[8192];
	memset(data, 'x', sizeof data);
	pwrite(fd, data, sizeof data, 0);
	CALL("punch 1000..6000", fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 1000, 5000));
	fstat(fd, &st);
	printf("  size %ld blocks %ld\n", (long)st.st_size, (long)st.st_blocks);
	char back[8192];
	pread(fd, back, sizeof back, 0);
	printf("  bytes 999 1000 4095 4096 5999 6000: %c %d %d %d %d %c\n", back[999], back[1000], back[4095],
	       back[4096], back[5999], back[6000]);
	CALL("punch without KEEP_SIZE", fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 10));
	CALL("zero range", fallocate(fd, FALLOC_FL_ZERO_RANGE, 0, 10));
	CALL("collapse range", fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096));
	CALL("unknown mode", fallocate(fd, 0x100, 0, 10));
	CALL("length 0", fallocate(fd, 0, 0, 0));
	CALL("negative offset", fallocate(fd, 0, -1, 10));
	CALL("past the largest file", fallocate(fd, 0, 0x7ffffffffffff000, 0x1000));
	close(fd);
	fd = open("fa", O_RDONLY);
	CALL("read-only descriptor", fallocate(fd, 0, 0, 10));
	close(fd);
	int p[2];
	pipe(p);
	CALL("a pipe", fallocate(p[1], 0, 0, 10));
	close(p[0]);
	close(p[1]);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	CALL("a directory, read-only", fallocate(fd, 0, 0, 10));
	close(fd);
	fd = open("sparse", O_CREAT | O_RDWR, 0644);
	pwrite(fd, "a", 1, 8192);
	pwrite(fd, "b", 1, 20000);
	CALL("SEEK_DATA from 0", lseek(fd, 0, SEEK_DATA));
	CALL("SEEK_HOLE from 0", lseek(fd, 0, SEEK_HOLE));
	CALL("SEEK_HOLE from 8192", lseek(fd, 8192, SEEK_HOLE));
	CALL("SEEK_DATA from 12288", lseek(fd, 12288, SEEK_DATA));
	CALL("SEEK_HOLE from 20000", lseek(fd, 20000, SEEK_HOLE));
	CALL("SEEK_DATA at the end", lseek(fd, 20001, SEEK_DATA));
	CALL("SEEK_HOLE past the end", lseek(fd, 30000, SEEK_HOLE));
	CALL("SEEK_DATA negative", lseek(fd, -1, SEEK_DATA));
	close(fd);
}

static void fsize_cases(void)
{
	struct rlimit old, small = {4096, RLIM_INFINITY};
	sigset_t set, pending;
	sigemptyset(&set);
	sigaddset(&set, SIGXFSZ);
	sigprocmask(SIG_BLOCK, &set, NULL);
	catch(SIGXFSZ);
	getrlimit(RLIMIT_FSIZE, &old);
	setrlimit(RLIMIT_FSIZE, &small);
	int fd = open("fs", O_CREAT | O_RDWR | O_TRUNC, 0644);
	char data[5000];
	memset(data, 'y', sizeof data);
	CALL("write 5000 under a 4096 limit", write(fd, data, sizeof data));
	sigpending(&pending);
	printf("  SIGXFSZ pending: %d\n", sigismember(&pending, SIGXFSZ));
	CALL("write at the limit", write(fd, data, 10));
	sigpending(&pending);
	printf("  SIGXFSZ pending: %d\n", sigismember(&pending, SIGXFSZ));
	CALL("ftruncate past it", ftruncate(fd, 8192));
	CALL("ftruncate below it", ftruncate(fd, 100));
	CALL("fallocate past it", fallocate(fd, 0, 0, 8192));
	CALL("fallocate KEEP_SIZE past it", fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 8192));
	CALL("pwrite from 4000", pwrite(fd, data, 200, 4000));
	setrlimit(RLIMIT_FSIZE, &old);
	close(fd);
	deliver(&set, "SIGXFSZ");
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void handle_cases(void)
{
	struct { struct file_handle fh; unsigned char rest[128]; } h;
	int mount_id;
	int keep = open("hf", O_CREAT | O_WRONLY, 0600);
	write(keep, "handled", 7);
	h.fh.handle_bytes = 0;
	CALL("name_to_handle_at, no room", syscall(SYS_name_to_handle_at, AT_FDCWD, "hf", &h.fh, &mount_id, 0));
	printf("  handle_bytes %u type %d\n", h.fh.handle_bytes, h.fh.handle_type);
	h.fh.handle_bytes = 129;
	CALL("handle_bytes 129", syscall(SYS_name_to_handle_at, AT_FDCWD, "hf", &h.fh, &mount_id, 0));
	h.fh.handle_bytes = 128;
	CALL("bad flags", syscall(SYS_name_to_handle_at, AT_FDCWD, "hf", &h.fh, &mount_id, 0x4000));
	CALL("name_to_handle_at", syscall(SYS_name_to_handle_at, AT_FDCWD, "hf", &h.fh, &mount_id, 0));
	printf("  handle_bytes %u type %d\n", h.fh.handle_bytes, h.fh.handle_type);
	int fd = syscall(SYS_open_by_handle_at, AT_FDCWD, &h.fh, O_RDONLY);
	char buf[16] = {0};
	CALL("open_by_handle_at", fd >= 0);
	CALL("  read it", read(fd, buf, sizeof buf - 1));
	printf("  %s\n", buf);
	close(fd);
	int p[2];
	pipe(p);
	CALL("open_by_handle_at on a pipe's filesystem", syscall(SYS_open_by_handle_at, p[0], &h.fh, O_RDONLY));
	CALL("name_to_handle_at of a pipe", syscall(SYS_name_to_handle_at, p[0], "", &h.fh, &mount_id, AT_EMPTY_PATH));
	close(p[0]);
	close(p[1]);
	unlink("hf");
	fd = syscall(SYS_open_by_handle_at, AT_FDCWD, &h.fh, O_RDONLY);
	CALL("open_by_handle_at, removed but open", fd >= 0);
	close(fd);
	close(keep);
}

static long openat2_(int dfd, const char *path, unsigned long long flags, unsigned long long mode,
		     unsigned long long resolve, size_t size)
{
	struct { struct open_how how; unsigned long long pad; } b = {{flags, mode, resolve}, 0};
	long fd = syscall(SYS_openat2, dfd, path, &b, size);
	if (fd >= 0)
		close(fd);
	return fd >= 0 ? 0 : fd;
}

static void openat2_cases(void)
{
	mkdir("o", 0755);
	mkdir("o/in", 0755);
	close(open("o/in/file", O_CREAT | O_WRONLY, 0644));
	symlink("in/file", "o/rel");
	symlink("/proc/version", "o/abs");
	int dfd = open("o", O_RDONLY | O_DIRECTORY);
	size_t sz = sizeof(struct open_how);
	CALL("openat2", openat2_(dfd, "in/file", O_RDONLY, 0, 0, sz));
	CALL("size 23", openat2_(dfd, "in/file", O_RDONLY, 0, 0, 23));
	CALL("size 32, zero pad", openat2_(dfd, "in/file", O_RDONLY, 0, 0, 32));
	CALL("unknown flag", openat2_(dfd, "in/file", O_RDONLY | (1ULL << 40), 0, 0, sz));
	CALL("mode without O_CREAT", openat2_(dfd, "in/file", O_RDONLY, 0644, 0, sz));
	CALL("mode 010000 with O_CREAT", openat2_(dfd, "in/new", O_CREAT | O_WRONLY, 010000, 0, sz));
	CALL("unknown resolve", openat2_(dfd, "in/file", O_RDONLY, 0, 0x40, sz));
	CALL("BENEATH|IN_ROOT", openat2_(dfd, "in/file", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT, sz));
	CALL("CACHED with O_CREAT", openat2_(dfd, "in/file", O_RDONLY | O_CREAT, 0, RESOLVE_CACHED, sz));
	CALL("NO_SYMLINKS through rel", openat2_(dfd, "rel", O_RDONLY, 0, RESOLVE_NO_SYMLINKS, sz));
	CALL("rel", openat2_(dfd, "rel", O_RDONLY, 0, RESOLVE_BENEATH, sz));
	CALL("BENEATH ..", openat2_(dfd, "../o/in/file", O_RDONLY, 0, RESOLVE_BENEATH, sz));
	CALL("BENEATH in/..", openat2_(dfd, "in/../in/file", O_RDONLY, 0, RESOLVE_BENEATH, sz));
	CALL("BENEATH absolute", openat2_(dfd, "/proc/version", O_RDONLY, 0, RESOLVE_BENEATH, sz));
	CALL("BENEATH abs symlink", openat2_(dfd, "abs", O_RDONLY, 0, RESOLVE_BENEATH, sz));
	CALL("IN_ROOT ../..", openat2_(dfd, "../../in/file", O_RDONLY, 0, RESOLVE_IN_ROOT, sz));
	CALL("IN_ROOT /in/file", openat2_(dfd, "/in/file", O_RDONLY, 0, RESOLVE_IN_ROOT, sz));
	CALL("NO_XDEV into /proc", openat2_(AT_FDCWD, "/proc/version", O_RDONLY, 0, RESOLVE_NO_XDEV, sz));
	CALL("NO_MAGICLINKS", openat2_(AT_FDCWD, "/proc/self/exe", O_RDONLY, 0, RESOLVE_NO_MAGICLINKS, sz));
	CALL("/proc/self/exe", openat2_(AT_FDCWD, "/proc/self/exe", O_RDONLY, 0, 0, sz));
	CALL("O_PATH|O_RDWR", openat2_(dfd, "in/file", O_PATH | O_RDWR, 0, 0, sz));
	close(dfd);
}

static void lease_cases(void)
{
	sigset_t set, pending;
	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	catch(SIGIO);
	catch(SIGUSR1);
	close(open("le", O_CREAT | O_WRONLY, 0644));
	int fd = open("le", O_RDONLY);
	CALL("F_GETLEASE, none", fcntl(fd, F_GETLEASE));
	CALL("F_SETLEASE F_UNLCK, none", fcntl(fd, F_SETLEASE, F_UNLCK));
	CALL("F_SETLEASE 7", fcntl(fd, F_SETLEASE, 7));
	CALL("F_SETLEASE F_RDLCK", fcntl(fd, F_SETLEASE, F_RDLCK));
	CALL("F_GETLEASE", fcntl(fd, F_GETLEASE));
	CALL("F_GETOWN after it", fcntl(fd, F_GETOWN) == getpid());
	CALL("F_SETLEASE F_UNLCK", fcntl(fd, F_SETLEASE, F_UNLCK));
	int w = open("le", O_RDWR);
	CALL("F_SETLEASE F_RDLCK of a writer", fcntl(w, F_SETLEASE, F_RDLCK));
	CALL("F_SETLEASE F_WRLCK, another open", fcntl(w, F_SETLEASE, F_WRLCK));
	close(w);
	CALL("F_SETLEASE F_WRLCK, only open", fcntl(fd, F_SETLEASE, F_WRLCK));
	CALL("F_SETSIG SIGUSR1", fcntl(fd, F_SETSIG, SIGUSR1));
	CALL("open O_NONBLOCK breaks it", open("le", O_RDONLY | O_NONBLOCK));
	CALL("F_GETLEASE while broken", fcntl(fd, F_GETLEASE));
	sigpending(&pending);
	printf("  SIGUSR1 pending: %d SIGIO pending: %d\n", sigismember(&pending, SIGUSR1),
	       sigismember(&pending, SIGIO));
	deliver(&set, "the break");
	printf("  si_fd is the lease's: %d si_code %d si_band %lx\n", got_fd == fd, got_code, got_band);
	CALL("F_SETLEASE F_WRLCK while broken", fcntl(fd, F_SETLEASE, F_WRLCK));
	CALL("F_SETLEASE F_RDLCK (the downgrade)", fcntl(fd, F_SETLEASE, F_RDLCK));
	CALL("open O_RDONLY now", close(open("le", O_RDONLY | O_NONBLOCK)));
	CALL("F_SETLEASE F_UNLCK", fcntl(fd, F_SETLEASE, F_UNLCK));
	close(fd);
	fd = open("le", O_WRONLY);
	CALL("F_SETLEASE F_RDLCK of a write-only open", fcntl(fd, F_SETLEASE, F_RDLCK));
	close(fd);
	fd = open(".", O_RDONLY | O_DIRECTORY);
	CALL("F_SETLEASE of a directory", fcntl(fd, F_SETLEASE, F_RDLCK));
	close(fd);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void owner_cases(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	catch(SIGIO);
	catch(SIGUSR2);
	int p[2];
	pipe(p);
	struct f_owner_ex ex = {0, 0};
	CALL("F_GETOWN, none", fcntl(p[0], F_GETOWN));
	CALL("F_GETOWN_EX, none", fcntl(p[0], F_GETOWN_EX, &ex));
	printf("  type %d pid %d\n", ex.type, ex.pid);
	CALL("F_GETSIG", fcntl(p[0], F_GETSIG));
	CALL("F_SETSIG 65", fcntl(p[0], F_SETSIG, 65));
	CALL("F_SETOWN a missing pid", fcntl(p[0], F_SETOWN, 999999));
	CALL("F_SETOWN INT_MIN", fcntl(p[0], F_SETOWN, -2147483647 - 1));
	ex.type = 7;
	CALL("F_SETOWN_EX type 7", fcntl(p[0], F_SETOWN_EX, &ex));
	CALL("F_SETOWN -pgrp", fcntl(p[0], F_SETOWN, -getpgrp()));
	CALL("F_GETOWN is -pgrp", fcntl(p[0], F_GETOWN) == -getpgrp());
	CALL("F_GETOWN_EX", fcntl(p[0], F_GETOWN_EX, &ex));
	printf("  type %d is pgrp %d\n", ex.type, ex.pid == getpgrp());
	CALL("F_SETOWN pid", fcntl(p[0], F_SETOWN, getpid()));
	CALL("F_SETSIG SIGUSR2", fcntl(p[0], F_SETSIG, SIGUSR2));
	CALL("O_ASYNC", fcntl(p[0], F_SETFL, O_ASYNC | O_NONBLOCK));
	CALL("F_GETFL has O_ASYNC", (fcntl(p[0], F_GETFL) & O_ASYNC) != 0);
	CALL("write to the pipe", write(p[1], "x", 1));
	deliver(&set, "data");
	printf("  si_fd %d si_code %d si_band %lx\n", got_fd == p[0], got_code, got_band);
	char c;
	CALL("read it back", read(p[0], &c, 1));
	fcntl(p[0], F_SETSIG, 0);
	CALL("write again", write(p[1], "x", 1));
	deliver(&set, "data, F_SETSIG 0");
	printf("  si_code %d\n", got_code);
	close(p[0]);
	close(p[1]);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void misc_cases(void)
{
	int fd = open("cq", O_CREAT | O_RDONLY, 0600);
	CALL("F_CREATED_QUERY, made", fcntl(fd, F_CREATED_QUERY, 0));
	close(fd);
	fd = open("cq", O_CREAT | O_RDONLY, 0600);
	CALL("F_CREATED_QUERY, was there", fcntl(fd, F_CREATED_QUERY, 0));
	close(fd);
	fd = open("cq", O_PATH);
	CALL("F_CREATED_QUERY, O_PATH", fcntl(fd, F_CREATED_QUERY, 0));
	close(fd);
	CALL("mknod char 42:42", mknod("dev42", S_IFCHR | 0600, makedev(42, 42)));
	CALL("open it", open("dev42", O_RDONLY));
	CALL("O_PATH open it", close(open("dev42", O_PATH)));
	CALL("mknod block 250:3", mknod("blk", S_IFBLK | 0600, makedev(250, 3)));
	struct stat st;
	stat("blk", &st);
	printf("  mode %o rdev %u:%u\n", st.st_mode, major(st.st_rdev), minor(st.st_rdev));
	CALL("open it", open("blk", O_RDONLY));
	int ra = open("ra", O_CREAT | O_RDWR, 0644), raw = open("ra", O_WRONLY), rap[2];
	pipe(rap);
	CALL("readahead", readahead(ra, 0, 4096));
	CALL("readahead, negative offset", readahead(ra, -1, 4096));
	CALL("readahead, write-only", readahead(raw, 0, 4096));
	CALL("readahead, a pipe", readahead(rap[0], 0, 4096));
	CALL("readahead, a directory", readahead(open(".", O_RDONLY | O_DIRECTORY), 0, 4096));
	close(rap[0]);
	close(rap[1]);
	close(raw);
	close(ra);
	ra = open("ap", O_CREAT | O_RDWR | O_APPEND, 0644);
	CALL("pwrite at 0, O_APPEND", pwrite(ra, "abc", 3, 0));
	CALL("pwrite at 0 again", pwrite(ra, "def", 3, 0));
	CALL("  position", lseek(ra, 0, SEEK_CUR));
	CALL("  size", lseek(ra, 0, SEEK_END));
	close(ra);
	int full = open("/dev/full", O_RDWR);
	char zeros[4] = {1, 1, 1, 1};
	CALL("write /dev/full", write(full, "x", 1));
	CALL("read /dev/full", read(full, zeros, sizeof zeros));
	printf("  %d %d %d %d\n", zeros[0], zeros[1], zeros[2], zeros[3]);
	close(full);
	mkfifo("fifo", 0600);
	int r = open("fifo", O_RDONLY | O_NONBLOCK), w = open("fifo", O_WRONLY);
	CALL("fsync of a FIFO", fsync(w));
	CALL("fdatasync of a FIFO", fdatasync(r));
	close(r);
	close(w);
	int in = inotify_init();
	inotify_add_watch(in, ".", IN_MODIFY | IN_ONESHOT);
	char path[64], line[256];
	unsigned mask = 0;
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", in);
	FILE *info = fopen(path, "r");
	while (info && fgets(line, sizeof line, info))
		if (sscanf(line, "inotify wd:%*x ino:%*x sdev:%*x mask:%x", &mask) == 1)
			break;
	if (info)
		fclose(info);
	printf("fdinfo mask: %x\n", mask);
	close(in);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	inotify_cases();
	fallocate_cases();
	fsize_cases();
	handle_cases();
	openat2_cases();
	lease_cases();
	owner_cases();
	misc_cases();
	return 0;
}
