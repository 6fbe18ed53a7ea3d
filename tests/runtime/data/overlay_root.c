/* The machine's root is a host directory seen copy-on-write, an overlay as Linux says: statfs's f_type,
 * /proc/self/mounts and mountinfo name it so, while /dev/shm and a mounted tmpfs stay tmpfs. A write
 * lease being broken by an open for writing cannot be downgraded to a read lease (the opener already
 * counts as a writer). Run as root in /work of the machine's root. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void fs_type(const char *path)
{
	struct statfs sf;
	if (statfs(path, &sf) < 0) {
		printf("statfs %s: %s\n", path, strerrorname_np(errno));
		return;
	}
	printf("statfs %s: %#lx nosuid %d nodev %d relatime %d\n", path, (unsigned long)sf.f_type,
	       !!(sf.f_flags & ST_NOSUID), !!(sf.f_flags & ST_NODEV), !!(sf.f_flags & ST_RELATIME));
}

static void mount_line(const char *file, const char *where, int field)
{
	char line[1024];
	FILE *f = fopen(file, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *words[16] = {0};
		int n = 0;
		for (char *w = strtok(line, " \n"); w && n < 16; w = strtok(NULL, " \n"))
			words[n++] = w;
		if (n > field && strcmp(words[field], where) == 0) {
			if (field == 1) /* mounts: source, type, then the options' head */
				printf("%s %s: %s %s %.11s\n", file, where, words[0], words[2], words[3]);
			else /* mountinfo: what follows the separator */
				for (int i = 0; i < n - 2; i++)
					if (strcmp(words[i], "-") == 0)
						printf("%s %s: %s %s\n", file, where, words[i + 1], words[i + 2]);
		}
	}
	if (f)
		fclose(f);
}

static void lease_break(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGIO);
	sigprocmask(SIG_BLOCK, &set, NULL);
	close(open("leased", O_CREAT | O_WRONLY, 0644));
	int fd = open("leased", O_RDONLY);
	printf("F_SETLEASE F_WRLCK: %d\n", fcntl(fd, F_SETLEASE, F_WRLCK));
	pid_t child = fork();
	if (child == 0) {
		int w = open("leased", O_WRONLY);
		_exit(w < 0);
	}
	struct timespec limit = {10, 0};
	printf("SIGIO: %d\n", sigtimedwait(&set, NULL, &limit) == SIGIO);
	int r = fcntl(fd, F_SETLEASE, F_RDLCK);
	printf("downgrade while an open for writing waits: %d %s\n", r, r < 0 ? strerrorname_np(errno) : "");
	printf("F_GETLEASE: %s\n", fcntl(fd, F_GETLEASE) == F_UNLCK ? "F_UNLCK" : "other");
	printf("F_SETLEASE F_UNLCK: %d\n", fcntl(fd, F_SETLEASE, F_UNLCK));
	int status;
	waitpid(child, &status, 0);
	printf("writer opened: %d\n", WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	fs_type("/");
	fs_type(".");
	fs_type("/dev/shm");
	fs_type("/proc");
	mkdir("t", 0755);
	printf("mount tmpfs: %d\n", mount("none", "t", "tmpfs", MS_NOEXEC, ""));
	fs_type("t");
	mount_line("/proc/self/mounts", "/", 1);
	mount_line("/proc/self/mounts", "/dev/shm", 1);
	mount_line("/proc/self/mountinfo", "/", 4);
	mount_line("/proc/self/mountinfo", "/dev/shm", 4);
	umount("t");
	lease_break();
	return 0;
}
