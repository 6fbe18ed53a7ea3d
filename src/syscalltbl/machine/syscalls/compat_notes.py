"""What `syscalltbl compat` says beyond "implemented" and "ENOSYS": the machine's own account of its gaps.

Kept here, beside the handlers, so that whoever changes a handler sees its note: PARTIAL names what an
implemented call lacks (a Linux behaviour the machine does not have), BY_DESIGN why a call the machine
leaves ENOSYS will stay so. Keys are the table's entry points. tests/test_compat.py checks that every
PARTIAL key is implemented and no BY_DESIGN key is. Entries the table itself maps to sys_ni_syscall are
ENOSYS on Linux too and need no note.
"""

from __future__ import annotations

#: Implemented calls, and what of Linux's behaviour they lack.
PARTIAL: dict[str, str] = {
    "sys_socket": "AF_UNIX; AF_INET and AF_INET6 on the machine's own loopback (TCP, UDP, UDP-Lite, and raw IPv4 "
    "sockets of any protocol: ICMP echo and protocol-unreachable answers, IP_HDRINCL; raw IPv6 and ICMP ping "
    "sockets are EPROTONOSUPPORT); AF_NETLINK with NETLINK_ROUTE alone (lo's link and addresses: RTM_GETLINK, "
    "RTM_NEWLINK/RTM_SETLINK of its flags and MTU, RTM_GETADDR dumps; other message types EOPNOTSUPP, no "
    "NETLINK_PKTINFO or NETLINK_LIST_MEMBERSHIPS); AF_PACKET on lo (SOCK_RAW, SOCK_DGRAM; mmapped TPACKET_V1-V3 "
    "receive rings and V1/V2 transmit rings; no PACKET_FANOUT, PACKET_AUXDATA cmsgs or SOCK_PACKET). "
    "The machine's TCP and UDP sockets make no packets, so raw and packet sockets never see their traffic "
    "(a UDP packet made by hand does reach a UDP socket; a TCP one is dropped); the other families are "
    "EAFNOSUPPORT",
    "sys_execveat": "AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW; AT_EXECVE_CHECK (Linux 6.14) is EINVAL, as "
    "before it; landlock's exec rights are not checked for a descriptor run with AT_EMPTY_PATH",
    "sys_socketpair": "AF_UNIX, as Linux (AF_INET, AF_INET6, AF_NETLINK and AF_PACKET are EOPNOTSUPP); the "
    "families the machine lacks are EAFNOSUPPORT where Linux says ESOCKTNOSUPPORT",
    "sys_clone": "of the namespaces the mount, UTS, IPC, time, user, PID and network ones (CLONE_NEWNS, "
    "CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWTIME, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET); cgroup namespaces "
    "and cgroups (CLONE_INTO_CGROUP) are EINVAL, as a kernel built without them. In a PID namespace "
    "/proc/sysvipc, /proc/locks and acct records show the machine's global pids",
    "sys_clone3": "of the namespaces the mount, UTS, IPC, time, user, PID (set_tid per level) and network ones; "
    "cgroup namespaces and cgroups (CLONE_INTO_CGROUP) are EINVAL, as a kernel built without them",
    "sys_unshare": "of the namespaces the mount, UTS, IPC, time, user, PID and network ones; CLONE_NEWCGROUP is "
    "EINVAL, as a kernel built without it. A new network namespace has lo alone (down until brought up), no "
    "TUN/TAP link moves between namespaces, and one is freed at once with its last user (Linux frees it "
    "later, on a workqueue). In a user namespace getuid and its family, "
    "getgroups, the set*id calls, stat, statx and the chown family see ids through its maps, but System V IPC, "
    "siginfo, SCM_CREDENTIALS and /proc/PID/status show the machine's own ids; mount namespaces and file "
    "permission overrides (CAP_DAC_OVERRIDE, CAP_FOWNER ...) take capabilities of the first user namespace",
    "sys_setns": "nsfs files of mount, UTS, IPC, time, user, PID and network namespaces, and pidfds with those "
    "kinds; other "
    "kinds are EINVAL, as a kernel built without them",
    "sys_prctl": "PR_SET_NAME/PR_GET_NAME, PR_SET_PDEATHSIG/PR_GET_PDEATHSIG, PR_SET_DUMPABLE/PR_GET_DUMPABLE, "
    "the keep-capabilities, securebits, ambient and bounding-set options, the child subreaper, timer slack, "
    "no_new_privs, seccomp, THP disabling (a flag: the machine has no huge pages) and the speculation "
    "controls (of a cpu without the bugs), PR_SET_TSC/PR_GET_TSC; every other option is EINVAL",
    "sys_seccomp": "strict mode and filters with every action, TSYNC, SECCOMP_GET_ACTION_AVAIL and "
    "SECCOMP_GET_NOTIF_SIZES; no user-notification listener (SECCOMP_FILTER_FLAG_NEW_LISTENER is EINVAL), so "
    "SECCOMP_RET_USER_NOTIF fails the call with ENOSYS, as with no listener; SECCOMP_RET_TRACE is ENOSYS "
    "(no tracer asks for PTRACE_EVENT_SECCOMP); SECCOMP_RET_LOG and SECCOMP_FILTER_FLAG_LOG log nothing (no audit)",
    "sys_arch_prctl": "ARCH_SET_FS, ARCH_GET_FS, ARCH_SET_GS, ARCH_GET_GS and ARCH_GET_CPUID (ARCH_SET_CPUID is "
    "ENODEV: no cpuid faulting); the shadow-stack and AMX options are EINVAL",
    "sys_ioctl": "the requests of the machine's own files and devices (terminals, pipes, sockets, /dev); others "
    "are ENOTTY. /dev/net/tun has TUNSETIFF, TUNGETIFF and TUNGETFEATURES (no TUNSETPERSIST, queues or "
    "offloads), and its links get no address, so nothing is routed to them",
    "sys_prlimit64": "another process's limits are read and set without check_prlimit_permission's same-user "
    "test",
    "sys_sched_setattr": "SCHED_DEADLINE is admitted, scheduled earliest deadline first and throttled to its "
    "runtime; sched_yield does not give up a deadline task's runtime, and SCHED_FLAG_RECLAIM and "
    "SCHED_FLAG_DL_OVERRUN are kept and read back, not acted on",
    "sys_statmount": "propagate_from is the mount's master group as recorded (peer groups do not cross "
    "namespaces on the machine); no mount is idmapped and no LSM adds options",
    "sys_sysinfo": "load averages are always 0 (the machine keeps none)",
    "sys_fcntl": "everything but write hints, which are EINVAL",
    "sys_memfd_create": "MFD_HUGETLB is ENOSYS, as on a kernel without hugetlbfs",
    "sys_landlock_restrict_self": "the LANDLOCK_RESTRICT_SELF_LOG_* flags are taken and change nothing: the "
    "machine has no audit log (as Linux built without CONFIG_AUDIT)",
    "sys_linkat": "under a Landlock domain, a link made from a descriptor (AT_EMPTY_PATH) is checked as if made "
    "in its new name's directory: the file's old directory is not known, so LANDLOCK_ACCESS_FS_REFER is not asked",
    "sys_userfaultfd": "MISSING and WP registration of private anonymous memory and MINOR of shmem; MISSING and WP "
    "of shmem (UFFD_FEATURE_MISSING_SHMEM, WP_HUGETLBFS_SHMEM), hugetlbfs and the UFFD_FEATURE_EVENT_* events are "
    "not offered; faults the kernel takes copying to or from a registered page are served, not held",
    "sys_madvise": "MADV_COLLAPSE, MADV_HWPOISON, MADV_SOFT_OFFLINE and KSM's MADV_MERGEABLE/MADV_UNMERGEABLE "
    "are EINVAL",
    "sys_bpf": "BPF_MAP_CREATE of array and hash maps and their element commands (LOOKUP, UPDATE, DELETE, "
    "GET_NEXT_KEY); programs, links, BTF, pinning, batch and the other map types are EINVAL",
    "sys_perf_event_open": "software events counting one task (cpu-clock, task-clock, page faults, context "
    "switches; migrations, major, alignment and emulation faults count zero as on one cpu without disk); "
    "hardware, cache, raw, tracepoint and breakpoint events are ENOENT (no PMU); sampling, ring buffers, "
    "inherit, enable_on_exec and cpu-wide events are EOPNOTSUPP or EINVAL",
    "sys_io_uring_setup": "no SQPOLL, IOPOLL or later setup modes (EINVAL); IORING_FEAT_NODROP is not offered: "
    "a full CQ counts an overflow and loses the CQE",
    "sys_io_uring_enter": "NOP, READV, WRITEV, FSYNC, READ_FIXED, WRITE_FIXED, SENDMSG, RECVMSG, CLOSE, READ and "
    "WRITE run in the submitting task; other opcodes complete with -EINVAL; a request that would block "
    "completes at a later io_uring_enter, not on its own; IORING_ENTER_EXT_ARG is EINVAL",
    "sys_io_uring_register": "buffers (REGISTER/UNREGISTER_BUFFERS, read through the program's mapping, not "
    "pinned pages) and REGISTER_PROBE; registered files, eventfds, personalities and the rest are EINVAL",
    "sys_fanotify_init": "no FID, pidfd or audit reporting (EINVAL); a group takes CAP_SYS_ADMIN, as an "
    "unprivileged group must report FIDs",
    "sys_fanotify_mark": "inode marks only (mount and filesystem marks are EINVAL); the events that need FID "
    "reporting are EINVAL; execve does not ask FAN_OPEN_EXEC_PERM, and FAN_OPEN_PERM is not asked for a file "
    "the open itself creates",
    "sys_ptrace": "PTRACE_LISTEN, PTRACE_PEEKSIGINFO, PTRACE_ARCH_PRCTL, PTRACE_GET_SYSCALL_INFO and the seccomp "
    "requests are EIO; NT_X86_XSTATE is ENODEV (the machine keeps no XSAVE state); debug registers are checked "
    "and kept as Linux does but never trap (the emulated cpu has none); a call the machine does not implement "
    "makes no syscall stops; PTRACE_O_TRACEEXIT stops at exit and exit_group, not at a death by signal; "
    "PTRACE_O_TRACEVFORKDONE makes no stop",
}

