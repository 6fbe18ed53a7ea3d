"""What an output is made by, as plain paths, and its fingerprint: imported by the warm `syscalltbl script` path."""

from __future__ import annotations

import os

from syscalltbl.store import filestamp
from syscalltbl.tables.parser_files import table_parser_files


def code_files() -> list[str]:
    """The parser and every renderer, template and script driver."""
    package = os.path.dirname(os.path.realpath(__file__))
    own = sorted(
        os.path.join(directory, name)
        for directory, _, names in os.walk(package)
        for name in names
        if name.endswith((".py", ".j2"))
    )
    return [*table_parser_files(), *own]


def code_fingerprint() -> str:
    """Hash of the grammar, model, renderers and templates: any edit invalidates every entry."""
    return filestamp.fingerprint(code_files())
