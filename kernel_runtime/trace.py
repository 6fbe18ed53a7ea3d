"""strace-style lines for `syscalltbl run --trace`, decoded from the prototypes.

    openat(AT_FDCWD, "/etc/motd", O_RDONLY) = 3
    read(3, "welcome\\n", 4096) = 8
    openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)

The tracer wraps each handler once, when the dispatch tuple is bound; an
untraced machine runs no tracing code at all.
"""

from __future__ import annotations

import errno as host_errno
import os
from collections.abc import Mapping
from typing import TextIO

from syscalltbl.kernel_runtime.errnos import Errno
from syscalltbl.kernel_runtime.process import Task
from syscalltbl.kernel_runtime.syscalls.registry import Handler, TableEntry
from syscalltbl.kernel_runtime.uaccess import copy_from_user, strncpy_from_user
from syscalltbl.kernel_runtime.vfs import AT_FDCWD

from syscalltbl.prototype_model import Param, Prototype

STRING_LIMIT = 32  # strace's default -s
OPEN_FLAGS = (
    ("O_CREAT", 0o100), ("O_EXCL", 0o200), ("O_NOCTTY", 0o400), ("O_TRUNC", 0o1000), ("O_APPEND", 0o2000),
    ("O_NONBLOCK", 0o4000), ("O_DIRECTORY", 0o200000), ("O_NOFOLLOW", 0o400000), ("O_CLOEXEC", 0o2000000),
)  # fmt: skip
ADDRESS_RESULTS = frozenset({"sys_mmap", "sys_brk"})


def quote(data: bytes, limit: int = STRING_LIMIT) -> str:
    shown = data[:limit]
    out = []
    for b in shown:
        c = chr(b)
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif 32 <= b < 127:
            out.append(c)
        else:
            out.append(f"\\{b:o}")
    return '"' + "".join(out) + '"' + ("..." if len(data) > limit else "")


def _signed(value: int, bits: int) -> int:
    value &= (1 << bits) - 1
    return value - (1 << bits) if value >> (bits - 1) else value


def _open_flags(value: int) -> str:
    names = [("O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE")[value & 3]]
    rest = value & ~3
    for name, bit in OPEN_FLAGS:
        if rest & bit:
            names.append(name)
            rest &= ~bit
    if rest:
        names.append(f"{rest:#o}")
    return "|".join(names)


def _strings(t: Task, array: int) -> str:
    if not array:
        return "NULL"
    shown = []
    try:
        for i in range(5):
            ptr = int.from_bytes(copy_from_user(t.mm, array + 8 * i, 8), "little")
            if not ptr:
                break
            shown.append(quote(strncpy_from_user(t.mm, ptr, 4096)) if i < 4 else "...")
    except Errno:
        return f"{array:#x}"
    return "[" + ", ".join(shown) + "]"


def _param(t: Task, p: Param, value: int, proto: Prototype, args: tuple[int, ...], ret: int) -> str:
    kind = p.type
    if p.is_user_pointer:
        if not value:
            return "NULL"
        try:
            if kind == "const char __user *const __user *":
                return _strings(t, value)
            if kind == "const char __user *" and p.name != "buf":
                return quote(strncpy_from_user(t.mm, value, 4096))
            if p.name == "buf" and "char" in kind:
                # The data: what was written, or what a read returned.
                count = args[[q.name for q in proto.params].index("buf") + 1]
                size = count if kind.startswith("const") else ret
                if size >= 0:
                    return quote(copy_from_user(t.mm, value, min(size, STRING_LIMIT + 1)))
        except Errno:
            pass
        return f"{value:#x}"
    if p.name in ("dfd", "olddfd", "newdfd") and _signed(value, 32) == AT_FDCWD:
        return "AT_FDCWD"
    if p.name == "flags" and proto.name in ("sys_open", "sys_openat"):
        return _open_flags(value & 0xFFFFFFFF)
    if p.name == "mode" and kind == "umode_t":
        return f"0{value & 0o7777:o}" if value & 0o7777 else "0"
    words = kind.split()
    if "unsigned" in words or kind in ("size_t", "umode_t", "uid_t", "gid_t"):
        return str(value & 0xFFFFFFFF) if "int" in words or kind in ("unsigned", "uid_t", "gid_t") else str(value)
    if kind in ("int", "pid_t", "clockid_t"):
        return str(_signed(value, 32))
    if ("long" in words and "unsigned" not in words) or kind in ("off_t", "loff_t"):
        return str(_signed(value, 64))
    return hex(value) if value > 0xFFFF else str(value)


def _result(ret: int, entry_point: str) -> str:
    if -4095 <= ret < 0:
        name = host_errno.errorcode.get(-ret, str(-ret))
        return f"-1 {name} ({os.strerror(-ret)})"
    return hex(ret) if entry_point in ADDRESS_RESULTS else str(ret)


class Tracer:
    def __init__(self, prototypes: Mapping[str, Prototype], out: TextIO) -> None:
        self.prototypes = prototypes
        self.out = out

    def _line(self, t: Task, text: str) -> None:
        prefix = f"[pid {t.pid}] " if len(t.machine.tasks) > 1 else ""
        self.out.write(prefix + text + "\n")
        self.out.flush()

    def _call(self, t: Task, s: TableEntry, args: tuple[int, ...], ret: int) -> str:
        proto = self.prototypes.get(s.entry_point)
        if proto is None:
            shown = ", ".join(hex(a) for a in args)
        else:
            params = proto.params
            if proto.name in ("sys_open", "sys_openat"):  # the mode only matters with O_CREAT
                flags = args[[p.name for p in params].index("flags")]
                params = params if flags & 0o100 else params[:-1]
            shown = ", ".join(_param(t, p, v, proto, args, ret) for p, v in zip(params, args, strict=False))
        return f"{s.name}({shown})"

    def __call__(self, s: TableEntry, handler: Handler) -> Handler:
        def traced(t: Task, a0: int, a1: int, a2: int, a3: int, a4: int, a5: int) -> int:
            args = (a0, a1, a2, a3, a4, a5)
            if s.noreturn:
                self._line(t, self._call(t, s, args, 0) + " = ?")
            try:
                ret = handler(t, *args)
            except Errno as exc:
                ret = -exc.errno
                self._line(t, self._call(t, s, args, ret) + " = " + _result(ret, s.entry_point))
                raise
            if not s.noreturn:
                self._line(t, self._call(t, s, args, ret) + " = " + _result(ret, s.entry_point))
            return ret

        return traced
