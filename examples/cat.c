/* cat: copy each file named (or stdin) to stdout; report errors like cat(1). */
#include <syscall.h>

static long put(int fd, const char *s)
{
	long n = 0;

	while (s[n])
		n++;
	return write(fd, s, n);
}

static int copy(int fd)
{
	char buf[512];
	long n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		if (write(1, buf, n) != n)
			return 1;
	return n < 0;
}

int main(int argc, char **argv, char **envp)
{
	int status = 0;

	if (argc == 1)
		return copy(0);
	for (int i = 1; i < argc; i++) {
		long fd = openat(AT_FDCWD, argv[i], O_RDONLY, 0);

		if (fd < 0) {
			put(2, "cat: ");
			put(2, argv[i]);
			put(2, errno == 2 ? ": No such file or directory\n" : ": error\n");
			status = 1;
			continue;
		}
		status |= copy(fd);
		close(fd);
	}
	return status;
}
