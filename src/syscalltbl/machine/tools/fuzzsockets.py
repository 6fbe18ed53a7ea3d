"""The fuzzer's well-formed socket calls: Unix sockets made, named, connected, and messages passed.

Random words almost never make a socket (a family of 1 and a type of 1, 2
or 5) nor a sockaddr_un, so about half of the socket calls are shaped here:
socket and socketpair of the three types, bind and connect to a few
filesystem and abstract names (or autobind), listen, accept4, sends and
receives of a few bytes, messages carrying descriptors (SCM_RIGHTS) and
credentials, options, shutdown. Most sends and receives are MSG_DONTWAIT;
one that blocks is ended by the fuzzer's interrupt as any other wait.
Their data lives in one page of the fuzzer's scratch area.
"""

from __future__ import annotations

import random
import struct

from syscalltbl.machine.kernel.mm import Mm
from syscalltbl.machine.uapi.socket import (
    AF_INET,
    AF_UNIX,
    CMSGHDR,
    MSG_CMSG_CLOEXEC,
    MSG_DONTWAIT,
    MSG_NOSIGNAL,
    MSG_PEEK,
    MSG_TRUNC,
    MSG_WAITALL,
    MSGHDR,
    SCM_CREDENTIALS,
    SCM_RIGHTS,
    SO_ERROR,
    SO_PASSCRED,
    SO_PEERCRED,
    SO_RCVBUF,
    SO_SNDBUF,
    SO_TYPE,
    SOCK_CLOEXEC,
    SOCK_DGRAM,
    SOCK_NONBLOCK,
    SOCK_SEQPACKET,
    SOCK_STREAM,
    SOL_SOCKET,
    UCRED,
    cmsg_len,
    cmsg_space,
)

PAGE = 4096
SOCKET_CALLS = frozenset({"socket", "socketpair", "bind", "connect", "listen", "accept", "accept4", "sendto",
                          "recvfrom", "sendmsg", "recvmsg", "shutdown", "getsockopt", "setsockopt", "getsockname",
                          "getpeername"})
#: The names sockets are bound and connected to: two in /fuzz, two abstract, and autobind's none.
NAMES = (b"/fuzz/s0", b"/fuzz/s1", b"\0f0", b"\0f1", b"")
TYPES = (SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET)
OPTIONS = (SO_TYPE, SO_ERROR, SO_SNDBUF, SO_RCVBUF, SO_PASSCRED, SO_PEERCRED)
_INT = struct.Struct("<i")
# Where in the socket page each thing is.
ADDR, LENGTH, MSG, IOV, CONTROL, DATA = 0, 0x100, 0x200, 0x300, 0x400, 0x800
CONTROL_ROOM = 0x200
DATA_ROOM = 0x800


