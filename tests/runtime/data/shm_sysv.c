/* System V shared memory: shmget/shmat/shmdt/shmctl across fork, attach counts, removal, and the errors. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/shm.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(what, call) do { long r_ = (long)(call); \
    printf("%s: %ld %s\n", what, r_, errno ? strerror(errno) : ""); errno = 0; } while (0)

static void stat_of(int id, const char *when) {
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds)) { printf("%s: IPC_STAT: %s\n", when, strerror(errno)); errno = 0; return; }
    printf("%s: size %zu nattch %lu mode %o cpid-is-me %d lpid-is-me %d key-private %d\n", when, ds.shm_segsz,
           (unsigned long)ds.shm_nattch, ds.shm_perm.mode, ds.shm_cpid == getpid(), ds.shm_lpid == getpid(),
           ds.shm_perm.__key == IPC_PRIVATE);
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc == 2) {  /* exec'd by a child that had the segment attached: exec detached it */
        stat_of(atoi(argv[1]), "after exec");
        return 0;
    }
    int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
    if (id < 0) { perror("shmget"); return 1; }
    stat_of(id, "new");
    long *p = shmat(id, NULL, 0);
    if (p == (void *)-1) { perror("shmat"); return 1; }
    stat_of(id, "attached");
    pid_t pid = fork();
    if (pid == 0) {
        stat_of(id, "child after fork");
        for (int i = 0; i < 1000; i++) __atomic_add_fetch(&p[1000], 2, __ATOMIC_SEQ_CST);
        shmdt(p);
        stat_of(id, "child after shmdt");
        _exit(0);
    }
    for (int i = 0; i < 1000; i++) __atomic_add_fetch(&p[1000], 1, __ATOMIC_SEQ_CST);
    waitpid(pid, NULL, 0);
    printf("total %ld\n", p[1000]);
    stat_of(id, "after child");

    pid = fork();
    if (pid == 0) {
        char arg[16];
        snprintf(arg, sizeof arg, "%d", id);
        stat_of(id, "child before exec");
        execl("/proc/self/exe", argv[0], arg, (char *)NULL);
        _exit(127);
    }
    waitpid(pid, NULL, 0);
    /* A write to a read-only attachment is SIGSEGV. */
    pid = fork();
    if (pid == 0) {
        long *ro = shmat(id, NULL, SHM_RDONLY);
        printf("read-only attachment reads %ld\n", ro[1000]);
        ro[1000] = 1;
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    printf("writer killed by signal %d\n", WIFSIGNALED(status) ? WTERMSIG(status) : 0);

    /* A second attachment, read-only, at an address the caller rounds with SHM_RND. */
    long *q = shmat(id, (char *)p + 3 * 4096 + 100 + 0x100000, SHM_RDONLY | SHM_RND);
    if (q == (void *)-1) perror("shmat SHM_RND"); else printf("rounded: %d same data %d\n",
        ((unsigned long)q & 4095) == 0, q[1000] == p[1000]);
    stat_of(id, "two attachments");
    errno = 0;
    CHECK("shmat unaligned without SHM_RND", (long)shmat(id, (char *)p + 100 + 0x200000, 0));
    CHECK("shmat over a mapping", (long)shmat(id, p, 0) == -1);
    CHECK("shmdt of a non-attach address", shmdt((char *)p + 4096));
    CHECK("shmdt unaligned", shmdt((char *)p + 1));

    /* Keys: IPC_CREAT|IPC_EXCL, sizes, ENOENT. */
    key_t key = 0x5eed;
    int k = shmget(key, 8192, IPC_CREAT | IPC_EXCL | 0640);
    CHECK("key created", k >= 0);
    CHECK("again with IPC_EXCL", shmget(key, 8192, IPC_CREAT | IPC_EXCL | 0640));
    CHECK("again without", shmget(key, 4096, 0) == k);
    CHECK("larger than it", shmget(key, 16384, 0));
    CHECK("missing key", shmget(0x7777, 4096, 0));
    CHECK("size 0", shmget(IPC_PRIVATE, 0, IPC_CREAT));
    CHECK("larger than RAM and swap", shmget(IPC_PRIVATE, 1L << 46, IPC_CREAT | 0600));
    int huge = shmget(IPC_PRIVATE, 1L << 46, IPC_CREAT | SHM_NORESERVE | 0600);
    CHECK("the same with SHM_NORESERVE", huge >= 0);
    CHECK("removed", shmctl(huge, IPC_RMID, NULL));
    CHECK("IPC_STAT of nothing", shmctl(0x7fffffff, IPC_STAT, &(struct shmid_ds){0}));
    CHECK("bad command", shmctl(k, 99, NULL));
    struct shmid_ds set;
    shmctl(k, IPC_STAT, &set);
    set.shm_perm.mode = 0600;
    CHECK("IPC_SET", shmctl(k, IPC_SET, &set));
    stat_of(k, "after IPC_SET");
    CHECK("IPC_RMID the keyed one", shmctl(k, IPC_RMID, NULL));
    CHECK("the key is gone", shmget(key, 4096, 0));
    CHECK("so is its id", shmctl(k, IPC_STAT, &set));

    /* Removed while attached: the id lives on until the last detach. */
    CHECK("IPC_RMID attached", shmctl(id, IPC_RMID, NULL));
    stat_of(id, "removed, still attached");
    printf("still readable %ld\n", p[1000]);
    shmdt(q);
    stat_of(id, "one left");
    shmdt(p);
    stat_of(id, "none left");
    struct shminfo info;
    CHECK("IPC_INFO", shmctl(0, IPC_INFO, (struct shmid_ds *)&info) >= 0);
    printf("shmmni %lu shmmin %lu\n", info.shmmni, info.shmmin);
    return 0;
}
