"""/dev/adder: my_func (a + b) as a character device's ioctl instead of a system call.

Copy over devices/adder.py after `syscalltbl add-device adder`; C programs
use examples/adder_ioctl.c's ADDER_ADD, the same number.
"""

from __future__ import annotations

import struct

from syscalltbl.machine.kernel.devices import _IOWR, Driver, device
from syscalltbl.machine.uapi.errno import ENOTTY, Errno

ADDER_IOC_MAGIC = 0x41  # 'A'
#: struct adder_args { int a, b, sum; }: a and b in, sum out.
ARGS = struct.Struct("<iii")
ADDER_ADD = _IOWR(ADDER_IOC_MAGIC, 1, ARGS.size)


@device("adder")
class AdderDriver(Driver):
    def ioctl(self, cmd: int, data: bytes) -> bytes | int:
        if cmd != ADDER_ADD:
            raise Errno(ENOTTY)
        a, b, _ = ARGS.unpack(data)
        # int arithmetic, as my_func's C int result: wrap to 32 bits.
        total = (a + b + (1 << 31)) % (1 << 32) - (1 << 31)
        return ARGS.pack(a, b, total)
