"""Threaded C and C++ programs (issue 14): the same static binary natively and on the machine, compared by
stdout and exit status.

Each C source in data/threads is built twice, with `gcc -static -pthread`
(glibc: NPTL, futex-based locks, clone with CLONE_VM|CLONE_THREAD|...,
CLONE_SETTLS, CLONE_CHILD_CLEARTID for pthread_join) and with
`musl-gcc -static` (musl's own pthreads over the same calls), so one
program's behaviour is checked through two libcs. Every program prints
facts (sums, orders, which thread ran a handler), never timings or ids, and
its native run is checked against what it promises before the machine's run
is compared with it. The spin-wait programs make no system call while they
wait, so they end only if the machine preempts a spinning task; they get
60 seconds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from native_vs_machine import assert_same, make_root, run_both
from static_builds import COMPILERS, Compiler, build

#: (source, exit status natively, lines its native output must contain).
C_PROGRAMS: list[tuple[str, int, tuple[str, ...]]] = [
    ("mutex_sum.c", 0, ("total 720000, joined 720000, expected 720000",)),
    ("condvar.c", 0, ("consumer: sum 2001000, in order yes", "left in the ring: 0")),
    ("barrier.c", 0, ("round 3: serial threads 1, marks missing 0",)),
    ("cancel.c", 0, ("canceled: yes, cleanup ran with 7, read returned: no", "second thread canceled: yes")),
    ("tls.c", 0, ("thread 3: started with 100, ended with 35, name thread-3", "main: -1, name main")),
    ("thread_signal.c", 0, ("SIGUSR1 handled in thread 2", "SIGUSR2 handled in thread 3")),
    ("spawn.c", 0, ("posix_spawn of a missing program: ENOENT", "posix_spawnp of an unknown name: ENOENT",
                    "posix_spawn of sh: 0, waited for it: yes, exit status 3", "system: exit status 7",
                    "popen gave: read through popen", "pclose: exit status 4")),
    ("pshared_mutex.c", 0, ("anonymous: child exited 0, counter 10000", "file: child exited 0, counter 10000",
                            "read() after munmap: 8 bytes, counter 10000")),
]
#: Programs that wait without system calls: (source, lines natively).
SPINNERS: list[tuple[str, tuple[str, ...]]] = [
    ("spin_flag.c", ("worker computed 225013987; main spun: yes",)),
    ("spin_shared.c", ("child exited 0; counter 200 after 100 rounds each",)),
]
SPIN_LIMIT = 60.0


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_root(tmp_path_factory.mktemp("threads-root") / "root")


@pytest.mark.parametrize("libc", ["gcc", "musl"])
@pytest.mark.parametrize(("source", "status", "facts"), C_PROGRAMS, ids=[c[0] for c in C_PROGRAMS])
def test_c_program_as_natively(template: Path, tmp_path: Path, libc: str, source: str, status: int,
                               facts: tuple[str, ...]) -> None:
    assert_same(run_both(template, tmp_path, build(libc, source)), status, facts)


@pytest.mark.parametrize("libc", ["gcc", "musl"])
@pytest.mark.parametrize(("source", "facts"), SPINNERS, ids=[s[0] for s in SPINNERS])
def test_spin_wait_ends_within_a_minute(template: Path, tmp_path: Path, libc: str, source: str,
                                        facts: tuple[str, ...]) -> None:
    both = run_both(template, tmp_path, build(libc, source), timeout=SPIN_LIMIT)
    assert_same(both, 0, facts)
    assert both.machine.seconds < SPIN_LIMIT


def test_cxx_iostream_thread_mutex_as_natively(template: Path, tmp_path: Path) -> None:
    facts = ("hello from iostream", "total 150000, call_once ran 1 time(s)", "request seen; reply seen")
    assert_same(run_both(template, tmp_path, build("g++", "cxx_threads.cpp")), 0, facts)


def test_a_missing_compiler_fails_naming_its_package(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never a skip: without the toolchain, the test says which Debian package to install."""
    monkeypatch.setitem(COMPILERS, "musl", Compiler("no-such-musl-gcc", "musl-tools", ()))
    with pytest.raises(pytest.fail.Exception, match="no-such-musl-gcc is missing: install Debian's musl-tools"):
        build("musl", "mutex_sum.c")
