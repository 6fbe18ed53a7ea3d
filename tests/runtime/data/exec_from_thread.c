/* A thread other than the leader calls execve while another thread is alive: the new program
   takes the process's pid, and its exit status is the process's (de_thread). */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *idle(void *arg) {
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

static void *exec_again(void *arg) {
    char *self = arg;
    char *argv[] = {self, "again", NULL};
    execv("/proc/self/exe", argv);
    perror("execv");
    exit(1);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "again") == 0) {
        /* de_thread made the exec'ing thread the leader: its tid is the pid again. */
        printf("the new program is the leader: %s\n", gettid() == getpid() ? "yes" : "no");
        return 6;
    }
    pthread_t a, b;
    pthread_create(&a, NULL, idle, NULL);
    pthread_create(&b, NULL, exec_again, argv[0]);
    pthread_join(b, NULL);
    return 2;
}
