"""`syscalltbl add-device NAME`: the files it writes, its diff, and its refusals."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from syscalltbl.build.addsyscall import init_project
from syscalltbl.machine.kernel.devices import _IOR, CharDevice
from syscalltbl.machine.project import load_drivers

CLI = [sys.executable, "-m", "syscalltbl"]


def cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=120, check=False)


def test_add_device_writes_driver_and_header_and_refuses_again(tmp_path: Path) -> None:
    base = tmp_path / "proj"
    init_project(base)
    proc = cli("add-device", "adder", "-C", base)
    assert proc.returncode == 0, proc.stderr
    assert "--- /dev/null\n+++ b/devices/adder.py\n" in proc.stdout
    assert "--- /dev/null\n+++ b/devices/adder.h\n" in proc.stdout
    assert "+ADDER_GET_VERSION = _IOR(ADDER_IOC_MAGIC, 0, 4)\n" in proc.stdout
    assert "+#define ADDER_GET_VERSION\t_IOR(ADDER_IOC_MAGIC, 0, int)\n" in proc.stdout
    assert proc.stdout.endswith("syscalltbl add-device: added /dev/adder (devices/adder.py, devices/adder.h)\n")
    drivers = load_drivers(base / "devices")
    assert list(drivers) == ["adder"]
    driver = drivers["adder"]()
    assert driver.ioctl(_IOR(0x41, 0, 4), b"") == b"\x01\0\0\0"
    assert (driver.read(10), driver.write(b"abc")) == (b"", 3)
    assert isinstance(CharDevice(driver, 0), CharDevice)
    before = (base / "devices/adder.py").read_bytes()
    again = cli("add-device", "adder", "-C", base)
    assert (again.returncode, again.stdout) == (1, "")
    assert "/dev/adder exists already: devices/adder.py" in again.stderr
    assert (base / "devices/adder.py").read_bytes() == before


def test_refuses_builtin_and_bad_names(tmp_path: Path) -> None:
    base = tmp_path / "proj"
    init_project(base)
    for name, why in (("null", "/dev/null is built into the machine"), ("Bad-Name", "is not a device name")):
        proc = cli("add-device", name, "-C", base)
        assert proc.returncode == 1 and why in proc.stderr, proc.stderr
    assert not (base / "devices").exists()


def test_a_file_where_devices_should_be_changes_nothing(tmp_path: Path) -> None:
    base = tmp_path / "proj"
    init_project(base)
    (base / "devices").write_text("not a directory\n")
    proc = cli("add-device", "adder", "-C", base)
    assert (proc.returncode, proc.stdout) == (1, "")
    assert proc.stderr == f"syscalltbl add-device: error: {base / 'devices'}: Not a directory\n"
    assert (base / "devices").read_text() == "not a directory\n"
