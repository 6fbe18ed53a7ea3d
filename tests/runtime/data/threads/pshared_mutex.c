/* A parent and its child add to one counter under a process-shared mutex
 * (PTHREAD_PROCESS_SHARED: its futex is keyed on the shared page, not the
 * address space), first in MAP_SHARED anonymous memory, then in a MAP_SHARED
 * mapping of a file. The totals are exact, and read() of the file after
 * munmap shows the counter the mapping held. */
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

enum { ROUNDS = 5000, COUNTER_OFFSET = 128 };

struct shared {
    pthread_mutex_t lock;
    char pad[COUNTER_OFFSET - sizeof(pthread_mutex_t)];
    long counter;
};

static void add(struct shared *shared)
{
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&shared->lock);
        long seen = shared->counter;
        if (i % 64 == 0)
            sched_yield(); /* holding the lock: the other process must wait on the futex */
        shared->counter = seen + 1;
        pthread_mutex_unlock(&shared->lock);
    }
}

static int both_add(struct shared *shared, const char *what)
{
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    int err = pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    err = err ? err : pthread_mutex_init(&shared->lock, &attr);
    if (err) {
        printf("%s: process-shared mutex: error %d\n", what, err);
        return 0;
    }
    pid_t child = fork();
    if (child < 0) {
        printf("%s: fork failed\n", what);
        return 0;
    }
    add(shared);
    if (child == 0)
        _exit(0);
    int status;
    waitpid(child, &status, 0);
    if (WIFEXITED(status))
        printf("%s: child exited %d, counter %ld (expected %d)\n", what, WEXITSTATUS(status), shared->counter,
               2 * ROUNDS);
    else
        printf("%s: child killed by signal %d, counter %ld\n", what, WTERMSIG(status), shared->counter);
    return WIFEXITED(status) && shared->counter == 2 * ROUNDS;
}

int main(void)
{
    struct shared *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (anon == MAP_FAILED) {
        puts("mmap MAP_SHARED|MAP_ANONYMOUS failed");
        return 1;
    }
    int ok = both_add(anon, "anonymous");

    int fd = open("counter.bin", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || ftruncate(fd, 4096) != 0) {
        puts("counter.bin: cannot create");
        return 1;
    }
    struct shared *file = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (file == MAP_FAILED) {
        puts("mmap MAP_SHARED of a file failed");
        return 1;
    }
    ok &= both_add(file, "file");
    munmap(file, 4096);
    long from_file = -1;
    ssize_t got = pread(fd, &from_file, sizeof from_file, COUNTER_OFFSET);
    printf("read() after munmap: %zd bytes, counter %ld\n", got, from_file);
    close(fd);
    /* And through a fresh descriptor, as another program would see the file. */
    fd = open("counter.bin", O_RDONLY);
    char bytes[4096];
    ssize_t size = read(fd, bytes, sizeof bytes);
    memcpy(&from_file, bytes + COUNTER_OFFSET, sizeof from_file);
    printf("reopened: %zd bytes, counter %ld\n", size, from_file);
    close(fd);
    return ok && from_file == 2 * ROUNDS ? 0 : 2;
}
