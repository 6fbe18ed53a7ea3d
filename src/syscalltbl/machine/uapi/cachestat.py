"""include/uapi/linux/mman.h: cachestat(2)'s structures."""

import struct
from typing import Final

#: struct cachestat_range: off, len (0: to the end of the file).
CACHESTAT_RANGE: Final = struct.Struct("<QQ")
#: struct cachestat: nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted.
CACHESTAT: Final = struct.Struct("<QQQQQ")
