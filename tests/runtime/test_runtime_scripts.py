"""#! scripts (binfmt_script) and what execve answers for files it cannot run, compared with Linux.

data/exec_cases.c, a static program, execs each file in a child and prints
what happened (the errno of a failed execve, or what the script printed);
natively and on the machine it runs in work/ of the same template, where
the files below are. Interpreters are named relative to work/ (or are
/bin/sh: the host's dash natively, busybox on the machine), so both sides run
the same chain.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from dynamic_root import LD_SO, build_c
from native_vs_machine import assert_same, make_root, run_both

#: The interpreter a #! line names to see its arguments: exec_cases itself, which prints them.
PRINTER = "../bin/exec_cases"
#: Scripts exec'ing scripts: chainN's interpreter is chain(N-1), and chain1 is a shell script.
CHAIN = 7


def _scripts(work: Path) -> None:
    files = {
        "script.sh": b'#!/bin/sh\necho "script: $# args, [$1]"\nexit 7\n',
        "spaced": f"#! \t{PRINTER} \t PRINT  two\twords \t\n".encode(),
        "long_arg": f"#!{PRINTER} PRINT".encode() + b"x" * 300 + b"\n",
        "long_name": b"#!" + b"../bin/" + b"n" * 300 + b"\n",
        "empty_shebang": b"#!  \t\n",
        "missing_interp": b"#!./no_such_interpreter arg\n",
        "chain1": b"#!/bin/sh\necho end of the chain\n",
        **{f"chain{n}": f"#!./chain{n - 1}\n".encode() for n in range(2, CHAIN + 1)},
        "plain": b"hello, not a program\n",
        "not_executable": b"#!/bin/sh\necho never\n",
    }
    for name, data in files.items():
        (work / name).write_bytes(data)
        (work / name).chmod(0o644 if name == "not_executable" else 0o755)
    (work / "a_directory").mkdir()
    # An ELF whose PT_INTERP names a file that is not there (same length, so the headers stay valid).
    elf = Path("/bin/true").read_bytes()
    assert LD_SO.encode() in elf
    (work / "lost_interp").write_bytes(elf.replace(LD_SO.encode(), LD_SO.encode()[:-1] + b"9"))
    (work / "lost_interp").chmod(0o755)


def test_exec_of_scripts_and_of_what_cannot_run_as_linux(tmp_path: Path) -> None:
    program = build_c(tmp_path, "exec_cases.c", "-static")
    template = make_root(tmp_path / "template")
    _scripts(template / "work")
    facts = (
        "script: 1 args, [first arg]", "sh script with an argument: status 7",
        "  arg 1: [PRINT  two\twords]", "  arg 2: [./spaced]", "  arg 3: [x]",
        f"  arg 1: [PRINT{'x' * (256 - len('#!' + PRINTER + ' PRINT') - 1)}]",  # cut at the 256-byte buffer
        "#! name longer than the buffer: execve failed: ENOEXEC",
        "#! without an interpreter: execve failed: ENOEXEC",
        "#! interpreter missing: execve failed: ENOENT",
        "script: 0 args, []",  # an empty argv: the kernel's argv[0] "" is the one the script path replaces
        "#! chain of 5 scripts: status 0", "#! chain of 6 scripts: execve failed: ELOOP",
        "neither ELF nor #!: execve failed: ENOEXEC", "no execute permission: execve failed: EACCES",
        "a directory: execve failed: EACCES", "no such file: execve failed: ENOENT",
        "ELF with its interpreter missing: execve failed: ENOENT",
    )
    assert_same(run_both(template, tmp_path / "runs", program), 0, facts)


def test_a_script_runs_as_the_first_program_and_says_why_a_file_cannot(tmp_path: Path) -> None:
    root = make_root(tmp_path / "root")
    script = root / "work" / "hello.sh"
    script.write_bytes(b"#!/bin/sh\necho \"hello from $0 with $1\"\n")
    script.chmod(0o755)
    plain = root / "work" / "plain"
    plain.write_bytes(b"not a program\n")
    plain.chmod(0o755)
    cli = [sys.executable, "-m", "syscalltbl", "run", "--root", str(root), "--env-clear"]
    ran = subprocess.run([*cli, str(script), "arg"], capture_output=True, timeout=60, check=False)
    assert (ran.returncode, ran.stdout, ran.stderr) == (0, b"hello from /work/hello.sh with arg\n", b"")
    refused = subprocess.run([*cli, str(plain)], capture_output=True, timeout=60, check=False)
    assert refused.returncode == 126 and refused.stdout == b""
    assert refused.stderr.decode() == (f"syscalltbl run: error: {plain}: cannot run: /work/plain: not an x86-64 "
                                       f"executable nor a #! script (Exec format error)\n")
    assert shutil.which("sh") and os.access(script, os.X_OK)
