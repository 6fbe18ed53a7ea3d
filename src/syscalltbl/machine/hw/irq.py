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

from syscalltbl.machine.hw.cpu import Cpu

#: Blocks at these addresses are checked: the user half of the address space.
USER_HALF = (0, (1 << 47) - 1)


class _Line(ctypes.Structure):
    # Shared with the hook's assembly (image/irqhook.py): same order, 64-bit words.
    _fields_ = [("raised", ctypes.c_uint64), ("emu_stop", ctypes.c_void_p), ("fired", ctypes.c_uint64)]


class InterruptLine:
    def __init__(self, cpu: Cpu, hook_library: Path, symbol: str) -> None:
        self._library = ctypes.CDLL(str(hook_library))
        self._line = _Line(0, cpu.emu_stop_address(), 0)
        cpu.on_block_native(ctypes.cast(getattr(self._library, symbol), ctypes.c_void_p), self._line, *USER_HALF)

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
