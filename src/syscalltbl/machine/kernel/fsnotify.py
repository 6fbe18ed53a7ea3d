"""fsnotify: the filesystem's events, told to the watches on the inodes they concern (fs/notify/fsnotify.c).

The filesystem calls the hooks below as it opens, reads, writes, closes,
changes, makes, removes and renames files. Each event goes to the watches
on the inode it is about and, for an event a directory's watch sees of its
children, to the watches on the inode's parent with the child's name:
the parent's watch first, as fsnotify_handle_event hands a group both.

A watch is any object with a `mask` and a `deliver` (kernel/inotify.py's);
this module keeps which inodes have watches, weakly, so that an inode no
watch holds costs nothing. It knows the filesystem's inodes by duck type
only (a directory's mode, its `parent`, `held()` and `name_of`), being below
kernel/vfs.py, which calls it.
"""

from __future__ import annotations

import itertools
import stat
import weakref
from typing import TYPE_CHECKING, Protocol

from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.uapi.dnotify import FS_DN_RENAME
from syscalltbl.machine.uapi.errno import Errno
from syscalltbl.machine.uapi.fcntl import O_PATH
from syscalltbl.machine.uapi.inotify import (
    IN_ACCESS,
    IN_ATTRIB,
    IN_CLOSE_NOWRITE,
    IN_CLOSE_WRITE,
    IN_CREATE,
    IN_DELETE,
    IN_DELETE_SELF,
    IN_EXCL_UNLINK,
    IN_ISDIR,
    IN_MODIFY,
    IN_MOVE_SELF,
    IN_MOVED_FROM,
    IN_MOVED_TO,
    IN_OPEN,
)

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.vfs import Directory, Inode, OpenFile

#: Events a directory's watch sees of its children, with their names (FS_EVENTS_POSS_ON_CHILD).
_ON_CHILD = IN_ACCESS | IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_CLOSE_NOWRITE | IN_OPEN


class Watch(Protocol):
    mask: int

    def deliver(self, mask: int, name: bytes, cookie: int) -> None:
        """Queue the event (mask, the child's name or b"", cookie) for the watch's group."""
        ...

    def gone(self) -> None:
        """The inode is gone (its last name removed): the watch ends, its group told IN_IGNORED."""
        ...


class ObjectWatch:
    """A watch told the object an event is about (fanotify's marks): it reports the file itself, not a name.

    `notify_object` decides what its group wants: `on_child` says the event is on a
    child of the watched directory. `permission` may wait (Sleep) or refuse (EPERM)
    an access before it happens; `permission_done` follows once every watch allowed it.
    """

    mask: int = 0

    def deliver(self, mask: int, name: bytes, cookie: int) -> None:
        """A name event (create, delete, move) of a watched directory: none such is asked for here."""

    def gone(self) -> None:
        """The inode is gone: the watch ends."""

    def notify_object(self, mask: int, inode: Inode, dentry: tuple[Directory, bytes] | None, *,
                      on_child: bool) -> None:
        raise NotImplementedError

    def permission(self, mask: int, f: OpenFile, *, on_child: bool) -> None:
        raise NotImplementedError

    def permission_done(self, f: OpenFile) -> None:
        raise NotImplementedError


# Weak both ways: a watch is its group's (kernel/inotify.py), and nothing here may keep an inode, a file or,
# through them, a finished machine alive.
_watches: weakref.WeakKeyDictionary[Inode, weakref.WeakSet[Watch]] = weakref.WeakKeyDictionary()
#: Where each open file was opened: (directory, name), its dentry's parent and name (f_path).
_opened: weakref.WeakKeyDictionary[OpenFile, tuple[weakref.ref[Directory], bytes]] = weakref.WeakKeyDictionary()
_cookies = itertools.count(1)
#: Open files that tell no watch of anything (FMODE_NONOTIFY): those fanotify opens for its listeners.
_silent: weakref.WeakSet[OpenFile] = weakref.WeakSet()
#: The object watches there are (fanotify's marks): with none, an access asks nobody and costs nothing.
_deciders: weakref.WeakSet[ObjectWatch] = weakref.WeakSet()


def watches_on(inode: Inode) -> list[Watch]:
    held = _watches.get(inode)
    return sorted(held, key=id) if held else []


def add_watch(inode: Inode, watch: Watch) -> None:
    _watches.setdefault(inode, weakref.WeakSet()).add(watch)
    if isinstance(watch, ObjectWatch):
        _deciders.add(watch)


def remove_watch(inode: Inode, watch: Watch) -> None:
    if isinstance(watch, ObjectWatch):
        _deciders.discard(watch)
    held = _watches.get(inode)
    if held is not None:
        held.discard(watch)
        if not held:
            _watches.pop(inode, None)


