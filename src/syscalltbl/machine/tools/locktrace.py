"""--trace lines of fcntl and flock, as strace's fcntl.c and file lock printers show them.

    fcntl(3, F_SETLKW, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=0}) = 0
    fcntl(3, F_GETLK, {l_type=F_UNLCK, l_whence=SEEK_SET, l_start=0, l_len=0, l_pid=0}) = 0
    flock(3, LOCK_EX|LOCK_NB) = 0

A lock query's struct shows what the call wrote back (with l_pid), or its
address when the call failed; a lock request's struct shows what was asked.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from typing import Final

from syscalltbl.machine.tools.formats import Arguments, Reader, address, open_flags, printflags, signed
from syscalltbl.machine.uapi import fcntl
from syscalltbl.machine.uapi.fcntl import FLOCK_FORMAT

FLOCK: Final = struct.Struct(FLOCK_FORMAT)
#: strace's fcntlcmds, the commands Linux x86-64 knows.
FCNTL_COMMANDS: Final = {
    0: "F_DUPFD", 1: "F_GETFD", 2: "F_SETFD", 3: "F_GETFL", 4: "F_SETFL", 5: "F_GETLK", 6: "F_SETLK",
    7: "F_SETLKW", 8: "F_SETOWN", 9: "F_GETOWN", 10: "F_SETSIG", 11: "F_GETSIG", 15: "F_SETOWN_EX",
    16: "F_GETOWN_EX", 17: "F_GETOWNER_UIDS", 36: "F_OFD_GETLK", 37: "F_OFD_SETLK", 38: "F_OFD_SETLKW",
    1024: "F_SETLEASE", 1025: "F_GETLEASE", 1026: "F_NOTIFY", 1030: "F_DUPFD_CLOEXEC", 1031: "F_SETPIPE_SZ",
    1032: "F_GETPIPE_SZ", 1033: "F_ADD_SEALS", 1034: "F_GET_SEALS",
}  # fmt: skip
#: Commands that take no third argument: strace prints two.
_NO_ARGUMENT: Final = frozenset({1, 3, 9, 11, 1025, 1032, 1034})
_QUERIES: Final = frozenset({fcntl.F_GETLK, fcntl.F_OFD_GETLK})
_REQUESTS: Final = frozenset({fcntl.F_SETLK, fcntl.F_SETLKW, fcntl.F_OFD_SETLK, fcntl.F_OFD_SETLKW})
LOCK_TYPES: Final = {fcntl.F_RDLCK: "F_RDLCK", fcntl.F_WRLCK: "F_WRLCK", fcntl.F_UNLCK: "F_UNLCK"}
WHENCE: Final = {fcntl.SEEK_SET: "SEEK_SET", fcntl.SEEK_CUR: "SEEK_CUR", fcntl.SEEK_END: "SEEK_END"}
#: strace's flockcmds, in its order.
FLOCK_OPERATIONS: Final = (("LOCK_SH", fcntl.LOCK_SH), ("LOCK_EX", fcntl.LOCK_EX), ("LOCK_NB", fcntl.LOCK_NB),
                           ("LOCK_UN", fcntl.LOCK_UN), ("LOCK_MAND", fcntl.LOCK_MAND), ("LOCK_READ", 64),
                           ("LOCK_WRITE", 128))


def _xval(names: Mapping[int, str], value: int, unknown: str) -> str:
    name = names.get(value)
    return name if name is not None else f"{value & 0xFFFF:#x} /* {unknown} */"


def _flock(read: Reader, addr: int, *, with_pid: bool) -> str:
    data = read(addr, FLOCK.size)
    if data is None:
        return address(addr)
    kind, whence, start, length, pid = FLOCK.unpack(data)
    shown = (f"{{l_type={_xval(LOCK_TYPES, kind, 'F_???')}, l_whence={_xval(WHENCE, whence, 'SEEK_???')}, "
             f"l_start={start}, l_len={length}")
    return shown + (f", l_pid={pid}}}" if with_pid else "}")


def fcntl_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    fd, cmd, arg = signed(args[0], 32), args[1] & 0xFFFFFFFF, args[2]
    name = FCNTL_COMMANDS.get(cmd)
    head = f"{fd}, {name if name is not None else f'{cmd:#x} /* F_??? */'}"
    if cmd in _NO_ARGUMENT:
        return head
    if cmd in _REQUESTS:
        return f"{head}, {_flock(read, arg, with_pid=False)}"
    if cmd in _QUERIES:
        return f"{head}, {_flock(read, arg, with_pid=True) if ret == 0 else address(arg)}"
    if cmd == fcntl.F_SETFD:
        return f"{head}, {printflags(arg & 0xFFFFFFFF, (('FD_CLOEXEC', fcntl.FD_CLOEXEC),), 'FD_???')}"
    if cmd == fcntl.F_SETFL:
        return f"{head}, {open_flags(arg)}"
    if name is None:
        return f"{head}, {arg:#x}"
    return f"{head}, {signed(arg, 32)}"


def flock_arguments(_read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return f"{signed(args[0], 32)}, {printflags(args[1] & 0xFFFFFFFF, FLOCK_OPERATIONS, 'LOCK_???')}"


#: Entry point -> how its whole argument list is shown.
LOCK_ARGUMENTS: Mapping[str, Arguments] = {"sys_fcntl": fcntl_arguments, "sys_flock": flock_arguments}
