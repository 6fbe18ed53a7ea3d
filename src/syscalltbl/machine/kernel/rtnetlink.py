"""NETLINK_ROUTE's kernel side (net/core/rtnetlink.c, net/ipv4/devinet.c, net/ipv6/addrconf.c): lo's link
and addresses.

The messages a request holds are taken in turn (netlink_rcv_skb): each
answered by its handler, an error or a requested ACK as an NLMSG_ERROR
(netlink_ack), a dump as NLM_F_MULTI messages and NLMSG_DONE. What the
machine has to show is lo: RTM_GETLINK (one, or a dump), RTM_NEWLINK and
RTM_SETLINK changing its flags (`ip link set lo up/down`), RTM_GETADDR's
dump of 127.0.0.1/8 and ::1. Other message types are EOPNOTSUPP, as for
a kernel without the handler; a changed link is told to RTNLGRP_LINK.
"""

from __future__ import annotations

import struct
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.inet import inet_namespace
from syscalltbl.machine.kernel.netdev import LO_INDEX, LO_NAME, Link, NetDevices
from syscalltbl.machine.kernel.netlink import NetlinkSocket
from syscalltbl.machine.kernel.netns import InetNamespace
from syscalltbl.machine.kernel.userns import owner_of
from syscalltbl.machine.uapi.capability import CAP_NET_ADMIN
from syscalltbl.machine.uapi.errno import EEXIST, EINVAL, ENODEV, EOPNOTSUPP, EPERM, Errno
from syscalltbl.machine.uapi.inet import IN6ADDR_LOOPBACK, INADDR_LOOPBACK
from syscalltbl.machine.uapi.netlink import (
    ARPHRD_LOOPBACK,
    IF_OPER_DOWN,
    IF_OPER_UNKNOWN,
    IFA_ADDRESS,
    IFA_CACHEINFO,
    IFA_CACHEINFO_STRUCT,
    IFA_F_PERMANENT,
    IFA_FLAGS,
    IFA_LABEL,
    IFA_LOCAL,
    IFADDRMSG,
    IFINFOMSG,
    IFLA_ADDRESS,
    IFLA_BROADCAST,
    IFLA_CARRIER,
    IFLA_EXT_MASK,
    IFLA_GROUP,
    IFLA_IFNAME,
    IFLA_LINKMODE,
    IFLA_MAX_MTU,
    IFLA_MIN_MTU,
    IFLA_MTU,
    IFLA_NUM_RX_QUEUES,
    IFLA_NUM_TX_QUEUES,
    IFLA_OPERSTATE,
    IFLA_PROMISCUITY,
    IFLA_QDISC,
    IFLA_TXQLEN,
    INFINITY_LIFE_TIME,
    NETLINK_CAP_ACK,
    NETLINK_GET_STRICT_CHK,
    NLA_TYPE_MASK,
    NLATTR,
    NLM_F_ACK,
    NLM_F_CAPPED,
    NLM_F_CREATE,
    NLM_F_DUMP,
    NLM_F_DUMP_FILTERED,
    NLM_F_EXCL,
    NLM_F_MULTI,
    NLM_F_REQUEST,
    NLMSG_DONE,
    NLMSG_ERROR,
    NLMSG_MIN_TYPE,
    NLMSGHDR,
    RT_SCOPE_HOST,
    RTM_BASE,
    RTM_DELLINK,
    RTM_GETADDR,
    RTM_GETLINK,
    RTM_MAX,
    RTM_NEWLINK,
    RTM_SETLINK,
    RTNLGRP_LINK,
    RTNLGRP_MAX,
)
from syscalltbl.machine.uapi.socket import AF_INET, AF_INET6, AF_UNSPEC

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.af_unix import UnixNamespace
    from syscalltbl.machine.kernel.process import Task

