"""BSD process accounting (kernel/acct.c): a record for each process that ends, appended to the file acct() named.

One accounting file per machine (Linux's: per pid namespace). Records are
struct acct_v3 (CONFIG_BSD_PROCESS_ACCT_V3): who ran what, when it started,
how long it ran and on which cpu time, how it ended. ASU (used root's
privileges) is not tracked and stays clear.
"""

from __future__ import annotations

import contextlib
import struct
import time
import weakref
from typing import TYPE_CHECKING, Final

from syscalltbl.machine.kernel import cputime
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.uapi.errno import Errno
from syscalltbl.machine.uapi.time import NSEC_PER_SEC

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import ExitStatus, Task
    from syscalltbl.machine.machine import Machine

ACCT_VERSION: Final = 3
AFORK: Final = 0x01
ACORE: Final = 0x08
AXSIG: Final = 0x10
AHZ: Final = 100  # the records' clock ticks
#: struct acct_v3 (64 bytes): flag, version, tty, exitcode, uid, gid, pid, ppid, btime, etime (a float's bits),
#: utime, stime, mem, io, rw, minflt, majflt, swaps (comp_t each), comm[16].
ACCT_V3: Final = struct.Struct("<BBHIIIIIIIHHHHHHHH16s")
MANTSIZE: Final = 13
EXPSIZE: Final = 3
MAXFRACT: Final = (1 << MANTSIZE) - 1

#: The machine's accounting file, while accounting is on.
_files: weakref.WeakKeyDictionary[Machine, OpenFile] = weakref.WeakKeyDictionary()


def encode_comp_t(value: int) -> int:
    """comp_t: a 13-bit mantissa and a 3-bit base-8 exponent, rounded as acct.c rounds."""
    exp = rnd = 0
    while value > MAXFRACT:
        rnd = value & (1 << (EXPSIZE - 1))
        value >>= EXPSIZE
        exp += 1
    if rnd:
        value += 1
        if value > MAXFRACT:
            value >>= EXPSIZE
            exp += 1
    if exp > 0xFFFF >> MANTSIZE:
        return 0xFFFF
    return (exp << MANTSIZE) + value


def encode_float(value: int) -> int:
    """acct.c's encode_float: an unsigned 64-bit count as the bits of an IEEE single."""
    if value == 0:
        return 0
    exp = 190
    while not value & (1 << 63):
        value = (value << 1) & ((1 << 64) - 1)
        exp -= 1
    return ((value >> 40) & 0x7FFFFF) | (exp << 23)


def switch_to(machine: Machine, f: OpenFile | None) -> None:
    """acct(name) / acct(NULL): the new file (or none) takes the old one's place, which is closed."""
    old = _files.pop(machine, None)
    if f is not None:
        _files[machine] = f
    if old is not None:
        old.inode.release(old)


def process_ended(machine: Machine, task: Task, status: ExitStatus) -> None:
    """acct_process: the record of `task`'s process (its last thread just exited), if accounting is on."""
    f = _files.get(machine)
    if f is None:
        return
    leader = task.group.leader
    usage = cputime.group_usage(task.group)
    now_mono = time.monotonic()
    elapsed_ns = max(int((now_mono - leader.start_time) * NSEC_PER_SEC), 0)
    btime = machine.wallclock.realtime_ns() // NSEC_PER_SEC - elapsed_ns // NSEC_PER_SEC
    flag = (AFORK if leader.forked_no_exec else 0) | (AXSIG if status.signal else 0) | (ACORE if status.core else 0)
    exitcode = (status.signal or 0) | (status.code or 0) << 8
    tick = NSEC_PER_SEC // AHZ
    vsize_kib = sum(v.end - v.start for v in leader.mm.vmas) // 1024 if leader.mm is not None else 0
    record = ACCT_V3.pack(
        flag, ACCT_VERSION, 0, exitcode, leader.cred.uid, leader.cred.gid, leader.pid, leader.ppid, btime & 0xFFFFFFFF,
        encode_float(elapsed_ns // tick), encode_comp_t(usage.utime // tick), encode_comp_t(usage.stime // tick),
        encode_comp_t(vsize_kib), 0, 0, encode_comp_t(usage.minflt), 0, 0, task.comm[:16],
    )  # fmt: skip
    # A full filesystem loses the record (Linux suspends accounting below a free-space mark).
    with contextlib.suppress(Errno):
        f.inode.write_from(f, record, task)
