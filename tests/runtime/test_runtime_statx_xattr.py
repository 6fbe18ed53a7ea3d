"""statx, creat, fadvise64 and the extended-attribute calls (issue 15): the calls Debian's ls, tar, cp and
find make at start-up.

One static C program exercises each call and its errors. Natively it runs in
a fresh directory of /dev/shm, a tmpfs, since the machine's filesystem is
tmpfs-like; on the machine it runs in the root's /work. Its output and exit
status must be the same. --trace's lines for the same calls are held to
what strace 6.1 printed for the program on a tmpfs (data/trace_fs_calls.strace,
addresses as ADDR); the *xattrat calls, newer than strace 6.1, to strace's
xattr.c rules.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import test_runtime_limits as limits
from busybox import DATA, ENV, build_static
from native_vs_machine import run_machine
from tmpfs_native import SHM, assert_as_on_a_tmpfs, machine_root, trace_on_machine

from support import Cli
from syscalltbl.machine.kernel.limits import Limits

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "  mask 0x1fff attributes 0 attributes_mask 0x203070",
    "  mask 0x173f mtime 0 ctime 0 btime 0",
    "statx reserved mask: -1 EINVAL",
    "creat again: truncated to 0, mode kept 100644",
    "fadvise pipe: -1 ESPIPE",
    "256-byte name: -1 ERANGE",
    "fset trusted on a pipe: -1 EOPNOTSUPP",
    "setxattrat longer args, nonzero tail: -1 E2BIG",
    "list at the end: security.s trusted.t user.a user.b user.c user.e user.q0 user.t",
    "done",
)
#: The *xattrat lines, as strace's xattr.c prints them (its 6.1 shows only syscall_0x1cf(...)).
XATTRAT_LINES = (
    'setxattrat(AT_FDCWD, "f", 0, "user.at", {value="at!", size=3, flags=0}, 16) = 0',
    'getxattrat(3, "", AT_EMPTY_PATH, "user.at", {value="at!", size=64, flags=0}, 16) = 3',
    'getxattrat(AT_FDCWD, "f", AT_SYMLINK_NOFOLLOW, "user.none", {value=ADDR, size=64, flags=0}, 16)'
    " = -1 ENODATA (No data available)",
    'listxattrat(AT_FDCWD, "f", 0, "user.at\\0", 64) = 8',
    'removexattrat(AT_FDCWD, "f", 0x10000 /* AT_??? */, "user.at") = -1 EINVAL (Invalid argument)',
    'removexattrat(AT_FDCWD, "f", 0, "user.at") = 0',
)






def test_statx_creat_fadvise_and_xattrs_as_on_a_tmpfs(tmp_path: Path) -> None:
    program = build_static(tmp_path, "statx_xattr.c")
    assert_as_on_a_tmpfs(tmp_path, program, FACTS)


def test_the_new_calls_are_traced_as_strace_prints_them(tmp_path: Path) -> None:
    program = build_static(tmp_path, "trace_fs_calls.c")
    root = machine_root(tmp_path / "root", program)
    out = tmp_path / "trace.txt"
    proc = trace_on_machine(root, program, out)
    assert (proc.returncode, proc.stdout) == (0, b"done\n"), proc.stderr
    lines = re.sub(r"0x7ff[0-9a-f]+", "ADDR", out.read_text()).splitlines()
    lines = [line for line in lines if not line.startswith(("write(3,", "symlink("))]
    start = lines.index('creat("f", 0640) = 3')
    expected = (DATA / "trace_fs_calls.strace").read_text().splitlines()
    assert lines[start : start + len(expected)] == expected
    at = start + len(expected)
    assert tuple(lines[at : at + len(XATTRAT_LINES)]) == XATTRAT_LINES


def test_attributes_take_ram_and_end_in_enospc(cli: Cli, tmp_path: Path) -> None:
    """A guest setting 64 KiB values without end fills the machine's RAM, never the host's."""
    root = machine_root(tmp_path / "root", build_static(tmp_path, "limits_xattrs.c"))
    result = limits.run(cli, root, "--memory", "32M", "limits_xattrs")
    assert (result.code, result.stderr) == (0, ""), result
    assert result.stdout.splitlines() == [
        "setting attributes", "setxattr: No space left on device", "full after several MiB",
        "after removing them: 0", "listed: 11"]
    assert result.peak_rss < Limits(memory=32 << 20).host_bound, result.peak_rss


def test_a_touch_past_a_files_end_is_sigbus_only_where_the_mapping_allows_it(tmp_path: Path) -> None:
    """Found by the fuzzer's file steps: a write to a read-only mapping past the end was SIGBUS, not SIGSEGV."""
    program = build_static(tmp_path, "file_fault_signals.c")
    with tempfile.TemporaryDirectory(dir=SHM) as here:
        native = subprocess.run([str(program)], cwd=here, env=ENV, capture_output=True, timeout=120, check=False)
    assert native.returncode == 0 and native.stdout.count(b"Bus error") == 2, native
    machine = run_machine(machine_root(tmp_path / "root", program), program, ()).outcome
    assert (machine.stdout, machine.status) == (native.stdout, 0), machine.text()
