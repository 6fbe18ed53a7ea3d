/*
 * my_func(a, b) = a + b twice: as the system call `syscalltbl add-syscall`
 * made, and as an ioctl on /dev/adder (examples/adder_device.py). Build
 * against a project's build/runtime/x86_64/user and devices/ (see
 * tests/runtime/test_runtime_device.py). The asm labels mark the two calls
 * for instruction counting.
 */
#include "syscall.h"

#ifndef _IOC
#define _IOC(dir, type, nr, size) (((dir) << 30) | ((size) << 16) | ((type) << 8) | (nr))
#define _IOWR(type, nr, argtype) _IOC(3U, (type), (nr), sizeof(argtype))
#endif

struct adder_args {
	int a, b, sum;
};

#define ADDER_ADD _IOWR('A', 1, struct adder_args)

static int via_ioctl(int fd, int a, int b)
{
	struct adder_args args = { a, b, 0 };

	__asm__ volatile(".globl ioctl_begin\nioctl_begin:");
	if (ioctl(fd, ADDER_ADD, (unsigned long)&args) != 0)
		return -1;
	__asm__ volatile(".globl ioctl_end\nioctl_end:");
	return args.sum;
}

static int via_syscall(int a, int b)
{
	long r;

	__asm__ volatile(".globl syscall_begin\nsyscall_begin:");
	r = my_func(a, b);
	__asm__ volatile(".globl syscall_end\nsyscall_end:");
	return (int)r;
}

int main(void)
{
	static const char ok[] = "my_func(40, 2) = 42 both ways\n";
	int fd = open("/dev/adder", 2, 0);

	if (fd < 0)
		return 2;
	if (via_syscall(40, 2) != 42 || via_ioctl(fd, 40, 2) != 42)
		return 1;
	write(1, ok, sizeof(ok) - 1);
	return 0;
}
