/* A parent and a child process pass a counter back and forth on a
 * MAP_SHARED|MAP_ANONYMOUS page, each spinning without system calls until it
 * is its turn: the parent moves even values to odd, the child odd to even. It
 * ends only if the page is really shared and a spinning process is preempted. */
#include <stdatomic.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

enum { ROUNDS = 100 };

int main(void)
{
    atomic_long *counter = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (counter == MAP_FAILED) {
        puts("mmap MAP_SHARED|MAP_ANONYMOUS failed");
        return 1;
    }
    atomic_store(counter, 0);
    pid_t child = fork();
    if (child < 0) {
        puts("fork failed");
        return 1;
    }
    long parity = child == 0 ? 1 : 0;
    for (int round = 0; round < ROUNDS; round++) {
        long value;
        while (((value = atomic_load_explicit(counter, memory_order_acquire)) & 1) != parity)
            ;
        atomic_store_explicit(counter, value + 1, memory_order_release);
    }
    if (child == 0)
        _exit(0);
    int status;
    waitpid(child, &status, 0);
    if (!WIFEXITED(status)) {
        printf("child killed by signal %d; counter %ld\n", WTERMSIG(status), atomic_load(counter));
        return 2;
    }
    printf("child exited %d; counter %ld after %d rounds each\n", WEXITSTATUS(status), atomic_load(counter), ROUNDS);
    return atomic_load(counter) == 2 * ROUNDS ? 0 : 2;
}
