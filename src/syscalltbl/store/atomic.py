"""Writing outputs so that nothing is lost: whole files, and only when they change."""

from __future__ import annotations

import itertools
import os

TYPE_CHECKING = False  # not typing: the warm script and build paths write through here
if TYPE_CHECKING:
    from collections.abc import Sequence

#: What every function here takes: a pathlib.Path or a str. Not pathlib itself, which costs the
#: warm `syscalltbl script` path (it writes through here) more than its own work.
AnyPath = str | os.PathLike[str]

_counter = itertools.count()


def holds(path: AnyPath, data: bytes) -> bool:
    """Whether `path` already holds exactly `data`."""
    try:
        with open(path, "rb") as handle:
            return handle.read() == data
    except (FileNotFoundError, NotADirectoryError):
        return False


def replace(path: AnyPath, data: bytes) -> None:
    """Replace `path` with `data` by an atomic rename: readers see the old bytes or the new, never a mix.

    An OSError names `path` (the file the user asked for), never the temporary file beside it.
    """
    # A name no other writer uses (pid + counter), created exclusively, in the
    # target's directory so that the rename cannot cross file systems.
    directory, name = os.path.split(os.fspath(path))
    tmp = os.path.join(directory, f".{name}.{os.getpid()}.{next(_counter)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException as exc:
        # The name is this call's alone, so it can go whether or not it was made: a
        # Ctrl-C raised the moment os.open returned leaves no file behind either.
        try:  # noqa: SIM105  (contextlib costs the warm script path, which writes through here, more than this module)
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise error_about(exc, path) from None
        raise


def error_about(exc: OSError, path: AnyPath) -> OSError:
    """The same error, naming `path` rather than a temporary file beside it."""
    return type(exc)(exc.errno, exc.strerror or str(exc), os.fspath(path))


def write_if_changed(path: AnyPath, data: bytes) -> bool:
    """Replace `path` with `data` atomically; False if it already held exactly that."""
    if holds(path, data):
        return False
    replace(path, data)
    return True


def refresh(path: AnyPath, data: bytes) -> None:
    """Give `path`, which already holds `data`, a new modification time and no new bytes.

    For make: an output older than the input it was made from is rebuilt on every run.
    A file with other hard links (a `cp -al` copy of a tree) gets a new inode instead,
    so that the other tree's file keeps its time.
    """
    try:
        if os.stat(path).st_nlink == 1:
            os.utime(path)
            return
    except OSError as exc:
        raise error_about(exc, path) from None
    replace(path, data)


def write_many(writes: Sequence[tuple[AnyPath, bytes]]) -> list[bool | OSError]:
    """write_if_changed for each: True where written, the error where it failed. Comparing is cheap;
    creating files is slow on some file systems and releases the GIL, so many changed files are
    written by four threads."""
    outcomes: list[bool | OSError] = [False] * len(writes)
    changed = [i for i, (path, data) in enumerate(writes) if not holds(path, data)]

    def work(indices: list[int]) -> None:
        for i in indices:
            try:
                replace(*writes[i])
                outcomes[i] = True
            except OSError as exc:
                outcomes[i] = exc

    if len(changed) < 16:
        work(changed)
        return outcomes
    import threading

    # Four writers that start writing together, once all four run, and are waited for by events, not
    # joins: a join that Ctrl-C interrupts can mark its thread stopped while it still runs (Python
    # 3.11's Thread._wait_for_tstate_lock), and an exit then would cut a file short. Ctrl-C comes to
    # this thread: before `go`, no writer has begun and none will; after it, each finishes, whole.
    go, cancelled = threading.Event(), False
    done = [threading.Event() for _ in range(4)]

    def writer(indices: list[int], finished: threading.Event) -> None:
        try:
            go.wait()
            if not cancelled:
                work(indices)
        finally:
            finished.set()

    try:
        for k, finished in enumerate(done):
            threading.Thread(target=writer, args=(changed[k::4], finished), daemon=True).start()
    except BaseException:
        cancelled = True
        go.set()
        raise
    try:
        go.set()
        for finished in done:
            finished.wait()
    finally:
        if go.is_set():  # the writers began: each finishes its files, whole
            for finished in done:
                finished.wait()
    return outcomes
