"""Character devices whose drivers are Python code: the alternative to a new system call.

Documentation/process/adding-syscalls.rst suggests a device with ioctl()
before a new syscall. A project's DIR/devices/NAME.py (written by `syscalltbl
add-device NAME`) defines one Driver subclass marked @device("NAME"); the
machine creates /dev/NAME for it at start-up, as machine/project.py binds
DIR/syscalls/*.py. ioctl commands use asm-generic/ioctl.h's encoding,

    dir << 30 | size << 16 | type << 8 | nr

and the direction and size decide the copying, as a driver would do with
copy_from_user/copy_to_user: an _IOW command's `data` is the `size` bytes the
argument points to; an _IOR command's bytes are copied back there.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user
from syscalltbl.machine.kernel.vfs import Inode, OpenFile
from syscalltbl.machine.uapi.errno import EFAULT, EINVAL, ENOTTY, Errno

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task

# include/uapi/asm-generic/ioctl.h
IOC_NRBITS, IOC_TYPEBITS, IOC_SIZEBITS, IOC_DIRBITS = 8, 8, 14, 2
IOC_NRSHIFT = 0
IOC_TYPESHIFT = IOC_NRSHIFT + IOC_NRBITS
IOC_SIZESHIFT = IOC_TYPESHIFT + IOC_TYPEBITS
IOC_DIRSHIFT = IOC_SIZESHIFT + IOC_SIZEBITS
IOC_NONE, IOC_WRITE, IOC_READ = 0, 1, 2
#: Documentation/admin-guide/devices.txt: char majors 240-254 are for local/experimental use.
LOCAL_MAJOR = 240
DEVICE_ATTRIBUTE = "__syscalltbl_device__"


def _IOC(direction: int, type_: int, nr: int, size: int) -> int:
    if not (0 <= type_ < 1 << IOC_TYPEBITS and 0 <= nr < 1 << IOC_NRBITS and 0 <= size < 1 << IOC_SIZEBITS):
        raise ValueError(f"ioctl field out of range: type={type_} nr={nr} size={size}")
    return direction << IOC_DIRSHIFT | size << IOC_SIZESHIFT | type_ << IOC_TYPESHIFT | nr << IOC_NRSHIFT


def _IO(type_: int, nr: int) -> int:
    return _IOC(IOC_NONE, type_, nr, 0)


def _IOR(type_: int, nr: int, size: int) -> int:
    """The kernel's macro takes a type and applies sizeof; here the size is given in bytes."""
    return _IOC(IOC_READ, type_, nr, size)


def _IOW(type_: int, nr: int, size: int) -> int:
    return _IOC(IOC_WRITE, type_, nr, size)


def _IOWR(type_: int, nr: int, size: int) -> int:
    return _IOC(IOC_READ | IOC_WRITE, type_, nr, size)


def _IOC_DIR(cmd: int) -> int:
    return (cmd >> IOC_DIRSHIFT) & ((1 << IOC_DIRBITS) - 1)


def _IOC_TYPE(cmd: int) -> int:
    return (cmd >> IOC_TYPESHIFT) & ((1 << IOC_TYPEBITS) - 1)


def _IOC_NR(cmd: int) -> int:
    return (cmd >> IOC_NRSHIFT) & ((1 << IOC_NRBITS) - 1)


def _IOC_SIZE(cmd: int) -> int:
    return (cmd >> IOC_SIZESHIFT) & ((1 << IOC_SIZEBITS) - 1)


class Driver:
    """A character device's file operations; the defaults are the kernel's for a missing one."""

    def read(self, count: int) -> bytes:
        raise Errno(EINVAL)

    def write(self, data: bytes) -> int:
        raise Errno(EINVAL)

    def ioctl(self, cmd: int, data: bytes) -> bytes | int:
        """`data`: the argument's bytes for an _IOW/_IOWR command, else b"".

        Return the bytes to copy back for an _IOR/_IOWR command (exactly its
        size), or the ioctl's int result for the others.
        """
        raise Errno(ENOTTY)


D = TypeVar("D", bound=type[Driver])


def device(name: str) -> Callable[[D], D]:
    """Mark the decorated Driver subclass as /dev/`name`'s driver."""

    def mark(cls: D) -> D:
        setattr(cls, DEVICE_ATTRIBUTE, name)
        return cls

    return mark


class CharDevice(Inode):
    """/dev/NAME: an inode forwarding read, write and ioctl to its Driver."""

    def __init__(self, driver: Driver, minor: int) -> None:
        super().__init__(stat.S_IFCHR | 0o666, os.makedev(LOCAL_MAJOR, minor))
        self.driver = driver

    def read(self, f: OpenFile, count: int) -> bytes:
        data = self.driver.read(count)
        if len(data) > count:
            raise ValueError(f"{type(self.driver).__name__}.read returned {len(data)} bytes for count={count}")
        return data

    def write(self, f: OpenFile, data: bytes) -> int:
        return self.driver.write(data)

    def unlocked_ioctl(self, task: Task, f: OpenFile, cmd: int, arg: int) -> int:
        direction, size = _IOC_DIR(cmd), _IOC_SIZE(cmd)
        if direction != IOC_NONE and size and not arg:
            raise Errno(EFAULT)
        data = copy_from_user(task.mm, arg, size) if direction & IOC_WRITE else b""
        answer = self.driver.ioctl(cmd, data)
        if direction & IOC_READ:
            if not isinstance(answer, bytes) or len(answer) != size:
                raise ValueError(f"{type(self.driver).__name__}.ioctl({cmd:#x}) must return {size} bytes")
            copy_to_user(task.mm, arg, answer)
            return 0
        if not isinstance(answer, int):
            raise ValueError(f"{type(self.driver).__name__}.ioctl({cmd:#x}) copies nothing back: return an int")
        return answer
