"""The fuzzer's well-formed file calls of issue 16: mknodat, FIFO and O_TMPFILE/O_PATH opens, getdents,
close_range, and the preadv family.

Random words rarely name a directory to make a node in or an iovec array
that is not EFAULT, so about half of these calls are made as programs make
them: a node in /fuzz/dir of each kind mknod makes (a FIFO most often, and
the machine's own /dev/null number), an openat of such a name with each
access mode, blocking or not (a blocking FIFO open that nothing wakes is
ended with EINTR by the fuzzer, as any other wait), O_TMPFILE and O_PATH
opens, and iovec arrays in a page of the scratch area pointing into it,
with offsets and RWF_ flags drawn from those that mean something.
"""

from __future__ import annotations

import random
import struct
from typing import Final

from syscalltbl.machine.kernel.mm import Mm
from syscalltbl.machine.uapi.fcntl import (
    AT_FDCWD,
    O_CLOEXEC,
    O_DIRECTORY,
    O_EXCL,
    O_NOFOLLOW,
    O_NONBLOCK,
    O_PATH,
    O_RDONLY,
    O_RDWR,
    O_TMPFILE,
    O_WRONLY,
)
from syscalltbl.machine.uapi.rwf import CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE, RWF_SUPPORTED

PAGE: Final = 4096
MASK64: Final = (1 << 64) - 1
NAMES: Final = (b"/fuzz/dir/n0", b"/fuzz/dir/n1", b"/fuzz/dir/n2", b"/fuzz/dir", b"/fuzz", b"/dev/null")
#: mknod's modes: mostly FIFOs, then the other kinds (a character node as /dev/null's 1:3, or one refused).
MODES: Final = (0o010644, 0o010600, 0o010666, 0o100644, 0o140755, 0o020666, 0o060600, 0o040755, 0o170000, 0o644)
DEVICES: Final = (0, 0x103, 0x105, 0x2A2A)
OPEN_FLAGS: Final = (O_RDONLY, O_WRONLY, O_RDWR, O_RDONLY | O_NONBLOCK, O_WRONLY | O_NONBLOCK, O_RDWR | O_NONBLOCK,
                     O_TMPFILE | O_RDWR, O_TMPFILE | O_WRONLY | O_EXCL, O_TMPFILE | O_RDONLY, O_PATH,
                     O_PATH | O_NOFOLLOW | O_CLOEXEC, O_PATH | O_DIRECTORY, O_DIRECTORY | O_RDONLY)
OFFSETS: Final = (0, 0, 1, 4096, MASK64, MASK64 - 1, 1 << 40)  # -1: the file's position; -2: EINVAL
SHAPED: Final = frozenset({"mknodat", "mknod", "openat", "getdents", "getdents64", "close_range", "preadv",
                           "pwritev", "preadv2", "pwritev2"})
_IOVEC = struct.Struct("<QQ")


class FileCallShaper:
    """Arguments for SHAPED calls, kept in one page of the scratch area at `page`."""

    def __init__(self, rng: random.Random, page: int) -> None:
        self.rng = rng
        self.page = page
        self.names: list[int] = []

    def prepare(self, mm: Mm) -> None:
        """The names at the start of the page; iovec arrays at +0x200; their buffers from +0x400."""
        at = self.page
        for name in NAMES:
            mm.poke(at, name + b"\0")
            self.names.append(at)
            at += len(name) + 1

    def shape(self, name: str, mm: Mm, fds: list[int]) -> list[int]:
        """The six argument words of call `name`."""
        words = self._words(name, mm, fds)
        return [*words, *[0] * (6 - len(words))]

    def _words(self, name: str, mm: Mm, fds: list[int]) -> list[int]:
        rng = self.rng
        fd = rng.choice(fds) if fds and rng.randrange(8) else rng.choice((-1 & MASK64, 1023))
        if name in ("mknodat", "mknod"):
            mode = rng.choice(MODES[:3]) if rng.randrange(2) else rng.choice(MODES)
            node = [rng.choice(self.names[:4]), mode, rng.choice(DEVICES)]
            return node if name == "mknod" else [AT_FDCWD & MASK64, *node]
        if name == "openat":  # mostly the nodes mknodat makes, so that FIFOs are opened every way
            path = rng.choice(self.names[:3]) if rng.randrange(4) else rng.choice(self.names)
            return [AT_FDCWD & MASK64, path, rng.choice(OPEN_FLAGS), 0o600]
        if name in ("getdents", "getdents64"):
            return [fd, self.page + 0x400, rng.choice((0, 10, 24, 64, 512, 3072))]
        if name == "close_range":
            first = rng.randrange(3, 40)
            last = rng.choice((first, first + rng.randrange(8), 0xFFFFFFFF, first - 1))
            both = CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE
            flags = rng.choice((0, 0, CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE, both, 1, 1 << 3))
            return [first, last, flags]
        count = rng.randrange(0, 5)
        vector = self.page + 0x200
        arrays = b"".join(_IOVEC.pack(self.page + 0x400 + 0x100 * i, rng.choice((0, 1, 16, 0x100)))
                          for i in range(count))
        mm.poke(vector, arrays)
        offset = rng.choice(OFFSETS)
        flags = rng.choice((0, 0, 1 << rng.randrange(8), RWF_SUPPORTED, 1 << 20))
        return [fd, vector, count, offset, 0, flags]
