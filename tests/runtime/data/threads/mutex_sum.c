/* Eight threads add into one counter under a mutex; the total is exact only if
 * the lock works and every thread ran to completion (pthread_join). */
#include <pthread.h>
#include <stdio.h>

enum { THREADS = 8, ROUNDS = 20000 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long total;

static void *add(void *arg)
{
    long index = (long)arg, mine = 0;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        long seen = total;
        /* Some work between the read and the write: a lost update shows if the lock does not exclude. */
        for (volatile int spin = 0; spin < 10; spin++)
            ;
        total = seen + index + 1;
        pthread_mutex_unlock(&lock);
        mine += index + 1;
    }
    return (void *)mine;
}

int main(void)
{
    pthread_t threads[THREADS];
    for (long i = 0; i < THREADS; i++) {
        int err = pthread_create(&threads[i], NULL, add, (void *)i);
        if (err) {
            printf("pthread_create %ld failed: %d\n", i, err);
            return 1;
        }
    }
    long joined = 0;
    for (int i = 0; i < THREADS; i++) {
        void *result;
        int err = pthread_join(threads[i], &result);
        if (err) {
            printf("pthread_join %d failed: %d\n", i, err);
            return 1;
        }
        printf("thread %d added %ld\n", i, (long)result);
        joined += (long)result;
    }
    long expected = 0;
    for (int i = 0; i < THREADS; i++)
        expected += (long)(i + 1) * ROUNDS;
    printf("total %ld, joined %ld, expected %ld\n", total, joined, expected);
    return total == expected && joined == expected ? 0 : 2;
}
