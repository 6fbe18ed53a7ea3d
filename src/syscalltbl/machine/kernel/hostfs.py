"""The host root: a host directory seen copy-on-write, as overlayfs's lower layer under the tree in memory.

Nothing is read at start-up. A name is looked up with one lstat of its host
path when a program first reaches it; a directory is listed on the host only
when a program lists it (getdents) or asks whether it is empty (rmdir). A file
keeps the metadata of its lookup; its bytes are pread from the host when a
program reads them, and a mapping's first touch of a page copies that page
into a frame of RAM (pagecache.py's `lower`). Nothing is ever written to the
host: the first write, truncate or open for writing copies the whole file up
into memory (its data charged to the filesystem's space, its holes staying
holes as overlayfs's copy-up keeps them; ENOSPC as for any file), a removed
name leaves a whiteout, and chmod, chown, utimens and link counts change
only the inode in memory; a read does not change a host inode's atime (it
keeps the host's until the inode is pinned). vfs.py's docstring says what
a program sees when the host changes a file while it runs.

Host memory stays bounded however much of the host a program walks: an inode
nobody changed is held weakly by its directory (and by whatever holds it:
an open file, a mapping, a working directory) and made again from the host
when it is needed after being dropped, with the same st_ino (from the host's
device and inode numbers). The first change pins it: it moves into its
directory's own entries, with its directories up to the root, and takes an
inode of the filesystem's space (ENOSPC past nr_inodes, as an overlay's
upper layer fills up).

Rules: host FIFOs, sockets and device nodes may be listed and stat'ed but are
never opened (open gets ENXIO for a FIFO or a socket, EACCES for a device, as
on a nodev mount); symbolic links are read with readlink and resolved in the
machine, so an absolute target starts at the machine's root and ".." of the
root is the root; host files are read with the rights of the user running
syscalltbl, so a host EACCES is the program's EACCES.
"""

from __future__ import annotations

import errno
import os
import stat
import weakref
from collections import OrderedDict
from typing import TYPE_CHECKING, Final

from syscalltbl.machine.kernel.fsspace import Space
from syscalltbl.machine.kernel.pagecache import FilePages
from syscalltbl.machine.kernel.vfs import (
    DT,
    FIRST_POSITION,
    HOST_INO_BASE,
    Directory,
    Inode,
    Regular,
    Symlink,
)
from syscalltbl.machine.uapi.errno import EACCES, EIO, ENOSPC, ENXIO, Errno
from syscalltbl.machine.uapi.fcntl import O_ACCMODE, O_PATH, O_RDONLY, O_TRUNC
from syscalltbl.machine.uapi.misc import DT_DIR, DT_LNK, DT_REG

if TYPE_CHECKING:
    from syscalltbl.machine.hw.physmem import PhysicalMemory
    from syscalltbl.machine.kernel.process import Task

#: Where the machine's own names of a host directory are in its listing: after any host listing's.
OWN_POSITIONS: Final = 1 << 48
HOST_FDS: Final = 16  # host descriptors kept open for reading (least recently used closed first)
# What a pristine inode may change without being pinned first: anything else is guest-visible state.
_TRACKED: Final = frozenset({"mode", "uid", "gid", "atime", "mtime", "ctime", "nlink", "fsflags"})


def host_root(path: str | os.PathLike[str], space: Space | None) -> HostDirectory:
    """The root of a tree that is a copy-on-write view of host directory `path` (its /sys not shown).

    FileSystem mounts the machine's /dev and /proc over it.
    """
    root = HostLayer(path, space).root()
    root.hide(b"sys")
    return root


