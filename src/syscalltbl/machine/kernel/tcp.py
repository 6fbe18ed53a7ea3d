"""TCP over the machine's loopback (net/ipv4/tcp.c, inet_connection_sock.c, af_inet.c's stream calls).

A connection is two machine sockets fed each other's data: connect finds the
listener for the address and port, makes the server's socket (the one accept
returns) at once, as the three-way handshake on lo would, and queues it on the
listener. The stream itself (bounded by the send buffer, blocking as a Sleep)
is the Unix stream socket's; what TCP does differently is here: its errors
(ENOTCONN, EPIPE and SIGPIPE, ECONNREFUSED), its states and readiness, its
options.
"""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel import signals
from syscalltbl.machine.kernel.af_unix import TCP_CLOSE, TCP_ESTABLISHED, TCP_LISTEN, Message, Payload, SockAddr, Ucred
from syscalltbl.machine.kernel.inet import InetSocket, PortTable, is_any
from syscalltbl.machine.kernel.netns import InetNamespace
from syscalltbl.machine.kernel.pidns import tgid_vnr
from syscalltbl.machine.kernel.uaccess import copy_from_user
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.uapi.errno import (  # fmt: skip
    EADDRINUSE,
    EADDRNOTAVAIL,
    EAGAIN,
    EALREADY,
    ECONNABORTED,
    ECONNREFUSED,
    ECONNRESET,
    EINPROGRESS,
    EINVAL,
    EISCONN,
    ENOPROTOOPT,
    ENOTCONN,
    ENOTTY,
    EPIPE,
    Errno,
)
from syscalltbl.machine.uapi.eventpoll import EPOLLRDHUP
from syscalltbl.machine.uapi.fcntl import O_NONBLOCK
from syscalltbl.machine.uapi.inet import (
    IPPROTO_TCP,
    MAX_TCP_KEEPCNT,
    MAX_TCP_KEEPIDLE,
    MAX_TCP_KEEPINTVL,
    MAX_TCP_SYNCNT,
    SIOCATMARK,
    SIOCOUTQ,
    TCP_CORK,
    TCP_DEFER_ACCEPT,
    TCP_FIN_TIMEOUT,
    TCP_KEEPCNT,
    TCP_KEEPCNT_DEFAULT,
    TCP_KEEPIDLE,
    TCP_KEEPIDLE_DEFAULT,
    TCP_KEEPINTVL,
    TCP_KEEPINTVL_DEFAULT,
    TCP_LINGER2,
    TCP_MAXSEG,
    TCP_MSS_DEFAULT,
    TCP_MSS_LOOPBACK,
    TCP_NODELAY,
    TCP_NOTSENT_LOWAT,
    TCP_QUICKACK,
    TCP_RMEM_DEFAULT,
    TCP_SYN_SENT,
    TCP_SYNCNT,
    TCP_SYNCNT_DEFAULT,
    TCP_USER_TIMEOUT,
    TCP_WINDOW_CLAMP,
    TCP_WMEM_DEFAULT,
)
from syscalltbl.machine.uapi.misc import FIONREAD
from syscalltbl.machine.uapi.poll import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLPRI, POLLRDNORM, POLLWRNORM
from syscalltbl.machine.uapi.signal import SI_USER, SIGPIPE
from syscalltbl.machine.uapi.socket import (
    AF_UNSPEC,
    MSG_ERRQUEUE,
    MSG_MORE,
    MSG_NOSIGNAL,
    MSG_OOB,
    MSG_PEEK,
    RCV_SHUTDOWN,
    SEND_SHUTDOWN,
    SHUTDOWN_MASK,
    SO_LINGER,
    SO_OOBINLINE,
    SOCK_STREAM,
    SOMAXCONN,
)

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.af_unix import UnixNamespace
    from syscalltbl.machine.kernel.process import Task

