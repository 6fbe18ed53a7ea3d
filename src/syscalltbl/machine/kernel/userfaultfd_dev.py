"""/dev/userfaultfd (drivers' misc device of fs/userfaultfd.c): made at boot, for every run; what its
ioctl makes (kernel/userfaultfd.py) is imported by the first ioctl."""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.vfs import Inode, OpenFile
from syscalltbl.machine.uapi.errno import EINVAL, Errno

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

MISC_MAJOR, USERFAULTFD_MINOR = 10, 257  # a dynamic misc minor: what the host's udev shows


class UserfaultfdDevice(Inode):
    """/dev/userfaultfd (a misc device, root's and 0600 as udev makes it): USERFAULTFD_IOC_NEW makes a context
    that handles kernel faults too, for whoever may open the node, whatever vm.unprivileged_userfaultfd says."""

    def __init__(self) -> None:
        super().__init__(stat.S_IFCHR | 0o600, os.makedev(MISC_MAJOR, USERFAULTFD_MINOR))

    def unlocked_ioctl(self, task: Task, f: OpenFile, request: int, arg: int) -> int:
        from syscalltbl.machine.kernel.userfaultfd import new_userfaultfd
        from syscalltbl.machine.uapi.userfaultfd import USERFAULTFD_IOC_NEW

        if request & 0xFFFFFFFF != USERFAULTFD_IOC_NEW:
            raise Errno(EINVAL)
        return new_userfaultfd(task, arg & 0xFFFFFFFF)
