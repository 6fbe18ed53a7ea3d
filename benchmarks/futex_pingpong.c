/* Two threads hand a turn back and forth N times through one futex word
 * (bench_threads.py): each hand-over is a FUTEX_WAKE, and the other side
 * sleeps in FUTEX_WAIT until it comes, so the figure is the cost of a
 * wake-up and a switch between threads. */
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

static atomic_int turn; /* 0: main's turn, 1: the partner's */
static long rounds;

static void wait_while(int value)
{
    while (atomic_load(&turn) == value)
        syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
}

static void hand_over(int to)
{
    atomic_store(&turn, to);
    syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *partner(void *unused)
{
    (void)unused;
    for (long i = 0; i < rounds; i++) {
        wait_while(0);
        hand_over(0);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    rounds = argc > 1 ? strtol(argv[1], NULL, 10) : 10000;
    pthread_t thread;
    if (pthread_create(&thread, NULL, partner, NULL)) {
        puts("pthread_create failed");
        return 1;
    }
    for (long i = 0; i < rounds; i++) {
        hand_over(1);
        wait_while(1);
    }
    pthread_join(thread, NULL);
    printf("%ld round trips\n", rounds);
    return 0;
}
