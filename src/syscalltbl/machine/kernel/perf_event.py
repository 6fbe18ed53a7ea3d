"""Software perf events counting one task (kernel/events/core.c, the software PMU's counting mode).

An event reads one of the counters the machine keeps for each task
(kernel/cputime.py's TaskTimes, the scheduler's and the fault handler's):
its cpu time for cpu-clock and task-clock (the time it holds the emulated
cpu, sum_exec_runtime), the page faults served for it, its context switches.
Counters the machine has no source for it has for a true reason: one cpu, so
no migrations; no disk, so no major faults; x86, so no alignment or
emulation faults; one cgroup, so no cgroup switches. Those count zero, as they
do on such a Linux box.

While an event is enabled (and its group leader is), what the counter gained
is added to its count; time_enabled and time_running are the task's cpu time
over the same spans (a task event's context runs only while the task does, and
a software event is never multiplexed, so the two are equal). The event holds
the task's counters, not the task: when the task ends they stop, as the
event's context does.
"""

from __future__ import annotations

import itertools
import struct
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.cputime import TaskTimes, run_clock
from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.kernel.vfs import Inode, OpenFile
from syscalltbl.machine.uapi.anoninode import ANON_INODE_MODE
from syscalltbl.machine.uapi.errno import EBADF, EINVAL, ENOSPC, ENOTTY, Errno
from syscalltbl.machine.uapi.perf_event import (
    PERF_COUNT_SW_CGROUP_SWITCHES,
    PERF_COUNT_SW_CONTEXT_SWITCHES,
    PERF_COUNT_SW_CPU_CLOCK,
    PERF_COUNT_SW_PAGE_FAULTS,
    PERF_COUNT_SW_PAGE_FAULTS_MIN,
    PERF_COUNT_SW_TASK_CLOCK,
    PERF_EVENT_IOC_DISABLE,
    PERF_EVENT_IOC_ENABLE,
    PERF_EVENT_IOC_ID,
    PERF_EVENT_IOC_PERIOD,
    PERF_EVENT_IOC_REFRESH,
    PERF_EVENT_IOC_RESET,
    PERF_EVENT_IOC_SET_FILTER,
    PERF_EVENT_IOC_SET_OUTPUT,
    PERF_FORMAT_GROUP,
    PERF_FORMAT_ID,
    PERF_FORMAT_LOST,
    PERF_FORMAT_TOTAL_TIME_ENABLED,
    PERF_FORMAT_TOTAL_TIME_RUNNING,
    PERF_IOC_FLAG_GROUP,
)
from syscalltbl.machine.uapi.poll import POLLHUP

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

_U64 = struct.Struct("<Q")
_ids = itertools.count(1)  # perf_event_id


def _cputime(times: TaskTimes) -> int:
    """The task's cpu time up to now (cputime.runtime's sum, read without charging the slice)."""
    return times.runtime + (run_clock() - times.mark if times.mark is not None else 0)


def counter(config: int, times: TaskTimes) -> int:
    """The raw counter an event of `config` follows, for the task `times` are of."""
    if config in (PERF_COUNT_SW_CPU_CLOCK, PERF_COUNT_SW_TASK_CLOCK):
        return _cputime(times)
    if config in (PERF_COUNT_SW_PAGE_FAULTS, PERF_COUNT_SW_PAGE_FAULTS_MIN):
        return times.minflt
    if config == PERF_COUNT_SW_CONTEXT_SWITCHES:
        return times.nvcsw + times.nivcsw
    if config == PERF_COUNT_SW_CGROUP_SWITCHES:
        return 0  # one cgroup: a switch never crosses two
    return 0  # migrations, major, alignment and emulation faults, dummy: none on this machine


