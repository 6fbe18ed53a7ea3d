/* process_vm_readv/writev, sysfs, ustat, reboot's and vhangup's checks (issue 17, debugging and leftovers).
 * Prints what each call answers; run natively (as root, on a tmpfs) and on the machine, the outputs must match.
 * Nothing here may change the host: reboot is only given bad magic, bad commands or no capability,
 * vhangup is only called without CAP_SYS_TTY_CONFIG. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_mseal
#define SYS_mseal 462
#endif
#ifndef SYS_lsm_list_modules
#define SYS_lsm_list_modules 461
#endif
#ifndef SYS_cachestat
#define SYS_cachestat 451	/* older C library headers lack it */
#endif

static const char *err(long r)
{
	static char buf[64];
	if (r >= 0) {
		snprintf(buf, sizeof buf, "%ld", r);
		return buf;
	}
	snprintf(buf, sizeof buf, "-1 %s", strerrorname_np(errno));
	return buf;
}

static char remote[8192] = "the child's own words, which the parent reads";

int main(void)
{
	int to_child[2], to_parent[2];
	char c = 0, local[64] = {0};
	if (pipe(to_child) || pipe(to_parent))
		return 1;
	pid_t child = fork();
	if (child == 0) {
		/* Make the second page of remote unreadable, report, then wait until told, and print what it holds. */
		mprotect((char *)(((unsigned long)remote + 4095) & ~4095UL), 4096, PROT_NONE);
		write(to_parent[1], "r", 1);
		read(to_child[0], &c, 1);
		printf("child sees: %s\n", remote);
		fflush(stdout);
		/* As nobody, the parent (root) is not ours to read. */
		setresuid(65534, 65534, 65534);
		struct iovec l = {local, 8}, r = {remote, 8};
		printf("nobody reads root: %s\n", err(syscall(SYS_process_vm_readv, getppid(), &l, 1, &r, 1, 0)));
		printf("nobody vhangup: %s\n", err(syscall(SYS_vhangup)));
		printf("nobody syslog READ: %s\n", err(syscall(SYS_syslog, 2, local, 0)));
		printf("nobody syslog CONSOLE_LEVEL: %s\n", err(syscall(SYS_syslog, 8, NULL, 7)));
		printf("nobody reboot: %s\n", err(syscall(SYS_reboot, 0xfee1dead, 672274793, 0x89abcdef, 0)));
		fflush(stdout);
		_exit(0);
	}
	read(to_parent[0], &c, 1);
	struct iovec l = {local, 10}, r = {remote, 10};
	printf("readv 10: %s", err(syscall(SYS_process_vm_readv, child, &l, 1, &r, 1, 0)));
	printf(" '%.10s'\n", local);
	/* Two local pieces filled from one remote buffer. */
	struct iovec l2[2] = {{local, 4}, {local + 20, 6}};
	memset(local, 0, sizeof local);
	r.iov_base = remote + 4;
	printf("readv 4+6: %s '%.4s' '%.6s'\n", err(syscall(SYS_process_vm_readv, child, l2, 2, &r, 1, 0)), local,
	       local + 20);
	/* Up to the unreadable page: a partial count, then EFAULT when nothing can be moved. */
	char *page = (char *)(((unsigned long)remote + 4095) & ~4095UL);
	static char big[8192];
	struct iovec lb = {big, 8192}, rb = {page - 100, 200};
	printf("readv across PROT_NONE: %s\n", err(syscall(SYS_process_vm_readv, child, &lb, 1, &rb, 1, 0)));
	rb.iov_base = page;
	printf("readv in PROT_NONE: %s\n", err(syscall(SYS_process_vm_readv, child, &lb, 1, &rb, 1, 0)));
	printf("flags 1: %s\n", err(syscall(SYS_process_vm_readv, child, &l, 1, &r, 1, 1)));
	printf("zero local: %s\n", err(syscall(SYS_process_vm_readv, -5, &l, 0, &r, 1, 0)));
	printf("pid -5: %s\n", err(syscall(SYS_process_vm_readv, -5, &l, 1, &r, 1, 0)));
	struct iovec neg = {local, (size_t)-1};
	printf("len -1: %s\n", err(syscall(SYS_process_vm_readv, child, &neg, 1, &r, 1, 0)));
	printf("rvec bad: %s\n", err(syscall(SYS_process_vm_readv, child, &l, 1, (void *)-1, 1, 0)));
	printf("riovcnt 1025: %s\n", err(syscall(SYS_process_vm_readv, child, &l, 1, &r, 1025, 0)));
	struct iovec lbad = {(void *)-1, 10};
	printf("lvec base bad: %s\n", err(syscall(SYS_process_vm_readv, child, &lbad, 1, &r, 1, 0)));
	/* Write into the child, then let it print. */
	struct iovec lw = {"written by the parent", 22}, rw = {remote, 22};
	printf("writev: %s\n", err(syscall(SYS_process_vm_writev, child, &lw, 1, &rw, 1, 0)));
	fflush(stdout);
	write(to_child[1], "w", 1);
	int status;
	waitpid(child, &status, 0);
	printf("child status %d\n", status);

	long n = syscall(SYS_sysfs, 3);
	printf("sysfs count positive: %d\n", n > 0);
	long proc = syscall(SYS_sysfs, 1, "proc");
	char name[64] = {0};
	printf("sysfs name of proc's index: %s %s\n", err(syscall(SYS_sysfs, 2, proc, name)), name);
	printf("sysfs index ext0: %s\n", err(syscall(SYS_sysfs, 1, "ext0")));
	printf("sysfs index \"\": %s\n", err(syscall(SYS_sysfs, 1, "")));
	printf("sysfs name past the count: %s\n", err(syscall(SYS_sysfs, 2, n, name)));
	printf("sysfs option 4: %s\n", err(syscall(SYS_sysfs, 4)));
	printf("sysfs index bad pointer: %s\n", err(syscall(SYS_sysfs, 1, (void *)-1)));

	struct stat st;
	stat(".", &st);
	char ubuf[32];
	printf("ustat of .'s device: %s\n", err(syscall(SYS_ustat, (unsigned)st.st_dev, ubuf)));
	printf("ustat of device -1: %s\n", err(syscall(SYS_ustat, (unsigned)-1, ubuf)));
	printf("ustat bad buffer: %s\n", err(syscall(SYS_ustat, (unsigned)st.st_dev, (void *)-1)));

	printf("reboot bad magic: %s\n", err(syscall(SYS_reboot, 0xfee1deae, 672274793, 0x89abcdef, 0)));
	printf("reboot bad command: %s\n", err(syscall(SYS_reboot, 0xfee1dead, 672274793, 100, 0)));
	printf("reboot kexec: %s\n", err(syscall(SYS_reboot, 0xfee1dead, 672274793, 0x45584543, 0)));

	/* syslog: only what leaves the host's log and console as they are. */
	char log[1024] = {0};
	printf("syslog action 100: %s\n", err(syscall(SYS_syslog, 100, log, 0)));
	printf("syslog READ NULL: %s\n", err(syscall(SYS_syslog, 2, NULL, 0)));
	printf("syslog READ 0 bytes: %s\n", err(syscall(SYS_syslog, 2, log, 0)));
	printf("syslog READ_ALL -1: %s\n", err(syscall(SYS_syslog, 3, log, -1)));
	printf("syslog READ_ALL bad buffer: %s\n", err(syscall(SYS_syslog, 3, (void *)-4096L, 64)));
	printf("syslog CONSOLE_LEVEL 9: %s\n", err(syscall(SYS_syslog, 8, NULL, 9)));
	printf("syslog CONSOLE_LEVEL 0: %s\n", err(syscall(SYS_syslog, 8, NULL, 0)));
	printf("syslog SIZE_BUFFER positive: %d\n", syscall(SYS_syslog, 10, NULL, 0) > 0);
	long got = syscall(SYS_syslog, 3, log, 1023);
	printf("syslog READ_ALL 1023: in range %d, a record's start '%c'\n", got > 0 && got <= 1023,
	       got > 0 ? log[strcspn(log, "<")] : '?');
	FILE *printk = fopen("/proc/sys/kernel/printk", "r");
	int levels[4], n_levels = printk ? fscanf(printk, "%d %d %d %d", &levels[0], &levels[1], &levels[2], &levels[3]) : -1;
	printf("/proc/sys/kernel/printk: %d levels\n", n_levels);

	/* cachestat: a tmpfs file of three written pages and a hole. */
	int fd = open("cached", O_RDWR | O_CREAT | O_TRUNC, 0600);
	static char page_of_a[3 * 4096];
	memset(page_of_a, 'a', sizeof page_of_a);
	write(fd, page_of_a, sizeof page_of_a);
	ftruncate(fd, 8 * 4096);
	unsigned long range[2] = {0, 0}, cs[5];
	memset(cs, 0xff, sizeof cs);
	printf("cachestat whole: %s", err(syscall(SYS_cachestat, fd, range, cs, 0)));
	printf(" cache %lu dirty %lu writeback %lu evicted %lu recently %lu\n", cs[0], cs[1], cs[2], cs[3], cs[4]);
	range[0] = 4096, range[1] = 4097;
	printf("cachestat 4096+4097: %s", err(syscall(SYS_cachestat, fd, range, cs, 0)));
	printf(" cache %lu\n", cs[0]);
	range[0] = 3 * 4096, range[1] = 4096;
	printf("cachestat the hole: %s", err(syscall(SYS_cachestat, fd, range, cs, 0)));
	printf(" cache %lu\n", cs[0]);
	printf("cachestat flags 1: %s\n", err(syscall(SYS_cachestat, fd, range, cs, 1)));
	printf("cachestat bad range: %s\n", err(syscall(SYS_cachestat, fd, (void *)-1, cs, 0)));
	printf("cachestat bad result: %s\n", err(syscall(SYS_cachestat, fd, range, (void *)-1, 0)));
	printf("cachestat fd -1: %s\n", err(syscall(SYS_cachestat, -1, range, cs, 0)));
	int path_fd = open("cached", O_PATH);
	printf("cachestat O_PATH: %s\n", err(syscall(SYS_cachestat, path_fd, range, cs, 0)));
	int pipe_fds[2];
	pipe(pipe_fds);
	printf("cachestat pipe: %s", err(syscall(SYS_cachestat, pipe_fds[0], range, cs, 0)));
	printf(" cache %lu\n", cs[0]);
	unlink("cached");

	/* remap_file_pages: a shared mapping of four pages 'A'..'D' shows page 3 at its start, then page 1. */
	int rfd = open("remapped", O_RDWR | O_CREAT | O_TRUNC, 0600);
	for (char letter = 'A'; letter <= 'D'; letter++) {
		memset(page_of_a, letter, 4096);
		write(rfd, page_of_a, 4096);
	}
	char *shared = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rfd, 0);
	char *private = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, rfd, 0);
	printf("remap page 0 to 3: %s", err(syscall(SYS_remap_file_pages, shared, 4096, 0, 3, 0)));
	printf(" now %c%c%c%c\n", shared[0], shared[4096], shared[2 * 4096], shared[3 * 4096]);
	printf("remap pages 2-3 to 0-1: %s", err(syscall(SYS_remap_file_pages, shared + 2 * 4096 + 5, 2 * 4096, 0, 0, 0)));
	printf(" now %c%c%c%c\n", shared[0], shared[4096], shared[2 * 4096], shared[3 * 4096]);
	shared[2 * 4096] = 'a';  /* written through to the file's page 0 */
	char first;
	pread(rfd, &first, 1, 0);
	printf("file's first byte: %c\n", first);
	printf("remap across the pieces: %s\n", err(syscall(SYS_remap_file_pages, shared, 4 * 4096, 0, 0, 0)));
	printf("remap prot 1: %s\n", err(syscall(SYS_remap_file_pages, shared, 4096, PROT_READ, 0, 0)));
	printf("remap private: %s\n", err(syscall(SYS_remap_file_pages, private, 4096, 0, 0, 0)));
	printf("remap past the end: %s\n", err(syscall(SYS_remap_file_pages, shared + 3 * 4096, 2 * 4096, 0, 0, 0)));
	printf("remap size 0: %s\n", err(syscall(SYS_remap_file_pages, shared, 100, 0, 0, 0)));
	munmap(shared, 4 * 4096);
	printf("remap unmapped: %s\n", err(syscall(SYS_remap_file_pages, shared, 4096, 0, 0, 0)));
	unlink("remapped");

	/* mseal, in a child: a sealed area stays as it is until the process ends. */
	fflush(stdout);
	if (fork() == 0) {
		char *mem = mmap(NULL, 8 * 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		printf("mseal flags 1: %s\n", err(syscall(SYS_mseal, mem, 4096, 1)));
		printf("mseal unaligned: %s\n", err(syscall(SYS_mseal, mem + 1, 4096, 0)));
		printf("mseal length 0: %s\n", err(syscall(SYS_mseal, mem, 0, 0)));
		munmap(mem + 7 * 4096, 4096);
		printf("mseal over a hole: %s\n", err(syscall(SYS_mseal, mem + 6 * 4096, 2 * 4096, 0)));
		printf("mseal pages 2-3: %s\n", err(syscall(SYS_mseal, mem + 2 * 4096, 2 * 4096, 0)));
		printf("mseal again: %s\n", err(syscall(SYS_mseal, mem + 2 * 4096, 4096, 0)));
		printf("munmap over it: %s\n", err(munmap(mem, 4 * 4096)));
		printf("munmap below it: %s\n", err(munmap(mem, 4096)));
		printf("mprotect over it: %s\n", err(mprotect(mem + 4096, 3 * 4096, PROT_READ | PROT_WRITE)));
		printf("page 1 writable now: %s\n", err(mprotect(mem + 4096, 4096, PROT_READ | PROT_WRITE)));
		printf("madvise DONTNEED: %s\n", err(madvise(mem + 2 * 4096, 4096, MADV_DONTNEED)));
		printf("madvise WILLNEED: %s\n", err(madvise(mem + 2 * 4096, 4096, MADV_WILLNEED)));
		char *heap = sbrk(0);
		sbrk(3 * 4096);
		char *heap_page = (char *)(((unsigned long)heap + 4095) & ~4095UL);
		heap_page[0] = 1;
		printf("mseal a heap page: %s\n", err(syscall(SYS_mseal, heap_page, 4096, 0)));
		/* The raw call: glibc's brk cannot tell a refused shrink, the kernel answers the break it kept. */
		printf("brk shrinking over it: break kept %d\n", syscall(SYS_brk, heap) > (long)heap_page);
		int sfd = open("sealed", O_RDWR | O_CREAT | O_TRUNC, 0600);
		ftruncate(sfd, 2 * 4096);
		char *file_map = mmap(NULL, 2 * 4096, PROT_READ, MAP_SHARED, sfd, 0);
		syscall(SYS_mseal, file_map, 2 * 4096, 0);
		printf("remap_file_pages of a sealed area: %s\n", err(syscall(SYS_remap_file_pages, file_map, 4096, 0, 1, 0)));
		unlink("sealed");
		printf("mremap it: %s\n", mremap(mem + 2 * 4096, 4096, 2 * 4096, MREMAP_MAYMOVE) == MAP_FAILED ?
		       strerrorname_np(errno) : "moved");
		printf("mmap over it: %s\n", mmap(mem + 3 * 4096, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		       -1, 0) == MAP_FAILED ? strerrorname_np(errno) : "mapped");
		fflush(stdout);
		if (fork() == 0) {
			printf("forked child munmap: %s\n", err(munmap(mem + 2 * 4096, 4096)));
			fflush(stdout);
			_exit(0);
		}
		wait(NULL);
		_exit(0);
	}
	wait(NULL);

	/* lsm_list_modules: capability, which every kernel runs, is listed; the host may run more. */
	unsigned long long lsm_ids[32] = {0};
	unsigned int lsm_size = 0;
	printf("lsm size 0: %s", err(syscall(SYS_lsm_list_modules, lsm_ids, &lsm_size, 0)));
	printf(" needed a multiple of 8: %d\n", lsm_size > 0 && lsm_size % 8 == 0);
	lsm_size = sizeof lsm_ids;
	long lsm_count = syscall(SYS_lsm_list_modules, lsm_ids, &lsm_size, 0);
	int capability_listed = 0;
	for (long i = 0; i < lsm_count; i++)
		capability_listed |= lsm_ids[i] == 100;
	printf("lsm list: count matches size %d, capability listed %d\n", lsm_count * 8 == lsm_size, capability_listed);
	printf("lsm flags 1: %s\n", err(syscall(SYS_lsm_list_modules, lsm_ids, &lsm_size, 1)));
	printf("lsm size NULL: %s\n", err(syscall(SYS_lsm_list_modules, lsm_ids, NULL, 0)));
	printf("lsm ids NULL: %s\n", err(syscall(SYS_lsm_list_modules, NULL, &lsm_size, 0)));
	printf("done\n");
	return 0;
}
