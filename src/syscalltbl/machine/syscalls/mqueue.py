"""POSIX message queues: mq_open, mq_unlink, mq_timedsend, mq_timedreceive, mq_notify, mq_getsetattr
(ipc/mqueue.c); the queues are kernel/mqueue.py's.

A send to a full queue or a receive from an empty one sleeps until it can
go on, its absolute CLOCK_REALTIME timeout passes (ETIMEDOUT) or a signal
comes (-ERESTARTSYS: restarted after a handler with SA_RESTART, else EINTR).
"""

from __future__ import annotations

import stat
import struct
import time
from collections.abc import Callable

from syscalltbl.machine.kernel import signals
from syscalltbl.machine.kernel.ipclimits import HARD_MSGMAX, HARD_MSGSIZEMAX
from syscalltbl.machine.kernel.mqueue import (
    MESSAGE_BYTES,
    MqueueFs,
    Notification,
    PosixQueue,
    Receiver,
    queue_bytes,
)
from syscalltbl.machine.kernel.netlink import NetlinkSocket
from syscalltbl.machine.kernel.permission import MAY_READ, MAY_WRITE, check
from syscalltbl.machine.kernel.pidns import pid_nr_ns
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.signals import SIGINFO_SIZE
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user, strncpy_from_user
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_FOWNER, CAP_SYS_RESOURCE
from syscalltbl.machine.uapi.errno import (
    EACCES,
    EAGAIN,
    EBADF,
    EBUSY,
    EEXIST,
    EINVAL,
    EMFILE,
    EMSGSIZE,
    ENAMETOOLONG,
    ENOENT,
    ENOMEM,
    ENOSPC,
    ENOTSOCK,
    EOVERFLOW,
    ETIMEDOUT,
    Errno,
)
from syscalltbl.machine.uapi.fcntl import O_ACCMODE, O_CLOEXEC, O_CREAT, O_EXCL, O_NONBLOCK, O_RDWR, O_WRONLY
from syscalltbl.machine.uapi.misc import PATH_MAX
from syscalltbl.machine.uapi.mqueue import MQ_ATTR, MQ_BYTES_MAX, MQ_PRIO_MAX, NOTIFY_COOKIE_LEN, SI_MESGQ
from syscalltbl.machine.uapi.netlink import NOTIFY_REMOVED, NOTIFY_WOKENUP
from syscalltbl.machine.uapi.resource import RLIMIT_MSGQUEUE
from syscalltbl.machine.uapi.signal import NSIG
from syscalltbl.machine.uapi.structs import TIMESPEC
from syscalltbl.machine.uapi.timers import SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD, SIGEVENT

NAME_MAX = 255
NSEC = 1_000_000_000
ULONG_MAX = (1 << 64) - 1


def _name(t: Task, addr: int) -> bytes:
    """getname, then lookup_one_len in the mqueue root: EACCES for a name with '/' or none, or . and .."""
    name = strncpy_from_user(t.mm, addr, PATH_MAX)
    if len(name) >= PATH_MAX:
        raise Errno(ENAMETOOLONG)
    if not name:
        raise Errno(ENOENT)  # getname refuses the empty string
    if b"/" in name or name in (b".", b".."):
        raise Errno(EACCES)
    if len(name) > NAME_MAX:
        raise Errno(ENAMETOOLONG)
    return name


def _create(t: Task, fs: MqueueFs, name: bytes, mode: int, attr: tuple[int, ...] | None) -> PosixQueue:
    """mqueue_create_attr and mqueue_get_inode: the checks, in Linux's order, then the queue."""
    limits = t.nsproxy.ipc.limits
    privileged = t.cred.capable(CAP_SYS_RESOURCE)
    if fs.count >= limits.mq_queues_max and not privileged:
        raise Errno(ENOSPC)
    maxmsg, msgsize = (attr[1], attr[2]) if attr is not None else (limits.mq_msg_default, limits.mq_msgsize_default)
    if maxmsg <= 0 or msgsize <= 0:
        raise Errno(EINVAL)
    if privileged:
        if maxmsg > HARD_MSGMAX or msgsize > HARD_MSGSIZEMAX:
            raise Errno(EINVAL)
    elif maxmsg > limits.mq_msg_max or msgsize > limits.mq_msgsize_max:
        raise Errno(EINVAL)
    if msgsize > ULONG_MAX // maxmsg:
        raise Errno(EOVERFLOW)
    limit = t.rlimits[RLIMIT_MSGQUEUE][0] if t.rlimits is not None else MQ_BYTES_MAX
    uid = t.cred.uid  # user_struct: the real uid's
    uncharge = fs.charge(uid, queue_bytes(maxmsg, msgsize), limit)
    perm = mode & 0o7777 & ~t.fs.umask
    queue = PosixQueue(fs.ram, perm, t.cred.fsuid, t.cred.fsgid, maxmsg, msgsize, uncharge)
    fs.queues[name] = queue
    return queue


