/* __thread variables: each thread sees its own copy, starting from the
 * initial value, and its writes do not reach the other threads or main. */
#include <pthread.h>
#include <stdio.h>
#include <sched.h>

enum { THREADS = 4 };

static __thread int counter = 100;
static __thread char name[16] = "main";
static pthread_barrier_t barrier;
static int seen_start[THREADS], seen_end[THREADS];
static const char *seen_name[THREADS];

static void *own(void *arg)
{
    long index = (long)arg;
    seen_start[index] = counter;
    snprintf(name, sizeof name, "thread-%ld", index);
    counter = (int)index * 10;
    /* Everybody has written its copy before anybody reads its own back. */
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < 5; i++) {
        counter++;
        sched_yield();
    }
    seen_end[index] = counter;
    seen_name[index] = name; /* the address stays valid until the thread exits: we copy before join */
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);
    return NULL;
}

int main(void)
{
    pthread_t threads[THREADS];
    pthread_barrier_init(&barrier, NULL, THREADS + 1);
    counter = -1;
    for (long i = 0; i < THREADS; i++)
        if (pthread_create(&threads[i], NULL, own, (void *)i)) {
            puts("pthread_create failed");
            return 1;
        }
    pthread_barrier_wait(&barrier);
    pthread_barrier_wait(&barrier);
    int ok = 1;
    for (int i = 0; i < THREADS; i++) {
        printf("thread %d: started with %d, ended with %d, name %s\n", i, seen_start[i], seen_end[i],
               seen_name[i]);
        ok &= seen_start[i] == 100 && seen_end[i] == i * 10 + 5;
    }
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    printf("main: %d, name %s\n", counter, name);
    return ok && counter == -1 ? 0 : 2;
}
