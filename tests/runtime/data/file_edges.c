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

int main(void)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	no_access_mode();
	printf("done\n");
	return 0;
}
