"""The kernel developer's switch-over: the README's wrapper loop, and outputs' times under make.

The loop is read from README.md, not copied, and run in a `cp -al` copy of a
kernel tree holding the five generator scripts and the tables they read
(Debian's linux-source-6.12, through tests/debian_cache.py): the original
tree's scripts must come out as they were, and the copy's wrappers must work
under a PATH without syscalltbl, as make's may be.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from debian_cache import KERNEL_SCRIPTS, linux_source_files
from support import REPO, SHIPPED_ARCH, Cli

X86_64 = "arch/x86/entry/syscalls/syscall_64.tbl"
TABLES = (
    X86_64,
    "arch/arm/tools/syscall.tbl",
    "arch/mips/kernel/syscalls/syscall_n64.tbl",
    "arch/s390/kernel/syscalls/syscall.tbl",
)
#: A PATH a make run may have: the system's, not the virtual environment's bin.
BARE_PATH = "/usr/bin:/bin"

#: Each script as its kernel Makefile runs it: `$(CONFIG_SHELL) SCRIPT ARG...`, OUT standing for the
#: output directory; s390's reads the table on stdin (the argument after "<") and writes stdout.
INVOCATIONS = (
    ("scripts/syscalltbl.sh", "--abis common,64 arch/x86/entry/syscalls/syscall_64.tbl OUT/syscalls_64.h"),
    ("scripts/syscallhdr.sh", "--emit-nr --abis common,64 arch/x86/entry/syscalls/syscall_64.tbl OUT/unistd_64.h"),
    ("arch/arm/tools/syscallnr.sh", "arch/arm/tools/syscall.tbl OUT/unistd-nr.h"),
    ("arch/mips/kernel/syscalls/syscallnr.sh", "arch/mips/kernel/syscalls/syscall_n64.tbl OUT/unistd_nr_n64.h n64 64"),
    (
        "arch/s390/kernel/syscalls/syscalltbl",
        "-H -a common,64 -f OUT/unistd_64.h < arch/s390/kernel/syscalls/syscall.tbl",
    ),
)


def readme_switch_loop() -> str:
    """The ```sh block of the README's section on replacing the kernel's scripts, as printed."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("### A drop-in for the kernel's scripts", 1)[1].split("\n#", 1)[0]
    block = re.search(r"^```sh\n(.*?)^```$", section, re.M | re.S)
    assert block, "the README's kernel section has no ```sh block"
    return block[1]


def run_script(tree: Path, script: str, args: str, out: Path, env: dict[str, str], *, direct: bool = False) -> bytes:
    """Run one script (under sh, or by its own #! line) from the tree's root; the bytes it wrote."""
    words = shlex.split(args.replace("OUT", str(out)))
    stdin = b""
    if "<" in words:
        stdin = (tree / words[-1]).read_bytes()
        words = words[: words.index("<")]
    argv = [f"./{script}", *words] if direct else ["sh", script, *words]
    proc = subprocess.run(argv, cwd=tree, input=stdin, capture_output=True, env=env, check=False)
    assert proc.returncode == 0, (argv, proc.stderr.decode())
    if script.endswith("/syscalltbl"):  # s390's: the header on stdout
        return proc.stdout
    written = sorted(out.iterdir())
    assert len(written) == 1, written
    data = written[0].read_bytes()
    written[0].unlink()
    return data


@pytest.fixture(scope="module")
def kernel_tree() -> Path:
    """The five scripts and the tables they read, from linux-source-6.12 (cached, never modified here)."""
    return linux_source_files(KERNEL_SCRIPTS + TABLES)


def test_readme_loop_replaces_the_scripts_of_a_hard_linked_copy_only(
    cli: Cli, kernel_tree: Path, tmp_path: Path
) -> None:
    original = tmp_path / "original"
    shutil.copytree(kernel_tree, original, symlinks=True)  # the tree's own copy, on tmp_path's file system
    before = {s: ((original / s).read_bytes(), (original / s).stat().st_mode) for s in KERNEL_SCRIPTS}
    subprocess.run(["cp", "-al", str(original), str(tmp_path / "linux")], check=True)
    assert (tmp_path / "linux" / KERNEL_SCRIPTS[0]).stat().st_nlink == 2  # really shared with the original

    venv_bin = str(Path(cli.executable).parent)
    loop = subprocess.run(
        ["sh", "-e", "-c", readme_switch_loop()],
        cwd=tmp_path,
        capture_output=True,
        env=dict(cli.env, PATH=f"{venv_bin}:{BARE_PATH}"),
        check=False,
    )
    assert loop.returncode == 0, loop.stderr.decode()

    copy = tmp_path / "linux"
    for script, (data, mode) in before.items():
        assert (original / script).read_bytes() == data, f"the loop wrote through the hard link into {script}"
        assert (original / script).stat().st_mode == mode, script
        wrapper = copy / script
        assert wrapper.read_bytes() != data, f"{script} was not replaced"
        assert wrapper.stat().st_mode == mode, f"{script} lost its mode"
        assert wrapper.stat().st_nlink == 1
        if mode & stat.S_IXUSR:
            assert os.access(wrapper, os.X_OK), script
        exec_line = next(line for line in wrapper.read_text().splitlines() if line.startswith("exec "))
        program = shlex.split(exec_line)[1]
        assert Path(program).is_absolute() and os.access(program, os.X_OK), exec_line

    # make's PATH may lack the virtual environment: the wrappers must not need it.
    assert shutil.which("syscalltbl", path=BARE_PATH) is None
    bare = dict(cli.env, PATH=BARE_PATH, LC_ALL="C")
    for script, args in INVOCATIONS:
        out_theirs, out_ours = tmp_path / "out-theirs", tmp_path / "out-ours"
        out_theirs.mkdir(exist_ok=True)
        out_ours.mkdir(exist_ok=True)
        theirs = run_script(original, script, args, out_theirs, bare)
        assert theirs, script
        assert run_script(copy, script, args, out_ours, bare) == theirs, script
        if before[script][1] & stat.S_IXUSR:  # run as a program too, by its #! line
            assert run_script(copy, script, args, out_ours, bare, direct=True) == theirs, script


