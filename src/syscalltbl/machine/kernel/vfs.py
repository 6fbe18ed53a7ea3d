"""The in-memory filesystem: inodes, open files, pipes and devices (/proc is procfs.py).

An empty tree (with the machine's /dev and /proc), or a copy-on-write view of
a host directory (kernel/hostfs.py: read on demand, never written; what a
program changes lives here in memory). Nothing a program does reaches the
host's files; fds 0-2 are the one exception, open files over the host's own
descriptors.

What a program sees when the host changes a file of the root while it runs:
a name is looked up on the host when the machine first needs it, and its
size and metadata are those of that lookup for as long as the machine keeps
the inode (while some program holds it open, mapped or as its directory, or
once a program changed it); a file nobody holds is forgotten and looked up
again next time. A file's bytes are read from the host when a program reads
them, so a change the host makes in place shows through, cut or zero-padded
to the size of the lookup; a page a mapping touched keeps what it read then.
If the host replaces or removes the file (another inode at that path), its
unread bytes are lost: read() gets EIO and a mapping's touch SIGBUS, as
after a disk error. A directory listing is read from the host each time a
program lists the directory from its start. A copy-up (the first write,
truncate, or open for writing) reads the whole file in: from then on it is
the machine's and no host change shows through.
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import os
import select
import stat
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, Final

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.physmem import PhysicalMemory
from syscalltbl.machine.kernel import dnotify, fsnotify, landlock, permission
from syscalltbl.machine.kernel.blockmap import BlockMap
from syscalltbl.machine.kernel.fsspace import Charge, Space, pages
from syscalltbl.machine.kernel.lease import break_lease, release_lease
from syscalltbl.machine.kernel.locks import release_file_locks, release_owner_locks
from syscalltbl.machine.kernel.mount import Mount, MountNamespace, Superblock
from syscalltbl.machine.kernel.overlayfs import OverlaySuper
from syscalltbl.machine.kernel.pagecache import FilePages
from syscalltbl.machine.kernel.permission import MAY_EXEC, MAY_WRITE
from syscalltbl.machine.kernel.randomdev import random_ioctl
from syscalltbl.machine.kernel.resolve import Scope, is_magic
from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.kernel.wait import HOST_POLL_INTERVAL, Sleep
from syscalltbl.machine.uapi.errno import (  # fmt: skip
    EACCES,
    EAGAIN,
    EBADF,
    EBUSY,
    EEXIST,
    EFBIG,
    EINVAL,
    EISDIR,
    ELOOP,
    EMFILE,
    ENAMETOOLONG,
    ENOENT,
    ENOMEM,
    ENOSPC,
    ENOTDIR,
    ENOTEMPTY,
    ENOTTY,
    ENXIO,
    EPERM,
    EPIPE,
    ESPIPE,
    ETXTBSY,
    EXDEV,
    Errno,
)
from syscalltbl.machine.uapi.fcntl import (
    F_SEAL_FUTURE_WRITE,
    F_SEAL_GROW,
    F_SEAL_SEAL,
    F_SEAL_SHRINK,
    F_SEAL_WRITE,
    O_ACCMODE,
    O_APPEND,
    O_CREAT,
    O_DIRECT,
    O_DIRECTORY,
    O_EXCL,
    O_NOATIME,
    O_NOFOLLOW,
    O_NONBLOCK,
    O_PATH,
    O_PATH_FLAGS,
    O_RDONLY,
    O_RDWR,
    O_TRUNC,
    O_WRONLY,
    SEEK_DATA,
    SEEK_HOLE,
)
from syscalltbl.machine.uapi.fileattr import FS_NOATIME_FL
from syscalltbl.machine.uapi.landlock import (
    LANDLOCK_ACCESS_FS_IOCTL_DEV,
    LANDLOCK_ACCESS_FS_MAKE_REG,
    LANDLOCK_ACCESS_FS_REMOVE_DIR,
    LANDLOCK_ACCESS_FS_REMOVE_FILE,
    LANDLOCK_ACCESS_FS_TRUNCATE,
)
from syscalltbl.machine.uapi.misc import (
    DT_BLK,
    DT_CHR,
    DT_DIR,
    DT_FIFO,
    DT_LNK,
    DT_REG,
    DT_SOCK,
    FIONREAD,
    NR_OPEN,
    PATH_MAX,
    TCGETS,
    TIOCGWINSZ,
)
from syscalltbl.machine.uapi.mount import MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RELATIME
from syscalltbl.machine.uapi.poll import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLPRI, POLLRDNORM, POLLWRNORM

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.locks import InodeLocks
    from syscalltbl.machine.kernel.mm import Mm
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.kernel.xattr import Xattrs

# include/uapi/asm-generic/fcntl.h
PIPE_BUF_SIZE: Final = 65536
SHORT_SYMLINK: Final = 128  # a target up to this long lives in the inode, as tmpfs keeps it (no page)
HOST_PIPE_WRITE: Final = 4096  # PIPE_BUF: what a host pipe that polls writable takes without blocking
NR_OPEN_DEFAULT: Final = 64  # BITS_PER_LONG: the descriptors a files_struct holds before it grows
MAX_SYMLINKS: Final = 40
#: A file's Landlock rights for later calls when no domain restricts its opener: all of them.
LANDLOCK_OPEN_RIGHTS: Final = LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV
FD_BYTES: Final = 256  # what a descriptor and its open file cost the host, charged to RAM (FdTable)
BLOCK_SIZE: Final = 4096  # what st_blksize says, and the unit files take space in (as on ext4)
# tmpfs's s_maxbytes (MAX_LFS_FILESIZE): past it writes and truncates get EFBIG. Only the blocks a file
# has allocated hold host memory (and are charged, kernel/blockmap.py); a hole costs nothing.
MAX_FILE_SIZE: Final = (1 << 63) - 1
#: What statfs counts as room on a tree without limits: one file of 256 MiB.
UNLIMITED_ROOM: Final = 1 << 28
# include/uapi/asm-generic/poll.h
DEFAULT_POLLMASK: Final = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM  # a file that never blocks
DT = {stat.S_IFDIR: DT_DIR, stat.S_IFREG: DT_REG, stat.S_IFLNK: DT_LNK, stat.S_IFCHR: DT_CHR, stat.S_IFIFO: DT_FIFO,
      stat.S_IFBLK: DT_BLK, stat.S_IFSOCK: DT_SOCK}
# The machine's own inodes are numbered below this; a host file's number is made
# from its host device and inode above it (hostfs.py), the same each time it is looked up.
HOST_INO_BASE: Final = 1 << 48
#: st_dev of every file in the in-memory tree (stat, statfs, and /proc/locks's MAJOR:MINOR:INODE).
FS_DEV: Final = 0x2A
#: Listing positions (getdents' d_off): "." is 1, ".." 2, a directory's names from here.
FIRST_POSITION: Final = 3

_next_ino = iter(range(2, HOST_INO_BASE))


class Inode:
    """What every file has: type and permissions, owner, times (ns since the epoch), link count."""

    #: Its record, OFD and flock locks (kernel/locks.py), made at the first lock taken.
    locks: InodeLocks | None = None
    #: The filesystem it is on (kernel/mount.py), given by the directory it is made in; None: /proc's.
    sb: Superblock | None = None
    #: chattr's inode flags, FS_*_FL (kernel/fileattr.py): immutable, append-only, nodump, noatime.
    fsflags: int = 0

    def __init__(self, mode: int, rdev: int = 0) -> None:
        self.ino = next(_next_ino)
        self.mode = mode
        self.nlink = 1
        self.rdev = rdev
        self.uid = self.gid = 0
        self.atime = self.mtime = self.ctime = time.time_ns()
        self.btime = self.ctime  # birth: what statx's STATX_BTIME reports, as tmpfs keeps i_crtime
        #: Extended attributes (kernel/xattr.py), made at the first one set.
        self.xattrs: Xattrs | None = None

    @property
    def kind(self) -> int:
        return stat.S_IFMT(self.mode)

    def size(self) -> int:
        return 0

    def blocks(self) -> int:
        """st_blocks: 512-byte units allocated, whole BLOCK_SIZE blocks as ext4 allocates them."""
        return 0

    def modified(self) -> None:
        """The contents changed: mtime and ctime move, as file_update_time() does."""
        self.mtime = self.ctime = time.time_ns()

    def changed(self) -> None:
        """The inode changed (mode, owner, links, times): ctime moves."""
        self.ctime = time.time_ns()

    def accessed(self) -> None:
        """A read: atime moves under relatime's rule (touch_atime -> relatime_need_update).

        Only when atime is not newer than mtime or ctime, or is a day old,
        so reading a file over and over does not rewrite it. Never for a file
        with FS_NOATIME_FL (touch_atime's IS_NOATIME).
        """
        if self.fsflags & FS_NOATIME_FL:
            return
        if self.atime <= self.mtime or self.atime <= self.ctime:
            self.atime = time.time_ns()
            return
        now = time.time_ns()
        if now - self.atime >= 24 * 3600 * 10**9:
            self.atime = now

    def owned_by(self, uid: int, gid: int) -> Inode:
        self.uid, self.gid = uid, gid
        return self

    def pin(self) -> None:
        """About to change: a file of the host root becomes the machine's to keep (hostfs.py); ENOSPC if it cannot."""

    def opening(self, flags: int) -> None:
        """open(2) with `flags` reached this inode (after the checks of its type): a last word, as ->open has."""

    def attach(self, task: Task, f: OpenFile) -> None:
        """`task` opened `f` on this inode (not O_PATH): a FIFO counts its reader or writer here, or waits (Sleep)."""

    # The operations an open file forwards here; the defaults say "not this kind of file".
    def read(self, f: OpenFile, count: int) -> bytes:
        raise Errno(EINVAL)

    def write(self, f: OpenFile, data: bytes) -> int:
        raise Errno(EINVAL)

    def write_from(self, f: OpenFile, data: bytes, writer: Task) -> int:
        """write(2)'s entry: most files do not care who writes (/proc/PID/comm does)."""
        return self.write(f, data)

    #: A write's EPIPE sends the writer SIGPIPE (pipe_write's); a socket sends its own, when Linux does.
    SIGPIPE_ON_EPIPE: ClassVar[bool] = True

    def message_limit(self) -> int | None:
        """None: a writev writes its buffers one after another. Else writev is one write of all of them, of
        which no more than this many bytes matter (a datagram or seqpacket socket's message: more is EMSGSIZE)."""
        return None

    def read_by(self, f: OpenFile, count: int, reader: Task) -> bytes:
        """read(2)'s entry: most files do not care who reads (a socket's timed wait does)."""
        return self.read(f, count)

    def ioctl(self, f: OpenFile, request: int) -> bytes | int:
        raise Errno(ENOTTY)

    def unlocked_ioctl(self, task: Task, f: OpenFile, request: int, arg: int) -> int:
        """ioctl(2) on this file: the built-in files answer a value that is stored at `arg`.

        A device whose driver copies in and out itself (devices.py) overrides this.
        """
        answer = self.ioctl(f, request)
        copy_to_user(task.mm, arg, answer if isinstance(answer, bytes) else answer.to_bytes(4, "little", signed=True))
        return 0

    def seekable(self) -> bool:
        return False

    # Whether the file has ->splice_read and ->splice_write: splice refuses one without (EINVAL) before it
    # waits on the pipe at its other end. Most special files have neither.
    def can_splice_read(self) -> bool:
        return False

    def can_splice_write(self) -> bool:
        return False

    def poll(self, f: OpenFile) -> int:
        """The POLL* events that hold now (->poll, without waiting)."""
        return DEFAULT_POLLMASK

    def write_room(self, f: OpenFile) -> int | None:
        """How much one write can take now without blocking (None: no limit), or Sleep until some can.

        For a service that must not consume its input before it knows the
        write will not block (sendfile): Sleep means "restart later".
        """
        return None

    def release(self, f: OpenFile) -> None:
        pass


class Regular(Inode):
    """A file of the in-memory filesystem: its bytes are `pages` (kernel/pagecache.py), page by page in host
    memory or, once mapped, in the frames of RAM that every mapping, read() and write() share."""

    def can_splice_read(self) -> bool:
        return True  # filemap_splice_read

    def can_splice_write(self) -> bool:
        return True  # iter_file_splice_write
    #: File seals (F_ADD_SEALS): a tmpfs file is born with F_SEAL_SEAL, so only a memfd made to allow
    #: sealing (kernel/memfd.py) ever has others; write, truncate and fallocate check them (mm/shmem.c).
    seals: int = F_SEAL_SEAL

    def __init__(self, data: bytes = b"", perm: int = 0o644, space: Space | None = None, *,
                 seeded: bool = False) -> None:
        """A file of `space` (charged for its inode and data; ENOSPC if they do not fit) or of none."""
        super().__init__(stat.S_IFREG | perm)
        self.space = space
        self.charge: Charge | None = None
        if space is not None:
            self.charge = space.new_inode(self, seeded=seeded)
            if space.grow(self.charge, pages(len(data)), seeded=seeded) < pages(len(data)):
                space.shrink(self.charge, 0)
                raise Errno(ENOSPC)
        self.pages = FilePages(data)
        self.mappers: weakref.WeakSet[Mm] = weakref.WeakSet()  # address spaces that map it (to unmap on truncate)
        # Allocated blocks (pages): a truncate that grows the file or a write past its end leaves a hole, as
        # tmpfs does. The charge is what they are: every page with data or a frame is one of them.
        self.blockmap = BlockMap(pages(len(data)))

    def size(self) -> int:
        return self.pages.size

    @property
    def data(self) -> bytes:
        """The whole file (exec reads it so); assigning replaces it (as a test rewrites a file)."""
        with contextlib.suppress(Errno):  # no inode left for it: it is still read, only not kept
            self.pin()  # a program: a host file is kept from now on, with the page cache exec makes for it
        return self.pages.assemble()

    @data.setter
    def data(self, value: bytes | bytearray) -> None:
        self.own_bytes(0)
        self.pages.replace(value)
        self.blockmap.add(0, pages(len(value)))
        if self.space is not None and self.charge is not None:  # charged for what it holds, as always
            self.space.grow(self.charge, self.blockmap.count, seeded=True)

    def map_into(self, ram: PhysicalMemory) -> None:
        """Its pages may be mapped from now on; they take frames of `ram`, paid by the file's charge when it has one."""
        self.pages.attach(ram, reserved=self.space is not None and self.space.ram is ram and self.charge is not None)
        if self.charge is not None:
            self.charge.release = self.pages.drop_all

    def page(self, index: int) -> int | None:
        """The frame of page `index` for a mapping (Backing.page): None past the end of the file, or for a hole
        the filesystem has no room to fill (SIGBUS, as shmem_fault's ENOSPC)."""
        if self.unallocated(index):
            if self._reserve(self.blockmap.count + 1) <= self.blockmap.count:
                return None
            self.blockmap.add(index, index + 1)  # a touched hole takes a page, as shmem_fault allocates one
        return self.pages.page(index)

    def unallocated(self, index: int) -> bool:
        """Page `index` is a hole of the file (within its size) that a mapping's touch must allocate."""
        pages_ = self.pages
        return (pages_.lower is None and index not in pages_.frames and index not in pages_.chunks
                and index * PAGE_SIZE < pages_.size and bool(self.blockmap.missing(index, index + 1)))

    def room_for_a_page(self) -> bool:
        """Whether one more page can be allocated (charged to the filesystem and RAM) without changing anything."""
        space, charge = self.space, self.charge
        if space is None or charge is None or charge.pages > self.blockmap.count:
            return True
        if not space.free_pages:
            return False
        ram = space.ram
        return ram is None or ram.frames - ram.frames_in_use - ram.reserved > 0

    def resident_in(self, first: int, end: int) -> list[int]:
        """The pages in [first, end) holding data (Backing.resident_in): not holes, as tmpfs has its pages."""
        return self.pages.resident_in(first, end)

    def cached(self, first: int, end: int) -> list[tuple[int, int]]:
        """(index, frame) of the pages in [first, end) that the page cache holds now, within the file
        (Backing.cached: filemap_map_pages maps only pages already there, none past the end)."""
        frames = self.pages.frames
        end = min(end, -(-self.pages.size // PAGE_SIZE))
        return [(index, frame) for index in range(first, end) if (frame := frames.get(index)) is not None]

    def opened(self) -> None:
        pass

    def closed(self) -> None:
        pass

    def own_bytes(self, keep: int) -> None:
        """The bytes are about to change, and only the first `keep` of them matter: a host file copies them up."""

    def punch(self, first: int, count: int) -> None:
        """Zeros over pages [first, first + count) of the file (MADV_REMOVE's hole), its size unchanged."""
        self.own_bytes(self.pages.size)
        if first * PAGE_SIZE < self.pages.size:
            self.pages.punch(first, first + count)
            self.modified()

    def blocks(self) -> int:
        return self.blockmap.count * (BLOCK_SIZE // 512)

    def _allocate(self, start: int, end: int) -> None:
        """Blocks for bytes [start, end), merged with the runs they touch."""
        self.blockmap.add(start // BLOCK_SIZE, -(-end // BLOCK_SIZE))

    def _reserve(self, wanted: int) -> int:
        """The charge raised to `wanted` blocks if the filesystem has room: how many it may hold now."""
        if self.space is None or self.charge is None:
            return wanted
        return self.space.grow(self.charge, wanted)

    def allocate(self, start: int, end: int, *, keep_size: bool) -> None:
        """fallocate: blocks for bytes [start, end), reading zeros where they were holes; the size grows to
        `end` unless `keep_size` (EFBIG past the largest file, ENOSPC when the filesystem has not room for
        every block, nothing allocated then, as shmem_fallocate undoes a partial one)."""
        if end > MAX_FILE_SIZE:
            raise Errno(EFBIG)
        if self.seals & F_SEAL_GROW and end > self.pages.size:
            raise Errno(EPERM)  # shmem_fallocate: with FALLOC_FL_KEEP_SIZE too
        self.own_bytes(self.pages.size)
        first, last = start // BLOCK_SIZE, -(-end // BLOCK_SIZE)
        new = sum(b - a for a, b in self.blockmap.missing(first, last))
        if self._reserve(self.blockmap.count + new) < self.blockmap.count + new:
            self._settle()
            raise Errno(ENOSPC)
        if not keep_size and end > self.pages.size:
            self.pages.truncate(end, self._unmap_from)
        self.blockmap.add(first, last)

    def punch_hole(self, start: int, end: int) -> None:
        """FALLOC_FL_PUNCH_HOLE: bytes [start, end) read zeros, whole blocks among them are freed; the
        size stays (shmem_fallocate's shmem_truncate_range)."""
        if self.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE):
            raise Errno(EPERM)
        end = min(end, self.pages.size)
        if start >= end:
            return
        self.own_bytes(self.pages.size)
        first, last = -(-start // BLOCK_SIZE), end // BLOCK_SIZE
        if first > last:  # within one block: zeros only
            self.pages.write(start, bytes(end - start))
            return
        self.pages.write(start, bytes(first * BLOCK_SIZE - start))
        self.pages.write(last * BLOCK_SIZE, bytes(end - last * BLOCK_SIZE))
        self.pages.punch(first, last)
        # A page a mapping holds keeps its frame here (zeroed): it stays one of the file's blocks.
        held = sorted(i for i in self.pages.frames if first <= i < last)
        at = first
        for index in [*held, last]:
            self.blockmap.remove(at, index)
            at = index + 1
        self._settle()

    def seek_data(self, offset: int, *, hole: bool) -> int:
        """SEEK_DATA / SEEK_HOLE: where the next allocated block (or the next hole, the end of the file being
        one) is, from `offset`; ENXIO from the end of the file on, or with no data after `offset`."""
        size = self.pages.size
        if not 0 <= offset < size:
            raise Errno(ENXIO)
        runs = self.blockmap.runs
        for first, end in runs[max(bisect.bisect_right(runs, (offset // BLOCK_SIZE,)) - 1, 0):]:
            start, stop = first * BLOCK_SIZE, min(end * BLOCK_SIZE, size)
            if stop <= offset:
                continue
            if hole:
                if start > offset:
                    return offset
                offset = stop  # inside data: the hole is where it ends
            else:
                return max(start, offset)
        if hole:
            return min(offset, size)
        raise Errno(ENXIO)

    def seekable(self) -> bool:
        return True

    def read(self, f: OpenFile, count: int) -> bytes:
        out = self.pages.read(f.offset, f.offset + count)
        f.offset += len(out)
        self.accessed()
        return out

    def room(self, start: int, end: int) -> int:
        """Where a write of bytes [start, end) must stop: `end`, or the first block past `start` its filesystem
        has no room to allocate (its charge raised for the blocks before)."""
        gaps = self.blockmap.missing(start // BLOCK_SIZE, -(-end // BLOCK_SIZE))
        new = sum(b - a for a, b in gaps)
        if not new:
            return end
        fits = self._reserve(self.blockmap.count + new) - self.blockmap.count
        if fits >= new:
            return end
        for a, b in gaps:  # the first block beyond those it has room for
            if fits < b - a:
                return max(start, (a + fits) * BLOCK_SIZE)
            fits -= b - a
        return end

    def _settle(self) -> None:
        """The charge back to the blocks allocated, after a grow that did not happen in full or blocks freed."""
        if self.space is not None and self.charge is not None:
            self.space.shrink(self.charge, self.blockmap.count)

    def write(self, f: OpenFile, data: bytes) -> int:
        if not data:
            return 0  # nothing to write: no offset moves, no time changes, no file grows
        self.own_bytes(self.pages.size)
        if f.flags & O_APPEND:
            f.offset = self.pages.size
        end = f.offset + len(data)
        if end > MAX_FILE_SIZE:
            if f.offset >= MAX_FILE_SIZE:
                raise Errno(EFBIG)
            data, end = data[: MAX_FILE_SIZE - f.offset], MAX_FILE_SIZE  # a short write up to the limit
        if self.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_GROW):
            data = self._sealed_write(f.offset, data)
            end = f.offset + len(data)
        fits = self.room(f.offset, end)
        if fits < end:
            # shmem_write_begin fails at the first page it cannot have: a short write up to there.
            if fits <= f.offset:
                self._settle()
                raise Errno(ENOSPC)
            data, end = data[: fits - f.offset], fits
        self.pages.write(f.offset, data)  # a mapped page sees it at once: it is the same frame
        self._allocate(f.offset, end)
        f.offset = end
        self.modified()
        return len(data)

    def _sealed_write(self, offset: int, data: bytes) -> bytes:
        """What of `data` a sealed file takes at `offset`: shmem_write_begin refuses each page-sized piece
        that would write a write-sealed file or grow a grow-sealed one, so the write stops short before
        the first (EPERM if that is the first)."""
        if self.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE):
            raise Errno(EPERM)
        size = self.pages.size
        if offset + len(data) <= size:
            return data
        fits = size - size % PAGE_SIZE  # the pieces end at page boundaries, the last at the write's end
        if fits <= offset:
            raise Errno(EPERM)
        return data[: fits - offset]

    def check_seals_resize(self, length: int) -> None:
        """shmem_setattr: a shrink-sealed file is not made shorter, a grow-sealed one not longer (EPERM)."""
        size = self.pages.size
        if (length < size and self.seals & F_SEAL_SHRINK) or (length > size and self.seals & F_SEAL_GROW):
            raise Errno(EPERM)

    def truncate(self, length: int) -> None:
        """Cut or zero-extend to `length` bytes (do_truncate)."""
        if length > MAX_FILE_SIZE:
            raise Errno(EFBIG)
        self.check_seals_resize(length)
        self.own_bytes(min(length, self.pages.size))
        if length < self.pages.size:
            self.pages.truncate(length, self._unmap_from)
            self.blockmap.cut(-(-length // BLOCK_SIZE))
            self._settle()
        else:
            self.pages.truncate(length, self._unmap_from)  # a hole: no blocks, nothing charged

    def _unmap_from(self, first: int) -> None:
        """Pages from `first` on leave every mapping of the file (a truncate cut them off)."""
        for mm in list(self.mappers):
            mm.unmap_backing(self, first)


class Symlink(Inode):
    def __init__(self, target: bytes) -> None:
        super().__init__(stat.S_IFLNK | 0o777)
        self._target = target

    def target(self, task: Task) -> bytes:
        return self._target

    def jump(self, task: Task) -> Inode | None:
        """The inode a "magic" link leads to without a path (/proc/PID/fd/N's nd_jump_link); None for a plain one."""
        return None

    def size(self) -> int:
        return len(self._target)


class Directory(Inode):
    #: A directory of the tree, where files are made, removed and renamed (not /proc's).
    in_tree: ClassVar[bool] = True

    def __init__(self, parent: Directory | None = None, perm: int = 0o755) -> None:
        super().__init__(stat.S_IFDIR | perm)
        self.parent = parent or self
        self._entries: dict[bytes, Inode] = {}  # what the directory holds in memory (of a host one: what changed)
        # Where each name is in a listing (getdents' d_off): given when a listing first sees it, kept while it
        # is there, so that removing names does not move the others under a listing going on (rm -r's).
        self._positions: dict[bytes, int] = {}
        self._next_position = FIRST_POSITION

    @property
    def entries(self) -> dict[bytes, Inode]:
        """Every name and its inode (a host directory looks each of its names up for it: a costly question)."""
        return self._entries

    def held(self) -> dict[bytes, Inode]:
        """The names whose inodes the directory holds in memory (statfs counts these)."""
        return self._entries

    def seekable(self) -> bool:
        return True

    def size(self) -> int:
        return BLOCK_SIZE  # one block of entries, as ext4 shows a small directory

    def blocks(self) -> int:
        return self.size() // 512

    def child(self, name: bytes) -> Inode | None:
        """The inode named `name` here, if any."""
        return self._entries.get(name)

    def lookup(self, name: bytes, task: Task) -> Inode | None:
        return self.child(name)

    def name_of(self, child: Inode) -> bytes | None:
        """The name `child` has here (getcwd walks up by it)."""
        return next((n for n, i in self._entries.items() if i is child), None)

    def listing(self, task: Task) -> list[tuple[bytes, Inode]]:
        return [(b".", self), (b"..", self.parent), *self.entries.items()]

    def dirents(self, task: Task, *, fresh: bool) -> list[tuple[int, bytes, int, int]]:
        """getdents' records, in order: (position, name, inode number, DT_*), "." and ".." first; a listing
        goes on after the last position it returned. `fresh`: a listing from its start."""
        if not self.in_tree:  # /proc: made anew for each call, numbered as listed
            listed = enumerate(self.listing(task), 1)
            return [(i, name, inode.ino, DT.get(inode.kind, 0)) for i, (name, inode) in listed]
        own = self._place(list(self._entries))
        return [(1, b".", self.ino, DT_DIR), (2, b"..", self.parent.ino, DT_DIR),
                *sorted((own[name], name, inode.ino, DT.get(inode.kind, 0)) for name, inode in self._entries.items())]

    def _place(self, names: list[bytes]) -> dict[bytes, int]:
        """The positions of `names` (a new one after all the others); the names no longer here are forgotten."""
        known = self._positions
        placed = {}
        for name in names:
            at = known.get(name)
            if at is None:
                at, self._next_position = self._next_position, self._next_position + 1
            placed[name] = at
        self._positions = placed
        return placed

    def is_empty(self) -> bool:
        """No name but "." and ".." (rmdir, and a rename over it, ask)."""
        return not self._entries

    def link_count(self) -> int:
        """st_nlink: its name, its "." and each subdirectory's ".."; none once removed."""
        if self.nlink <= 0:
            return 0
        return 2 + sum(isinstance(i, Directory) for i in self.entries.values())

    def mount(self, name: bytes, inode: Inode) -> None:
        """`inode` appears as `name`, as a mount would cover it: no time moves (/dev and /proc at boot)."""
        self._entries[name] = inode
        if inode.sb is None:
            inode.sb = self.sb
        if isinstance(inode, Directory):
            inode.parent = self

    def add(self, name: bytes, inode: Inode) -> Inode:
        if self.nlink <= 0:
            raise Errno(ENOENT)  # removed while open: nothing can be created in it
        self.pin()
        self._entries[name] = inode
        inode.sb = self.sb  # made here, or renamed here from the same filesystem (EXDEV otherwise)
        if isinstance(inode, Directory):
            inode.parent = self
        self.modified()
        return inode

    def remove(self, name: bytes) -> Inode:
        self.pin()
        inode = self._entries.pop(name)
        self.modified()
        return inode

    def mkdir(self, name: bytes) -> Directory:
        child = self.child(name)
        if isinstance(child, Directory):
            return child
        made = Directory(self)
        self.add(name, made)
        return made


class Device(Inode):
    """/dev/null and /dev/zero (drivers/char/mem.c)."""

    def can_splice_read(self) -> bool:
        return self.source is not None  # /dev/zero's copy_splice_read; /dev/null has none

    def can_splice_write(self) -> bool:
        return True  # splice_write_null, splice_write_zero

    def __init__(self, rdev: int, source: bytes | None) -> None:
        super().__init__(stat.S_IFCHR | 0o666, rdev)
        self.source = source  # None: reads see end of file

    def read(self, f: OpenFile, count: int) -> bytes:
        return b"" if self.source is None else bytes(count)

    def write(self, f: OpenFile, data: bytes) -> int:
        return len(data)


class FullDevice(Device):
    """/dev/full (drivers/char/mem.c): reads zeros, and every write finds the device full (ENOSPC)."""

    def can_splice_write(self) -> bool:
        return False  # full_fops: copy_splice_read only

    def __init__(self, rdev: int) -> None:
        super().__init__(rdev, b"")

    def write(self, f: OpenFile, data: bytes) -> int:
        raise Errno(ENOSPC)


class RandomDevice(Device):
    """/dev/random and /dev/urandom (drivers/char/random.c): the host's random bytes; a write is taken and dropped."""

    def can_splice_read(self) -> bool:
        return True

    def can_splice_write(self) -> bool:
        return True

    def __init__(self, rdev: int) -> None:
        super().__init__(rdev, None)

    def read(self, f: OpenFile, count: int) -> bytes:
        return os.urandom(count)  # the caller reads in chunks of RW_CHUNK: no more at once

    def unlocked_ioctl(self, task: Task, f: OpenFile, request: int, arg: int) -> int:
        return random_ioctl(task, request, arg)


class HostFile(Inode):
    """A descriptor of the host's: stdin/stdout/stderr, and /dev/tty when opened."""

    def can_splice_read(self) -> bool:
        return True  # a terminal's, a pipe's or a file's: each has both

    def can_splice_write(self) -> bool:
        return True

    def __init__(self, fd: int, *, owned: bool) -> None:
        mode = stat.S_IFCHR | 0o620
        with contextlib.suppress(OSError):
            mode = os.fstat(fd).st_mode
        super().__init__(mode)
        self.fd, self.owned = fd, owned

    def read(self, f: OpenFile, count: int) -> bytes:
        self._wait_until(f, POLLIN)
        try:
            return os.read(self.fd, count)
        except OSError as exc:
            raise Errno(exc.errno or EBADF) from None

    def write(self, f: OpenFile, data: bytes) -> int:
        self._wait_until(f, POLLOUT)
        if stat.S_ISFIFO(self.mode) or stat.S_ISSOCK(self.mode):
            # POLLOUT promises room for one page, not more: a longer write could block. The
            # caller sees a short count, as after a signal, and writes the rest next.
            data = data[:HOST_PIPE_WRITE]
        try:
            return os.write(self.fd, data)
        except OSError as exc:
            raise Errno(exc.errno or EBADF) from None

    def _wait_until(self, f: OpenFile, event: int) -> None:
        """Return when the host descriptor is ready for `event` (or in error); else EAGAIN, or sleep.

        Sleeping rather than blocking in os.read/os.write (an empty terminal or
        pipe, a full one) keeps the machine's other tasks and a Ctrl-C running.
        """
        def ready() -> bool:
            return bool(self.poll(f) & (event | POLLHUP | POLLERR))

        if ready():
            return
        if f.flags & O_NONBLOCK:
            raise Errno(EAGAIN)
        raise Sleep(ready, recheck=time.monotonic() + HOST_POLL_INTERVAL)

    def poll(self, f: OpenFile) -> int:
        """The host's answer for its own descriptor, without waiting."""
        poller = select.poll()
        poller.register(self.fd, POLLIN | POLLPRI | POLLOUT)
        try:
            return sum(events for _, events in poller.poll(0))
        except OSError:
            return POLLERR

    def ioctl(self, f: OpenFile, request: int) -> bytes | int:
        if request in (TCGETS, TIOCGWINSZ) and os.isatty(self.fd):
            size = 60 if request == TCGETS else 8
            return fcntl.ioctl(self.fd, request, bytes(size))
        raise Errno(ENOTTY)

    def release(self, f: OpenFile) -> None:
        if self.owned:
            os.close(self.fd)


class TtyDevice(Inode):
    """/dev/tty: opening it opens the host's controlling terminal."""

    def can_splice_read(self) -> bool:
        return True  # tty_fops: copy_splice_read, iter_file_splice_write

    def can_splice_write(self) -> bool:
        return True

    def __init__(self) -> None:
        super().__init__(stat.S_IFCHR | 0o666, os.makedev(5, 0))


class Pipe:
    """A pipe's buffer: a ring of page-sized slots (struct pipe_buffer), as many as its capacity has pages.

    With `ram`, its bytes take whole frames of it, as a pipe's pages do on Linux.
    A write first adds what it has over whole pages to the last slot, if that
    slot's page has room for all of it; the rest fills new slots, a page each
    (pipe_write). A slot is free again only once all of it is read, so a pipe
    with every slot taken is full however few bytes they hold: writers wait,
    and poll shows no POLLOUT, until a read empties one (pipe_poll's pipe_full).
    A write through an end opened with O_DIRECT (pipe2's packet mode) makes
    packets of at most a page, each a slot that nothing merges into: a read
    returns at most one of them, and the part of it the read had no room for
    is dropped.
    """

    def __init__(self, ram: PhysicalMemory | None = None) -> None:
        self.buffer = bytearray()
        # The slots in use, oldest first: [unread bytes, is a packet, bytes written into its page].
        self.slots: deque[list[int]] = deque()
        self.readers = self.writers = 0
        self.capacity = PIPE_BUF_SIZE  # F_SETPIPE_SZ changes it (kernel/pipesize.py)
        # How often each side's waiters were woken: pipe_write wakes readers on every write (epoll
        # asks it to), pipe_read wakes writers when it frees a slot of a full pipe. What an
        # edge-triggered epoll item on an end goes by.
        self.readers_woken = self.writers_woken = 0
        self.ram = ram
        self.charge = Charge()
        if ram is not None:
            weakref.finalize(self, ram.unreserve_charge, self.charge)

    def fit(self, count: int) -> int:
        """How many of `count` more bytes RAM lets the buffer hold (pipe_write allocates page by page)."""
        if self.ram is None:
            return count
        more = pages(len(self.buffer) + count) - self.charge.pages
        if more > 0:
            more = min(more, max(self.ram.frames - self.ram.frames_in_use - self.ram.reserved, 0))
            self.ram.reserve(more)
            self.charge.pages += more
        return min(count, self.charge.pages * BLOCK_SIZE - len(self.buffer))

    def used(self) -> int:
        """How much of the pipe's capacity its slots take: a whole page each, however much of it is unread."""
        return len(self.slots) * BLOCK_SIZE

    def full(self) -> bool:
        """pipe_full: every slot taken."""
        return len(self.slots) >= self.capacity // BLOCK_SIZE

    def room(self, *, packets: bool) -> int:
        """The bytes the free slots take (0: full, where poll shows no POLLOUT and a writer waits)."""
        return max(self.capacity // BLOCK_SIZE - len(self.slots), 0) * BLOCK_SIZE

    def room_for(self, count: int, *, packets: bool) -> int:
        """How many of a write's `count` bytes go in now: what merges into the last slot, then new slots."""
        return self._merged(count) + self.room(packets=packets)

    def _merged(self, count: int) -> int:
        """What of a `count`-byte write joins the last slot: its part past whole pages, if all of it fits.

        Whichever the write's mode: pipe_write merges by the last buffer's flag (a stream buffer is
        PIPE_BUF_FLAG_CAN_MERGE, a packet is not), so a packet-mode write joins a stream slot's page.
        """
        chars = count % BLOCK_SIZE
        last = self.slots[-1] if self.slots else None
        if not chars or last is None or last[1] or last[2] + chars > BLOCK_SIZE:
            return 0
        return chars

    def put(self, data: bytes, *, packets: bool) -> None:
        """pipe_write's buffers for `data` (which room_for let in), in packet mode or not."""
        merged = self._merged(len(data))
        if merged:
            self.slots[-1][0] += merged
            self.slots[-1][2] += merged
        for at in range(merged, len(data), BLOCK_SIZE):
            n = min(BLOCK_SIZE, len(data) - at)
            self.slots.append([n, int(packets), n])
        self.buffer += data
        self.readers_woken += 1

    def take(self, count: int) -> bytes:
        """pipe_read's copy: up to `count` bytes, ending with the first packet reached (its unread rest dropped)."""
        taken = consumed = 0
        wake_writer = False
        while self.slots and taken < count:
            slot = self.slots[0]
            n = min(slot[0], count - taken)
            taken += n
            consumed += slot[0] if slot[1] else n
            slot[0] = 0 if slot[1] else slot[0] - n
            if not slot[0]:
                wake_writer |= self.full()  # a slot freed in a full pipe: its writers may go on
                self.slots.popleft()
            if slot[1]:
                break
        out = bytes(self.buffer[:taken])
        del self.buffer[:consumed]
        self.settle()
        if wake_writer:
            self.writers_woken += 1
        return out

    def settle(self) -> None:
        """Frames the buffer no longer needs go back to RAM."""
        if self.ram is not None:
            spare = self.charge.pages - pages(len(self.buffer))
            if spare > 0:
                self.ram.unreserve(spare)
                self.charge.pages -= spare


class PipeEnd(Inode):
    def __init__(self, pipe: Pipe, *, writer: bool) -> None:
        super().__init__(stat.S_IFIFO | 0o600)
        self.pipe, self.writer = pipe, writer
        if writer:
            pipe.writers += 1
        else:
            pipe.readers += 1

    def has_readers(self) -> bool:
        """Whether some end reads (a FIFO counts an opener still waiting in open)."""
        return self.pipe.readers > 0

    def has_writers(self) -> bool:
        return self.pipe.writers > 0

    def read(self, f: OpenFile, count: int) -> bytes:
        p = self.pipe
        if not p.buffer and self.has_writers():
            if f.flags & O_NONBLOCK:
                raise Errno(EAGAIN)
            raise Sleep(lambda: bool(p.buffer) or not self.has_writers())
        return p.take(count)

    def poll(self, f: OpenFile) -> int:
        """pipe_poll: a reader sees data or the last writer gone, a writer room or the last reader gone."""
        p = self.pipe
        mask = 0
        if f.readable():
            if p.buffer:
                mask |= POLLIN | POLLRDNORM
            if not self.has_writers():
                mask |= POLLHUP
        if f.writable():
            if p.room(packets=bool(f.flags & O_DIRECT)):
                mask |= POLLOUT | POLLWRNORM
            if not self.has_readers():
                mask |= POLLERR
        return mask

    def write_room(self, f: OpenFile) -> int | None:
        p = self.pipe
        if not self.has_readers():
            return None  # the write itself fails with EPIPE
        packets = bool(f.flags & O_DIRECT)
        room = p.room(packets=packets)
        if not room:
            if f.flags & O_NONBLOCK:
                raise Errno(EAGAIN)
            raise Sleep(lambda: p.room(packets=packets) > 0 or not self.has_readers())
        return room

    def write(self, f: OpenFile, data: bytes) -> int:
        p = self.pipe
        if not self.has_readers():
            raise Errno(EPIPE)  # the caller adds SIGPIPE
        packets = bool(f.flags & O_DIRECT)
        room = p.room_for(len(data), packets=packets)
        if not room and data:
            if f.flags & O_NONBLOCK:
                raise Errno(EAGAIN)
            raise Sleep(lambda: p.room(packets=packets) > 0 or not self.has_readers())
        n = p.fit(min(room, len(data)))
        if not n and data:
            raise Errno(ENOMEM)  # no page for it: pipe_write's -ENOMEM when nothing was written
        p.put(data[:n], packets=packets)
        return n

    def ioctl(self, f: OpenFile, request: int) -> bytes | int:
        if request == FIONREAD:
            return len(self.pipe.buffer)
        raise Errno(ENOTTY)

    def release(self, f: OpenFile) -> None:
        if self.writer:
            self.pipe.writers -= 1
        else:
            self.pipe.readers -= 1
        self.pipe.readers_woken += 1  # pipe_release wakes both sides: a hang-up to see
        self.pipe.writers_woken += 1

    def wakeups(self) -> tuple[int, int]:
        return self.pipe.readers_woken, self.pipe.writers_woken


class OpenFile:
    """An open file description: shared by dup'ed and inherited descriptors."""

    #: The open that made it created the file (FMODE_CREATED, what F_CREATED_QUERY tells).
    created = False
    #: What Landlock allowed, at open, of the rights later calls use (ftruncate's TRUNCATE, ioctl's IOCTL_DEV).
    landlock_rights = LANDLOCK_OPEN_RIGHTS

    def __init__(self, inode: Inode, flags: int, path: bytes) -> None:
        self.inode, self.flags, self.path = inode, flags, path
        self.offset = 0
        self.refs = 0

    # Access mode 3 opens a file for neither (OPEN_FMODE gives it no FMODE_READ or FMODE_WRITE): for ioctls.
    def readable(self) -> bool:
        return self.flags & O_ACCMODE in (O_RDONLY, O_RDWR) and not self.flags & O_PATH

    def writable(self) -> bool:
        return self.flags & O_ACCMODE in (O_WRONLY, O_RDWR) and not self.flags & O_PATH


class FdTable:
    """One process's descriptors: fd -> (open file, close-on-exec).

    With `ram`, each descriptor is charged FD_BYTES of it (ram.slab), what
    it and its open file cost the host: a table that would not fit is ENOMEM.
    """

    def __init__(self, ram: PhysicalMemory | None = None, nr_open: Callable[[], int] = lambda: NR_OPEN) -> None:
        self.ram = ram
        self.nr_open = nr_open  # fs.nr_open now: the table grows no further (expand_files)
        self.fds: dict[int, tuple[OpenFile, bool]] = {}
        # files->next_fd: every descriptor below it is open, so the search for a free one starts there
        # and a table of a million descriptors still finds one without walking them all.
        self.next_fd = 0
        self.users = 1  # processes sharing it (clone with CLONE_FILES): the last one's exit closes it
        # struct fdtable's max_fds: select ignores descriptors at or past it, so
        # fd 99 is skipped by a process whose table never grew (fs/select.c).
        self.max_fds = NR_OPEN_DEFAULT

    def get(self, fd: int) -> OpenFile:
        entry = self.fds.get(fd)
        if entry is None:
            raise Errno(EBADF)
        return entry[0]

    def install(self, f: OpenFile, *, lowest: int = 0, cloexec: bool = False, limit: int = NR_OPEN) -> int:
        """The lowest free descriptor from `lowest` for `f`; EMFILE at `limit` (the caller's RLIMIT_NOFILE)."""
        fd = max(lowest, self.next_fd)
        while fd in self.fds:
            fd += 1
        if fd >= limit:
            raise Errno(EMFILE)
        self.put(fd, f, cloexec)
        if lowest <= self.next_fd:
            self.next_fd = fd + 1
        return fd

    def put(self, fd: int, f: OpenFile, cloexec: bool, *, grow: bool = True) -> None:
        """`fd` refers to `f` now (closing what it referred to); `grow` False: the table's size was checked
        (dup_fd's own check), so fs.nr_open lowered since does not stop the copy."""
        if fd >= self.max_fds and grow:
            nr_open = self.nr_open()
            if fd >= nr_open:
                raise Errno(EMFILE)  # expand_files: the table may not grow past fs.nr_open
        if self.ram is not None and fd not in self.fds:
            if not self.ram.slab_fits(FD_BYTES):
                raise Errno(ENOMEM)
            self.ram.slab_charge(FD_BYTES)
        if fd >= self.max_fds:
            self.max_fds = min(_fdtable_size(fd), max(_round_up_long(self.nr_open()), fd + 1))  # alloc_fdtable
        f.refs += 1
        if fd in self.fds:
            self.close(fd)
        self.fds[fd] = (f, cloexec)

    def close(self, fd: int) -> None:
        f, _ = self.fds.pop(fd, (None, False))
        if f is None:
            raise Errno(EBADF)
        self.next_fd = min(self.next_fd, fd)
        if self.ram is not None:
            self.ram.slab_charge(-FD_BYTES)
        release_owner_locks(self, f.inode)  # any close drops the table's record locks on the file
        dnotify.flush(f, self)  # and its directory notification (dnotify_flush)
        f.refs -= 1
        if not f.refs:
            release_file_locks(f)
            release_lease(f)
            if not f.flags & O_PATH:
                fsnotify.closed(f, wrote=f.writable())
            f.inode.release(f)

    def copy(self) -> FdTable:
        """dup_fd: the copy is as large as the open descriptors need, not as the original grew."""
        table = FdTable(self.ram, self.nr_open)
        if self.fds:
            open_files = _round_up_long(max(self.fds) + 1)  # sane_fdtable_size
            if open_files > NR_OPEN_DEFAULT and _round_up_long(self.nr_open()) < open_files:
                raise Errno(EMFILE)  # dup_fd: fs.nr_open was lowered below the descriptors open
        try:
            for fd, (f, cloexec) in self.fds.items():
                table.put(fd, f, cloexec, grow=False)
        except BaseException:
            table.close_all()  # the references taken so far go back: a pipe's reader still sees EOF
            raise
        return table

    def copy_fits(self) -> bool:
        """Whether RAM holds a copy of the table (fork asks before it starts)."""
        return self.ram is None or self.ram.slab_fits(len(self.fds) * FD_BYTES)

    def close_on_exec(self) -> None:
        for fd in [fd for fd, (_, cloexec) in self.fds.items() if cloexec]:
            self.close(fd)

    def close_all(self) -> None:
        for fd in list(self.fds):
            self.close(fd)

    def release(self) -> None:
        """A process lets go of the table (exit_files): only the last one closes the files."""
        self.users -= 1
        if not self.users:
            self.close_all()


def _round_up_long(n: int) -> int:
    """`n` rounded up to a whole number of bitmap words (BITS_PER_LONG descriptors)."""
    return -(-n // NR_OPEN_DEFAULT) * NR_OPEN_DEFAULT


def _fdtable_size(fd: int) -> int:
    """alloc_fdtable's size for a table holding `fd`: 1 KiB of pointers, doubled as needed."""
    per_kib = 1024 // 8
    return per_kib * 1 << (fd // per_kib).bit_length()


# -- the tree and path lookup --


class FileSystem:
    def __init__(
        self,
        root: Directory | None = None,
        proc: Callable[[Directory], Directory] | None = None,
        space: Space | None = None,
        lowerdir: bytes | None = None,
    ) -> None:
        """A tree from `root`: an empty directory (None), or a host directory's view (hostfs.host_root).

        `proc` makes the directory mounted on /proc, from the root it lives in.
        `space`: the size and inode limits files are charged to (none: unlimited).
        `lowerdir`: the host directory `root` shows, which makes the root an overlay (a tmpfs without one).
        /dev and /proc are the machine's own, mounted over whatever the root has there; so is /dev/shm.
        """
        self.space = space
        self.root = root if root is not None else Directory()
        self.root.sb = (Superblock(b"tmpfs", b"tmpfs", self.root, dev=FS_DEV, space=space) if lowerdir is None
                        else OverlaySuper(lowerdir, self.root, FS_DEV, space))
        #: The mounts every process sees until one makes a namespace of its own (unshare, clone).
        self.init_ns = MountNamespace(Mount(self.root.sb, self.root, None, None, MS_RELATIME))
        dev = Directory(self.root)
        self.root.mount(b"dev", dev)
        dev.add(b"null", Device(os.makedev(1, 3), None))
        dev.add(b"zero", Device(os.makedev(1, 5), b""))
        dev.add(b"full", FullDevice(os.makedev(1, 7)))
        dev.add(b"random", RandomDevice(os.makedev(1, 8)))
        dev.add(b"urandom", RandomDevice(os.makedev(1, 9)))
        dev.add(b"tty", TtyDevice())
        # POSIX shared memory (shm_open is open("/dev/shm/NAME")): a tmpfs of its own, world-writable and
        # sticky as systemd mounts it; its files are charged to the same space as the root's.
        shm = Directory(dev, perm=0o1777)
        shm.sb = Superblock(b"tmpfs", b"tmpfs", shm)
        dev.mount(b"shm", shm)
        procfs = proc(self.root) if proc is not None else Directory(self.root)
        procfs.sb = Superblock(b"proc", b"proc", procfs)
        self.root.mount(b"proc", procfs)
        self.init_ns.attach_boot(Mount(procfs.sb, procfs, None, None, MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME))
        self.init_ns.attach_boot(Mount(shm.sb, shm, None, None, MS_NOSUID | MS_NODEV | MS_RELATIME))

    def add_device(self, name: bytes, inode: Inode) -> None:
        """A node in /dev (a project's character device); an existing name is an error."""
        dev = self.root.child(b"dev")
        assert isinstance(dev, Directory)
        if dev.child(name) is not None:
            raise ValueError(f"/dev/{name.decode()} exists already")
        dev.add(name, inode)

    def add_file(self, path: bytes, data: bytes, perm: int = 0o755) -> Regular:
        """Put a host file into the tree (the program `syscalltbl run` starts)."""
        parts = [p for p in path.split(b"/") if p]
        directory = self.root
        for part in parts[:-1]:
            directory = directory.mkdir(part)
        made = Regular(data, perm, self.space, seeded=True)
        directory.add(parts[-1], made)
        return made

    def name_gone(self, inode: Inode) -> None:
        """One of a file's names goes: a name beyond its last was charged as an inode (link)."""
        if self.space is not None and not isinstance(inode, Directory) and inode.nlink > 1:
            self.space.unlink()

    def space_of(self, directory: Directory) -> Space | None:
        """The size and inode limits of the filesystem `directory` is on (a mounted tmpfs has its own)."""
        return directory.sb.space if directory.sb is not None and directory.sb.space is not None else self.space

    def charged(self, inode: Inode, where: Directory | None = None) -> Inode:
        """A new directory or symlink counted against the inode limit (ENOSPC past it).

        A symlink's target is data too: tmpfs keeps a long one in a page of its
        own, and so it takes a page of the filesystem (and of RAM) here.
        """
        space = self.space if where is None else self.space_of(where)
        if space is not None:
            charge = space.new_inode(inode)
            if isinstance(inode, Symlink) and len(inode._target) > SHORT_SYMLINK:
                wanted = pages(len(inode._target))
                if space.grow(charge, wanted) < wanted:
                    raise Errno(ENOSPC)  # the inode's charge goes with it, when it is freed
        return inode

    def walk(self, task: Task, path: bytes, start: Directory, *, follow: bool,
             resolve: int = 0) -> tuple[Directory, bytes, Inode | None]:
        """namei: (parent directory, last name, inode or None) for `path`; `resolve`: openat2's RESOLVE_*."""
        if not path:
            raise Errno(ENOENT)
        if len(path) >= PATH_MAX:
            raise Errno(ENAMETOOLONG)
        hops = 0
        todo = path.split(b"/")
        ns, top = self.namespace(task), self.root_of(task)
        scope = Scope(resolve, start, top) if resolve else None
        here = top if path.startswith(b"/") else start
        if scope is not None and path.startswith(b"/"):
            here = scope.jump_root(start)
        parent, name, node = here, b".", here  # type: tuple[Directory, bytes, Inode | None]
        # The mount the walk is in (for ".."): known from the namespace's root, or once it crossed into one.
        mount = ns.root if here is ns.root.root else None
        while todo:
            part = todo.pop(0)
            if part == b"":
                continue
            if not isinstance(node, Directory):
                raise Errno(ENOTDIR if node is not None else ENOENT)
            if task is not None:  # None: the machine itself looking for a first program
                permission.check(task.cred, node, MAY_EXEC)  # may_lookup: search permission, for every name
            if part == b".":
                continue
            parent, name = node, part
            if part == b".." and scope is not None and scope.holds(node):
                node = scope.up(node)  # RESOLVE_BENEATH's EXDEV, RESOLVE_IN_ROOT's staying put
            elif part == b"..":
                node, mount = ns.up(node, top, mount)
            else:
                child = node.lookup(part, task)
                if child is not None:
                    child, crossed = ns.crossing(child)
                    mount = crossed or mount
                node = child
            if scope is not None:
                scope.cross(parent, node)
            if isinstance(node, Symlink) and (todo or follow):
                hops += 1
                if hops > MAX_SYMLINKS:
                    raise Errno(ELOOP)
                jumped = node.jump(task)
                if scope is not None:
                    scope.follow(magic=jumped is not None or is_magic(parent))
                if jumped is not None:
                    node = jumped
                    continue
                target = node.target(task)
                todo = [*target.split(b"/"), *todo]
                node = top if target.startswith(b"/") else parent
                if target.startswith(b"/"):
                    mount = ns.root if top is ns.root.root else None
                if scope is not None and target.startswith(b"/"):
                    node = scope.jump_root(parent)
                name = b"."
        if len(name) > 255:
            raise Errno(ENAMETOOLONG)
        if path.endswith(b"/") and node is not None and not isinstance(node, Directory):
            raise Errno(ENOTDIR)
        return parent, name, node

    def namespace(self, task: Task | None) -> MountNamespace:
        """The mounts `task` sees (None: the machine itself, which sees the first namespace's)."""
        ns = task.fs.mnt_ns if task is not None else None
        return ns if ns is not None else self.init_ns

    def root_of(self, task: Task | None) -> Directory:
        """Where `task`'s absolute paths start: its chroot, or its namespace's root."""
        root = task.fs.root if task is not None else None
        if root is not None:
            return root
        top = self.namespace(task).root.root
        return top if isinstance(top, Directory) else self.root

    def mounted_on(self, task: Task | None, parent: Directory, name: bytes) -> bool:
        """`name` in `parent` is a mountpoint (is_local_mountpoint): it cannot be removed or renamed (EBUSY)."""
        under = parent.child(name) if parent.in_tree else None
        return under is not None and self.namespace(task).covers(under)

    def lookup(self, task: Task, path: bytes, start: Directory, *, follow: bool = True) -> Inode:
        _, _, node = self.walk(task, path, start, follow=follow)
        if node is None:
            raise Errno(ENOENT)
        return node

    def open(self, task: Task, path: bytes, start: Directory, flags: int, perm: int, resolve: int = 0) -> OpenFile:
        if flags & O_PATH:
            flags &= O_PATH_FLAGS  # build_open_how: an O_PATH open keeps only these (no O_CREAT, no access mode)
        parent, name, node = self.walk(task, path, start, follow=not flags & O_NOFOLLOW, resolve=resolve)
        created = node is None
        if node is None:
            if not flags & O_CREAT:
                raise Errno(ENOENT)
            landlock.check_path(task, parent, None, LANDLOCK_ACCESS_FS_MAKE_REG)  # security_path_mknod
            permission.check_create(task.cred, parent)
            uid, gid, mode = permission.new_owner(task.cred, parent, perm & 0o7777 & ~task.fs.umask)
            fresh = Regular(b"", mode, self.space_of(parent)).owned_by(uid, gid)
            node = parent.add(name, fresh)
        elif flags & O_CREAT and flags & O_EXCL:
            raise Errno(EEXIST)
        if isinstance(node, Symlink) and not flags & O_PATH:
            raise Errno(ELOOP)  # O_PATH|O_NOFOLLOW opens the link itself
        if isinstance(node, Directory) and (flags & O_ACCMODE != O_RDONLY or flags & O_CREAT):
            raise Errno(EISDIR)
        if flags & O_DIRECTORY and not isinstance(node, Directory):
            raise Errno(ENOTDIR)
        if not created and not flags & O_PATH and task is not None:
            # may_open: what the access mode asks for, a file made by this very open excepted.
            permission.check(task.cred, node, permission.open_mask(flags, truncate=bool(flags & O_TRUNC)))
            if permission.append_only(node) and ((flags & O_ACCMODE != O_RDONLY and not flags & O_APPEND)
                                                 or flags & O_TRUNC):
                raise Errno(EPERM)  # an append-only file is opened for writing in append mode alone
            if flags & O_NOATIME and not permission.is_owner(task.cred, node):
                raise Errno(EPERM)  # not updating atime is the owner's choice
        rights = LANDLOCK_OPEN_RIGHTS
        if not flags & O_PATH and task is not None and task.cred.landlock:
            # hook_file_open: the access mode's rights; the rights later calls on the file need, kept with it.
            accmode = flags & O_ACCMODE
            access = landlock.open_access(node, read=accmode in (O_RDONLY, O_RDWR),
                                          write=accmode in (O_WRONLY, O_RDWR), execute=False)
            where = self._real_parent(task, parent, name, node)
            landlock.check_path(task, where, node, access)
            rights = landlock.opened_rights(task.cred.landlock, self.namespace(task), where, node)
            truncating = isinstance(node, Regular) and flags & O_TRUNC and not created
            if truncating and not rights & LANDLOCK_ACCESS_FS_TRUNCATE:
                raise Errno(EACCES)  # handle_truncate's security_file_truncate
        if isinstance(node, Regular) and not flags & O_PATH and (flags & O_ACCMODE != O_RDONLY or flags & O_TRUNC):
            deny_write(task, node)  # before a host file is copied up for it
        if isinstance(node, Regular) and not flags & O_PATH and task is not None:
            break_lease(task, node, flags)  # do_dentry_open: a lease this open conflicts with is broken first
        node.opening(flags)
        if isinstance(node, TtyDevice) and not flags & O_PATH:
            try:
                node = HostFile(os.open("/dev/tty", (flags & O_ACCMODE) | os.O_NOCTTY | os.O_CLOEXEC), owned=True)
            except OSError:
                raise Errno(ENXIO) from None
        truncated = isinstance(node, Regular) and bool(flags & O_TRUNC) and flags & O_ACCMODE != O_RDONLY
        if isinstance(node, Regular) and truncated:
            node.truncate(0)
            node.modified()  # even when it was empty: open(O_TRUNC) always sets ATTR_MTIME | ATTR_CTIME
        path = self.path_of(parent, name, task)
        if not parent.in_tree:  # /proc/PID/fd/N: the file it leads to keeps its own name
            link = parent.lookup(name, task)
            if isinstance(link, Symlink) and link.jump(task) is node:
                path = link.target(task)
        f = OpenFile(node, flags & ~(O_CREAT | O_EXCL | O_TRUNC | O_NOFOLLOW), path)
        f.created = created
        f.landlock_rights = rights
        if not flags & O_PATH:
            node.attach(task, f)
        fsnotify.opened(f, parent, name, created=created, truncated=truncated and not created)
        return f

    def _real_parent(self, task: Task, parent: Directory, name: bytes, node: Inode) -> Directory:
        """The directory a file opened through a magic link (/proc/PID/fd/N) is in: Landlock walks the
        file's own path, not /proc's (the parent itself when that path no longer leads to the file)."""
        if parent.in_tree:
            return parent
        link = parent.lookup(name, task)
        if not isinstance(link, Symlink) or link.jump(task) is not node:
            return parent
        try:
            real, _, found = self.walk(task, link.target(task), self.root_of(task), follow=False)
        except Errno:
            return parent
        return real if found is node else parent

    @staticmethod
    def _may_rename(task: Task, src_dir: Directory, node: Inode, dst_dir: Directory, existing: Inode | None) -> None:
        """vfs_rename: may_delete the old name, may_delete the replaced one or may_create the new,
        and a directory changing parent rewrites its "..": write permission on it too."""
        permission.check_sticky_delete(task.cred, src_dir, node)
        if existing is not None:
            permission.check_sticky_delete(task.cred, dst_dir, existing)
        else:
            permission.check_create(task.cred, dst_dir)
        if isinstance(node, Directory) and src_dir is not dst_dir:
            permission.check(task.cred, node, MAY_WRITE)

    def path_of(self, directory: Directory, name: bytes = b".", task: Task | None = None) -> bytes:
        """The absolute path of `name` in `directory` (getcwd, /proc/self/fd), as `task` sees it."""
        return self.path_from_root(directory, name, task)[0]

    def path_from_root(self, directory: Directory, name: bytes = b".",
                       task: Task | None = None) -> tuple[bytes, bool]:
        """`path_of`, and whether the walk up met `task`'s root (prepend_path: false when it went past, as from
        outside a chroot, and the path is from the filesystem's top instead)."""
        parts = [] if name in (b".", b"") else [name]
        ns, top = self.namespace(task), self.root_of(task)
        seen = set()
        while directory is not top:
            point = ns.mountpoint_of(directory)
            if point is not None and id(point) not in seen:
                seen.add(id(point))
                directory = point  # a mount's root: its name is its mountpoint's
                continue
            up = directory.parent
            if up is directory:
                break  # the root of a filesystem not mounted here (detached): the path from there
            parts.append(up.name_of(directory) or b"?")
            directory = up
        return b"/" + b"/".join(reversed(parts)), directory is top

    def unlink(self, task: Task, path: bytes, start: Directory, *, directory: bool) -> None:
        parent, name, node = self.walk(task, path, start, follow=False)
        if name in (b".", b"..") and node is not None:
            raise Errno(EINVAL if name == b"." else ENOTEMPTY)
        permission.check_writable(parent)  # do_unlinkat's mnt_want_write: before the name is looked up
        if node is None:
            raise Errno(ENOENT)
        if task is not None:  # None: the machine's own housekeeping
            remove = LANDLOCK_ACCESS_FS_REMOVE_DIR if directory else LANDLOCK_ACCESS_FS_REMOVE_FILE
            landlock.check_path(task, parent, None, remove)  # security_path_rmdir / security_path_unlink
            permission.check_sticky_delete(task.cred, parent, node)
        if directory != isinstance(node, Directory):
            raise Errno(ENOTDIR if directory else EISDIR)
        if self.mounted_on(task, parent, name):
            raise Errno(EBUSY)
        if isinstance(node, Directory) and not node.is_empty():
            raise Errno(ENOTEMPTY)
        if not parent.in_tree:
            raise Errno(EPERM)  # /proc
        parent.remove(name)
        self.name_gone(node)
        node.nlink -= 1
        node.changed()
        fsnotify.unlinked(parent, name, node)

    def rename(self, task: Task, old: bytes, new: bytes, start_old: Directory, start_new: Directory) -> None:
        src_dir, src_name, node = self.walk(task, old, start_old, follow=False)
        dst_dir, dst_name, existing = self.walk(task, new, start_new, follow=False)
        if src_dir.in_tree == dst_dir.in_tree and src_dir.sb is not dst_dir.sb:
            raise Errno(EXDEV)  # do_renameat2: another mount, before anything else is looked at
        if src_dir.in_tree and src_name not in (b".", b"..") and dst_name not in (b".", b".."):
            permission.check_writable(src_dir)  # its mnt_want_write, before the old name is looked up
        if node is None:
            raise Errno(ENOENT)
        if src_name in (b".", b"..") or dst_name in (b".", b".."):
            raise Errno(EBUSY)  # do_renameat2: the last component of both must be a plain name
        if src_dir.in_tree != dst_dir.in_tree:
            raise Errno(EXDEV)  # into or out of /proc: another filesystem
        if not src_dir.in_tree:
            raise Errno(EPERM)
        if task is not None:
            landlock.check_move(task, src_dir, node, dst_dir, existing, removable=True)  # security_path_rename
        if existing is node:
            return
        if task is not None:  # None: the machine's own housekeeping
            self._may_rename(task, src_dir, node, dst_dir, existing)
        if existing is not None:
            if isinstance(node, Directory) != isinstance(existing, Directory):
                raise Errno(EISDIR if not isinstance(node, Directory) else ENOTDIR)
            if isinstance(existing, Directory) and not existing.is_empty():
                raise Errno(ENOTEMPTY)
        up: Directory = dst_dir
        while isinstance(node, Directory) and up is not self.root:
            if up is node:
                raise Errno(EINVAL)  # into its own subtree
            up = up.parent
        if self.mounted_on(task, src_dir, src_name) or self.mounted_on(task, dst_dir, dst_name):
            raise Errno(EBUSY)  # either name a mountpoint
        for changing in (src_dir, dst_dir, node, existing):
            if changing is not None:
                changing.pin()  # all that can fail with ENOSPC, before anything moves
        src_dir.remove(src_name)
        if existing is not None:  # replaced: it loses this name (a directory, its last)
            self.name_gone(existing)
            existing.nlink = 0 if isinstance(existing, Directory) else existing.nlink - 1
            existing.changed()
        dst_dir.add(dst_name, node)
        node.changed()  # ext4 records the move in the inode's ctime
        fsnotify.renamed(src_dir, src_name, dst_dir, dst_name, node, existing)

    def exchange(self, task: Task, old: bytes, new: bytes, start_old: Directory, start_new: Directory) -> None:
        """renameat2(RENAME_EXCHANGE): the two names trade their inodes at once; both must exist."""
        a_dir, a_name, a = self.walk(task, old, start_old, follow=False)
        b_dir, b_name, b = self.walk(task, new, start_new, follow=False)
        if a_dir.in_tree == b_dir.in_tree and a_dir.sb is not b_dir.sb:
            raise Errno(EXDEV)
        if a_dir.in_tree and a_name not in (b".", b"..") and b_name not in (b".", b".."):
            permission.check_writable(a_dir)
        if a is None or b is None:
            raise Errno(ENOENT)
        if {a_name, b_name} & {b".", b".."}:
            raise Errno(EBUSY)
        if a_dir.in_tree != b_dir.in_tree:
            raise Errno(EXDEV)
        if not a_dir.in_tree:
            raise Errno(EPERM)
        landlock.check_move(task, a_dir, a, b_dir, b, removable=True, exchange=True)
        if a is b:
            return
        # vfs_rename with RENAME_EXCHANGE: each side is deleted from its directory and created in the other's.
        self._may_rename(task, a_dir, a, b_dir, b)
        self._may_rename(task, b_dir, b, a_dir, a)
        for moving, into in ((a, b_dir), (b, a_dir)):
            up: Directory = into
            while isinstance(moving, Directory) and up is not self.root:
                if up is moving:
                    raise Errno(EINVAL)  # one would go into its own subtree
                up = up.parent
        if self.mounted_on(task, a_dir, a_name) or self.mounted_on(task, b_dir, b_name):
            raise Errno(EBUSY)
        for changing in (a_dir, b_dir, a, b):
            changing.pin()
        a_dir.remove(a_name)
        b_dir.remove(b_name)
        a_dir.add(a_name, b)
        b_dir.add(b_name, a)
        a.changed()
        b.changed()
        fsnotify.renamed(a_dir, a_name, b_dir, b_name, a, None)
        fsnotify.renamed(b_dir, b_name, a_dir, a_name, b, None)


def deny_write(task: Task | None, inode: Regular) -> None:
    """get_write_access: ETXTBSY while a process runs `inode` (its exe_file, whose mm denies writes to it):
    its segments are mappings of the file, which a write or a truncate would change under it."""
    if task is not None and any(t.exe_file is inode and t.status is None for t in task.machine.tasks.values()):
        raise Errno(ETXTBSY)


def deny_write_access(task: Task, inode: Regular) -> None:
    """exec's deny_write_access: ETXTBSY while any open file description of `inode` can write to it (its
    i_writecount, counted over the descriptors of every process: a program must not change as it runs)."""
    tables = {id(t.files): t.files for t in task.machine.tasks.values()}
    if any(f.inode is inode and f.writable() for table in tables.values() for f, _ in table.fds.values()):
        raise Errno(ETXTBSY)


def seek(f: OpenFile, offset: int, whence: int) -> int:
    if not f.inode.seekable():
        raise Errno(ESPIPE)
    if whence in (SEEK_DATA, SEEK_HOLE) and isinstance(f.inode, Regular):
        f.offset = f.inode.seek_data(offset, hole=whence == SEEK_HOLE)
        return f.offset
    base = {0: 0, 1: f.offset, 2: f.inode.size()}.get(whence)
    if base is None or base + offset < 0:
        raise Errno(EINVAL)
    f.offset = base + offset
    return f.offset
