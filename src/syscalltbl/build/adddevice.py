"""Add a character device to a project: the alternative to a new system call.

    plan = plan_add_device(resolve(project_dir), "adder")   # nothing written yet
    print(plan.diff()); plan.apply()

Writes PROJECT/devices/NAME.py (the driver: read, write, ioctl in Python,
loaded by machine/project.py into the machine's /dev) and
PROJECT/devices/NAME.h (its ioctl commands for C programs, with
asm-generic/ioctl.h's _IO/_IOR/_IOW/_IOWR when the program lacks them).
"""

from __future__ import annotations

import re
from pathlib import Path

from syscalltbl.build.addsyscall import Change, Plan, project_files
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.target import DEVICES_DIR, X86_64Target

#: Built into the machine's /dev (machine/kernel/vfs.py).
BUILTIN = frozenset({"null", "zero", "tty"})
_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")


def _driver(name: str, magic: int) -> str:
    up = name.upper()
    cls = "".join(part.capitalize() for part in name.split("_")) + "Driver"
    return (
        f'"""/dev/{name}: a character device whose driver is this file.\n\n'
        f"Written by `syscalltbl add-device {name}`. The machine creates /dev/{name} at\n"
        "start-up with one instance of the @device class below. ioctl commands are\n"
        "encoded as in include/uapi/asm-generic/ioctl.h, the same numbers as\n"
        f"devices/{name}.h gives C programs. For an _IOW/_IOWR command `data` holds the\n"
        "bytes the argument points to; an _IOR/_IOWR command returns the bytes to copy\n"
        "back (exactly its size), the others an int. Raise Errno(E...) for -E....\n"
        '"""\n\n'
        "from __future__ import annotations\n\n"
        "import struct\n\n"
        "from syscalltbl.machine.kernel.devices import _IOR, Driver, device\n"
        "from syscalltbl.machine.uapi.errno import ENOTTY, Errno\n\n"
        f"{up}_IOC_MAGIC = {magic:#04x}\n"
        f"#: int: the driver's version, an _IOR command (copied out to the argument)\n"
        f"{up}_GET_VERSION = _IOR({up}_IOC_MAGIC, 0, 4)\n\n\n"
        f'@device("{name}")\n'
        f"class {cls}(Driver):\n"
        "    def read(self, count: int) -> bytes:\n"
        '        return b""  # end of file until written\n\n'
        "    def write(self, data: bytes) -> int:\n"
        "        return len(data)  # accepted and dropped until written\n\n"
        "    def ioctl(self, cmd: int, data: bytes) -> bytes | int:\n"
        f"        if cmd == {up}_GET_VERSION:\n"
        '            return struct.pack("<i", 1)\n'
        "        raise Errno(ENOTTY)\n"
    )


def _header(name: str, magic: int) -> str:
    up = name.upper()
    return (
        f"/* devices/{name}.h: /dev/{name}'s ioctl commands (syscalltbl add-device) */\n"
        f"#ifndef _SYSCALLTBL_DEV_{up}_H\n"
        f"#define _SYSCALLTBL_DEV_{up}_H\n\n"
        "#ifndef _IOC\n"
        "/* include/uapi/asm-generic/ioctl.h: dir << 30 | size << 16 | type << 8 | nr */\n"
        "#define _IOC_NONE\t0U\n"
        "#define _IOC_WRITE\t1U\n"
        "#define _IOC_READ\t2U\n"
        "#define _IOC(dir, type, nr, size) \\\n"
        "\t(((dir) << 30) | ((size) << 16) | ((type) << 8) | (nr))\n"
        "#define _IO(type, nr)\t\t_IOC(_IOC_NONE, (type), (nr), 0)\n"
        "#define _IOR(type, nr, argtype)\t_IOC(_IOC_READ, (type), (nr), sizeof(argtype))\n"
        "#define _IOW(type, nr, argtype)\t_IOC(_IOC_WRITE, (type), (nr), sizeof(argtype))\n"
        "#define _IOWR(type, nr, argtype)\t_IOC(_IOC_READ | _IOC_WRITE, (type), (nr), sizeof(argtype))\n"
        "#endif\n\n"
        f"#define {up}_IOC_MAGIC\t{magic:#04x}\n"
        f"#define {up}_GET_VERSION\t_IOR({up}_IOC_MAGIC, 0, int)\n\n"
        f"#endif /* _SYSCALLTBL_DEV_{up}_H */\n"
    )


def _project(target: X86_64Target) -> tuple[Path, Path]:
    base, _header, _syscalls = project_files(target)
    return base, base / DEVICES_DIR


def plan_add_device(target: X86_64Target, name: str, magic: int | None = None) -> Plan:
    """The two new files; refuses (changing nothing) a bad or existing name."""
    base, devices = _project(target)
    if not _NAME.match(name):
        raise SyscalltblError(f"{name!r} is not a device name: a lower-case letter, then letters, digits and _")
    if name in BUILTIN:
        raise SyscalltblError(f"/dev/{name} is built into the machine")
    # ioctl-number.rst: drivers pick a type byte, often a letter; ours is the name's.
    type_byte = ord(name[0].upper()) if magic is None else magic
    if not 0 <= type_byte <= 0xFF:
        raise SyscalltblError(f"--type {type_byte}: an ioctl type is one byte")
    driver, header = devices / f"{name}.py", devices / f"{name}.h"
    for path in (driver, header):
        if path.exists():
            raise SyscalltblError(f"/dev/{name} exists already: {path.relative_to(base).as_posix()}")
    return Plan(
        base,
        (Change(driver, None, _driver(name, type_byte)), Change(header, None, _header(name, type_byte))),
        f"added /dev/{name} ({DEVICES_DIR}/{name}.py, {DEVICES_DIR}/{name}.h)",
    )
