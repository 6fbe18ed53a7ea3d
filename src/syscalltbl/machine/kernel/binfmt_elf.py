"""ELF executables (fs/binfmt_elf.c's load_elf_binary and load_elf_interp, randomization off).

Each PT_LOAD is a private mapping of the executable's own file (its page
cache, kernel/pagecache.py): a page is read from the file when first
touched, every process running the file maps the same frame, and a write
copies it. What lies past p_filesz is zeros: the rest of the last file page
is cleared (a private copy of that one page), the pages after it are
anonymous memory, as vm_brk_flags makes them.

Where it goes: ET_EXEC at its own addresses; a PIE with an interpreter at
ELF_ET_DYN_BASE (0x555555554000 for the usual page alignment); an ET_DYN
without one (a static-pie, or ld.so run as a program) where mmap would put
it, with the break moved to ELF_ET_DYN_BASE; the interpreter where mmap
would put it. Only the headers are read, never the whole file.
"""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from syscalltbl.generators.x86_64.abi import PAGE_SIZE, TASK_SIZE_MAX
from syscalltbl.machine.image.elfheader import (
    ElfHeader,
    ProgramHeader,
    maximum_alignment,
    parse_header,
    parse_program_headers,
    total_mapping_size,
)
from syscalltbl.machine.kernel.binprm import Binprm, ExecFile, PastNoReturn, open_exec
from syscalltbl.machine.kernel.mm import MMAP_MIN_ADDR, Mm, Vma, page_down, page_up
from syscalltbl.machine.uapi.elf import (
    EHDR,
    ELF_ET_DYN_BASE,
    EM_X86_64,
    ET_DYN,
    ET_EXEC,
    PHDR,
    PT_GNU_STACK,
    PT_INTERP,
    PT_LOAD,
)
from syscalltbl.machine.uapi.errno import EEXIST, EFAULT, EINVAL, ELIBBAD, ENOEXEC, ENOMEM, EPERM, Errno
from syscalltbl.machine.uapi.misc import PATH_MAX
from syscalltbl.store.record import Frozen

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.machine import Machine


WORD = (1 << 64) - 1  # unsigned long


class Loaded(Frozen):
    """A program mapped into its new address space: where it starts, and what the auxiliary vector tells it."""

    entry: int  # the first instruction: the interpreter's entry when there is one
    e_entry: int  # AT_ENTRY: the program's own
    phdr: int  # AT_PHDR
    phnum: int  # AT_PHNUM
    base: int  # AT_BASE: where the interpreter is, 0 without one
    executable_stack: bool
    exe: ExecFile  # the file /proc/PID/exe names (the program, not its interpreter)

    __slots__ = _fields = ("entry", "e_entry", "phdr", "phnum", "base", "executable_stack", "exe")

    def __init__(
        self,
        entry: int,
        e_entry: int,
        phdr: int,
        phnum: int,
        base: int,
        executable_stack: bool,
        exe: ExecFile,
    ) -> None:
        object.__setattr__(self, "entry", entry)
        object.__setattr__(self, "e_entry", e_entry)
        object.__setattr__(self, "phdr", phdr)
        object.__setattr__(self, "phnum", phnum)
        object.__setattr__(self, "base", base)
        object.__setattr__(self, "executable_stack", executable_stack)
        object.__setattr__(self, "exe", exe)


class _Elf(Frozen):
    """One file's headers, checked as load_elf_phdrs checks them."""

    file: ExecFile
    header: ElfHeader
    phdrs: list[ProgramHeader]

    __slots__ = _fields = ("file", "header", "phdrs")

    def __init__(self, file: ExecFile, header: ElfHeader, phdrs: list[ProgramHeader]) -> None:
        object.__setattr__(self, "file", file)
        object.__setattr__(self, "header", header)
        object.__setattr__(self, "phdrs", phdrs)

    @property
    def loads(self) -> list[ProgramHeader]:
        return [p for p in self.phdrs if p.type == PT_LOAD]


