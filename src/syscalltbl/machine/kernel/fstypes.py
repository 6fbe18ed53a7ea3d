"""The filesystems mount(2) can make (get_fs_type): tmpfs and ramfs (mm/shmem.c, fs/ramfs), and proc.

Every one is the machine's own, in memory: a new tmpfs is an empty tree of
Directory inodes with a size and inode limit of its own, charged to the
machine's RAM like the root's files; a new proc is another view of the
machine's processes. The options each takes are parsed here, with Linux's
EINVAL for an unknown or malformed one.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.kernel.fsspace import Space
from syscalltbl.machine.kernel.mount import Superblock
from syscalltbl.machine.kernel.vfs import Directory
from syscalltbl.machine.uapi.errno import EINVAL, ENODEV, Errno
from syscalltbl.machine.uapi.mount import MS_DIRSYNC, MS_LAZYTIME, MS_MANDLOCK, MS_RDONLY, MS_SYNCHRONOUS
from syscalltbl.store.record import Value

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

#: The superblock flags an option word sets or clears (fs_context.c's common_set_sb_flag and common_clear_sb_flag).
SB_SET: Final = {b"dirsync": MS_DIRSYNC, b"lazytime": MS_LAZYTIME, b"mand": MS_MANDLOCK, b"ro": MS_RDONLY,
                 b"sync": MS_SYNCHRONOUS}
SB_CLEAR: Final = {b"async": MS_SYNCHRONOUS, b"nolazytime": MS_LAZYTIME, b"nomand": MS_MANDLOCK, b"rw": MS_RDONLY}
#: The filesystem types the machine has, in the order /proc/filesystems and sysfs(2) number them.
FILESYSTEMS: Final = (b"tmpfs", b"proc", b"ramfs", b"nsfs")
DEFAULT_MODE: Final = 0o1777  # a tmpfs root: world-writable and sticky unless mode= says otherwise
MAX_INODES: Final = 1 << 32


class TmpfsOptions(Value):
    """What a tmpfs's options say, each None when not given (a remount then keeps what it had)."""

    size: int | None  # bytes
    inodes: int | None
    mode: int | None
    uid: int | None
    gid: int | None
    sb_set: int
    sb_clear: int

    __slots__ = _fields = ("size", "inodes", "mode", "uid", "gid", "sb_set", "sb_clear")

    def __init__(
        self,
        size: int | None = None,
        inodes: int | None = None,
        mode: int | None = None,
        uid: int | None = None,
        gid: int | None = None,
        sb_set: int = 0,
        sb_clear: int = 0,
    ) -> None:
        self.size = size
        self.inodes = inodes
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.sb_set = sb_set
        self.sb_clear = sb_clear


def _number(text: bytes, *, percent_of: int | None = None) -> int:
    """memparse: a number with an optional k, m, g (t, p, e) suffix; or N% of `percent_of` (size=)."""
    if percent_of is not None and text.endswith(b"%"):
        digits = text[:-1]
        if not digits.isdigit():
            raise Errno(EINVAL)
        return percent_of * int(digits) // 100
    shift = {b"k": 10, b"m": 20, b"g": 30, b"t": 40, b"p": 50, b"e": 60}.get(text[-1:].lower(), 0)
    digits = text[:-1] if shift else text
    try:
        value = int(digits, 0)
    except ValueError:
        raise Errno(EINVAL) from None
    if value < 0:
        raise Errno(EINVAL)
    return value << shift


