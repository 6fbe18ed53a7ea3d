"""Linux native AIO contexts (fs/aio.c): per address space, their completions waiting to be reaped.

The machine does each read, write and sync at submission, synchronously; a
poll not ready then waits in the context until a look at its file finds it
ready (io_getevents looks). A context holds completed events until
io_getevents takes them, pending polls and events together at most its
ring's capacity, as Linux's reqs_available bounds them. The ring is mapped
into the process as Linux maps it (the context's id is its address), left
without the ring header so libaio reads events through the system call.
fs.aio-max-nr bounds the events of all contexts, and each context's ring
and events are charged to RAM.
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.uapi.aio import AIO_MAX_NR, AIO_RING_HEADER, IO_EVENT
from syscalltbl.machine.uapi.errno import EINVAL, Errno
from syscalltbl.store.record import Record, Value

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.mm import Mm

CONTEXT_BYTES = 512  # struct kioctx, charged to RAM with the ring's pages


class AioLimits(Value):
    """fs.aio-max-nr (what root may set) and fs.aio-nr (the events of every context now)."""

    max_nr: int
    nr: int

    __slots__ = _fields = ("max_nr", "nr")

    def __init__(self, max_nr: int = AIO_MAX_NR, nr: int = 0) -> None:
        self.max_nr = max_nr
        self.nr = nr

    def set_max_nr(self, value: int) -> None:
        self.max_nr = value


class AioContext(Record):
    ident: int  # the ring's address, what io_setup gives back
    pages: int  # the ring's size
    max_reqs: int  # what io_setup asked for: what aio-nr counts
    events: list[tuple[int, int, int, int]]  # data, obj, res, res2
    #: IOCB_CMD_POLL requests not ready at submission: data, obj, the file, the events they wait for.
    polls: list[tuple[int, int, OpenFile, int]]
    dead: bool

    __slots__ = _fields = ("ident", "pages", "max_reqs", "events", "polls", "dead")

    def __init__(
        self,
        ident: int,
        pages: int,
        max_reqs: int,
        events: list[tuple[int, int, int, int]] | None = None,
        polls: list[tuple[int, int, OpenFile, int]] | None = None,
        dead: bool = False,
    ) -> None:
        self.ident = ident
        self.pages = pages
        self.max_reqs = max_reqs
        self.events = [] if events is None else events
        self.polls = [] if polls is None else polls
        self.dead = dead

    @property
    def nr_events(self) -> int:
        """The ring's slots (aio_setup_ring): what its pages hold after the header."""
        return (self.pages * PAGE_SIZE - AIO_RING_HEADER) // IO_EVENT.size

    def room(self) -> bool:
        """aio_get_req: a free slot (one of the ring's is always kept empty)."""
        return len(self.events) + len(self.polls) < self.nr_events - 1

    def reap_polls(self) -> None:
        """Complete the pending polls whose file now has one of their events (aio_poll_wake)."""
        for poll in list(self.polls):
            data, obj, f, wanted = poll
            # aio_poll_wake completes with the wakeup's own mask, all of it (a pipe's write: POLLIN|POLLRDNORM).
            mask = f.inode.poll(f)
            if mask & wanted:
                self.polls.remove(poll)
                self.events.append((data, obj, mask, 0))

    def cancel_poll(self, obj: int) -> bool:
        """aio_poll_cancel: a pending poll for the iocb at `obj` completes at once, with no events."""
        for poll in self.polls:
            if poll[1] == obj:
                self.polls.remove(poll)
                self.events.append((poll[0], obj, 0, 0))
                return True
        return False


_contexts: weakref.WeakKeyDictionary[Mm, dict[int, AioContext]] = weakref.WeakKeyDictionary()


def contexts(mm: Mm) -> dict[int, AioContext]:
    found = _contexts.get(mm)
    if found is None:
        found = _contexts[mm] = {}
    return found


def lookup(mm: Mm, ident: int) -> AioContext:
    """lookup_ioctx: EINVAL for an id that is not one of this address space's live contexts."""
    found = _contexts.get(mm, {}).get(ident)
    if found is None or found.dead:
        raise Errno(EINVAL)
    return found