_INT = struct.Struct("<i")
LO_TXQLEN = 1000
TUN_TXQLEN = 500  # TUN_READQ_SIZE
ARPHRD_ETHER = 1
IFAPROT_KERNEL_LO = 1
IFA_PROTO = 11
#: The attributes a strict (NETLINK_GET_STRICT_CHK) RTM_GETLINK may carry (rtnl_valid_getlink_req).
GETLINK_STRICT_ATTRS = frozenset({IFLA_IFNAME, IFLA_EXT_MASK, 53, 46})  # IFLA_ALT_IFNAME, IFLA_TARGET_NETNSID
LINK_DUMP_STRICT_ATTRS = frozenset({IFLA_EXT_MASK, 46, 10, 18})  # IFLA_TARGET_NETNSID, IFLA_MASTER, IFLA_LINKINFO


def align4(n: int) -> int:
    return (n + 3) & ~3


def attr(kind: int, payload: bytes) -> bytes:
    """One nlattr, padded to 4 bytes."""
    raw = NLATTR.pack(NLATTR.size + len(payload), kind) + payload
    return raw.ljust(align4(len(raw)), b"\0")


def u32(kind: int, value: int) -> bytes:
    return attr(kind, value.to_bytes(4, "little"))


def message(kind: int, flags: int, seq: int, portid: int, body: bytes) -> bytes:
    raw = NLMSGHDR.pack(NLMSGHDR.size + len(body), kind, flags, seq, portid) + body
    return raw.ljust(align4(len(raw)), b"\0")


def parse_attrs(raw: bytes) -> dict[int, bytes]:
    """nla_parse, leniently: each attribute's payload by its type (the last of a kind wins); a malformed
    tail ends the list (the deprecated parse's tolerance)."""
    attrs: dict[int, bytes] = {}
    at = 0
    while at + NLATTR.size <= len(raw):
        length, kind = NLATTR.unpack_from(raw, at)
        if length < NLATTR.size or at + length > len(raw):
            break
        attrs[kind & NLA_TYPE_MASK] = raw[at + NLATTR.size : at + length]
        at += align4(length)
    return attrs


def attr_string(payload: bytes) -> bytes:
    return payload.split(b"\0", 1)[0]


# -- the link --


def link_message(devices: NetDevices, kind: int, flags: int, seq: int, portid: int, change: int = 0) -> bytes:
    """rtnl_fill_ifinfo for lo: its header and the attributes `ip link` shows."""
    up = devices.lo_up
    body = IFINFOMSG.pack(AF_UNSPEC, ARPHRD_LOOPBACK, LO_INDEX, devices.lo_reported_flags(), change)
    body += attr(IFLA_IFNAME, LO_NAME + b"\0")
    body += u32(IFLA_TXQLEN, LO_TXQLEN)
    body += attr(IFLA_OPERSTATE, bytes([IF_OPER_UNKNOWN if up else IF_OPER_DOWN]))
    body += attr(IFLA_LINKMODE, b"\0")
    body += u32(IFLA_MTU, devices.lo_mtu)
    body += u32(IFLA_MIN_MTU, 0)
    body += u32(IFLA_MAX_MTU, 0)
    body += u32(IFLA_GROUP, 0)
    body += u32(IFLA_PROMISCUITY, 0)
    body += u32(IFLA_NUM_TX_QUEUES, 1)
    body += u32(IFLA_NUM_RX_QUEUES, 1)
    body += attr(IFLA_CARRIER, b"\1")
    body += attr(IFLA_QDISC, b"noqueue\0" if up else b"noop\0")
    body += attr(IFLA_ADDRESS, bytes(6))
    body += attr(IFLA_BROADCAST, bytes(6))
    return message(kind, flags, seq, portid, body)


