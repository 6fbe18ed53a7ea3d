"""ruff and strict mypy over the code as the wheel lays it out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPO

# The wheel nests these top-level directories inside the `syscalltbl` package.
NESTED = ("generators", "kernel_runtime")
OWN_CODE = ("syscalltbl", *NESTED, "tests", "benchmarks")


def _tool(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def test_ruff_is_clean() -> None:
    existing = [d for d in OWN_CODE if (REPO / d).is_dir()]
    proc = subprocess.run([_tool("ruff"), "check", *existing], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def package_mirror(root: Path) -> Path:
    """syscalltbl/ with generators/ and kernel_runtime/ linked in, as mypy cannot follow package-dir."""
    mirror = root / "syscalltbl"
    mirror.mkdir()
    for item in (REPO / "syscalltbl").iterdir():
        if item.suffix in (".py", ".typed") or (item.is_dir() and (item / "__init__.py").is_file()):
            (mirror / item.name).symlink_to(item, target_is_directory=item.is_dir())
    for name in NESTED:
        (mirror / name).symlink_to(REPO / name, target_is_directory=True)
    return mirror


def test_mypy_strict_is_clean(tmp_path: Path) -> None:
    mirror = package_mirror(tmp_path)
    proc = subprocess.run(
        [
            _tool("mypy"),
            "--config-file",
            str(REPO / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "cache"),
            "-p",
            "syscalltbl",
        ],
        cwd=mirror.parent,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
