/* Processes that never make a system call share the one cpu.
 *
 * The parent forks a child that spins forever and then a worker that
 * computes without a system call; it waits for the worker (wait4 sleeps,
 * so the spinner holds the cpu unless it is preempted), prints the
 * worker's result, then kills the spinner. With an argument "all" the
 * parent also spins, without waiting, until the worker is a zombie
 * (waitpid with WNOHANG: system calls that never sleep).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned long compute(unsigned long n) {
    unsigned long x = 88172645463325252UL, sum = 0;
    for (unsigned long i = 0; i < n; i++) { /* xorshift64 */
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        sum += x >> 59;
    }
    return sum;
}

int main(int argc, char **argv) {
    unsigned long n = 3000000;
    int busy_parent = argc > 1 && strcmp(argv[1], "all") == 0;
    pid_t spinner = fork();
    if (spinner == 0)
        for (;;)
            __asm__ volatile("");
    pid_t worker = fork();
    if (worker == 0) {
        printf("worker: %lu\n", compute(n));
        return 3;
    }
    int status = 0;
    if (busy_parent) {
        while (waitpid(worker, &status, WNOHANG) == 0)
            ;
    } else {
        waitpid(worker, &status, 0);
    }
    printf("worker exited %d\n", WEXITSTATUS(status));
    kill(spinner, SIGKILL);
    waitpid(spinner, &status, 0);
    printf("spinner killed by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return 0;
}
