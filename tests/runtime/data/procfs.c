/* /proc's answers that a program can check the same way natively and on the machine. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

static char buf[4096];

static const char *result(long r) { return r < 0 ? strerrorname_np(errno) : "ok"; }

static ssize_t slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);

	buf[n > 0 ? n : 0] = 0;
	if (fd >= 0)
		close(fd);
	return n;
}

int main(int argc, char **argv)
{
	char path[64], want[64], cwd[256];
	pid_t me = getpid(), child;
	int status, dir;

	setvbuf(stdout, NULL, _IONBF, 0);
	/* getcwd and the cwd link inside /proc name the directory by its pid. */
	snprintf(want, sizeof want, "/proc/%d/fd", me);
	chdir("/proc/self/fd");
	printf("getcwd in /proc/self/fd names the pid: %d\n", strcmp(getcwd(cwd, sizeof cwd), want) == 0);
	ssize_t n = readlink("/proc/self/cwd", cwd, sizeof cwd - 1);
	cwd[n > 0 ? n : 0] = 0;
	printf("cwd link too: %d\n", strcmp(cwd, want) == 0);
	chdir("/");
	snprintf(want, sizeof want, "%d", me);
	n = readlink("/proc/self", cwd, sizeof cwd - 1);
	cwd[n > 0 ? n : 0] = 0;
	printf("/proc/self is the pid: %d\n", strcmp(cwd, want) == 0);

	/* Uptime, three ways: the same clock. */
	struct timespec boot;
	struct sysinfo si;
	double up = -1;

	clock_gettime(CLOCK_BOOTTIME, &boot);
	slurp("/proc/uptime");
	sscanf(buf, "%lf", &up);
	sysinfo(&si);
	printf("/proc/uptime and sysinfo agree with CLOCK_BOOTTIME: %d %d\n", fabs(up - (double)boot.tv_sec) < 2,
	       labs(si.uptime - boot.tv_sec) < 2);

	/* The command line is read from memory: what the program wrote there shows. */
	argv[0][0] = 'X';
	n = slurp("/proc/self/cmdline");
	printf("cmdline after writing argv[0]: %zd bytes, starts with X: %d, last is NUL: %d\n", n, buf[0] == 'X',
	       n > 0 && buf[n - 1] == 0);
	argv[0][0] = '/';

	/* comm can be written by the process itself, and is cut to 15 bytes. */
	int fd = open("/proc/self/comm", O_WRONLY);
	printf("write comm: %s\n", result(write(fd, "a-much-longer-name-than-fits", 28)));
	close(fd);
	slurp("/proc/self/comm");
	printf("comm now: %s", buf);
	fd = open("/proc/self/stat", O_WRONLY);
	printf("write stat: %s\n", result(write(fd, "x", 1)));
	close(fd);
	fd = open("/proc/meminfo", O_WRONLY);
	printf("write meminfo: %s\n", result(write(fd, "x", 1)));
	close(fd);

	/* A zombie: its status stays, its exe and memory are gone. */
	child = fork();
	if (child == 0)
		_exit(7);
	snprintf(path, sizeof path, "/proc/%d/status", child);
	/* Until it has exited (unreaped), however busy the machine: at most 10 s. */
	for (int tries = 0; tries < 10000 && (slurp(path), !strstr(buf, "State:\tZ")); tries++)
		usleep(1000);
	printf("zombie state: %s\n", strstr(buf, "State:\tZ (zombie)") ? "Z (zombie)" : buf);
	snprintf(path, sizeof path, "/proc/%d/exe", child);
	printf("zombie exe: %s\n", result(readlink(path, cwd, sizeof cwd)));
	snprintf(path, sizeof path, "/proc/%d/cmdline", child);
	printf("zombie cmdline: %zd bytes\n", slurp(path));
	snprintf(path, sizeof path, "/proc/%d/fd", child);
	DIR *fds = opendir(path);
	int open_fds = 0;

	for (struct dirent *e; fds && (e = readdir(fds));)
		open_fds += e->d_name[0] != '.';
	if (fds)
		closedir(fds);
	printf("zombie fds: %d listed\n", open_fds);
	snprintf(path, sizeof path, "/proc/%d/stat", child);
	slurp(path);
	int fields = 0;
	for (char *p = strrchr(buf, ')'); p && *p; p++)
		fields += *p == ' ';
	printf("stat fields: %d\n", fields + 1);

	/* Reaped: what was open of it answers ESRCH. */
	snprintf(path, sizeof path, "/proc/%d", child);
	dir = open(path, O_RDONLY | O_DIRECTORY);
	waitpid(child, &status, 0);
	printf("openat(reaped, status): %s\n", result(openat(dir, "status", O_RDONLY)));
	printf("stat(reaped dir): %s\n", result(stat(path, &(struct stat){0})));

	/* Nothing is made in /proc, and nothing moves in or out. */
	printf("creat: %s\n", result(open("/proc/made", O_CREAT | O_WRONLY, 0644)));
	printf("mkdir: %s\n", result(mkdir("/proc/made", 0755)));
	printf("symlink: %s\n", result(symlink("x", "/proc/made")));
	printf("unlink: %s\n", result(unlink("/proc/uptime")));
	close(open("/procfs-test", O_CREAT | O_WRONLY, 0644));
	printf("rename in: %s\n", result(rename("/procfs-test", "/proc/made")));
	unlink("/procfs-test");
	return 0;
}
