"""--trace lines of mount, umount2, unshare and setns, as strace's mount.c, umount.c and clone.c print them.

mount's type is a string and its data the options text unless the flags make
them meaningless (a bind, a move, a propagation change: then addresses); a
remount shows its data. MS_MGC_VAL in the top half of the flags is named
first. Flag words are printflags'd: names in ascending order of their bits,
what no name covers in hex, or `0x.. /* X_??? */` when no name applies.
"""

from __future__ import annotations

from collections.abc import Mapping

from syscalltbl.machine import uapi
from syscalltbl.machine.tools.formats import Arguments, Reader, address, printflags, signed
from syscalltbl.machine.tools.strings import path, string
from syscalltbl.machine.uapi import mount, sched

MOUNT_FLAGS = tuple(sorted(((n, v) for n, v in uapi.constants(mount, "MS_")
                            if v.bit_count() == 1 and n not in ("MS_KERNMOUNT",)), key=lambda item: item[1]))
UMOUNT_FLAGS = (*sorted(uapi.constants(mount, "MNT_"), key=lambda item: item[1]),
                ("UMOUNT_NOFOLLOW", mount.UMOUNT_NOFOLLOW))
#: strace's xlat/unshare_flags.in: the CLONE_* bits unshare takes.
UNSHARE_FLAGS = tuple(sorted(((n, v) for n, v in uapi.constants(sched, "CLONE_") if n in (
    "CLONE_THREAD", "CLONE_FS", "CLONE_NEWNS", "CLONE_SIGHAND", "CLONE_VM", "CLONE_FILES", "CLONE_SYSVSEM",
    "CLONE_NEWUTS", "CLONE_NEWIPC", "CLONE_NEWNET", "CLONE_NEWUSER", "CLONE_NEWPID", "CLONE_NEWCGROUP",
    "CLONE_NEWTIME")), key=lambda item: item[1]))
#: xlat/setns_types.in: the namespace kinds.
SETNS_TYPES = tuple((n, v) for n, v in UNSHARE_FLAGS if n.startswith("CLONE_NEW"))
#: Flags with which mount(2)'s type and data mean nothing (strace shows their addresses).
NO_FSTYPE = mount.MS_BIND | mount.MS_MOVE | mount.MS_SHARED | mount.MS_PRIVATE | mount.MS_SLAVE | mount.MS_UNBINDABLE


def mount_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    source, target, fstype, flags, data = args[:5]
    magic = flags & mount.MS_MGC_MSK == mount.MS_MGC_VAL
    if magic:
        flags &= ~mount.MS_MGC_MSK
    with_type = not flags & mount.MS_REMOUNT and not flags & NO_FSTYPE
    with_data = bool(flags & mount.MS_REMOUNT) or with_type
    shown_flags = printflags(flags, MOUNT_FLAGS, "MS_???") if flags or not magic else ""
    if magic:
        shown_flags = "MS_MGC_VAL" + (f"|{shown_flags}" if shown_flags else "")
    return ", ".join([path(read, source), path(read, target), string(read, fstype) if with_type else address(fstype),
                      shown_flags, string(read, data) if with_data else address(data)])


def umount_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return f"{path(read, args[0])}, {printflags(args[1] & 0xFFFFFFFF, UMOUNT_FLAGS, 'MNT_???')}"


def unshare_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return printflags(args[0], UNSHARE_FLAGS, "CLONE_???")


def setns_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return f"{signed(args[0], 32)}, {printflags(args[1] & 0xFFFFFFFF, SETNS_TYPES, 'CLONE_NEW???')}"


MOUNT_ARGUMENTS: Mapping[str, Arguments] = {
    "sys_mount": mount_arguments, "sys_umount": umount_arguments, "sys_unshare": unshare_arguments,
    "sys_setns": setns_arguments,
}  # fmt: skip
