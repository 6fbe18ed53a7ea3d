/* glibc's own pthread_create (clone3 with CLONE_SETTLS, the robust list, the thread's own TLS block) and
 * pthread_kill, without pthread_join or contended locks, which need futex: threads report through shared
 * memory, the main thread polls with nanosleep and alone prints. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define THREADS 3

static __thread int tls = 5;
static __thread volatile sig_atomic_t got_signal;
static volatile int done[THREADS], tls_seen[THREADS], own_tid[THREADS], signalled[THREADS];
static volatile pid_t tids[THREADS];

static void on_usr1(int sig)
{
	got_signal = sig; /* this thread's own copy */
}

static void nap(void)
{
	struct timespec ts = { 0, 1000000 };
	nanosleep(&ts, 0);
}

static void *run(void *arg)
{
	long i = (long)arg;
	tls += (int)i * 10;
	tls_seen[i] = tls;
	own_tid[i] = gettid() != getpid();
	tids[i] = gettid(); /* last: main reads tls_seen and own_tid once it sees this */
	for (int n = 0; n < 5000 && !got_signal; n++)
		nap();
	signalled[i] = got_signal;
	done[i] = 1;
	return 0;
}

int main(void)
{
	pthread_t threads[THREADS];
	struct sigaction sa;
	setvbuf(stdout, NULL, _IONBF, 0);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, 0);
	for (long i = 0; i < THREADS; i++)
		printf("pthread_create %ld: %d\n", i, pthread_create(&threads[i], 0, run, (void *)i));
	for (int i = 0; i < THREADS; i++) {
		while (!tids[i])
			nap();
		printf("thread %d: tls=%d own tid=%d detach=%d\n", i, tls_seen[i], own_tid[i], pthread_detach(threads[i]));
	}
	for (int i = 0; i < THREADS; i++) {
		printf("pthread_kill(thread %d, SIGUSR1): %d\n", i, pthread_kill(threads[i], SIGUSR1));
		while (!done[i])
			nap();
		printf("thread %d: its handler ran in it=%d\n", i, signalled[i] == SIGUSR1);
	}
	printf("main: tls=%d signal seen=%d\n", tls, got_signal);
	return 0;
}
