"""Linux native AIO: io_setup, io_destroy, io_submit, io_getevents, io_pgetevents, io_cancel (fs/aio.c).

Each read, write or sync is done at submission (as Linux does for a file
without async support): its result, a byte count or -errno, becomes the
event io_getevents returns. The errors io_submit itself answers are
Linux's, in its order; an error the I/O meets is the event's res instead.
An IOCB_CMD_POLL whose file is not ready stays pending until io_getevents
finds it ready, or io_cancel cancels it (-EINPROGRESS, an event with no
events); anything else is never in flight, so io_cancel answers EINVAL.
"""

from __future__ import annotations

import struct
import time
import weakref
from collections.abc import Callable

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.kernel import signals
from syscalltbl.machine.kernel.aio import CONTEXT_BYTES, AioContext, AioLimits, contexts, lookup
from syscalltbl.machine.kernel.mm import page_up
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import access_ok, copy_from_user, copy_to_user
from syscalltbl.machine.kernel.vfs import OpenFile, PipeEnd
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls.eventfd import EventFd
from syscalltbl.machine.syscalls.fs import _iovecs, _write_from, do_fsync, do_readv, fd_nopath
from syscalltbl.machine.syscalls.preadv import _flag_errors
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.aio import (
    AIO_RING_HEADER,
    AIO_SIGSET,
    IO_EVENT,
    IOCB,
    IOCB_CMD_FDSYNC,
    IOCB_CMD_FSYNC,
    IOCB_CMD_POLL,
    IOCB_CMD_PREAD,
    IOCB_CMD_PREADV,
    IOCB_CMD_PWRITE,
    IOCB_CMD_PWRITEV,
    IOCB_FLAG_RESFD,
    IOCB_KEY_OFFSET,
    KIOCB_KEY,
)
from syscalltbl.machine.uapi.errno import EAGAIN, EBADF, EFAULT, EINPROGRESS, EINTR, EINVAL, ENOMEM, Errno
from syscalltbl.machine.uapi.fcntl import O_NONBLOCK
from syscalltbl.machine.uapi.poll import POLLERR, POLLHUP
from syscalltbl.machine.uapi.rwf import RWF_NOWAIT
from syscalltbl.machine.uapi.structs import TIMESPEC

IO_CONTEXT = struct.Struct("<Q")  # aio_context_t, and a pointer in the iocb array
NSEC = 1_000_000_000
POLL_RECHECK = 0.01  # how often a wait with pending polls looks at their files (a host file wakes nobody)
LOFF_MAX = (1 << 63) - 1
SSIZE_MAX = (1 << 63) - 1
CPUS = 1  # num_possible_cpus()

#: A task asleep in io_getevents: the call's arguments and the deadline of its first run.
_waits: weakref.WeakKeyDictionary[Task, tuple[tuple[int, ...], float | None]] = weakref.WeakKeyDictionary()


def _limits(t: Task) -> AioLimits:
    return t.machine.sysctl.aio


def _exit_aio(limits: AioLimits, ram_charge: Callable[[int], None], table: dict[int, AioContext]) -> None:
    """The address space went (exit_aio): its contexts' events leave aio-nr, their RAM comes back."""
    for ctx in table.values():
        if not ctx.dead:
            ctx.dead = True
            limits.nr -= ctx.max_reqs
            ram_charge(-(CONTEXT_BYTES + ctx.pages * PAGE_SIZE))


@syscall("sys_io_setup")
def sys_io_setup(t: Task, nr_events: int, ctxp: int, *_: int) -> int:
    (current,) = IO_CONTEXT.unpack(copy_from_user(t.mm, ctxp, IO_CONTEXT.size))
    if current or not nr_events:
        raise Errno(EINVAL)
    max_reqs = nr_events
    doubled = (max(nr_events, CPUS * 4) * 2) & 0xFFFFFFFF
    if doubled > 0x10000000 // IO_EVENT.size:
        raise Errno(EINVAL)
    limits = _limits(t)
    if not doubled or max_reqs > limits.max_nr:
        raise Errno(EAGAIN)
    pages = page_up(AIO_RING_HEADER + doubled * IO_EVENT.size) // PAGE_SIZE
    ram = t.machine.ram
    mm = t.mm
    size = pages * PAGE_SIZE
    if not ram.slab_fits(CONTEXT_BYTES + size):
        raise Errno(ENOMEM)
    addr = mm.unmapped_area(size)
    if addr is None or not mm.can_add_areas(1):
        raise Errno(ENOMEM)
    if limits.nr + max_reqs > limits.max_nr:
        raise Errno(EAGAIN)
    table = contexts(mm)
    if not table:
        weakref.finalize(mm, _exit_aio, limits, ram.slab_charge, table).atexit = False
    ring = mm.add_vma(addr, addr + size, read=True, write=True, execute=False, name="/[aio] (deleted)",
                      committed=True)
    ring.dontfork = True  # VM_DONTCOPY: a child has none of its parent's contexts, nor their rings
    ram.slab_charge(CONTEXT_BYTES + size)
    limits.nr += max_reqs
    ctx = table[addr] = AioContext(addr, pages, max_reqs)
    try:
        copy_to_user(t.mm, ctxp, IO_CONTEXT.pack(addr))
    except Errno:
        _destroy(t, ctx)
        raise
    return 0


