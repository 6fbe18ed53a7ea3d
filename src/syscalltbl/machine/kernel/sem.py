"""System V semaphore sets (ipc/sem.c): one namespace per machine.

A set is `nsems` values of 0..SEMVMX with the pid of the last to change
each. A semop applies all its operations or none (perform_atomic_semop);
one that would block names the operation that blocks it, which is what
GETNCNT and GETZCNT count among the sleepers. SEM_UNDO adjustments are
kept per process (the undo list CLONE_SYSVSEM shares among threads) and
applied when its last thread exits. Sets, their semaphores and the undo
lists are charged to RAM (ram.slab), within kernel.sem's four limits.
"""

from __future__ import annotations

import time
import weakref
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.ipcobj import IpcIds, IpcObject
from syscalltbl.machine.kernel.shm import Perm
from syscalltbl.machine.uapi.errno import EINVAL, ENOMEM, ENOSPC, ERANGE, Errno
from syscalltbl.machine.uapi.sem import SEM_UNDO, SEMAEM, SEMVMX
from syscalltbl.store.record import Record

if TYPE_CHECKING:
    from syscalltbl.machine.hw.physmem import PhysicalMemory
    from syscalltbl.machine.kernel.ipclimits import IpcLimits
    from syscalltbl.machine.kernel.process import Task, ThreadGroup
    from syscalltbl.machine.kernel.wait import Sleep

SET_BYTES = 256  # struct sem_array's head, charged to RAM
SEM_BYTES = 64  # struct sem: each semaphore
UNDO_BYTES = 64  # struct sem_undo's head, and a short per semaphore

#: One operation: sem_num, sem_op, sem_flg.
Op = tuple[int, int, int]


class Sleeper(Record):
    """A task asleep in semop on a set: the operation that blocked it."""

    task: Task
    sleep: Sleep
    num: int
    op: int

    __slots__ = _fields = ("task", "sleep", "num", "op")

    def __init__(self, task: Task, sleep: Sleep, num: int, op: int) -> None:
        self.task = task
        self.sleep = sleep
        self.num = num
        self.op = op

    def live(self) -> bool:
        return self.task.status is None and self.task.sleep is self.sleep


class SemaphoreSet(IpcObject):
    def __init__(self, perm: Perm, nsems: int) -> None:
        super().__init__(perm)
        self.values = [0] * nsems
        self.pids = [0] * nsems
        self.otime = 0
        self.sleepers: list[Sleeper] = []
        #: Each process's SEM_UNDO adjustments for this set, by its thread group.
        self.undos: weakref.WeakKeyDictionary[ThreadGroup, list[int]] = weakref.WeakKeyDictionary()

    @property
    def nsems(self) -> int:
        return len(self.values)

    def count_waiting(self, num: int, *, zero: bool) -> int:
        """count_semcnt: sleepers blocked on semaphore `num` waiting for zero (GETZCNT) or to decrease (GETNCNT)."""
        self.sleepers = [s for s in self.sleepers if s.live()]
        return sum(1 for s in self.sleepers if s.num == num and (s.op == 0 if zero else s.op < 0))

    def attempt(self, ops: list[Op], undo: list[int] | None) -> Op | None:
        """perform_atomic_semop: apply every operation, or none; the one that would block, else None.

        ERANGE for a value past SEMVMX or an undo adjustment past SEMAEM."""
        values = list(self.values)
        adjust = list(undo) if undo is not None else None
        for op in ops:
            num, delta, flags = op
            result = values[num]
            if (delta == 0 and result) or result + delta < 0:
                return op
            result += delta
            if result > SEMVMX:
                raise Errno(ERANGE)
            if flags & SEM_UNDO and adjust is not None:
                adjusted = adjust[num] - delta
                if not -SEMAEM - 1 <= adjusted <= SEMAEM:
                    raise Errno(ERANGE)
                adjust[num] = adjusted
            values[num] = result
        self.values = values
        if undo is not None and adjust is not None:
            undo[:] = adjust
        return None

    def would_go(self, ops: list[Op]) -> bool:
        """Whether attempt() would do more than block now (go on, or answer ERANGE): a sleeper's wake test."""
        values = list(self.values)
        for num, delta, _flags in ops:
            if (delta == 0 and values[num]) or values[num] + delta < 0:
                return False
            values[num] += delta
        return True

    def set_value(self, num: int, value: int, pid: int) -> None:
        """SETVAL: the value, and every process's adjustment for it cleared."""
        self.values[num], self.pids[num] = value, pid
        for adjust in self.undos.values():
            adjust[num] = 0
        self.ctime = int(time.time())

    def set_all(self, values: list[int], pid: int) -> None:
        self.values = list(values)
        self.pids = [pid] * self.nsems
        for adjust in self.undos.values():
            adjust[:] = [0] * self.nsems
        self.ctime = int(time.time())


