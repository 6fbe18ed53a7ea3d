"""/proc/sys/net: the reading task's network namespace's tunables (net/ipv4/devinet.c's devinet_sysctl).

ipv4/icmp_echo_ignore_all says whether ICMP echo requests go unanswered
(kernel/ipv4_input.py); ipv4/conf holds a directory for all, default and
each device (lo, TUN/TAP links), each
with the IPv4 devconf integers (kernel/netdev.py's NetDevices keeps them);
a value written to default also becomes that of every device that never
had its own written, as devinet_copy_dflt_conf does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.procsys import SysctlDir, SysctlNumber
from syscalltbl.machine.kernel.sysctl import parse_int
from syscalltbl.machine.kernel.vfs import Directory, Inode
from syscalltbl.machine.uapi.errno import EINVAL, Errno

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.ipv4_input import Ipv4
    from syscalltbl.machine.kernel.netdev import NetDevices
    from syscalltbl.machine.kernel.process import Task


class NetSysctlDir(SysctlDir):
    """A directory of /proc/sys/net: its entries are those of the looking task's namespace's devices."""

    def __init__(self, parent: Directory, name: bytes, files: Callable[[NetSysctlDir, NetDevices], dict[bytes, Inode]]
                 ) -> None:
        super().__init__(parent, name, lambda _d, _t: {})
        self._net_files = files

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        # Imported at the first look into /proc/sys/net: a run that never looks need not import the devices.
        from syscalltbl.machine.kernel.netdev import net_devices

        return self._net_files(self, net_devices(task))


def _devconf_file(devices: NetDevices, device: bytes, name: bytes) -> SysctlNumber:
    def render() -> bytes:
        return b"%d\n" % devices.ipv4_conf[device].values[name]

    def store(data: bytes, _writer: Task) -> None:
        devices.set_devconf(device, name, parse_int(data))  # devinet_conf_proc: proc_dointvec

    return SysctlNumber(render, store)


def _device_dir(parent: NetSysctlDir, devices: NetDevices, device: bytes) -> SysctlDir:
    def files(_d: SysctlDir, _t: Task) -> dict[bytes, Inode]:
        from syscalltbl.machine.kernel.netdev import IPV4_DEVCONF

        return {name: _devconf_file(devices, device, name) for name, _, _ in IPV4_DEVCONF}

    return SysctlDir(parent, device, files)


def _conf_entries(parent: NetSysctlDir, devices: NetDevices) -> dict[bytes, Inode]:
    return {device: _device_dir(parent, devices, device) for device in devices.ipv4_conf}


def net_dir(parent: Directory, ipv4_of: Callable[[Task], Ipv4]) -> NetSysctlDir:
    """/proc/sys/net; `ipv4_of` finds a task's namespace's IPv4 (kernel/ipv4_input.py's Ipv4)."""

    class Ipv4Dir(NetSysctlDir):
        def entries_for(self, task: Task) -> dict[bytes, Inode]:
            ip = ipv4_of(task)

            def echo_ignore_all(data: bytes, _writer: Task) -> None:
                value = parse_int(data)
                if not 0 <= value <= 1:
                    raise Errno(EINVAL)  # proc_dou8vec_minmax, 0 to 1
                ip.echo_ignore_all = bool(value)

            return {
                b"conf": NetSysctlDir(self, b"conf", _conf_entries),
                b"icmp_echo_ignore_all": SysctlNumber(lambda: b"%d\n" % ip.echo_ignore_all, echo_ignore_all),
            }

    return NetSysctlDir(parent, b"net", lambda d, _devices: {b"ipv4": Ipv4Dir(d, b"ipv4", lambda _d, _v: {})})
