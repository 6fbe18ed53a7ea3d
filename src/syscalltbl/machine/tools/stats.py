"""`--stats`: a per-syscall summary at exit, like `strace -c`.

Rows are sorted by emulated kernel instructions (the deterministic cost),
then by name; `seconds` is host time spent in the Python implementations.

    % insns  instructions  insns/call     calls    errors   seconds syscall
    ------- ------------- ----------- --------- --------- --------- ----------------
      53.85           280          56         5           0.000021 write

One process (strace -c's case): that table alone, and a line per thread
below it if it had several. When more than one process
made calls (`strace -f -c` would mix them), a table per process comes first,
in pid order, each under a `pid N (comm)` line, then the total under `total`.
A process whose calls came from more than one thread adds a per-thread line
each (tid, calls, errors, instructions, seconds) below its table, so a
thread that did all the work, or one stuck failing, shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

from syscalltbl.machine.tools.ftrace import CallRecord

RULE = "------- ------------- ----------- --------- --------- --------- ----------------"
HEADER = "% insns  instructions  insns/call     calls    errors   seconds syscall"
THREAD_HEADER = "    tid     calls    errors  instructions   seconds"


@dataclass(slots=True)
class Row:
    calls: int = 0
    errors: int = 0
    instructions: int = 0
    seconds: float = 0.0

    def add(self, record: CallRecord) -> None:
        self.calls += 1
        self.errors += record.failed
        self.instructions += record.instructions
        self.seconds += record.host_seconds


@dataclass(slots=True)
class Process:
    """One process's calls: a row per system call name and one per thread that made any."""

    comm: str
    rows: dict[str, Row] = field(default_factory=dict)
    threads: dict[int, Row] = field(default_factory=dict)


class Stats:
    """A sink for KernelProfiler: accumulates one row per system call name, per process and in total."""

    def __init__(self) -> None:
        self.rows: dict[str, Row] = {}
        self.processes: dict[int, Process] = {}

    def __call__(self, record: CallRecord) -> None:
        self.rows.setdefault(record.name, Row()).add(record)
        process = self.processes.setdefault(record.tgid or record.pid, Process(record.comm))
        process.comm = record.comm  # the name after its last execve, as ps shows it
        process.rows.setdefault(record.name, Row()).add(record)
        process.threads.setdefault(record.pid, Row()).add(record)

    def render(self) -> str:
        if len(self.processes) <= 1:  # strace -c's table; a line per thread if it had several
            threads = next(iter(self.processes.values())).threads if self.processes else {}
            return _table(self.rows) + (_threads(threads) if len(threads) > 1 else "")
        blocks: list[str] = []
        for pid in sorted(self.processes):
            process = self.processes[pid]
            blocks.append(f"pid {pid} ({process.comm})\n" + _table(process.rows))
            if len(process.threads) > 1:
                blocks.append(_threads(process.threads))
        blocks.append(f"total ({len(self.processes)} processes)\n" + _table(self.rows))
        return "".join(blocks)

    def write(self, out: TextIO) -> None:
        out.write(self.render())
        out.flush()


def _sum(rows: dict[str, Row] | dict[int, Row]) -> Row:
    total = Row()
    for row in rows.values():
        total.calls += row.calls
        total.errors += row.errors
        total.instructions += row.instructions
        total.seconds += row.seconds
    return total


def _table(rows: dict[str, Row]) -> str:
    total = _sum(rows)
    lines = [HEADER, RULE]
    order = sorted(rows.items(), key=lambda kv: (-kv[1].instructions, kv[0]))
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


def _threads(threads: dict[int, Row]) -> str:
    lines = [THREAD_HEADER]
    for tid in sorted(threads):
        row = threads[tid]
        errors = str(row.errors) if row.errors else ""
        lines.append(f"{tid:7d} {row.calls:9d} {errors:>9} {row.instructions:13d} {row.seconds:9.6f}")
    return "\n".join(lines) + "\n"
