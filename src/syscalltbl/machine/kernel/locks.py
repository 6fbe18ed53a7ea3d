"""File locks (fs/locks.c): POSIX record locks, open-file-description (OFD) locks, and flock locks.

Every lock lives in the machine, on the inode it locks (`Inode.locks`), never
on the host: a lock on a file of the host root locks only the machine's view
of it. While an inode has locks the machine's LockTable holds it, so a host
inode stays the same object (and its lock state with it) for as long as any
process relies on a lock of it.

Owners, as on Linux:
  - a POSIX lock (F_SETLK) belongs to a process's descriptor table (the
    files_struct: threads sharing it share locks; a forked child has its own
    table, so it inherits none); any close of a descriptor of the file by
    that table releases all of the table's locks on the file;
  - an OFD lock (F_OFD_SETLK) belongs to the open file description, shared
    across dup and fork, released when its last descriptor closes; OFD and
    POSIX locks are the same kind of range lock and conflict with each other;
  - a flock lock belongs to the open file description too, and is
    independent of the range locks.

A blocked request is a Sleep whose ready() is "no lock conflicts now"; the
call runs again when it holds (there is no queue to hand locks over, as Linux
wakes every waiter and lets them race). A process blocked on a POSIX lock is
recorded as a waiter, so that a request that would close a cycle of POSIX
waiters is answered EDEADLK (posix_locks_deadlock, at most
MAX_DEADLOCK_STEPS owners deep).

Each lock is charged LOCK_BYTES of the machine's RAM (ram.slab), as
locks_alloc_lock takes them from a slab cache, and all of them together may
take an eighth of RAM: a program that makes millions of ranges gets ENOLCK,
and the host's memory stays bounded.
"""

from __future__ import annotations

import bisect
import os
from typing import TYPE_CHECKING, Final

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.uapi.errno import EAGAIN, EDEADLK, ENOLCK, Errno
from syscalltbl.machine.uapi.fcntl import F_UNLCK, F_WRLCK
from syscalltbl.store.record import Value

if TYPE_CHECKING:
    from syscalltbl.machine.hw.physmem import PhysicalMemory
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.kernel.vfs import FdTable, Inode, OpenFile

OFFSET_MAX: Final = (1 << 63) - 1
#: What a lock costs the host (its Python object and list slot), charged to RAM as a kernel object.
LOCK_BYTES: Final = 256
#: Locks may take at most this fraction of RAM (1/8): a program that fills it with ranges is told ENOLCK while
#: RAM still has room for its own pages, rather than being killed for memory at its next page fault.
LOCK_RAM_SHARE: Final = 8
#: posix_locks_deadlock's MAX_DEADLK_ITERATIONS: how far a chain of waiting owners is followed.
MAX_DEADLOCK_STEPS: Final = 10


class RangeLock:
    """A POSIX or OFD lock of bytes [start, end] (end inclusive; OFFSET_MAX: to the end of the file, and beyond)."""

    __slots__ = ("end", "kind", "ofd", "owner", "pid", "start")

    def __init__(self, owner: object, kind: int, start: int, end: int, pid: int, *, ofd: bool) -> None:
        self.owner, self.kind, self.start, self.end, self.pid, self.ofd = owner, kind, start, end, pid, ofd

    def overlaps(self, other: RangeLock) -> bool:
        return self.start <= other.end and other.start <= self.end


class FlockLock:
    """A flock(2) lock of a whole file: F_RDLCK for LOCK_SH, F_WRLCK for LOCK_EX."""

    __slots__ = ("kind", "owner", "pid")

    def __init__(self, owner: OpenFile, kind: int, pid: int) -> None:
        self.owner, self.kind, self.pid = owner, kind, pid


