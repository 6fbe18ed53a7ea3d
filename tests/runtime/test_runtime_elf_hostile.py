"""ELF files made to hurt the loader, exec'd natively and on the machine from the same files: whatever their
headers say, the machine neither hangs nor fails, and the program gets what Linux gives it.

data/exec_each.c opens each file first (so its pages stay in the machine's page cache, as a file in use
keeps them), then execs each twice in a child and prints how the child ended or the errno of execve.
"""

from __future__ import annotations

from pathlib import Path

from dynamic_root import build_c
from native_vs_machine import assert_same, make_root, run_both

from syscalltbl.machine.uapi.elf import EHDR, ELFMAG, EM_X86_64, ET_EXEC, PF_R, PF_X, PHDR, PT_LOAD

#: Where the programs below are linked, and their code: exit(7).
BASE = 0x400000
EXIT_7 = bytes.fromhex("b83c000000" "bf07000000" "0f05")


def _elf(loads: list[tuple[int, int, int, int, int]]) -> bytes:
    """An ET_EXEC whose code (at the end of its headers) exits 7; `loads` are (flags, offset, vaddr, filesz,
    memsz) of its PT_LOADs, the first of which must map the code."""
    phoff = EHDR.size
    code_at = phoff + PHDR.size * len(loads)
    header = EHDR.pack(ELFMAG + bytes([2, 1, 1]) + bytes(9), ET_EXEC, EM_X86_64, 1, BASE + code_at, phoff, 0, 0,
                       EHDR.size, PHDR.size, len(loads), 0, 0, 0)
    phdrs = b"".join(PHDR.pack(PT_LOAD, flags, offset, vaddr, vaddr, filesz, memsz, 0x1000)
                     for flags, offset, vaddr, filesz, memsz in loads)
    return header + phdrs + EXIT_7


#: name -> the file's bytes, and what its exec does on Linux.
CASES: dict[str, tuple[bytes, str]] = {
    "small": (_elf([(PF_R | PF_X, 0, BASE, 0x1000, 0x1000)]), "status 7"),
    # 16 TiB of a file of 200 bytes, read-only: mmap does not look at the file's size, nor does exec.
    "huge_segment": (_elf([(PF_R | PF_X, 0, BASE, 1 << 44, 1 << 44)]), "status 7"),
}


def test_hostile_elf_headers_get_what_linux_gives(tmp_path: Path) -> None:
    program = build_c(tmp_path, "exec_each.c", "-static")
    template = make_root(tmp_path / "template")
    names = []
    for name, (data, _) in CASES.items():
        (template / "work" / name).write_bytes(data)
        (template / "work" / name).chmod(0o755)
        names.append(f"./{name}")
    facts = tuple(f"./{name}: {outcome}" for name, (_, outcome) in CASES.items())
    assert_same(run_both(template, tmp_path / "runs", program, tuple(names), timeout=60), 0, facts)
