/* Landlock as a sandboxed program meets it: what a domain lets through and what it refuses. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* include/uapi/linux/landlock.h of Linux 6.12 on (the C library's copy may be older). */
struct ruleset_attr {
	unsigned long long handled_access_fs, handled_access_net, scoped;
};
struct path_beneath_attr {
	unsigned long long allowed_access;
	int parent_fd;
} __attribute__((packed));
struct net_port_attr {
	unsigned long long allowed_access, port;
};
#define LANDLOCK_CREATE_RULESET_VERSION 1
#define LANDLOCK_RULE_PATH_BENEATH 1
#define LANDLOCK_RULE_NET_PORT 2
#define LANDLOCK_ACCESS_FS_EXECUTE (1ULL << 0)
#define LANDLOCK_ACCESS_FS_WRITE_FILE (1ULL << 1)
#define LANDLOCK_ACCESS_FS_READ_FILE (1ULL << 2)
#define LANDLOCK_ACCESS_FS_READ_DIR (1ULL << 3)
#define LANDLOCK_ACCESS_FS_REMOVE_FILE (1ULL << 5)
#define LANDLOCK_ACCESS_FS_MAKE_DIR (1ULL << 7)
#define LANDLOCK_ACCESS_FS_MAKE_REG (1ULL << 8)
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL (1ULL << 1)
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

static const char *err(long r)
{
	static char buf[64];
	if (r >= 0)
		snprintf(buf, sizeof buf, "%ld", r);
	else
		snprintf(buf, sizeof buf, "-1 %s", strerrorname_np(errno));
	return buf;
}

static long create(struct ruleset_attr *attr, size_t size, unsigned flags)
{
	return syscall(SYS_landlock_create_ruleset, attr, size, flags);
}

static long add_path(int ruleset, const char *path, unsigned long long access)
{
	struct path_beneath_attr rule = { .allowed_access = access, .parent_fd = open(path, O_PATH | O_CLOEXEC) };
	long r = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
	close(rule.parent_fd);
	return r;
}

static int bind_port(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	int r = bind(fd, (struct sockaddr *)&sin, sizeof sin);
	int e = errno;
	close(fd);
	errno = e;
	return r;
}

static void sandboxed(void)
{
	unsigned long long fs = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_EXECUTE |
		LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
		LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_REFER;
	struct ruleset_attr attr = { .handled_access_fs = fs, .handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP,
					      .scoped = LANDLOCK_SCOPE_SIGNAL };
	int ruleset = create(&attr, sizeof attr, 0);
	printf("rule on rw: %s\n", err(add_path(ruleset, "rw", fs)));
	printf("rule on ro: %s\n", err(add_path(ruleset, "ro", LANDLOCK_ACCESS_FS_READ_FILE)));
	printf("rule on a file, MAKE_DIR: %s\n", err(add_path(ruleset, "ro/old", LANDLOCK_ACCESS_FS_MAKE_DIR)));
	struct net_port_attr port = { .allowed_access = LANDLOCK_ACCESS_NET_BIND_TCP, .port = 40123 };
	printf("port rule: %s\n", err(syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_NET_PORT, &port, 0)));
	printf("restrict without no_new_privs as root: %s\n", err(syscall(SYS_landlock_restrict_self, ruleset, 0)));
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	printf("restrict again: %s\n", err(syscall(SYS_landlock_restrict_self, ruleset, 0)));
	close(ruleset);

	printf("create in rw: %s\n", err(open("rw/new", O_CREAT | O_WRONLY | O_CLOEXEC, 0644)));
	printf("create in ro: %s\n", err(open("ro/new", O_CREAT | O_WRONLY | O_CLOEXEC, 0644)));
	printf("read in ro: %s\n", err(open("ro/old", O_RDONLY | O_CLOEXEC) >= 0 ? 0 : -1));
	printf("write in ro: %s\n", err(open("ro/old", O_WRONLY | O_CLOEXEC)));
	printf("read outside: %s\n", err(open("outside", O_RDONLY | O_CLOEXEC)));
	char through_proc[64];
	snprintf(through_proc, sizeof through_proc, "/proc/self/fd/%d", open("ro/old", O_PATH | O_CLOEXEC));
	printf("read in ro through /proc: %s\n", err(open(through_proc, O_RDONLY | O_CLOEXEC) >= 0 ? 0 : -1));
	printf("write in ro through /proc: %s\n", err(open(through_proc, O_WRONLY | O_CLOEXEC)));
	printf("truncate in ro: %s\n", err(truncate("ro/old", 0)));
	printf("mkdir in ro: %s\n", err(mkdir("ro/dir", 0755)));
	printf("mkdir in rw: %s\n", err(mkdir("rw/dir", 0755)));
	printf("unlink in ro: %s\n", err(unlink("ro/old")));
	printf("rename rw to ro: %s\n", err(rename("rw/new", "ro/new")));
	printf("rename within rw: %s\n", err(rename("rw/new", "rw/dir/new")));
	printf("rename ro to rw: %s\n", err(rename("ro/old", "rw/old")));
	printf("exec outside: %s\n", err(execl("/proc/self/exe", "landlock", "x", (char *)NULL)));
	printf("bind allowed port: %s\n", err(bind_port(40123)));
	printf("bind other port: %s\n", err(bind_port(40124)));
	printf("signal the parent: %s\n", err(kill(getppid(), 0)));
	printf("signal itself: %s\n", err(kill(getpid(), 0)));
	struct ruleset_attr more = { .handled_access_fs = LANDLOCK_ACCESS_FS_READ_DIR };
	int second = create(&more, sizeof more, 0);
	printf("second layer: %s\n", err(syscall(SYS_landlock_restrict_self, second, 0)));
	printf("opendir rw now: %s\n", err(open("rw", O_RDONLY | O_DIRECTORY | O_CLOEXEC)));
	fflush(stdout);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return 3;
	mkdir("rw", 0755);
	mkdir("ro", 0755);
	close(open("ro/old", O_CREAT | O_WRONLY, 0644));
	close(open("outside", O_CREAT | O_WRONLY, 0644));
	setvbuf(stdout, NULL, _IONBF, 0);
	printf("abi: %s\n", err(create(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)));
	struct ruleset_attr empty = { 0 };
	printf("empty ruleset: %s\n", err(create(&empty, sizeof empty, 0)));
	struct ruleset_attr bad = { .handled_access_fs = 1ULL << 40 };
	printf("unknown right: %s\n", err(create(&bad, sizeof bad, 0)));
	printf("attr too short: %s\n", err(create(&bad, 7, 0)));
	pid_t child = fork();
	if (child == 0) {
		sandboxed();
		_exit(0);
	}
	int status;
	waitpid(child, &status, 0);
	printf("child: %d\n", WEXITSTATUS(status));
	printf("done\n");
	return 0;
}
