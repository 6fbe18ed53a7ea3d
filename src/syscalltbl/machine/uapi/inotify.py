"""inotify (include/uapi/linux/inotify.h): event bits, add_watch flags, init1 flags, struct inotify_event."""

from __future__ import annotations

import struct
from typing import Final

IN_ACCESS: Final = 0x00000001
IN_MODIFY: Final = 0x00000002
IN_ATTRIB: Final = 0x00000004
IN_CLOSE_WRITE: Final = 0x00000008
IN_CLOSE_NOWRITE: Final = 0x00000010
IN_OPEN: Final = 0x00000020
IN_MOVED_FROM: Final = 0x00000040
IN_MOVED_TO: Final = 0x00000080
IN_CREATE: Final = 0x00000100
IN_DELETE: Final = 0x00000200
IN_DELETE_SELF: Final = 0x00000400
IN_MOVE_SELF: Final = 0x00000800
IN_ALL_EVENTS: Final = 0x00000FFF

IN_UNMOUNT: Final = 0x00002000
IN_Q_OVERFLOW: Final = 0x00004000
IN_IGNORED: Final = 0x00008000

IN_ONLYDIR: Final = 0x01000000
IN_DONT_FOLLOW: Final = 0x02000000
IN_EXCL_UNLINK: Final = 0x04000000
IN_MASK_CREATE: Final = 0x10000000
IN_MASK_ADD: Final = 0x20000000
IN_ISDIR: Final = 0x40000000
IN_ONESHOT: Final = 0x80000000

#: What inotify_add_watch accepts (INOTIFY_USER_MASK in fs/notify/inotify/inotify.h).
IN_USER_MASK: Final = (IN_ALL_EVENTS | IN_ONLYDIR | IN_DONT_FOLLOW | IN_EXCL_UNLINK | IN_MASK_CREATE
                       | IN_MASK_ADD | IN_ISDIR | IN_ONESHOT)

IN_CLOEXEC: Final = 0o2000000  # O_CLOEXEC
IN_NONBLOCK: Final = 0o4000  # O_NONBLOCK

#: struct inotify_event: int wd; u32 mask, cookie, len; then len bytes of NUL-padded name.
INOTIFY_EVENT: Final = struct.Struct("<iIII")

MAX_USER_WATCHES_MIN: Final = 8192  # inotify_user_setup: the least the RAM-derived default of max_user_watches is