def _header(cli: Cli, out: Path, *options: str) -> None:
    table = SHIPPED_ARCH / "x86" / "entry" / "syscalls" / "syscall_64.tbl"
    proc = cli.run("script", *options, "syscallhdr", "--emit-nr", "--abis", "common,64", table, out)
    assert proc.returncode == 0, proc.stderr.decode()


#: A time long past (2001), for outputs "made before the table was touched".
LONG_AGO = 1_000_000_000


def test_touch_unchanged_gives_an_unchanged_output_a_new_time_and_no_new_bytes(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "unistd_64.h"
    _header(cli, out)
    data, inode = out.read_bytes(), out.stat().st_ino

    os.utime(out, (LONG_AGO, LONG_AGO))
    _header(cli, out)
    assert out.stat().st_mtime == LONG_AGO, "without the option an unchanged output keeps its time"

    _header(cli, out, "--touch-unchanged")
    assert out.stat().st_mtime > LONG_AGO + 1e8
    assert out.read_bytes() == data
    assert out.stat().st_ino == inode  # touched, not rewritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["unistd_64.h"]


def test_touch_unchanged_leaves_another_hard_link_of_the_output_alone(cli: Cli, tmp_path: Path) -> None:
    out, other = tmp_path / "unistd_64.h", tmp_path / "original-unistd_64.h"
    _header(cli, out)
    os.link(out, other)
    os.utime(out, (LONG_AGO, LONG_AGO))

    _header(cli, out, "--touch-unchanged")
    assert out.stat().st_mtime > LONG_AGO + 1e8
    assert other.stat().st_mtime == LONG_AGO, "the other tree's file was touched through the link"
    assert out.read_bytes() == other.read_bytes()
    assert out.stat().st_nlink == other.stat().st_nlink == 1


def test_touch_unchanged_before_the_tool_only(cli: Cli, tmp_path: Path) -> None:
    alone = cli.run("script", "--touch-unchanged")
    assert alone.returncode == 1 and b"expected TOOL" in alone.stderr
    # After TOOL it is the script's argument, and the script's own usage error.
    table = SHIPPED_ARCH / "x86" / "entry" / "syscalls" / "syscall_64.tbl"
    late = cli.run("script", "syscallhdr", "--touch-unchanged", table, tmp_path / "out.h")
    assert late.returncode == 1 and b"--touch-unchanged: unknown option" in late.stderr
    assert not (tmp_path / "out.h").exists()


MAKEFILE = """\
unistd_64.h: syscall_64.tbl
\t{program} script {options} syscallhdr --emit-nr --abis common,64 $< $@
"""


@pytest.mark.parametrize(("options", "settles"), [("--touch-unchanged", True), ("", False)])
def test_make_after_touching_the_table(cli: Cli, tmp_path: Path, options: str, settles: bool) -> None:
    """After `touch syscall_64.tbl`, one `make` runs the rule; then make is satisfied only with the option."""
    shutil.copy(SHIPPED_ARCH / "x86" / "entry" / "syscalls" / "syscall_64.tbl", tmp_path / "syscall_64.tbl")
    (tmp_path / "Makefile").write_text(MAKEFILE.format(program=shlex.quote(cli.executable), options=options))
    env = dict(cli.env, PATH=BARE_PATH)

    def make(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run(["make", *args], cwd=tmp_path, capture_output=True, env=env, check=False)

    assert make().returncode == 0
    out = tmp_path / "unistd_64.h"
    data = out.read_bytes()
    os.utime(out, (LONG_AGO, LONG_AGO))  # built a while ago ...
    subprocess.run(["touch", "syscall_64.tbl"], cwd=tmp_path, check=True)  # ... and the table touched since
    assert make("-q").returncode == 1

    ran = make()
    assert ran.returncode == 0 and b"syscallhdr" in ran.stdout, ran
    assert out.read_bytes() == data
    # `make -q`: status 0 when the target is up to date, 1 when its rule would run again.
    assert make("-q").returncode == (0 if settles else 1)
