"""socket, socketpair, bind, listen, accept, connect, the names, shutdown and the options (net/socket.c).

The families: AF_UNIX (kernel/af_unix.py), AF_INET and AF_INET6 on the
machine's loopback (kernel/inet.py, tcp.py, udp.py), AF_NETLINK
(kernel/netlink.py, rtnetlink.py), AF_PACKET (kernel/af_packet.py); every
other family is EAFNOSUPPORT.
This layer is the family-blind part, each family's socket
answering bind, connect, getname and its protocol options itself.
The calls that move data are in sockmsg.py.
"""

from __future__ import annotations

import struct
import weakref
from collections.abc import Callable

from syscalltbl.machine.kernel import landlock
from syscalltbl.machine.kernel.af_packet_family import packet_create
from syscalltbl.machine.kernel.af_unix import (  # fmt: skip
    NO_PEER,
    TCP_ESTABLISHED,
    TCP_LISTEN,
    UnixSocket,
    effective_cred,
    namespace,
    socket_path,
)
from syscalltbl.machine.kernel.inetsw import inet_create
from syscalltbl.machine.kernel.netlink_family import netlink_create
from syscalltbl.machine.kernel.pidns import pid_vnr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.errno import (  # fmt: skip
    EAFNOSUPPORT,
    EBADF,
    EDOM,
    EINVAL,
    EMFILE,
    ENOPROTOOPT,
    ENOTSOCK,
    EOPNOTSUPP,
    EPERM,
    EPROTONOSUPPORT,
    ESOCKTNOSUPPORT,
    Errno,
)
from syscalltbl.machine.uapi.fcntl import O_PATH, O_RDWR
from syscalltbl.machine.uapi.inet import IPPROTO_TCP
from syscalltbl.machine.uapi.landlock import LANDLOCK_ACCESS_NET_BIND_TCP, LANDLOCK_ACCESS_NET_CONNECT_TCP
from syscalltbl.machine.uapi.socket import (
    AF_INET,
    AF_INET6,
    AF_MAX,
    AF_NETLINK,
    AF_PACKET,
    AF_UNIX,
    LINGER,
    OLD_TIMEVAL,
    PF_UNIX,
    SO_ACCEPTCONN,
    SO_BROADCAST,
    SO_DEBUG,
    SO_DOMAIN,
    SO_DONTROUTE,
    SO_ERROR,
    SO_KEEPALIVE,
    SO_LINGER,
    SO_NO_CHECK,
    SO_OOBINLINE,
    SO_PASSCRED,
    SO_PEERCRED,
    SO_PRIORITY,
    SO_PROTOCOL,
    SO_RCVBUF,
    SO_RCVBUFFORCE,
    SO_RCVLOWAT,
    SO_RCVTIMEO,
    SO_REUSEADDR,
    SO_REUSEPORT,
    SO_SNDBUF,
    SO_SNDBUFFORCE,
    SO_SNDTIMEO,
    SO_TYPE,
    SOCK_CLOEXEC,
    SOCK_DGRAM,
    SOCK_MAX,
    SOCK_MIN_RCVBUF,
    SOCK_MIN_SNDBUF,
    SOCK_NONBLOCK,
    SOCK_RAW,
    SOCK_SEQPACKET,
    SOCK_STREAM,
    SOCK_TYPE_MASK,
    SOCKADDR_STORAGE_SIZE,
    SOL_SOCKET,
    SYSCTL_RMEM_MAX,
    SYSCTL_WMEM_MAX,
    UCRED,
)

_INT = struct.Struct("<i")
INT_MAX = 0x7FFFFFFF
HZ = 250  # Debian's CONFIG_HZ: socket timeouts are kept in jiffies of 4 ms
MAX_SCHEDULE_TIMEOUT = 0x7FFFFFFFFFFFFFFF  # LONG_MAX jiffies: for ever
#: The SOL_SOCKET options that are a stored integer and nothing more here (no network to act on).
PLAIN_OPTIONS = frozenset({SO_DEBUG, SO_REUSEADDR, SO_DONTROUTE, SO_BROADCAST, SO_KEEPALIVE, SO_OOBINLINE,
                           SO_REUSEPORT, SO_NO_CHECK})
# -- shared by the socket calls --


def s32(value: int) -> int:
    return ((value & 0xFFFFFFFF) ^ 0x80000000) - 0x80000000


def socket_file(t: Task, fd: int) -> tuple[OpenFile, UnixSocket]:
    """sockfd_lookup_light: EBADF for no descriptor (or an O_PATH one), ENOTSOCK for one that is not a socket."""
    f = t.files.get(s32(fd))
    if f.flags & O_PATH:
        raise Errno(EBADF)  # fdget, not fdget_raw: an O_PATH descriptor is no socket to use
    if not isinstance(f.inode, UnixSocket):
        raise Errno(ENOTSOCK)
    return f, f.inode


