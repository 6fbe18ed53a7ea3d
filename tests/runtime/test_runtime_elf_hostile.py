"""ELF files made to hurt the loader, exec'd natively and on the machine from the same files: whatever their
headers say, the machine neither hangs nor fails, and the program gets what Linux gives it.

data/exec_each.c opens each file first (so its pages stay in the machine's page cache, as a file in use
keeps them), then execs each twice in a child and prints how the child ended or the errno of execve.
"""

from __future__ import annotations

from pathlib import Path

from dynamic_root import build_c
from native_vs_machine import assert_same, make_root, run_both

from syscalltbl.machine.uapi.elf import (
    EHDR,
    ELFMAG,
    EM_X86_64,
    ET_DYN,
    ET_EXEC,
    PF_R,
    PF_W,
    PF_X,
    PHDR,
    PT_GNU_STACK,
    PT_INTERP,
    PT_LOAD,
)

#: Where the programs below are linked, and their code: exit(7).
BASE = 0x400000
EXIT_7 = bytes.fromhex("b83c000000" "bf07000000" "0f05")
#: Where a PT_INTERP's name is put in the file (after the code).
NAME_AT = 0x100
#: Past the user half of the address space (TASK_SIZE_MAX rounded up): no segment may go there.
ABOVE_USER = 1 << 47
RX, RWX = PF_R | PF_X, PF_R | PF_W | PF_X
TOP_PAGE = ABOVE_USER - 0x2000  # the last page of user space (TASK_SIZE_MAX is a page below 1 << 47)


def _elf(loads: list[tuple[int, int, int, int, int]], *, interp: bytes = b"", interp_at: int = NAME_AT,
         phnum: int | None = None, phoff: int = EHDR.size, entry: int | None = None, e_type: int = ET_EXEC) -> bytes:
    """An ET_EXEC (or `e_type`) whose code (after its headers) exits 7; `loads` are (flags, offset, vaddr,
    filesz, memsz) of its PT_LOADs (the first one must map the code), `interp` a PT_INTERP's bytes, put at
    `interp_at`."""
    count = len(loads) + bool(interp) + 1
    code_at = EHDR.size + PHDR.size * count
    header = EHDR.pack(ELFMAG + bytes([2, 1, 1]) + bytes(9), e_type, EM_X86_64, 1,
                       BASE + code_at if entry is None else entry, phoff, 0, 0, EHDR.size, PHDR.size,
                       count if phnum is None else phnum, 0, 0, 0)
    phdrs = b"".join(PHDR.pack(PT_LOAD, flags, offset, vaddr, vaddr, filesz, memsz, 0x1000)
                     for flags, offset, vaddr, filesz, memsz in loads)
    phdrs += PHDR.pack(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0, 16)  # so that there is a header without loads
    if interp:
        phdrs += PHDR.pack(PT_INTERP, PF_R, interp_at, 0, 0, len(interp), len(interp), 1)
    image = (header + phdrs + EXIT_7).ljust(NAME_AT, b"\0")
    return image + interp if interp and interp_at == NAME_AT else image


