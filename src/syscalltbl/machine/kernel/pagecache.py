"""A regular file's bytes, page by page: in host memory, or in a frame of RAM once a mapping touched the page.

Each page of a file is in exactly one place: a host bytearray of PAGE_SIZE
(`chunks`), a frame of the machine's RAM (`frames`, the page cache that
mappings map), or nowhere, a hole that reads as zeros. A page moves into a
frame the first time a mapping touches it and stays there while the file
lasts (or until a truncate cuts it off), so read(), write() and every
mapping of the file use the same bytes (mm/filemap.c's address_space).

The file's RAM charge (fsspace) covers its pages as data; a page in a frame
is paid from it (the reservation becomes the frame), so RAM counts the page
once and the host holds it once. Bytes past the end of the file in its last
page read as zeros, as a truncated page does in Linux.

A file of the host root (kernel/hostfs.py) has a `lower`: the host file its
pages come from while they are neither a chunk nor a frame. read() goes to it
each time (nothing is kept in host memory), a mapping's first touch of a page
copies the page into a frame, and `copy_up` reads the rest into chunks so that
the file can change: until then nothing may write to it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.physmem import PhysicalMemory

ZERO_PAGE = bytes(PAGE_SIZE)
COPY_UP_CHUNK = 1 << 20  # a copy-up reads the lower file this much at a time
ZERO_CHUNK = bytes(COPY_UP_CHUNK)


class Lower(Protocol):
    """Where a file's pages come from before it was copied up: a host file."""

    def read(self, offset: int, length: int) -> bytes:
        """`length` bytes at `offset` (zeros where the host file is shorter); Errno (EIO, EACCES) if unreadable."""
        ...


