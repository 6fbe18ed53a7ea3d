/* What a program learns from exec: argv, envp, the auxiliary vector (its keys in order, and what each says
 * about the program itself) and where its stack, break and program headers are, in terms that do not depend
 * on where address randomization put them. Built static, static-pie and dynamic (PIE); run natively and on
 * the machine, the output must be the same. */
#include <elf.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

extern char **environ;
extern const ElfW(Ehdr) __ehdr_start;
extern void _start(void);

static const char *yes(int b) { return b ? "yes" : "no"; }

static const char *base_name(const char *path) {
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static void maps_report(void) {
	/* The stack's permissions, and whether an area names the program's own file. */
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512], exe[256];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	int named = 0;
	if (!f || n < 0) { puts("no /proc/self/maps"); return; }
	exe[n] = 0;
	while (fgets(line, sizeof line, f)) {
		char *name = strchr(line, '/');
		if (strstr(line, "[stack]")) printf("stack %.4s\n", strchr(line, ' ') + 1);
		if (name && strncmp(name, exe, strlen(exe)) == 0) named = 1;
	}
	fclose(f);
	printf("maps names the program's file: %s\n", yes(named));
}

int main(int argc, char **argv) {
	printf("argc %d\n", argc);
	for (int i = 1; i < argc; i++) printf("argv[%d] %s\n", i, argv[i]);
	printf("env GREETING=%s\n", getenv("GREETING") ? getenv("GREETING") : "(unset)");
	/* The vector follows envp's NULL: its keys, in the kernel's order (rseq's two are Linux's alone here). */
	char **p = environ;
	while (*p) p++;
	printf("auxv keys:");
	for (ElfW(auxv_t) *a = (ElfW(auxv_t) *)(p + 1); a->a_type != AT_NULL; a++)
		if (a->a_type != 27 && a->a_type != 28) printf(" %lu", (unsigned long)a->a_type);
	printf("\n");
	const ElfW(Phdr) *phdr = (const ElfW(Phdr) *)getauxval(AT_PHDR);
	printf("AT_PHNUM %lu = e_phnum: %s\n", getauxval(AT_PHNUM), yes(getauxval(AT_PHNUM) == __ehdr_start.e_phnum));
	printf("AT_PHENT %lu\n", getauxval(AT_PHENT));
	printf("AT_PHDR is the program's headers: %s\n",
	       yes(phdr == (const ElfW(Phdr) *)((const char *)&__ehdr_start + __ehdr_start.e_phoff)));
	printf("AT_ENTRY is _start: %s\n", yes(getauxval(AT_ENTRY) == (uintptr_t)&_start));
	printf("AT_PAGESZ %lu AT_CLKTCK %lu AT_FLAGS %lu AT_SECURE %lu\n", getauxval(AT_PAGESZ),
	       getauxval(AT_CLKTCK), getauxval(AT_FLAGS), getauxval(AT_SECURE));
	printf("AT_BASE set: %s\n", yes(getauxval(AT_BASE) != 0));
	printf("AT_UID/EUID/GID/EGID are the ids: %s\n",
	       yes(getauxval(AT_UID) == getuid() && getauxval(AT_EUID) == geteuid() &&
	           getauxval(AT_GID) == getgid() && getauxval(AT_EGID) == getegid()));
	printf("AT_PLATFORM %s\n", (const char *)getauxval(AT_PLATFORM));
	printf("AT_EXECFN ends in %s\n", base_name((const char *)getauxval(AT_EXECFN)));
	printf("AT_RANDOM, AT_SYSINFO_EHDR, AT_HWCAP, AT_MINSIGSTKSZ set: %s\n",
	       yes(getauxval(AT_RANDOM) && getauxval(AT_SYSINFO_EHDR) && getauxval(AT_HWCAP) &&
	           getauxval(AT_MINSIGSTKSZ)));
	/* The strings sit above the table, argv's first, AT_EXECFN's last, just below the stack's top. */
	printf("strings in order: %s\n", yes(argv[0] < environ[0] && environ[0] < (char *)getauxval(AT_EXECFN) &&
	                                     (char *)getauxval(AT_EXECFN) > (char *)getauxval(AT_PLATFORM)));
	printf("stack 16-byte aligned at entry: %s\n", yes(((uintptr_t)(argv - 1) & 15) == 0));
	/* The break starts above the program's own last page (ET_EXEC, PIE) or elsewhere (static-pie). */
	char *brk0 = sbrk(0);
	printf("break is page-aligned: %s\n", yes(((uintptr_t)brk0 & 4095) == 0));
	printf("break grows: %s\n", yes(sbrk(65536) == brk0 && sbrk(0) == brk0 + 65536));
	maps_report();
	return 3;
}
