"""Mounts and mount namespaces (fs/namespace.c, fs/super.c), over the machine's own tree.

A filesystem instance is a `Superblock`: the tree's root (the boot's tmpfs,
or the host root's copy-on-write view), /proc, and each tmpfs a program
mounts, a tree of Directory inodes of its own. Every inode carries the
superblock it belongs to (`Inode.sb`, given by the directory it is made in),
which is how st_dev, statfs, EROFS and EXDEV know a file's filesystem.

A `Mount` shows a superblock's directory (its root, or any directory for a
bind mount) over a directory of another mount, its mountpoint. A
`MountNamespace` is a set of mounts: a path walk (vfs.FileSystem.walk) asks
it, at each name, whether a mount covers the inode it reached (`down`), and
at "..", whether it stands on a mount's root (`up`). The table is keyed by
inode, not by (mount, inode) as Linux's is: a directory bind-mounted
elsewhere is the same inode in both places, so ".." from the top of that
directory, reached by its first name, goes to where it is mounted; a mount
made under one name of a directory shows under every other (as if all its
binds were peers); and a path that names a directory mounted twice unmounts
the later mount. Nothing here touches the host: a mount is only a record in
this table.

Where else it is not Linux's: read-only is the filesystem's (SB_RDONLY):
MS_RDONLY on a bind or MOUNT_ATTR_RDONLY is recorded and shown but does not
give EROFS; nosuid, nodev and noexec are recorded and shown, not enforced;
propagation is recorded (peer groups, slaves) and mountinfo shows it, but a
mount made in one namespace never propagates into another.
"""

from __future__ import annotations

import itertools
import stat
import weakref
from typing import TYPE_CHECKING, Final, cast

from syscalltbl.machine.uapi.errno import ENOMEM, Errno
from syscalltbl.machine.uapi.mount import (
    MS_NOATIME,
    MS_NODEV,
    MS_NODIRATIME,
    MS_NOEXEC,
    MS_NOSUID,
    MS_NOSYMFOLLOW,
    MS_PRIVATE,
    MS_RDONLY,
    MS_RELATIME,
    MS_SHARED,
    MS_SLAVE,
    MS_STRICTATIME,
    MS_UNBINDABLE,
)

if TYPE_CHECKING:
    from syscalltbl.machine.hw.physmem import PhysicalMemory
    from syscalltbl.machine.kernel.fsspace import Space
    from syscalltbl.machine.kernel.vfs import Directory, Inode

#: What a mount itself records (MNT_*): the rest of mount(2)'s flags are the superblock's or one call's.
MOUNT_FLAGS: Final = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME \
    | MS_STRICTATIME | MS_NOSYMFOLLOW
PROPAGATION: Final = MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE
#: The most mounts one namespace holds (sysctl fs.mount-max, 100000 on Linux): past it mount(2) is ENOSPC.
#: Lower here, as each costs host memory and a namespace's copy copies them all.
MOUNT_MAX: Final = 1000
#: What a mount record costs the host, charged to RAM as a kernel object (ENOMEM when it does not fit).
MOUNT_BYTES: Final = 512

_mount_ids = itertools.count(21)  # as a booted Linux's first mount ids (1..20 go to the kernel's own)
_anon_devs = itertools.count(0x30)  # get_anon_bdev: minor numbers of major 0, after the boot's filesystems
_peer_groups = itertools.count(1)  # mnt_group_id: shared:N in mountinfo
_ns_inums = itertools.count(0xF0000000)  # proc_alloc_inum: from PROC_DYNAMIC_FIRST on
_ns_seqs = itertools.count(1)  # mnt_ns_seq: each namespace's 64-bit id, never reused
#: The namespaces alive, by that id (lookup_mnt_ns: statmount and listmount may name one).
MNT_NAMESPACES: weakref.WeakValueDictionary[int, MountNamespace] = weakref.WeakValueDictionary()


