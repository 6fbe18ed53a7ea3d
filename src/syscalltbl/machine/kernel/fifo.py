"""Named pipes: a FIFO node in the tree, and the pipe its openers share (fs/pipe.c's fifo_open).

All openers of the inode share one pipe buffer while any of them has it
open; when the last one closes, what was left unread goes with it. Opening
follows Linux's rules: O_RDONLY waits until a writer opens (O_NONBLOCK: it
does not wait), O_WRONLY waits until a reader does (O_NONBLOCK: ENXIO when
there is none), O_RDWR never waits. A waiting open already counts as a
reader or writer for the other side, as Linux counts it before it sleeps:
a writer finding a reader asleep in open does not get ENXIO, and can write
to it at once. Here a waiting open is a Sleep that runs the open again: the
waiter is `parked` on the FIFO while that Sleep is its task's, and the
re-run open takes its place. A signal ends the wait (-ERESTARTSYS).
"""

from __future__ import annotations

import stat
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.vfs import Inode, OpenFile, Pipe, PipeEnd
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.uapi.errno import EINVAL, ENXIO, Errno
from syscalltbl.machine.uapi.fcntl import O_ACCMODE, O_NONBLOCK, O_PATH, O_RDONLY, O_RDWR, O_WRONLY
from syscalltbl.machine.uapi.poll import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM

if TYPE_CHECKING:
    from syscalltbl.machine.hw.physmem import PhysicalMemory
    from syscalltbl.machine.kernel.process import Task


@dataclass
class Parked:
    """An open waiting for the other side: as a reader or a writer, until that side's counter moves."""

    reader: bool
    seen: int
    sleep: Sleep


class Fifo(PipeEnd):
    """A FIFO made by mknod: a pipe end for each of its openers, whichever way they opened it."""

    def __init__(self, perm: int, ram: PhysicalMemory | None) -> None:
        # Not PipeEnd's __init__: a FIFO has no end of its own until it is opened.
        Inode.__init__(self, stat.S_IFIFO | perm)
        self.ram = ram
        self.pipe = Pipe(ram)
        self.writer = False
        # pipe->r_counter and w_counter: how many times a reader or a writer opened it.
        self.r_counter = self.w_counter = 0
        self.parked: dict[Task, Parked] = {}
        # A reader opened O_NONBLOCK with no writer sees no hang-up until a writer has come (f_pipe).
        self.hup_after: weakref.WeakKeyDictionary[OpenFile, int] = weakref.WeakKeyDictionary()

    def _waiting(self, *, reader: bool) -> bool:
        """Whether an open is still waiting as a reader (or writer): its task alive and asleep in it."""
        for task, park in list(self.parked.items()):
            if task.status is not None or task.sleep is not park.sleep:
                # Dead, or past its wait: its open ran again (and took its place in attach before anything
                # else could run) or ended another way (the name gone by then): it counts no more.
                del self.parked[task]
                continue
            if park.reader == reader:
                return True
        return False

    def has_readers(self) -> bool:
        return self.pipe.readers > 0 or self._waiting(reader=True)

    def has_writers(self) -> bool:
        return self.pipe.writers > 0 or self._waiting(reader=False)

    def attach(self, task: Task, f: OpenFile) -> None:
        mode = f.flags & O_ACCMODE
        park = self.parked.pop(task, None)
        p = self.pipe
        if park is not None:
            # The open ran again after its wait: it was counted then, and is counted now for good.
            moved = self.w_counter != park.seen if park.reader else self.r_counter != park.seen
            if not moved:
                self._park(task, park.reader, park.seen)
            self._count(reader=park.reader)
            return
        if mode == O_RDONLY:
            self.r_counter += 1
            p.writers_woken += 1
            if not self.has_writers():
                if f.flags & O_NONBLOCK:
                    self.hup_after[f] = self.w_counter
                else:
                    self._park(task, True, self.w_counter)
            self._count(reader=True)
        elif mode == O_WRONLY:
            if f.flags & O_NONBLOCK and not self.has_readers():
                raise Errno(ENXIO)
            self.w_counter += 1
            p.readers_woken += 1
            if not self.has_readers():
                self._park(task, False, self.r_counter)
            self._count(reader=False)
        elif mode == O_RDWR:
            self.r_counter += 1
            self.w_counter += 1
            p.readers += 1
            p.writers += 1
            p.readers_woken += 1
            p.writers_woken += 1
        else:
            raise Errno(EINVAL)  # access mode 3, neither reading nor writing: fifo_open has no such opener

    def _park(self, task: Task, reader: bool, seen: int) -> None:
        """Wait for the other side's counter to move; counted meanwhile as `reader` or writer."""

        def ready() -> bool:
            return (self.w_counter if reader else self.r_counter) != seen

        def interrupted() -> int | None:
            if self.parked.get(task) is park:
                del self.parked[task]
                self._settle()
            return None  # -ERESTARTSYS: EINTR, or the open again after a handler with SA_RESTART

        sleep = Sleep(ready, on_interrupt=interrupted)
        park = Parked(reader, seen, sleep)
        self.parked[task] = park
        raise sleep

    def _count(self, *, reader: bool) -> None:
        if reader:
            self.pipe.readers += 1
        else:
            self.pipe.writers += 1

    def poll(self, f: OpenFile) -> int:
        p = self.pipe
        mask = 0
        if f.readable():
            if p.buffer:
                mask |= POLLIN | POLLRDNORM
            if not self.has_writers() and self.hup_after.get(f, -1) != self.w_counter:
                mask |= POLLHUP
        if f.writable():
            if p.room(packets=False):
                mask |= POLLOUT | POLLWRNORM
            if not self.has_readers():
                mask |= POLLERR
        return mask

    def release(self, f: OpenFile) -> None:
        if f.flags & O_PATH:
            return
        p = self.pipe
        mode = f.flags & O_ACCMODE
        if mode in (O_RDONLY, O_RDWR):
            p.readers -= 1
        if mode in (O_WRONLY, O_RDWR):
            p.writers -= 1
        p.readers_woken += 1
        p.writers_woken += 1
        self._settle()

    def _settle(self) -> None:
        """With no opener left, the buffer goes (free_pipe_info): the next opener starts an empty pipe."""
        p = self.pipe
        if not p.readers and not p.writers and not self._waiting(reader=True) and not self._waiting(reader=False):
            p.buffer.clear()
            p.slots.clear()
            p.settle()
            self.pipe = Pipe(self.ram)
