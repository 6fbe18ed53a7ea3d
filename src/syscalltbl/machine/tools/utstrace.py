"""--trace lines of sethostname and setdomainname, as strace's hostname.c prints them.

The name is the `len` bytes given (a NUL among them shown, not ending it),
shortened past 32; a length past 64, which the kernel refuses, shows the
address instead. The length is unsigned.
"""

from __future__ import annotations

from collections.abc import Mapping

from syscalltbl.machine.kernel.sysctl import NEW_UTS_LEN
from syscalltbl.machine.tools.formats import Arguments, Reader, address
from syscalltbl.machine.tools.strings import buffer


def name_arguments(read: Reader, args: tuple[int, ...], ret: int) -> str:
    length = args[1] & 0xFFFFFFFF
    name = address(args[0]) if length > NEW_UTS_LEN else buffer(read, args[0], length)
    return f"{name}, {length}"


UTS_ARGUMENTS: Mapping[str, Arguments] = {"sys_sethostname": name_arguments, "sys_setdomainname": name_arguments}
