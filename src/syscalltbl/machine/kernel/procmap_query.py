"""/proc/PID/maps's ioctl, PROCMAP_QUERY (fs/proc/task_mmu.c do_procmap_query): one area, looked up by address.

The answer says what the area's line in the maps file says (its range,
protection, offset, device and inode, and its name), and, when asked, the
GNU build ID of the ELF file it maps (build_id_parse reads the file's
PT_NOTE segments from its first page on).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TYPE_CHECKING

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.kernel.procfile import ProcFile
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.vfs import OpenFile, Regular
from syscalltbl.machine.uapi.errno import E2BIG, EFAULT, EINVAL, ENAMETOOLONG, ENOENT, ENOTTY, ESRCH, Errno
from syscalltbl.machine.uapi.misc import PATH_MAX

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.mm import Mm, Vma
    from syscalltbl.machine.kernel.process import Task

# struct procmap_query (include/uapi/linux/fs.h): size, query_flags, query_addr, then what is answered.
PROCMAP_QUERY_STRUCT = struct.Struct("<QQQQQQQQQIIIIQQ")
PROCMAP_QUERY = 3 << 30 | PROCMAP_QUERY_STRUCT.size << 16 | ord("f") << 8 | 17  # _IOWR(PROCFS_IOCTL_MAGIC, 17, ...)
PROCMAP_QUERY_VMA_READABLE = 0x01
PROCMAP_QUERY_VMA_WRITABLE = 0x02
PROCMAP_QUERY_VMA_EXECUTABLE = 0x04
PROCMAP_QUERY_VMA_SHARED = 0x08
PROCMAP_QUERY_COVERING_OR_NEXT_VMA = 0x10
PROCMAP_QUERY_FILE_BACKED_VMA = 0x20
VALID_FLAGS = 0x3F
_QUERY_ADDR_END = 24  # offsetofend(struct procmap_query, query_addr)
BUILD_ID_SIZE_MAX = 20  # BUILD_ID_SIZE_MAX: SHA-1's
NT_GNU_BUILD_ID = 3


class MapsFile(ProcFile):
    """/proc/PID/maps: its text, and PROCMAP_QUERY on the process's address space."""

    def __init__(self, render: Callable[[], bytes], owner: Callable[[], Task]) -> None:
        super().__init__(render)
        self._owner = owner

    def unlocked_ioctl(self, task: Task, f: OpenFile, request: int, arg: int) -> int:
        if request & 0xFFFFFFFF != PROCMAP_QUERY:
            raise Errno(ENOTTY)
        return procmap_query(task, self._owner, arg)


def _flags(vma: Vma) -> int:
    return ((PROCMAP_QUERY_VMA_READABLE if vma.read else 0) | (PROCMAP_QUERY_VMA_WRITABLE if vma.write else 0)
            | (PROCMAP_QUERY_VMA_EXECUTABLE if vma.execute else 0) | (PROCMAP_QUERY_VMA_SHARED if vma.shared else 0))


def _matching(mm: Mm, addr: int, flags: int) -> Vma:
    """query_matching_vma: the area covering `addr` (or, with COVERING_OR_NEXT_VMA, the first after it)
    that has every property the flags ask for; ENOENT if none."""
    wanted = flags & (PROCMAP_QUERY_VMA_READABLE | PROCMAP_QUERY_VMA_WRITABLE | PROCMAP_QUERY_VMA_EXECUTABLE
                      | PROCMAP_QUERY_VMA_SHARED)
    for vma in mm.vmas:
        if vma.end <= addr:
            continue
        fits = _flags(vma) & wanted == wanted and not (
            flags & PROCMAP_QUERY_FILE_BACKED_VMA and not isinstance(vma.backing, Regular))
        if fits and (flags & PROCMAP_QUERY_COVERING_OR_NEXT_VMA or vma.start <= addr):
            return vma
        if not flags & PROCMAP_QUERY_COVERING_OR_NEXT_VMA:
            break
    raise Errno(ENOENT)