@syscall("sys_mq_open")
def sys_mq_open(t: Task, u_name: int, oflag: int, mode: int, u_attr: int, *_: int) -> int:
    attr = MQ_ATTR.unpack(copy_from_user(t.mm, u_attr, MQ_ATTR.size)) if u_attr else None
    name = _name(t, u_name)
    fs = t.nsproxy.ipc.mqueue
    free = next(fd for fd in range(len(t.files.fds) + 1) if fd not in t.files.fds)
    if free >= t.nofile():
        raise Errno(EMFILE)  # get_unused_fd_flags comes before the lookup
    queue = fs.queues.get(name)
    if queue is None:
        if not oflag & O_CREAT:
            raise Errno(ENOENT)
        queue = _create(t, fs, name, mode, attr)
    else:
        if oflag & (O_CREAT | O_EXCL) == O_CREAT | O_EXCL:
            raise Errno(EEXIST)
        accmode = oflag & O_ACCMODE
        if accmode == O_RDWR | O_WRONLY:
            raise Errno(EINVAL)
        check(t.cred, queue, {0: MAY_READ, O_WRONLY: MAY_WRITE, O_RDWR: MAY_READ | MAY_WRITE}[accmode])
    f = OpenFile(queue, oflag & ~(O_CREAT | O_EXCL | O_CLOEXEC), b"/" + name)
    return t.files.install(f, cloexec=bool(oflag & O_CLOEXEC), limit=t.nofile())


@syscall("sys_mq_unlink")
def sys_mq_unlink(t: Task, u_name: int, *_: int) -> int:
    name = _name(t, u_name)
    fs = t.nsproxy.ipc.mqueue
    queue = fs.queues.get(name)
    if queue is None:
        raise Errno(ENOENT)
    if t.cred.fsuid != queue.uid and not t.cred.capable(CAP_FOWNER):
        raise Errno(EACCES)  # what Linux answers a user removing another's queue
    del fs.queues[name]
    queue.nlink = 0
    queue.changed()
    return 0


def _timeout(t: Task, addr: int) -> float | None:
    """prepare_timeout: the absolute CLOCK_REALTIME time as a time.monotonic() deadline; EINVAL if malformed."""
    if not addr:
        return None
    sec: int
    nsec: int
    sec, nsec = TIMESPEC.unpack(copy_from_user(t.mm, addr, TIMESPEC.size))
    if sec < 0 or not 0 <= nsec < NSEC:
        raise Errno(EINVAL)
    return time.monotonic() + (sec + nsec / NSEC - time.time())


def _queue(t: Task, mqdes: int) -> tuple[OpenFile, PosixQueue]:
    """fdget and the f_op check: EBADF for no descriptor or one that is not a queue."""
    f = t.files.get(mqdes)
    if not isinstance(f.inode, PosixQueue):
        raise Errno(EBADF)
    return f, f.inode


def _block(t: Task, queue: PosixQueue, f: OpenFile, deadline: float | None, can_go: Callable[[], bool],
           receiver: bool) -> Sleep:
    """wq_sleep: EAGAIN with O_NONBLOCK, ETIMEDOUT past the deadline, else the Sleep to raise."""
    if f.flags & O_NONBLOCK:
        raise Errno(EAGAIN)
    if deadline is not None and time.monotonic() >= deadline:
        raise Errno(ETIMEDOUT)
    sleep = Sleep(lambda: can_go() or (deadline is not None and time.monotonic() >= deadline), deadline)
    if receiver:
        queue.waiting_receivers()  # the woken and the timed out go first: the list stays one per sleeper
        queue.receivers.append(Receiver(t, sleep))
    return sleep


def _notify(t: Task, queue: PosixQueue) -> None:
    """__do_notify: the first message into an empty queue, with no receiver waiting, tells the registered process."""
    n = queue.notification
    if n is None or len(queue.messages) != 1:
        return
    queue.notification = None
    if n.sock is not None:
        n.sock.send_attached(n.cookie[:-1] + bytes([NOTIFY_WOKENUP]), n.charge)  # SIGEV_THREAD's cookie
        return
    if n.how != SIGEV_SIGNAL or not n.signo:
        return
    owner = t.machine.tasks.get(n.pid)
    if owner is None or owner.group is not n.group:
        return
    # The sender as the owner's pid namespace numbers it (task_tgid_nr_ns(current, ns_of_pid(notify_owner))).
    sender = pid_nr_ns(t.pid, owner.pid_ns)
    info = struct.pack("<iii4xiIQ", n.signo, 0, SI_MESGQ, sender, t.cred.uid & 0xFFFFFFFF, n.value)
    signals.send(owner, n.signo, info.ljust(SIGINFO_SIZE, b"\0"))