def alloc_ns_inum() -> int:
    """proc_alloc_inum: a namespace's /proc/PID/ns inode number, each kind from the one sequence."""
    return next(_ns_inums)


class Superblock:
    """One filesystem instance: its type, its root directory, and whether it is read-only (SB_RDONLY)."""

    def __init__(self, fstype: bytes, source: bytes, root: Directory | None, *, dev: int | None = None,
                 space: Space | None = None, options: bytes = b"") -> None:
        self.fstype, self.source = fstype, source
        self.dev = next(_anon_devs) if dev is None else dev
        self.space = space
        self.options = options  # what /proc/self/mounts shows after the flags (tmpfs's size=, mode=)
        self.readonly = False
        self.flags = 0  # the other SB_* flags mount(2) and its options set (sync, dirsync, lazytime...)
        self.root = root  # None: set once the root is made (it needs this superblock first)

    def show_options(self) -> bytes:
        """What /proc/self/mounts shows after the mount's own flags (",size=..." for a tmpfs)."""
        return b""


class Mount:
    """One mount (struct mount): `root` of `sb` shown at `mountpoint` of `parent`."""

    def __init__(self, sb: Superblock, root: Inode, parent: Mount | None, mountpoint: Inode | None,
                 flags: int = 0) -> None:
        self.id = next(_mount_ids)
        self.sb, self.root = sb, root
        self.parent, self.mountpoint = parent, mountpoint
        self.flags = flags & MOUNT_FLAGS
        #: Propagation (fs/pnode.c) as recorded: the peer group a shared mount is in (0: not shared), the group
        #: a slave receives from (0: none), unbindable. What mountinfo shows and binds and copies inherit; the
        #: events themselves do not travel between namespaces here (see the module's docstring).
        self.group = 0
        self.master = 0
        self.unbindable = False
        self.expiry_mark = False  # MNT_EXPIRE's first call marks, the second unmounts

    @property
    def readonly(self) -> bool:
        return bool(self.flags & MS_RDONLY) or self.sb.readonly

    def copy(self) -> Mount:
        made = Mount(self.sb, self.root, None, self.mountpoint, self.flags)
        made.group, made.master = self.group, self.master  # clone_mnt: a shared mount's copy is its peer
        return made

    def set_propagation(self, kind: int, ns: MountNamespace) -> None:
        """change_mnt_propagation: MS_SHARED, MS_PRIVATE, MS_SLAVE or MS_UNBINDABLE."""
        if kind == MS_SHARED:
            if not self.group:
                self.group = next(_peer_groups)
            self.unbindable = False
            return
        if kind == MS_SLAVE:
            # do_make_slave: a mount with peers receives from their group; one without keeps its master.
            peers = any(m is not self and m.group == self.group for m in ns.mounts) if self.group else False
            self.master = self.group if peers else self.master
        else:
            self.master = 0
        self.group = 0
        self.unbindable = kind == MS_UNBINDABLE