def procmap_query(task: Task, owner: Callable[[], Task], arg: int) -> int:
    (usize,) = struct.unpack("<Q", copy_from_user(task.mm, arg, 8))
    if usize > PAGE_SIZE:
        raise Errno(E2BIG)
    if usize < _QUERY_ADDR_END:
        raise Errno(EINVAL)
    raw = copy_from_user(task.mm, arg, usize)
    if any(raw[PROCMAP_QUERY_STRUCT.size :]):
        raise Errno(E2BIG)  # copy_struct_from_user: a larger struct's unknown tail must be zeros
    fields = list(PROCMAP_QUERY_STRUCT.unpack(raw[: PROCMAP_QUERY_STRUCT.size].ljust(PROCMAP_QUERY_STRUCT.size,
                                                                                      b"\0")))
    flags, addr = fields[1], fields[2]
    name_size, build_id_size, name_addr, build_id_addr = fields[11], fields[12], fields[13], fields[14]
    if flags & ~VALID_FLAGS:
        raise Errno(EINVAL)
    if bool(name_size) != bool(name_addr) or bool(build_id_size) != bool(build_id_addr):
        raise Errno(EINVAL)
    target = owner()
    if target.status is not None or target.mm.users <= 0:
        raise Errno(ESRCH)
    vma = _matching(target.mm, addr, flags)
    backing = vma.backing if isinstance(vma.backing, Regular) else None
    # As the maps line shows it (kernel/procfs.py render_maps): offset and inode of a file, device 00:00.
    offset, ino = (vma.pgoff * PAGE_SIZE, backing.ino) if backing is not None else (0, 0)
    build_id = b""
    if build_id_size:
        build_id = _build_id(backing) if backing is not None else b""
        if build_id and build_id_size < len(build_id):
            raise Errno(ENAMETOOLONG)
        build_id_size = len(build_id)
    name = b""
    if name_size:
        if vma.name:
            name = vma.name.encode(errors="surrogateescape") + b"\0"
            if len(name) > min(PATH_MAX, name_size):
                raise Errno(ENAMETOOLONG)
        name_size = len(name)
    answer = PROCMAP_QUERY_STRUCT.pack(fields[0], flags, addr, vma.start, vma.end, _flags(vma), PAGE_SIZE, offset,
                                       ino, 0, 0, name_size, build_id_size, name_addr, build_id_addr)
    try:
        if name_size:
            copy_to_user(task.mm, name_addr, name)
        if build_id_size:
            copy_to_user(task.mm, build_id_addr, build_id)
        copy_to_user(task.mm, arg, answer[: min(len(answer), usize)])
    except Errno:
        raise Errno(EFAULT) from None
    return 0


def _build_id(file: Regular) -> bytes:
    """build_id_parse: the NT_GNU_BUILD_ID note of an ELF file's PT_NOTE segments in its first page, or none."""
    head = file.pages.read(0, PAGE_SIZE)
    if head[:4] != b"\x7fELF" or head[4] not in (1, 2):
        return b""
    wide = head[4] == 2
    if wide:
        phoff, phentsize, phnum = struct.unpack_from("<Q", head, 32)[0], *struct.unpack_from("<HH", head, 54)
    else:
        phoff, phentsize, phnum = struct.unpack_from("<I", head, 28)[0], *struct.unpack_from("<HH", head, 42)
    for i in range(phnum):
        at = phoff + i * phentsize
        if at + phentsize > len(head):
            return b""
        if struct.unpack_from("<I", head, at)[0] != 4:  # PT_NOTE
            continue
        if wide:
            note_off, note_size = struct.unpack_from("<Q", head, at + 8)[0], struct.unpack_from("<Q", head, at + 32)[0]
        else:
            note_off, note_size = struct.unpack_from("<I", head, at + 4)[0], struct.unpack_from("<I", head, at + 16)[0]
        found = _note(file.pages.read(note_off, note_off + min(note_size, PAGE_SIZE)))
        if found:
            return found
    return b""


def _note(notes: bytes) -> bytes:
    at = 0
    while at + 12 <= len(notes):
        namesz, descsz, kind = struct.unpack_from("<III", notes, at)
        name_end = at + 12 + namesz
        desc = (name_end + 3) & ~3
        if kind == NT_GNU_BUILD_ID and notes[at + 12 : name_end] == b"GNU\0" and 0 < descsz <= BUILD_ID_SIZE_MAX:
            return notes[desc : desc + descsz]
        at = (desc + descsz + 3) & ~3
    return b""
