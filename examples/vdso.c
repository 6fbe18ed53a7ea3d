/*
 * vdso: find the vDSO through AT_SYSINFO_EHDR, look its functions up in its
 * ELF dynamic symbol table, and check each against the system call it
 * replaces. With an argument N, instead time N gettimeofday calls each way
 * and print the two costs in nanoseconds.
 */
#include <syscall.h>

typedef struct { unsigned char e_ident[16]; unsigned short e_type, e_machine; unsigned e_version;
		 unsigned long e_entry, e_phoff, e_shoff; unsigned e_flags;
		 unsigned short e_ehsize, e_phentsize, e_phnum, e_shentsize, e_shnum, e_shstrndx; } Elf64_Ehdr;
typedef struct { unsigned sh_name, sh_type; unsigned long sh_flags, sh_addr, sh_offset, sh_size;
		 unsigned sh_link, sh_info; unsigned long sh_addralign, sh_entsize; } Elf64_Shdr;
typedef struct { unsigned st_name; unsigned char st_info, st_other; unsigned short st_shndx;
		 unsigned long st_value, st_size; } Elf64_Sym;
#define SHT_DYNSYM 11

static const char *base;

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* The address of `name` in the vDSO, or 0: it is mapped whole, so the section headers are there. */
static void *vdso_sym(const char *name)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(base + eh->e_shoff);

	for (int i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		const Elf64_Sym *sym = (const Elf64_Sym *)(base + sh[i].sh_offset);
		const char *strtab = base + sh[sh[i].sh_link].sh_offset;
		for (unsigned long j = 0; j < sh[i].sh_size / sizeof(*sym); j++)
			if (same(strtab + sym[j].st_name, name))
				return (void *)(base + sym[j].st_value);
	}
	return 0;
}

static void say(const char *s)
{
	long n = 0;

	while (s[n])
		n++;
	write(1, s, n);
}

static void check(const char *what, int ok)
{
	say(what);
	say(ok ? ": ok\n" : ": FAILED\n");
}

static void number(unsigned long v)
{
	char buf[24], *p = buf + sizeof(buf);

	*--p = 0;
	do
		*--p = '0' + v % 10;
	while (v /= 10);
	say(p);
}

static long usec(const struct __kernel_old_timeval *tv)
{
	return tv->tv_sec * 1000000 + tv->tv_usec;
}

static long nsec(const struct __kernel_timespec *ts)
{
	return ts->tv_sec * 1000000000 + ts->tv_nsec;
}

int main(int argc, char **argv, char **envp)
{
	unsigned long *aux = (unsigned long *)envp;

	while (*aux++)
		;
	for (; aux[0]; aux += 2)
		if (aux[0] == AT_SYSINFO_EHDR)
			base = (const char *)aux[1];
	check("AT_SYSINFO_EHDR", base && base[0] == 0x7f && base[1] == 'E' && base[2] == 'L' && base[3] == 'F');

	int (*vgtod)(struct __kernel_old_timeval *, struct timezone *) = vdso_sym("__vdso_gettimeofday");
	int (*vcgt)(int, struct __kernel_timespec *) = vdso_sym("__vdso_clock_gettime");
	long (*vtime)(long *) = vdso_sym("__vdso_time");
	long (*vgetcpu)(unsigned *, unsigned *, void *) = vdso_sym("__vdso_getcpu");
	check("symbols", vgtod && vcgt && vtime && vgetcpu && !vdso_sym("nope"));

	struct __kernel_old_timeval a, b, c;
	if (argc > 1) {
		long n = 0, t0, t1, t2;
		for (char *s = argv[1]; *s; s++)
			n = n * 10 + (*s - '0');
		gettimeofday(&a, 0);
		for (long i = 0; i < n; i++)
			vgtod(&b, 0);
		gettimeofday(&b, 0);
		for (long i = 0; i < n; i++)
			gettimeofday(&c, 0);
		t0 = usec(&a), t1 = usec(&b), t2 = usec(&c);
		say("vdso ns: "), number((t1 - t0) * 1000 / n), say("\n");
		say("syscall ns: "), number((t2 - t1) * 1000 / n), say("\n");
		return 0;
	}

	/* Each vDSO reading must fall between two system-call readings (1 ms slack for calibration). */
	gettimeofday(&a, 0);
	vgtod(&b, 0);
	gettimeofday(&c, 0);
	check("gettimeofday", usec(&a) - 1000 <= usec(&b) && usec(&b) <= usec(&c) + 1000 && b.tv_usec < 1000000);

	struct __kernel_timespec s1, v, s2;
	int ok = 1;
	for (int clock = 0; clock <= 1; clock++) {
		clock_gettime(clock, &s1);
		ok &= vcgt(clock, &v) == 0;
		clock_gettime(clock, &s2);
		ok &= nsec(&s1) - 1000000 <= nsec(&v) && nsec(&v) <= nsec(&s2) + 1000000 && v.tv_nsec < 1000000000;
	}
	check("clock_gettime", ok);
	/* CLOCK_PROCESS_CPUTIME_ID is not on the vvar page: the vDSO falls back to the system call. */
	check("clock_gettime fallback", vcgt(2, &v) == 0 && vcgt(99, &v) == -22);

	long t = 0, before = time(0), now = vtime(&t);
	check("time", now == t && before <= now && now <= time(0));

	unsigned cpu = 7, node = 7;
	check("getcpu", vgetcpu(&cpu, &node, 0) == 0 && cpu == 0 && node == 0);
	return 0;
}
