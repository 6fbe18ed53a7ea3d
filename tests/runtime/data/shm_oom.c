/* A process filling RAM with MAP_SHARED anonymous memory is the OOM killer's victim (its shmem pages are its
 * RSS), not a bystander holding some private memory: the bystander sees the hog's pipe close and reports. */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void) {
    int hog_alive[2];
    if (pipe(hog_alive)) return 1;
    if (fork() == 0) {
        static char buf[4 << 20];
        close(hog_alive[1]);
        for (int i = 0; i < (int)sizeof buf; i += 4096) buf[i] = 1;
        char c;
        while (read(hog_alive[0], &c, 1) > 0) {}
        printf("bystander alive after the hog: %d\n", buf[4096]);
        return 0;
    }
    close(hog_alive[0]);
    long size = 63L << 20;  /* what the 64 MiB machine's heuristic grants, more than it has free */
    char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); return 1; }
    for (long i = 0; i < size; i += 4096) p[i] = 1;
    printf("hog survived\n");
    return 0;
}
