/* Linux native AIO through the raw calls (issue 17): io_setup, io_submit, io_getevents, io_pgetevents,
 * io_cancel and io_destroy, their errors, and the events of reads and writes on a file and a pipe. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void show(const char *what, long r)
{
	if (r < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, r);
	fflush(stdout);
}

static void prep(struct iocb *cb, int fd, int op, void *buf, size_t n, long long off)
{
	memset(cb, 0, sizeof(*cb));
	cb->aio_fildes = fd;
	cb->aio_lio_opcode = op;
	cb->aio_buf = (unsigned long)buf;
	cb->aio_nbytes = n;
	cb->aio_offset = off;
	cb->aio_data = 0x1234 + op;
}

int main(void)
{
	aio_context_t ctx = 0, bad = 1;
	show("io_setup NULL", syscall(SYS_io_setup, 1, NULL));
	show("io_setup nonzero ctx", syscall(SYS_io_setup, 1, &bad));
	show("io_setup -1", syscall(SYS_io_setup, -1U, &ctx));
	show("io_setup 0", syscall(SYS_io_setup, 0, &ctx));
	show("io_setup 65537", syscall(SYS_io_setup, 65537, &ctx));
	show("io_setup 4", syscall(SYS_io_setup, 4, &ctx));
	show("ctx nonzero", ctx != 0);
	show("io_destroy bad", syscall(SYS_io_destroy, 12345));
	show("io_getevents bad ctx", syscall(SYS_io_getevents, 12345, 0, 1, NULL, NULL));

	int fd = open("aio-file", O_CREAT | O_RDWR | O_TRUNC, 0600);
	int rd = open("aio-file", O_RDONLY);
	int pipes[2];
	pipe(pipes);
	char out[] = "hello aio", in[32] = "";
	struct iocb w, r, p, bad_fd, ro_write, fsync_cb, res;
	struct iocb *list[] = {&w, &r};
	prep(&w, fd, IOCB_CMD_PWRITE, out, 9, 3);
	prep(&r, fd, IOCB_CMD_PREAD, in, 20, 0);
	show("io_submit two", syscall(SYS_io_submit, ctx, 2, list));
	struct io_event ev[8];
	long n = syscall(SYS_io_getevents, ctx, 2, 8, ev, NULL);
	show("io_getevents", n);
	for (long i = 0; i < n; i++)
		printf("  event data %#llx res %lld res2 %lld obj ok %d\n", (unsigned long long)ev[i].data,
		       (long long)ev[i].res, (long long)ev[i].res2, ev[i].obj == (unsigned long)list[i]);
	printf("  read: %d %d %d [%s]\n", in[0], in[1], in[2], in + 3);
	show("file position untouched", lseek(fd, 0, SEEK_CUR));

	prep(&p, pipes[0], IOCB_CMD_PREAD, in, 8, 0);
	p.aio_rw_flags = RWF_NOWAIT;
	struct iocb *one[] = {&p};
	show("submit nowait pipe read", syscall(SYS_io_submit, ctx, 1, one));
	show("io_getevents", syscall(SYS_io_getevents, ctx, 1, 1, ev, NULL));
	printf("  res %lld\n", (long long)ev[0].res);

	prep(&bad_fd, -1, IOCB_CMD_PREAD, in, 8, 0);
	one[0] = &bad_fd;
	show("submit bad fd", syscall(SYS_io_submit, ctx, 1, one));
	prep(&ro_write, rd, IOCB_CMD_PWRITE, out, 3, 0);
	one[0] = &ro_write;
	show("submit write to read-only", syscall(SYS_io_submit, ctx, 1, one));
	prep(&r, fd, IOCB_CMD_PREAD, (void *)-4096L, 8, 0);
	one[0] = &r;
	show("submit bad buffer", syscall(SYS_io_submit, ctx, 1, one));
	prep(&r, fd, 99, in, 8, 0);
	show("submit bad opcode", syscall(SYS_io_submit, ctx, 1, one));
	prep(&r, fd, IOCB_CMD_PREAD, in, 8, -1);
	show("submit negative offset", syscall(SYS_io_submit, ctx, 1, one));
	prep(&r, fd, IOCB_CMD_PREAD, in, 8, 0);
	r.aio_reserved2 = 1;
	show("submit reserved2", syscall(SYS_io_submit, ctx, 1, one));
	struct iocb *none[] = {NULL};
	show("submit NULL iocb", syscall(SYS_io_submit, ctx, 1, none));
	show("submit bad array", syscall(SYS_io_submit, ctx, 1, (void *)-1L));
	show("submit nr -1", syscall(SYS_io_submit, ctx, -1L, list));
	show("submit nr 0", syscall(SYS_io_submit, ctx, 0, list));
	prep(&fsync_cb, fd, IOCB_CMD_FSYNC, NULL, 0, 0);
	one[0] = &fsync_cb;
	show("submit fsync", syscall(SYS_io_submit, ctx, 1, one));
	prep(&res, fd, IOCB_CMD_PREAD, in, 4, 3);
	res.aio_flags = IOCB_FLAG_RESFD;
	res.aio_resfd = eventfd(0, 0);
	one[0] = &res;
	show("submit with eventfd", syscall(SYS_io_submit, ctx, 1, one));
	unsigned long long count = 0;
	read(res.aio_resfd, &count, 8);
	printf("  eventfd count %llu\n", count);
	show("io_getevents min > nr", syscall(SYS_io_getevents, ctx, 3, 2, ev, NULL));
	show("io_getevents two", syscall(SYS_io_getevents, ctx, 2, 8, ev, NULL));  /* Linux syncs on a workqueue */
	printf("  res %lld %lld (in either order: the sync completes apart)\n",
	       (long long)(ev[0].res < ev[1].res ? ev[0].res : ev[1].res),
	       (long long)(ev[0].res < ev[1].res ? ev[1].res : ev[0].res));
	struct timespec ts = {0, 100000000};
	show("io_getevents timeout", syscall(SYS_io_getevents, ctx, 1, 1, ev, &ts));
	sigset_t mask;
	sigemptyset(&mask);
	struct { const sigset_t *sigmask; size_t sigsetsize; } ss = {&mask, 8}, bad_size = {&mask, 7};
	show("io_pgetevents timeout", syscall(SYS_io_pgetevents, ctx, 1, 1, ev, &ts, &ss));
	show("io_pgetevents bad sigsetsize", syscall(SYS_io_pgetevents, ctx, 1, 1, ev, &ts, &bad_size));
	struct iocb poll_cb, poll2;
	prep(&poll_cb, pipes[0], IOCB_CMD_POLL, (void *)(long)POLLIN, 0, 0);
	one[0] = &poll_cb;
	show("submit poll, pipe empty", syscall(SYS_io_submit, ctx, 1, one));
	show("io_getevents poll not ready", syscall(SYS_io_getevents, ctx, 0, 1, ev, &ts));
	write(pipes[1], "x", 1);
	show("io_getevents poll ready", syscall(SYS_io_getevents, ctx, 1, 1, ev, &ts));
	printf("  res %#llx\n", (long long)ev[0].res);
	prep(&poll2, pipes[1], IOCB_CMD_POLL, (void *)(long)POLLOUT, 0, 0);
	one[0] = &poll2;
	show("submit poll, ready now", syscall(SYS_io_submit, ctx, 1, one));
	show("io_getevents", syscall(SYS_io_getevents, ctx, 1, 1, ev, NULL));
	printf("  res %#llx\n", (long long)ev[0].res);
	read(pipes[0], in, 1);
	prep(&poll2, pipes[0], IOCB_CMD_POLL, (void *)(long)POLLIN, 0, 0);
	show("submit poll to cancel", syscall(SYS_io_submit, ctx, 1, one));
	show("io_cancel pending poll", syscall(SYS_io_cancel, ctx, &poll2, ev));
	show("io_getevents cancelled", syscall(SYS_io_getevents, ctx, 1, 1, ev, NULL));
	printf("  res %lld obj ok %d\n", (long long)ev[0].res, ev[0].obj == (unsigned long)&poll2);
	prep(&poll2, pipes[0], IOCB_CMD_POLL, (void *)0x10000L, 0, 0);
	show("submit poll bad events", syscall(SYS_io_submit, ctx, 1, one));
	show("io_cancel NULL", syscall(SYS_io_cancel, ctx, NULL, ev));
	show("io_cancel completed", syscall(SYS_io_cancel, ctx, &w, ev));
	show("io_destroy", syscall(SYS_io_destroy, ctx));
	show("io_destroy again", syscall(SYS_io_destroy, ctx));
	puts("done");
	return 0;
}
