"""Unix-domain sockets (net/unix/af_unix.c): stream, datagram and seqpacket, all inside the machine.

A socket is an inode (sockfs's) behind an open file. Names are the
machine's own: a filesystem name is an S_IFSOCK inode that bind made in the
machine's tree (a host socket file is never connected to), an abstract name
lives in the table of the network namespace the socket was made in (each
namespace has its own, as Linux's). No host socket is ever made.

Data waits in the receiver's queue as messages (skbs): each is charged to its
sender's send buffer (sk_wmem_alloc against SO_SNDBUF) and to the machine's
RAM, so a guest can hold no more host memory than its buffers allow. Open
files passed with SCM_RIGHTS ride in a message, holding a reference each,
until they are received or the message is dropped.

A waiter sleeps until the namespace's generation moves (every queue or state
change moves it) and then runs its call again, as the wait queues would wake it.
"""

from __future__ import annotations

import stat
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar, Concatenate, NoReturn, ParamSpec, TypeVar

from syscalltbl.machine.hw.physmem import PhysicalMemory
from syscalltbl.machine.kernel import landlock, permission, signals
from syscalltbl.machine.kernel.netdev import NETDEV_IOCTLS, dev_ioctl
from syscalltbl.machine.kernel.permission import MAY_WRITE
from syscalltbl.machine.kernel.pidns import tgid_vnr
from syscalltbl.machine.kernel.vfs import FileSystem, Inode, OpenFile
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.uapi.errno import (  # fmt: skip
    EADDRINUSE,
    EAGAIN,
    ECONNREFUSED,
    ECONNRESET,
    EINVAL,
    EISCONN,
    EMSGSIZE,
    ENOBUFS,
    ENOENT,
    ENOMEM,
    ENOSPC,
    ENOTCONN,
    ENOTTY,
    ENXIO,
    EOPNOTSUPP,
    EPERM,
    EPIPE,
    EPROTOTYPE,
    ETOOMANYREFS,
    Errno,
)
from syscalltbl.machine.uapi.eventpoll import EPOLLRDHUP, EPOLLWRBAND
from syscalltbl.machine.uapi.fcntl import O_NONBLOCK
from syscalltbl.machine.uapi.landlock import LANDLOCK_ACCESS_FS_MAKE_SOCK
from syscalltbl.machine.uapi.misc import FIONREAD
from syscalltbl.machine.uapi.poll import POLLERR, POLLHUP, POLLIN, POLLOUT, POLLRDNORM, POLLWRNORM
from syscalltbl.machine.uapi.signal import SI_USER, SIGPIPE
from syscalltbl.machine.uapi.socket import (
    AF_UNIX,
    AF_UNSPEC,
    MSG_DONTWAIT,
    MSG_NOSIGNAL,
    MSG_OOB,
    MSG_PEEK,
    MSG_TRUNC,
    MSG_WAITALL,
    RCV_SHUTDOWN,
    SEND_SHUTDOWN,
    SHUTDOWN_MASK,
    SOCK_DGRAM,
    SOCK_SEQPACKET,
    SOCK_STREAM,
    SOMAXCONN,
    SYSCTL_WMEM_MAX,
)
from syscalltbl.machine.uapi.un import SOCKADDR_UN_SIZE, SUN_PATH_OFFSET
from syscalltbl.store.record import Frozen, Record, Value

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.netns import InetNamespace
    from syscalltbl.machine.kernel.process import Task

SOCKET_BYTES = 8192  # what a socket costs the host, measured (its object, queues, inode), charged to RAM
SKB_OVERHEAD = 768  # what an skb costs beyond its data (its truesize), charged to the send buffer
FD_IN_FLIGHT_BYTES = 64  # what one passed descriptor costs the host while in flight, charged to RAM
MAX_DGRAM_QLEN = 10  # net.unix.max_dgram_qlen: a receiver's queue holds one more message than this
STREAM_SKB_MAX = 32768 + 4096  # SKB_MAX_HEAD(0) + UNIX_SKB_FRAGS_SZ, about: one stream skb's data at most
OVERFLOW_ID = 65534  # overflowuid/overflowgid: what an unknown id reads as
AUTOBIND_NAMES = 1 << 20  # unix_autobind's five hex digits
GC_FIRST = 1  # the in-flight count at which a release first collects
GC_TRIGGER = 16000  # UNIX_INFLIGHT_TRIGGER_GC: a send of descriptors collects first past this many in flight

# sk_state
TCP_ESTABLISHED = 1
TCP_CLOSE = 7
TCP_LISTEN = 10


class Ucred(Frozen):
    """struct ucred: who sent a message, or who a peer was when it connected."""

    pid: int
    uid: int
    gid: int

    __slots__ = _fields = ("pid", "uid", "gid")

    def __init__(self, pid: int, uid: int, gid: int) -> None:
        object.__setattr__(self, "pid", pid)
        object.__setattr__(self, "uid", uid)
        object.__setattr__(self, "gid", gid)


NO_CRED = Ucred(0, OVERFLOW_ID, OVERFLOW_ID)  # a message sent with no credentials (INVALID_UID, munged)
NO_PEER = Ucred(0, 0xFFFFFFFF, 0xFFFFFFFF)  # SO_PEERCRED of a socket that never connected


def effective_cred(t: Task) -> Ucred:
    """SO_PEERCRED's view of a task (cred_to_ucred): its process id and effective ids."""
    return Ucred(t.pid, t.cred.euid, t.cred.egid)


