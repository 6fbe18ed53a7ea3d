/* pthread_cancel of a thread blocked in read() on an empty pipe (a cancellation
 * point): the read never returns, the cleanup handler runs, and pthread_join
 * gets PTHREAD_CANCELED. A thread with cancellation disabled is not cancelled
 * until it enables it again and reaches pthread_testcancel. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static int fds[2];
static volatile int cleaned, read_returned, entered;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ready, go_on;

static void cleanup(void *what)
{
    cleaned = (int)(long)what;
}

static void *blocked_reader(void *unused)
{
    (void)unused;
    char byte;
    pthread_cleanup_push(cleanup, (void *)7);
    entered = 1;
    read(fds[0], &byte, 1);
    read_returned = 1;
    pthread_cleanup_pop(0);
    return NULL;
}

static void *deferred(void *unused)
{
    (void)unused;
    int old;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
    pthread_mutex_lock(&lock);
    ready = 1;
    pthread_cond_broadcast(&cond);
    while (!go_on)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    /* Still here although the cancel came long ago: it was held pending. */
    printf("disabled thread still running after the cancel\n");
    fflush(stdout);
    pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
    pthread_testcancel();
    printf("not reached\n");
    return NULL;
}

int main(void)
{
    pipe(fds);
    pthread_t reader, held;
    if (pthread_create(&reader, NULL, blocked_reader, NULL)) {
        puts("pthread_create failed");
        return 1;
    }
    /* Wait until it is inside (or about to enter) read; the cancel works in either case. */
    while (!entered)
        usleep(1000);
    usleep(20000);
    printf("cancel: %d\n", pthread_cancel(reader));
    void *result;
    printf("join: %d\n", pthread_join(reader, &result));
    printf("canceled: %s, cleanup ran with %d, read returned: %s\n", result == PTHREAD_CANCELED ? "yes" : "no",
           cleaned, read_returned ? "yes" : "no");

    if (pthread_create(&held, NULL, deferred, NULL)) {
        puts("pthread_create failed");
        return 1;
    }
    pthread_mutex_lock(&lock);
    while (!ready)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    printf("cancel with cancellation disabled: %d\n", pthread_cancel(held));
    fflush(stdout);
    pthread_mutex_lock(&lock);
    go_on = 1;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    pthread_join(held, &result);
    printf("second thread canceled: %s\n", result == PTHREAD_CANCELED ? "yes" : "no");
    return cleaned == 7 && !read_returned && result == PTHREAD_CANCELED ? 0 : 2;
}
