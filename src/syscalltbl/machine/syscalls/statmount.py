"""statmount(2) and listmount(2) (fs/namespace.c, Linux 6.18): a mount, and the mounts under one, by their
unique 64-bit ids.

A mount's unique id is its mountinfo id plus MNT_UNIQUE_ID_OFFSET, what
statx's STATX_MNT_ID_UNIQUE reports: the machine never reuses a mount id, so
the two numberings stay apart and both stay unique. listmount walks the
namespace's mounts in the order of those ids, as Linux's rbtree keeps them.
A caller sees only the mounts reachable from its root (a chroot hides what
is above it) unless it has CAP_SYS_ADMIN. No mount is idmapped and no LSM
adds options, so STATMOUNT_MNT_UIDMAP, MNT_GIDMAP and OPT_SEC_ARRAY
emit nothing.
"""

from __future__ import annotations

import os
import struct
from typing import Final

from syscalltbl.machine.kernel.mount import MNT_NAMESPACES, Mount, MountNamespace
from syscalltbl.machine.kernel.nsfs import NsFile
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import access_ok, copy_from_user, copy_to_user
from syscalltbl.machine.kernel.vfs import Directory, Inode
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import E2BIG, EBADF, EFAULT, EINVAL, ENOENT, EOVERFLOW, EPERM, Errno
from syscalltbl.machine.uapi.misc import PROC_SUPER_MAGIC, TMPFS_MAGIC
from syscalltbl.machine.uapi.mount import (
    LISTMOUNT_REVERSE,
    LSMT_ROOT,
    MNT_ID_REQ_SIZE_VER0,
    MNT_ID_REQ_SIZE_VER1,
    MOUNT_ATTR_NOATIME,
    MOUNT_ATTR_NODEV,
    MOUNT_ATTR_NODIRATIME,
    MOUNT_ATTR_NOEXEC,
    MOUNT_ATTR_NOSUID,
    MOUNT_ATTR_NOSYMFOLLOW,
    MOUNT_ATTR_RDONLY,
    MOUNT_ATTR_RELATIME,
    MOUNT_ATTR_STRICTATIME,
    MS_DIRSYNC,
    MS_LAZYTIME,
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
    MS_SYNCHRONOUS,
    MS_UNBINDABLE,
    STATMOUNT_FS_SUBTYPE,
    STATMOUNT_FS_TYPE,
    STATMOUNT_MNT_BASIC,
    STATMOUNT_MNT_GIDMAP,
    STATMOUNT_MNT_NS_ID,
    STATMOUNT_MNT_OPTS,
    STATMOUNT_MNT_POINT,
    STATMOUNT_MNT_ROOT,
    STATMOUNT_MNT_UIDMAP,
    STATMOUNT_OPT_ARRAY,
    STATMOUNT_OPT_SEC_ARRAY,
    STATMOUNT_PROPAGATE_FROM,
    STATMOUNT_SB_BASIC,
    STATMOUNT_SB_SOURCE,
    STATMOUNT_SIZE,
    STATMOUNT_SUPPORTED_MASK,
)
from syscalltbl.machine.uapi.statx import MNT_UNIQUE_ID_OFFSET

PAGE = 4096
LISTMOUNT_MAX: Final = 1_000_000  # listmount's maxcount: more ids than this at once is EOVERFLOW
ROOT_PARENT_ID: Final = 1  # the root mount's parent: the kernel's rootfs, as mountinfo numbers it
#: struct mnt_id_req (VER1): size, mnt_ns_fd, mnt_id, param, mnt_ns_id.
MNT_ID_REQ: Final = struct.Struct("<IIQQQ")
#: struct statmount's fields before its spare words (see uapi/mount.py).
STATMOUNT: Final = struct.Struct("<IIQIIQIIQQIIQQQQQIIQIIIIIIQIIII")
SB_MAGIC: Final = {b"tmpfs": TMPFS_MAGIC, b"ramfs": 0x858458F6, b"proc": PROC_SUPER_MAGIC, b"nsfs": 0x6E736673}
SB_FLAGS: Final = MS_RDONLY | MS_SYNCHRONOUS | MS_DIRSYNC | MS_LAZYTIME  # what sb_flags shows of s_flags
MNT_ATTRS: Final = ((MS_RDONLY, MOUNT_ATTR_RDONLY), (MS_NOSUID, MOUNT_ATTR_NOSUID), (MS_NODEV, MOUNT_ATTR_NODEV),
                    (MS_NOEXEC, MOUNT_ATTR_NOEXEC), (MS_NODIRATIME, MOUNT_ATTR_NODIRATIME),
                    (MS_NOSYMFOLLOW, MOUNT_ATTR_NOSYMFOLLOW))
