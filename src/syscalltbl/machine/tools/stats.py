"""`--stats`: a per-syscall summary at exit, like `strace -c`.

Rows are sorted by emulated kernel instructions (the deterministic cost),
then by name; `seconds` is host time spent in the Python implementations.

    % insns  instructions  insns/call     calls    errors   seconds syscall
    ------- ------------- ----------- --------- --------- --------- ----------------
      53.85           280          56         5           0.000021 write
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TextIO

from syscalltbl.machine.tools.ftrace import CallRecord

RULE = "------- ------------- ----------- --------- --------- --------- ----------------"
HEADER = "% insns  instructions  insns/call     calls    errors   seconds syscall"


@dataclass(slots=True)
class Row:
    calls: int = 0
    errors: int = 0
    instructions: int = 0
    seconds: float = 0.0


class Stats:
    """A sink for KernelProfiler: accumulates one row per system call name."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}

    def __call__(self, record: CallRecord) -> None:
        row = self.rows.setdefault(record.name, Row())
        row.calls += 1
        row.errors += record.failed
        row.instructions += record.instructions
        row.seconds += record.host_seconds

    def render(self) -> str:
        total = Row()
        for row in self.rows.values():
            total.calls += row.calls
            total.errors += row.errors
            total.instructions += row.instructions
            total.seconds += row.seconds
        lines = [HEADER, RULE]
        order = sorted(self.rows.items(), key=lambda kv: (-kv[1].instructions, kv[0]))
        for name, row in [*order, ("total", total)]:
            if name == "total":
                lines.append(RULE)
            share = 100 * row.instructions / total.instructions if total.instructions else 0.0
            errors = str(row.errors) if row.errors else ""
            lines.append(
                f"{share:7.2f} {row.instructions:13d} {row.instructions // max(row.calls, 1):11d} "
                f"{row.calls:9d} {errors:>9} {row.seconds:9.6f} {name}"
            )
        return "\n".join(lines) + "\n"

    def write(self, out: TextIO) -> None:
        out.write(self.render())
        out.flush()