CODE = (RX, 0, BASE, 0x1000, 0x1000)  # a first segment that maps the code
#: name -> the file's bytes, and what its exec does on Linux.
CASES: dict[str, tuple[bytes, str]] = {
    "small": (_elf([CODE]), "status 7"),
    # 16 TiB of a file of 200 bytes, read-only: mmap does not look at the file's size, nor does exec.
    "huge_segment": (_elf([(RX, 0, BASE, 1 << 44, 1 << 44)]), "status 7"),
    "phnum_huge": (_elf([CODE], phnum=0xFFFF), "execve failed: ENOEXEC"),
    "phoff_past_the_end": (_elf([CODE], phoff=0x10000), "execve failed: ENOEXEC"),
    "interp_unterminated": (_elf([CODE], interp=b"./small"), "execve failed: ENOEXEC"),
    "interp_longer_than_path_max": (_elf([CODE], interp=b"./" + b"x" * 4200 + b"\0"), "execve failed: ENOEXEC"),
    "interp_past_the_end": (_elf([CODE], interp=b"./small\0", interp_at=0x10000), "execve failed: EIO"),
    "interp_a_short_script": (_elf([CODE], interp=b"./short_script\0"), "execve failed: EIO"),
    "interp_a_long_script": (_elf([CODE], interp=b"./long_script\0"), "execve failed: ELIBBAD"),
    # Past begin_new_exec (the point of no return) the old program is gone: a failure is death by SIGSEGV.
    "no_pt_load": (_elf([], entry=BASE), "status 139"),
    "segment_above_user_space": (_elf([CODE, (RX, 0, ABOVE_USER, 0x1000, 0x1000)]), "status 139"),
    "entry_above_user_space": (_elf([CODE], entry=ABOVE_USER), "status 139"),
    "offset_not_congruent": (_elf([CODE, (RX, 0x10, BASE + 0x10000, 0x100, 0x100)]), "status 139"),
    "empty_segment": (_elf([CODE, (RX, 0, BASE + 0x10000, 0, 0)]), "status 7"),
    # A segment of the file far past its end: mapped, never touched.
    "offset_far_past_the_end": (_elf([CODE, (RX, 1 << 50, BASE + 0x10000, 0x1000, 0x1000)]), "status 7"),
    "overlapping_segments": (_elf([CODE, (RWX, 0, BASE, 0x1000, 0x3000)]), "status 7"),
    "bss_of_64_tib": (_elf([CODE, (RWX, 0, BASE + 0x10000, 0x100, 1 << 46)]), "status 139"),
    # A static-pie linked at the top of user space goes lower, where mmap puts it: its load bias is negative,
    # and an e_entry of 0 plus that bias wraps around to a kernel address (BAD_ADDR).
    "pie_entry_below_zero": (_elf([(RX, 0, TOP_PAGE, 0x1000, 0x1000)], entry=0, e_type=ET_DYN), "status 139"),
    # Its interpreter is such an ET_DYN, whose entry is right: AT_BASE wraps around, the interpreter runs.
    "interp_linked_at_the_top": (_elf([CODE], interp=b"./top_interp\0"), "status 7"),
    # p_filesz past the end of the file, then zeros: clearing the rest of that page faults (EFAULT).
    "bss_after_the_end": (_elf([(RWX, 0, BASE, 0x2800, 0x5000)]), "status 139"),
}
#: Files the cases name as their interpreter.
SCRIPTS = {
    "top_interp": _elf([(RX, 0, TOP_PAGE, 0x1000, 0x1000)], entry=TOP_PAGE + EHDR.size + PHDR.size * 2,
                       e_type=ET_DYN),
    "short_script": b"#!/bin/sh\nexit 3\n", "long_script": b"#!/bin/sh\n" + b"# padding\n" * 10 + b"exit 3\n"}


def test_hostile_elf_headers_get_what_linux_gives(tmp_path: Path) -> None:
    program = build_c(tmp_path, "exec_each.c", "-static")
    template = make_root(tmp_path / "template")
    names = []
    for name, (data, _) in CASES.items():
        (template / "work" / name).write_bytes(data)
        (template / "work" / name).chmod(0o755)
        names.append(f"./{name}")
    for name, data in SCRIPTS.items():
        (template / "work" / name).write_bytes(data)
        (template / "work" / name).chmod(0o755)
    facts = tuple(f"./{name}: {outcome}" for name, (_, outcome) in CASES.items())
    assert_same(run_both(template, tmp_path / "runs", program, tuple(names), timeout=60), 0, facts)


def test_the_running_program_cannot_be_written(tmp_path: Path) -> None:
    """Its segments are mappings of its file: Linux's exec denies writes to it (ETXTBSY) while it runs, and a
    truncate would otherwise take the pages under it (SIGBUS, as the fuzzer's creat found)."""
    program = build_c(tmp_path, "write_running_program.c", "-static")
    facts = ("open O_RDONLY: ok", "open O_WRONLY: ETXTBSY", "open O_RDWR: ETXTBSY", "creat: ETXTBSY",
             "open O_RDONLY|O_TRUNC: ETXTBSY", "truncate: ETXTBSY", "a copy, written: ok", "truncate the copy: ok",
             "still runs: ok")
    assert_same(run_both(make_root(tmp_path / "template"), tmp_path / "runs", program), 0, facts)
