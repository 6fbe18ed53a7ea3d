"""inotify instances (fs/notify/inotify/): a queue of events behind a descriptor, and its watches.

Each watch (a descriptor number, wd, and the events it wants) is on one
inode (kernel/fsnotify.py tells it what happens there). Events wait in the
instance's queue until read; an event equal to the last one queued is not
queued again (inotify_merge), and a queue holding max_queued_events takes
one IN_Q_OVERFLOW, and loses events while that is unread and the
queue full. Queued events are
charged to RAM's kernel memory, so no queue grows past what the machine
has, whatever root sets the sysctl to.

/proc/sys/fs/inotify's three limits are the machine's (`InotifyLimits`):
instances and watches are counted per real user, as Linux counts them in
the user's ucounts; past the limit inotify_init is EMFILE and
inotify_add_watch ENOSPC.
"""

from __future__ import annotations

import itertools
from collections import deque
from typing import Final

from syscalltbl.machine.hw.physmem import PhysicalMemory
from syscalltbl.machine.kernel import fsnotify
from syscalltbl.machine.kernel.sysctl import Sysctl
from syscalltbl.machine.kernel.vfs import Inode, OpenFile
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.uapi.anoninode import ANON_INODE_MODE
from syscalltbl.machine.uapi.errno import EAGAIN, EEXIST, EINVAL, EMFILE, ENOSPC, Errno
from syscalltbl.machine.uapi.fcntl import O_NONBLOCK
from syscalltbl.machine.uapi.inotify import (
    IN_ALL_EVENTS,
    IN_EXCL_UNLINK,
    IN_IGNORED,
    IN_ISDIR,
    IN_MASK_ADD,
    IN_MASK_CREATE,
    IN_ONESHOT,
    IN_Q_OVERFLOW,
    INOTIFY_EVENT,
    MAX_USER_WATCHES_MIN,
)
from syscalltbl.machine.uapi.misc import FIONREAD
from syscalltbl.machine.uapi.poll import POLLIN, POLLRDNORM

#: What one queued event costs the kernel beyond its name (struct inotify_event_info).
EVENT_BYTES: Final = 64
#: What one watch costs (struct inotify_inode_mark and its inode's share): the sysctl default's unit.
WATCH_COST: Final = 1120
MAX_USER_WATCHES_CAP: Final = 1048576  # the most the RAM-derived default is (inotify_user_setup)
INT_MAX: Final = 2**31 - 1


