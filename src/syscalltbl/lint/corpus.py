"""Extras read from a (partial) kernel tree: perf's table copies and the corpus meta lists.

The corpus stores symlinks as small text files holding the link target
(arch/arm64/tools/syscall_64.tbl holds `../../../scripts/syscall.tbl`); a real
kernel tree has real symlinks. Both are followed the same way.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

from syscalltbl.lint.inputs import PerfCopy
from syscalltbl.lint.read import read_table
from syscalltbl.tables.limits import read_bounded
from syscalltbl.tables.model import Location
from syscalltbl.tables.prototype_model import Prototype, PrototypeFile
from syscalltbl.tables.tree import link_target

COND_LIST = "meta/kernel_sys_ni_c.cond_syscalls.txt"
PROTOTYPE_LIST = "meta/include_linux_syscalls_h.asmlinkage_names.txt"

#: Macros of kernel/sys_ni.c and the entry-point symbol each one stubs out.
COND_MACROS = {"COND_SYSCALL": "sys_{}", "COND_SYSCALL_COMPAT": "compat_sys_{}", "cond_syscall": "{}"}

@dataclass
class CorpusExtras:
    perf_copies: tuple[PerfCopy, ...] = ()
    cond_syscalls: frozenset[str] | None = None
    cond_source: str = ""
    prototypes: PrototypeFile | None = None
    notes: dict[str, list[str]] = field(default_factory=dict)


def copied_table(copy_path: str, known: set[str]) -> str | None:
    """Which kernel table a copy under tools/ copies: same path without tools/, or same name in its arch."""
    plain = copy_path.removeprefix("tools/")
    if plain in known:
        return plain
    match = re.fullmatch(r"tools/perf/arch/([^/]+)/.*/([^/]+)", copy_path)
    if match is None:
        return None
    arch, name = match.groups()
    candidates = [k for k in known if k.startswith(f"arch/{arch}/") and posixpath.basename(k) == name]
    return candidates[0] if len(candidates) == 1 else None


def find_perf_copies(root: Path, known: set[str], shown_root: str) -> tuple[tuple[PerfCopy, ...], list[str]]:
    """Every syscall table copy under root/tools, and notes about copies it could not place."""
    copies: list[PerfCopy] = []
    notes: list[str] = []
    tools = root / "tools"
    if not tools.is_dir():
        return (), notes
    for file in sorted(tools.rglob("syscall*.tbl")):
        copy_path = file.relative_to(root).as_posix()
        if link_target(file, root) is not None:
            continue  # a link to another copy, checked as that copy
        copies_path = copied_table(copy_path, known)
        if copies_path is None:
            notes.append(f"{copy_path}: no kernel table of that name to compare with")
            continue
        table, _ = read_table(read_bounded(file), _join(shown_root, copy_path))
        copies.append(PerfCopy(_join(shown_root, copy_path), copies_path, table))
    return tuple(copies), notes


def read_cond_list(file: Path, shown: str) -> frozenset[str]:
    symbols = set()
    for line in file.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        macro, _, name = line.partition("\t")
        if macro in COND_MACROS and name:
            symbols.add(COND_MACROS[macro].format(name.strip()))
    return frozenset(symbols)


def read_prototype_list(file: Path, shown: str) -> PrototypeFile:
    """A list of declared names as a PrototypeFile: names and lines, no types."""
    prototypes = []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        name = line.strip()
        if name and not name.startswith("#"):
            prototypes.append(Prototype(name, "long", (), Location(shown, number, 1)))
    return PrototypeFile(shown, tuple(prototypes))


def read_corpus(root: Path, known: set[str], shown_root: str) -> CorpusExtras:
    extras = CorpusExtras()
    extras.perf_copies, perf_notes = find_perf_copies(root, known, shown_root)
    if perf_notes:
        extras.notes["tools"] = perf_notes
    if (root / COND_LIST).is_file():
        extras.cond_source = _join(shown_root, COND_LIST)
        extras.cond_syscalls = read_cond_list(root / COND_LIST, extras.cond_source)
    if (root / PROTOTYPE_LIST).is_file():
        extras.prototypes = read_prototype_list(root / PROTOTYPE_LIST, _join(shown_root, PROTOTYPE_LIST))
    return extras


def _join(root: str, path: str) -> str:
    return path if root in ("", ".") else f"{root.rstrip('/')}/{path}"
