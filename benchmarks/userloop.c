/* N iterations of a loop of three translated blocks, with no system call (bench_userloop.py). */
#include <stdlib.h>

int main(int argc, char **argv) {
    unsigned long n = argc > 1 ? strtoul(argv[1], 0, 10) : 0, b = 0, c = 0;
    for (unsigned long a = 0; a < n; a++) {
        if (a & 1)
            b += 3;
        else
            c += 5;
    }
    return (int)((b + c) & 1);
}
