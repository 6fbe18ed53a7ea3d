/* glibc's pthreads over clone3 and futex: a mutex, a condition variable, a barrier, cancellation, TLS, a signal
 * to one thread, joins and posix_spawn of a missing program. Only the main thread prints, after joins.
 * The same source builds with musl-gcc, whose pthreads use the same calls differently. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long total;

static void *add(void *arg)
{
	long n = (long)arg;
	for (long i = 1; i <= 1000; i++) {
		pthread_mutex_lock(&lock);
		total += i * n;
		pthread_mutex_unlock(&lock);
		if (i % 100 == 0)
			sched_yield(); /* let the others take the lock between */
	}
	return (void *)n;
}

static pthread_cond_t nonempty = PTHREAD_COND_INITIALIZER, nonfull = PTHREAD_COND_INITIALIZER;
static int queue[4], count, head;
static long consumed;

static void *producer(void *arg)
{
	(void)arg;
	for (int i = 1; i <= 100; i++) {
		pthread_mutex_lock(&lock);
		while (count == 4)
			pthread_cond_wait(&nonfull, &lock);
		queue[(head + count++) % 4] = i;
		pthread_cond_signal(&nonempty);
		pthread_mutex_unlock(&lock);
	}
	return 0;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (int i = 0; i < 100; i++) {
		pthread_mutex_lock(&lock);
		while (count == 0)
			pthread_cond_wait(&nonempty, &lock);
		consumed += queue[head];
		head = (head + 1) % 4;
		count--;
		pthread_cond_signal(&nonfull);
		pthread_mutex_unlock(&lock);
	}
	return 0;
}

static pthread_barrier_t barrier;
static __thread long mine;

static void *at_barrier(void *arg)
{
	mine = (long)arg * 7;
	int r = pthread_barrier_wait(&barrier);
	return (void *)(long)((r == PTHREAD_BARRIER_SERIAL_THREAD) * 1000 + mine);
}

static void *forever(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return 0;
}

static volatile sig_atomic_t usr1_in_target;
static pthread_t target;

static void on_usr1(int sig)
{
	(void)sig;
	usr1_in_target = pthread_equal(pthread_self(), target);
}

static void *wait_for_usr1(void *arg)
{
	(void)arg;
	while (!usr1_in_target)
		pause();
	return 0;
}

int main(void)
{
	pthread_t t[8];
	void *ret;
	long joined = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	for (long i = 0; i < 8; i++)
		pthread_create(&t[i], 0, add, (void *)(i + 1));
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], &ret);
		joined += (long)ret;
	}
	printf("8 threads under a mutex: total=%ld (want %ld), joined=%ld\n", total, 500500L * 36, joined);

	pthread_create(&t[0], 0, producer, 0);
	pthread_create(&t[1], 0, consumer, 0);
	pthread_join(t[0], 0);
	pthread_join(t[1], 0);
	printf("producer/consumer over a condition variable: %ld (want 5050)\n", consumed);

	pthread_barrier_init(&barrier, 0, 4);
	long serial = 0, sum = 0;
	for (long i = 0; i < 4; i++)
		pthread_create(&t[i], 0, at_barrier, (void *)(i + 1));
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], &ret);
		serial += (long)ret / 1000;
		sum += (long)ret % 1000;
	}
	printf("barrier: serial threads=%ld, thread-local sum=%ld main's own=%ld\n", serial, sum, mine);

	pthread_create(&t[0], 0, forever, 0);
	printf("pthread_cancel: %d\n", pthread_cancel(t[0]));
	pthread_join(t[0], &ret);
	printf("joined a cancelled thread: %s\n", ret == PTHREAD_CANCELED ? "PTHREAD_CANCELED" : "?");

	struct sigaction sa = { 0 };
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, 0);
	pthread_create(&target, 0, wait_for_usr1, 0);
	usleep(20000);
	printf("pthread_kill: %d\n", pthread_kill(target, SIGUSR1));
	pthread_join(target, 0);
	printf("the handler ran in the target thread: %d\n", (int)usr1_in_target);

	pid_t pid;
	char *argv[] = { "missing", 0 };
	int r = posix_spawn(&pid, "/nonexistent/program", 0, 0, argv, environ);
	printf("posix_spawn of a missing program: %s\n", r == ENOENT ? "ENOENT" : strerror(r));
	return 0;
}
