"""Which entries each generator invocation takes: argv -> OutputSelection.

The selection comes from syscalltbl.generators.scripts.parse_argv, the very argument
parser `syscalltbl script` runs, so the linter judges exactly what the
generators do. Generators differ in what they do with what they select:

- syscalltbl.sh and syscallhdr.sh print one line per selected entry;
- arm's and mips' syscallnr.sh and s390's `-N` only count (the highest
  number + 1); mips passes ABIS "" which, as a regex alternative, selects all;
- s390's `-S` ignores `-a` and merges lines sharing a number: a `32` or `64`
  line replaces one half of the row, which is how that table marks ABI-only
  entry points.
"""

from __future__ import annotations

from syscalltbl.generators.scripts import parse_argv
from syscalltbl.lint.inputs import OutputSelection
from syscalltbl.tables.model import Location


def selections(
    arch: str,
    generator: str,
    table: str,
    argv: list[str],
    path: str,
    source: Location | None = None,
) -> list[OutputSelection]:
    """The selections of one invocation; `argv` already names the table and output."""
    job = parse_argv(generator, argv)
    args = tuple(argv)
    if generator in ("syscalltbl", "syscallhdr"):
        return [OutputSelection(arch, generator, table, job.abis, path, True, False, source, argv=args)]
    if generator == "arm-syscallnr":
        return [OutputSelection(arch, generator, table, None, path, False, False, source, argv=args)]
    if generator == "mips-syscallnr":
        return [OutputSelection(arch, generator, table, job.abis, path, False, False, source, argv=args)]
    result = []
    for mode in job.modes:
        if mode == "H":
            result.append(OutputSelection(arch, generator, table, job.abis, path, True, False, source, "H", args))
        elif mode == "S":
            result.append(OutputSelection(arch, generator, table, None, path, True, True, source, "S", args))
        else:
            result.append(OutputSelection(arch, generator, table, job.abis, path, False, False, source, "N", args))
    return result
