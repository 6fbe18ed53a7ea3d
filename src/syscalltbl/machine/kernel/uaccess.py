"""copy_from_user, copy_to_user, strncpy_from_user (arch/x86/include/asm/uaccess.h).

Every user pointer is checked twice, as in the kernel: access_ok() rejects
the kernel half outright, and the areas (VMAs) must allow the access over
the whole range. Either way the caller gets EFAULT, never a host exception.
Both checks come before any page is touched and before any host buffer is
sized from the caller's length, so a length of 2**40 costs one walk over the
areas. A page of anonymous memory never touched reads as zeros without being
given a frame (the kernel maps its zero page for that), a file's page is
read in from its page cache; a write pages it in, and a page that
cannot be had because RAM is exhausted is EFAULT as well, as a kernel-mode
fault that finds no memory is (arch/x86/mm/fault.c).
"""

from __future__ import annotations

from collections.abc import Iterator

from syscalltbl.generators.x86_64.abi import PAGE_SIZE, TASK_SIZE_MAX
from syscalltbl.machine.hw.paging import AddressSpace
from syscalltbl.machine.kernel.mm import Mm
from syscalltbl.machine.uapi.errno import EFAULT, Errno

_ZERO_PAGE = bytes(PAGE_SIZE)


def access_ok(addr: int, size: int) -> bool:
    return 0 <= size <= TASK_SIZE_MAX and 0 <= addr <= TASK_SIZE_MAX - size


def user_extent(mm: AddressSpace, addr: int, size: int, *, write: bool) -> int:
    """How many bytes from `addr`, at most `size`, a copy could move before it faults.

    The caller has checked access_ok. Nothing is paged in: a process's areas
    decide; an address space without areas has only its page tables.
    """
    if isinstance(mm, Mm):
        return mm.accessible(addr, addr + size, write)
    done = 0
    for va, n in _pages(addr, size):
        if mm.user_frame(va, write) is None:
            break
        done += n
    return done


def _check(mm: AddressSpace, addr: int, size: int, write: bool) -> None:
    if not access_ok(addr, size) or user_extent(mm, addr, size, write=write) < size:
        raise Errno(EFAULT)


def _pages(addr: int, size: int) -> Iterator[tuple[int, int]]:
    """(address, length) pieces of [addr, addr + size), none crossing a page boundary."""
    end = addr + size
    while addr < end:
        n = min(end - addr, PAGE_SIZE - (addr & (PAGE_SIZE - 1)))
        yield addr, n
        addr += n


def _source(mm: AddressSpace, va: int, n: int) -> memoryview | bytes:
    """The `n` bytes at `va` (one page at most), read as ring 3 would, without paging anything in."""
    pa = AddressSpace.user_frame(mm, va, False)  # not Mm's: reading anonymous memory must not allocate
    if pa is not None:
        return mm.ram.mem[pa : pa + n]
    if isinstance(mm, Mm) and not mm.lookup(va) and mm.accessible(va, va + 1, False):
        page = va & ~(PAGE_SIZE - 1)
        if (mm.guards and page in mm.guards) or (mm.poisoned and page in mm.poisoned):
            raise Errno(EFAULT)  # a guard's or a poison's marker: no page to read
        vma = mm.find_vma(va)
        if vma is None or vma.backing is None:
            return _ZERO_PAGE[:n]
        # A page of a file (or of shared memory) reads what the file holds: paged in from its cache.
        pa = mm.user_frame(va, False)
        if pa is not None:
            return mm.ram.mem[pa : pa + n]
    raise Errno(EFAULT)


def copy_from_user(mm: AddressSpace, addr: int, size: int) -> bytes:
    _check(mm, addr, size, False)
    return b"".join(_source(mm, va, n) for va, n in _pages(addr, size))


def copy_to_user(mm: AddressSpace, addr: int, data: bytes | bytearray | memoryview) -> None:
    ram = mm.ram
    mem = ram.mem
    view = memoryview(data).cast("B")
    _check(mm, addr, len(view), True)
    done = 0
    for va, n in _pages(addr, len(view)):
        pa = mm.user_frame(va, True)
        if pa is None:
            raise Errno(EFAULT)  # the area allows it, but no frame was left for the page
        mem[pa : pa + n] = view[done : done + n]
        if pa & ~(PAGE_SIZE - 1) in ram.code_frames:
            ram.stale_code = True  # QEMU cannot see this write: its translations of the page go stale
        done += n


def strncpy_from_user(mm: AddressSpace, addr: int, count: int) -> bytes:
    """The string at `addr` without its NUL, at most `count` bytes."""
    out = bytearray()
    while len(out) < count:
        if not access_ok(addr, 1):
            raise Errno(EFAULT)
        chunk = min(count - len(out), PAGE_SIZE - (addr & (PAGE_SIZE - 1)))
        piece = _source(mm, addr, chunk)
        end = bytes(piece).find(0)
        if end >= 0:
            out += piece[:end]
            return bytes(out)
        out += piece
        addr += chunk
    return bytes(out)


def user_range(mm: AddressSpace, addr: int, size: int, *, write: bool) -> None:
    """EFAULT unless all of the range is accessible: check before side effects (nothing is paged in)."""
    _check(mm, addr, size, write)