STATMOUNT_SUPPORTED: Final = (STATMOUNT_SB_BASIC | STATMOUNT_MNT_BASIC | STATMOUNT_PROPAGATE_FROM | STATMOUNT_MNT_ROOT
                              | STATMOUNT_MNT_POINT | STATMOUNT_FS_TYPE | STATMOUNT_MNT_NS_ID | STATMOUNT_MNT_OPTS
                              | STATMOUNT_FS_SUBTYPE | STATMOUNT_SB_SOURCE | STATMOUNT_OPT_ARRAY
                              | STATMOUNT_OPT_SEC_ARRAY | STATMOUNT_SUPPORTED_MASK | STATMOUNT_MNT_UIDMAP
                              | STATMOUNT_MNT_GIDMAP)
#: The string fields in the order do_statmount emits them, with their offset fields' indexes in STATMOUNT.
STRINGS: Final = ((STATMOUNT_FS_TYPE, 7), (STATMOUNT_MNT_ROOT, 17), (STATMOUNT_MNT_POINT, 18),
                  (STATMOUNT_MNT_OPTS, 1), (STATMOUNT_OPT_ARRAY, 23), (STATMOUNT_OPT_SEC_ARRAY, 25),
                  (STATMOUNT_FS_SUBTYPE, 20), (STATMOUNT_SB_SOURCE, 21))


def unique_id(m: Mount) -> int:
    return m.id + MNT_UNIQUE_ID_OFFSET


def _request(t: Task, req: int) -> tuple[int, int, int, int]:
    """copy_mnt_id_req: (mnt_ns_fd, mnt_id, param, mnt_ns_id)."""
    (usize,) = struct.unpack("<I", copy_from_user(t.mm, req, 4))
    if usize > PAGE:
        raise Errno(E2BIG)
    if usize < MNT_ID_REQ_SIZE_VER0:
        raise Errno(EINVAL)
    raw = copy_from_user(t.mm, req, usize)
    if any(raw[MNT_ID_REQ_SIZE_VER1:]):
        raise Errno(E2BIG)  # copy_struct_from_user: a newer struct's fields this kernel does not know
    _size, ns_fd, mnt_id, param, ns_id = MNT_ID_REQ.unpack(raw[:MNT_ID_REQ_SIZE_VER1].ljust(MNT_ID_REQ.size, b"\0"))
    if ns_fd and ns_id:
        raise Errno(EINVAL)
    if mnt_id <= MNT_UNIQUE_ID_OFFSET:
        raise Errno(EINVAL)  # the first valid unique id is MNT_UNIQUE_ID_OFFSET + 1
    return ns_fd, mnt_id, param, ns_id


def _namespace(t: Task, ns_fd: int, ns_id: int) -> MountNamespace:
    """grab_requested_mnt_ns: by id, by an nsfs descriptor, else the caller's."""
    own = t.machine.fs.namespace(t)
    if ns_id:
        found = MNT_NAMESPACES.get(ns_id)
        if found is None or (found is not own and not t.cred.capable(CAP_SYS_ADMIN)):
            raise Errno(ENOENT)
        return found
    if ns_fd:
        try:
            f = t.files.get(ns_fd)
        except Errno:
            raise Errno(EBADF) from None
        if not isinstance(f.inode, NsFile) or not isinstance(f.inode.ns, MountNamespace):
            raise Errno(EINVAL)  # not a namespace file, or not a mount namespace's
        return f.inode.ns
    return own


def _root(t: Task, ns: MountNamespace) -> tuple[Mount, Inode]:
    """grab_requested_root: the caller's root in its own namespace, another namespace's top otherwise."""
    if ns is t.machine.fs.namespace(t):
        root = t.machine.fs.root_of(t)
        return ns.containing(root) or ns.root, root
    return ns.root, ns.root.root


