"""Capabilities and the credential calls' limits (include/uapi/linux/capability.h, include/linux/cred.h)."""

from __future__ import annotations

from typing import Final

#: capget/capset's header versions: 1 carries one 32-bit word per set, 2 and 3 two.
LINUX_CAPABILITY_VERSION_1: Final = 0x19980330
LINUX_CAPABILITY_VERSION_2: Final = 0x20071026
LINUX_CAPABILITY_VERSION_3: Final = 0x20080522
#: How many __user_cap_data_struct (effective, permitted, inheritable: three u32) each version passes.
CAPABILITY_U32S: Final = {LINUX_CAPABILITY_VERSION_1: 1, LINUX_CAPABILITY_VERSION_2: 2, LINUX_CAPABILITY_VERSION_3: 2}

CAP_CHOWN: Final = 0
CAP_DAC_OVERRIDE: Final = 1
CAP_DAC_READ_SEARCH: Final = 2
CAP_FOWNER: Final = 3
CAP_FSETID: Final = 4
CAP_KILL: Final = 5
CAP_SETGID: Final = 6
CAP_SETUID: Final = 7
CAP_SETPCAP: Final = 8
CAP_LINUX_IMMUTABLE: Final = 9
CAP_NET_BIND_SERVICE: Final = 10
CAP_NET_BROADCAST: Final = 11
CAP_NET_ADMIN: Final = 12
CAP_NET_RAW: Final = 13
CAP_IPC_LOCK: Final = 14
CAP_IPC_OWNER: Final = 15
CAP_SYS_MODULE: Final = 16
CAP_SYS_RAWIO: Final = 17
CAP_SYS_CHROOT: Final = 18
CAP_SYS_PTRACE: Final = 19
CAP_SYS_PACCT: Final = 20
CAP_SYS_ADMIN: Final = 21
CAP_SYS_BOOT: Final = 22
CAP_SYS_NICE: Final = 23
CAP_SYS_RESOURCE: Final = 24
CAP_SYS_TIME: Final = 25
CAP_SYS_TTY_CONFIG: Final = 26
CAP_MKNOD: Final = 27
CAP_LEASE: Final = 28
CAP_AUDIT_WRITE: Final = 29
CAP_AUDIT_CONTROL: Final = 30
CAP_SETFCAP: Final = 31
CAP_MAC_OVERRIDE: Final = 32
CAP_MAC_ADMIN: Final = 33
CAP_SYSLOG: Final = 34
CAP_WAKE_ALARM: Final = 35
CAP_BLOCK_SUSPEND: Final = 36
CAP_AUDIT_READ: Final = 37
CAP_PERFMON: Final = 38
CAP_BPF: Final = 39
CAP_CHECKPOINT_RESTORE: Final = 40
CAP_LAST_CAP: Final = CAP_CHECKPOINT_RESTORE

#: Every capability Linux 6.x knows: what root holds.
CAP_FULL_SET: Final = (1 << (CAP_LAST_CAP + 1)) - 1
#: The capabilities that follow the filesystem uid (CAP_FS_SET): dropped when fsuid leaves 0, back when it returns.
CAP_FS_SET: Final = sum(1 << c for c in (CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,
                                          CAP_FSETID, CAP_LINUX_IMMUTABLE, CAP_MKNOD, CAP_MAC_OVERRIDE))

#: setgroups' largest list (include/uapi/linux/limits.h).
NGROUPS_MAX: Final = 65536
#: (uid_t)-1 / (gid_t)-1: "leave it" for the set*id calls, and never a valid id.
NO_ID: Final = 0xFFFFFFFF

# include/uapi/linux/securebits.h: each bit, and above it the lock that freezes it.
SECBIT_NOROOT: Final = 1 << 0
SECBIT_NO_SETUID_FIXUP: Final = 1 << 2
SECBIT_KEEP_CAPS: Final = 1 << 4
SECBIT_KEEP_CAPS_LOCKED: Final = 1 << 5
SECBIT_NO_CAP_AMBIENT_RAISE: Final = 1 << 6
SECBIT_EXEC_RESTRICT_FILE: Final = 1 << 8
SECBIT_EXEC_DENY_INTERACTIVE: Final = 1 << 10
SECURE_ALL_BITS: Final = (SECBIT_NOROOT | SECBIT_NO_SETUID_FIXUP | SECBIT_KEEP_CAPS | SECBIT_NO_CAP_AMBIENT_RAISE
                          | SECBIT_EXEC_RESTRICT_FILE | SECBIT_EXEC_DENY_INTERACTIVE)  # fmt: skip
SECURE_ALL_LOCKS: Final = SECURE_ALL_BITS << 1
#: The bits that are no security matter (what execveat's AT_EXECVE_CHECK callers ask): no CAP_SETPCAP needed.
SECURE_ALL_UNPRIVILEGED: Final = SECBIT_EXEC_RESTRICT_FILE | SECBIT_EXEC_DENY_INTERACTIVE