def default_max_user_watches(ram_bytes: int) -> int:
    """inotify_user_setup: 1% of RAM's worth of watches, between 8192 and 1048576."""
    return min(max(ram_bytes // 100 // WATCH_COST, MAX_USER_WATCHES_MIN), MAX_USER_WATCHES_CAP)


class InotifyLimits:
    """What each user holds against the fs.inotify sysctls (ucounts' UCOUNT_INOTIFY_*)."""

    def __init__(self, sysctl: Sysctl) -> None:
        self.sysctl = sysctl
        self.instances: dict[int, int] = {}
        self.watches: dict[int, int] = {}

    @staticmethod
    def take(held: dict[int, int], uid: int, limit: int, error: int) -> None:
        if held.get(uid, 0) >= limit:
            raise Errno(error)
        held[uid] = held.get(uid, 0) + 1

    @staticmethod
    def give_back(held: dict[int, int], uid: int) -> None:
        left = held.pop(uid, 0) - 1
        if left > 0:
            held[uid] = left


class InotifyWatch:
    """One watch: an inode, the events wanted and the flags (IN_ONESHOT, IN_EXCL_UNLINK)."""

    def __init__(self, group: InotifyGroup, wd: int, inode: Inode, mask: int) -> None:
        self.group, self.wd, self.inode, self.mask = group, wd, inode, mask

    def deliver(self, mask: int, name: bytes, cookie: int) -> None:
        self.group.queue_event(self.wd, mask, cookie, name)
        if self.mask & IN_ONESHOT:
            self.group.end_watch(self)  # fsnotify_destroy_mark after the one event: IN_IGNORED follows

    def gone(self) -> None:
        self.group.end_watch(self)


def _record(wd: int, mask: int, cookie: int, name: bytes) -> bytes:
    """struct inotify_event and its name, NUL-padded to a multiple of the struct's size (round_event_name_len)."""
    size = INOTIFY_EVENT.size
    padded = -(-(len(name) + 1) // size) * size if name else 0
    return INOTIFY_EVENT.pack(wd, mask, cookie, padded) + name.ljust(padded, b"\0")


_OVERFLOW: Final = _record(-1, IN_Q_OVERFLOW, 0, b"")


class InotifyGroup(Inode):
    """The instance behind an inotify descriptor."""

    def __init__(self, limits: InotifyLimits, uid: int, ram: PhysicalMemory | None) -> None:
        super().__init__(ANON_INODE_MODE)
        self.limits, self.uid, self.ram = limits, uid, ram
        self.max_events = limits.sysctl.inotify_max_queued_events  # fixed when made, as group->max_events is
        self.queue: deque[bytes] = deque()
        self.queued_bytes = 0
        self.overflowed = False  # its IN_Q_OVERFLOW is in the queue
        self.watches: dict[int, InotifyWatch] = {}
        self._wds = itertools.count(1)  # idr_alloc_cyclic from 1
        self.readers_woken = 0
        self.released = False

    # -- the watches --

    def watch_on(self, inode: Inode) -> InotifyWatch | None:
        return next((w for w in fsnotify.watches_on(inode) if isinstance(w, InotifyWatch) and w.group is self), None)

    def add_watch(self, inode: Inode, mask: int) -> int:
        """inotify_update_watch, else inotify_new_watch: the watch's wd."""
        wanted = mask & (IN_ALL_EVENTS | IN_ONESHOT | IN_EXCL_UNLINK)
        existing = self.watch_on(inode)
        if existing is not None:
            if mask & IN_MASK_CREATE:
                raise Errno(EEXIST)
            existing.mask = existing.mask | wanted if mask & IN_MASK_ADD else wanted
            return existing.wd
        self.limits.take(self.limits.watches, self.uid, self.limits.sysctl.inotify_max_user_watches, ENOSPC)
        wd = next(self._wds)
        while wd in self.watches or wd > INT_MAX:
            wd = next(self._wds) if wd <= INT_MAX else 1
        watch = InotifyWatch(self, wd, inode, wanted)
        self.watches[wd] = watch
        fsnotify.add_watch(inode, watch)
        return wd

    def remove_watch(self, wd: int) -> None:
        watch = self.watches.get(wd)
        if watch is None:
            raise Errno(EINVAL)
        self.end_watch(watch)

    def end_watch(self, watch: InotifyWatch) -> None:
        """The watch goes, and the group is told IN_IGNORED (inotify_freeing_mark)."""
        if self.watches.pop(watch.wd, None) is None:
            return
        fsnotify.remove_watch(watch.inode, watch)
        self.limits.give_back(self.limits.watches, self.uid)
        self.queue_event(watch.wd, IN_IGNORED, 0, b"")

    # -- the queue --

    def queue_event(self, wd: int, mask: int, cookie: int, name: bytes) -> None:
        if mask & (IN_IGNORED | IN_Q_OVERFLOW) == 0:
            mask &= IN_ALL_EVENTS | IN_ISDIR
        record = _record(wd, mask, cookie, name)
        if self.queue and self.queue[-1] == record:
            return  # inotify_merge: the same as the last event
        if len(self.queue) >= self.max_events or not self._charge(len(record)):
            if self.overflowed:
                return  # its IN_Q_OVERFLOW is queued already: the event is lost
            record = _OVERFLOW
            if not self._charge(len(record)):
                return
            self.overflowed = True
        self.queue.append(record)
        self.queued_bytes += len(record)
        self.readers_woken += 1

    def _charge(self, size: int) -> bool:
        if self.ram is None:
            return True
        if not self.ram.slab_fits(EVENT_BYTES + size):
            return False
        self.ram.slab_charge(EVENT_BYTES + size)
        return True

    def _take(self) -> bytes:
        record = self.queue.popleft()
        self.queued_bytes -= len(record)
        if self.ram is not None:
            self.ram.slab_charge(-(EVENT_BYTES + len(record)))
        if record is _OVERFLOW:
            self.overflowed = False
        return record

    def read(self, f: OpenFile, count: int) -> bytes:
        if not self.queue:
            if f.flags & O_NONBLOCK:
                raise Errno(EAGAIN)
            raise Sleep(lambda: bool(self.queue))
        out = bytearray()
        while self.queue and len(out) + len(self.queue[0]) <= count:
            out += self._take()
        if not out:
            raise Errno(EINVAL)  # the first event does not fit the buffer
        return bytes(out)

    def poll(self, f: OpenFile) -> int:
        return POLLIN | POLLRDNORM if self.queue else 0

    def ioctl(self, f: OpenFile, request: int) -> bytes | int:
        if request == FIONREAD:
            return self.queued_bytes
        return super().ioctl(f, request)

    def wakeups(self) -> tuple[int, int]:
        return self.readers_woken, 0

    def release(self, f: OpenFile) -> None:
        """The last descriptor closed: every watch goes, and the queue (fsnotify_destroy_group). Once: a
        file that comes back (passed in a message while its last descriptor closed) is released again."""
        if self.released:
            return
        self.released = True
        for watch in list(self.watches.values()):
            self.watches.pop(watch.wd)
            fsnotify.remove_watch(watch.inode, watch)
            self.limits.give_back(self.limits.watches, self.uid)
        while self.queue:
            self._take()
        self.limits.give_back(self.limits.instances, self.uid)

    def fdinfo(self) -> bytes:
        """/proc/PID/fdinfo's lines for the instance (inotify_fdinfo), a watch a line."""
        return b"".join(b"inotify wd:%x ino:%x sdev:%x mask:%x ignored_mask:0\n"
                        % (w.wd, w.inode.ino, 0, w.mask) for w in self.watches.values())


def new_group(limits: InotifyLimits, uid: int, ram: PhysicalMemory | None) -> InotifyGroup:
    """inotify_new_group: EMFILE past the user's max_user_instances."""
    limits.take(limits.instances, uid, limits.sysctl.inotify_max_user_instances, EMFILE)
    return InotifyGroup(limits, uid, ram)
