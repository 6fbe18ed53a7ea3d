"""--trace lines of the socket calls, as strace prints them (its net.c, sockaddr.c, msghdr.c).

A length the call both reads and writes shows as `[in => out]` when it
changed, so its value before the call is taken first (`snapshot`); a
structure the call filled shows only when it succeeded, else its address.
"""

from __future__ import annotations

import ipaddress
import struct
from collections.abc import Callable, Mapping

from syscalltbl.machine import uapi
from syscalltbl.machine.tools.formats import Reader, address, printflags, signed
from syscalltbl.machine.tools.strings import STRING_LIMIT, buffer, quote
from syscalltbl.machine.uapi import inet, socket
from syscalltbl.machine.uapi.socket import CMSGHDR, MSGHDR, UCRED, cmsg_align

#: The values of the int lengths a call will overwrite, read before it runs.
Snapshot = tuple[int | None, ...]
SocketArguments = Callable[[Reader, tuple[int, ...], int, Snapshot], str]

FAMILIES = {socket.AF_UNSPEC: "AF_UNSPEC", socket.AF_UNIX: "AF_UNIX", socket.AF_INET: "AF_INET",
            socket.AF_INET6: "AF_INET6", socket.AF_NETLINK: "AF_NETLINK", socket.AF_PACKET: "AF_PACKET"}
TYPES = {v: n for n, v in uapi.constants(socket, "SOCK_") if n not in ("SOCK_MAX", "SOCK_TYPE_MASK", "SOCK_CLOEXEC",
                                                                      "SOCK_NONBLOCK", "SOCK_MIN_SNDBUF",
                                                                      "SOCK_MIN_RCVBUF")}
SOCK_FLAGS = (("SOCK_CLOEXEC", socket.SOCK_CLOEXEC), ("SOCK_NONBLOCK", socket.SOCK_NONBLOCK))
MSG_FLAGS = tuple((n, v) for n, v in uapi.constants(socket, "MSG_"))
SHUT = {socket.SHUT_RD: "SHUT_RD", socket.SHUT_WR: "SHUT_WR", socket.SHUT_RDWR: "SHUT_RDWR"}
SO_NAMES = {v: ("SO_RCVTIMEO_OLD" if n == "SO_RCVTIMEO" else "SO_SNDTIMEO_OLD" if n == "SO_SNDTIMEO" else n)
            for n, v in uapi.constants(socket, "SO_") if n != "SOL_SOCKET"}
LEVELS = {socket.SOL_SOCKET: "SOL_SOCKET", 0: "SOL_IP", 6: "SOL_TCP", 17: "SOL_UDP", 41: "SOL_IPV6"}
IPPROTOS = {v: n for n, v in uapi.constants(inet, "IPPROTO_") if v}  # IPPROTO_IP (0) is shown as 0
#: The protocol levels' option names, as strace prints them.
PROTOCOL_OPTIONS: Mapping[int, Mapping[int, str]] = {
    inet.IPPROTO_IP: {v: n for n, v in uapi.constants(inet, "IP_") if n.startswith("IP_") and
                      not n.startswith(("IP_LOCAL", "IP_DEFAULT", "IP_UNPRIVILEGED"))},
    inet.IPPROTO_TCP: {v: n for n, v in uapi.constants(inet, "TCP_") if n.startswith("TCP_") and
                       not n.endswith("_DEFAULT") and "MSS" not in n and n not in
                       ("TCP_SYN_SENT", "TCP_CLOSE_WAIT", "TCP_FIN_TIMEOUT", "TCP_WMEM_DEFAULT")},
    inet.IPPROTO_IPV6: {v: n for n, v in uapi.constants(inet, "IPV6_")},
    inet.IPPROTO_UDP: {inet.UDP_CORK: "UDP_CORK"},
}
SCM = {socket.SCM_RIGHTS: "SCM_RIGHTS", socket.SCM_CREDENTIALS: "SCM_CREDENTIALS"}
_INT = struct.Struct("<i")
CMSGS_SHOWN = 1024  # strace prints a control buffer up to its size; a guard against a huge one


def _int_at(read: Reader, addr: int) -> int | None:
    data = read(addr, 4) if addr else None
    return None if data is None else _INT.unpack(data)[0]


def _fd(value: int) -> str:
    return str(signed(value, 32))


def _named(names: Mapping[int, str], value: int, unknown: str) -> str:
    return names.get(value) or f"{value:#x} /* {unknown} */"


