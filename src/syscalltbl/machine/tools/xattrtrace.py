"""--trace lines of the extended-attribute calls, as strace's xattr.c prints them.

A value shows as the bytes it holds (a trailing NUL left out), or its
address when it is longer than any value may be (a failed getxattr's -1
too); a list shows as the NUL-separated names the call returned; the
*xattrat calls show their struct xattr_args.
"""

from __future__ import annotations

from collections.abc import Mapping

from syscalltbl.machine import uapi
from syscalltbl.machine.tools.formats import Arguments, Reader, address, dirfd, printflags, signed
from syscalltbl.machine.tools.strings import buffer, path, string
from syscalltbl.machine.uapi import fcntl, xattr
from syscalltbl.machine.uapi.xattr import XATTR_ARGS, XATTR_ARGS_SIZE_VER0, XATTR_SIZE_MAX

XATTR_FLAGS = tuple((n, v) for n, v in uapi.constants(xattr, "XATTR_") if n in ("XATTR_CREATE", "XATTR_REPLACE"))
XATTRAT_FLAGS = (("AT_SYMLINK_NOFOLLOW", fcntl.AT_SYMLINK_NOFOLLOW), ("AT_EMPTY_PATH", fcntl.AT_EMPTY_PATH))
U64 = (1 << 64) - 1


def _value(read: Reader, addr: int, size: int) -> str:
    """print_xattr_val: the address when `size` (unsigned) is past XATTR_SIZE_MAX."""
    size &= U64
    return address(addr) if size > XATTR_SIZE_MAX else buffer(read, addr, size, omit_trailing_nul=True)


def _flags(value: int) -> str:
    return printflags(value & 0xFFFFFFFF, XATTR_FLAGS, "XATTR_???")


def _fd(value: int) -> str:
    return str(signed(value, 32))


def _set(read: Reader, args: tuple[int, ...], target: str) -> str:
    name, value, size, flags = args[1:5]
    return f"{target}, {string(read, name)}, {_value(read, value, size)}, {size}, {_flags(flags)}"


def _get(read: Reader, args: tuple[int, ...], ret: int, target: str) -> str:
    name, value, size = args[1:4]
    shown = address(value) if not size else _value(read, value, ret)
    return f"{target}, {string(read, name)}, {shown}, {size}"


def _list(read: Reader, args: tuple[int, ...], ret: int, target: str) -> str:
    names, size = args[1:3]
    shown = address(names) if not size or ret < 0 else buffer(read, names, ret)
    return f"{target}, {shown}, {size}"


def setxattr_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return _set(read, args, path(read, args[0]))


def fsetxattr_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return _set(read, args, _fd(args[0]))


def getxattr_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    return _get(read, args, ret, path(read, args[0]))


def fgetxattr_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    return _get(read, args, ret, _fd(args[0]))


def listxattr_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    return _list(read, args, ret, path(read, args[0]))


def flistxattr_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    return _list(read, args, ret, _fd(args[0]))


def removexattr_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return f"{path(read, args[0])}, {string(read, args[1])}"


def fremovexattr_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return f"{_fd(args[0])}, {string(read, args[1])}"


def _at(read: Reader, args: tuple[int, ...]) -> str:
    """dirfd, pathname, at_flags: the first three arguments of every *xattrat call."""
    where = dirfd(args[0]) or _fd(args[0])
    return f"{where}, {path(read, args[1])}, {printflags(args[2] & 0xFFFFFFFF, XATTRAT_FLAGS, 'AT_???')}"


def _xattr_args(read: Reader, addr: int, usize: int, value_size: int | None) -> str:
    """struct xattr_args: its value decoded for `value_size` bytes, or its address (None)."""
    data = read(addr, XATTR_ARGS.size) if usize >= XATTR_ARGS_SIZE_VER0 and addr else None
    if data is None:
        return address(addr)
    value, size, flags = XATTR_ARGS.unpack(data)
    shown = _value(read, value, value_size) if value_size is not None else f"{value:#x}"
    return f"{{value={shown}, size={size}, flags={_flags(flags)}}}"


def setxattrat_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    data = read(args[4], XATTR_ARGS.size) if args[4] else None
    size = XATTR_ARGS.unpack(data)[1] if data is not None else 0
    return f"{_at(read, args)}, {string(read, args[3])}, {_xattr_args(read, args[4], args[5], size)}, {args[5]}"


def getxattrat_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    data = read(args[4], XATTR_ARGS.size) if args[4] else None
    asked = XATTR_ARGS.unpack(data)[1] if data is not None else 0
    shown = _xattr_args(read, args[4], args[5], ret if asked else None)
    return f"{_at(read, args)}, {string(read, args[3])}, {shown}, {args[5]}"


def listxattrat_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    names, size = args[3], args[4]
    shown = address(names) if not size or ret < 0 else buffer(read, names, ret)
    return f"{_at(read, args)}, {shown}, {size}"


def removexattrat_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return f"{_at(read, args)}, {string(read, args[3])}"


#: Entry point -> how its argument list is shown.
XATTR_ARGUMENTS: Mapping[str, Arguments] = {
    "sys_setxattr": setxattr_arguments, "sys_lsetxattr": setxattr_arguments, "sys_fsetxattr": fsetxattr_arguments,
    "sys_getxattr": getxattr_arguments, "sys_lgetxattr": getxattr_arguments, "sys_fgetxattr": fgetxattr_arguments,
    "sys_listxattr": listxattr_arguments, "sys_llistxattr": listxattr_arguments,
    "sys_flistxattr": flistxattr_arguments,
    "sys_removexattr": removexattr_arguments, "sys_lremovexattr": removexattr_arguments,
    "sys_fremovexattr": fremovexattr_arguments,
    "sys_setxattrat": setxattrat_arguments, "sys_getxattrat": getxattrat_arguments,
    "sys_listxattrat": listxattrat_arguments, "sys_removexattrat": removexattrat_arguments,
}  # fmt: skip
