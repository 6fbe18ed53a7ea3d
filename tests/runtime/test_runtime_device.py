"""/dev/NAME with a Python driver, against the same feature as a system call, in emulated instructions."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from busybox import require

from syscalltbl.machine.image.elfimage import read_image
from syscalltbl.machine.kernel.devices import _IO, _IOC_DIR, _IOC_NR, _IOC_SIZE, _IOC_TYPE, _IOR, _IOW, _IOWR
from syscalltbl.machine.machine import Machine
from syscalltbl.tables.target import resolve

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CLI = [sys.executable, "-m", "syscalltbl"]


def test_ioctl_encoding_is_asm_generic() -> None:
    assert _IO(ord("T"), 0x13) == 0x5413
    assert _IOR(ord("A"), 1, 4) == 2 << 30 | 4 << 16 | 0x41 << 8 | 1 == 0x80044101
    assert _IOW(ord("A"), 2, 12) == 0x400C4102
    assert _IOWR(0x41, 1, 12) == 0xC00C4101
    cmd = _IOWR(0x41, 1, 12)
    assert (_IOC_DIR(cmd), _IOC_TYPE(cmd), _IOC_NR(cmd), _IOC_SIZE(cmd)) == (3, 0x41, 1, 12)
    with pytest.raises(ValueError):
        _IOR(0x100, 0, 4)


def _cli(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=300, check=False)


class Counter:
    """Emulated instructions between two addresses: a code hook for this measurement only."""

    def __init__(self, machine: Machine, points: dict[str, tuple[int, int]]) -> None:
        self.counts = dict.fromkeys(points, 0)
        self.active: str | None = None
        starts = {b: name for name, (b, _e) in points.items()}
        ends = {e for _b, e in points.values()}

        def hook(address: int) -> None:
            if address in starts:
                self.active = starts[address]
            elif address in ends:
                self.active = None
            elif self.active is not None:
                self.counts[self.active] += 1

        machine.cpu.on_every_instruction(hook)


def test_my_func_as_syscall_and_as_ioctl(tmp_path: Path) -> None:
    require("gcc", "gcc")  # installs it, or fails: a skip would pass for nothing
    assert _cli("init", "proj", cwd=tmp_path).returncode == 0
    proj = tmp_path / "proj"
    assert _cli("add-syscall", "my_func", "--params", "int a, int b", cwd=proj).returncode == 0
    impl = proj / "syscalls" / "my_func.py"
    impl.write_text(impl.read_text().replace("    raise Errno(ENOSYS)  # until its body is written\n",
                                             "    return a + b\n"))
    added = _cli("add-device", "adder", cwd=proj)
    assert added.returncode == 0, added.stderr
    assert added.stdout.endswith("syscalltbl add-device: added /dev/adder (devices/adder.py, devices/adder.h)\n")
    shutil.copy(EXAMPLES / "adder_device.py", proj / "devices" / "adder.py")
    assert _cli("build", "--group", "runtime", cwd=proj).returncode == 0
    user = proj / "build/runtime/x86_64/user"
    prog = proj / "adder"
    subprocess.run(["gcc", "-static", "-nostdlib", "-fno-builtin", "-fno-stack-protector", "-no-pie", "-O1",
                    "-I", user, "-o", prog, EXAMPLES / "adder_ioctl.c", user / "crt0.S", user / "stubs.S"],
                   check=True)
    symbols = read_image(str(prog)).symbols
    out = tmp_path / "out"
    with open(out, "wb") as fout:
        # The project's target: its table, its prototypes, and the syscalls/ and devices/ the machine binds.
        machine = Machine(target=resolve(proj), stdio=(0, fout.fileno(), 2))
        counter = Counter(machine, {
            "syscall": (symbols["syscall_begin"], symbols["syscall_end"]),
            "ioctl": (symbols["ioctl_begin"], symbols["ioctl_end"]),
        })
        status = machine.run(prog, timeout=30)
    assert (status.code, out.read_bytes()) == (0, b"my_func(40, 2) = 42 both ways\n")
    syscall_cost, ioctl_cost = counter.counts["syscall"], counter.counts["ioctl"]
    print(f"emulated instructions per call: syscall my_func {syscall_cost}, ioctl(/dev/adder) {ioctl_cost}")
    # Same ring path both ways; the ioctl passes through the same dispatch
    # (sys_ioctl is a Python handler too): the emulated cost is equal up to
    # the argument set-up in user mode.
    assert syscall_cost > 0 and ioctl_cost > 0
    assert abs(ioctl_cost - syscall_cost) <= 16, (syscall_cost, ioctl_cost)
    assert os.path.exists(proj / "devices" / "adder.h")
