"""userfaultfd (fs/userfaultfd.c, mm/userfaultfd.c): page faults handed to a thread of the program.

A context belongs to the address space that made it. UFFDIO_REGISTER marks
areas with it (Vma.uffd) and with how (Vma.uffd_modes):

- MISSING, on private anonymous memory: a user access to a page that has
  none (no PTE) is held;
- WP, on private anonymous memory: a write to a page UFFDIO_WRITEPROTECT
  protected is held (its PTE is read-only until the protection goes);
- MINOR, on shmem (a memfd, a tmpfs file, shared anonymous memory): an
  access to a page the page cache has but the area does not map is held.

A held fault (handle_userfault) queues a uffd_msg, which read() hands out,
and parks the faulting thread in the kernel (kernel/sched.py, as the tick
parks it) until UFFDIO_COPY, ZEROPAGE, CONTINUE, MOVE, POISON, WAKE or
WRITEPROTECT wakes it over its page, the context is closed, or a signal
comes: it then runs the faulting instruction again, which faults anew if the
page is still missing. A fatal signal kills it there as anywhere. Each held
fault is a sleeping task's entry, so the queue is bounded by the tasks.

Faults the kernel itself takes copying to or from a registered page (a read()
into it) are served as ordinary faults here: the machine resolves them
without a trap (see compat_notes), as a context made with
UFFD_USER_MODE_ONLY would have them refused. The non-cooperative events
(UFFD_FEATURE_EVENT_*), hugetlbfs and write protection of shmem are not
built, and UFFDIO_API does not offer them.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from syscalltbl.generators.x86_64.abi import PAGE_SIZE, TASK_SIZE_MAX
from syscalltbl.machine.hw.paging import PTE_ADDR, PTE_P, PTE_RW
from syscalltbl.machine.hw.physmem import OutOfMemory
from syscalltbl.machine.kernel import faults
from syscalltbl.machine.kernel.mm import MMAP_MIN_ADDR, Mm, Vma, page_down
from syscalltbl.machine.kernel.shmem import SharedAnon
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.userfault import Fault
from syscalltbl.machine.kernel.vfs import Inode, OpenFile, Regular
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.uapi.anoninode import ANON_INODE_MODE
from syscalltbl.machine.uapi.capability import CAP_SYS_PTRACE
from syscalltbl.machine.uapi.errno import EAGAIN, EBUSY, EEXIST, EFAULT, EINVAL, ENOENT, ENOMEM, EPERM, ESRCH, Errno
from syscalltbl.machine.uapi.fcntl import O_CLOEXEC, O_NONBLOCK, O_RDWR
from syscalltbl.machine.uapi.poll import POLLERR, POLLIN
from syscalltbl.machine.uapi.userfaultfd import (
    _UFFDIO_API,
    _UFFDIO_CONTINUE,
    _UFFDIO_COPY,
    _UFFDIO_MOVE,
    _UFFDIO_POISON,
    _UFFDIO_REGISTER,
    _UFFDIO_UNREGISTER,
    _UFFDIO_WAKE,
    _UFFDIO_WRITEPROTECT,
    _UFFDIO_ZEROPAGE,
    UFFD_API,
    UFFD_EVENT_PAGEFAULT,
    UFFD_FEATURE_EXACT_ADDRESS,
    UFFD_FEATURE_INITIALIZED,
    UFFD_FEATURE_MINOR_SHMEM,
    UFFD_FEATURE_MOVE,
    UFFD_FEATURE_PAGEFAULT_FLAG_WP,
    UFFD_FEATURE_POISON,
    UFFD_FEATURE_SIGBUS,
    UFFD_FEATURE_THREAD_ID,
    UFFD_MSG,
    UFFD_PAGEFAULT_FLAG_MINOR,
    UFFD_PAGEFAULT_FLAG_WP,
    UFFD_PAGEFAULT_FLAG_WRITE,
    UFFD_USER_MODE_ONLY,
    UFFDIO_API,
    UFFDIO_API_STRUCT,
    UFFDIO_CONTINUE,
    UFFDIO_CONTINUE_MODE_DONTWAKE,
    UFFDIO_CONTINUE_MODE_WP,
    UFFDIO_COPY,
    UFFDIO_COPY_MODE_DONTWAKE,
    UFFDIO_COPY_MODE_WP,
    UFFDIO_COPY_STRUCT,
    UFFDIO_MOVE,
    UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES,
    UFFDIO_MOVE_MODE_DONTWAKE,
    UFFDIO_MOVE_STRUCT,
    UFFDIO_POISON,
    UFFDIO_POISON_MODE_DONTWAKE,
    UFFDIO_RANGE,
    UFFDIO_RANGE_MODE,
    UFFDIO_REGISTER,
    UFFDIO_REGISTER_MODE_MINOR,
    UFFDIO_REGISTER_MODE_MISSING,
    UFFDIO_REGISTER_MODE_WP,
    UFFDIO_REGISTER_STRUCT,
    UFFDIO_UNREGISTER,
    UFFDIO_WAKE,
    UFFDIO_WRITEPROTECT,
    UFFDIO_WRITEPROTECT_MODE_DONTWAKE,
    UFFDIO_WRITEPROTECT_MODE_WP,
    UFFDIO_WRITEPROTECT_STRUCT,
    UFFDIO_ZEROPAGE,
    UFFDIO_ZEROPAGE_MODE_DONTWAKE,
)
from syscalltbl.store.record import Record

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

#: What UFFDIO_API offers: the features this kernel has (UFFD_API_FEATURES less what it is built without).
FEATURES = (UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_SIGBUS | UFFD_FEATURE_THREAD_ID
            | UFFD_FEATURE_MINOR_SHMEM | UFFD_FEATURE_EXACT_ADDRESS | UFFD_FEATURE_POISON | UFFD_FEATURE_MOVE)
#: UFFD_API_IOCTLS, and the range ioctls UFFDIO_REGISTER reports (UFFD_API_RANGE_IOCTLS).
API_IOCTLS = 1 << _UFFDIO_REGISTER | 1 << _UFFDIO_UNREGISTER | 1 << _UFFDIO_API
RANGE_IOCTLS = (1 << _UFFDIO_WAKE | 1 << _UFFDIO_COPY | 1 << _UFFDIO_ZEROPAGE | 1 << _UFFDIO_MOVE
                | 1 << _UFFDIO_WRITEPROTECT | 1 << _UFFDIO_CONTINUE | 1 << _UFFDIO_POISON)
UFFD_SHARED_FCNTL_FLAGS = O_CLOEXEC | O_NONBLOCK
REGISTER_MODES = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP | UFFDIO_REGISTER_MODE_MINOR


class Waiter(Record):
    """A held fault: the faulting task, and the message it queued until it is read."""

    task: Task
    address: int
    flags: int
    sleep: Sleep
    read: bool
    woken: bool

    _fields = ("task", "address", "flags", "sleep", "read", "woken")

    def __init__(
        self,
        task: Task,
        address: int,
        flags: int,
        sleep: Sleep,
        read: bool = False,
        woken: bool = False,
    ) -> None:
        self.task = task
        self.address = address
        self.flags = flags
        self.sleep = sleep
        self.read = read
        self.woken = woken


class Userfaultfd(Inode):
    """A context (struct userfaultfd_ctx): the file userfaultfd(2) and /dev/userfaultfd make."""

    def __init__(self, mm: Mm, flags: int) -> None:
        super().__init__(ANON_INODE_MODE)
        self.mm_ref = weakref.ref(mm)
        self.flags = flags
        self.features = 0
        self.waiters: list[Waiter] = []
        self.wp: set[int] = set()  # pages UFFDIO_WRITEPROTECT protected (their PTE's uffd-wp bit)
        self.released = False
        self.readers_woken = 0

    @property
    def initialized(self) -> bool:
        return bool(self.features & UFFD_FEATURE_INITIALIZED)

    def _mm(self) -> Mm:
        """mmget_not_zero: the address space, while some task still uses it (ESRCH after)."""
        mm = self.mm_ref()
        if mm is None or mm.users <= 0:
            raise Errno(ESRCH)
        return mm

    # -- the held faults --

    def _pending(self) -> list[Waiter]:
        """The held faults whose task still waits on them (one a signal woke has left the queue)."""
        self.waiters = [w for w in self.waiters if not w.woken and w.task.status is None
                        and (w.task.sleep is w.sleep or w.task.fault_wait is w.sleep)]
        return self.waiters

    def hold(self, task: Task, address: int, flags: int) -> Sleep:
        waiter: Waiter
        sleep = Sleep(lambda: waiter.woken or self.released)
        waiter = Waiter(task, address, flags, sleep)
        self.waiters.append(waiter)
        self.readers_woken += 1
        return sleep

    def wake(self, start: int, length: int) -> None:
        """wake_userfault: the held faults on pages in [start, start + length) run again."""
        for waiter in self._pending():
            if start <= page_down(waiter.address) < start + length:
                waiter.woken = True
        self._pending()

    # -- the file --

    def read(self, f: OpenFile, count: int) -> bytes:
        if not self.initialized:
            raise Errno(EINVAL)
        out = b""
        while count - len(out) >= UFFD_MSG.size:
            unread = [w for w in self._pending() if not w.read]
            if not unread:
                if out:
                    break
                if f.flags & O_NONBLOCK:
                    raise Errno(EAGAIN)
                raise Sleep(lambda: any(not w.read for w in self._pending()))
            waiter = unread[0]
            waiter.read = True  # from fault_pending_wqh to fault_wqh: it waits on, its message handed out
            out += self._message(waiter)
        if not out:
            raise Errno(EINVAL)  # a buffer smaller than one message
        return out

    def _message(self, waiter: Waiter) -> bytes:
        exact = self.features & UFFD_FEATURE_EXACT_ADDRESS
        address = waiter.address if exact else page_down(waiter.address)
        ptid = waiter.task.tid if self.features & UFFD_FEATURE_THREAD_ID else 0
        return UFFD_MSG.pack(UFFD_EVENT_PAGEFAULT, 0, 0, 0, waiter.flags, address, ptid)

    def poll(self, f: OpenFile) -> int:
        if not self.initialized or not f.flags & O_NONBLOCK:
            return POLLERR  # a blocking context's poll never promises a read that does not block
        return POLLIN if any(not w.read for w in self._pending()) else 0

    def wakeups(self) -> tuple[int, int]:
        return self.readers_woken, 0

    def release(self, f: OpenFile) -> None:
        """userfaultfd_release: its areas are registered no more, and every held fault runs again."""
        self.released = True
        mm = self.mm_ref()
        if mm is not None:
            self._unprotect(mm, 0, TASK_SIZE_MAX)
            for vma in mm.vmas:
                if vma.uffd is self:
                    vma.uffd, vma.uffd_modes = None, 0
            if mm.vmas:
                mm.merge(0, TASK_SIZE_MAX)
        for waiter in self.waiters:
            waiter.woken = True
        self.waiters = []

    # -- ioctls --

    def unlocked_ioctl(self, task: Task, f: OpenFile, request: int, arg: int) -> int:
        request &= 0xFFFFFFFF
        if request == UFFDIO_API:
            return self._api(task, arg)
        if not self.initialized:
            raise Errno(EINVAL)
        handler = _IOCTLS.get(request)
        if handler is None:
            raise Errno(EINVAL)
        return handler(self, task, arg)

    def _api(self, task: Task, arg: int) -> int:
        """userfaultfd_api: the features asked for, from those offered, once (EINVAL again)."""
        api, features, _ioctls = UFFDIO_API_STRUCT.unpack(copy_from_user(task.mm, arg, UFFDIO_API_STRUCT.size))
        error = EINVAL
        if api == UFFD_API:
            error = EINVAL if features & ~FEATURES else 0
        if not error:
            copy_to_user(task.mm, arg, UFFDIO_API_STRUCT.pack(api, FEATURES, API_IOCTLS))
            if not self.initialized:
                self.features = (features & 0xFFFFFFFF) | UFFD_FEATURE_INITIALIZED
                return 0
        copy_to_user(task.mm, arg, bytes(UFFDIO_API_STRUCT.size))  # err_out: zeros
        raise Errno(EINVAL)

    def _register(self, task: Task, arg: int) -> int:
        start, length, mode, _ = UFFDIO_REGISTER_STRUCT.unpack(copy_from_user(task.mm, arg, 32))
        if mode & ~REGISTER_MODES or not mode:
            raise Errno(EINVAL)
        _validate_range(start, length)
        mm = self._mm()
        end = start + length
        areas = mm.vmas_in(start, end)
        if not areas:
            raise Errno(EINVAL)
        for vma in areas:
            if not _can_userfault(vma, mode):
                raise Errno(EINVAL)
            if not vma.maywrite:
                raise Errno(EPERM)
            if vma.uffd is not None and vma.uffd is not self:
                raise Errno(EBUSY)
        for vma in mm.split(max(start, areas[0].start), min(end, areas[-1].end)):
            vma.uffd, vma.uffd_modes = self, mode
        mm.merge(start, end)
        ioctls = RANGE_IOCTLS
        if not mode & UFFDIO_REGISTER_MODE_MINOR:
            ioctls &= ~(1 << _UFFDIO_CONTINUE)
        if not mode & UFFDIO_REGISTER_MODE_WP:
            ioctls &= ~(1 << _UFFDIO_WRITEPROTECT)
        copy_to_user(task.mm, arg + 24, ioctls.to_bytes(8, "little"))
        return 0

    def _unregister(self, task: Task, arg: int) -> int:
        start, length = UFFDIO_RANGE.unpack(copy_from_user(task.mm, arg, UFFDIO_RANGE.size))
        _validate_range(start, length)
        mm = self._mm()
        end = start + length
        areas = mm.vmas_in(start, end)
        if not areas:
            raise Errno(EINVAL)
        if any(not _can_userfault(v, v.uffd_modes) for v in areas):
            raise Errno(EINVAL)
        for vma in mm.split(max(start, areas[0].start), min(end, areas[-1].end)):
            ctx = vma.uffd
            if isinstance(ctx, Userfaultfd):
                ctx.wake(vma.start, vma.end - vma.start)
                ctx._unprotect(mm, vma.start, vma.end)
            vma.uffd, vma.uffd_modes = None, 0
        mm.merge(start, end)
        task.cpu.flush_tlb()
        return 0

    def _wake(self, task: Task, arg: int) -> int:
        start, length = UFFDIO_RANGE.unpack(copy_from_user(task.mm, arg, UFFDIO_RANGE.size))
        _validate_range(start, length)
        self.wake(start, length)
        return 0

    def _copy(self, task: Task, arg: int) -> int:
        dst, src, length, mode, _ = UFFDIO_COPY_STRUCT.unpack(copy_from_user(task.mm, arg, 32).ljust(40, b"\0"))
        _validate_unaligned(src, length)
        _validate_range(dst, length)
        if mode & ~(UFFDIO_COPY_MODE_DONTWAKE | UFFDIO_COPY_MODE_WP):
            raise Errno(EINVAL)
        mm = self._mm()

        def fill(vma: Vma, page: int) -> None:
            data = copy_from_user(task.mm, src + page - dst, PAGE_SIZE)  # EFAULT ends the copy here
            frame = _install(mm, vma, page, None)
            mm.ram.mem[frame : frame + PAGE_SIZE] = data
            if frame in mm.ram.code_frames:
                mm.ram.stale_code = True
            if mode & UFFDIO_COPY_MODE_WP:
                self._protect_page(mm, page)

        done = self._fill(task, mm, dst, length, fill, wp=bool(mode & UFFDIO_COPY_MODE_WP))
        return self._filled(task, arg + 32, dst, length, done, not mode & UFFDIO_COPY_MODE_DONTWAKE)

    def _zeropage(self, task: Task, arg: int) -> int:
        start, length, mode = _range_arg(task, arg, UFFDIO_ZEROPAGE_MODE_DONTWAKE)
        mm = self._mm()

        def fill(vma: Vma, page: int) -> None:
            _install(mm, vma, page, None)  # a zero-filled page (Linux maps its zero page, read-only)

        done = self._fill(task, mm, start, length, fill)
        return self._filled(task, arg + 24, start, length, done, not mode & UFFDIO_ZEROPAGE_MODE_DONTWAKE)

    def _continue(self, task: Task, arg: int) -> int:
        start, length, mode = _range_arg(task, arg, UFFDIO_CONTINUE_MODE_DONTWAKE | UFFDIO_CONTINUE_MODE_WP)
        mm = self._mm()

        def fill(vma: Vma, page: int) -> None:
            backing = vma.backing
            index = vma.index(page)
            if backing is None or not backing.resident_in(index, index + 1):
                raise Errno(EFAULT)  # no page in the page cache to map
            found = backing.page(index)
            if found is None:
                raise Errno(EFAULT)
            _install(mm, vma, page, mm.ram.share(found))

        done = self._fill(task, mm, start, length, fill, minor=True)
        return self._filled(task, arg + 24, start, length, done, not mode & UFFDIO_CONTINUE_MODE_DONTWAKE)

    def _poison(self, task: Task, arg: int) -> int:
        start, length, mode = _range_arg(task, arg, UFFDIO_POISON_MODE_DONTWAKE)
        mm = self._mm()

        def fill(_vma: Vma, page: int) -> None:
            if not mm.poison(page):  # the marker: a PTE without a page, that faults as SIGBUS
                raise Errno(ENOMEM)

        done = self._fill(task, mm, start, length, fill)
        return self._filled(task, arg + 24, start, length, done, not mode & UFFDIO_POISON_MODE_DONTWAKE)

    def _move(self, task: Task, arg: int) -> int:
        dst, src, length, mode, _ = UFFDIO_MOVE_STRUCT.unpack(copy_from_user(task.mm, arg, 32).ljust(40, b"\0"))
        if mode & ~(UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES | UFFDIO_MOVE_MODE_DONTWAKE):
            raise Errno(EINVAL)
        _validate_range(dst, length)
        _validate_range(src, length)
        if src < dst + length and dst < src + length:
            raise Errno(EINVAL)  # the ranges overlap
        mm = self._mm()
        source = mm.find_vma(src)
        if source is None or source.start > src or src + length > source.end:
            raise Errno(ENOENT)
        if source.shared or source.backing is not None:
            raise Errno(EINVAL)  # move_pages: private anonymous memory only

        def fill(vma: Vma, page: int) -> None:
            at = src + page - dst
            entry = mm.lookup(at)
            if not entry or at in mm.poisoned:
                if mode & UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES:
                    return
                raise Errno(ENOENT)
            frame = entry & PTE_ADDR
            if mm.ram.is_shared(frame):
                raise Errno(EBUSY)  # a page fork shares: not this process's alone to move
            mm.set_pte(at, 0)
            try:
                _install(mm, vma, page, frame)
            except Errno:
                mm.set_pte(at, entry)
                raise

        # With ALLOW_SRC_HOLES only the source's pages matter: the holes between them are skipped by one
        # walk of its page tables, so a range of terabytes costs what it maps.
        present = {va - src + dst for va, _pte, _entry in mm.leaves(src, src + length)}
        holes = bool(mode & UFFDIO_MOVE_MODE_ALLOW_SRC_HOLES)
        done = self._fill(task, mm, dst, length, fill, only=present if holes else None)
        task.cpu.flush_tlb()
        return self._filled(task, arg + 32, dst, length, done, not mode & UFFDIO_MOVE_MODE_DONTWAKE)

    def _writeprotect(self, task: Task, arg: int) -> int:
        start, length, mode = UFFDIO_WRITEPROTECT_STRUCT.unpack(copy_from_user(task.mm, arg, 24))
        _validate_range(start, length)
        if mode & ~(UFFDIO_WRITEPROTECT_MODE_DONTWAKE | UFFDIO_WRITEPROTECT_MODE_WP):
            raise Errno(EINVAL)
        protect, dontwake = bool(mode & UFFDIO_WRITEPROTECT_MODE_WP), bool(mode & UFFDIO_WRITEPROTECT_MODE_DONTWAKE)
        if protect and dontwake:
            raise Errno(EINVAL)
        mm = self._mm()
        end = start + length
        areas = mm.vmas_in(start, end)
        if not areas or any(v.uffd is not self or not v.uffd_modes & UFFDIO_REGISTER_MODE_WP for v in areas):
            raise Errno(ENOENT)  # mwriteprotect_range: every area must be registered for WP
        if protect:
            for _va, _pte, entry in mm.leaves(start, end):
                if entry & PTE_P:
                    self._protect_page(mm, _va)
        else:
            self._unprotect(mm, start, end)
        task.cpu.flush_tlb()
        if not protect and not dontwake:
            self.wake(start, length)
        return 0

    # -- helpers of the fills --

    def _fill(self, task: Task, mm: Mm, start: int, length: int, fill: Callable[[Vma, int], None], *,
              wp: bool = False, minor: bool = False, only: set[int] | None = None) -> int | Errno:
        """mfill_atomic: `fill` each page of [start, start + length) of an area registered here; the bytes
        done, or the error that stopped the first page."""
        vma = mm.find_vma(start)
        if vma is None or vma.uffd is not self or start + length > vma.end:
            return Errno(ENOENT)  # the destination must lie in one area of this context
        if wp and not vma.uffd_modes & UFFDIO_REGISTER_MODE_WP:
            return Errno(EINVAL)
        if minor and not vma.uffd_modes & UFFDIO_REGISTER_MODE_MINOR:
            return Errno(EINVAL)
        if not minor and (vma.shared or vma.backing is not None):
            return Errno(EINVAL)  # a MISSING fill of shmem: not built (UFFD_FEATURE_MISSING_SHMEM)
        if only is not None:
            return self._fill_sparse(mm, vma, start, length, fill, only)
        done = 0
        for page in range(start, start + length, PAGE_SIZE):
            try:
                if mm.lookup(page) or page in mm.poisoned:
                    raise Errno(EEXIST)
                fill(vma, page)
            except Errno as exc:
                return done or exc
            except OutOfMemory:
                return done or Errno(ENOMEM)
            done += PAGE_SIZE
        return done

    @staticmethod
    def _fill_sparse(mm: Mm, vma: Vma, start: int, length: int, fill: Callable[[Vma, int], None],
                     only: set[int]) -> int | Errno:
        """_fill where only the pages of `only` (offsets from the range's start) need `fill`, the rest being
        holes that count as done: found by walking page tables, never page by page. The first page the
        destination has already (EEXIST) ends it."""
        taken = [va for va, _pte, _entry in mm.leaves(start, start + length)]
        taken += [p for p in mm.poisoned if start <= p < start + length]
        end = min(taken, default=start + length)
        for page in sorted(only):
            if page >= end:
                break
            try:
                fill(vma, page)
            except Errno as exc:
                return (page - start) or exc
            except OutOfMemory:
                return (page - start) or Errno(ENOMEM)
        return (end - start) or Errno(EEXIST)

    def _filled(self, task: Task, result_at: int, start: int, length: int, done: int | Errno, wake: bool) -> int:
        """Store the result field (bytes done or -errno), wake the range done, and answer as the ioctl does."""
        value = -done.errno if isinstance(done, Errno) else done
        copy_to_user(task.mm, result_at, value.to_bytes(8, "little", signed=True))
        if isinstance(done, Errno):
            raise done
        if wake:
            self.wake(start, done)
        if done != length:
            raise Errno(EAGAIN)
        return 0

    def _protect_page(self, mm: Mm, page: int) -> None:
        entry = mm.lookup(page)
        self.wp.add(page)
        if entry & PTE_RW:
            mm.set_pte(page, entry & ~PTE_RW)

    def _unprotect(self, mm: Mm, start: int, end: int) -> None:
        """The write protection of [start, end) goes: the pages are writable again where their areas are."""
        for page in [p for p in self.wp if start <= p < end]:
            self.wp.discard(page)
            vma = mm.find_vma(page)
            entry = mm.lookup(page)
            if vma is not None and vma.write and entry & PTE_P:
                mm.set_pte(page, entry | PTE_RW)

    # -- the fault --

    def fault(self, task: Task, vma: Vma, address: int, err: int) -> Fault:
        """handle_userfault for a user fault on `vma`, registered here: held, or not this context's."""
        page = page_down(address)
        mm = task.mm
        entry = mm.lookup(page)
        if vma.uffd_modes & UFFDIO_REGISTER_MODE_WP and page in self.wp and entry & PTE_P:
            if not err & faults.PF_WRITE:
                return Fault.NOT_MINE
            flags = UFFD_PAGEFAULT_FLAG_WP | UFFD_PAGEFAULT_FLAG_WRITE
        elif entry:
            return Fault.NOT_MINE
        elif vma.uffd_modes & UFFDIO_REGISTER_MODE_MINOR:
            index = vma.index(page)
            if vma.backing is None or not vma.backing.resident_in(index, index + 1):
                return Fault.NOT_MINE  # a missing shmem page: only MISSING would hold it
            flags = UFFD_PAGEFAULT_FLAG_MINOR | (UFFD_PAGEFAULT_FLAG_WRITE if err & faults.PF_WRITE else 0)
        elif vma.uffd_modes & UFFDIO_REGISTER_MODE_MISSING:
            flags = UFFD_PAGEFAULT_FLAG_WRITE if err & faults.PF_WRITE else 0
        else:
            return Fault.NOT_MINE
        if self.released:
            return Fault.NOT_MINE
        if self.features & UFFD_FEATURE_SIGBUS:
            return Fault.SIGBUS
        task.fault_wait = self.hold(task, address, flags)
        return Fault.HELD


def _validate_range(start: int, length: int) -> None:
    """validate_range: page-aligned, not empty, inside the user half, above mmap_min_addr."""
    if start % PAGE_SIZE or length % PAGE_SIZE or not length:
        raise Errno(EINVAL)
    _validate_unaligned(start, length)


def _range_arg(task: Task, arg: int, modes: int) -> tuple[int, int, int]:
    """The struct uffdio_range and mode of ZEROPAGE, CONTINUE and POISON: the range checked, and EINVAL
    for a mode bit outside `modes`."""
    start, length, mode, _ = UFFDIO_RANGE_MODE.unpack(copy_from_user(task.mm, arg, 24).ljust(32, b"\0"))
    _validate_range(start, length)
    if mode & ~modes:
        raise Errno(EINVAL)
    return start, length, mode


def _validate_unaligned(start: int, length: int) -> None:
    if length % PAGE_SIZE or not length or start < MMAP_MIN_ADDR or start >= TASK_SIZE_MAX:
        raise Errno(EINVAL)
    if length > TASK_SIZE_MAX - start:
        raise Errno(EINVAL)


def _is_shmem(vma: Vma) -> bool:
    return isinstance(vma.backing, SharedAnon) or (isinstance(vma.backing, Regular) and vma.shared)


def _can_userfault(vma: Vma, modes: int) -> bool:
    """vma_can_userfault, for what this kernel has: MISSING and WP on private anonymous memory, MINOR on shmem."""
    anonymous = vma.backing is None and not vma.shared and vma.name not in ("[vdso]", "[vvar]")
    if modes & UFFDIO_REGISTER_MODE_MINOR and not _is_shmem(vma):
        return False
    if modes & (UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP) and not anonymous:
        return False
    return anonymous or _is_shmem(vma)


def _install(mm: Mm, vma: Vma, page: int, frame: int | None) -> int:
    """Map `frame` (a new zero-filled one if None) at `page` with the area's protection; its address."""
    fresh = frame is None
    if frame is None:
        frame = mm.ram.alloc()
    try:
        mm.set_pte(page, frame | mm.pte_flags_for(vma, frame))
    except OutOfMemory:
        if fresh:
            mm.ram.free(frame)
        raise
    return frame


def new_userfaultfd(task: Task, flags: int) -> int:
    """new_userfaultfd: a context of the caller's address space on a new descriptor, its file O_RDWR
    with O_NONBLOCK and O_CLOEXEC if asked."""
    if flags & ~(UFFD_SHARED_FCNTL_FLAGS | UFFD_USER_MODE_ONLY):
        raise Errno(EINVAL)
    f = OpenFile(Userfaultfd(task.mm, flags), O_RDWR | (flags & O_NONBLOCK), b"anon_inode:[userfaultfd]")
    return task.files.install(f, cloexec=bool(flags & O_CLOEXEC), limit=task.nofile())


def may_create(task: Task, flags: int) -> bool:
    """userfaultfd_syscall_allowed: user-mode faults only, CAP_SYS_PTRACE, or vm.unprivileged_userfaultfd."""
    if flags & UFFD_USER_MODE_ONLY or task.cred.capable(CAP_SYS_PTRACE):
        return True
    return bool(task.machine.sysctl.unprivileged_userfaultfd)


_IOCTLS: dict[int, Callable[[Userfaultfd, Task, int], int]] = {
    UFFDIO_REGISTER: Userfaultfd._register,
    UFFDIO_UNREGISTER: Userfaultfd._unregister,
    UFFDIO_WAKE: Userfaultfd._wake,
    UFFDIO_COPY: Userfaultfd._copy,
    UFFDIO_ZEROPAGE: Userfaultfd._zeropage,
    UFFDIO_CONTINUE: Userfaultfd._continue,
    UFFDIO_POISON: Userfaultfd._poison,
    UFFDIO_MOVE: Userfaultfd._move,
    UFFDIO_WRITEPROTECT: Userfaultfd._writeprotect,
}
