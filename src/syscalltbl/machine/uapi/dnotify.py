"""Directory notification: fcntl's F_NOTIFY and its DN_* events (include/uapi/linux/fcntl.h), and the fsnotify
bits dnotify watches with (include/linux/fsnotify_backend.h)."""

from __future__ import annotations

from typing import Final

F_NOTIFY: Final = 1026  # F_LINUX_SPECIFIC_BASE + 2

DN_ACCESS: Final = 0x00000001  # a file was read
DN_MODIFY: Final = 0x00000002  # a file was written or truncated
DN_CREATE: Final = 0x00000004  # a name was made (or moved in)
DN_DELETE: Final = 0x00000008  # a name was removed (or moved out)
DN_RENAME: Final = 0x00000010  # a name was renamed within the directory
DN_ATTRIB: Final = 0x00000020  # a file's attributes changed
DN_MULTISHOT: Final = 0x80000000  # keep the watch after its first signal

#: The fsnotify event a rename within one directory adds for dnotify's sake; no inotify watch has it.
FS_DN_RENAME: Final = 0x10000000
FS_DN_MULTISHOT: Final = 0x20000000
