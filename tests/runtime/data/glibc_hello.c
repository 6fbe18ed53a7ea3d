/* A program of glibc's own, built with gcc -static at test time: its start-up
 * (TLS, IRELATIVE relocations, auxv), stdio buffering, malloc through brk and
 * mmap, and file I/O through fopen/fgets. tests/runtime/test_runtime_busybox.py
 * runs it natively, under qemu-x86_64 and on the machine and compares. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int by_value(const void *a, const void *b) {
    return *(const int *)a - *(const int *)b;
}

int main(int argc, char **argv) {
    printf("argc %d:", argc);
    for (int i = 1; i < argc; i++)
        printf(" [%s]", argv[i]);
    printf("\nHOME=%s TZ=%s\n", getenv("HOME"), getenv("TZ"));

    char *small = malloc(100);
    char *large = malloc(4 << 20); /* past the mmap threshold */
    if (!small || !large) {
        perror("malloc");
        return 1;
    }
    strcpy(small, "malloc ok");
    memset(large, 'x', 4 << 20);
    printf("%s, large[%d] = %c\n", small, (4 << 20) - 1, large[(4 << 20) - 1]);
    free(large);

    int values[] = {42, -7, 19, 3, 100, 0};
    qsort(values, 6, sizeof values[0], by_value);
    for (int i = 0; i < 6; i++)
        printf("%d%c", values[i], i == 5 ? '\n' : ' ');
    printf("%.3f %e %g %#x %+d\n", 3.14159265, 12345.678, 0.0001, 255, 17);

    FILE *out = fopen("made.txt", "w");
    if (!out) {
        perror("fopen made.txt");
        return 2;
    }
    for (int i = 0; i < 42; i++)
        fprintf(out, "line %d\n", i);
    fclose(out);

    FILE *in = fopen("made.txt", "r");
    char line[128], last[128] = "";
    int lines = 0;
    while (fgets(line, sizeof line, in)) {
        lines++;
        strcpy(last, line);
    }
    fclose(in);
    last[strcspn(last, "\n")] = 0;
    printf("read back: %d lines, last: %s\n", lines, last);

    in = fopen("input.txt", "r");
    if (in && fgets(line, sizeof line, in))
        printf("input.txt: %s", line);
    if (in)
        fclose(in);
    if (fopen("missing.txt", "r") == NULL)
        perror("fopen missing.txt");

    if (fgets(line, sizeof line, stdin))
        printf("stdin: %s", line);

    time_t fixed = 1234567890;
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S %A", gmtime(&fixed));
    printf("%s\n", when);

    char cwd[256];
    printf("cwd ends in work: %s\n", getcwd(cwd, sizeof cwd) && strstr(cwd, "work") ? "yes" : "no");
    free(small);
    fflush(stdout);
    fprintf(stderr, "to stderr\n");
    return 3;
}