def _destroy(t: Task, ctx: AioContext) -> None:
    """kill_ioctx: the context goes, its ring is unmapped, its events leave aio-nr."""
    ctx.dead = True
    contexts(t.mm).pop(ctx.ident, None)
    t.mm.remove_range(ctx.ident, ctx.ident + ctx.pages * PAGE_SIZE)
    t.cpu.flush_tlb()
    _limits(t).nr -= ctx.max_reqs
    t.machine.ram.slab_charge(-(CONTEXT_BYTES + ctx.pages * PAGE_SIZE))


@syscall("sys_io_destroy")
def sys_io_destroy(t: Task, ctx_id: int, *_: int) -> int:
    _destroy(t, lookup(t.mm, ctx_id))
    return 0


def _transfer(t: Task, f: OpenFile, opcode: int, buf: int, nbytes: int, offset: int, rw_flags: int) -> int:
    """The request itself, done now: bytes moved, or -errno (what the event's res says)."""
    write = opcode in (IOCB_CMD_PWRITE, IOCB_CMD_PWRITEV)
    vecs = _iovecs(t, buf, nbytes) if opcode in (IOCB_CMD_PREADV, IOCB_CMD_PWRITEV) else [(buf, nbytes)]
    seekable = f.inode.seekable()
    if seekable and (offset < 0 or offset + sum(n for _, n in vecs) > LOFF_MAX):
        raise Errno(EINVAL)  # rw_verify_area: io_submit's own answer
    saved_offset, saved_flags = f.offset, f.flags
    if seekable:
        f.offset = offset  # ki_pos: the file's own position is neither used nor moved
    if rw_flags & RWF_NOWAIT:
        f.flags |= O_NONBLOCK
    try:
        return _write_from(t, f, vecs) if write else do_readv(t, f, vecs)
    except Errno as exc:
        return -exc.errno
    finally:
        f.flags = saved_flags
        if seekable:
            f.offset = saved_offset


def _submit_one(t: Task, ctx: AioContext, user_iocb: int) -> None:
    """io_submit_one: the iocb's checks in Linux's order, then the request, then its event."""
    data, _key, rw_flags, opcode, _prio, fildes, buf, nbytes, offset, reserved2, flags, resfd = IOCB.unpack(
        copy_from_user(t.mm, user_iocb, IOCB.size))
    if reserved2:
        raise Errno(EINVAL)
    if nbytes >> 63:
        raise Errno(EINVAL)  # (ssize_t)aio_nbytes < 0
    if not ctx.room():
        raise Errno(EAGAIN)
    f = fd_nopath(t, fildes if fildes < 1 << 31 else fildes - (1 << 32))
    notify: EventFd | None = None
    if flags & IOCB_FLAG_RESFD:
        target = t.files.get(resfd if resfd < 1 << 31 else resfd - (1 << 32)).inode
        if not isinstance(target, EventFd):
            raise Errno(EINVAL)
        notify = target
    copy_to_user(t.mm, user_iocb + IOCB_KEY_OFFSET, KIOCB_KEY.to_bytes(4, "little"))
    if opcode in (IOCB_CMD_FSYNC, IOCB_CMD_FDSYNC):
        if buf or offset or nbytes or rw_flags:
            raise Errno(EINVAL)
        if isinstance(f.inode, PipeEnd):
            raise Errno(EINVAL)  # no ->fsync
        result = do_fsync(t, fildes)
    elif opcode in (IOCB_CMD_PREAD, IOCB_CMD_PWRITE, IOCB_CMD_PREADV, IOCB_CMD_PWRITEV):
        write = opcode in (IOCB_CMD_PWRITE, IOCB_CMD_PWRITEV)
        _flag_errors(f, rw_flags, write=write)
        if not (f.writable() if write else f.readable()):
            raise Errno(EBADF)
        if opcode in (IOCB_CMD_PREAD, IOCB_CMD_PWRITE) and not access_ok(buf, nbytes):
            raise Errno(EFAULT)  # import_ubuf
        result = _transfer(t, f, opcode, buf, nbytes, offset, rw_flags)
    elif opcode == IOCB_CMD_POLL:
        if buf >> 16 or offset or nbytes or rw_flags:
            raise Errno(EINVAL)  # aio_poll: the events are a u16 in aio_buf, nothing else is used
        wanted = buf | POLLERR | POLLHUP
        ready = f.inode.poll(f) & wanted
        if not ready:
            ctx.polls.append((data, user_iocb, f, wanted))
            return  # completes when io_getevents finds its file ready (no eventfd is told for it then)
        result = ready
    else:
        raise Errno(EINVAL)
    ctx.events.append((data, user_iocb, result, 0))
    if notify is not None:
        notify.count += 1
        notify.readers_woken += 1


