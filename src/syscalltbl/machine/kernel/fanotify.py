"""fanotify groups (fs/notify/fanotify/): a queue of events about files behind a descriptor, the marks that
fill it, and the permission events a listener answers.

A mark is on an inode (kernel/fsnotify.py tells it of the events there and,
with FAN_EVENT_ON_CHILD, of its children's). An event names its object by a
descriptor that read(2) opens for the listener with the group's event
f_flags, and its process (FAN_REPORT_TID: its thread). An event on the
same object by the same process as one still queued is merged into it
(fanotify_merge); a queue holding max_queued_events (16384, or RAM alone with
FAN_UNLIMITED_QUEUE: each event is charged to RAM's kernel memory) takes
one FAN_Q_OVERFLOW and loses events while that is unread.

A permission event (FAN_OPEN_PERM, FAN_ACCESS_PERM) is asked before the
access: the accessing task sleeps until the listener writes a struct
fanotify_response for it (FAN_DENY: the access is EPERM). Only a fatal
signal ends that wait; a handled signal runs its handler and the task asks
again (fanotify_get_response's TASK_KILLABLE). A group closed with answers
outstanding allows them all. A full queue allows the access unasked.

The machine has one filesystem tree whose every directory can be marked:
mount and filesystem marks, and FID reporting (FAN_REPORT_FID and kin),
are not here.
"""

from __future__ import annotations

import stat
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from syscalltbl.machine.hw.physmem import PhysicalMemory
from syscalltbl.machine.kernel import fsnotify
from syscalltbl.machine.kernel.vfs import Directory, Inode, OpenFile
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.uapi.anoninode import ANON_INODE_MODE
from syscalltbl.machine.uapi.errno import EAGAIN, EINVAL, EMFILE, ENOENT, ENOSPC, EPERM, Errno
from syscalltbl.machine.uapi.fanotify import (
    FAN_ACCESS,
    FAN_ACCESS_PERM,
    FAN_ALLOW,
    FAN_AUDIT,
    FAN_CLOSE_NOWRITE,
    FAN_CLOSE_WRITE,
    FAN_DENY,
    FAN_ENABLE_AUDIT,
    FAN_EVENT_ON_CHILD,
    FAN_INFO,
    FAN_MARK_IGNORED_SURV_MODIFY,
    FAN_MODIFY,
    FAN_NOFD,
    FAN_ONDIR,
    FAN_OPEN,
    FAN_OPEN_EXEC,
    FAN_OPEN_EXEC_PERM,
    FAN_OPEN_PERM,
    FAN_Q_OVERFLOW,
    FAN_REPORT_TID,
    FAN_UNLIMITED_QUEUE,
    FANOTIFY_EVENT_METADATA,
    FANOTIFY_METADATA_VERSION,
    FANOTIFY_RESPONSE,
)
from syscalltbl.machine.uapi.fcntl import KERNEL_O_LARGEFILE, O_CLOEXEC, O_NONBLOCK
from syscalltbl.machine.uapi.inotify import IN_ISDIR
from syscalltbl.machine.uapi.misc import FIONREAD
from syscalltbl.machine.uapi.poll import POLLIN, POLLRDNORM

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.machine import Machine

#: The events a mark may ask for without FID reporting (FANOTIFY_EVENTS without the dirent ones).
FANOTIFY_PATH_EVENTS: Final = FAN_ACCESS | FAN_MODIFY | FAN_CLOSE_WRITE | FAN_CLOSE_NOWRITE | FAN_OPEN | FAN_OPEN_EXEC
FANOTIFY_PERM_EVENTS: Final = FAN_OPEN_PERM | FAN_ACCESS_PERM | FAN_OPEN_EXEC_PERM
#: What one queued event costs the kernel (struct fanotify_path_event and its path reference).
EVENT_BYTES: Final = 96


@dataclass(eq=False, slots=True)
class Event:
    """One queued event: what happened to which object, and by whom. A permission event has a `key`."""

    mask: int
    inode: Inode | None
    path: bytes
    pid: int
    key: tuple[int, Inode, int] | None = None
    task: Task | None = None
    read: bool = False
    isdir: bool = False


