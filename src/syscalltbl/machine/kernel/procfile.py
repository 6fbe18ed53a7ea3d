"""The inodes /proc is made of: files rendered at each read, links followed late, directories filled on lookup."""

from __future__ import annotations

import stat
from collections.abc import Callable
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.vfs import Directory, Inode, OpenFile, Symlink
from syscalltbl.machine.uapi.errno import EINVAL, ENOENT, Errno

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task


class ProcLink(Symlink):
    """A symlink whose target is worked out when it is followed."""

    def __init__(self, target: Callable[[Task], bytes]) -> None:
        super().__init__(b"")
        self._dynamic = target

    def target(self, task: Task) -> bytes:
        return self._dynamic(task)


class ProcFile(Inode):
    """A text file rendered at each read; its size says 0, as procfs files do.

    `store` takes what is written (and the writer), if the file takes writes.
    """

    def can_splice_read(self) -> bool:
        return True  # proc's seq files: copy_splice_read

    def can_splice_write(self) -> bool:
        return self._store is not None  # the files that take writes (/proc/sys's: iter_file_splice_write)

    def __init__(
        self, render: Callable[[], bytes], store: Callable[[bytes, Task], None] | None = None, *, refuse: int = EINVAL
    ) -> None:
        super().__init__(stat.S_IFREG | (0o644 if store else 0o444))
        self._render, self._store, self._refuse = render, store, refuse

    def seekable(self) -> bool:
        return True

    def read(self, f: OpenFile, count: int) -> bytes:
        out = self._render()[f.offset : f.offset + count]
        f.offset += len(out)
        return out

    def write_from(self, f: OpenFile, data: bytes, writer: Task) -> int:
        if self._store is None:
            # Opened for writing by root: a per-process file has no write at all (EINVAL),
            # a machine-wide one is refused by procfs itself (proc_reg_write: EIO).
            raise Errno(self._refuse)
        self._store(data, writer)
        return len(data)


class ProcDirectory(Directory):
    """A directory whose entries are made on lookup; it takes no space."""

    in_tree = False

    def size(self) -> int:
        return 0

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        return {}

    def lookup(self, name: bytes, task: Task) -> Inode | None:
        return self.entries_for(task).get(name)

    def add(self, name: bytes, inode: Inode) -> Inode:
        raise Errno(ENOENT)  # procfs makes no files on request: creat, mkdir, symlink and link all fail so

    def listing(self, task: Task) -> list[tuple[bytes, Inode]]:
        return [(b".", self), (b"..", self.parent), *self.entries_for(task).items()]
