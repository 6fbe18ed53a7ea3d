"""io_uring_setup, io_uring_enter, io_uring_register (io_uring/io_uring.c, io_uring/rw.c, io_uring/net.c,
io_uring/register.c, io_uring/rsrc.c); the instance and its shared rings are kernel/io_uring.py's.

io_uring_enter takes the SQEs the program queued and runs each at once, in
the calling task, with its credentials and root (what io-wq's workers take
from the submitter): a request's CQE is posted when it is done. A request
that would block (a read of an empty pipe) is kept, with the requests
linked after it, and run again at each later io_uring_enter; a wait for
completions (IORING_ENTER_GETEVENTS) sleeps until enough CQEs are there or
a kept request can go on. Requests run in submission order, so IOSQE_IO_DRAIN
and IOSQE_ASYNC change nothing a program can see; a failed (or short) request
of an IOSQE_IO_LINK chain cancels the rest (-ECANCELED), a hard link does not.
"""

from __future__ import annotations

from collections.abc import Callable

from syscalltbl.machine.kernel.io_uring import (
    CQ_FLAGS,
    CQ_HEAD,
    CQ_OVERFLOW,
    CQ_RING_ENTRIES,
    CQ_RING_MASK,
    CQ_TAIL,
    CQES,
    SQ_DROPPED,
    SQ_FLAGS,
    SQ_HEAD,
    SQ_RING_ENTRIES,
    SQ_RING_MASK,
    SQ_TAIL,
    IoUring,
    Pending,
)
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import access_ok, copy_from_user, copy_to_user
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls import select
from syscalltbl.machine.syscalls.fs import _iovecs, _write_from, do_fsync, do_readv, fd_nopath, s32
from syscalltbl.machine.syscalls.preadv import _flag_errors
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.syscalls.sockmsg import do_recvmsg, do_sendmsg
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import (
    EBADF,
    EBUSY,
    ECANCELED,
    EFAULT,
    EINTR,
    EINVAL,
    ENXIO,
    EOPNOTSUPP,
    EPERM,
    Errno,
)
from syscalltbl.machine.uapi.fcntl import O_RDWR
from syscalltbl.machine.uapi.io_uring import (
    IO_URING_OP_SUPPORTED,
    IO_URING_PARAMS,
    IO_URING_PROBE,
    IO_URING_PROBE_OP,
    IO_URING_SQE,
    IORING_ENTER_GETEVENTS,
    IORING_ENTER_SQ_WAIT,
    IORING_ENTER_SQ_WAKEUP,
    IORING_FEAT_CUR_PERSONALITY,
    IORING_FEAT_RW_CUR_POS,
    IORING_FEAT_SINGLE_MMAP,
    IORING_FEAT_SUBMIT_STABLE,
    IORING_FSYNC_DATASYNC,
    IORING_MAX_CQ_ENTRIES,
    IORING_MAX_ENTRIES,
    IORING_MAX_REG_BUFFERS,
    IORING_OP_CLOSE,
    IORING_OP_FSYNC,
    IORING_OP_NOP,
    IORING_OP_READ,
    IORING_OP_READ_FIXED,
    IORING_OP_READV,
    IORING_OP_RECVMSG,
    IORING_OP_SENDMSG,
    IORING_OP_WRITE,
    IORING_OP_WRITE_FIXED,
    IORING_OP_WRITEV,
    IORING_REGISTER_BUFFERS,
    IORING_REGISTER_PROBE,
    IORING_SETUP_CLAMP,
    IORING_SETUP_CQSIZE,
    IORING_SETUP_SUBMIT_ALL,
    IORING_UNREGISTER_BUFFERS,
    IOSQE_ASYNC,
    IOSQE_BUFFER_SELECT,
    IOSQE_CQE_SKIP_SUCCESS,
    IOSQE_FIXED_FILE,
    IOSQE_IO_DRAIN,
    IOSQE_IO_HARDLINK,
    IOSQE_IO_LINK,
)
from syscalltbl.machine.uapi.socket import MSG_NOSIGNAL
from syscalltbl.machine.uapi.structs import IOVEC