#: Calls left ENOSYS on purpose, and why.
BY_DESIGN: dict[str, str] = {
    "sys_init_module": "the machine has no loadable modules: its kernel is generated whole from the table",
    "sys_finit_module": "the machine has no loadable modules: its kernel is generated whole from the table",
    "sys_delete_module": "the machine has no loadable modules: its kernel is generated whole from the table",
    "sys_kexec_load": "no second kernel to load: the machine's kernel is generated, not booted from an image",
    "sys_kexec_file_load": "no second kernel to load: the machine's kernel is generated, not booted from an image",
    "sys_iopl": "a guest never reaches the host's hardware: the machine has no I/O ports",
    "sys_ioperm": "a guest never reaches the host's hardware: the machine has no I/O ports",
    "sys_swapon": "no swap: the machine's memory is its own RAM and it has no block devices",
    "sys_swapoff": "no swap: the machine's memory is its own RAM and it has no block devices",
    "sys_uretprobe": "the trampoline of the kernel's uprobes, which the machine does not have",
    "sys_uprobe": "the trampoline of the kernel's uprobes, which the machine does not have",
    "sys_map_shadow_stack": "the emulated cpu has no CET shadow stacks",
    "sys_modify_ldt": "64-bit programs use no LDT; as a kernel built without CONFIG_MODIFY_LDT_SYSCALL",
}
