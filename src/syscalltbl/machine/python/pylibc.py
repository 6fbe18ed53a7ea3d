"""What the generated libc-style wrappers (syscalltbl.libc) call: argument kinds, backends, errors.

A wrapper turns each pointer argument into one of the kinds below and hands
the system-call number and arguments to the current backend, which returns
the kernel's raw result (-errno for an error). Two backends:

- Native: the host kernel, through libc's syscall(2) via ctypes. Buffers are
  passed in place (a writable one is written by the host kernel directly).
- machine.python.pyprocess.EmulatedBackend: a process of the emulated
  machine; each call copies its arguments into that process's memory and
  runs the generated user stub in ring 3.
"""

from __future__ import annotations

import ctypes
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn, Protocol

Buffer = bytes | bytearray | memoryview
WBuffer = bytearray | memoryview
PathArg = str | bytes | os.PathLike[str] | os.PathLike[bytes]
MAX_ERRNO = 4095


@dataclass(frozen=True, slots=True)
class In:
    """A pointer to bytes the kernel only reads."""

    data: memoryview


@dataclass(frozen=True, slots=True)
class Out:
    """A pointer to `size` bytes the kernel may write (and read first)."""

    buf: memoryview
    size: int


@dataclass(frozen=True, slots=True)
class Vec:
    """A `struct iovec` array; `out`: the kernel writes the buffers."""

    bufs: tuple[memoryview, ...]
    out: bool


@dataclass(frozen=True, slots=True)
class Strings:
    """A NULL-terminated array of NUL-terminated strings (argv, envp)."""

    items: tuple[bytes, ...]


Arg = int | In | Out | Vec | Strings


class Backend(Protocol):
    def syscall(self, nr: int, args: tuple[Arg, ...]) -> int:
        """Run system call `nr`; the kernel's result, -errno for an error."""
        ...


def _bytes_view(buf: Buffer) -> memoryview:
    return memoryview(buf).cast("B")


def buf_in(buf: Buffer | None, size: int) -> Arg:
    if buf is None:
        return 0
    view = _bytes_view(buf)
    if size > len(view):
        raise ValueError(f"buffer of {len(view)} bytes, but the call reads {size}")
    return In(view)


def buf_out(buf: WBuffer | None, size: int) -> Arg:
    if buf is None:
        return 0
    view = _bytes_view(buf)
    if view.readonly:
        raise TypeError("the kernel writes this buffer: pass a bytearray or a writable memoryview")
    if size > len(view):
        raise ValueError(f"buffer of {len(view)} bytes, but the call may write {size}")
    return Out(view, max(size, 0))


def _cstring(p: PathArg) -> bytes:
    raw = os.fsencode(p)
    if b"\0" in raw:
        raise ValueError("embedded null byte")  # as os.open says
    return raw + b"\0"


def path(p: PathArg | None) -> Arg:
    return 0 if p is None else In(memoryview(_cstring(p)))


def paths(items: Sequence[PathArg] | None) -> Arg:
    return 0 if items is None else Strings(tuple(_cstring(p) for p in items))


def iov_in(bufs: Sequence[Buffer]) -> Arg:
    return Vec(tuple(_bytes_view(b) for b in bufs), out=False)


def iov_out(bufs: Sequence[WBuffer]) -> Arg:
    views = tuple(_bytes_view(b) for b in bufs)
    if any(v.readonly for v in views):
        raise TypeError("readv writes its buffers: pass bytearrays or writable memoryviews")
    return Vec(views, out=True)


# -- the current backend --

_backend: Backend | None = None


def use(backend: Backend | None) -> Backend | None:
    """Send every later call to `backend` (None: the host); returns the previous one."""
    global _backend
    previous, _backend = _backend, backend
    return previous


def current() -> Backend:
    global _backend
    if _backend is None:
        _backend = Native()
    return _backend


def call(nr: int, *args: Arg) -> int:
    if len(args) > 6:
        raise TypeError(f"system call {nr}: at most 6 arguments, got {len(args)}")
    ret = current().syscall(nr, args)
    if -MAX_ERRNO <= ret < 0:
        raise OSError(-ret, os.strerror(-ret))
    return ret


def call_noreturn(nr: int, *args: Arg) -> NoReturn:
    call(nr, *args)
    raise RuntimeError(f"system call {nr} returned, but the table marks it noreturn")


# -- the host kernel --


class _Iovec(ctypes.Structure):
    _fields_ = (("iov_base", ctypes.c_void_p), ("iov_len", ctypes.c_size_t))


class Native:
    """Real system calls on the host, by the generated table's numbers (x86-64 Linux only)."""

    def __init__(self) -> None:
        if sys.platform != "linux" or platform.machine() != "x86_64":
            raise OSError(f"the native backend needs x86-64 Linux, not {sys.platform}/{platform.machine()}")
        libc = ctypes.CDLL(None, use_errno=True)
        self._syscall = libc.syscall
        self._syscall.restype = ctypes.c_long
        self._syscall.argtypes = [ctypes.c_long] * 7

    def syscall(self, nr: int, args: tuple[Arg, ...]) -> int:
        keep: list[object] = []  # ctypes objects must outlive the call
        words = [self._word(a, keep) for a in args]
        words += [0] * (6 - len(words))
        ctypes.set_errno(0)
        ret: int = self._syscall(nr, *words)
        # syscall(2) folds -4095..-1 into -1 and errno; unfold it.
        return -ctypes.get_errno() if ret == -1 else ret

    @staticmethod
    def _address(view: memoryview, keep: list[object]) -> int:
        if not len(view):
            empty = ctypes.create_string_buffer(1)  # a valid address for a zero-length buffer
            keep.append(empty)
            return ctypes.addressof(empty)
        if view.readonly:
            copy = ctypes.create_string_buffer(view.tobytes(), len(view))  # ctypes cannot point into bytes
            keep.append(copy)
            return ctypes.addressof(copy)
        array = (ctypes.c_char * len(view)).from_buffer(view)
        keep.append(array)
        return ctypes.addressof(array)

    def _word(self, arg: Arg, keep: list[object]) -> int:
        if isinstance(arg, int):
            return arg - (1 << 64) if arg >= 1 << 63 else arg  # a c_long
        if isinstance(arg, In):
            return self._address(arg.data, keep)
        if isinstance(arg, Out):
            return self._address(arg.buf, keep)
        if isinstance(arg, Vec):
            vec = (_Iovec * max(len(arg.bufs), 1))()
            for i, view in enumerate(arg.bufs):
                vec[i].iov_base, vec[i].iov_len = self._address(view, keep), len(view)
            keep.append(vec)
            return ctypes.addressof(vec)
        strings = (ctypes.c_char_p * (len(arg.items) + 1))(*arg.items, None)
        keep.append(strings)
        return ctypes.addressof(strings)
