"""Static Go programs (issue 14): built with CGO_ENABLED=0 from the standard library only, run natively and on
the machine, compared by stdout and exit status.

Go's runtime is the most demanding of the threaded runtimes: before main it
finds `__vdso_clock_gettime` through the vDSO's symbol versions, reserves
hundreds of MB of address space, starts threads (clone without a libc),
parks them on futexes, and polls with epoll; its timers need nanosleep and
futex timeouts; os/exec uses clone(CLONE_VFORK|CLONE_VM) and pipes.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from native_vs_machine import DATA_FILES, assert_same, make_root, run_both
from static_builds import build

#: (source, exit status natively, lines its native output must contain).
GO_PROGRAMS: list[tuple[str, int, tuple[str, ...]]] = [
    ("go_hello.go", 3, ("hello from Go", "GOOS linux GOARCH amd64 args 1")),
    ("go_goroutines.go", 0, ("goroutines 1000 results 20000 sum 2666866670000 expected 2666866670000",
                             "mutex total 499500")),
    ("go_timers.go", 0, ("slept at least 50ms: true", "the fast timer fired first",
                         "worker finished before the timeout", "ticks 5 elapsed at least 100ms: true")),
    ("go_readdir_json.go", 0, ('"name": "alpha.txt"', '"lines": 3', '"name": "sub",\n    "dir": true',
                               f"decoded {len({n.split('/')[0] for n in DATA_FILES})} entries; first alpha.txt")),
    ("go_exec.go", 0, ('echo: "hello from a child\\n" err=<nil>', 'tr: "SHOUT THIS\\n" err=<nil>',
                       "sh -c 'exit 5': exit code 5", "missing program: true", 'wc -l f.txt: "2 f.txt" err=<nil>')),
]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_root(tmp_path_factory.mktemp("go-root") / "root")


@pytest.mark.parametrize(("source", "status", "facts"), GO_PROGRAMS, ids=[g[0] for g in GO_PROGRAMS])
def test_go_program_as_natively(template: Path, tmp_path: Path, source: str, status: int,
                                facts: tuple[str, ...]) -> None:
    assert_same(run_both(template, tmp_path, build("go", source)), status, facts)
