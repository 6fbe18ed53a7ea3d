"""A static Rust program (issue 14): Debian's rustc with +crt-static (glibc, linked statically) and its
default relocation model, a static-pie (issue 15), run natively and on the machine, compared by stdout and
exit status.

std::thread::spawn is pthread_create underneath, mpsc channels and Mutex
park on futexes, and std::fs writes, reads, lists and removes files.
"""

from __future__ import annotations

from pathlib import Path

from native_vs_machine import assert_same, make_root, run_both
from static_builds import build


def test_rust_threads_channels_fs_as_natively(tmp_path: Path) -> None:
    template = make_root(tmp_path / "template")
    facts = ("received 6 messages, joined [0, 1, 2, 3, 4, 5]", "thread 5 sent 3003000 and wrote 3003000",
             "files: part-0.txt part-1.txt part-2.txt part-3.txt part-4.txt part-5.txt", "total 10510500",
             "removed: true")
    assert_same(run_both(template, tmp_path / "runs", build("rustc", "rust_threads_fs.rs")), 0, facts)
