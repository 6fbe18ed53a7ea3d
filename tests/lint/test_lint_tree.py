"""Kernel-tree mode: the real Debian 6.12 tree, and small synthetic trees with injected faults."""

from __future__ import annotations

from pathlib import Path

import pytest
from lint_fixtures import ARCH, at, lint, load

from debian_cache import linux_source_tree
from syscalltbl.lint.exceptions import apply_exceptions, load_exceptions
from syscalltbl.lint.rules import RULES
from syscalltbl.lint.tree import load_tree_inputs


@pytest.fixture(scope="session")
def kernel_tree() -> Path:
    """Debian's linux-source-6.12, unpacked once into the test cache (about 1.5 GB, a minute the first time)."""
    return linux_source_tree()


def _selections(inputs: object) -> set[tuple[object, ...]]:
    return {(o.arch, o.generator, o.table, o.abis, o.path, o.lists_entries) for o in inputs.outputs}  # type: ignore[attr-defined]


def test_real_tree_lints_without_errors(kernel_tree: Path) -> None:
    # How fast is benchmarks/bench_lint.py's business: a timed test fails on a busy machine.
    inputs = load_tree_inputs(kernel_tree)
    findings = lint(inputs)
    assert inputs.definitions is not None and len(inputs.definitions) > 1000
    assert [f for f in findings if f.severity == "error"] == []
    kept = apply_exceptions(findings, load_exceptions(ARCH / "lint-exceptions.toml", list(RULES))).kept
    warnings = {
        (f.rule, Path(f.location.file).relative_to(kernel_tree).as_posix()) for f in kept if f.severity == "warning"
    }
    assert warnings == {
        ("TBL004", "scripts/syscall.tbl"),
        ("XAR002", "arch/sh/kernel/syscalls/syscall.tbl"),
        ("XAR002", "arch/sparc/kernel/syscalls/syscall.tbl"),
    }


def test_real_tree_makefiles_give_the_70_invocations_of_tables_toml(kernel_tree: Path) -> None:
    # Read from the 6.12 Makefiles, not from a list kept here; 6.18.2 runs the same 70.
    tree = load_tree_inputs(kernel_tree, sources=False)
    assert len(tree.outputs) == 70
    assert _selections(tree) == _selections(load(ARCH))


def test_real_tree_finds_every_table_and_the_arm64_symlink(kernel_tree: Path) -> None:
    tree = load_tree_inputs(kernel_tree, sources=False)
    assert len(tree.tables) == 17
    assert tree.aliases == {"arch/arm64/tools/syscall_64.tbl": "scripts/syscall.tbl"}
    assert {c.copies for c in tree.perf_copies} >= {"arch/x86/entry/syscalls/syscall_64.tbl"}
    assert tree.cond_syscalls is not None and "sys_io_setup" in tree.cond_syscalls


# ------------------------------------------------------------------ synthetic trees

MAKEFILE = """\
# SPDX-License-Identifier: GPL-2.0
out := arch/$(SRCARCH)/include/generated/asm
syscall64 := $(src)/syscall_64.tbl
systbl := $(srctree)/scripts/syscalltbl.sh
quiet_cmd_systbl = SYSTBL  $@
      cmd_systbl = $(CONFIG_SHELL) $(systbl) --abis $(abis) $< $@

$(out)/syscalls_64.h: abis := {abis}
$(out)/syscalls_64.h: $(syscall64) $(systbl) FORCE
\t$(call if_changed,systbl)

syshdr-$(CONFIG_X86_64) += syscalls_64.h
syshdr-y := $(addprefix $(out)/, $(syshdr-y))

PHONY += all
all: $(syshdr-y)
\t@:
"""

TABLE = "0\tcommon\tread\t\t\tsys_read\n1\tcommon\twrite\t\t\tsys_write\n2\t64\tfrob\t\t\tsys_frob\n"


def _tree(tmp_path: Path, abis: str, sources: dict[str, str]) -> Path:
    root = tmp_path / "linux"
    files = {
        "Makefile": "VERSION = 6\nPATCHLEVEL = 99\nSUBLEVEL = 0\n",
        "arch/x86/entry/syscalls/Makefile": MAKEFILE.format(abis=abis),
        "arch/x86/entry/syscalls/syscall_64.tbl": TABLE,
        "scripts/syscall.tbl": "0\tcommon\tread\t\t\tsys_read\n",
        **sources,
    }
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def test_abi_lists_come_from_the_trees_makefile(tmp_path: Path) -> None:
    root = _tree(tmp_path, "commn,64", {})
    inputs = load_tree_inputs(root, sources=False)
    assert [(o.arch, o.abis, o.path) for o in inputs.outputs] == [
        ("x86", ("commn", "64"), "arch/x86/include/generated/asm/syscalls_64.h")
    ]
    table = root / "arch/x86/entry/syscalls/syscall_64.tbl"
    findings = lint(inputs)
    assert at(findings, "ABI001", table, 1)  # `common` lines are dropped by the Makefile's typo
    assert at(findings, "ABI003", root / "arch/x86/entry/syscalls/Makefile", 9)


def test_sources_decide_what_is_defined(tmp_path: Path) -> None:
    sources = {
        "kernel/sys.c": "SYSCALL_DEFINE3(read, unsigned int, fd, char __user *, buf, size_t, count)\n{\n}\n",
        "arch/x86/kernel/entry.S": "SYM_FUNC_START(sys_write)\n\tret\nSYM_FUNC_END(sys_write)\n",
    }
    root = _tree(tmp_path, "common,64", sources)
    findings = lint(load_tree_inputs(root))
    table = root / "arch/x86/entry/syscalls/syscall_64.tbl"
    assert [(f.rule, f.location.line) for f in findings if f.rule == "ENT001"] == [("ENT001", 3)]
    assert at(findings, "ENT001", table, 3)[0].message.startswith("sys_frob ")


def test_plain_definitions_asm_macros_and_weak_stubs_count(tmp_path: Path) -> None:
    sources = {
        "kernel/sys.c": "asmlinkage long\nsys_read(unsigned int fd)\n{\n\treturn 0;\n}\n",
        "kernel/sys_ni.c": "COND_SYSCALL(write);\n",
        "arch/x86/kernel/entry.S": ".macro fork_like name\nENTRY(sys_\\name\\()_x)\n.endm\nfork_like frob\n",
    }
    table = TABLE.replace("sys_frob", "sys_frob_x")
    root = _tree(tmp_path, "common,64", sources)
    (root / "arch/x86/entry/syscalls/syscall_64.tbl").write_text(table)
    inputs = load_tree_inputs(root)
    assert inputs.definitions is not None
    assert {"sys_read", "sys_write", "sys_frob_x"} <= inputs.definitions
    assert [f for f in lint(inputs) if f.rule == "ENT001"] == []
