/* The descriptor kinds of LTP's tst_fd that issue 17 added: a BPF array and hash map, a software perf
 * event, an io_uring and a fanotify group, each used as a program would and with its errors. Only what is
 * the same on every Linux run prints (counts as "> 0", not their value), so the output is the native one. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/fanotify.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static void say(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
}

static long bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

static long elem(int cmd, int fd, const void *key, void *value, uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = fd;
	a.key = (uintptr_t)key;
	a.value = (uintptr_t)value;
	a.flags = flags;
	return bpf(cmd, &a);
}

static int map_create(int type, int key_size, int value_size, int max_entries)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = key_size;
	a.value_size = value_size;
	a.max_entries = max_entries;
	return bpf(BPF_MAP_CREATE, &a);
}

static void fdinfo_line(int fd, const char *prefix)
{
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, prefix, strlen(prefix)))
			printf("  fdinfo %s", line);
	if (f)
		fclose(f);
}

static void maps(void)
{
	uint32_t k0 = 0, k1 = 1, k5 = 5, next = 99;
	uint64_t v = 0xdeadbeef, got = 7;
	uint64_t hk = 1, hk2 = 2, hk3 = 3, hnext;
	int fd = map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 2), h, ep;
	struct epoll_event ev = { .events = EPOLLIN };
	struct pollfd p;

	say("array map", fd >= 0);
	say("  lookup 0", elem(BPF_MAP_LOOKUP_ELEM, fd, &k0, &got, 0));
	printf("  value %lu\n", (unsigned long)got);
	say("  update 1", elem(BPF_MAP_UPDATE_ELEM, fd, &k1, &v, BPF_ANY));
	say("  lookup 1", elem(BPF_MAP_LOOKUP_ELEM, fd, &k1, &got, 0));
	printf("  value %lx\n", (unsigned long)got);
	say("  lookup 5", elem(BPF_MAP_LOOKUP_ELEM, fd, &k5, &got, 0));
	say("  update 5", elem(BPF_MAP_UPDATE_ELEM, fd, &k5, &v, BPF_ANY));
	say("  update NOEXIST", elem(BPF_MAP_UPDATE_ELEM, fd, &k0, &v, BPF_NOEXIST));
	say("  delete", elem(BPF_MAP_DELETE_ELEM, fd, &k0, NULL, 0));
	say("  next of none", elem(BPF_MAP_GET_NEXT_KEY, fd, NULL, &next, 0));
	printf("  next %u\n", next);
	say("  next of last", elem(BPF_MAP_GET_NEXT_KEY, fd, &k1, &next, 0));
	say("  lookup with flags", elem(BPF_MAP_LOOKUP_ELEM, fd, &k0, &got, 1));
	fdinfo_line(fd, "map_type");
	fdinfo_line(fd, "max_entries");
	p.fd = fd;
	p.events = POLLIN | POLLOUT;
	say("  poll", poll(&p, 1, 0));
	printf("  revents %x\n", p.revents);
	ep = epoll_create1(0);
	say("  epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev));
	say("  read", read(fd, &got, 8));
	close(ep);
	close(fd);

	say("array key size 8", map_create(BPF_MAP_TYPE_ARRAY, 8, 8, 1));
	say("no entries", map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 0));
	say("lookup on a pipe", elem(BPF_MAP_LOOKUP_ELEM, 0, &k0, &got, 0));
	h = map_create(BPF_MAP_TYPE_HASH, 8, 8, 2);
	say("hash map", h >= 0);
	say("  lookup missing", elem(BPF_MAP_LOOKUP_ELEM, h, &hk, &got, 0));
	say("  update EXIST missing", elem(BPF_MAP_UPDATE_ELEM, h, &hk, &v, BPF_EXIST));
	say("  update NOEXIST", elem(BPF_MAP_UPDATE_ELEM, h, &hk, &v, BPF_NOEXIST));
	say("  again", elem(BPF_MAP_UPDATE_ELEM, h, &hk, &v, BPF_NOEXIST));
	say("  second", elem(BPF_MAP_UPDATE_ELEM, h, &hk2, &v, BPF_ANY));
	say("  past max_entries", elem(BPF_MAP_UPDATE_ELEM, h, &hk3, &v, BPF_ANY));
	say("  next of a missing key", elem(BPF_MAP_GET_NEXT_KEY, h, &hk3, &hnext, 0));
	say("  delete", elem(BPF_MAP_DELETE_ELEM, h, &hk, NULL, 0));
	say("  delete again", elem(BPF_MAP_DELETE_ELEM, h, &hk, NULL, 0));
	say("  next of none", elem(BPF_MAP_GET_NEXT_KEY, h, NULL, &hnext, 0));
	printf("  next %lu\n", (unsigned long)hnext);
	say("  next of the last", elem(BPF_MAP_GET_NEXT_KEY, h, &hk2, &hnext, 0));
	close(h);
}

static int perf_open(uint64_t config, uint64_t read_format, int disabled)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = config;
	a.read_format = read_format;
	a.disabled = disabled;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	return syscall(__NR_perf_event_open, &a, 0, -1, -1, 0);
}

static void perf(void)
{
	uint64_t count = 1, fmt[4], id = 0;
	volatile unsigned long spin = 0;
	int fd = perf_open(PERF_COUNT_SW_TASK_CLOCK, 0, 1), pf;
	struct perf_event_attr big;
	struct pollfd p;
	char *mem;
	int i;

	say("task clock", fd >= 0);
	say("  read disabled", read(fd, &count, 8));
	printf("  count %lu\n", (unsigned long)count);
	say("  enable", ioctl(fd, PERF_EVENT_IOC_ENABLE, 0));
	for (i = 0; i < 3000000; i++)
		spin += i;
	say("  disable", ioctl(fd, PERF_EVENT_IOC_DISABLE, 0));
	read(fd, &count, 8);
	printf("  counted: %d\n", count > 0);
	say("  reset", ioctl(fd, PERF_EVENT_IOC_RESET, 0));
	read(fd, &count, 8);
	printf("  after reset %lu\n", (unsigned long)count);
	say("  read 4 bytes", read(fd, &count, 4));
	say("  unknown ioctl", ioctl(fd, _IO('$', 99), 0));
	p.fd = fd;
	p.events = POLLIN;
	poll(&p, 1, 0);
	printf("  revents %x\n", p.revents);
	close(fd);

	fd = perf_open(PERF_COUNT_SW_CPU_CLOCK, PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING |
		       PERF_FORMAT_ID, 0);
	say("cpu clock with times and id", fd >= 0);
	say("  read", read(fd, fmt, sizeof(fmt)));
	ioctl(fd, PERF_EVENT_IOC_ID, &id);
	printf("  id matches: %d, running == enabled: %d\n", id == fmt[3], fmt[1] == fmt[2]);
	close(fd);

	pf = perf_open(PERF_COUNT_SW_PAGE_FAULTS, 0, 0);
	mem = mmap(NULL, 64 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < 64; i++)
		mem[i * 4096] = 1;
	read(pf, &count, 8);
	printf("page faults: at least 64: %d\n", count >= 64);
	close(pf);

	say("software config past the last", perf_open(1000, 0, 1));
	memset(&big, 0, sizeof(big));
	big.size = 8;
	say("size 8", syscall(__NR_perf_event_open, &big, 0, -1, -1, 0));
	say("bad flags", syscall(__NR_perf_event_open, &big, 0, -1, -1, 1UL << 20));
}

struct ring {
	int fd;
	unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static int ring_setup(struct ring *r, unsigned entries, struct io_uring_params *p)
{
	char *sq, *cq;

	memset(p, 0, sizeof(*p));
	r->fd = syscall(__NR_io_uring_setup, entries, p);
	if (r->fd < 0)
		return -1;
	sq = mmap(NULL, p->sq_off.array + p->sq_entries * 4, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  r->fd, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p->cq_off.cqes + p->cq_entries * sizeof(struct io_uring_cqe), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p->sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	r->sq_tail = (unsigned *)(sq + p->sq_off.tail);
	r->sq_mask = (unsigned *)(sq + p->sq_off.ring_mask);
	r->sq_array = (unsigned *)(sq + p->sq_off.array);
	r->cq_head = (unsigned *)(cq + p->cq_off.head);
	r->cq_tail = (unsigned *)(cq + p->cq_off.tail);
	r->cq_mask = (unsigned *)(cq + p->cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p->cq_off.cqes);
	return 0;
}

static struct io_uring_sqe *sqe_at(struct ring *r, int op, int fd, uint64_t addr, unsigned len, uint64_t off,
				   uint64_t user_data)
{
	unsigned tail = *r->sq_tail, index = tail & *r->sq_mask;
	struct io_uring_sqe *s = &r->sqes[index];

	memset(s, 0, sizeof(*s));
	s->opcode = op;
	s->fd = fd;
	s->addr = addr;
	s->len = len;
	s->off = off;
	s->user_data = user_data;
	r->sq_array[index] = index;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
	return s;
}

/* The CQEs in user_data order: Linux posts a request that failed while it was submitted before the ones
 * that completed, which is its batching, not something a program may count on. */
