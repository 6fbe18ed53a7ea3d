/*
 * memory: grow the heap with brk, map anonymous pages with mmap, make one
 * read-only with mprotect, unmap it; exit 0 if every step behaved.
 */
#include <syscall.h>

int main(int argc, char **argv, char **envp)
{
	char *base = (char *)brk(0), *p;
	long sum = 0;

	if ((char *)brk((unsigned long)(base + 3 * 4096)) != base + 3 * 4096)
		return 1;
	for (int i = 0; i < 3 * 4096; i++)
		base[i] = 1;
	p = (char *)mmap(0, 5 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 2;
	for (int i = 0; i < 5 * 4096; i += 4096)
		sum += p[i];		/* fresh anonymous memory reads as zero */
	p[4 * 4096] = 42;
	if (sum != 0 || mprotect((unsigned long)p, 4096, PROT_READ) != 0)
		return 3;
	if (munmap((unsigned long)p + 4096, 4096) != 0)
		return 4;
	if (mmap(0, 4096, PROT_READ, MAP_PRIVATE, 99, 0) != -1 || errno != 9)
		return 5;		/* EBADF */
	write(1, "heap and mappings ok\n", 21);
	if (argc > 1)
		p[0] = 1;		/* read-only now: SIGSEGV */
	if (argc > 2)
		p[4096] = 1;		/* unmapped: SIGSEGV */
	return base[2 * 4096] + p[4 * 4096] - 43;
}