def _read_elf(file: ExecFile, header: ElfHeader) -> _Elf:
    """The program headers: e_phentsize must be an Elf64_Phdr's, and all of them fit in a page."""
    size = header.phdrs_size
    if header.phentsize != PHDR.size or size == 0 or size > PAGE_SIZE:
        raise Errno(ENOEXEC)
    try:
        data = file.read_exact(header.phoff, size)
    except Errno:
        raise Errno(ENOEXEC) from None  # load_elf_phdrs fails, whatever elf_read said
    return _Elf(file, header, parse_program_headers(data, header.phnum))


def _interpreter(machine: Machine, task: Task, bprm: Binprm, elf: _Elf) -> _Elf | None:
    """The PT_INTERP file opened and its headers read, or None for a program without one."""
    found = next((p for p in elf.phdrs if p.type == PT_INTERP), None)
    if found is None:
        return None
    if found.filesz > PATH_MAX or found.filesz < 2:
        raise Errno(ENOEXEC)
    name = elf.file.read_exact(found.offset, found.filesz)
    if name[-1] != 0:
        raise Errno(ENOEXEC)  # the path must be NUL-terminated
    bprm.opening = name.split(b"\0", 1)[0]
    interp = open_exec(machine, task, bprm.opening)  # ENOENT when it is missing, as execve says
    header = parse_header(interp.read_exact(0, EHDR.size))  # EIO if shorter than an ELF header
    if header is None or header.machine != EM_X86_64:
        raise Errno(ELIBBAD)  # not an ELF interpreter, or not one for this machine (its e_type: load_elf_interp's)
    try:
        return _read_elf(interp, header)
    except Errno:
        raise Errno(ELIBBAD) from None


def _prot_ok(ph: ProgramHeader) -> None:
    """The checks every PT_LOAD passes (sizes in user space, file part inside memory part)."""
    if ph.filesz > ph.memsz or ph.memsz > TASK_SIZE_MAX or ph.vaddr > TASK_SIZE_MAX - ph.memsz:
        raise Errno(EINVAL)
    if (ph.offset - ph.vaddr) % PAGE_SIZE:
        raise Errno(EINVAL)  # mmap's offset would not be page-aligned


