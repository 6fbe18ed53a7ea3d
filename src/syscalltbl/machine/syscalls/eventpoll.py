"""An epoll instance (fs/eventpoll.c): its interest list of (descriptor, open file) pairs, and their readiness.

Readiness is each file's own poll mask, as poll(2) sees it. Linux queues an
item when its file wakes its wait queue; here a waiter polls, so an
edge-triggered item is due only when its file has woken waiters of the kind
it watches since the item was last reported (readiness.Wakes; an epoll
instance wakes its waiters whenever one of its own items is woken); a file
that cannot tell is taken as woken whenever its mask changed. A level-triggered
item goes to the back of the list once reported, as it is put back on the
tail of Linux's ready list, so a small `maxevents` still sees every ready
item in turn.

An item does not keep its file open: once the last descriptor of the file
is closed the item is gone, as eventpoll_release removes it. Items are
bounded per user by max_user_watches (ENOSPC) and charged to RAM as kernel
objects (ENOMEM), and nested instances by Linux's loop, depth (ELOOP) and
wake-up path (EINVAL) checks, so a guest cannot grow them without limit;
looking through nested instances visits each once per pass.
"""

from __future__ import annotations

import time
import weakref
from collections import Counter
from dataclasses import dataclass

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.vfs import HostFile, Inode, OpenFile
from syscalltbl.machine.kernel.wait import HOST_POLL_INTERVAL
from syscalltbl.machine.syscalls import epollexclusive
from syscalltbl.machine.syscalls.readiness import Timed, Wakes
from syscalltbl.machine.uapi.anoninode import ANON_INODE_MODE
from syscalltbl.machine.uapi.errno import (
    ENOMEM,
    ENOSPC,
    Errno,
)
from syscalltbl.machine.uapi.eventpoll import (
    EP_MAX_NESTS,
    EP_PRIVATE_BITS,
    EPOLLET,
    EPOLLEXCLUSIVE,
    EPOLLIN,
    EPOLLONESHOT,
    EPOLLOUT,
    EPOLLPRI,
    EPOLLRDBAND,
    EPOLLRDHUP,
    EPOLLRDNORM,
    EPOLLWRBAND,
    EPOLLWRNORM,
)

# What one item costs the kernel (struct epitem and its eppoll_entry on x86-64): charged to RAM,
# and max_user_watches' unit, which Linux sets to 4% of RAM in these.
EP_ITEM_COST = 192
WATCHES_SHARE_OF_RAM = 25
# The wake-ups that concern an item watching for reading, or for writing (ep_poll_callback's key test).
_READ_SIDE = EPOLLIN | EPOLLRDNORM | EPOLLRDBAND | EPOLLPRI | EPOLLRDHUP
_WRITE_SIDE = EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND

# fs/eventpoll.c's path_limits: how many wake-up paths of 2, 3, 4 and 5 epoll instances may lead
# up from one file (any number may be 1 long), so that a wake-up cannot fan out without bound.
PATH_LIMITS = (0, 500, 100, 50, 10)  # indexed by the instances on a path, less one; index 0 is unbounded


class Budget:
    """One machine's epoll instances, and the items each user has (user->epoll_watches)."""

    def __init__(self) -> None:
        self.items: Counter[int] = Counter()
        self.instances: weakref.WeakSet[EventPoll] = weakref.WeakSet()

    def reclaim(self) -> None:
        """Drop every instance's items whose file is gone: they count until someone looks."""
        for ep in list(self.instances):
            ep.live()


_budgets: weakref.WeakKeyDictionary[object, Budget] = weakref.WeakKeyDictionary()
# The epoll instances watching each open file, with how many items each has for it (file->f_ep).
_watched_by: weakref.WeakKeyDictionary[OpenFile, Counter[EventPoll]] = weakref.WeakKeyDictionary()


# What one pass over nested instances found of each: ("poll" or "wake", id(instance)) -> value.
Memo = dict[tuple[str, int], int]


@dataclass(eq=False, slots=True)
class Item:
    fd: int
    file: OpenFile
    events: int
    data: int
    seen: int | None = None  # the file's wake-ups (or mask) when last reported: an edge-triggered item's edge
    handed: int = 0  # EPOLLEXCLUSIVE: the file's wake-ups handed to this item (epollexclusive.py)


