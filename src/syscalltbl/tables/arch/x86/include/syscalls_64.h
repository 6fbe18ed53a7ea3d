/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * syscalls_64.h - prototypes of the x86-64 system calls, in kernel syntax.
 *
 * Written for syscalltbl: the declarations of include/linux/syscalls.h and
 * arch/x86/include/asm/syscalls.h for the entry points the runtime
 * implements (and a few more), as `asmlinkage` declarations that
 * syscalltbl.tables.prototypes parses. The generators type the Python
 * sys_call_table, the libc-style wrappers, the C header and the --trace
 * decoder from these; a table entry without a prototype here still works,
 * with six untyped `unsigned long` arguments.
 *
 * Pointers into user memory are marked __user; a `const` pointee is input,
 * any other is output.
 */
#ifndef _SYSCALLTBL_SYSCALLS_64_H
#define _SYSCALLTBL_SYSCALLS_64_H

/* fs/read_write.c */
asmlinkage long sys_read(unsigned int fd, char __user *buf, size_t count);
asmlinkage long sys_write(unsigned int fd, const char __user *buf, size_t count);
asmlinkage long sys_pread64(unsigned int fd, char __user *buf, size_t count, loff_t pos);
asmlinkage long sys_pwrite64(unsigned int fd, const char __user *buf, size_t count, loff_t pos);
asmlinkage long sys_readv(unsigned long fd, const struct iovec __user *vec, unsigned long vlen);
asmlinkage long sys_writev(unsigned long fd, const struct iovec __user *vec, unsigned long vlen);
asmlinkage long sys_lseek(unsigned int fd, off_t offset, unsigned int whence);

/* fs/open.c */
asmlinkage long sys_open(const char __user *filename, int flags, umode_t mode);
asmlinkage long sys_openat(int dfd, const char __user *filename, int flags, umode_t mode);
asmlinkage long sys_close(unsigned int fd);
asmlinkage long sys_access(const char __user *filename, int mode);
asmlinkage long sys_faccessat(int dfd, const char __user *filename, int mode);
asmlinkage long sys_chdir(const char __user *filename);
asmlinkage long sys_fchdir(unsigned int fd);
asmlinkage long sys_umask(int mask);

/* fs/stat.c */
asmlinkage long sys_newstat(const char __user *filename, struct stat __user *statbuf);
asmlinkage long sys_newlstat(const char __user *filename, struct stat __user *statbuf);
asmlinkage long sys_newfstat(unsigned int fd, struct stat __user *statbuf);
asmlinkage long sys_newfstatat(int dfd, const char __user *filename, struct stat __user *statbuf, int flag);
asmlinkage long sys_readlink(const char __user *path, char __user *buf, int bufsiz);
asmlinkage long sys_readlinkat(int dfd, const char __user *path, char __user *buf, int bufsiz);

/* fs/readdir.c, fs/namei.c, fs/d_path.c */
asmlinkage long sys_getdents64(unsigned int fd, struct linux_dirent64 __user *dirent, unsigned int count);
asmlinkage long sys_mkdir(const char __user *pathname, umode_t mode);
asmlinkage long sys_mkdirat(int dfd, const char __user *pathname, umode_t mode);
asmlinkage long sys_rmdir(const char __user *pathname);
asmlinkage long sys_unlink(const char __user *pathname);
asmlinkage long sys_unlinkat(int dfd, const char __user *pathname, int flag);
asmlinkage long sys_rename(const char __user *oldname, const char __user *newname);
asmlinkage long sys_renameat(int olddfd, const char __user *oldname, int newdfd, const char __user *newname);
asmlinkage long sys_renameat2(int olddfd, const char __user *oldname, int newdfd, const char __user *newname,
			      unsigned int flags);
asmlinkage long sys_getcwd(char __user *buf, unsigned long size);

