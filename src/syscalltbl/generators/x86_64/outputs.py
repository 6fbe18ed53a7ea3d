"""Every runtime output of the x86-64 generators, for `syscalltbl build`'s runtime group.

    runtime_outputs(target, implemented) -> [(relative output path, bytes), ...]

Inputs: the target's 64-bit table, its i386 table (the int $0x80 path of
kernel/syscall_32.S) and its prototype header; `implemented` names the entry
points the machine implements in Python (the others get the assembly stubs).
Everything is text rendered from templates; nothing here runs the assembler.
Banners name the inputs as a kernel tree spells them, wherever they live.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from syscalltbl.generators.x86_64.kernel import render_kernel, render_unistd_64, select_64, select_ia32
from syscalltbl.generators.x86_64.pylib import render_python
from syscalltbl.generators.x86_64.userlib import render_userlib
from syscalltbl.tables.prototypes import parse_prototypes
from syscalltbl.tables.read import parse_table
from syscalltbl.tables.target import PROTOTYPES, TABLE, TABLE_32, X86_64Target

OUT = Path("runtime") / "x86_64"


def runtime_outputs(target: X86_64Target, implemented: Iterable[str]) -> list[tuple[str, bytes]]:
    table = parse_table(target.table)
    syscalls = select_64(table)
    source = (Path("arch") / TABLE).as_posix()
    protos = (Path("arch") / PROTOTYPES).as_posix()
    prototypes = {p.name: p for p in parse_prototypes(target.prototypes).prototypes}
    ia32 = select_ia32(parse_table(target.table_32))
    kernel = render_kernel(
        syscalls, implemented, source=source, ia32=ia32, ia32_source=(Path("arch") / TABLE_32).as_posix()
    )
    files = {f"kernel/{name}": text for name, text in kernel.items()}
    files["user/unistd_64.inc"] = render_unistd_64(syscalls, source=source)
    user = render_userlib(syscalls, prototypes, source=source, protos=protos)
    files.update({f"user/{name}": text for name, text in user.items()})
    files.update({f"python/{name}": text for name, text in render_python(table, prototypes, source, protos).items()})
    return [((OUT / name).as_posix(), text.encode()) for name, text in sorted(files.items())]
