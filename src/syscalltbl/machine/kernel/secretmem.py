"""memfd_secret's files (mm/secretmem.c): memory only the processes mapping it can reach.

The file has no read or write of its own (EINVAL), no poll, and a size that
ftruncate sets once. Its only use is a MAP_SHARED mapping, locked as mlock
locks (RLIMIT_MEMLOCK counts it), whose pages are zero-filled frames taken
on first touch. Linux takes those pages out of the kernel's direct map, so
get_user_pages refuses them: process_vm_readv and process_vm_writev give
EFAULT there (syscalls/process_vm.py asks `is_secret`). The process's own
accesses, and the kernel's copies to and from its buffers, work as for any
memory.
"""

from __future__ import annotations

import stat
import weakref
from typing import TYPE_CHECKING

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.kernel.shmem import SharedAnon
from syscalltbl.machine.kernel.vfs import Inode, OpenFile
from syscalltbl.machine.uapi.errno import EINVAL, Errno
from syscalltbl.machine.uapi.fcntl import KERNEL_O_LARGEFILE, O_RDWR

if TYPE_CHECKING:
    from syscalltbl.machine.hw.physmem import PhysicalMemory
    from syscalltbl.machine.kernel.mm import Mm, Vma
    from syscalltbl.machine.kernel.process import Task

#: alloc_file_pseudo(inode, secretmem_mnt, "secretmem", ...): what /proc/PID/fd and maps show.
SECRETMEM_PATH = b"/secretmem (deleted)"


class SecretMem(Inode):
    """The file; its pages (a SharedAnon of its size) once ftruncate gave it one."""

    def __init__(self, ram: PhysicalMemory) -> None:
        super().__init__(stat.S_IFREG | 0o600)  # alloc_anon_inode's 0600, made S_IFREG by secretmem_file_create
        self.ram = ram
        self.pages: SharedAnon | None = None
        self.mappers: weakref.WeakSet[Mm] = weakref.WeakSet()

    def size(self) -> int:
        return self.pages.size if self.pages is not None else 0

    def truncate(self, length: int) -> None:
        """secretmem_setattr: a size may be set only while it is 0 (EINVAL after)."""
        if self.size():
            raise Errno(EINVAL)
        if length:
            self.pages = SharedAnon(self.ram, length)

    # -- Backing: what the mapping takes its pages from --

    def page(self, index: int) -> int | None:
        return self.pages.page(index) if self.pages is not None else None

    def resident_in(self, first: int, end: int) -> list[int]:
        return self.pages.resident_in(first, end) if self.pages is not None else []

    def cached(self, first: int, end: int) -> list[tuple[int, int]]:
        return []  # secretmem_vm_ops has no map_pages: every page faults on its own

    def punch(self, first: int, count: int) -> None:
        if self.pages is not None:
            self.pages.punch(first, count)

    def opened(self) -> None:
        pass

    def closed(self) -> None:
        pass

    def blocks(self) -> int:
        return len(self.pages.frames) * (PAGE_SIZE // 512) if self.pages is not None else 0


def new_secretmem(task: Task) -> OpenFile:
    node = SecretMem(task.machine.ram)
    node.owned_by(task.cred.fsuid, task.cred.fsgid)
    node.nlink = 0
    return OpenFile(node, O_RDWR | KERNEL_O_LARGEFILE, SECRETMEM_PATH)


def is_secret(vma: Vma) -> bool:
    """vma_is_secretmem: get_user_pages refuses the area (EFAULT)."""
    return isinstance(vma.backing, SecretMem)
