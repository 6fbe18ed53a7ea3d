"""The machine's root when it is a host directory seen copy-on-write: an overlay (fs/overlayfs/super.c).

The host directory is the overlay's one lower layer, read on demand
(kernel/hostfs.py); the upper layer, where every change is made, is in
memory and charged to the machine's filesystem space as a tmpfs's files
are. This is what Linux calls an overlay mount: its type is "overlay",
statfs says OVERLAYFS_SUPER_MAGIC with the upper layer's sizes (ovl_statfs),
and /proc/self/mounts shows the lower directory it was made from
(ovl_show_options). A tree with no host directory under it is a plain tmpfs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.mount import Superblock

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.fsspace import Space
    from syscalltbl.machine.kernel.vfs import Directory


class OverlaySuper(Superblock):
    """The copy-on-write root: source and type "overlay", the host directory as its lowerdir."""

    def __init__(self, lowerdir: bytes, root: Directory, dev: int, space: Space | None) -> None:
        super().__init__(b"overlay", b"overlay", root, dev=dev, space=space)
        self.lowerdir = lowerdir

    def show_options(self) -> bytes:
        """ovl_show_options: the layers (the upper one is the machine's memory, which has no path to show)."""
        return b",lowerdir=" + _escape_option(self.lowerdir)


def _escape_option(path: bytes) -> bytes:
    """seq_show_option's escaping of a value: commas and equals signs too, as they separate options."""
    for ch in b"\\ \t\n,=":
        path = path.replace(bytes([ch]), b"\\%03o" % ch)
    return path
