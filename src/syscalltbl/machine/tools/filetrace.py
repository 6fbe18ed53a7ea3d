"""--trace lines of issue 16's file calls, as strace prints them.

getdents and getdents64 show their buffer as an address and a count of the
records it got (strace's abbreviated form); mknod(at) shows the device only
for a character or block node; preadv and friends show one offset (pos_h is
no argument of theirs on a 64-bit kernel) and their RWF_ flags by name.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

from syscalltbl.machine import uapi
from syscalltbl.machine.tools.formats import FILE_TYPES, Arguments, Reader, dirfd, printflags, signed
from syscalltbl.machine.tools.strings import STRING_LIMIT, path, quote
from syscalltbl.machine.uapi import misc, rwf

RWF_FLAGS = tuple((n, v) for n, v in uapi.constants(rwf, "RWF_") if n != "RWF_SUPPORTED")
CLOSE_RANGE_FLAGS = tuple(uapi.constants(rwf, "CLOSE_RANGE_"))
IOVECS_SHOWN = 32  # strace shows this many elements of an array (its -s), then `...`


def _fd(value: int) -> str:
    return str(signed(value, 32))


def _dirfd(value: int) -> str:
    return dirfd(value) or _fd(value)


def _dirents(read: Reader, args: tuple[int, ...], ret: int) -> str:
    fd, dirp, count = args[:3]
    shown = f"{dirp:#x}" if dirp else "NULL"
    data = read(dirp, ret) if ret >= 0 and dirp else None
    if data is not None:
        entries = at = 0
        while at + 18 <= len(data):
            (reclen,) = struct.unpack_from("<H", data, at + 16)
            if not reclen:
                break
            entries += 1
            at += reclen
        shown += f" /* {entries} entries */"
    return f"{_fd(fd)}, {shown}, {count & 0xFFFFFFFF}"


def _octal(value: int) -> str:
    """C's %#03o."""
    return f"0{value:o}".rjust(3, "0") if value else "000"


def _mode(mode: int) -> str:
    """strace's print_symbolic_mode_t: the type, the set-id and sticky bits by name, then the permissions."""
    kind = FILE_TYPES.get(mode & misc.S_IFMT, "") if mode & misc.S_IFMT else ""
    if mode & misc.S_IFMT and not kind:
        return _octal(mode)  # no such type: all of it in octal
    special = "".join(name + "|" for name, bit in (("S_ISUID", 0o4000), ("S_ISGID", 0o2000), ("S_ISVTX", 0o1000))
                      if mode & bit)
    return f"{kind}{'|' if kind else ''}{special}{_octal(mode & 0o777)}"


def _node(mode: int, dev: int) -> str:
    shown = _mode(mode & 0xFFFF)
    if mode & misc.S_IFMT in (misc.S_IFCHR, misc.S_IFBLK):
        dev &= 0xFFFFFFFF
        major, minor = (dev & 0xFFF00) >> 8, (dev & 0xFF) | ((dev >> 12) & 0xFFF00)
        shown += f", makedev({major:#x}, {minor:#x})"
    return shown


def mknodat_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return f"{_dirfd(args[0])}, {path(read, args[1])}, {_node(args[2], args[3])}"


def mknod_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    return f"{path(read, args[0])}, {_node(args[1], args[2])}"


def close_range_arguments(_read: Reader, args: tuple[int, ...], _ret: int) -> str:
    flags = printflags(args[2] & 0xFFFFFFFF, CLOSE_RANGE_FLAGS, "CLOSE_RANGE_???")
    return f"{args[0] & 0xFFFFFFFF}, {args[1] & 0xFFFFFFFF}, {flags}"


def _iovecs(read: Reader, addr: int, count: int, shown_bytes: int | None) -> str:
    """The array: each buffer with what it holds (a write's input, a read's output up to `shown_bytes`);
    a failed read's buffers by their addresses."""
    if not addr:
        return "NULL"
    raw = read(addr, 16 * min(count, IOVECS_SHOWN))
    if raw is None:
        return f"{addr:#x}"
    parts = []
    left = shown_bytes or 0
    for i in range(len(raw) // 16):
        base, size = struct.unpack_from("<QQ", raw, 16 * i)
        if shown_bytes is None:
            parts.append(f"{{iov_base={base:#x}, iov_len={size}}}" if base else f"{{iov_base=NULL, iov_len={size}}}")
            continue
        take = max(0, min(size, left))
        left -= take
        data = read(base, min(take, STRING_LIMIT + 1)) if base and take else b""
        parts.append(f"{{iov_base={quote(data or b'')}, iov_len={size}}}")
    return "[" + ", ".join(parts) + (", ..." if count > IOVECS_SHOWN else "") + "]"


def _vector(read: Reader, args: tuple[int, ...], ret: int, *, write: bool, flags: bool) -> str:
    fd, iov, vlen, pos = args[:4]
    shown = (1 << 63) if write else (ret if ret >= 0 else None)  # a write's input always; a read's result
    text = f"{_fd(fd)}, {_iovecs(read, iov, vlen, shown)}, {vlen}, {signed(pos, 64)}"
    if flags:
        text += ", " + printflags(args[5] & 0xFFFFFFFF, RWF_FLAGS, "RWF_???")
    return text


def preadv_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    return _vector(read, args, ret, write=False, flags=False)


def pwritev_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    return _vector(read, args, ret, write=True, flags=False)


def preadv2_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    return _vector(read, args, ret, write=False, flags=True)


def pwritev2_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    return _vector(read, args, ret, write=True, flags=True)


FILE_ARGUMENTS: Mapping[str, Arguments] = {
    "sys_getdents": _dirents,
    "sys_getdents64": _dirents,
    "sys_mknod": mknod_arguments,
    "sys_mknodat": mknodat_arguments,
    "sys_close_range": close_range_arguments,
    "sys_preadv": preadv_arguments,
    "sys_pwritev": pwritev_arguments,
    "sys_preadv2": preadv2_arguments,
    "sys_pwritev2": pwritev2_arguments,
}
