/* MAP_SHARED memory across fork: anonymous, and a mapped file read back with read() after munmap. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 200

/* Parent and child take turns (a pipe each way) adding to the shared counter. */
static long ping_pong(long *counter) {
    int to_child[2], to_parent[2];
    char token = 'x';
    if (pipe(to_child) || pipe(to_parent)) { perror("pipe"); exit(1); }
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); exit(1); }
    for (int i = 0; i < ROUNDS; i++) {
        if (pid == 0) {
            if (read(to_child[0], &token, 1) != 1) _exit(2);
            __atomic_add_fetch(counter, 3, __ATOMIC_SEQ_CST);
            if (write(to_parent[1], &token, 1) != 1) _exit(3);
        } else {
            __atomic_add_fetch(counter, 1, __ATOMIC_SEQ_CST);
            if (write(to_child[1], &token, 1) != 1) exit(4);
            if (read(to_parent[0], &token, 1) != 1) exit(5);
        }
    }
    if (pid == 0) _exit(0);
    int status;
    waitpid(pid, &status, 0);
    printf("child exit %d\n", WEXITSTATUS(status));
    close(to_child[0]); close(to_child[1]); close(to_parent[0]); close(to_parent[1]);
    return __atomic_load_n(counter, __ATOMIC_SEQ_CST);
}

int main(void) {
    long *anon = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (anon == MAP_FAILED) { perror("mmap anon"); return 1; }
    printf("anonymous total %ld\n", ping_pong(anon));
    /* The child's exit left the parent's page: still there, still shared with nobody but it. */
    anon[1] = 42;
    printf("after child exit %ld %ld\n", anon[0], anon[1]);

    /* Private anonymous memory is the child's own copy. */
    long *priv = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    *priv = 7;
    pid_t pid = fork();
    if (pid == 0) { *priv = 8; _exit(0); }
    waitpid(pid, NULL, 0);
    printf("private after child wrote %ld\n", *priv);

    /* mprotect of a shared area keeps it shared. */
    if (mprotect(anon, 4096, PROT_READ)) perror("mprotect");
    if (mprotect(anon, 4096, PROT_READ | PROT_WRITE)) perror("mprotect");
    pid = fork();
    if (pid == 0) { anon[2] = 99; _exit(0); }
    waitpid(pid, NULL, 0);
    printf("after mprotect the child's write shows: %ld\n", anon[2]);

    int fd = open("shm_anon.data", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { perror("open"); return 1; }
    if (ftruncate(fd, 8192)) { perror("ftruncate"); return 1; }
    long *file = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (file == MAP_FAILED) { perror("mmap file"); return 1; }
    long total = ping_pong(&file[600]);  /* in the second page */
    printf("file total %ld\n", total);
    strcpy((char *)file, "written through the mapping");
    if (munmap(file, 8192)) perror("munmap");
    char buf[64] = {0};
    long back = 0;
    pread(fd, buf, sizeof buf - 1, 0);
    pread(fd, &back, sizeof back, 600 * sizeof(long));
    printf("read after munmap: \"%s\" %ld\n", buf, back);

    /* write() is seen through an existing mapping, at once. */
    char *again = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
    pwrite(fd, "XYZ", 3, 4100);
    printf("mapping sees write(): %.3s\n", again + 4100);
    /* Two mappings of the file, in two processes, agree. */
    char *rw = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    pid = fork();
    if (pid == 0) { rw[5000] = 'Q'; _exit(0); }
    waitpid(pid, NULL, 0);
    printf("other mapping sees the child's store: %c\n", again[5000]);
    close(fd);
    unlink("shm_anon.data");
    return 0;
}
