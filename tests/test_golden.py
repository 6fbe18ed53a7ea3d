"""All 70 generator invocations of Linux 6.18.2, through the installed CLI, byte for byte."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from support import CORPUS, Cli, corpus_table, manifest

ENTRIES = manifest()


def _id(entry: dict[str, Any]) -> str:
    return f"{entry['tool']}:{entry['output_path']}"


def test_manifest_has_70_invocations() -> None:
    assert len(ENTRIES) == 70


@pytest.mark.parametrize("entry", ENTRIES, ids=_id)
def test_script_matches_kernel_output(entry: dict[str, Any], cli: Cli, tmp_path: Path) -> None:
    table = corpus_table(entry["input"])
    output = tmp_path / entry["output_path"]
    output.parent.mkdir(parents=True)
    expected = (CORPUS / entry["expected"]).read_bytes()
    argv = [a.replace("{input}", str(table)).replace("{output}", str(output)) for a in entry["argv"]]
    if "stdin" in entry:
        proc = cli.run("script", entry["tool"], *argv, stdin=table.read_bytes(), cwd=tmp_path)
        got = proc.stdout
    else:
        proc = cli.run("script", entry["tool"], *argv, cwd=tmp_path)
        got = output.read_bytes()
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stderr == b""
    assert got == expected


def test_build_produces_the_70_kernel_outputs(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = cli.run("build", "--group", "kernel", "-o", out)
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().strip() == "syscalltbl build: 70 written, 0 unchanged, 0 failed"
    produced = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert produced == sorted(e["output_path"] for e in ENTRIES)
    for entry in ENTRIES:
        assert (out / entry["output_path"]).read_bytes() == (CORPUS / entry["expected"]).read_bytes(), entry[
            "output_path"
        ]
    again = cli.run("build", "--group", "kernel", "-o", out)
    assert again.stdout.decode().strip() == "syscalltbl build: 0 written, 70 unchanged, 0 failed"


WRAPPED = {
    "syscalltbl": "scripts/syscalltbl.sh",
    "syscallhdr": "scripts/syscallhdr.sh",
    "arm-syscallnr": "arch/arm/tools/syscallnr.sh",
    "mips-syscallnr": "arch/mips/kernel/syscalls/syscallnr.sh",
    "s390-syscalltbl": "arch/s390/kernel/syscalls/syscalltbl",
}


@pytest.mark.parametrize("tool", list(WRAPPED))
def test_readme_wrappers_replace_the_kernel_scripts(tool: str, cli: Cli, tmp_path: Path) -> None:
    """The README's one-line wrappers, run the way kernel Makefiles run the scripts: `sh SCRIPT ARGS`."""
    wrapper = tmp_path / WRAPPED[tool]
    wrapper.parent.mkdir(parents=True)
    wrapper.write_text(f'#!/bin/sh\nexec syscalltbl script {tool} "$@"\n')
    env = dict(cli.env, PATH=f"{Path(cli.executable).parent}{os.pathsep}{cli.env.get('PATH', '')}")
    for entry in (e for e in ENTRIES if e["tool"] == tool):
        table = corpus_table(entry["input"])
        output = tmp_path / "out" / entry["output_path"]
        output.parent.mkdir(parents=True, exist_ok=True)
        argv = [a.replace("{input}", str(table)).replace("{output}", str(output)) for a in entry["argv"]]
        stdin = table.read_bytes() if "stdin" in entry else b""
        proc = subprocess.run(["sh", str(wrapper), *argv], input=stdin, capture_output=True, env=env, check=False)
        assert proc.returncode == 0, proc.stderr.decode()
        got = proc.stdout if "stdin" in entry else output.read_bytes()
        assert got == (CORPUS / entry["expected"]).read_bytes(), entry["output_path"]


def test_build_groups(cli: Cli, tmp_path: Path) -> None:
    """Both groups by default; the runtime group alone writes only under runtime/."""
    runtime_only = tmp_path / "runtime-only"
    proc = cli.run("build", "--group", "runtime", "-o", runtime_only)
    assert proc.returncode == 0, proc.stderr.decode()
    produced = sorted(str(p.relative_to(runtime_only)) for p in runtime_only.rglob("*") if p.is_file())
    assert produced and all(p.startswith("runtime/x86_64/") for p in produced)
    assert "runtime/x86_64/kernel/entry_64.S" in produced
    both = tmp_path / "both"
    proc = cli.run("build", "-o", both)
    assert proc.stdout.decode() == f"syscalltbl build: {70 + len(produced)} written, 0 unchanged, 0 failed\n"
    for path in produced:
        assert (both / path).read_bytes() == (runtime_only / path).read_bytes()
