"""`pip install .` from the checkout into a fresh venv gives a working CLI with its data."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from support import CORPUS, REPO, manifest


def ci_steps() -> list[dict[str, Any]]:
    """The steps of the GitHub Actions job docs/rules.md shows under "Running it in CI"."""
    import yaml  # type: ignore[import-untyped]

    docs = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    section = docs[docs.index("## Running it in CI") :]
    workflow = yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0])
    (job,) = workflow["jobs"].values()
    steps: list[dict[str, Any]] = job["steps"]
    return steps


def ci_install() -> tuple[str, str]:
    """(the checkout's path, the argument of `pip install`) in the CI example of docs/rules.md."""
    steps = ci_steps()
    (install,) = [s["run"] for s in steps if str(s.get("run", "")).startswith("pip install")]
    argument = shlex.split(install)[-1]
    checkouts = [s.get("with", {}) for s in steps if str(s.get("uses", "")).startswith("actions/checkout@")]
    paths = [str(c["path"]) for c in checkouts if "path" in c]
    checkout = next((p for p in paths if Path(argument) == Path(p)), "")
    return checkout, argument


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CI job's workspace holding a copy of the tracked files, as a fresh clone would have them, where the
    CI example of docs/rules.md checks syscalltbl out (syscalltbl/ if it names no checkout)."""
    workspace = tmp_path_factory.mktemp("workspace")
    source = workspace / (ci_install()[0] or "syscalltbl")
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (REPO / name).is_file():
            target.write_bytes((REPO / name).read_bytes())
    return workspace


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory, workspace: Path) -> Path:
    """A fresh venv where the CI example's `pip install` ran in the workspace (the copy, if it names none)."""
    venv = tmp_path_factory.mktemp("wheel-venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    checkout, argument = ci_install()
    what = argument if checkout else str(workspace / "syscalltbl")
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", what],
        cwd=workspace,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return venv


def test_the_ci_example_installs_a_checkout_not_a_name_pypi_lacks() -> None:
    checkout, argument = ci_install()
    # A bare name would be looked up on PyPI, where syscalltbl is not published.
    assert checkout, f"docs/rules.md's CI runs `pip install {argument}`: not the path of a checkout it makes"
    assert argument.startswith("./"), argument  # a path for pip, not a name
    (step,) = [s for s in ci_steps() if s.get("with", {}).get("path") == checkout]
    assert step["with"]["repository"], step


def test_pip_install_leaves_build_to_syscalltbl(installed: Path, workspace: Path) -> None:
    """setuptools' build/lib and build/bdist.* would land in build/, the default output folder of
    `syscalltbl build`, when a checkout is installed with `pip install .` (the README's set-up)."""
    checkout = workspace / (ci_install()[0] or "syscalltbl")
    assert not (checkout / "build").exists(), sorted(p.name for p in (checkout / "build").iterdir())


def test_the_pre_commit_hook_installs_this_repository_and_runs_its_script() -> None:
    """pre-commit installs a `language: python` hook from its repository (pip install of a clone), no
    package name involved; its entry must be a command that package installs: a console script, or a
    script file (the `syscalltbl` command is one: pyproject.toml says why)."""
    import tomllib

    from pre_commit.clientlib import load_manifest  # type: ignore[import-untyped]

    (hook,) = load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    assert hook["language"] == "python"
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    commands = set(pyproject["project"].get("scripts", {}))
    commands |= {Path(f).name for f in pyproject.get("tool", {}).get("setuptools", {}).get("script-files", [])}
    assert hook["entry"].split()[0] in commands


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
    from syscalltbl.cli.commands import NAMES

    for name in ("build", "script", *NAMES):
        assert name in proc.stdout
