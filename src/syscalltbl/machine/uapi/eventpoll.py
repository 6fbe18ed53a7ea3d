"""epoll's numbers and struct epoll_event (include/uapi/linux/eventpoll.h, fs/eventpoll.c)."""

from __future__ import annotations

import struct
from typing import Final

from syscalltbl.machine.uapi.fcntl import O_CLOEXEC

EPOLL_CLOEXEC: Final = O_CLOEXEC

EPOLL_CTL_ADD: Final = 1
EPOLL_CTL_DEL: Final = 2
EPOLL_CTL_MOD: Final = 3

EPOLLIN: Final = 0x001
EPOLLPRI: Final = 0x002
EPOLLOUT: Final = 0x004
EPOLLERR: Final = 0x008
EPOLLHUP: Final = 0x010
EPOLLRDNORM: Final = 0x040
EPOLLRDBAND: Final = 0x080
EPOLLWRNORM: Final = 0x100
EPOLLWRBAND: Final = 0x200
EPOLLMSG: Final = 0x400
EPOLLRDHUP: Final = 0x2000
EPOLLEXCLUSIVE: Final = 1 << 28
EPOLLWAKEUP: Final = 1 << 29
EPOLLONESHOT: Final = 1 << 30
EPOLLET: Final = 1 << 31

# fs/eventpoll.c
EP_PRIVATE_BITS: Final = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE
EPOLLEXCLUSIVE_OK_BITS: Final = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE
EP_MAX_NESTS: Final = 4  # how deep epoll instances may be nested in each other

#: struct epoll_event, packed on x86-64: __poll_t events, __u64 data.
EPOLL_EVENT: Final = struct.Struct("<IQ")
EP_MAX_EVENTS: Final = 0x7FFFFFFF // EPOLL_EVENT.size  # INT_MAX / sizeof(struct epoll_event)
