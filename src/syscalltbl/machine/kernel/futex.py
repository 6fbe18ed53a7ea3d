"""Futex wait queues (kernel/futex/): keys, waiting, waking, PI hand-off, and what a dying thread releases.

A waiter is keyed as Linux keys it: a private futex by (address space,
virtual address), a shared one by the physical address of the word, found
through the page tables, so two mappings of one frame (MAP_SHARED memory in
two processes) meet on one key, wherever each maps it. Private and shared
keys never match each other, as in Linux, where the shared key of private
memory carries FUT_OFF_MMSHARED.

A task sleeps by raising Sleep (wait.py); its system call runs again from
pt_regs when it wakes. So the queue entry is kept by task (`Futexes.waits`):
a wake marks it, and the call, run again, finds its own entry woken and
returns 0 without waiting twice. An entry whose task no longer sleeps in it
(it died, or a signal ended the sleep and the call restarts after the
handler) is stale: a wake passes it by and drops it, as Linux's task would
have taken itself off the queue. Entries therefore number at most
FUTEX_WAITV_MAX per task, and `waits` is purged of dead tasks whenever it
outgrows the task table: nothing here grows without bound.

The emulated cpu is single, and a system call runs to its end without
another task in between, so the read-modify-write of a futex word is atomic
as the kernel's cmpxchg is.
"""

from __future__ import annotations

import contextlib
import time
import weakref
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import access_ok, copy_from_user, copy_to_user
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.uapi.errno import EFAULT, EINVAL, Errno
from syscalltbl.machine.uapi.futex import (
    FUTEX_BITSET_MATCH_ANY,
    FUTEX_OWNER_DIED,
    FUTEX_TID_MASK,
    FUTEX_WAITERS,
    ROBUST_LIST_HEAD,
    ROBUST_LIST_LIMIT,
    ROBUST_LIST_PI,
)
from syscalltbl.store.record import Record

if TYPE_CHECKING:
    from syscalltbl.machine.machine import Machine

#: (address space, virtual address) for a private futex; (None, physical address) for a shared one.
Key = tuple[object, int]
WORD = 4


class Waiter(Record):
    """One queued futex (Linux's futex_q): where it waits, seen from its task, and whether a wake took it."""

    wait: Wait
    key: Key
    uaddr: int  # the word's address in the waiter's own address space (a requeue moves it)
    bitset: int
    woken: bool

    __slots__ = _fields = ("wait", "key", "uaddr", "bitset", "woken")

    def __init__(
        self,
        wait: Wait,
        key: Key,
        uaddr: int,
        bitset: int = FUTEX_BITSET_MATCH_ANY,
        woken: bool = False,
    ) -> None:
        self.wait = wait
        self.key = key
        self.uaddr = uaddr
        self.bitset = bitset
        self.woken = woken


