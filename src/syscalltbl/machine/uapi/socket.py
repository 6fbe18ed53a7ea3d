"""Socket numbers and layouts (include/linux/socket.h, include/uapi/asm-generic/socket.h, linux/net.h)."""

from __future__ import annotations

import struct
from typing import Final

from syscalltbl.machine.uapi.fcntl import O_CLOEXEC, O_NONBLOCK

# Address families (include/linux/socket.h); the machine has only AF_UNIX.
AF_UNSPEC: Final = 0
AF_UNIX: Final = 1
AF_INET: Final = 2
AF_INET6: Final = 10
AF_NETLINK: Final = 16
AF_PACKET: Final = 17
AF_MAX: Final = 46  # NPROTO: a family at or past it is EAFNOSUPPORT before anything else
PF_UNIX: Final = AF_UNIX

# Socket types (include/linux/net.h)
SOCK_STREAM: Final = 1
SOCK_DGRAM: Final = 2
SOCK_RAW: Final = 3
SOCK_RDM: Final = 4
SOCK_SEQPACKET: Final = 5
SOCK_DCCP: Final = 6
SOCK_PACKET: Final = 10
SOCK_MAX: Final = 11
SOCK_TYPE_MASK: Final = 0xF
SOCK_CLOEXEC: Final = O_CLOEXEC
SOCK_NONBLOCK: Final = O_NONBLOCK

# shutdown(2)'s how, and the sk_shutdown bits it sets (include/net/sock.h)
SHUT_RD: Final = 0
SHUT_WR: Final = 1
SHUT_RDWR: Final = 2
RCV_SHUTDOWN: Final = 1
SEND_SHUTDOWN: Final = 2
SHUTDOWN_MASK: Final = 3

# Message flags (include/linux/socket.h)
MSG_OOB: Final = 0x1
MSG_PEEK: Final = 0x2
MSG_DONTROUTE: Final = 0x4
MSG_CTRUNC: Final = 0x8
MSG_PROXY: Final = 0x10
MSG_TRUNC: Final = 0x20
MSG_DONTWAIT: Final = 0x40
MSG_EOR: Final = 0x80
MSG_WAITALL: Final = 0x100
MSG_FIN: Final = 0x200
MSG_SYN: Final = 0x400
MSG_CONFIRM: Final = 0x800
MSG_RST: Final = 0x1000
MSG_ERRQUEUE: Final = 0x2000
MSG_NOSIGNAL: Final = 0x4000
MSG_MORE: Final = 0x8000
MSG_WAITFORONE: Final = 0x10000
MSG_BATCH: Final = 0x40000
MSG_ZEROCOPY: Final = 0x4000000
MSG_FASTOPEN: Final = 0x20000000
MSG_CMSG_CLOEXEC: Final = 0x40000000

# Socket options (include/uapi/asm-generic/socket.h)
SOL_SOCKET: Final = 1
SO_DEBUG: Final = 1
SO_REUSEADDR: Final = 2
SO_TYPE: Final = 3
SO_ERROR: Final = 4
SO_DONTROUTE: Final = 5
SO_BROADCAST: Final = 6
SO_SNDBUF: Final = 7
SO_RCVBUF: Final = 8
SO_KEEPALIVE: Final = 9
SO_OOBINLINE: Final = 10
SO_NO_CHECK: Final = 11
SO_PRIORITY: Final = 12
SO_LINGER: Final = 13
SO_BSDCOMPAT: Final = 14
SO_REUSEPORT: Final = 15
SO_PASSCRED: Final = 16
SO_PEERCRED: Final = 17
SO_RCVLOWAT: Final = 18
SO_SNDLOWAT: Final = 19
SO_RCVTIMEO: Final = 20  # SO_RCVTIMEO_OLD: a struct __kernel_old_timeval
SO_SNDTIMEO: Final = 21
SO_ACCEPTCONN: Final = 30
SO_PEERSEC: Final = 31
SO_SNDBUFFORCE: Final = 32
SO_RCVBUFFORCE: Final = 33
SO_PASSSEC: Final = 34
SO_PROTOCOL: Final = 38
SO_DOMAIN: Final = 39

# Control messages (include/linux/socket.h)
SCM_RIGHTS: Final = 1
SCM_CREDENTIALS: Final = 2
SCM_MAX_FD: Final = 253  # include/net/scm.h: descriptors one message may carry

# Buffer sizes (net/core/sock.c, include/net/sock.h): the defaults of net.core.[rw]mem_default and _max
SYSCTL_WMEM_MAX: Final = 212992
SYSCTL_RMEM_MAX: Final = 212992
SOCK_MIN_SNDBUF: Final = 4608  # 2 * (2048 + sizeof(struct sk_buff)), rounded as 6.x has it
SOCK_MIN_RCVBUF: Final = 2304
SOMAXCONN: Final = 4096  # net.core.somaxconn's default: listen's backlog is cut to it

# Layouts (x86-64)
MSGHDR: Final = struct.Struct("<QI4xQQQQi4x")  # name, namelen, iov, iovlen, control, controllen, flags
MMSGHDR: Final = struct.Struct("<QI4xQQQQi4xI4x")  # a msghdr and msg_len
CMSGHDR: Final = struct.Struct("<Qii")  # cmsg_len, cmsg_level, cmsg_type
UCRED: Final = struct.Struct("<iII")  # pid, uid, gid
LINGER: Final = struct.Struct("<ii")
OLD_TIMEVAL: Final = struct.Struct("<qq")
SOCKADDR_STORAGE_SIZE: Final = 128


def cmsg_align(length: int) -> int:
    """CMSG_ALIGN: control messages are laid out on 8-byte boundaries."""
    return (length + 7) & ~7


def cmsg_len(payload: int) -> int:
    """CMSG_LEN: the header and `payload` bytes."""
    return CMSGHDR.size + payload


def cmsg_space(payload: int) -> int:
    """CMSG_SPACE: what a control message takes, padding included."""
    return CMSGHDR.size + cmsg_align(payload)
