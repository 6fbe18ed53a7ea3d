"""Running out of the machine's RAM: calls answer ENOMEM, nothing leaks, the host never raises."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from syscalltbl.machine.kernel.limits import Limits
from syscalltbl.machine.machine import Machine

DATA = Path(__file__).parent / "data"


def test_fork_answers_enomem_when_ram_is_full(tmp_path: Path, capfd: object) -> None:
    program = tmp_path / "fork_enomem"
    subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Werror", "-o", str(program), str(DATA / "fork_enomem.c")],
                   check=True)
    machine = Machine(ram_size=48 << 20)
    in_use = []
    for _ in range(2):
        status = machine.run(program, timeout=60)
        out = capfd.readouterr().out  # type: ignore[attr-defined]
        assert status.code == 0, status
        # 8 MiB copied per fork: a few fit in 48 MiB, then fork fails and the rest is unharmed.
        lines = out.splitlines()
        assert lines[0].startswith("fork ") and lines[0].endswith(": Cannot allocate memory"), out
        made = int(lines[0].split()[1].rstrip(":")) - 1
        assert made >= 2 and lines[1] == f"{made} children exited with 7; parent's last byte 7", out
        machine.kill_all()
        in_use.append(machine.ram.frames_in_use)
    # The second run ends where the first did (the page cache keeps the program's text):
    # every child and every half-made copy gave its frames back.
    assert in_use[0] == in_use[1], in_use


@pytest.fixture(scope="module")
def ram_full(tmp_path_factory: pytest.TempPathFactory) -> Path:
    program = tmp_path_factory.mktemp("ram_full") / "ram_full"
    subprocess.run(["gcc", "-static", "-O2", "-Wall", "-Werror", "-o", str(program), str(DATA / "ram_full.c")],
                   check=True)
    return program


# 0, 4, 8 and 12 descriptors: 0, 1024, 2048 and 3072 bytes into a frame of kernel objects, which moves
# where RAM runs out during exec (an image mapped past the point of no return was once a SIGSEGV).
@pytest.mark.parametrize("descriptors", [0, 4, 8, 12])
def test_fork_and_exec_with_ram_full_give_everything_back(ram_full: Path, descriptors: int, capfd: object) -> None:
    # The program fills RAM, then frees it a frame at a time: at each count from 0 to 10
    # free frames, fork and exec are refused and the count is the same afterwards.
    # The filesystem may hold all of RAM, so that the program can fill it with a file's pages.
    status = Machine(limits=Limits(memory=32 << 20, fs_size=32 << 20)).run(
        ram_full, [str(ram_full), str(descriptors)], timeout=60)
    out = capfd.readouterr().out  # type: ignore[attr-defined]
    assert (status.code, out) == (0, "forks refused 11, execs refused 11, frames not given back 0\n"), status
