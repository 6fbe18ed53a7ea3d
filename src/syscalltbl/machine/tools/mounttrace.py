"""--trace lines of mount, umount2, unshare, setns, open_tree, move_mount and mount_setattr, as strace 6.1's
mount.c, umount.c, clone.c, open_tree.c, move_mount.c and mount_setattr.c print them.

mount's type is a string and its data the options text unless the flags make
them meaningless (a bind, a move, a propagation change: then addresses); a
remount shows its data. MS_MGC_VAL in the top half of the flags is named
first. Flag words are printflags'd: names in ascending order of their bits,
what no name covers in hex, or `0x.. /* X_??? */` when no name applies.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

from syscalltbl.machine import uapi
from syscalltbl.machine.tools.formats import Arguments, Reader, address, printflags, signed
from syscalltbl.machine.tools.strings import path, string
from syscalltbl.machine.uapi import fcntl, mount, sched

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


#: xlat/open_tree_flags.in, in its order.
OPEN_TREE_FLAGS = (("OPEN_TREE_CLONE", mount.OPEN_TREE_CLONE), ("OPEN_TREE_CLOEXEC", fcntl.O_CLOEXEC),
                   ("AT_SYMLINK_NOFOLLOW", fcntl.AT_SYMLINK_NOFOLLOW), ("AT_NO_AUTOMOUNT", mount.AT_NO_AUTOMOUNT),
                   ("AT_EMPTY_PATH", fcntl.AT_EMPTY_PATH), ("AT_RECURSIVE", mount.AT_RECURSIVE))
#: xlat/move_mount_flags.in of strace 6.1 (which predates MOVE_MOUNT_BENEATH: it shows 0x200).
MOVE_MOUNT_FLAGS = tuple((n, v) for n, v in uapi.constants(mount, "MOVE_MOUNT_")
                         if n not in ("MOVE_MOUNT__MASK", "MOVE_MOUNT_BENEATH"))
#: xlat/mount_setattr_flags.in: the *at flags mount_setattr takes.
SETATTR_FLAGS = (("AT_SYMLINK_NOFOLLOW", fcntl.AT_SYMLINK_NOFOLLOW), ("AT_NO_AUTOMOUNT", mount.AT_NO_AUTOMOUNT),
                 ("AT_EMPTY_PATH", fcntl.AT_EMPTY_PATH), ("AT_RECURSIVE", mount.AT_RECURSIVE))
#: xlat/mount_attr_flags.in: every MOUNT_ATTR_ bit (RELATIME is 0, __ATIME a mask: neither is a name of its own).
MOUNT_ATTR_FLAGS = tuple(sorted(((n, v) for n, v in uapi.constants(mount, "MOUNT_ATTR_")
                                 if v and v.bit_count() == 1 and n != "MOUNT_ATTR_SIZE_VER0"), key=lambda i: i[1]))
MOUNT_ATTR = struct.Struct("<QQQQ")


def _dirfd(value: int) -> str:
    fd = signed(value, 32)
    return "AT_FDCWD" if fd == fcntl.AT_FDCWD else str(fd)


def open_tree_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return f"{_dirfd(args[0])}, {path(read, args[1])}, {printflags(args[2] & 0xFFFFFFFF, OPEN_TREE_FLAGS, 'O_???')}"


def move_mount_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    flags = printflags(args[4] & 0xFFFFFFFF, MOVE_MOUNT_FLAGS, "MOVE_MOUNT_???")
    return f"{_dirfd(args[0])}, {path(read, args[1])}, {_dirfd(args[2])}, {path(read, args[3])}, {flags}"


def mount_setattr_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    dfd, name, flags, uattr, usize = args[:5]
    data = read(uattr, MOUNT_ATTR.size) if uattr and usize >= MOUNT_ATTR.size else None
    if data is None:
        attr = address(uattr)
    else:
        attr_set, attr_clr, propagation, userns_fd = MOUNT_ATTR.unpack(data)
        attr = (f"{{attr_set={printflags(attr_set, MOUNT_ATTR_FLAGS, 'MOUNT_ATTR_???')}, "
                f"attr_clr={printflags(attr_clr, MOUNT_ATTR_FLAGS, 'MOUNT_ATTR_???')}, "
                f"propagation={printflags(propagation, MOUNT_FLAGS, 'MS_???')}, userns_fd={userns_fd}}}")
    shown_flags = printflags(flags & 0xFFFFFFFF, SETATTR_FLAGS, "AT_???")
    return f"{_dirfd(dfd)}, {path(read, name)}, {shown_flags}, {attr}, {usize}"


MOUNT_ARGUMENTS: Mapping[str, Arguments] = {
    "sys_mount": mount_arguments, "sys_umount": umount_arguments, "sys_unshare": unshare_arguments,
    "sys_setns": setns_arguments, "sys_open_tree": open_tree_arguments, "sys_move_mount": move_mount_arguments,
    "sys_mount_setattr": mount_setattr_arguments,
}  # fmt: skip
