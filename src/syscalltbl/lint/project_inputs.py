"""LintInputs of a syscalltbl project: arch/tables.toml, its tables, and optional extras.

The project names each output with the argv its kernel Makefile passes, so the
ABI selections come from the same argument parser `syscalltbl script` uses.
Two optional directories add what the project itself does not hold:

- `headers`: a kernel tree or installed kernel headers (Debian's
  linux-headers-*-common) to read prototype headers from;
- `corpus`: a partial kernel tree such as ../shared/corpus/linux-6.18.2, for
  its tools/perf copies of the tables and the lists in its meta/ directory
  (the COND_SYSCALL lines of kernel/sys_ni.c, the asmlinkage names of
  include/linux/syscalls.h).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from syscalltbl.lint import corpus as corpus_reader
from syscalltbl.lint.headers import header_paths, parse_header, read_headers, shown_path
from syscalltbl.lint.inputs import LintInputs, OutputSelection, PerfCopy, TableSource
from syscalltbl.lint.read import read_table
from syscalltbl.lint.selection import selections
from syscalltbl.tables.abibases import abi_data_file, load_abi_data
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.limits import read_bounded
from syscalltbl.tables.model import Location, Table
from syscalltbl.tables.project import Project
from syscalltbl.tables.prototype_model import PrototypeFile
from syscalltbl.tables.tree import kernel_version


def display_path(path: Path) -> str:
    """Relative to the working directory when inside it: what a user would type."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def load_project_inputs(
    project: Project, *, headers: Path | None = None, corpus: Path | None = None
) -> LintInputs:
    """Everything `syscalltbl lint` checks in `project` (plus `headers` and `corpus` when given)."""
    tables: dict[str, Table] = {}
    sources: dict[str, TableSource] = {}
    for kernel_path, file in project.tables.items():
        try:
            data = read_bounded(file)
        except OSError as exc:
            raise SyscalltblError(f"cannot read: {exc.strerror}", path=str(file)) from None
        tables[kernel_path], sources[kernel_path] = read_table(data, display_path(file))
    meta_file = project.root / "tables.toml"
    meta_text = meta_file.read_text(encoding="utf-8")
    outputs = _outputs(project, display_path(meta_file), meta_text)
    notes: dict[str, list[str]] = {}
    own = _project_headers(project.root, meta_text)
    prototypes: list[PrototypeFile] = [parse_header(file, display_path(file)) for file in own.values()]
    headers_read = set(own)
    kernel_paths = {display_path(file): path for path, file in own.items()}
    headers_version = None
    if headers is not None:
        if not headers.is_dir():
            raise SyscalltblError("no such directory", path=str(headers))
        prototypes.extend(read_headers(headers, display_path(headers)))
        headers_read.update(header_paths(headers))
        kernel_paths.update({shown_path(display_path(headers), p): p for p in header_paths(headers)})
        headers_version = kernel_version(headers)
    cond_syscalls = None
    reference: frozenset[str] | None = None
    cond_source = ""
    perf: tuple[PerfCopy, ...] = ()
    if corpus is not None:
        extra = corpus_reader.read_corpus(corpus, set(tables) | set(project.aliases), display_path(corpus))
        perf = extra.perf_copies
        cond_syscalls, cond_source = extra.cond_syscalls, extra.cond_source
        if extra.prototypes is not None:
            reference = frozenset(p.name for p in extra.prototypes.prototypes)
        if extra.prototypes is not None and "include/linux/syscalls.h" not in headers_read:
            # The corpus lists the names its own syscalls.h declares: as good
            # as the header for "is there a prototype", and of the tables' version.
            prototypes.append(extra.prototypes)
            headers_read.add("include/linux/syscalls.h")
            headers_version = headers_version or _tables_version(meta_text)
        for arch, lines in extra.notes.items():
            notes.setdefault(arch, []).extend(lines)
    return LintInputs(
        tables=tables,
        outputs=outputs,
        aliases=dict(project.aliases),
        sources=sources,
        prototypes=tuple(prototypes) if headers_read else None,
        headers_read=frozenset(headers_read),
        header_kernel_paths=kernel_paths,
        reference_names=reference,
        definitions=None,
        cond_syscalls=cond_syscalls,
        cond_source=cond_source,
        perf_copies=perf,
        abi_data=load_abi_data(abi_data_file(project.root)),
        tables_version=_tables_version(meta_text),
        headers_version=headers_version,
        notes=notes,
    )


def _project_headers(root: Path, meta_text: str) -> dict[str, Path]:
    """Prototype headers the project keeps: `[[header]] kernel_path/file` in tables.toml, or
    files laid out under arch/ as in a kernel tree (arch/include/linux/syscalls.h)."""
    found = {path: root / path for path in header_paths(root)}
    try:
        rows = tomllib.loads(meta_text).get("header", [])
    except tomllib.TOMLDecodeError:
        rows = []
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict) and isinstance(row.get("kernel_path"), str) and isinstance(row.get("file"), str):
            found[row["kernel_path"]] = root / row["file"]
    return {path: file for path, file in found.items() if file.is_file()}


def _tables_version(meta_text: str) -> str | None:
    try:
        source = tomllib.loads(meta_text).get("source", {})
    except tomllib.TOMLDecodeError:
        return None
    version = source.get("kernel") if isinstance(source, dict) else None
    return str(version) if version else None


def _outputs(project: Project, shown_meta: str, meta_text: str) -> tuple[OutputSelection, ...]:
    # tomllib keeps no line numbers; an output's `path = "..."` line is unique
    # in tables.toml and is what a diagnostic about the invocation points at.
    lines = {m.group(1): meta_text.count("\n", 0, m.start()) + 1 for m in _PATH_LINE.finditer(meta_text)}
    result: list[OutputSelection] = []
    for output in project.outputs:
        argv = [a.replace("{input}", output.input).replace("{output}", output.path) for a in output.argv]
        where = Location(shown_meta, lines.get(output.path, 1), 1)
        result.extend(selections(output.arch, output.generator, output.input, argv, output.path, where))
    return tuple(result)


_PATH_LINE = re.compile(r'^path\s*=\s*"([^"]*)"', re.M)
