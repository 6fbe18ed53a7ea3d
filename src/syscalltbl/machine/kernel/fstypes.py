"""The filesystem types the machine's kernel has (fs/filesystems.c's file_systems list).

In the order Linux registers them at boot: the in-memory tree every file
lives in (tmpfs), /proc, and the internal ones behind sockets, pipes and
anonymous inodes (eventfd, epoll, timerfd, signalfd), which have no mount a
program can see. sysfs(2) numbers them by this order. A type that gains
mounts of its own elsewhere goes in here too.
"""

from __future__ import annotations

from typing import Final

#: (name, needs a block device): none does, every one is "nodev" in /proc/filesystems's words.
FILESYSTEM_TYPES: Final[tuple[tuple[bytes, bool], ...]] = (
    (b"tmpfs", False),
    (b"proc", False),
    (b"sockfs", False),
    (b"pipefs", False),
    (b"anon_inodefs", False),
)


def fs_index(name: bytes) -> int | None:
    """The position of the type called `name`, or None if there is no such type."""
    for index, (known, _) in enumerate(FILESYSTEM_TYPES):
        if known == name:
            return index
    return None


def fs_name(index: int) -> bytes | None:
    """The name of the `index`th type, or None past the last."""
    return FILESYSTEM_TYPES[index][0] if 0 <= index < len(FILESYSTEM_TYPES) else None