_SETUP_FLAGS = IORING_SETUP_CQSIZE | IORING_SETUP_CLAMP | IORING_SETUP_SUBMIT_ALL
_SQE_FLAGS = (IOSQE_FIXED_FILE | IOSQE_IO_DRAIN | IOSQE_IO_LINK | IOSQE_IO_HARDLINK | IOSQE_ASYNC
              | IOSQE_BUFFER_SELECT | IOSQE_CQE_SKIP_SUCCESS)
_ENTER_FLAGS = IORING_ENTER_GETEVENTS | IORING_ENTER_SQ_WAKEUP | IORING_ENTER_SQ_WAIT
_FEATURES = IORING_FEAT_SINGLE_MMAP | IORING_FEAT_SUBMIT_STABLE | IORING_FEAT_RW_CUR_POS | IORING_FEAT_CUR_PERSONALITY
_SZ_1G = 1 << 30
_LAST_OP = 58  # IORING_OP_LAST - 1 of 6.18: what a probe says it knows of, supported or not

Sqe = tuple[int, ...]
# SQE field positions in IO_URING_SQE's tuple.
OPCODE, FLAGS, _IOPRIO, FD, OFF, ADDR, LEN, OP_FLAGS, USER_DATA, BUF_INDEX, PERSONALITY = range(11)


def _roundup_pow2(n: int) -> int:
    return 1 << (n - 1).bit_length()


# -- setup --


def _allowed(t: Task) -> None:
    """io_uring_allowed: kernel.io_uring_disabled 2 refuses all, 1 all but io_uring_group and CAP_SYS_ADMIN."""
    knobs = t.machine.sysctl.fdkinds
    if knobs.io_uring_disabled == 2:
        raise Errno(EPERM)
    if knobs.io_uring_disabled == 1 and not t.cred.capable(CAP_SYS_ADMIN) and not (
            knobs.io_uring_group >= 0 and t.cred.in_group(knobs.io_uring_group)):
        raise Errno(EPERM)


@syscall("sys_io_uring_setup")
def sys_io_uring_setup(t: Task, entries: int, params: int, *_: int) -> int:
    entries &= 0xFFFFFFFF
    _allowed(t)
    fields = list(IO_URING_PARAMS.unpack(copy_from_user(t.mm, params, IO_URING_PARAMS.size)))
    sq_entries, cq_entries, flags = fields[0], fields[1], fields[2]
    if any(fields[7:10]):
        raise Errno(EINVAL)  # resv[]
    if flags & ~_SETUP_FLAGS:
        raise Errno(EINVAL)  # SQPOLL, IOPOLL and the later setup modes: not here
    if not entries:
        raise Errno(EINVAL)
    if entries > IORING_MAX_ENTRIES:
        if not flags & IORING_SETUP_CLAMP:
            raise Errno(EINVAL)
        entries = IORING_MAX_ENTRIES
    sq_entries = _roundup_pow2(entries)
    if flags & IORING_SETUP_CQSIZE:
        if not cq_entries:
            raise Errno(EINVAL)
        if cq_entries > IORING_MAX_CQ_ENTRIES:
            if not flags & IORING_SETUP_CLAMP:
                raise Errno(EINVAL)
            cq_entries = IORING_MAX_CQ_ENTRIES
        cq_entries = _roundup_pow2(cq_entries)
        if cq_entries < sq_entries:
            raise Errno(EINVAL)
    else:
        cq_entries = 2 * sq_entries
    ring = IoUring(t.machine.ram, sq_entries, cq_entries, flags)
    array = ring.array_offset
    fields[0], fields[1], fields[5] = sq_entries, cq_entries, _FEATURES
    fields[10:19] = [SQ_HEAD, SQ_TAIL, SQ_RING_MASK, SQ_RING_ENTRIES, SQ_FLAGS, SQ_DROPPED, array, 0, 0]
    fields[19:28] = [CQ_HEAD, CQ_TAIL, CQ_RING_MASK, CQ_RING_ENTRIES, CQ_OVERFLOW, CQES, CQ_FLAGS, 0, 0]
    copy_to_user(t.mm, params, IO_URING_PARAMS.pack(*fields))
    f = OpenFile(ring, O_RDWR, b"anon_inode:[io_uring]")
    try:
        return t.files.install(f, cloexec=True, limit=t.nofile())  # io_uring_get_file: O_CLOEXEC always
    except Errno:
        ring.release(f)
        raise


