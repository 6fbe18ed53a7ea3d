"""--trace lines of the credential calls, as strace's uid.c and capability.c print them.

getresuid's ids show in brackets once the call succeeded, the group lists
as arrays, capget/capset's header and sets as structures with each
capability by name (1<<CAP_KILL|...), faccessat2's mode and flags by name.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping

from syscalltbl.machine import uapi
from syscalltbl.machine.tools.formats import Arguments, Reader, access_mode, address, dirfd, printflags, signed
from syscalltbl.machine.tools.strings import path
from syscalltbl.machine.uapi import capability, fcntl
from syscalltbl.machine.uapi.capability import CAP_LAST_CAP, CAPABILITY_U32S

CAP_VERSIONS = {v: f"_{n}" for n, v in uapi.constants(capability, "LINUX_CAPABILITY_VERSION_")}
CAP_NAMES = {v: n for v, n in uapi.names(capability, "CAP_").items() if 0 <= v <= CAP_LAST_CAP}
FACCESSAT2_FLAGS = (("AT_SYMLINK_NOFOLLOW", fcntl.AT_SYMLINK_NOFOLLOW), ("AT_EACCESS", fcntl.AT_EACCESS),
                    ("AT_EMPTY_PATH", fcntl.AT_EMPTY_PATH))
GROUPS_SHOWN = 32  # strace's default -s: longer arrays end in `...`


def _ids(read: Reader, pointers: tuple[int, ...], ret: int) -> str:
    """[0], [0], [0]: each id a successful call wrote, else the addresses."""
    shown = []
    for ptr in pointers:
        data = read(ptr, 4) if ret == 0 and ptr else None
        shown.append(f"[{struct.unpack('<I', data)[0]}]" if data is not None else address(ptr))
    return ", ".join(shown)


def getresid_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    return _ids(read, args[:3], ret)


def _groups(read: Reader, addr: int, count: int) -> str:
    """The array of `count` gids at `addr`, as strace's print_array shows it."""
    if count <= 0 or not addr:
        return "[]" if count == 0 and addr else address(addr)
    data = read(addr, 4 * min(count, GROUPS_SHOWN))
    if data is None:
        return address(addr)
    gids = [str(g) for g in struct.unpack(f"<{len(data) // 4}I", data)]
    return "[" + ", ".join(gids) + (", ..." if count > GROUPS_SHOWN else "") + "]"


def getgroups_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    size = signed(args[0], 32)
    shown = address(args[1]) if size == 0 or ret < 0 else _groups(read, args[1], ret)
    return f"{size}, {shown}"


def setgroups_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    size = signed(args[0], 32)
    # strace prints an array it may read whole: a size past NGROUPS_MAX, or a bad pointer, as the address.
    fits = 0 < size <= capability.NGROUPS_MAX
    return f"{size}, {_groups(read, args[1], size) if fits else address(args[1])}"


def _caps(value: int) -> str:
    if not value:
        return "0"
    names = [f"1<<{CAP_NAMES[bit]}" for bit in range(CAP_LAST_CAP + 1) if value >> bit & 1]
    rest = value & ~((1 << (CAP_LAST_CAP + 1)) - 1)
    return "|".join(names + ([hex(rest)] if rest else []))


def _cap_header(read: Reader, addr: int) -> tuple[str, int | None]:
    """The header's text, and how many data structs its version passes (None: unknown or unreadable)."""
    data = read(addr, 8) if addr else None
    if data is None:
        return address(addr), None
    version, pid = struct.unpack("<Ii", data)
    name = CAP_VERSIONS.get(version, f"{version:#x} /* _LINUX_CAPABILITY_VERSION_??? */")
    return f"{{version={name}, pid={pid}}}", CAPABILITY_U32S.get(version)


def _cap_data(read: Reader, addr: int, words: int | None) -> str:
    data = read(addr, 12 * words) if addr and words else None
    if data is None or words is None:
        return address(addr)
    sets = [0, 0, 0]
    for i in range(words):
        for j, value in enumerate(struct.unpack_from("<III", data, 12 * i)):
            sets[j] |= value << 32 * i
    effective, permitted, inheritable = sets
    return f"{{effective={_caps(effective)}, permitted={_caps(permitted)}, inheritable={_caps(inheritable)}}}"


def capget_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    header, words = _cap_header(read, args[0])
    return f"{header}, {_cap_data(read, args[1], words) if ret == 0 else address(args[1])}"


def capset_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    header, words = _cap_header(read, args[0])
    return f"{header}, {_cap_data(read, args[1], words)}"


def faccessat2_arguments(read: Reader, args: tuple[int, ...], _ret: int) -> str:
    where = dirfd(args[0]) or str(signed(args[0], 32))
    flags = printflags(args[3] & 0xFFFFFFFF, FACCESSAT2_FLAGS, "AT_???")
    return f"{where}, {path(read, args[1])}, {access_mode(args[2])}, {flags}"


#: Entry point -> how its argument list is shown.
CRED_ARGUMENTS: Mapping[str, Arguments] = {
    "sys_getresuid": getresid_arguments, "sys_getresgid": getresid_arguments,
    "sys_getgroups": getgroups_arguments, "sys_setgroups": setgroups_arguments,
    "sys_capget": capget_arguments, "sys_capset": capset_arguments,
    "sys_faccessat2": faccessat2_arguments,
}  # fmt: skip
#: Calls whose header the kernel may rewrite: their arguments are read before the call as well.
READ_BEFORE = frozenset({"sys_capget", "sys_capset"})