_INT = struct.Struct("<i")
TCP_MIN_MSS = 88
MAX_TCP_WINDOW = 32767 << 14
#: The SOL_TCP options kept as a number: (default, least, most); the flags read back as 0 or 1.
_OPTIONS: dict[int, tuple[int, int, int]] = {
    TCP_NODELAY: (0, -(1 << 31), (1 << 31) - 1),
    TCP_CORK: (0, -(1 << 31), (1 << 31) - 1),
    TCP_QUICKACK: (1, -(1 << 31), (1 << 31) - 1),
    TCP_KEEPIDLE: (TCP_KEEPIDLE_DEFAULT, 1, MAX_TCP_KEEPIDLE),
    TCP_KEEPINTVL: (TCP_KEEPINTVL_DEFAULT, 1, MAX_TCP_KEEPINTVL),
    TCP_KEEPCNT: (TCP_KEEPCNT_DEFAULT, 1, MAX_TCP_KEEPCNT),
    TCP_SYNCNT: (TCP_SYNCNT_DEFAULT, 1, MAX_TCP_SYNCNT),
    TCP_LINGER2: (TCP_FIN_TIMEOUT, -(1 << 31), (1 << 31) - 1),
    TCP_DEFER_ACCEPT: (0, -(1 << 31), (1 << 31) - 1),
    TCP_WINDOW_CLAMP: (0, -(1 << 31), (1 << 31) - 1),
    TCP_USER_TIMEOUT: (0, 0, (1 << 31) - 1),
    TCP_NOTSENT_LOWAT: (0, -(1 << 31), (1 << 31) - 1),
}
_FLAGS = frozenset({TCP_NODELAY, TCP_CORK, TCP_QUICKACK})


