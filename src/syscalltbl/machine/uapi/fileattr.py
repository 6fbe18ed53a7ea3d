"""Inode flags (chattr's): FS_IOC_GETFLAGS/SETFLAGS and their FS_*_FL bits, FS_IOC_FSGETXATTR/FSSETXATTR's
struct fsxattr and FS_XFLAG_* bits (include/uapi/linux/fs.h), and file_getattr/file_setattr's struct file_attr."""

from __future__ import annotations

import struct
from typing import Final

FS_IOC_GETFLAGS: Final = 0x80086601  # _IOR('f', 1, long): the kernel reads and writes an int all the same
FS_IOC_SETFLAGS: Final = 0x40086602  # _IOW('f', 2, long)
FS_IOC_FSGETXATTR: Final = 0x801C581F  # _IOR('X', 31, struct fsxattr)
FS_IOC_FSSETXATTR: Final = 0x401C5820  # _IOW('X', 32, struct fsxattr)

FS_SYNC_FL: Final = 0x00000008
FS_IMMUTABLE_FL: Final = 0x00000010
FS_APPEND_FL: Final = 0x00000020
FS_NODUMP_FL: Final = 0x00000040
FS_NOATIME_FL: Final = 0x00000080
FS_DAX_FL: Final = 0x02000000
FS_PROJINHERIT_FL: Final = 0x20000000
FS_VERITY_FL: Final = 0x00100000
FS_CASEFOLD_FL: Final = 0x40000000
FS_FL_USER_VISIBLE: Final = 0x0003DFFF
#: The flags FS_IOC_SETFLAGS and FS_IOC_FSSETXATTR share (FS_COMMON_FL).
FS_COMMON_FL: Final = (FS_SYNC_FL | FS_IMMUTABLE_FL | FS_APPEND_FL | FS_NODUMP_FL | FS_NOATIME_FL | FS_DAX_FL
                       | FS_PROJINHERIT_FL)

FS_XFLAG_IMMUTABLE: Final = 0x00000008
FS_XFLAG_APPEND: Final = 0x00000010
FS_XFLAG_SYNC: Final = 0x00000020
FS_XFLAG_NOATIME: Final = 0x00000040
FS_XFLAG_NODUMP: Final = 0x00000080
FS_XFLAG_PROJINHERIT: Final = 0x00000200
FS_XFLAG_DAX: Final = 0x00008000
FS_XFLAG_VERITY: Final = 0x00020000  # read-only (FS_XFLAG_RDONLY_MASK)
FS_XFLAG_HASATTR: Final = 0x80000000  # read-only
FS_XFLAG_RDONLY_MASK: Final = FS_XFLAG_HASATTR | FS_XFLAG_VERITY
FS_XFLAGS_MASK: Final = 0x8003FFFF  # every FS_XFLAG_* defined (include/linux/fileattr.h)
FS_XFLAG_COMMON: Final = (FS_XFLAG_SYNC | FS_XFLAG_IMMUTABLE | FS_XFLAG_APPEND | FS_XFLAG_NODUMP | FS_XFLAG_NOATIME
                          | FS_XFLAG_DAX | FS_XFLAG_PROJINHERIT)
#: The FS_*_FL bits and the FS_XFLAG_* bits that mean the same (fileattr_fill_flags / fileattr_fill_xflags).
FL_TO_XFLAG: Final = ((FS_SYNC_FL, FS_XFLAG_SYNC), (FS_IMMUTABLE_FL, FS_XFLAG_IMMUTABLE),
                      (FS_APPEND_FL, FS_XFLAG_APPEND), (FS_NODUMP_FL, FS_XFLAG_NODUMP),
                      (FS_NOATIME_FL, FS_XFLAG_NOATIME), (FS_DAX_FL, FS_XFLAG_DAX),
                      (FS_PROJINHERIT_FL, FS_XFLAG_PROJINHERIT), (FS_VERITY_FL, FS_XFLAG_VERITY))

#: struct fsxattr: u32 xflags, extsize, nextents, projid, cowextsize; 8 bytes of padding.
FSXATTR: Final = struct.Struct("<IIIII8x")
#: struct file_attr: u64 fa_xflags; u32 fa_extsize, fa_nextents, fa_projid, fa_cowextsize.
FILE_ATTR: Final = struct.Struct("<QIIII")
FILE_ATTR_SIZE_VER0: Final = 24
