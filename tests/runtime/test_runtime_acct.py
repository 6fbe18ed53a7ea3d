"""BSD process accounting (issue 17): acct's refusals held to a native run (they turn nothing on), and on the
machine a child's struct acct_v3 record written at its end and read back."""

from __future__ import annotations

from pathlib import Path

from busybox import build_static
from native_vs_machine import run_machine
from tmpfs_native import machine_root, native_output

FACTS = (
    "acct dir: EISDIR",
    "acct missing: ENOENT",
    "acct device: EACCES",
    "acct bad pointer: EFAULT",
    "nobody acct: EPERM",
    "done",
)
ON = """\
acct on: ok
acct off: ok
record: version 3 exitcode 768 ppid is mine yes uid 0 comm acct flag 1
record found: 1, size 64
done
"""


def test_acct_refuses_as_linux_and_records_a_process_end(tmp_path: Path) -> None:
    program = build_static(tmp_path, "acct.c")
    text = native_output(program, FACTS)
    machine = run_machine(machine_root(tmp_path / "root", program), program, ("on",)).outcome
    out = machine.stdout.decode()
    assert machine.status == 0, machine.text()[-4000:]
    assert out == text.removesuffix("done\n") + ON
