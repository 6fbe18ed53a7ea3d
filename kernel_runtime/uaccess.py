"""copy_from_user, copy_to_user, strncpy_from_user (arch/x86/include/asm/uaccess.h).

Every user pointer is checked twice, as in the kernel: access_ok() rejects
the kernel half outright, and the page walk rejects what ring 3 itself could
not touch (absent, supervisor-only, or read-only for a write). Either way
the caller gets EFAULT, never a host exception.
"""

from __future__ import annotations

from syscalltbl.generators.x86_64.abi import PAGE_SIZE, TASK_SIZE_MAX
from syscalltbl.kernel_runtime.errnos import EFAULT, Errno
from syscalltbl.kernel_runtime.paging import AddressSpace


def access_ok(addr: int, size: int) -> bool:
    return 0 <= size <= TASK_SIZE_MAX and 0 <= addr <= TASK_SIZE_MAX - size


def _frames(mm: AddressSpace, addr: int, size: int, write: bool) -> list[tuple[int, int]]:
    """(physical address, length) pieces of a user range, or EFAULT."""
    if not access_ok(addr, size):
        raise Errno(EFAULT)
    pieces = []
    while size:
        pa = mm.user_frame(addr, write)
        if pa is None:
            raise Errno(EFAULT)
        chunk = min(size, PAGE_SIZE - (addr & (PAGE_SIZE - 1)))
        pieces.append((pa, chunk))
        addr += chunk
        size -= chunk
    return pieces


def copy_from_user(mm: AddressSpace, addr: int, size: int) -> bytes:
    mem = mm.ram.mem
    return b"".join(mem[pa : pa + n] for pa, n in _frames(mm, addr, size, False))


def copy_to_user(mm: AddressSpace, addr: int, data: bytes | bytearray | memoryview) -> None:
    mem = mm.ram.mem
    view = memoryview(data).cast("B")
    done = 0
    # All pieces are checked before the first byte is written.
    for pa, n in _frames(mm, addr, len(view), True):
        mem[pa : pa + n] = view[done : done + n]
        done += n


def strncpy_from_user(mm: AddressSpace, addr: int, count: int) -> bytes:
    """The string at `addr` without its NUL, at most `count` bytes."""
    out = bytearray()
    while len(out) < count:
        if not access_ok(addr, 1):
            raise Errno(EFAULT)
        pa = mm.user_frame(addr, False)
        if pa is None:
            raise Errno(EFAULT)
        chunk = min(count - len(out), PAGE_SIZE - (addr & (PAGE_SIZE - 1)))
        piece = mm.ram.mem[pa : pa + chunk]
        end = bytes(piece).find(0)
        if end >= 0:
            out += piece[:end]
            return bytes(out)
        out += piece
        addr += chunk
    return bytes(out)


def user_range(mm: AddressSpace, addr: int, size: int, *, write: bool) -> None:
    """EFAULT unless all of the range is accessible: check before side effects."""
    _frames(mm, addr, size, write)
