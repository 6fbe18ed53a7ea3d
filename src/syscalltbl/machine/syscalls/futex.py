"""futex and futex_waitv (kernel/futex/syscalls.c, waitwake.c, requeue.c, pi.c).

Every check comes in Linux's order, so a call with two faults answers the
same errno as on Linux: the timeout first (EFAULT, EINVAL), then the
command and its flags (ENOSYS), then the futex key (EINVAL for a misaligned
word, EFAULT), then the word's value (EAGAIN). The queues and keys are
kernel/futex.py's; priority inheritance has nothing to boost on one cpu
without priorities, but the PI protocol on the word (owner tid,
FUTEX_WAITERS, FUTEX_OWNER_DIED, hand-off at unlock) is Linux's.
"""

from __future__ import annotations

import time

from syscalltbl.machine.kernel.futex import (
    Futexes,
    Key,
    Wait,
    Waiter,
    futexes,
    key_of,
    read_word,
    write_word,
)
from syscalltbl.machine.kernel.pidns import find_task_vpid, tid_vnr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.syscalls.fileargs import s32
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import EAGAIN, EDEADLK, EINVAL, ENOSYS, EPERM, ESRCH, ETIMEDOUT, Errno
from syscalltbl.machine.uapi.futex import (
    FUTEX2_PRIVATE,
    FUTEX2_SIZE_MASK,
    FUTEX2_SIZE_U32,
    FUTEX2_VALID_MASK,
    FUTEX_BITSET_MATCH_ANY,
    FUTEX_CLOCK_REALTIME,
    FUTEX_CMD_MASK,
    FUTEX_CMP_REQUEUE,
    FUTEX_CMP_REQUEUE_PI,
    FUTEX_LOCK_PI,
    FUTEX_LOCK_PI2,
    FUTEX_OP_ADD,
    FUTEX_OP_ANDN,
    FUTEX_OP_CMP_EQ,
    FUTEX_OP_CMP_GE,
    FUTEX_OP_CMP_GT,
    FUTEX_OP_CMP_LE,
    FUTEX_OP_CMP_LT,
    FUTEX_OP_CMP_NE,
    FUTEX_OP_OPARG_SHIFT,
    FUTEX_OP_OR,
    FUTEX_OP_SET,
    FUTEX_OP_XOR,
    FUTEX_OWNER_DIED,
    FUTEX_PRIVATE_FLAG,
    FUTEX_REQUEUE,
    FUTEX_TID_MASK,
    FUTEX_TRYLOCK_PI,
    FUTEX_UNLOCK_PI,
    FUTEX_WAIT,
    FUTEX_WAIT_BITSET,
    FUTEX_WAIT_REQUEUE_PI,
    FUTEX_WAITERS,
    FUTEX_WAITV,
    FUTEX_WAITV_MAX,
    FUTEX_WAKE,
    FUTEX_WAKE_BITSET,
    FUTEX_WAKE_OP,
)
from syscalltbl.machine.uapi.structs import TIMESPEC
from syscalltbl.machine.uapi.time import CLOCK_MONOTONIC, CLOCK_REALTIME, NSEC_PER_SEC

M32 = 0xFFFFFFFF
NR_FUTEX = 202
NR_FUTEX_WAITV = 449
NR_FUTEX_WAIT = 455
#: futex_cmd_has_timeout: the commands whose fourth argument is a timeout, not val2.
TIMED = frozenset({FUTEX_WAIT, FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI})
#: The commands FUTEX_CLOCK_REALTIME may go with; any other answers ENOSYS.
REALTIME_OK = frozenset({FUTEX_WAIT_BITSET, FUTEX_WAIT_REQUEUE_PI, FUTEX_LOCK_PI2})
CMP = {
    FUTEX_OP_CMP_EQ: lambda a, b: a == b, FUTEX_OP_CMP_NE: lambda a, b: a != b,
    FUTEX_OP_CMP_LT: lambda a, b: a < b, FUTEX_OP_CMP_LE: lambda a, b: a <= b,
    FUTEX_OP_CMP_GT: lambda a, b: a > b, FUTEX_OP_CMP_GE: lambda a, b: a >= b,
}  # fmt: skip
ARITH = {
    FUTEX_OP_SET: lambda old, arg: arg, FUTEX_OP_ADD: lambda old, arg: old + arg,
    FUTEX_OP_OR: lambda old, arg: old | arg, FUTEX_OP_ANDN: lambda old, arg: old & ~arg,
    FUTEX_OP_XOR: lambda old, arg: old ^ arg,
}  # fmt: skip


