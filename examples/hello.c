/* hello: write(2) to stdout, exit with a status of our choosing. */
#include <syscall.h>

int main(int argc, char **argv, char **envp)
{
	static const char msg[] = "hello, world\n";

	if (write(1, msg, sizeof(msg) - 1) != sizeof(msg) - 1)
		return 1;
	return argc == 1 ? 0 : 7;
}
