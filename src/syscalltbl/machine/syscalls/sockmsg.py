"""send, sendto, sendmsg, recv, recvfrom, recvmsg (net/socket.c, net/core/scm.c) on Unix sockets.

A message's control part carries SCM_RIGHTS (open files, installed in the
receiver) and SCM_CREDENTIALS (who sent it: checked as scm_check_creds does,
read back when the receiver has SO_PASSCRED).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

from syscalltbl.machine.kernel.af_unix import Payload, Ucred, drop_file
from syscalltbl.machine.kernel.pidns import find_vpid, pid_vnr, tgid_vnr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import access_ok, copy_from_user, copy_to_user, user_extent
from syscalltbl.machine.kernel.vfs import OpenFile
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.syscalls.socket import (
    INT_MAX,
    s32,
    sockaddr_from_user,
    sockaddr_to_user,
    socket_file,
)
from syscalltbl.machine.uapi.capability import CAP_SETGID, CAP_SETUID, CAP_SYS_ADMIN, NO_ID
from syscalltbl.machine.uapi.errno import EBADF, EFAULT, EINVAL, EMSGSIZE, ENOBUFS, EPERM, ESRCH, Errno
from syscalltbl.machine.uapi.misc import UIO_MAXIOV
from syscalltbl.machine.uapi.socket import (
    CMSGHDR,
    MSG_CMSG_CLOEXEC,
    MSG_CTRUNC,
    MSG_PEEK,
    MSG_TRUNC,
    MSGHDR,
    SCM_CREDENTIALS,
    SCM_MAX_FD,
    SCM_RIGHTS,
    SOCK_STREAM,
    SOCKADDR_STORAGE_SIZE,
    SOL_SOCKET,
    UCRED,
    cmsg_align,
    cmsg_len,
    cmsg_space,
)
from syscalltbl.machine.uapi.structs import IOVEC

OPTMEM_MAX = 131072  # net.core.optmem_max: the most control data sock_kmalloc gives a sendmsg
RECV_MAX = 1 << 20  # a receive copies no more than this at once (no queue holds more)
_INT = struct.Struct("<i")


@dataclass(slots=True)
class Control:
    """What a sendmsg's control messages asked for (struct scm_cookie)."""

    files: list[OpenFile] = field(default_factory=list)
    cred: Ucred | None = None


def _check_creds(t: Task, pid: int, uid: int, gid: int) -> Ucred:
    """scm_check_creds: a process may claim its own pid and its real, effective or saved ids; CAP_SYS_ADMIN
    any pid, CAP_SETUID any uid, CAP_SETGID any gid."""
    if uid == NO_ID or gid == NO_ID:
        raise Errno(EINVAL)  # !uid_valid || !gid_valid, before any permission
    c = t.cred
    pid_ok = pid == tgid_vnr(t) or c.capable(CAP_SYS_ADMIN)
    uid_ok = uid in (c.uid, c.euid, c.suid) or c.capable(CAP_SETUID)
    gid_ok = gid in (c.gid, c.egid, c.sgid) or c.capable(CAP_SETGID)
    if not (pid_ok and uid_ok and gid_ok):
        raise Errno(EPERM)
    # The pid is the caller's namespace's number; it travels as the global one (a struct pid).
    global_pid = find_vpid(t, pid)
    if global_pid != t.pid and global_pid not in {task.pid for task in t.machine.tasks.values()}:
        raise Errno(ESRCH)
    return Ucred(global_pid, uid, gid)


def parse_control(t: Task, control: bytes) -> Control:
    """__scm_send over each control message (for_each_cmsghdr with CMSG_OK)."""
    scm = Control()
    at = 0
    while at + CMSGHDR.size <= len(control):
        length, level, kind = CMSGHDR.unpack_from(control, at)
        if length < CMSGHDR.size or length > len(control) - at:
            raise Errno(EINVAL)
        if level == SOL_SOCKET:
            payload = control[at + CMSGHDR.size : at + length]
            if kind == SCM_RIGHTS:
                count = len(payload) // 4
                if count > SCM_MAX_FD or len(scm.files) + count > SCM_MAX_FD:
                    raise Errno(EINVAL)
                for (fd,) in struct.iter_unpack("<i", payload[: count * 4]):
                    entry = t.files.fds.get(fd)
                    if entry is None:
                        raise Errno(EBADF)
                    scm.files.append(entry[0])
            elif kind == SCM_CREDENTIALS:
                if length != cmsg_len(UCRED.size):
                    raise Errno(EINVAL)
                scm.cred = _check_creds(t, *UCRED.unpack(payload))
            else:
                raise Errno(EINVAL)
        at += cmsg_align(length)
    return scm


