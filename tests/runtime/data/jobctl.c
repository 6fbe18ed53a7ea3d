/* Job control: stop signals, SIGCONT, and what the parent sees of them (wait4, waitid, SIGCHLD, /proc). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t chld_code, chld_status, tstp_seen, usr1_seen;

static void on_chld(int sig, siginfo_t *si, void *uc) {
    (void)sig; (void)uc;
    chld_code = si->si_code;
    chld_status = si->si_status;
}
static void on_tstp(int sig) { (void)sig; tstp_seen++; }
static void on_usr1(int sig) { (void)sig; usr1_seen++; }

static char state_of(pid_t pid) {
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return '?';
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = strrchr(buf, ')');
    return p ? p[2] : '?';
}

static void *spin_thread(void *arg) { (void)arg; for (;;) ; return NULL; }

/* How many threads of `pid` are in state `want`. */
static int threads_in(pid_t pid, char want) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') n += state_of(atoi(e->d_name)) == want;
    if (d) closedir(d);
    return n;
}

static void describe(const char *what, int status) {
    if (WIFSTOPPED(status)) printf("%s: stopped by %d\n", what, WSTOPSIG(status));
    else if (WIFCONTINUED(status)) printf("%s: continued\n", what);
    else if (WIFEXITED(status)) printf("%s: exited %d\n", what, WEXITSTATUS(status));
    else if (WIFSIGNALED(status)) printf("%s: killed by %d\n", what, WTERMSIG(status));
}

