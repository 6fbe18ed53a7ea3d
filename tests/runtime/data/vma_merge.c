/* Areas split by a change that is then undone (mprotect, mlock, madvise) are one area again, as
   vma_merge leaves them, so mremap of the whole mapping works. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/mman.h>

static int areas(void *lo, void *hi) {
    /* How many lines of /proc/self/maps fall inside [lo, hi). */
    FILE *f = fopen("/proc/self/maps", "r");
    char line[512];
    int n = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long a, b;
        if (sscanf(line, "%lx-%lx", &a, &b) == 2 && a >= (unsigned long)lo && b <= (unsigned long)hi)
            n++;
    }
    fclose(f);
    return n;
}

static void check(const char *what, int how) {
    size_t len = 16 * 4096;
    char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(p, 'x', len);
    if (how == 0) {
        mprotect(p, len / 2, PROT_READ);
        mprotect(p, len / 2, PROT_READ | PROT_WRITE);
    } else if (how == 1) {
        mlock(p + 4096, 4096);
        munlock(p + 4096, 4096);
    } else {
        madvise(p, 4096, MADV_DONTFORK);
        madvise(p, 4096, MADV_DOFORK);
    }
    int split = areas(p, p + len);
    char *q = mremap(p, len, 2 * len, MREMAP_MAYMOVE);
    if (q == MAP_FAILED) {
        printf("%s: %d areas, mremap: %s\n", what, split, strerror(errno));
        return;
    }
    printf("%s: %d areas, mremap kept '%c' at the end: %s\n", what, split, q[len - 1],
           q[len - 1] == 'x' ? "yes" : "no");
    munmap(q, 2 * len);
}

int main(void) {
    check("mprotect undone", 0);
    check("mlock undone", 1);
    check("madvise undone", 2);
    return 0;
}
