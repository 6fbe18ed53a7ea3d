"""The ELF file and program headers of an executable, as binfmt_elf reads them: only the headers,
never the whole file."""

from __future__ import annotations

from syscalltbl.machine.uapi.elf import EHDR, ELFMAG, EM_X86_64, ET_DYN, ET_EXEC, PF_R, PF_W, PF_X, PHDR, PT_LOAD
from syscalltbl.store.record import Frozen


class ProgramHeader(Frozen):
    type: int
    flags: int
    offset: int
    vaddr: int
    filesz: int
    memsz: int
    align: int

    __slots__ = _fields = ("type", "flags", "offset", "vaddr", "filesz", "memsz", "align")

    def __init__(self, type: int, flags: int, offset: int, vaddr: int, filesz: int, memsz: int, align: int) -> None:
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "flags", flags)
        object.__setattr__(self, "offset", offset)
        object.__setattr__(self, "vaddr", vaddr)
        object.__setattr__(self, "filesz", filesz)
        object.__setattr__(self, "memsz", memsz)
        object.__setattr__(self, "align", align)

    @property
    def read(self) -> bool:
        return bool(self.flags & PF_R)

    @property
    def write(self) -> bool:
        return bool(self.flags & PF_W)

    @property
    def execute(self) -> bool:
        return bool(self.flags & PF_X)


class ElfHeader(Frozen):
    type: int
    machine: int
    entry: int
    phoff: int
    phentsize: int
    phnum: int

    __slots__ = _fields = ("type", "machine", "entry", "phoff", "phentsize", "phnum")

    def __init__(self, type: int, machine: int, entry: int, phoff: int, phentsize: int, phnum: int) -> None:
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "machine", machine)
        object.__setattr__(self, "entry", entry)
        object.__setattr__(self, "phoff", phoff)
        object.__setattr__(self, "phentsize", phentsize)
        object.__setattr__(self, "phnum", phnum)

    @property
    def loadable(self) -> bool:
        """What elf_check_arch and the e_type test accept: an x86-64 executable or shared object."""
        return self.type in (ET_EXEC, ET_DYN) and self.machine == EM_X86_64

    @property
    def phdrs_size(self) -> int:
        return self.phentsize * self.phnum


def parse_header(buf: bytes) -> ElfHeader | None:
    """The file header at the start of `buf`; None when `buf` does not start with ELF's magic (or is short)."""
    if len(buf) < EHDR.size or not buf.startswith(ELFMAG):
        return None
    _ident, e_type, machine, _version, entry, phoff, _shoff, _flags, _ehsize, phentsize, phnum, *_ = (
        EHDR.unpack_from(buf)
    )
    return ElfHeader(e_type, machine, entry, phoff, phentsize, phnum)


def parse_program_headers(data: bytes, count: int) -> list[ProgramHeader]:
    """`count` program headers packed in `data` (e_phentsize checked by the caller)."""
    headers = []
    for i in range(count):
        p_type, flags, offset, vaddr, _paddr, filesz, memsz, align = PHDR.unpack_from(data, i * PHDR.size)
        headers.append(ProgramHeader(p_type, flags, offset, vaddr, filesz, memsz, align))
    return headers


def total_mapping_size(phdrs: list[ProgramHeader], page_size: int) -> int:
    """From the first PT_LOAD's page to the last one's end: what the image spans (0 without PT_LOAD)."""
    loads = [p for p in phdrs if p.type == PT_LOAD]
    if not loads:
        return 0
    return max(p.vaddr + p.memsz for p in loads) - min(p.vaddr & ~(page_size - 1) for p in loads)


def maximum_alignment(phdrs: list[ProgramHeader], page_size: int) -> int:
    """The largest power-of-two p_align of the PT_LOADs, at least a page (binfmt_elf's maximum_alignment)."""
    align = page_size
    for p in phdrs:
        if p.type == PT_LOAD and p.align and not p.align & (p.align - 1):
            align = max(align, p.align)
    return align
