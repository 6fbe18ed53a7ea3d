"""A project's `syscalltbl.libc`: the wrappers generated from the project's own table and prototypes.

The shipped syscalltbl/libc.py has one function per call of syscalltbl's
own tables, so a project's added call (`add-syscall my_func`) is not in it.
`syscalltbl run prog.py` inside a project therefore runs prog.py with this
module as `syscalltbl.libc`: rendered as `syscalltbl build` renders
runtime/x86_64/python/libc.py (the same bytes), from the table the machine
boots from. It can be neither missing nor older than the machine, so no
build is needed first. Outside a project the shipped module stays.
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
import types
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

from syscalltbl.generators.x86_64.kernel import select_64
from syscalltbl.generators.x86_64.pylib import render_libc
from syscalltbl.machine.image.kbuild import load_prototypes
from syscalltbl.machine.image.toolchain import publish_text
from syscalltbl.tables.read import parse_table
from syscalltbl.tables.target import PROTOTYPES, TABLE, X86_64Target

#: The name a program imports the wrappers by.
NAME = "syscalltbl.libc"


def libc_source(target: X86_64Target) -> str:
    """The text of the target's libc module, as `syscalltbl build` writes it (banners name the inputs as
    a kernel tree spells them, wherever they live)."""
    return render_libc(
        select_64(parse_table(target.table)),
        load_prototypes(target.prototypes),
        source=(Path("arch") / TABLE).as_posix(),
        protos=(Path("arch") / PROTOTYPES).as_posix(),
    )


def load_libc(target: X86_64Target) -> types.ModuleType:
    """The target's libc module, imported from a file in the cache (so tracebacks show its lines)."""
    path = publish_text("libc.py", libc_source(target))
    spec = importlib.util.spec_from_file_location(NAME, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import the generated libc module {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextlib.contextmanager
def bound(target: X86_64Target) -> Iterator[None]:
    """While the block runs, `from syscalltbl import libc` (and `import syscalltbl.libc`) gives the
    target's module when the target is a project's; afterwards, whatever it gave before."""
    if target.project is None:
        yield
        return
    package = vars(sys.modules["syscalltbl"])  # this module's own package: imported already
    module = load_libc(target)
    before = sys.modules.get(NAME, _MISSING), package.get("libc", _MISSING)
    # Both: `from syscalltbl import libc` reads the package's attribute first, and an
    # earlier import of the shipped module would have set it.
    sys.modules[NAME] = package["libc"] = module
    try:
        yield
    finally:
        _put(sys.modules, NAME, before[0])
        _put(package, "libc", before[1])


_MISSING = object()


def _put(names: MutableMapping[str, Any], key: str, value: object) -> None:
    """names[key] = value, or no `key` at all where value is _MISSING."""
    if value is _MISSING:
        names.pop(key, None)
    else:
        names[key] = value