@syscall("sys_io_submit")
def sys_io_submit(t: Task, ctx_id: int, nr: int, iocbpp: int, *_: int) -> int:
    if nr < 0:
        raise Errno(EINVAL)
    ctx = lookup(t.mm, ctx_id)
    nr = min(nr, ctx.nr_events)
    for i in range(nr):
        try:
            (user_iocb,) = IO_CONTEXT.unpack(copy_from_user(t.mm, iocbpp + 8 * i, 8))
            _submit_one(t, ctx, user_iocb)
        except Errno:
            if i:
                return i
            raise
        except Sleep:
            if i:
                return i  # the requests before this blocking one are submitted; a new call does the rest
            raise
    return nr


def do_io_getevents(t: Task, args: tuple[int, ...], ctx_id: int, min_nr: int, nr: int, events: int,
                    timeout: int) -> int:
    seconds: float | None = None
    if timeout:
        sec, nsec = TIMESPEC.unpack(copy_from_user(t.mm, timeout, TIMESPEC.size))
        seconds = max(sec + nsec / NSEC, 0.0)
    ctx = lookup(t.mm, ctx_id)
    if not 0 <= min_nr <= nr:
        raise Errno(EINVAL)
    ctx.reap_polls()
    waited = _waits.pop(t, None)
    now = time.monotonic()
    deadline = waited[1] if waited is not None and waited[0] == args else (
        None if seconds is None else now + seconds)
    if len(ctx.events) >= min_nr or ctx.dead or (deadline is not None and now >= deadline) or nr == 0:
        taken = ctx.events[:nr]
        if taken:
            copy_to_user(t.mm, events, b"".join(IO_EVENT.pack(*e) for e in taken))
            del ctx.events[:len(taken)]
        return len(taken)
    _waits[t] = (args, deadline)

    def interrupted() -> int | None:
        _waits.pop(t, None)
        return None

    # wait_event_interruptible_hrtimeout: a handled signal ends it with EINTR, never restarted.
    def ready() -> bool:
        ctx.reap_polls()
        return len(ctx.events) >= min_nr or ctx.dead or (deadline is not None and time.monotonic() >= deadline)

    raise Sleep(ready, deadline, restartable=False, on_interrupt=interrupted,
                recheck=time.monotonic() + POLL_RECHECK if ctx.polls else None)


@syscall("sys_io_getevents")
def sys_io_getevents(t: Task, ctx_id: int, min_nr: int, nr: int, events: int, timeout: int, *_: int) -> int:
    return do_io_getevents(t, (ctx_id, min_nr, nr, events, timeout), ctx_id, min_nr, nr, events, timeout)


@syscall("sys_io_pgetevents")
def sys_io_pgetevents(t: Task, ctx_id: int, min_nr: int, nr: int, events: int, timeout: int, usig: int) -> int:
    args = (ctx_id, min_nr, nr, events, timeout, usig)
    if not usig:
        return do_io_getevents(t, args, ctx_id, min_nr, nr, events, timeout)
    sigmask, sigsetsize = AIO_SIGSET.unpack(copy_from_user(t.mm, usig, AIO_SIGSET.size))
    if not sigmask:
        return do_io_getevents(t, args, ctx_id, min_nr, nr, events, timeout)
    if sigsetsize != signals.KERNEL_SIGSET_SIZE:
        raise Errno(EINVAL)
    (mask,) = IO_CONTEXT.unpack(copy_from_user(t.mm, sigmask, 8))
    # set_user_sigmask: wait under the caller's mask; the old one comes back on return, or through the
    # frame of the handler a signal it let in runs (EINTR).
    s = t.signals
    if s.saved_mask is None:  # not again on a re-run: the saved one is the caller's own
        s.saved_mask = s.blocked
    signals.set_blocked(t, mask)
    signals.discard_ignored(t)
    try:
        got = do_io_getevents(t, args, ctx_id, min_nr, nr, events, timeout)
    except Errno as exc:
        if exc.errno != EINTR:
            _restore_mask(t)
        raise
    _restore_mask(t)
    return got


def _restore_mask(t: Task) -> None:
    s = t.signals
    if s.saved_mask is not None:
        signals.set_blocked(t, s.saved_mask)
        s.saved_mask = None


@syscall("sys_io_cancel")
def sys_io_cancel(t: Task, ctx_id: int, iocb: int, result: int, *_: int) -> int:
    key = int.from_bytes(copy_from_user(t.mm, iocb + IOCB_KEY_OFFSET, 4), "little")
    if key != KIOCB_KEY:
        raise Errno(EINVAL)
    ctx = lookup(t.mm, ctx_id)
    if ctx.cancel_poll(iocb):
        raise Errno(EINPROGRESS)  # cancelled: its event (no events) is in the ring
    raise Errno(EINVAL)  # not in flight: reads, writes and syncs completed at submission

