"""POSIX message queues (ipc/mqueue.c): the machine's mqueue filesystem, one queue per name.

A queue is an inode: mq_open gives a descriptor on it (read shows its
status line, poll its readiness), mq_unlink takes the name away and the
queue lives on while it is open. Messages come out highest priority first,
in send order within one. Each queue's bytes (mq_maxmsg * mq_msgsize and
its tree) are charged to its creator's RLIMIT_MSGQUEUE as Linux does, and
every message and queue to RAM (ram.slab), so root raising the limits
still cannot take more than the machine has.
"""

from __future__ import annotations

import stat
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.vfs import Inode, OpenFile
from syscalltbl.machine.uapi.errno import EMFILE, ENOMEM, Errno
from syscalltbl.machine.uapi.mqueue import FILENT_SIZE, MQ_PRIO_MAX
from syscalltbl.machine.uapi.poll import POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from syscalltbl.store.record import Record, Value

if TYPE_CHECKING:
    from syscalltbl.machine.hw.physmem import PhysicalMemory
    from syscalltbl.machine.kernel.netlink import NetlinkSocket
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.kernel.wait import Sleep

QUEUE_BYTES = 1024  # the inode, struct mqueue_inode_info and the dentry, charged to RAM
MESSAGE_BYTES = 48  # struct msg_msg's head, charged with the text
TREE_NODE_BYTES = 48  # struct posix_msg_tree_node: what mq_bytes counts per priority


def queue_bytes(maxmsg: int, msgsize: int) -> int:
    """mqueue_get_inode's mq_bytes: the messages' heads and texts and the priority tree, all at most."""
    return maxmsg * MESSAGE_BYTES + min(maxmsg, MQ_PRIO_MAX) * TREE_NODE_BYTES + maxmsg * msgsize


class Notification(Value):
    """mq_notify's registration: the process that asked, how (SIGEV_*), the signal and its value."""

    pid: int
    group: object  # the ThreadGroup: notification goes to it while it lives
    how: int
    signo: int
    value: int
    #: SIGEV_THREAD's: the netlink socket the cookie goes to (its receive buffer already charged for it,
    #: as netlink_attachskb does), and the cookie.
    sock: NetlinkSocket | None
    cookie: bytes
    charge: int

    __slots__ = _fields = ("pid", "group", "how", "signo", "value", "sock", "cookie", "charge")

    def __init__(
        self,
        pid: int,
        group: object,
        how: int,
        signo: int,
        value: int,
        sock: NetlinkSocket | None = None,
        cookie: bytes = b"",
        charge: int = 0,
    ) -> None:
        self.pid = pid
        self.group = group
        self.how = how
        self.signo = signo
        self.value = value
        self.sock = sock
        self.cookie = cookie
        self.charge = charge


class Receiver(Record):
    """A task asleep in mq_timedreceive: while there is one, a send notifies nobody (it is the one served)."""

    task: Task
    sleep: Sleep

    __slots__ = _fields = ("task", "sleep")

    def __init__(self, task: Task, sleep: Sleep) -> None:
        self.task = task
        self.sleep = sleep

    def live(self) -> bool:
        return self.task.status is None and self.task.sleep is self.sleep


class PosixQueue(Inode):
    def __init__(self, ram: PhysicalMemory, perm: int, uid: int, gid: int, maxmsg: int, msgsize: int,
                 uncharge: Callable[[], None]) -> None:
        super().__init__(stat.S_IFREG | perm)
        self.ram = ram
        self.uid, self.gid = uid, gid
        self.maxmsg, self.msgsize = maxmsg, msgsize
        self.messages: list[tuple[int, int, bytes]] = []  # (-priority, arrival, text): sorted, first out first
        self._arrivals = 0
        self.qsize = 0  # the texts' bytes
        self.notification: Notification | None = None
        self.receivers: list[Receiver] = []
        self.readers_woken = self.writers_woken = 0
        ram.slab_charge(QUEUE_BYTES)
        weakref.finalize(self, _freed, ram, uncharge, self.messages).atexit = False

    def size(self) -> int:
        return FILENT_SIZE

    @property
    def full(self) -> bool:
        return len(self.messages) >= self.maxmsg

    def waiting_receivers(self) -> bool:
        self.receivers = [r for r in self.receivers if r.live()]
        return bool(self.receivers)

    def insert(self, text: bytes, priority: int) -> None:
        cost = MESSAGE_BYTES + len(text)
        if not self.ram.slab_fits(cost):
            raise Errno(ENOMEM)  # load_msg's allocation
        self.ram.slab_charge(cost)
        self._arrivals += 1
        entry = (-priority, self._arrivals, text)
        index = len(self.messages)
        while index and self.messages[index - 1] > entry:
            index -= 1
        self.messages.insert(index, entry)
        self.qsize += len(text)
        self.readers_woken += 1
        self.modified()

    def take(self) -> tuple[bytes, int]:
        negative_priority, _, text = self.messages.pop(0)
        self.qsize -= len(text)
        self.ram.slab_charge(-(MESSAGE_BYTES + len(text)))
        self.writers_woken += 1
        self.modified()
        return text, -negative_priority

    def read(self, f: OpenFile, count: int) -> bytes:
        """mqueue_read_file: the status line, read like a file of FILENT_SIZE bytes."""
        n = self.notification
        line = b"QSIZE:%-10d NOTIFY:%-5d SIGNO:%-5d NOTIFY_PID:%-6d\n" % (
            self.qsize, n.how if n else 0, n.signo if n and n.how == 0 else 0, n.pid if n else 0)
        out = line[:FILENT_SIZE][f.offset:f.offset + count]
        f.offset += len(out)
        self.accessed()
        return out

    def poll(self, f: OpenFile) -> int:
        mask = POLLIN | POLLRDNORM if self.messages else 0
        if not self.full:
            mask |= POLLOUT | POLLWRNORM
        return mask

    def wakeups(self) -> tuple[int, int]:
        return self.readers_woken, self.writers_woken


def _freed(ram: PhysicalMemory, uncharge: Callable[[], None], messages: list[tuple[int, int, bytes]]) -> None:
    """The queue is gone (unlinked and closed): its RAM and its creator's RLIMIT_MSGQUEUE bytes come back."""
    ram.slab_charge(-(QUEUE_BYTES + sum(MESSAGE_BYTES + len(m[2]) for m in messages)))
    uncharge()


class MqueueFs:
    """The machine's mqueue mount: names, the count fs.mqueue.queues_max bounds, bytes charged per user."""

    def __init__(self, ram: PhysicalMemory) -> None:
        self.ram = ram
        self.queues: dict[bytes, PosixQueue] = {}
        self.count = 0  # mq_queues_count: queues that exist, named or only open
        self.user_bytes: dict[int, int] = {}  # user_struct's mq_bytes

    def charge(self, uid: int, size: int, limit: int) -> Callable[[], None]:
        """Charge `size` bytes to `uid` within `limit`; the function that gives them back."""
        used = self.user_bytes.get(uid, 0)
        if used + size > limit:
            raise Errno(EMFILE)
        if not self.ram.slab_fits(QUEUE_BYTES):
            raise Errno(ENOMEM)
        self.user_bytes[uid] = used + size
        self.count += 1
        ref = weakref.ref(self)

        def uncharge() -> None:
            fs = ref()
            if fs is not None:
                fs.user_bytes[uid] -= size
                fs.count -= 1

        return uncharge