def s12(value: int) -> int:
    return ((value & 0xFFF) ^ 0x800) - 0x800


def _timespec_ns(t: Task, addr: int) -> int:
    """The timespec at `addr` in nanoseconds: EFAULT, or EINVAL unless it is a valid one (timespec64_valid)."""
    sec, nsec = TIMESPEC.unpack(copy_from_user(t.mm, addr, TIMESPEC.size))
    if sec < 0 or not 0 <= nsec < NSEC_PER_SEC:
        raise Errno(EINVAL)
    return int(sec) * NSEC_PER_SEC + int(nsec)


def _deadline(t: Task, ns: int, *, relative: bool, realtime: bool) -> float:
    """A timeout as a time.monotonic() deadline (the scheduler's clock)."""
    if relative:
        return time.monotonic() + ns / NSEC_PER_SEC
    if realtime:
        return time.monotonic() + (ns - t.machine.wallclock.realtime_ns()) / NSEC_PER_SEC  # the machine's clock
    return ns / NSEC_PER_SEC  # CLOCK_MONOTONIC is time.monotonic's clock


@syscall("sys_futex")
def sys_futex(t: Task, uaddr: int, op: int, val: int, utime: int, uaddr2: int, val3: int) -> int:
    op, val, val3 = s32(op), val & M32, val3 & M32
    cmd = op & FUTEX_CMD_MASK
    private = bool(op & FUTEX_PRIVATE_FLAG)
    realtime = bool(op & FUTEX_CLOCK_REALTIME)
    deadline = None
    if utime and cmd in TIMED:
        # FUTEX_WAIT's timeout is relative; the others' absolute, LOCK_PI's on CLOCK_REALTIME always.
        ns = _timespec_ns(t, utime)
        deadline = _deadline(t, ns, relative=cmd == FUTEX_WAIT, realtime=realtime or cmd == FUTEX_LOCK_PI)
    if realtime and cmd not in REALTIME_OK:
        raise Errno(ENOSYS)
    call = (NR_FUTEX, uaddr, op, val, utime, uaddr2, val3)
    table = futexes(t.machine)
    if cmd in (FUTEX_WAIT, FUTEX_WAIT_BITSET):
        bitset = FUTEX_BITSET_MATCH_ANY if cmd == FUTEX_WAIT else val3
        # A timed wait ends in EINTR after a handler (its restart block); an untimed one is -ERESTARTSYS.
        return _wait(t, table, call, uaddr, private, val, deadline, bitset, restartable=deadline is None)
    if cmd in (FUTEX_WAKE, FUTEX_WAKE_BITSET):
        bitset = FUTEX_BITSET_MATCH_ANY if cmd == FUTEX_WAKE else val3
        if not bitset:
            raise Errno(EINVAL)
        return table.wake_key(key_of(t, uaddr, private=private), s32(val), bitset)
    if cmd in (FUTEX_REQUEUE, FUTEX_CMP_REQUEUE):
        cmpval = val3 if cmd == FUTEX_CMP_REQUEUE else None
        return _requeue(t, table, uaddr, uaddr2, private, s32(val), s32(utime), cmpval)
    if cmd == FUTEX_WAKE_OP:
        return _wake_op(t, table, uaddr, uaddr2, private, s32(val), s32(utime), val3)
    if cmd in (FUTEX_LOCK_PI, FUTEX_LOCK_PI2, FUTEX_TRYLOCK_PI):
        return _lock_pi(t, table, call, uaddr, private, deadline, trylock=cmd == FUTEX_TRYLOCK_PI)
    if cmd == FUTEX_UNLOCK_PI:
        return _unlock_pi(t, table, uaddr, private)
    if cmd == FUTEX_WAIT_REQUEUE_PI:
        return _wait_requeue_pi(t, table, call, uaddr, uaddr2, private, val, deadline)
    if cmd == FUTEX_CMP_REQUEUE_PI:
        return _cmp_requeue_pi(t, table, uaddr, uaddr2, private, s32(val), s32(utime), val3)
    raise Errno(ENOSYS)  # FUTEX_FD (gone since 2.6.26) and unknown commands


