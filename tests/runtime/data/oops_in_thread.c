/* One thread makes a system call whose body (a project's Python) raises.
 * On Linux an oops in a system call ends the calling thread only
 * (make_task_dead -> do_exit): the main thread runs on, its join returns as
 * the dead thread's CLONE_CHILD_CLEARTID word is cleared and woken, a new
 * thread still starts, and the process's status is the main thread's
 * exit_group. NR_MY_FUNC is the project's number for my_func(a, b) = a / b. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>

static void *divide_by_zero(void *arg) {
    long r = syscall(NR_MY_FUNC, 6, 0);
    printf("my_func(6, 0) returned %ld\n", r); /* never: the thread dies in the call */
    return arg;
}

static void *greet(void *arg) {
    printf("a new thread runs\n");
    return arg;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    printf("my_func(6, 3) = %ld\n", syscall(NR_MY_FUNC, 6, 3));
    pthread_t t;
    pthread_create(&t, NULL, divide_by_zero, NULL);
    printf("joined the oopsed thread: %d\n", pthread_join(t, NULL));
    pthread_create(&t, NULL, greet, NULL);
    pthread_join(t, NULL);
    printf("the main thread goes on\n");
    exit(3);
}