class FilePages:
    def __init__(self, data: bytes | bytearray = b"", *, lower: Lower | None = None, size: int = 0) -> None:
        """The bytes `data`, or `size` bytes of `lower` read when needed."""
        self.size = 0
        self.chunks: dict[int, bytearray] = {}  # page index -> its bytes, for a page not in a frame
        self.frames: dict[int, int] = {}  # page index -> frame: the page cache
        self.ram: PhysicalMemory | None = None
        self.reserved = False  # the frames are paid from the file's reserved RAM (given back to it when dropped)
        self.lower = lower
        if lower is not None:
            self.size = size
        self.write(0, data)

    def attach(self, ram: PhysicalMemory, *, reserved: bool) -> None:
        """Frames come from `ram` from now on (the file is mapped)."""
        if self.ram is None:
            self.ram, self.reserved = ram, reserved

    # -- bytes --

    def read(self, start: int, end: int) -> bytes:
        """Bytes [start, end) of the file, no further than its end."""
        end = min(end, self.size)
        if start >= end:
            return b""
        parts = []
        lower = self.lower
        from_lower = -1  # where the run of bytes still to read from the lower file starts
        for index in range(start // PAGE_SIZE, (end - 1) // PAGE_SIZE + 1):
            base = index * PAGE_SIZE
            lo, hi = max(start, base) - base, min(end, base + PAGE_SIZE) - base
            frame = self.frames.get(index)
            chunk = self.chunks.get(index)
            if lower is not None and frame is None and chunk is None:
                if from_lower < 0:
                    from_lower = base + lo  # one host read for the whole run, not one per page
                continue
            if lower is not None and from_lower >= 0:
                parts.append(lower.read(from_lower, base + lo - from_lower))
                from_lower = -1
            if frame is not None:
                parts.append(bytes(self._mem[frame + lo : frame + hi]))
            else:
                parts.append(bytes(hi - lo) if chunk is None else bytes(chunk[lo:hi]))
        if lower is not None and from_lower >= 0:
            parts.append(lower.read(from_lower, end - from_lower))
        return b"".join(parts)

    def write(self, offset: int, data: bytes | bytearray | memoryview) -> None:
        """Put `data` at `offset`, growing the file (a gap past its old end is a hole of zeros)."""
        assert self.lower is None or not data, "copy up first"
        end = offset + len(data)
        if end > self.size:
            self._clear_tail()
            self.size = end
        view = memoryview(data).cast("B")
        at = offset
        while at < end:
            index, lo = divmod(at, PAGE_SIZE)
            n = min(end - at, PAGE_SIZE - lo)
            piece = view[at - offset : at - offset + n]
            frame = self.frames.get(index)
            if frame is not None:
                self._mem[frame + lo : frame + lo + n] = piece
                self._wrote_frame(frame)
            else:
                chunk = self.chunks.get(index)
                if chunk is None:
                    if piece == ZERO_PAGE[:n]:
                        at += n
                        continue  # zeros into a hole: still a hole
                    chunk = self.chunks[index] = bytearray(PAGE_SIZE)
                chunk[lo : lo + n] = piece
            at += n

    def truncate(self, length: int, unmap: Callable[[int], None]) -> None:
        """Cut or extend to `length`. Pages wholly past a new, shorter end leave every mapping first
        (`unmap(first page)`, truncate_pagecache's job): a touch there is SIGBUS."""
        assert self.lower is None, "copy up first"
        if length >= self.size:
            self._clear_tail()
            self.size = length
            return
        first = -(-length // PAGE_SIZE)
        gone = {i: f for i, f in self.frames.items() if i >= first}
        if gone:
            unmap(first)
            self._drop(gone)
        for index in [i for i in self.chunks if i >= first]:
            del self.chunks[index]
        self.size = length
        self._clear_tail()

    def assemble(self) -> bytes:
        """The whole file (exec reads it so)."""
        return self.read(0, self.size)

    def replace(self, data: bytes | bytearray) -> None:
        """New contents, all of them (its mapped pages keep their frames)."""
        self.lower = None
        self.chunks.clear()
        for frame in self.frames.values():
            self._zero(frame, 0, PAGE_SIZE)
        self.size = 0
        self.write(0, data)

    def resident_in(self, first: int, end: int) -> list[int]:
        """The pages in [first, end) that hold data now (mincore): not holes."""
        end = min(end, -(-self.size // PAGE_SIZE))
        return [i for i in [*self.frames, *self.chunks] if first <= i < end]

    def punch(self, first: int, end: int) -> None:
        """Pages [first, end) become holes (MADV_REMOVE), the file's size unchanged: its mapped ones read zeros."""
        assert self.lower is None, "copy up first"
        for index in [i for i in self.chunks if first <= i < end]:
            del self.chunks[index]
        for index, frame in self.frames.items():
            if first <= index < end:
                self._zero(frame, 0, PAGE_SIZE)

    # -- frames --

    def page(self, index: int) -> int | None:
        """The frame of page `index` for a mapping, made from its bytes on first use; None past the end."""
        if index * PAGE_SIZE >= self.size:
            return None
        found = self.frames.get(index)
        if found is not None:
            return found
        ram = self.ram
        assert ram is not None, "attach first"
        chunk: bytes | bytearray | None = self.chunks.get(index)
        if chunk is None and self.lower is not None:
            chunk = self.lower.read(index * PAGE_SIZE, PAGE_SIZE)  # before taking a frame: it may fail
        frame = ram.alloc_reserved() if self.reserved else ram.alloc()  # zeroed
        self.chunks.pop(index, None)
        if chunk is not None:
            ram.mem[frame : frame + PAGE_SIZE] = chunk
            if index == (self.size - 1) // PAGE_SIZE and self.size % PAGE_SIZE:
                self._zero(frame, self.size % PAGE_SIZE, PAGE_SIZE)  # past the end: zeros, as the host file's
        self.frames[index] = frame
        return frame

    def _lower_data(self, keep: int) -> Iterator[tuple[int, bytes]]:
        """The pages of the lower file's first `keep` bytes that hold data, by index; a page of zeros is a hole.

        A run of zeros a whole read long is passed over at once: a sparse host
        file's holes cost one comparison a chunk, not one a page.
        """
        lower = self.lower
        assert lower is not None
        keep = min(keep, self.size)
        for at in range(0, keep, COPY_UP_CHUNK):
            data = lower.read(at, min(COPY_UP_CHUNK, keep - at))
            if data == ZERO_CHUNK[: len(data)]:
                continue
            for i in range(0, len(data), PAGE_SIZE):
                piece = data[i : i + PAGE_SIZE]
                if piece != ZERO_PAGE[: len(piece)]:
                    yield (at + i) // PAGE_SIZE, piece

    def copy_up_pages(self, keep: int) -> int:
        """The pages a copy-up of `keep` bytes holds: those mappings read in, and the lower file's data.

        As overlayfs's copy-up (ovl_copy_up_file skips holes with SEEK_DATA) the
        host file's holes stay holes, so a sparse file costs only its data.
        """
        if self.lower is None:
            return 0
        last = -(-min(keep, self.size) // PAGE_SIZE)
        framed = {index for index in self.frames if index < last}
        return len(framed) + sum(1 for index, _ in self._lower_data(keep) if index not in framed)

    def copy_up(self, keep: int) -> None:
        """The first `keep` bytes of the lower file become the file's own (the rest is cut): it can change now.

        Pages in frames keep what they hold (a mapping may have read them); the
        others are read in, a page of zeros staying a hole.
        """
        if self.lower is None:
            return
        for index, piece in self._lower_data(keep):
            if index not in self.frames:
                self.chunks[index] = bytearray(piece.ljust(PAGE_SIZE, b"\0"))
        self.lower = None

    def drop_all(self) -> None:
        """The file is gone: its frames too (no area maps it any more: an area keeps its file)."""
        if self.frames:
            self._drop(dict(self.frames))

    def _drop(self, gone: dict[int, int]) -> None:
        ram = self.ram
        assert ram is not None
        for index, frame in gone.items():
            del self.frames[index]
            # Only the cache's hold goes: an address space already put but not yet destroyed (its page
            # tables were in use when its last task died, proc.free_dead) may still hold the frame.
            ram.free(frame)
            if self.reserved:
                ram.reserved += 1  # the frame was one of the file's reserved pages: its charge still counts it

    # -- the end of the file --

    def _clear_tail(self) -> None:
        """Zeros past the end in the last page, before the end moves or after it moved back."""
        index, lo = divmod(self.size, PAGE_SIZE)
        if not lo:
            return
        frame = self.frames.get(index)
        if frame is not None:
            self._zero(frame, lo, PAGE_SIZE)  # what a mapping wrote past the end is not the file's
        elif (chunk := self.chunks.get(index)) is not None:
            chunk[lo:] = bytes(PAGE_SIZE - lo)

    def _zero(self, frame: int, lo: int, hi: int) -> None:
        assert self.ram is not None
        self.ram.zero(frame + lo, hi - lo)

    def _wrote_frame(self, frame: int) -> None:
        assert self.ram is not None
        if frame in self.ram.code_frames:
            self.ram.stale_code = True  # the host wrote code some process may have translated

    @property
    def _mem(self) -> memoryview:
        assert self.ram is not None
        return self.ram.mem
