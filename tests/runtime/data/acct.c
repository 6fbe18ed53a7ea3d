/* BSD process accounting (issue 17). With no argument only the refusals (natively too: nothing is turned on);
 * with "on" (the machine only) a child's record is written and read back. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/acct.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *err(long r) { return r == -1 ? strerrorname_np(errno) : "ok"; }

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	mkdir("adir", 0755);
	printf("acct dir: %s\n", err(acct("adir")));
	printf("acct missing: %s\n", err(acct("nothere/x")));
	printf("acct device: %s\n", err(acct("/dev/null")));
	printf("acct bad pointer: %s\n", err(acct((char *)8)));
	pid_t pid = fork();
	if (!pid) {
		setuid(65534);
		printf("nobody acct: %s\n", err(acct(NULL)));
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	if (argc > 1 && !strcmp(argv[1], "on")) {
		close(open("records", O_CREAT | O_WRONLY, 0644));
		printf("acct on: %s\n", err(acct("records")));
		pid = fork();
		if (!pid)
			_exit(3);
		waitpid(pid, NULL, 0);
		printf("acct off: %s\n", err(acct(NULL)));
		struct acct_v3 r;
		int fd = open("records", O_RDONLY), found = 0;
		while (read(fd, &r, sizeof r) == sizeof r)
			if (r.ac_pid == (uint32_t)pid) {
				found = 1;
				printf("record: version %d exitcode %u ppid is mine %s uid %u comm %s flag %d\n", r.ac_version,
				       r.ac_exitcode, r.ac_ppid == (uint32_t)getpid() ? "yes" : "no", r.ac_uid, r.ac_comm,
				       r.ac_flag);
			}
		printf("record found: %d, size %zu\n", found, sizeof r);
	}
	printf("done\n");
	return 0;
}
