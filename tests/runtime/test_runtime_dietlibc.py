"""A dietlibc program listing a directory (issue 16): dietlibc's readdir reads the old getdents(2).

Debian's dietlibc-dev builds data/diet_ls.c (`diet gcc -static`); the
program lists work/data of the native_vs_machine root natively and on the
machine, names and d_type (the last byte of each old record) sorted by
name. Before getdents existed, every directory read empty on the machine.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from busybox import DATA, require
from native_vs_machine import make_root, run_both


def test_a_dietlibc_program_lists_a_directory_as_natively(tmp_path: Path) -> None:
    diet = require("diet", "dietlibc-dev")
    require("gcc", "gcc")
    program = tmp_path / "diet_ls"
    built = subprocess.run([diet, "gcc", "-O1", "-static", "-o", str(program), str(DATA / "diet_ls.c")],
                           capture_output=True, text=True, check=False)
    assert built.returncode == 0, built.stderr
    both = run_both(make_root(tmp_path / "template"), tmp_path, program, ("data",))
    native = both.native.outcome
    assert (native.status, native.stdout.decode().splitlines()) == (0, [
        ". 4", ".. 4", "alpha.txt 8", "beta.json 8", "empty 8", "sub 4", "6 entries"]), native
    assert both.machine.outcome == native, both.machine.outcome.text()
