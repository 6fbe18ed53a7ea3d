"""Directory notification, dnotify (fs/notify/dnotify/dnotify.c): fcntl(fd, F_NOTIFY, DN_*) on a directory.

Each directory watched has one mark on the filesystem's fsnotify (kernel/fsnotify.py), holding an entry per
(open file, descriptor table) that asked: the events it wants, and the descriptor it asked through. An event
on the directory, or one a directory's watch sees of its children, signals each entry that wants it through
its file's owner (send_sigio with POLL_MSG: F_SETSIG's signal with si_fd, or SIGIO); an entry without
DN_MULTISHOT goes after its first signal. A close of the descriptor by the table that asked (dnotify_flush,
at every close, not only the last), or F_NOTIFY with no event, removes the entry. Entries are bounded by the
open files and descriptor tables there are.
"""

from __future__ import annotations

import stat
import weakref
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel import fown, fsnotify
from syscalltbl.machine.uapi.dnotify import (
    DN_ACCESS,
    DN_ATTRIB,
    DN_CREATE,
    DN_DELETE,
    DN_MODIFY,
    DN_MULTISHOT,
    DN_RENAME,
    FS_DN_MULTISHOT,
    FS_DN_RENAME,
)
from syscalltbl.machine.uapi.errno import EINVAL, ENOTDIR, Errno
from syscalltbl.machine.uapi.fown import F_OWNER_PID, POLL_MSG
from syscalltbl.machine.uapi.inotify import (
    IN_ACCESS,
    IN_ATTRIB,
    IN_CREATE,
    IN_DELETE,
    IN_ISDIR,
    IN_MODIFY,
    IN_MOVED_FROM,
    IN_MOVED_TO,
)
from syscalltbl.store.record import Value

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.kernel.vfs import Inode, OpenFile
    from syscalltbl.machine.machine import Machine


def _convert_arg(arg: int) -> int:
    """convert_arg: the fsnotify events the DN_* bits stand for."""
    mask = FS_DN_MULTISHOT if arg & DN_MULTISHOT else 0
    for dn, events in ((DN_DELETE, IN_DELETE | IN_MOVED_FROM), (DN_MODIFY, IN_MODIFY), (DN_ACCESS, IN_ACCESS),
                       (DN_ATTRIB, IN_ATTRIB), (DN_RENAME, FS_DN_RENAME), (DN_CREATE, IN_CREATE | IN_MOVED_TO)):
        if arg & dn:
            mask |= events
    return mask


class _Entry(Value):
    """struct dnotify_struct: who asked (the open file and the descriptor table), through which descriptor."""

    file: weakref.ref[OpenFile]
    table: weakref.ref[object]
    fd: int
    mask: int

    __slots__ = _fields = ("file", "table", "fd", "mask")

    def __init__(self, file: weakref.ref[OpenFile], table: weakref.ref[object], fd: int, mask: int) -> None:
        self.file = file
        self.table = table
        self.fd = fd
        self.mask = mask


class DirMark:
    """The dnotify mark on one directory: an fsnotify watch whose mask is its entries' together."""

    def __init__(self, machine: Machine) -> None:
        self._machine = weakref.ref(machine)
        self.entries: list[_Entry] = []
        self.mask = 0

    def recalc(self) -> None:
        """dnotify_recalc_inode_mask."""
        mask = 0
        for entry in self.entries:
            mask |= entry.mask & ~FS_DN_MULTISHOT
        self.mask = mask

    def deliver(self, mask: int, name: bytes, cookie: int) -> None:
        """dnotify_handle_event: signal each entry that wants the event; a one-shot entry goes."""
        event = mask & ~IN_ISDIR
        machine = self._machine()
        for entry in list(self.entries):
            if not entry.mask & event:
                continue
            f = entry.file()
            if f is not None and machine is not None:
                fown.send_sigio(machine.tasks, f, entry.fd, POLL_MSG)
            if not entry.mask & FS_DN_MULTISHOT:
                self.entries.remove(entry)
        self.recalc()

    def gone(self) -> None:
        """The directory was removed: nothing more happens in it; the entries stay until their files close."""


_marks: weakref.WeakKeyDictionary[Inode, DirMark] = weakref.WeakKeyDictionary()


def fcntl_dirnotify(t: Task, fd: int, f: OpenFile, arg: int) -> int:
    """F_NOTIFY: watch the directory open as `f` for the DN_* events in `arg` (none: stop watching)."""
    if not t.machine.sysctl.dir_notify_enable:
        raise Errno(EINVAL)
    if not arg & ~DN_MULTISHOT:
        flush(f, t.files)
        return 0
    inode = f.inode
    if not stat.S_ISDIR(inode.mode):
        raise Errno(ENOTDIR)
    mask = _convert_arg(arg)
    mark = _marks.get(inode)
    if mark is None:
        mark = _marks[inode] = DirMark(t.machine)
        fsnotify.add_watch(inode, mark)
    if not fown.owner_of(f).pid:  # __f_setown without force: an owner set before stays
        fown.set_owner(f, F_OWNER_PID, t.pid, t)
    for entry in mark.entries:
        if entry.file() is f and entry.table() is t.files:  # attach_dn: more events for the same watcher
            entry.fd = fd
            entry.mask |= mask
            break
    else:
        mark.entries.append(_Entry(weakref.ref(f), weakref.ref(t.files), fd, mask))
    mark.recalc()
    return 0


def flush(f: OpenFile, table: object) -> None:
    """dnotify_flush: `table` closed a descriptor of `f`; its entry on the directory goes."""
    mark = _marks.get(f.inode)
    if mark is None:
        return
    mark.entries = [e for e in mark.entries
                    if not (e.file() is f and e.table() is table) and e.file() is not None and e.table() is not None]
    mark.recalc()
    if not mark.entries:
        fsnotify.remove_watch(f.inode, mark)
        del _marks[f.inode]
