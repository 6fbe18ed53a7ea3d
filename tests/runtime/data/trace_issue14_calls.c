/* The memory, System V shm, scheduling, epoll, eventfd, timerfd and clone3
 * calls of issue 14, once each, for `--trace` to print as strace does. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>

int main(void) {
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    madvise(p, 4096, MADV_DONTNEED);
    msync(p, 4096, MS_SYNC);
    mlock(p, 4096);
    munlock(p, 4096);
    mlock2(p, 4096, MLOCK_ONFAULT);
    mlockall(MCL_CURRENT | MCL_FUTURE);
    munlockall();
    char *q = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mremap(q, 8192, 16384, MREMAP_MAYMOVE) == MAP_FAILED) return 1;
    int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
    shmdt(shmat(id, NULL, SHM_RDONLY));
    shmctl(id, IPC_RMID, NULL);
    sched_get_priority_max(SCHED_FIFO);
    sched_get_priority_min(SCHED_RR);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    syscall(SYS_epoll_create, 1);
    int ev = eventfd(3, EFD_NONBLOCK | EFD_CLOEXEC);
    syscall(SYS_eventfd, 0);
    struct epoll_event e = {.events = EPOLLIN | EPOLLET, .data.u64 = 7}, out[4];
    epoll_ctl(ep, EPOLL_CTL_ADD, ev, &e);
    syscall(SYS_epoll_wait, ep, out, 4, 0);
    epoll_pwait(ep, out, 4, 0, NULL);
    struct timespec zero = {0, 0};
    syscall(SYS_epoll_pwait2, ep, out, 4, &zero, NULL, 8);
    int tf = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    struct itimerspec it = {{0, 0}, {5, 0}}, old;
    timerfd_settime(tf, TFD_TIMER_ABSTIME, &it, &old);
    syscall(SYS_clone3, NULL, 0);
    printf("done\n");
    return 0;
}
