/* Supplementary group lists take the machine's RAM: children each holding NGROUPS_MAX groups until
   setgroups answers ENOMEM, which must come before the host's memory grows past its bound. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define NGROUPS 65536

static gid_t groups[NGROUPS];

int main(void) {
    for (int i = 0; i < NGROUPS; i++)
        groups[i] = (gid_t)(NGROUPS - i);  /* kept sorted by the kernel: each list its own copy */
    int hold[2];
    if (pipe(hold) < 0)
        return 1;
    int made = 0, children = 0;
    for (;;) {
        int report[2];
        if (pipe(report) < 0) {
            printf("pipe: %s\n", strerror(errno));
            break;
        }
        pid_t pid = fork();
        if (pid < 0) {
            printf("fork: %s\n", strerror(errno));
            break;
        }
        if (pid > 0)
            children++;
        if (pid == 0) {
            char c;
            close(hold[1]);
            c = syscall(SYS_setgroups, NGROUPS, groups) == 0 ? 'y' : errno == ENOMEM ? 'm' : 'e';
            if (write(report[1], &c, 1) != 1)
                _exit(2);
            while (read(hold[0], &c, 1) > 0) {
            }
            _exit(0);
        }
        char c = 0;
        if (read(report[0], &c, 1) != 1)
            c = '?';
        close(report[0]);
        close(report[1]);
        if (c != 'y') {
            printf("setgroups: %s\n", c == 'm' ? "ENOMEM" : "another error");
            break;
        }
        made++;
    }
    printf("lists held before: %s\n", made >= 20 ? "20 or more" : "fewer than 20");
    close(hold[1]);
    int reaped = 0;
    while (wait(NULL) > 0)
        reaped++;
    printf("reaped %s\n", reaped == children ? "all" : "not all");
    return 0;
}