class MountNamespace:
    """The mounts a set of processes sees (struct mnt_namespace)."""

    def __init__(self, root: Mount, ram: PhysicalMemory | None = None) -> None:
        self.ram = ram  # None: the boot's namespace, whose few mounts are the machine's own
        self._charged = [0]
        if ram is not None:
            weakref.finalize(self, _uncharge, ram, self._charged).atexit = False
        self.root = root
        self.charge(1)
        self.mounts: list[Mount] = [root]  # in the order they were made: /proc/self/mounts's order
        self._on: dict[Inode, list[Mount]] = {}  # mountpoint -> the mounts stacked on it, the top last
        self._roots: dict[Inode, list[Mount]] = {}  # a mount's root -> its mounts
        self._roots[root.root] = [root]
        self.ino = alloc_ns_inum()  # the /proc/PID/ns/mnt inode number
        self.seq = next(_ns_seqs)  # ns->seq: its id for statmount's STATMOUNT_MNT_NS_ID and mnt_id_req.mnt_ns_id
        MNT_NAMESPACES[self.seq] = self
        #: ns->event: bumped at each change of the mount table (touch_mnt_namespace), what a poll of
        #: /proc/PID/mounts compares with what its reader saw
        self.event = 0
        self.nsfs: object | None = None  # a weak reference to that file's inode while open (kernel/nsfs.py)

    # -- what a path walk asks --

    def down(self, node: Inode) -> Inode:
        """What is seen at `node`: the root of the top mount over it, over and over (follow_mount)."""
        return self.crossing(node)[0]

    def crossing(self, node: Inode) -> tuple[Inode, Mount | None]:
        """`down`, and the last mount it went into (None: none covers `node`)."""
        seen = {id(node)}
        crossed = None
        stack = self._on.get(node)
        while stack:
            crossed = stack[-1]
            node = crossed.root
            if id(node) in seen:
                break  # a directory bound onto itself (or a ring of binds): it shows itself
            seen.add(id(node))
            stack = self._on.get(node)
        return node, crossed

    def down_to(self, node: Inode | None) -> Inode | None:
        return None if node is None else self.down(node)

    def up(self, directory: Directory, root: Directory, mount: Mount | None = None) -> tuple[Directory, Mount | None]:
        """".." of `directory` in `mount` (None: not known), never past `root` (the task's, chroot's); and the
        mount that is in.

        A mount's root leads to its mountpoint's parent (follow_dotdot). A walk
        knows the mount it is in once it crossed into one; before, a directory
        that is the root of several mounts is taken as the latest one's.
        """
        seen = set()
        while directory is not root and id(directory) not in seen:
            seen.add(id(directory))  # a bind onto itself leads back to the same directory, a mount lower
            if mount is None:
                mounts = self._roots.get(directory)
                here = mounts[-1] if mounts else None
            else:
                here = mount if mount.root is directory else None
            if here is None or here.parent is None or here.mountpoint is None or not _is_dir(here.mountpoint):
                break
            directory, mount = cast("Directory", here.mountpoint), here.parent
        if directory is root:
            return directory, mount
        up = directory.parent
        found, crossed = self.crossing(up)
        if crossed is not None:
            mount = crossed
        return (cast("Directory", found), mount) if _is_dir(found) else (up, mount)

    def mountpoint_of(self, directory: Directory) -> Directory | None:
        """Where the mount whose root `directory` is sits (None: not a mount's root, or sits on itself)."""
        mount = self.mount_of(directory)
        point = mount.mountpoint if mount is not None else None
        return cast("Directory", point) if point is not None and point is not directory and _is_dir(point) else None

    def containing(self, node: Inode) -> Mount | None:
        """The mount `node` is reached in: the nearest mount root above a directory, else the top mount of
        its filesystem (None: not in this namespace)."""
        if _is_dir(node):
            here = cast("Directory", node)
            while True:
                found = self.mount_of(here)
                if found is not None:
                    return found
                if here.parent is here:
                    return None
                here = here.parent
        return next((m for m in reversed(self.mounts) if m.sb is node.sb), None)

    def mount_of(self, node: Inode) -> Mount | None:
        """The mount whose root `node` is (the topmost), if any."""
        mounts = self._roots.get(node)
        return mounts[-1] if mounts else None

    def covers(self, node: Inode) -> bool:
        return bool(self._on.get(node))

    # -- changes --

    def charge(self, count: int) -> None:
        """`count` mounts more (fewer, when negative) held: ENOMEM when RAM cannot hold them."""
        if self.ram is None:
            return
        size = count * MOUNT_BYTES
        if size > 0 and not self.ram.slab_fits(size):
            raise Errno(ENOMEM)
        self.ram.slab_charge(size)
        self._charged[0] += size

    def attach(self, made: Mount, parent: Mount, mountpoint: Inode) -> None:
        self.charge(1)
        self.event += 1
        made.parent, made.mountpoint = parent, mountpoint
        self.mounts.append(made)
        self._on.setdefault(mountpoint, []).append(made)
        self._roots.setdefault(made.root, []).append(made)

    def attach_beneath(self, made: Mount, top: Mount) -> None:
        """`made` goes under `top`, on what `top` covers: it shows once `top` is unmounted (MOVE_MOUNT_BENEATH)."""
        assert top.mountpoint is not None
        self.charge(1)
        self.event += 1
        made.parent, made.mountpoint = top.parent, top.mountpoint
        self.mounts.insert(self.mounts.index(top), made)
        stack = self._on[top.mountpoint]
        stack.insert(stack.index(top), made)
        self._roots.setdefault(made.root, []).append(made)

    def attach_boot(self, made: Mount) -> None:
        """A mount the boot put straight into its parent's directory (/proc): it covers nothing."""
        self.charge(1)
        self.event += 1
        made.parent = self.root
        self.mounts.append(made)
        self._roots.setdefault(made.root, []).append(made)

    def detach(self, gone: Mount) -> None:
        """`gone` leaves the namespace (its own submounts are the caller's to detach first)."""
        self.charge(-1)
        self.event += 1
        self.mounts.remove(gone)
        if gone.mountpoint is not None:
            stack = self._on.get(gone.mountpoint, [])
            if gone in stack:
                stack.remove(gone)
            if not stack:
                self._on.pop(gone.mountpoint, None)
        roots = self._roots.get(gone.root, [])
        if gone in roots:
            roots.remove(gone)
        if not roots:
            self._roots.pop(gone.root, None)

    def children(self, parent: Mount) -> list[Mount]:
        return [m for m in self.mounts if m.parent is parent]

    def subtree(self, top: Mount) -> list[Mount]:
        """`top` and every mount under it, parents before children."""
        out = [top]
        for m in out:
            out.extend(c for c in self.children(m) if c not in out)  # a tree, but never loop if not
        return out

    def copy(self, ram: PhysicalMemory | None) -> MountNamespace:
        """A new namespace holding a copy of every mount (copy_mnt_ns); ENOMEM when RAM cannot hold them."""
        if ram is not None and not ram.slab_fits(len(self.mounts) * MOUNT_BYTES):
            raise Errno(ENOMEM)
        copies = {id(m): m.copy() for m in self.mounts}
        made = MountNamespace(copies[id(self.root)], ram)
        for m in self.mounts[1:]:
            twin = copies[id(m)]
            parent = copies[id(m.parent)] if m.parent is not None else made.root
            if m.mountpoint is None:
                made.attach_boot(twin)
            else:
                made.attach(twin, parent, m.mountpoint)
        return made

    def room(self) -> bool:
        """Another mount fits (ENOSPC past MOUNT_MAX)."""
        return len(self.mounts) < MOUNT_MAX

    @staticmethod
    def path_within(top: Inode, node: Inode) -> bytes:
        """The path of `node` from directory `top` ("/" for `top` itself)."""
        parts: list[bytes] = []
        while node is not top and _is_dir(node):
            up = cast("Directory", node).parent
            if up is node:
                break
            parts.append(up.name_of(node) or b"?")
            node = up
        return b"/" + b"/".join(reversed(parts))

    def path_of(self, m: Mount) -> bytes:
        """Where mount `m` is, from the namespace's root (/proc/self/mounts's second field)."""
        parts: list[bytes] = []
        seen = set()
        while m.parent is not None and id(m) not in seen:
            seen.add(id(m))
            where = self.path_within(m.parent.root, m.mountpoint if m.mountpoint is not None else m.root)
            parts.append(where.strip(b"/"))
            m = m.parent
        return b"/" + b"/".join(p for p in reversed(parts) if p)


def _is_dir(node: Inode) -> bool:
    """A directory (by its mode: this module sits below vfs.py, which imports it)."""
    return stat.S_ISDIR(node.mode)


def _uncharge(ram: PhysicalMemory, charged: list[int]) -> None:
    ram.slab_charge(-charged[0])
    charged[0] = 0