class HostLayer:
    """One host directory under the machine's tree: lookups, inode numbers and reads of its files."""

    def __init__(self, root: str | os.PathLike[str], space: Space | None) -> None:
        self.path = os.fsencode(os.path.realpath(root))
        self.space = space
        self._devices: dict[int, int] = {}  # host st_dev -> its index in our inode numbers
        # (st_dev, st_ino) -> a descriptor open for reading that file: bounded, so a program cannot
        # make the host run out of descriptors however many files it has open.
        self._fds: OrderedDict[tuple[int, int], int] = OrderedDict()
        weakref.finalize(self, _close_all, self._fds)

    def root(self) -> HostDirectory:
        st = os.stat(self.path)
        if not stat.S_ISDIR(st.st_mode):
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), os.fsdecode(self.path))
        return HostDirectory(self, self.path, st, None, None)

    def ino(self, dev: int, ino: int) -> int:
        """The machine's inode number of a host file: above the machine's own, the same at every lookup."""
        index = self._devices.setdefault(dev, len(self._devices) + 1)
        if ino >= HOST_INO_BASE:
            ino = (ino ^ (ino >> 48)) % HOST_INO_BASE  # a filesystem with 64-bit numbers: folded in
        return index * HOST_INO_BASE + ino

    def make(self, parent: HostDirectory, name: bytes) -> Inode | None:
        """The inode of host file `name` in `parent`, from one lstat (None: no such file on the host)."""
        path = os.path.join(parent.host_path, name)
        try:
            st = os.lstat(path)
            origin = (parent, name)
            if stat.S_ISDIR(st.st_mode):
                return HostDirectory(self, path, st, parent, origin)
            if stat.S_ISREG(st.st_mode):
                return HostRegular(self, path, st, origin)
            if stat.S_ISLNK(st.st_mode):
                return HostSymlink(self, os.readlink(path), st, origin)
        except (FileNotFoundError, NotADirectoryError):
            return None  # gone on the host, or never there
        except OSError as exc:
            raise Errno(exc.errno or EIO) from None
        return HostSpecial(self, st, origin)

    def read(self, path: bytes, ident: tuple[int, int], offset: int, length: int) -> bytes:
        """`length` bytes at `offset` of the host file `ident` (zeros past its end); EIO if it was replaced."""
        fd = self.open(path, ident)
        parts = []
        done = 0
        try:
            while done < length:
                data = os.pread(fd, length - done, offset + done)
                if not data:
                    break
                parts.append(data)
                done += len(data)
        except OSError:
            raise Errno(EIO) from None
        return b"".join(parts).ljust(length, b"\0")

    def open(self, path: bytes, ident: tuple[int, int]) -> int:
        """A host descriptor reading the file at `path`, if it is still the regular file `ident` (else EIO)."""
        fd = self._fds.get(ident)
        if fd is not None:
            # Still that file at that path? Else what a program reads would depend on
            # whether its descriptor was still in this cache: EIO either way.
            try:
                now = os.lstat(path)
            except OSError:
                now = None
            if now is not None and (now.st_dev, now.st_ino) == ident:
                self._fds.move_to_end(ident)
                return fd
            os.close(self._fds.pop(ident))
            raise Errno(EIO)
        try:
            # O_PATH first: what is there now is checked before anything opens it, so
            # a device or FIFO the host put there meanwhile is never opened.
            probe = os.open(path, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError as exc:
            raise Errno(EACCES if exc.errno == EACCES else EIO) from None
        try:
            st = os.fstat(probe)
            if (st.st_dev, st.st_ino) != ident or not stat.S_ISREG(st.st_mode):
                raise Errno(EIO)  # another file now: the one looked up is gone
            fd = os.open(f"/proc/self/fd/{probe}", os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            raise Errno(exc.errno or EIO) from None
        finally:
            os.close(probe)
        self._fds[ident] = fd
        if len(self._fds) > HOST_FDS:
            os.close(self._fds.popitem(last=False)[1])
        return fd


def _close_all(fds: OrderedDict[tuple[int, int], int]) -> None:
    for fd in fds.values():
        os.close(fd)
    fds.clear()


class HostInode(Inode):
    """What every inode of the host root has: metadata from its lookup, and `pristine` until a change pins it."""

    layer: HostLayer
    origin: tuple[HostDirectory, bytes] | None  # where it was looked up: where pinning keeps it
    pristine: bool
    host_blocks: int
    ident: tuple[int, int]  # the host's (st_dev, st_ino)

    def _from_host(self, layer: HostLayer, st: os.stat_result, origin: tuple[HostDirectory, bytes] | None) -> None:
        self.layer, self.origin = layer, origin
        self.ident = (st.st_dev, st.st_ino)
        self.ino = layer.ino(st.st_dev, st.st_ino)
        self.mode, self.rdev = st.st_mode, st.st_rdev
        self.uid, self.gid = st.st_uid, st.st_gid
        self.atime, self.mtime, self.ctime = st.st_atime_ns, st.st_mtime_ns, st.st_ctime_ns
        self.host_blocks = st.st_blocks
        self.pristine = True  # last: from here on a change of a tracked attribute pins first

    def __setattr__(self, name: str, value: object) -> None:
        if name in _TRACKED and self.__dict__.get("pristine"):
            self.pin()  # before the change: ENOSPC leaves the inode as it was
        super().__setattr__(name, value)

    def pin(self) -> None:
        if not self.__dict__.get("pristine"):
            return
        if self.origin is not None:
            directory, name = self.origin
            if directory.lower_child(name) is self:  # still named there (not removed or renamed since)
                directory.pin()
                self.charge_inode()
                directory.keep(name, self)
        self.pristine = False

    def charge_inode(self) -> None:
        """An inode of the filesystem's space for it, now the machine keeps it (ENOSPC past nr_inodes)."""
        if self.layer.space is not None and not self.__dict__.get("_charged"):
            self.layer.space.new_inode(self)
            self._charged = True

    def accessed(self) -> None:
        if not self.pristine:  # a read does not pin: a pristine inode keeps the host's atime
            super().accessed()


class HostSpecial(HostInode):
    """A host FIFO, socket or device node: listed and stat'ed, never opened."""

    def __init__(self, layer: HostLayer, st: os.stat_result, origin: tuple[HostDirectory, bytes] | None) -> None:
        super().__init__(st.st_mode)
        self.nlink = st.st_nlink
        self._from_host(layer, st, origin)

    def opening(self, flags: int) -> None:
        if not flags & O_PATH:
            # The machine's programs cannot meet the host's at a FIFO or socket (ENXIO, open(2)'s
            # word for a socket); a device is refused as on a filesystem mounted nodev.
            raise Errno(EACCES if stat.S_ISCHR(self.mode) or stat.S_ISBLK(self.mode) else ENXIO)


class HostSymlink(HostInode, Symlink):
    """A host symbolic link, its target read at lookup (and resolved in the machine's tree)."""

    def __init__(self, layer: HostLayer, target: bytes, st: os.stat_result,
                 origin: tuple[HostDirectory, bytes] | None) -> None:
        Symlink.__init__(self, target)
        self.nlink = st.st_nlink
        self._from_host(layer, st, origin)

    def blocks(self) -> int:
        return self.host_blocks


class _HostBytes:
    """The Lower of a host file's pages."""

    def __init__(self, layer: HostLayer, path: bytes, ident: tuple[int, int]) -> None:
        self.layer, self.path, self.ident = layer, path, ident

    def read(self, offset: int, length: int) -> bytes:
        return self.layer.read(self.path, self.ident, offset, length)


class HostRegular(HostInode, Regular):
    """A host regular file: read from the host until a change copies it up into memory."""

    def __init__(self, layer: HostLayer, path: bytes, st: os.stat_result,
                 origin: tuple[HostDirectory, bytes] | None) -> None:
        Regular.__init__(self)
        self.host_path = path
        self.nlink = st.st_nlink
        self._from_host(layer, st, origin)
        self.space = layer.space
        self.pages = FilePages(lower=_HostBytes(layer, path, self.ident), size=st.st_size)

    def charge_inode(self) -> None:
        if self.space is not None and self.charge is None:
            self.charge = self.space.new_inode(self)

    def opening(self, flags: int) -> None:
        if flags & O_PATH:
            return
        if flags & O_ACCMODE != O_RDONLY:
            self.own_bytes(0 if flags & O_TRUNC else self.size())
        elif self.pages.lower is not None:
            self.layer.open(self.host_path, self.ident)  # the host's EACCES now, as open(2) would say it

    def own_bytes(self, keep: int) -> None:
        """Copy-up: the host file's first `keep` bytes are read into memory, charged as any file's."""
        if self.pages.lower is None:
            return
        self.pin()
        self.charge_inode()
        space, charge = self.space, self.charge
        # Its data, not its size: the host file's holes stay holes (overlayfs copies a sparse file up sparse).
        wanted = self.pages.copy_up_pages(keep) if space is not None else 0
        if space is not None and charge is not None and space.grow(charge, wanted) < wanted:
            space.shrink(charge, 0)
            raise Errno(ENOSPC)
        try:
            self.pages.copy_up(keep)
        except Errno:
            if space is not None and charge is not None:
                space.shrink(charge, 0)
            raise
        if keep < self.pages.size:
            self.pages.truncate(keep, self._unmap_from)
        ram = self.pages.ram
        if ram is not None and space is not None and charge is not None and space.ram is ram:
            # The frames mappings already read the file into become the charge's pages, as if
            # they had been taken from its reservation (alloc_reserved): RAM counts each once.
            ram.unreserve(len(self.pages.frames))
            self.pages.reserved = True
            charge.release = self.pages.drop_all
        self.blockmap.replace(_runs(sorted({*self.pages.chunks, *self.pages.frames})))
        if space is not None and charge is not None:
            space.shrink(charge, self.blockmap.count)  # the host file's holes (zero pages) stay holes, uncharged

    def map_into(self, ram: PhysicalMemory) -> None:
        if self.pages.lower is None:
            super().map_into(ram)
            return
        if self.pages.ram is None:
            # Frames of a file that is not copied up are RAM of their own, not from a charge;
            # they go back when the inode does (no mapping is left then: a mapping holds its file).
            self.pages.attach(ram, reserved=False)
            weakref.finalize(self, self.pages.drop_all).atexit = False

    def page(self, index: int) -> int | None:
        try:
            return super().page(index)
        except Errno:
            return None  # the host file is gone or unreadable: the touch is SIGBUS, as after an I/O error

    def blocks(self) -> int:
        return self.host_blocks if self.pages.lower is not None else super().blocks()


def _runs(indexes: list[int]) -> list[tuple[int, int]]:
    """Sorted page numbers as [first, end) runs."""
    runs: list[tuple[int, int]] = []
    for index in indexes:
        if runs and runs[-1][1] == index:
            runs[-1] = (runs[-1][0], index + 1)
        else:
            runs.append((index, index + 1))
    return runs


class HostDirectory(HostInode, Directory):
    """A host directory: names looked up one lstat at a time, listed only when a program lists it.

    `_entries` (Directory's) holds what the machine keeps here: its own
    files and pinned host ones; `_lower` the pristine host inodes in use,
    weakly; `_whiteouts` the host names removed in the machine.
    """

    def __init__(self, layer: HostLayer, path: bytes, st: os.stat_result, parent: Directory | None,
                 origin: tuple[HostDirectory, bytes] | None) -> None:
        Directory.__init__(self, parent)
        self.host_path = path
        self.host_size, self.host_nlink = st.st_size, st.st_nlink
        self._lower: weakref.WeakValueDictionary[bytes, Inode] = weakref.WeakValueDictionary()
        self._whiteouts: set[bytes] = set()
        self._scan: list[tuple[bytes, int, int]] | None = None  # the host listing a getdents goes through
        self._from_host(layer, st, origin)

    # -- names --

    def child(self, name: bytes) -> Inode | None:
        found = self._entries.get(name)
        if found is not None or name in self._whiteouts:
            return found
        found = self._lower.get(name)
        if found is None:
            found = self.layer.make(self, name)
            if found is not None:
                found.sb = self.sb
                self._lower[name] = found
        return found

    def lower_child(self, name: bytes) -> Inode | None:
        """The pristine host inode in use under `name`, if any (no lookup)."""
        return self._lower.get(name)

    def keep(self, name: bytes, inode: Inode) -> None:
        """A pinned inode: held here from now on."""
        self._lower.pop(name, None)
        self._entries[name] = inode

    def hide(self, name: bytes) -> None:
        """`name` is not shown, whatever the host has (/sys): a whiteout, no time moves."""
        self._whiteouts.add(name)

    def name_of(self, child: Inode) -> bytes | None:
        own = super().name_of(child)
        if own is not None:
            return own
        return next((n for n, i in self._lower.items() if i is child), None)

    @property
    def entries(self) -> dict[bytes, Inode]:
        merged: dict[bytes, Inode] = {}
        for name, _, _ in self._host_listing():
            inode = self.child(name)
            if inode is not None:
                merged[name] = inode
        merged.update(self._entries)
        return merged

    def add(self, name: bytes, inode: Inode) -> Inode:
        super().add(name, inode)
        self._lower.pop(name, None)
        if name in self._whiteouts:
            self._whiteouts.discard(name)
            if self.layer.space is not None:
                self.layer.space.unlink()  # the whiteout's inode goes: the name is a file again
        return inode

    def remove(self, name: bytes) -> Inode:
        self.pin()
        whiteout = name not in self._whiteouts and os.path.lexists(os.path.join(self.host_path, name))
        if whiteout and self.layer.space is not None:
            # Only a host name needs one (removing the machine's own names costs nothing). It takes an
            # inode, as an overlay's whiteout is one in its upper layer: ENOSPC before anything goes.
            self.layer.space.link()
        inode = self._entries.pop(name, None)
        if inode is None:
            inode = self._lower.pop(name)
        if whiteout:
            self._whiteouts.add(name)
        self.modified()
        return inode

    # -- the listing --

    def _host_listing(self) -> list[tuple[bytes, int, int]]:
        """(name, inode number, DT_*) of each host entry: readdir's d_type, an lstat only where that is unknown."""
        out = []
        dev = self.ident[0]
        try:
            with os.scandir(self.host_path) as found:
                for entry in found:
                    if entry.is_dir(follow_symlinks=False):
                        dt = DT_DIR
                    elif entry.is_file(follow_symlinks=False):
                        dt = DT_REG
                    elif entry.is_symlink():
                        dt = DT_LNK
                    else:  # a FIFO, socket or device: its type from lstat (it is never opened)
                        dt = DT.get(stat.S_IFMT(entry.stat(follow_symlinks=False).st_mode), 0)
                    out.append((entry.name, self.layer.ino(dev, entry.inode()), dt))
        except FileNotFoundError:
            return []  # the host removed it: an empty directory, as getdents on a removed one
        except OSError as exc:
            raise Errno(exc.errno or EIO) from None
        return out

    def dirents(self, task: Task, *, fresh: bool) -> list[tuple[int, bytes, int, int]]:
        """The host's names at their places in the host listing (a whiteout leaves its place empty), then
        the machine's own names after all of them."""
        if fresh or self._scan is None:
            self._scan = self._host_listing()
        out = [(1, b".", self.ino, DT_DIR), (2, b"..", self.parent.ino, DT_DIR)]
        host = set()
        for at, (name, ino, dt) in enumerate(self._scan, FIRST_POSITION):
            host.add(name)
            if name in self._whiteouts:
                continue
            own = self._entries.get(name)
            out.append((at, name, ino, dt) if own is None else (at, name, own.ino, DT.get(own.kind, 0)))
        added = [name for name in self._entries if name not in host]
        placed = self._place(added)
        out += sorted((OWN_POSITIONS + placed[name], name, self._entries[name].ino,
                       DT.get(self._entries[name].kind, 0)) for name in added)
        return out

    def _merge(self, scan: list[tuple[bytes, int, int]]) -> list[tuple[bytes, int, int]]:
        """The host's names without whiteouts, the machine's own in place of a host one, then its new ones."""
        out = []
        for name, ino, dt in scan:
            if name in self._whiteouts:
                continue
            own = self._entries.get(name)
            out.append((name, ino, dt) if own is None else (name, own.ino, DT.get(own.kind, 0)))
        host = {name for name, _, _ in scan}
        out += [(name, i.ino, DT.get(i.kind, 0)) for name, i in self._entries.items() if name not in host]
        return out

    def is_empty(self) -> bool:
        if self._entries:
            return False
        try:
            with os.scandir(self.host_path) as found:
                return all(entry.name in self._whiteouts for entry in found)
        except FileNotFoundError:
            return True
        except OSError as exc:
            raise Errno(exc.errno or EIO) from None

    def link_count(self) -> int:
        if self.nlink <= 0:
            return 0
        if not self._entries and not self._whiteouts:
            return self.host_nlink  # unchanged: the host's own count (no listing for a stat)
        return 2 + sum(dt == DT_DIR for _, _, dt in self._merge(self._host_listing()))

    # -- the rest of its metadata --

    def size(self) -> int:
        return self.host_size

    def blocks(self) -> int:
        return self.host_blocks

    def opening(self, flags: int) -> None:
        if not flags & O_PATH and not os.access(self.host_path, os.R_OK):
            raise Errno(EACCES)