class Wait(Record):
    """One task's sleeping futex call: its queued futexes (one, or futex_waitv's vector) and its deadline."""

    task: Task
    call: tuple[int, ...]  # the call's number and arguments: the run after the wake must be the same call
    deadline: float | None  # time.monotonic()
    pi: bool  # LOCK_PI: woken means handed the lock
    entries: list[Waiter]
    sleep: Sleep | None
    requeue_pi: int  # WAIT_REQUEUE_PI: the PI futex (uaddr2) a CMP_REQUEUE_PI may move it to

    __slots__ = _fields = ("task", "call", "deadline", "pi", "entries", "sleep", "requeue_pi")

    def __init__(
        self,
        task: Task,
        call: tuple[int, ...],
        deadline: float | None,
        pi: bool = False,
        entries: list[Waiter] | None = None,
        sleep: Sleep | None = None,
        requeue_pi: int = 0,
    ) -> None:
        self.task = task
        self.call = call
        self.deadline = deadline
        self.pi = pi
        self.entries = [] if entries is None else entries
        self.sleep = sleep
        self.requeue_pi = requeue_pi

    def woken(self) -> int:
        """The highest index of a woken futex (futex_unqueue_multiple), or -1."""
        return max((i for i, e in enumerate(self.entries) if e.woken), default=-1)

    def ready(self) -> bool:
        return self.woken() >= 0 or (self.deadline is not None and time.monotonic() >= self.deadline)

    def timed_out(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    def live(self) -> bool:
        """Whether the task still sleeps in this call: else no wake may count it."""
        return self.task.status is None and self.sleep is not None and self.task.sleep is self.sleep


class Futexes:
    """One machine's futex hash (Linux's futex_queues): waiters by key, and the PI locks that have waiters."""

    def __init__(self) -> None:
        self.queues: dict[Key, list[Waiter]] = {}
        self.waits: dict[Task, Wait] = {}
        #: A PI futex with waiters in the kernel (its pi_state): the owner's tid.
        self.pi_owner: dict[Key, int] = {}  # tids as the words hold them: the owner's own pid namespace's

    def queue(self, wait: Wait, *, restartable: bool, always_restart: bool = False) -> Sleep:
        """Put `wait`'s futexes on their queues and return the Sleep the call must raise.

        `restartable`: after a handler with SA_RESTART the call starts over
        (-ERESTARTSYS); else it answers EINTR (a timed FUTEX_WAIT's restart
        block, which only a signal without a handler would resume).
        `always_restart`: it starts over after any handler (-ERESTARTNOINTR).
        """
        task = wait.task
        if len(self.waits) > len(task.machine.tasks):
            for stale in [w for w in self.waits.values() if w.task.status is not None]:
                self.cancel(stale)
        for entry in wait.entries:
            self.queues.setdefault(entry.key, []).append(entry)
        self.waits[task] = wait
        wait.sleep = Sleep(wait.ready, wait.deadline, restartable=restartable, always_restart=always_restart,
                           on_interrupt=lambda: self._interrupted(wait))
        return wait.sleep

    def _interrupted(self, wait: Wait) -> int | None:
        self.cancel(wait)
        return None

    def finish(self, task: Task, call: tuple[int, ...]) -> Wait | None:
        """The task's own Wait if this is the same call run again, taken off every queue; else None."""
        wait = self.waits.get(task)
        if wait is None:
            return None
        self.cancel(wait)
        return wait if wait.call == call else None

    def cancel(self, wait: Wait) -> None:
        """Take every futex of `wait` off its queue (unqueue_me)."""
        if self.waits.get(wait.task) is wait:
            del self.waits[wait.task]
        for entry in wait.entries:
            self.dequeue(entry)

    def dequeue(self, entry: Waiter) -> None:
        queue = self.queues.get(entry.key)
        if queue is None or entry not in queue:
            return
        queue.remove(entry)
        if not queue:
            del self.queues[entry.key]
            self.pi_owner.pop(entry.key, None)

    def waiters(self, key: Key) -> list[Waiter]:
        """The live waiters on `key`, in queue order; stale ones are dropped on the way."""
        queue = self.queues.get(key)
        if not queue:
            return []
        for entry in [e for e in queue if not e.wait.live()]:
            self.cancel(entry.wait)
        return list(self.queues.get(key, ()))

    def wake_key(self, key: Key, nr_wake: int, bitset: int = FUTEX_BITSET_MATCH_ANY) -> int:
        """futex_wake on a key: wake up to `nr_wake` waiters whose bitset meets `bitset` (at least one)."""
        woken = 0
        for entry in self.waiters(key):
            if entry.wait.pi or entry.wait.requeue_pi:
                raise Errno(EINVAL)  # a PI waiter is woken only by its lock's unlock
            if not entry.bitset & bitset:
                continue
            self.dequeue(entry)
            entry.woken = True
            woken += 1
            if woken >= nr_wake:
                break
        return woken

    def requeue(self, entry: Waiter, key: Key, uaddr: int) -> None:
        self.dequeue(entry)
        entry.key, entry.uaddr = key, uaddr
        self.queues.setdefault(key, []).append(entry)

    def hand_off(self, key: Key, top: Waiter, died: int = 0) -> None:
        """Give the PI lock at `key` to its top waiter: the word becomes its tid with FUTEX_WAITERS (wake_futex_pi)."""
        task = top.wait.task
        write_word(task, top.uaddr, FUTEX_WAITERS | died | task.upid[-1])
        self.dequeue(top)
        top.woken = True
        if key in self.queues:
            self.pi_owner[key] = task.upid[-1]


_tables: weakref.WeakKeyDictionary[Machine, Futexes] = weakref.WeakKeyDictionary()


def futexes(machine: Machine) -> Futexes:
    table = _tables.get(machine)
    if table is None:
        table = _tables[machine] = Futexes()
    return table


def key_of(task: Task, uaddr: int, *, private: bool, write: bool = False) -> Key:
    """get_futex_key: EINVAL for a misaligned word, EFAULT for one the task cannot reach."""
    if uaddr % WORD:
        raise Errno(EINVAL)
    if not access_ok(uaddr, WORD):
        raise Errno(EFAULT)
    if private:
        return (task.mm, uaddr)  # no page is looked at: a private wake of an unmapped word finds nobody
    vma = task.mm.find_vma(uaddr)
    if vma is not None and not vma.write and getattr(vma, "backing", None) is None:
        # A read-only anonymous page never changes: Linux refuses it a shared key (a file's page is fine).
        raise Errno(EFAULT)
    # Paged in for writing where the area allows it, as get_user_pages(FOLL_WRITE) tries first: a
    # private page still shared with its file is copied now, so the key does not move at the first store.
    pa = task.mm.user_frame(uaddr, write or (vma is not None and vma.write))
    if pa is None:
        raise Errno(EFAULT)
    return (None, pa)


def read_word(task: Task, uaddr: int) -> int:
    return int.from_bytes(copy_from_user(task.mm, uaddr, WORD), "little")


def write_word(task: Task, uaddr: int, value: int) -> None:
    copy_to_user(task.mm, uaddr, (value & 0xFFFFFFFF).to_bytes(WORD, "little"))


def wake(task: Task, uaddr: int, count: int, bitset: int = FUTEX_BITSET_MATCH_ANY, private: bool = False) -> int:
    """FUTEX_WAKE from the kernel (CLONE_CHILD_CLEARTID, robust lists): how many waiters were woken."""
    return futexes(task.machine).wake_key(key_of(task, uaddr, private=private), count, bitset)


def mm_release(task: Task) -> None:
    """What a thread does to user memory as it exits or execs (futex_exit_release, then mm_release).

    The robust list first: every lock the thread holds gets FUTEX_OWNER_DIED
    and a waiter is woken; then the PI locks it owns pass to their top
    waiters; then CLONE_CHILD_CLEARTID's word is zeroed and one waiter woken,
    when another user of the address space can see it. A fault on the way
    only ends that part, as in Linux.
    """
    table = futexes(task.machine)
    wait = table.waits.get(task)
    if wait is not None:
        table.cancel(wait)
    if task.robust_list:
        with contextlib.suppress(Errno):
            _exit_robust_list(task, task.robust_list)
        task.robust_list = 0
    for key, owner in list(table.pi_owner.items()):
        if owner == task.upid[-1] and (queue := table.waiters(key)):
            top = queue[0]
            with contextlib.suppress(Errno):
                died = read_word(top.wait.task, top.uaddr) & FUTEX_OWNER_DIED
                table.hand_off(key, top, died)
    if task.clear_child_tid:
        # mm_users > 1: the address space outlives this thread (threads, vfork); `users` is the threads' count.
        if getattr(task.mm, "users", 1) > 1:
            with contextlib.suppress(Errno):
                write_word(task, task.clear_child_tid, 0)
                wake(task, task.clear_child_tid, 1)
        task.clear_child_tid = 0


def _robust_entry(task: Task, addr: int) -> tuple[int, bool]:
    """fetch_robust_entry: the pointer at `addr` and whether it marks a PI futex."""
    value = int.from_bytes(copy_from_user(task.mm, addr, 8), "little")
    return value & ~ROBUST_LIST_PI, bool(value & ROBUST_LIST_PI)


def _exit_robust_list(task: Task, head: int) -> None:
    """exit_robust_list: at most ROBUST_LIST_LIMIT entries, then the one in list_op_pending."""
    entry, pi = _robust_entry(task, head)
    _next, offset, _pending = ROBUST_LIST_HEAD.unpack(copy_from_user(task.mm, head, ROBUST_LIST_HEAD.size))
    pending, pending_pi = _robust_entry(task, head + 16)
    limit = ROBUST_LIST_LIMIT
    while entry != head:
        try:
            following: tuple[int, bool] | None = _robust_entry(task, entry)
        except Errno:
            following = None
        if entry != pending and not _futex_death(task, (entry + offset) & (1 << 64) - 1, pi, pending_op=False):
            return
        if following is None:
            return
        entry, pi = following
        limit -= 1
        if not limit:
            break
    if pending:
        _futex_death(task, (pending + offset) & (1 << 64) - 1, pending_pi, pending_op=True)


def _futex_death(task: Task, uaddr: int, pi: bool, *, pending_op: bool) -> bool:
    """handle_futex_death: False when the walk must stop (a misaligned or unreadable word)."""
    if uaddr % WORD:
        return False
    try:
        uval = read_word(task, uaddr)
    except Errno:
        return False
    owner = uval & FUTEX_TID_MASK
    if pending_op and not pi and not owner:
        # Died between unlocking and clearing list_op_pending: a waiter may need the wake it missed.
        with contextlib.suppress(Errno):
            wake(task, uaddr, 1)
        return True
    if owner != task.upid[-1]:
        return True
    try:
        write_word(task, uaddr, (uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED)
    except Errno:
        return False
    if not pi and uval & FUTEX_WAITERS:
        with contextlib.suppress(Errno):
            wake(task, uaddr, 1)  # shared, as Linux wakes robust futexes: glibc waits on them so
    return True