def other_link_message(link: Link, kind: int, flags: int, seq: int, portid: int) -> bytes:
    """rtnl_fill_ifinfo for a TUN/TAP link (kernel/tun.py): no qdisc while down, a TAP's Ethernet address."""
    body = IFINFOMSG.pack(AF_UNSPEC, link.hatype, link.index, link.reported_flags(), 0)
    body += attr(IFLA_IFNAME, link.name + b"\0")
    body += u32(IFLA_TXQLEN, TUN_TXQLEN)
    body += attr(IFLA_OPERSTATE, bytes([IF_OPER_UNKNOWN if link.up else IF_OPER_DOWN]))
    body += attr(IFLA_LINKMODE, b"\0")
    body += u32(IFLA_MTU, link.mtu)
    body += u32(IFLA_MIN_MTU, 68)
    body += u32(IFLA_MAX_MTU, 65535)
    body += u32(IFLA_GROUP, 0)
    body += u32(IFLA_PROMISCUITY, 0)
    body += u32(IFLA_NUM_TX_QUEUES, 1)
    body += u32(IFLA_NUM_RX_QUEUES, 1)
    body += attr(IFLA_CARRIER, b"\1")
    body += attr(IFLA_QDISC, b"pfifo_fast\0" if link.up else b"noop\0")
    if link.hatype == ARPHRD_ETHER:
        mac = tap_address(link)
        body += attr(IFLA_ADDRESS, mac) + attr(IFLA_BROADCAST, b"\xff" * 6)
    return message(kind, flags, seq, portid, body)


def tap_address(link: Link) -> bytes:
    """eth_hw_addr_random: a locally administered unicast address, the same for the link's life."""
    return bytes([0x02, 0x54, 0x41, 0x50, (link.index >> 8) & 0xFF, link.index & 0xFF])


def find_link(header: bytes, attrs: dict[int, bytes], devices: NetDevices) -> Link | bool:
    """__dev_get_by_index, else by IFLA_IFNAME: True for lo, a Link for another, False for none (EINVAL when the
    request names nothing)."""
    _family, _type, index, _flags, _change = IFINFOMSG.unpack(header)
    if index > 0:
        return True if index == LO_INDEX else devices.links.get(index) or False
    if IFLA_IFNAME in attrs:
        name = attr_string(attrs[IFLA_IFNAME])
        return True if name == LO_NAME else devices.link_named(name) or False
    raise Errno(EINVAL)


def link_header(body: bytes) -> tuple[bytes, dict[int, bytes]]:
    """An ifinfomsg and its attributes; a shorter body than the header is EINVAL."""
    if len(body) < IFINFOMSG.size:
        raise Errno(EINVAL)
    return body[: IFINFOMSG.size], parse_attrs(body[IFINFOMSG.size :])


def get_link(ctx: Request) -> None:
    """rtnl_getlink: lo's RTM_NEWLINK to the asker, or ENODEV."""
    header, attrs = link_header(ctx.body)
    if ctx.strict:
        _family, kind, _index, flags, change = IFINFOMSG.unpack(header)
        if header[1] or kind or flags or change or set(attrs) - GETLINK_STRICT_ATTRS:
            raise Errno(EINVAL)
    found = find_link(header, attrs, ctx.devices)
    if found is False:
        raise Errno(ENODEV)
    if isinstance(found, Link):
        ctx.sock.reply(other_link_message(found, RTM_NEWLINK, 0, ctx.seq, ctx.sock.portid))
        return
    ctx.sock.reply(link_message(ctx.devices, RTM_NEWLINK, 0, ctx.seq, ctx.sock.portid))


def dump_links(ctx: Request) -> Iterator[bytes]:
    """rtnl_dump_ifinfo: every link, lo alone."""
    if ctx.strict:
        if len(ctx.body) < IFINFOMSG.size:
            raise Errno(EINVAL)
        header, attrs = link_header(ctx.body)
        _family, kind, index, flags, change = IFINFOMSG.unpack(header)
        if header[1] or kind or flags or change or index or set(attrs) - LINK_DUMP_STRICT_ATTRS:
            raise Errno(EINVAL)
    yield link_message(ctx.devices, RTM_NEWLINK, NLM_F_MULTI, ctx.seq, ctx.sock.portid)
    for link in sorted(ctx.devices.links.values(), key=lambda link: link.index):
        yield other_link_message(link, RTM_NEWLINK, NLM_F_MULTI, ctx.seq, ctx.sock.portid)


