"""Change several files together: all of them, or none.

    commit([(project / "a.tbl", new_bytes), (project / "old.py", None)])   # None: remove the file

Two phases. Staging writes, beside each target, a hidden temporary file
with its new bytes and one with its old bytes (the backup a rollback
renames back), and creates missing directories; every write that can fail
for want of permission, space or a directory (EACCES, EROFS, ENOSPC,
ENOTDIR, EISDIR) fails here, while every target still holds its old bytes.
Swapping then renames each new file over its target (or removes it): a
rename inside one directory that could already create files there, with
SIGINT, SIGTERM and SIGHUP held back until it is over. Should a rename
still fail, the ones done are renamed back from their backups. Any failure
removes what staging made, so the tree is as it was, and raises an OSError
naming the target (not the temporary file) and the error.

Given `expected` (path -> the bytes the change was planned from, None for
"absent"), staging also checks that each target still holds them, and
raises ChangedMeanwhile, writing nothing, when one was edited meanwhile.
Not durable across a power cut: nothing is fsync'ed, as atomic.replace.
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import signal
import stat
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from syscalltbl.store.atomic import error_about

_counter = itertools.count()
#: What `syscalltbl` turns into "interrupted": none may land between two renames.
_HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass(slots=True)
class _Target:
    path: Path
    new: Path | None  # the staged new bytes; None: the target is removed
    backup: Path | None  # the staged old bytes; None: the target did not exist
    swapped: bool = False


@dataclass(slots=True)
class Staged:
    """Every change written beside its target and not yet visible: `swap()` makes them visible, together."""

    targets: list[_Target] = field(default_factory=list)
    made_dirs: list[Path] = field(default_factory=list)

    def swap(self) -> None:
        """Rename every staged file over its target; on any failure, rename back the ones done, and raise."""
        with _signals_held():
            try:
                for target in self.targets:
                    try:
                        if target.new is not None:
                            os.replace(target.new, target.path)
                            target.new = None
                        elif target.backup is not None:
                            os.unlink(target.path)
                        else:
                            continue
                    except OSError as exc:
                        raise error_about(exc, target.path) from None
                    target.swapped = True
            except BaseException:
                self._roll_back()
                self.discard()
                raise
            # Inside the held signals: an interrupt delivered at their release finds no backup left behind.
            self.discard()

    def _roll_back(self) -> None:
        for target in reversed(self.targets):
            if not target.swapped:
                continue
            # Best effort for each: one that cannot be restored must not stop the others.
            with contextlib.suppress(OSError):
                if target.backup is not None:
                    os.replace(target.backup, target.path)
                    target.backup = None
                else:
                    os.unlink(target.path)
                target.swapped = False

    def discard(self) -> None:
        """Remove what staging made and is still there: temporary files, then new (now empty) directories."""
        for target in self.targets:
            for temporary in (target.new, target.backup):
                if temporary is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(temporary)
            target.new = target.backup = None
        for directory in reversed(self.made_dirs):
            with contextlib.suppress(OSError):
                os.rmdir(directory)  # fails, and stays, if a swapped file now lives there


class ChangedMeanwhile(Exception):
    """A target no longer holds the bytes the change was planned from: writing would lose what changed it."""

    def __init__(self, path: Path) -> None:
        super().__init__(str(path))
        self.path = path


def commit(changes: Iterable[tuple[Path, bytes | None]], expected: Mapping[Path, bytes | None] | None = None) -> None:
    """Write (bytes) or remove (None) every path, all or none; an OSError names the path that failed.

    `expected`: what a path must still hold (None: must not exist), else ChangedMeanwhile and nothing is written.
    """
    staged = stage(changes, expected)
    try:
        staged.swap()
    finally:
        staged.discard()  # an interrupt between staging and swapping leaves no temporary file either


def stage(changes: Iterable[tuple[Path, bytes | None]], expected: Mapping[Path, bytes | None] | None = None) -> Staged:
    """Write every change beside its target; on failure remove what was made, and raise."""
    staged = Staged()
    seen: set[Path] = set()
    try:
        for path, data in changes:
            if path in seen:
                raise ValueError(f"{path} is changed twice in one transaction")
            seen.add(path)
            staged.targets.append(_stage_one(path, data, staged.made_dirs, expected or {}))
    except BaseException:
        staged.discard()
        raise
    return staged


def _stage_one(path: Path, data: bytes | None, made_dirs: list[Path], expected: Mapping[Path, bytes | None]) -> _Target:
    _make_parents(path, made_dirs)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise error_about(exc, path) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if info is None:
        if path in expected and expected[path] is not None:
            raise ChangedMeanwhile(path)
        if data is None:
            return _Target(path, None, None)  # nothing to remove
    elif path in expected and expected[path] is None:
        raise ChangedMeanwhile(path)
    # A replaced file keeps its mode; a new one gets atomic.replace's, through the umask.
    mode = None if info is None else stat.S_IMODE(info.st_mode)
    target = _Target(path, None, None)
    try:
        if info is not None:
            with open(path, "rb") as handle:
                old = handle.read()
            if path in expected and expected[path] != old:
                raise ChangedMeanwhile(path)
            target.backup = _temporary(path, old, mode)
        if data is not None:
            target.new = _temporary(path, data, mode)
    except BaseException as exc:  # Ctrl-C included: no backup or new file stays behind
        for temporary in (target.new, target.backup):
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
        if isinstance(exc, OSError):
            raise error_about(exc, path) from None
        raise
    return target


def _make_parents(path: Path, made_dirs: list[Path]) -> None:
    """Create the missing directories above `path`; a file where a directory must be is ENOTDIR, named."""
    missing: list[Path] = []
    parent = path.parent
    while True:
        try:
            info = os.stat(parent)
        except (FileNotFoundError, NotADirectoryError):
            # Missing, or below a file: the walk up finds the file and names it.
            missing.append(parent)
            parent = parent.parent
            continue
        except OSError as exc:
            raise error_about(exc, parent) from None
        if not stat.S_ISDIR(info.st_mode):
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(parent))
        break
    for directory in reversed(missing):
        try:
            os.mkdir(directory)
        except OSError as exc:
            raise error_about(exc, directory) from None
        made_dirs.append(directory)


def _temporary(path: Path, data: bytes, mode: int | None) -> Path:
    # A name no other writer uses (pid + counter), in the target's directory so
    # that the rename stays inside one file system.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{next(_counter)}.tmp")
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644 if mode is None else mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if mode is not None:
            os.chmod(temporary, mode)  # O_CREAT's mode went through the umask
    except BaseException:
        # The name is this call's alone: it goes whether or not os.open had made it yet.
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    return temporary


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Defer SIGINT, SIGTERM and SIGHUP (delivered at the end) so a half-done swap is never interrupted."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
