"""Reading the caller's ids: getuid, geteuid, getgid, getegid, getresuid, getresgid (kernel/sys.c), as its
user namespace sees them.

Apart from cred.py (setting them, groups, capabilities): nearly every program reads its ids, few change them.
"""

from __future__ import annotations

import struct

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.kernel.userns import from_kgid_munged, from_kuid_munged
from syscalltbl.machine.syscalls.registry import syscall


def uid_seen(t: Task, kuid: int) -> int:
    """from_kuid_munged: a kernel uid as the caller's user namespace sees it."""
    return from_kuid_munged(t.cred.user_ns, kuid)


def gid_seen(t: Task, kgid: int) -> int:
    return from_kgid_munged(t.cred.user_ns, kgid)


@syscall("sys_getuid")
def sys_getuid(t: Task, *_: int) -> int:
    return uid_seen(t, t.cred.uid)


@syscall("sys_geteuid")
def sys_geteuid(t: Task, *_: int) -> int:
    return uid_seen(t, t.cred.euid)


@syscall("sys_getgid")
def sys_getgid(t: Task, *_: int) -> int:
    return gid_seen(t, t.cred.gid)


@syscall("sys_getegid")
def sys_getegid(t: Task, *_: int) -> int:
    return gid_seen(t, t.cred.egid)


def _put_ids(t: Task, pointers: tuple[int, int, int], ids: tuple[int, int, int]) -> int:
    """getresuid/getresgid: three u32s, each to its own pointer, the first bad one EFAULT."""
    for ptr, value in zip(pointers, ids, strict=True):
        copy_to_user(t.mm, ptr, struct.pack("<I", value))
    return 0


@syscall("sys_getresuid")
def sys_getresuid(t: Task, ruid: int, euid: int, suid: int, *_: int) -> int:
    c = t.cred
    return _put_ids(t, (ruid, euid, suid), (uid_seen(t, c.uid), uid_seen(t, c.euid), uid_seen(t, c.suid)))


@syscall("sys_getresgid")
def sys_getresgid(t: Task, rgid: int, egid: int, sgid: int, *_: int) -> int:
    c = t.cred
    return _put_ids(t, (rgid, egid, sgid), (gid_seen(t, c.gid), gid_seen(t, c.egid), gid_seen(t, c.sgid)))
