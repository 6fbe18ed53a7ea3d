"""/proc/sys and /proc/cpuinfo (issue 17): the files LTP's library and tests read, held to a native run.

procsys.c reads each file and prints its mode, size and format (and the
value where every Linux box without a sysctl.conf holds the same one), the
writes the kernel refuses, and the first /proc/cpuinfo block's layout.
procsys_writes.c makes the writes that change something: natively inside
new UTS and pid namespaces, so the host keeps its hostname and pid_max.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from busybox import ENV, build_static
from native_vs_machine import run_machine
from tmpfs_native import assert_as_on_a_tmpfs, machine_root, trace_on_machine

FACTS = (
    "/proc/sys/kernel/pid_max: mode 100644 size 0 uid 0 read ok int 32768",
    "/proc/sys/kernel/ostype: mode 100444 size 0 uid 0 read ok text Linux",
    "/proc/sys/fs/pipe-max-size: mode 100644 size 0 uid 0 read ok int 1048576",
    "hostname is uname's nodename: yes",
    "version is uname's version: yes",
    "write 100 to /proc/sys/kernel/pid_max: -1 EINVAL",
    "write Linux to /proc/sys/kernel/ostype: open -1 EACCES",
    "pid_max in two reads: 3 0 327|",
    "core_pattern in two reads: 2 3 co|re",
    "cpuinfo flags: tabs as Linux, words",
    "cpuinfo address sizes: tabs as Linux, sizes",
    "done",
)
WRITE_FACTS = (
    "uname nodename: box-one",
    "  now: a-name-longer-than-sixty-four-bytes-is-cut-to-sixty-four-by-proc",
    "sethostname: 0, file: by-call",
    "sethostname 65 bytes: -1 Invalid argument",
    "setdomainname: 0, uname: by-call example.org",
    "pipe-max-size written one below: ok, rounded back: yes",
    "pids below pid_max: yes, first after the wrap: 300",
    "done",
)


def test_proc_sys_and_cpuinfo_read_as_on_linux(tmp_path: Path) -> None:
    assert_as_on_a_tmpfs(tmp_path, build_static(tmp_path, "procsys.c"), FACTS)


def test_writes_change_the_machine_as_they_change_a_namespace(tmp_path: Path) -> None:
    program = build_static(tmp_path, "procsys_writes.c")
    native = subprocess.run([str(program)], env=ENV, capture_output=True, timeout=120, check=False)
    text = native.stdout.decode()
    assert native.returncode == 0, text + native.stderr.decode()
    for fact in WRITE_FACTS:
        assert fact in text.splitlines(), f"natively, {fact!r} is missing:\n{text}"
    machine = run_machine(machine_root(tmp_path / "root", program), program, ()).outcome
    assert (machine.stdout.decode(), machine.status) == (text, 0), machine.text()[-4000:]


def _uts_lines(text: str) -> list[str]:
    """The sethostname and setdomainname lines, addresses as ADDR and strace's alignment spaces dropped."""
    lines = [re.sub(r"\) +=", ") =", re.sub(r"0x7ff[0-9a-f]+", "ADDR", line)) for line in text.splitlines()]
    return [line for line in lines if line.startswith(("sethostname(", "setdomainname("))]


def test_sethostname_is_traced_as_strace_prints_it(tmp_path: Path) -> None:
    program = build_static(tmp_path, "uts_trace.c")
    native = subprocess.run(["strace", "-f", "-e", "trace=sethostname,setdomainname", "unshare", "-u", str(program)],
                            capture_output=True, timeout=120, check=False)
    expected = _uts_lines(native.stderr.decode())
    assert native.returncode == 0 and len(expected) == 5, native.stderr.decode()
    out = tmp_path / "trace.txt"
    proc = trace_on_machine(machine_root(tmp_path / "root", program), program, out)
    assert proc.returncode == 0, proc.stderr
    assert _uts_lines(out.read_text()) == expected