def _up(top: Inode, node: Inode) -> list[bytes] | None:
    """The names from directory `top` down to `node`, None when `node` is not under it (is_subdir)."""
    names: list[bytes] = []
    while node is not top:
        if not isinstance(node, Directory) or node.parent is node:
            return None
        names.append(node.parent.name_of(node) or b"?")
        node = node.parent
    return names[::-1]


def _path(m: Mount, node: Inode, root: tuple[Mount, Inode]) -> list[bytes] | None:
    """The names from the caller's root to `node` in mount `m` (is_path_reachable when not None)."""
    segments: list[list[bytes]] = []
    seen: set[int] = set()
    while m is not root[0]:
        parent, point = m.parent, m.mountpoint
        if parent is None or point is None or id(m) in seen:
            return None
        seen.add(id(m))
        inside = _up(m.root, node)
        if inside is None:
            return None
        segments.append(inside)
        m, node = parent, point
    last = _up(root[1], node)
    if last is None:
        return None
    segments.append(last)
    return [name for segment in reversed(segments) for name in segment]


def _lookup(ns: MountNamespace, mnt_id: int) -> Mount:
    found = next((m for m in ns.mounts if unique_id(m) == mnt_id), None)
    if found is None:
        raise Errno(ENOENT)
    return found


def _propagation(m: Mount) -> int:
    flags = (MS_SHARED if m.group else 0) | (MS_SLAVE if m.master else 0) | (MS_UNBINDABLE if m.unbindable else 0)
    return flags or MS_PRIVATE


def _attr(m: Mount) -> int:
    attr = sum(bit for flag, bit in MNT_ATTRS if m.flags & flag)
    if m.flags & MS_NOATIME:
        return attr | MOUNT_ATTR_NOATIME
    return attr | (MOUNT_ATTR_RELATIME if m.flags & MS_RELATIME else MOUNT_ATTR_STRICTATIME)


def _string(field: int, ns: MountNamespace, m: Mount, root: tuple[Mount, Inode]) -> tuple[bytes, int]:
    """One string field's bytes (without its NUL; b"" emits nothing) and, for an array, its count."""
    sb = m.sb
    if field == STATMOUNT_FS_TYPE:
        return sb.fstype, 0
    if field == STATMOUNT_MNT_ROOT:
        return (ns.path_within(sb.root, m.root) if sb.root is not None and m.root is not sb.root else b"/"), 0
    if field == STATMOUNT_MNT_POINT:
        names = _path(m, m.root, root)
        return (b"" if names is None else b"/" + b"/".join(names)), 0  # seq_path_root's SEQ_SKIP: nothing
    options = [o for o in sb.show_options().split(b",") if o]
    if field == STATMOUNT_MNT_OPTS:
        return b",".join(options), 0
    if field == STATMOUNT_OPT_ARRAY:
        return b"\0".join(options), len(options)
    if field == STATMOUNT_SB_SOURCE:
        return sb.source, 0
    return b"", 0  # no subtypes, no security options


