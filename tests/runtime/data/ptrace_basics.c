/* ptrace: a tracer and its tracee, compared with the native run line by line.
 * fork + PTRACE_TRACEME + exec (SIGTRAP), syscall stops with GETREGS, PEEK/POKE, signal-delivery-stops
 * (suppressed, injected, changed), GETSIGINFO, PTRACE_O_TRACESYSGOOD, a skipped call, SETREGS, single-step,
 * ATTACH to a running child, DETACH, KILL, TracerPid, errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <elf.h>
#include <unistd.h>

static long marker = 0x1122334455667788;
static volatile sig_atomic_t usr1;
static void on_usr1(int sig) { (void)sig; usr1++; }

static void describe(const char *what, int status) {
    if (WIFSTOPPED(status)) {
        int sig = WSTOPSIG(status), event = status >> 16;
        printf("%s: stopped by %d%s", what, sig & 0x7f, sig & 0x80 ? " (syscall)" : "");
        if (event) printf(" event %d", event);
        printf("\n");
    } else if (WIFEXITED(status)) printf("%s: exited %d\n", what, WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) printf("%s: killed by %d\n", what, WTERMSIG(status));
}

static int tracer_pid_of(pid_t pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    int tp = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "TracerPid: %d", &tp) == 1) break;
    if (f) fclose(f);
    return tp;
}

static char state_of(pid_t pid) {
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    char st = '?';
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "State: %c", &st) == 1) break;
    if (f) fclose(f);
    return st;
}

/* The child's own program, after exec: a few calls the tracer watches. */
static int child_main(void) {
    signal(SIGUSR1, on_usr1);
    syscall(SYS_getppid);
    long r = syscall(SYS_getpid);           /* the tracer skips this one: -ENOSYS, or what it says */
    printf("child: skipped getpid returned %ld\n", r);
    fflush(stdout);
    raise(SIGUSR1);                         /* suppressed by the tracer */
    raise(SIGUSR2);                         /* replaced by SIGUSR1 */
    printf("child: usr1 handled %d times, marker %lx\n", (int)usr1, (unsigned long)marker);
    fflush(stdout);
    return 3;
}

static void exec_and_syscalls(const char *self) {
    int status;
    pid_t pid = fork();
    if (pid == 0) {
        if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) _exit(99);
        execl(self, self, "child", (char *)NULL);
        _exit(98);
    }
    waitpid(pid, &status, 0);
    describe("after exec", status);
    printf("  TracerPid is the parent: %d, state %c\n", tracer_pid_of(pid) == getpid(), state_of(pid));
    siginfo_t si;
    ptrace(PTRACE_GETSIGINFO, pid, 0, &si);
    printf("  siginfo: signo %d code %d\n", si.si_signo, si.si_code);
    ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD);
    /* Follow the calls until the marker poke, recording getppid's and skipping getpid. */
    int entering = 1, seen_getppid = 0, skipped = 0;
    for (;;) {
        ptrace(PTRACE_SYSCALL, pid, 0, 0);
        waitpid(pid, &status, 0);
        if (!WIFSTOPPED(status)) break;
        if (WSTOPSIG(status) != (SIGTRAP | 0x80)) break;  /* a signal: out of the loop */
        struct user_regs_struct regs;
        ptrace(PTRACE_GETREGS, pid, 0, &regs);
        if (entering && regs.orig_rax == SYS_getppid && !seen_getppid) {
            printf("  getppid entry: rax %lld (-ENOSYS)\n", (long long)regs.rax);
        } else if (!entering && regs.orig_rax == SYS_getppid && !seen_getppid) {
            printf("  getppid exit: returns the tracer: %d\n", regs.rax == (unsigned long long)getpid());
            seen_getppid = 1;
        } else if (entering && regs.orig_rax == SYS_getpid && seen_getppid && !skipped) {
            regs.orig_rax = -1;
            regs.rax = 4242;
            ptrace(PTRACE_SETREGS, pid, 0, &regs);
            skipped = 1;
            /* The text and data of the tracee, read and written while it is stopped. */
            errno = 0;
            long word = ptrace(PTRACE_PEEKDATA, pid, &marker, 0);
            printf("  peek marker: %lx errno %d\n", (unsigned long)word, errno);
            ptrace(PTRACE_POKEDATA, pid, &marker, 0x0102030405060708L);
            long text = ptrace(PTRACE_PEEKTEXT, pid, (void *)child_main, 0);
            long r = ptrace(PTRACE_POKETEXT, pid, (void *)child_main, text);
            printf("  poke text back in place: %ld\n", r);
        } else if (!entering && skipped == 1) {
            printf("  skipped call's exit: rax %lld\n", (long long)regs.rax);
            skipped = 2;
        }
        entering = !entering;
    }
    describe("  out of the loop", status);
    /* That was SIGUSR1's signal-delivery-stop: suppress it; then SIGUSR2's: change it to SIGUSR1. */
    ptrace(PTRACE_GETSIGINFO, pid, 0, &si);
    printf("  signal stop siginfo: signo %d code %d pid ok %d\n", si.si_signo, si.si_code, si.si_pid == pid);
    ptrace(PTRACE_CONT, pid, 0, 0);
    waitpid(pid, &status, 0);
    describe("  next", status);
    ptrace(PTRACE_CONT, pid, 0, SIGUSR1);
    waitpid(pid, &status, 0);
    describe("  child at its end", status);
}

