"""The fuzzer's well-formed calls: clone, clone3, futex, futex_waitv and mmap(MAP_SHARED).

Random words rarely get past these calls' first checks, so the fuzzer makes
them the way threaded programs do (clone and clone3 always, the others
about half the time): glibc's thread
flags with a stack in the scratch area, forks and vforks; futex operations on
words of the scratch area or of a shared mapping it made, with their current
value (so a wait blocks), a 1 ms timeout or none; shared anonymous and file
mappings. The exit signal is only ever 0 or SIGCHLD: any other one would
kill the fuzzer by default when the child ends, as Linux does.
"""

from __future__ import annotations

import random
import struct
from dataclasses import dataclass

from syscalltbl.machine.hw.physmem import OutOfMemory
from syscalltbl.machine.kernel.mm import Mm
from syscalltbl.machine.uapi.futex import (
    FUTEX2_PRIVATE,
    FUTEX2_SIZE_U32,
    FUTEX_BITSET_MATCH_ANY,
    FUTEX_CLOCK_REALTIME,
    FUTEX_LOCK_PI2,
    FUTEX_PRIVATE_FLAG,
    FUTEX_WAIT,
    FUTEX_WAIT_BITSET,
)
from syscalltbl.machine.uapi.mman import MAP_ANONYMOUS, MAP_SHARED, PROT_EXEC, PROT_NONE, PROT_READ, PROT_WRITE
from syscalltbl.machine.uapi.sched import (
    CLONE_CHILD_CLEARTID,
    CLONE_CHILD_SETTID,
    CLONE_CLEAR_SIGHAND,
    CLONE_DETACHED,
    CLONE_FILES,
    CLONE_FS,
    CLONE_PARENT,
    CLONE_PARENT_SETTID,
    CLONE_PIDFD,
    CLONE_SETTLS,
    CLONE_SIGHAND,
    CLONE_SYSVSEM,
    CLONE_THREAD,
    CLONE_VFORK,
    CLONE_VM,
    CSIGNAL,
)
from syscalltbl.machine.uapi.signal import SIGCHLD
from syscalltbl.machine.uapi.time import CLOCK_MONOTONIC

PAGE = 4096
#: glibc's pthread_create flags (sysdeps/unix/sysv/linux/createthread.c)
THREAD = (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM | CLONE_SETTLS
          | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID)  # fmt: skip
CLONE_BITS = (CLONE_VM, CLONE_FS, CLONE_FILES, CLONE_SIGHAND, CLONE_PIDFD, CLONE_VFORK, CLONE_PARENT, CLONE_THREAD,
              CLONE_SYSVSEM, CLONE_SETTLS, CLONE_PARENT_SETTID, CLONE_CHILD_CLEARTID, CLONE_DETACHED,
              CLONE_CHILD_SETTID, CLONE_CLEAR_SIGHAND)  # fmt: skip
SPAWNING = frozenset({"clone", "clone3", "fork", "vfork"})
_ARGS = struct.Struct("<11Q")  # struct clone_args, CLONE_ARGS_SIZE_VER2
_TIMESPEC = struct.Struct("<qq")
_WAITV = struct.Struct("<QQII")  # struct futex_waitv
_U32 = struct.Struct("<I")


