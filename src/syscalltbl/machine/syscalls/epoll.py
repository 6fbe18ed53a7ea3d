"""epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait, epoll_pwait2 (fs/eventpoll.c).

The instances and their items are eventpoll.py's; here are the calls'
checks, in Linux's order, and the waits: a timeout kept across the re-runs
that follow wake-ups, the signal mask of the pwait calls (as ppoll's, from
select.py), EINTR after any handler, and nothing reported that could not be
stored.
"""

from __future__ import annotations

import time

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import access_ok, copy_from_user, copy_to_user, user_extent
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.syscalls import select
from syscalltbl.machine.syscalls.eventpoll import EventPoll, can_poll, paths_fit, watchers
from syscalltbl.machine.syscalls.fs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import (
    EBADF,
    EEXIST,
    EFAULT,
    EINTR,
    EINVAL,
    ELOOP,
    ENOENT,
    EPERM,
    Errno,
)
from syscalltbl.machine.uapi.eventpoll import (
    EP_MAX_EVENTS,
    EP_MAX_NESTS,
    EPOLL_CLOEXEC,
    EPOLL_CTL_ADD,
    EPOLL_CTL_DEL,
    EPOLL_CTL_MOD,
    EPOLL_EVENT,
    EPOLLERR,
    EPOLLEXCLUSIVE,
    EPOLLEXCLUSIVE_OK_BITS,
    EPOLLHUP,
    EPOLLWAKEUP,
)
from syscalltbl.machine.uapi.fcntl import O_PATH, O_RDWR


def _epoll_of(t: Task, epfd: int) -> tuple[OpenFile, EventPoll]:
    f = t.files.get(s32(epfd))
    if not isinstance(f.inode, EventPoll):
        raise Errno(EINVAL)
    return f, f.inode


def do_epoll_create(t: Task, flags: int) -> int:
    if flags & ~EPOLL_CLOEXEC:
        raise Errno(EINVAL)
    ep = EventPoll(t)
    ep.file = f = OpenFile(ep, O_RDWR, b"anon_inode:[eventpoll]")
    return t.files.install(f, cloexec=bool(flags & EPOLL_CLOEXEC), limit=t.nofile())


@syscall("sys_epoll_create1")
def sys_epoll_create1(t: Task, flags: int, *_: int) -> int:
    return do_epoll_create(t, s32(flags))


@syscall("sys_epoll_create")
def sys_epoll_create(t: Task, size: int, *_: int) -> int:
    if s32(size) <= 0:
        raise Errno(EINVAL)
    return do_epoll_create(t, 0)


@syscall("sys_epoll_ctl")
def sys_epoll_ctl(t: Task, epfd: int, op: int, fd: int, event: int, *_: int) -> int:
    op, fd = s32(op), s32(fd)
    events = data = 0
    if op != EPOLL_CTL_DEL:  # ep_op_has_event: unknown ops copy it too, and then fail
        events, data = EPOLL_EVENT.unpack(copy_from_user(t.mm, event, EPOLL_EVENT.size))
    f = t.files.get(s32(epfd))
    target = t.files.get(fd)
    if f.flags & O_PATH or target.flags & O_PATH:
        raise Errno(EBADF)  # fdget does not see O_PATH descriptors
    if not can_poll(target.inode):
        raise Errno(EPERM)
    if events & EPOLLWAKEUP and t.cred.euid != 0:
        events &= ~EPOLLWAKEUP  # without CAP_BLOCK_SUSPEND it is dropped, not refused
    if f is target or not isinstance(f.inode, EventPoll):
        raise Errno(EINVAL)
    ep = f.inode
    if op != EPOLL_CTL_DEL and events & EPOLLEXCLUSIVE:
        if op == EPOLL_CTL_MOD:
            raise Errno(EINVAL)
        if op == EPOLL_CTL_ADD and (isinstance(target.inode, EventPoll) or events & ~EPOLLEXCLUSIVE_OK_BITS):
            raise Errno(EINVAL)
    # ep_loop_check: no cycle, and no chain of instances deeper than EP_MAX_NESTS.
    if (op == EPOLL_CTL_ADD and isinstance(target.inode, EventPoll)
            and target.inode.depth_below(ep, {}) + 1 + ep.depth_above({}) > EP_MAX_NESTS):
        raise Errno(ELOOP)
    ep.live()
    item = ep.items.get((fd, id(target)))
    if op == EPOLL_CTL_ADD:
        if item is not None:
            raise Errno(EEXIST)
        ep.insert(fd, target, events | EPOLLERR | EPOLLHUP, data)
        # ep_insert's full check, when instances nest: too many wake-up paths from a file is EINVAL.
        if isinstance(target.inode, EventPoll) or watchers(ep.file):
            checked = target.inode.plain_files(set()) if isinstance(target.inode, EventPoll) else [target]
            if not all(paths_fit(g) for g in checked):
                ep.remove(fd, target)
                raise Errno(EINVAL)
        return 0
    if op == EPOLL_CTL_DEL:
        if item is None:
            raise Errno(ENOENT)
        ep.remove(fd, target)
        return 0
    if op == EPOLL_CTL_MOD:
        if item is None:
            raise Errno(ENOENT)
        if item.events & EPOLLEXCLUSIVE:
            raise Errno(EINVAL)
        # ep_modify: new events and data, and the item is looked at afresh (due again if ready).
        item.events, item.data, item.seen = events | EPOLLERR | EPOLLHUP, data, None
        return 0
    raise Errno(EINVAL)