class _Mapper:
    """Maps an ELF file's segments into `mm` as elf_map and elf_load do."""

    def __init__(self, machine: Machine, mm: Mm) -> None:
        self.machine = machine
        self.mm = mm
        #: The file areas whose cached pages are mapped once every area is in (map_cached).
        self.cached: list[tuple[Vma, ExecFile]] = []

    def place(self, addr: int, span: int, how: str) -> int:
        """Where a mapping of `span` bytes asked for at `addr` goes: `fixed` there (replacing), `noreplace`
        there or EEXIST, `hint` there if free, else the top-down allocator's choice."""
        mm = self.mm
        if how == "hint":
            if addr and addr >= MMAP_MIN_ADDR and addr + span <= TASK_SIZE_MAX and mm.is_free(addr, addr + span):
                return addr
            found = mm.unmapped_area(span)
            if found is None:
                raise Errno(ENOMEM)
            return found
        if addr < MMAP_MIN_ADDR:
            raise Errno(EPERM)
        if addr + span > TASK_SIZE_MAX:
            raise Errno(ENOMEM)
        if how == "noreplace" and not mm.is_free(addr, addr + span):
            raise Errno(EEXIST)
        return addr

    def load(self, file: ExecFile, addr: int, ph: ProgramHeader, how: str, total_size: int) -> int:
        """elf_load: the segment's file part at `addr` (with its page offset), then its zeros. The address
        of its first page; a first mapping with `total_size` reserves room for the whole image."""
        _prot_ok(ph)
        offset_in_page = ph.vaddr % PAGE_SIZE
        if not self.mm.can_add_areas(3):
            raise Errno(ENOMEM)
        if ph.filesz:
            size = page_up(ph.filesz + offset_in_page)
            if ph.write:
                self._account(size)  # a private writable mapping: commit is charged for it
            start = self.place(page_down(addr), page_up(total_size) if total_size else size, how)
            vma = self.mm.add_vma(
                start, start + size, read=ph.read, write=ph.write, execute=ph.execute,
                name=file.path.decode(errors="replace"), committed=ph.write, backing=file.inode,
                pgoff=(ph.offset - offset_in_page) // PAGE_SIZE,
            )
            self.cached.append((vma, file))
            zero_start = start + offset_in_page + ph.filesz
            if ph.memsz > ph.filesz and ph.write and zero_start % PAGE_SIZE:
                self._padzero(zero_start)
        else:
            start = zero_start = self.place(page_down(addr), page_up(total_size or ph.memsz + offset_in_page), how)
        zero_end = page_up(start + offset_in_page + ph.memsz)
        if ph.memsz > ph.filesz and zero_end > page_up(zero_start):
            self._account(zero_end - page_up(zero_start))
            # vm_brk_flags: anonymous read-write memory (executable if the segment is), whatever its p_flags.
            self.mm.add_vma(page_up(zero_start), zero_end, read=True, write=True, execute=ph.execute,
                            committed=True)
        return start

    def _account(self, size: int) -> None:
        """__vm_enough_memory under the overcommit heuristic, as mmap and brk ask it: ENOMEM for more than
        all of RAM at once (a bss of terabytes)."""
        if size > self.mm.ram.size:
            raise Errno(ENOMEM)

    def _padzero(self, at: int) -> None:
        """Zeros from `at` to the end of its page: the file's bytes there are not the segment's."""
        try:
            self.mm.poke(at, bytes(PAGE_SIZE - at % PAGE_SIZE))
        except ValueError:
            raise Errno(EFAULT) from None  # the file ends before p_filesz says: clear_user faults

    def map_cached(self) -> None:
        """Map the pages of the files already in their page cache (as a first fault maps those around it):
        a program run again starts on frames that are there, without a fault for each page.

        Only a head start, as Linux's fault-around is: it comes after every area is in, so that the page
        tables it takes never leave an area without RAM past exec's point of no return, and it stops
        where RAM is full (the rest fault in as touched)."""
        cached: dict[int, list[tuple[int, int]]] = {}  # each file's cached (page, frame), sorted once
        for vma, file in self.cached:
            if any(v is vma for v in self.mm.vmas):
                pages = cached.get(id(file))
                if pages is None:
                    pages = cached[id(file)] = sorted(file.inode.pages.frames.items())
                if not self._map_cached(vma, pages):
                    return

    def _map_cached(self, vma: Vma, pages: list[tuple[int, int]]) -> bool:
        """One area's cached pages (of its file's, sorted) not mapped yet (_padzero's copy is); False when
        RAM ran out. Over the frames, not the area's pages: a segment's headers may claim terabytes of a
        small file."""
        end = vma.pgoff + (vma.end - vma.start) // PAGE_SIZE
        first, last = bisect.bisect_left(pages, (vma.pgoff,)), bisect.bisect_left(pages, (end,))
        if first == last:
            return True
        return self.mm.map_resident(vma, [(vma.start + (index - vma.pgoff) * PAGE_SIZE, frame)
                                          for index, frame in pages[first:last]])


def _map_image(mapper: _Mapper, elf: _Elf, bias: int, how: str) -> int:
    """Every PT_LOAD of `elf` at `bias` + its vaddr; the first one decides (for `hint`) where all go, and
    an ET_DYN's first mapping reserves room for the whole image. The load bias in the end."""
    dynamic = elf.header.type == ET_DYN
    first = True
    for ph in elf.loads:
        total = total_mapping_size(elf.phdrs, PAGE_SIZE) if first and dynamic else 0
        start = mapper.load(elf.file, bias + ph.vaddr, ph, how if first else "fixed", total)
        if first and dynamic:
            bias += start - page_down(bias + ph.vaddr)
        first = False
    return bias


