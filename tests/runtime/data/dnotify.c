/* dnotify (fcntl F_NOTIFY): which changes in a watched directory signal the watcher, with si_fd and
 * si_code POLL_MSG through F_SETSIG's signal; a watch without DN_MULTISHOT signals once; F_NOTIFY with no
 * event ends the watch; its errors. Run in an empty directory; the output is compared with a native run's. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile int hits, last_fd, last_code;

static void handler(int sig, siginfo_t *si, void *ctx)
{
	(void)sig, (void)ctx;
	hits++;
	last_fd = si->si_fd;
	last_code = si->si_code;
}

static void step(const char *what, int ret)
{
	printf("%-28s %2d %-8s hits %d fd-ok %d code %d\n", what, ret, ret < 0 ? strerrorname_np(errno) : "",
	       hits, hits ? last_fd > 2 : 0, hits ? last_code : 0);
	hits = 0;
	last_code = 0;
}

int main(void)
{
	struct sigaction act = {.sa_sigaction = handler, .sa_flags = SA_SIGINFO};
	sigemptyset(&act.sa_mask);
	sigaction(SIGRTMIN + 1, &act, NULL);
	mkdir("d", 0755);
	close(open("d/file", O_CREAT | O_WRONLY, 0644));
	int dir = open("d", O_RDONLY);
	step("F_SETSIG", fcntl(dir, F_SETSIG, SIGRTMIN + 1));
	step("F_NOTIFY all multishot", fcntl(dir, F_NOTIFY, DN_ACCESS | DN_MODIFY | DN_CREATE | DN_DELETE | DN_RENAME
					     | DN_ATTRIB | DN_MULTISHOT));
	step("create", close(open("d/new", O_CREAT | O_WRONLY, 0644)));
	int fd = open("d/file", O_RDWR);
	step("write", (int)write(fd, "abc", 3));
	char buf[4];
	step("pread", (int)pread(fd, buf, 3, 0));
	close(fd);
	step("chmod child", chmod("d/file", 0600));
	step("chmod dir", chmod("d", 0700));
	step("rename within", rename("d/new", "d/renamed"));
	step("rename out", rename("d/renamed", "moved"));
	step("rename in", rename("moved", "d/back"));
	step("unlink", unlink("d/back"));
	step("mkdir", mkdir("d/sub", 0755));
	step("change elsewhere", mkdir("other", 0755));
	step("F_NOTIFY 0 ends it", fcntl(dir, F_NOTIFY, 0));
	step("create after", close(open("d/late", O_CREAT | O_WRONLY, 0644)));
	step("F_NOTIFY one-shot create", fcntl(dir, F_NOTIFY, DN_CREATE));
	step("create 1", close(open("d/one", O_CREAT | O_WRONLY, 0644)));
	step("create 2", close(open("d/two", O_CREAT | O_WRONLY, 0644)));
	step("F_NOTIFY delete", fcntl(dir, F_NOTIFY, DN_DELETE | DN_MULTISHOT));
	step("F_NOTIFY adds create", fcntl(dir, F_NOTIFY, DN_CREATE | DN_MULTISHOT));
	step("delete (kept)", unlink("d/one"));
	step("create (added)", close(open("d/three", O_CREAT | O_WRONLY, 0644)));
	int copy = dup(dir);
	step("close of a dup ends it", close(copy));
	step("create after close", close(open("d/four", O_CREAT | O_WRONLY, 0644)));
	fd = open("d/file", O_RDONLY);
	step("F_NOTIFY on a file", fcntl(fd, F_NOTIFY, DN_CREATE));
	step("F_NOTIFY 0 on a file", fcntl(fd, F_NOTIFY, 0));
	int path = open("d", O_PATH);
	step("F_NOTIFY on O_PATH", fcntl(path, F_NOTIFY, DN_CREATE));
	return 0;
}
