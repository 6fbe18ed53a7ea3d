"""Time namespaces (kernel/time/namespace.c): CLOCK_MONOTONIC and CLOCK_BOOTTIME offsets.

unshare(CLONE_NEWTIME) makes a namespace for the caller's future children
(time_for_children), whose offsets /proc/PID/timens_offsets sets until the
first task enters it; from then on they are frozen (EACCES). A task in the
namespace reads the two clocks (and the monotonic ones' _RAW and _COARSE
readings) moved by the offsets, in the system call and in the vDSO alike:
each namespace but the first has its own vvar page, which the vDSO of its
tasks maps where the machine's page would be, holding the same clock sample
with the offsets added (Linux's timens vvar page, computed here when a task
of the namespace is switched in). Absolute times a task gives (an absolute
clock_nanosleep, timer_settime or timerfd_settime) are moved back to the
machine's clock (timens_ktime_to_host).
"""

from __future__ import annotations

import stat
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.hw.physmem import OutOfMemory
from syscalltbl.machine.kernel.nscommon import Namespace
from syscalltbl.machine.kernel.procfile import ProcFile
from syscalltbl.machine.kernel.userns import owner_of
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.uapi.capability import CAP_SYS_TIME
from syscalltbl.machine.uapi.errno import EACCES, EINVAL, ENOMEM, EPERM, ERANGE, Errno
from syscalltbl.machine.uapi.sched import CLONE_NEWTIME
from syscalltbl.machine.uapi.time import (
    CLOCK_BOOTTIME,
    CLOCK_MONOTONIC,
    CLOCK_MONOTONIC_COARSE,
    CLOCK_MONOTONIC_RAW,
    NSEC_PER_SEC,
)
from syscalltbl.machine.uapi.timerfd import CLOCK_BOOTTIME_ALARM

if TYPE_CHECKING:
    from syscalltbl.machine.hw.physmem import PhysicalMemory
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.machine import Machine

PROC_TIME_INIT_INO: Final = 0xEFFFFFFA  # include/linux/proc_ns.h
KTIME_MAX: Final = (1 << 63) - 1
KTIME_SEC_MAX: Final = KTIME_MAX // NSEC_PER_SEC
MONOTONIC_CLOCKS: Final = frozenset({CLOCK_MONOTONIC, CLOCK_MONOTONIC_RAW, CLOCK_MONOTONIC_COARSE})
BOOTTIME_CLOCKS: Final = frozenset({CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM})
#: What a namespace's own objects cost the host besides its vvar frame, charged to RAM.
TIMENS_BYTES: Final = 256


def _release(ram: PhysicalMemory, frame: int) -> None:
    ram.free(frame)
    ram.slab_charge(-TIMENS_BYTES)


class TimeNamespace(Namespace):
    """struct time_namespace: the offsets (sec, nsec) of CLOCK_MONOTONIC and CLOCK_BOOTTIME."""

    kind = CLONE_NEWTIME
    proc_name = b"time"

    def __init__(self, ram: PhysicalMemory | None, monotonic: tuple[int, int] = (0, 0),
                 boottime: tuple[int, int] = (0, 0), user_ns: Namespace | None = None) -> None:
        """`ram` None: the first namespace, whose offsets are 0 and frozen, and whose vvar page is the machine's."""
        super().__init__(PROC_TIME_INIT_INO if ram is None else None, user_ns)
        self.monotonic = monotonic
        self.boottime = boottime
        self.frozen_offsets = ram is None
        self.vvar_frame: int | None = None
        if ram is not None:
            if not ram.slab_fits(TIMENS_BYTES):
                raise Errno(ENOMEM)
            try:
                self.vvar_frame = ram.alloc()
            except OutOfMemory:
                raise Errno(ENOMEM) from None
            ram.slab_charge(TIMENS_BYTES)
            weakref.finalize(self, _release, ram, self.vvar_frame).atexit = False

    def clone(self, ram: PhysicalMemory, owner: Namespace) -> TimeNamespace:
        """clone_time_ns: a new namespace starting with this one's offsets, not yet frozen."""
        return TimeNamespace(ram, self.monotonic, self.boottime, owner)

    def offset_ns(self, clockid: int) -> int:
        """How far the namespace's reading of `clockid` is ahead of the machine's."""
        if clockid in MONOTONIC_CLOCKS:
            sec, nsec = self.monotonic
        elif clockid in BOOTTIME_CLOCKS:
            sec, nsec = self.boottime
        else:
            return 0
        return sec * NSEC_PER_SEC + nsec

    def to_host(self, clockid: int, ns: int) -> int:
        """timens_ktime_to_host for CLOCK_MONOTONIC and CLOCK_BOOTTIME(_ALARM): an absolute time the
        namespace's tasks gave, on the machine's clock; one before the offset has passed already (0)."""
        if clockid not in (CLOCK_MONOTONIC, CLOCK_BOOTTIME, CLOCK_BOOTTIME_ALARM):
            return ns
        offset = self.offset_ns(clockid)
        return 0 if ns < offset else min(ns - offset, KTIME_MAX)

    def show_offsets(self) -> bytes:
        """proc_timens_show_offsets."""
        return b"".join(b"%-10s %10d %9d\n" % (name, sec, nsec)
                        for name, (sec, nsec) in ((b"monotonic", self.monotonic), (b"boottime", self.boottime)))

    def set_offsets(self, writer: Task, offsets: list[tuple[int, int, int]], now: dict[int, int]) -> None:
        """proc_timens_set_offset: each (clockid, sec, nsec) checked (EINVAL for another clock, ERANGE for a
        time that would not fit), then EACCES once a task has entered; `now` holds each clock's reading."""
        if not writer.cred.ns_capable(owner_of(self), CAP_SYS_TIME):
            raise Errno(EPERM)
        for clockid, sec, nsec in offsets:
            if clockid not in now:
                raise Errno(EINVAL)
            if not -KTIME_SEC_MAX <= sec <= KTIME_SEC_MAX:
                raise Errno(ERANGE)
            moved = now[clockid] + sec * NSEC_PER_SEC + nsec
            if not 0 <= moved // NSEC_PER_SEC <= KTIME_SEC_MAX // 2:
                raise Errno(ERANGE)
        if self.frozen_offsets:
            raise Errno(EACCES)
        for clockid, sec, nsec in offsets:
            if clockid == CLOCK_MONOTONIC:
                self.monotonic = (sec, nsec)
            else:
                self.boottime = (sec, nsec)


