"""The Makefile reader: the GNU make behaviour the kernel's syscall Makefiles rely on."""

from __future__ import annotations

from pathlib import Path

import pytest

from syscalltbl.tables.kbuild import invocation
from syscalltbl.tables.make import Make


def make(tmp_path: Path, text: str, **variables: str) -> Make:
    (tmp_path / "Makefile").write_text(text)
    m = Make(tmp_path, {"comma": ",", "space": " ", "if_changed": "$(cmd_$(1))", **variables})
    m.include("Makefile")
    return m


def test_shortest_stem_wins_and_target_variables_apply(tmp_path: Path) -> None:
    m = make(
        tmp_path,
        "obj := out\n"
        "$(obj)/unistd_%.h: in_%.tbl\n\techo plain $* $(flag)\n"
        "$(obj)/unistd_compat_%.h: flag := 1\n"
        "$(obj)/unistd_compat_%.h: in_%.tbl\n\techo compat $* $(flag)\n",
    )
    assert [c for c, _ in m.commands("out/unistd_compat_32.h")] == ["echo compat 32 1"]
    assert [c for c, _ in m.commands("out/unistd_64.h")] == ["echo plain 64 "]


def test_appending_simple_and_recursive_variables(tmp_path: Path) -> None:
    m = make(
        tmp_path,
        "a := x\nabis_32 += common,32\nabis_32 += arc time32\nlate = $(a)\na := y\n"
        "joined := $(subst $(space),$(comma),$(strip $(abis_32)))\n",
    )
    assert m.lookup("joined", None) == "common,32,arc,time32"
    assert m.lookup("late", None) == "y"


def test_conditionals_call_and_config_options(tmp_path: Path) -> None:
    m = make(
        tmp_path,
        "ifneq ($(SRCARCH),um)\nkept := yes\nelse\nkept := no\nendif\n"
        "ifeq ($(origin nothing),undefined)\nnone := undefined\nendif\n"
        "pick = $(if $(1),--prefix $(1),)\nwith := $(call pick,x32_)\nwithout := $(call pick,)\n"
        "list-$(CONFIG_X86_64) += a.h\n",
        SRCARCH="x86",
    )
    assert m.lookup("kept", None) == "yes"
    assert m.lookup("none", None) == "undefined"
    assert (m.lookup("with", None), m.lookup("without", None)) == ("--prefix x32_", "")
    assert m.lookup("list-y", None) == "a.h"  # every CONFIG_ option counts as enabled


def test_goals_follow_phony_targets(tmp_path: Path) -> None:
    m = make(tmp_path, "PHONY += kapi\nkapi: a.h b.h\nuapi: c.h\na.h: x.tbl\n\tgen $< $@\n")
    assert m.goal_targets(["kapi", "uapi"]) == ["a.h", "b.h", "c.h"]
    assert [c for c, _ in m.commands("a.h")] == ["gen x.tbl a.h"]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        (
            "sh ./scripts/syscallhdr.sh --abis common,64 --emit-nr  in/syscall_64.tbl out.h",
            ("syscallhdr", ["--abis", "common,64", "--emit-nr", "in/syscall_64.tbl", "out.h"], None),
        ),
        (
            "sh 'arch/s390/kernel/syscalls/syscalltbl' -H -a common,32 -f \"out.h\" < in/syscall.tbl",
            ("s390-syscalltbl", ["-H", "-a", "common,32", "-f", "out.h"], "in/syscall.tbl"),
        ),
        (
            "set -e; echo '  sh ./scripts/syscalltbl.sh x'; sh ./scripts/syscalltbl.sh in.tbl out.h; printf done",
            ("syscalltbl", ["in.tbl", "out.h"], None),
        ),
        ("echo nothing to see", None),
    ],
)
def test_commands_that_run_table_scripts(command: str, expected: object) -> None:
    assert invocation(command) == expected
