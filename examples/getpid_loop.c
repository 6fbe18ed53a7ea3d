/* getpid_loop [N]: N (default 100000) getpid calls; exits 0 if all agreed. */
#include <syscall.h>

int main(int argc, char **argv, char **envp)
{
	long n = 0, pid = getpid();

	if (argc > 1)
		for (char *s = argv[1]; *s; s++)
			n = n * 10 + (*s - '0');
	else
		n = 100000;
	while (n--)
		if (getpid() != pid)
			return 1;
	return 0;
}