static void reap(struct ring *r)
{
	unsigned head = *r->cq_head, i, n = 0;
	struct io_uring_cqe got[16], t;

	while (head != __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE) && n < 16)
		got[n++] = r->cqes[head++ & *r->cq_mask];
	__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
	for (i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && got[j - 1].user_data > got[j].user_data; j--) {
			t = got[j];
			got[j] = got[j - 1];
			got[j - 1] = t;
		}
	for (i = 0; i < n; i++)
		printf("  cqe %lu res %d\n", (unsigned long)got[i].user_data, got[i].res);
}

static long enter(struct ring *r, unsigned submit, unsigned wait)
{
	return syscall(__NR_io_uring_enter, r->fd, submit, wait, wait ? IORING_ENTER_GETEVENTS : 0, NULL, 0);
}

static void uring(void)
{
	struct io_uring_params p;
	struct ring r;
	char out[16] = "hello, uring", in[16] = { 0 }, fixed[16] = { 0 };
	struct iovec iov = { in, 5 }, reg = { fixed, sizeof(fixed) };
	struct pollfd pf;
	int file = open("uring.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);

	say("io_uring_setup", ring_setup(&r, 3, &p));
	printf("  sq %u cq %u single mmap %d\n", p.sq_entries, p.cq_entries, !!(p.features & IORING_FEAT_SINGLE_MMAP));
	pf.fd = r.fd;
	pf.events = POLLIN | POLLOUT;
	poll(&pf, 1, 0);
	printf("  revents %x\n", pf.revents);
	sqe_at(&r, IORING_OP_NOP, -1, 0, 0, 0, 1);
	say("  enter nop", enter(&r, 1, 1));
	poll(&pf, 1, 0);
	printf("  revents %x\n", pf.revents);
	reap(&r);
	sqe_at(&r, IORING_OP_WRITE, file, (uintptr_t)out, 12, 0, 2);
	sqe_at(&r, IORING_OP_READV, file, (uintptr_t)&iov, 1, 7, 3);
	say("  enter write, readv", enter(&r, 2, 2));
	reap(&r);
	printf("  read back: %s\n", in);
	sqe_at(&r, IORING_OP_READ, 99, (uintptr_t)in, 4, 0, 4)->flags = IOSQE_IO_LINK;
	sqe_at(&r, IORING_OP_NOP, -1, 0, 0, 0, 5);
	sqe_at(&r, 250, -1, 0, 0, 0, 6);
	say("  enter bad fd linked, unknown op", enter(&r, 3, 3));
	reap(&r);
	say("  register buffers", syscall(__NR_io_uring_register, r.fd, IORING_REGISTER_BUFFERS, &reg, 1));
	say("  again", syscall(__NR_io_uring_register, r.fd, IORING_REGISTER_BUFFERS, &reg, 1));
	sqe_at(&r, IORING_OP_READ_FIXED, file, (uintptr_t)fixed, 5, 0, 7);
	sqe_at(&r, IORING_OP_READ_FIXED, file, (uintptr_t)fixed + 8, 16, 0, 8);
	say("  enter read fixed", enter(&r, 2, 2));
	reap(&r);
	printf("  fixed: %s\n", fixed);
	say("  unregister", syscall(__NR_io_uring_register, r.fd, IORING_UNREGISTER_BUFFERS, NULL, 0));
	say("  unregister again", syscall(__NR_io_uring_register, r.fd, IORING_UNREGISTER_BUFFERS, NULL, 0));
	say("  enter with nothing queued", enter(&r, 4, 0));
	say("enter on a file", syscall(__NR_io_uring_enter, file, 0, 0, 0, NULL, 0));
	say("setup with no entries", syscall(__NR_io_uring_setup, 0, &p));
	close(r.fd);
	close(file);
}

static void fanotify(void)
{
	char buf[4096], link[64], target[256];
	struct fanotify_event_metadata *ev = (void *)buf;
	struct fanotify_response resp;
	int g = fanotify_init(FAN_CLASS_NOTIF | FAN_NONBLOCK, O_RDONLY), fd, n, status, c;
	pid_t child;

	say("fanotify_init", g >= 0);
	say("  mark .", fanotify_mark(g, FAN_MARK_ADD, FAN_OPEN | FAN_CLOSE | FAN_EVENT_ON_CHILD | FAN_ONDIR,
				      AT_FDCWD, "."));
	fd = open("watched", O_RDWR | O_CREAT, 0600);
	write(fd, "data", 4);
	close(fd);
	n = read(g, buf, sizeof(buf));
	for (c = 0; c < n; c += ev->event_len, ev = (void *)(buf + c)) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", ev->fd);
		memset(target, 0, sizeof(target));
		readlink(link, target, sizeof(target) - 1);
		printf("  event mask %llx ours %d len %u names watched %d\n", (unsigned long long)ev->mask,
		       ev->pid == getpid(), ev->event_len, strstr(target, "/watched") != NULL);
		close(ev->fd);
	}
	say("  nothing more", read(g, buf, sizeof(buf)));
	say("  remove a mark never made", fanotify_mark(g, FAN_MARK_REMOVE, FAN_OPEN, AT_FDCWD, "watched"));
	say("  permission events on a notification group", fanotify_mark(g, FAN_MARK_ADD, FAN_ACCESS_PERM,
									    AT_FDCWD, "watched"));
	say("  FAN_CREATE without FID", fanotify_mark(g, FAN_MARK_ADD, FAN_CREATE, AT_FDCWD, "."));
	say("  ONLYDIR on a file", fanotify_mark(g, FAN_MARK_ADD | FAN_MARK_ONLYDIR, FAN_OPEN, AT_FDCWD, "watched"));
	say("  flush", fanotify_mark(g, FAN_MARK_FLUSH, 0, AT_FDCWD, "."));
	close(g);

	ev = (void *)buf;
	g = fanotify_init(FAN_CLASS_CONTENT, O_RDONLY);
	say("content group, ACCESS_PERM", fanotify_mark(g, FAN_MARK_ADD, FAN_ACCESS_PERM, AT_FDCWD, "watched"));
	for (c = 0; c < 3; c++) {
		child = fork();
		if (!child) {
			char b[4];
			int f = open("watched", O_RDONLY);

			close(g);  /* else the waiter holds the group it waits on */
			if (read(f, b, 4) < 0)
				_exit(errno == EPERM ? 1 : 2);
			_exit(0);
		}
		n = read(g, buf, sizeof(buf));
		printf("  child %d: event mask %llx its pid %d\n", c, (unsigned long long)ev->mask, ev->pid == child);
		if (c == 2) {
			kill(child, SIGKILL);
			waitpid(child, &status, 0);
			printf("  child killed by %d\n", WTERMSIG(status));
			/* Its event stays read until answered, whoever waited for it: else its number would take
			 * the answer meant for the next event the same descriptor number names. */
			resp.fd = ev->fd;
			resp.response = FAN_ALLOW;
			say("  respond for the killed child", write(g, &resp, sizeof(resp)));
			close(ev->fd);
			continue;
		} else {
			resp.fd = ev->fd;
			resp.response = c == 0 ? FAN_ALLOW : FAN_DENY;
			say("  respond", write(g, &resp, sizeof(resp)));
			say("  respond twice", write(g, &resp, sizeof(resp)));
		}
		close(ev->fd);
		waitpid(child, &status, 0);
		if (WIFSIGNALED(status))
			printf("  child killed by %d\n", WTERMSIG(status));
		else
			printf("  child read: %s\n", WEXITSTATUS(status) == 0 ? "allowed" : WEXITSTATUS(status) == 1 ? "EPERM" : "?");
	}
	say("  OPEN_PERM", fanotify_mark(g, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD, "watched"));
	child = fork();
	if (!child) {
		close(g);
		_exit(open("watched", O_RDONLY) < 0 && errno == EPERM ? 1 : 0);
	}
	n = read(g, buf, sizeof(buf));
	printf("  open: event mask %llx\n", (unsigned long long)ev->mask);
	resp.fd = ev->fd;
	resp.response = FAN_DENY;
	say("  deny", write(g, &resp, sizeof(resp)));
	close(ev->fd);
	waitpid(child, &status, 0);
	printf("  denied open: %s\n", WEXITSTATUS(status) == 1 ? "EPERM" : "opened");
	say("  remove OPEN_PERM", fanotify_mark(g, FAN_MARK_REMOVE, FAN_OPEN_PERM, AT_FDCWD, "watched"));
	child = fork();
	if (!child) {
		char b[4];
		int f = open("watched", O_RDONLY);

		close(g);
		_exit(read(f, b, 4) == 4 ? 0 : 3);
	}
	n = read(g, buf, sizeof(buf));
	close(ev->fd);
	close(g);
	waitpid(child, &status, 0);
	printf("  closing the group lets a waiter read: %d\n", WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	maps();
	perf();
	uring();
	fanotify();
	return 0;
}
