/* userloop.c's loop, alone or beside another task (bench_preemption.py).
 *
 *   looppair N alone    the loop, N iterations
 *   looppair N waiter   the loop in a forked child while the parent waits in wait4
 *   looppair N pair     the loop in the parent and in a forked child at once; the parent then waits
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int loop(unsigned long n) {
    unsigned long b = 0, c = 0;
    for (unsigned long a = 0; a < n; a++) {
        if (a & 1)
            b += 3;
        else
            c += 5;
    }
    return (int)((b + c) & 1);
}

int main(int argc, char **argv) {
    unsigned long n = argc > 1 ? strtoul(argv[1], 0, 10) : 0;
    const char *mode = argc > 2 ? argv[2] : "alone";
    int status = 0;
    if (strcmp(mode, "waiter") == 0) {
        pid_t child = fork();
        if (child == 0)
            return loop(n);
        waitpid(child, &status, 0);
        return WEXITSTATUS(status);
    }
    if (strcmp(mode, "pair") == 0) {
        pid_t child = fork();
        if (child == 0)
            return loop(n);
        int result = loop(n);
        waitpid(child, &status, 0);
        return result | WEXITSTATUS(status);
    }
    return loop(n);
}
