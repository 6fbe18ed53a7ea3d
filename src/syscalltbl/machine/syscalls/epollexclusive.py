"""EPOLLEXCLUSIVE (fs/eventpoll.c, kernel/sched/wait.c): a wake-up of a file goes to one exclusive item only.

Linux adds an exclusive item to the tail of its file's wait queue and a
wake-up stops at the first exclusive entry that wants it, so of the epoll
instances that watch one file exclusively only the earliest added is told
of each wake-up. Waiters here poll, so the wake-ups a file counts (Wakes)
are handed out when one of its exclusive watchers next looks: every new
one goes to the earliest item still watching for its kind (reading or
writing), and that item's own count of wake-ups handed to it is what tells
its next edge.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Protocol

from syscalltbl.machine.kernel.vfs import Inode
from syscalltbl.machine.uapi.eventpoll import (
    EP_PRIVATE_BITS,
    EPOLLIN,
    EPOLLOUT,
    EPOLLPRI,
    EPOLLRDBAND,
    EPOLLRDHUP,
    EPOLLRDNORM,
    EPOLLWRBAND,
    EPOLLWRNORM,
)

if TYPE_CHECKING:
    from syscalltbl.machine.syscalls.readiness import Wakes


#: The events of an item that a reader's wake-up, and a writer's, concern (ep_poll_callback's key test).
SIDES = (EPOLLIN | EPOLLRDNORM | EPOLLRDBAND | EPOLLPRI | EPOLLRDHUP, EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND)


class ExclusiveItem(Protocol):
    events: int
    handed: int


class ExclusiveQueue:
    """The exclusive items on one file's wait queue, earliest first, and the wake-ups handed out so far."""

    def __init__(self, dealt: tuple[int, int]) -> None:
        self.items: list[ExclusiveItem] = []
        self.dealt = list(dealt)  # the file's reader and writer wake-up counts already handed out


_queues: weakref.WeakKeyDictionary[Inode, ExclusiveQueue] = weakref.WeakKeyDictionary()


def join(item: ExclusiveItem, inode: Wakes) -> None:
    """`item` goes to the tail of the file's queue: wake-ups from now on may be handed to it."""
    assert isinstance(inode, Inode)
    queue = _queues.get(inode)
    if queue is None:
        queue = _queues[inode] = ExclusiveQueue(inode.wakeups())
    hand_out(queue, inode)  # earlier wake-ups are not this item's
    queue.items.append(item)


def leave(item: ExclusiveItem, inode: Inode) -> None:
    queue = _queues.get(inode)
    if queue is not None and item in queue.items:
        queue.items.remove(item)


def hand_out(queue: ExclusiveQueue, inode: Wakes) -> None:
    """Each kind's new wake-ups to the earliest enabled item that watches for that kind (none: lost,
    as a wake-up nobody waits for is)."""
    for side, now in enumerate(inode.wakeups()):
        new = now - queue.dealt[side]
        if new <= 0:
            continue
        queue.dealt[side] = now
        taker = next((i for i in queue.items if i.events & SIDES[side] and i.events & ~EP_PRIVATE_BITS), None)
        if taker is not None:
            taker.handed += new


def handed(item: ExclusiveItem, inode: Wakes) -> int:
    """The wake-ups the file has handed to `item` so far: the mark of its next edge."""
    assert isinstance(inode, Inode)
    queue = _queues.get(inode)
    if queue is not None:
        hand_out(queue, inode)
    return item.handed