def load_elf_binary(machine: Machine, task: Task, bprm: Binprm, mm: Mm) -> Loaded:
    """Map the ELF in bprm's file (and its interpreter) into `mm`, a new address space, and set its break.

    ENOEXEC when the file is not an x86-64 ELF executable, so that another format may take it.
    """
    header = parse_header(bprm.buf)
    if header is None or not header.loadable:
        raise Errno(ENOEXEC)
    elf = _read_elf(bprm.file, header)
    interp = _interpreter(machine, task, bprm, elf)
    # The areas the image takes (each segment's file part and zeros: _Mapper.load asks for room for three
    # before adding at most two), asked of RAM before the point of no return: kernel objects are all that
    # mapping them costs at once, so an image RAM cannot hold is execve's ENOMEM (docs/machine-limits.md)
    # whatever the slab's bytes round to, not a SIGSEGV half way through.
    loads = len(elf.loads) + (len(interp.loads) if interp is not None else 0)
    if loads and not mm.can_add_areas(2 * loads + 1):
        raise Errno(ENOMEM)
    # Linux's begin_new_exec comes here: from now on a failure kills the process instead of returning.
    try:
        return _load(machine, mm, elf, interp)
    except Errno as exc:
        raise PastNoReturn(exc.errno) from None


def _load(machine: Machine, mm: Mm, elf: _Elf, interp: _Elf | None) -> Loaded:
    """The mapping half of load_elf_binary, past its point of no return."""
    header = elf.header
    if not elf.loads or (interp is not None and not interp.loads):
        raise Errno(EINVAL)  # nothing to map (Linux would start at an unmapped entry: SIGSEGV too)
    stack = next((p for p in elf.phdrs if p.type == PT_GNU_STACK), None)
    executable_stack = stack is not None and stack.execute  # x86-64 without PT_GNU_STACK: not executable
    for file in {elf.file.path: elf.file, **({interp.file.path: interp.file} if interp else {})}.values():
        file.inode.map_into(machine.ram)
    mapper = _Mapper(machine, mm)
    if header.type == ET_EXEC:
        bias = _map_image(mapper, elf, 0, "noreplace")
    elif interp is not None:
        # A PIE: at ELF_ET_DYN_BASE, aligned as its segments ask.
        base = ELF_ET_DYN_BASE & ~(maximum_alignment(elf.phdrs, PAGE_SIZE) - 1)
        bias = _map_image(mapper, elf, page_down(base - elf.loads[0].vaddr), "noreplace")
    else:
        bias = _map_image(mapper, elf, page_down(-elf.loads[0].vaddr), "hint")  # where mmap puts it
    phdr = next((header.phoff - p.offset + p.vaddr for p in elf.loads
                 if p.offset <= header.phoff < p.offset + p.filesz), 0)
    end = max(p.vaddr + p.memsz for p in elf.loads) + bias
    moved = header.type == ET_DYN and interp is None  # the break of a loader run directly: out of mmap's way
    mm.start_brk = mm.brk = page_up(ELF_ET_DYN_BASE if moved else end)
    base = 0
    entry = header.entry + bias
    if interp is not None:
        if interp.header.type not in (ET_EXEC, ET_DYN):
            raise Errno(EINVAL)  # load_elf_interp's check
        if interp.header.type == ET_EXEC:
            base = _map_image(mapper, interp, 0, "fixed")
        else:
            # load_elf_interp: where mmap puts it, or (below a program at its own addresses) at its vaddr if free.
            base = _map_image(mapper, interp, page_down(-interp.loads[0].vaddr) if bias else 0, "hint")
        start = interp.header.entry + base
    else:
        start = entry
    mapper.map_cached()
    # Unsigned as in the kernel: a negative load bias (a PIE linked above where it went) wraps around.
    start, entry, phdr, base = start & WORD, entry & WORD, (phdr + bias) & WORD, base & WORD
    if start >= TASK_SIZE_MAX:
        raise Errno(EINVAL)  # BAD_ADDR
    return Loaded(start, entry, phdr, header.phnum, base, executable_stack, elf.file)
