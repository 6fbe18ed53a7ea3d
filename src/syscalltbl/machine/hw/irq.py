"""An interrupt line into the cpu: any thread raises it, and the cpu stops before its next user-mode block.

This is how something outside the running program gets the cpu back at a
precise instruction boundary, as a timer or an IPI does on real hardware:
a Ctrl-C on the host, and the scheduler's tick (kernel/timer.py). The line
is checked by a block hook in machine code (image/irqhook.py) on every
block of the user half, so the kernel's own code, which always runs to its
next trap, is never cut short, and a stop always leaves a task in user
mode at an exact RIP from which it can resume.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.hw.cpu import Cpu

#: Blocks at these addresses are checked: the user half of the address space.
USER_HALF = (0, (1 << 47) - 1)
#: The gate page: its trampolines run once per system call (gate.S), and charge it to the slice.
GATE_PAGE = (abi.GATE_PAGE, abi.GATE_PAGE + abi.PAGE_SIZE - 1)
#: What a system call costs a time slice, in blocks: a getpid takes the machine
#: about as long as 1000 blocks of a tight loop, most calls longer.
SYSCALL_CHARGE = 1024
UNBUDGETED = 0x3FFFFFFFFFFFFFFF  # the hook's: a budget nothing spends


class _Line(ctypes.Structure):
    # Shared with the hook's assembly (image/irqhook.py): same order, 64-bit words.
    _fields_ = [
        ("raised", ctypes.c_uint64),
        ("emu_stop", ctypes.c_void_p),
        ("fired", ctypes.c_uint64),
        ("budget", ctypes.c_int64),
        ("spent", ctypes.c_uint64),
    ]


class InterruptLine:
    def __init__(self, cpu: Cpu, hook_library: Path, symbol: str, charge_symbol: str) -> None:
        self._library = ctypes.CDLL(str(hook_library))
        self._line = _Line(0, cpu.emu_stop_address(), 0, UNBUDGETED, 0)
        cpu.on_block_native(ctypes.cast(getattr(self._library, symbol), ctypes.c_void_p), self._line, *USER_HALF)
        charge = ctypes.cast(getattr(self._library, charge_symbol), ctypes.c_void_p)
        cpu.on_block_native(charge, self._line, *GATE_PAGE)

    def raise_line(self) -> None:
        """Ask the cpu to stop before its next user-mode block; safe from any thread."""
        self._line.raised = 1

    def lower(self) -> None:
        """Withdraw a request the cpu has not taken yet (it was served another way)."""
        self._line.raised = 0

    def take_fired(self) -> bool:
        """Did the last run stop because of the line? Then RIP is exact, in user mode. Resets."""
        fired = bool(self._line.fired)
        self._line.fired = 0
        return fired

    # The slice budget: only the thread that runs the cpu touches it (the hooks run there too).

    def budget(self, blocks: int) -> None:
        """Stop before the user block that follows `blocks` more blocks (system calls count SYSCALL_CHARGE)."""
        self._line.budget = blocks
        self._line.spent = 0

    def budget_at_most(self, blocks: int) -> None:
        """As `budget`, unless less is left already."""
        if self._line.budget > blocks:
            self.budget(blocks)

    def unbudget(self) -> None:
        self.budget(UNBUDGETED)

    def take_spent(self) -> bool:
        """Did the budget run out (the cpu stopped, or stops at its next user block)? Resets."""
        spent = bool(self._line.spent) or self._line.budget <= 0
        self._line.spent = 0
        return spent
