"""The fuzzer's well-formed lock calls, and the invariants of the machine's lock table.

Random words almost never make a struct flock fcntl accepts, so about half
of the fuzzer's fcntl calls are lock commands on one of its descriptors
(mostly descriptor 3, its regular file) with a struct flock it writes into
the scratch area: a valid type, whence, small start and length (zero: to
the end; negative: before the start), l_pid 0 as OFD commands want. Half of
its flock calls are a valid operation on one of its descriptors. The
processes it forks take non-blocking locks of the same file (they inherit
descriptor 3, and with it its open file description), so the fuzzer's own
F_SETLKW and blocking flock calls meet real contention; one nothing can
end is interrupted as any blocked call is (Fuzzer._interrupt).

After every call, `lock_problems` checks the table: each owner's ranges
sorted and disjoint, every owner still alive (a process's descriptor table
in use, an open file description still referenced), and the count charged
to RAM equal to the locks held.
"""

from __future__ import annotations

import random
import struct
from itertools import pairwise
from typing import TYPE_CHECKING, Final

from syscalltbl.machine.hw.physmem import OutOfMemory
from syscalltbl.machine.kernel.locks import LockTable
from syscalltbl.machine.kernel.vfs import FdTable, OpenFile
from syscalltbl.machine.uapi.fcntl import (  # fmt: skip
    F_GETLK,
    F_OFD_GETLK,
    F_OFD_SETLK,
    F_OFD_SETLKW,
    F_RDLCK,
    F_SETLK,
    F_SETLKW,
    F_UNLCK,
    F_WRLCK,
    FLOCK_FORMAT,
    LOCK_EX,
    LOCK_NB,
    LOCK_SH,
    LOCK_UN,
    SEEK_CUR,
    SEEK_END,
    SEEK_SET,
)

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.mm import Mm
    from syscalltbl.machine.machine import Machine

FLOCK: Final = struct.Struct(FLOCK_FORMAT)
PAGE: Final = 4096
#: Where the struct flock goes: the shaped calls' page of the scratch area, past fuzzshapes.Layout's data.
FLOCK_OFFSET: Final = PAGE + 0x500
COMMANDS: Final = (F_GETLK, F_SETLK, F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLK, F_OFD_SETLKW)
NONBLOCKING: Final = (F_SETLK, F_OFD_SETLK, F_GETLK)


class LockShaper:
    """fcntl lock commands and flock operations for the fuzzer (`scratch`: its scratch area)."""

    def __init__(self, rng: random.Random, scratch: int, file_fd: int) -> None:
        self.rng, self.flock, self.file_fd = rng, scratch + FLOCK_OFFSET, file_fd

    def _fd(self, fds: list[int]) -> int:
        rng = self.rng
        return self.file_fd if rng.randrange(4) or not fds else rng.choice(fds)

    def _struct(self, mm: Mm, *, ofd: bool) -> None:
        rng = self.rng
        kind = rng.choice((F_RDLCK, F_WRLCK, F_WRLCK, F_UNLCK)) if rng.randrange(20) else rng.randrange(8)
        whence = rng.choice((SEEK_SET, SEEK_SET, SEEK_CUR, SEEK_END))
        start = rng.choice((0, rng.randrange(64), rng.randrange(PAGE * 4)))
        length = rng.choice((0, rng.randrange(1, 64), -rng.randrange(1, 16), rng.randrange(PAGE)))
        mm.poke(self.flock, FLOCK.pack(kind, whence, start, length, 0 if ofd or rng.randrange(8) else 1))

    def fcntl(self, mm: Mm, fds: list[int], *, blocking: bool = True) -> list[int]:
        """fcntl(fd, a lock command, the struct flock it wrote)."""
        cmd = self.rng.choice(COMMANDS if blocking else NONBLOCKING)
        self._struct(mm, ofd=cmd in (F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW))
        return [self._fd(fds), cmd, self.flock, 0, 0, 0]

    def reshape(self, name: str, mm: Mm, fds: list[int], args: list[int]) -> list[int]:
        """Half of the fcntl and flock calls made well-formed; the random `args` otherwise.

        Drawn from this shaper's own generator, after the fuzzer drew the
        random words, so the fuzzer's sequence of calls is the same with it.
        """
        if name not in ("fcntl", "flock") or self.rng.randrange(2):
            return args
        try:
            return self.fcntl(mm, fds) if name == "fcntl" else self.flock_call(fds)
        except (ValueError, OutOfMemory):  # a call unmapped the scratch area, or RAM is full
            return args

    def flock_call(self, fds: list[int], *, blocking: bool = True) -> list[int]:
        """flock(fd, LOCK_SH, LOCK_EX or LOCK_UN, with LOCK_NB now and then, always when not `blocking`)."""
        rng = self.rng
        operation = rng.choice((LOCK_SH, LOCK_EX, LOCK_EX, LOCK_UN))
        if not blocking or rng.randrange(2):
            operation |= LOCK_NB
        return [self._fd(fds), operation, 0, 0, 0, 0]


def lock_problems(machine: Machine) -> list[str]:
    """What is wrong with the machine's lock table, if anything."""
    table: LockTable = machine.file_locks
    tables = {id(t.files) for t in machine.tasks.values() if t.status is None}
    problems: list[str] = []
    total = 0
    for inode, locks in table.inodes.items():
        if inode.locks is not locks or not locks.count():
            problems.append(f"locks: inode {inode.ino} is listed with {locks.count()} locks it does not hold")
        total += locks.count()
        owners: dict[int, list[tuple[int, int]]] = {}
        for held in locks.ranges:
            owners.setdefault(id(held.owner), []).append((held.start, held.end))
            alive = (isinstance(held.owner, FdTable) and id(held.owner) in tables) or (
                isinstance(held.owner, OpenFile) and held.owner.refs > 0)
            if not alive:
                problems.append(f"locks: inode {inode.ino} keeps a range lock of an owner that is gone")
        for spans in owners.values():
            if any(s > e for s, e in spans) or any(a[1] >= b[0] for a, b in pairwise(spans)):
                problems.append(f"locks: inode {inode.ino} has one owner's ranges unsorted or overlapping: {spans}")
        for flocked in locks.flocks:
            if flocked.owner.refs <= 0:
                problems.append(f"locks: inode {inode.ino} keeps a flock of a closed open file")
    if total != table.total:
        problems.append(f"locks: {table.total} locks charged, {total} held")
    return problems
