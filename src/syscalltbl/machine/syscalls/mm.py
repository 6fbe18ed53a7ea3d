"""brk, mmap, munmap, mprotect, mremap (mm/mmap.c, mm/mprotect.c, mm/mremap.c)."""

from __future__ import annotations

from syscalltbl.generators.x86_64.abi import PAGE_SIZE, TASK_SIZE_MAX
from syscalltbl.machine.hw.physmem import OutOfMemory
from syscalltbl.machine.kernel.mm import MMAP_MIN_ADDR, STACK_GUARD_GAP, STACK_MAX, STACK_TOP, Mm, page_up
from syscalltbl.machine.kernel.mm import SHARED as SHARED_AREAS
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.shmem import Backing, SharedAnon
from syscalltbl.machine.kernel.vfs import Device, Regular
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import (
    EACCES,
    EAGAIN,
    EBADF,
    EEXIST,
    EFAULT,
    EINVAL,
    ENODEV,
    ENOMEM,
    EOPNOTSUPP,
    EOVERFLOW,
    EPERM,
    Errno,
)
from syscalltbl.machine.uapi.fcntl import O_PATH
from syscalltbl.machine.uapi.mman import (
    MAP_ANONYMOUS,
    MAP_FIXED,
    MAP_FIXED_NOREPLACE,
    MAP_GROWSDOWN,
    MAP_LOCKED,
    MAP_NONBLOCK,
    MAP_NORESERVE,
    MAP_POPULATE,
    MAP_PRIVATE,
    MAP_SHARED,
    MAP_SHARED_VALIDATE,
    MAP_SHARED_VALIDATE_KNOWN,
    MAP_TYPE,
    MAX_LFS_FILESIZE,
    MREMAP_DONTUNMAP,
    MREMAP_FIXED,
    MREMAP_MAYMOVE,
    PROT_EXEC,
    PROT_READ,
    PROT_SEM,
    PROT_WRITE,
)
from syscalltbl.store.record import replace

MASK64 = (1 << 64) - 1


def _enough_memory(t: Task, length: int) -> bool:
    """__vm_enough_memory under the default overcommit heuristic (OVERCOMMIT_GUESS).

    One request for more than all of RAM fails; anything smaller is granted
    and paged in on use, so no single mapping can promise what the machine
    does not have.
    """
    return length <= t.mm.ram.size


@syscall("sys_brk")
def sys_brk(t: Task, brk: int, *_: int) -> int:
    mm = t.mm
    # Like the kernel, failure is reported by returning the unchanged break.
    if brk < mm.start_brk or page_up(brk) > STACK_TOP - STACK_MAX:
        return mm.brk
    old, new = page_up(mm.brk), page_up(brk)
    if new > old:
        # Growing never moves into another mapping, and keeps a page free below
        # the next one (stack_guard_gap below the stack), as mm/mmap.c's brk does.
        after = mm.next_vma(old)
        if after is not None:
            gap = STACK_GUARD_GAP if after.name == "[stack]" else 0
            if new + PAGE_SIZE > after.start - gap:
                return mm.brk
        if not _enough_memory(t, new - old) or not mm.can_add_areas(1):
            return mm.brk
        mm.grow_heap(old, new)
    elif new < old:
        if mm.is_free(new, old):
            return mm.brk  # nothing left to shrink: the heap was unmapped under it
        if mm.first_sealed(new, old) is not None:
            return mm.brk  # the munmap of a sealed heap fails (mseal), and so the shrink
        mm.remove_range(new, old)
        t.cpu.flush_tlb()
    mm.brk = brk
    return brk


def _range(addr: int, length: int) -> int:
    """The page-rounded end of [addr, addr + length), or EINVAL."""
    if addr % PAGE_SIZE or length <= 0:
        raise Errno(EINVAL)
    end = page_up(addr + length)
    if end > TASK_SIZE_MAX:
        raise Errno(EINVAL if addr >= TASK_SIZE_MAX else ENOMEM)
    return end


