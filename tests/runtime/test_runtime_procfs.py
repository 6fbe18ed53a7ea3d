"""/proc on the machine: busybox's ps, free, df and cat read the machine's own processes and memory.

These cannot be compared with a native run (the host has other processes and
other memory), so each test checks what the machine must show: its process
tree, the reader's own signal masks and address space, its RAM.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from busybox import Outcome, make_template, run_emulated
from test_runtime_signals import native_and_emulated

RAM_KIB = 1024 * 1024  # the machine's default RAM (kernel/limits.py)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_template(tmp_path_factory.mktemp("procfs") / "root")


def sh(root: Path, script: str) -> Outcome:
    outcome = run_emulated(root / "bin" / "busybox", ["sh", "-c", script], root, "/work")
    assert outcome.status == 0, outcome.text()
    return outcome


def test_ps_lists_the_machines_processes(root: Path) -> None:
    out = sh(root, "sleep 2 & ps; kill $!").stdout.decode()
    rows = [line.split(None, 2) for line in out.splitlines()]
    assert rows[0] == ["PID", "USER", "COMMAND"]  # Debian's build leaves TIME out
    # The init, the shell, its background sleep, and ps itself: pids in fork order, root from /etc/passwd.
    # busybox's sh runs ps in a forked child without exec: the shell's command line, under the
    # name prctl(PR_SET_NAME) gave it. The init's command line is what it was told to run.
    pids, users, commands = zip(*rows[1:], strict=True)
    assert pids == ("1", "2", "3", "4") and users == ("root",) * 4
    init, commands = commands[0], commands[1:]
    assert init.startswith("init ") and " /bin/busybox " in init and init.endswith(commands[0])
    assert commands[0].endswith("/bin/busybox sh -c sleep 2 & ps; kill $!")
    # sleep was exec'd through /proc/self/exe, so its comm is "exe" until busybox names itself
    # (prctl(PR_SET_NAME)), and ps shows that comm first when it differs from argv[0], as on Linux.
    # Which of the two ps reads depends on the time slices, as it does on Linux.
    assert commands[1] in ("{exe} sleep 2", "sleep 2")
    assert commands[2] == "{ps} " + commands[0]


def test_status_shows_the_readers_own_signal_masks(root: Path) -> None:
    # trap '' ignores SIGUSR1 (10) and exec keeps it ignored: bit 9 of SigIgn in cat's own status.
    out = sh(root, "trap '' USR1; cat /proc/self/status; echo parent=$$").stdout.decode()
    fields = dict(line.split(":\t", 1) for line in out.splitlines() if ":\t" in line)
    assert fields["Name"] == "cat" and fields["Pid"] == "3" and fields["PPid"] == "2"
    assert fields["State"] == "R (running)" and fields["FDSize"] == "64"
    assert int(fields["SigIgn"], 16) & 1 << 9 and not int(fields["SigCgt"], 16)
    assert "parent=2" in out  # the init's child


def test_maps_shows_the_address_space(root: Path) -> None:
    out = sh(root, "cat /proc/self/maps").stdout.decode().splitlines()
    names = [line.split()[-1] for line in out if len(line.split()) == 6]
    assert names[0] == "/bin/busybox" and names[-3:] == ["[vvar]", "[vdso]", "[stack]"] and "[heap]" in names
    text = next(line for line in out if "r-xp" in line and line.endswith("/bin/busybox"))
    start, end = (int(x, 16) for x in text.split()[0].split("-"))
    assert start < end and start % 4096 == 0


def test_self_cmdline_fd_and_exe(root: Path) -> None:
    out = sh(root, "readlink /proc/self; cat /proc/self/cmdline | tr '\\0' '|'; echo; "
                   "ls /proc/self/fd; readlink /proc/self/exe; ls /proc | grep -v '^[0-9]'").stdout.decode()
    assert out.splitlines() == ["3", "cat|/proc/self/cmdline|", "0", "1", "2", "3", "/bin/busybox",
                                "config.gz", "cpuinfo", "filesystems", "key-users", "loadavg", "locks", "meminfo",
                                "mounts", "self", "sys", "sysvipc", "thread-self", "uptime", "version"]


def test_free_and_df_see_the_machines_memory(root: Path) -> None:
    out = sh(root, "free; df /").stdout.decode().splitlines()
    total, used, free = (int(x) for x in out[1].split()[1:4])
    assert total == RAM_KIB and used + free == total and 0 < used < total // 4
    assert out[-1].split()[0] == "overlay" and out[-1].split()[-1] == "/"


def test_proc_answers_as_natively(tmp_path: Path) -> None:
    native, emulated = native_and_emulated(tmp_path, "procfs.c", "-lm")
    assert emulated == native
    for line in ("getcwd in /proc/self/fd names the pid: 1", "comm now: a-much-longer-n", "write stat: EINVAL",
                 "write meminfo: EIO", "zombie exe: ENOENT", "zombie fds: 0 listed", "openat(reaped, status): ESRCH",
                 "creat: ENOENT", "rename in: EXDEV", "cmdline after writing argv[0]: ",
                 "/proc/uptime and sysinfo agree with CLOCK_BOOTTIME: 1 1"):
        assert line in native