def _resumed(table: Futexes, t: Task, call: tuple[int, ...]) -> Wait | None:
    """The task's Wait when this run is the same call waking up (woken or timed out); None to start afresh."""
    wait = table.finish(t, call)
    if wait is None:
        return None
    if wait.woken() >= 0:
        return wait
    if wait.timed_out():
        raise Errno(ETIMEDOUT)
    return None  # a handler ran and SA_RESTART restarts the call: it waits again from the start


def _wait(
    t: Task, table: Futexes, call: tuple[int, ...], uaddr: int, private: bool, val: int,
    deadline: float | None, bitset: int, *, restartable: bool,
) -> int:  # fmt: skip
    if not bitset:
        raise Errno(EINVAL)
    if _resumed(table, t, call) is not None:
        return 0
    key = key_of(t, uaddr, private=private)
    if read_word(t, uaddr) != val:
        raise Errno(EAGAIN)
    if deadline is not None and time.monotonic() >= deadline:
        raise Errno(ETIMEDOUT)
    wait = Wait(t, call, deadline)
    wait.entries.append(Waiter(wait, key, uaddr, bitset))
    raise table.queue(wait, restartable=restartable)


def _requeue(
    t: Task, table: Futexes, uaddr: int, uaddr2: int, private: bool, nr_wake: int, nr_requeue: int, cmpval: int | None,
) -> int:  # fmt: skip
    if nr_wake < 0 or nr_requeue < 0:
        raise Errno(EINVAL)
    key1 = key_of(t, uaddr, private=private)
    key2 = key_of(t, uaddr2, private=private)
    if cmpval is not None and read_word(t, uaddr) != cmpval:
        raise Errno(EAGAIN)
    count = 0
    for entry in table.waiters(key1):
        if count - nr_wake >= nr_requeue:
            break
        if entry.wait.pi or entry.wait.requeue_pi:
            raise Errno(EINVAL)  # a PI waiter moves only with CMP_REQUEUE_PI
        count += 1
        if count <= nr_wake:
            table.dequeue(entry)
            entry.woken = True
        else:
            table.requeue(entry, key2, uaddr2)
    return count


def _wake_op(t: Task, table: Futexes, uaddr: int, uaddr2: int, private: bool, nr_wake: int, nr_wake2: int,
             encoded: int) -> int:
    key1 = key_of(t, uaddr, private=private)
    key2 = key_of(t, uaddr2, private=private, write=True)
    op, cmp = (encoded >> 28) & 7, (encoded >> 24) & 0xF
    oparg, cmparg = s12(encoded >> 12), s12(encoded)
    if encoded >> 28 & FUTEX_OP_OPARG_SHIFT:
        oparg = 1 << (oparg & 31)  # Linux warns about a shift outside 0..31 and masks it
    arith = ARITH.get(op)
    if arith is None:
        raise Errno(ENOSYS)
    old = read_word(t, uaddr2)
    write_word(t, uaddr2, arith(old, oparg))
    compare = CMP.get(cmp)
    if compare is None:
        raise Errno(ENOSYS)  # after the store, as futex_atomic_op_inuser decodes the comparison last
    woken = table.wake_key(key1, nr_wake)
    if compare(s32(old), cmparg):
        woken += table.wake_key(key2, nr_wake2)
    return woken


