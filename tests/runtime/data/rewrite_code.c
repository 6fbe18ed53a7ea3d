/*
 * Code that changes under the cpu: written by the program itself (QEMU sees
 * that) and by the kernel, read() into an RWX buffer (the host writes it,
 * which QEMU cannot see). Each call must run the code as it is now.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
	unsigned char code[] = { 0xb8, 0, 0, 0, 0, 0xc3 }; /* mov $N, %eax; ret */
	unsigned char *buffer = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int fds[2], i;

	pipe(fds);
	for (i = 1; i <= 4; i++) {
		code[1] = (unsigned char)i;
		if (i % 2) {
			memcpy(buffer, code, sizeof code);
		} else {
			write(fds[1], code, sizeof code);
			read(fds[0], buffer, sizeof code);
		}
		printf("%s: %d\n", i % 2 ? "memcpy" : "read", ((int (*)(void))buffer)());
	}
	return 0;
}
