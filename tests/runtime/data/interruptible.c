/* A loop without system calls, for Ctrl-C: killed by SIGINT, or (with an argument) caught by a handler.
 *
 * The handler only sets a flag; the loop checks it between iterations and
 * then checks that its registers and memory agree with each other, which
 * they do only if the loop was resumed at the exact instruction it was
 * stopped at.
 */
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_signal(int sig) { got = sig; }

int main(int argc, char **argv) {
    if (argc > 1)
        signal(SIGINT, on_signal);
    printf("ready\n");
    fflush(stdout);
    unsigned long a = 0, b = 0, c = 0;
    while (!got) {
        a++;
        if (a & 1)
            b += 3;
        else
            c += 5;
    }
    int consistent = b == 3 * ((a + 1) / 2) && c == 5 * (a / 2);
    printf("signal %d, consistent=%d\n", (int)got, consistent);
    return consistent ? 7 : 1;
}
