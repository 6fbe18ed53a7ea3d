"""include/linux/types.h: struct ustat (x86-64)."""

import struct
from typing import Final

#: f_tfree (an int: a larger count is cut to 32 bits, as C assigns it), f_tinode (unsigned long),
#: f_fname[6], f_fpack[6], padded to 32 bytes.
USTAT: Final = struct.Struct("<I4xQ6s6s4x")