def gather(t: Task, vecs: list[tuple[int, int]], start: int, limit: int) -> bytes:
    """The bytes of `vecs` from `start`, at most `limit` of them, stopping at the first that cannot be read
    (EFAULT if none)."""
    out = bytearray()
    for base, size in vecs:
        if start >= size:
            start -= size
            continue
        base, size, start = base + start, size - start, 0
        want = min(size, limit - len(out))
        if want <= 0:
            break
        reach = user_extent(t.mm, base, want, write=False)
        out += copy_from_user(t.mm, base, reach) if reach else b""
        if reach < want:
            if not out:
                raise Errno(EFAULT)
            break
    return bytes(out)


def _iovecs(t: Task, iov: int, count: int) -> list[tuple[int, int]]:
    """import_iovec for a message: EMSGSIZE past UIO_MAXIOV, each buffer access_ok, the total cut to INT_MAX."""
    if count > UIO_MAXIOV:
        raise Errno(EMSGSIZE)
    raw = copy_from_user(t.mm, iov, IOVEC.size * count) if count else b""
    vecs = []
    total = 0
    for i in range(count):
        base, size = IOVEC.unpack_from(raw, i * IOVEC.size)
        if size >> 63:
            raise Errno(EINVAL)
        if not access_ok(base, size):
            raise Errno(EFAULT)
        size = min(size, INT_MAX - total)
        total += size
        vecs.append((base, size))
    return vecs


def do_send(t: Task, fd: int, vecs: list[tuple[int, int]], flags: int, to: bytes | None, scm: Control | None) -> int:
    f, sock = socket_file(t, fd)
    whole = sock.type != SOCK_STREAM  # a datagram is copied whole or not sent (EFAULT)

    def fetch(start: int, limit: int) -> bytes:
        data = gather(t, vecs, start, limit)
        if whole and len(data) < limit:
            raise Errno(EFAULT)
        return data

    control = scm or Control()
    return sock.send(t, f, Payload(sum(n for _, n in vecs), fetch), control.files, control.cred, flags, to)


@syscall("sys_sendto")
def sys_sendto(t: Task, fd: int, buff: int, length: int, flags: int, addr: int, addr_len: int) -> int:
    flags &= 0xFFFFFFFF
    length = min(length, INT_MAX)
    if not access_ok(buff, length):
        raise Errno(EFAULT)
    socket_file(t, fd)
    to = sockaddr_from_user(t, addr, addr_len) if addr and s32(addr_len) else None
    return do_send(t, fd, [(buff, length)], flags, to, None)


def do_sendmsg(t: Task, fd: int, msg: int, flags: int) -> int:
    flags &= 0xFFFFFFFF
    socket_file(t, fd)
    name, namelen, iov, iovlen, control, controllen, _ = MSGHDR.unpack(copy_from_user(t.mm, msg, MSGHDR.size))
    if not name:
        namelen = 0
    if s32(namelen) < 0:
        raise Errno(EINVAL)
    namelen = min(namelen, SOCKADDR_STORAGE_SIZE)
    to = sockaddr_from_user(t, name, namelen) if namelen else None
    vecs = _iovecs(t, iov, iovlen)
    if controllen > INT_MAX or controllen > OPTMEM_MAX:
        raise Errno(ENOBUFS)
    scm = parse_control(t, copy_from_user(t.mm, control, controllen)) if controllen else None
    return do_send(t, fd, vecs, flags, to, scm)


@syscall("sys_sendmsg")
def sys_sendmsg(t: Task, fd: int, msg: int, flags: int, *_: int) -> int:
    return do_sendmsg(t, fd, msg, flags)


# -- receiving --


@dataclass(slots=True)
class Received:
    data: bytes
    value: int  # what the call returns (a datagram's whole length with MSG_TRUNC)
    files: list[OpenFile]
    cred: Ucred | None
    addr: bytes
    truncated: bool


def do_recv(t: Task, fd: int, size: int, flags: int) -> Received:
    f, sock = socket_file(t, fd)
    if sock.type == SOCK_STREAM:
        data, files, cred, addr = sock.recv_stream(t, f, size, flags)
        return Received(data, len(data), files, cred, addr.raw if addr else b"", False)
    data, value, files, cred, addr, truncated = sock.recv_dgram(t, f, size, flags)
    return Received(data, value, files, cred, addr.raw if addr else b"", truncated)


def _receive_size(t: Task, vecs: list[tuple[int, int]]) -> int:
    """How much a receive may copy: what the buffers hold, up to the first page that cannot be written."""
    room = 0
    for base, size in vecs:
        want = min(size, RECV_MAX - room)
        if want <= 0:
            break
        reach = user_extent(t.mm, base, want, write=True)
        room += reach
        if reach < want:
            if not room:
                raise Errno(EFAULT)
            break
    return room


def scatter(t: Task, vecs: list[tuple[int, int]], data: bytes) -> None:
    at = 0
    for base, size in vecs:
        if at >= len(data):
            break
        copy_to_user(t.mm, base, data[at : at + size])
        at += size


