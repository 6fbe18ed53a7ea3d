/* Touches of a mapped file's pages past its end: SIGBUS only for an access the mapping allows; a write
 * to a read-only mapping, or any access to a PROT_NONE one, is SIGSEGV first (access_error). */
#include <signal.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>
static void try(int prot, int flags, int write) {
  pid_t p = fork();
  if (!p) {
    int fd = open("bf", O_RDWR|O_CREAT|O_TRUNC, 0644); ftruncate(fd, 4096);
    char *m = mmap(0, 3*4096, prot, flags, fd, 0);
    volatile char *x = m + 2*4096 + 5;
    if (write) *x = 1; else (void)*x;
    _exit(0);
  }
  int st; waitpid(p, &st, 0);
  printf("prot %d flags %d write %d -> %s\n", prot, flags, write, WIFSIGNALED(st) ? strsignal(WTERMSIG(st)) : "ok");
}

int main(void) {
  try(PROT_READ, MAP_PRIVATE, 1); try(PROT_READ, MAP_SHARED, 1); try(PROT_READ, MAP_PRIVATE, 0);
  try(PROT_NONE, MAP_SHARED, 0); try(PROT_READ|PROT_WRITE, MAP_SHARED, 1); try(PROT_READ|PROT_EXEC, MAP_PRIVATE, 1);
  return 0;
}