def set_link(ctx: Request) -> None:
    """rtnl_setlink and rtnl_newlink on lo (do_setlink): the flags as ifi_change selects; lo is no link
    made or deleted by netlink, and its other settings stay (EOPNOTSUPP)."""
    header, attrs = link_header(ctx.body)
    found: Link | bool
    try:
        found = find_link(header, attrs, ctx.devices)
    except Errno:
        if ctx.kind == RTM_NEWLINK:
            found = False
        else:
            raise
    if found is False:
        if ctx.kind == RTM_NEWLINK and ctx.flags & NLM_F_CREATE:
            raise Errno(EOPNOTSUPP)  # no link kind (IFLA_LINKINFO) can be made here
        raise Errno(ENODEV)
    if ctx.kind == RTM_NEWLINK and ctx.flags & NLM_F_EXCL:
        raise Errno(EEXIST)
    mtu: int | None = None
    name = LO_NAME if found is True else found.name if isinstance(found, Link) else b""
    for kind, payload in attrs.items():
        if kind == IFLA_IFNAME and attr_string(payload) == name:
            continue
        if kind == IFLA_MTU:
            if len(payload) < 4:
                raise Errno(EINVAL)
            mtu = int.from_bytes(payload[:4], "little")
            continue
        if kind in (IFLA_EXT_MASK, 0):
            continue
        raise Errno(EOPNOTSUPP)  # lo's name, queue, address, ... are fixed on the machine
    _family, _type, _index, flags, change = IFINFOMSG.unpack(header)
    if isinstance(found, Link):
        if flags or change:
            if change:
                flags = (flags & change) | (found.reported_flags() & ~change)
            found.change_flags(flags)
        if mtu is not None:
            found.set_mtu(mtu)
        return
    if flags or change:
        if change:  # rtnl_dev_combine_flags
            flags = (flags & change) | (ctx.devices.lo_reported_flags() & ~change)
        ctx.devices.change_lo_flags(flags)
    if mtu is not None:
        ctx.devices.set_lo_mtu(mtu)


def notify_link(inet: InetNamespace, old_flags: int) -> None:
    """rtmsg_ifinfo: lo's new state to the members of RTNLGRP_LINK."""
    devices = inet.devices
    change = old_flags ^ devices.lo_reported_flags()
    for member in inet.netlink.members(0, RTNLGRP_LINK):
        member.deliver(link_message(devices, RTM_NEWLINK, 0, 0, 0, change), 0, RTNLGRP_LINK, overrun=True)


# -- the addresses --


def cacheinfo() -> bytes:
    return attr(IFA_CACHEINFO, IFA_CACHEINFO_STRUCT.pack(INFINITY_LIFE_TIME, INFINITY_LIFE_TIME, 0, 0))


def addr4_message(flags: int, seq: int, portid: int) -> bytes:
    """inet_fill_ifaddr for 127.0.0.1/8 on lo."""
    body = IFADDRMSG.pack(AF_INET, 8, IFA_F_PERMANENT, RT_SCOPE_HOST, LO_INDEX)
    body += attr(IFA_ADDRESS, INADDR_LOOPBACK) + attr(IFA_LOCAL, INADDR_LOOPBACK)
    body += attr(IFA_LABEL, LO_NAME + b"\0") + u32(IFA_FLAGS, IFA_F_PERMANENT) + cacheinfo()
    return message(20, flags, seq, portid, body)  # RTM_NEWADDR


