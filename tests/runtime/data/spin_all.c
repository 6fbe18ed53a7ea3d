/* Three processes that all spin without system calls, for Ctrl-C: "ignore" makes them all ignore SIGINT. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "ignore") == 0)
        signal(SIGINT, SIG_IGN);
    for (int i = 0; i < 2; i++)
        if (fork() == 0)
            break;
    if (getpid() == getpgrp()) {
        printf("ready\n");
        fflush(stdout);
    }
    for (;;)
        __asm__ volatile("");
}
