"""include/uapi/linux/seccomp.h and audit.h's architectures: seccomp's modes, operations, flags and actions."""

from typing import Final

SECCOMP_MODE_DISABLED: Final = 0
SECCOMP_MODE_STRICT: Final = 1
SECCOMP_MODE_FILTER: Final = 2

SECCOMP_SET_MODE_STRICT: Final = 0
SECCOMP_SET_MODE_FILTER: Final = 1
SECCOMP_GET_ACTION_AVAIL: Final = 2
SECCOMP_GET_NOTIF_SIZES: Final = 3

SECCOMP_FILTER_FLAG_TSYNC: Final = 1 << 0
SECCOMP_FILTER_FLAG_LOG: Final = 1 << 1
SECCOMP_FILTER_FLAG_SPEC_ALLOW: Final = 1 << 2
SECCOMP_FILTER_FLAG_NEW_LISTENER: Final = 1 << 3
SECCOMP_FILTER_FLAG_TSYNC_ESRCH: Final = 1 << 4
SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: Final = 1 << 5

SECCOMP_RET_KILL_PROCESS: Final = 0x80000000
SECCOMP_RET_KILL_THREAD: Final = 0x00000000
SECCOMP_RET_TRAP: Final = 0x00030000
SECCOMP_RET_ERRNO: Final = 0x00050000
SECCOMP_RET_USER_NOTIF: Final = 0x7FC00000
SECCOMP_RET_TRACE: Final = 0x7FF00000
SECCOMP_RET_LOG: Final = 0x7FFC0000
SECCOMP_RET_ALLOW: Final = 0x7FFF0000
SECCOMP_RET_ACTION_FULL: Final = 0xFFFF0000
SECCOMP_RET_DATA: Final = 0x0000FFFF

#: SIGSYS's si_code for a seccomp trap.
SYS_SECCOMP: Final = 1

AUDIT_ARCH_X86_64: Final = 0xC000003E
AUDIT_ARCH_I386: Final = 0x40000003

#: struct seccomp_data: int nr, u32 arch, u64 instruction_pointer, u64 args[6].
SECCOMP_DATA_SIZE: Final = 64
#: struct seccomp_notif (id, pid, flags, data) and struct seccomp_notif_resp (id, val, error, flags).
SECCOMP_NOTIF_SIZE: Final = 80
SECCOMP_NOTIF_RESP_SIZE: Final = 24

#: The actions, as /proc/sys/kernel/seccomp/actions_avail names them, most restrictive first.
ACTION_NAMES: Final = (
    (SECCOMP_RET_KILL_PROCESS, "kill_process"), (SECCOMP_RET_KILL_THREAD, "kill_thread"),
    (SECCOMP_RET_TRAP, "trap"), (SECCOMP_RET_ERRNO, "errno"), (SECCOMP_RET_USER_NOTIF, "user_notif"),
    (SECCOMP_RET_TRACE, "trace"), (SECCOMP_RET_LOG, "log"), (SECCOMP_RET_ALLOW, "allow"))  # fmt: skip