def _is_dir(inode: Inode) -> bool:
    return stat.S_ISDIR(inode.mode)


def _dentry(inode: Inode) -> tuple[Directory, bytes] | None:
    """The directory and name an inode is found under, as far as a watch can care.

    A directory knows its parent. A file is looked for only in the
    directories that have watches: no other directory can be told of it.
    """
    if _is_dir(inode):
        parent: Directory = inode.parent  # type: ignore[attr-defined]
        name = parent.name_of(inode) if parent is not inode else None
        return None if name is None else (parent, name)
    for directory in list(_watches):
        if _is_dir(directory):
            for name, child in directory.held().items():  # type: ignore[attr-defined]
                if child is inode:
                    return directory, name  # type: ignore[return-value]
    return None


def _file_dentry(f: OpenFile) -> tuple[Directory, bytes] | None:
    """The open file's dentry: where it was opened, while the name still leads there or the file is
    unlinked (its dentry keeps its old parent); after a rename, wherever it is now."""
    where = _opened.get(f)
    if where is not None:
        directory, name = where[0](), where[1]
        if directory is not None and (directory.child(name) is f.inode or not f.inode.nlink):
            return directory, name
    return _dentry(f.inode)


def _notify(inode: Inode, mask: int, dentry: tuple[Directory, bytes] | None, *, unlinked: bool = False) -> None:
    """An event on `inode`: its parent's watches (for events on children) with the name, then its own."""
    if not _watches:
        return
    if _is_dir(inode):
        mask |= IN_ISDIR
    event = mask & ~IN_ISDIR
    if dentry is not None and event & _ON_CHILD:
        for watch in list(watches_on(dentry[0])):
            if isinstance(watch, ObjectWatch):
                watch.notify_object(mask, inode, dentry, on_child=True)
            elif watch.mask & event and not (unlinked and watch.mask & IN_EXCL_UNLINK):
                watch.deliver(mask, dentry[1], 0)
    for watch in list(watches_on(inode)):
        if isinstance(watch, ObjectWatch):
            watch.notify_object(mask, inode, dentry, on_child=False)
        elif watch.mask & event and not (unlinked and watch.mask & IN_EXCL_UNLINK):
            watch.deliver(mask, b"", 0)


def _notify_dir(directory: Directory, mask: int, name: bytes, cookie: int = 0) -> None:
    """A name came or went in `directory` (IN_CREATE, IN_DELETE, IN_MOVED_*)."""
    for watch in list(watches_on(directory)):
        if watch.mask & mask & ~IN_ISDIR:
            watch.deliver(mask, name, cookie)


def _inode_removed(inode: Inode) -> None:
    """Its last name is gone: IN_DELETE_SELF, then every watch on it ends (fsnotify_inoderemove)."""
    for watch in list(watches_on(inode)):
        if watch.mask & IN_DELETE_SELF:
            watch.deliver(IN_DELETE_SELF, b"", 0)
    for watch in list(watches_on(inode)):
        watch.gone()


# -- the hooks the filesystem calls --


def opened(f: OpenFile, directory: Directory, name: bytes, *, created: bool, truncated: bool) -> None:
    """open(2) made `f` at `name` in `directory`: IN_CREATE, IN_MODIFY for O_TRUNC, then IN_OPEN."""
    _opened[f] = (weakref.ref(directory), name)
    if not _watches:
        return
    if created:
        _notify_dir(directory, IN_CREATE, name)
    if truncated:
        _notify(f.inode, IN_MODIFY, (directory, name))
    if not f.flags & O_PATH:  # do_dentry_open tells of no O_PATH open
        _notify(f.inode, IN_OPEN, (directory, name))


#: FS_OPEN_EXEC: an open to run the file (fanotify's FAN_OPEN_EXEC; inotify sees only its IN_OPEN).
FS_OPEN_EXEC = 0x00001000


def exec_opened(f: OpenFile) -> None:
    """execve opened `f` to run it (do_open_execat's fsnotify_open: FS_OPEN | FS_OPEN_EXEC)."""
    if _watches:
        _notify(f.inode, IN_OPEN | FS_OPEN_EXEC, _file_dentry(f))


def _file_event(f: OpenFile, mask: int) -> None:
    if _watches and f not in _silent:
        _notify(f.inode, mask, _file_dentry(f), unlinked=not f.inode.nlink)


def accessed(f: OpenFile) -> None:
    """A read returned data (fsnotify_access)."""
    _file_event(f, IN_ACCESS)


def modified(f: OpenFile) -> None:
    """A write wrote data, or the file was truncated through it (fsnotify_modify)."""
    _file_event(f, IN_MODIFY)