def real_cred(t: Task) -> Ucred:
    """SCM_CREDENTIALS' default (current_uid_gid): the process id and the real ids."""
    return Ucred(t.pid, t.cred.uid, t.cred.gid)


class Message(Record):
    """An skb in a receive queue: its data, the files it carries, its sender and their credentials."""

    data: bytes
    sender: UnixSocket
    cred: Ucred | None
    files: list[OpenFile]
    uid: int  # the sending user, whose in-flight count the files are
    consumed: int  # a stream skb's bytes already read
    charge: int

    _fields: ClassVar[tuple[str, ...]] = ("data", "sender", "cred", "files", "uid", "consumed", "charge")
    __slots__ = _fields

    def __init__(
        self,
        data: bytes,
        sender: UnixSocket,
        cred: Ucred | None,
        files: list[OpenFile] | None = None,
        uid: int = 0,
        consumed: int = 0,
        charge: int = 0,
    ) -> None:
        self.data = data
        self.sender = sender
        self.cred = cred
        self.files = [] if files is None else files
        self.uid = uid
        self.consumed = consumed
        self.charge = charge

    def left(self) -> int:
        return len(self.data) - self.consumed


class Payload(Frozen):
    """A send's data, copied in only after the checks Linux makes first (ENOTCONN, EMSGSIZE before EFAULT)."""

    length: int
    #: (offset, n): n bytes from offset, a datagram's all of them, a stream's as many as readable; a stream takes
    #: one skb's at a time, so no more than one is ever held beside what the queues hold (and RAM is charged).
    fetch: Callable[[int, int], bytes]

    __slots__ = _fields = ("length", "fetch")

    def __init__(self, length: int, fetch: Callable[[int, int], bytes]) -> None:
        object.__setattr__(self, "length", length)
        object.__setattr__(self, "fetch", fetch)


class UnixNamespace:
    """One machine's Unix sockets: autobind's counter, the descriptors in flight, and what they charge to RAM.
    (The abstract names are each network namespace's: kernel/inet.py's InetNamespace.unix_abstract.)"""

    def __init__(self, fs: FileSystem, ram: PhysicalMemory | None) -> None:
        # Weak, as the machine's other links to its tree and RAM: the machine holds this namespace, and a
        # machine that ends takes its sockets, their queues and files in flight along.
        self._fs = weakref.ref(fs)
        self._ram = weakref.ref(ram) if ram is not None else None
        self.next_autobind = 0
        self.generation = 0  # moves on every change a waiter may wait for
        self.in_flight: dict[int, int] = {}  # descriptors in flight by the sending user (user->unix_inflight)
        self.sockets: weakref.WeakSet[UnixSocket] = weakref.WeakSet()  # every socket, for files_in_flight
        self.collecting = False
        #: A release collects once this many descriptors are in flight: twice what the last collection left,
        #: so collecting costs time in proportion to what was sent, not to every close.
        self.next_collection = GC_FIRST
        #: Sockets whose last reference went while another was being released: released in turn, by the
        #: first, so a socket nested in a socket nested in ... is let go in a loop, not on the host's stack.
        self.releasing: deque[OpenFile] | None = None

    @property
    def fs(self) -> FileSystem:
        fs = self._fs()
        assert fs is not None, "a socket outlived its machine"
        return fs

    @property
    def ram(self) -> PhysicalMemory | None:
        return self._ram() if self._ram is not None else None

    def changed(self) -> None:
        self.generation += 1

    def room(self) -> int:
        """How many bytes of buffers RAM could hold now: no send copies more than this from its caller."""
        ram = self.ram
        return ram.free_bytes if ram is not None else 1 << 62

    def charge(self, size: int, error: int = ENOBUFS) -> None:
        """`size` bytes of buffers or sockets made (`error` when RAM has no room), or freed (negative)."""
        if self.ram is None:
            return
        if size > 0 and not self.ram.slab_fits(size):
            raise Errno(error)
        self.ram.slab_charge(size)


def namespace(t: Task) -> UnixNamespace:
    """The machine's socket namespace. The machine holds it (never a table of the module's): a socket that
    only a message in flight holds may hold files that lead back to the machine."""
    return t.machine.unix


class SocketNode(Inode):
    """The S_IFSOCK inode bind makes: a name to connect to, while the socket bound there lives."""

    def __init__(self, perm: int, bound: UnixSocket) -> None:
        super().__init__(stat.S_IFSOCK | perm)
        self.bound: UnixSocket | None = bound

    def opening(self, flags: int) -> None:
        raise Errno(ENXIO)  # open(2) of a socket


def may_connect(t: Task, node: Inode) -> None:
    """The permission a connect or sendto through a filesystem name needs (write on the socket inode).

    Linux asks inode_permission(MAY_WRITE) in unix_find_bsd.
    """
    permission.check(t.cred, node, MAY_WRITE)


class SockAddr(Value):
    """A bound name as getsockname returns it: the whole sockaddr_un of `len` bytes."""

    raw: bytes  # family + sun_path bytes, as long as the address is

    __slots__ = _fields = ("raw",)

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    @property
    def abstract(self) -> bool:
        return self.raw[SUN_PATH_OFFSET : SUN_PATH_OFFSET + 1] == b"\0"


def valid_address(raw: bytes) -> bytes:
    """unix_validate_addr: a family and at least one byte of sun_path, no longer than sockaddr_un."""
    if len(raw) <= SUN_PATH_OFFSET or len(raw) > SOCKADDR_UN_SIZE:
        raise Errno(EINVAL)
    if int.from_bytes(raw[:2], "little") != AF_UNIX:
        raise Errno(EINVAL)
    return raw


