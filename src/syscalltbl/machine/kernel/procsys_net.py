"""/proc/sys/net: the reading task's network namespace's tunables (net/ipv4/devinet.c's devinet_sysctl).

ipv4/conf holds a directory for all, default and each device (lo), each
with the IPv4 devconf integers (kernel/netdev.py's NetDevices keeps them);
a value written to default also becomes that of every device that never
had its own written, as devinet_copy_dflt_conf does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.netdev import IPV4_DEVCONF, NetDevices, net_devices
from syscalltbl.machine.kernel.procsys import SysctlDir, SysctlNumber
from syscalltbl.machine.kernel.sysctl import parse_int
from syscalltbl.machine.kernel.vfs import Directory, Inode

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task


class NetSysctlDir(SysctlDir):
    """A directory of /proc/sys/net: its entries are those of the looking task's namespace's devices."""

    def __init__(self, parent: Directory, name: bytes, files: Callable[[NetSysctlDir, NetDevices], dict[bytes, Inode]]
                 ) -> None:
        super().__init__(parent, name, lambda _d: {})
        self._net_files = files

    def entries_for(self, task: Task) -> dict[bytes, Inode]:
        return self._net_files(self, net_devices(task))


def _devconf_file(devices: NetDevices, device: bytes, name: bytes) -> SysctlNumber:
    def render() -> bytes:
        return b"%d\n" % devices.ipv4_conf[device].values[name]

    def store(data: bytes, _writer: Task) -> None:
        devices.set_devconf(device, name, parse_int(data))  # devinet_conf_proc: proc_dointvec

    return SysctlNumber(render, store)


def _device_dir(parent: NetSysctlDir, devices: NetDevices, device: bytes) -> SysctlDir:
    def files(_d: SysctlDir) -> dict[bytes, Inode]:
        return {name: _devconf_file(devices, device, name) for name, _, _ in IPV4_DEVCONF}

    return SysctlDir(parent, device, files)


def _conf_entries(parent: NetSysctlDir, devices: NetDevices) -> dict[bytes, Inode]:
    return {device: _device_dir(parent, devices, device) for device in devices.ipv4_conf}


def net_dir(parent: Directory) -> NetSysctlDir:
    """/proc/sys/net."""

    def ipv4(d: NetSysctlDir, _devices: NetDevices) -> dict[bytes, Inode]:
        return {b"conf": NetSysctlDir(d, b"conf", _conf_entries)}

    return NetSysctlDir(parent, b"net", lambda d, _devices: {b"ipv4": NetSysctlDir(d, b"ipv4", ipv4)})
