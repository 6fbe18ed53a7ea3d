/* Signals and threads: pthread_kill runs the handler in the thread it names;
 * a process-directed kill() goes to the one thread that does not block the
 * signal; each thread's signal mask is its own. The handler records which
 * thread ran it through a __thread index. */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

enum { THREADS = 4 };

static __thread int my_index = -1;
static volatile sig_atomic_t usr1_ran_in = -2, usr2_ran_in = -2;
static pthread_barrier_t barrier;
static sigset_t seen_mask[THREADS];

static void on_usr1(int sig) { (void)sig; usr1_ran_in = my_index; }
static void on_usr2(int sig) { (void)sig; usr2_ran_in = my_index; }

static void *worker(void *arg)
{
    my_index = (int)(long)arg;
    sigset_t unblock;
    sigemptyset(&unblock);
    /* Thread 2 takes SIGUSR1 when directed at it; thread 3 is the only one that takes SIGUSR2. */
    if (my_index == 2)
        sigaddset(&unblock, SIGUSR1);
    if (my_index == 3)
        sigaddset(&unblock, SIGUSR2);
    pthread_sigmask(SIG_UNBLOCK, &unblock, NULL);
    pthread_sigmask(SIG_BLOCK, NULL, &seen_mask[my_index]);
    pthread_barrier_wait(&barrier); /* masks set */
    pthread_barrier_wait(&barrier); /* signals sent */
    /* A pending signal for this thread is delivered at the latest on this call's return. */
    if (my_index == 2)
        while (usr1_ran_in == -2)
            sched_yield();
    if (my_index == 3)
        while (usr2_ran_in == -2)
            sched_yield();
    return NULL;
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    sigset_t both;
    sigemptyset(&both);
    sigaddset(&both, SIGUSR1);
    sigaddset(&both, SIGUSR2);
    /* Blocked in main before the threads start, so they inherit the mask. */
    pthread_sigmask(SIG_BLOCK, &both, NULL);
    my_index = 99;
    pthread_barrier_init(&barrier, NULL, THREADS + 1);
    pthread_t threads[THREADS];
    for (long i = 0; i < THREADS; i++)
        if (pthread_create(&threads[i], NULL, worker, (void *)i)) {
            puts("pthread_create failed");
            return 1;
        }
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < THREADS; i++)
        printf("thread %d blocks USR1 %d USR2 %d\n", i, sigismember(&seen_mask[i], SIGUSR1),
               sigismember(&seen_mask[i], SIGUSR2));
    printf("pthread_kill: %d\n", pthread_kill(threads[2], SIGUSR1));
    printf("kill: %d\n", kill(getpid(), SIGUSR2));
    pthread_barrier_wait(&barrier);
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    printf("SIGUSR1 handled in thread %d\n", (int)usr1_ran_in);
    printf("SIGUSR2 handled in thread %d\n", (int)usr2_ran_in);
    sigset_t pending;
    sigpending(&pending);
    printf("main still has pending USR1 %d USR2 %d\n", sigismember(&pending, SIGUSR1),
           sigismember(&pending, SIGUSR2));
    printf("pthread_kill of signal 0 to main: %d\n", pthread_kill(pthread_self(), 0));
    return usr1_ran_in == 2 && usr2_ran_in == 3 ? 0 : 2;
}
