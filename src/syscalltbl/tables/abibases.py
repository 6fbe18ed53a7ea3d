"""arch/abi-bases.toml: ABI number bases and offsets from unified numbering; the one loader.

The linter checks numbers against them and the matrix shows absolute numbers
with them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from syscalltbl.tables import shipped
from syscalltbl.tables.errors import SyscalltblError

FILE_NAME = "abi-bases.toml"


@dataclass(frozen=True, slots=True)
class AbiBase:
    """One row of arch/abi-bases.toml: the absolute numbering of one userspace ABI."""

    arch: str
    abi: str
    table: str
    select: tuple[str, ...]
    base: int
    macro: str = ""
    defined_in: str = ""


@dataclass(frozen=True, slots=True)
class AbiData:
    """arch/abi-bases.toml: ABI bases, and each architecture's offset from unified numbering."""

    bases: tuple[AbiBase, ...] = ()
    #: arch -> (offset added to scripts/syscall.tbl numbers from 424 up, why).
    unified: dict[str, tuple[int, str]] = field(default_factory=dict)


def abi_data_file(project_root: Path | None = None) -> Path:
    """The project's own file when it has one, else the one shipped with syscalltbl."""
    if project_root is not None and (project_root / FILE_NAME).is_file():
        return project_root / FILE_NAME
    return shipped.arch() / FILE_NAME


def load_abi_data(path: Path) -> AbiData:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SyscalltblError(f"cannot read ABI bases: {exc}", path=str(path)) from None
    try:
        bases = tuple(
            AbiBase(
                arch=row["arch"],
                abi=row["abi"],
                table=row["table"],
                select=tuple(row["select"]),
                base=int(row["base"]),
                macro=row.get("macro", ""),
                defined_in=row.get("defined_in", ""),
            )
            for row in data.get("abi", [])
        )
        unified = {row["arch"]: (int(row["offset"]), str(row.get("reason", ""))) for row in data.get("unified", [])}
    except (KeyError, TypeError, ValueError) as exc:
        raise SyscalltblError(f"malformed ABI bases: missing or wrong key {exc}", path=str(path)) from None
    return AbiData(bases, unified)