class SocketShaper:
    """Arguments of the shaped socket calls, in the scratch page at `page`."""

    def __init__(self, rng: random.Random, page: int) -> None:
        self.rng = rng
        self.page = page

    def _type(self) -> int:
        rng = self.rng
        return rng.choice(TYPES) | rng.choice((0, SOCK_NONBLOCK, SOCK_CLOEXEC, SOCK_NONBLOCK | SOCK_CLOEXEC))

    def _fd(self, sockets: list[int], fds: list[int]) -> int:
        rng = self.rng
        if sockets and rng.randrange(8):
            return rng.choice(sockets)
        return rng.choice(fds) if fds else rng.randrange(8)

    def _name(self, mm: Mm) -> tuple[int, int]:
        """A sockaddr_un poked at ADDR, and its length."""
        name = self.rng.choice(NAMES)
        raw = AF_UNIX.to_bytes(2, "little") + name + (b"\0" if name[:1] not in (b"", b"\0") else b"")
        mm.poke(self.page + ADDR, raw)
        return self.page + ADDR, len(raw)

    def _length(self, mm: Mm, value: int) -> int:
        mm.poke(self.page + LENGTH, _INT.pack(value))
        return self.page + LENGTH

    def _flags(self) -> int:
        rng = self.rng
        flags = MSG_DONTWAIT if rng.randrange(4) else 0
        for bit in (MSG_PEEK, MSG_TRUNC, MSG_WAITALL, MSG_NOSIGNAL, MSG_CMSG_CLOEXEC):
            if not rng.randrange(6):
                flags |= bit
        return flags

    def _msghdr(self, mm: Mm, fds: list[int], pid: int, *, sending: bool) -> int:
        """A msghdr at MSG: one iovec of the data page, a name now and then, a control part when sending
        (descriptors, credentials) and room for one when receiving."""
        rng = self.rng
        name, namelen = self._name(mm) if sending and not rng.randrange(4) else (0, 0)
        size = rng.choice((0, 1, 16, DATA_ROOM))
        mm.poke(self.page + IOV, struct.pack("<QQ", self.page + DATA, size))
        control = b""
        if sending and rng.randrange(2):
            passed = [rng.choice(fds) for _ in range(rng.randrange(1, 4))] if fds else [0]
            payload = struct.pack(f"<{len(passed)}i", *passed)
            control += CMSGHDR.pack(cmsg_len(len(payload)), SOL_SOCKET, SCM_RIGHTS) + payload
            control += bytes(-len(control) % 8)
        if sending and not rng.randrange(4):
            control += CMSGHDR.pack(cmsg_len(UCRED.size), SOL_SOCKET, SCM_CREDENTIALS) + UCRED.pack(pid, 0, 0)
            control += bytes(cmsg_space(UCRED.size) - cmsg_len(UCRED.size))
        room = len(control) if sending else rng.choice((0, 24, CONTROL_ROOM))
        if control:
            mm.poke(self.page + CONTROL, control)
        mm.poke(self.page + MSG, MSGHDR.pack(name, namelen, self.page + IOV, 1, self.page + CONTROL if room else 0,
                                             room, 0))
        return self.page + MSG

    def shape(self, name: str, mm: Mm, sockets: list[int], fds: list[int], pid: int) -> list[int]:
        """Arguments for `name`, one of SOCKET_CALLS."""
        rng = self.rng
        fd = self._fd(sockets, fds)
        if name == "socket":
            return [AF_UNIX if rng.randrange(16) else AF_INET, self._type(), 0, 0, 0, 0]
        if name == "socketpair":
            return [AF_UNIX, self._type(), 0, self.page + LENGTH, 0, 0]
        if name in ("bind", "connect"):
            addr, length = self._name(mm)
            return [fd, addr, length, 0, 0, 0]
        if name == "listen":
            return [fd, rng.choice((0, 1, 5, 4096)), 0, 0, 0, 0]
        if name in ("accept", "accept4", "getsockname", "getpeername"):
            flags = rng.choice((0, SOCK_NONBLOCK, SOCK_CLOEXEC)) | (SOCK_NONBLOCK if rng.randrange(4) else 0)
            if rng.randrange(2):
                return [fd, 0, 0, flags, 0, 0]
            return [fd, self.page + ADDR, self._length(mm, 110), flags, 0, 0]
        if name == "sendto":
            addr, length = self._name(mm) if not rng.randrange(3) else (0, 0)
            return [fd, self.page + DATA, rng.choice((0, 1, 64, DATA_ROOM)), self._flags(), addr, length]
        if name == "recvfrom":
            with_addr = rng.randrange(2)
            addr = self.page + ADDR if with_addr else 0
            length = self._length(mm, 110) if with_addr else 0
            return [fd, self.page + DATA, rng.choice((0, 1, 64, DATA_ROOM)), self._flags(), addr, length]
        if name == "sendmsg":
            return [fd, self._msghdr(mm, fds, pid, sending=True), self._flags(), 0, 0, 0]
        if name == "recvmsg":
            return [fd, self._msghdr(mm, fds, pid, sending=False), self._flags(), 0, 0, 0]
        if name == "shutdown":
            return [fd, rng.randrange(3), 0, 0, 0, 0]
        option = rng.choice(OPTIONS)
        if name == "setsockopt":
            mm.poke(self.page + LENGTH + 8, _INT.pack(rng.choice((0, 1, 4096, 1 << 30))))
            return [fd, SOL_SOCKET, option, self.page + LENGTH + 8, 4, 0]
        return [fd, SOL_SOCKET, option, self.page + ADDR, self._length(mm, rng.choice((4, 12, 2))), 0]