@dataclass(slots=True)
class Users:
    """What each user holds against fs.fanotify's max_user_groups and max_user_marks (ucounts)."""

    groups: dict[int, int] = field(default_factory=dict)
    marks: dict[int, int] = field(default_factory=dict)

    @staticmethod
    def take(held: dict[int, int], uid: int, limit: int | None, error: int) -> None:
        if limit is not None and held.get(uid, 0) >= limit:
            raise Errno(error)
        held[uid] = held.get(uid, 0) + 1

    @staticmethod
    def give_back(held: dict[int, int], uid: int) -> None:
        left = held.pop(uid, 0) - 1
        if left > 0:
            held[uid] = left


_users: weakref.WeakKeyDictionary[Machine, Users] = weakref.WeakKeyDictionary()


def users_of(machine: Machine) -> Users:
    return _users.setdefault(machine, Users())


class FanotifyMark(fsnotify.ObjectWatch):
    """A group's mark on one inode: the events it asks for and those it ignores."""

    def __init__(self, group: FanotifyGroup, inode: Inode) -> None:
        self.group, self.inode = group, inode
        self.events = 0
        self.ignored = 0
        self.flags = 0  # FAN_MARK_IGNORED_SURV_MODIFY

    def _wanted(self, mask: int, *, on_child: bool) -> int:
        """The events of `mask` this mark reports (fanotify_group_event_mask for one mark)."""
        if on_child and not self.events & FAN_EVENT_ON_CHILD:
            return 0
        if mask & IN_ISDIR and not self.events & FAN_ONDIR:
            return 0
        return mask & self.events & ~self.ignored & ~(FAN_ONDIR | FAN_EVENT_ON_CHILD)

    def notify_object(self, mask: int, inode: Inode, dentry: tuple[Directory, bytes] | None, *,
                      on_child: bool) -> None:
        if mask & FAN_MODIFY and not on_child and not self.flags & FAN_MARK_IGNORED_SURV_MODIFY:
            self.ignored = 0  # a modification clears what a mark ignored, unless asked to survive it
        wanted = self._wanted(mask & ~FANOTIFY_PERM_EVENTS, on_child=on_child)
        if wanted:
            self.group.notify(wanted, inode, dentry, isdir=bool(mask & IN_ISDIR))

    def permission(self, mask: int, f: OpenFile, *, on_child: bool) -> None:
        isdir = IN_ISDIR if stat.S_ISDIR(f.inode.mode) else 0
        if self._wanted(mask | isdir, on_child=on_child):
            self.group.ask(mask, f)

    def permission_done(self, f: OpenFile) -> None:
        self.group.forget(f)

    def gone(self) -> None:
        self.group.remove_mark(self.inode)


