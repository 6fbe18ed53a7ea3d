/* Edge cases of issue 16's file calls found in review: each block once answered differently on the machine.
 * Run in an empty directory of a tmpfs; its output is compared with the native run's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <unistd.h>

#define CALL(what, expr) say(what, (long)(expr))

static void say(const char *what, long ret)
{
	if (ret < 0)
		printf("%s: -1 %s\n", what, strerrorname_np(errno));
	else
		printf("%s: %ld\n", what, ret);
	errno = 0;
}

/* O_ACCMODE 3 ("no access", for ioctls): a FIFO refuses it (fifo_open's EINVAL), a file opens neither way. */
static void no_access_mode(void)
{
	char c;
	CALL("mkfifo", mknod("fifo", S_IFIFO | 0600, 0));
	CALL("open a FIFO with access mode 3", open("fifo", 3 | O_NONBLOCK));
	int w = open("fifo", O_RDWR | O_NONBLOCK);
	int r = open("fifo", O_RDONLY | O_NONBLOCK);
	CALL("write", write(w, "abc", 3));
	close(w);
	CALL("read what was written", read(r, &c, 1) + read(r, &c, 1) + read(r, &c, 1));
	CALL("then end of file (no writer left)", read(r, &c, 1));
	close(r);
	int f = open("file", O_CREAT | O_RDWR, 0644);
	CALL("write a file", write(f, "x", 1));
	close(f);
	f = open("file", 3);
	CALL("open a file with access mode 3", f >= 0);
	CALL("  read it", read(f, &c, 1));
	CALL("  write it", write(f, "y", 1));
	CALL("  F_GETFL", fcntl(f, F_GETFL));
	close(f);
}

/* preadv of a directory: nothing to read is 0; a flag but RWF_HIPRI is EOPNOTSUPP (do_loop_readv_writev). And a
 * position whose end would pass LLONG_MAX is EINVAL (rw_verify_area), before the flags are looked at. */
static void vector_edges(void)
{
	char buf[16];
	struct iovec none = {buf, 0}, one = {buf, 1}, all = {buf, sizeof buf};
	int d = open(".", O_RDONLY | O_DIRECTORY);
	CALL("preadv of a directory, 0 bytes", preadv(d, &none, 1, 0));
	CALL("preadv of a directory, 1 byte", preadv(d, &one, 1, 0));
	CALL("preadv2 of a directory, RWF_HIPRI", preadv2(d, &one, 1, 0, RWF_HIPRI));
	CALL("preadv2 of a directory, RWF_NOWAIT", preadv2(d, &one, 1, 0, RWF_NOWAIT));
	CALL("preadv2 of a directory, RWF_DSYNC", preadv2(d, &one, 1, 0, RWF_DSYNC));
	CALL("preadv2 of a directory, unknown flag", preadv2(d, &one, 1, 0, 1 << 20));
	close(d);
	int f = open("vector", O_CREAT | O_RDWR, 0644);
	CALL("pwritev", pwritev(f, &all, 1, 0));
	CALL("preadv ending past LLONG_MAX", preadv(f, &all, 1, LLONG_MAX - 4));
	CALL("pwritev ending past LLONG_MAX", pwritev(f, &all, 1, LLONG_MAX - 4));
	CALL("preadv at LLONG_MAX", preadv(f, &one, 1, LLONG_MAX));
	CALL("preadv2 ending past LLONG_MAX, unknown flag", preadv2(f, &all, 1, LLONG_MAX - 4, 1 << 20));
	CALL("preadv ending at LLONG_MAX", preadv(f, &all, 1, LLONG_MAX - (long)sizeof buf));
	CALL("preadv ending past LLONG_MAX, nothing to read", preadv(f, &none, 1, LLONG_MAX - 4));
	CALL("lseek to LLONG_MAX - 4", lseek(f, LLONG_MAX - 4, SEEK_SET) == LLONG_MAX - 4);
	CALL("preadv2 at the position, ending past LLONG_MAX", preadv2(f, &all, 1, -1, 0));
	close(f);
}

/* getdents' count is an int in the kernel's callback: one past INT_MAX holds no record (EINVAL). */
static void listing_edges(void)
{
	char buf[4096];
	int d = open(".", O_RDONLY | O_DIRECTORY);
	CALL("getdents64, count UINT_MAX", syscall(SYS_getdents64, d, buf, UINT_MAX));
	CALL("getdents, count 1 << 31", syscall(SYS_getdents, d, buf, 1U << 31));
	CALL("getdents64, count INT_MAX, a bad buffer", syscall(SYS_getdents64, d, (void *)16, INT_MAX));
	CALL("getdents64, count 24", syscall(SYS_getdents64, d, buf, 24) > 0);
	close(d);
}

/* build_open_flags runs before the name is copied in: a wrong O_TMPFILE is EINVAL even with a bad pointer. */
static void tmpfile_edges(void)
{
	CALL("O_TMPFILE read-only, a bad name", open((char *)16, O_TMPFILE | O_RDONLY, 0600));
	CALL("O_TMPFILE|O_CREAT, a bad name", open((char *)16, O_TMPFILE | O_CREAT | O_RDWR, 0600));
	CALL("O_TMPFILE, a bad name", open((char *)16, O_TMPFILE | O_RDWR, 0600));
	CALL("O_TMPFILE|O_PATH, a bad name", open((char *)16, O_TMPFILE | O_PATH | O_RDONLY, 0600));
}

/* RWF_NOWAIT needs FMODE_NOWAIT: an anonymous pipe has it, a FIFO (fifo_open) does not. */
static void fifo_nowait(void)
{
	char buf[4];
	struct iovec io = {buf, sizeof buf};
	int f = open("fifo", O_RDWR);
	CALL("preadv2 RWF_NOWAIT, FIFO", preadv2(f, &io, 1, -1, RWF_NOWAIT));
	CALL("pwritev2 RWF_NOWAIT, FIFO", pwritev2(f, &io, 1, -1, RWF_NOWAIT));
	CALL("pwritev2, FIFO", pwritev2(f, &io, 1, -1, 0));
	close(f);
	int p[2];
	CALL("pipe", pipe(p));
	CALL("pwritev2 RWF_NOWAIT, pipe", pwritev2(p[1], &io, 1, -1, RWF_NOWAIT));
	CALL("preadv2 RWF_NOWAIT, pipe", preadv2(p[0], &io, 1, -1, RWF_NOWAIT));
	CALL("preadv2 RWF_NOWAIT, empty pipe", preadv2(p[0], &io, 1, -1, RWF_NOWAIT));
	close(p[0]);
	close(p[1]);
}

/* A whiteout (a character node 0:0) needs no CAP_MKNOD (vfs_mknod); no driver opens it (ENXIO). */
static void whiteout(void)
{
	struct stat st;
	CALL("mknod a whiteout", mknod("whiteout", S_IFCHR | 0644, 0));
	CALL("stat it", stat("whiteout", &st));
	printf("  mode %o rdev %u:%u\n", st.st_mode, major(st.st_rdev), minor(st.st_rdev));
	CALL("open it", open("whiteout", O_RDONLY));
	int o = open("whiteout", O_PATH);
	CALL("open it O_PATH", o >= 0);
	close(o);
	CALL("mknod it again", mknod("whiteout", S_IFCHR | 0644, 0));
}

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	no_access_mode();
	vector_edges();
	listing_edges();
	tmpfile_edges();
	fifo_nowait();
	whiteout();
	printf("done\n");
	return 0;
}
