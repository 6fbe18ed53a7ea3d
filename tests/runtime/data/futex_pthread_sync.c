/* glibc's pthread synchronisation built on futex, between threads: an
 * 8-thread mutex sum, a condition-variable producer/consumer, a barrier, a PI
 * mutex (lock, and timedlock timing out while another thread holds it), robust
 * and robust-PI mutexes left locked by a thread that exited (EOWNERDEAD), and a
 * raw FUTEX_WAKE of the waiting main thread. Only the main thread prints. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <stdint.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static long total; static int items, done;
static pthread_barrier_t bar;
static pthread_mutex_t pim, rob;

static void *adder(void *a) {
    for (int i = 0; i < 2000; i++) { pthread_mutex_lock(&m); total += (long)a; pthread_mutex_unlock(&m); if (i % 100 == 0) sched_yield(); }
    pthread_barrier_wait(&bar);
    return NULL;
}
static void *producer(void *a) {
    (void)a;
    for (int i = 0; i < 200; i++) { pthread_mutex_lock(&m); items++; pthread_cond_signal(&c); pthread_mutex_unlock(&m); }
    pthread_mutex_lock(&m); done = 1; pthread_cond_broadcast(&c); pthread_mutex_unlock(&m);
    return NULL;
}
static void *pi_holder(void *a) {
    (void)a;
    pthread_mutex_lock(&pim);
    usleep(50000);
    pthread_mutex_unlock(&pim);
    return NULL;
}
static void *rob_die(void *a) {
    (void)a;
    pthread_mutex_lock(&rob);
    return NULL; /* dies holding it */
}
static uint32_t fw;
static void *waker(void *a) {
    (void)a;
    usleep(30000);
    fw = 1;
    return (void *)syscall(SYS_futex, &fw, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t t[8];
    pthread_barrier_init(&bar, NULL, 9);
    for (long i = 0; i < 8; i++) pthread_create(&t[i], NULL, adder, (void *)(i + 1));
    pthread_barrier_wait(&bar);
    for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
    printf("total %ld\n", total);

    pthread_t p; int consumed = 0;
    pthread_create(&p, NULL, producer, NULL);
    pthread_mutex_lock(&m);
    for (;;) { while (!items && !done) pthread_cond_wait(&c, &m); if (items) { items--; consumed++; } else if (done) break; }
    pthread_mutex_unlock(&m);
    pthread_join(p, NULL);
    printf("consumed %d\n", consumed);

    pthread_mutexattr_t at; pthread_mutexattr_init(&at);
    pthread_mutexattr_setprotocol(&at, PTHREAD_PRIO_INHERIT);
    pthread_mutex_init(&pim, &at);
    pthread_create(&p, NULL, pi_holder, NULL);
    usleep(10000);
    int r = pthread_mutex_lock(&pim);
    printf("pi lock %d\n", r);
    pthread_mutex_unlock(&pim);
    pthread_join(p, NULL);
    struct timespec ts; clock_gettime(CLOCK_REALTIME, &ts); ts.tv_nsec += 20000000; if (ts.tv_nsec >= 1000000000) { ts.tv_sec++; ts.tv_nsec -= 1000000000; }
    pthread_create(&p, NULL, pi_holder, NULL);
    usleep(10000);
    r = pthread_mutex_timedlock(&pim, &ts);
    printf("pi timedlock %s\n", r == ETIMEDOUT ? "ETIMEDOUT" : strerror(r));
    pthread_join(p, NULL);

    pthread_mutexattr_t ra; pthread_mutexattr_init(&ra);
    pthread_mutexattr_setrobust(&ra, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&rob, &ra);
    pthread_create(&p, NULL, rob_die, NULL);
    pthread_join(p, NULL);
    r = pthread_mutex_lock(&rob);
    printf("robust lock %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));
    pthread_mutex_consistent(&rob); pthread_mutex_unlock(&rob);

    pthread_mutexattr_setprotocol(&ra, PTHREAD_PRIO_INHERIT);
    pthread_mutex_init(&rob, &ra);
    pthread_create(&p, NULL, rob_die, NULL);
    pthread_join(p, NULL);
    r = pthread_mutex_lock(&rob);
    printf("robust pi lock %s\n", r == EOWNERDEAD ? "EOWNERDEAD" : strerror(r));

    pthread_create(&p, NULL, waker, NULL);
    long w = syscall(SYS_futex, &fw, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
    void *woke;
    pthread_join(p, &woke);
    printf("woke %ld\n", (long)woke);
    printf("wait %ld fw %u\n", w, fw);
    return 0;
}
