/* File mappings: SIGBUS past the end after ftruncate, MAP_PRIVATE's copy on write, msync, and open-mode checks. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static sigjmp_buf back;
static volatile char *fault_addr;
static volatile int fault_code, fault_signal;

static void on_fault(int sig, siginfo_t *info, void *ctx) {
    (void)ctx;
    fault_signal = sig;
    fault_code = info->si_code;
    fault_addr = info->si_addr;
    siglongjmp(back, 1);
}

/* The byte at p, or the signal reading it raised. */
static void probe(const char *what, volatile char *p) {
    fault_signal = 0;
    if (sigsetjmp(back, 1) == 0) {
        char c = *p;
        printf("%s: read '%c'\n", what, c ? c : '0');
    } else {
        printf("%s: signal %d code %d at the page's address %d\n", what, fault_signal, fault_code, fault_addr == p);
    }
}

#define CHECK(what, call) do { long r_ = (long)(call); \
    printf("%s: %ld %s\n", what, r_, r_ == -1 ? strerror(errno) : ""); errno = 0; } while (0)

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa = {0};
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGSEGV, &sa, NULL);

    int fd = open("shm_file.data", O_RDWR | O_CREAT | O_TRUNC, 0644);
    char page[3 * 4096];
    memset(page, 'a', sizeof page);
    write(fd, page, sizeof page);
    char *shared = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    probe("in the file", shared + 100);
    probe("past the end, the mapping's 4th page", shared + 3 * 4096);
    CHECK("ftruncate to 1.5 pages", ftruncate(fd, 4096 + 2048));
    probe("page 1, before the end", shared + 4096 + 10);
    probe("page 1, past the end in the same page", shared + 4096 + 3000);
    probe("page 2, now past the end", shared + 2 * 4096);
    CHECK("ftruncate back to 3 pages", ftruncate(fd, 3 * 4096));
    probe("page 2 again, a hole now", shared + 2 * 4096);

    /* MAP_PRIVATE: sees write() until the page is written, then keeps its own copy. */
    char *priv = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    probe("private, before", priv);
    pwrite(fd, "b", 1, 0);
    probe("private sees write() to a page it only read", priv);
    priv[1] = 'P';
    pwrite(fd, "c", 1, 0);
    probe("after its own write the page is a copy", priv);
    probe("and the shared mapping sees the file", shared);
    char byte;
    pread(fd, &byte, 1, 1);
    printf("the file does not see the private write: %c\n", byte);
    /* Nor does a child's private write reach the parent. */
    pid_t pid = fork();
    if (pid == 0) { priv[4096] = 'C'; shared[4096 + 1] = 'S'; _exit(0); }
    waitpid(pid, NULL, 0);
    probe("parent's private page after the child wrote its own", priv + 4096);
    probe("shared page after the child wrote it", shared + 4096 + 1);
    probe("... which the parent's private mapping, never written there, sees", priv + 4096 + 1);

    /* read() into a private page the process only read so far: the kernel's write copies it too. */
    char *fresh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    probe("another private mapping", fresh);
    pread(fd, fresh, 1, 4096 + 1);
    probe("after read() into it", fresh);
    probe("the file", shared);
    munmap(fresh, 4096);
    /* read() of the file into its own shared mapping, and write() from it. */
    pread(fd, shared + 8, 1, 4096 + 1);
    pread(fd, &byte, 1, 8);
    printf("read() into the shared mapping reached the file: %c\n", byte);

    /* madvise(MADV_DONTNEED) on a private file page: back to the file's bytes. */
    CHECK("MADV_DONTNEED private file page", madvise(priv, 4096, MADV_DONTNEED));
    probe("private page after DONTNEED", priv + 1);

    /* msync */
    CHECK("msync MS_SYNC", msync(shared, 4096, MS_SYNC));
    CHECK("msync MS_ASYNC|MS_INVALIDATE", msync(shared, 4096, MS_ASYNC | MS_INVALIDATE));
    CHECK("msync ASYNC|SYNC", msync(shared, 4096, MS_ASYNC | MS_SYNC));
    CHECK("msync unaligned", msync(shared + 1, 4096, MS_SYNC));
    CHECK("msync bad flag", msync(shared, 4096, 8));
    CHECK("msync unmapped", msync(shared + 4 * 4096 + 0x10000000, 4096, MS_SYNC));
    munmap(shared, 4 * 4096);
    munmap(priv, 3 * 4096);

    /* The open mode. */
    int ro = open("shm_file.data", O_RDONLY);
    CHECK("MAP_SHARED|PROT_WRITE of O_RDONLY", mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == MAP_FAILED ? -1 : 0);
    CHECK("MAP_PRIVATE|PROT_WRITE of O_RDONLY", mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0) == MAP_FAILED ? -1 : 0);
    char *ros = mmap(NULL, 4096, PROT_READ, MAP_SHARED, ro, 0);
    CHECK("MAP_SHARED read-only of O_RDONLY", ros == MAP_FAILED ? -1 : 0);
    CHECK("mprotect it writable", mprotect(ros, 4096, PROT_READ | PROT_WRITE));
    int wo = open("shm_file.data", O_WRONLY);
    CHECK("mmap of O_WRONLY", mmap(NULL, 4096, PROT_READ, MAP_SHARED, wo, 0) == MAP_FAILED ? -1 : 0);
    int ap = open("shm_file.data", O_RDWR | O_APPEND);
    CHECK("MAP_SHARED|PROT_WRITE of O_APPEND", mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ap, 0) == MAP_FAILED ? -1 : 0);
    CHECK("MAP_SHARED_VALIDATE with an unknown flag", mmap(NULL, 4096, PROT_READ, MAP_SHARED_VALIDATE | 0x800000, ro, 0) == MAP_FAILED ? -1 : 0);

    /* POSIX shared memory: shm_open is open() in /dev/shm. */
    int posix = shm_open("/syscalltbl-test", O_RDWR | O_CREAT | O_EXCL, 0600);
    CHECK("shm_open", posix >= 0 ? 0 : -1);
    CHECK("ftruncate it", ftruncate(posix, 4096));
    int *counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, posix, 0);
    pid = fork();
    if (pid == 0) {
        int other = shm_open("/syscalltbl-test", O_RDWR, 0);
        int *mine = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, other, 0);
        *mine = 1234;
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    printf("seen through /dev/shm: %d\n", *counter);
    CHECK("shm_unlink", shm_unlink("/syscalltbl-test"));
    /* file_mmap_ok: a page past the largest size a regular file can have is EOVERFLOW. */
    void *far = mmap(NULL, 4096, PROT_READ, MAP_SHARED, posix, 0x7ffffffffffff000);
    printf("mmap at offset 2^63 - 4096: %s\n", far == MAP_FAILED ? strerror(errno) : "mapped");
    unlink("shm_file.data");
    return 0;
}