/* fs/open.c: attributes; fs/namei.c: links; fs/sync.c; fs/statfs.c; fs/utimes.c; fs/select.c */
asmlinkage long sys_truncate(const char __user *path, long length);
asmlinkage long sys_ftruncate(unsigned int fd, off_t length);
asmlinkage long sys_chmod(const char __user *filename, umode_t mode);
asmlinkage long sys_fchmod(unsigned int fd, umode_t mode);
asmlinkage long sys_fchmodat(int dfd, const char __user *filename, umode_t mode);
asmlinkage long sys_fchmodat2(int dfd, const char __user *filename, umode_t mode, unsigned int flags);
asmlinkage long sys_chown(const char __user *filename, uid_t user, gid_t group);
asmlinkage long sys_lchown(const char __user *filename, uid_t user, gid_t group);
asmlinkage long sys_fchown(unsigned int fd, uid_t user, gid_t group);
asmlinkage long sys_fchownat(int dfd, const char __user *filename, uid_t user, gid_t group, int flag);
asmlinkage long sys_symlink(const char __user *oldname, const char __user *newname);
asmlinkage long sys_symlinkat(const char __user *oldname, int newdfd, const char __user *newname);
asmlinkage long sys_link(const char __user *oldname, const char __user *newname);
asmlinkage long sys_linkat(int olddfd, const char __user *oldname, int newdfd, const char __user *newname, int flags);
asmlinkage long sys_sync(void);
asmlinkage long sys_syncfs(int fd);
asmlinkage long sys_fsync(unsigned int fd);
asmlinkage long sys_fdatasync(unsigned int fd);
asmlinkage long sys_statfs(const char __user *path, struct statfs __user *buf);
asmlinkage long sys_fstatfs(unsigned int fd, struct statfs __user *buf);
asmlinkage long sys_utimensat(int dfd, const char __user *filename, struct __kernel_timespec __user *utimes,
			      int flags);
asmlinkage long sys_futimesat(int dfd, const char __user *filename, struct __kernel_old_timeval __user *utimes);
asmlinkage long sys_utimes(const char __user *filename, struct __kernel_old_timeval __user *utimes);
asmlinkage long sys_utime(const char __user *filename, struct utimbuf __user *times);
asmlinkage long sys_sendfile64(int out_fd, int in_fd, loff_t __user *offset, size_t count);
asmlinkage long sys_poll(struct pollfd __user *ufds, unsigned int nfds, int timeout);
asmlinkage long sys_ppoll(struct pollfd __user *ufds, unsigned int nfds, struct __kernel_timespec __user *tsp,
			  const sigset_t __user *sigmask, size_t sigsetsize);
asmlinkage long sys_select(int n, fd_set __user *inp, fd_set __user *outp, fd_set __user *exp,
			   struct __kernel_old_timeval __user *tvp);
asmlinkage long sys_pselect6(int n, fd_set __user *inp, fd_set __user *outp, fd_set __user *exp,
			     struct __kernel_timespec __user *tsp, void __user *sig);

/* fs/file.c, fs/fcntl.c, fs/pipe.c, fs/ioctl.c */
asmlinkage long sys_dup(unsigned int fildes);
asmlinkage long sys_dup2(unsigned int oldfd, unsigned int newfd);
asmlinkage long sys_dup3(unsigned int oldfd, unsigned int newfd, int flags);
asmlinkage long sys_fcntl(unsigned int fd, unsigned int cmd, unsigned long arg);
asmlinkage long sys_pipe(int __user *fildes);
asmlinkage long sys_pipe2(int __user *fildes, int flags);
asmlinkage long sys_ioctl(unsigned int fd, unsigned int cmd, unsigned long arg);

/* mm/mmap.c, mm/mprotect.c, arch/x86/kernel/sys_x86_64.c */
asmlinkage long sys_brk(unsigned long brk);
asmlinkage long sys_mmap(unsigned long addr, unsigned long len, unsigned long prot, unsigned long flags,
			 unsigned long fd, unsigned long off);
asmlinkage long sys_munmap(unsigned long addr, size_t len);
asmlinkage long sys_mprotect(unsigned long start, size_t len, unsigned long prot);

/* kernel/fork.c, fs/exec.c, kernel/exit.c, kernel/signal.c */
asmlinkage long sys_fork(void);
asmlinkage long sys_vfork(void);
asmlinkage long sys_clone(unsigned long clone_flags, unsigned long newsp, int __user *parent_tidptr,
			  int __user *child_tidptr, unsigned long tls);
asmlinkage long sys_execve(const char __user *filename, const char __user *const __user *argv,
			   const char __user *const __user *envp);
asmlinkage long sys_exit(int error_code);
asmlinkage long sys_exit_group(int error_code);
asmlinkage long sys_wait4(pid_t pid, int __user *stat_addr, int options, struct rusage __user *ru);
asmlinkage long sys_set_tid_address(int __user *tidptr);

/* kernel/signal.c, arch/x86/kernel/signal_64.c */
asmlinkage long sys_rt_sigaction(int sig, const struct sigaction __user *act, struct sigaction __user *oact,
				 size_t sigsetsize);
