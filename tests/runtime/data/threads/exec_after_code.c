/* Run code in pages of its own, free them, then exec: the new program's first pages are frames that held
 * translated code, so the machine must flush that code before the program runs (and run it from its start). */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define PAGES 256

int main(int argc, char **argv) {
    if (argc > 1) {
        printf("exec'd program ran: %s\n", argv[1]);
        return 0;
    }
    unsigned char *code = mmap(NULL, PAGES * 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (code == MAP_FAILED)
        return 1;
    long sum = 0;
    for (int i = 0; i < PAGES; i++) {
        unsigned char *page = code + i * 4096;
        /* mov $i, %eax; ret */
        page[0] = 0xb8;
        memcpy(page + 1, &i, 4);
        page[5] = 0xc3;
        sum += ((int (*)(void))page)();
    }
    printf("ran %d pages of code: sum %ld\n", PAGES, sum);
    fflush(stdout);
    munmap(code, PAGES * 4096);
    execl("/proc/self/exe", argv[0], "again", (char *)NULL);
    return 2;
}
