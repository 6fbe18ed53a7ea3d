/* Code in a shared file mapping, rewritten through another mapping of the same page, by write(), and by a
 * child's mapping: each call runs the latest instructions (no stale translation survives). */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

/* mov eax, imm32; ret */
static void code(unsigned char *out, int value) {
    out[0] = 0xb8;
    memcpy(out + 1, &value, 4);
    out[5] = 0xc3;
}

int main(void) {
    setvbuf(stdout, NULL, _IONBF, 0);
    int fd = open("shm_code.bin", O_RDWR | O_CREAT | O_TRUNC, 0755);
    ftruncate(fd, 4096);
    unsigned char *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    int (*x)(void) = (int (*)(void))mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    if (w == MAP_FAILED || (void *)x == MAP_FAILED) { perror("mmap"); return 1; }
    code(w, 1);
    printf("first %d\n", x());
    code(w, 2);
    printf("rewritten through the other mapping %d\n", x());
    unsigned char buf[6];
    code(buf, 3);
    pwrite(fd, buf, sizeof buf, 0);
    printf("rewritten by write() %d\n", x());
    pid_t pid = fork();
    if (pid == 0) { code(w, 4); _exit(x()); }
    int status;
    waitpid(pid, &status, 0);
    printf("the child ran %d, the parent runs %d\n", WEXITSTATUS(status), x());
    for (int i = 5; i < 200; i++) { code(w, i); if (x() != i) { printf("stale at %d\n", i); return 1; } }
    printf("200 rewrites\n");
    unlink("shm_code.bin");
    return 0;
}
