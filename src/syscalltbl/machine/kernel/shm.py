"""System V shared memory segments (ipc/shm.c): one namespace per machine.

A segment is shared anonymous memory (kernel/shmem.py) with an id, a key
and permissions. Attaching maps it MAP_SHARED; the attach count is the
areas that map it, in every address space (fork's copies count, exit and
exec drop theirs), as shm_open/shm_close count vm_area_structs. IPC_RMID
takes the key away and the id lasts until the last area goes: the namespace
then holds the segment only weakly, so it is freed with its last mapping.

Bounded as Linux bounds them: kernel.shmmni segments, kernel.shmall pages in all, and
each segment's own kernel object charged to RAM (ram.slab), its pages
being frames of RAM, taken when touched.
"""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.hw.physmem import PhysicalMemory
from syscalltbl.machine.kernel.ipclimits import IpcLimits
from syscalltbl.machine.kernel.shmem import SharedAnon
from syscalltbl.machine.uapi.errno import EACCES, EEXIST, EINVAL, ENOENT, ENOMEM, ENOSPC, Errno
from syscalltbl.machine.uapi.ipc import (
    IPC_CREAT,
    IPC_EXCL,
    IPC_ID_SEQ,
    IPC_PRIVATE,
    SHM_DEST,
    SHM_HUGETLB,
    SHM_NORESERVE,
    SHMMIN,
)
from syscalltbl.store.record import Value

SEGMENT_BYTES = 512  # what a segment's objects cost the host (struct shmid_kernel and its shmem file), charged to RAM


class Perm(Value):
    """struct kern_ipc_perm's fields."""

    key: int
    uid: int
    gid: int
    cuid: int
    cgid: int
    mode: int
    seq: int

    __slots__ = _fields = ("key", "uid", "gid", "cuid", "cgid", "mode", "seq")

    def __init__(self, key: int, uid: int, gid: int, cuid: int, cgid: int, mode: int, seq: int) -> None:
        self.key = key
        self.uid = uid
        self.gid = gid
        self.cuid = cuid
        self.cgid = cgid
        self.mode = mode
        self.seq = seq


class Segment(SharedAnon):
    def __init__(self, ram: PhysicalMemory, size: int, ident: int, perm: Perm, cpid: int,
                 current: Callable[[], int]) -> None:
        super().__init__(ram, size)
        self.current = current  # the pid of the process running now: who attached or detached last
        self.id = ident
        self.perm = perm
        self.cpid = cpid
        self.lpid = 0
        self.atime = self.dtime = 0
        self.ctime = int(time.time())

    def opened(self) -> None:
        """fork gave a child an attachment: shm_open's times and pid (the parent's, which runs fork)."""
        self.atime, self.lpid = int(time.time()), self.current()

    def closed(self) -> None:
        """An attachment went (shmdt, munmap, exit, exec): shm_close's."""
        self.dtime, self.lpid = int(time.time()), self.current()

    @property
    def index(self) -> int:
        return self.id % IPC_ID_SEQ

    @property
    def nattch(self) -> int:
        """Areas mapping it, in all address spaces."""
        return sum(1 for mm in list(self.mappers) for v in mm.vmas if v.backing is self)

    def permits(self, uid: int, gid: int, flag: int) -> bool:
        """ipcperms: the rwx bits `flag` asks for (in any of its three triads), as uid/gid sees the mode."""
        if uid == 0:
            return True  # CAP_IPC_OWNER
        requested = (flag >> 6 | flag >> 3 | flag) & 0o7
        granted = self.perm.mode
        if uid in (self.perm.cuid, self.perm.uid):
            granted >>= 6
        elif gid in (self.perm.cgid, self.perm.gid):
            granted >>= 3
        return not requested & ~granted & 0o7


