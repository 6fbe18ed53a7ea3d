/* Five threads meet at a pthread_barrier three times. After each meeting every
 * thread checks that all the others wrote this round's mark before it, and
 * exactly one thread per round gets PTHREAD_BARRIER_SERIAL_THREAD. */
#include <pthread.h>
#include <stdio.h>

enum { THREADS = 5, ROUNDS = 3 };

static pthread_barrier_t barrier;
static volatile int mark[THREADS];
static int serial[ROUNDS];
static int behind[ROUNDS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void *meet(void *arg)
{
    long index = (long)arg;
    for (int round = 0; round < ROUNDS; round++) {
        mark[index] = round + 1;
        int got = pthread_barrier_wait(&barrier);
        int late = 0;
        for (int other = 0; other < THREADS; other++)
            late += mark[other] < round + 1;
        pthread_mutex_lock(&lock);
        serial[round] += got == PTHREAD_BARRIER_SERIAL_THREAD;
        behind[round] += late;
        pthread_mutex_unlock(&lock);
        /* Nobody writes the next round's mark before everyone has checked this one. */
        pthread_barrier_wait(&barrier);
    }
    return NULL;
}

int main(void)
{
    pthread_t threads[THREADS];
    pthread_barrier_init(&barrier, NULL, THREADS);
    for (long i = 0; i < THREADS; i++)
        if (pthread_create(&threads[i], NULL, meet, (void *)i)) {
            puts("pthread_create failed");
            return 1;
        }
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    int ok = 1;
    for (int round = 0; round < ROUNDS; round++) {
        printf("round %d: serial threads %d, marks missing %d\n", round + 1, serial[round], behind[round]);
        ok &= serial[round] == 1 && behind[round] == 0;
    }
    printf("barrier destroy: %d\n", pthread_barrier_destroy(&barrier));
    return ok ? 0 : 2;
}