class Semaphores(IpcIds[SemaphoreSet]):
    def __init__(self, ram: PhysicalMemory, limits: IpcLimits) -> None:
        super().__init__(lambda: limits.semmni, lambda: limits.take_next_id("sem_next_id"))
        self.ram = ram
        self.limits = limits
        self.used_sems = 0
        #: The sets each process has undo adjustments in, by id.
        self.undo_sets: weakref.WeakKeyDictionary[ThreadGroup, set[int]] = weakref.WeakKeyDictionary()

    def new(self, perm: Perm, nsems: int) -> SemaphoreSet:
        """newary: within kernel.sem's SEMMNS, charged to RAM."""
        if not nsems:
            raise Errno(EINVAL)
        if self.used_sems + nsems > self.limits.semmns:
            raise Errno(ENOSPC)
        cost = SET_BYTES + SEM_BYTES * nsems
        if not self.ram.slab_fits(cost):
            raise Errno(ENOMEM)
        if self.full():
            raise Errno(ENOSPC)
        self.ram.slab_charge(cost)
        self.used_sems += nsems
        return SemaphoreSet(perm, nsems)

    def undo_list(self, sset: SemaphoreSet, group: ThreadGroup) -> list[int]:
        """find_alloc_undo: the process's adjustments for `sset`, made (and charged) on first use."""
        found = sset.undos.get(group)
        if found is None:
            cost = UNDO_BYTES + 2 * sset.nsems
            if not self.ram.slab_fits(cost):
                raise Errno(ENOMEM)
            self.ram.slab_charge(cost)
            found = sset.undos[group] = [0] * sset.nsems
            self.undo_sets.setdefault(group, set()).add(sset.id)
        return found

    def _drop_undo(self, sset: SemaphoreSet, group: ThreadGroup) -> list[int] | None:
        found = sset.undos.pop(group, None)
        if found is not None:
            self.ram.slab_charge(-(UNDO_BYTES + 2 * sset.nsems))
        return found

    def destroy(self, sset: SemaphoreSet) -> None:
        """freeary: the set goes; its sleepers see it deleted, its undo lists go with it."""
        self.remove(sset)
        for group in list(sset.undos):
            self._drop_undo(sset, group)
        self.used_sems -= sset.nsems
        self.ram.slab_charge(-(SET_BYTES + SEM_BYTES * sset.nsems))

    def exit_sem(self, group: ThreadGroup, pid: int) -> None:
        """exit_sem: the process's last thread ended; each adjustment is added back, clamped to 0..SEMVMX."""
        for ident in self.undo_sets.pop(group, set()):
            try:
                sset = self.find(ident)
            except Errno:
                continue  # removed since
            adjust = self._drop_undo(sset, group)
            if adjust is None:
                continue
            for num, delta in enumerate(adjust):
                if delta:
                    sset.values[num] = min(max(sset.values[num] + delta, 0), SEMVMX)
                    sset.pids[num] = pid
