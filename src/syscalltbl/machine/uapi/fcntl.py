"""Files: open flags, *at() flags, fcntl commands, rename and utimensat flags.

include/uapi/asm-generic/fcntl.h, include/uapi/linux/fcntl.h, fs.h, stat.h.
"""

from __future__ import annotations

from typing import Final

O_RDONLY: Final = 0
O_WRONLY: Final = 1
O_RDWR: Final = 2
O_ACCMODE: Final = 0o3
O_CREAT: Final = 0o100
O_EXCL: Final = 0o200
O_NOCTTY: Final = 0o400
O_TRUNC: Final = 0o1000
O_APPEND: Final = 0o2000
O_NONBLOCK: Final = 0o4000
O_DIRECT: Final = 0o40000
# O_LARGEFILE as the kernel has it (glibc says 0 on x86-64): what every open on a 64-bit kernel gets
KERNEL_O_LARGEFILE: Final = 0o100000
O_DIRECTORY: Final = 0o200000
O_NOFOLLOW: Final = 0o400000
O_CLOEXEC: Final = 0o2000000
O_PATH: Final = 0o10000000
O_TMPFILE_BIT: Final = 0o20000000  # __O_TMPFILE
O_TMPFILE: Final = O_TMPFILE_BIT | O_DIRECTORY
O_PATH_FLAGS: Final = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC  # what an O_PATH open keeps
O_NOATIME: Final = 0o1000000

AT_FDCWD: Final = -100
AT_SYMLINK_NOFOLLOW: Final = 0x100
AT_REMOVEDIR: Final = 0x200
AT_EACCESS: Final = 0x200  # faccessat2's: the same bit as AT_REMOVEDIR, which only unlinkat takes
AT_SYMLINK_FOLLOW: Final = 0x400
AT_EMPTY_PATH: Final = 0x1000

# access(2)'s modes (include/linux/fs.h's MAY_* have the same values)
F_OK: Final = 0
X_OK: Final = 1
W_OK: Final = 2
R_OK: Final = 4

F_DUPFD: Final = 0
F_GETFD: Final = 1
F_SETFD: Final = 2
F_GETFL: Final = 3
F_SETFL: Final = 4
F_DUPFD_CLOEXEC: Final = 1030
F_SETPIPE_SZ: Final = 1031
F_GETPIPE_SZ: Final = 1032
F_CREATED_QUERY: Final = 1028  # F_LINUX_SPECIFIC_BASE + 4: did this open make the file?
F_ADD_SEALS: Final = 1033  # F_LINUX_SPECIFIC_BASE + 9
F_GET_SEALS: Final = 1034
# File seals (include/uapi/linux/fcntl.h): what a shmem file (a memfd) refuses from now on.
F_SEAL_SEAL: Final = 0x0001  # no more seals
F_SEAL_SHRINK: Final = 0x0002
F_SEAL_GROW: Final = 0x0004
F_SEAL_WRITE: Final = 0x0008
F_SEAL_FUTURE_WRITE: Final = 0x0010  # no new writers; mappings that write already may go on
F_SEAL_EXEC: Final = 0x0020  # the mode's exec bits stay as they are
F_ALL_SEALS: Final = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_FUTURE_WRITE | F_SEAL_EXEC
FD_CLOEXEC: Final = 1

RENAME_NOREPLACE: Final = 1
RENAME_EXCHANGE: Final = 2
UTIME_NOW: Final = (1 << 30) - 1
UTIME_OMIT: Final = (1 << 30) - 2

SEEK_SET: Final = 0
SEEK_CUR: Final = 1
SEEK_END: Final = 2
SEEK_DATA: Final = 3
SEEK_HOLE: Final = 4

# Record locks (include/uapi/asm-generic/fcntl.h): commands, types, and struct flock's
# layout on x86-64 (short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid).
F_GETLK: Final = 5
F_SETLK: Final = 6
F_SETLKW: Final = 7
F_OFD_GETLK: Final = 36
F_OFD_SETLK: Final = 37
F_OFD_SETLKW: Final = 38
F_RDLCK: Final = 0
F_WRLCK: Final = 1
F_UNLCK: Final = 2
FLOCK_FORMAT: Final = "<hh4xqqi4x"

# flock(2)'s operations (include/uapi/asm-generic/fcntl.h)
LOCK_SH: Final = 1
LOCK_EX: Final = 2
LOCK_NB: Final = 4
LOCK_UN: Final = 8
LOCK_MAND: Final = 32
