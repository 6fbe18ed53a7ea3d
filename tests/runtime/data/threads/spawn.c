/* posix_spawn reports a failed exec to its caller (glibc and musl run the
 * child with CLONE_VM|CLONE_VFORK and read the error back from shared memory),
 * and spawns a real program whose exit status waitpid returns; system() and
 * popen() run /bin/sh. */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

static const char *name(int err)
{
    switch (err) {
    case 0: return "0";
    case ENOENT: return "ENOENT";
    case EACCES: return "EACCES";
    case ENOSYS: return "ENOSYS";
    case EINVAL: return "EINVAL";
    default: return "other";
    }
}

int main(void)
{
    pid_t pid = -1;
    char *missing[] = {"/no/such/program", NULL};
    int err = posix_spawn(&pid, missing[0], NULL, NULL, missing, environ);
    printf("posix_spawn of a missing program: %s\n", name(err));

    char *unknown[] = {"no-such-program-anywhere", NULL};
    err = posix_spawnp(&pid, unknown[0], NULL, NULL, unknown, environ);
    printf("posix_spawnp of an unknown name: %s\n", name(err));

    char *shell[] = {"/bin/sh", "-c", "exit 3", NULL};
    err = posix_spawn(&pid, shell[0], NULL, NULL, shell, environ);
    int status = 0;
    pid_t waited = err ? -1 : waitpid(pid, &status, 0);
    printf("posix_spawn of sh: %s, waited for it: %s, exit status %d\n", name(err), waited == pid ? "yes" : "no",
           WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    status = system("exit 7");
    printf("system: exit status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);

    fflush(stdout);
    FILE *pipe = popen("echo read through popen; exit 4", "r");
    if (pipe == NULL) {
        printf("popen failed: %s\n", name(errno));
        return 1;
    }
    char line[128] = "";
    if (fgets(line, sizeof line, pipe) == NULL)
        strcpy(line, "(nothing)\n");
    status = pclose(pipe);
    printf("popen gave: %s", line);
    printf("pclose: exit status %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}