def addr6_message(flags: int, seq: int, portid: int) -> bytes:
    """inet6_fill_ifaddr for ::1/128 on lo."""
    body = IFADDRMSG.pack(AF_INET6, 128, IFA_F_PERMANENT, RT_SCOPE_HOST, LO_INDEX)
    body += attr(IFA_ADDRESS, IN6ADDR_LOOPBACK) + cacheinfo() + u32(IFA_FLAGS, IFA_F_PERMANENT)
    body += attr(IFA_PROTO, bytes([IFAPROT_KERNEL_LO]))
    return message(20, flags, seq, portid, body)  # RTM_NEWADDR


def dump_addrs(ctx: Request) -> Iterator[bytes]:
    """inet_dump_ifaddr and inet6_dump_ifaddr (both for AF_UNSPEC: rtnl_dump_all): lo's 127.0.0.1 once it was up
    (a new namespace's lo has none before), and its ::1 while it is up (addrconf_ifdown takes it away)."""
    index = 0
    if ctx.strict:
        if len(ctx.body) < IFADDRMSG.size:
            raise Errno(EINVAL)
        _family, prefixlen, flags, scope, index = IFADDRMSG.unpack_from(ctx.body)
        if prefixlen or flags or scope or set(parse_attrs(ctx.body[IFADDRMSG.size :])) - {10}:
            raise Errno(EINVAL)  # IFA_TARGET_NETNSID alone may come
        if index:
            ctx.answer_flags |= NLM_F_DUMP_FILTERED
    if index and index != LO_INDEX:
        return
    if ctx.family in (AF_UNSPEC, AF_INET) and ctx.devices.lo_v4:
        yield addr4_message(NLM_F_MULTI | ctx.answer_flags, ctx.seq, ctx.sock.portid)
    if ctx.family in (AF_UNSPEC, AF_INET6) and ctx.devices.lo_up:
        yield addr6_message(NLM_F_MULTI | ctx.answer_flags, ctx.seq, ctx.sock.portid)


# -- the dispatch --


class Request:
    """One request message being handled: its header's fields, its body, and who asked."""

    def __init__(self, sock: NetlinkSocket, t: Task, raw: bytes) -> None:
        _length, self.kind, self.flags, self.seq, _pid = NLMSGHDR.unpack_from(raw)
        self.sock, self.task = sock, t
        self.body = raw[NLMSGHDR.size :]
        self.family = self.body[0] if self.body else AF_UNSPEC
        self.strict = NETLINK_GET_STRICT_CHK in sock.flags
        self.answer_flags = 0
        self.devices = sock.devices  # the socket's namespace's, whoever sends on it


#: (message type, family) -> doit; (type, family) -> dumpit; AF_UNSPEC's serve every family without its own.
DOITS: dict[tuple[int, int], Callable[[Request], None]] = {
    (RTM_GETLINK, AF_UNSPEC): get_link,
    (RTM_NEWLINK, AF_UNSPEC): set_link,
    (RTM_SETLINK, AF_UNSPEC): set_link,
    (RTM_DELLINK, AF_UNSPEC): lambda ctx: set_link_delete(ctx),
}
DUMPITS: dict[tuple[int, int], Callable[[Request], Iterator[bytes]]] = {
    (RTM_GETLINK, AF_UNSPEC): dump_links,
    (RTM_GETADDR, AF_UNSPEC): dump_addrs,
    (RTM_GETADDR, AF_INET): dump_addrs,
    (RTM_GETADDR, AF_INET6): dump_addrs,
}


def set_link_delete(ctx: Request) -> None:
    """rtnl_dellink: lo is found but has no rtnl_link_ops to delete it with."""
    header, attrs = link_header(ctx.body)
    if find_link(header, attrs, ctx.devices) is False:
        raise Errno(ENODEV)
    raise Errno(EOPNOTSUPP)