def sockaddr(read: Reader, addr: int, length: int) -> str:
    """print_sockaddr: {sa_family=AF_UNIX, sun_path="..."}, sun_path=@"..." for an abstract name."""
    if not addr:
        return "NULL"
    if length < 2 or length > socket.SOCKADDR_STORAGE_SIZE:
        return address(addr)
    data = read(addr, length)
    if data is None:
        return address(addr)
    family = int.from_bytes(data[:2], "little")
    shown = f"sa_family={_named(FAMILIES, family, 'AF_???')}"
    rest = data[2:]
    if family == socket.AF_UNIX:
        if rest[:1] == b"\0":
            shown += f", sun_path=@{quote(rest[1:], 108)}"
        elif rest:
            path = rest.split(b"\0")[0]
            shown += f", sun_path={quote(path, 108)}"
    elif family == socket.AF_INET and len(rest) >= 6:
        port = int.from_bytes(rest[:2], "big")
        shown += f', sin_port=htons({port}), sin_addr=inet_addr("{".".join(str(b) for b in rest[2:6])}")'
    elif family == socket.AF_INET6 and len(rest) >= 22:
        port, flowinfo = int.from_bytes(rest[:2], "big"), int.from_bytes(rest[2:6], "big")
        shown += (f", sin6_port=htons({port}), sin6_flowinfo=htonl({flowinfo}), "
                  f'inet_pton(AF_INET6, "{_inet6(rest[6:22])}", &sin6_addr)')
        if len(rest) >= 26:
            shown += f", sin6_scope_id={int.from_bytes(rest[22:26], 'little')}"
    elif rest:
        shown += f", sa_data={quote(rest, 108)}"
    return "{" + shown + "}"


def _length(before: int | None, after: int | None, ret: int) -> str:
    if after is None:
        return "NULL" if before is None else "?"
    if ret >= 0 and before is not None and before != after:
        return f"[{before} => {after}]"
    return f"[{after}]"


def _out_addr(read: Reader, addr: int, len_ptr: int, ret: int, before: int | None) -> str:
    """An address the call fills in, and its in/out length."""
    if not len_ptr:
        return f"{address(addr) if addr else 'NULL'}, NULL"
    after = _int_at(read, len_ptr)
    if ret < 0 or after is None or not after:
        shown = address(addr) if addr else "NULL"
    else:
        shown = sockaddr(read, addr, min(after, before if before is not None else after))
    return f"{shown}, {_length(before, after, ret) if after is not None else address(len_ptr)}"


def _type(value: int) -> str:
    if not value:
        return "0"
    kind, flags = value & socket.SOCK_TYPE_MASK, value & ~socket.SOCK_TYPE_MASK
    names = [_named(TYPES, kind, "SOCK_???")] if kind in TYPES else [f"{kind:#x} /* SOCK_??? */"]
    for name, bit in SOCK_FLAGS:
        if flags & bit:
            names.append(name)
            flags &= ~bit
    if flags:
        names.append(f"{flags:#x} /* SOCK_??? */")
    return "|".join(names)


def _msg_flags(value: int) -> str:
    return printflags(value & 0xFFFFFFFF, MSG_FLAGS, "MSG_???")


def socket_arguments(read: Reader, args: tuple[int, ...], ret: int, _snap: Snapshot) -> str:
    family, kind, protocol = (signed(a, 32) for a in args[:3])
    shown = FAMILIES.get(family) or f"{family:#x} /* AF_??? */"
    if family in (socket.AF_INET, socket.AF_INET6) and protocol in IPPROTOS:
        return f"{shown}, {_type(kind & 0xFFFFFFFF)}, {IPPROTOS[protocol]}"
    return f"{shown}, {_type(kind & 0xFFFFFFFF)}, {protocol}"


def socketpair_arguments(read: Reader, args: tuple[int, ...], ret: int, snap: Snapshot) -> str:
    fds = read(args[3], 8) if ret == 0 else None
    shown = "[{}, {}]".format(*struct.unpack("<ii", fds)) if fds else address(args[3])
    return f"{socket_arguments(read, args, ret, snap)}, {shown}"


def sockaddr_in_arguments(read: Reader, args: tuple[int, ...], _ret: int, _snap: Snapshot) -> str:
    """bind and connect: the address given and its length."""
    return f"{_fd(args[0])}, {sockaddr(read, args[1], signed(args[2], 32))}, {signed(args[2], 32)}"


def listen_arguments(read: Reader, args: tuple[int, ...], _ret: int, _snap: Snapshot) -> str:
    return f"{_fd(args[0])}, {signed(args[1], 32)}"


def getname_arguments(read: Reader, args: tuple[int, ...], ret: int, snap: Snapshot) -> str:
    """getsockname, getpeername, accept: the address filled in and `[in => out]`."""
    return f"{_fd(args[0])}, {_out_addr(read, args[1], args[2], ret, snap[0])}"


def accept4_arguments(read: Reader, args: tuple[int, ...], ret: int, snap: Snapshot) -> str:
    return f"{getname_arguments(read, args, ret, snap)}, {printflags(args[3] & 0xFFFFFFFF, SOCK_FLAGS, 'SOCK_???')}"


