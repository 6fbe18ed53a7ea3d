"""Per-call cost of the emulated kernel path, and `--ftrace`'s function graph.

Unicorn has no instruction counter. While profiling, a block hook on the
kernel's text counts each translated block's instructions (disassembled once
by capstone, then cached by address) into the open record of the running
task: a record opens on the first block of entry_SYSCALL_64 and closes with
the block that returns to user mode (the one ending in sysretq or iretq). Each block is
charged to the function whose symbol (from the kernel ELF) contains it, so a
record knows what entry_SYSCALL_64, do_syscall_64 and the table's entry each
cost. The handler wrapper names the record and times the Python
implementation. Nothing is hooked unless a profiler is attached: untraced
machines run at full speed.

The function graph follows the kernel's function_graph tracer:

    # tracer: function_graph
    #
    # CPU  DURATION                  FUNCTION CALLS
    # |     |   |                     |   |   |   |
     0)               |  entry_SYSCALL_64() {
     0)               |    do_syscall_64() {
     0)               |      __x64_sys_getpid() {
     0)     2.310 us  |        sys_getpid();
     0)      2 insns  |      }
     0)      8 insns  |    }
     0)     52 insns  |  }

Emulated functions' durations are emulated instructions; the Python leaf's
is host time.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from syscalltbl.machine.image.table import TableEntry
from syscalltbl.machine.kernel.pid1 import runs_init
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.tracehooks import is_internal
from syscalltbl.machine.syscalls.registry import Handler
from syscalltbl.machine.uapi.errno import Errno

if TYPE_CHECKING:
    from syscalltbl.machine.machine import Machine

ENTRY, DISPATCH, STUB = 0, 1, 2  # where a block's instructions are charged
ENTRY_SYMBOL, DISPATCH_SYMBOL = "entry_SYSCALL_64", "do_syscall_64"
RETURNS_TO_USER = frozenset({"sysretq", "iretq"})
STUB_PREFIX = "__x64_"  # the table's entries (__x64_sys_*) and the Python trap they jump to


@dataclass(slots=True)
class CallRecord:
    """One system call's trip through the emulated kernel."""

    pid: int  # the calling thread's tid
    comm: str
    name: str = "?"
    symbol: str = "?"
    implementation: str = ""
    #: instructions charged to entry_SYSCALL_64, do_syscall_64 and the table's entry
    counts: list[int] = field(default_factory=lambda: [0, 0, 0])
    host_seconds: float = 0.0
    result: int | None = None
    internal: bool = False
    returned: bool = False
    tgid: int = 0  # the calling thread's process (its thread-group id); 0: the same as pid

    @property
    def instructions(self) -> int:
        return sum(self.counts)

    @property
    def failed(self) -> bool:
        return self.result is not None and -4095 <= self.result < 0