class InodeLocks:
    """The locks of one inode (struct file_lock_context).

    Range locks are grouped by owner, in the order the owners took their
    first lock (as Linux's list keeps them, which decides what F_GETLK
    reports first); each owner's are disjoint and sorted, so a request
    finds what it touches by bisection however many ranges a program makes.
    """

    def __init__(self, table: LockTable, inode: Inode) -> None:
        self.table, self.inode = table, inode
        self.owned: dict[object, list[RangeLock]] = {}
        self.held = 0  # range locks, over all owners
        self.flocks: list[FlockLock] = []

    @property
    def ranges(self) -> list[RangeLock]:
        """Every range lock, in list order (for /proc/locks and the fuzzer's checks)."""
        return [held for mine in self.owned.values() for held in mine]

    def count(self) -> int:
        return self.held + len(self.flocks)

    def _overlapping(self, mine: list[RangeLock], start: int, end: int) -> list[RangeLock]:
        """Which of one owner's (sorted, disjoint) ranges overlap [start, end]."""
        first = bisect.bisect_left(mine, start, key=lambda held: held.end)
        last = bisect.bisect_right(mine, end, key=lambda held: held.start)
        return mine[first:last]

    def _first(self, request: RangeLock, *, own: bool) -> RangeLock | None:
        for owner, mine in self.owned.items():
            if (owner is request.owner) != own:
                continue
            for held in self._overlapping(mine, request.start, request.end):
                if own or F_WRLCK in (held.kind, request.kind):
                    return held
        return None

    def conflict(self, request: RangeLock) -> RangeLock | None:
        """The first lock that keeps `request` from being taken (posix_locks_conflict), or None."""
        if request.kind == F_UNLCK:
            return None
        return self._first(request, own=False)

    def test(self, request: RangeLock) -> RangeLock | None:
        """F_GETLK's answer: the first lock that would block `request`.

        For F_OFD_GETLK with F_UNLCK, the caller's own overlapping lock (posix_test_locks_conflict).
        """
        return self._first(request, own=request.kind == F_UNLCK)

    def apply(self, request: RangeLock) -> None:
        """posix_lock_inode without the conflict check: the owner's ranges merged, split or cut by `request`.

        Overlapping or adjacent ranges of the same type merge into one;
        a range of the other type keeps only what lies outside the request.
        ENOLCK, with nothing changed, if the ranges it adds do not fit in RAM.
        """
        owner = request.owner
        mine = self.owned.get(owner, [])
        start, end = request.start, request.end
        # The ranges that overlap the request or touch it end to end: the only ones it can change.
        first = bisect.bisect_left(mine, start - 1, key=lambda held: held.end)
        last = bisect.bisect_right(mine, end + 1, key=lambda held: held.start)
        kept: list[RangeLock] = []
        for held in mine[first:last]:
            if held.kind == request.kind:
                start, end = min(start, held.start), max(end, held.end)  # merged into the request
            elif held.overlaps(request):
                if held.start < request.start:
                    kept.append(RangeLock(owner, held.kind, held.start, request.start - 1, held.pid, ofd=held.ofd))
                if held.end > request.end:
                    kept.append(RangeLock(owner, held.kind, request.end + 1, held.end, held.pid, ofd=held.ofd))
            else:
                kept.append(held)  # only adjacent, of the other type
        if request.kind != F_UNLCK:
            kept.append(RangeLock(owner, request.kind, start, end, request.pid, ofd=request.ofd))
        kept.sort(key=lambda held: held.start)
        change = len(kept) - (last - first)
        self.table.charge(change)
        mine[first:last] = kept
        self.held += change
        if mine:
            self.owned[owner] = mine
        else:
            self.owned.pop(owner, None)
        self.table.settle(self)

    def remove_owned(self, owner: object) -> None:
        """Every range lock of `owner` goes (a close, an exit): locks_remove_posix."""
        mine = self.owned.pop(owner, None)
        if mine:
            self.held -= len(mine)
            self.table.charge(-len(mine))
            self.table.settle(self)

    def flock_of(self, owner: OpenFile) -> FlockLock | None:
        return next((held for held in self.flocks if held.owner is owner), None)

    def drop_flock(self, held: FlockLock) -> None:
        self.flocks.remove(held)
        self.table.charge(-1)
        self.table.settle(self)

    def add_flock(self, owner: OpenFile, kind: int, pid: int) -> None:
        self.table.charge(1)
        self.flocks.append(FlockLock(owner, kind, pid))
        self.table.settle(self)

    def flock_conflict(self, owner: OpenFile, kind: int) -> bool:
        """flock_locks_conflict: another description's lock, one of the two exclusive."""
        return any(held.owner is not owner and F_WRLCK in (held.kind, kind) for held in self.flocks)


class Waiter(Value):
    """A task asleep in F_SETLKW for `request` on `locks` (an entry of Linux's blocked_hash)."""

    locks: InodeLocks
    request: RangeLock
    sleep: Sleep

    __slots__ = _fields = ("locks", "request", "sleep")

    def __init__(self, locks: InodeLocks, request: RangeLock, sleep: Sleep) -> None:
        self.locks = locks
        self.request = request
        self.sleep = sleep


