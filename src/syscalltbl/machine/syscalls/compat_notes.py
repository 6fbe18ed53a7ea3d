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
    "sys_socketpair": "AF_UNIX, as Linux (AF_INET, AF_INET6, AF_NETLINK and AF_PACKET are EOPNOTSUPP); the "
    "families the machine lacks are EAFNOSUPPORT where Linux says ESOCKTNOSUPPORT",
    "sys_clone": "of the namespaces the mount, UTS, IPC, time, network and user ones (CLONE_NEWNS, "
    "CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWTIME, CLONE_NEWNET, CLONE_NEWUSER); PID and cgroup namespaces and "
    "cgroups (CLONE_INTO_CGROUP) are EINVAL, as a kernel built without them",
    "sys_clone3": "of the namespaces the mount, UTS, IPC, time, network and user ones; the others, cgroups "
    "(CLONE_INTO_CGROUP) and set_tid are EINVAL, as a kernel built without them",
    "sys_unshare": "of the namespaces the mount, UTS, IPC, time, network and user ones; CLONE_NEWPID and "
    "CLONE_NEWCGROUP are EINVAL, as a kernel built without them. A new network namespace has lo alone (down "
    "until brought up), no TUN/TAP link moves between namespaces, and one is freed at once with its last "
    "user (Linux frees it later, on a workqueue). In a user namespace getuid and its family, "
    "getgroups, the set*id calls, stat, statx and the chown family see ids through its maps, but System V IPC, "
    "siginfo, SCM_CREDENTIALS and /proc/PID/status show the machine's own ids; mount namespaces and file "
    "permission overrides (CAP_DAC_OVERRIDE, CAP_FOWNER ...) take capabilities of the first user namespace",
    "sys_setns": "nsfs files of mount, UTS, IPC, time, network and user namespaces, and pidfds with those "
    "kinds; other "
    "kinds are EINVAL, as a kernel built without them",
    "sys_prctl": "PR_SET_NAME/PR_GET_NAME, PR_SET_PDEATHSIG/PR_GET_PDEATHSIG, PR_SET_DUMPABLE/PR_GET_DUMPABLE, "
    "the keep-capabilities, securebits, ambient and bounding-set options, the child subreaper, timer slack, "
    "no_new_privs, seccomp, THP disabling (a flag: the machine has no huge pages) and the speculation "
    "controls (of a cpu without the bugs); PR_SET_TSC and every other option are EINVAL",
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
    "sys_fcntl": "everything but F_NOTIFY (dnotify), file seals and write hints, which are EINVAL",
    "sys_landlock_restrict_self": "the LANDLOCK_RESTRICT_SELF_LOG_* flags are taken and change nothing: the "
    "machine has no audit log (as Linux built without CONFIG_AUDIT)",
    "sys_linkat": "under a Landlock domain, a link made from a descriptor (AT_EMPTY_PATH) is checked as if made "
    "in its new name's directory: the file's old directory is not known, so LANDLOCK_ACCESS_FS_REFER is not asked",
    "sys_madvise": "MADV_COLLAPSE, MADV_GUARD_INSTALL, MADV_GUARD_REMOVE, MADV_HWPOISON, MADV_SOFT_OFFLINE and "
    "KSM's MADV_MERGEABLE/MADV_UNMERGEABLE are EINVAL",
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
