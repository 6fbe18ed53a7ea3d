"""/dev/net/tun (drivers/net/tun.c): TUN and TAP interfaces a process makes and holds by a file.

TUNSETIFF makes a tunN or tapN (or the name asked) in the opener's network
namespace (kernel/netdev.py's NetDevices), down, MTU 1500, with its IPv4
devconf; rtnetlink and the interface ioctls show and change it as any
device; closing the file takes it away (no TUNSETPERSIST). The machine
gives such a link no address and no route, so nothing the machine sends
goes out by it: a read finds nothing (EAGAIN, or waits), and a packet
written to it is received and dropped, as Linux drops a packet for no
address of its own with forwarding off. TUNGETFEATURES says what the
driver here has: IFF_TUN, IFF_TAP, IFF_NO_PI, IFF_ONE_QUEUE.
"""

from __future__ import annotations

import os
import stat
import weakref
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.userns import owner_of
from syscalltbl.machine.kernel.vfs import Directory, FileSystem, Inode, OpenFile
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.uapi.capability import CAP_NET_ADMIN
from syscalltbl.machine.uapi.errno import EAGAIN, EBADFD, EBUSY, EEXIST, EINVAL, EPERM, Errno
from syscalltbl.machine.uapi.fcntl import O_NONBLOCK
from syscalltbl.machine.uapi.poll import POLLOUT, POLLWRNORM

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.netdev import Link, NetDevices
    from syscalltbl.machine.kernel.process import Task

TUNSETIFF = 0x400454CA  # _IOW('T', 202, int)
TUNGETFEATURES = 0x800454CF  # _IOR('T', 207, unsigned int)
TUNGETIFF = 0x800454D2  # _IOR('T', 210, unsigned int)
IFF_TUN = 0x0001
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000
IFF_ONE_QUEUE = 0x2000
FEATURES = IFF_TUN | IFF_TAP | IFF_NO_PI | IFF_ONE_QUEUE
IFF_POINTOPOINT = 0x10
IFF_BROADCAST = 0x2
ARPHRD_ETHER = 1
ARPHRD_NONE = 0xFFFE
TUN_MTU = 1500
MAX_PACKET = 65535 + 4  # tun_get_user: a packet and its packet-information header at most


def tun_directory(fs: FileSystem) -> Directory:
    """/dev/net, holding tun."""
    dev = fs.root.child(b"dev")
    assert isinstance(dev, Directory)
    net = Directory(dev)
    net.add(b"tun", TunDevice())
    return net


class TunDevice(Inode):
    """The /dev/net/tun node (misc 10:200): each open file may attach to one link."""

    def __init__(self) -> None:
        super().__init__(stat.S_IFCHR | 0o666, os.makedev(10, 200))
        #: open file -> (the namespace's devices, the link it made, its IFF_* flags); None before TUNSETIFF.
        self.files: weakref.WeakKeyDictionary[OpenFile, tuple[NetDevices, Link | None, int]] = (
            weakref.WeakKeyDictionary())

    def attach(self, task: Task, f: OpenFile) -> None:
        """tun_chr_open: the file belongs to the opener's network namespace."""
        # The devices are imported at the first open or ioctl, the interfaces' numbers at the first ioctl:
        # /dev/net/tun is made at boot, for every run.
        from syscalltbl.machine.kernel.netdev import net_devices

        self.files[f] = (net_devices(task), None, 0)

    def unlocked_ioctl(self, task: Task, f: OpenFile, request: int, arg: int) -> int:
        from syscalltbl.machine.kernel.netdev import Link, net_devices
        from syscalltbl.machine.uapi.inet import IFF_MULTICAST, IFF_NOARP, IFNAMSIZ

        devices, link, flags = self.files.get(f, (net_devices(task), None, 0))
        if request == TUNGETFEATURES:
            copy_to_user(task.mm, arg, FEATURES.to_bytes(4, "little"))
            return 0
        if request == TUNGETIFF:
            if link is None:
                raise Errno(EBADFD)
            copy_to_user(task.mm, arg, link.name.ljust(IFNAMSIZ, b"\0") + flags.to_bytes(2, "little"))
            return 0
        if request != TUNSETIFF:
            raise Errno(EINVAL if link is not None else EBADFD)  # __tun_chr_ioctl: unknown, or no link yet
        raw = copy_from_user(task.mm, arg, IFNAMSIZ + 2)
        if link is not None:
            raise Errno(EEXIST)  # attached already
        name = raw[:IFNAMSIZ].split(b"\0")[0]
        asked = int.from_bytes(raw[IFNAMSIZ:], "little")
        if name == b"lo":
            raise Errno(EINVAL)  # tun_set_iff: a device, but not a TUN/TAP one
        if devices.link_named(name) is not None:
            raise Errno(EBUSY)  # tun_attach: held by its file (no multiqueue here)
        if not task.cred.ns_capable(owner_of(devices), CAP_NET_ADMIN):  # tun_not_capable: over the file's net
            raise Errno(EPERM)
        if asked & IFF_TUN:
            kind = IFF_TUN
        elif asked & IFF_TAP:
            kind = IFF_TAP
        else:
            raise Errno(EINVAL)
        if not name or b"%d" in name:
            pattern = name or (b"tun%d" if kind == IFF_TUN else b"tap%d")
            number = 0
            while devices.link_named(pattern.replace(b"%d", b"%d" % number)) is not None:
                number += 1
            name = pattern.replace(b"%d", b"%d" % number)
        if kind == IFF_TUN:
            link = Link(name, devices.next_index, ARPHRD_NONE, IFF_POINTOPOINT | IFF_NOARP | IFF_MULTICAST, TUN_MTU)
        else:
            link = Link(name, devices.next_index, ARPHRD_ETHER, IFF_BROADCAST | IFF_MULTICAST, TUN_MTU)
        devices.next_index += 1
        devices.add_link(link)
        self.files[f] = (devices, link, kind | (asked & (IFF_NO_PI | IFF_ONE_QUEUE)))
        copy_to_user(task.mm, arg, name.ljust(IFNAMSIZ, b"\0"))
        return 0

    def read(self, f: OpenFile, count: int) -> bytes:
        """tun_do_read: no packet is ever routed to the link on the machine, so there is nothing to read."""
        _devices, link, _flags = self.files.get(f, (None, None, 0))
        if link is None:
            raise Errno(EBADFD)
        if f.flags & O_NONBLOCK:
            raise Errno(EAGAIN)
        raise Sleep(lambda: link.index not in _devices.links if _devices is not None else True)

    def write(self, f: OpenFile, data: bytes) -> int:
        """tun_get_user: the packet is received by the link and, for no address of the machine, dropped."""
        _devices, link, flags = self.files.get(f, (None, None, 0))
        if link is None:
            raise Errno(EBADFD)
        if len(data) > MAX_PACKET or len(data) < (0 if flags & IFF_NO_PI else 4):
            raise Errno(EINVAL)
        packet = data if flags & IFF_NO_PI else data[4:]
        if flags & IFF_TAP and len(packet) < 14:
            raise Errno(EINVAL)  # shorter than an Ethernet header
        if flags & IFF_TUN and flags & IFF_NO_PI and (not packet or packet[0] >> 4 not in (4, 6)):
            raise Errno(EINVAL)  # no IP version to take the protocol from
        return len(data)

    def poll(self, f: OpenFile) -> int:
        return POLLOUT | POLLWRNORM

    def release(self, f: OpenFile) -> None:
        """tun_chr_close: the link goes with its file."""
        devices, link, _flags = self.files.pop(f, (None, None, 0))
        if devices is not None and link is not None:
            devices.remove_link(link)
