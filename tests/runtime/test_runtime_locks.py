"""Record locks, OFD locks and flock (issue 16): data/locks.c natively on a tmpfs and on the machine.

The program's processes contend for fcntl locks (one sleeps in F_SETLKW until
the other unlocks), deadlock (the second waiter is told EDEADLK), share OFD
locks across fork, and take flock locks; its output orders their steps with
pipes, so the native run and the machine's must be the same, byte for byte.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import test_runtime_limits as limits
from busybox import ENV, build_static
from native_vs_machine import run_machine
from tmpfs_native import SHM, assert_as_on_a_tmpfs, machine_root, require_tmpfs, trace_on_machine

from support import Cli
from syscalltbl.machine.kernel.limits import Limits
from syscalltbl.machine.kernel.locks import LockTable, RangeLock, describe
from syscalltbl.machine.kernel.vfs import FS_DEV, Regular
from syscalltbl.machine.uapi.fcntl import F_RDLCK, F_UNLCK, F_WRLCK

#: What the program must print natively (so a broken native run cannot pass as a match).
FACTS = (
    "child: getlk F_WRLCK 0+0: F_WRLCK start 0 len 40 pid parent",
    "child: getlk F_WRLCK 305+1: F_WRLCK start 300 len 20 pid parent",
    "child: getlk F_WRLCK 996+1: F_RDLCK start 990 len 10 pid parent",
    "child: getlk F_WRLCK 0+0: free (whence 0 start 0 len 0)",
    "start max len 2: -1 EOVERFLOW",
    "W on O_RDONLY: -1 EBADF",
    "parent: the child sleeps; unlocking",
    "child: setlkw 0+1 while the parent waits for 1+1: -1 EDEADLK",
    "child: setlkw interrupted: -1 EINTR",
    "child: flock EX on a third, interrupted: -1 EINTR",
    "child: ofd lock 0+20 through the inherited fd: 0",
    "child: getlk F_RDLCK 15+1: F_WRLCK start 0 len 20 pid -1",
    "child: ofd setlkw: 0",
    "child: flock SH|NB on its own: -1 EAGAIN",
    "child: now its own to EX|NB (the other was lost): 0",
    "parent: getlk F_RDLCK 0+0: F_WRLCK start 0 len 0 pid child",
    "child: getlk F_WRLCK 3+1: F_RDLCK start 0 len 0 pid parent",
    "child: flock SH waited: 0",
    "thread: getlk F_WRLCK 0+0: free (whence 0 start 0 len 0)",
    "parent: getlk F_RDLCK 0+0: free (whence 0 start 0 len 0)",
    "child: getlk F_WRLCK 0+0: F_WRLCK start 0 len 10 pid parent",
    "done",
)
#: The contents of the file that is there before the program runs.
EXISTING = b"on the host before the program\n"
#: --trace's lines for some of the calls, as strace prints them (fd numbers are the program's own).
TRACED = (
    "fcntl(3, F_SETLK, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=100}) = 0",
    "fcntl(3, F_SETLK, {l_type=F_RDLCK, l_whence=SEEK_END, l_start=990, l_len=-10}) = 0",
    "fcntl(3, F_GETLK, {l_type=F_UNLCK, l_whence=SEEK_SET, l_start=0, l_len=0, l_pid=0}) = 0",
    "fcntl(3, F_GETLK, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=40, l_pid=2}) = 0",  # the program's pid
    "fcntl(3, F_SETLK, {l_type=0x9 /* F_??? */, l_whence=SEEK_SET, l_start=0, l_len=1}) = -1 EINVAL (Invalid argument)",
    "fcntl(3, F_SETLK, {l_type=F_RDLCK, l_whence=0x7 /* SEEK_??? */, l_start=0, l_len=0})"
    " = -1 EINVAL (Invalid argument)",
    "fcntl(3, F_GETLK, 0x10) = -1 EFAULT (Bad address)",
    "fcntl(3, F_SETLKW, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=1})"
    " = -1 EDEADLK (Resource deadlock avoided)",
    "fcntl(3, F_OFD_GETLK, {l_type=F_WRLCK, l_whence=SEEK_SET, l_start=0, l_len=10, l_pid=-1}) = 0",
    "flock(3, 0) = -1 EINVAL (Invalid argument)",
    "flock(18, LOCK_EX|LOCK_NB) = 0",
    "flock(18, LOCK_SH|LOCK_MAND) = 0",
    "flock(18, LOCK_UN) = 0",
)


def _existing(work: Path) -> None:
    """A file the program finds made: on the machine, a file of the host root, which it reads through."""
    (work / "existing").write_bytes(EXISTING)


def test_locks_between_processes_as_on_linux(tmp_path: Path) -> None:
    program = build_static(tmp_path, "locks.c")
    assert_as_on_a_tmpfs(tmp_path, program, FACTS, _existing)


def test_lock_calls_are_traced_as_strace_prints_them(tmp_path: Path) -> None:
    program = build_static(tmp_path, "locks.c")
    root = machine_root(tmp_path / "root", program, _existing)
    out = tmp_path / "trace.txt"
    proc = trace_on_machine(root, program, out)
    assert proc.returncode == 0, proc.stderr
    lines = {re.sub(r"^\[pid \d+\] ", "", line) for line in out.read_text().splitlines()}
    for line in TRACED:
        assert line in lines, line


def _proc_locks(out: bytes, pid: str) -> list[str]:
    """/proc/locks's lines with their number, the device and inode, and the holder's pid as words.

    Natively the numbers count other programs' locks too: only the order of the lines is compared.
    """
    lines = [re.sub(r"^\d+: (.*) [0-9a-f]+:[0-9a-f]+:\d+ ", r"N: \1 DEV:INO ", line)
             for line in out.decode().splitlines()]
    return [re.sub(rf" {pid} DEV", " PID DEV", line) for line in lines]


def test_proc_locks_lists_the_held_locks(tmp_path: Path) -> None:
    """/proc/locks shows each lock as Linux's lock_get_status does: its kind, type, owner and range."""
    require_tmpfs()
    program = build_static(tmp_path, "proc_locks.c")
    with tempfile.TemporaryDirectory(dir=SHM) as here:
        native = subprocess.run([str(program)], cwd=here, env=ENV, capture_output=True, timeout=60, check=False)
    assert native.returncode == 0, native
    pid = native.stdout.split(b" ")[0].decode()
    expected = _proc_locks(native.stdout.split(b"\n", 1)[1], pid)
    assert expected == [
        "N: OFDLCK ADVISORY  WRITE -1 DEV:INO 100 EOF",
        "N: POSIX  ADVISORY  READ PID DEV:INO 10 19",
        "N: FLOCK  ADVISORY  WRITE PID DEV:INO 0 EOF",
    ], native.stdout
    machine = run_machine(machine_root(tmp_path / "root", program), program, ()).outcome
    assert machine.status == 0, machine.text()
    out = machine.stdout
    assert _proc_locks(out.split(b"\n", 1)[1], out.split(b" ")[0].decode()) == expected, machine.text()