@syscall("sys_mmap")
def sys_mmap(t: Task, addr: int, length: int, prot: int, flags: int, fd: int, off: int) -> int:
    kind = flags & MAP_TYPE
    if not off % PAGE_SIZE and not flags & MAP_ANONYMOUS:
        t.files.get(fd - (1 << 64) if fd >> 63 else fd)  # ksys_mmap_pgoff's fget: EBADF before the length is seen
    if length <= 0 or off % PAGE_SIZE or kind not in (MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE):
        raise Errno(EINVAL)
    size = page_up(length)
    if size > TASK_SIZE_MAX:
        raise Errno(ENOMEM)
    shared = kind != MAP_PRIVATE
    backing: Backing | None = None
    name = ""
    maywrite = True
    secret = False  # memfd_secret's memory: locked (VM_LOCKED), though not paged in now
    if not flags & MAP_ANONYMOUS:
        # Here, not at the top: a run that maps no file (brk and anonymous memory) does not import them.
        from syscalltbl.machine.kernel.memfd import check_seals_mmap
        from syscalltbl.machine.kernel.secretmem import SecretMem

        fd = fd - (1 << 64) if fd >> 63 else fd
        f = t.files.get(fd)
        if f.flags & O_PATH:
            raise Errno(EBADF)  # fdget: an O_PATH descriptor maps nothing
        if isinstance(f.inode, Device) and f.inode.source == b"":
            if not f.readable() or (shared and prot & PROT_WRITE and not f.writable()):
                raise Errno(EACCES)  # do_mmap's checks of the open mode, for a device as for a file
            flags |= MAP_ANONYMOUS  # /dev/zero: anonymous memory (shared: a shmem object), as mmap_zero makes it
            maywrite = not shared or f.writable()  # read-only and shared: mprotect may not add PROT_WRITE
        elif (packet_ring := getattr(f.inode, "mmap_backing", None)) is not None:
            # A packet socket's ring (kernel/af_packet.py), asked by what it has: a run that maps files
            # need not import the sockets.
            backing, name = packet_ring(off // PAGE_SIZE, size), f.path.decode(errors="replace")
        elif isinstance(f.inode, SecretMem):
            if not shared:
                raise Errno(EINVAL)  # secretmem_mmap: only shared mappings
            backing, name, secret = f.inode, f.path.decode(errors="replace"), True
        elif (region := getattr(f.inode, "mmap_region", None)) is not None:
            # An object's own shared pages at an offset it names (io_uring's rings): not a file's pages.
            backing, name, off = region(off, size), f.path.decode(errors="replace"), 0
        elif not isinstance(f.inode, Regular):
            raise Errno(ENODEV if f.inode.kind else EBADF)
        elif off >= MAX_LFS_FILESIZE or size > MAX_LFS_FILESIZE - off:
            raise Errno(EOVERFLOW)  # file_mmap_ok: no page of a regular file lies past its largest size
        elif not f.readable() or (shared and prot & PROT_WRITE and not f.writable()):
            raise Errno(EACCES)  # do_mmap's checks of the file's open mode
        elif kind == MAP_SHARED_VALIDATE and flags & ~MAP_SHARED_VALIDATE_KNOWN:
            raise Errno(EOPNOTSUPP)  # a file mapping's check: MAP_SHARED ignores what it does not know
        else:
            # shmem_mmap's memfd_check_seals_mmap: no new writer of a write-sealed file
            sealed_ok = check_seals_mmap(f.inode, shared=shared, write=bool(prot & PROT_WRITE))
            f.inode.map_into(t.mm.ram)
            backing, name = f.inode, f.path.decode(errors="replace")
            maywrite = (not shared or f.writable()) and sealed_ok
    if flags & MAP_ANONYMOUS and shared:
        backing, name = SharedAnon(t.mm.ram, size), "/dev/zero (deleted)"  # shmem_zero_setup
    mm = t.mm
    # Commit is charged for private writable memory and for shared anonymous
    # memory (shmem), unless MAP_NORESERVE waives it (mm/mmap.c, accountable_mapping).
    charged = not flags & MAP_NORESERVE and (kind != MAP_PRIVATE or bool(prot & PROT_WRITE))
    if flags & (MAP_FIXED | MAP_FIXED_NOREPLACE):
        _range(addr, size)
        if addr < MMAP_MIN_ADDR:
            raise Errno(EPERM)
        if flags & MAP_FIXED_NOREPLACE and not mm.is_free(addr, addr + size):
            raise Errno(EEXIST)
        if mm.first_sealed(addr, addr + size) is not None:
            raise Errno(EPERM)  # mapping over a sealed area would unmap it
    elif not (addr and addr % PAGE_SIZE == 0 and addr >= MMAP_MIN_ADDR
              and addr + size <= TASK_SIZE_MAX and mm.is_free(addr, addr + size)):
        found = mm.unmapped_area(size)
        if found is None:
            raise Errno(ENOMEM)
        addr = found
    if charged and not _enough_memory(t, size):
        raise Errno(ENOMEM)
    locked = bool(flags & MAP_LOCKED) or mm.lock_future
    if (locked or secret) and (limit := _memlock_limit(t)) is not None and mm.locked_bytes + size > limit:
        raise Errno(EAGAIN)  # mlock_future_ok
    if not mm.can_add_areas(1 if mm.is_free(addr, addr + size) else 3):  # the new area, and two pieces of old ones
        raise Errno(ENOMEM)
    # A file's pages (and shared memory's) come from its backing when first touched: a private mapping
    # of a file maps the file's own page until it writes it, then copies it (copy on write).
    committed = charged or kind != MAP_PRIVATE or bool(flags & MAP_NORESERVE)
    vma = mm.add_vma(addr, addr + size, read=bool(prot & PROT_READ), write=bool(prot & PROT_WRITE),
                     execute=bool(prot & PROT_EXEC), committed=committed, name=name,
                     shared=shared, backing=backing, pgoff=off // PAGE_SIZE)
    vma.locked, vma.maywrite = locked or secret, maywrite
    vma.growsdown = bool(flags & MAP_GROWSDOWN) and not shared and backing is None
    vma.accounted = charged and kind == MAP_PRIVATE  # accountable_mapping: VM_ACCOUNT
    mm.merge(addr, addr + size)  # mmap_region's vma_merge: one area with neighbours that differ only in place
    t.cpu.flush_tlb()
    if locked or (flags & MAP_POPULATE and not flags & MAP_NONBLOCK):
        # Best effort: what RAM cannot hold is paged in on use (mm_populate's result is not mmap's).
        mm.populate(addr, addr + size, write=not shared and bool(prot & PROT_WRITE))
    return addr


@syscall("sys_munmap")
def sys_munmap(t: Task, addr: int, length: int, *_: int) -> int:
    if addr % PAGE_SIZE or addr > TASK_SIZE_MAX or length > TASK_SIZE_MAX - addr or not length:
        raise Errno(EINVAL)
    end = addr + page_up(length)
    if t.mm.first_sealed(addr, end) is not None:
        raise Errno(EPERM)  # vms_gather_munmap_vmas: checked before anything goes
    around = t.mm.find_vma(addr)
    if around is not None and around.start < addr and end < around.end and not t.mm.can_add_areas(1):
        raise Errno(ENOMEM)  # a hole inside one area makes two of it: past max_map_count (do_vmi_align_munmap)
    # Linear in the pages and areas there, whatever the length (mm.remove_range).
    t.mm.remove_range(addr, end)
    t.cpu.flush_tlb()
    return 0


@syscall("sys_mprotect")
def sys_mprotect(t: Task, addr: int, length: int, prot: int, *_: int) -> int:
    # mm/mprotect.c's order: alignment, an empty range, wrap-around, then the bits.
    if addr % PAGE_SIZE:
        raise Errno(EINVAL)
    if not length:
        return 0
    end = addr + page_up(length)
    if end > MASK64:
        raise Errno(ENOMEM)
    if prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM):
        raise Errno(EINVAL)
    mm = t.mm
    if end > TASK_SIZE_MAX:
        raise Errno(ENOMEM)  # no area reaches there
    if prot & PROT_WRITE and any(not v.maywrite for v in mm.vmas if v.start < end and v.end > addr):
        raise Errno(EACCES)  # a shared mapping of a file opened read-only
    if prot & PROT_WRITE:
        # An area that becomes writable is charged then, unless it was already
        # or is exempt (mprotect_fixup).
        pieces = (min(v.end, end) - max(v.start, addr) for v in mm.vmas
                  if v.start < end and v.end > addr and not (v.write or v.committed))
        if not all(_enough_memory(t, size) for size in pieces):
            raise Errno(ENOMEM)
    if not mm.can_add_areas(2):
        raise Errno(ENOMEM)  # the areas at either end may split
    if (sealed := mm.first_sealed(addr, end)) is not None:
        # mprotect_fixup goes area by area: those below the sealed one change, then EPERM.
        if sealed.start > addr:
            mm.protect(addr, sealed.start, read=bool(prot & PROT_READ), write=bool(prot & PROT_WRITE),
                       execute=bool(prot & PROT_EXEC))
            t.cpu.flush_tlb()
        raise Errno(EPERM)
    if not mm.protect(addr, end, read=bool(prot & PROT_READ), write=bool(prot & PROT_WRITE),
                      execute=bool(prot & PROT_EXEC)):
        raise Errno(ENOMEM)
    t.cpu.flush_tlb()
    return 0


def _check_mremap_seals(mm: Mm, addr: int, old_len: int, new_len: int, new_addr: int | None) -> None:
    """EPERM where mremap would change a sealed area: the one it moves or resizes (check_prep_vma), the
    destination it unmaps (mremap_to) or the tail a shrink unmaps."""
    source = mm.find_vma(addr)
    if source is not None and source.start <= addr and source.sealed:
        raise Errno(EPERM)
    if new_addr is not None and mm.first_sealed(new_addr, new_addr + new_len) is not None:
        raise Errno(EPERM)
    if old_len > new_len and mm.first_sealed(addr + new_len, addr + old_len) is not None:
        raise Errno(EPERM)


@syscall("sys_mremap")
def sys_mremap(t: Task, addr: int, old_len: int, new_len: int, flags: int, new_addr: int, *_: int) -> int:
    if flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP):
        raise Errno(EINVAL)
    if flags & MREMAP_FIXED and not flags & MREMAP_MAYMOVE:
        raise Errno(EINVAL)
    if flags & MREMAP_DONTUNMAP and (not flags & MREMAP_MAYMOVE or old_len != new_len):
        raise Errno(EINVAL)
    if addr % PAGE_SIZE:
        raise Errno(EINVAL)
    old_len, new_len = page_up(old_len), page_up(new_len)
    if not new_len or new_len > TASK_SIZE_MAX or old_len > TASK_SIZE_MAX:
        raise Errno(EINVAL)
    mm = t.mm
    if flags & (MREMAP_FIXED | MREMAP_DONTUNMAP):
        # A new address is implied: checked even as DONTUNMAP's mere hint (check_mremap_params).
        if new_addr % PAGE_SIZE or new_addr > TASK_SIZE_MAX - new_len:
            raise Errno(EINVAL)
        if new_addr < addr + old_len and addr < new_addr + new_len:
            raise Errno(EINVAL)  # the ranges overlap
        if flags & MREMAP_FIXED and new_addr < MMAP_MIN_ADDR:
            raise Errno(EPERM)
    _check_mremap_seals(mm, addr, old_len, new_len, new_addr if flags & MREMAP_FIXED else None)
    if not flags & (MREMAP_FIXED | MREMAP_DONTUNMAP) and old_len >= new_len:
        if old_len > new_len:
            if mm.find_vma(addr) is None:
                raise Errno(EFAULT)
            mm.remove_range(addr + new_len, addr + old_len)  # shrinking: the tail goes, the area stays
            t.cpu.flush_tlb()
        return addr
    vma = mm.find_vma(addr)
    if vma is None or vma.start > addr:
        raise Errno(EFAULT)
    if vma.name in SHARED_AREAS:
        raise Errno(EFAULT)  # the vDSO and vvar stay where the kernel put them
    if not old_len:
        if not vma.shared:
            raise Errno(EINVAL)  # a second mapping of the same pages: only of shared memory
        if not flags & MREMAP_MAYMOVE:
            raise Errno(ENOMEM)
    elif addr + old_len > vma.end:
        raise Errno(EFAULT)  # the old range spans more than one area
    grow = new_len - old_len
    if grow > 0 and vma.locked:
        limit = _memlock_limit(t)
        if limit is not None and mm.locked_bytes + grow > limit:
            raise Errno(EAGAIN)
    if grow > 0 and not vma.committed and vma.write and not _enough_memory(t, grow):
        raise Errno(ENOMEM)
    in_place = not flags & (MREMAP_FIXED | MREMAP_DONTUNMAP) and old_len and vma.end == addr + old_len
    if in_place and addr + new_len <= TASK_SIZE_MAX and mm.is_free(vma.end, addr + new_len):
        mm.expand(vma, addr + new_len)  # room right after it: grown in place
        if vma.locked:
            mm.populate(addr + old_len, addr + new_len, write=not vma.shared)  # a locked area's new part, paged in
        return addr
    if not flags & MREMAP_MAYMOVE:
        raise Errno(ENOMEM)
    if not mm.can_add_areas(4):
        raise Errno(ENOMEM)
    if flags & MREMAP_FIXED:
        target = new_addr
    else:
        found = mm.unmapped_area(new_len)
        if found is None:
            raise Errno(ENOMEM)
        target = found
    if not old_len:
        # A new mapping of the same shared pages (a shared area's duplicate), the old one kept.
        mm.insert_vma(replace(vma.piece(addr, addr + PAGE_SIZE), start=target, end=target + new_len))
        t.cpu.flush_tlb()
        return target
    if old_len > new_len:
        mm.remove_range(addr + new_len, addr + old_len)
        old_len = new_len
    try:
        mm.move(addr, addr + old_len, target, target + new_len, keep_old=bool(flags & MREMAP_DONTUNMAP))
    except OutOfMemory:
        raise Errno(ENOMEM) from None
    t.cpu.flush_tlb()
    if vma.locked and new_len > old_len:
        mm.populate(target + old_len, target + new_len, write=not vma.shared)
    return target


def _memlock_limit(t: Task) -> int | None:
    """mlock's RLIMIT_MEMLOCK test, its family imported only by a run that locks memory."""
    from syscalltbl.machine.syscalls.mlock import memlock_limit

    return memlock_limit(t)
