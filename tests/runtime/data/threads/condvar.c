/* A producer and a consumer hand 2000 numbers through a 4-slot ring guarded by
 * one mutex and two condition variables: the consumer's sum and order checks
 * show that no item was lost, duplicated or reordered. */
#include <pthread.h>
#include <stdio.h>

enum { ITEMS = 2000, SLOTS = 4 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static int ring[SLOTS];
static int head, count;

static void *produce(void *unused)
{
    (void)unused;
    for (int item = 1; item <= ITEMS; item++) {
        pthread_mutex_lock(&lock);
        while (count == SLOTS)
            pthread_cond_wait(&not_full, &lock);
        ring[(head + count) % SLOTS] = item;
        count++;
        pthread_cond_signal(&not_empty);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void *consume(void *unused)
{
    (void)unused;
    long sum = 0;
    int in_order = 1;
    for (int expected = 1; expected <= ITEMS; expected++) {
        pthread_mutex_lock(&lock);
        while (count == 0)
            pthread_cond_wait(&not_empty, &lock);
        int item = ring[head];
        head = (head + 1) % SLOTS;
        count--;
        pthread_cond_signal(&not_full);
        pthread_mutex_unlock(&lock);
        in_order &= item == expected;
        sum += item;
    }
    printf("consumer: sum %ld, in order %s\n", sum, in_order ? "yes" : "no");
    return (void *)sum;
}

int main(void)
{
    pthread_t producer, consumer;
    if (pthread_create(&consumer, NULL, consume, NULL) || pthread_create(&producer, NULL, produce, NULL)) {
        puts("pthread_create failed");
        return 1;
    }
    void *sum;
    pthread_join(producer, NULL);
    pthread_join(consumer, &sum);
    printf("left in the ring: %d\n", count);
    return (long)sum == (long)ITEMS * (ITEMS + 1) / 2 ? 0 : 2;
}