def parse_offsets(data: bytes) -> list[tuple[int, int, int]]:
    """timens_offsets_write's parse: up to two lines of `CLOCK SECONDS NANOSECONDS`, CLOCK a name
    (monotonic, boottime) or its number; EINVAL for anything else (a third line is not read)."""
    found: list[tuple[int, int, int]] = []
    for line in data.split(b"\0", 1)[0].split(b"\n"):
        if len(found) == 2:
            break
        words = line.split()
        if len(words) < 3 or not words[1].lstrip(b"+-").isdigit() or not words[2].lstrip(b"+").isdigit():
            raise Errno(EINVAL)
        clock, sec, nsec = words[0][:9], int(words[1]), int(words[2])
        if nsec >= NSEC_PER_SEC:
            raise Errno(EINVAL)
        if clock in (b"monotonic", b"%d" % CLOCK_MONOTONIC):
            found.append((CLOCK_MONOTONIC, sec, nsec))
        elif clock in (b"boottime", b"%d" % CLOCK_BOOTTIME):
            found.append((CLOCK_BOOTTIME, sec, nsec))
        else:
            raise Errno(EINVAL)
    return found


class TimensOffsets(ProcFile):
    """/proc/PID/timens_offsets: the offsets of the process's time_for_children namespace, which root sets
    with one write from the start of the file of less than a page (timens_offsets_write)."""

    def __init__(self, owner: Callable[[], Task], now: Callable[[], dict[int, int]]) -> None:
        """`owner`: the process (ESRCH once reaped); `now`: CLOCK_MONOTONIC's and CLOCK_BOOTTIME's readings."""
        super().__init__(lambda: owner().nsproxy.time_for_children.show_offsets())
        self.mode = stat.S_IFREG | 0o644
        self._owner, self._now = owner, now

    def write_from(self, f: OpenFile, data: bytes, writer: Task) -> int:
        if f.offset != 0 or len(data) >= abi.PAGE_SIZE:
            raise Errno(EINVAL)
        offsets = parse_offsets(data)
        self._owner().nsproxy.time_for_children.set_offsets(writer, offsets, self._now())
        return len(data)


def vvar_frame_of(machine: Machine, ns: TimeNamespace) -> int:
    """The vvar page a task of `ns` maps: the machine's for the first namespace, else the namespace's own."""
    return machine.vvar_frame if ns.vvar_frame is None else ns.vvar_frame


def refresh_vvar(machine: Machine, ns: TimeNamespace) -> None:
    """The machine's vvar page sampled afresh, and `ns`'s own page (if it has one) made from it, its two
    clocks moved by the offsets (timens_setup_vdso_clock_data, kept current here at each switch)."""
    machine.clock.refresh(machine.ram.mem, machine.vvar_frame, machine.wallclock.host_offset_ns)
    if ns.vvar_frame is None:
        return
    mem = machine.ram.mem
    base, own = machine.vvar_frame, ns.vvar_frame
    mem[own : own + abi.PAGE_SIZE] = mem[base : base + abi.PAGE_SIZE]
    mono = int.from_bytes(mem[base + abi.VVAR_MONO : base + abi.VVAR_MONO + 8], "little")
    boot = int.from_bytes(mem[base + abi.VVAR_BOOT : base + abi.VVAR_BOOT + 8], "little")
    mask = (1 << 64) - 1  # the offsets may be negative: the vDSO's sums wrap to the right reading
    mem[own + abi.VVAR_MONO : own + abi.VVAR_MONO + 8] = ((mono + ns.offset_ns(CLOCK_MONOTONIC)) & mask).to_bytes(
        8, "little")
    mem[own + abi.VVAR_BOOT : own + abi.VVAR_BOOT + 8] = ((boot + ns.offset_ns(CLOCK_BOOTTIME)) & mask).to_bytes(
        8, "little")


def join_vvar(machine: Machine, task: Task, ns: TimeNamespace) -> None:
    """vdso_join_timens: the task's address space maps `ns`'s vvar page from now on."""
    ns.frozen_offsets = True  # timens_set_vvar_page: the offsets are the namespace's for good
    task.mm.repoint_shared("[vvar]", [vvar_frame_of(machine, ns)])
    if task is machine.current:
        refresh_vvar(machine, ns)