class FanotifyGroup(Inode):
    """The group behind a fanotify descriptor."""

    def __init__(self, machine: Machine, uid: int, flags: int, event_f_flags: int) -> None:
        super().__init__(ANON_INODE_MODE)
        self.machine, self.uid, self.flags, self.event_f_flags = machine, uid, flags, event_f_flags
        knobs = machine.sysctl.fdkinds
        self.max_events: int | None = None if flags & FAN_UNLIMITED_QUEUE else knobs.fanotify_max_queued_events
        self.ram: PhysicalMemory = machine.ram
        self.queue: deque[Event] = deque()
        self.overflowed = False
        self.marks: dict[Inode, FanotifyMark] = {}
        self.waiting: dict[tuple[int, Inode, int], Event] = {}  # permission events not answered yet
        self.access: list[tuple[int, Event]] = []  # read by the listener (its event fd), awaiting the response
        self.answers: dict[tuple[int, Inode, int], int] = {}
        self.readers_woken = 0
        self.released = False

    # -- marks --

    def mark_on(self, inode: Inode) -> FanotifyMark | None:
        return self.marks.get(inode)

    def add_mark(self, inode: Inode, limit: int | None) -> FanotifyMark:
        mark = self.marks.get(inode)
        if mark is None:
            users = users_of(self.machine)
            users.take(users.marks, self.uid, limit, ENOSPC)
            mark = self.marks[inode] = FanotifyMark(self, inode)
            fsnotify.add_watch(inode, mark)
        return mark

    def remove_mark(self, inode: Inode) -> None:
        mark = self.marks.pop(inode, None)
        if mark is not None:
            fsnotify.remove_watch(inode, mark)
            users_of(self.machine).give_back(users_of(self.machine).marks, self.uid)

    # -- events --

    def _pid(self, task: Task | None) -> int:
        if task is None:
            return 0
        return task.tid if self.flags & FAN_REPORT_TID else task.pid

    def _path(self, inode: Inode, dentry: tuple[Directory, bytes] | None) -> bytes:
        fs = self.machine.fs
        if isinstance(inode, Directory):
            return fs.path_of(inode)
        return fs.path_of(dentry[0], dentry[1]) if dentry is not None else b""

    def _charge(self) -> bool:
        if not self.ram.slab_fits(EVENT_BYTES):
            return False
        self.ram.slab_charge(EVENT_BYTES)
        return True

    def _queue(self, event: Event) -> bool:
        """fsnotify_insert_event: queued, or the queue is full and it is lost (one FAN_Q_OVERFLOW said so)."""
        if (self.max_events is not None and len(self.queue) >= self.max_events) or not self._charge():
            if not self.overflowed and self._charge():
                self.overflowed = True
                self.queue.append(Event(FAN_Q_OVERFLOW, None, b"", 0))
                self.readers_woken += 1
            return False
        self.queue.append(event)
        self.readers_woken += 1
        return True

    def notify(self, mask: int, inode: Inode, dentry: tuple[Directory, bytes] | None, *, isdir: bool) -> None:
        """An event for the group: merged into a queued one of the same object and process, else queued.
        FAN_ONDIR is not told to a group that reports descriptors (legacy mode), only kept apart."""
        if self.released:
            return
        pid = self._pid(self.machine.current)
        path = self._path(inode, dentry)
        for queued in reversed(self.queue):  # fanotify_merge: the same object, process and kind
            if (queued.inode is inode and queued.pid == pid and queued.path == path and queued.key is None
                    and queued.isdir == isdir):
                queued.mask |= mask
                return
        self._queue(Event(mask, inode, path, pid, isdir=isdir))

    def ask(self, mask: int, f: OpenFile) -> None:
        """A permission event: the answer given, else a wait for it (the event queued when first asked)."""
        task = self.machine.current
        if task is None or self.released:
            return
        key = (task.tid, f.inode, mask)  # the inode: an open asked again opens a new file
        answer = self.answers.get(key)
        if answer is not None:
            if answer == FAN_DENY:
                raise Errno(EPERM)
            return
        if key not in self.waiting:
            event = Event(mask, f.inode, f.path, self._pid(task), key, task)
            if not self._queue(event):
                return  # no room for the question: allowed unasked
            self.waiting[key] = event
        raise Sleep(lambda: key not in self.waiting or self.released, always_restart=True)

    def forget(self, f: OpenFile) -> None:
        """The access that asked is over: its answers go."""
        for key in [key for key in self.answers if key[1] is f.inode]:
            del self.answers[key]

    def _prune(self) -> None:
        """Permission events whose task has died before the listener read them go (a killed waiter's). One
        the listener has read stays in its access list until answered, as Linux keeps it: a response naming
        its descriptor number answers it, and no other event of that number."""
        for key, event in list(self.waiting.items()):
            if event.task is not None and event.task.status is not None:
                del self.waiting[key]
                if not event.read and event in self.queue:
                    self.queue.remove(event)
                    self.ram.slab_charge(-EVENT_BYTES)
        for key in [key for key in self.answers if key not in self.waiting and self._dead(key[0])]:
            del self.answers[key]

    def _dead(self, tid: int) -> bool:
        task = self.machine.tasks.get(tid)
        return task is None or task.status is not None

    # -- the descriptor --

    def _event_fd(self, reader: Task, event: Event) -> int:
        """The object's descriptor for the listener: opened silently, with the group's event f_flags."""
        assert event.inode is not None
        f = OpenFile(event.inode, (self.event_f_flags & ~O_CLOEXEC) | KERNEL_O_LARGEFILE, event.path)
        fsnotify.silence(f)
        return reader.files.install(f, cloexec=bool(self.event_f_flags & O_CLOEXEC), limit=reader.nofile())

    def read_by(self, f: OpenFile, count: int, reader: Task) -> bytes:
        self._prune()
        if not self.queue:
            if f.flags & O_NONBLOCK:
                raise Errno(EAGAIN)
            raise Sleep(lambda: bool(self.queue))
        out = bytearray()
        size = FANOTIFY_EVENT_METADATA.size
        while self.queue and len(out) + size <= count:
            event = self.queue.popleft()
            if event.key is None:
                self.ram.slab_charge(-EVENT_BYTES)  # a permission event stays charged until it is answered
            fd = FAN_NOFD
            if event.mask == FAN_Q_OVERFLOW:
                self.overflowed = False
            else:
                try:
                    fd = self._event_fd(reader, event)
                except Errno:
                    if event.key is not None:
                        self._answer(event, FAN_DENY)  # a permission event that could not be told is denied
                        self.ram.slab_charge(-EVENT_BYTES)
                    if out:
                        break
                    raise
            if event.key is not None:
                event.read = True
                self.access.append((fd, event))
            out += FANOTIFY_EVENT_METADATA.pack(size, FANOTIFY_METADATA_VERSION, 0, size, event.mask, fd,
                                               event.pid)
        if not out:
            raise Errno(EINVAL)  # the first event does not fit the buffer
        return bytes(out)

    def read(self, f: OpenFile, count: int) -> bytes:
        raise Errno(EINVAL)  # read_by is the entry: an event's descriptor is opened for its reader

    def _first_read(self, fd: int) -> Event | None:
        """process_access_response: the oldest read permission event with descriptor `fd`, out of the list."""
        for at, (number, event) in enumerate(self.access):
            if number == fd:
                del self.access[at]
                return event
        return None

    def _answer(self, event: Event, response: int) -> None:
        assert event.key is not None
        self.waiting.pop(event.key, None)
        if event.task is not None and event.task.status is None:
            self.answers[event.key] = response

    def write(self, f: OpenFile, data: bytes) -> int:
        """A listener's response to a permission event it read (process_access_response)."""
        if len(data) < FANOTIFY_RESPONSE.size:
            raise Errno(EINVAL)
        fd, response = FANOTIFY_RESPONSE.unpack_from(data)
        decision = response & (FAN_ALLOW | FAN_DENY)
        if response & ~(FAN_ALLOW | FAN_DENY | FAN_AUDIT | FAN_INFO) or decision not in (FAN_ALLOW, FAN_DENY):
            raise Errno(EINVAL)
        if response & FAN_AUDIT and not self.flags & FAN_ENABLE_AUDIT:
            raise Errno(EINVAL)
        if response & FAN_INFO:
            raise Errno(EINVAL)  # no info records the machine knows of
        if fd < 0:
            raise Errno(EINVAL)
        event = self._first_read(fd)
        if event is None:
            raise Errno(ENOENT)
        self._answer(event, decision)
        self.ram.slab_charge(-EVENT_BYTES)
        return len(data)

    def poll(self, f: OpenFile) -> int:
        return POLLIN | POLLRDNORM if self.queue else 0

    def ioctl(self, f: OpenFile, request: int) -> bytes | int:
        if request == FIONREAD:
            return len(self.queue) * FANOTIFY_EVENT_METADATA.size
        return super().ioctl(f, request)

    def wakeups(self) -> tuple[int, int]:
        return self.readers_woken, 0

    def release(self, f: OpenFile) -> None:
        """fanotify_release: the marks go, every waiting access is allowed, the queue is emptied. Once."""
        if self.released:
            return
        self.released = True
        for inode in list(self.marks):
            self.remove_mark(inode)
        self.waiting.clear()
        self.ram.slab_charge(-EVENT_BYTES * (len(self.queue) + len(self.access)))
        self.access.clear()
        self.answers.clear()
        self.queue.clear()
        users = users_of(self.machine)
        users.give_back(users.groups, self.uid)

    def fdinfo(self) -> bytes:
        """fanotify_show_fdinfo: the group's flags, then a mark a line."""
        lines = [b"fanotify flags:%x event-flags:%x\n" % (self.flags, self.event_f_flags)]
        lines += [b"fanotify ino:%x sdev:%x mflags:%x mask:%x ignored_mask:%x\n"
                  % (inode.ino, 0, mark.flags, mark.events, mark.ignored) for inode, mark in self.marks.items()]
        return b"".join(lines)




def new_group(machine: Machine, uid: int, flags: int, event_f_flags: int, limit: int | None) -> FanotifyGroup:
    """fanotify_init's group: EMFILE past the user's max_user_groups."""
    users = users_of(machine)
    users.take(users.groups, uid, limit, EMFILE)
    return FanotifyGroup(machine, uid, flags, event_f_flags)
