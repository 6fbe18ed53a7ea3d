"""openat2's RESOLVE_* rules for one path walk (fs/namei.c's LOOKUP_NO_XDEV, LOOKUP_BENEATH, ...).

FileSystem.walk asks a Scope at each step that the rules restrict: a jump
to "/", a "..", a symlink followed, a step from one filesystem into another
(a mount crossed, or the tree and /proc). Without RESOLVE_* flags a walk
has no Scope and nothing changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.machine.uapi.errno import ELOOP, EXDEV, Errno
from syscalltbl.machine.uapi.openat2 import (
    RESOLVE_BENEATH,
    RESOLVE_IN_ROOT,
    RESOLVE_NO_MAGICLINKS,
    RESOLVE_NO_SYMLINKS,
    RESOLVE_NO_XDEV,
)

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.vfs import Directory, Inode


def _tree_of(inode: Inode) -> bool:
    return bool(getattr(inode, "in_tree", True))


def _crosses(here: Inode, there: Inode) -> bool:
    """Is a step from `here` to `there` into another filesystem: another superblock (a mount crossed) where
    both know theirs, else from the tree into /proc or back?"""
    if here.sb is not None and there.sb is not None:
        return here.sb is not there.sb
    return _tree_of(here) != _tree_of(there)


def is_magic(directory: Directory) -> bool:
    """Whether a /proc link in `directory` leads to an object rather than a name (nd_jump_link's):
    /proc/PID/exe, cwd, fd/N and the like are below /proc's own directory, whose self and thread-self
    are plain symlinks."""
    return not _tree_of(directory) and not _tree_of(directory.parent)


class Scope:
    def __init__(self, resolve: int, start: Directory, fs_root: Directory) -> None:
        self.resolve = resolve
        # RESOLVE_BENEATH and RESOLVE_IN_ROOT take the starting directory as the root of the walk.
        self.root = start if resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT) else fs_root
        self.fs_root = fs_root

    def jump_root(self, here: Inode) -> Directory:
        """A jump to "/" (an absolute path or symlink): refused beneath, the walk's own root in root."""
        if self.resolve & RESOLVE_BENEATH:
            raise Errno(EXDEV)
        self.cross(here, self.root)
        return self.root

    def holds(self, here: Directory) -> bool:
        """Is `here` the root a ".." may not leave (RESOLVE_BENEATH, RESOLVE_IN_ROOT)?"""
        return here is self.root and bool(self.resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT))

    def up(self, here: Directory) -> Directory:
        """".." from the root it holds: EXDEV beneath, the root itself in root."""
        if self.resolve & RESOLVE_BENEATH:
            raise Errno(EXDEV)
        return here

    def follow(self, *, magic: bool) -> None:
        """A symlink is to be followed (a magic one: /proc's links to open files and programs)."""
        if self.resolve & RESOLVE_NO_SYMLINKS:
            raise Errno(ELOOP)
        if magic:
            if self.resolve & RESOLVE_NO_MAGICLINKS:
                raise Errno(ELOOP)
            if self.resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT):
                raise Errno(EXDEV)

    def cross(self, here: Inode, there: Inode | None) -> None:
        """A step from `here` to `there`: into another filesystem is EXDEV with RESOLVE_NO_XDEV."""
        if self.resolve & RESOLVE_NO_XDEV and there is not None and _crosses(here, there):
            raise Errno(EXDEV)
