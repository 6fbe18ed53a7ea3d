"""Core dumps (fs/coredump.c do_coredump, fs/binfmt_elf.c elf_core_dump): the ELF core file a fatal signal writes.

A signal whose default action dumps core (SIG_KERNEL_COREDUMP_MASK) writes
one when the process is dumpable and RLIMIT_CORE is at least a page: to the
file kernel.core_pattern names (its %-specifiers expanded, relative to the
process's directory), made afresh with mode 0600 (less the umask). A pattern
that pipes to a program ("|...") has no helper to run here: no dump. The file
is an ELF core: a PT_NOTE with each thread's NT_PRSTATUS, NT_PRPSINFO and
NT_SIGINFO, and a PT_LOAD per area, with the contents /proc/PID/coredump_filter
and MADV_DONTDUMP choose (vma_dump_size). Pages never touched are holes, which
RLIMIT_CORE does not count. WCOREDUMP is in the wait status once the file is
made, even if RLIMIT_CORE or a full filesystem cut it short, as on Linux.
"""

from __future__ import annotations

import contextlib
import struct
import time
from typing import TYPE_CHECKING

from unicorn import x86_const as x86

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.paging import PTE_ADDR
from syscalltbl.machine.kernel.shmem import SharedAnon
from syscalltbl.machine.kernel.vfs import OpenFile, Regular
from syscalltbl.machine.uapi.elf import (
    EM_X86_64,
    ET_CORE,
    NT_PRPSINFO,
    NT_SIGINFO,
    PF_R,
    PF_W,
    PF_X,
    PT_LOAD,
    PT_NOTE,
)
from syscalltbl.machine.uapi.errno import Errno
from syscalltbl.machine.uapi.fcntl import KERNEL_O_LARGEFILE, O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY
from syscalltbl.machine.uapi.ptrace import NT_PRSTATUS

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.mm import Mm, Vma
    from syscalltbl.machine.kernel.process import Task

# coredump_filter's bits (MMF_DUMP_*), and its default (MMF_DUMP_FILTER_DEFAULT: anonymous private and shared,
# ELF headers, hugetlb private).
DUMP_ANON_PRIVATE, DUMP_ANON_SHARED, DUMP_MAPPED_PRIVATE, DUMP_MAPPED_SHARED, DUMP_ELF_HEADERS = 1, 2, 4, 8, 16
DUMP_FILTER_DEFAULT = 0x33
DUMP_FILTER_BITS = 9
MIN_COREDUMP = PAGE_SIZE  # binfmt_elf's min_coredump: ELF_EXEC_PAGESIZE

_EHDR = struct.Struct("<4sBBBBB7xHHIQQQIHHHHHH")
_PHDR = struct.Struct("<IIQQQQQQ")
_NOTE = struct.Struct("<III")
# struct user_regs_struct's order, by pt_regs's names and the two segment bases; ds..gs read as 0 in 64-bit mode.
_USER_REGS = ("r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax", "cx", "dx", "si", "di",
              "orig_ax", "ip", "cs", "flags", "sp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs")
_CPU_REGS = {"r15": x86.UC_X86_REG_R15, "r14": x86.UC_X86_REG_R14, "r13": x86.UC_X86_REG_R13,
             "r12": x86.UC_X86_REG_R12, "bp": x86.UC_X86_REG_RBP, "bx": x86.UC_X86_REG_RBX,
             "r11": x86.UC_X86_REG_R11, "r10": x86.UC_X86_REG_R10, "r9": x86.UC_X86_REG_R9, "r8": x86.UC_X86_REG_R8,
             "ax": x86.UC_X86_REG_RAX, "cx": x86.UC_X86_REG_RCX, "dx": x86.UC_X86_REG_RDX, "si": x86.UC_X86_REG_RSI,
             "di": x86.UC_X86_REG_RDI, "ip": x86.UC_X86_REG_RIP, "cs": x86.UC_X86_REG_CS,
             "flags": x86.UC_X86_REG_EFLAGS, "sp": x86.UC_X86_REG_RSP, "ss": x86.UC_X86_REG_SS}


