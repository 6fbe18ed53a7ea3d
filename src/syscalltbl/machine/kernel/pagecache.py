"""A regular file's page cache: the frames that hold its mapped pages (mm/filemap.c's address_space).

A page of a file gets a frame the first time a mapping touches it and keeps
it while the file lasts (or until a truncate cuts the page off). Mappings
map that frame, and read() and write() of those pages go through it, so a
file has one copy of each such page and every view of it agrees. The frame
is paid from the file's reservation of RAM (fsspace): the page is charged
once, as a frame now instead of as reserved file data.
"""

from __future__ import annotations

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.physmem import PhysicalMemory


class PageCache:
    def __init__(self) -> None:
        self.frames: dict[int, int] = {}  # page index -> frame
        self.ram: PhysicalMemory | None = None
        self.reserved = False  # its frames were the file's reserved RAM (given back to the reservation when dropped)

    def attach(self, ram: PhysicalMemory, *, reserved: bool) -> None:
        if self.ram is None:
            self.ram, self.reserved = ram, reserved

    def frame(self, index: int, data: bytearray) -> int:
        """The frame of page `index`, filled from `data` on first use (OutOfMemory when RAM is full)."""
        found = self.frames.get(index)
        if found is not None:
            return found
        ram = self.ram
        assert ram is not None, "map_into first"
        frame = ram.alloc_reserved() if self.reserved else ram.alloc()
        start = index * PAGE_SIZE
        chunk = data[start : start + PAGE_SIZE]
        ram.mem[frame : frame + len(chunk)] = chunk
        self.frames[index] = frame
        return frame

    def read(self, data: bytearray, start: int, end: int) -> bytes:
        """Bytes [start, end) of the file (no further than its end), mapped pages from their frames."""
        end = min(end, len(data))
        if start >= end:
            return b""
        if not self.frames:
            return bytes(data[start:end])
        out = bytearray(data[start:end])
        for index in range(start // PAGE_SIZE, (end - 1) // PAGE_SIZE + 1):
            frame = self.frames.get(index)
            if frame is None:
                continue
            lo, hi = max(start, index * PAGE_SIZE), min(end, (index + 1) * PAGE_SIZE)
            out[lo - start : hi - start] = self._mem[frame + lo - index * PAGE_SIZE : frame + hi - index * PAGE_SIZE]
        return bytes(out)

    def load(self, data: bytearray, start: int, end: int) -> None:
        """Bytes [start, end) of the file changed in `data` (write, truncate): its mapped pages take them.

        The page holding the end of the file reads as zeros past it, as a
        truncated page does in Linux.
        """
        if not self.frames:
            return
        ram = self.ram
        assert ram is not None
        size = len(data)
        for index in range(start // PAGE_SIZE, max(end - 1, start) // PAGE_SIZE + 1):
            frame = self.frames.get(index)
            if frame is None:
                continue
            base = index * PAGE_SIZE
            lo, hi = max(start, base), min(end, base + PAGE_SIZE, size)
            if lo < hi:
                ram.mem[frame + lo - base : frame + hi - base] = data[lo:hi]
            if base <= size < base + PAGE_SIZE:
                ram.zero(frame + size - base, base + PAGE_SIZE - size)
            if frame in ram.code_frames:
                ram.stale_code = True  # the host wrote code some process may have translated

    def write_back(self, data: bytearray) -> None:
        """Copy the mapped pages' bytes into `data` (for a reader of the whole file)."""
        for index, frame in self.frames.items():
            base = index * PAGE_SIZE
            n = min(PAGE_SIZE, len(data) - base)
            if n > 0:
                data[base : base + n] = self._mem[frame : frame + n]

    def beyond(self, first: int) -> dict[int, int]:
        """The cached pages from page `first` on."""
        return {i: f for i, f in self.frames.items() if i >= first}

    def drop(self, gone: dict[int, int]) -> None:
        """Let go of pages no mapping maps any more; their RAM goes back to the file's reservation."""
        ram = self.ram
        assert ram is not None
        for index, frame in gone.items():
            del self.frames[index]
            freed = ram.free(frame)
            assert freed, "a dropped page is still mapped somewhere"
            if self.reserved:
                ram.reserved += 1  # the frame was one of the file's reserved pages: the charge still counts it

    def drop_all(self) -> None:
        """The file is gone: its pages too (no mapping is left, since a mapping keeps its file)."""
        if self.frames:
            self.drop(dict(self.frames))

    @property
    def _mem(self) -> memoryview:
        assert self.ram is not None
        return self.ram.mem
