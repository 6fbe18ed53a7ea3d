/* futex(2) and futex_waitv(2) called directly, as a libc calls them: every
 * answer a single-threaded process (and a forked child sending signals) can
 * observe. The output is the same natively and on the machine; timings are
 * printed only as "plausible" or not. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef SYS_futex_wake
#define SYS_futex_wake 454
#define SYS_futex_wait 455
#define SYS_futex_requeue 456
#endif
#ifndef FUTEX2_SIZE_U32
#define FUTEX2_SIZE_U32 0x02
#endif
#ifndef FUTEX2_PRIVATE
#define FUTEX2_PRIVATE FUTEX_PRIVATE_FLAG
#endif
#ifndef FUTEX_WAITV_MAX
struct futex_waitv {
    uint64_t val;
    uint64_t uaddr;
    uint32_t flags;
    uint32_t __reserved;
};
#endif

static uint32_t word, word2;
static volatile sig_atomic_t handled;

static long futex(void *uaddr, int op, uint32_t val, const void *timeout, void *uaddr2, uint32_t val3) {
    return syscall(SYS_futex, uaddr, op, val, timeout, uaddr2, val3);
}

static const char *name(int e) {
    switch (e) {
    case 0: return "0";
    case EAGAIN: return "EAGAIN";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EINTR: return "EINTR";
    case EINVAL: return "EINVAL";
    case EFAULT: return "EFAULT";
    case ENOSYS: return "ENOSYS";
    case EDEADLK: return "EDEADLK";
    case EPERM: return "EPERM";
    case ESRCH: return "ESRCH";
    default: return strerror(e);
    }
}

static void show(const char *what, long ret) {
    int e = ret < 0 ? errno : 0;
    printf("%-44s %ld %s\n", what, ret, name(e));
}

static double now(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct timespec in(clockid_t clock, long ns) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    ts.tv_nsec += ns;
    ts.tv_sec += ts.tv_nsec / 1000000000;
    ts.tv_nsec %= 1000000000;
    return ts;
}

static void plausible(const char *what, double start, double clockstart, clockid_t clock) {
    double took = now(clock) - clockstart;
    (void)start;
    printf("%-44s %s\n", what, took >= 0.045 && took < 5 ? "plausible" : "implausible");
}

static void on_usr1(int sig) {
    (void)sig;
    handled++;
    word = 1; /* a restarted wait then sees the value changed */
}

static void catch(int flags) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = flags;
    sigaction(SIGUSR1, &sa, NULL);
}

/* A child that sends `sig` to this process after 100 ms. */
static pid_t signal_soon(int sig) {
    pid_t parent = getpid();
    pid_t child = fork();
    if (child == 0) {
        struct timespec d = {0, 100000000};
        nanosleep(&d, NULL);
        kill(parent, sig);
        _exit(0);
    }
    return child;
}

static pid_t signal_me_soon(void) {
    return signal_soon(SIGUSR1);
}

static uint32_t pi_word;

static void on_usr2(int sig) {
    (void)sig;
    handled++;
    pi_word = 0; /* the owner "unlocked" in user space: a restarted LOCK_PI takes it */
}

static void reap(pid_t child) {
    int status;
    waitpid(child, &status, 0);
}

