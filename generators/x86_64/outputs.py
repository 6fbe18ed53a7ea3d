"""Every runtime output of the x86-64 generators, for `syscalltbl build`'s runtime group.

    runtime_outputs(project_root) -> [(relative output path, bytes), ...]

Inputs: PROJECT/arch/x86/entry/syscalls/syscall_64.tbl, syscall_32.tbl (its
i386 entries: the int $0x80 path of kernel/syscall_32.S) and, for prototypes,
PROJECT/arch/x86/include/syscalls_64.h (each falling back to the copy shipped
with syscalltbl). Everything is text rendered from templates; nothing here
runs the assembler.
"""

from __future__ import annotations

from pathlib import Path

from syscalltbl.generators.x86_64.kernel import render_kernel, render_unistd_64, select_64, select_ia32
from syscalltbl.generators.x86_64.pylib import render_python
from syscalltbl.generators.x86_64.userlib import render_userlib

from syscalltbl.paths import data_dir
from syscalltbl.prototypes import parse_prototypes
from syscalltbl.tblparse import parse_table

TABLE = Path("x86") / "entry" / "syscalls" / "syscall_64.tbl"
TABLE_32 = Path("x86") / "entry" / "syscalls" / "syscall_32.tbl"
PROTOTYPES = Path("x86") / "include" / "syscalls_64.h"
OUT = Path("runtime") / "x86_64"


def _input(project_root: Path, relative: Path) -> Path:
    own = project_root / "arch" / relative
    return own if own.is_file() else data_dir("arch") / relative


def runtime_outputs(project_root: str | Path) -> list[tuple[str, bytes]]:
    from syscalltbl.kernel_runtime.syscalls import REGISTRY  # which entries the runtime implements

    root = Path(project_root)
    syscalls = select_64(parse_table(_input(root, TABLE)))
    source = (Path("arch") / TABLE).as_posix()
    prototypes = {p.name: p for p in parse_prototypes(_input(root, PROTOTYPES)).prototypes}
    ia32 = select_ia32(parse_table(_input(root, TABLE_32)))
    kernel = render_kernel(
        syscalls, REGISTRY, source=source, ia32=ia32, ia32_source=(Path("arch") / TABLE_32).as_posix()
    )
    files = {f"kernel/{name}": text for name, text in kernel.items()}
    files["user/unistd_64.inc"] = render_unistd_64(syscalls, source=source)
    user = render_userlib(syscalls, prototypes, source=source, protos=(Path("arch") / PROTOTYPES).as_posix())
    files.update({f"user/{name}": text for name, text in user.items()})
    protos = (Path("arch") / PROTOTYPES).as_posix()
    table = parse_table(_input(root, TABLE))
    files.update({f"python/{name}": text for name, text in render_python(table, prototypes, source, protos).items()})
    return [((OUT / name).as_posix(), text.encode()) for name, text in sorted(files.items())]
