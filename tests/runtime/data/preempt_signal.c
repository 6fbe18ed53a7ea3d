/* A signal sent to a task that was preempted in user mode runs its handler on the way back.
 *
 * The child tells its parent it is running (a write to a pipe, its last
 * system call) and spins on a flag only its SIGUSR1 handler sets. The
 * parent wakes from its read while the child spins, so the tick takes the
 * cpu from the child; the parent then sends SIGUSR1 to the preempted child
 * and waits. The child's loop checks that its registers and memory still
 * agree when the handler has run (as interruptible.c does).
 */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_signal(int sig) { got = sig; }

int main(void) {
    int pipefd[2];
    if (pipe(pipefd) != 0)
        return 1;
    signal(SIGUSR1, on_signal);
    pid_t child = fork();
    if (child == 0) {
        write(pipefd[1], "r", 1);
        unsigned long a = 0, b = 0, c = 0;
        while (!got) {
            a++;
            if (a & 1)
                b += 3;
            else
                c += 5;
        }
        int consistent = b == 3 * ((a + 1) / 2) && c == 5 * (a / 2);
        printf("child: signal %d, consistent=%d\n", (int)got, consistent);
        return consistent ? 42 : 1;
    }
    char byte;
    read(pipefd[0], &byte, 1);
    kill(child, SIGUSR1);
    int status;
    waitpid(child, &status, 0);
    printf("parent: child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
