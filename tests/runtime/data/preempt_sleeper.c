/* A task asleep in nanosleep wakes on time while another spins: the parent
 * polls (waitpid with WNOHANG never sleeps) until its child, which slept
 * 100 ms, has exited, and reports whether that took as long as it should. */
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void) {
    double start = now();
    pid_t child = fork();
    if (child == 0) {
        struct timespec nap = {0, 100000000};
        nanosleep(&nap, 0);
        return 5;
    }
    int status = 0;
    while (waitpid(child, &status, WNOHANG) == 0)
        ;
    double took = now() - start;
    printf("child exited %d after %s\n", WEXITSTATUS(status),
           took >= 0.1 && took < 1.0 ? "its 100 ms" : "the wrong time");
    return 0;
}
