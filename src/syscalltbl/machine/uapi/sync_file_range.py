"""sync_file_range's flags (include/uapi/linux/fs.h)."""

from __future__ import annotations

from typing import Final

SYNC_FILE_RANGE_WAIT_BEFORE: Final = 1
SYNC_FILE_RANGE_WRITE: Final = 2
SYNC_FILE_RANGE_WAIT_AFTER: Final = 4
SYNC_FILE_RANGE_VALID: Final = SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER
