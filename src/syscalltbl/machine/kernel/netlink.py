"""Netlink sockets (net/netlink/af_netlink.c): datagrams between processes and the kernel, by port id.

A socket is bound to a port id (its own, or the process id / a random
negative one when autobound); a message to port 0 is the kernel's, handed
to the protocol's input at once (NETLINK_ROUTE's is kernel/rtnetlink.py),
whose answers come back as datagrams in the sender's receive queue. Those
are charged to its SO_RCVBUF: an answer that finds it full is dropped and
the socket's next receive says ENOBUFS (netlink_overrun), as Linux's are.
A dump is queued a chunk at a time, the next when the reader has read
enough (netlink_dump from netlink_recvmsg), so a dump costs at most one
receive buffer. Messages to a process's port id and to multicast groups go
to those sockets' queues. mq_notify's SIGEV_THREAD cookie is a datagram
sent to a socket here (kernel/mqueue.py's notification holds it).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from syscalltbl.machine.kernel.af_unix import (
    SKB_OVERHEAD,
    Message,
    Payload,
    ReceiverCharged,
    SockAddr,
    Ucred,
    UnixSocket,
)
from syscalltbl.machine.kernel.netlink_table import NetlinkTable
from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.kernel.userns import owner_of
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.uapi.capability import CAP_NET_ADMIN, CAP_NET_BROADCAST
from syscalltbl.machine.uapi.errno import (  # fmt: skip
    EADDRINUSE,
    EAGAIN,
    EBUSY,
    ECONNREFUSED,
    EINVAL,
    EMSGSIZE,
    ENOBUFS,
    ENOPROTOOPT,
    ENOTTY,
    EOPNOTSUPP,
    EPERM,
    Errno,
)
from syscalltbl.machine.uapi.eventpoll import EPOLLWRBAND
from syscalltbl.machine.uapi.netlink import (
    NETLINK_ADD_MEMBERSHIP,
    NETLINK_BROADCAST_ERROR,
    NETLINK_CAP_ACK,
    NETLINK_DROP_MEMBERSHIP,
    NETLINK_EXT_ACK,
    NETLINK_GET_STRICT_CHK,
    NETLINK_LISTEN_ALL_NSID,
    NETLINK_NO_ENOBUFS,
    SOCKADDR_NL,
    SOL_NETLINK,
)
from syscalltbl.machine.uapi.poll import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from syscalltbl.machine.uapi.socket import (
    AF_NETLINK,
    AF_UNSPEC,
    MSG_DONTWAIT,
    MSG_OOB,
    MSG_PEEK,
    MSG_TRUNC,
    SHUTDOWN_MASK,
)

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.af_unix import UnixNamespace
    from syscalltbl.machine.kernel.netdev import NetDevices
    from syscalltbl.machine.kernel.process import Task

#: SKB_WITH_OVERHEAD(32768): what netlink_recvmsg lets a reader's buffer size grow a dump's chunks to.
MAX_RECVMSG_LEN = 32768 - 320
#: NLMSG_GOODSIZE (SKB_WITH_OVERHEAD(PAGE_SIZE)): a dump chunk's size at least.
NLMSG_GOODSIZE = 4096 - 320
KERNEL_CRED = Ucred(0, 0, 0)  # what SCM_CREDENTIALS says of the kernel's messages
#: The flag options: each a bit in nlk->flags, set by any nonzero value.
FLAG_OPTIONS = frozenset({NETLINK_BROADCAST_ERROR, NETLINK_NO_ENOBUFS, NETLINK_CAP_ACK, NETLINK_EXT_ACK,
                          NETLINK_GET_STRICT_CHK, NETLINK_LISTEN_ALL_NSID})

#: A protocol's input (netlink_kernel_cfg.input): the socket that sent, the sending task, the datagram.
KernelInput = Callable[["NetlinkSocket", "Task", bytes], None]


class NetlinkMessage(Message):
    """A datagram in a netlink socket's queue: who sent it (port id, 0 the kernel) and to which group."""

    portid: int
    group: int

    __slots__ = ("group", "portid")
    _fields = (*Message._fields, "portid", "group")

    def __init__(
        self,
        data: bytes,
        sender: UnixSocket,
        cred: Ucred | None,
        files: list[OpenFile] | None = None,
        uid: int = 0,
        consumed: int = 0,
        charge: int = 0,
        portid: int = 0,
        group: int = 0,
    ) -> None:
        super().__init__(data, sender, cred, files, uid, consumed, charge)
        self.portid = portid
        self.group = group


