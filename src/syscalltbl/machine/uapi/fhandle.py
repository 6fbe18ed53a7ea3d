"""File handles (include/linux/exportfs.h, include/uapi/linux/fcntl.h): name_to_handle_at's flags and
struct file_handle."""

from __future__ import annotations

import struct
from typing import Final

MAX_HANDLE_SZ: Final = 128
#: struct file_handle's fixed part: u32 handle_bytes; int handle_type; then handle_bytes of f_handle.
FILE_HANDLE: Final = struct.Struct("<Ii")
FILEID_INO32_GEN: Final = 1  # what tmpfs's shmem_encode_fh answers
FILEID_INVALID: Final = 0xFF
FILEID_USER_FLAGS_MASK: Final = 0xFFFF0000
FILEID_IS_CONNECTABLE: Final = 0x10000
FILEID_IS_DIR: Final = 0x20000
FILEID_VALID_USER_FLAGS: Final = FILEID_IS_CONNECTABLE | FILEID_IS_DIR

AT_HANDLE_MNT_ID_UNIQUE: Final = 0x001
AT_HANDLE_CONNECTABLE: Final = 0x002
AT_HANDLE_FID: Final = 0x200
