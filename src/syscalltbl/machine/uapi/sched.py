"""clone flags (include/uapi/linux/sched.h); the low byte of clone's flags is the exit signal."""

from __future__ import annotations

from typing import Final

CSIGNAL: Final = 0xFF
CLONE_VM: Final = 0x100
CLONE_FS: Final = 0x200
CLONE_FILES: Final = 0x400
CLONE_SIGHAND: Final = 0x800
CLONE_PIDFD: Final = 0x1000
CLONE_PTRACE: Final = 0x2000
CLONE_VFORK: Final = 0x4000
CLONE_PARENT: Final = 0x8000
CLONE_THREAD: Final = 0x10000
CLONE_NEWNS: Final = 0x20000
CLONE_SYSVSEM: Final = 0x40000
CLONE_SETTLS: Final = 0x80000
CLONE_PARENT_SETTID: Final = 0x100000
CLONE_CHILD_CLEARTID: Final = 0x200000
CLONE_DETACHED: Final = 0x400000
CLONE_UNTRACED: Final = 0x800000
CLONE_CHILD_SETTID: Final = 0x1000000
CLONE_NEWCGROUP: Final = 0x2000000
CLONE_NEWUTS: Final = 0x4000000
CLONE_NEWIPC: Final = 0x8000000
CLONE_NEWUSER: Final = 0x10000000
CLONE_NEWPID: Final = 0x20000000
CLONE_NEWNET: Final = 0x40000000
CLONE_IO: Final = 0x80000000
#: clone3's own: a time namespace (a bit of the old call's exit signal), and flags above the low 32 bits.
CLONE_NEWTIME: Final = 0x80
CLONE_CLEAR_SIGHAND: Final = 0x100000000
CLONE_INTO_CGROUP: Final = 0x200000000
#: What the old clone() can ask for: its flags word is 32 bits, less the exit signal.
LEGACY_CLONE_FLAGS: Final = 0xFFFFFFFF
NAMESPACES: Final = (
    CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET
    | CLONE_NEWTIME
)

#: Linux's CLONE_ARGS_SIZE_VER0..2 and CLONE_LEGACY_FLAGS, named so that no decoder takes them for CLONE_ flags.
#: struct clone_args: flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls
#: (VER0), set_tid, set_tid_size (VER1), cgroup (VER2); u64 each.
CLONE3_ARGS_SIZE_VER0: Final = 64
CLONE3_ARGS_SIZE_VER1: Final = 80
CLONE3_ARGS_SIZE_VER2: Final = 88
#: One pid namespace level here: set_tid names at most this many pids.
MAX_PID_NS_LEVEL: Final = 32