def test_proc_locks_names_the_file_as_stat_does(tmp_path: Path) -> None:
    """A /proc/locks line's MAJOR:MINOR:INODE is the locked file's st_dev and st_ino (lslocks relies on it)."""
    program = build_static(tmp_path, "proc_locks_dev.c")
    assert_as_on_a_tmpfs(tmp_path, program, ["the lock is listed under its file's device and inode: yes"])


def test_locks_take_ram_and_end_in_enolck(cli: Cli, tmp_path: Path) -> None:
    """A guest locking every other byte without end fills the machine's RAM, never the host's: ENOLCK."""
    root = machine_root(tmp_path / "root", build_static(tmp_path, "limits_locks.c"))
    result = limits.run(cli, root, "--memory", "32M", "limits_locks")
    assert (result.code, result.stderr) == (0, ""), result
    assert result.stdout.splitlines() == [
        "locking", "fcntl: No locks available", "full after many thousands", "unlock all: 0", "lock again: 0"]
    assert result.peak_rss < Limits(memory=32 << 20).host_bound, result.peak_rss


#: locks_edges.c's lines that say which check Linux makes first, and that a query leaves the padding alone.
EDGE_FACTS = (
    "ofd setlk, l_pid 1, F_WRLCK on O_RDONLY: -1 EBADF type 1 whence 0 start 0 len 1 pad aaaaaaaa aaaaaaaa",
    "setlk, type 7, past OFFSET_MAX: -1 EOVERFLOW type 7 whence 0 start 9223372036854775807 len 2"
    " pad aaaaaaaa aaaaaaaa",
    "ofd getlk, l_pid 1, past OFFSET_MAX: -1 EOVERFLOW type 1 whence 0 start 9223372036854775807 len 2"
    " pad aaaaaaaa aaaaaaaa",
    "ofd getlk, type 7, past OFFSET_MAX: -1 EOVERFLOW type 7 whence 0 start 9223372036854775807 len 2"
    " pad aaaaaaaa aaaaaaaa",
    "getlk, type 7, past OFFSET_MAX: -1 EINVAL type 7 whence 0 start 9223372036854775807 len 2"
    " pad aaaaaaaa aaaaaaaa",
    "getlk free: 0 0 type 2 whence 0 start 3 len 4 pad aaaaaaaa aaaaaaaa",
    "ofd getlk held, via another description: 0 0 type 1 whence 0 start 2 len 5 pad aaaaaaaa aaaaaaaa",
    "done",
)


def test_lock_command_checks_come_in_linux_order(tmp_path: Path) -> None:
    """Range before type before file mode before an OFD call's l_pid; F_GETLK writes back only its fields."""
    program = build_static(tmp_path, "locks_edges.c")
    assert_as_on_a_tmpfs(tmp_path, program, EDGE_FACTS)


def test_proc_locks_is_rendered_once_until_a_lock_changes() -> None:
    """Read a page at a time, /proc/locks costs one rendering, not one a read.

    A program holding an eighth of RAM's worth of locks (half a million at
    1 GiB) would otherwise keep the host busy for hours reading it: each
    4 KiB read rendered every line again (14 s for 32766 locks at 64 MiB).
    """
    table, owner = LockTable(None), object()
    locks = table.of(Regular())
    for start in range(0, 2000, 2):
        locks.apply(RangeLock(owner, F_WRLCK, start, start, 7, ofd=False))
    first = describe(table, FS_DEV)
    assert describe(table, FS_DEV) is first
    assert first.count(b"\n") == 1000 and first.startswith(b"1: POSIX  ADVISORY  WRITE 7 00:2a:")
    locks.apply(RangeLock(owner, F_RDLCK, 0, 0, 7, ofd=False))
    assert describe(table, FS_DEV).endswith(b": POSIX  ADVISORY  READ 7 00:2a:%d 0 0\n" % locks.inode.ino)
    locks.apply(RangeLock(owner, F_UNLCK, 0, 1 << 40, 7, ofd=False))
    assert describe(table, FS_DEV) == b""