/* One request and what it answered, errno included (evaluated in that order). */
static void try(const char *what, enum __ptrace_request req, pid_t pid, long addr, long data) {
    errno = 0;
    long r = ptrace(req, pid, (void *)addr, (void *)data);
    int e = errno;
    printf("  %s: %ld %s\n", what, r, r == -1 ? strerror(e) : "");
}

static void errors(void) {
    printf("errors:\n");
    try("attach to self", PTRACE_ATTACH, getpid(), 0, 0);
    pid_t pid = fork();
    if (pid == 0) { for (;;) pause(); }
    try("cont on a child not traced", PTRACE_CONT, pid, 0, 0);
    int status;
    ptrace(PTRACE_ATTACH, pid, 0, 0);
    waitpid(pid, &status, 0);
    describe("  attached to a sleeping child", status);
    printf("  TracerPid: %d, state %c\n", tracer_pid_of(pid) == getpid(), state_of(pid));
    try("attach again", PTRACE_ATTACH, pid, 0, 0);
    try("peekdata at 0", PTRACE_PEEKDATA, pid, 0, 0);
    try("pokedata at 0", PTRACE_POKEDATA, pid, 0, 0);
    try("peekuser misaligned", PTRACE_PEEKUSER, pid, 3, 0);
    try("peekuser past struct user", PTRACE_PEEKUSER, pid, 928, 0);
    try("peekuser cs", PTRACE_PEEKUSER, pid, offsetof(struct user_regs_struct, cs), 0);
    try("pokeuser cs", PTRACE_POKEUSER, pid, offsetof(struct user_regs_struct, cs), 0x10);
    try("pokeuser fs_base in the kernel", PTRACE_POKEUSER, pid, offsetof(struct user_regs_struct, fs_base), -4096);
    try("poke DR7 with an I/O breakpoint", PTRACE_POKEUSER, pid, offsetof(struct user, u_debugreg[7]), 0x20001);
    try("poke DR0 misaligned", PTRACE_POKEUSER, pid, offsetof(struct user, u_debugreg[0]), 0x1001);
    try("then DR7 for 4 bytes there", PTRACE_POKEUSER, pid, offsetof(struct user, u_debugreg[7]), 0xd0001);
    try("DR7 still", PTRACE_PEEKUSER, pid, offsetof(struct user, u_debugreg[7]), 0);
    try("DR7 for 1 byte there", PTRACE_POKEUSER, pid, offsetof(struct user, u_debugreg[7]), 0x10001);
    try("DR7 now", PTRACE_PEEKUSER, pid, offsetof(struct user, u_debugreg[7]), 0);
    try("DR0 in the kernel half", PTRACE_POKEUSER, pid, offsetof(struct user, u_debugreg[0]), 0xffff800000000000L);
    try("DR0 still", PTRACE_PEEKUSER, pid, offsetof(struct user, u_debugreg[0]), 0);
    try("execute breakpoint of 2 bytes", PTRACE_POKEUSER, pid, offsetof(struct user, u_debugreg[7]), 0x40001);
    try("DR7 back to 0", PTRACE_POKEUSER, pid, offsetof(struct user, u_debugreg[7]), 0);
    try("poke DR4", PTRACE_POKEUSER, pid, offsetof(struct user, u_debugreg[4]), 0);
    try("poke DR6", PTRACE_POKEUSER, pid, offsetof(struct user, u_debugreg[6]), 0x1234);
    try("peek DR6", PTRACE_PEEKUSER, pid, offsetof(struct user, u_debugreg[6]), 0);
    try("setoptions bad", PTRACE_SETOPTIONS, pid, 0, 0x40000000);
    try("cont with a bad signal", PTRACE_CONT, pid, 0, 100);
    try("getsiginfo into NULL", PTRACE_GETSIGINFO, pid, 0, 0);
    try("getregs into NULL", PTRACE_GETREGS, pid, 0, 0);
    try("getsigmask with a bad size", PTRACE_GETSIGMASK, pid, 4, 0);
    errno = 0;
    struct iovec iov = {0};
    struct user_regs_struct regs;
    iov.iov_base = &regs;
    iov.iov_len = sizeof regs + 64;
    long r = ptrace(PTRACE_GETREGSET, pid, NT_PRSTATUS, &iov);
    printf("  getregset prstatus: %ld len %zu\n", r, iov.iov_len);
    iov.iov_len = 7;
    try("getregset with a length not a multiple of 8", PTRACE_GETREGSET, pid, NT_PRSTATUS, (long)&iov);
    try("getregset of an unknown note", PTRACE_GETREGSET, pid, 0x999, (long)&iov);
    try("interrupt without seize", PTRACE_INTERRUPT, pid, 0, 0);
    ptrace(PTRACE_DETACH, pid, 0, 0);
    usleep(20000);
    printf("  detached: TracerPid %d, state %c\n", tracer_pid_of(pid), state_of(pid));
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    describe("  killed", status);

    /* PTRACE_KILL of a tracee in a signal-delivery-stop. */
    pid = fork();
    if (pid == 0) { ptrace(PTRACE_TRACEME, 0, 0, 0); raise(SIGUSR2); _exit(1); }
    waitpid(pid, &status, 0);
    describe("  traceme, raise", status);
    ptrace(PTRACE_KILL, pid, 0, 0);
    waitpid(pid, &status, 0);
    describe("  after PTRACE_KILL", status);

    /* Single-stepping: rip moves forward, and the tracee still ends well. */
    pid = fork();
    if (pid == 0) { ptrace(PTRACE_TRACEME, 0, 0, 0); raise(SIGSTOP); volatile int x = 0; x++; _exit(x + 4); }
    waitpid(pid, &status, 0);
    int steps = 0;
    for (int i = 0; i < 5; i++) {
        ptrace(PTRACE_SINGLESTEP, pid, 0, 0);
        waitpid(pid, &status, 0);
        if (WIFSTOPPED(status) && WSTOPSIG(status) == SIGTRAP) steps++;
    }
    printf("  single steps that stopped with SIGTRAP: %d\n", steps);
    ptrace(PTRACE_CONT, pid, 0, 0);
    waitpid(pid, &status, 0);
    describe("  stepped child at its end", status);
}