class KernelProfiler:
    """Counts emulated kernel instructions per system call; reports each finished call to `sinks`."""

    def __init__(self, sinks: list[Callable[[CallRecord], None]], *, show_init: bool = False) -> None:
        self.sinks = sinks
        self.show_init = show_init  # count the generated init's calls too (kernel/pid1.py)
        self.open: dict[int, CallRecord] = {}
        self.machine: Machine | None = None
        self._blocks: dict[int, tuple[int, int, bool]] = {}
        self._starts: list[int] = []
        self._charges: list[int] = []
        self._hook_error: BaseException | None = None

    # -- the handler side (a Tracer for Machine(tracer=...)) --

    def __call__(self, s: TableEntry, handler: Handler) -> Handler:
        implementation = getattr(handler, "__name__", "sys_ni_syscall")
        open_calls = self.open

        def profiled(t: Task, a0: int, a1: int, a2: int, a3: int, a4: int, a5: int) -> int:
            record = open_calls.get(t.tid)
            if record is None:  # entered before the profiler was attached
                record = open_calls[t.tid] = self._record(t)
            record.name, record.symbol, record.implementation = s.name, s.symbol, implementation
            record.internal = is_internal(t)
            init = not self.show_init and runs_init(t)
            start = time.perf_counter()
            try:
                ret = handler(t, a0, a1, a2, a3, a4, a5)
            except Errno as exc:
                record.result = -exc.errno
                raise
            finally:
                record.host_seconds += time.perf_counter() - start
                # The init's calls are left out (its child's exec of the program too, which the first
                # program's exec never was: a call of the machine's own).
                record.internal = record.internal or init
            record.result = ret
            if s.noreturn:  # exit, exit_group: the record never reaches sysretq
                self._finish(t.tid, returned=False)
            return ret

        return profiled

    # -- the cpu side --

    def attach(self, machine: Machine) -> None:
        """Hook the kernel text of `machine`; only now does counting cost anything."""
        import capstone  # type: ignore[import-untyped]

        self.machine = machine
        kernel = machine.kernel
        self._entry = kernel.symbol(ENTRY_SYMBOL)
        (seg,) = (s for s in kernel.image.segments if s.vaddr <= self._entry < s.vaddr + s.memsz)
        lo, hi = seg.vaddr, seg.vaddr + seg.memsz
        functions = sorted((a, n) for n, a in kernel.image.symbols.items() if lo <= a < hi)
        self._starts = [a for a, _ in functions]
        self._charges = [self._charge(n) for _, n in functions]
        self._text = bytes(seg.data)
        self._text_base = lo
        self._disasm = capstone.Cs(capstone.CS_ARCH_X86, capstone.CS_MODE_64)
        machine.cpu.on_block(lo, hi - 1, self._on_block)

    @staticmethod
    def _charge(symbol: str) -> int:
        if symbol == DISPATCH_SYMBOL:
            return DISPATCH
        if symbol.startswith(STUB_PREFIX):
            return STUB
        return ENTRY

    def _record(self, t: Task) -> CallRecord:
        # The task's comm, as ps and Linux's ftrace show it: `sh`, not the busybox its link leads to.
        return CallRecord(t.tid, t.comm.decode(errors="replace") or "?", tgid=t.pid)

    def _block(self, address: int, size: int) -> tuple[int, int, bool]:
        """(instructions, whom they are charged to, whether the block returns to user mode)."""
        offset = address - self._text_base
        code = self._text[offset : offset + size]
        mnemonics = [insn[2] for insn in self._disasm.disasm_lite(code, address)]
        i = bisect.bisect_right(self._starts, address) - 1
        exits = bool(mnemonics) and mnemonics[-1] in RETURNS_TO_USER
        info = (len(mnemonics), self._charges[i] if i >= 0 else ENTRY, exits)
        self._blocks[address] = info
        return info

    def _on_block(self, address: int, size: int) -> None:
        try:
            machine = self.machine
            task = machine.current if machine is not None else None
            if task is None:
                return
            pid = task.tid  # per thread: two threads of a process may each be inside a call
            if address == self._entry:
                self.open[pid] = self._record(task)
            record = self.open.get(pid)
            if record is None:
                return  # a fresh task's first return to user mode
            count, charge, exits = self._blocks.get(address) or self._block(address, size)
            record.counts[charge] += count
            if exits:
                self._finish(pid, returned=True)
        except Exception as exc:  # must not unwind into C
            self._hook_error = exc

    def _finish(self, pid: int, *, returned: bool) -> None:
        record = self.open.pop(pid, None)
        if record is None or record.internal or record.name == "?":
            return
        record.returned = returned
        for sink in self.sinks:
            sink(record)

    def finish(self) -> None:
        """Report calls still open (a task killed inside one) and any error in the hook."""
        for pid in sorted(self.open):
            self._finish(pid, returned=False)
        if self._hook_error is not None:
            error, self._hook_error = self._hook_error, None
            raise error


def _duration(text: str) -> str:
    return f"{text:>12}  |  "


class FunctionGraph:
    """Writes each finished call as the function_graph tracer would."""

    HEADER = (
        "# tracer: function_graph\n"
        "#\n"
        "# CPU  DURATION                  FUNCTION CALLS\n"
        "# |     |   |                     |   |   |   |\n"
    )

    def __init__(self, out: TextIO, cpu: int = 0) -> None:
        self.out = out
        self.cpu = f"{cpu})"
        self.last: tuple[str, int] | None = None
        out.write(self.HEADER)

    def __call__(self, r: CallRecord) -> None:
        lines = []
        now = (r.comm, r.pid)
        if self.last is not None and self.last != now:
            rule = " " + "-" * 42
            lines += [rule, f" {self.cpu}  {self.last[0]}-{self.last[1]}  =>  {r.comm}-{r.pid}", rule, ""]
        self.last = now
        blank = " " * 12 + "  |  "
        entry, dispatch, stub = r.counts
        frames = [
            (ENTRY_SYMBOL, entry + dispatch + stub),
            (DISPATCH_SYMBOL, dispatch + stub),
            (r.symbol, stub),
        ]
        for depth, (name, _) in enumerate(frames):
            lines.append(f" {self.cpu} {blank}{'  ' * depth}{name}() {{")
        leaf = f"{r.host_seconds * 1e6:.3f} us"
        lines.append(f" {self.cpu} {_duration(leaf)}{'  ' * len(frames)}{r.implementation}();")
        if r.returned:
            for depth in range(len(frames) - 1, -1, -1):
                lines.append(f" {self.cpu} {_duration(f'{frames[depth][1]} insns')}{'  ' * depth}}}")
        self.out.write("".join(line + "\n" for line in lines))
        self.out.flush()
