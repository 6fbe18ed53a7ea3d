"""`syscalltbl script --help`: each TOOL, its arguments and the kernel script it replaces.

The synopses are generators/scripts.py's, the ones its usage errors print.
"""

from __future__ import annotations


def text() -> str:
    from syscalltbl.generators.scripts import REPLACES, SYNOPSIS, TOOLS

    lines = [
        "usage: syscalltbl script TOOL ARG...",
        "",
        "Run as a drop-in for one of the kernel's table scripts: ARG... are exactly the",
        "script's arguments, and the output is the script's, byte for byte. Usage errors",
        "exit 1, as the scripts' do.",
        "",
        "tools (TOOL ARG..., then the kernel script it replaces):",
    ]
    for tool in TOOLS:
        lines.append(f"  {tool} {SYNOPSIS[tool]}")
        lines.append(f"      {REPLACES[tool]}")
    return "\n".join(lines) + "\n"
