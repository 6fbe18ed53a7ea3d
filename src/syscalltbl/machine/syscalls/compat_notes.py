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
    "sys_socket": "AF_UNIX, and AF_INET and AF_INET6 on the machine's own loopback (TCP, UDP, UDP-Lite); "
    "raw sockets, AF_NETLINK, AF_PACKET and the other families are EAFNOSUPPORT",
    "sys_socketpair": "AF_UNIX, as Linux (AF_INET and AF_INET6 are EOPNOTSUPP); the families the machine lacks "
    "(AF_NETLINK, AF_PACKET ...) are EAFNOSUPPORT where Linux says ESOCKTNOSUPPORT",
    "sys_clone": "of the namespaces only the mount one (CLONE_NEWNS); the other CLONE_NEW* flags and cgroups "
    "(CLONE_INTO_CGROUP) are EINVAL, as a kernel built without them",
    "sys_clone3": "of the namespaces only the mount one; the others, cgroups (CLONE_INTO_CGROUP) and set_tid are "
    "EINVAL, as a kernel built without them",
    "sys_prctl": "PR_SET_NAME/PR_GET_NAME, PR_SET_PDEATHSIG/PR_GET_PDEATHSIG, PR_SET_DUMPABLE/PR_GET_DUMPABLE, "
    "the keep-capabilities and bounding-set options, the child subreaper, timer slack and no_new_privs; "
    "PR_SET_SECCOMP, PR_SET_TSC and every other option are EINVAL",
    "sys_arch_prctl": "ARCH_SET_FS, ARCH_GET_FS, ARCH_SET_GS, ARCH_GET_GS and ARCH_GET_CPUID (ARCH_SET_CPUID is "
    "ENODEV: no cpuid faulting); the shadow-stack and AMX options are EINVAL",
    "sys_ioctl": "the requests of the machine's own files and devices (terminals, pipes, sockets, /dev); others "
    "are ENOTTY",
    "sys_sysinfo": "load averages are always 0 (the machine keeps none)",
    "sys_fcntl": "everything but F_NOTIFY (dnotify), file seals and write hints, which are EINVAL",
    "sys_ptrace": "PTRACE_LISTEN, PTRACE_PEEKSIGINFO, PTRACE_ARCH_PRCTL, PTRACE_GET_SYSCALL_INFO and the seccomp "
    "requests are EIO; NT_X86_XSTATE is ENODEV (the machine keeps no XSAVE state); debug registers are checked "
    "and kept as Linux does but never trap (the emulated cpu has none); a call the machine does not implement "
    "makes no syscall stops; PTRACE_O_TRACEEXIT stops at exit and exit_group, not at a death by signal; "
    "PTRACE_O_TRACEVFORKDONE makes no stop",
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
