"""`syscalltbl script --help`: each TOOL, its arguments and the kernel script it replaces.

The synopses are generators/scripts.py's, the ones its usage errors print.
"""

from __future__ import annotations


def text() -> str:
    from syscalltbl.generators.scripts import REPLACES, SYNOPSIS, TOOLS, TOUCH_UNCHANGED

    lines = [
        f"usage: syscalltbl script [{TOUCH_UNCHANGED}] TOOL ARG...",
        "",
        "Run as a drop-in for one of the kernel's table scripts: ARG... are exactly the",
        "script's arguments, and the output is the script's, byte for byte. Usage errors",
        "exit 1, as the scripts' do.",
        "",
        "option (before TOOL, so that it never meets a script's own arguments):",
        f"  {TOUCH_UNCHANGED}  an OUTFILE whose bytes are unchanged still gets a new mtime,",
        "      as the script's `>` gives it, so that make sees it up to date",
        "",
        "tools (TOOL ARG..., then the kernel script it replaces):",
    ]
    for tool in TOOLS:
        lines.append(f"  {tool} {SYNOPSIS[tool]}")
        lines.append(f"      {REPLACES[tool]}")
    return "\n".join(lines) + "\n"