/* Events: a fork followed into the grandchild (PTRACE_O_TRACEFORK), and the stop before exit. */
static void events(void) {
    int status;
    pid_t pid = fork();
    if (pid == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        pid_t g = fork();
        if (g == 0) _exit(6);
        waitpid(g, &status, 0);
        _exit(WEXITSTATUS(status) + 1);
    }
    waitpid(pid, &status, 0);
    ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEFORK | PTRACE_O_TRACEEXIT);
    ptrace(PTRACE_CONT, pid, 0, 0);
    waitpid(pid, &status, 0);
    describe("events: forking child", status);
    unsigned long msg = 0;
    ptrace(PTRACE_GETEVENTMSG, pid, 0, &msg);
    pid_t g = (pid_t)msg;
    waitpid(g, &status, __WALL);
    describe("  the new grandchild, traced", status);
    printf("  grandchild's TracerPid is us: %d\n", tracer_pid_of(g) == getpid());
    ptrace(PTRACE_CONT, g, 0, 0);
    waitpid(g, &status, __WALL);
    describe("  grandchild before its exit", status);
    ptrace(PTRACE_GETEVENTMSG, g, 0, &msg);
    printf("  its exit status in the message: %lu\n", msg >> 8);
    ptrace(PTRACE_CONT, g, 0, 0);
    waitpid(g, &status, __WALL);
    describe("  the grandchild's end, seen by its tracer first", status);
    ptrace(PTRACE_CONT, pid, 0, 0);
    waitpid(pid, &status, 0);
    describe("  child, told of its own child's end", status);
    ptrace(PTRACE_CONT, pid, 0, WSTOPSIG(status));
    waitpid(pid, &status, 0);
    describe("  child before its exit", status);
    ptrace(PTRACE_CONT, pid, 0, 0);
    waitpid(pid, &status, 0);
    describe("  child at its end", status);
}

/* PTRACE_SEIZE: no SIGSTOP; PTRACE_INTERRUPT stops it with PTRACE_EVENT_STOP. */
static void seize(void) {
    int status;
    pid_t pid = fork();
    if (pid == 0) { for (;;) pause(); }
    try("seize with a bad option", PTRACE_SEIZE, pid, 0, 0x40000000);
    try("seize", PTRACE_SEIZE, pid, 0, PTRACE_O_TRACESYSGOOD);
    usleep(20000);
    printf("  state after seize: %c\n", state_of(pid));
    try("interrupt", PTRACE_INTERRUPT, pid, 0, 0);
    waitpid(pid, &status, 0);
    describe("seized child after interrupt", status);
    ptrace(PTRACE_DETACH, pid, 0, 0);
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    describe("  seized child at its end", status);
}

int main(int argc, char **argv) {
    if (argc > 1 && strcmp(argv[1], "child") == 0)
        return child_main();
    setvbuf(stdout, NULL, _IONBF, 0);
    exec_and_syscalls(argv[0]);
    errors();
    events();
    seize();
    return 0;
}
