/* Waits for a signal that only the terminal can send (Ctrl-C): pause() with no timer. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
    printf("ready\n");
    fflush(stdout);
    pause();
    return 3;
}
