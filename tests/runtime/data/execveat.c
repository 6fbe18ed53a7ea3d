/* execveat's paths and flags, exec's ETXTBSY and /proc/self/status's memory lines, held to Linux: each
   case forks a child that execs a copy of this program ("report" mode prints what the new program sees:
   argv, AT_EXECFN and comm) or prints the errno its exec failed with. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char *names[] = {"EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF", "ECHILD",
                        "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV",
                        "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY"};

static const char *err(int e) {
	if (e == ELOOP)
		return "ELOOP";
	return e > 0 && e <= 26 ? names[e - 1] : "other";
}

static int execveat_(int dirfd, const char *path, char *const argv[], int flags) {
	return syscall(SYS_execveat, dirfd, path, argv, environ, flags);
}

/* `s` with the working directory's path shown as $PWD: it differs natively and on the machine. */
static const char *shown(const char *s) {
	static char out[2][4400];
	static int which;
	char here[4096];
	size_t n = getcwd(here, sizeof(here)) ? strlen(here) : 0;
	if (!n || strncmp(s, here, n))
		return s;
	which ^= 1;
	snprintf(out[which], sizeof(out[which]), "$PWD%s", s + n);
	return out[which];
}

static void report(int argc, char **argv) {
	char comm[32] = "";
	FILE *f = fopen("/proc/self/comm", "r");
	if (f && fgets(comm, sizeof(comm), f))
		comm[strcspn(comm, "\n")] = 0;
	printf("  ran: argc %d argv[0] %s", argc, shown(argv[0]));
	for (int i = 1; i < argc; i++)
		printf(" argv[%d] %s", i, argv[i]);
	printf(" execfn %s comm %s\n", shown((char *)getauxval(AT_EXECFN)), comm);
}

/* Runs `how` in a child and prints what became of it. */
static void child(const char *what, int dirfd, const char *path, int flags) {
	printf("%s:\n", what);
	fflush(stdout);
	pid_t pid = fork();
	if (!pid) {
		char *argv[] = {"report", "x", NULL};
		execveat_(dirfd, path, argv, flags);
		printf("  failed: %s\n", err(errno));
		exit(0);
	}
	waitpid(pid, NULL, 0);
}

static void copy_self(const char *to) {
	char buf[65536];
	int in = open("/proc/self/exe", O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ssize_t n;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, n) != n)
			exit(1);
	close(in);
	close(out);
}

int main(int argc, char **argv) {
	if (argc > 1 && !strcmp(argv[1], "x")) {
		report(argc, argv);
		return 0;
	}
	if (argc > 2 && !strcmp(argv[2], "x")) {  /* a script's interpreter: argv[1] is the script's path */
		report(argc, argv);
		return 0;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	mkdir("dir", 0755);
	copy_self("dir/prog");
	symlink("prog", "dir/link");
	char here[4096], prog[4200], script[4400];
	if (!getcwd(here, sizeof(here)))
		return 1;
	snprintf(prog, sizeof(prog), "%s/dir/prog", here);
	int fd = open("dir/script", O_WRONLY | O_CREAT | O_TRUNC, 0755);
	snprintf(script, sizeof(script), "#!%s\n", prog);
	if (write(fd, script, strlen(script)) < 0)
		return 1;
	close(fd);

	int dir = open("dir", O_DIRECTORY | O_RDONLY);
	int path = open("dir/prog", O_PATH);
	int cloexec_script = open("dir/script", O_PATH | O_CLOEXEC);
	int open_script = open("dir/script", O_PATH);
	int file = open("dir/prog", O_RDONLY);
	printf("fds %d %d %d %d %d\n", dir, path, cloexec_script, open_script, file);
	child("relative to a directory fd", dir, "prog", 0);
	child("AT_FDCWD", AT_FDCWD, "dir/prog", 0);
	child("absolute, bad fd", -1, prog, 0);
	child("AT_EMPTY_PATH of an O_PATH fd", path, "", AT_EMPTY_PATH);
	child("a symlink followed", dir, "link", 0);
	child("a symlink with AT_SYMLINK_NOFOLLOW", dir, "link", AT_SYMLINK_NOFOLLOW);
	child("a script through a close-on-exec fd", cloexec_script, "", AT_EMPTY_PATH);
	child("a script through an fd left open", open_script, "", AT_EMPTY_PATH);
	child("a script relative to a directory fd", dir, "script", 0);
	child("empty path without AT_EMPTY_PATH", path, "", 0);
	child("unknown flags", dir, "prog", 0x1);
	child("bad fd, empty path", -1, "", AT_EMPTY_PATH);
	child("bad fd, relative path", 99, "prog", 0);
	child("a file fd as the directory", file, "prog", 0);
	child("a directory fd itself", dir, "", AT_EMPTY_PATH);

	int writer = open("dir/prog", O_WRONLY);
	child("a file open for writing", AT_FDCWD, "dir/prog", 0);
	close(writer);
	child("once it is closed", AT_FDCWD, "dir/prog", 0);
	int self = open("/proc/self/exe", O_WRONLY);
	printf("open the running program for writing: %s\n", self < 0 ? err(errno) : "ok");

	char line[256];
	FILE *status = fopen("/proc/self/status", "r");
	printf("status:");
	while (status && fgets(line, sizeof(line), status))
		if (!strncmp(line, "Vm", 2) || !strncmp(line, "Rss", 3))
			printf(" %.*s", (int)strcspn(line, ":"), line);
	printf("\ndone\n");
	return 0;
}