def group_mask(group: int) -> int:
    """netlink_group_mask: group n (1-based) as bit n-1 of a 32-bit nl_groups."""
    return 1 << (group - 1) if 0 < group <= 32 else 0


def lowest_group(groups: int) -> int:
    """ffs(nl_groups): the first group a mask names, 0 for none."""
    return (groups & -groups).bit_length()


class NetlinkSocket(ReceiverCharged):
    """One netlink socket (struct netlink_sock) of a protocol the machine has."""

    PROTOCOL_OPTIONS: ClassVar[bool] = True

    def __init__(self, ns: UnixNamespace, owner: Task, kind: int, protocol: int, table: NetlinkTable,
                 ngroups: int, kernel_input: KernelInput, devices: NetDevices) -> None:
        super().__init__(ns, kind, owner)
        self.devices = devices  # those of the namespace the socket was made in (sock_net)
        self.family = AF_NETLINK
        self.protocol = protocol
        self.table = table
        self.ngroups = ngroups
        self.kernel_input = kernel_input
        self.portid = 0
        self.bound = False
        self.groups: set[int] = set()  # the multicast groups joined, 1-based
        self.dst_portid = 0
        self.dst_group = 0
        self.flags: set[int] = set()  # the FLAG_OPTIONS turned on
        self.rmem = 0  # what the queued datagrams are charged (sk_rmem_alloc)
        self.max_recvmsg_len = 0
        #: A dump under way (cb_running): the chunks not yet queued.
        self.dump: deque[bytes] | None = None

    # -- naming --

    def autobind(self, t: Task | None = None) -> None:
        if self.bound:
            return
        self.portid = self.table.autobind_portid(self, t.pid if t is not None else 0)
        self.bound = True

    def _allowed_nonroot(self, t: Task) -> bool:
        """netlink_allowed: NETLINK_ROUTE lets anyone receive (NL_CFG_F_NONROOT_RECV), never send to groups."""
        return t.cred.ns_capable(owner_of(self.devices), CAP_NET_ADMIN)  # over the socket's namespace

    def bind_addr(self, t: Task, raw: bytes) -> None:
        """netlink_bind: the first 32 groups replaced by nl_groups; a port id of 0 autobinds."""
        if len(raw) < SOCKADDR_NL.size:
            raise Errno(EINVAL)
        family, portid, groups = SOCKADDR_NL.unpack(raw[: SOCKADDR_NL.size])
        if family != AF_NETLINK:
            raise Errno(EINVAL)
        if self.bound and portid != self.portid:
            raise Errno(EINVAL)
        if not self.bound:
            if portid:
                if not self.table.insert(self, portid):
                    raise Errno(EADDRINUSE)
                self.portid, self.bound = portid, True
            else:
                self.autobind(t)
        self.set_groups({g for g in self.groups if g > 32} | {g for g in range(1, 33) if groups & group_mask(g)})

    def set_groups(self, groups: set[int]) -> None:
        self.groups = {g for g in groups if g <= self.ngroups}
        if self.groups:
            self.table.listeners.add(self)
        else:
            self.table.listeners.discard(self)

    def connect_addr(self, t: Task, f: OpenFile, raw: bytes) -> None:
        """netlink_connect: AF_UNSPEC disconnects; a port id or group needs CAP_NET_ADMIN."""
        if len(raw) < 2:
            raise Errno(EINVAL)
        family = int.from_bytes(raw[:2], "little")
        if family == AF_UNSPEC:
            self.dst_portid = self.dst_group = 0
            return
        if family != AF_NETLINK or len(raw) < SOCKADDR_NL.size:
            raise Errno(EINVAL)
        _, portid, groups = SOCKADDR_NL.unpack(raw[: SOCKADDR_NL.size])
        if (groups or portid) and not self._allowed_nonroot(t):
            raise Errno(EPERM)
        self.autobind(t)
        self.dst_portid, self.dst_group = portid, lowest_group(groups)

    def listen(self, t: Task, backlog: int) -> None:
        raise Errno(EOPNOTSUPP)  # sock_no_listen

    def accept(self, t: Task, f: OpenFile) -> UnixSocket:
        raise Errno(EOPNOTSUPP)  # sock_no_accept

    def getname(self, peer: bool) -> bytes:
        """netlink_getname: the peer's port id and group, or ours and our first 32 groups."""
        if peer:
            return SOCKADDR_NL.pack(AF_NETLINK, self.dst_portid, group_mask(self.dst_group))
        mask = sum(group_mask(g) for g in self.groups if g <= 32)
        return SOCKADDR_NL.pack(AF_NETLINK, self.portid, mask)

    # -- sending --

    def send(self, t: Task, f: OpenFile, payload: Payload, files: list[OpenFile], cred: Ucred | None, flags: int,
             to: bytes | None) -> int:
        """netlink_sendmsg: to the kernel (port 0), to another socket's port id, or to a group's members."""
        if flags & MSG_OOB:
            raise Errno(EOPNOTSUPP)
        if files:
            raise Errno(EINVAL)  # __scm_send: SCM_RIGHTS is a Unix socket's alone
        if to is not None:
            if len(to) < SOCKADDR_NL.size:
                raise Errno(EINVAL)
            family, dst_portid, groups = SOCKADDR_NL.unpack(to[: SOCKADDR_NL.size])
            if family != AF_NETLINK:
                raise Errno(EINVAL)
            dst_group = lowest_group(groups)
            if (dst_group or dst_portid) and not self._allowed_nonroot(t):
                raise Errno(EPERM)
        else:
            dst_portid, dst_group = self.dst_portid, self.dst_group
        self.autobind(t)
        if payload.length > self.sndbuf - 32:
            raise Errno(EMSGSIZE)
        data = payload.fetch(0, payload.length) if payload.length else b""
        if dst_group:
            for member in self.table.members(self.protocol, dst_group):
                if member is not self:
                    member.deliver(data, self.portid, dst_group, overrun=True)
        if dst_portid == 0:
            self.kernel_input(self, t, data)  # netlink_unicast_kernel
            return len(data)
        other = self.table.lookup(self.protocol, dst_portid)
        if other is None or other.dead or (other.dst_portid and other.dst_portid != self.portid):
            raise Errno(ECONNREFUSED)
        if other.rmem > other.rcvbuf:
            other.block_sender(t, f, flags)
        other.deliver(data, self.portid, 0, overrun=False)
        return len(data)

    def block_sender(self, t: Task, f: OpenFile, flags: int) -> None:
        """netlink_attachskb to a full socket: EAGAIN for a nonblocking sender, else wait for room."""
        if flags & MSG_DONTWAIT:
            raise Errno(EAGAIN)
        self.block(t, f, flags, "send")

    def deliver(self, data: bytes, portid: int, group: int, *, overrun: bool) -> bool:
        """An skb into our queue (__netlink_sendskb), charged to SO_RCVBUF and RAM; with `overrun`, one that
        finds the buffer full is dropped and the socket told ENOBUFS, as a kernel message is (netlink_overrun)."""
        charge = len(data) + SKB_OVERHEAD
        if overrun and self.rmem > self.rcvbuf:
            self.overrun()
            return False
        try:
            self.ns.charge(charge)
        except Errno:
            if overrun:
                self.overrun()
                return False
            raise
        self.rmem += charge
        self.enqueue(NetlinkMessage(data, self, None, charge=charge, portid=portid, group=group))
        return True

    def attach_cookie(self, size: int) -> int:
        """netlink_attachskb for mq_notify's cookie: its charge taken from SO_RCVBUF now (the caller waits while
        the buffer is full); RAM pays for it once it is queued."""
        charge = size + SKB_OVERHEAD
        self.rmem += charge
        return charge

    def detach(self, charge: int) -> None:
        """netlink_detachskb: an attached skb never sent, its charge given back."""
        self.rmem -= charge
        self.touch()

    def send_attached(self, data: bytes, charge: int) -> None:
        """netlink_sendskb of an attached skb: queued, whatever the buffer holds now (it was paid for); lost
        with a socket released meanwhile, or when RAM has no room for it."""
        if self.dead:
            return
        try:
            self.ns.charge(charge)
        except Errno:
            self.detach(charge)
            return
        self.enqueue(NetlinkMessage(data, self, None, charge=charge, portid=0, group=0))

    def overrun(self) -> None:
        if NETLINK_NO_ENOBUFS not in self.flags:
            self.err = ENOBUFS
            self.touch()

    def reply(self, data: bytes) -> bool:
        """The kernel's unicast answer to this socket (nlmsg_unicast with MSG_DONTWAIT)."""
        return self.deliver(data, 0, 0, overrun=True)

    def start_dump(self, chunks: list[bytes]) -> None:
        """netlink_dump_start: EBUSY while another dump runs; the first chunk now, the rest as it is read."""
        if self.dump is not None:
            raise Errno(EBUSY)
        if self.rmem >= self.rcvbuf:
            raise Errno(ENOBUFS)
        self.dump = deque(chunks)
        self.continue_dump()

    def continue_dump(self) -> None:
        """netlink_dump: the next chunk, the dump over when none is left."""
        if self.dump is None:
            return
        if not self.dump:
            self.dump = None
            return
        if self.rmem >= self.rcvbuf:
            self.err = ENOBUFS
            self.touch()
            return
        chunk = self.dump.popleft()
        if not self.dump:
            self.dump = None
        self.reply(chunk)

    def dump_chunk_size(self) -> int:
        """What one chunk of a dump may hold: NLMSG_GOODSIZE, or more for a reader that has asked for more."""
        return max(NLMSG_GOODSIZE, self.max_recvmsg_len)

    # -- receiving --

    def recv_dgram(self, t: Task, f: OpenFile, size: int, flags: int) -> tuple[bytes, int, list[OpenFile],
                                                                             Ucred | None, SockAddr | None, bool]:
        """netlink_recvmsg: the first datagram, cut to `size`; a dump under way goes on once half is free."""
        try:
            if flags & MSG_OOB:
                raise Errno(EOPNOTSUPP)
            if not self.await_message(t, f, flags):
                return b"", 0, [], None, None, False
        except Errno:
            self.done_waiting(t)
            raise
        self.max_recvmsg_len = min(max(self.max_recvmsg_len, size), MAX_RECVMSG_LEN)
        m = self.queue[0]
        assert isinstance(m, NetlinkMessage)
        data = m.data[:size]
        truncated = len(m.data) > size
        value = len(m.data) if flags & MSG_TRUNC else len(data)
        if not flags & MSG_PEEK:
            self.queue.popleft()
            self.release_message(m)
            if self.dump is not None and self.rmem <= self.rcvbuf // 2:
                self.continue_dump()
        cred = (KERNEL_CRED if m.portid == 0 else m.cred or KERNEL_CRED) if self.passcred else None
        return data, value, [], cred, SockAddr(SOCKADDR_NL.pack(AF_NETLINK, m.portid, group_mask(m.group))), \
            truncated

    # -- options --

    def setsockopt_proto(self, t: Task, level: int, optname: int, optval: int, optlen: int) -> None:
        """netlink_setsockopt: an int (0 when shorter); the memberships and the flags."""
        if level != SOL_NETLINK:
            raise Errno(ENOPROTOOPT)
        value = int.from_bytes(copy_from_user(t.mm, optval, 4), "little") if optlen >= 4 else 0
        if optname in (NETLINK_ADD_MEMBERSHIP, NETLINK_DROP_MEMBERSHIP):
            if not value or value - 1 >= self.ngroups:
                raise Errno(EINVAL)
            if optname == NETLINK_ADD_MEMBERSHIP:
                self.set_groups(self.groups | {value})
            else:
                self.set_groups(self.groups - {value})
            return
        if optname not in FLAG_OPTIONS:
            raise Errno(ENOPROTOOPT)
        if optname == NETLINK_LISTEN_ALL_NSID and not t.cred.ns_capable(owner_of(self.devices), CAP_NET_BROADCAST):
            raise Errno(EPERM)
        if value:
            self.flags.add(optname)
        else:
            self.flags.discard(optname)

    def getsockopt_proto(self, t: Task, level: int, optname: int, length: int) -> bytes:
        if level != SOL_NETLINK:
            raise Errno(ENOPROTOOPT)
        if optname not in FLAG_OPTIONS or optname == NETLINK_LISTEN_ALL_NSID:
            raise Errno(ENOPROTOOPT)
        if length < 4:
            raise Errno(EINVAL)
        return int(optname in self.flags).to_bytes(4, "little")

    # -- the file operations --

    def do_shutdown(self, how: int) -> None:
        """sock_no_shutdown."""
        raise Errno(EOPNOTSUPP)

    def poll(self, f: OpenFile) -> int:
        """datagram_poll: a send never waits for room in our own buffer."""
        mask = POLLOUT | POLLWRNORM | EPOLLWRBAND
        if self.err:
            mask |= POLLERR
        if self.shutdown == SHUTDOWN_MASK:
            mask |= POLLHUP
        if self.queue:
            mask |= POLLIN | POLLRDNORM
        return mask

    def ioctl(self, f: OpenFile, request: int) -> bytes | int:
        raise Errno(ENOTTY)  # netlink_ioctl has none; sock_do_ioctl's device ioctls are below

    def message_limit(self) -> int | None:
        return self.sndbuf  # write(2) copies no more than a message may hold

    def close(self) -> None:
        """netlink_release: out of the table and the groups, the queue dropped."""
        if not self.dead:
            self.table.remove(self, self.portid)
            self.table.listeners.discard(self)
            self.dump = None
        super().close()
