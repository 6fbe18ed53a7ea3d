"""`pip install .` from the checkout into a fresh venv gives a working CLI with its data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from support import CORPUS, REPO, manifest


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("wheel-venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    source = tmp_path_factory.mktemp("src") / "syscalltbl"
    # A copy of the tracked files only, as a fresh clone would have them.
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (REPO / name).is_file():
            target.write_bytes((REPO / name).read_bytes())
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(source)], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    return venv


def test_installed_cli_builds_the_kernel_outputs(installed: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = subprocess.run(
        [str(installed / "bin" / "syscalltbl"), "build", "--group", "kernel", "-o", str(out)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "syscalltbl build: 70 written, 0 unchanged, 0 failed\n"
    for entry in manifest():
        assert (out / entry["output_path"]).read_bytes() == (CORPUS / entry["expected"]).read_bytes()


def test_wheel_holds_the_package_and_its_data(installed: Path, tmp_path: Path) -> None:
    site = next((installed / "lib").glob("python3*/site-packages"))
    package = site / "syscalltbl"
    assert (package / "tables" / "grammars" / "tbl.lark").is_file()
    assert (package / "generators" / "templates" / "kernel" / "syscalltbl.h.j2").is_file()
    assert (package / "tables" / "arch" / "tables.toml").is_file()
    assert (package / "py.typed").is_file()  # PEP 561: tools type-check against syscalltbl.api
    assert (package / "api" / "__init__.py").is_file()
    assert len(list((package / "tables" / "arch").rglob("*.tbl"))) == 17
    assert sorted(p.name for p in site.iterdir() if p.name.startswith(("syscalltbl", "arch", "generators"))) == [
        "syscalltbl",
        "syscalltbl-0.1.0.dist-info",
    ]


def test_python_dash_m_works(installed: Path, tmp_path: Path) -> None:
    table = CORPUS / "arch/x86/entry/syscalls/syscall_64.tbl"
    out = tmp_path / "syscalls_64.h"
    proc = subprocess.run(
        [
            str(installed / "bin" / "python"),
            "-m",
            "syscalltbl",
            "script",
            "syscalltbl",
            "--abis",
            "common,64",
            str(table),
            str(out),
        ],
        cwd=tmp_path,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
    )
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes() == (CORPUS / "expected/x86/syscalls_64.h").read_bytes()


def test_every_tracked_package_file_is_installed(installed: Path) -> None:
    """Modules and package data (tables, grammars, templates) alike: what src/syscalltbl tracks, the wheel holds."""
    site = next((installed / "lib").glob("python3*/site-packages"))
    tracked = subprocess.run(
        ["git", "ls-files", "-z", "src/syscalltbl"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode()
    names = filter(None, tracked.split("\0"))
    missing = [name for name in names if not (site / Path(name).relative_to("src")).is_file()]
    assert missing == []


def test_installed_help_lists_every_command(installed: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(installed / "bin" / "syscalltbl"), "--help"], cwd=tmp_path, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    from syscalltbl.cli.commands import COMMANDS

    for name in ("build", "script", *COMMANDS):
        assert name in proc.stdout
