/* A core dump on the machine: WCOREDUMP, an ELF core whose notes name the dead process and whose segments hold
   its memory, what MADV_DONTDUMP left out excepted; and /proc/self/coredump_filter. */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>


int main(void)
{
	struct rlimit unlimited = {RLIM_INFINITY, RLIM_INFINITY};
	char filter[32] = {0};
	int fd = open("/proc/self/coredump_filter", O_RDWR);
	read(fd, filter, sizeof(filter) - 1);
	printf("filter: %s", filter);
	printf("write 0x13: %zd\n", pwrite(fd, "0x13", 4, 0));
	pread(fd, filter, sizeof(filter) - 1, 0);
	printf("filter now: %s", filter);
	printf("write junk: %zd\n", pwrite(fd, "junk", 4, 0));
	pwrite(fd, "0x33", 4, 0);
	setrlimit(RLIMIT_CORE, &unlimited);
	char *kept = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *hidden = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	strcpy(kept + 100, "KEPT-MARKER");
	strcpy(hidden + 100, "HIDDEN-MARKER");
	madvise(hidden, 8192, MADV_DONTDUMP);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		abort();
	int status;
	waitpid(pid, &status, 0);
	printf("signaled %d sig %d core %d\n", WIFSIGNALED(status), WTERMSIG(status), !!WCOREDUMP(status));
	int core = open("core", O_RDONLY);
	struct stat st;
	fstat(core, &st);
	printf("core mode %o\n", st.st_mode & 0777);
	ssize_t size = st.st_size;
	char *image = mmap(NULL, size, PROT_READ, MAP_PRIVATE, core, 0);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)image;
	printf("elf core: %d type %d machine %d\n", memcmp(eh->e_ident, ELFMAG, SELFMAG) == 0, eh->e_type, eh->e_machine);
	Elf64_Phdr *ph = (Elf64_Phdr *)(image + eh->e_phoff);
	int kept_found = 0, hidden_found = 0, loads = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_NOTE) {
			Elf64_Nhdr *n = (Elf64_Nhdr *)(image + ph[i].p_offset);
			int pr_pid = *(int *)((char *)(n + 1) + 8 + 32);
			printf("first note: type %d name %s pid is the child's %d signal %d\n", n->n_type,
			       (char *)(n + 1), pr_pid == pid, *(int *)((char *)(n + 1) + 8));
		}
		if (ph[i].p_type != PT_LOAD)
			continue;
		loads++;
		unsigned long start = ph[i].p_vaddr, end = start + ph[i].p_memsz, at = (unsigned long)kept - start;
		if (start <= (unsigned long)kept && (unsigned long)kept < end)
			kept_found = ph[i].p_filesz > at && ph[i].p_offset + at + 200 <= (unsigned long)size &&
				     !strcmp(image + ph[i].p_offset + at + 100, "KEPT-MARKER");
		if (start <= (unsigned long)hidden && (unsigned long)hidden < end)
			hidden_found = ph[i].p_filesz != 0;
	}
	printf("segments: %d kept %d hidden %d\n", loads > 3, kept_found, hidden_found);
	printf("done\n");
	return 0;
}