def let_go(files: list[OpenFile], flags: int) -> None:
    """The references a receive took off a message: a peek took none."""
    if not flags & MSG_PEEK:
        for held in files:
            drop_file(held)


@syscall("sys_recvfrom")
def sys_recvfrom(t: Task, fd: int, ubuf: int, size: int, flags: int, addr: int, addr_len: int) -> int:
    flags &= 0xFFFFFFFF
    size = min(size, INT_MAX)
    if not access_ok(ubuf, size):
        raise Errno(EFAULT)
    socket_file(t, fd)
    vecs = [(ubuf, size)]
    got = do_recv(t, fd, _receive_size(t, vecs) if size else 0, flags)
    let_go(got.files, flags)
    scatter(t, vecs, got.data)
    if addr:
        sockaddr_to_user(t, got.addr, addr, addr_len)
    return got.value


class ControlWriter:
    """put_cmsg and scm_detach_fds into the receiver's control buffer."""

    def __init__(self, t: Task, base: int, room: int) -> None:
        self.t, self.base, self.room = t, base, room
        self.used = 0
        self.flags = 0

    def put(self, level: int, kind: int, payload: bytes) -> None:
        left = self.room - self.used
        if left < CMSGHDR.size:
            self.flags |= MSG_CTRUNC
            return
        length = cmsg_len(len(payload))
        if left < length:
            self.flags |= MSG_CTRUNC
            length = left
        record = CMSGHDR.pack(length, level, kind) + payload
        try:
            copy_to_user(self.t.mm, self.base + self.used, record[:length])
        except Errno:
            return  # put_cmsg's EFAULT, which scm_recv ignores: the data is received all the same
        self.used += min(cmsg_space(len(payload)), left)

    def files(self, files: list[OpenFile], cloexec: bool) -> None:
        left = self.room - self.used
        most = (left - CMSGHDR.size) // 4 if left > CMSGHDR.size else 0
        if most:  # receive_fd's put_user comes first: no descriptor is made for a slot that cannot be written
            most = user_extent(self.t.mm, self.base + self.used + CMSGHDR.size, 4 * most, write=True) // 4
        fds: list[int] = []
        for held in files[:most]:
            try:
                fds.append(self.t.files.install(held, cloexec=cloexec, limit=self.t.nofile()))
            except Errno:
                break
        if fds:
            payload = struct.pack(f"<{len(fds)}i", *fds)
            copy_to_user(self.t.mm, self.base + self.used + CMSGHDR.size, payload)
            try:
                copy_to_user(self.t.mm, self.base + self.used, CMSGHDR.pack(cmsg_len(len(payload)), SOL_SOCKET,
                                                                             SCM_RIGHTS))
            except Errno:
                return  # the descriptors are made, their header is lost (scm_detach_fds' put_user)
            self.used += min(cmsg_space(len(payload)), left)
        if len(fds) < len(files):
            self.flags |= MSG_CTRUNC


def do_recvmsg(t: Task, fd: int, msg: int, flags: int) -> int:
    flags &= 0xFFFFFFFF
    socket_file(t, fd)
    name, namelen, iov, iovlen, control, controllen, _ = MSGHDR.unpack(copy_from_user(t.mm, msg, MSGHDR.size))
    if name and s32(namelen) < 0:
        raise Errno(EINVAL)  # __copy_msghdr, before anything is received
    vecs = _iovecs(t, iov, iovlen)
    total = sum(n for _, n in vecs)
    got = do_recv(t, fd, _receive_size(t, vecs) if total else 0, flags)
    scatter(t, vecs, got.data)
    out_flags = (flags & MSG_CMSG_CLOEXEC) | (MSG_TRUNC if got.truncated else 0)
    writer = ControlWriter(t, control, min(controllen, INT_MAX))
    try:
        if got.cred is not None:
            writer.put(SOL_SOCKET, SCM_CREDENTIALS, UCRED.pack(pid_vnr(t, got.cred.pid), got.cred.uid, got.cred.gid))
        if got.files:
            writer.files(got.files, bool(flags & MSG_CMSG_CLOEXEC))
    finally:
        let_go(got.files, flags)
    out_flags |= writer.flags
    if name:
        room = min(s32(namelen), len(got.addr))
        if room > 0:
            copy_to_user(t.mm, name, got.addr[:room])
        copy_to_user(t.mm, msg + 8, _INT.pack(len(got.addr)))  # without msg_name, msg_namelen is left alone
    copy_to_user(t.mm, msg + 40, struct.pack("<Q", writer.used))
    copy_to_user(t.mm, msg + 48, _INT.pack(out_flags))
    return got.value


@syscall("sys_recvmsg")
def sys_recvmsg(t: Task, fd: int, msg: int, flags: int, *_: int) -> int:
    return do_recvmsg(t, fd, msg, flags)
