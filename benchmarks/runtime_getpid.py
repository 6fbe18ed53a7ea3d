"""System calls per second of a getpid loop through the full emulated path.

ring 3 `syscall` -> call gate -> syscall_microcode -> entry_SYSCALL_64 ->
do_syscall_64 -> sys_call_table[39] -> __x64_sys_getpid -> Python ->
sysretq -> ring 3, with the program, the kernel and the table all built
from arch/x86/entry/syscalls/syscall_64.tbl. Best of N runs.

    .venv/bin/python benchmarks/runtime_getpid.py [-n CALLS] [-r RUNS]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from syscalltbl.generators.x86_64.kernel import render_unistd_64, select_64
from syscalltbl.machine.image.toolchain import build_elf
from syscalltbl.machine.machine import Machine
from syscalltbl.tables.read import parse_table
from syscalltbl.tables.target import default

LOOP = """
	.include "unistd_64.inc"
	.globl	_start
_start:
	movl	${calls}, %ebx
1:	movl	${nr}, %eax
	syscall
	decl	%ebx
	jnz	1b
	movq	%rax, %rdi
	movl	$__NR_exit_group, %eax
	syscall
"""


def build_loop(calls: int, nr: str = "__NR_getpid") -> Path:
    """A static program making `calls` system calls `nr` (a unistd name or a number), then exit_group."""
    syscalls = select_64(parse_table(default().table))
    unistd = render_unistd_64(syscalls, source="syscall_64.tbl")
    source = LOOP.replace("{calls}", str(calls)).replace("{nr}", nr)
    return build_elf({"loop.S": source, "unistd_64.inc": unistd}, linker_script=None, name="getpid-loop")


def run_seconds(prog: Path) -> float:
    """Wall time of one run of `prog` on a fresh machine (its boot not counted)."""
    machine = Machine()
    start = time.perf_counter()
    status = machine.run(prog, timeout=600)
    elapsed = time.perf_counter() - start
    if status.code is None:
        raise SystemExit(f"syscall loop died: {status.detail}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--calls", type=int, default=300_000)
    parser.add_argument("-r", "--runs", type=int, default=3)
    args = parser.parse_args()

    prog = build_loop(args.calls)
    best = min(run_seconds(prog) for _ in range(args.runs))
    rate = args.calls / best
    print(f"getpid loop, full ring 3 -> ring 0 -> ring 3 path: {rate:,.0f} syscalls/s "
          f"({1e6 / rate:.2f} us per call, best of {args.runs} x {args.calls:,})")


if __name__ == "__main__":
    main()