static void waits(void) {
    struct timespec rel = {0, 50000000}, bad = {0, 1000000000};
    word = 0;
    show("WAIT_PRIVATE value differs", futex(&word, FUTEX_WAIT_PRIVATE, 1, NULL, NULL, 0));
    show("WAIT shared value differs", futex(&word, FUTEX_WAIT, 7, NULL, NULL, 0));
    double t0 = now(CLOCK_MONOTONIC);
    show("WAIT relative 50 ms", futex(&word, FUTEX_WAIT_PRIVATE, 0, &rel, NULL, 0));
    plausible("  elapsed", 0, t0, CLOCK_MONOTONIC);
    struct timespec abs = in(CLOCK_MONOTONIC, 50000000);
    t0 = now(CLOCK_MONOTONIC);
    show("WAIT_BITSET absolute CLOCK_MONOTONIC", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, NULL, 0xff));
    plausible("  elapsed", 0, t0, CLOCK_MONOTONIC);
    abs = in(CLOCK_REALTIME, 50000000);
    t0 = now(CLOCK_REALTIME);
    show("WAIT_BITSET absolute CLOCK_REALTIME",
         futex(&word, FUTEX_WAIT_BITSET | FUTEX_CLOCK_REALTIME, 0, &abs, NULL, FUTEX_BITSET_MATCH_ANY));
    plausible("  elapsed", 0, t0, CLOCK_REALTIME);
    struct timespec past = {1, 0};
    show("WAIT_BITSET deadline passed", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &past, NULL, 1));
    show("WAIT_BITSET passed, value differs", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 5, &past, NULL, 1));
    show("WAIT_BITSET bitset 0", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &past, NULL, 0));
    show("WAIT|CLOCK_REALTIME", futex(&word, FUTEX_WAIT | FUTEX_CLOCK_REALTIME, 1, &rel, NULL, 0));
    show("WAIT invalid timespec", futex(&word, FUTEX_WAIT, 1, &bad, NULL, 0));
    show("WAIT timeout pointer faults", futex(&word, FUTEX_WAIT, 1, (void *)8, NULL, 0));
    show("WAKE timeout argument is val2, unread", futex(&word, FUTEX_WAKE, 1, (void *)8, NULL, 0));
    show("WAIT misaligned", futex((char *)&word + 1, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
    show("WAIT NULL", futex(NULL, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
    show("WAIT kernel address", futex((void *)0xffffffff81000000ul, FUTEX_WAIT, 0, NULL, NULL, 0));
}

static void wakes(void) {
    void *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    show("WAKE_PRIVATE no waiters", futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
    show("WAKE shared no waiters", futex(&word, FUTEX_WAKE, 0x7fffffff, NULL, NULL, 0));
    show("WAKE_BITSET bitset 0", futex(&word, FUTEX_WAKE_BITSET, 1, NULL, NULL, 0));
    show("WAKE_BITSET no waiters", futex(&word, FUTEX_WAKE_BITSET_PRIVATE, 1, NULL, NULL, 3));
    show("WAKE misaligned", futex((char *)&word + 2, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
    show("WAKE_PRIVATE on PROT_NONE page", futex(none, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0));
    show("WAKE shared on PROT_NONE page", futex(none, FUTEX_WAKE, 1, NULL, NULL, 0));
    show("WAIT on PROT_NONE page", futex(none, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
    show("FUTEX_FD", futex(&word, FUTEX_FD, 0, NULL, NULL, 0));
    show("unknown op 99", futex(&word, 99, 0, NULL, NULL, 0));
    show("unknown op 14|PRIVATE", futex(&word, 14 | FUTEX_PRIVATE_FLAG, 0, NULL, NULL, 0));
    show("WAKE|CLOCK_REALTIME", futex(&word, FUTEX_WAKE | FUTEX_CLOCK_REALTIME, 1, NULL, NULL, 0));
    munmap(none, 4096);
}

static void requeues(void) {
    word = 3;
    show("CMP_REQUEUE wrong value", futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &word2, 2));
    show("CMP_REQUEUE right value, no waiters", futex(&word, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &word2, 3));
    show("REQUEUE no waiters", futex(&word, FUTEX_REQUEUE, 1, (void *)0x7fffffff, &word2, 0));
    show("REQUEUE negative count", futex(&word, FUTEX_REQUEUE, (uint32_t)-1, (void *)1, &word2, 0));
    show("CMP_REQUEUE uaddr2 misaligned", futex(&word, FUTEX_CMP_REQUEUE, 1, (void *)1, (char *)&word2 + 1, 3));
}

static void wake_op(void) {
    struct { int op, oparg, cmp, cmparg, shift; uint32_t before; } cases[] = {
        {FUTEX_OP_ADD, 3, FUTEX_OP_CMP_GT, 4, 0, 5},
        {FUTEX_OP_SET, 4, FUTEX_OP_CMP_EQ, 1, 1, 1},
        {FUTEX_OP_OR, 0x30, FUTEX_OP_CMP_NE, 0, 0, 0x0f},
        {FUTEX_OP_ANDN, 0x3, FUTEX_OP_CMP_LT, 0, 0, 0x0f},
        {FUTEX_OP_XOR, 0xff, FUTEX_OP_CMP_GE, -1, 0, 0xffffffff},
        {FUTEX_OP_ADD, -1, FUTEX_OP_CMP_LE, 2047, 0, 0},
        {FUTEX_OP_SET, 40, FUTEX_OP_CMP_EQ, 0, 1, 0},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof *cases; i++) {
        word2 = cases[i].before;
        uint32_t op = FUTEX_OP(cases[i].op | (cases[i].shift ? FUTEX_OP_OPARG_SHIFT : 0), cases[i].oparg & 0xfff,
                               cases[i].cmp, cases[i].cmparg & 0xfff);
        long r = futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &word2, op);
        printf("WAKE_OP case %u: %ld, %#x -> %#x\n", i, r, cases[i].before, word2);
    }
    word2 = 9;
    show("WAKE_OP bad op 6", futex(&word, FUTEX_WAKE_OP, 1, (void *)1, &word2, FUTEX_OP(6, 1, 0, 0)));
    printf("  word2 after: %u\n", word2);
    show("WAKE_OP bad cmp 9", futex(&word, FUTEX_WAKE_OP, 1, (void *)1, &word2, FUTEX_OP(FUTEX_OP_ADD, 1, 9, 0)));
    printf("  word2 after: %u\n", word2);
    const uint32_t *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    show("WAKE_OP on a read-only page", futex(&word, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, (void *)ro, 0));
    show("WAKE_OP shared on a read-only page", futex(&word, FUTEX_WAKE_OP, 1, (void *)1, (void *)ro, 0));
    show("WAIT shared on a read-only page", futex((void *)ro, FUTEX_WAIT, 1, NULL, NULL, 0));
}

static void pi(void) {
    pid_t me = getpid();
    word = 0;
    show("TRYLOCK_PI free", futex(&word, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    printf("  word is tid: %d\n", word == (uint32_t)me);
    show("LOCK_PI own lock", futex(&word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    show("TRYLOCK_PI own lock", futex(&word, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0));
    show("UNLOCK_PI", futex(&word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    printf("  word after unlock: %#x\n", word);
    show("UNLOCK_PI not owner (0)", futex(&word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    show("LOCK_PI free", futex(&word, FUTEX_LOCK_PI, 0, NULL, NULL, 0));
    printf("  word is tid: %d\n", word == (uint32_t)me);
    word = FUTEX_WAITERS | me;
    show("UNLOCK_PI with WAITERS, nobody waits", futex(&word, FUTEX_UNLOCK_PI, 0, NULL, NULL, 0));
    printf("  word after unlock: %#x\n", word);
    word = FUTEX_OWNER_DIED;
    show("LOCK_PI owner died", futex(&word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    printf("  word: OWNER_DIED %d, tid %d\n", !!(word & FUTEX_OWNER_DIED), (word & FUTEX_TID_MASK) == (uint32_t)me);
    word = 0x3ffffff0;
    show("UNLOCK_PI of another tid", futex(&word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    show("TRYLOCK_PI, owner tid does not exist", futex(&word, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    printf("  word: %#x\n", word);
    word = 0x3ffffff0;
    show("LOCK_PI, owner tid does not exist", futex(&word, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    printf("  word: %#x\n", word);

    pid_t child = fork();
    if (child == 0) {
        pause();
        _exit(0);
    }
    word = child;
    show("TRYLOCK_PI_PRIVATE, owner another process", futex(&word, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    printf("  word has WAITERS: %d\n", word == (FUTEX_WAITERS | (uint32_t)child));
    word = child;
    show("TRYLOCK_PI shared, owner alive", futex(&word, FUTEX_TRYLOCK_PI, 0, NULL, NULL, 0));
    printf("  word has WAITERS: %d\n", word == (FUTEX_WAITERS | (uint32_t)child));
    word = child;
    struct timespec abs = in(CLOCK_REALTIME, 50000000);
    double t0 = now(CLOCK_REALTIME);
    show("LOCK_PI timeout (CLOCK_REALTIME)", futex(&word, FUTEX_LOCK_PI, 0, &abs, NULL, 0));
    plausible("  elapsed", 0, t0, CLOCK_REALTIME);
    printf("  word has WAITERS: %d\n", word == (FUTEX_WAITERS | (uint32_t)child));
    abs = in(CLOCK_MONOTONIC, 50000000);
    t0 = now(CLOCK_MONOTONIC);
    show("LOCK_PI2 timeout (CLOCK_MONOTONIC)", futex(&word, FUTEX_LOCK_PI2, 0, &abs, NULL, 0));
    plausible("  elapsed", 0, t0, CLOCK_MONOTONIC);
    show("LOCK_PI_PRIVATE, owner another process", futex(&word, FUTEX_LOCK_PI_PRIVATE, 0, &abs, NULL, 0));
    show("LOCK_PI|CLOCK_REALTIME", futex(&word, FUTEX_LOCK_PI | FUTEX_CLOCK_REALTIME, 0, &abs, NULL, 0));
    show("WAIT on a PI word", futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
    kill(child, SIGKILL);
    reap(child);
    show("TRYLOCK_PI, owner reaped", futex(&word, FUTEX_TRYLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    show("LOCK_PI misaligned", futex((char *)&word + 1, FUTEX_LOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    word = me;
    show("UNLOCK_PI owner", futex(&word, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
    show("UNLOCK_PI NULL", futex(NULL, FUTEX_UNLOCK_PI_PRIVATE, 0, NULL, NULL, 0));
}

static void interrupted(void) {
    pid_t child;
    struct timespec long_wait = {5, 0};

    catch(0);
    word = 0;
    child = signal_me_soon();
    show("WAIT, handler without SA_RESTART", futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
    printf("  handled %d\n", handled);
    reap(child);

    catch(SA_RESTART);
    word = 0;
    child = signal_me_soon();
    /* Restarted after the handler, which changed the word: the wait answers EAGAIN. */
    show("WAIT, handler with SA_RESTART", futex(&word, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0));
    printf("  handled %d\n", handled);
    reap(child);

    word = 0;
    child = signal_me_soon();
    show("timed WAIT, SA_RESTART: EINTR", futex(&word, FUTEX_WAIT_PRIVATE, 0, &long_wait, NULL, 0));
    reap(child);

    word = 0;
    struct timespec abs = in(CLOCK_MONOTONIC, 5000000000L);
    child = signal_me_soon();
    show("WAIT_BITSET absolute, SA_RESTART: EINTR", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, NULL, 1));
    reap(child);

    word = 0;
    struct futex_waitv v = {0, (uintptr_t)&word, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE, 0};
    abs = in(CLOCK_MONOTONIC, 5000000000L);
    child = signal_me_soon();
    show("futex_waitv, SA_RESTART: restarts", syscall(SYS_futex_waitv, &v, 1, 0, &abs, CLOCK_MONOTONIC));
    printf("  handled %d\n", handled);
    reap(child);
    signal(SIGUSR1, SIG_DFL);

    /* LOCK_PI is -ERESTARTNOINTR: it runs again after a handler even without SA_RESTART. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    pid_t owner = fork();
    if (owner == 0) {
        pause();
        _exit(0);
    }
    pi_word = owner;
    child = signal_soon(SIGUSR2);
    show("LOCK_PI, handler without SA_RESTART", futex(&pi_word, FUTEX_LOCK_PI, 0, NULL, NULL, 0));
    printf("  handled %d, word is tid: %d\n", handled, pi_word == (uint32_t)getpid());
    reap(child);
    kill(owner, SIGKILL);
    reap(owner);
}

static void waitv(void) {
    struct futex_waitv v[2] = {
        {0, (uintptr_t)&word, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE, 0},
        {0, (uintptr_t)&word2, FUTEX2_SIZE_U32, 0},
    };
    word = word2 = 0;
    struct timespec abs = in(CLOCK_MONOTONIC, 50000000);
    double t0 = now(CLOCK_MONOTONIC);
    show("futex_waitv timeout", syscall(SYS_futex_waitv, v, 2, 0, &abs, CLOCK_MONOTONIC));
    plausible("  elapsed", 0, t0, CLOCK_MONOTONIC);
    abs = in(CLOCK_REALTIME, 50000000);
    t0 = now(CLOCK_REALTIME);
    show("futex_waitv timeout CLOCK_REALTIME", syscall(SYS_futex_waitv, v, 2, 0, &abs, CLOCK_REALTIME));
    plausible("  elapsed", 0, t0, CLOCK_REALTIME);
    word2 = 1;
    show("futex_waitv second differs", syscall(SYS_futex_waitv, v, 2, 0, &abs, CLOCK_MONOTONIC));
    show("futex_waitv flags", syscall(SYS_futex_waitv, v, 2, 1, NULL, 0));
    show("futex_waitv none", syscall(SYS_futex_waitv, v, 0, 0, NULL, 0));
    show("futex_waitv 129", syscall(SYS_futex_waitv, v, 129, 0, NULL, 0));
    show("futex_waitv NULL", syscall(SYS_futex_waitv, NULL, 1, 0, NULL, 0));
    show("futex_waitv clock", syscall(SYS_futex_waitv, v, 2, 0, &abs, CLOCK_BOOTTIME));
    show("futex_waitv vector faults", syscall(SYS_futex_waitv, (void *)8, 1, 0, NULL, 0));
    v[1].flags = FUTEX2_PRIVATE;
    show("futex_waitv no size", syscall(SYS_futex_waitv, v, 2, 0, NULL, 0));
    v[1].flags = FUTEX2_SIZE_U32;
    v[1].__reserved = 1;
    show("futex_waitv reserved", syscall(SYS_futex_waitv, v, 2, 0, NULL, 0));
    v[1].__reserved = 0;
    v[1].val = 1ull << 32;
    show("futex_waitv value too wide", syscall(SYS_futex_waitv, v, 2, 0, NULL, 0));
    v[1].val = 1;
    v[1].uaddr = (uintptr_t)&word2 + 2;
    show("futex_waitv misaligned", syscall(SYS_futex_waitv, v, 2, 0, NULL, 0));
}

/* The futex2 calls (Linux 6.7): per-futex size and PRIVATE flags, a mask, an absolute timeout. */
static void futex2(void) {
    const unsigned int u32 = FUTEX2_SIZE_U32, priv = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE;
    word = 4;
    show("futex_wake no waiters", syscall(SYS_futex_wake, &word, 0xffffffffUL, 1, priv));
    show("futex_wake nr 0", syscall(SYS_futex_wake, &word, 0xffffffffUL, 0, u32));
    show("futex_wake mask 0", syscall(SYS_futex_wake, &word, 0UL, 1, priv));
    show("futex_wake mask too wide", syscall(SYS_futex_wake, &word, 1UL << 32, 1, priv));
    show("futex_wake 8-bit size", syscall(SYS_futex_wake, &word, 1UL, 1, 0));
    show("futex_wake 64-bit size", syscall(SYS_futex_wake, &word, 1UL, 1, 3));
    show("futex_wake unknown flag", syscall(SYS_futex_wake, &word, 1UL, 1, u32 | 0x10));
    show("futex_wake misaligned", syscall(SYS_futex_wake, (char *)&word + 1, 1UL, 1, u32));
    show("futex_wait value differs", syscall(SYS_futex_wait, &word, 5UL, 0xffffffffUL, priv, NULL, 0));
    show("futex_wait value too wide", syscall(SYS_futex_wait, &word, 1UL << 33, 0xffffffffUL, priv, NULL, 0));
    show("futex_wait mask 0", syscall(SYS_futex_wait, &word, 4UL, 0UL, priv, NULL, 0));
    struct timespec abs = in(CLOCK_MONOTONIC, 50000000);
    double t0 = now(CLOCK_MONOTONIC);
    show("futex_wait timeout", syscall(SYS_futex_wait, &word, 4UL, 0xffffffffUL, priv, &abs, CLOCK_MONOTONIC));
    plausible("  elapsed", 0, t0, CLOCK_MONOTONIC);
    show("futex_wait bad clock", syscall(SYS_futex_wait, &word, 4UL, 1UL, u32, &abs, CLOCK_BOOTTIME));
    struct futex_waitv pair[2] = {{4, (uintptr_t)&word, priv, 0}, {0, (uintptr_t)&word2, u32, 0}};
    show("futex_requeue flags differ", syscall(SYS_futex_requeue, pair, 0, 1, 1));
    pair[1].flags = priv;
    show("futex_requeue right value", syscall(SYS_futex_requeue, pair, 0, 1, 1));
    pair[0].val = 3;
    show("futex_requeue wrong value", syscall(SYS_futex_requeue, pair, 0, 1, 1));
    show("futex_requeue flags", syscall(SYS_futex_requeue, pair, 1, 1, 1));
    show("futex_requeue NULL", syscall(SYS_futex_requeue, NULL, 0, 1, 1));
    show("futex_requeue negative", syscall(SYS_futex_requeue, pair, 0, -1, 1));
    pair[1].flags = 0;
    show("futex_requeue target without size", syscall(SYS_futex_requeue, pair, 0, 1, 1));
}

static void robust(void) {
    struct { void *next; long offset; void *pending; } head = {&head, 0, NULL};
    void *got;
    size_t len;
    show("set_robust_list bad size", syscall(SYS_set_robust_list, &head, 23));
    show("set_robust_list", syscall(SYS_set_robust_list, &head, sizeof head));
    show("get_robust_list", syscall(SYS_get_robust_list, 0, &got, &len));
    printf("  head is ours: %d, len %zu\n", got == (void *)&head, len);
    show("get_robust_list no such pid", syscall(SYS_get_robust_list, 0x3ffffff0, &got, &len));
}

int main(void) {
    setvbuf(stdout, NULL, _IOLBF, 0);
    waits();
    wakes();
    requeues();
    wake_op();
    pi();
    interrupted();
    waitv();
    futex2();
    robust();
    return 7;
}
