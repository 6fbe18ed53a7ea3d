/* mremap, madvise, mlock and mincore, and a large PROT_NONE reservation that costs nothing until touched. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define P 4096L
#define CHECK(what, call) do { long r_ = (long)(call); \
    printf("%s: %ld %s\n", what, r_, r_ == -1 ? strerror(errno) : ""); errno = 0; } while (0)
#define FAILS(what, call) do { void *r_ = (call); \
    printf("%s: %s\n", what, r_ == MAP_FAILED ? strerror(errno) : "ok"); errno = 0; } while (0)

static void fill(char *p, long n, char base) { for (long i = 0; i < n; i += P) p[i] = (char)(base + i / P); }
static int same(const char *p, long n, char base) {
    for (long i = 0; i < n; i += P) if (p[i] != (char)(base + i / P)) return 0;
    return 1;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    /* Grow in place when the next pages are free. */
    char *a = mmap(NULL, 16 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(a + 4 * P, 12 * P);
    fill(a, 4 * P, 'a');
    char *b = mremap(a, 4 * P, 8 * P, 0);
    printf("grown in place: %d contents kept %d new page zero %d\n", b == a, same(b, 4 * P, 'a'), b[6 * P] == 0);
    /* Blocked: without MREMAP_MAYMOVE it is ENOMEM; with it, it moves and keeps the contents. */
    mmap(a + 8 * P, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);  /* a wall after it */
    FAILS("grow against a mapping", mremap(a, 8 * P, 32 * P, 0));
    char *moved = mremap(a, 8 * P, 32 * P, MREMAP_MAYMOVE);
    printf("moved: %d contents kept %d old range unmapped %d\n", moved != a, same(moved, 4 * P, 'a'),
           msync(a, P, MS_ASYNC) == -1 && errno == ENOMEM);
    /* Shrink. */
    char *small = mremap(moved, 32 * P, 2 * P, 0);
    printf("shrunk in place %d tail unmapped %d\n", small == moved, msync(moved + 2 * P, P, MS_ASYNC) == -1);
    /* MREMAP_FIXED onto a chosen address, replacing what was there. */
    char *target = mmap(NULL, 4 * P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *fixed = mremap(small, 2 * P, 3 * P, MREMAP_MAYMOVE | MREMAP_FIXED, target);
    printf("fixed: at target %d contents %d writable %d\n", fixed == target, same(fixed, 2 * P, 'a'),
           (fixed[2 * P] = 1) == 1);
    /* MREMAP_DONTUNMAP: the old range stays mapped, empty. */
    char *d = mmap(NULL, 2 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    fill(d, 2 * P, 'k');
    char *d2 = mremap(d, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
    if (d2 == MAP_FAILED) printf("DONTUNMAP: %s\n", strerror(errno));
    else printf("DONTUNMAP: new has contents %d old reads zero %d\n", same(d2, 2 * P, 'k'), d[0] == 0 && d[P] == 0);
    /* Errors. */
    FAILS("unaligned", mremap(a + 1, P, 2 * P, MREMAP_MAYMOVE));
    FAILS("unknown flag", mremap(fixed, P, 2 * P, 8));
    FAILS("FIXED without MAYMOVE", mremap(fixed, P, 2 * P, MREMAP_FIXED, target + 64 * P));
    FAILS("DONTUNMAP with a new size", mremap(fixed, P, 2 * P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL));
    FAILS("DONTUNMAP to an unaligned hint", mremap(fixed, P, P, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, fixed + 1));
    FAILS("new size zero", mremap(fixed, P, 0, MREMAP_MAYMOVE));
    FAILS("nothing there", mremap(a, P, 2 * P, MREMAP_MAYMOVE));
    FAILS("old range past its area", mremap(fixed, 8 * P, 16 * P, MREMAP_MAYMOVE));
    FAILS("overlapping FIXED", mremap(fixed, 2 * P, 2 * P, MREMAP_MAYMOVE | MREMAP_FIXED, fixed + P));
    FAILS("old size 0 of private memory", mremap(fixed, 0, P, MREMAP_MAYMOVE));
    /* Old size 0 of shared memory: a second mapping of the same pages. */
    int *s = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int *alias = mremap(s, 0, P, MREMAP_MAYMOVE);
    *s = 77;
    printf("alias of shared memory sees %d\n", alias == MAP_FAILED ? -1 : *alias);
    /* Shared memory moved: still shared with a child forked before. */
    int *sh = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    int pipefd[2];
    pipe(pipefd);
    pid_t pid = fork();
    if (pid == 0) { char c; read(pipefd[0], &c, 1); *sh = 5; _exit(0); }
    int *sh2 = mremap(sh, P, P, MREMAP_MAYMOVE | MREMAP_FIXED, (char *)target + 32 * P);
    write(pipefd[1], "x", 1);
    waitpid(pid, NULL, 0);
    printf("moved shared page sees the child: %d\n", sh2 == MAP_FAILED ? -1 : *sh2);

    /* madvise */
    char *m = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    fill(m, 4 * P, 'm');
    CHECK("MADV_DONTNEED", madvise(m + P, 2 * P, MADV_DONTNEED));
    printf("zeroed %d %d kept %d %d\n", m[P] == 0, m[2 * P] == 0, m[0] == 'm', m[3 * P] == 'm' + 3);
    int *z = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    *z = 9;
    CHECK("MADV_DONTNEED shared", madvise(z, P, MADV_DONTNEED));
    printf("shared memory keeps its contents: %d\n", *z);
    static const int advice[] = {MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_FREE,
                                 MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTFORK, MADV_DOFORK, MADV_DONTDUMP,
                                 MADV_DODUMP};
    int accepted = 0;
    for (unsigned i = 0; i < sizeof advice / sizeof *advice; i++) accepted += madvise(m, 4 * P, advice[i]) == 0;
    printf("advice accepted: %d of %zu\n", accepted, sizeof advice / sizeof *advice);
    CHECK("unknown advice", madvise(m, P, 999));
    CHECK("unaligned", madvise(m + 1, P, MADV_NORMAL));
    CHECK("MADV_FREE of shared memory", madvise(z, P, MADV_FREE));
    CHECK("hole", madvise(fixed + 3 * P + 0x1000000, P, MADV_NORMAL));
    /* MADV_DONTFORK: the child has no such mapping; MADV_WIPEONFORK: zeros in the child. */
    char *nf = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *wf = mmap(NULL, P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *nf = 1, *wf = 2;
    madvise(nf, P, MADV_DONTFORK);
    CHECK("MADV_WIPEONFORK", madvise(wf, P, MADV_WIPEONFORK));
    pid = fork();
    if (pid == 0) _exit((msync(nf, P, MS_ASYNC) == -1 && errno == ENOMEM) * 10 + *wf);
    int status;
    waitpid(pid, &status, 0);
    printf("child: DONTFORK page gone %d, WIPEONFORK page %d\n", WEXITSTATUS(status) / 10, WEXITSTATUS(status) % 10);

    /* mincore */
    char *c = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    c[P] = 1;
    unsigned char vec[4];
    CHECK("mincore", mincore(c, 4 * P, vec));
    printf("resident %d%d%d%d\n", vec[0] & 1, vec[1] & 1, vec[2] & 1, vec[3] & 1);
    CHECK("mincore unaligned", mincore(c + 1, P, vec));
    CHECK("mincore unmapped", mincore(c + 4 * P + 0x2000000, P, vec));

    /* mlock */
    char *l = mmap(NULL, 4 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK("mlock", mlock(l + 10, P));
    CHECK("mincore after mlock", mincore(l, 4 * P, vec));
    printf("resident %d%d%d%d\n", vec[0] & 1, vec[1] & 1, vec[2] & 1, vec[3] & 1);
    CHECK("MADV_DONTNEED of locked", madvise(l, P, MADV_DONTNEED));
    CHECK("munlock", munlock(l, 4 * P));
    CHECK("mlock of unmapped", mlock(l + 4 * P + 0x3000000, P));
    CHECK("mlock2 bad flag", mlock2(l, P, 2));
    CHECK("mlock2 MLOCK_ONFAULT", mlock2(l, P, MLOCK_ONFAULT));
    CHECK("mlockall bad", mlockall(0));
    CHECK("mlockall MCL_ONFAULT alone", mlockall(MCL_ONFAULT));
    CHECK("munlockall", munlockall());
    /* RLIMIT_MEMLOCK holds for a user without CAP_IPC_LOCK. */
    if (geteuid() == 0 && setuid(65534)) perror("setuid");
    struct rlimit rl = {8 * P, 8 * P};
    setrlimit(RLIMIT_MEMLOCK, &rl);
    char *big = mmap(NULL, 16 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK("mlock within the limit", mlock(big, 8 * P));
    CHECK("mlock past it", mlock(big + 8 * P, P));
    CHECK("mlock again what is locked", mlock(big, 8 * P));
    CHECK("MAP_LOCKED past it", mmap(NULL, P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED, -1, 0) == MAP_FAILED ? -1 : 0);
    rl.rlim_cur = rl.rlim_max = 0;
    setrlimit(RLIMIT_MEMLOCK, &rl);
    CHECK("mlock with a zero limit", mlock(big + 8 * P, P));

    /* 512 MiB of PROT_NONE address space costs nothing; a part made accessible pages in as it is touched. */
    long reserve = 512L << 20;
    char *r = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    FAILS("512 MiB PROT_NONE", r);
    char *r2 = mmap(NULL, reserve, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    FAILS("another, without MAP_NORESERVE", r2);
    CHECK("mprotect 4 MiB of it", mprotect(r + (64L << 20), 4L << 20, PROT_READ | PROT_WRITE));
    long sum = 0;
    for (long i = 0; i < (4L << 20); i += P) r[(64L << 20) + i] = 1;
    for (long i = 0; i < (4L << 20); i += P) sum += r[(64L << 20) + i];
    printf("touched %ld pages\n", sum);
    return 0;
}