def sockaddr_from_user(t: Task, addr: int, addrlen: int) -> bytes:
    """move_addr_to_kernel: at most a sockaddr_storage."""
    addrlen = s32(addrlen)
    if addrlen < 0 or addrlen > SOCKADDR_STORAGE_SIZE:
        raise Errno(EINVAL)
    return copy_from_user(t.mm, addr, addrlen) if addrlen else b""


def sockaddr_to_user(t: Task, raw: bytes, uaddr: int, ulen: int) -> None:
    """move_addr_to_user: as much of `raw` as the caller's length allows, then the whole length."""
    (room,) = _INT.unpack(copy_from_user(t.mm, ulen, 4))
    room = min(room, len(raw))
    if room < 0:
        raise Errno(EINVAL)
    if room:
        copy_to_user(t.mm, uaddr, raw[:room])
    copy_to_user(t.mm, ulen, _INT.pack(len(raw)))


def free_fd_below(t: Task, limit: int) -> None:
    """get_unused_fd_flags before a socket is made or accepted: EMFILE with no descriptor free."""
    fd = 0
    while fd in t.files.fds:
        fd += 1
    if fd >= limit:
        raise Errno(EMFILE)


def install(t: Task, sock: UnixSocket, flags: int) -> int:
    f = OpenFile(sock, O_RDWR | (flags & SOCK_NONBLOCK), socket_path(sock))
    sock.file = weakref.ref(f)
    try:
        return t.files.install(f, cloexec=bool(flags & SOCK_CLOEXEC), limit=t.nofile())
    except Errno:
        sock.close()
        raise


def new_socket(t: Task, family: int, kind: int, protocol: int) -> tuple[UnixSocket, int]:
    """__sock_create's checks and unix_create: (the socket, its open-file flags)."""
    family, kind, protocol = s32(family), s32(kind), s32(protocol)
    flags = kind & ~SOCK_TYPE_MASK
    if flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK):
        raise Errno(EINVAL)
    kind &= SOCK_TYPE_MASK
    if family < 0 or family >= AF_MAX:
        raise Errno(EAFNOSUPPORT)
    if kind < 0 or kind >= SOCK_MAX:
        raise Errno(EINVAL)
    create = FAMILIES.get(family)
    if create is None:
        raise Errno(EAFNOSUPPORT)  # no such family in the machine (netlink, packet, ...)
    return create(t, family, kind, protocol), flags


def unix_create(t: Task, family: int, kind: int, protocol: int) -> UnixSocket:
    if protocol and protocol != PF_UNIX:
        raise Errno(EPROTONOSUPPORT)
    if kind == SOCK_RAW:
        kind = SOCK_DGRAM  # unix_create treats a raw socket as a datagram one
    if kind not in (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET):
        raise Errno(ESOCKTNOSUPPORT)
    sock = UnixSocket(namespace(t), kind, t)
    sock.protocol = protocol
    return sock


#: The families' create (net_proto_family.create), by family.
FAMILIES: dict[int, Callable[[Task, int, int, int], UnixSocket]] = {
    AF_UNIX: unix_create,
    AF_INET: inet_create,
    AF_INET6: inet_create,
    AF_NETLINK: netlink_create,
    AF_PACKET: packet_create,
}


# -- the calls --


@syscall("sys_socket")
def sys_socket(t: Task, family: int, kind: int, protocol: int, *_: int) -> int:
    sock, flags = new_socket(t, family, kind, protocol)
    return install(t, sock, flags)


@syscall("sys_socketpair")
def sys_socketpair(t: Task, family: int, kind: int, protocol: int, usockvec: int, *_: int) -> int:
    a, flags = new_socket(t, family, kind, protocol)
    if a.family != AF_UNIX:
        a.close()
        raise Errno(EOPNOTSUPP)  # inet_create's sockets have no socketpair (sock_no_socketpair)
    try:
        b = UnixSocket(a.ns, a.type, t, a.net)
    except Errno:
        a.close()
        raise
    b.protocol = a.protocol
    a.peer, b.peer = b, a
    a.state = b.state = TCP_ESTABLISHED
    a.peercred = b.peercred = effective_cred(t)
    fd_a = install(t, a, flags)
    try:
        fd_b = install(t, b, flags)
    except Errno:
        t.files.close(fd_a)
        raise
    try:
        copy_to_user(t.mm, usockvec, struct.pack("<ii", fd_a, fd_b))
    except Errno:
        t.files.close(fd_a)
        t.files.close(fd_b)
        raise
    return 0



@syscall("sys_bind")
def sys_bind(t: Task, fd: int, umyaddr: int, addrlen: int, *_: int) -> int:
    sock = socket_file(t, fd)[1]
    raw = sockaddr_from_user(t, umyaddr, addrlen)
    landlock.check_socket(t.cred.landlock, sock.family, _is_tcp(sock), raw, LANDLOCK_ACCESS_NET_BIND_TCP)
    sock.bind_addr(t, raw)
    return 0


@syscall("sys_listen")
def sys_listen(t: Task, fd: int, backlog: int, *_: int) -> int:
    sock = socket_file(t, fd)[1]
    sock.listen(t, backlog)
    return 0


def do_accept4(t: Task, fd: int, upeer_sockaddr: int, upeer_addrlen: int, flags: int) -> int:
    flags &= 0xFFFFFFFF
    if flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK):
        raise Errno(EINVAL)
    f, sock = socket_file(t, fd)
    free_fd_below(t, t.nofile())
    accepted = sock.accept(t, f)
    if upeer_sockaddr:
        try:
            sockaddr_to_user(t, accepted.getname(peer=True), upeer_sockaddr, upeer_addrlen)
        except Errno:
            accepted.close()  # as do_accept's fput of the new file: the connection is lost
            raise
    return install(t, accepted, flags)


@syscall("sys_accept4")
def sys_accept4(t: Task, fd: int, upeer_sockaddr: int, upeer_addrlen: int, flags: int, *_: int) -> int:
    return do_accept4(t, fd, upeer_sockaddr, upeer_addrlen, flags)


@syscall("sys_accept")
def sys_accept(t: Task, fd: int, upeer_sockaddr: int, upeer_addrlen: int, *_: int) -> int:
    return do_accept4(t, fd, upeer_sockaddr, upeer_addrlen, 0)


@syscall("sys_connect")
def sys_connect(t: Task, fd: int, uservaddr: int, addrlen: int, *_: int) -> int:
    f, sock = socket_file(t, fd)
    raw = sockaddr_from_user(t, uservaddr, addrlen)
    landlock.check_socket(t.cred.landlock, sock.family, _is_tcp(sock), raw, LANDLOCK_ACCESS_NET_CONNECT_TCP)
    sock.connect_addr(t, f, raw)
    return 0


def _is_tcp(sock: UnixSocket) -> bool:
    """sk_is_tcp: an inet stream socket of IPPROTO_TCP (Landlock's port rules are for these alone)."""
    return sock.family in (AF_INET, AF_INET6) and sock.type == SOCK_STREAM and sock.protocol == IPPROTO_TCP


@syscall("sys_getsockname")
def sys_getsockname(t: Task, fd: int, usockaddr: int, usockaddr_len: int, *_: int) -> int:
    sock = socket_file(t, fd)[1]
    sockaddr_to_user(t, sock.getname(peer=False), usockaddr, usockaddr_len)
    return 0


@syscall("sys_getpeername")
def sys_getpeername(t: Task, fd: int, usockaddr: int, usockaddr_len: int, *_: int) -> int:
    sock = socket_file(t, fd)[1]
    sockaddr_to_user(t, sock.getname(peer=True), usockaddr, usockaddr_len)
    return 0


@syscall("sys_shutdown")
def sys_shutdown(t: Task, fd: int, how: int, *_: int) -> int:
    sock = socket_file(t, fd)[1]
    sock.do_shutdown(s32(how))
    return 0


# -- options --


def _timeval_option(t: Task, optval: int, optlen: int) -> int:
    """sock_set_timeout: a struct timeval; 0 waits for ever, a negative time not at all (-1 here)."""
    if optlen < OLD_TIMEVAL.size:
        raise Errno(EINVAL)
    sec, usec = OLD_TIMEVAL.unpack(copy_from_user(t.mm, optval, OLD_TIMEVAL.size))
    if usec < 0 or usec >= 1_000_000:
        raise Errno(EDOM)
    if sec < 0:
        return -1
    if sec >= MAX_SCHEDULE_TIMEOUT // HZ - 1:
        return 0  # more than jiffies hold: for ever
    jiffies = int(sec) * HZ - (-int(usec) // (1_000_000 // HZ))  # DIV_ROUND_UP: a started jiffy counts whole
    return jiffies * (1_000_000 // HZ)


@syscall("sys_setsockopt")
def sys_setsockopt(t: Task, fd: int, level: int, optname: int, optval: int, optlen: int, *_: int) -> int:
    sock = socket_file(t, fd)[1]
    level, optname, optlen = s32(level), s32(optname), s32(optlen)
    if optlen < 0:
        raise Errno(EINVAL)
    if level != SOL_SOCKET:
        sock.setsockopt_proto(t, level, optname, optval, optlen)
        return 0
    if optname in (SO_RCVTIMEO, SO_SNDTIMEO):
        timeout = _timeval_option(t, optval, optlen)
        if optname == SO_RCVTIMEO:
            sock.rcvtimeo = timeout
        else:
            sock.sndtimeo = timeout
        return 0
    if optname == SO_LINGER:
        if optlen < LINGER.size:
            raise Errno(EINVAL)
        onoff, linger = LINGER.unpack(copy_from_user(t.mm, optval, LINGER.size))
        sock.options[SO_LINGER] = 1 if onoff else 0
        if onoff:  # turned off, the time stays (sock_reset_flag alone)
            # (unsigned long)l_linger: a negative one is past what jiffies hold, for ever, read back /HZ as int
            sock.linger = linger if linger >= 0 else s32(MAX_SCHEDULE_TIMEOUT // HZ)
        return 0
    if optlen < 4:
        raise Errno(EINVAL)
    (value,) = _INT.unpack(copy_from_user(t.mm, optval, 4))
    root = t.cred.euid == 0
    if optname in (SO_SNDBUF, SO_SNDBUFFORCE):
        if optname == SO_SNDBUFFORCE and not root:
            raise Errno(EPERM)
        value = max(value, 0) if optname == SO_SNDBUFFORCE else min(value & 0xFFFFFFFF, SYSCTL_WMEM_MAX)
        sock.sndbuf = max(min(value, INT_MAX // 2) * 2, SOCK_MIN_SNDBUF)
        sock.touch()
    elif optname in (SO_RCVBUF, SO_RCVBUFFORCE):
        if optname == SO_RCVBUFFORCE and not root:
            raise Errno(EPERM)
        value = max(value, 0) if optname == SO_RCVBUFFORCE else min(value & 0xFFFFFFFF, SYSCTL_RMEM_MAX)
        sock.rcvbuf = max(min(value, INT_MAX // 2) * 2, SOCK_MIN_RCVBUF)
    elif optname == SO_PASSCRED:
        sock.passcred = bool(value)
    elif optname == SO_PRIORITY:
        if not 0 <= value <= 6 and not root:
            raise Errno(EPERM)
        sock.options[SO_PRIORITY] = value
    elif optname == SO_RCVLOWAT:
        sock.options[SO_RCVLOWAT] = (INT_MAX if value < 0 else value) or 1
    elif optname in PLAIN_OPTIONS:
        sock.options[optname] = 1 if value else 0
    else:
        raise Errno(ENOPROTOOPT)
    return 0


def _option(t: Task, sock: UnixSocket, optname: int) -> bytes:
    """sk_getsockopt's value for `optname`, as the bytes it copies out (before cutting to the caller's length)."""
    if optname == SO_PEERCRED:
        cred = sock.peercred or NO_PEER  # cred_to_ucred of no credentials: ids of -1
        return UCRED.pack(pid_vnr(t, cred.pid), cred.uid, cred.gid)  # the peer's pid in the caller's namespace
    if optname in (SO_RCVTIMEO, SO_SNDTIMEO):
        timeout = sock.rcvtimeo if optname == SO_RCVTIMEO else sock.sndtimeo
        return OLD_TIMEVAL.pack(*divmod(max(timeout, 0), 1_000_000))
    if optname == SO_LINGER:
        return LINGER.pack(sock.options.get(SO_LINGER, 0), sock.linger)
    values = {
        SO_TYPE: sock.type,
        SO_PROTOCOL: sock.protocol,
        SO_DOMAIN: sock.family,
        SO_ACCEPTCONN: int(sock.state == TCP_LISTEN),
        SO_SNDBUF: sock.sndbuf,
        SO_RCVBUF: sock.rcvbuf,
        SO_PASSCRED: int(sock.passcred),
        SO_PRIORITY: sock.options.get(SO_PRIORITY, 0),
        SO_RCVLOWAT: sock.options.get(SO_RCVLOWAT, 1),
    }
    if optname == SO_ERROR:
        return _INT.pack(sock.sock_error())
    if optname in values:
        return _INT.pack(values[optname])
    if optname in PLAIN_OPTIONS:
        return _INT.pack(sock.options.get(optname, 0))
    raise Errno(ENOPROTOOPT)


@syscall("sys_getsockopt")
def sys_getsockopt(t: Task, fd: int, level: int, optname: int, optval: int, optlen: int, *_: int) -> int:
    sock = socket_file(t, fd)[1]
    level, optname = s32(level), s32(optname)
    if level != SOL_SOCKET and not sock.PROTOCOL_OPTIONS:
        raise Errno(EOPNOTSUPP)  # a family without protocol options (Unix sockets' ops->getsockopt is NULL)
    (length,) = _INT.unpack(copy_from_user(t.mm, optlen, 4))
    if length < 0:
        raise Errno(EINVAL)
    value = _option(t, sock, optname) if level == SOL_SOCKET else sock.getsockopt_proto(t, level, optname, length)
    length = min(length, len(value))
    copy_to_user(t.mm, optval, value[:length])
    copy_to_user(t.mm, optlen, _INT.pack(length))
    return 0
