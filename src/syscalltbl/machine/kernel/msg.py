"""System V message queues (ipc/msg.c): one namespace per machine.

A queue holds messages (type, text) in send order, bounded by its
msg_qbytes (in bytes and in messages, as Linux counts both against it); a
message is at most kernel.msgmax bytes and kernel.msgmni bounds the queues.
Every message and queue is charged to RAM as kernel objects (ram.slab), so
a guest raising the tunables still cannot take more than the machine has.
"""

from __future__ import annotations

import time
import weakref
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.ipcobj import IpcIds, IpcObject
from syscalltbl.machine.kernel.shm import Perm
from syscalltbl.machine.uapi.errno import ENOMEM, Errno
from syscalltbl.store.record import Value

if TYPE_CHECKING:
    from syscalltbl.machine.hw.physmem import PhysicalMemory
    from syscalltbl.machine.kernel.ipclimits import IpcLimits

QUEUE_BYTES = 256  # struct msg_queue, charged to RAM
MESSAGE_BYTES = 48  # struct msg_msg's head, charged with the text


class Message(Value):
    mtype: int
    text: bytes

    __slots__ = _fields = ("mtype", "text")

    def __init__(self, mtype: int, text: bytes) -> None:
        self.mtype = mtype
        self.text = text


class MessageQueue(IpcObject):
    def __init__(self, perm: Perm, qbytes: int, cpid: int) -> None:
        super().__init__(perm)
        self.messages: list[Message] = []
        self.cbytes = 0
        self.qbytes = qbytes
        self.stime = self.rtime = 0
        self.lspid = self.lrpid = 0
        self.cpid = cpid

    def has_room(self, size: int) -> bool:
        """msg_fits: the bytes and the count of messages both within msg_qbytes."""
        return self.cbytes + size <= self.qbytes and len(self.messages) + 1 <= self.qbytes


class MessageQueues(IpcIds[MessageQueue]):
    def __init__(self, ram: PhysicalMemory, limits: IpcLimits) -> None:
        super().__init__(lambda: limits.msgmni, lambda: limits.take_next_id("msg_next_id"))
        self.ram = ram
        self.limits = limits
        self.messages = 0  # msg_hdrs: every queue's
        self.bytes = 0  # msg_bytes

    def new(self, perm: Perm, pid: int) -> MessageQueue:
        """newque: the queue's object charged; msg_qbytes starts at kernel.msgmnb."""
        if not self.ram.slab_fits(QUEUE_BYTES):
            raise Errno(ENOMEM)
        self.ram.slab_charge(QUEUE_BYTES)
        queue = MessageQueue(perm, self.limits.msgmnb, pid)
        weakref.finalize(queue, self.ram.slab_charge, -QUEUE_BYTES).atexit = False
        return queue

    def enqueue(self, queue: MessageQueue, mtype: int, text: bytes, pid: int) -> None:
        cost = MESSAGE_BYTES + len(text)
        if not self.ram.slab_fits(cost):
            raise Errno(ENOMEM)  # load_msg's allocation
        self.ram.slab_charge(cost)
        queue.messages.append(Message(mtype, text))
        queue.cbytes += len(text)
        queue.lspid, queue.stime = pid, int(time.time())
        self.messages += 1
        self.bytes += len(text)

    def dequeue(self, queue: MessageQueue, index: int, pid: int) -> Message:
        message = queue.messages.pop(index)
        queue.cbytes -= len(message.text)
        queue.lrpid, queue.rtime = pid, int(time.time())
        self._freed(message)
        return message

    def _freed(self, message: Message) -> None:
        self.messages -= 1
        self.bytes -= len(message.text)
        self.ram.slab_charge(-(MESSAGE_BYTES + len(message.text)))

    def destroy(self, queue: MessageQueue) -> None:
        """freeque: the queue goes, its messages freed; its waiters see it deleted."""
        self.remove(queue)
        for message in queue.messages:
            self._freed(message)
        queue.messages.clear()
        queue.cbytes = 0

