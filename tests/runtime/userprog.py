"""Build tiny static user programs from assembly and run them on the machine.

Not a conftest.py: tests/conftest.py holds the fixtures, and a second
one here would shadow it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from syscalltbl.generators.x86_64.kernel import Syscall, render_unistd_64, select_64
from syscalltbl.machine.image.toolchain import build_elf
from syscalltbl.machine.kernel.process import ExitStatus
from syscalltbl.machine.machine import Machine
from syscalltbl.tables.read import parse_table
from syscalltbl.tables.target import default


@dataclass(frozen=True)
class Result:
    status: ExitStatus
    stdout: bytes
    machine: Machine
    program: Path


class Programs:
    """Assemble `_start`-style programs against the table's __NR_* numbers."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.syscalls = table_64()
        self.unistd = render_unistd_64(self.syscalls, source="syscall_64.tbl")

    def nr(self, name: str) -> int:
        return next(s.number for s in self.syscalls if s.name == name)

    def build(self, asm: str) -> Path:
        source = '\t.include "unistd_64.inc"\n\t.text\n\t.globl _start\n' + asm
        return build_elf({"prog.S": source, "unistd_64.inc": self.unistd}, linker_script=None, name="prog")

    def run(self, asm: str, *, stdin: bytes = b"", machine: Machine | None = None, **kwargs: Any) -> Result:
        prog = self.build(asm)
        stdin_path, stdout_path = self.tmp_path / "stdin", self.tmp_path / "stdout"
        stdin_path.write_bytes(stdin)
        with open(stdin_path, "rb") as fin, open(stdout_path, "wb") as fout:
            m = machine or Machine(stdio=(fin.fileno(), fout.fileno(), 2), **kwargs)
            status = m.run(prog, timeout=20)
        return Result(status, stdout_path.read_bytes(), m, prog)


@cache
def table_64() -> list[Syscall]:
    """The runtime's own table: every number in these tests comes from it."""
    return select_64(parse_table(default().table))
