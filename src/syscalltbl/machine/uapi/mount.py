"""Mounts: mount(2)'s flags, umount2's, and what statfs and /proc/self/mounts say of them.

include/uapi/linux/mount.h, include/linux/mount.h (MNT_*), include/uapi/linux/fs.h.
"""

from __future__ import annotations

from typing import Final

MS_RDONLY: Final = 1
MS_NOSUID: Final = 2
MS_NODEV: Final = 4
MS_NOEXEC: Final = 8
MS_SYNCHRONOUS: Final = 16
MS_REMOUNT: Final = 32
MS_MANDLOCK: Final = 64
MS_DIRSYNC: Final = 128
MS_NOSYMFOLLOW: Final = 256
MS_NOATIME: Final = 1024
MS_NODIRATIME: Final = 2048
MS_BIND: Final = 4096
MS_MOVE: Final = 8192
MS_REC: Final = 16384
MS_SILENT: Final = 32768
MS_POSIXACL: Final = 1 << 16
MS_UNBINDABLE: Final = 1 << 17
MS_PRIVATE: Final = 1 << 18
MS_SLAVE: Final = 1 << 19
MS_SHARED: Final = 1 << 20
MS_RELATIME: Final = 1 << 21
MS_KERNMOUNT: Final = 1 << 22
MS_I_VERSION: Final = 1 << 23
MS_STRICTATIME: Final = 1 << 24
MS_LAZYTIME: Final = 1 << 25
MS_NOUSER: Final = 1 << 31
MS_MGC_VAL: Final = 0xC0ED0000
MS_MGC_MSK: Final = 0xFFFF0000

MNT_FORCE: Final = 1
MNT_DETACH: Final = 2
MNT_EXPIRE: Final = 4
UMOUNT_NOFOLLOW: Final = 8

ST_RDONLY: Final = 0x1
