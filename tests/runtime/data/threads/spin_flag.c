/* Two threads that never make a system call while they wait for each other:
 * main spins until the worker has finished a long computation, and the worker
 * first spins until main has started spinning. On one CPU this finishes only
 * if a spinning thread is preempted. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

static atomic_int main_spinning, done;
static uint64_t result;

static uint64_t compute(void)
{
    /* xorshift64: a fixed sequence, so the result is a fact of the program. */
    uint64_t x = 88172645463325252ull, sum = 0;
    for (long i = 0; i < 30000000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        sum += x >> 60;
    }
    return sum;
}

static void *worker(void *unused)
{
    (void)unused;
    while (!atomic_load_explicit(&main_spinning, memory_order_acquire))
        ;
    result = compute();
    atomic_store_explicit(&done, 1, memory_order_release);
    return NULL;
}

int main(void)
{
    pthread_t thread;
    if (pthread_create(&thread, NULL, worker, NULL)) {
        puts("pthread_create failed");
        return 1;
    }
    atomic_store_explicit(&main_spinning, 1, memory_order_release);
    unsigned long spins = 0;
    while (!atomic_load_explicit(&done, memory_order_acquire))
        spins++;
    pthread_join(thread, NULL);
    printf("worker computed %llu; main spun: %s\n", (unsigned long long)result, spins > 0 ? "yes" : "no");
    return 0;
}