asmlinkage long sys_rt_sigprocmask(int how, sigset_t __user *set, sigset_t __user *oset, size_t sigsetsize);
asmlinkage long sys_rt_sigpending(sigset_t __user *set, size_t sigsetsize);
asmlinkage long sys_rt_sigsuspend(sigset_t __user *unewset, size_t sigsetsize);
asmlinkage long sys_rt_sigreturn(void);
asmlinkage long sys_sigaltstack(const struct sigaltstack __user *uss, struct sigaltstack __user *uoss);
asmlinkage long sys_pause(void);
asmlinkage long sys_kill(pid_t pid, int sig);
asmlinkage long sys_tkill(pid_t pid, int sig);
asmlinkage long sys_tgkill(pid_t tgid, pid_t pid, int sig);

/* kernel/sys.c: resource limits; kernel/futex/syscalls.c */
asmlinkage long sys_getrlimit(unsigned int resource, struct rlimit __user *rlim);
asmlinkage long sys_setrlimit(unsigned int resource, struct rlimit __user *rlim);
asmlinkage long sys_prlimit64(pid_t pid, unsigned int resource, const struct rlimit64 __user *new_rlim,
			      struct rlimit64 __user *old_rlim);
asmlinkage long sys_set_robust_list(struct robust_list_head __user *head, size_t len);
asmlinkage long sys_get_robust_list(int pid, struct robust_list_head __user * __user *head_ptr,
				    size_t __user *len_ptr);

/* kernel/sys.c */
asmlinkage long sys_getpid(void);
asmlinkage long sys_getppid(void);
asmlinkage long sys_gettid(void);
asmlinkage long sys_getuid(void);
asmlinkage long sys_geteuid(void);
asmlinkage long sys_getgid(void);
asmlinkage long sys_getegid(void);
asmlinkage long sys_setuid(uid_t uid);
asmlinkage long sys_setgid(gid_t gid);
asmlinkage long sys_getresuid(uid_t __user *ruid, uid_t __user *euid, uid_t __user *suid);
asmlinkage long sys_getresgid(gid_t __user *rgid, gid_t __user *egid, gid_t __user *sgid);
asmlinkage long sys_getgroups(int gidsetsize, gid_t __user *grouplist);
asmlinkage long sys_setpgid(pid_t pid, pid_t pgid);
asmlinkage long sys_getpgid(pid_t pid);
asmlinkage long sys_getpgrp(void);
asmlinkage long sys_setsid(void);
asmlinkage long sys_getsid(pid_t pid);
asmlinkage long sys_getpriority(int which, int who);
asmlinkage long sys_setpriority(int which, int who, int niceval);
asmlinkage long sys_newuname(struct new_utsname __user *name);
asmlinkage long sys_sysinfo(struct sysinfo __user *info);
asmlinkage long sys_getcpu(unsigned __user *cpu, unsigned __user *node, struct getcpu_cache __user *cache);
asmlinkage long sys_sched_yield(void);

/* kernel/time/ */
asmlinkage long sys_gettimeofday(struct __kernel_old_timeval __user *tv, struct timezone __user *tz);
asmlinkage long sys_time(__kernel_old_time_t __user *tloc);
asmlinkage long sys_clock_gettime(clockid_t which_clock, struct __kernel_timespec __user *tp);
asmlinkage long sys_clock_getres(clockid_t which_clock, struct __kernel_timespec __user *tp);
asmlinkage long sys_nanosleep(const struct __kernel_timespec __user *rqtp, struct __kernel_timespec __user *rmtp);
asmlinkage long sys_clock_nanosleep(clockid_t which_clock, int flags, const struct __kernel_timespec __user *rqtp,
				    struct __kernel_timespec __user *rmtp);

/* drivers/char/random.c, arch/x86/kernel/process_64.c, kernel/sys.c */
asmlinkage long sys_getrandom(char __user *buf, size_t count, unsigned int flags);
asmlinkage long sys_arch_prctl(int option, unsigned long arg2);
asmlinkage long sys_prctl(int option, unsigned long arg2, unsigned long arg3, unsigned long arg4, unsigned long arg5);

/* kernel/fork.c: clone3; kernel/futex/syscalls.c */
asmlinkage long sys_clone3(struct clone_args __user *uargs, size_t size);
asmlinkage long sys_futex(u32 __user *uaddr, int op, u32 val, const struct __kernel_timespec __user *utime,
			  u32 __user *uaddr2, u32 val3);
asmlinkage long sys_futex_waitv(struct futex_waitv __user *waiters, unsigned int nr_futexes, unsigned int flags,
				struct __kernel_timespec __user *timeout, clockid_t clockid);