@syscall("sys_statmount")
def sys_statmount(t: Task, req: int, buf: int, bufsize: int, flags: int, *_: int) -> int:
    if flags & 0xFFFFFFFF:
        raise Errno(EINVAL)
    ns_fd, mnt_id, mask, ns_id = _request(t, req)
    ns = _namespace(t, ns_fd, ns_id)
    if not access_ok(buf, bufsize):
        raise Errno(EFAULT)
    strings = STATMOUNT_MNT_ROOT | STATMOUNT_MNT_POINT | STATMOUNT_FS_TYPE | STATMOUNT_MNT_OPTS \
        | STATMOUNT_FS_SUBTYPE | STATMOUNT_SB_SOURCE | STATMOUNT_OPT_ARRAY | STATMOUNT_OPT_SEC_ARRAY \
        | STATMOUNT_MNT_UIDMAP | STATMOUNT_MNT_GIDMAP
    if mask & strings and bufsize == STATMOUNT_SIZE:
        raise Errno(EOVERFLOW)  # prepare_kstatmount: strings asked for and no room past the struct
    m = _lookup(ns, mnt_id)
    root = _root(t, ns)
    if _path(m, m.root, root) is None and not t.cred.capable(CAP_SYS_ADMIN):
        raise Errno(EPERM)  # not reachable from the caller's root
    fields = [0] * len(STATMOUNT.unpack(bytes(STATMOUNT.size)))
    done = 0
    if mask & STATMOUNT_MNT_BASIC:
        done |= STATMOUNT_MNT_BASIC
        parent = m.parent
        fields[8:16] = [unique_id(m), parent.id + MNT_UNIQUE_ID_OFFSET if parent else ROOT_PARENT_ID
                        + MNT_UNIQUE_ID_OFFSET, m.id, parent.id if parent else ROOT_PARENT_ID, _attr(m),
                        _propagation(m), m.group, m.master]
    if mask & STATMOUNT_SB_BASIC:
        done |= STATMOUNT_SB_BASIC
        sb_flags = (m.sb.flags & SB_FLAGS) | (MS_RDONLY if m.sb.readonly else 0)
        fields[3:7] = [os.major(m.sb.dev), os.minor(m.sb.dev), SB_MAGIC.get(m.sb.fstype, TMPFS_MAGIC), sb_flags]
    if mask & STATMOUNT_PROPAGATE_FROM:
        done |= STATMOUNT_PROPAGATE_FROM
        fields[16] = m.master  # get_dominating_id: the machine's peer groups do not cross namespaces
    heap = bytearray()
    for flag, index in STRINGS:
        if not mask & flag:
            continue
        text, count = _string(flag, ns, m, root)
        if not text:
            continue
        if not heap:
            heap.append(0)  # an empty string first, for the offsets of fields not set
        start = len(heap)
        heap += text + b"\0"
        if STATMOUNT_SIZE + len(heap) - 1 >= bufsize:
            raise Errno(EOVERFLOW)  # statmount_string: the strings do not fit the caller's buffer
        fields[index] = start
        if flag == STATMOUNT_OPT_ARRAY:
            fields[22] = count
        done |= flag
    if mask & STATMOUNT_MNT_NS_ID:
        done |= STATMOUNT_MNT_NS_ID
        fields[19] = ns.seq
    if mask & STATMOUNT_SUPPORTED_MASK:
        done |= STATMOUNT_SUPPORTED_MASK
        fields[26] = STATMOUNT_SUPPORTED
    copysize = min(bufsize, STATMOUNT_SIZE)
    if heap:
        copy_to_user(t.mm, buf + STATMOUNT_SIZE, bytes(heap))
    fields[0], fields[2] = copysize + len(heap), done
    copy_to_user(t.mm, buf, STATMOUNT.pack(*fields).ljust(STATMOUNT_SIZE, b"\0")[:copysize])
    return 0


@syscall("sys_listmount")
def sys_listmount(t: Task, req: int, mnt_ids: int, nr_mnt_ids: int, flags: int, *_: int) -> int:
    if flags & 0xFFFFFFFF & ~LISTMOUNT_REVERSE:
        raise Errno(EINVAL)
    if nr_mnt_ids > LISTMOUNT_MAX:
        raise Errno(EOVERFLOW)
    if not access_ok(mnt_ids, nr_mnt_ids * 8):
        raise Errno(EFAULT)
    ns_fd, parent_id, last_id, ns_id = _request(t, req)
    if last_id and last_id <= MNT_UNIQUE_ID_OFFSET:
        raise Errno(EINVAL)
    ns = _namespace(t, ns_fd, ns_id)
    root = _root(t, ns)
    if parent_id == LSMT_ROOT:
        origin = root
    else:
        top = _lookup(ns, parent_id)
        origin = (top, top.root)
    if _path(origin[0], origin[1], root) is None and not t.cred.capable(CAP_SYS_ADMIN):
        raise Errno(EPERM)
    reverse = bool(flags & LISTMOUNT_REVERSE)
    order = sorted(ns.mounts, key=unique_id, reverse=reverse)
    if last_id:
        order = [m for m in order if (unique_id(m) < last_id if reverse else unique_id(m) > last_id)]
    found: list[int] = []
    for m in order:
        if len(found) == nr_mnt_ids:
            break
        if unique_id(m) != parent_id and _path(m, m.root, origin) is not None:
            found.append(unique_id(m))
    if found:
        copy_to_user(t.mm, mnt_ids, struct.pack(f"<{len(found)}Q", *found))
    return len(found)