def _pi_state(t: Task, table: Futexes, key: Key, uval: int) -> list[Waiter]:
    """The PI waiters already on `key` (Linux's pi_state), checked against the word (attach_to_pi_state)."""
    queue = table.waiters(key)
    if queue and (not all(e.wait.pi for e in queue) or uval & FUTEX_TID_MASK != table.pi_owner.get(key)):
        raise Errno(EINVAL)  # a plain waiter on a PI futex, or user space rewrote the owner
    return queue


def _attach_to_owner(t: Task, owner: int, private: bool) -> None:
    """attach_to_pi_owner: ESRCH when no live task has the word's tid (handle_exit_race); a private
    PI futex can only be owned within the caller's process (EPERM)."""
    task = find_task_vpid(t, owner)  # the word holds the owner's tid in the caller's pid namespace
    if task is None or task.status is not None:
        raise Errno(ESRCH)
    if private and task.pid != t.pid:
        raise Errno(EPERM)


def _lock_pi(t: Task, table: Futexes, call: tuple[int, ...], uaddr: int, private: bool, deadline: float | None,
             *, trylock: bool) -> int:
    if _resumed(table, t, call) is not None:
        return 0  # the unlocking owner handed it over: the word holds our tid already
    key = key_of(t, uaddr, private=private, write=True)
    uval = read_word(t, uaddr)
    tid = tid_vnr(t)
    if uval & FUTEX_TID_MASK == tid:
        raise Errno(EDEADLK)
    queue = _pi_state(t, table, key, uval)
    if not queue:
        if not uval & FUTEX_TID_MASK:
            # Free, but its WAITERS or OWNER_DIED bit sent user space here: take it, keeping OWNER_DIED.
            write_word(t, uaddr, (uval & FUTEX_OWNER_DIED) | tid)
            return 0
        write_word(t, uaddr, uval | FUTEX_WAITERS)  # the owner's unlock must now come to the kernel
        owner = uval & FUTEX_TID_MASK
        _attach_to_owner(t, owner, private)
        if trylock:
            raise Errno(EAGAIN)
        table.pi_owner[key] = owner
    elif trylock:
        raise Errno(EAGAIN)
    if deadline is not None and time.monotonic() >= deadline:
        raise Errno(ETIMEDOUT)
    wait = Wait(t, call, deadline, pi=True)
    wait.entries.append(Waiter(wait, key, uaddr))
    # -ERESTARTNOINTR: after any handler the call runs again (and may find the lock free).
    raise table.queue(wait, restartable=True, always_restart=True)


def _unlock_pi(t: Task, table: Futexes, uaddr: int, private: bool) -> int:
    uval = read_word(t, uaddr)
    if uval & FUTEX_TID_MASK != tid_vnr(t):
        raise Errno(EPERM)
    key = key_of(t, uaddr, private=private, write=True)
    queue = table.waiters(key)
    if queue:
        if not queue[0].wait.pi or table.pi_owner.get(key) != tid_vnr(t):
            raise Errno(EINVAL)
        table.hand_off(key, queue[0])
        return 0
    write_word(t, uaddr, 0)  # nobody waits in the kernel: WAITERS and OWNER_DIED go too
    return 0


def _wait_requeue_pi(t: Task, table: Futexes, call: tuple[int, ...], uaddr: int, uaddr2: int, private: bool,
                     val: int, deadline: float | None) -> int:
    """A condition variable's wait whose wake-up is to own the PI mutex at `uaddr2` (futex_wait_requeue_pi)."""
    resumed = _resumed(table, t, call)
    if resumed is not None:
        return 0  # requeued onto the PI futex and handed it, or taken at once by CMP_REQUEUE_PI
    key = key_of(t, uaddr, private=private)
    key2 = key_of(t, uaddr2, private=private, write=True)
    if key == key2:
        raise Errno(EINVAL)
    if read_word(t, uaddr) != val:
        raise Errno(EAGAIN)
    if deadline is not None and time.monotonic() >= deadline:
        raise Errno(ETIMEDOUT)
    wait = Wait(t, call, deadline, requeue_pi=uaddr2)
    wait.entries.append(Waiter(wait, key, uaddr))
    # -ERESTARTNOINTR before a requeue; after one Linux answers EAGAIN, which the run again finds too
    # (the condition variable's word has moved on).
    raise table.queue(wait, restartable=True, always_restart=True)