asmlinkage long sys_futex_wake(void __user *uaddr, unsigned long mask, int nr, unsigned int flags);
asmlinkage long sys_futex_wait(void __user *uaddr, unsigned long val, unsigned long mask, unsigned int flags,
			       struct __kernel_timespec __user *timespec, clockid_t clockid);
asmlinkage long sys_futex_requeue(struct futex_waitv __user *waiters, unsigned int flags, int nr_wake, int nr_requeue);

/* mm/mremap.c, mm/madvise.c, mm/msync.c, mm/mincore.c, mm/mlock.c */
asmlinkage long sys_mremap(unsigned long addr, unsigned long old_len, unsigned long new_len, unsigned long flags,
			   unsigned long new_addr);
asmlinkage long sys_madvise(unsigned long start, size_t len, int behavior);
asmlinkage long sys_msync(unsigned long start, size_t len, int flags);
asmlinkage long sys_mincore(unsigned long start, size_t len, unsigned char __user * vec);
asmlinkage long sys_mlock(unsigned long start, size_t len);
asmlinkage long sys_mlock2(unsigned long start, size_t len, int flags);
asmlinkage long sys_munlock(unsigned long start, size_t len);
asmlinkage long sys_mlockall(int flags);
asmlinkage long sys_munlockall(void);

/* ipc/shm.c */
asmlinkage long sys_shmget(key_t key, size_t size, int flag);
asmlinkage long sys_shmat(int shmid, char __user *shmaddr, int shmflg);
asmlinkage long sys_shmdt(char __user *shmaddr);
asmlinkage long sys_shmctl(int shmid, int cmd, struct shmid_ds __user *buf);

/* kernel/sched/syscalls.c, kernel/sched/membarrier.c */
asmlinkage long sys_sched_getscheduler(pid_t pid);
asmlinkage long sys_sched_getparam(pid_t pid, struct sched_param __user *param);
asmlinkage long sys_sched_get_priority_max(int policy);
asmlinkage long sys_sched_get_priority_min(int policy);
asmlinkage long sys_sched_getaffinity(pid_t pid, unsigned int len, unsigned long __user *user_mask_ptr);
asmlinkage long sys_sched_setaffinity(pid_t pid, unsigned int len, unsigned long __user *user_mask_ptr);
asmlinkage long sys_membarrier(int cmd, unsigned int flags, int cpu_id);

/* fs/eventpoll.c, fs/eventfd.c, fs/timerfd.c */
asmlinkage long sys_epoll_create(int size);
asmlinkage long sys_epoll_create1(int flags);
asmlinkage long sys_epoll_ctl(int epfd, int op, int fd, struct epoll_event __user *event);
asmlinkage long sys_epoll_wait(int epfd, struct epoll_event __user *events, int maxevents, int timeout);
asmlinkage long sys_epoll_pwait(int epfd, struct epoll_event __user *events, int maxevents, int timeout,
				const sigset_t __user *sigmask, size_t sigsetsize);
asmlinkage long sys_epoll_pwait2(int epfd, struct epoll_event __user *events, int maxevents,
				 const struct __kernel_timespec __user *timeout, const sigset_t __user *sigmask,
				 size_t sigsetsize);
asmlinkage long sys_eventfd(unsigned int count);
asmlinkage long sys_eventfd2(unsigned int count, int flags);
asmlinkage long sys_timerfd_create(int clockid, int flags);
asmlinkage long sys_timerfd_settime(int ufd, int flags, const struct __kernel_itimerspec __user *utmr,
				    struct __kernel_itimerspec __user *otmr);
asmlinkage long sys_timerfd_gettime(int ufd, struct __kernel_itimerspec __user *otmr);

/* fs/stat.c: statx; fs/open.c: creat; mm/fadvise.c; fs/xattr.c */
asmlinkage long sys_statx(int dfd, const char __user *filename, unsigned int flags, unsigned int mask,
			  struct statx __user *buffer);
asmlinkage long sys_creat(const char __user *pathname, umode_t mode);
asmlinkage long sys_fadvise64(int fd, loff_t offset, size_t len, int advice);
asmlinkage long sys_setxattr(const char __user *path, const char __user *name, const void __user *value,
			     size_t size, int flags);
asmlinkage long sys_lsetxattr(const char __user *path, const char __user *name, const void __user *value,
			      size_t size, int flags);
