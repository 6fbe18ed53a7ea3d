"""/proc/config.gz (issue 17): the machine's kernel config, each option claimed from what the machine implements.

LTP reads it (lib/tst_kconfig.c, through zcat) to decide which tests this kernel can run; an option must
be `y` exactly when its calls have handlers, so it turns on by itself when they are added.
"""

from __future__ import annotations

import gzip
import subprocess
import sys

from busybox import ENV

from syscalltbl.machine.kernel.kconfig import FEATURES, claimed, render_config, render_config_gz
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.machine import Machine
from syscalltbl.machine.syscalls.registry import Handler


def _lines(text: bytes) -> set[str]:
    return set(text.decode().splitlines())


def test_each_option_follows_the_handlers_the_machine_has() -> None:
    machine = Machine()
    implemented = {e.entry_point for e in machine.kernel.table if e.number >= 0} & machine.handlers.keys()
    lines = _lines(render_config(machine))
    for feature in FEATURES:
        expected = f"{feature.option}=y" if claimed(feature, implemented, machine) else f"# {feature.option} is not set"
        assert expected in lines
    assert "CONFIG_EVENTFD=y" in lines and "CONFIG_TMPFS=y" in lines and "CONFIG_FUTEX=y" in lines
    assert "# CONFIG_KASAN is not set" in lines  # none of the checking LTP counts as slow
    assert gzip.decompress(render_config_gz(machine)) == render_config(machine)
    assert render_config_gz(machine) == render_config_gz(machine)  # no time stamp: every read the same bytes


def test_an_option_turns_on_when_its_calls_are_implemented() -> None:
    (sysvipc,) = (f for f in FEATURES if f.option == "CONFIG_SYSVIPC")

    def handler(_t: Task, *_: int) -> int:
        return 0

    added: dict[str, Handler] = {name: handler for name in sysvipc.calls}
    assert "CONFIG_SYSVIPC=y" in _lines(render_config(Machine(handlers=added)))
    del added[sysvipc.calls[0]]
    machine = Machine(handlers=added)
    if sysvipc.calls[0] not in machine.handlers:
        assert "# CONFIG_SYSVIPC is not set" in _lines(render_config(machine))


def test_zcat_reads_it_on_the_machine() -> None:
    argv = [sys.executable, "-m", "syscalltbl", "run", "--root", "/", "--env-clear"]
    for key, value in ENV.items():
        argv += ["--env", f"{key}={value}"]
    proc = subprocess.run([*argv, "/bin/sh", "-c", "ls -l /proc/config.gz; zcat /proc/config.gz"],
                          capture_output=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    listing, _, text = proc.stdout.partition(b"\n")
    assert listing.startswith(b"-r--r--r-- 1 root root 0 "), listing
    assert text == render_config(Machine())
