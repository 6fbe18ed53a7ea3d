"""The record of what `syscalltbl add-syscall` added to a project: arch/added-syscalls.toml.

`remove-syscall NAME` removes exactly what this file says add-syscall added
for NAME, and nothing of the kernel's. One table per system call:

    [syscalls.my_func]
    implementation = "syscalls/my_func.py"
    implementation_sha256 = "..."        # of the file as add-syscall wrote it
    prototype = "asmlinkage long sys_my_func(int a);"

    [syscalls.my_func.lines]             # each table it was added to: the line added
    "arch/x86/entry/syscalls/syscall_64.tbl" = "470\\tcommon\\tmy_func\\t\\t\\tsys_my_func"

Paths are relative to the project directory. `syscalltbl init` writes the
file (with no syscalls), and add-syscall and remove-syscall rewrite it in the
same transaction as the tables; a project made before the record existed has
none, and remove-syscall asks for --force there.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.model import Location

#: The record, relative to the project directory: next to tables.toml.
RECORD = Path("arch") / "added-syscalls.toml"
VERSION = 1
_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\Z")
_HEADER = (
    "# What `syscalltbl add-syscall` added to this project, so that\n"
    "# `syscalltbl remove-syscall NAME` removes exactly that and nothing of the\n"
    "# kernel's. Written by add-syscall and remove-syscall.\n"
)


@dataclass(frozen=True, slots=True)
class Added:
    """One system call as add-syscall added it."""

    name: str
    #: table file (relative to the project) -> the line added to it
    lines: dict[str, str]
    prototype: str
    implementation: str
    implementation_sha256: str


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def read(base: Path) -> dict[str, Added] | None:
    """The record of the project at `base`, by name; None when the project has none (made before it)."""
    import tomllib

    path = base / RECORD
    try:
        with open(path, "rb") as handle:
            document = tomllib.load(handle)
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as exc:
        raise SyscalltblError(f"not a record of add-syscall: not UTF-8 ({exc.reason})", path=str(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise _at(path, str(exc)) from None
    if document.get("version") != VERSION:
        raise SyscalltblError(f"expected version = {VERSION}, found {document.get('version')!r}", path=str(path))
    syscalls = document.get("syscalls", {})
    if not isinstance(syscalls, dict):
        raise SyscalltblError("expected [syscalls.NAME] tables", path=str(path))
    return {name: _entry(path, name, fields) for name, fields in syscalls.items()}


def _at(path: Path, message: str) -> SyscalltblError:
    """tomllib's "... (at line L, column C)" as file:L:C: error: ..."""
    where = _POSITION.search(message)
    if where is None:
        return SyscalltblError(f"not a record of add-syscall: {message}", path=str(path))
    location = Location(str(path), int(where.group(1)), int(where.group(2)))
    return SyscalltblError(f"not a record of add-syscall: {message[: where.start()]}", location)


def _entry(path: Path, name: str, fields: object) -> Added:
    strings = ("implementation", "implementation_sha256", "prototype")
    if not isinstance(fields, dict):
        raise SyscalltblError(f"syscalls.{name}: expected a table", path=str(path))
    for key in strings:
        if not isinstance(fields.get(key), str):
            raise SyscalltblError(f"syscalls.{name}.{key}: expected a string", path=str(path))
    lines = fields.get("lines", {})
    if not isinstance(lines, dict) or not all(isinstance(v, str) for v in lines.values()):
        raise SyscalltblError(f"syscalls.{name}.lines: expected table file = line", path=str(path))
    return Added(name, dict(lines), fields["prototype"], fields["implementation"], fields["implementation_sha256"])


def render(record: dict[str, Added]) -> str:
    """The record's text: TOML, with names in sorted order so that the same record gives the same bytes."""

    def quoted(text: str) -> str:
        # A JSON string is a TOML basic string: the same escapes (\t, \", \\, \uXXXX).
        return json.dumps(text, ensure_ascii=False)

    def key(name: str) -> str:
        return name if name.isascii() and name.replace("_", "").isalnum() else quoted(name)

    parts = [_HEADER, f"\nversion = {VERSION}\n"]
    for name in sorted(record):
        added = record[name]
        parts.append(
            f"\n[syscalls.{key(name)}]\n"
            f"implementation = {quoted(added.implementation)}\n"
            f"implementation_sha256 = {quoted(added.implementation_sha256)}\n"
            f"prototype = {quoted(added.prototype)}\n"
            f"\n[syscalls.{key(name)}.lines]\n"
        )
        parts.extend(f"{quoted(table)} = {quoted(line)}\n" for table, line in sorted(added.lines.items()))
    return "".join(parts)