class PerfEvent(Inode):
    """One counting event on a task; `leader` is its group's first event (itself for a leader)."""

    def __init__(self, config: int, read_format: int, times: TaskTimes, *, enabled: bool,
                 leader: PerfEvent | None, count_user: bool) -> None:
        super().__init__(ANON_INODE_MODE)
        self.config, self.read_format, self.times = config, read_format, times
        self.id = next(_ids)
        self.leader = leader if leader is not None else self
        self.siblings: list[PerfEvent] = []
        self.enabled = enabled
        # Context switches happen in the kernel: an event excluding the kernel never sees one (perf_exclude_event
        # on the scheduler's kernel registers).
        self.count_user = count_user
        self.total = 0  # counted over the spans that ended
        self.time_total = 0
        self.started = self.time_started = 0
        if leader is not None:
            leader.siblings.append(self)
        if self.active():
            self._start()

    def active(self) -> bool:
        return self.enabled and self.leader.enabled

    def _raw(self) -> int:
        if self.config == PERF_COUNT_SW_CONTEXT_SWITCHES and not self.count_user:
            return 0
        return counter(self.config, self.times)

    def _start(self) -> None:
        self.started, self.time_started = self._raw(), _cputime(self.times)

    def _fold(self) -> None:
        """Add the open span's gain to the totals, and start a new span at now."""
        if self.active():
            self.total += self._raw() - self.started
            self.time_total += _cputime(self.times) - self.time_started
            self._start()

    def members(self) -> list[PerfEvent]:
        return [self.leader, *self.leader.siblings]

    def set_enabled(self, on: bool, *, group: bool) -> None:
        """PERF_EVENT_IOC_ENABLE / DISABLE, of the event or (PERF_IOC_FLAG_GROUP) of its whole group."""
        changing = self.members() if group or self.leader is self else [self]
        for event in self.members():
            event._fold()
        for event in changing:
            event.enabled = on
        for event in self.members():
            if event.active():
                event._start()

    def reset(self, *, group: bool) -> None:
        """PERF_EVENT_IOC_RESET: the count back to zero (the times go on)."""
        for event in self.members() if group else [self]:
            event._fold()
            event.total = 0

    def count(self) -> int:
        self._fold()
        return self.total

    def times_enabled(self) -> int:
        self._fold()
        return self.time_total

    # -- the file --

    def _value(self) -> bytes:
        out = _U64.pack(self.count() & 0xFFFFFFFFFFFFFFFF)
        if self.read_format & PERF_FORMAT_ID:
            out += _U64.pack(self.id)
        if self.read_format & PERF_FORMAT_LOST:
            out += _U64.pack(0)  # counting events lose no samples
        return out

    def read(self, f: OpenFile, count: int) -> bytes:
        """perf_read: the record read_format describes; ENOSPC for a buffer shorter than it."""
        fmt = self.read_format
        events = self.members() if fmt & PERF_FORMAT_GROUP else [self]
        out = _U64.pack(len(events)) if fmt & PERF_FORMAT_GROUP else b""
        body = b"".join(event._value() for event in events)
        if not fmt & PERF_FORMAT_GROUP:
            out, body = body[:8], body[8:]
        # One reading for both: a software event runs whenever it is enabled, so the two are one time.
        enabled = (self.leader if fmt & PERF_FORMAT_GROUP else self).times_enabled()
        if fmt & PERF_FORMAT_TOTAL_TIME_ENABLED:
            out += _U64.pack(enabled)
        if fmt & PERF_FORMAT_TOTAL_TIME_RUNNING:
            out += _U64.pack(enabled)
        out += body
        if count < len(out):
            raise Errno(ENOSPC)
        return out

    def unlocked_ioctl(self, task: Task, f: OpenFile, request: int, arg: int) -> int:
        """_perf_ioctl: the requests of a counting event."""
        group = bool(arg & PERF_IOC_FLAG_GROUP)
        if request in (PERF_EVENT_IOC_ENABLE, PERF_EVENT_IOC_DISABLE):
            self.set_enabled(request == PERF_EVENT_IOC_ENABLE, group=group)
        elif request == PERF_EVENT_IOC_RESET:
            self.reset(group=group)
        elif request == PERF_EVENT_IOC_ID:
            copy_to_user(task.mm, arg, _U64.pack(self.id))
        elif request in (PERF_EVENT_IOC_REFRESH, PERF_EVENT_IOC_PERIOD):
            raise Errno(EINVAL)  # only a sampling event has a period or an overflow count
        elif request == PERF_EVENT_IOC_SET_OUTPUT:
            fd = arg & 0xFFFFFFFF
            if fd != 0xFFFFFFFF:
                if not isinstance(task.files.get(fd).inode, PerfEvent):
                    raise Errno(EBADF)
                raise Errno(EINVAL)  # neither event has a ring buffer to share
        elif request == PERF_EVENT_IOC_SET_FILTER:
            raise Errno(EINVAL)  # filters are a tracepoint's or an address filter's
        else:
            raise Errno(ENOTTY)
        return 0

    def poll(self, f: OpenFile) -> int:
        return POLLHUP  # perf_poll with no ring buffer mapped

    def release(self, f: OpenFile) -> None:
        """The event goes; its siblings, if it led them, become leaders of their own (perf_group_detach)."""
        if self.leader is not self:
            self.leader.siblings.remove(self)
            return
        for sibling in self.siblings:
            sibling._fold()
            sibling.leader = sibling
            if sibling.active():
                sibling._start()
        self.siblings = []
