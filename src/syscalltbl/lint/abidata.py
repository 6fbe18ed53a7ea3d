"""arch/abi-bases.toml: ABI number bases and offsets from unified numbering."""

from __future__ import annotations

import tomllib
from pathlib import Path

from syscalltbl.lint.inputs import AbiBase, AbiData
from syscalltbl.tables import shipped
from syscalltbl.tables.errors import SyscalltblError

FILE_NAME = "abi-bases.toml"


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