asmlinkage long sys_fsetxattr(int fd, const char __user *name, const void __user *value, size_t size, int flags);
asmlinkage long sys_getxattr(const char __user *path, const char __user *name, void __user *value, size_t size);
asmlinkage long sys_lgetxattr(const char __user *path, const char __user *name, void __user *value, size_t size);
asmlinkage long sys_fgetxattr(int fd, const char __user *name, void __user *value, size_t size);
asmlinkage long sys_listxattr(const char __user *path, char __user *list, size_t size);
asmlinkage long sys_llistxattr(const char __user *path, char __user *list, size_t size);
asmlinkage long sys_flistxattr(int fd, char __user *list, size_t size);
asmlinkage long sys_removexattr(const char __user *path, const char __user *name);
asmlinkage long sys_lremovexattr(const char __user *path, const char __user *name);
asmlinkage long sys_fremovexattr(int fd, const char __user *name);
asmlinkage long sys_setxattrat(int dfd, const char __user *path, unsigned int at_flags, const char __user *name,
			       const struct xattr_args __user *args, size_t size);
asmlinkage long sys_getxattrat(int dfd, const char __user *path, unsigned int at_flags, const char __user *name,
			       struct xattr_args __user *args, size_t size);
asmlinkage long sys_listxattrat(int dfd, const char __user *path, unsigned int at_flags, char __user *list,
				size_t size);
asmlinkage long sys_removexattrat(int dfd, const char __user *path, unsigned int at_flags,
				  const char __user *name);
/* issue 16, time: interval timers, POSIX timers, resource usage, waitid (kernel/time/itimer.c,
 * kernel/time/posix-timers.c, kernel/sys.c, kernel/exit.c) */
asmlinkage long sys_alarm(unsigned int seconds);
asmlinkage long sys_getitimer(int which, struct __kernel_old_itimerval __user *value);
asmlinkage long sys_setitimer(int which, const struct __kernel_old_itimerval __user *value,
			      struct __kernel_old_itimerval __user *ovalue);
asmlinkage long sys_timer_create(clockid_t which_clock, const struct sigevent __user *timer_event_spec,
				 timer_t __user *created_timer_id);
asmlinkage long sys_timer_gettime(timer_t timer_id, struct __kernel_itimerspec __user *setting);
asmlinkage long sys_timer_getoverrun(timer_t timer_id);
asmlinkage long sys_timer_settime(timer_t timer_id, int flags, const struct __kernel_itimerspec __user *new_setting,
				  struct __kernel_itimerspec __user *old_setting);
asmlinkage long sys_timer_delete(timer_t timer_id);
asmlinkage long sys_getrusage(int who, struct rusage __user *ru);
asmlinkage long sys_times(struct tms __user *tbuf);
asmlinkage long sys_waitid(int which, pid_t upid, struct siginfo __user *infop, int options,
			   struct rusage __user *ru);

/* issue 16, files: fs/readdir.c getdents; fs/namei.c mknod(at); fs/file.c close_range; fs/read_write.c p{read,write}v(2) */
asmlinkage long sys_getdents(unsigned int fd, struct linux_dirent __user *dirent, unsigned int count);
asmlinkage long sys_mknod(const char __user *filename, umode_t mode, unsigned dev);
asmlinkage long sys_mknodat(int dfd, const char __user *filename, umode_t mode, unsigned dev);
asmlinkage long sys_close_range(unsigned int fd, unsigned int max_fd, unsigned int flags);
asmlinkage long sys_preadv(unsigned long fd, const struct iovec __user *vec, unsigned long vlen,
			   unsigned long pos_l, unsigned long pos_h);
asmlinkage long sys_pwritev(unsigned long fd, const struct iovec __user *vec, unsigned long vlen,
			    unsigned long pos_l, unsigned long pos_h);
asmlinkage long sys_preadv2(unsigned long fd, const struct iovec __user *vec, unsigned long vlen,
			    unsigned long pos_l, unsigned long pos_h, rwf_t flags);
asmlinkage long sys_pwritev2(unsigned long fd, const struct iovec __user *vec, unsigned long vlen,
			     unsigned long pos_l, unsigned long pos_h, rwf_t flags);