# -- the requests --


def _file(t: Task, sqe: Sqe) -> OpenFile:
    if sqe[FLAGS] & IOSQE_FIXED_FILE:
        raise Errno(EBADF)  # no files registered (IORING_REGISTER_FILES is not here)
    return fd_nopath(t, sqe[FD])


def _rw(t: Task, f: OpenFile, sqe: Sqe, vecs: list[tuple[int, int]], *, write: bool) -> int:
    """io_read / io_write: at `off`, or at the file's own position for -1 (IORING_FEAT_RW_CUR_POS); a
    stream (pipe, socket) has no position and ignores it."""
    if not (f.writable() if write else f.readable()):
        raise Errno(EBADF)
    _flag_errors(f, sqe[OP_FLAGS], write=write)
    pos = sqe[OFF] - (1 << 64) if sqe[OFF] >> 63 else sqe[OFF]
    if pos < -1:
        raise Errno(EINVAL)
    positioned = f.inode.seekable() and pos != -1
    saved = f.offset
    if positioned:
        f.offset = pos
    try:
        return _write_from(t, f, vecs) if write else do_readv(t, f, vecs)
    finally:
        if positioned:
            f.offset = saved


def _fixed(ring: IoUring, sqe: Sqe) -> list[tuple[int, int]]:
    """io_import_fixed: the range must lie inside registered buffer buf_index."""
    buffers = ring.buffers
    if buffers is None or sqe[BUF_INDEX] >= len(buffers):
        raise Errno(EFAULT)
    base, length = buffers[sqe[BUF_INDEX]]
    addr, n = sqe[ADDR], sqe[LEN]
    if addr < base or addr + n > base + length:
        raise Errno(EFAULT)
    return [(addr, n)]


def _issue(t: Task, ring: IoUring, sqe: Sqe) -> int:
    """One request, done now: its result (a CQE's res), or an Errno, or Sleep when it would block."""
    op = sqe[OPCODE]
    if sqe[FLAGS] & ~_SQE_FLAGS or sqe[FLAGS] & IOSQE_BUFFER_SELECT:
        raise Errno(EINVAL)  # no provided buffers to select from
    if sqe[PERSONALITY]:
        raise Errno(EINVAL)  # no personalities registered
    if op == IORING_OP_NOP:
        return 0
    if op in (IORING_OP_READV, IORING_OP_WRITEV):
        f = _file(t, sqe)
        return _rw(t, f, sqe, _iovecs(t, sqe[ADDR], sqe[LEN]), write=op == IORING_OP_WRITEV)
    if op in (IORING_OP_READ, IORING_OP_WRITE):
        f = _file(t, sqe)
        if not access_ok(sqe[ADDR], sqe[LEN]):
            raise Errno(EFAULT)
        return _rw(t, f, sqe, [(sqe[ADDR], sqe[LEN])], write=op == IORING_OP_WRITE)
    if op in (IORING_OP_READ_FIXED, IORING_OP_WRITE_FIXED):
        f = _file(t, sqe)
        return _rw(t, f, sqe, _fixed(ring, sqe), write=op == IORING_OP_WRITE_FIXED)
    if op == IORING_OP_FSYNC:
        if sqe[ADDR] or sqe[LEN] or sqe[OP_FLAGS] & ~IORING_FSYNC_DATASYNC:
            raise Errno(EINVAL)
        _file(t, sqe)
        return do_fsync(t, sqe[FD])
    if op in (IORING_OP_SENDMSG, IORING_OP_RECVMSG):
        _file(t, sqe)
        if op == IORING_OP_SENDMSG:
            return do_sendmsg(t, sqe[FD], sqe[ADDR], sqe[OP_FLAGS] | MSG_NOSIGNAL)  # io_sendmsg_prep
        return do_recvmsg(t, sqe[FD], sqe[ADDR], sqe[OP_FLAGS])
    if op == IORING_OP_CLOSE:
        if sqe[FLAGS] & IOSQE_FIXED_FILE or sqe[OFF] or sqe[ADDR] or sqe[LEN] or sqe[OP_FLAGS] or sqe[BUF_INDEX]:
            raise Errno(EINVAL)
        f = t.files.get(s32(sqe[FD]))
        if isinstance(f.inode, IoUring):
            raise Errno(EBADF)  # io_close: a ring does not close itself from inside
        t.files.close(s32(sqe[FD]))
        return 0
    raise Errno(EINVAL)  # an opcode this machine does not run


