"""File leases (fs/locks.c: F_SETLEASE, F_GETLEASE, break_lease).

A read lease is granted to a file open read-only that no one has open
for writing; a write lease to the only open of the file. An open that
conflicts (one for writing breaks any lease, one for reading a write
lease) or a truncate breaks it: the holder is signalled (SIGIO, or
F_SETSIG's signal) and given /proc/sys/fs/lease-break-time seconds to
downgrade or give up the lease, while the breaker waits (EWOULDBLOCK with
O_NONBLOCK); past that time the lease is downgraded or removed for it.
"""

from __future__ import annotations

import stat
import time
import weakref
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel import fown
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.uapi.capability import CAP_LEASE
from syscalltbl.machine.uapi.errno import EACCES, EAGAIN, EINVAL, Errno
from syscalltbl.machine.uapi.fcntl import F_RDLCK, F_UNLCK, F_WRLCK, O_ACCMODE, O_NONBLOCK, O_RDONLY
from syscalltbl.machine.uapi.fown import F_OWNER_PID, POLL_MSG
from syscalltbl.store.record import Value

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.kernel.vfs import Inode, OpenFile


class Lease(Value):
    file_ref: weakref.ref[OpenFile]  # weakly: a lease keeps no file (nor its machine) alive
    fd: int  # the descriptor it was set through: si_fd of its break signal
    kind: int  # F_RDLCK or F_WRLCK
    target: int | None  # while broken: what it must become (F_RDLCK or F_UNLCK)
    deadline: float  # while broken: when the machine does it for the holder

    __slots__ = _fields = ("file_ref", "fd", "kind", "target", "deadline")

    def __init__(
        self,
        file_ref: weakref.ref[OpenFile],
        fd: int,
        kind: int,
        target: int | None = None,
        deadline: float = 0.0,
    ) -> None:
        self.file_ref = file_ref
        self.fd = fd
        self.kind = kind
        self.target = target
        self.deadline = deadline

    @property
    def file(self) -> OpenFile | None:
        return self.file_ref()


_leases: weakref.WeakKeyDictionary[Inode, list[Lease]] = weakref.WeakKeyDictionary()
#: The tasks waiting in break_lease to write an inode (an open for writing, a truncate): Linux counts them in
#: i_writecount already (do_dentry_open takes write access before it breaks leases), so no read lease is
#: granted meanwhile, not even the downgrade of the lease being broken.
_waiting_writers: weakref.WeakKeyDictionary[Inode, weakref.WeakSet[Task]] = weakref.WeakKeyDictionary()


def _open_counts(t: Task, inode: Inode) -> tuple[int, int]:
    """i_writecount and i_readcount: the open files of the inode for writing, and read-only."""
    files = {id(f): f for task in t.machine.tasks.values() for f, _ in task.files.fds.values() if f.inode is inode}
    writers = sum(1 for f in files.values() if f.writable())
    if any(lease.target is not None for lease in _leases.get(inode, [])):  # a break is under way
        writers += sum(1 for task in _waiting_writers.get(inode, ()) if task.status is None)
    readers = sum(1 for f in files.values() if f.readable() and not f.writable())
    return writers, readers


def get_lease(f: OpenFile) -> int:
    """F_GETLEASE: the file's lease, or what a break is taking it to."""
    for lease in _leases.get(f.inode, []):
        if lease.file is f:
            return lease.kind if lease.target is None else lease.target
    return F_UNLCK


def set_lease(t: Task, f: OpenFile, fd: int, kind: int) -> int:
    """F_SETLEASE (fcntl_setlease -> generic_setlease)."""
    if kind not in (F_RDLCK, F_WRLCK, F_UNLCK):
        raise Errno(EINVAL)
    inode = f.inode
    held = _leases.get(inode, [])
    mine = next((lease for lease in held if lease.file is f), None)
    if kind == F_UNLCK:
        if mine is None:
            raise Errno(EAGAIN)  # generic_delete_lease: no lease of this file to remove
        _remove(inode, mine)
        return 0
    if t.cred.fsuid != inode.uid and not t.cred.capable(CAP_LEASE):
        raise Errno(EACCES)
    if not stat.S_ISREG(inode.mode):
        raise Errno(EINVAL)
    writers, readers = _open_counts(t, inode)
    if kind == F_RDLCK and writers:
        raise Errno(EAGAIN)  # check_conflicting_open: someone (maybe this very file) writes
    if kind == F_WRLCK and (writers, readers) != ((1, 0) if f.writable() else (0, 1)):
        raise Errno(EAGAIN)  # only this open may be there
    for lease in held:
        if lease is mine:
            continue
        if kind == F_WRLCK or lease.kind == F_WRLCK or lease.target is not None:
            raise Errno(EAGAIN)
    if mine is not None:  # lease_modify: a break still pending is not undone by going up
        mine.kind, mine.fd = kind, fd
        if mine.target is not None and kind == F_RDLCK == mine.target:
            mine.target = None  # the downgrade the break asked for
        return 0
    _leases.setdefault(inode, []).append(Lease(weakref.ref(f), fd, kind))
    fown.set_owner(f, F_OWNER_PID, t.pid, t)  # the lease's signal goes to the process that took it
    return 0


def _remove(inode: Inode, lease: Lease) -> None:
    held = _leases.get(inode, [])
    if lease in held:
        held.remove(lease)
    if not held:
        _leases.pop(inode, None)


def release_lease(f: OpenFile) -> None:
    """The file's last close gives its lease up (locks_remove_file)."""
    held = _leases.get(f.inode)
    if held:
        for lease in [lease for lease in held if lease.file is f]:
            _remove(f.inode, lease)


def _conflicts(inode: Inode, write: bool) -> list[Lease]:
    return [lease for lease in _leases.get(inode, [])
            if lease.file is not None and (write or lease.kind == F_WRLCK)]


def break_lease(t: Task, inode: Inode, flags: int) -> None:
    """__break_lease: an open with `flags` (or a truncate, as O_WRONLY) of `inode`. Conflicting leases are
    broken (their holders signalled once) and the caller waits until they are gone or their time is up."""
    if inode not in _leases:
        return
    write = flags & O_ACCMODE != O_RDONLY
    now = time.monotonic()
    for lease in _conflicts(inode, write):
        if lease.target is None:
            lease.target = F_UNLCK if write or lease.kind == F_RDLCK else F_RDLCK
            lease.deadline = now + max(t.machine.sysctl.lease_break_time, 0)
            holder = lease.file
            if holder is not None:
                fown.send_sigio(t.machine.tasks, holder, lease.fd, POLL_MSG)
        elif lease.deadline <= now:
            _expire(inode, lease)
    left = _conflicts(inode, write)
    waiting = _waiting_writers.get(inode)
    if not left or flags & O_NONBLOCK:
        if waiting is not None:
            waiting.discard(t)
            if not waiting:
                del _waiting_writers[inode]
        if left:
            raise Errno(EAGAIN)  # EWOULDBLOCK
        return
    if write:
        _waiting_writers.setdefault(inode, weakref.WeakSet()).add(t)
    deadline = min(lease.deadline for lease in left)
    raise Sleep(lambda: not _conflicts(inode, write) or time.monotonic() >= deadline, deadline)


def _expire(inode: Inode, lease: Lease) -> None:
    """time_out_leases: the holder did not act in time; the machine downgrades or removes the lease."""
    if lease.target == F_RDLCK:
        lease.kind, lease.target = F_RDLCK, None
    else:
        _remove(inode, lease)
