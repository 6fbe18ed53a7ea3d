/* Raw futex operations between the threads of one process: WAKE counts and
 * FIFO order, bitsets, REQUEUE and CMP_REQUEUE, WAKE_OP waking on both words,
 * the PI hand-off to queued waiters in turn, CMP_REQUEUE_PI onto a held and a
 * free PI lock, and the index futex_waitv returns. A thread records what it
 * saw and the main thread prints it after joining, so the output order does
 * not depend on which CPU runs first. */
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

static uint32_t f1, f2, pi;
static long fx(uint32_t *u, int op, uint32_t v, const void *t, uint32_t *u2, uint32_t v3) { return syscall(SYS_futex, u, op, v, t, u2, v3); }
static int nwaiting;

struct arg { int id; int op; uint32_t *u; uint32_t bitset; long ret; int err; int owned; int owned_with_waiters; };
static void *waiter(void *p) {
    struct arg *a = p;
    __atomic_add_fetch(&nwaiting, 1, __ATOMIC_SEQ_CST);
    if (a->op == FUTEX_WAIT_REQUEUE_PI)
        a->ret = fx(a->u, FUTEX_WAIT_REQUEUE_PI_PRIVATE, 0, NULL, &pi, 0);
    else if (a->op == FUTEX_LOCK_PI)
        a->ret = fx(a->u, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0);
    else
        a->ret = fx(a->u, FUTEX_WAIT_BITSET_PRIVATE, 0, NULL, NULL, a->bitset);
    a->err = a->ret < 0 ? errno : 0;
    if (a->op == FUTEX_LOCK_PI || (a->op == FUTEX_WAIT_REQUEUE_PI && a->ret == 0)) {
        uint32_t w = pi;
        a->owned = 1 + ((w & FUTEX_TID_MASK) == (uint32_t)gettid());
        a->owned_with_waiters = !!(w & FUTEX_WAITERS);
        long r = fx(&pi, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0);
        if ((pi & FUTEX_TID_MASK) == (uint32_t)gettid()) printf("unlock left it ours?\n");
        (void)r;
    }
    return NULL;
}
static void *wake_f2_later(void *p) {
    (void)p;
    usleep(50000);
    return (void *)syscall(SYS_futex, &f2, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}
/* errno is read only after the call returns (argument order is unspecified). */
static void show(const char *what, long ret) { printf("%s: %ld %s\n", what, ret, ret < 0 ? strerror(errno) : "ok"); }
static void settle(int n) { while (__atomic_load_n(&nwaiting, __ATOMIC_SEQ_CST) < n) usleep(1000); usleep(50000); }

static void start(pthread_t *t, struct arg *a, int n, int op, uint32_t *u) {
    nwaiting = 0;
    for (int i = 0; i < n; i++) { a[i] = (struct arg){i, op, u, 0xffffffff, 0, 0, 0, 0}; pthread_create(&t[i], NULL, waiter, &a[i]); settle(i + 1); }
}
static void join(pthread_t *t, struct arg *a, int n) {
    for (int i = 0; i < n; i++) {
        pthread_join(t[i], NULL);
        if (a[i].owned)
            printf("  thread %d owned pi: %d waiters bit %d\n", i, a[i].owned - 1, a[i].owned_with_waiters);
        printf("  thread %d: %ld %s\n", i, a[i].ret, a[i].err ? strerror(a[i].err) : "ok");
    }
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_t t[4]; struct arg a[4];
    /* WAKE counts, FIFO order */
    f1 = 0; start(t, a, 3, FUTEX_WAIT, &f1);
    printf("wake 2: %ld\n", fx(&f1, FUTEX_WAKE_PRIVATE, 2, NULL, NULL, 0));
    usleep(50000);
    printf("wake 0 wakes one: %ld\n", fx(&f1, FUTEX_WAKE_PRIVATE, 0, NULL, NULL, 0));
    printf("wake none left: %ld\n", fx(&f1, FUTEX_WAKE_PRIVATE, 5, NULL, NULL, 0));
    join(t, a, 3);
    /* bitsets */
    nwaiting = 0;
    for (int i = 0; i < 3; i++) { a[i] = (struct arg){i, FUTEX_WAIT_BITSET, &f1, 1u << i, 0, 0, 0, 0}; pthread_create(&t[i], NULL, waiter, &a[i]); settle(i + 1); }
    printf("wake bitset 0b110: %ld\n", fx(&f1, FUTEX_WAKE_BITSET_PRIVATE, 10, NULL, NULL, 6));
    printf("wake bitset 0b110 again: %ld\n", fx(&f1, FUTEX_WAKE_BITSET_PRIVATE, 10, NULL, NULL, 6));
    printf("wake bitset 1: %ld\n", fx(&f1, FUTEX_WAKE_BITSET_PRIVATE, 10, NULL, NULL, 1));
    join(t, a, 3);
    /* CMP_REQUEUE: wake 1, move 2 to f2 */
    f1 = 0; start(t, a, 3, FUTEX_WAIT, &f1);
    printf("cmp_requeue 1+2: %ld\n", fx(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2, &f2, 0));
    printf("wake f1 after: %ld\n", fx(&f1, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
    usleep(50000);
    printf("wake f2: %ld\n", fx(&f2, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
    join(t, a, 3);
    /* REQUEUE 0 wake, limit 1 */
    f1 = 0; start(t, a, 2, FUTEX_WAIT, &f1);
    printf("requeue 0+1: %ld\n", fx(&f1, FUTEX_REQUEUE_PRIVATE, 0, (void *)1, &f2, 0));
    printf("wake f2: %ld\n", fx(&f2, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
    usleep(50000);
    printf("wake f1: %ld\n", fx(&f1, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0));
    join(t, a, 2);
    /* WAKE_OP: wakes on f1 and, if the comparison holds, on f2 */
    f1 = f2 = 0; nwaiting = 0;
    a[0] = (struct arg){0, FUTEX_WAIT, &f1, 0xffffffff, 0, 0, 0, 0}; pthread_create(&t[0], NULL, waiter, &a[0]); settle(1);
    a[1] = (struct arg){1, FUTEX_WAIT, &f2, 0xffffffff, 0, 0, 0, 0}; pthread_create(&t[1], NULL, waiter, &a[1]); settle(2);
    printf("wake_op: %ld f2=%u\n", fx(&f1, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &f2, FUTEX_OP(FUTEX_OP_SET, 0, FUTEX_OP_CMP_EQ, 0)), f2);
    join(t, a, 2);
    /* PI: three waiters queue behind the owner, each handed the lock in turn */
    pi = 0;
    printf("lock_pi main: %ld\n", fx(&pi, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    start(t, a, 3, FUTEX_LOCK_PI, &pi);
    printf("pi word has waiters: %d\n", !!(pi & FUTEX_WAITERS));
    show("wake on a PI futex", fx(&pi, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
    printf("unlock_pi main: %ld\n", fx(&pi, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    join(t, a, 3);
    printf("pi word at end: %#x\n", pi);
    /* REQUEUE_PI: condvar-style waiters moved onto a PI lock the main thread holds */
    f1 = 0; pi = 0;
    start(t, a, 3, FUTEX_WAIT_REQUEUE_PI, &f1);
    printf("lock_pi main: %ld\n", fx(&pi, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    printf("cmp_requeue_pi: %ld\n", fx(&f1, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)10, &pi, 0));
    printf("pi word has waiters: %d\n", !!(pi & FUTEX_WAITERS));
    printf("unlock_pi main: %ld\n", fx(&pi, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    join(t, a, 3);
    printf("pi word at end: %#x\n", pi);
    /* REQUEUE_PI on a free lock: the top waiter takes it at once */
    f1 = 0; pi = 0;
    start(t, a, 2, FUTEX_WAIT_REQUEUE_PI, &f1);
    printf("cmp_requeue_pi free: %ld\n", fx(&f1, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)10, &pi, 0));
    join(t, a, 2);
    printf("pi word at end: %#x\n", pi);
    show("cmp_requeue_pi nr_wake 2", fx(&f1, FUTEX_CMP_REQUEUE_PI_PRIVATE, 2, (void *)10, &pi, 0));
    show("cmp_requeue_pi same futex", fx(&f1, FUTEX_CMP_REQUEUE_PI_PRIVATE, 1, (void *)10, &f1, 0));
    /* futex_waitv woken on its second futex: returns that index */
    struct futex_waitv v[2] = {{0, (uintptr_t)&f1, 2 | 128, 0}, {0, (uintptr_t)&f2, 2 | 128, 0}};
    f1 = f2 = 0;
    pthread_t w;
    pthread_create(&w, NULL, wake_f2_later, NULL);
    printf("futex_waitv woken: %ld\n", syscall(449, v, 2, 0, NULL, 0));
    void *woke;
    pthread_join(w, &woke);
    printf("  waker woke %ld\n", (long)woke);
    return 0;
}