def parse_tmpfs(data: bytes, ram_bytes: int) -> TmpfsOptions:
    """shmem_parse_one over comma-separated `data`: EINVAL for an unknown key or a bad value."""
    out = TmpfsOptions()
    for word in data.split(b","):
        if not word:
            continue
        key, eq, value = word.partition(b"=")
        if key in SB_SET and not eq:
            out.sb_set |= SB_SET[key]
            continue
        if key in SB_CLEAR and not eq:
            out.sb_clear |= SB_CLEAR[key]
            continue
        if key == b"source":
            continue
        if not eq and key in (b"inode32", b"inode64", b"noswap", b"quota", b"usrquota", b"grpquota"):
            continue
        if not eq or not value:
            raise Errno(EINVAL)
        if key == b"size":
            size = _number(value, percent_of=ram_bytes)
            out.size = -(-size // PAGE_SIZE) * PAGE_SIZE
        elif key == b"nr_blocks":
            out.size = _number(value) * PAGE_SIZE
        elif key == b"nr_inodes":
            out.inodes = _number(value)
        elif key == b"mode":
            try:
                out.mode = int(value, 8) & 0o7777
            except ValueError:
                raise Errno(EINVAL) from None
        elif key in (b"uid", b"gid"):
            number = _number(value)
            if number >= 0xFFFFFFFF:
                raise Errno(EINVAL)
            out.uid, out.gid = (number, out.gid) if key == b"uid" else (out.uid, number)
        elif key in (b"huge", b"mpol"):
            if key == b"huge" and value not in (b"never", b"always", b"within_size", b"advise"):
                raise Errno(EINVAL)
        else:
            raise Errno(EINVAL)
    return out


class TmpfsSuper(Superblock):
    """A tmpfs (or ramfs) instance: its defaults are what /proc/self/mounts leaves out."""

    def __init__(self, fstype: bytes, source: bytes, space: Space, default: tuple[int, int]) -> None:
        super().__init__(fstype, source, None, space=space)
        self.default = default  # (size pages, inodes) when nothing is given: half of RAM

    def show_options(self) -> bytes:
        """shmem_show_options: what differs from the defaults."""
        space = self.space
        assert space is not None and self.root is not None
        out = b""
        if self.fstype == b"tmpfs":
            if space.size_pages != self.default[0]:
                out += b",size=%dk" % (space.size_pages * PAGE_SIZE // 1024)
            if space.max_inodes != self.default[1]:
                out += b",nr_inodes=%d" % space.max_inodes
        if stat.S_IMODE(self.root.mode) != DEFAULT_MODE:
            out += b",mode=%03o" % stat.S_IMODE(self.root.mode)
        if self.root.uid:
            out += b",uid=%d" % self.root.uid
        if self.root.gid:
            out += b",gid=%d" % self.root.gid
        return out


def ram_bytes(t: Task) -> int:
    return t.machine.ram.frames * PAGE_SIZE


def make_tmpfs(t: Task, fstype: bytes, source: bytes, data: bytes) -> tuple[Superblock, int]:
    """A new tmpfs or ramfs from mount(2)'s `data`: (its superblock, the sb flags its options set)."""
    ram = ram_bytes(t)
    options = parse_tmpfs(data, ram)
    if fstype == b"ramfs":
        options.size = options.inodes = None  # ramfs has no limits but RAM (and ignores what it does not know)
    default_pages = ram // PAGE_SIZE // 2
    default_inodes = min(default_pages, MAX_INODES)
    size = options.size if options.size is not None else default_pages * PAGE_SIZE
    inodes = options.inodes if options.inodes is not None else default_inodes
    if fstype == b"tmpfs" and options.size == 0:
        size = ram  # size=0: unlimited (bounded by RAM all the same)
    if fstype == b"tmpfs" and options.inodes == 0:
        inodes = MAX_INODES
    space = Space(size, inodes, t.machine.ram)
    sb = TmpfsSuper(fstype, source, space, (default_pages, default_inodes))
    mode = 0o755 if fstype == b"ramfs" else DEFAULT_MODE
    root = Directory(None, options.mode if options.mode is not None else mode)
    root.uid = options.uid if options.uid is not None else t.cred.fsuid
    root.gid = options.gid if options.gid is not None else t.cred.fsgid
    root.sb = sb
    sb.root = root
    space.new_inode(root, seeded=True)  # the root directory is one of nr_inodes, as on Linux
    return sb, options.sb_set & ~options.sb_clear


def remount_tmpfs(t: Task, sb: Superblock, data: bytes) -> int:
    """shmem_reconfigure: new limits (EINVAL below what is in use), mode/uid/gid; the sb flags to set."""
    options = parse_tmpfs(data, ram_bytes(t))
    space = sb.space
    if space is not None and sb.fstype == b"tmpfs":
        if options.size is not None:
            wanted = options.size // PAGE_SIZE if options.size else t.machine.ram.frames
            if wanted < space.used_pages:
                raise Errno(EINVAL)
            space.size_pages = wanted
        if options.inodes is not None:
            wanted = options.inodes or MAX_INODES
            if wanted < space.used_inodes:
                raise Errno(EINVAL)
            space.max_inodes = wanted
    root = sb.root
    if root is not None:
        if options.mode is not None:
            root.mode = stat.S_IFDIR | options.mode
        if options.uid is not None:
            root.uid = options.uid
        if options.gid is not None:
            root.gid = options.gid
    return options.sb_set & ~options.sb_clear


def make_proc(t: Task, data: bytes, make: Callable[[Directory], Directory], parent: Directory) -> Superblock:
    """Another proc instance: the machine's processes seen from `parent` (hidepid= and the like refused)."""
    for word in data.split(b","):
        key = word.partition(b"=")[0]
        if word and key not in SB_SET and key not in SB_CLEAR and key != b"source":
            raise Errno(EINVAL)
    root = make(parent)
    sb = Superblock(b"proc", b"proc", root)
    root.sb = sb
    return sb


def known(fstype: bytes) -> bool:
    if fstype in (b"tmpfs", b"ramfs", b"proc"):
        return True
    raise Errno(ENODEV)
