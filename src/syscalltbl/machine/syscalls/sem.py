"""System V semaphores: semget, semop, semtimedop, semctl (ipc/sem.c); the sets are kernel/sem.py's.

A semop that cannot go on sleeps until the whole operation can, the set
is removed (EIDRM), its timeout passes (EAGAIN) or a signal comes (EINTR,
never restarted); the call runs again after each wake, so the task
remembers the set and the deadline of its first run.
"""

from __future__ import annotations

import time
import weakref

from syscalltbl.machine.kernel.ipcobj import S_IRUGO, S_IWUGO
from syscalltbl.machine.kernel.pidns import tgid_vnr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.sem import Op, SemaphoreSet, Sleeper
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import E2BIG, EAGAIN, EFBIG, EIDRM, EINVAL, ENOMEM, ERANGE, Errno
from syscalltbl.machine.uapi.ipc import IPC_INFO, IPC_NOWAIT, IPC_RMID, IPC_SET, IPC_STAT
from syscalltbl.machine.uapi.sem import (
    GETALL,
    GETNCNT,
    GETPID,
    GETVAL,
    GETZCNT,
    SEM_INFO,
    SEM_STAT,
    SEM_STAT_ANY,
    SEM_UNDO,
    SEMAEM,
    SEMBUF,
    SEMID64_DS,
    SEMINFO,
    SEMMAP,
    SEMMNU,
    SEMUME,
    SEMUSZ,
    SEMVMX,
    SETALL,
    SETVAL,
)
from syscalltbl.machine.uapi.structs import TIMESPEC

NSEC = 1_000_000_000

#: A task asleep in semop: the call's arguments, the set, and the deadline of its first run.
_waits: weakref.WeakKeyDictionary[Task, tuple[tuple[int, ...], SemaphoreSet, float | None]] = (
    weakref.WeakKeyDictionary())


@syscall("sys_semget")
def sys_semget(t: Task, key: int, nsems: int, semflg: int, *_: int) -> int:
    ns = t.nsproxy.ipc.sem
    if nsems < 0 or nsems > ns.limits.semmsl:
        raise Errno(EINVAL)

    def more_checks(found: SemaphoreSet) -> None:
        if nsems > found.nsems:
            raise Errno(EINVAL)

    return ns.lookup(key, semflg, t.cred, more_checks, lambda perm: ns.new(perm, nsems))


def do_semtimedop(t: Task, semid: int, tsops: int, nsops: int, timeout: int) -> int:
    seconds: float | None = None
    if timeout:
        sec, nsec = TIMESPEC.unpack(copy_from_user(t.mm, timeout, TIMESPEC.size))
    ns = t.nsproxy.ipc.sem
    if nsops > ns.limits.semopm:
        raise Errno(E2BIG)
    if nsops < 1:
        raise Errno(EINVAL)
    if not t.machine.ram.slab_fits(SEMBUF.size * nsops):
        raise Errno(ENOMEM)  # kvmalloc_array: root may have raised semopm past RAM
    raw = copy_from_user(t.mm, tsops, SEMBUF.size * nsops)
    ops: list[Op] = [SEMBUF.unpack_from(raw, i * SEMBUF.size) for i in range(nsops)]
    if semid < 0:
        raise Errno(EINVAL)
    if timeout:
        if sec < 0 or nsec < 0 or nsec >= NSEC:
            raise Errno(EINVAL)
        seconds = sec + nsec / NSEC
    args = (semid, tsops, nsops, timeout)
    waited = _waits.pop(t, None)
    resumed = waited is not None and waited[0] == args
    if resumed and waited is not None and waited[1].deleted:
        raise Errno(EIDRM)
    undos = any(flags & SEM_UNDO for _n, _d, flags in ops)
    alter = any(delta for _n, delta, _f in ops)
    sset = ns.find(semid)
    if max(num for num, _d, _f in ops) >= sset.nsems:
        raise Errno(EFBIG)
    sset.check(t.cred, S_IWUGO if alter else S_IRUGO)
    undo = ns.undo_list(sset, t.group) if undos else None
    blocking = sset.attempt(ops, undo)
    if blocking is None:
        for num, _d, _f in ops:
            sset.pids[num] = tgid_vnr(t)  # sempid is kept as the caller's namespace numbers it
        sset.otime = int(time.time())
        return 0
    if blocking[2] & IPC_NOWAIT:
        raise Errno(EAGAIN)
    now = time.monotonic()
    deadline = waited[2] if resumed and waited is not None else (None if seconds is None else now + seconds)
    if deadline is not None and now >= deadline:
        raise Errno(EAGAIN)  # semtimedop's timeout
    _waits[t] = (args, sset, deadline)

    def ready() -> bool:
        return sset.deleted or sset.would_go(ops) or (deadline is not None and time.monotonic() >= deadline)

    def interrupted() -> int | None:
        _waits.pop(t, None)
        return None

    sleep = Sleep(ready, deadline, restartable=False, on_interrupt=interrupted)
    sset.sleepers = [s for s in sset.sleepers if s.live()]  # the woken and the interrupted go first
    sset.sleepers.append(Sleeper(t, sleep, blocking[0], blocking[1]))
    raise sleep