class TcpSocket(InetSocket):
    """A TCP socket (struct tcp_sock) of either family."""

    def __init__(self, ns: UnixNamespace, owner: Task, family: int, ports: PortTable,
                 net: InetNamespace | None = None) -> None:
        super().__init__(ns, SOCK_STREAM, owner, family, IPPROTO_TCP, ports, net)
        self.sndbuf, self.rcvbuf = TCP_WMEM_DEFAULT, TCP_RMEM_DEFAULT  # net.ipv4.tcp_wmem[1], tcp_rmem[1]
        self.tcp_options: dict[int, int] = {}
        self.user_bound = False  # bind fixed the port (SOCK_BINDPORT_LOCK): a failed connect keeps it
        self.syn_to: tuple[bytes, int] | None = None  # a connect under way (TCP_SYN_SENT)
        self.syn_owner: Task | None = None  # who connects: the server's socket is made with their credentials
        #: What sends with MSG_MORE hold back (skbs charged to our send buffer), pushed with the next send
        #: without it, a full segment's worth, SHUT_WR or close, as tcp_push of a corked queue.
        self.held: list[Message] = []
        self.holding = False
        #: Urgent data (tcp_urg): the stream offset of the urgent byte (SIOCATMARK's mark), and the byte itself
        #: while it waits out of the stream for recv(MSG_OOB) (without SO_OOBINLINE).
        self.read_seq = 0  # bytes read from the stream so far (copied_seq)
        self.urg_mark: int | None = None
        self.urg_byte: bytes | None = None
        self.connecting = False  # SS_CONNECTING
        self.was_connected = False  # SS_CONNECTED: a connection was made, whatever became of it

    # -- connecting --

    def bind_addr(self, t: Task, raw: bytes) -> None:
        super().bind_addr(t, raw)
        self.user_bound = True

    def listen(self, t: Task, backlog: int) -> None:
        """inet_listen."""
        if self.was_connected or self.syn_to is not None or self.state not in (TCP_CLOSE, TCP_LISTEN):
            raise Errno(EINVAL)
        backlog &= 0xFFFFFFFF
        if self.state != TCP_LISTEN:
            if self.bound_port:
                if not self.port_free_for(self.bound_port):
                    raise Errno(EADDRINUSE)  # inet_csk_listen_start's get_port: another listens there
            else:
                port = self.ports.free_port()
                if port is None:
                    raise Errno(EADDRINUSE)
                self.local = (self.local[0], port)
                self.ports.add(self, port)
            self.state = TCP_LISTEN
        self.max_backlog = min(backlog, SOMAXCONN)  # (unsigned)backlog past net.core.somaxconn is cut to it
        self.touch()

    def connect_addr(self, t: Task, f: OpenFile, raw: bytes) -> None:
        """__inet_stream_connect and tcp_v4_connect / tcp_v6_connect."""
        if len(raw) < 2:
            raise Errno(EINVAL)
        if int.from_bytes(raw[:2], "little") == AF_UNSPEC:
            self.disconnect()
            return
        self.progress()
        if self.connecting:  # SS_CONNECTING: a connect that answered EINPROGRESS, or slept, goes on
            if self.syn_to is not None:
                if f.flags & O_NONBLOCK:
                    raise Errno(EALREADY)
                self.block(t, f, 0, "send")
            self.connecting = False
            self.done_waiting(t)
            if self.state == TCP_CLOSE:
                raise Errno(self.sock_error() or ECONNABORTED)
            return
        if self.was_connected or self.state != TCP_CLOSE:
            raise Errno(EISCONN)
        addr, port = self.parse(raw, for_bind=False)
        dest = self.destination(addr)
        if not self.bound_port:
            try:
                self.autobind()
            except Errno:
                raise Errno(EADDRNOTAVAIL) from None  # __inet_hash_connect: no ephemeral port left
        self.choose_source(dest)
        self.syn_to, self.syn_owner = (dest, port), t
        self.state = TCP_SYN_SENT
        self.progress()
        if self.syn_to is not None or f.flags & O_NONBLOCK:
            self.connecting = True
            if f.flags & O_NONBLOCK:
                raise Errno(EINPROGRESS)  # as on lo: the handshake is not waited for
            self.block(t, f, 0, "send")  # the listener's queue is full: wait for room, as SYNs are resent
        if self.state != TCP_ESTABLISHED:
            raise Errno(self.sock_error() or ECONNREFUSED)

    def sock_error(self) -> int:
        self.progress()  # SO_ERROR after a nonblocking connect: the handshake's outcome first
        return super().sock_error()

    def progress(self) -> None:
        """The handshake of a connect under way: the listener takes it, refuses it, or has no room yet."""
        if self.syn_to is None:
            return
        dest, port = self.syn_to
        owner = self.syn_owner
        assert owner is not None
        listener = self.listener_for(dest, port)
        if listener is None:
            self.syn_to = self.syn_owner = None
            self.state = TCP_CLOSE
            self.err = ECONNREFUSED  # the RST of a port nobody listens on
            if not self.user_bound:
                self.release_port()
            self.touch()
            return
        if len(listener.pending) > listener.max_backlog:
            return  # sk_acceptq_is_full: the SYN is dropped, and sent again later
        try:
            child = TcpSocket(self.ns, owner, listener.family, listener.ports, listener.net)
        except Errno:
            return  # no memory for the server's socket: the SYN is dropped, as under memory pressure, and resent
        self.syn_to = self.syn_owner = None
        self.establish(child, listener, dest, port)

    def listener_for(self, dest: bytes, port: int) -> TcpSocket | None:
        """__inet_lookup_listener: the listening socket for dest:port, a socket bound to dest before a wildcard."""
        best: TcpSocket | None = None
        for other in self.ports.sockets(port):
            listening = isinstance(other, TcpSocket) and other.state == TCP_LISTEN and not other.dead
            if listening and other.covers(dest) and (best is None or (is_any(best.local[0]) and
                                                                     not is_any(other.local[0]))):
                assert isinstance(other, TcpSocket)
                best = other
        return best

    def establish(self, child: TcpSocket, listener: TcpSocket, dest: bytes, port: int) -> None:
        """The handshake done: `child` is the server's socket for this connection, in the listener's queue."""
        child.uid, child.gid = listener.uid, listener.gid
        child.options = dict(listener.options)
        child.tcp_options = dict(listener.tcp_options)
        child.ip_options = dict(listener.ip_options)
        child.sndbuf, child.rcvbuf = listener.sndbuf, listener.rcvbuf
        child.local, child.remote = (dest, port), self.local
        child.state, child.peer, child.was_connected = TCP_ESTABLISHED, self, True
        child.ports.add(child, port)
        self.remote, self.peer = (dest, port), child
        self.state, self.was_connected = TCP_ESTABLISHED, True
        listener.pending.append(child)
        listener.touch()
        self.touch()

    def getname(self, peer: bool) -> bytes:
        if peer and self.state == TCP_CLOSE:
            raise Errno(ENOTCONN)  # inet_getname: a connection reset or closed has no peer
        return super().getname(peer)

    def disconnect(self) -> None:
        """tcp_disconnect (connect with AF_UNSPEC, or shutdown of a listener): back to a closed socket."""
        if self.state == TCP_LISTEN:
            for embryo in list(self.pending):
                embryo.close()
            self.pending.clear()
        elif self.peer is not None:
            held, self.held = self.held, []
            for m in held:
                self.release_message(m)  # an abort sends nothing held
            peer = self.peer
            peer.err = ECONNRESET  # the RST tcp_disconnect sends
            peer.shutdown = SHUTDOWN_MASK
            peer.touch()
            self.peer = None
        while self.queue:
            self.release_message(self.queue.popleft())
        self.state, self.syn_to, self.syn_owner, self.remote = TCP_CLOSE, None, None, None
        self.shutdown = 0
        self.was_connected = self.connecting = False
        if not self.user_bound:
            self.release_port()
        self.touch()

    # -- data --

    def send(self, t: Task, f: OpenFile, payload: Payload, files: list[OpenFile], cred: Ucred | None, flags: int,
             to: bytes | None) -> int:
        """tcp_sendmsg: a destination is ignored; EPIPE (with SIGPIPE unless MSG_NOSIGNAL) when not connected."""
        if files or cred is not None:
            raise Errno(EINVAL)  # sock_cmsg_send: SCM_RIGHTS and SCM_CREDENTIALS are Unix sockets' only
        self.progress()
        if self.syn_to is not None:
            self.block(t, f, flags, "send")  # sk_stream_wait_connect
        try:
            if self.state != TCP_ESTABLISHED or self.shutdown & SEND_SHUTDOWN or self.err:
                raise Errno(self.sock_error() or EPIPE)
            peer = self.peer
            if peer is None or peer.dead:
                # The peer closed: this data is lost, and its RST ends the connection (EPIPE, in CLOSE_WAIT).
                self.reset(EPIPE)
                return payload.length
            if self.held and self.wmem >= self.sndbuf // 2:
                self.push()  # tcp_sendmsg pushes what it holds when the send buffer runs short
            if flags & MSG_OOB and payload.length:
                return self.send_urgent(t, f, payload, flags)
            self.holding = bool(flags & MSG_MORE)
            try:
                sent = self.send_stream(t, f, payload, [], None, flags & ~MSG_OOB)
            finally:
                self.holding = False
            if not flags & MSG_MORE or sum(len(m.data) for m in self.held) >= TCP_MSS_LOOPBACK:
                self.push()
            return sent
        except Errno as exc:
            if exc.errno == EPIPE and not flags & MSG_NOSIGNAL:
                signals.send(t, SIGPIPE, signals.siginfo(SIGPIPE, SI_USER, tgid_vnr(t), t.cred.uid))
            raise

    def recv_stream(self, t: Task, f: OpenFile, size: int, flags: int) -> tuple[bytes, list[OpenFile], Ucred | None,
                                                                              SockAddr | None]:
        """tcp_recvmsg: ENOTCONN unless connected; no urgent data (MSG_OOB is EINVAL); no sender address."""
        if flags & MSG_ERRQUEUE:
            raise Errno(EAGAIN)  # inet_recv_error: the error queue is empty
        self.progress()
        if self.state == TCP_LISTEN:
            raise Errno(ENOTCONN)
        if flags & MSG_OOB:
            return self.recv_urgent(flags), [], None, None
        if self.syn_to is not None:
            self.block(t, f, flags, "recv")
        if self.state == TCP_CLOSE:
            err = self.sock_error()
            if err:
                raise Errno(err)
            if self.was_connected:
                return b"", [], None, None
            raise Errno(ENOTCONN)
        if self.urg_mark is not None and self.read_seq < self.urg_mark:
            size = min(size, self.urg_mark - self.read_seq)  # a read stops at the mark
        data, _, _, _ = super().recv_stream(t, f, size, flags)
        if not flags & MSG_PEEK:
            self.read_seq += len(data)
        return data, [], None, None

    def send_urgent(self, t: Task, f: OpenFile, payload: Payload, flags: int) -> int:
        """MSG_OOB: the data, its last byte urgent (the peer's mark; out of the stream unless SO_OOBINLINE)."""
        self.push()  # urgent data pushes what MSG_MORE held
        body = Payload(payload.length - 1, payload.fetch)
        sent = self.send_stream(t, f, body, [], None, flags & ~MSG_OOB) if body.length else 0
        if sent < body.length:
            return sent  # the urgent byte was not reached: the caller sends it again
        try:
            byte = payload.fetch(body.length, 1)
        except Errno:
            if sent:
                return sent
            raise
        peer = self.peer
        if not isinstance(peer, TcpSocket) or peer.dead:
            return sent + 1
        peer.urg_mark = peer.read_seq + peer.readable_now()
        if peer.options.get(SO_OOBINLINE):
            peer.urg_byte = None
            peer.enqueue(self.make_message(t, byte, [], None, peer))
        else:
            peer.urg_byte = byte
            peer.touch()
        return sent + 1

    def recv_urgent(self, flags: int) -> bytes:
        """tcp_recv_urg: the urgent byte, once (EINVAL with none, or inline; EAGAIN before it comes)."""
        if self.options.get(SO_OOBINLINE) or self.urg_mark is None:
            raise Errno(EINVAL)
        if self.urg_byte is None:
            raise Errno(EINVAL)  # TCP_URG_READ: it was read
        byte = self.urg_byte
        if not flags & MSG_PEEK:
            self.urg_byte = None
            self.touch()
        return byte

    def reset(self, err: int) -> None:
        """tcp_reset: the peer's RST; the connection is over (`err` for the next call, then end of file)."""
        if isinstance(self.peer, TcpSocket) and self.peer.peer is self:
            self.peer.peer = None
        self.peer = None
        self.err, self.shutdown, self.state = err, SHUTDOWN_MASK, TCP_CLOSE
        self.touch()

    def enqueue(self, m: Message) -> None:
        """A segment for this socket: held back on its sender's side while that one sends with MSG_MORE."""
        sender = m.sender
        if isinstance(sender, TcpSocket) and sender.holding:
            sender.held.append(m)
            return
        super().enqueue(m)

    def push(self) -> None:
        """tcp_push: what MSG_MORE held goes to the peer (or is freed, the peer gone)."""
        held, self.held = self.held, []
        peer = self.peer
        for m in held:
            if peer is not None and not peer.dead:
                peer.queue.append(m)
            else:
                self.release_message(m)
        if held and peer is not None:
            peer.touch()

    def close(self) -> None:
        """tcp_close: a FIN for the peer (it reads to the end, and may still send), or an RST when data we had
        not read is lost (ECONNRESET)."""
        if not self.dead:
            self.push()
            peer = self.peer
            if isinstance(peer, TcpSocket) and not peer.dead:
                self.peer = None  # not the Unix socket's hang-up: the peer's half of the connection may live on
                if self.queue or self.pending or (self.options.get(SO_LINGER) and not self.linger):
                    peer.reset(ECONNRESET)  # unread data lost, or SO_LINGER with no time: an RST
                else:
                    peer.shutdown |= RCV_SHUTDOWN
                    peer.touch()
        super().close()

    def do_shutdown(self, how: int) -> None:
        """inet_shutdown: a listener stops on SHUT_RD; a connection's SHUT_WR is the peer's end of data."""
        if how < 0 or how > 2:
            raise Errno(EINVAL)
        mode = how + 1
        self.progress()
        if self.state == TCP_LISTEN:
            if mode & RCV_SHUTDOWN:
                self.disconnect()
            return
        if self.syn_to is not None:
            self.disconnect()
            return
        self.shutdown |= mode
        self.touch()
        if self.state == TCP_CLOSE:
            raise Errno(ENOTCONN)
        peer = self.peer
        if peer is not None and mode & SEND_SHUTDOWN:
            self.push()
            peer.shutdown |= RCV_SHUTDOWN  # the FIN
            peer.touch()

    def poll(self, f: OpenFile) -> int:
        """tcp_poll."""
        self.progress()
        if self.state == TCP_LISTEN:
            return POLLIN | POLLRDNORM if self.pending else 0
        mask = 0
        if self.shutdown == SHUTDOWN_MASK or self.state == TCP_CLOSE:
            mask |= POLLHUP
        if self.shutdown & RCV_SHUTDOWN:
            mask |= POLLIN | POLLRDNORM | EPOLLRDHUP
        if self.syn_to is None:
            if self.queue:
                mask |= POLLIN | POLLRDNORM
            if self.shutdown & SEND_SHUTDOWN or self.sndbuf - self.wmem >= self.wmem // 2:
                mask |= POLLOUT | POLLWRNORM
        if self.err:
            mask |= POLLERR
        inline_unread = self.urg_mark is not None and self.read_seq <= self.urg_mark and self.options.get(SO_OOBINLINE)
        if self.urg_byte is not None or inline_unread:
            mask |= POLLPRI  # urgent data not yet read
        return mask

    def ioctl(self, f: OpenFile, request: int) -> bytes | int:
        """tcp_ioctl: SIOCINQ, SIOCOUTQ (nothing is ever unacknowledged on lo), SIOCATMARK (no urgent data)."""
        if request in (FIONREAD, SIOCOUTQ):
            if self.state == TCP_LISTEN:
                raise Errno(EINVAL)
            return self.readable_now() if request == FIONREAD else 0
        if request == SIOCATMARK:
            return int(self.urg_mark is not None and self.read_seq == self.urg_mark)
        raise Errno(ENOTTY)

    # -- options --

    def setsockopt_proto(self, t: Task, level: int, optname: int, optval: int, optlen: int) -> None:
        if level != IPPROTO_TCP:
            super().setsockopt_proto(t, level, optname, optval, optlen)
            return
        if optname not in _OPTIONS and optname != TCP_MAXSEG:
            raise Errno(ENOPROTOOPT)
        if optlen < 4:
            raise Errno(EINVAL)
        (value,) = _INT.unpack(copy_from_user(t.mm, optval, 4))
        if optname == TCP_MAXSEG:
            if value and not TCP_MIN_MSS <= value <= MAX_TCP_WINDOW:
                raise Errno(EINVAL)
            self.tcp_options[TCP_MAXSEG] = value
            return
        low, high = _OPTIONS[optname][1:]
        if not low <= value <= high:
            raise Errno(EINVAL)
        self.tcp_options[optname] = int(bool(value)) if optname in _FLAGS else value

    def getsockopt_proto(self, t: Task, level: int, optname: int, length: int) -> bytes:
        if level != IPPROTO_TCP:
            return super().getsockopt_proto(t, level, optname, length)
        if optname == TCP_MAXSEG:
            mss = TCP_MSS_LOOPBACK if self.state == TCP_ESTABLISHED else TCP_MSS_DEFAULT
            user = self.tcp_options.get(TCP_MAXSEG, 0)
            return _INT.pack(min(mss, user) if user and self.state == TCP_ESTABLISHED else (user or mss))
        if optname not in _OPTIONS:
            raise Errno(ENOPROTOOPT)
        return _INT.pack(self.tcp_options.get(optname, _OPTIONS[optname][0]))
