"""statx(2): the request/result mask, the attribute bits, the sync flags and struct statx.

include/uapi/linux/stat.h and include/uapi/linux/fcntl.h (AT_STATX_*, AT_NO_AUTOMOUNT).
"""

from __future__ import annotations

import struct
from typing import Final

# stx_mask bits, in the order strace names them.
STATX_TYPE: Final = 0x1
STATX_MODE: Final = 0x2
STATX_NLINK: Final = 0x4
STATX_UID: Final = 0x8
STATX_GID: Final = 0x10
STATX_ATIME: Final = 0x20
STATX_MTIME: Final = 0x40
STATX_CTIME: Final = 0x80
STATX_INO: Final = 0x100
STATX_SIZE: Final = 0x200
STATX_BLOCKS: Final = 0x400
STATX_BASIC_STATS: Final = 0x7FF
STATX_BTIME: Final = 0x800
STATX_ALL: Final = 0xFFF
STATX_MNT_ID: Final = 0x1000
STATX_DIOALIGN: Final = 0x2000
STATX_MNT_ID_UNIQUE: Final = 0x4000
STATX_SUBVOL: Final = 0x8000
STATX_WRITE_ATOMIC: Final = 0x10000
STATX_DIO_READ_ALIGN: Final = 0x20000
STATX__RESERVED: Final = 0x80000000

# stx_attributes / stx_attributes_mask bits.
STATX_ATTR_COMPRESSED: Final = 0x4
STATX_ATTR_IMMUTABLE: Final = 0x10
STATX_ATTR_APPEND: Final = 0x20
STATX_ATTR_NODUMP: Final = 0x40
STATX_ATTR_ENCRYPTED: Final = 0x800
STATX_ATTR_AUTOMOUNT: Final = 0x1000
STATX_ATTR_MOUNT_ROOT: Final = 0x2000
STATX_ATTR_VERITY: Final = 0x100000
STATX_ATTR_DAX: Final = 0x200000
STATX_ATTR_WRITE_ATOMIC: Final = 0x400000

# statx's flags beyond the *at() ones of fcntl.py.
AT_NO_AUTOMOUNT: Final = 0x800
AT_STATX_SYNC_AS_STAT: Final = 0x0
AT_STATX_FORCE_SYNC: Final = 0x2000
AT_STATX_DONT_SYNC: Final = 0x4000
AT_STATX_SYNC_TYPE: Final = 0x6000

#: The first mount id a unique one (STATX_MNT_ID_UNIQUE) counts from: fs/namespace.c's MNT_UNIQUE_ID_OFFSET.
MNT_UNIQUE_ID_OFFSET: Final = 1 << 31

#: struct statx (256 bytes): stx_mask, stx_blksize, stx_attributes, stx_nlink, stx_uid, stx_gid, stx_mode,
#: (spare), stx_ino, stx_size, stx_blocks, stx_attributes_mask, stx_atime, stx_btime, stx_ctime, stx_mtime
#: (each struct statx_timestamp: tv_sec, tv_nsec, (reserved)), stx_rdev_major, stx_rdev_minor,
#: stx_dev_major, stx_dev_minor, stx_mnt_id, stx_dio_mem_align, stx_dio_offset_align, then fields
#: tmpfs never fills (subvolume, atomic writes, ...) and spare space, all zero.
STATX: Final = struct.Struct("<IIQIIIHxxQQQQ" + "qI4x" * 4 + "IIIIQII96x")

#: An fcntl.h *at() flag that only statx's decoding names (open_tree's; statx refuses it).
AT_RECURSIVE: Final = 0x8000