static void wait_state(pid_t pid, char want) {
    for (int i = 0; i < 2000 && state_of(pid) != want; i++) usleep(1000);
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa = {0};
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    int status;

    /* 1. A child spinning in user mode, stopped and continued from outside. */
    pid_t spin = fork();
    if (spin == 0) { for (;;) ; }
    kill(spin, SIGSTOP);
    pid_t got = waitpid(spin, &status, WUNTRACED);
    describe("spinner after SIGSTOP", status);
    printf("  waitpid returned the child: %d, state %c\n", got == spin, state_of(spin));
    printf("  SIGCHLD code %d status %d\n", chld_code, chld_status);
    printf("  reported once: waitpid WNOHANG|WUNTRACED = %d\n", waitpid(spin, &status, WNOHANG | WUNTRACED));
    kill(spin, SIGCONT);
    got = waitpid(spin, &status, WCONTINUED);
    describe("spinner after SIGCONT", status);
    printf("  state %c\n", state_of(spin) == 'T' ? 'T' : 'R');
    printf("  reported once: WNOHANG|WCONTINUED = %d\n", waitpid(spin, &status, WNOHANG | WCONTINUED));
    kill(spin, SIGSTOP);
    waitpid(spin, &status, WUNTRACED);
    kill(spin, SIGTERM);  /* fatal, but a stopped process takes it only once continued */
    usleep(20000);
    printf("  SIGTERM while stopped: state %c, reaped %d\n", state_of(spin), waitpid(spin, &status, WNOHANG));
    kill(spin, SIGCONT);
    waitpid(spin, &status, 0);
    describe("stopped spinner after SIGTERM, then SIGCONT", status);
    pid_t paused = fork();
    if (paused == 0) { for (;;) pause(); }
    kill(paused, SIGSTOP);
    waitpid(paused, &status, WUNTRACED);
    kill(paused, SIGKILL);
    waitpid(paused, &status, 0);
    describe("stopped pauser after SIGKILL", status);

    /* 2. A child asleep in nanosleep stops, and its sleep goes on after SIGCONT (restarted, unseen). */
    pid_t sleeper = fork();
    if (sleeper == 0) {
        setpgid(0, 0); /* a group of its own, whose parent is outside it: not orphaned */
        struct timespec ts = {0, 300 * 1000 * 1000};
        int r = nanosleep(&ts, NULL);
        _exit(r == 0 ? 7 : 8);
    }
    usleep(50000);
    kill(sleeper, SIGTSTP);
    waitpid(sleeper, &status, WUNTRACED);
    describe("sleeper after SIGTSTP", status);
    siginfo_t si;
    memset(&si, 0, sizeof si);
    waitid(P_PID, sleeper, &si, WSTOPPED | WNOHANG);
    printf("  waitid WSTOPPED again: pid %d (reported once)\n", si.si_pid);
    kill(sleeper, SIGCONT);
    memset(&si, 0, sizeof si);
    waitid(P_PID, sleeper, &si, WCONTINUED | WNOWAIT);
    printf("  waitid WCONTINUED|WNOWAIT: code %d status %d\n", si.si_code, si.si_status);
    memset(&si, 0, sizeof si);
    waitid(P_PID, sleeper, &si, WCONTINUED);
    printf("  waitid WCONTINUED: code %d status %d\n", si.si_code, si.si_status);
    waitpid(sleeper, &status, 0);
    describe("sleeper at its end", status);

    /* 3. A child stopping itself; SIGCONT sent while it is stopped and a handler for SIGTSTP. */
    pid_t self = fork();
    if (self == 0) {
        signal(SIGUSR1, on_usr1);
        raise(SIGSTOP);
        /* Resumed: SIGUSR1 sent while stopped is delivered now. */
        signal(SIGTSTP, on_tstp);
        raise(SIGTSTP);
        _exit(10 * usr1_seen + tstp_seen);
    }
    waitpid(self, &status, WUNTRACED);
    describe("self-stopped child", status);
    kill(self, SIGUSR1);
    usleep(20000);
    printf("  still stopped with SIGUSR1 pending: %c\n", state_of(self));
    kill(self, SIGCONT);
    waitpid(self, &status, 0);
    describe("self-stopped child at its end", status);

    /* 4. SA_NOCLDSTOP: no SIGCHLD for a stop; the wait still sees it. */
    sa.sa_flags = SA_SIGINFO | SA_RESTART | SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    chld_code = 0;
    pid_t quiet = fork();
    if (quiet == 0) { raise(SIGSTOP); _exit(3); }
    waitpid(quiet, &status, WUNTRACED);
    describe("with SA_NOCLDSTOP", status);
    printf("  SIGCHLD code seen: %d\n", chld_code);
    kill(quiet, SIGCONT);
    waitpid(quiet, &status, 0);
    describe("with SA_NOCLDSTOP at its end", status);

    /* 5. A stop signal discards a pending SIGCONT, and SIGCONT a pending stop signal (both blocked). */
    pid_t blocker = fork();
    if (blocker == 0) {
        sigset_t set, pend;
        sigemptyset(&set);
        sigaddset(&set, SIGTSTP);
        sigaddset(&set, SIGCONT);
        sigprocmask(SIG_BLOCK, &set, NULL);
        raise(SIGCONT);
        raise(SIGTSTP);
        sigpending(&pend);
        int a = sigismember(&pend, SIGCONT), b = sigismember(&pend, SIGTSTP);
        raise(SIGCONT);
        sigpending(&pend);
        int c = sigismember(&pend, SIGCONT), d = sigismember(&pend, SIGTSTP);
        _exit(a * 8 + b * 4 + c * 2 + d);
    }
    waitpid(blocker, &status, 0);
    describe("pending stop/continue (CONT TSTP after TSTP; CONT TSTP after CONT)", status);

    /* 6. Every thread of a process stops, and resumes. */
    pid_t threaded = fork();
    if (threaded == 0) {
        pthread_t th;
        pthread_create(&th, NULL, spin_thread, NULL);
        spin_thread(NULL);
    }
    usleep(50000);
    kill(threaded, SIGSTOP);
    waitpid(threaded, &status, WUNTRACED);
    describe("two-thread process", status);
    printf("  threads stopped: %d\n", threads_in(threaded, 'T'));
    kill(threaded, SIGCONT);
    waitpid(threaded, &status, WCONTINUED);
    printf("  threads stopped after SIGCONT: %d\n", threads_in(threaded, 'T'));
    kill(threaded, SIGKILL);
    waitpid(threaded, &status, 0);

    /* 7. The terminal's stop signals do not stop an orphaned process group (a new session's). */
    pid_t orphan = fork();
    if (orphan == 0) {
        setsid();
        raise(SIGTSTP);
        raise(SIGTTIN);
        raise(SIGTTOU);
        _exit(4);
    }
    waitpid(orphan, &status, WUNTRACED);
    describe("orphaned group after SIGTSTP/SIGTTIN/SIGTTOU", status);
    wait_state(getpid(), 'R');
    printf("done\n");
    return 0;
}