def family_bytes() -> bytes:
    return AF_UNIX.to_bytes(2, "little")


P = ParamSpec("P")
R = TypeVar("R")


def ends_waits(method: Callable[Concatenate[UnixSocket, Task, P], R]) -> Callable[Concatenate[UnixSocket, Task, P], R]:
    """A call that may sleep with a timeout: an error ends its timed wait too (done_waiting), so the next call
    of the task starts a wait of its own."""

    def wrapper(self: UnixSocket, t: Task, /, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, t, *args, **kwargs)
        except Errno:
            self.done_waiting(t)
            raise

    return wrapper


class UnixSocket(Inode):
    """One socket (struct unix_sock)."""

    def can_splice_read(self) -> bool:
        return True  # sock_splice_read

    def can_splice_write(self) -> bool:
        return True  # splice_to_socket

    #: A write's EPIPE: the socket sends SIGPIPE itself, when Linux does (vfs's SIGPIPE_ON_EPIPE).
    SIGPIPE_ON_EPIPE: ClassVar[bool] = False

    def __init__(self, ns: UnixNamespace, kind: int, owner: Task, net: InetNamespace | None = None) -> None:
        """`net`: the network namespace the socket lives in (sk_net), by default its maker's."""
        ns.charge(SOCKET_BYTES, ENOMEM)  # sk_alloc: a socket that RAM cannot hold is ENOMEM
        super().__init__(stat.S_IFSOCK | 0o777)
        self.net: InetNamespace = owner.nsproxy.net if net is None else net
        self.uid, self.gid = owner.cred.euid, owner.cred.egid
        #: The Landlock domain of the socket's creator (the file's f_cred), what scopes compare with.
        self.domain = owner.cred.landlock
        self.ns = ns
        ns.sockets.add(self)
        self.type = kind
        self.family = AF_UNIX  # what SO_DOMAIN reads (an inet socket sets its own)
        self.state = TCP_CLOSE
        self.peer: UnixSocket | None = None
        self.addr: SockAddr | None = None
        self.node: SocketNode | None = None
        self.queue: deque[Message] = deque()
        self.pending: deque[UnixSocket] = deque()  # a listener's embryos, waiting for accept
        self.max_backlog = MAX_DGRAM_QLEN
        self.shutdown = 0
        self.err = 0
        self.sndbuf = self.rcvbuf = SYSCTL_WMEM_MAX
        self.wmem = 0  # what this socket's messages in others' queues are charged
        self.passcred = False
        self.protocol = 0  # socket()'s, as SO_PROTOCOL reports it
        self.options: dict[int, int] = {}  # the SOL_SOCKET options that only are stored (SO_KEEPALIVE, ...)
        self.linger = 0
        self.peercred: Ucred | None = None
        self.dead = False
        self.rcvtimeo = self.sndtimeo = 0  # microseconds; 0: wait for ever
        self.deadlines: dict[tuple[int, str], float] = {}  # (tid, "recv"/"send"): when a timed wait ends
        self.readers_woken = self.writers_woken = 0
        #: The open file that is this socket (socket(), socketpair(), accept()): the collector needs to know
        #: when every reference to it is one a message holds.
        self.file: weakref.ref[OpenFile] | None = None

    # -- bookkeeping --

    def touch(self) -> None:
        """Something a reader or writer of this socket waits for happened."""
        self.readers_woken += 1
        self.writers_woken += 1
        self.ns.changed()

    def wakeups(self) -> tuple[int, int]:
        return self.readers_woken, self.writers_woken

    def sock_error(self) -> int:
        """sock_error: the pending error, taken."""
        err, self.err = self.err, 0
        return err

    def block(self, t: Task, f: OpenFile, flags: int, which: str) -> NoReturn:
        """No progress now: EAGAIN for a nonblocking call, else sleep until something changes.

        With SO_RCVTIMEO/SO_SNDTIMEO the wait ends in EAGAIN at the deadline,
        and a signal ends it in EINTR (sock_intr_errno), not a restart.
        """
        if flags & MSG_DONTWAIT or f.flags & O_NONBLOCK:
            raise Errno(EAGAIN)
        timeout = self.rcvtimeo if which == "recv" else self.sndtimeo
        generation = self.ns.generation
        ns = self.ns
        if not timeout:
            raise Sleep(lambda: ns.generation != generation)
        key = (t.tid, which)
        now = time.monotonic()
        deadline = self.deadlines.setdefault(key, now + timeout / 1e6)
        if now >= deadline:
            del self.deadlines[key]
            raise Errno(EAGAIN)

        def interrupted() -> int | None:
            self.deadlines.pop(key, None)
            return None

        raise Sleep(lambda: ns.generation != generation or time.monotonic() >= deadline, deadline,
                    restartable=False, on_interrupt=interrupted)

    def done_waiting(self, t: Task) -> None:
        """The call finished: a timed wait it was in is over."""
        if self.deadlines:
            self.deadlines.pop((t.tid, "recv"), None)
            self.deadlines.pop((t.tid, "send"), None)

    # -- the family's side of the socket calls (inet sockets have their own) --

    PROTOCOL_OPTIONS: ClassVar[bool] = False  # options past SOL_SOCKET's exist

    def bind_addr(self, t: Task, raw: bytes) -> None:
        """bind(2) with the caller's sockaddr of len(raw) bytes (unix_bind)."""
        if len(raw) == SUN_PATH_OFFSET and int.from_bytes(raw, "little") == AF_UNIX:
            self.autobind()
            return
        self.bind(t, valid_address(raw))

    def connect_addr(self, t: Task, f: OpenFile, raw: bytes) -> None:
        """connect(2) (unix_stream_connect, unix_dgram_connect)."""
        if self.type != SOCK_DGRAM:
            self.connect_stream(t, f, valid_address(raw))
            return
        if len(raw) < 2:
            raise Errno(EINVAL)
        self.connect_dgram(t, None if int.from_bytes(raw[:2], "little") == AF_UNSPEC else valid_address(raw))

    def getname(self, peer: bool) -> bytes:
        """unix_getname: the bound address (of the peer), or the family alone."""
        sock = self.peer if peer else self
        if peer and sock is None:
            raise Errno(ENOTCONN)
        if sock is not None and sock.addr is not None:
            return sock.addr.raw
        return family_bytes()

    def setsockopt_proto(self, t: Task, level: int, optname: int, optval: int, optlen: int) -> None:
        raise Errno(EOPNOTSUPP)  # a Unix socket has no options past SOL_SOCKET's

    def getsockopt_proto(self, t: Task, level: int, optname: int, length: int) -> bytes:
        raise Errno(EOPNOTSUPP)

    # -- naming --

    def bind(self, t: Task, raw: bytes) -> None:
        """bind(2) with a validated sockaddr_un of len(raw) bytes."""
        if len(raw) == SUN_PATH_OFFSET:
            self.autobind()
            return
        if raw[SUN_PATH_OFFSET] == 0:
            name = raw[SUN_PATH_OFFSET:]
            if self.addr is not None:
                raise Errno(EINVAL)
            if name in self.net.unix_abstract:
                raise Errno(EADDRINUSE)
            self.net.unix_abstract[name] = self
            self.addr = SockAddr(raw)
            return
        path = raw[SUN_PATH_OFFSET:].split(b"\0")[0]
        fs = self.ns.fs
        parent, name, existing = fs.walk(t, path, t.fs.cwd, follow=False)
        if existing is not None or name in (b".", b".."):
            raise Errno(EADDRINUSE)
        if path.endswith(b"/"):
            raise Errno(ENOENT)  # filename_create: a trailing slash names a directory, and a socket is none
        if self.addr is not None:
            raise Errno(EINVAL)
        landlock.check_path(t, parent, None, LANDLOCK_ACCESS_FS_MAKE_SOCK)  # unix_bind_bsd's security_path_mknod
        permission.check_create(t.cred, parent)
        uid, gid, mode = permission.new_owner(t.cred, parent, 0o777 & ~t.fs.umask)
        node = SocketNode(mode, self).owned_by(uid, gid)
        assert isinstance(node, SocketNode)
        parent.add(name, fs.charged(node))
        self.node = node
        self.addr = SockAddr(family_bytes() + path + b"\0")

    def autobind(self) -> None:
        """unix_autobind: an abstract name of five hex digits, the first free one after the last given."""
        if self.addr is not None:
            return
        for _ in range(AUTOBIND_NAMES):
            number = self.ns.next_autobind
            self.ns.next_autobind = (number + 1) % AUTOBIND_NAMES
            name = b"\0" + f"{number:05x}".encode()
            if name not in self.net.unix_abstract:
                self.net.unix_abstract[name] = self
                self.addr = SockAddr(family_bytes() + name)
                return
        raise Errno(ENOSPC)

    def find(self, t: Task, raw: bytes, kind: int) -> UnixSocket:
        """unix_find_other: the socket a name leads to, of this socket's type."""
        if raw[SUN_PATH_OFFSET] == 0:
            other = self.net.unix_abstract.get(raw[SUN_PATH_OFFSET:])
            if other is None:
                raise Errno(ECONNREFUSED)
            if landlock.abstract_unix_denied(t.cred.landlock, other.domain):
                raise Errno(EPERM)  # hook_unix_stream_connect / hook_unix_may_send: outside the client's scope
        else:
            path = raw[SUN_PATH_OFFSET:].split(b"\0")[0]
            node = self.ns.fs.lookup(t, path, t.fs.cwd)
            may_connect(t, node)
            if not isinstance(node, SocketNode) or node.bound is None:
                raise Errno(ECONNREFUSED)  # not S_ISSOCK, a host socket, or nobody bound there now
            other = node.bound
        if other.type != kind:
            raise Errno(EPROTOTYPE)
        return other

    # -- connections --

    def listen(self, t: Task, backlog: int) -> None:
        if self.type == SOCK_DGRAM:
            raise Errno(EOPNOTSUPP)
        if self.addr is None or self.state not in (TCP_CLOSE, TCP_LISTEN):
            raise Errno(EINVAL)
        backlog &= 0xFFFFFFFF
        self.max_backlog = min(backlog, SOMAXCONN)  # (unsigned)backlog > somaxconn: cut
        if self.state != TCP_LISTEN:
            self.state = TCP_LISTEN
            self.peercred = effective_cred(t)  # init_peercred: who listened
        self.touch()

    @ends_waits
    def connect_stream(self, t: Task, f: OpenFile, raw: bytes) -> None:
        if self.passcred and self.addr is None:
            self.autobind()
        other = self.find(t, raw, self.type)
        if other.state != TCP_LISTEN or other.shutdown & RCV_SHUTDOWN:
            raise Errno(ECONNREFUSED)
        if len(other.pending) > other.max_backlog:
            self.block(t, f, 0, "send")
        if self.state != TCP_CLOSE:
            raise Errno(EISCONN if self.state == TCP_ESTABLISHED else EINVAL)
        self.done_waiting(t)
        embryo = UnixSocket(self.ns, self.type, t, self.net)
        embryo.uid, embryo.gid = other.uid, other.gid
        embryo.peer, embryo.state = self, TCP_ESTABLISHED
        embryo.peercred = effective_cred(t)
        embryo.addr = other.addr
        embryo.passcred = other.passcred  # unix_sock_inherit_flags, at accept
        self.peercred = other.peercred  # copy_peercred: the listener's
        self.peer, self.state = embryo, TCP_ESTABLISHED
        other.pending.append(embryo)
        other.touch()
        self.touch()

    @ends_waits
    def accept(self, t: Task, f: OpenFile) -> UnixSocket:
        if self.type not in (SOCK_STREAM, SOCK_SEQPACKET):
            raise Errno(EOPNOTSUPP)
        if self.state != TCP_LISTEN:
            raise Errno(EINVAL)
        if not self.pending:
            if self.shutdown & RCV_SHUTDOWN:
                raise Errno(EINVAL)
            self.block(t, f, 0, "recv")
        self.done_waiting(t)
        embryo = self.pending.popleft()
        embryo.passcred = embryo.passcred or self.passcred
        self.touch()
        return embryo

    def connect_dgram(self, t: Task, raw: bytes | None) -> None:
        """connect(2) of a datagram socket; None (AF_UNSPEC) disconnects."""
        other: UnixSocket | None = None
        if raw is not None:
            if self.passcred and self.addr is None:
                self.autobind()
            other = self.find(t, raw, self.type)
            if other.peer is not None and other.peer is not self:
                raise Errno(EPERM)  # unix_may_send
            self.state = other.state = TCP_ESTABLISHED
        old = self.peer
        self.peer = other
        if other is None:
            self.state = TCP_CLOSE
        if old is not None and old is not other:
            self.disconnected(old)
            if old.peer is None:
                old.state = TCP_CLOSE
        self.touch()

    def disconnected(self, old: UnixSocket) -> None:
        """unix_dgram_disconnected: what our queue held is lost, and `old` hears of it (ECONNRESET) if we were
        its peer."""
        if not self.queue:
            return
        while self.queue:
            self.release_message(self.queue.popleft())
        if not old.dead and old.peer is self:
            old.err = ECONNRESET
            old.touch()

    def do_shutdown(self, how: int) -> None:
        if how < 0 or how > 2:
            raise Errno(EINVAL)
        mode = how + 1
        self.shutdown |= mode
        other = self.peer
        if other is not None and self.type in (SOCK_STREAM, SOCK_SEQPACKET):
            peer_mode = (SEND_SHUTDOWN if mode & RCV_SHUTDOWN else 0) | (RCV_SHUTDOWN if mode & SEND_SHUTDOWN else 0)
            other.shutdown |= peer_mode
            other.touch()
        self.touch()

    # -- sending --

    def make_message(self, t: Task, data: bytes, files: list[OpenFile], cred: Ucred | None,
                     other: UnixSocket) -> Message:
        """An skb for `other`: charged to this socket's send buffer and to RAM; it holds `files`."""
        if cred is None and (self.passcred or other.passcred):
            cred = real_cred(t)  # maybe_add_creds
        uid = t.cred.uid
        if files and sum(self.ns.in_flight.values()) > GC_TRIGGER:
            collect_garbage(self.ns)  # wait_for_unix_gc
        if files and self.ns.in_flight.get(uid, 0) > t.nofile() and t.cred.euid != 0:
            raise Errno(ETOOMANYREFS)  # too_many_unix_fds: past RLIMIT_NOFILE in flight, without CAP_SYS_RESOURCE
        charge = len(data) + SKB_OVERHEAD + len(files) * FD_IN_FLIGHT_BYTES
        self.ns.charge(charge)
        for held in files:
            held.refs += 1
        if files:
            self.ns.in_flight[uid] = self.ns.in_flight.get(uid, 0) + len(files)
        self.wmem += charge
        return Message(data, self, cred, list(files), uid=uid, charge=charge)

    def enqueue(self, m: Message) -> None:
        self.queue.append(m)
        self.touch()

    @ends_waits
    def send_stream(self, t: Task, f: OpenFile, payload: Payload, files: list[OpenFile], cred: Ucred | None,
                    flags: int) -> int:
        """unix_stream_sendmsg; EPIPE is the caller's to signal (SIGPIPE unless MSG_NOSIGNAL), as `raise`d."""
        if flags & MSG_OOB:
            raise Errno(EOPNOTSUPP)
        other = self.peer
        if other is None:
            raise Errno(ENOTCONN)
        if self.shutdown & SEND_SHUTDOWN:
            raise Errno(EPIPE)
        total = min(payload.length, 2 * self.sndbuf)
        sent = 0
        while sent < total:
            size = min(total - sent, (self.sndbuf >> 1) - 64, STREAM_SKB_MAX)
            try:
                chunk = payload.fetch(sent, size)  # EFAULT when not a byte is readable
            except Errno:
                if sent:
                    return sent
                raise
            if other.dead or other.shutdown & RCV_SHUTDOWN:
                if sent:
                    return sent
                raise Errno(EPIPE)
            if self.wmem >= self.sndbuf:
                if sent:
                    return sent  # short, where Linux would wait on: the caller writes the rest next
                self.block(t, f, flags, "send")
            try:
                m = self.make_message(t, chunk, files if not sent else [], cred, other)
            except Errno:
                if sent:
                    return sent  # unix_stream_sendmsg's `sent ? : err`
                raise
            other.enqueue(m)
            sent += len(chunk)
            if len(chunk) < size:
                break  # the rest cannot be read
        self.done_waiting(t)
        return sent

    @ends_waits
    def send_dgram(self, t: Task, f: OpenFile, payload: Payload, files: list[OpenFile], cred: Ucred | None,
                   flags: int, to: bytes | None) -> int:
        """unix_dgram_sendmsg (and seqpacket's, which ignores `to`)."""
        if self.type == SOCK_SEQPACKET:
            err = self.sock_error()
            if err:
                raise Errno(err)
            if self.state != TCP_ESTABLISHED:
                raise Errno(ENOTCONN)
            to = None
        if flags & MSG_OOB:
            raise Errno(EOPNOTSUPP)
        if to is not None:
            to = valid_address(to)
        if to is None and self.peer is None:
            raise Errno(ENOTCONN)
        if self.passcred and self.addr is None:
            self.autobind()
        if payload.length > self.sndbuf - 32:
            raise Errno(EMSGSIZE)
        if payload.length + SKB_OVERHEAD > self.ns.room():
            raise Errno(ENOBUFS)  # sock_alloc_send_pskb: no room for the skb, found before its data is copied
        data = payload.fetch(0, payload.length) if payload.length else b""
        other = self.find(t, to, self.type) if to is not None else self.peer
        assert other is not None
        if other.peer is not None and other.peer is not self and other is not self:
            raise Errno(EPERM)
        if other.dead:
            if self.type == SOCK_SEQPACKET:
                raise Errno(EPIPE)
            if self.peer is other:
                self.peer, self.state = None, TCP_CLOSE
                self.disconnected(other)
                self.touch()
            raise Errno(ECONNREFUSED)
        if other.shutdown & RCV_SHUTDOWN:
            raise Errno(EPIPE)
        if self.shutdown & SEND_SHUTDOWN:
            raise Errno(EPIPE)
        full = other is not self and other.peer is not self and len(other.queue) > other.max_backlog
        if full or self.wmem >= self.sndbuf:
            self.block(t, f, flags, "send")
        self.done_waiting(t)
        other.enqueue(self.make_message(t, data, files, cred, other))
        return len(data)

    # -- receiving --

    def release_message(self, m: Message) -> None:
        """An skb freed: its charge back to its sender and to RAM, and the files it held let go."""
        sender = m.sender
        sender.wmem -= m.charge
        self.ns.charge(-m.charge)
        sender.touch()
        for held in self.detach_files(m):
            drop_file(held)

    def detach_files(self, m: Message) -> list[OpenFile]:
        """unix_detach_fds: the message's files leave flight, their references now the caller's."""
        files, m.files = m.files, []
        if files:
            self.ns.in_flight[m.uid] -= len(files)
            if not self.ns.in_flight[m.uid]:
                del self.ns.in_flight[m.uid]
        return files

    def readable_now(self, enough: int | None = None) -> int:
        """The bytes waiting to be read; counted no further than `enough`, so that a read takes time in
        proportion to what it reads, not to everything queued (a queue may hold a million one-byte skbs)."""
        have = 0
        for m in self.queue:
            have += m.left()
            if enough is not None and have >= enough:
                break
        return have

    @ends_waits
    def recv_stream(self, t: Task, f: OpenFile, size: int, flags: int) -> tuple[bytes, list[OpenFile], Ucred | None,
                                                                              SockAddr | None]:
        """unix_stream_read_generic: (data, files, credentials when SO_PASSCRED, the sender's address)."""
        if self.state != TCP_ESTABLISHED:
            raise Errno(EINVAL)
        if flags & MSG_OOB:
            raise Errno(EOPNOTSUPP)
        target = size if flags & MSG_WAITALL else 1
        have = self.readable_now(enough=max(target, 1))
        if not have or (have < target and not self.shutdown & RCV_SHUTDOWN and self.peer_can_send_more()):
            if not have:
                err = self.sock_error()
                if err:
                    raise Errno(err)
                if self.shutdown & RCV_SHUTDOWN:
                    self.done_waiting(t)
                    return b"", [], None, None
            if not have or not (flags & MSG_DONTWAIT or f.flags & O_NONBLOCK):
                self.block(t, f, flags, "recv")  # a nonblocking MSG_WAITALL takes what there is
        self.done_waiting(t)
        out = bytearray()
        files: list[OpenFile] = []
        first_cred: Ucred | None = None
        addr: SockAddr | None = None
        peek = bool(flags & MSG_PEEK)
        index = 0
        while len(out) < size or (not out and not size):
            if index >= len(self.queue):
                break
            m = self.queue[index]
            if self.passcred:
                cred = m.cred or NO_CRED
                if index and cred != first_cred:
                    break  # never glue messages of different writers
                first_cred = cred
            if addr is None:
                addr = m.sender.addr
            chunk = min(m.left(), size - len(out))
            out += m.data[m.consumed : m.consumed + chunk]
            carried = bool(m.files)
            if peek:
                files += m.files  # scm_fp_dup: the receiver gets references of its own
                index += 1
                if carried or not size:
                    break
                continue
            m.consumed += chunk
            files += self.detach_files(m)
            if m.left():
                break
            self.queue.popleft()
            self.release_message(m)
            if carried or not size:
                break
        self.touch()
        return bytes(out), files, first_cred if self.passcred else None, addr

    def peer_can_send_more(self) -> bool:
        """MSG_WAITALL may wait for more only while the peer lives and has send buffer left to fill."""
        peer = self.peer
        return peer is not None and not peer.dead and peer.wmem < peer.sndbuf and not peer.shutdown & SEND_SHUTDOWN

    @ends_waits

    def await_message(self, t: Task, f: OpenFile, flags: int) -> bool:
        """Wait for a queued message (a datagram or a packet): True once one is there, False at the end of
        input (shut down for reading); a pending socket error is raised first."""
        if not self.queue:
            err = self.sock_error()
            if err:
                raise Errno(err)
            if self.shutdown & RCV_SHUTDOWN:
                self.done_waiting(t)
                return False
            self.block(t, f, flags, "recv")
        self.done_waiting(t)
        return True
    def recv_dgram(self, t: Task, f: OpenFile, size: int, flags: int) -> tuple[bytes, int, list[OpenFile],
                                                                             Ucred | None, SockAddr | None, bool]:
        """__unix_dgram_recvmsg: (data, the call's value, files, credentials, sender's address, truncated)."""
        if self.type == SOCK_SEQPACKET and self.state != TCP_ESTABLISHED:
            raise Errno(ENOTCONN)
        if flags & MSG_OOB:
            raise Errno(EOPNOTSUPP)
        if not self.await_message(t, f, flags):
            return b"", 0, [], None, None, False
        m = self.queue[0]
        data = m.data[:size]
        truncated = len(m.data) > size
        value = len(m.data) if flags & MSG_TRUNC else len(data)
        cred = (m.cred or NO_CRED) if self.passcred else None
        if flags & MSG_PEEK:
            files = list(m.files)
        else:
            files = self.detach_files(m)
            self.queue.popleft()
            self.release_message(m)
        self.touch()
        return data, value, files, cred, m.sender.addr, truncated

    # -- the file operations --

    def read_by(self, f: OpenFile, count: int, reader: Task) -> bytes:
        """read(2): a recv with no flags; files that came with the data are closed (no room for them)."""
        if self.type == SOCK_STREAM:
            data, files, _, _ = self.recv_stream(reader, f, count, 0)
        else:
            data, _, files, _, _, _ = self.recv_dgram(reader, f, count, 0)
        for held in files:
            drop_file(held)
        return data

    def message_limit(self) -> int | None:
        return None if self.type == SOCK_STREAM else min(self.sndbuf, self.ns.room())

    def write_from(self, f: OpenFile, data: bytes, writer: Task) -> int:
        """write(2): a send with no flags."""
        return self.send(writer, f, Payload(len(data), lambda at, n: data[at : at + n]), [], None, 0, None)

    def send(self, t: Task, f: OpenFile, payload: Payload, files: list[OpenFile], cred: Ucred | None, flags: int,
             to: bytes | None) -> int:
        """sendmsg's protocol part; a stream's EPIPE sends SIGPIPE unless MSG_NOSIGNAL, as unix_stream_sendmsg."""
        if self.type != SOCK_STREAM:
            return self.send_dgram(t, f, payload, files, cred, flags, to)
        if to is not None:
            raise Errno(EISCONN if self.state == TCP_ESTABLISHED else EOPNOTSUPP)
        try:
            return self.send_stream(t, f, payload, files, cred, flags)
        except Errno as exc:
            if exc.errno == EPIPE and not flags & MSG_NOSIGNAL:
                signals.send(t, SIGPIPE, signals.siginfo(SIGPIPE, SI_USER, tgid_vnr(t), t.cred.uid))
            raise

    def poll(self, f: OpenFile) -> int:
        """unix_poll (stream) and unix_dgram_poll (datagram and seqpacket)."""
        mask = 0
        if self.err:
            mask |= POLLERR
        if self.shutdown == SHUTDOWN_MASK:
            mask |= POLLHUP
        if self.shutdown & RCV_SHUTDOWN:
            mask |= EPOLLRDHUP | POLLIN | POLLRDNORM
        if self.queue or self.pending:
            mask |= POLLIN | POLLRDNORM
        if self.type in (SOCK_STREAM, SOCK_SEQPACKET) and self.state == TCP_CLOSE:
            mask |= POLLHUP
        writable = self.state != TCP_LISTEN and self.wmem << 2 <= self.sndbuf
        if writable and self.type != SOCK_STREAM:
            other = self.peer
            if other is not None and other.peer is not self and len(other.queue) > other.max_backlog:
                writable = False
        if writable:
            mask |= POLLOUT | POLLWRNORM | EPOLLWRBAND
        return mask

    def ioctl(self, f: OpenFile, request: int) -> bytes | int:
        if request == FIONREAD:  # SIOCINQ
            if self.state == TCP_LISTEN:
                raise Errno(EINVAL)
            if self.type == SOCK_DGRAM:
                return len(self.queue[0].data) if self.queue else 0
            return self.readable_now()
        raise Errno(ENOTTY)

    def unlocked_ioctl(self, task: Task, f: OpenFile, request: int, arg: int) -> int:
        """sock_do_ioctl: the family's ioctls, then, for any family, the network devices' (dev_ioctl)."""
        if request in NETDEV_IOCTLS:
            return dev_ioctl(task, request, arg, self.net.devices)
        return super().unlocked_ioctl(task, f, request, arg)

    def release(self, f: OpenFile) -> None:
        self.close()

    def close(self) -> None:
        """unix_release_sock: the last reference went (a descriptor, a message's, or a listener's embryo)."""
        if self.dead:
            return
        self.dead = True
        self.ns.charge(-SOCKET_BYTES)
        self.state = TCP_CLOSE
        if self.addr is not None and self.addr.abstract:
            name = self.addr.raw[SUN_PATH_OFFSET:]
            if self.net.unix_abstract.get(name) is self:
                del self.net.unix_abstract[name]
        if self.node is not None:
            self.node.bound = None  # the name stays in the tree; connecting to it is refused
            self.node = None
        other = self.peer
        self.peer = None
        if other is not None and self.type in (SOCK_STREAM, SOCK_SEQPACKET):
            other.shutdown = SHUTDOWN_MASK
            if self.queue or self.pending:
                other.err = ECONNRESET  # what we had not read is lost
            other.touch()
        elif other is not None:
            other.touch()
        for embryo in list(self.pending):
            embryo.close()  # never accepted: the client sees a hang-up
        self.pending.clear()
        while self.queue:
            self.release_message(self.queue.popleft())
        self.touch()
        in_flight = sum(self.ns.in_flight.values())
        if in_flight >= self.ns.next_collection:
            collect_garbage(self.ns)  # unix_release_sock's unix_gc, when enough went in flight since the last



def collect_garbage(ns: UnixNamespace) -> None:
    """unix_gc: sockets that only messages in flight still hold, in a cycle no descriptor reaches, are purged.

    A candidate is a socket whose every file reference is held by a message.
    Whatever a socket that is not a candidate holds in its queue (or in the
    queues of the connections waiting on it) stays alive, and so on from
    there; the candidates left over are unreachable, and their queues are
    emptied, which lets the files (and the sockets) in them go.
    """
    if ns.collecting:
        return  # a socket the collection lets go closes, and would collect again
    ns.collecting = True
    try:
        _collect(ns)
    finally:
        ns.collecting = False
        ns.next_collection = max(GC_FIRST, 2 * sum(ns.in_flight.values()))


def _collect(ns: UnixNamespace) -> None:
    held = files_in_flight_of(ns)
    candidates: set[UnixSocket] = set()
    for sock in list(ns.sockets):
        f = sock.file() if sock.file is not None else None
        if f is not None and f.refs and f.refs == held.get(id(f), 0):
            candidates.add(sock)
    if not candidates:
        return
    alive: set[UnixSocket] = set()
    todo = [sock for sock in list(ns.sockets) if sock not in candidates]
    while todo:
        sock = todo.pop()
        for queue in [sock.queue, *(embryo.queue for embryo in sock.pending)]:
            for m in queue:
                for f in m.files:
                    inner = f.inode
                    if isinstance(inner, UnixSocket) and inner in candidates and inner not in alive:
                        alive.add(inner)
                        todo.append(inner)
    for sock in candidates - alive:
        while sock.queue:
            sock.release_message(sock.queue.popleft())


def files_in_flight_of(ns: UnixNamespace) -> dict[int, int]:
    """id(open file) -> the references messages in `ns`'s sockets (and their pending connections) hold."""
    counts: dict[int, int] = {}
    for sock in list(ns.sockets):
        for queue in [sock.queue, *(embryo.queue for embryo in sock.pending)]:
            for m in queue:
                for held in m.files:
                    counts[id(held)] = counts.get(id(held), 0) + 1
    return counts


def files_in_flight(ns: UnixNamespace) -> dict[int, int]:
    """id(open file) -> how many references messages in the machine's sockets hold on it."""
    return files_in_flight_of(ns)


def drop_file(f: OpenFile) -> None:
    """fput of a reference a message held: the last one releases the file (a socket's, one at a time)."""
    f.refs -= 1
    if f.refs:
        return
    sock = f.inode
    if not isinstance(sock, UnixSocket):
        sock.release(f)
        return
    ns = sock.ns
    if ns.releasing is not None:
        ns.releasing.append(f)
        return
    ns.releasing = deque([f])
    try:
        while ns.releasing:
            done = ns.releasing.popleft()
            done.inode.release(done)
    finally:
        ns.releasing = None


def socket_path(sock: UnixSocket) -> bytes:
    """What /proc/PID/fd shows for it."""
    return f"socket:[{sock.ino}]".encode()


class ReceiverCharged(UnixSocket):
    """A socket whose queued skbs are charged to itself, the receiver (sk_rmem_alloc: UDP, raw, packet and
    netlink sockets), not to their sender as AF_UNIX's are, and whose datagrams are read one whole at a time."""

    rmem: int

    def release_message(self, m: Message) -> None:
        self.rmem -= m.charge
        self.ns.charge(-m.charge)
        self.touch()

    def take_datagram(self, size: int, flags: int) -> tuple[Message, bytes, int, bool]:
        """The first datagram cut to `size` (skb_recv_datagram and the copy), recvmsg's value (its whole
        length under MSG_TRUNC) and whether it was cut; off the queue and freed unless MSG_PEEK."""
        m = self.queue[0]
        data = m.data[:size]
        value = len(m.data) if flags & MSG_TRUNC else len(data)
        if not flags & MSG_PEEK:
            self.queue.popleft()
            self.release_message(m)
        return m, data, value, len(m.data) > size
