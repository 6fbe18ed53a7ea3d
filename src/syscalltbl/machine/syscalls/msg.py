"""System V message queues: msgget, msgsnd, msgrcv, msgctl (ipc/msg.c); the queues are kernel/msg.py's.

A send to a full queue or a receive from one without a fitting message
sleeps; a signal ends the sleep with EINTR (-ERESTARTNOHAND: never restarted
after a handler), and removal of the queue with EIDRM: the task remembers
which queue it waits on, so the call run again after the wake can tell.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable

from syscalltbl.machine.kernel.ipcobj import S_IRUGO, S_IWUGO
from syscalltbl.machine.kernel.msg import MESSAGE_BYTES, Message, MessageQueue
from syscalltbl.machine.kernel.pidns import pid_vnr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_RESOURCE
from syscalltbl.machine.uapi.errno import E2BIG, EAGAIN, EIDRM, EINVAL, ENOMEM, ENOMSG, EPERM, Errno
from syscalltbl.machine.uapi.ipc import IPC_INFO, IPC_NOWAIT, IPC_RMID, IPC_SET, IPC_STAT
from syscalltbl.machine.uapi.msg import (
    MSG_COPY,
    MSG_EXCEPT,
    MSG_INFO,
    MSG_NOERROR,
    MSG_STAT,
    MSG_STAT_ANY,
    MSGINFO,
    MSGMAP,
    MSGPOOL,
    MSGSEG,
    MSGSSZ,
    MSGTQL,
    MSQID64_DS,
    MTYPE,
)

LONG_MAX = (1 << 63) - 1

#: A task asleep in msgsnd or msgrcv: the call's arguments and the queue it waits on.
_waits: weakref.WeakKeyDictionary[Task, tuple[tuple[int, ...], MessageQueue]] = weakref.WeakKeyDictionary()


def _woken(t: Task, args: tuple[int, ...]) -> None:
    """The same call run again after a wake: EIDRM if its queue was removed meanwhile."""
    found = _waits.pop(t, None)
    if found is not None and found[0] == args and found[1].deleted:
        raise Errno(EIDRM)


def _wait(t: Task, args: tuple[int, ...], queue: MessageQueue, can_go: Callable[[], bool]) -> Sleep:
    """Sleep until `can_go` or the queue's removal; a handled signal answers EINTR."""
    _waits[t] = (args, queue)

    def interrupted() -> int | None:
        _waits.pop(t, None)
        return None

    return Sleep(lambda: queue.deleted or can_go(), restartable=False, on_interrupt=interrupted)


@syscall("sys_msgget")
def sys_msgget(t: Task, key: int, flags: int, *_: int) -> int:
    ns = t.nsproxy.ipc.msg
    return ns.lookup(key, flags, t.cred, lambda _q: None, lambda perm: ns.new(perm, t.pid))


@syscall("sys_msgsnd")
def sys_msgsnd(t: Task, msqid: int, msgp: int, msgsz: int, msgflg: int, *_: int) -> int:
    ns = t.nsproxy.ipc.msg
    (mtype,) = MTYPE.unpack(copy_from_user(t.mm, msgp, MTYPE.size))
    if msgsz > ns.limits.msgmax or msgsz >= 1 << 63 or msqid < 0:
        raise Errno(EINVAL)
    if mtype < 1:
        raise Errno(EINVAL)
    if not ns.ram.slab_fits(MESSAGE_BYTES + msgsz):
        raise Errno(ENOMEM)  # load_msg allocates before it copies: root may have raised msgmax past RAM
    text = copy_from_user(t.mm, msgp + MTYPE.size, msgsz)
    args = (msqid, msgp, msgsz, msgflg)
    _woken(t, args)
    queue = ns.find(msqid)
    queue.check(t.cred, S_IWUGO)
    if not queue.has_room(msgsz):
        if msgflg & IPC_NOWAIT:
            raise Errno(EAGAIN)
        raise _wait(t, args, queue, lambda: queue.has_room(msgsz))
    ns.enqueue(queue, mtype, text, t.pid)
    return 0


def _search(queue: MessageQueue, msgtyp: int, msgflg: int) -> int | None:
    """find_msg: the index of the message msgrcv takes (convert_mode's search), None for none."""
    messages = queue.messages
    if msgflg & MSG_COPY:
        return msgtyp if 0 <= msgtyp < len(messages) else None  # SEARCH_NUMBER: the msgtyp-th
    if msgtyp == 0:
        return 0 if messages else None
    if msgtyp < 0:
        bound = LONG_MAX if msgtyp == -(1 << 63) else -msgtyp  # SEARCH_LESSEQUAL: the lowest type, first
        eligible = [(m.mtype, i) for i, m in enumerate(messages) if m.mtype <= bound]
        return min(eligible)[1] if eligible else None
    if msgflg & MSG_EXCEPT:
        return next((i for i, m in enumerate(messages) if m.mtype != msgtyp), None)
    return next((i for i, m in enumerate(messages) if m.mtype == msgtyp), None)