def expand_pattern(task: Task, pattern: bytes, signal: int) -> bytes:
    """format_corename: the %-specifiers of core_pattern, for the dumping task (an unknown one is dropped)."""
    cred = task.cred
    values = {
        b"p": b"%d" % task.group.leader.tid, b"P": b"%d" % task.group.leader.tid, b"i": b"%d" % task.tid,
        b"I": b"%d" % task.tid, b"u": b"%d" % cred.uid, b"g": b"%d" % cred.gid, b"d": b"%d" % task.dumpable,
        b"s": b"%d" % signal, b"t": b"%d" % int(time.time()), b"h": task.nsproxy.uts.hostname,
        b"e": task.comm, b"E": (task.exe or b"").replace(b"/", b"!"), b"%": b"%",
        b"c": b"%d" % (task.rlimits[4][0] if task.rlimits is not None else 0),
    }
    out = bytearray()
    at = 0
    while at < len(pattern):
        if pattern[at : at + 1] == b"%" and at + 1 < len(pattern):
            out += values.get(pattern[at + 1 : at + 2], b"")
            at += 2
        else:
            out += pattern[at : at + 1]
            at += 1
    return bytes(out)


def _dump_size(mm: Mm, vma: Vma) -> int:
    """vma_dump_size: how much of the area the dump holds (all of it, its ELF header page, or nothing)."""
    whole = vma.end - vma.start
    if vma.name in ("[vdso]", "[vvar]"):
        return whole  # always_dump_vma
    if vma.dontdump:
        return 0
    filter_ = mm.dump_filter
    if vma.shared:
        anonymous = isinstance(vma.backing, SharedAnon) or (isinstance(vma.backing, Regular) and not vma.backing.nlink)
        return whole if filter_ & (DUMP_ANON_SHARED if anonymous else DUMP_MAPPED_SHARED) else 0
    if vma.backing is None:
        return whole if filter_ & DUMP_ANON_PRIVATE else 0
    if filter_ & DUMP_MAPPED_PRIVATE:
        return whole
    header = filter_ & DUMP_ELF_HEADERS and vma.pgoff == 0 and vma.read and isinstance(vma.backing, Regular)
    if header and isinstance(vma.backing, Regular) and vma.backing.pages.read(0, 4) == b"\x7fELF":
        return PAGE_SIZE
    return 0


def _page(mm: Mm, vma: Vma, va: int) -> bytes | None:
    """The page at `va` as the process would read it, None for one never touched (a hole of zeros)."""
    entry = mm.lookup(va)
    if entry:
        frame = entry & PTE_ADDR
        return bytes(mm.ram.mem[frame : frame + PAGE_SIZE])
    if isinstance(vma.backing, Regular):
        index = vma.index(va)
        if vma.backing.resident_in(index, index + 1):
            return vma.backing.pages.read(index * PAGE_SIZE, (index + 1) * PAGE_SIZE).ljust(PAGE_SIZE, b"\0")
    return None


def _registers(task: Task) -> list[int]:
    """The thread's user registers: the cpu's if it died in user mode right now, else its saved pt_regs."""
    machine = task.machine
    regs = dict(task.pt_regs())
    fs_base, gs_base = task.fs_base, task.gs_base
    if machine.current is task and machine.cpu.cpl() == 3:
        regs.update({name: machine.cpu.reg(reg) for name, reg in _CPU_REGS.items()})
        regs["orig_ax"] = (1 << 64) - 1
        fs_base = machine.cpu.reg(x86.UC_X86_REG_FS_BASE)
    regs.update(fs_base=fs_base, gs_base=gs_base, ds=0, es=0, fs=0, gs=0)
    return [regs.get(name, 0) & ((1 << 64) - 1) for name in _USER_REGS]


def _note(kind: int, desc: bytes) -> bytes:
    name = b"CORE\0\0\0\0"
    return _NOTE.pack(5, len(desc), kind) + name + desc + bytes(-len(desc) % 4)


