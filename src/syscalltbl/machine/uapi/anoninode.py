"""The inode behind eventfd, timerfd and epoll descriptors (fs/anon_inodes.c)."""

from __future__ import annotations

from typing import Final

ANON_INODE_MODE: Final = 0o600  # S_IRUSR | S_IWUSR, and no file type: fstat shows st_mode 0600