def closed(f: OpenFile, *, wrote: bool) -> None:
    """The open file's last reference went (__fput's fsnotify_close)."""
    _file_event(f, IN_CLOSE_WRITE if wrote else IN_CLOSE_NOWRITE)
    _opened.pop(f, None)


def attrib(inode: Inode, f: OpenFile | None = None) -> None:
    """Mode, owner, times, links or extended attributes changed (notify_change's IN_ATTRIB)."""
    if _watches:
        _notify(inode, IN_ATTRIB, _file_dentry(f) if f is not None else _dentry(inode))


def accessed_inode(inode: Inode) -> None:
    """The atime alone was set (notify_change's ATTR_ATIME: IN_ACCESS)."""
    if _watches:
        _notify(inode, IN_ACCESS, _dentry(inode))


def truncated(inode: Inode, f: OpenFile | None = None) -> None:
    """The size was set (notify_change's ATTR_SIZE: IN_MODIFY)."""
    if _watches:
        _notify(inode, IN_MODIFY, _file_dentry(f) if f is not None else _dentry(inode))


def created(directory: Directory, name: bytes, inode: Inode) -> None:
    """mkdir, mknod, symlink made `name` (fsnotify_create, fsnotify_mkdir)."""
    if _watches:
        _notify_dir(directory, IN_CREATE | (IN_ISDIR if _is_dir(inode) else 0), name)


def linked(directory: Directory, name: bytes, inode: Inode) -> None:
    """link(2) gave `inode` another name (fsnotify_link): its link count, then the new name."""
    if _watches:
        _notify(inode, IN_ATTRIB, None)  # fsnotify_link_count: the inode's own watches alone
        _notify_dir(directory, IN_CREATE, name)


def unlinked(directory: Directory, name: bytes, inode: Inode) -> None:
    """unlink or rmdir took `name` away: a file's link count (IN_ATTRIB), the inode's end if that was its
    last name (d_delete), then the directory's IN_DELETE (fsnotify_delete)."""
    if not _watches:
        return
    isdir = _is_dir(inode)
    if not isdir:
        _notify(inode, IN_ATTRIB, None)
    if isdir or not inode.nlink:
        _inode_removed(inode)
    _notify_dir(directory, IN_DELETE | (IN_ISDIR if isdir else 0), name)


def renamed(old_dir: Directory, old_name: bytes, new_dir: Directory, new_name: bytes, inode: Inode,
            replaced: Inode | None) -> None:
    """rename(2) moved `inode` (fsnotify_move): IN_MOVED_FROM and IN_MOVED_TO sharing a cookie, the replaced
    file's link count and end, then the moved inode's IN_MOVE_SELF."""
    if not _watches:
        return
    isdir = IN_ISDIR if _is_dir(inode) else 0
    cookie = next(_cookies) & 0xFFFFFFFF or next(_cookies)
    if old_dir is new_dir:  # fsnotify_move's FS_RENAME, an event of its own: dnotify's DN_RENAME
        _notify_dir(old_dir, FS_DN_RENAME | isdir, old_name)
    _notify_dir(old_dir, IN_MOVED_FROM | isdir, old_name, cookie)
    _notify_dir(new_dir, IN_MOVED_TO | isdir, new_name, cookie)
    if replaced is not None:
        if not _is_dir(replaced):
            _notify(replaced, IN_ATTRIB, None)
        if _is_dir(replaced) or not replaced.nlink:
            _inode_removed(replaced)
    for watch in list(watches_on(inode)):
        if watch.mask & IN_MOVE_SELF:
            watch.deliver(IN_MOVE_SELF, b"", 0)  # inotify never said IN_ISDIR with a self event


def silence(f: OpenFile) -> None:
    """`f` tells no watch of its accesses, modifications or close (FMODE_NONOTIFY)."""
    _silent.add(f)


def permission(f: OpenFile, mask: int) -> None:
    """fsnotify_file_perm: the watches that decide on accesses (fanotify's permission events) allow `mask`
    (FAN_ACCESS_PERM, FAN_OPEN_PERM) on `f`, or this raises Sleep while one has not answered, or EPERM."""
    if not _deciders or f in _silent or f.flags & O_PATH:
        return
    dentry = _file_dentry(f)
    deciding = [(watch, True) for watch in (watches_on(dentry[0]) if dentry is not None else [])
                if isinstance(watch, ObjectWatch)]
    deciding += [(watch, False) for watch in watches_on(f.inode) if isinstance(watch, ObjectWatch)]
    try:
        for watch, on_child in deciding:
            watch.permission(mask, f, on_child=on_child)
    except Sleep:
        raise  # asked again when the call runs again: the answers so far are kept
    except Errno:
        for watch, _ in deciding:
            watch.permission_done(f)
        raise
    for watch, _ in deciding:
        watch.permission_done(f)