def _run_chain(t: Task, ring: IoUring, chain: list[Sqe]) -> Pending | None:
    """Run a link chain in order; a failure ends a soft link: the rest are cancelled. A Pending for the
    request that would block, with the rest of the chain behind it."""
    cancel = False
    for at, sqe in enumerate(chain):
        if cancel:
            ring.post(sqe[USER_DATA], -ECANCELED)
            cancel = bool(sqe[FLAGS] & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK))
            continue
        try:
            res = _issue(t, ring, sqe)
        except Sleep as sleep:
            return Pending(chain[at:], sleep)
        except Errno as exc:
            res = -exc.errno
        short = sqe[OPCODE] in (IORING_OP_READV, IORING_OP_WRITEV, IORING_OP_READ, IORING_OP_WRITE,
                                IORING_OP_READ_FIXED, IORING_OP_WRITE_FIXED) and 0 <= res < _wanted(t, sqe)
        if res < 0 or not sqe[FLAGS] & IOSQE_CQE_SKIP_SUCCESS:
            ring.post(sqe[USER_DATA], res)
        cancel = bool(sqe[FLAGS] & IOSQE_IO_LINK) and not sqe[FLAGS] & IOSQE_IO_HARDLINK and (res < 0 or short)
    return None


def _wanted(t: Task, sqe: Sqe) -> int:
    """The bytes a read or write asked for: what a shorter result falls short of (req_set_fail on a link)."""
    if sqe[OPCODE] in (IORING_OP_READV, IORING_OP_WRITEV):
        try:
            return sum(n for _, n in _iovecs(t, sqe[ADDR], sqe[LEN]))
        except Errno:
            return 0
    return int(sqe[LEN])


def _retry_pending(t: Task, ring: IoUring) -> None:
    """Kept requests whose wait is over run again (io-wq finishing them)."""
    kept: list[Pending] = []
    for pending in ring.pending:
        again = _run_chain(t, ring, pending.chain) if pending.sleep.ready() else pending
        if again is not None:
            kept.append(again)
    ring.pending = kept


def _submit(t: Task, ring: IoUring, to_submit: int) -> int:
    """io_submit_sqes: up to `to_submit` SQEs (as many as are queued), chains gathered by IOSQE_IO_LINK."""
    count = min(to_submit, ring.sq_ready(), ring.sq_entries)
    if count and len(ring.pending) >= ring.cq_entries:
        raise Errno(EBUSY)  # as many requests in flight as the CQ can take
    submitted = 0
    chain: list[Sqe] = []
    while submitted < count:
        raw = ring.next_sqe()
        if raw is None:
            break
        submitted += 1
        sqe = IO_URING_SQE.unpack(raw)
        chain.append(sqe)
        if sqe[FLAGS] & (IOSQE_IO_LINK | IOSQE_IO_HARDLINK) and submitted < count:
            continue
        kept = _run_chain(t, ring, chain)
        if kept is not None:
            ring.pending.append(kept)
        chain = []
    ring.commit_sq_head()
    return submitted