def handle(ctx: Request) -> bool:
    """rtnetlink_rcv_msg: True when the request started a dump (answered by it, no ACK)."""
    if ctx.kind > RTM_MAX:
        raise Errno(EOPNOTSUPP)
    if len(ctx.body) < 1:
        return False  # shorter than a rtgenmsg: ignored
    if (ctx.kind - RTM_BASE) & 3 != 2 and not ctx.task.cred.ns_capable(owner_of(ctx.devices), CAP_NET_ADMIN):
        raise Errno(EPERM)
    if (ctx.kind - RTM_BASE) & 3 == 2 and ctx.flags & NLM_F_DUMP == NLM_F_DUMP:
        dumpit = DUMPITS.get((ctx.kind, ctx.family)) or DUMPITS.get((ctx.kind, AF_UNSPEC))
        if dumpit is None:
            raise Errno(EOPNOTSUPP)
        ctx.sock.start_dump(chunks(ctx, list(dumpit(ctx))))
        return True
    doit = DOITS.get((ctx.kind, ctx.family)) or DOITS.get((ctx.kind, AF_UNSPEC))
    if doit is None:
        raise Errno(EOPNOTSUPP)
    doit(ctx)
    return False


def chunks(ctx: Request, messages: list[bytes]) -> list[bytes]:
    """The dump's messages packed into datagrams of at most the socket's chunk size, then NLMSG_DONE alone."""
    limit = ctx.sock.dump_chunk_size()
    out: list[bytes] = []
    current = b""
    for m in messages:
        if current and len(current) + len(m) > limit:
            out.append(current)
            current = b""
        current += m
    if current:
        out.append(current)
    out.append(message(NLMSG_DONE, NLM_F_MULTI | ctx.answer_flags, ctx.seq, ctx.sock.portid, _INT.pack(0)))
    return out


def ack(sock: NetlinkSocket, request: bytes, err: int) -> None:
    """netlink_ack: NLMSG_ERROR with the error and the request, its header alone when it succeeded (or the
    socket asked NETLINK_CAP_ACK)."""
    _length, _kind, _flags, seq, _pid = NLMSGHDR.unpack_from(request)
    capped = not err or NETLINK_CAP_ACK in sock.flags
    echoed = request[: NLMSGHDR.size] if capped else request
    sock.reply(message(NLMSG_ERROR, NLM_F_CAPPED if capped else 0, seq, sock.portid, _INT.pack(err) + echoed))


def rtnetlink_rcv(sock: NetlinkSocket, t: Task, data: bytes) -> None:
    """netlink_rcv_skb: each message of the datagram in turn, until one is cut short."""
    at = 0
    while len(data) - at >= NLMSGHDR.size:
        length, kind, flags, _seq, _pid = NLMSGHDR.unpack_from(data, at)
        if length < NLMSGHDR.size or len(data) - at < length:
            return
        raw = data[at : at + length]
        err = 0
        dumped = False
        if flags & NLM_F_REQUEST and kind >= NLMSG_MIN_TYPE:
            try:
                dumped = handle(Request(sock, t, raw))
            except Errno as exc:
                err = -exc.errno
        if not dumped and (flags & NLM_F_ACK or err):
            ack(sock, raw, err)
        at += min(align4(length), len(data) - at)


def rtnetlink_create(ns: UnixNamespace, t: Task, kind: int) -> NetlinkSocket:
    """A NETLINK_ROUTE socket; the namespace's link changes are told to its RTNLGRP_LINK from now on."""
    inet = inet_namespace(t)
    devices = inet.devices
    if not devices.link_watchers:
        flags_before = [devices.lo_reported_flags()]

        net = weakref.ref(inet)  # the devices must not keep their namespace alive

        def changed() -> None:
            held = net()
            if held is not None:
                notify_link(held, flags_before[0])
            flags_before[0] = devices.lo_reported_flags()

        devices.link_watchers.append(changed)
    return NetlinkSocket(ns, t, kind, 0, inet.netlink, RTNLGRP_MAX, rtnetlink_rcv, devices)