class ShmNamespace:
    """The machine's segments: by index, the live ones by key too."""

    def __init__(self, ram: PhysicalMemory, current: Callable[[], int]) -> None:
        """`current`: the pid of the process running now (the one attaching or detaching)."""
        self.ram = ram
        self.current = current
        self.live: dict[int, Segment] = {}  # index -> segment not yet removed
        self.removed: dict[int, weakref.ref[Segment]] = {}  # index -> removed segment, while still attached
        self.total_pages = 0  # shm_tot
        self._seq = 0

    def find(self, ident: int) -> Segment:
        """The segment with id `ident`; EINVAL if there is none (or its index was reused)."""
        if ident < 0:
            raise Errno(EINVAL)
        index = ident % IPC_ID_SEQ
        found = self.live.get(index)
        if found is None:
            ref = self.removed.get(index)
            found = ref() if ref is not None else None
        if found is None or found.id != ident:
            raise Errno(EINVAL)
        return found

    def by_index(self, index: int) -> Segment | None:
        found = self.live.get(index)
        if found is None and index in self.removed:
            found = self.removed[index]()
        return found

    @property
    def max_index(self) -> int:
        """ipc_get_maxidx: the highest index in use, -1 for none."""
        used = [i for i in range(IPC_ID_SEQ) if self.by_index(i) is not None] if self.removed else list(self.live)
        return max(used, default=-1)

    @property
    def count(self) -> int:
        return len(self.live) + sum(1 for ref in self.removed.values() if ref() is not None)

    def get(self, key: int, size: int, flags: int, uid: int, gid: int, pid: int,
            limits: IpcLimits | None = None) -> int:
        """shmget: the id for `key` (a new segment when asked), checked as ipcget checks it (shm_more_checks,
        the size, before the permissions). `limits`: kernel.shm* and shm_next_id, else the defaults."""
        if key != IPC_PRIVATE:
            found = next((s for s in self.live.values() if s.perm.key == key), None)
            if found is not None:
                if flags & IPC_CREAT and flags & IPC_EXCL:
                    raise Errno(EEXIST)
                if found.size < size:
                    raise Errno(EINVAL)
                if not found.permits(uid, gid, flags):
                    raise Errno(EACCES)
                return found.id
            if not flags & IPC_CREAT:
                raise Errno(ENOENT)
        return self._new(key, size, flags, uid, gid, pid, limits or IpcLimits())

    def _new(self, key: int, size: int, flags: int, uid: int, gid: int, pid: int, limits: IpcLimits) -> int:
        if size < SHMMIN or size > limits.shmmax:
            raise Errno(EINVAL)
        pages = -(-size // PAGE_SIZE)
        if self.total_pages + pages < self.total_pages or self.total_pages + pages > limits.shmall:
            raise Errno(ENOSPC)
        if flags & SHM_HUGETLB:
            raise Errno(EINVAL)  # hstate_sizelog: the machine has no huge page size
        if self.count >= limits.shmmni:
            raise Errno(ENOSPC)
        if not flags & SHM_NORESERVE and size > self.ram.size:
            raise Errno(ENOMEM)  # shmem_acct_size: the overcommit heuristic refuses more than all of RAM at once
        if not self.ram.slab_fits(SEGMENT_BYTES):
            raise Errno(ENOMEM)
        wanted = limits.take_next_id("shm_next_id")
        seq = wanted // IPC_ID_SEQ if wanted >= 0 else (self._seq + 1) % (1 << 16)
        first = wanted % IPC_ID_SEQ if wanted >= 0 else 0
        index = next((i for i in range(first, IPC_ID_SEQ) if self.by_index(i) is None), None)
        if index is None:
            raise Errno(ENOSPC)
        if wanted < 0:
            self._seq = seq
        self.removed.pop(index, None)
        perm = Perm(key, uid, gid, uid, gid, flags & 0o777, seq)
        segment = Segment(self.ram, size, seq * IPC_ID_SEQ + index, perm, pid, self.current)
        self.ram.slab_charge(SEGMENT_BYTES)
        self.total_pages += pages
        weakref.finalize(segment, self._gone, pages).atexit = False
        self.live[index] = segment
        return segment.id

    def _gone(self, pages: int) -> None:
        """A segment was freed: removed, and its last area gone."""
        self.total_pages -= pages
        self.ram.slab_charge(-SEGMENT_BYTES)

    def remove(self, segment: Segment) -> None:
        """IPC_RMID: the key goes now, the segment with its last attachment (at once if it has none)."""
        segment.perm.mode |= SHM_DEST
        segment.perm.key = IPC_PRIVATE
        index = segment.index
        if self.live.get(index) is segment:
            del self.live[index]
            self.removed[index] = weakref.ref(segment)