class LockTable:
    """The machine's locks: the inodes holding some (so they stay alive), the waiters, and what they cost."""

    def __init__(self, ram: PhysicalMemory | None) -> None:
        self.ram = ram
        self.inodes: dict[Inode, InodeLocks] = {}
        self.waiters: dict[Task, Waiter] = {}
        self.total = 0  # locks held, charged LOCK_BYTES each
        #: /proc/locks as last rendered, until a lock changes: a program reading it a page at a time
        #: renders it once, not once a read (which made reading 1/8 of RAM's worth of locks take hours).
        self.rendered: bytes | None = None

    def of(self, inode: Inode) -> InodeLocks:
        """The inode's lock state, made on first use."""
        if inode.locks is None:
            inode.locks = InodeLocks(self, inode)
        return inode.locks

    def charge(self, count: int) -> None:
        """`count` more locks (fewer if negative); ENOLCK if more do not fit in RAM."""
        if self.ram is not None:
            over = (self.total + count) * LOCK_BYTES > self.ram.frames * PAGE_SIZE // LOCK_RAM_SHARE
            if count > 0 and (over or not self.ram.slab_fits(count * LOCK_BYTES)):
                raise Errno(ENOLCK)
            self.ram.slab_charge(count * LOCK_BYTES)
        self.total += count

    def settle(self, locks: InodeLocks) -> None:
        """Keep the inode while it has locks; forget it when it has none. /proc/locks changes."""
        self.rendered = None
        if locks.count():
            self.inodes[locks.inode] = locks
        else:
            self.inodes.pop(locks.inode, None)

    def prune(self) -> None:
        """Forget the waiters that are gone (killed in their wait) or no longer in it: they held their tasks."""
        gone = [task for task, waiter in self.waiters.items()
                if task.status is not None or task.sleep is not waiter.sleep]
        for task in gone:
            del self.waiters[task]

    def waiting_for(self, owner: object) -> RangeLock | None:
        """what_owner_is_waiting_for: the lock a POSIX waiter of `owner` is blocked on now, if one is."""
        for task, waiter in self.waiters.items():
            if waiter.request.owner is owner and task.sleep is waiter.sleep and task.status is None:
                blocker = waiter.locks.conflict(waiter.request)
                if blocker is not None:
                    return blocker
        return None

    def deadlock(self, request: RangeLock, blocker: RangeLock) -> bool:
        """posix_locks_deadlock: would waiting for `blocker` close a cycle back to `request`'s owner?"""
        if request.ofd:
            return False
        step: RangeLock | None = blocker
        for _ in range(MAX_DEADLOCK_STEPS):
            step = self.waiting_for(step.owner) if step is not None else None
            if step is None:
                return False
            if step.owner is request.owner:
                return True
        return False


def set_range_lock(task: Task, locks: InodeLocks, request: RangeLock, *, wait: bool) -> None:
    """F_SETLK / F_SETLKW (and the OFD ones): take, change or drop `request`; EAGAIN, EDEADLK, or Sleep."""
    table = locks.table
    table.waiters.pop(task, None)  # running again: no longer a waiter
    table.prune()
    blocker = locks.conflict(request)
    if blocker is None:
        locks.apply(request)
        return
    if not wait:
        raise Errno(EAGAIN)
    if table.deadlock(request, blocker):
        raise Errno(EDEADLK)

    def interrupted() -> int | None:
        table.waiters.pop(task, None)
        return None

    sleep = Sleep(lambda: locks.conflict(request) is None, on_interrupt=interrupted)
    if not request.ofd:
        table.waiters[task] = Waiter(locks, request, sleep)
    raise sleep


def set_flock(task: Task, locks: InodeLocks, f: OpenFile, kind: int, *, wait: bool) -> None:
    """flock_lock_inode: a conversion drops the old lock first (as on Linux, not atomically), then waits."""
    held = locks.flock_of(f)
    if held is not None:
        if held.kind == kind:
            return
        locks.drop_flock(held)
    if kind == F_UNLCK:
        return
    if locks.flock_conflict(f, kind):
        if not wait:
            raise Errno(EAGAIN)
        raise Sleep(lambda: not locks.flock_conflict(f, kind))
    locks.add_flock(f, kind, task.pid)


def release_owner_locks(owner: FdTable, inode: Inode) -> None:
    """A descriptor of `inode` closed in `owner`'s table: the table's POSIX locks on it go (filp_close)."""
    if inode.locks is not None and inode.locks.held:
        inode.locks.remove_owned(owner)


def release_file_locks(f: OpenFile) -> None:
    """The open file description's last reference went: its OFD and flock locks go (locks_remove_file)."""
    locks = f.inode.locks
    if locks is None:
        return
    locks.remove_owned(f)
    held = locks.flock_of(f)
    if held is not None:
        locks.drop_flock(held)


def describe(table: LockTable, dev: int) -> bytes:
    """/proc/locks: one line per lock as lock_get_status prints it, the newest first as Linux lists them.

    `dev`: the st_dev of the machine's files, which the lines name as MAJOR:MINOR:INODE.
    """
    if table.rendered is None:
        table.rendered = _render(table, f"{os.major(dev):02x}:{os.minor(dev):02x}")
    return table.rendered


def _render(table: LockTable, device: str) -> bytes:
    held: list[str] = []
    for inode, locks in table.inodes.items():
        where = f"{device}:{inode.ino}"
        for lock in locks.flocks:
            held.append(f"FLOCK  ADVISORY  {_mode(lock.kind)} {lock.pid} {where} 0 EOF")
        for rng in locks.ranges:
            kind = "OFDLCK" if rng.ofd else "POSIX "
            end = "EOF" if rng.end == OFFSET_MAX else str(rng.end)
            held.append(f"{kind} ADVISORY  {_mode(rng.kind)} {-1 if rng.ofd else rng.pid} {where} {rng.start} {end}")
    return "".join(f"{number}: {line}\n" for number, line in enumerate(reversed(held), 1)).encode()


def _mode(kind: int) -> str:
    return "WRITE" if kind == F_WRLCK else "READ"