def _epoll_wait(t: Task, epfd: int, events: int, maxevents: int, timeout_ns: int | None,
                args: tuple[int, ...]) -> int:
    """do_epoll_wait: the ready items (at most `maxevents`), waiting for one until the timeout."""
    maxevents = s32(maxevents)
    if maxevents <= 0 or maxevents > EP_MAX_EVENTS:
        raise Errno(EINVAL)
    if not access_ok(events, maxevents * EPOLL_EVENT.size):
        raise Errno(EFAULT)
    _, ep = _epoll_of(t, epfd)
    deadline = select._deadline(t, args, timeout_ns)
    found = ep.harvest(maxevents)
    if found:
        # ep_send_events stops at the first event it cannot store: what was not stored stays ready.
        fits = user_extent(t.mm, events, len(found) * EPOLL_EVENT.size, write=True) // EPOLL_EVENT.size
        if not fits:
            raise Errno(EFAULT)
        found = found[:fits]
        copy_to_user(t.mm, events, b"".join(EPOLL_EVENT.pack(r, item.data) for item, r, _ in found))
        ep.reported(found)
        select._restore_mask(t)
        return len(found)
    if deadline is not None and time.monotonic() >= deadline:
        select._restore_mask(t)
        return 0
    if t.sigpending:
        raise Errno(EINTR)  # epoll_wait is never restarted after a handler
    raise select._sleep(t, args, deadline, lambda: bool(ep.harvest(1)), [ep], 0)


def _with_mask(t: Task, sigmask: int, sigsetsize: int, wait: tuple[int, int, int, int | None, tuple[int, ...]]) -> int:
    """epoll_pwait's signal mask: in force while it waits, the old one back unless a handler runs (EINTR)."""
    try:
        select._swap_mask(t, sigmask, sigsetsize)
        return _epoll_wait(t, *wait)
    except Errno as exc:
        if exc.errno != EINTR:
            select._restore_mask(t)
        raise


@syscall("sys_epoll_wait")
def sys_epoll_wait(t: Task, epfd: int, events: int, maxevents: int, timeout: int, *_: int) -> int:
    ms = s32(timeout)
    return _epoll_wait(t, epfd, events, maxevents, None if ms < 0 else ms * 1_000_000, (epfd, events, maxevents, ms))


@syscall("sys_epoll_pwait")
def sys_epoll_pwait(t: Task, epfd: int, events: int, maxevents: int, timeout: int, sigmask: int,
                    sigsetsize: int) -> int:
    ms = s32(timeout)
    args = (epfd, events, maxevents, ms, sigmask)
    return _with_mask(t, sigmask, sigsetsize, (epfd, events, maxevents, None if ms < 0 else ms * 1_000_000, args))


@syscall("sys_epoll_pwait2")
def sys_epoll_pwait2(t: Task, epfd: int, events: int, maxevents: int, timeout: int, sigmask: int,
                     sigsetsize: int) -> int:
    timeout_ns = select._timespec(t, timeout)  # EFAULT, EINVAL before the mask changes
    args = (epfd, events, maxevents, timeout, sigmask)
    return _with_mask(t, sigmask, sigsetsize, (epfd, events, maxevents, timeout_ns, args))