/* issue 16, Unix-domain sockets: net/socket.c (AF_UNIX only; other families are EAFNOSUPPORT) */
asmlinkage long sys_socket(int family, int type, int protocol);
asmlinkage long sys_socketpair(int family, int type, int protocol, int __user *usockvec);
asmlinkage long sys_bind(int fd, struct sockaddr __user *umyaddr, int addrlen);
asmlinkage long sys_listen(int fd, int backlog);
asmlinkage long sys_accept(int fd, struct sockaddr __user *upeer_sockaddr, int __user *upeer_addrlen);
asmlinkage long sys_accept4(int fd, struct sockaddr __user *upeer_sockaddr, int __user *upeer_addrlen, int flags);
asmlinkage long sys_connect(int fd, struct sockaddr __user *uservaddr, int addrlen);
asmlinkage long sys_getsockname(int fd, struct sockaddr __user *usockaddr, int __user *usockaddr_len);
asmlinkage long sys_getpeername(int fd, struct sockaddr __user *usockaddr, int __user *usockaddr_len);
asmlinkage long sys_sendto(int fd, void __user *buff, size_t len, unsigned int flags, struct sockaddr __user *addr,
			   int addr_len);
asmlinkage long sys_recvfrom(int fd, void __user *ubuf, size_t size, unsigned int flags,
			     struct sockaddr __user *addr, int __user *addr_len);
asmlinkage long sys_sendmsg(int fd, struct user_msghdr __user *msg, unsigned int flags);
asmlinkage long sys_recvmsg(int fd, struct user_msghdr __user *msg, unsigned int flags);
asmlinkage long sys_shutdown(int fd, int how);
asmlinkage long sys_setsockopt(int fd, int level, int optname, char __user *optval, int optlen);
asmlinkage long sys_getsockopt(int fd, int level, int optname, char __user *optval, int __user *optlen);

/* issue 16, locks: fs/locks.c (fcntl's lock commands go through sys_fcntl above) */
asmlinkage long sys_flock(unsigned int fd, unsigned int cmd);

/* issue 16, credentials: the set*id family, supplementary groups, capabilities, faccessat2 */
asmlinkage long sys_setreuid(uid_t ruid, uid_t euid);
asmlinkage long sys_setregid(gid_t rgid, gid_t egid);
asmlinkage long sys_setresuid(uid_t ruid, uid_t euid, uid_t suid);
asmlinkage long sys_setresgid(gid_t rgid, gid_t egid, gid_t sgid);
asmlinkage long sys_setfsuid(uid_t uid);
asmlinkage long sys_setfsgid(gid_t gid);
asmlinkage long sys_setgroups(int gidsetsize, const gid_t __user *grouplist);
asmlinkage long sys_capget(cap_user_header_t header, cap_user_data_t dataptr);
asmlinkage long sys_capset(cap_user_header_t header, const cap_user_data_t data);
asmlinkage long sys_faccessat2(int dfd, const char __user *filename, int mode, int flags);

/* issue 17, /proc/sys: kernel/sys.c, the names /proc/sys/kernel/{hostname,domainname} and uname show */
asmlinkage long sys_sethostname(const char __user *name, int len);
asmlinkage long sys_setdomainname(const char __user *name, int len);

/* issue 17, System V messages and semaphores, POSIX message queues, native AIO: ipc/msg.c, ipc/sem.c,
   ipc/mqueue.c, fs/aio.c */
asmlinkage long sys_msgget(key_t key, int msgflg);
asmlinkage long sys_msgsnd(int msqid, struct msgbuf __user *msgp, size_t msgsz, int msgflg);
asmlinkage long sys_msgrcv(int msqid, struct msgbuf __user *msgp, size_t msgsz, long msgtyp, int msgflg);
asmlinkage long sys_msgctl(int msqid, int cmd, struct msqid_ds __user *buf);
asmlinkage long sys_semget(key_t key, int nsems, int semflg);
asmlinkage long sys_semop(int semid, struct sembuf __user *sops, unsigned nsops);
asmlinkage long sys_semtimedop(int semid, struct sembuf __user *sops, unsigned nsops,
			       const struct __kernel_timespec __user *timeout);
asmlinkage long sys_semctl(int semid, int semnum, int cmd, unsigned long arg);
asmlinkage long sys_mq_open(const char __user *name, int oflag, umode_t mode, struct mq_attr __user *attr);
asmlinkage long sys_mq_unlink(const char __user *name);
asmlinkage long sys_mq_timedsend(mqd_t mqdes, const char __user *msg_ptr, size_t msg_len, unsigned int msg_prio,
				 const struct __kernel_timespec __user *abs_timeout);
asmlinkage long sys_mq_timedreceive(mqd_t mqdes, char __user *msg_ptr, size_t msg_len, unsigned int __user *msg_prio,
				    const struct __kernel_timespec __user *abs_timeout);