@dataclass(frozen=True, slots=True)
class Layout:
    """Where in the fuzzer's scratch area the shaped calls keep their data."""

    scratch: int
    pages: int

    @property
    def words(self) -> int:  # futex words, 16 of them
        return self.scratch + PAGE

    @property
    def timeout(self) -> int:  # a timespec of 1 ms
        return self.scratch + PAGE + 0x100

    @property
    def clone_args(self) -> int:
        return self.scratch + PAGE + 0x200

    @property
    def waitv(self) -> int:  # struct futex_waitv[4]
        return self.scratch + PAGE + 0x300

    @property
    def tids(self) -> int:  # parent_tid, child_tid, pidfd words
        return self.scratch + PAGE + 0x400

    def stack(self, rng: random.Random) -> tuple[int, int]:
        """(lowest address, size) of a child's stack: one of the upper half's pages."""
        page = rng.randrange(self.pages // 2, self.pages)
        return self.scratch + page * PAGE, PAGE


class Shaper:
    """Arguments of the shaped calls, for one fuzzing process (its memory `mm`)."""

    def __init__(self, rng: random.Random, layout: Layout) -> None:
        self.rng = rng
        self.layout = layout
        self.shared_areas: list[tuple[int, int]] = []  # (start, length) of MAP_SHARED areas it mapped

    def prepare(self, mm: Mm) -> None:
        mm.poke(self.layout.timeout, _TIMESPEC.pack(0, 1_000_000))

    def _flags(self) -> int:
        rng = self.rng
        kind = rng.randrange(6)
        if kind < 2:
            flags = THREAD
        elif kind == 2:
            flags = SIGCHLD  # fork
        elif kind == 3:
            flags = CLONE_VM | CLONE_VFORK | SIGCHLD  # glibc's posix_spawn, vfork
        else:
            flags = 0
            for bit in CLONE_BITS:
                if rng.randrange(3) == 0:
                    flags |= bit
        return flags & ~CSIGNAL | rng.choice((0, SIGCHLD))

    def clone(self) -> list[int]:
        """clone(flags, newsp, parent_tid, child_tid, tls): x86-64's order."""
        low, size = self.layout.stack(self.rng)
        tids = self.layout.tids
        return [self._flags(), low + size, tids, tids + 4, self.layout.scratch + 2 * PAGE, 0]

    def clone3(self, mm: Mm) -> list[int]:
        flags = self._flags()
        low, size = self.layout.stack(self.rng)
        tids = self.layout.tids
        mm.poke(self.layout.clone_args, _ARGS.pack(flags & ~CSIGNAL, tids + 8, tids + 4, tids, flags & CSIGNAL,
                                                   low, size, self.layout.scratch + 2 * PAGE, 0, 0, 0))
        return [self.layout.clone_args, _ARGS.size, 0, 0, 0, 0]

    def futex_word(self) -> int:
        rng = self.rng
        if self.shared_areas and rng.randrange(2):
            start, length = rng.choice(self.shared_areas)
            return start + 4 * rng.randrange(min(length, PAGE) // 4)
        return self.layout.words + 4 * rng.randrange(16)

    def futex(self, mm: Mm) -> list[int]:
        """futex(uaddr, op, val, timeout or val2, uaddr2, val3)."""
        rng = self.rng
        uaddr, uaddr2 = self.futex_word(), self.futex_word()
        cmd = rng.randrange(FUTEX_LOCK_PI2 + 1)
        op = cmd | (FUTEX_PRIVATE_FLAG if rng.randrange(2) else 0) | (FUTEX_CLOCK_REALTIME if rng.randrange(4) == 0
                                                                       else 0)
        current = word_at(mm, uaddr)
        val = current if cmd in (FUTEX_WAIT, FUTEX_WAIT_BITSET) and rng.randrange(4) else rng.choice((0, 1, 2, 1 << 30))
        timeout = rng.choice((0, self.layout.timeout, self.layout.timeout, rng.randrange(4)))
        val3 = rng.choice((FUTEX_BITSET_MATCH_ANY, 1, 0, rng.getrandbits(32)))
        return [uaddr, op, val, timeout, uaddr2, val3]

    def futex_waitv(self, mm: Mm) -> list[int]:
        """futex_waitv(waiters, nr, flags, timeout, clockid): up to 4 waiters on current values."""
        rng = self.rng
        count = rng.randrange(1, 5)
        entries = b""
        for _ in range(count):
            word = self.futex_word()
            flags = FUTEX2_SIZE_U32 | (FUTEX2_PRIVATE if rng.randrange(2) else 0)
            entries += _WAITV.pack(word_at(mm, word), word, flags, 0)
        mm.poke(self.layout.waitv, entries)
        return [self.layout.waitv, count, 0, rng.choice((0, self.layout.timeout)), CLOCK_MONOTONIC, 0]

    def mmap_shared(self, fds: list[int]) -> list[int]:
        """mmap(addr, length, prot, MAP_SHARED[|MAP_ANONYMOUS], fd, offset)."""
        rng = self.rng
        length = PAGE * rng.randrange(1, 5)
        prot = rng.choice((PROT_READ | PROT_WRITE, PROT_READ | PROT_WRITE, PROT_READ, PROT_NONE,
                           PROT_READ | PROT_WRITE | PROT_EXEC))
        if fds and rng.randrange(2):
            return [0, length, prot, MAP_SHARED, rng.choice(fds), rng.choice((0, 0, PAGE))]
        return [0, length, prot, MAP_SHARED | MAP_ANONYMOUS, -1 & (1 << 64) - 1, 0]

    def mapped(self, args: list[int], result: int) -> None:
        """A shaped mmap returned `result`: a readable and writable success becomes a home for futex words."""
        if result % PAGE == 0 and 0 < result < 1 << 47 and args[2] & PROT_WRITE:
            self.shared_areas = [*self.shared_areas[-7:], (result, args[1])]


def word_at(mm: Mm, va: int) -> int:
    """The 32-bit word at `va` as the process would read it; 0 where it cannot (the call meets EFAULT)."""
    try:
        pa = mm.user_frame(va & ~(PAGE - 1), False)
    except OutOfMemory:  # the page was never touched, and RAM is full
        return 0
    return 0 if pa is None else _U32.unpack_from(mm.ram.mem, pa + va % PAGE)[0]