@syscall("sys_msgrcv")
def sys_msgrcv(t: Task, msqid: int, msgp: int, msgsz: int, msgtyp: int, msgflg: int, *_: int) -> int:
    ns = t.nsproxy.ipc.msg
    if msqid < 0 or msgsz >= 1 << 63:
        raise Errno(EINVAL)
    copy_room = msgsz
    if msgflg & MSG_COPY:
        if msgflg & MSG_EXCEPT or not msgflg & IPC_NOWAIT:
            raise Errno(EINVAL)
        copy_room = min(msgsz, ns.limits.msgmax)  # prepare_copy's buffer
    args = (msqid, msgp, msgsz, msgtyp, msgflg)
    _woken(t, args)
    queue = ns.find(msqid)
    queue.check(t.cred, S_IRUGO)
    index = _search(queue, msgtyp, msgflg)
    if index is None:
        if msgflg & IPC_NOWAIT:
            raise Errno(ENOMSG)
        raise _wait(t, args, queue, lambda: _search(queue, msgtyp, msgflg) is not None)
    found = queue.messages[index]
    if msgsz < len(found.text) and not msgflg & MSG_NOERROR:
        raise Errno(E2BIG)
    message: Message
    if msgflg & MSG_COPY:
        if len(found.text) > copy_room:
            raise Errno(EINVAL)  # copy_msg: the copy's buffer is smaller than the message
        message = found
    else:
        message = ns.dequeue(queue, index, t.pid)
    # do_msg_fill: a fault here loses the message, as on Linux.
    copy_to_user(t.mm, msgp, MTYPE.pack(message.mtype))
    size = min(msgsz, len(message.text))
    copy_to_user(t.mm, msgp + MTYPE.size, message.text[:size])
    return size


def _stat(t: Task, queue: MessageQueue) -> bytes:
    """msg_stat: the last sender's and receiver's pids as the caller's pid namespace numbers them."""
    p = queue.perm
    return MSQID64_DS.pack(p.key, p.uid, p.gid, p.cuid, p.cgid, p.mode, p.seq, 0, 0,
                           queue.stime, queue.rtime, queue.ctime, queue.cbytes, len(queue.messages),
                           queue.qbytes, pid_vnr(t, queue.lspid), pid_vnr(t, queue.lrpid), 0, 0)


@syscall("sys_msgctl")
def sys_msgctl(t: Task, msqid: int, cmd: int, buf: int, *_: int) -> int:
    if msqid < 0 or cmd < 0:
        raise Errno(EINVAL)
    ns = t.nsproxy.ipc.msg
    limits = ns.limits
    if cmd in (IPC_INFO, MSG_INFO):
        if cmd == MSG_INFO:
            pool, nmap, tql = len(ns.objects), ns.messages, ns.bytes
        else:
            pool, nmap, tql = MSGPOOL, MSGMAP, MSGTQL
        info = MSGINFO.pack(pool, nmap, limits.msgmax, limits.msgmnb, limits.msgmni, MSGSSZ, tql, MSGSEG)
        copy_to_user(t.mm, buf, info)
        return max(ns.max_index, 0)
    if cmd in (IPC_STAT, MSG_STAT, MSG_STAT_ANY):
        queue = ns.find(msqid) if cmd == IPC_STAT else ns.by_index(msqid)
        if cmd != MSG_STAT_ANY:
            queue.check(t.cred, S_IRUGO)
        copy_to_user(t.mm, buf, _stat(t, queue))
        return 0 if cmd == IPC_STAT else queue.id
    if cmd == IPC_SET:
        fields = MSQID64_DS.unpack(copy_from_user(t.mm, buf, MSQID64_DS.size))
        queue = ns.find(msqid)
        queue.owner_check(t.cred)
        qbytes = fields[14]
        if qbytes > limits.msgmnb and not t.cred.capable(CAP_SYS_RESOURCE):
            raise Errno(EPERM)
        queue.set_perm(fields[1], fields[2], fields[5])
        queue.qbytes = qbytes
        return 0
    if cmd == IPC_RMID:
        queue = ns.find(msqid)
        queue.owner_check(t.cred)
        ns.destroy(queue)
        return 0
    raise Errno(EINVAL)
