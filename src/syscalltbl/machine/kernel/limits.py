"""What a guest may take of the machine, and so of the host process: the limits and their defaults in one place.

Each default is the one Linux derives from the same RAM size, so a program
sees the numbers it would see on a Linux box with that much memory:

    memory     the emulated RAM (default 1 GiB): frames for pages, page
               tables, kernel stacks, and the in-memory filesystem's data
    fs_size    the in-memory filesystem's size, as tmpfs's size= (default:
               half of RAM, tmpfs's default); its files take RAM as tmpfs's do
    fs_inodes  files and directories it may hold, tmpfs's nr_inodes (default:
               half of RAM's pages, tmpfs's default)
    max_procs  kernel.threads-max: live and zombie processes together (default:
               RAM / (8 * THREAD_SIZE), fork_init's formula); RLIMIT_NPROC
               starts at half of it, as on Linux
    max_files  given: fs.nr_open and RLIMIT_NOFILE's soft and hard limit at boot;
               not given: Linux's defaults, nr_open 1048576 and RLIMIT_NOFILE
               1024 soft, 4096 hard (INR_OPEN_CUR, INR_OPEN_MAX); a descriptor
               costs RAM (vfs.FD_BYTES), so RAM bounds what root may raise them to

docs/machine-limits.md says what each one ends in and what the host pays.
"""

from __future__ import annotations

import re
from typing import Final

from syscalltbl.generators.x86_64.abi import PAGE_SIZE, THREAD_SIZE
from syscalltbl.store.record import Frozen

DEFAULT_MEMORY: Final = 1 << 30
MIN_MEMORY: Final = 16 << 20  # the kernel image, its stacks and one busybox need a few MiB
MAX_THREADS_MIN: Final = 20  # kernel/fork.c: MIN_THREADS
MAX_THREADS_MAX: Final = 0x3FFFFFFF  # FUTEX_TID_MASK
INR_OPEN_CUR: Final = 1024  # include/uapi/linux/fs.h: RLIMIT_NOFILE's soft limit at boot
INR_OPEN_MAX: Final = 4096  # and its hard limit
NR_OPEN_DEFAULT_SYSCTL: Final = 1024 * 1024  # fs/file.c: sysctl_nr_open's initial value
#: The host process's memory beyond guest RAM (docs/machine-limits.md): the interpreter, Unicorn and
#: the kernel image (about 54 MiB measured at issue 17), plus QEMU's and Python's bookkeeping, which grow with RAM.
HOST_OVERHEAD: Final = 72 << 20
_UNITS: Final = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


class Limits(Frozen):
    """The machine's limits; None asks for the default derived from `memory`."""

    memory: int
    fs_size: int | None
    fs_inodes: int | None
    max_procs: int | None
    max_files: int | None
    #: Filled in by __post_init__: every limit as a number.
    resolved: tuple[int, int, int]

    __slots__ = ("fs_inodes", "fs_size", "max_files", "max_procs", "memory", "resolved")
    _fields = ("memory", "fs_size", "fs_inodes", "max_procs", "max_files")

    def __init__(
        self,
        memory: int = DEFAULT_MEMORY,
        fs_size: int | None = None,
        fs_inodes: int | None = None,
        max_procs: int | None = None,
        max_files: int | None = None,
    ) -> None:
        object.__setattr__(self, "memory", memory)
        object.__setattr__(self, "fs_size", fs_size)
        object.__setattr__(self, "fs_inodes", fs_inodes)
        object.__setattr__(self, "max_procs", max_procs)
        object.__setattr__(self, "max_files", max_files)
        object.__setattr__(self, "resolved", (0, 0, 0))
        self.__post_init__()

    def __post_init__(self) -> None:
        if self.memory % PAGE_SIZE or self.memory < MIN_MEMORY:
            raise ValueError(f"memory must be a whole number of pages, at least {MIN_MEMORY >> 20} MiB")
        if self.max_files is not None and self.max_files < 3:
            raise ValueError("max_files must be at least 3 (stdin, stdout, stderr)")
        pages = self.memory // PAGE_SIZE
        fs_size = self.memory // 2 if self.fs_size is None else self.fs_size
        inodes = pages // 2 if self.fs_inodes is None else self.fs_inodes
        threads = self.memory // (8 * THREAD_SIZE)
        procs = min(max(threads, MAX_THREADS_MIN), MAX_THREADS_MAX) if self.max_procs is None else self.max_procs
        if fs_size < 0 or inodes < 1 or procs < 1:
            raise ValueError("fs_size, fs_inodes and max_procs must be positive")
        object.__setattr__(self, "resolved", (fs_size, inodes, procs))

    @property
    def fs_bytes(self) -> int:
        return self.resolved[0]

    @property
    def inodes(self) -> int:
        return self.resolved[1]

    @property
    def threads_max(self) -> int:
        return self.resolved[2]

    @property
    def nr_open(self) -> int:
        """fs.nr_open at boot: the most descriptors a table may grow to, and RLIMIT_NOFILE's ceiling."""
        return NR_OPEN_DEFAULT_SYSCTL if self.max_files is None else self.max_files

    @property
    def nofile(self) -> tuple[int, int]:
        """RLIMIT_NOFILE's (soft, hard) at boot: init_task's, or --max-files for both."""
        return (INR_OPEN_CUR, INR_OPEN_MAX) if self.max_files is None else (self.max_files, self.max_files)

    @property
    def host_bound(self) -> int:
        """What the host process holds at most, in bytes: guest RAM and the documented overhead."""
        return self.memory + HOST_OVERHEAD + self.memory // 8

    @property
    def nproc(self) -> int:
        """RLIMIT_NPROC's default: init_task's signal->rlim, max_threads / 2 (at least 1)."""
        return max(self.threads_max // 2, 1)


LARGEST_SIZE = 1 << 40  # past any RAM or filesystem the emulated machine could be given (and past mmap's)


def parse_size(text: str) -> int:
    """`512M`, `1G`, `65536`, `64K` (binary units, as tmpfs's size= takes them) -> bytes; ValueError if not one."""
    match = re.fullmatch(r"([0-9]+)([KMGT]?)(?:i?B)?", text.strip(), re.IGNORECASE)
    if match is None:
        raise ValueError(f"not a size: {text!r} (expected a number with an optional K, M, G or T suffix)")
    size = int(match.group(1)) * _UNITS[match.group(2).upper()]
    if size > LARGEST_SIZE:
        raise ValueError(f"{text!r} is more than this machine can address here (at most 1T)")
    return size