asmlinkage long sys_mq_notify(mqd_t mqdes, const struct sigevent __user *notification);
asmlinkage long sys_mq_getsetattr(mqd_t mqdes, const struct mq_attr __user *mqstat, struct mq_attr __user *omqstat);
asmlinkage long sys_io_setup(unsigned nr_reqs, aio_context_t __user *ctx);
asmlinkage long sys_io_destroy(aio_context_t ctx);
asmlinkage long sys_io_submit(aio_context_t ctx_id, long nr, struct iocb __user * __user *iocbpp);
asmlinkage long sys_io_cancel(aio_context_t ctx_id, struct iocb __user *iocb, struct io_event __user *result);
asmlinkage long sys_io_getevents(aio_context_t ctx_id, long min_nr, long nr, struct io_event __user *events,
				 struct __kernel_timespec __user *timeout);
asmlinkage long sys_io_pgetevents(aio_context_t ctx_id, long min_nr, long nr, struct io_event __user *events,
				  struct __kernel_timespec __user *timeout, const struct __aio_sigset __user *sig);
/* issue 17, mounts and namespaces: fs/namespace.c, fs/open.c (chroot), kernel/nsproxy.c, kernel/fork.c */
asmlinkage long sys_mount(const char __user *dev_name, const char __user *dir_name, const char __user *type,
			  unsigned long flags, const void __user *data);
asmlinkage long sys_umount(const char __user *name, int flags);
asmlinkage long sys_chroot(const char __user *filename);
asmlinkage long sys_pivot_root(const char __user *new_root, const char __user *put_old);
asmlinkage long sys_unshare(unsigned long unshare_flags);
asmlinkage long sys_setns(int fd, int nstype);
asmlinkage long sys_open_tree(int dfd, const char __user *filename, unsigned flags);
asmlinkage long sys_move_mount(int from_dfd, const char __user *from_path, int to_dfd, const char __user *to_path,
			       unsigned int flags);
asmlinkage long sys_mount_setattr(int dfd, const char __user *path, unsigned int flags,
				  const struct mount_attr __user *uattr, size_t usize);
asmlinkage long sys_sysfs(int option, unsigned long arg1, unsigned long arg2);
asmlinkage long sys_ustat(unsigned dev, struct ustat __user *ubuf);
/* issue 17, inet sockets: net/socket.c's vectors of messages */
asmlinkage long sys_sendmmsg(int fd, struct mmsghdr __user *msg, unsigned int vlen, unsigned int flags);
asmlinkage long sys_recvmmsg(int fd, struct mmsghdr __user *msg, unsigned int vlen, unsigned int flags,
			     struct __kernel_timespec __user *timeout);
/* issue 17, signals and process handles: pidfds, queued signals, signalfd, kcmp, keys */
asmlinkage long sys_pidfd_open(pid_t pid, unsigned int flags);
asmlinkage long sys_pidfd_getfd(int pidfd, int fd, unsigned int flags);
asmlinkage long sys_pidfd_send_signal(int pidfd, int sig, struct siginfo __user *info, unsigned int flags);
asmlinkage long sys_rt_sigqueueinfo(pid_t pid, int sig, struct siginfo __user *uinfo);
asmlinkage long sys_rt_tgsigqueueinfo(pid_t tgid, pid_t pid, int sig, struct siginfo __user *uinfo);
asmlinkage long sys_rt_sigtimedwait(const sigset_t __user *uthese, struct siginfo __user *uinfo,
				    const struct __kernel_timespec __user *uts, size_t sigsetsize);
asmlinkage long sys_kcmp(pid_t pid1, pid_t pid2, int type, unsigned long idx1, unsigned long idx2);
asmlinkage long sys_add_key(const char __user *_type, const char __user *_description,
			    const void __user *_payload, size_t plen, key_serial_t destringid);
asmlinkage long sys_request_key(const char __user *_type, const char __user *_description,
				const char __user *_callout_info, key_serial_t destringid);
asmlinkage long sys_keyctl(int cmd, unsigned long arg2, unsigned long arg3, unsigned long arg4,
			   unsigned long arg5);
