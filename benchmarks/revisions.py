"""A revision's `src/` exported with git, for benchmarks that run two trees side by side."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def export(revision: str, into: Path) -> Path:
    """`revision`'s src/ under `into`, as git archive writes it."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", revision, "src"],
                             capture_output=True, check=True).stdout  # fmt: skip
    tar = into / "src.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as t:
        t.extractall(into, filter="data")
    return into / "src"