def _notes(task: Task, signal: int) -> bytes:
    group = task.group
    parent = group.parent.group.leader.tid if group.parent is not None else 0
    ids = struct.pack("<iiii", group.leader.tid, parent, group.pgid, group.sid)
    out = b""
    for thread in [task] + [t for t in group.threads if t is not task]:
        head = struct.pack("<iiih2xQQ", signal if thread is task else 0, 0, 0, signal if thread is task else 0, 0, 0)
        tid_ids = struct.pack("<iiii", thread.tid, parent, group.pgid, group.sid)
        prstatus = head + tid_ids + bytes(64) + struct.pack("<27Q", *_registers(thread)) + struct.pack("<i4x", 1)
        out += _note(NT_PRSTATUS, prstatus)
    cred = task.cred
    psargs = b""
    if task.status is None:
        psargs = b" ".join(task.comm.split(b"\0")[:1])
    prpsinfo = struct.pack("<bcbb4xQII", 0, b"R", 0, 0, 0, cred.uid, cred.gid) + ids
    prpsinfo += task.comm[:15].ljust(16, b"\0") + psargs[:79].ljust(80, b"\0")
    out += _note(NT_PRPSINFO, prpsinfo)
    out += _note(NT_SIGINFO, struct.pack("<iii", signal, 0, 0).ljust(128, b"\0"))
    return out


def _open(task: Task, path: bytes) -> OpenFile | None:
    """coredump_file's open: the old file goes, a new one is made 0600 and must be the dumper's own."""
    fs = task.machine.fs
    with contextlib.suppress(Errno):
        fs.unlink(task, path, task.fs.cwd, directory=False)
    try:
        f = fs.open(task, path, task.fs.cwd, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | KERNEL_O_LARGEFILE, 0o600)
    except Errno:
        return None
    node = f.inode
    if not isinstance(node, Regular) or node.nlink > 1 or node.uid != task.cred.fsuid or node.mode & 0o677 != 0o600:
        return None
    return f


def dump(task: Task, signal: int, limit: int) -> bool:
    """do_coredump for `task`'s process, killed by `signal`: whether a dump was made (WCOREDUMP)."""
    pattern = task.machine.sysctl.core_pattern
    if limit < MIN_COREDUMP or not pattern or pattern.startswith(b"|"):
        return False
    path = expand_pattern(task, pattern, signal)
    if task.dumpable != 1 and not path.startswith(b"/"):
        return False  # suid_dumpable's need_suid_safe: an absolute pattern only
    f = _open(task, path)
    if f is None or not isinstance(f.inode, Regular):
        return False
    node = f.inode
    mm = task.mm
    areas = [(v, _dump_size(mm, v)) for v in mm.vmas]
    notes = _notes(task, signal)
    header_size = _EHDR.size + _PHDR.size * (1 + len(areas))
    offset = -(-(header_size + len(notes)) // PAGE_SIZE) * PAGE_SIZE  # the data starts page-aligned
    phdrs = [_PHDR.pack(PT_NOTE, 0, header_size, 0, 0, len(notes), 0, 4)]
    placed = []
    for vma, size in areas:
        flags = (PF_R if vma.read else 0) | (PF_W if vma.write else 0) | (PF_X if vma.execute else 0)
        phdrs.append(_PHDR.pack(PT_LOAD, flags, offset, vma.start, 0, size, vma.end - vma.start, PAGE_SIZE))
        placed.append((vma, size, offset))
        offset += size
    ehdr = _EHDR.pack(b"\x7fELF", 2, 1, 1, 0, 0, ET_CORE, EM_X86_64, 1, 0, _EHDR.size, 0, 0, _EHDR.size,
                      _PHDR.size, len(phdrs), 0, 0, 0)
    head = ehdr + b"".join(phdrs) + notes
    written = len(head)  # RLIMIT_CORE counts what is written, not the holes skipped (dump_emit, dump_skip)
    # elf_core_dump has dumped once its notes are made: a write cut short by RLIMIT_CORE or a full
    # filesystem leaves the file short, and the status still says the core was dumped.
    with contextlib.suppress(Errno):
        if written > limit or not _write(f, 0, head):
            return True
        for vma, size, at in placed:
            for va in range(vma.start, vma.start + size, PAGE_SIZE):
                data = _page(mm, vma, va)
                if data is None:
                    continue  # never touched: a hole (get_dump_page finds no page)
                written += PAGE_SIZE
                if written > limit or not _write(f, at + va - vma.start, data):
                    return True
        node.truncate(offset)  # the holes up to the end (dump_truncate)
    return True


def _write(f: OpenFile, at: int, data: bytes) -> bool:
    """dump_emit: the bytes at `at`, whole (False when the filesystem took fewer)."""
    f.offset = at
    assert isinstance(f.inode, Regular)
    return f.inode.write(f, data) == len(data)
