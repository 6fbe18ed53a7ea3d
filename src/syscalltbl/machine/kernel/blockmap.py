"""A file's allocated blocks: sorted, disjoint [first, end) runs of block numbers, and how many they hold.

What st_blocks, SEEK_DATA/SEEK_HOLE and the filesystem's space charge read:
a write or fallocate allocates the blocks it covers, a hole (a truncate that
grows the file, a write past its end) allocates none, as tmpfs allocates
pages only where data goes (mm/shmem.c). Each change finds its runs by
bisection, so a file of many small runs costs no walk over all of them.
"""

from __future__ import annotations

import bisect


class BlockMap:
    def __init__(self, count: int = 0) -> None:
        """Blocks [0, count) allocated (a file made with data)."""
        self.runs: list[tuple[int, int]] = [(0, count)] if count else []
        self.count = count

    def _overlapping(self, first: int, end: int) -> tuple[int, int]:
        """The indexes [lo, hi) of the runs that touch or overlap [first, end)."""
        lo = bisect.bisect_left(self.runs, (first, first))
        if lo and self.runs[lo - 1][1] >= first:
            lo -= 1
        hi = bisect.bisect_right(self.runs, (end, end), lo)
        return lo, hi

    def missing(self, first: int, end: int) -> list[tuple[int, int]]:
        """The gaps of [first, end): the runs of blocks there not allocated yet, in order."""
        lo, hi = self._overlapping(first, end)
        gaps, at = [], first
        for a, b in self.runs[lo:hi]:
            if a > at:
                gaps.append((at, min(a, end)))
            at = max(at, b)
            if at >= end:
                break
        if at < end:
            gaps.append((at, end))
        return [(a, b) for a, b in gaps if a < b]

    def add(self, first: int, end: int) -> None:
        """Blocks [first, end) allocated, merged with the runs they touch."""
        if first >= end:
            return
        lo, hi = self._overlapping(first, end)
        merged = self.runs[lo:hi]
        if merged:
            first, end = min(first, merged[0][0]), max(end, merged[-1][1])
        self.count += end - first - sum(b - a for a, b in merged)
        self.runs[lo:hi] = [(first, end)]

    def remove(self, first: int, end: int) -> None:
        """Blocks [first, end) freed (a punched hole)."""
        if first >= end:
            return
        lo, hi = self._overlapping(first, end)
        kept = []
        for a, b in self.runs[lo:hi]:
            kept += [(x, y) for x, y in ((a, min(b, first)), (max(a, end), b)) if x < y]
        self.count += sum(b - a for a, b in kept) - sum(b - a for a, b in self.runs[lo:hi])
        self.runs[lo:hi] = kept

    def cut(self, keep: int) -> None:
        """Blocks from `keep` on freed (a truncate)."""
        self.remove(keep, max(keep, self.runs[-1][1] if self.runs else keep))

    def replace(self, runs: list[tuple[int, int]]) -> None:
        self.runs = runs
        self.count = sum(b - a for a, b in runs)
