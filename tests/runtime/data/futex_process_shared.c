/* Process-shared futexes across fork on MAP_SHARED memory, anonymous and of a
 * file: normal and PI pthread mutexes guarding counters that 3 children
 * increment (exact totals), a FUTEX_WAKE from the parent to a waiting child,
 * and a robust mutex a child died holding (EOWNERDEAD). The file's bytes are
 * read back with pread after munmap. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <stdint.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <stddef.h>
#include <stdlib.h>

struct shared { pthread_mutex_t m; pthread_mutex_t pi; pthread_mutex_t rob; long counter; long counter2; uint32_t flag; };

static void run(struct shared *s, const char *what) {
    pthread_mutexattr_t a; pthread_mutexattr_init(&a); pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&s->m, &a);
    pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
    pthread_mutex_init(&s->pi, &a);
    pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_NONE);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&s->rob, &a);
    s->counter = s->counter2 = 0; s->flag = 0;
    pid_t kids[3];
    for (int k = 0; k < 3; k++) {
        if ((kids[k] = fork()) == 0) {
            for (int i = 0; i < 3000; i++) {
                pthread_mutex_t *mu = i % 2 ? &s->m : &s->pi;
                long *cp = i % 2 ? &s->counter : &s->counter2; pthread_mutex_lock(mu); long v = *cp; if (i % 97 == 0) sched_yield(); *cp = v + 1; pthread_mutex_unlock(mu);
            }
            _exit(0);
        }
    }
    for (int k = 0; k < 3; k++) waitpid(kids[k], NULL, 0);
    printf("%s counters %ld %ld\n", what, s->counter, s->counter2);
    /* A child waits on a shared futex; the parent wakes it. */
    pid_t c = fork();
    if (c == 0) {
        long r = syscall(SYS_futex, &s->flag, FUTEX_WAIT, 0, NULL, NULL, 0);
        _exit(r == 0 && s->flag == 1 ? 3 : 4);
    }
    usleep(50000);
    s->flag = 1;
    long n = syscall(SYS_futex, &s->flag, FUTEX_WAKE, 1, NULL, NULL, 0);
    int st; waitpid(c, &st, 0);
    printf("%s woke %ld child %d\n", what, n, WEXITSTATUS(st));
    /* A child dies holding the robust mutex. */
    if ((c = fork()) == 0) { pthread_mutex_lock(&s->rob); _exit(0); }
    waitpid(c, NULL, 0);
    int r = pthread_mutex_lock(&s->rob);
    printf("%s robust %s\n", what, r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct shared *s = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    run(s, "anon");
    char path[] = "/tmp/futex-shared-XXXXXX";
    int fd = mkstemp(path);
    unlink(path);
    ftruncate(fd, 4096);
    struct shared *f = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    run(f, "file");
    munmap(f, 4096);
    long counter; pread(fd, &counter, sizeof counter, offsetof(struct shared, counter));
    printf("file bytes counter %ld\n", counter);
    return 0;
}
