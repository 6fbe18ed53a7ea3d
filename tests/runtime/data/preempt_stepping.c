/* A task single-stepping itself (TF set, a SIGTRAP handler counting traps) keeps stepping across
 * preemptions, while a forked child spins: the count of traps is the native one. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile unsigned long traps;

static void on_trap(int sig) {
    (void)sig;
    traps++;
}

int main(void) {
    struct sigaction sa = {0};
    sa.sa_handler = on_trap;
    sigaction(SIGTRAP, &sa, 0);
    pid_t spinner = fork();
    if (spinner == 0)
        for (;;)
            __asm__ volatile("");
    unsigned long n = 3000, left;
    __asm__ volatile(
        "	pushfq\n"
        "	orq	$0x100, (%%rsp)\n"
        "	popfq\n" /* TF from here: a trap after each instruction */
        "1:	decq	%0\n"
        "	jnz	1b\n"
        "	pushfq\n"
        "	andq	$~0x100, (%%rsp)\n"
        "	popfq\n"
        : "=r"(left)
        : "0"(n)
        : "cc", "memory");
    unsigned long seen = traps;
    kill(spinner, SIGKILL);
    int status;
    waitpid(spinner, &status, 0);
    printf("left %lu, %lu traps\n", left, seen);
    return 0;
}
