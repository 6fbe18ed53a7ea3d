"""Read the loadable segments and symbols of an ELF image (pyelftools): the kernel's image and the
machine's own helper programs. Running a program reads only its headers (image/elfheader.py)."""

from __future__ import annotations

import io
from pathlib import Path

from syscalltbl.store.record import Frozen


class BadExecutable(ValueError):
    pass


class Segment(Frozen):
    vaddr: int
    memsz: int
    data: bytes  # p_filesz bytes; the rest up to memsz is zero
    write: bool
    execute: bool

    __slots__ = _fields = ("vaddr", "memsz", "data", "write", "execute")

    def __init__(self, vaddr: int, memsz: int, data: bytes, write: bool, execute: bool) -> None:
        object.__setattr__(self, "vaddr", vaddr)
        object.__setattr__(self, "memsz", memsz)
        object.__setattr__(self, "data", data)
        object.__setattr__(self, "write", write)
        object.__setattr__(self, "execute", execute)


class Image(Frozen):
    entry: int
    segments: tuple[Segment, ...]
    symbols: dict[str, int]
    phdr: int  # AT_PHDR: the program headers' address, 0 if not loaded
    phent: int
    phnum: int

    __slots__ = _fields = ("entry", "segments", "symbols", "phdr", "phent", "phnum")

    def __init__(
        self,
        entry: int,
        segments: tuple[Segment, ...],
        symbols: dict[str, int],
        phdr: int,
        phent: int,
        phnum: int,
    ) -> None:
        object.__setattr__(self, "entry", entry)
        object.__setattr__(self, "segments", segments)
        object.__setattr__(self, "symbols", symbols)
        object.__setattr__(self, "phdr", phdr)
        object.__setattr__(self, "phent", phent)
        object.__setattr__(self, "phnum", phnum)


def read_image(path: str | Path, data: bytes | None = None) -> Image:
    """The image in `data`, or in the file at `path`; `path` names it in errors."""
    # Here, not at the top: a warm start unpickles the kernel's Image and never imports pyelftools.
    from elftools.elf.constants import P_FLAGS
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    if data is None:
        data = Path(path).read_bytes()
    try:
        elf = ELFFile(io.BytesIO(data))
    except Exception as exc:  # pyelftools raises several unrelated types
        raise BadExecutable(f"{path}: not an ELF file ({exc})") from exc
    if elf.get_machine_arch() != "x64" or elf.elfclass != 64:
        raise BadExecutable(f"{path}: not an x86-64 ELF64 file")
    segments = []
    phdr = 0
    for seg in elf.iter_segments():
        if seg["p_type"] != "PT_LOAD" or seg["p_memsz"] == 0:
            continue
        flags = seg["p_flags"]
        segments.append(
            Segment(seg["p_vaddr"], seg["p_memsz"], seg.data(), bool(flags & P_FLAGS.PF_W), bool(flags & P_FLAGS.PF_X))
        )
        if seg["p_offset"] <= elf["e_phoff"] < seg["p_offset"] + seg["p_filesz"]:
            phdr = seg["p_vaddr"] + elf["e_phoff"] - seg["p_offset"]
    symbols: dict[str, int] = {}
    symtab = elf.get_section_by_name(".symtab")
    if isinstance(symtab, SymbolTableSection):
        for sym in symtab.iter_symbols():
            if sym.name and sym["st_shndx"] != "SHN_UNDEF":
                symbols[sym.name] = sym["st_value"]
    return Image(elf["e_entry"], tuple(segments), symbols, phdr, elf["e_phentsize"], elf["e_phnum"])
