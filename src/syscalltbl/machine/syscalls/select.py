"""poll, ppoll, select and pselect6 (fs/select.c): descriptors' readiness, with timeouts, fd_set bitmaps and a mask.

A call that must wait sleeps until a descriptor is ready, its
deadline passes or a handled signal arrives (EINTR, never restarted); the
deadline is kept across the re-runs that follow each wake-up. ppoll and
pselect6 swap in their signal mask for the wait, as sigsuspend does, and
write back the time left; so does select, as Linux does.
"""

from __future__ import annotations

import struct
import time
import weakref
from collections.abc import Callable

from syscalltbl.machine.kernel import signals
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user, user_range
from syscalltbl.machine.kernel.vfs import HostFile, Inode
from syscalltbl.machine.kernel.wait import HOST_POLL_INTERVAL, Sleep
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.readiness import wake_time
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EBADF, EINTR, EINVAL, Errno
from syscalltbl.machine.uapi.fcntl import O_PATH
from syscalltbl.machine.uapi.misc import NR_OPEN
from syscalltbl.machine.uapi.personality import STICKY_TIMEOUTS
from syscalltbl.machine.uapi.poll import POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDNORM, POLLWRNORM
from syscalltbl.machine.uapi.structs import POLLFD, SIGSET_ARGUMENT, TIMESPEC

NSEC = 1_000_000_000
# fs/select.c: what each fd_set asks of a file's poll mask.
POLLIN_SET = POLLRDNORM | POLLIN | POLLHUP | POLLERR
POLLOUT_SET = POLLWRNORM | POLLOUT | POLLERR
POLLEX_SET = POLLPRI

_waits: weakref.WeakKeyDictionary[Task, tuple[tuple[int, ...], float | None]] = weakref.WeakKeyDictionary()


def _deadline(t: Task, args: tuple[int, ...], timeout_ns: int | None) -> float | None:
    """The call's deadline: from its first run, even when this is a re-run after a wake-up."""
    earlier = _waits.pop(t, None)
    if earlier is not None and earlier[0] == args:
        return earlier[1]
    return None if timeout_ns is None else time.monotonic() + timeout_ns / NSEC


def _timespec(t: Task, addr: int, *, micro: bool = False) -> int | None:
    if not addr:
        return None
    sec: int
    frac: int
    sec, frac = TIMESPEC.unpack(copy_from_user(t.mm, addr, TIMESPEC.size))
    if micro:
        # kern_select folds whole seconds out of tv_usec first (C's truncating / and %).
        whole = abs(frac) // 1_000_000 * (1 if frac >= 0 else -1)
        sec, frac = sec + whole, (frac - whole * 1_000_000) * 1000
    if sec < 0 or not 0 <= frac < NSEC:
        raise Errno(EINVAL)
    return sec * NSEC + frac