@syscall("sys_semop")
def sys_semop(t: Task, semid: int, tsops: int, nsops: int, *_: int) -> int:
    return do_semtimedop(t, semid, tsops, nsops, 0)


@syscall("sys_semtimedop")
def sys_semtimedop(t: Task, semid: int, tsops: int, nsops: int, timeout: int, *_: int) -> int:
    return do_semtimedop(t, semid, tsops, nsops, timeout)


def _stat(sset: SemaphoreSet) -> bytes:
    p = sset.perm
    return SEMID64_DS.pack(p.key, p.uid, p.gid, p.cuid, p.cgid, p.mode, p.seq, 0, 0,
                           sset.otime, 0, sset.ctime, 0, sset.nsems, 0, 0)


@syscall("sys_semctl")
def sys_semctl(t: Task, semid: int, semnum: int, cmd: int, arg: int, *_: int) -> int:
    if semid < 0:
        raise Errno(EINVAL)
    ns = t.nsproxy.ipc.sem
    limits = ns.limits
    if cmd in (IPC_INFO, SEM_INFO):
        used, aem = (len(ns.objects), ns.used_sems) if cmd == SEM_INFO else (SEMUSZ, SEMAEM)
        info = SEMINFO.pack(SEMMAP, limits.semmni, limits.semmns, SEMMNU,
                            limits.semmsl, limits.semopm, SEMUME, used, SEMVMX, aem)
        copy_to_user(t.mm, arg, info)
        return max(ns.max_index, 0)
    if cmd in (IPC_STAT, SEM_STAT, SEM_STAT_ANY):
        sset = ns.find(semid) if cmd == IPC_STAT else ns.by_index(semid)
        if cmd != SEM_STAT_ANY:
            sset.check(t.cred, S_IRUGO)
        copy_to_user(t.mm, arg, _stat(sset))
        return 0 if cmd == IPC_STAT else sset.id
    if cmd in (GETALL, SETALL, GETVAL, GETPID, GETNCNT, GETZCNT):
        sset = ns.find(semid)
        sset.check(t.cred, S_IWUGO if cmd == SETALL else S_IRUGO)
        if cmd == GETALL:
            copy_to_user(t.mm, arg, b"".join(v.to_bytes(2, "little") for v in sset.values))
            return 0
        if cmd == SETALL:
            raw = copy_from_user(t.mm, arg, 2 * sset.nsems)
            values = [int.from_bytes(raw[i:i + 2], "little") for i in range(0, len(raw), 2)]
            if any(v > SEMVMX for v in values):
                raise Errno(ERANGE)
            sset.set_all(values, tgid_vnr(t))
            return 0
        if not 0 <= semnum < sset.nsems:
            raise Errno(EINVAL)
        if cmd == GETVAL:
            return sset.values[semnum]
        if cmd == GETPID:
            return sset.pids[semnum]
        return sset.count_waiting(semnum, zero=cmd == GETZCNT)
    if cmd == SETVAL:
        value = arg & 0xFFFFFFFF
        value = value - (1 << 32) if value >= 1 << 31 else value
        if not 0 <= value <= SEMVMX:
            raise Errno(ERANGE)
        sset = ns.find(semid)
        if not 0 <= semnum < sset.nsems:
            raise Errno(EINVAL)
        sset.check(t.cred, S_IWUGO)
        sset.set_value(semnum, value, tgid_vnr(t))
        return 0
    if cmd in (IPC_SET, IPC_RMID):
        fields = SEMID64_DS.unpack(copy_from_user(t.mm, arg, SEMID64_DS.size)) if cmd == IPC_SET else None
        sset = ns.find(semid)
        sset.owner_check(t.cred)
        if fields is None:
            ns.destroy(sset)
        else:
            sset.set_perm(fields[1], fields[2], fields[5])
        return 0
    raise Errno(EINVAL)
