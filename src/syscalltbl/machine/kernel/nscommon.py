"""struct ns_common (include/linux/ns_common.h): what every kind of namespace but the mount one has here."""

from __future__ import annotations

from typing import ClassVar

from syscalltbl.machine.kernel.mount import alloc_ns_inum


class Namespace:
    """The kind (a CLONE_NEW* flag), the /proc/PID/ns name and the nsfs inode number."""

    kind: ClassVar[int]
    proc_name: ClassVar[bytes]

    def __init__(self, ino: int | None = None, user_ns: Namespace | None = None) -> None:
        """`user_ns`: the user namespace that owns it (ns_common's owner), None for the first one's."""
        self.ino = alloc_ns_inum() if ino is None else ino
        self.nsfs: object | None = None  # a weak reference to the nsfs inode while one is open (kernel/nsfs.py)
        self.user_ns = user_ns