def _cmp_requeue_pi(t: Task, table: Futexes, uaddr: int, uaddr2: int, private: bool, nr_wake: int,
                    nr_requeue: int, cmpval: int) -> int:
    """futex_requeue with requeue_pi: the top waiter takes the PI lock if free, the rest queue on it."""
    if nr_wake != 1 or nr_requeue < 0:
        raise Errno(EINVAL)
    key1 = key_of(t, uaddr, private=private)
    key2 = key_of(t, uaddr2, private=private, write=True)
    if key1 == key2:
        raise Errno(EINVAL)
    if read_word(t, uaddr) != cmpval:
        raise Errno(EAGAIN)
    queue = table.waiters(key1)
    if any(not e.wait.requeue_pi for e in queue):
        raise Errno(EINVAL)
    count = 0
    uval = read_word(t, uaddr2)
    pi_queue = _pi_state(t, table, key2, uval)
    if queue and not pi_queue:
        top = queue[0]
        owner = uval & FUTEX_TID_MASK
        if owner == top.wait.task.upid[-1]:
            raise Errno(EDEADLK)
        if not owner:
            # futex_proxy_trylock_atomic: the waiter owns the lock before it even wakes.
            waiters = FUTEX_WAITERS if len(queue) > 1 else 0
            write_word(t, uaddr2, (uval & FUTEX_OWNER_DIED) | waiters | top.wait.task.upid[-1])
            table.dequeue(top)
            top.woken = True
            queue = queue[1:]
            count = 1
            uval = read_word(t, uaddr2)
    if queue and nr_requeue:
        if not pi_queue:
            write_word(t, uaddr2, uval | FUTEX_WAITERS)
            owner = uval & FUTEX_TID_MASK
            _attach_to_owner(t, owner, private)
            table.pi_owner[key2] = owner
        for entry in queue[:nr_requeue]:
            own_uaddr2 = entry.wait.requeue_pi  # the PI word as the waiter's own address space maps it
            entry.wait.pi, entry.wait.requeue_pi = True, 0
            table.requeue(entry, key2, own_uaddr2)
            count += 1
    return count


@syscall("sys_futex_waitv")
def sys_futex_waitv(t: Task, waiters: int, nr_futexes: int, flags: int, timeout: int, clockid: int, *_: int) -> int:
    nr_futexes, flags, clockid = nr_futexes & M32, flags & M32, s32(clockid)
    if flags or not nr_futexes or nr_futexes > FUTEX_WAITV_MAX or not waiters:
        raise Errno(EINVAL)
    deadline = None
    if timeout:
        if clockid not in (CLOCK_REALTIME, CLOCK_MONOTONIC):
            raise Errno(EINVAL)
        deadline = _deadline(t, _timespec_ns(t, timeout), relative=False, realtime=clockid == CLOCK_REALTIME)
    vector: list[tuple[int, int, bool]] = []
    for i in range(nr_futexes):
        val, uaddr, fflags, reserved = FUTEX_WAITV.unpack(
            copy_from_user(t.mm, waiters + i * FUTEX_WAITV.size, FUTEX_WAITV.size))
        if fflags & ~FUTEX2_VALID_MASK or reserved:
            raise Errno(EINVAL)
        if fflags & FUTEX2_SIZE_MASK != FUTEX2_SIZE_U32 or val >> 32:
            raise Errno(EINVAL)  # only 32-bit futexes exist, and the value must fit one
        vector.append((uaddr, val, bool(fflags & FUTEX2_PRIVATE)))
    table = futexes(t.machine)
    call = (NR_FUTEX_WAITV, waiters, nr_futexes, flags, timeout, clockid)
    resumed = _resumed(table, t, call)
    if resumed is not None:
        return resumed.woken()
    keys = [key_of(t, uaddr, private=private) for uaddr, _val, private in vector]
    for uaddr, val, _private in vector:
        if read_word(t, uaddr) != val:
            raise Errno(EAGAIN)
    if deadline is not None and time.monotonic() >= deadline:
        raise Errno(ETIMEDOUT)
    wait = Wait(t, call, deadline)
    wait.entries.extend(Waiter(wait, key, uaddr) for key, (uaddr, _v, _p) in zip(keys, vector, strict=True))
    raise table.queue(wait, restartable=True)  # its timeout is absolute: it simply restarts