def _write_left(t: Task, addr: int, deadline: float | None, *, micro: bool = False) -> None:
    """poll_select_finish: the time left, unless the timeout was zero; a timeout it cannot write is ignored."""
    if not addr or deadline is None or t.personality & STICKY_TIMEOUTS:
        return  # STICKY_TIMEOUTS: the caller's timeout is left as it gave it
    try:
        if not any(TIMESPEC.unpack(copy_from_user(t.mm, addr, TIMESPEC.size))):
            return
        left = max(int((deadline - time.monotonic()) * NSEC), 0)
        frac = left % NSEC // (1000 if micro else 1)
        copy_to_user(t.mm, addr, TIMESPEC.pack(left // NSEC, frac))
    except Errno:
        pass


def _swap_mask(t: Task, addr: int, size: int) -> None:
    """Wait under the caller's mask; the old one comes back on return, or through the handler's frame."""
    if not addr:
        return
    if size != signals.KERNEL_SIGSET_SIZE:
        raise Errno(EINVAL)
    (mask,) = struct.unpack("<Q", copy_from_user(t.mm, addr, 8))
    s = t.signals
    if s.saved_mask is None:  # not again on a re-run: the saved one is the caller's own
        s.saved_mask = s.blocked
    signals.set_blocked(t, mask)
    signals.discard_ignored(t)  # -ERESTARTNOHAND with no handler: such a signal ends nothing


def _restore_mask(t: Task) -> None:
    s = t.signals
    if s.saved_mask is not None:
        signals.set_blocked(t, s.saved_mask)
        s.saved_mask = None


def _sleep(
    t: Task,
    args: tuple[int, ...],
    deadline: float | None,
    ready: Callable[[], bool],
    inodes: list[Inode],
    timeout_addr: int,
    *,
    micro: bool = False,
) -> Sleep:
    _waits[t] = (args, deadline)
    # Nothing wakes the scheduler for a host descriptor: look again every so often. Nor for a
    # timer's expiry: look again then.
    host = time.monotonic() + HOST_POLL_INTERVAL if any(isinstance(i, HostFile) for i in inodes) else None
    times = [w for w in (host, wake_time(inodes)) if w is not None]
    recheck = min(times) if times else None
    wake = recheck if deadline is None else min(deadline, recheck or deadline)

    def woken() -> bool:
        try:
            return ready() or (wake is not None and time.monotonic() >= wake)
        except Errno:
            return True  # a descriptor went away (closed by a CLONE_FILES sibling): the call re-runs and says so

    def interrupted() -> int | None:
        _waits.pop(t, None)
        _write_left(t, timeout_addr, deadline, micro=micro)
        return None

    return Sleep(woken, deadline, restartable=False, recheck=recheck, on_interrupt=interrupted)


def _revents(t: Task, fds: list[tuple[int, int]]) -> list[int]:
    out = []
    for fd, events in fds:
        if fd < 0:
            out.append(0)
            continue
        entry = t.files.fds.get(fd)
        if entry is None or entry[0].flags & O_PATH:  # fdget: an O_PATH descriptor is not one to poll
            out.append(POLLNVAL)
            continue
        f = entry[0]
        # Linux always reports these three, asked for or not.
        out.append(f.inode.poll(f) & ((events & 0xFFFF) | POLLERR | POLLHUP | POLLNVAL))
    return out


def _inodes(t: Task, fds: list[int]) -> list[Inode]:
    return [e[0].inode for fd in fds if (e := t.files.fds.get(fd)) is not None]


@syscall("sys_poll")
def sys_poll(t: Task, ufds: int, nfds: int, timeout_msecs: int, *_: int) -> int:
    timeout = timeout_msecs
    return _poll(t, ufds, nfds, None if timeout < 0 else timeout * 1_000_000, (ufds, nfds, timeout_msecs), 0)


@syscall("sys_ppoll")
def sys_ppoll(t: Task, ufds: int, nfds: int, tsp: int, sigmask: int, sigsetsize: int, *_: int) -> int:
    try:
        return _ppoll(t, ufds, nfds, tsp, sigmask, sigsetsize)
    except Errno as exc:
        if exc.errno != EINTR:
            _restore_mask(t)  # EINTR leaves it to the handler's frame
        raise


def _ppoll(t: Task, ufds: int, nfds: int, tsp: int, sigmask: int, sigsetsize: int) -> int:
    timeout = _timespec(t, tsp)
    _swap_mask(t, sigmask, sigsetsize)
    return _poll(t, ufds, nfds, timeout, (ufds, nfds, tsp, sigmask), tsp)


def _poll(t: Task, ufds: int, nfds: int, timeout_ns: int | None, args: tuple[int, ...], tsp: int) -> int:
    """do_sys_poll: the ready count; `args` tell a re-run of the same call, `tsp` gets the time left."""
    nfds &= 0xFFFFFFFF  # unsigned int
    if nfds > NR_OPEN:
        raise Errno(EINVAL)  # past RLIMIT_NOFILE
    raw = copy_from_user(t.mm, ufds, POLLFD.size * nfds)
    fds = [POLLFD.unpack_from(raw, i * POLLFD.size)[:2] for i in range(nfds)]
    deadline = _deadline(t, args, timeout_ns)
    revents = _revents(t, fds)
    ready = sum(1 for r in revents if r)
    if ready or (deadline is not None and time.monotonic() >= deadline):
        copy_to_user(t.mm, ufds, b"".join(POLLFD.pack(fd, ev, r) for (fd, ev), r in zip(fds, revents, strict=True)))
        _write_left(t, tsp, deadline)
        _restore_mask(t)
        return ready
    if t.sigpending:
        _write_left(t, tsp, deadline)
        raise Errno(EINTR)  # a signal the new mask lets through was already pending
    user_range(t.mm, ufds, len(raw), write=True)  # EFAULT now, not after the wait
    raise _sleep(t, args, deadline, lambda: any(_revents(t, fds)), _inodes(t, [fd for fd, _ in fds]), tsp)


def _fd_sets(t: Task, n: int, addrs: tuple[int, int, int]) -> list[int]:
    size = (n + 63) // 64 * 8
    return [int.from_bytes(copy_from_user(t.mm, a, size), "little") if a else 0 for a in addrs]


def _selected(t: Task, n: int, wanted: list[int]) -> list[int]:
    """The ready bits of each set (do_select): EBADF for a closed descriptor in any set."""
    found = [0, 0, 0]
    for fd in range(n):
        bit = 1 << fd
        if not (wanted[0] | wanted[1] | wanted[2]) & bit:
            continue
        entry = t.files.fds.get(fd)
        if entry is None:
            raise Errno(EBADF)
        mask = entry[0].inode.poll(entry[0])
        for i, interest in enumerate((POLLIN_SET, POLLOUT_SET, POLLEX_SET)):
            if wanted[i] & bit and mask & interest:
                found[i] |= bit
    return found


def _select(t: Task, n: int, addrs: tuple[int, int, int], timeout_ns: int | None, args: tuple[int, ...],
            timeout_addr: int, *, micro: bool) -> int:
    n = s32(n)
    if n < 0:
        raise Errno(EINVAL)
    n = min(n, t.files.max_fds)  # core_sys_select: the rest of the sets is never looked at
    wanted = _fd_sets(t, n, addrs)
    deadline = _deadline(t, args, timeout_ns)
    found = _selected(t, n, wanted)
    count = sum(bin(x).count("1") for x in found)
    if count or (deadline is not None and time.monotonic() >= deadline):
        size = (n + 63) // 64 * 8
        for addr, bits in zip(addrs, found, strict=True):
            if addr:
                copy_to_user(t.mm, addr, bits.to_bytes(size, "little"))
        _write_left(t, timeout_addr, deadline, micro=micro)
        return count
    if t.sigpending:
        _write_left(t, timeout_addr, deadline, micro=micro)
        raise Errno(EINTR)
    watched = [fd for fd in range(n) if (wanted[0] | wanted[1] | wanted[2]) >> fd & 1]
    raise _sleep(t, args, deadline, lambda: any(_selected(t, n, wanted)), _inodes(t, watched), timeout_addr,
                 micro=micro)


@syscall("sys_select")
def sys_select(t: Task, n: int, inp: int, outp: int, exp: int, tvp: int, *_: int) -> int:
    return _select(t, n, (inp, outp, exp), _timespec(t, tvp, micro=True), (n, inp, outp, exp, tvp), tvp,
                   micro=True)


@syscall("sys_pselect6")
def sys_pselect6(t: Task, n: int, inp: int, outp: int, exp: int, tsp: int, sig: int) -> int:
    try:
        if sig:
            mask_addr, mask_size = SIGSET_ARGUMENT.unpack(copy_from_user(t.mm, sig, SIGSET_ARGUMENT.size))
            _swap_mask(t, mask_addr, mask_size)
        args = (n, inp, outp, exp, tsp, sig)
        result = _select(t, n, (inp, outp, exp), _timespec(t, tsp), args, tsp, micro=False)
    except Errno as exc:
        if exc.errno != EINTR:
            _restore_mask(t)  # EINTR leaves it to the handler's frame
        raise
    _restore_mask(t)
    return result