asmlinkage long sys_signalfd(int ufd, sigset_t __user *user_mask, size_t sizemask);
asmlinkage long sys_signalfd4(int ufd, sigset_t __user *user_mask, size_t sizemask, int flags);
/* issue 17, misc: setting the time (kernel/time/posix-timers.c, time.c) */
asmlinkage long sys_clock_settime(clockid_t which_clock, const struct __kernel_timespec __user *tp);
asmlinkage long sys_settimeofday(struct __kernel_old_timeval __user *tv, struct timezone __user *tz);
asmlinkage long sys_adjtimex(struct __kernel_timex __user *txc_p);
asmlinkage long sys_clock_adjtime(clockid_t which_clock, struct __kernel_timex __user *tx);
/* issue 17, misc: process attributes (kernel/exec_domain.c, block/ioprio.c, kernel/kcmp.c) */
asmlinkage long sys_personality(unsigned int personality);
asmlinkage long sys_ioprio_set(int which, int who, int ioprio);
asmlinkage long sys_ioprio_get(int which, int who);
asmlinkage long sys_acct(const char __user *name);
/* issue 17, misc: scheduling policies (kernel/sched/syscalls.c) */
asmlinkage long sys_sched_setscheduler(pid_t pid, int policy, struct sched_param __user *param);
asmlinkage long sys_sched_setparam(pid_t pid, struct sched_param __user *param);
asmlinkage long sys_sched_setattr(pid_t pid, struct sched_attr __user *attr, unsigned int flags);
asmlinkage long sys_sched_getattr(pid_t pid, struct sched_attr __user *attr, unsigned int size,
				  unsigned int flags);
/* issue 17, files: inotify (fs/notify/inotify/inotify_user.c) */
asmlinkage long sys_inotify_init(void);
asmlinkage long sys_inotify_init1(int flags);
asmlinkage long sys_inotify_add_watch(int fd, const char __user *path, u32 mask);
asmlinkage long sys_inotify_rm_watch(int fd, int wd);

/* issue 17, files: fallocate (fs/open.c) */
asmlinkage long sys_fallocate(int fd, int mode, loff_t offset, loff_t len);

/* issue 17, files: file handles (fs/fhandle.c) */
asmlinkage long sys_name_to_handle_at(int dfd, const char __user *name, struct file_handle __user *handle,
				      void __user *mnt_id, int flag);
asmlinkage long sys_open_by_handle_at(int mountdirfd, struct file_handle __user *handle, int flags);

/* issue 17, files: openat2 (fs/open.c) */
asmlinkage long sys_openat2(int dfd, const char __user *filename, struct open_how __user *how, size_t usize);

/* issue 17, files: splice, tee, vmsplice (fs/splice.c) */
asmlinkage long sys_splice(int fd_in, loff_t __user *off_in, int fd_out, loff_t __user *off_out, size_t len,
			   unsigned int flags);
asmlinkage long sys_tee(int fdin, int fdout, size_t len, unsigned int flags);
asmlinkage long sys_vmsplice(int fd, const struct iovec __user *iov, unsigned long nr_segs, unsigned int flags);

/* issue 17, files: copy_file_range (fs/read_write.c), sync_file_range (fs/sync.c) */
asmlinkage long sys_copy_file_range(int fd_in, loff_t __user *off_in, int fd_out, loff_t __user *off_out,
				    size_t len, unsigned int flags);
asmlinkage long sys_sync_file_range(int fd, loff_t offset, loff_t nbytes, unsigned int flags);

/* issue 17, files: readahead (mm/readahead.c) */
asmlinkage long sys_readahead(int fd, loff_t offset, size_t count);
/* issue 17, debugging and leftovers: mm/process_vm_access.c, fs/filesystems.c, fs/statfs.c, kernel/reboot.c, fs/open.c */
asmlinkage long sys_process_vm_readv(pid_t pid, const struct iovec __user *lvec, unsigned long liovcnt,
				     const struct iovec __user *rvec, unsigned long riovcnt, unsigned long flags);
asmlinkage long sys_process_vm_writev(pid_t pid, const struct iovec __user *lvec, unsigned long liovcnt,
				      const struct iovec __user *rvec, unsigned long riovcnt, unsigned long flags);
asmlinkage long sys_reboot(int magic1, int magic2, unsigned int cmd, void __user *arg);
asmlinkage long sys_vhangup(void);
asmlinkage long sys_syslog(int type, char __user *buf, int len);
asmlinkage long sys_cachestat(unsigned int fd, struct cachestat_range __user *cstat_range,
			      struct cachestat __user *cstat, unsigned int flags);
asmlinkage long sys_remap_file_pages(unsigned long start, unsigned long size, unsigned long prot,
				     unsigned long pgoff, unsigned long flags);
asmlinkage long sys_mseal(unsigned long start, size_t len, unsigned long flags);
asmlinkage long sys_lsm_list_modules(u64 __user *ids, u32 __user *size, u32 flags);

#endif /* _SYSCALLTBL_SYSCALLS_64_H */
