"""Which files make the table parser, as plain paths: the warm `syscalltbl script` path imports no pathlib."""

from __future__ import annotations

import os

#: the modules of syscalltbl.tables that turn a table's bytes into its model
MODULES = ("model", "tblparse", "abi", "errors", "limits")
GRAMMAR = "tbl.lark"


def table_parser_files() -> list[str]:
    """The code and grammar that turn a table's bytes into its model (tables.read.parser_sources)."""
    package = os.path.dirname(os.path.realpath(__file__))
    return [*(os.path.join(package, f"{name}.py") for name in MODULES), os.path.join(package, "grammars", GRAMMAR)]
