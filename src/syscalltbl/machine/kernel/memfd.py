"""memfd_create's files and file sealing (mm/memfd.c, with mm/shmem.c's shmem_file_setup).

A memfd is a regular file of the kernel's internal tmpfs (shm_mnt): no name
in any directory, link count 0, mode 0777 (0666 with MFD_NOEXEC_SEAL),
owned by the caller's fsuid and fsgid. /proc/PID/fd and /proc/PID/maps show
it as "/memfd:NAME (deleted)". Its pages are RAM as any tmpfs file's, charged
to one space per machine as large as RAM (shm_mnt has no size= of its own).

Seals live on the inode (Regular.seals), so every descriptor and mapping of
the file sees the same ones. Regular's write, truncate and fallocate enforce
them; mmap refuses a new writable shared mapping of a write-sealed file
(memfd_check_seals_mmap) and mprotect a shared one that may not write.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.fsspace import Space
from syscalltbl.machine.kernel.mount import Superblock
from syscalltbl.machine.kernel.vfs import OpenFile, Regular
from syscalltbl.machine.uapi.errno import EBUSY, EINVAL, EPERM, Errno
from syscalltbl.machine.uapi.fcntl import (
    F_ALL_SEALS,
    F_SEAL_EXEC,
    F_SEAL_FUTURE_WRITE,
    F_SEAL_GROW,
    F_SEAL_SEAL,
    F_SEAL_SHRINK,
    F_SEAL_WRITE,
    KERNEL_O_LARGEFILE,
    O_RDWR,
)

if TYPE_CHECKING:
    from syscalltbl.machine.hw.physmem import PhysicalMemory
    from syscalltbl.machine.kernel.process import Task

#: shm_mnt of each machine (by its RAM): the superblock every memfd is on.
_SHM_MNT: weakref.WeakKeyDictionary[PhysicalMemory, Superblock] = weakref.WeakKeyDictionary()


def _shm_mnt(ram: PhysicalMemory) -> Superblock:
    sb = _SHM_MNT.get(ram)
    if sb is None:
        # kern_mount(&shmem_fs_type): no size= and no nr_inodes=, so RAM is the bound of both.
        space = Space(ram.size, ram.size // 4096, ram)
        sb = _SHM_MNT[ram] = Superblock(b"tmpfs", b"tmpfs", None, space=space)
    return sb


def new_memfd(task: Task, name: bytes, *, noexec: bool, sealable: bool) -> OpenFile:
    """shmem_file_setup(name, 0, VM_NORESERVE) and memfd_create's seals: an empty file opened O_RDWR."""
    sb = _shm_mnt(task.machine.ram)
    assert sb.space is not None
    node = Regular(b"", 0o666 if noexec else 0o777, sb.space)
    node.owned_by(task.cred.fsuid, task.cred.fsgid)
    node.sb = sb
    node.nlink = 0
    if noexec:
        node.seals = F_SEAL_EXEC  # and sealing allowed (MFD_NOEXEC_SEAL clears F_SEAL_SEAL)
    elif sealable:
        node.seals = 0
    return OpenFile(node, O_RDWR | KERNEL_O_LARGEFILE, b"/" + name + b" (deleted)")


def seals_of(f: OpenFile) -> Regular:
    """memfd_file_seals_ptr: the shmem file whose seals `f` reaches, EINVAL for any other file."""
    node = f.inode
    if not isinstance(node, Regular) or node.sb is None or node.sb.fstype != b"tmpfs":
        raise Errno(EINVAL)
    return node


def get_seals(f: OpenFile) -> int:
    """F_GET_SEALS."""
    return seals_of(f).seals


def add_seals(f: OpenFile, seals: int) -> int:
    """F_ADD_SEALS (memfd_add_seals): seals are only ever added, on the inode, and F_SEAL_SEAL ends that."""
    if not f.writable():
        raise Errno(EPERM)
    if seals & ~F_ALL_SEALS:
        raise Errno(EINVAL)
    node = seals_of(f)
    if node.seals & F_SEAL_SEAL:
        raise Errno(EPERM)
    if seals & F_SEAL_WRITE and not node.seals & F_SEAL_WRITE and _shared_writers(node):
        raise Errno(EBUSY)  # mapping_deny_writable: a shared mapping may still write it
    if seals & F_SEAL_EXEC and node.mode & 0o111:
        seals |= F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE  # W^X from the start
    node.seals |= seals
    return 0


def _shared_writers(node: Regular) -> bool:
    """Whether a shared mapping that is or may become writable (VM_SHARED and VM_MAYWRITE) maps `node`."""
    return any(v.backing is node and v.shared and v.maywrite for mm in list(node.mappers) for v in mm.vmas)


def check_seals_mmap(node: Regular, *, shared: bool, write: bool) -> bool:
    """memfd_check_seals_mmap for a new mapping of `node`: EPERM for a writable shared mapping of a
    write-sealed file; whether the mapping may later be made writable (VM_MAYWRITE)."""
    if not shared or not node.seals & (F_SEAL_WRITE | F_SEAL_FUTURE_WRITE):
        return True
    if write:
        raise Errno(EPERM)
    return False


def check_seals_chmod(node: Regular, mode: int) -> None:
    """shmem_setattr: F_SEAL_EXEC keeps the exec bits as they are (EPERM)."""
    if node.seals & F_SEAL_EXEC and (node.mode ^ mode) & 0o111:
        raise Errno(EPERM)