@syscall("sys_io_uring_enter")
def sys_io_uring_enter(t: Task, fd: int, to_submit: int, min_complete: int, flags: int, argp: int,
                       argsz: int) -> int:
    to_submit, min_complete, flags = to_submit & 0xFFFFFFFF, min_complete & 0xFFFFFFFF, flags & 0xFFFFFFFF
    if flags & ~_ENTER_FLAGS:
        raise Errno(EINVAL)  # EXT_ARG and registered rings are not here
    ring = fd_nopath(t, fd).inode
    if not isinstance(ring, IoUring):
        raise Errno(EOPNOTSUPP)
    submitted = ring.carried.pop(t.tid, None)
    if submitted is None:
        _retry_pending(t, ring)
        submitted = _submit(t, ring, to_submit)
    if not flags & IORING_ENTER_GETEVENTS:
        return submitted
    _retry_pending(t, ring)
    wanted = min(min_complete, ring.cq_entries)
    if ring.cq_ready() >= wanted:
        select._restore_mask(t)
        return submitted
    if t.sigpending:
        select._restore_mask(t)
        if submitted:
            return submitted
        raise Errno(EINTR)
    if argp:
        select._swap_mask(t, argp, argsz)
    ring.carried[t.tid] = submitted

    def interrupted() -> int | None:
        ring.carried.pop(t.tid, None)
        return None

    waits: list[Callable[[], bool]] = [p.sleep.ready for p in ring.pending]
    raise Sleep(lambda: ring.cq_ready() >= wanted or any(ready() for ready in waits), restartable=False,
                on_interrupt=interrupted)


# -- register --


def _register_buffers(t: Task, ring: IoUring, arg: int, nr_args: int) -> None:
    """io_sqe_buffers_register: nr_args iovecs, each mapped memory of at most 1 GiB."""
    if ring.buffers is not None:
        raise Errno(EBUSY)
    if not nr_args or nr_args > IORING_MAX_REG_BUFFERS:
        raise Errno(EINVAL)
    raw = copy_from_user(t.mm, arg, IOVEC.size * nr_args)
    vecs = [IOVEC.unpack_from(raw, i * IOVEC.size) for i in range(nr_args)]
    for base, n in vecs:
        if not base and not n:
            continue  # a sparse slot
        if not base or not n or n > _SZ_1G:
            raise Errno(EFAULT)
        if not t.mm.covers(base & ~0xFFF, (base + n + 0xFFF) & ~0xFFF):
            raise Errno(EFAULT)  # pin_user_pages finds no page there
    ring.buffers = vecs


def _probe(t: Task, arg: int, nr_args: int) -> None:
    """io_probe: the ops this kernel runs, flagged IO_URING_OP_SUPPORTED."""
    nr = min(nr_args, _LAST_OP + 1)
    raw = copy_from_user(t.mm, arg, IO_URING_PROBE.size + nr_args * IO_URING_PROBE_OP.size)
    if any(raw):
        raise Errno(EINVAL)
    supported = {IORING_OP_NOP, IORING_OP_READV, IORING_OP_WRITEV, IORING_OP_FSYNC, IORING_OP_READ_FIXED,
                 IORING_OP_WRITE_FIXED, IORING_OP_SENDMSG, IORING_OP_RECVMSG, IORING_OP_CLOSE, IORING_OP_READ,
                 IORING_OP_WRITE}
    out = IO_URING_PROBE.pack(_LAST_OP, nr, 0, 0, 0, 0)
    out += b"".join(IO_URING_PROBE_OP.pack(op, 0, IO_URING_OP_SUPPORTED if op in supported else 0, 0)
                    for op in range(nr))
    copy_to_user(t.mm, arg, out)


@syscall("sys_io_uring_register")
def sys_io_uring_register(t: Task, fd: int, opcode: int, arg: int, nr_args: int, *_: int) -> int:
    opcode, nr_args = opcode & 0xFFFFFFFF, nr_args & 0xFFFFFFFF
    ring = fd_nopath(t, fd).inode
    if not isinstance(ring, IoUring):
        raise Errno(EOPNOTSUPP)
    if opcode == IORING_REGISTER_BUFFERS:
        _register_buffers(t, ring, arg, nr_args)
    elif opcode == IORING_UNREGISTER_BUFFERS:
        if arg or nr_args:
            raise Errno(EINVAL)
        if ring.buffers is None:
            raise Errno(ENXIO)
        ring.buffers = None
    elif opcode == IORING_REGISTER_PROBE:
        if not arg or nr_args > 256:
            raise Errno(EINVAL)
        _probe(t, arg, nr_args)
    else:
        raise Errno(EINVAL)  # files, eventfds, personalities, restrictions ... are not here
    return 0


