"""Any generator's output as text: the kernel outputs and the runtime group, as `build` writes them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syscalltbl.tables.project import Project


def render(project: Project, arch_root: Path, path: str) -> str:
    """The text of the output `build` writes to `path` (relative to its output directory)."""
    from syscalltbl.build.regenerate import render_output

    output = next((o for o in project.outputs if o.path == path), None)
    if output is not None:
        return render_output(project, output).decode("utf-8")
    runtime_group = runtime(arch_root)
    if path in runtime_group:
        return runtime_group[path].decode("utf-8")
    raise KeyError(f"no output {path!r}: see Tables.outputs() and Tables.runtime_outputs()")


def runtime(arch_root: Path) -> dict[str, bytes]:
    """The runtime group of the x86-64 target of `arch_root`: output path -> bytes."""
    from syscalltbl.build import runtime_group
    from syscalltbl.tables.errors import SyscalltblError
    from syscalltbl.tables.target import from_arch

    rendered = runtime_group.outputs(from_arch(arch_root))
    failed = [data for _, data in rendered if isinstance(data, SyscalltblError)]
    if failed:
        raise failed[0]
    return {path: data for path, data in rendered if isinstance(data, bytes)}
