"""`syscalltbl run --ftrace`: the function_graph layout, with emulated instruction counts."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from test_runtime_examples import example

CLI = [sys.executable, "-m", "syscalltbl", "run"]
US = re.compile(r" 0\)\s+\d+\.\d{3} us  \|  ")


def ftrace(*args: str | Path) -> list[str]:
    proc = subprocess.run([*CLI, "--ftrace", *map(str, args)], capture_output=True, timeout=60, check=False)
    return proc.stderr.decode().splitlines()


def test_function_graph_of_hello() -> None:
    lines = ftrace(example("hello"), "x")
    assert lines[:4] == [
        "# tracer: function_graph",
        "#",
        "# CPU  DURATION                  FUNCTION CALLS",
        "# |     |   |                     |   |   |   |",
    ]
    write = lines[4:11]
    assert write[:3] == [
        " 0)               |  entry_SYSCALL_64() {",
        " 0)               |    do_syscall_64() {",
        " 0)               |      __x64_sys_write() {",
    ]
    assert US.match(write[3]) and write[3].endswith("|        sys_write();")  # the Python leaf: host time
    # jmp + the trap's nop, mov, ret; do_syscall_64: 8 of its own; entry: 21 pushes, the rcx/r11
    # checks that choose sysretq over iretq, the test of the per-cpu syscall-work word (cmpq, jne), ... sysretq
    assert write[4:] == [" 0)      4 insns  |      }", " 0)     12 insns  |    }", " 0)     68 insns  |  }"]
    exit_group = lines[11:]
    assert exit_group[2] == " 0)               |      __x64_sys_exit_group() {"
    assert exit_group[3].endswith("        sys_exit_group();") and len(exit_group) == 4  # it never returns


def test_a_switch_between_processes_is_marked() -> None:
    lines = ftrace(example("forkpipe"))
    assert " ------------------------------------------" in lines
    switches = [x for x in lines if "=>" in x]
    assert switches[0].endswith("forkpipe-2  =>  forkpipe-3")
