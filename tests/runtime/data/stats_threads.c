/* For --stats per thread: three threads call getppid twice (raw, and through glibc) 5, 10 and 15 times; the
 * main thread joins them and prints how many pairs agreed. Only their loop counts differ, so each thread's
 * number of calls is 10 more than the one before. */
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *calls(void *arg)
{
	long n = (long)arg, same = 0;
	for (long i = 0; i < n; i++)
		same += syscall(SYS_getppid) == getppid();
	return (void *)same;
}

int main(void)
{
	pthread_t threads[3];
	long total = 0;
	for (long i = 0; i < 3; i++)
		if (pthread_create(&threads[i], NULL, calls, (void *)(5 * (i + 1))) != 0)
			return 1;
	for (int i = 0; i < 3; i++) {
		void *same;
		pthread_join(threads[i], &same);
		total += (long)same;
	}
	printf("%ld calls agreed\n", total);
	return 0;
}