@syscall("sys_mq_timedsend")
def sys_mq_timedsend(t: Task, mqdes: int, msg_ptr: int, msg_len: int, msg_prio: int, abs_timeout: int,
                     *_: int) -> int:
    deadline = _timeout(t, abs_timeout)
    if msg_prio >= MQ_PRIO_MAX:
        raise Errno(EINVAL)
    f, queue = _queue(t, mqdes)
    if not f.writable():
        raise Errno(EBADF)
    if msg_len > queue.msgsize:
        raise Errno(EMSGSIZE)
    if not queue.ram.slab_fits(MESSAGE_BYTES + msg_len):
        raise Errno(ENOMEM)  # load_msg allocates before it copies
    text = copy_from_user(t.mm, msg_ptr, msg_len)
    if queue.full:
        raise _block(t, queue, f, deadline, lambda: not queue.full, receiver=False)
    served = queue.waiting_receivers()
    queue.insert(text, msg_prio)
    if not served:
        _notify(t, queue)
    return 0


@syscall("sys_mq_timedreceive")
def sys_mq_timedreceive(t: Task, mqdes: int, msg_ptr: int, msg_len: int, u_msg_prio: int, abs_timeout: int,
                        *_: int) -> int:
    deadline = _timeout(t, abs_timeout)
    f, queue = _queue(t, mqdes)
    if not f.readable():
        raise Errno(EBADF)
    if msg_len < queue.msgsize:
        raise Errno(EMSGSIZE)
    if not queue.messages:
        raise _block(t, queue, f, deadline, lambda: bool(queue.messages), receiver=True)
    text, priority = queue.take()
    # A fault here loses the message, as on Linux.
    if u_msg_prio:
        copy_to_user(t.mm, u_msg_prio, priority.to_bytes(4, "little"))
    copy_to_user(t.mm, msg_ptr, text)
    return len(text)


def _attach_cookie(t: Task, fd: int, cookie: bytes) -> tuple[NetlinkSocket, int]:
    """SIGEV_THREAD: sigev_signo is a netlink socket's descriptor (EBADF, ENOTSOCK, EINVAL for another
    family's), to which the cookie is attached, waiting while its receive buffer is full."""
    sock = t.files.get(fd).inode
    if not stat.S_ISSOCK(sock.mode):
        raise Errno(ENOTSOCK)
    if not isinstance(sock, NetlinkSocket):
        raise Errno(EINVAL)  # netlink_getsockbyfilp: not AF_NETLINK
    if sock.rmem > sock.rcvbuf:
        raise Sleep(lambda: sock.dead or sock.rmem <= sock.rcvbuf)  # netlink_attachskb, for ever
    return sock, sock.attach_cookie(len(cookie))


def _remove_notification(queue: PosixQueue) -> None:
    """remove_notification: a SIGEV_THREAD registration's cookie goes to its socket as NOTIFY_REMOVED."""
    n = queue.notification
    queue.notification = None
    if n is not None and n.sock is not None:
        n.sock.send_attached(n.cookie[:-1] + bytes([NOTIFY_REMOVED]), n.charge)
    queue.changed()


@syscall("sys_mq_notify")
def sys_mq_notify(t: Task, mqdes: int, u_notification: int, *_: int) -> int:
    request = SIGEVENT.unpack(copy_from_user(t.mm, u_notification, SIGEVENT.size)) if u_notification else None
    sock: NetlinkSocket | None = None
    cookie = b""
    charge = 0
    if request is not None:
        value, signo, how, _tid = request
        if how not in (SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD):
            raise Errno(EINVAL)
        if how == SIGEV_SIGNAL and not 0 <= signo <= NSIG:
            raise Errno(EINVAL)
        if how == SIGEV_THREAD:
            cookie = copy_from_user(t.mm, value, NOTIFY_COOKIE_LEN)  # the cookie sigev_value points to
            sock, charge = _attach_cookie(t, signo, cookie)
    try:
        _f, queue = _queue(t, mqdes)
        if request is None:
            if queue.notification is not None and queue.notification.pid == t.pid:
                _remove_notification(queue)
            return 0
        if queue.notification is not None:
            raise Errno(EBUSY)
    except Errno:
        if sock is not None:
            sock.detach(charge)
        raise
    queue.notification = Notification(t.pid, t.group, how, signo, value, sock, cookie, charge)
    queue.changed()
    return 0


@syscall("sys_mq_getsetattr")
def sys_mq_getsetattr(t: Task, mqdes: int, u_mqstat: int, u_omqstat: int, *_: int) -> int:
    new = MQ_ATTR.unpack(copy_from_user(t.mm, u_mqstat, MQ_ATTR.size)) if u_mqstat else None
    if new is not None and new[0] & ~O_NONBLOCK:
        raise Errno(EINVAL)
    f, queue = _queue(t, mqdes)
    old = MQ_ATTR.pack(f.flags & O_NONBLOCK, queue.maxmsg, queue.msgsize, len(queue.messages))
    if new is not None:
        f.flags = (f.flags & ~O_NONBLOCK) | (new[0] & O_NONBLOCK)
        queue.changed()
    if u_omqstat:
        copy_to_user(t.mm, u_omqstat, old)
    return 0