def _futex2_flags(flags: int) -> bool:
    """futex2_to_flags + futex_flags_valid: EINVAL unless a 32-bit futex; whether it is private."""
    if flags & ~FUTEX2_VALID_MASK or flags & FUTEX2_SIZE_MASK != FUTEX2_SIZE_U32:
        raise Errno(EINVAL)  # only 32-bit futexes exist
    return bool(flags & FUTEX2_PRIVATE)


def _fits(value: int) -> int:
    """futex_validate_input: a value or mask must fit the 32-bit word."""
    if value >> 32:
        raise Errno(EINVAL)
    return value


@syscall("sys_futex_wake")
def sys_futex_wake(t: Task, uaddr: int, mask: int, nr: int, flags: int, *_: int) -> int:
    private = _futex2_flags(flags & M32)
    mask, nr = _fits(mask), s32(nr)
    if not mask:
        raise Errno(EINVAL)
    key = key_of(t, uaddr, private=private)
    if not nr:
        return 0  # FLAGS_STRICT: unlike FUTEX_WAKE, a count of 0 wakes nobody
    return futexes(t.machine).wake_key(key, nr, mask)


@syscall("sys_futex_wait")
def sys_futex_wait(t: Task, uaddr: int, val: int, mask: int, flags: int, timeout: int, clockid: int) -> int:
    private = _futex2_flags(flags & M32)
    val, mask, clockid = _fits(val), _fits(mask), s32(clockid)
    deadline = None
    if timeout:
        if clockid not in (CLOCK_REALTIME, CLOCK_MONOTONIC):
            raise Errno(EINVAL)
        deadline = _deadline(t, _timespec_ns(t, timeout), relative=False, realtime=clockid == CLOCK_REALTIME)
    call = (NR_FUTEX_WAIT, uaddr, val, mask, flags, timeout, clockid)
    # No restart block: with SA_RESTART it simply starts again, its timeout being absolute.
    return _wait(t, futexes(t.machine), call, uaddr, private, val, deadline, mask, restartable=True)


@syscall("sys_futex_requeue")
def sys_futex_requeue(t: Task, waiters: int, flags: int, nr_wake: int, nr_requeue: int, *_: int) -> int:
    """futex_requeue(2): waiters[0] is the futex woken or moved from (its val the expected value), [1] the target."""
    if flags & M32 or not waiters:
        raise Errno(EINVAL)
    pair = []
    for i in range(2):
        val, uaddr, fflags, reserved = FUTEX_WAITV.unpack(
            copy_from_user(t.mm, waiters + i * FUTEX_WAITV.size, FUTEX_WAITV.size))
        if reserved:
            raise Errno(EINVAL)
        _futex2_flags(fflags)
        pair.append((uaddr, _fits(val), fflags))
    (uaddr, cmpval, fflags), (uaddr2, _val2, fflags2) = pair
    if fflags != fflags2:
        raise Errno(EINVAL)  # both futexes alike, as futex(2)'s one op says for both
    private = bool(fflags & FUTEX2_PRIVATE)
    return _requeue(t, futexes(t.machine), uaddr, uaddr2, private, s32(nr_wake), s32(nr_requeue), cmpval)

