"""A whole build in one cache entry: what it read, what it wrote, and where each output's bytes are cached.

A warm `syscalltbl build` is answered from this record (cli/build_warm.py)
when nothing it names has changed: every input file has the stamp it had
(path, size, inode, mtime and ctime: any write changes the ctime, which no
tool can set back, as store/filestamp.py relies on), every path the build
found absent (a project or a kernel tree it looked for above the working
directory) is still absent. Each output whose file no longer has its
recorded stamp is written again from its cache entry, only if its bytes
differ. Only os and the store's basics are imported.
"""

from __future__ import annotations

import contextlib
import os

from syscalltbl.store import entry, filestamp

TYPE_CHECKING = False  # not typing: the warm build path imports as little as it can
if TYPE_CHECKING:
    from collections.abc import Iterable

KIND = "build-record"
_VERSION = "build-record 2"


class Output:
    """One output: its file, the cache key and CRC-32 of its bytes, the stamp it had when written,
    how -v names it."""

    __slots__ = ("cache_key", "crc", "path", "shown", "stamp")

    def __init__(self, path: str, cache_key: str, crc: str, stamp: str, shown: str) -> None:
        self.path, self.cache_key, self.crc, self.stamp, self.shown = path, cache_key, crc, stamp, shown

    def cached(self, root: str) -> bytes | None:
        """Its bytes from the cache entry, if that holds them whole. Checked against the CRC-32 rather
        than the entry's SHA-256: as safe against a damaged file, and a warm build reads a megabyte."""
        from binascii import crc32

        path = entry.file(root, "output", self.cache_key)
        try:
            with open(path, "rb") as handle:
                data = handle.read()[entry.DIGEST_BYTES :]
        except OSError:
            return None
        if str(crc32(data)) != self.crc:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # used: the cache's bound evicts the least recently used first
        return data


class Record:
    """Everything a warm build checks, in the order the full build made its outputs. One without
    outputs (nor lock) says only that the command was run: a build it cannot answer."""

    __slots__ = ("absent", "inputs", "lock", "outputs", "resolved")

    def __init__(
        self,
        lock: str,
        absent: list[str],
        inputs: dict[str, str],
        outputs: list[Output],
        resolved: dict[str, str] | None = None,
    ) -> None:
        self.lock, self.absent, self.inputs, self.outputs = lock, absent, inputs, outputs
        #: directory -> where it resolved to (the output directory)
        self.resolved = resolved or {}

    def encode(self) -> bytes:
        lines = [_VERSION, f"L\0{self.lock}"]
        lines += [f"A\0{path}" for path in self.absent]
        lines += [f"I\0{path}\0{stamp}" for path, stamp in self.inputs.items()]
        lines += [f"R\0{path}\0{real}" for path, real in self.resolved.items()]
        lines += [f"O\0{o.path}\0{o.cache_key}\0{o.crc}\0{o.stamp}\0{o.shown}" for o in self.outputs]
        return "\n".join(lines).encode("utf-8", "surrogateescape")

    @classmethod
    def decode(cls, data: bytes) -> Record | None:
        lines = data.decode("utf-8", "surrogateescape").split("\n")
        if lines[0] != _VERSION:
            return None
        record = cls("", [], {}, [])
        for line in lines[1:]:
            kind, *fields = line.split("\0")
            if kind == "L" and len(fields) == 1:
                record.lock = fields[0]
            elif kind == "A" and len(fields) == 1:
                record.absent.append(fields[0])
            elif kind == "I" and len(fields) == 2:
                record.inputs[fields[0]] = fields[1]
            elif kind == "R" and len(fields) == 2:
                record.resolved[fields[0]] = fields[1]
            elif kind == "O" and len(fields) == 5:
                record.outputs.append(Output(*fields))
            else:
                return None
        return record if bool(record.lock) == bool(record.outputs) else None


def stamp(path: str) -> str:
    """A file's size, inode, mtime and ctime; "" when it cannot be stat()ed."""
    try:
        return filestamp.stamp(os.stat(path))
    except OSError:
        return ""


def absent(path: str) -> bool:
    try:
        os.stat(path)
    except (FileNotFoundError, NotADirectoryError):
        return True
    except OSError:
        return False  # unknown: not what the build saw
    return False


def key(code: Iterable[str], cwd: str, argv: list[str]) -> str:
    """The record's key: the interpreter, the stamps of the code that builds, the working directory
    and the command line (whose meaning, and every relative path in it, depend on both)."""
    return entry.digest(KIND, entry.interpreter(), *(f"{path}\0{stamp(path)}" for path in code), cwd, repr(argv))


def load(root: str, record_key: str) -> Record | None:
    data = entry.read(root, KIND, record_key)
    return Record.decode(data) if data is not None else None


def save(root: str, record_key: str, record: Record) -> None:
    data = record.encode()
    path = entry.file(root, KIND, record_key)
    if not os.path.exists(path):
        entry.write(root, KIND, record_key, data)  # a new entry: counted against the cache's bound
        return
    # An update after a warm build rewrote outputs (their stamps changed): about the same size, so
    # the bound's ledger stays as it is, and this path imports nothing more.
    from syscalltbl.store import atomic

    with contextlib.suppress(OSError):
        atomic.write_if_changed(path, entry.sha256(data).digest() + data)
