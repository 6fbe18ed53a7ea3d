/*
 * Find the vDSO's functions the way glibc and Go's runtime do: by name AND
 * version, through the image AT_SYSINFO_EHDR points at. A symbol counts only
 * when DT_VERSYM gives it a DT_VERDEF entry named as asked; a vDSO without
 * version tables finds nothing. Each function found is called and checked
 * against the real system call.
 */
#include <elf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct image {
	uintptr_t bias; /* run-time address minus link-time address */
	const Elf64_Sym *symbols;
	size_t count;
	const char *strings;
	const Elf64_Half *versym;
	const Elf64_Verdef *verdef;
};

static int open_image(struct image *img, uintptr_t base)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff);
	const Elf64_Dyn *dyn = NULL;
	int have_bias = 0;
	memset(img, 0, sizeof *img);
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 || eh->e_ident[EI_CLASS] != ELFCLASS64)
		return -1;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !have_bias) {
			img->bias = base + ph[i].p_offset - ph[i].p_vaddr;
			have_bias = 1;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const Elf64_Dyn *)(base + ph[i].p_offset);
		}
	}
	if (!have_bias || dyn == NULL)
		return -1;
	const Elf32_Word *hash = NULL;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		uintptr_t at = img->bias + dyn->d_un.d_ptr;
		switch (dyn->d_tag) {
		case DT_SYMTAB: img->symbols = (const Elf64_Sym *)at; break;
		case DT_STRTAB: img->strings = (const char *)at; break;
		case DT_HASH: hash = (const Elf32_Word *)at; break;
		case DT_VERSYM: img->versym = (const Elf64_Half *)at; break;
		case DT_VERDEF: img->verdef = (const Elf64_Verdef *)at; break;
		}
	}
	if (img->symbols == NULL || img->strings == NULL || hash == NULL)
		return -1;
	img->count = hash[1]; /* nchain: one chain entry per symbol */
	return 0;
}

/* The name of version index `index`, or NULL when the image defines none. */
static const char *version_name(const struct image *img, unsigned index)
{
	const Elf64_Verdef *def = img->verdef;
	while (def != NULL) {
		if (def->vd_ndx == index && !(def->vd_flags & VER_FLG_BASE)) {
			const Elf64_Verdaux *aux = (const Elf64_Verdaux *)((const char *)def + def->vd_aux);
			return img->strings + aux->vda_name;
		}
		if (def->vd_next == 0)
			break;
		def = (const Elf64_Verdef *)((const char *)def + def->vd_next);
	}
	return NULL;
}

static void *lookup(const struct image *img, const char *name, const char *version)
{
	if (img->versym == NULL || img->verdef == NULL)
		return NULL;
	for (size_t i = 1; i < img->count; i++) {
		const Elf64_Sym *s = &img->symbols[i];
		unsigned bind = ELF64_ST_BIND(s->st_info);
		if (ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_UNDEF)
			continue;
		if (bind != STB_GLOBAL && bind != STB_WEAK)
			continue;
		if (strcmp(img->strings + s->st_name, name) != 0)
			continue;
		const char *v = version_name(img, img->versym[i] & 0x7fff);
		if (v != NULL && strcmp(v, version) == 0)
			return (void *)(img->bias + s->st_value);
	}
	return NULL;
}

typedef int (*clock_gettime_fn)(clockid_t, struct timespec *);
typedef int (*clock_getres_fn)(clockid_t, struct timespec *);
typedef long (*gettimeofday_fn)(struct timeval *, void *);
typedef long (*time_fn)(long *);
typedef long (*getcpu_fn)(unsigned *, unsigned *, void *);

static long long ns(const struct timespec *ts) { return ts->tv_sec * 1000000000LL + ts->tv_nsec; }

int main(void)
{
	uintptr_t base = getauxval(AT_SYSINFO_EHDR);
	struct image img;
	printf("AT_SYSINFO_EHDR present: %d\n", base != 0);
	if (base == 0 || open_image(&img, base) != 0) {
		printf("not an ELF image\n");
		return 1;
	}
	printf("version tables: versym=%d verdef=%d\n", img.versym != NULL, img.verdef != NULL);
	static const char *names[] = {"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time",
				      "__vdso_getcpu", "__vdso_clock_getres", "clock_gettime", "time"};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		printf("%s@LINUX_2.6: %s\n", names[i], lookup(&img, names[i], "LINUX_2.6") ? "found" : "missing");
	printf("__vdso_clock_gettime@LINUX_2.5: %s\n",
	       lookup(&img, "__vdso_clock_gettime", "LINUX_2.5") ? "found" : "missing");
	printf("__vdso_nonexistent@LINUX_2.6: %s\n",
	       lookup(&img, "__vdso_nonexistent", "LINUX_2.6") ? "found" : "missing");

	clock_gettime_fn cg = (clock_gettime_fn)lookup(&img, "__vdso_clock_gettime", "LINUX_2.6");
	if (cg == NULL)
		return 2;
	static const clockid_t clocks[] = {CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME};
	for (size_t i = 0; i < 3; i++) {
		struct timespec before, during, after;
		syscall(SYS_clock_gettime, clocks[i], &before);
		int rc = cg(clocks[i], &during);
		syscall(SYS_clock_gettime, clocks[i], &after);
		/* BOOTTIME counts suspend, MONOTONIC not: on a host that slept they differ, so each is
		   held against the system call's own reading of the same clock. */
		int inside = ns(&before) <= ns(&during) + 2000000 && ns(&during) <= ns(&after) + 2000000;
		printf("clock %d: rc=%d within the system call's readings (2 ms): %d nsec<1e9: %d\n",
		       (int)clocks[i], rc, inside, during.tv_nsec < 1000000000L);
	}
	struct timespec res = {99, 99};
	int rc = ((clock_getres_fn)lookup(&img, "__vdso_clock_getres", "LINUX_2.6"))(CLOCK_MONOTONIC, &res);
	struct timespec sres = {77, 77};
	syscall(SYS_clock_getres, CLOCK_MONOTONIC, &sres);
	printf("clock_getres(MONOTONIC): rc=%d same as the system call: %d\n", rc,
	       res.tv_sec == sres.tv_sec && res.tv_nsec == sres.tv_nsec);
	long t0 = syscall(SYS_time, NULL), t1 = ((time_fn)lookup(&img, "__vdso_time", "LINUX_2.6"))(NULL);
	printf("time: within a second of the system call: %d\n", t1 - t0 >= 0 && t1 - t0 <= 1);
	struct timeval tv;
	long r = ((gettimeofday_fn)lookup(&img, "__vdso_gettimeofday", "LINUX_2.6"))(&tv, NULL);
	printf("gettimeofday: rc=%ld usec<1e6: %d within a second of time(): %d\n", r, tv.tv_usec < 1000000,
	       tv.tv_sec - t1 >= 0 && tv.tv_sec - t1 <= 1);
	unsigned cpu = 12345, node = 12345, scpu = 54321, snode = 54321;
	r = ((getcpu_fn)lookup(&img, "__vdso_getcpu", "LINUX_2.6"))(&cpu, &node, NULL);
	syscall(SYS_getcpu, &scpu, &snode, NULL);
	printf("getcpu: rc=%ld node=%u cpu set: %d\n", r, node, cpu != 12345);
	return 0;
}
