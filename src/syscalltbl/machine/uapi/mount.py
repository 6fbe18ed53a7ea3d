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
ST_NOSYMFOLLOW: Final = 0x2000

# include/uapi/linux/fcntl.h: the *at flags the new mount calls take besides AT_EMPTY_PATH and AT_SYMLINK_NOFOLLOW.
AT_NO_AUTOMOUNT: Final = 0x800
AT_RECURSIVE: Final = 0x8000

# open_tree(2), move_mount(2)
OPEN_TREE_CLONE: Final = 1
MOVE_MOUNT_F_SYMLINKS: Final = 0x1
MOVE_MOUNT_F_AUTOMOUNTS: Final = 0x2
MOVE_MOUNT_F_EMPTY_PATH: Final = 0x4
MOVE_MOUNT_T_SYMLINKS: Final = 0x10
MOVE_MOUNT_T_AUTOMOUNTS: Final = 0x20
MOVE_MOUNT_T_EMPTY_PATH: Final = 0x40
MOVE_MOUNT_SET_GROUP: Final = 0x100
MOVE_MOUNT_BENEATH: Final = 0x200
MOVE_MOUNT__MASK: Final = 0x377

# mount_setattr(2): struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd; }
MOUNT_ATTR_RDONLY: Final = 0x1
MOUNT_ATTR_NOSUID: Final = 0x2
MOUNT_ATTR_NODEV: Final = 0x4
MOUNT_ATTR_NOEXEC: Final = 0x8
MOUNT_ATTR__ATIME: Final = 0x70
MOUNT_ATTR_RELATIME: Final = 0x0
MOUNT_ATTR_NOATIME: Final = 0x10
MOUNT_ATTR_STRICTATIME: Final = 0x20
MOUNT_ATTR_NODIRATIME: Final = 0x80
MOUNT_ATTR_IDMAP: Final = 0x100000
MOUNT_ATTR_NOSYMFOLLOW: Final = 0x200000
MOUNT_ATTR_SIZE_VER0: Final = 32

# statmount(2) and listmount(2) (include/uapi/linux/mount.h).
MNT_ID_REQ_SIZE_VER0: Final = 24  # struct mnt_id_req: size, mnt_ns_fd, mnt_id, param
MNT_ID_REQ_SIZE_VER1: Final = 32  # and mnt_ns_id
STATMOUNT_SB_BASIC: Final = 0x1
STATMOUNT_MNT_BASIC: Final = 0x2
STATMOUNT_PROPAGATE_FROM: Final = 0x4
STATMOUNT_MNT_ROOT: Final = 0x8
STATMOUNT_MNT_POINT: Final = 0x10
STATMOUNT_FS_TYPE: Final = 0x20
STATMOUNT_MNT_NS_ID: Final = 0x40
STATMOUNT_MNT_OPTS: Final = 0x80
STATMOUNT_FS_SUBTYPE: Final = 0x100
STATMOUNT_SB_SOURCE: Final = 0x200
STATMOUNT_OPT_ARRAY: Final = 0x400
STATMOUNT_OPT_SEC_ARRAY: Final = 0x800
STATMOUNT_SUPPORTED_MASK: Final = 0x1000
STATMOUNT_MNT_UIDMAP: Final = 0x2000
STATMOUNT_MNT_GIDMAP: Final = 0x4000
LSMT_ROOT: Final = 0xFFFFFFFFFFFFFFFF  # listmount: the caller's root
LISTMOUNT_REVERSE: Final = 1
#: struct statmount's fixed part (512 bytes), up to its strings: size, mnt_opts, mask, sb_dev_major,
#: sb_dev_minor, sb_magic, sb_flags, fs_type, mnt_id, mnt_parent_id, mnt_id_old, mnt_parent_id_old, mnt_attr,
#: mnt_propagation, mnt_peer_group, mnt_master, propagate_from, mnt_root, mnt_point, mnt_ns_id, fs_subtype,
#: sb_source, opt_num, opt_array, opt_sec_num, opt_sec_array, supported_mask, mnt_uidmap_num, mnt_uidmap,
#: mnt_gidmap_num, mnt_gidmap, then 43 spare u64s.
STATMOUNT_SIZE: Final = 512
