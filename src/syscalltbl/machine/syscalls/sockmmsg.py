"""sendmmsg and recvmmsg (net/socket.c): sendmsg and recvmsg over a vector of struct mmsghdr.

Each entry is a msghdr followed by msg_len, where the call stores what that
message moved. An error ends the loop; it is the call's answer only when no
message moved, as Linux answers.

A call that sleeps for its next message (a recvmmsg without
MSG_WAITFORONE, a sendmmsg on a full buffer) must not lose or repeat the
ones it already moved when it runs again: how far it got is kept per task
until the call ends. A signal that ends the sleep ends the call with EINTR,
the messages moved before it counted as Linux would not (it answers their
number).
"""

from __future__ import annotations

import time
import weakref
from typing import Any

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.syscalls.socket import socket_file
from syscalltbl.machine.syscalls.sockmsg import do_recvmsg, do_sendmsg
from syscalltbl.machine.uapi.errno import EAGAIN, EINVAL, Errno
from syscalltbl.machine.uapi.misc import UIO_MAXIOV
from syscalltbl.machine.uapi.socket import MMSGHDR, MSG_DONTWAIT, MSG_ERRQUEUE, MSG_OOB, MSG_WAITFORONE
from syscalltbl.machine.uapi.structs import TIMESPEC

MSG_LEN_OFFSET = MMSGHDR.size - 8  # struct mmsghdr's msg_len, after the 56-byte msghdr
MSG_FLAGS_OFFSET = 48

#: task -> (the call's arguments, messages already sent): a sendmmsg that slept.
_SENDING: weakref.WeakKeyDictionary[Task, tuple[tuple[int, int, int, int], int]] = weakref.WeakKeyDictionary()
#: task -> (the call's arguments, messages already received, its deadline): a recvmmsg that slept.
_RECEIVING: weakref.WeakKeyDictionary[Task, tuple[tuple[int, int, int, int], int, float | None]] = (
    weakref.WeakKeyDictionary())


@syscall("sys_sendmmsg")
def sys_sendmmsg(t: Task, fd: int, mmsg: int, vlen: int, flags: int, *_: int) -> int:
    vlen = min(vlen & 0xFFFFFFFF, UIO_MAXIOV)
    args = (fd, mmsg, vlen, flags & 0xFFFFFFFF)
    saved = _SENDING.pop(t, None)
    sent = saved[1] if saved is not None and saved[0] == args else 0
    socket_file(t, fd)
    err = 0
    while sent < vlen:
        entry = mmsg + sent * MMSGHDR.size
        try:
            value = do_sendmsg(t, fd, entry, flags)
            copy_to_user(t.mm, entry + MSG_LEN_OFFSET, value.to_bytes(4, "little"))
        except Sleep as sleep:
            if sent:
                _SENDING[t] = (args, sent)  # the call runs again from the message that waits
                _forget_on_interrupt(sleep, t, _SENDING)
            raise
        except Errno as exc:
            err = exc.errno
            break
        sent += 1
    if sent:
        return sent
    if err:
        raise Errno(err)
    return 0


def _timeout(t: Task, timeout: int) -> float | None:
    """__sys_recvmmsg's timeout: EINVAL for a time that is no time (poll_select_set_timeout)."""
    if not timeout:
        return None
    sec, nsec = TIMESPEC.unpack(copy_from_user(t.mm, timeout, TIMESPEC.size))
    if sec < 0 or not 0 <= nsec < 1_000_000_000:
        raise Errno(EINVAL)
    return time.monotonic() + float(sec) + float(nsec) / 1e9


@syscall("sys_recvmmsg")
def sys_recvmmsg(t: Task, fd: int, mmsg: int, vlen: int, flags: int, timeout: int, *_: int) -> int:
    vlen = min(vlen & 0xFFFFFFFF, UIO_MAXIOV)
    flags &= 0xFFFFFFFF
    args = (fd, mmsg, vlen, flags)
    saved = _RECEIVING.pop(t, None)
    if saved is not None and saved[0] == args:
        received, deadline = saved[1], saved[2]
    else:
        deadline = _timeout(t, timeout)
        received = 0
        sock = socket_file(t, fd)[1]
        if not flags & MSG_ERRQUEUE:
            err = sock.sock_error()
            if err:
                raise Errno(err)
    err = 0
    while received < vlen:
        entry = mmsg + received * MMSGHDR.size
        each = flags & ~MSG_WAITFORONE
        if received and flags & MSG_WAITFORONE:
            each |= MSG_DONTWAIT
        try:
            value = do_recvmsg(t, fd, entry, each)
        except Sleep as sleep:
            if received:
                _RECEIVING[t] = (args, received, deadline)
                _forget_on_interrupt(sleep, t, _RECEIVING)
            raise
        except Errno as exc:
            err = exc.errno
            break
        copy_to_user(t.mm, entry + MSG_LEN_OFFSET, value.to_bytes(4, "little"))
        received += 1
        if deadline is not None:
            left = deadline - time.monotonic()
            if timeout:
                _store_left(t, timeout, max(left, 0.0))
            if left <= 0:
                break
        (out_flags,) = MMSGHDR.unpack_from(copy_from_user(t.mm, entry, MMSGHDR.size))[6:7]
        if out_flags & MSG_OOB:
            break
    if not received:
        if err:
            raise Errno(err)
        return 0
    if err and err != EAGAIN:
        socket_file(t, fd)[1].err = err  # do_recvmmsg: the error waits for the next call
    return received


def _store_left(t: Task, timeout: int, left: float) -> None:
    """The time left, written back to the caller's timeout."""
    sec = int(left)
    copy_to_user(t.mm, timeout, TIMESPEC.pack(sec, int((left - sec) * 1e9)))


def _forget_on_interrupt(sleep: Sleep, t: Task, progress: weakref.WeakKeyDictionary[Task, Any]) -> None:
    """A signal that ends the sleep ends the call: what it had done is not resumed by a later call."""
    inner = sleep.on_interrupt

    def interrupted() -> int | None:
        progress.pop(t, None)
        return inner() if inner is not None else None

    sleep.on_interrupt = interrupted