def can_poll(inode: Inode) -> bool:
    """file_can_poll: false for a kind of file with no ->poll of its own (regular files, directories, /dev/null)."""
    return type(inode).poll is not Inode.poll


class EventPoll(Inode):
    def __init__(self, task: Task) -> None:
        super().__init__(ANON_INODE_MODE)
        self.items: dict[tuple[int, int], Item] = {}  # in ready-list order
        self.ram = task.machine.ram
        self.user = task.cred.uid
        self.budget = _budgets.setdefault(task.machine, Budget())
        self.budget.instances.add(self)
        self.file: OpenFile | None = None  # its open file, once made

    # -- the interest list --

    def _purge(self) -> None:
        """Items whose file's last descriptor was closed are gone (eventpoll_release)."""
        for key in [k for k, item in self.items.items() if not item.file.refs]:
            self._forget(key)

    def _forget(self, key: tuple[int, int]) -> None:
        item = self.items.pop(key)
        if item.events & EPOLLEXCLUSIVE:
            epollexclusive.leave(item, item.file.inode)
        self.budget.items[self.user] -= 1
        self.ram.slab_charge(-EP_ITEM_COST)
        watchers = _watched_by[item.file]
        watchers[self] -= 1
        if not watchers[self]:
            del watchers[self]

    def live(self) -> list[Item]:
        self._purge()
        return list(self.items.values())

    def insert(self, fd: int, f: OpenFile, events: int, data: int) -> None:
        limit = self.ram.size // WATCHES_SHARE_OF_RAM // EP_ITEM_COST  # eventpoll_init, from MemTotal
        if self.budget.items[self.user] >= limit or not self.ram.slab_fits(EP_ITEM_COST):
            self.budget.reclaim()
        if self.budget.items[self.user] >= limit:
            raise Errno(ENOSPC)  # max_user_watches
        if not self.ram.slab_fits(EP_ITEM_COST):
            raise Errno(ENOMEM)
        self.ram.slab_charge(EP_ITEM_COST)
        self.budget.items[self.user] += 1
        item = self.items[(fd, id(f))] = Item(fd, f, events, data)
        if events & EPOLLEXCLUSIVE and isinstance(f.inode, Wakes):
            epollexclusive.join(item, f.inode)
            if not self._revents(item, {}):
                item.seen = item.handed  # not ready when added: its first edge is the next wake-up handed to it
        _watched_by.setdefault(f, Counter())[self] += 1

    def remove(self, fd: int, f: OpenFile) -> None:
        self._forget((fd, id(f)))

    def release(self, f: OpenFile) -> None:
        """The last descriptor of this epoll instance closed (ep_free): its items go."""
        for key in list(self.items):
            self._forget(key)

    # -- readiness --

    def _mark(self, item: Item, revents: int, memo: Memo) -> int:
        """What tells this item's next edge: the file's wake-ups of the kinds it watches, else its mask."""
        inode = item.file.inode
        if isinstance(inode, EventPoll):
            return inode.wakeups_once(memo)
        if not isinstance(inode, Wakes):
            return revents
        if item.events & EPOLLEXCLUSIVE:
            return epollexclusive.handed(item, inode)
        readers, writers = inode.wakeups()
        return (readers if item.events & _READ_SIDE else 0) + (writers if item.events & _WRITE_SIDE else 0)

    def _due(self, item: Item, memo: Memo) -> tuple[int, int]:
        """(revents, mark) of an item that would be reported now; revents 0 when it would not.

        `memo` holds what this pass found of the epoll instances it looked at: nested instances
        can share members, and each is looked at once however many paths reach it.
        """
        if not item.events & ~EP_PRIVATE_BITS:
            return 0, 0  # a one-shot item already reported: disabled until EPOLL_CTL_MOD
        revents = self._revents(item, memo)
        if not revents:
            return 0, 0
        mark = self._mark(item, revents, memo)
        if item.events & EPOLLET and item.seen == mark:
            return 0, 0
        return revents, mark

    def _revents(self, item: Item, memo: Memo) -> int:
        inode = item.file.inode
        mask = inode.poll_once(memo) if isinstance(inode, EventPoll) else inode.poll(item.file)
        return mask & item.events & ~EP_PRIVATE_BITS

    def poll_once(self, memo: Memo) -> int:
        key = ("poll", id(self))
        if key not in memo:
            memo[key] = 0  # no loops can be made (ELOOP), but a lookup must end regardless
            ready = any(self._due(item, memo)[0] for item in self.live())
            memo[key] = EPOLLIN | EPOLLRDNORM if ready else 0
        return memo[key]

    def wakeups_once(self, memo: Memo) -> int:
        """ep_poll_callback wakes this instance's own waiters whenever one of its enabled items is woken."""
        key = ("wake", id(self))
        if key not in memo:
            memo[key] = 0
            memo[key] = sum(self._mark(item, self._revents(item, memo), memo) for item in self.live()
                            if item.events & ~EP_PRIVATE_BITS)
        return memo[key]

    def poll(self, f: OpenFile) -> int:
        """ep_eventpoll_poll: readable when one of its items would be reported."""
        return self.poll_once({})

    def harvest(self, most: int) -> list[tuple[Item, int, int]]:
        """Up to `most` items that are due, in ready-list order, with their revents and marks."""
        found = []
        memo: Memo = {}
        for item in self.live():
            revents, mark = self._due(item, memo)
            if revents:
                found.append((item, revents, mark))
                if len(found) == most:
                    break
        return found

    def reported(self, harvested: list[tuple[Item, int, int]]) -> None:
        """ep_send_events' bookkeeping for the items the caller got."""
        for item, _revents, mark in harvested:
            if item.events & EPOLLONESHOT:
                item.events &= EP_PRIVATE_BITS
            elif item.events & EPOLLET:
                item.seen = mark
            key = (item.fd, id(item.file))
            self.items[key] = self.items.pop(key)  # to the back of the ready list

    def look_again_at(self) -> float | None:
        """When a waiter must look again: a watched timer's expiry, or soon for a host descriptor."""
        times = []
        for item in self.live():
            inode = item.file.inode
            if isinstance(inode, HostFile):
                times.append(time.monotonic() + HOST_POLL_INTERVAL)
            elif isinstance(inode, Timed) and (when := inode.look_again_at()) is not None:
                times.append(when)
        return min(times) if times else None

    # -- nesting --

    def depth_below(self, target: EventPoll, memo: dict[int, int]) -> int:
        """How many epoll levels this one contains; more than EP_MAX_NESTS when `target` is among them.

        The instances form no loop (EPOLL_CTL_ADD refuses one), so each is measured once.
        """
        if self is target:
            return EP_MAX_NESTS + 1
        if id(self) not in memo:
            memo[id(self)] = EP_MAX_NESTS + 1  # a loop made some other way still ends here
            inner = [item.file.inode for item in self.live() if isinstance(item.file.inode, EventPoll)]
            memo[id(self)] = max((1 + e.depth_below(target, memo) for e in inner), default=0)
        return memo[id(self)]

    def depth_above(self, memo: dict[int, int]) -> int:
        """How many epoll levels contain this one."""
        if id(self) not in memo:
            memo[id(self)] = EP_MAX_NESTS + 1
            memo[id(self)] = max((1 + p.depth_above(memo) for p in watchers(self.file)), default=0)
        return memo[id(self)]

    def plain_files(self, seen: set[int]) -> list[OpenFile]:
        """The files other than epoll instances that this one watches, directly or through nested ones."""
        if id(self) in seen:
            return []
        seen.add(id(self))
        found = []
        for item in self.live():
            inode = item.file.inode
            found += inode.plain_files(seen) if isinstance(inode, EventPoll) else [item.file]
        return found


def watchers(f: OpenFile | None) -> list[EventPoll]:
    """The live epoll instances watching `f`."""
    if f is None:
        return []
    return [ep for ep in _watched_by.get(f, ()) if ep.file is not None and ep.file.refs]


def paths_fit(f: OpenFile) -> bool:
    """reverse_path_check for one file: the wake-up paths up from it, counted by length, within PATH_LIMITS."""
    counts = [0] * len(PATH_LIMITS)

    def walk(g: OpenFile, depth: int, paths: int) -> bool:
        if depth > EP_MAX_NESTS:
            return False
        for ep, items in _watched_by.get(g, Counter()).items():
            if ep.file is None or not ep.file.refs:
                continue
            if watchers(ep.file):
                if not walk(ep.file, depth + 1, paths * items):
                    return False
            elif depth:
                counts[depth] += paths * items
                if counts[depth] > PATH_LIMITS[depth]:
                    return False
        return True

    return walk(f, 0, 1)
