"""Smaller headers: getrandom flags, tty ioctls, stat file types, dirent types, statfs, limits.

include/uapi/linux/random.h, asm-generic/ioctls.h, stat.h, linux/fs.h
(dirent DT_*), magic.h, statfs.h, limits.h, uio.h, sched.h (TASK_COMM_LEN),
binfmts.h.
"""

from __future__ import annotations

from typing import Final

GRND_NONBLOCK: Final = 1
GRND_RANDOM: Final = 2
GRND_INSECURE: Final = 4

TCGETS: Final = 0x5401
TIOCGWINSZ: Final = 0x5413
FIONREAD: Final = 0x541B

S_IFMT: Final = 0o170000
S_IFSOCK: Final = 0o140000
S_IFLNK: Final = 0o120000
S_IFREG: Final = 0o100000
S_IFBLK: Final = 0o60000
S_IFDIR: Final = 0o40000
S_IFCHR: Final = 0o20000
S_IFIFO: Final = 0o10000

DT_FIFO: Final = 1
DT_CHR: Final = 2
DT_DIR: Final = 4
DT_BLK: Final = 6
DT_REG: Final = 8
DT_LNK: Final = 10
DT_SOCK: Final = 12

TMPFS_MAGIC: Final = 0x01021994
RAMFS_MAGIC: Final = 0x858458F6
OVERLAYFS_SUPER_MAGIC: Final = 0x794C7630
PROC_SUPER_MAGIC: Final = 0x9FA0
ST_NOSUID: Final = 0x2
ST_NODEV: Final = 0x4
ST_NOEXEC: Final = 0x8
ST_VALID: Final = 0x20
ST_RELATIME: Final = 0x1000

PATH_MAX: Final = 4096
NR_OPEN: Final = 1024
UIO_MAXIOV: Final = 1024
TASK_COMM_LEN: Final = 16
MAX_ARG_STRLEN: Final = 32 * 4096
