"""Golden files for the x86-64 kernel generator, and the toolchain's strictness."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from syscalltbl.generators.x86_64.kernel import nr_syscalls, render_kernel, render_unistd_64, select_64
from syscalltbl.machine.image.elfimage import read_image
from syscalltbl.machine.image.kbuild import build_kernel
from syscalltbl.machine.image.toolchain import ToolchainError, build_elf
from syscalltbl.machine.syscalls import REGISTRY
from syscalltbl.tables.read import parse_table
from syscalltbl.tables.target import default, for_table

HERE = Path(__file__).resolve().parent
MINI = HERE / "data" / "mini_64.tbl"
GOLDEN = HERE / "golden" / "x86_64"
IMPLEMENTED = {"sys_write", "sys_getpid", "sys_exit_group"}


def _outputs() -> dict[str, str]:
    syscalls = select_64(parse_table(MINI))
    files = render_kernel(syscalls, IMPLEMENTED, source="mini_64.tbl")
    files["unistd_64.inc"] = render_unistd_64(syscalls, source="mini_64.tbl")
    return files


@pytest.mark.parametrize("name", sorted(_outputs()))
def test_golden(name: str) -> None:
    got = _outputs()[name]
    golden = GOLDEN / name
    if os.environ.get("SYSCALLTBL_UPDATE_GOLDEN"):
        golden.write_text(got)
    assert got == golden.read_text(), f"regenerate with SYSCALLTBL_UPDATE_GOLDEN=1 if intended: {name}"


def test_selection_follows_the_table() -> None:
    syscalls = select_64(parse_table(MINI))
    assert [(s.number, s.name) for s in syscalls] == [
        (0, "read"), (1, "write"), (3, "rt_sigreturn"), (4, "getpid"), (5, "exit_group"),
    ]
    assert nr_syscalls(syscalls) == 6


def test_mini_kernel_links_and_routes_by_the_table() -> None:
    kernel = build_kernel(for_table(MINI), IMPLEMENTED)
    symbols = kernel.image.symbols
    assert symbols["__x64_sys_read"] == symbols["__x64_sys_ni_syscall"]  # no Python handler
    assert symbols["__x64_sys_getpid"] != symbols["__x64_sys_ni_syscall"]
    assert "__x64_sys_ioctl" not in symbols and "__x64_compat_sys_ioctl" not in symbols


def test_real_table_assembles_without_warnings() -> None:
    # build_elf passes --fatal-warnings and rejects any stderr output.
    build_kernel(default(), IMPLEMENTED)


def test_unknown_mask_flag_is_rejected() -> None:
    with pytest.raises(ValueError, match="X86_EFLAGS_NOPE"):
        render_kernel([], set(), source="x", syscall_mask=["X86_EFLAGS_NOPE"])


def test_toolchain_reports_warnings_and_errors() -> None:
    with pytest.raises(ToolchainError, match="careful"):
        build_elf({"w.S": '\t.warning "careful"\n'}, linker_script=None, name="w")
    with pytest.raises(ToolchainError, match="failed"):
        build_elf({"e.S": "\tnot_an_instruction\n"}, linker_script=None, name="e")


def test_user_program_builds_with_generated_numbers(tmp_path: Path) -> None:
    unistd = _outputs()["unistd_64.inc"]
    elf = build_elf(
        {"p.S": '\t.include "unistd_64.inc"\n\t.globl _start\n_start:\tmovl $__NR_getpid, %eax\n',
         "unistd_64.inc": unistd},
        linker_script=None,
        name="p",
    )
    assert read_image(elf).entry == read_image(elf).symbols["_start"]


def test_runtime_outputs_for_the_build() -> None:
    from syscalltbl.generators.x86_64.outputs import runtime_outputs

    outputs = dict(runtime_outputs(default(), REGISTRY))  # the shipped inputs
    assert {"runtime/x86_64/kernel/entry_64.S", "runtime/x86_64/user/syscall.h",
            "runtime/x86_64/user/stubs.S", "runtime/x86_64/user/crt0.S"} <= outputs.keys()
    header = outputs["runtime/x86_64/user/syscall.h"].decode()
    assert "long openat(int dfd, const char *filename, int flags, umode_t mode);" in header
    assert "void exit_group(int error_code) __attribute__((__noreturn__));" in header
    assert runtime_outputs(default(), REGISTRY) == runtime_outputs(default(), REGISTRY)  # deterministic