def sendto_arguments(read: Reader, args: tuple[int, ...], _ret: int, _snap: Snapshot) -> str:
    fd, buf, length, flags, addr, addrlen = args
    return (f"{_fd(fd)}, {buffer(read, buf, length)}, {length}, {_msg_flags(flags)}, "
            f"{sockaddr(read, addr, signed(addrlen, 32))}, {signed(addrlen, 32)}")


def recvfrom_arguments(read: Reader, args: tuple[int, ...], ret: int, snap: Snapshot) -> str:
    fd, buf, size, flags, addr, addrlen = args
    data = buffer(read, buf, min(ret, size)) if ret >= 0 else address(buf)
    return f"{_fd(fd)}, {data}, {size}, {_msg_flags(flags)}, {_out_addr(read, addr, addrlen, ret, snap[0])}"


def _cmsg(read: Reader, control: int, length: int) -> str:
    """msg_control as strace decodes it: each SOL_SOCKET message's data by type."""
    data = read(control, min(length, CMSGS_SHOWN)) if control and length else None
    if data is None:
        return address(control)
    shown = []
    at = 0
    while at + CMSGHDR.size <= len(data):
        cmsg_len, level, kind = CMSGHDR.unpack_from(data, at)
        fields = [f"cmsg_len={cmsg_len}", f"cmsg_level={_named(LEVELS, level, 'SOL_???')}"]
        fields.append(f"cmsg_type={_named(SCM, kind, 'SCM_???') if level == socket.SOL_SOCKET else hex(kind)}")
        payload = data[at + CMSGHDR.size : at + min(cmsg_len, len(data) - at)]
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS and cmsg_len >= CMSGHDR.size:
            fds = [str(v) for (v,) in struct.iter_unpack("<i", payload[: len(payload) // 4 * 4])]
            more = ", ..." if len(fds) > STRING_LIMIT else ""
            fields.append(f"cmsg_data=[{', '.join(fds[:STRING_LIMIT])}{more}]")
        elif level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and len(payload) == UCRED.size:
            pid, uid, gid = UCRED.unpack(payload)
            fields.append(f"cmsg_data={{pid={pid}, uid={uid}, gid={gid}}}")
        shown.append("{" + ", ".join(fields) + "}")
        if cmsg_len < CMSGHDR.size:
            break
        at += cmsg_align(cmsg_len)
    return "[" + ", ".join(shown) + "]"


def _iov(read: Reader, iov: int, count: int, size: int | None) -> str:
    """msg_iov: each buffer, as much of it as was sent or received (`size`; None: all)."""
    if not iov:
        return "NULL"
    shown = []
    left = size
    for i in range(min(count, 4)):
        raw = read(iov + 16 * i, 16)
        if raw is None:
            return address(iov)
        base, length = struct.unpack("<QQ", raw)
        take = length if left is None else max(0, min(length, left))
        if left is not None:
            left -= take
        data = read(base, min(take, STRING_LIMIT + 1)) if base and take else b""
        shown.append(f"{{iov_base={quote(data or b'') if data is not None else address(base)}, iov_len={length}}}")
    return "[" + ", ".join(shown) + (", ..." if count > 4 else "") + "]"


def _msghdr(read: Reader, msg: int, ret: int, *, sent: bool) -> str:
    raw = read(msg, MSGHDR.size) if msg else None
    if raw is None or (not sent and ret < 0):
        return address(msg) if msg else "NULL"
    name, namelen, iov, iovlen, control, controllen, flags = MSGHDR.unpack(raw)
    shown_name = sockaddr(read, name, namelen) if name and namelen else address(name) if name else "NULL"
    fields = [f"msg_name={shown_name}", f"msg_namelen={namelen}",
              f"msg_iov={_iov(read, iov, iovlen, None if sent else ret)}", f"msg_iovlen={iovlen}"]
    if controllen:
        fields.append(f"msg_control={_cmsg(read, control, controllen)}")
    fields += [f"msg_controllen={controllen}", f"msg_flags={_msg_flags(flags)}"]
    return "{" + ", ".join(fields) + "}"


def sendmsg_arguments(read: Reader, args: tuple[int, ...], ret: int, _snap: Snapshot) -> str:
    return f"{_fd(args[0])}, {_msghdr(read, args[1], ret, sent=True)}, {_msg_flags(args[2])}"


def recvmsg_arguments(read: Reader, args: tuple[int, ...], ret: int, _snap: Snapshot) -> str:
    return f"{_fd(args[0])}, {_msghdr(read, args[1], ret, sent=False)}, {_msg_flags(args[2])}"


def shutdown_arguments(read: Reader, args: tuple[int, ...], _ret: int, _snap: Snapshot) -> str:
    how = signed(args[1], 32)
    return f"{_fd(args[0])}, {SHUT.get(how) or f'{how:#x} /* SHUT_??? */'}"


def _inet6(raw: bytes) -> str:
    """inet_ntop(AF_INET6): a v4-mapped address ends in dotted decimal."""
    addr = ipaddress.IPv6Address(raw)
    return f"::ffff:{addr.ipv4_mapped}" if addr.ipv4_mapped is not None else str(addr)


def _optname(level: int, optname: int) -> str:
    if level == socket.SOL_SOCKET:
        return _named(SO_NAMES, optname, "SO_???")
    names = PROTOCOL_OPTIONS.get(level)
    if names is not None:
        return _named(names, optname, f"{LEVELS[level].replace('SOL_', '')}_???")
    return str(optname)


def _optval(read: Reader, level: int, optname: int, addr: int, length: int, *, got: bool = False) -> str:
    """An option's value: by its type when strace knows it; an int of another size as its bytes when the call
    returned it (getsockopt), as its address when it was given (setsockopt)."""
    if length <= 0 or not addr:
        return address(addr) if addr else "NULL"
    if level == socket.SOL_SOCKET and optname == socket.SO_PEERCRED and length >= UCRED.size:
        data = read(addr, UCRED.size)
        if data is not None:
            pid, uid, gid = UCRED.unpack(data)
            return f"{{pid={pid}, uid={uid}, gid={gid}}}"
    if level == socket.SOL_SOCKET and optname == socket.SO_LINGER and length >= 8:
        data = read(addr, 8)
        if data is not None:
            onoff, linger = struct.unpack("<ii", data)
            return f"{{l_onoff={onoff}, l_linger={linger}}}"
    if level in PROTOCOL_OPTIONS and length == 4 and optname in PROTOCOL_OPTIONS[level]:
        value = _int_at(read, addr)
        return f"[{value}]" if value is not None else address(addr)
    if optname in (socket.SO_RCVTIMEO, socket.SO_SNDTIMEO) or level != socket.SOL_SOCKET:
        return buffer(read, addr, length)
    if length != 4:
        return buffer(read, addr, length) if got else address(addr)
    value = _int_at(read, addr)
    return f"[{value}]" if value is not None else address(addr)


def setsockopt_arguments(read: Reader, args: tuple[int, ...], ret: int, _snap: Snapshot) -> str:
    fd, level, optname, optval, optlen = args[:5]
    level, optname, length = signed(level, 32), signed(optname, 32), signed(optlen, 32)
    shown = _optval(read, level, optname, optval, length)
    return f"{_fd(fd)}, {_named(LEVELS, level, 'SOL_???')}, {_optname(level, optname)}, {shown}, {length}"


def getsockopt_arguments(read: Reader, args: tuple[int, ...], ret: int, snap: Snapshot) -> str:
    fd, level, optname, optval, optlen = args[:5]
    level, optname = signed(level, 32), signed(optname, 32)
    after = _int_at(read, optlen)
    ok = ret >= 0 and after is not None
    shown = _optval(read, level, optname, optval, after or 0, got=True) if ok else address(optval)
    length = f"[{after}]" if after is not None else address(optlen)
    if ret >= 0 and after is not None and snap[0] is not None and snap[0] != after and shown.startswith("["):
        length = f"[{snap[0]} => {after}]"
    return f"{_fd(fd)}, {_named(LEVELS, level, 'SOL_???')}, {_optname(level, optname)}, {shown}, {length}"


SOCKET_ARGUMENTS: Mapping[str, SocketArguments] = {
    "sys_socket": socket_arguments,
    "sys_socketpair": socketpair_arguments,
    "sys_bind": sockaddr_in_arguments,
    "sys_connect": sockaddr_in_arguments,
    "sys_listen": listen_arguments,
    "sys_accept": getname_arguments,
    "sys_accept4": accept4_arguments,
    "sys_getsockname": getname_arguments,
    "sys_getpeername": getname_arguments,
    "sys_sendto": sendto_arguments,
    "sys_recvfrom": recvfrom_arguments,
    "sys_sendmsg": sendmsg_arguments,
    "sys_recvmsg": recvmsg_arguments,
    "sys_shutdown": shutdown_arguments,
    "sys_setsockopt": setsockopt_arguments,
    "sys_getsockopt": getsockopt_arguments,
}

#: Which argument of each call points at a length the call overwrites.
_LENGTH_ARGUMENT = {"sys_accept": 2, "sys_accept4": 2, "sys_getsockname": 2, "sys_getpeername": 2,
                    "sys_recvfrom": 5, "sys_getsockopt": 4}


def snapshot(entry_point: str, read: Reader, args: tuple[int, ...]) -> Snapshot:
    """What a socket call's in/out lengths hold before it runs."""
    at = _LENGTH_ARGUMENT.get(entry_point)
    return (_int_at(read, args[at]),) if at is not None else ()
