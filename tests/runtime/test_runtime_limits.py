"""A guest cannot exhaust the host: a fork bomb, a disk filler and a memory toucher each end in Linux's errno (or
the OOM killer's SIGKILL), `syscalltbl run` exits cleanly, and the host process stays under guest RAM plus the
documented overhead (kernel/limits.py, docs/machine-limits.md).

Each hostile program runs through the real CLI in a child process, whose peak RSS a small wrapper reads
from getrusage(RUSAGE_CHILDREN): a fresh process per run, so no other child of pytest's counts.
"""

from __future__ import annotations

import re
import resource
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from busybox import busybox, require

from support import Cli
from syscalltbl.machine.kernel.limits import Limits
from syscalltbl.machine.tools.fuzz import Fuzzer

DATA = Path(__file__).parent / "data"
MEMORY = "64M"
BOUND = Limits(memory=64 << 20).host_bound
PROGRAMS = ("limits_fork", "limits_oom", "limits_files", "limits_fs", "limits_maps", "limits_inodes", "limits_pipes",
            "limits_symlinks", "readv_host_file")
APPLETS = ("sh", "dd", "ls", "cat")
# Runs in a fresh interpreter: the peak RSS of its one child, `syscalltbl run`, on its last stderr line.
MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(f'maxrss {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str
    peak_rss: int  # bytes


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/busybox with its applets, and the C programs of data/limits_*.c, static."""
    gcc = require("gcc", "gcc")
    made = tmp_path_factory.mktemp("limits-root")
    (made / "bin").mkdir()
    shutil.copy(busybox(), made / "bin" / "busybox")
    for applet in APPLETS:
        (made / "bin" / applet).symlink_to("busybox")
    for name in PROGRAMS:
        subprocess.run([gcc, "-static", "-O2", "-Wall", "-Werror", "-o", str(made / "bin" / name),
                        str(DATA / f"{name}.c")], check=True)
    return made


def run(cli: Cli, root: Path, *args: str, timeout: float = 240) -> Run:
    command = [sys.executable, "-c", MEASURE, cli.executable, "run", "--root", str(root), "--env-clear",
               "--env", "PATH=/bin", *args]
    done = subprocess.run(command, env=cli.env, capture_output=True, timeout=timeout, check=False)
    stderr = done.stderr.decode()
    *lines, last = stderr.rstrip("\n").split("\n")
    assert last.startswith("maxrss "), stderr
    assert "Traceback" not in stderr, stderr
    return Run(done.returncode, done.stdout.decode(), "".join(line + "\n" for line in lines), int(last.split()[1]))


def within_bound(result: Run) -> None:
    assert result.peak_rss < BOUND, f"host peak RSS {result.peak_rss >> 20} MiB, bound {BOUND >> 20} MiB"


def test_a_fork_loop_gets_eagain_at_the_process_limit(cli: Cli, root: Path) -> None:
    result = run(cli, root, "--memory", MEMORY, "--max-procs", "100", "limits_fork")
    # threads-max 100: the init, the parent and 98 children; RLIMIT_NPROC says half of it, as Linux's
    # set_max_threads, and binds a user other than root (4 children beside itself).
    assert (result.code, result.stderr) == (0, ""), result
    assert result.stdout.splitlines() == [
        "RLIMIT_NPROC 50 50",
        "root: fork 99: Resource temporarily unavailable",
        "root: 98 children made, 98 reaped",
        "uid 1000: fork 5: Resource temporarily unavailable",
        "uid 1000: 4 children made, 4 reaped",
        "uid 1000's process exited with 0",
    ]
    within_bound(result)


def test_a_shell_fork_bomb_sees_eagain_and_run_ends_cleanly(cli: Cli, root: Path) -> None:
    # Its processes die and new ones take their places; each refused fork prints busybox's message.
    # The run ends at its timeout, with one line, or before it, when at one moment every fork failed
    # and the orphans the init reaps held the slots of new ones (as under a real init, it can die out).
    result = run(cli, root, "--memory", MEMORY, "--max-procs", "64", "--timeout", "8",
                 "sh", "-c", "bomb() { bomb | bomb & }; bomb; echo the first shell goes on")
    assert result.code in (0, 1), (result.code, result.stderr[-2000:])
    # ash writes "sh: ", the message and the newline one write() each (stderr is unbuffered), and
    # the processes are time-sliced, as on Linux: another's pieces can come in between, and the run
    # can stop between two of them, so its own line may follow a "sh: " with no newline.
    ended = re.search(r"syscalltbl run: error: sh: (pid [0-9]+ )?still running after 8\.0 s\n\Z", result.stderr)
    assert (ended is not None) == (result.code == 1), result.stderr[-2000:]
    pieces = result.stderr[: ended.start()] if ended is not None else result.stderr
    assert "can't fork: Resource temporarily unavailable" in pieces, pieces[-2000:]
    assert re.fullmatch(r"(sh: |can't fork: Resource temporarily unavailable|\n)*", pieces), pieces[-2000:]
    assert "the first shell goes on\n" in result.stdout, result.stdout[-2000:]
    within_bound(result)


def test_a_disk_filler_gets_enospc_and_the_host_holds_ram_only_once(cli: Cli, root: Path) -> None:
    # First a process touches all of RAM (and dies of the OOM killer), then dd fills the filesystem,
    # whose data takes RAM as tmpfs's does: the frames the toucher used went back to the host, so
    # the host holds guest RAM once, not RAM and the files besides.
    script = "limits_oom > /dev/null; dd if=/dev/zero of=/big bs=1M; echo dd: $?; ls -l /big"
    result = run(cli, root, "--memory", MEMORY, "sh", "-c", script)
    assert result.code == 0, result
    assert "dd: error writing '/big': No space left on device\n" in result.stderr, result
    lines = result.stdout.splitlines()
    assert lines[0] == "dd: 1", result
    size = int(lines[1].split()[4])
    assert 20 << 20 < size <= 32 << 20 and size % 4096 == 0, lines  # half of RAM, less the programs
    within_bound(result)


def test_writes_past_the_filesystem_size_are_short_then_enospc(cli: Cli, root: Path) -> None:
    result = run(cli, root, "--memory", MEMORY, "--fs-size", "32M", "limits_fs")
    assert (result.code, result.stderr) == (0, ""), result
    lines = result.stdout.splitlines()
    assert lines[:7] == [
        "size 32768 KiB",
        "write: No space left on device",
        "short writes 1, whole pages 1, free blocks 0",
        "ftruncate past the end: 0",  # a hole: nothing allocated, as on tmpfs
        "unlink: 0",
        "write after: 1048576",
        lines[6],
    ], result.stdout
    held = int(lines[6].split()[3])
    assert 20 << 10 < held < 32 << 10


def test_inodes_and_links_end_in_enospc_at_the_inode_limit(cli: Cli, root: Path) -> None:
    # Every file is a host object, empty or not: nr_inodes bounds them, and a second name counts as one.
    result = run(cli, root, "--fs-inodes", "60", "limits_inodes")
    assert (result.code, result.stderr) == (0, ""), result
    assert result.stdout.splitlines() == [
        "open(O_CREAT) after some files: No space left on device",
        "free inodes: 0",
        "mkdir: No space left on device",
        "symlink: No space left on device",
        "link: No space left on device",
        "unlink: 0",
        "link: 0",  # the removed file's inode, taken by the new name
        "link again: No space left on device",
        "unlink a second name: 0",
        "mkdir: 0",
    ]


def test_long_symlinks_take_the_filesystems_pages(cli: Cli, root: Path) -> None:
    # 1 MiB is 256 pages: a 4000-byte target each, and the host holds no more than the guest was given.
    result = run(cli, root, "--fs-size", "1M", "limits_symlinks")
    assert (result.code, result.stderr) == (0, ""), result
    assert result.stdout.splitlines() == [
        "long symlinks: No space left on device after at most one per page",
        "free blocks: 0",
        "short symlink: 0",
    ]


def test_pipe_buffers_take_ram_and_end_in_enomem(cli: Cli, root: Path) -> None:
    result = run(cli, root, "--memory", "32M", "--max-files", "4096", "limits_pipes")
    assert (result.code, result.stderr) == (0, ""), result
    assert result.stdout.splitlines() == [
        "filling pipes", "write: Cannot allocate memory", "full after many pipes, several MiB"]
    assert result.peak_rss < Limits(memory=32 << 20).host_bound, result.peak_rss


def test_a_memory_toucher_dies_of_the_oom_killer(cli: Cli, root: Path) -> None:
    result = run(cli, root, "--memory", MEMORY, "limits_oom")
    assert (result.code, result.stderr) == (0, ""), result
    assert result.stdout.splitlines() == [
        "mmap 1 TiB: Cannot allocate memory",  # more than RAM in one request: refused by the heuristic
        "toucher killed by signal 9",  # the biggest process, not its parent
        "8 MiB touched afterwards: 2",  # and its RAM came back
    ]
    within_bound(result)


def test_the_oom_killers_victim_is_reported_by_run(cli: Cli, root: Path) -> None:
    # The toucher as the only process: it is the one killed, and run says so in one line.
    result = run(cli, root, "--memory", MEMORY, "limits_oom", "alone")
    assert (result.code, result.stdout) == (128 + 9, ""), result
    assert result.stderr == "syscalltbl run: limits_oom: killed by SIGKILL (out of memory)\n"
    within_bound(result)


def test_areas_end_in_enomem_at_max_map_count_as_natively(cli: Cli, root: Path) -> None:
    # Each area is a host object: vm.max_map_count bounds a process's, and RAM (AREAS_PER_FRAME) the machine's.
    expected = [
        "mmap after 65500 areas: Cannot allocate memory",
        "munmap of the last one: 0",
        "a three-page area in its place: mapped",
        "munmap of its middle page: Cannot allocate memory",  # a split past the limit
        "munmap of all of it: 0",
    ]
    result = run(cli, root, "--memory", MEMORY, "limits_maps")
    assert (result.code, result.stderr, result.stdout.splitlines()) == (0, "", expected), result
    within_bound(result)
    # With 16 MiB, the areas' RAM runs out long before max_map_count: the program's next page
    # fault finds RAM full, and the OOM killer ends it.
    small = run(cli, root, "--memory", "16M", "limits_maps")
    assert (small.code, small.stderr) == (128 + 9, "syscalltbl run: limits_maps: killed by SIGKILL (out of memory)\n")
    assert small.peak_rss < Limits(memory=16 << 20).host_bound
    if Path("/proc/sys/vm/max_map_count").read_text().strip() == "65530":  # the host's own is the default
        native = subprocess.run([root / "bin" / "limits_maps"], capture_output=True, timeout=120, check=True)
        assert native.stdout.decode().splitlines() == expected


def test_descriptors_end_in_emfile_at_rlimit_nofile(cli: Cli, root: Path) -> None:
    result = run(cli, root, "--max-files", "64", "limits_files")
    assert (result.code, result.stderr) == (0, ""), result
    assert result.stdout.splitlines() == [
        "RLIMIT_NOFILE 64 64",
        "open after 61: Too many open files",
        "dup: Too many open files",
        "pipe: Too many open files",
        "F_DUPFD: Too many open files",
        "raise the ceiling: Operation not permitted",  # past fs.nr_open, which --max-files is
        "soft limit 12: 0",
        "open: 10",
        "dup2 to 12: Bad file descriptor",
        "F_DUPFD from 12: Invalid argument",
        "open: 11",
        "open: Too many open files",
    ]
    # With a ceiling far above what RAM holds, descriptors (host objects, charged to RAM) end in ENOMEM first.
    many = run(cli, root, "--memory", "16M", "--max-files", "1000000", "limits_files")
    assert (many.code, many.stderr) == (0, ""), many
    second = many.stdout.splitlines()[1]
    assert second.startswith("open after ") and second.endswith(": Cannot allocate memory"), many.stdout
    assert 1000 < int(second.split()[2].rstrip(":")) < 65536, second
    assert many.peak_rss < Limits(memory=16 << 20).host_bound


def test_limit_options_that_are_not_sizes_are_usage_errors(cli: Cli, root: Path) -> None:
    for args, message in [
        (("--memory", "12X"), "argument --memory: not a size: '12X'"),
        (("--max-procs", "0"), "argument --max-procs: expected a positive whole number, got '0'"),
        (("--memory", "1M"), "machine limits: memory must be a whole number of pages, at least 16 MiB"),
        (("--memory", "99999999999999999999G"), "is more than this machine can address here (at most 1T)"),
    ]:
        done = cli.run("run", *args, "--root", root, "true")
        assert done.returncode == 2, done
        assert message in done.stderr.decode(), done.stderr
        assert "Traceback" not in done.stderr.decode()


def test_ram_the_host_cannot_reserve_is_one_line(cli: Cli, root: Path) -> None:
    def small_address_space() -> None:  # 3 GiB: room for Python, not for 4 GiB of RAM
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    done = subprocess.run([cli.executable, "run", "--memory", "4G", "--root", str(root), "true"], env=cli.env,
                          capture_output=True, preexec_fn=small_address_space, timeout=60, check=False)
    assert (done.returncode, done.stderr) == (
        1, b"syscalltbl run: error: cannot reserve 4096 MiB of host memory for the machine's RAM (--memory): "
        b"Cannot allocate memory\n")


def test_the_fuzzer_with_low_limits_finds_no_host_exception(cli: Cli) -> None:
    # RAM for one mapping in a few of the fuzzer's sizes, a filesystem all but full and a descriptor
    # table that fills up after a few opens: calls meet ENOMEM, ENOSPC and EMFILE all the time.
    low = Limits(memory=16 << 20, fs_size=256 << 10, max_procs=4, max_files=8)
    report = Fuzzer(11, 20_000, limits=low).run()
    assert (report.calls, report.violations) == (20_000, [])
    done = cli.run("fuzz", "--seed", "12", "--count", "5000", "--memory", "16M", "--fs-size", "256K",
                   "--max-procs", "4", "--max-files", "8")
    assert done.returncode == 0, done
    assert " 0 violations (seed 12)" in done.stdout.decode()


def test_getrlimit_reports_the_limits_the_machine_enforces(cli: Cli, root: Path) -> None:
    # The defaults, from a 1 GiB machine: threads-max 8192, so RLIMIT_NPROC 4096; 1024 descriptors.
    result = run(cli, root, "sh", "-c", "ulimit -u; ulimit -n")
    assert (result.code, result.stdout) == (0, "4096\n1024\n"), result


def test_a_finished_machine_gives_its_ram_back_to_the_host() -> None:
    """Nothing keeps a machine alive once its user drops it: not the finalizers of its files, pipes,
    shared memory or extended attributes (weakref.finalize's registry is global), so a host running
    machine after machine (a test suite, the fuzzer's restarts) does not grow by each one's RAM."""
    import gc
    import os
    import weakref

    from syscalltbl.machine.machine import Machine

    script = ("mkdir -p /tmp && echo data > /tmp/f && setfattr -n user.k -v v /tmp/f 2>/dev/null; "
              "echo through | cat && ipcmk -M 4096 >/dev/null 2>&1; cat /tmp/f")
    gone = []
    for _ in range(3):
        null = os.open(os.devnull, os.O_RDWR)
        try:
            machine = Machine(root=None, stdio=(null, null, null))
            status = machine.run(busybox(), ["sh", "-c", script])
            assert status.code == 0
            gone.append(weakref.ref(machine))
            del machine
        finally:
            os.close(null)
    gc.collect()
    assert [ref() is None for ref in gone] == [True, True, True]

@pytest.mark.parametrize("source", ["/big", "/dev/zero", "/dev/urandom"], ids=["host-file", "zero", "urandom"])
def test_a_huge_readv_is_not_held_in_host_memory_at_once(cli: Cli, root: Path, source: str) -> None:
    """readv of 512 MiB into untouched memory: from a sparse 2 GiB file of the host root (read on demand, not
    charged to the machine) or a device, the copy runs out of guest RAM (as Linux's with 64 MiB would), and
    the host process never held the 512 MiB the call asked for."""
    if source == "/big" and not (root / "big").exists():
        with open(root / "big", "wb") as big:
            big.truncate(2 << 30)  # sparse: no room on the host's disk
    result = run(cli, root, "--memory", MEMORY, "readv_host_file", source, str(512 << 20))
    assert result.code == 137 and "out of memory" in result.stderr, result
    within_bound(result)
