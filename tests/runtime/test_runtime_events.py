"""What threaded runtimes call, through static glibc programs run natively and on the machine.

Each program in data/ prints only facts that hold on any Linux (counts,
errnos, which descriptor became ready), so the two runs are compared byte
for byte, exit status included.

- vdso_versions.c looks the vDSO's functions up by name and version
  (LINUX_2.6, through DT_VERSYM/DT_VERDEF, as glibc and Go do) and calls them.
- sched_calls.c: getcpu, sched_{get,set}affinity's raw answers and errors,
  the policy queries, membarrier's registration protocol, and a parent that
  spins on sched_yield until its child has run and exited.
- eventfd.c: the counter, EFD_SEMAPHORE, EFD_NONBLOCK/CLOEXEC, EAGAIN, the
  8-byte rule, overflow at ULLONG_MAX-1, poll readiness, and a read and a
  write that block until another process acts.
- event_loop.c: a server-style loop: one epoll over a pipe fed by a child
  (edge-triggered, drained to EAGAIN), an eventfd (level) and a periodic
  timerfd (one-shot, re-armed), until the pipe's writer is gone.
- epoll.c: an epoll loop over a pipe and eventfds, level vs edge triggering,
  one-shot items, round robin with maxevents=1, closing a watched file
  (the item goes with its last descriptor), hang-ups, Linux's errors,
  EPOLLEXCLUSIVE's rules, nesting with its loop and depth limits, timeouts,
  epoll_pwait2, a blocking wait woken by another process, EINTR, and
  epoll_pwait's signal mask.
- timerfd.c: one-shot and interval timers, relative and absolute, on
  CLOCK_MONOTONIC, REALTIME and BOOTTIME; the expiration count a read
  answers (exact for an absolute start in the past); gettime and settime's
  old value; poll and epoll waits that must wake at the expiry; an unread
  timer being one edge only; the errors.
- anon_files.c: fstat and /proc/self/fd of the three kinds of descriptor,
  and epoll on the host's stdin (a pipe with data and then EOF).
- epoll_paths.c: five levels of 30 densely nested epoll instances: which adds
  reverse_path_check refuses (EINVAL), and which instances are then ready.
- epoll_watches.c (on the machine only: a Linux box has far more RAM): epoll
  items end in ENOSPC at max_user_watches, 4% of RAM in EP_ITEM_COST units,
  and closing the watched files or the instances gives them back.
- pipe_packets.c: pipe2(O_DIRECT): one packet per write (split at a page),
  at most one packet per read with its unread rest dropped, 16 packets to a
  pipe, and O_DIRECT on the write end only.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from syscalltbl.machine.syscalls.eventpoll import EP_ITEM_COST, WATCHES_SHARE_OF_RAM

DATA = Path(__file__).parent / "data"


def build(tmp_path: Path, source: str) -> Path:
    program = tmp_path / Path(source).stem
    subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Werror", "-o", str(program), str(DATA / source)], check=True)
    return program


def both(program: Path, stdin: bytes = b"") -> tuple[tuple[int, str], tuple[int, str]]:
    """(status, stdout) natively and on the machine."""
    native = subprocess.run([str(program)], input=stdin, capture_output=True, timeout=60, check=False)
    emulated = subprocess.run([sys.executable, "-m", "syscalltbl", "run", str(program)], input=stdin,
                              capture_output=True, timeout=120, check=False)
    assert emulated.stderr == b"", emulated.stderr.decode()
    return (native.returncode, native.stdout.decode()), (emulated.returncode, emulated.stdout.decode())


def test_vdso_functions_are_found_by_version(tmp_path: Path) -> None:
    native, emulated = both(build(tmp_path, "vdso_versions.c"))
    assert emulated == native
    assert native[0] == 0
    assert "__vdso_clock_gettime@LINUX_2.6: found" in native[1]
    assert "__vdso_clock_gettime@LINUX_2.5: missing" in native[1]


def test_scheduling_calls(tmp_path: Path) -> None:
    native, emulated = both(build(tmp_path, "sched_calls.c"))
    assert emulated == native
    assert native[0] == 0
    for line in ("sched_getaffinity(0, 4): -1 EINVAL", "membarrier PRIVATE_EXPEDITED unregistered: -1 EPERM",
                 "membarrier GET_REGISTRATIONS: 84", "child exited with 7 while the parent yielded"):
        assert line in native[1]


def test_eventfd(tmp_path: Path) -> None:
    native, emulated = both(build(tmp_path, "eventfd.c"))
    assert emulated == native
    assert native[0] == 0
    for line in ("semaphore read: -1 EAGAIN", "write of 1 more: -1 EAGAIN", "at ULLONG_MAX-1: poll=1 in=1 out=0 err=0",
                 "blocking read: 8 bytes, 0x5", "child: 0"):
        assert line in native[1]


def test_event_loop_over_a_pipe_an_eventfd_and_a_timerfd(tmp_path: Path) -> None:
    native, emulated = both(build(tmp_path, "event_loop.c"))
    assert emulated == native
    assert native == (0, "".join(f"message {i}\n" for i in range(1, 6))
                      + "eventfd total: 5\ntimer fired: 1\npipe: eof=1 hup=1\nchild: 0\n")


def test_epoll(tmp_path: Path) -> None:
    native, emulated = both(build(tmp_path, "epoll.c"))
    assert emulated == native
    assert native[0] == 0
    for line in ("no new edge: 1 [1 IN]", "then no edge: 0", "one-shot disabled: 0", "maxevents=1 again: 1 [11 IN]",
                 "its last descriptor closed: 1 [11 IN]", "add a regular file: -1 EPERM", "nest level 5: -1 ELOOP",
                 "blocking wait: 1 [50 IN]", "epoll_wait interrupted: -1 EINTR"):
        assert line in native[1]


def test_timerfd(tmp_path: Path) -> None:
    native, emulated = both(build(tmp_path, "timerfd.c"))
    assert emulated == native
    assert native[0] == 0
    for line in ("poll until the expiry: 0x1", "read: 11", "edge-triggered, unread, 80 ms later: 0",
                 "blocking read, CLOCK_BOOTTIME: 1", "epoll_wait until the expiry: 1 data=7 events=0x1"):
        assert line in native[1]


def test_pipe2_packet_mode(tmp_path: Path) -> None:
    native, emulated = both(build(tmp_path, "pipe_packets.c"))
    assert emulated == native
    assert native[0] == 0
    for line in ('read 4 of a 10-byte packet: 4 "0123"', 'the next read: the next packet: 2 "xy"',
                 "read 65536: 1808", "1-byte packets before EAGAIN: 16 (EAGAIN)"):
        assert line in native[1]


def test_anonymous_files_and_epoll_on_the_hosts_stdin(tmp_path: Path) -> None:
    native, emulated = both(build(tmp_path, "anon_files.c"), stdin=b"hi\n")
    assert emulated == native
    assert "anon_inode:[eventpoll] mode=600" in native[1] and "stdin: 1 events=0x11 data=9 read=3" in native[1]


def test_epoll_wake_up_paths_are_bounded(tmp_path: Path) -> None:
    native, emulated = both(build(tmp_path, "epoll_paths.c"))
    assert emulated == native
    assert "level 1: 400 refused, the first at add 500 (EINVAL)" in native[1]


def test_epoll_items_are_bounded_per_user(tmp_path: Path) -> None:
    program = build(tmp_path, "epoll_watches.c")
    run = subprocess.run([sys.executable, "-m", "syscalltbl", "run", "--memory", "16M", str(program)],
                         capture_output=True, timeout=120, check=False)
    limit = (16 << 20) // WATCHES_SHARE_OF_RAM // EP_ITEM_COST
    assert (run.returncode, run.stdout.decode()) == (
        0, f"items before the limit: {limit} (ENOSPC)\nafter closing the watched files: {limit} (ENOSPC)\n"
           f"after closing the instances: {limit} (ENOSPC)\n"), run.stderr
