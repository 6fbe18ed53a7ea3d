"""What a waiter needs of a file beyond its poll mask: its wake-ups, and when its mask changes by itself.

Linux's files wake their wait queues when their state changes; epoll's
edge-triggered items are queued by those wake-ups, not by the mask. Here
waiters poll instead, so a file that can tell counts its wake-ups (Wakes):
an edge-triggered item is due again only when the count moved. A timer's
mask changes with no system call at all, so a file that will become ready
at a known time says when (Timed), and a sleeping poll, select or
epoll_wait asks the scheduler to look again then.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable


@runtime_checkable
class Wakes(Protocol):
    def wakeups(self) -> tuple[int, int]:
        """How many times the file has woken its readers and its writers so far."""
        ...


@runtime_checkable
class Timed(Protocol):
    def look_again_at(self) -> float | None:
        """The time.monotonic() at which the file's poll mask may change by itself, if it will."""
        ...


def wake_time(inodes: Iterable[object]) -> float | None:
    """The earliest time one of `inodes` changes by itself: when a sleeper on them must look again."""
    times = [when for inode in inodes if isinstance(inode, Timed) and (when := inode.look_again_at()) is not None]
    return min(times) if times else None
