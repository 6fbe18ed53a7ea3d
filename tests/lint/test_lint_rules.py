"""One injected fault per rule: the linter must find it, with its rule ID, at the right file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

from lint_fixtures import (  # noqa: F401  (arch_copy_fixture provides the fixture `arch_copy`)
    GENERIC,
    X86_32,
    X86_64,
    append_line,
    arch_copy_fixture,
    at,
    corpus_dir,
    insert_line,
    last_number,
    line_number,
    lint,
    lint_arch,
    load,
    replace,
    replace_line,
)

from syscalltbl.lint.files import standalone_inputs
from syscalltbl.lint.rules import RULES
from syscalltbl.tables.prototypes import parse_prototypes

TESTED: set[str] = set()


def column(text: str, word: str) -> int:
    return text.index(word) + 1


def found(findings: list, rule: str, file: Path, line: int, column: int | None = None) -> None:  # type: ignore[type-arg]
    """Assert a finding of `rule` at file:line[:column]; record the rule as tested."""
    TESTED.add(rule)
    hits = at(findings, rule, file, line)
    assert hits, f"no {rule} at {file}:{line}; got " + "\n".join(
        f"{f.location} {f.rule} {f.message}" for f in findings if f.rule == rule
    )
    if column is not None:
        assert any(h.location.column == column for h in hits), hits
    assert all(h.severity == RULES[rule].severity or rule.startswith(("PRO",)) for h in hits)


# ------------------------------------------------------------------ how lines are written


def test_tbl001_malformed_line(arch_copy: Path) -> None:
    table = arch_copy / X86_64
    line = append_line(table, "470\tcommon")
    findings = lint_arch(arch_copy)
    found(findings, "TBL001", table, line)
    # The rest of the file is still checked: the bad line is reported, not fatal.
    assert not [f for f in findings if f.rule == "TBL001" and f.location.line != line]


def test_tbl002_crlf(arch_copy: Path) -> None:
    table = arch_copy / X86_64
    line = line_number(table, "60\t")
    data = table.read_bytes().split(b"\n")
    data[line - 1] += b"\r"
    table.write_bytes(b"\n".join(data))
    found(lint_arch(arch_copy), "TBL002", table, line)


def test_tbl003_trailing_whitespace(arch_copy: Path) -> None:
    table = arch_copy / X86_64
    line = line_number(table, "60\t")
    original = table.read_text().split("\n")[line - 1]
    replace_line(table, line, original + " \t")
    found(lint_arch(arch_copy), "TBL003", table, line, column=len(original) + 1)


def test_tbl004_column_layout(arch_copy: Path) -> None:
    table = arch_copy / X86_64
    line = line_number(table, "60\t")
    replace_line(table, line, "60 common exit\t\t\tsys_exit\t\t\t-\t\t\tnoreturn")
    found(lint_arch(arch_copy), "TBL004", table, line, column=4)


def test_tbl005_numbers_out_of_order(arch_copy: Path) -> None:
    table = arch_copy / X86_64
    first, second = line_number(table, "1\t"), line_number(table, "2\t")
    one, two = (table.read_text().split("\n")[n - 1] for n in (first, second))
    replace_line(table, first, two)
    replace_line(table, second, one)
    found(lint_arch(arch_copy), "TBL005", table, second)


def test_tbl006_table_read_by_no_output(tmp_path: Path) -> None:
    table = tmp_path / "syscall.tbl"
    table.write_text("0\tcommon\tread\tsys_read\n")
    found(lint(standalone_inputs([table], None)), "TBL006", table, 1)


# ------------------------------------------------------------------ what outputs select


def test_sel001_one_number_twice_in_an_output(arch_copy: Path) -> None:
    table = arch_copy / X86_64
    line = insert_line(table, line_number(table, "60\t"), "60\tcommon\tfrobnicate\t\tsys_frobnicate")
    found(lint_arch(arch_copy), "SEL001", table, line)


def test_sel001_not_for_numbers_no_output_combines(arch_copy: Path) -> None:
    # scripts/syscall.tbl gives 79 to `stat64` fstatat64 and `64` newfstatat: never together.
    assert not [f for f in lint_arch(arch_copy) if f.rule == "SEL001"]


def test_sel002_one_name_twice_in_an_output(arch_copy: Path) -> None:
    table = arch_copy / X86_64
    line = append_line(table, "470\tcommon\tclose\t\t\tsys_close")
    found(lint_arch(arch_copy), "SEL002", table, line)


def test_abi001_typo_no_output_selects(arch_copy: Path) -> None:
    table = arch_copy / X86_64
    line = append_line(table, "470\tcommmon\tfrobnicate\t\tsys_frobnicate")
    found(lint_arch(arch_copy), "ABI001", table, line, column=5)


def test_abi002_prefix_trap(arch_copy: Path) -> None:
    table = arch_copy / X86_64
    line = append_line(table, "470\tcommonx\tfrobnicate\t\tsys_frobnicate")
    findings = lint_arch(arch_copy)
    found(findings, "ABI002", table, line, column=5)
    assert not at(findings, "ABI001", table, line)  # selected, but only by the prefix rule


def test_abi003_output_selects_an_abi_nobody_has(arch_copy: Path) -> None:
    meta = arch_copy / "tables.toml"
    text = meta.read_text()
    old = 'argv = ["--abis", "i386", "--emit-nr", "{input}", "{output}"]'
    assert old in text
    meta.write_text(text.replace(old, 'argv = ["--abis", "i386,i368", "--emit-nr", "{input}", "{output}"]', 1))
    line = line_number(meta, 'path = "arch/x86/include/generated/uapi/asm/unistd_32.h"')
    found(lint_arch(arch_copy), "ABI003", meta, line)


# ------------------------------------------------------------------ numbers the tables reserve


def test_rsv001_entry_in_reserved_number(arch_copy: Path) -> None:
    table = arch_copy / "sh/kernel/syscalls/syscall.tbl"
    line = insert_line(table, line_number(table, "# 447 reserved for memfd_secret"), "447\tcommon\tfrob\t\tsys_frob")
    found(lint_arch(arch_copy), "RSV001", table, line)


def test_rsv001_entry_in_reserved_range(arch_copy: Path) -> None:
    table = arch_copy / GENERIC
    anchor = line_number(table, "294\t")
    line = insert_line(table, anchor, "300\tcommon\tfrob\t\t\tsys_frob")
    found(lint_arch(arch_copy), "RSV001", table, line)


def test_rsv002_entry_at_retired_number(arch_copy: Path) -> None:
    table = arch_copy / "arm/tools/syscall.tbl"
    line = insert_line(table, line_number(table, "# 7 was sys_waitpid"), "7\tcommon\tfrob\t\t\tsys_frob")
    found(lint_arch(arch_copy), "RSV002", table, line)


def test_x32001_x32_entry_at_548_and_above(arch_copy: Path) -> None:
    table = arch_copy / X86_64
    line = append_line(table, "560\tx32\tfrobnicate\t\tcompat_sys_frobnicate")
    found(lint_arch(arch_copy), "X32001", table, line)


def test_x32002_new_entry_in_legacy_x32_range(arch_copy: Path) -> None:
    table = arch_copy / X86_64
    line = insert_line(table, line_number(table, "547\t"), "547\t64\tfrobnicate\t\tsys_frobnicate")
    found(lint_arch(arch_copy), "X32002", table, line)


def test_x32003_x32_entry_below_legacy_range(arch_copy: Path) -> None:
    table = arch_copy / X86_64
    line = insert_line(table, line_number(table, "336\t"), "340\tx32\tfrobnicate\t\tcompat_sys_frobnicate")
    found(lint_arch(arch_copy), "X32003", table, line)


# ------------------------------------------------------------------ entry points


def test_ent001_entry_point_nowhere(arch_copy: Path) -> None:
    table = arch_copy / X86_64
    text = "470\tcommon\tfrobnicate\t\tsys_frobnicate"
    line = append_line(table, text)
    inputs = load(arch_copy)
    defined = {e.entry_point for t in inputs.tables.values() for e in t.entries if e.entry_point}
    defined |= {e.compat_entry_point for t in inputs.tables.values() for e in t.entries if e.compat_entry_point}
    inputs = replace(inputs, definitions=frozenset(defined - {"sys_frobnicate"}), prototypes=())
    findings = lint(inputs)
    found(findings, "ENT001", table, line, column=column(text, "sys_frobnicate"))
    assert [f.location.line for f in findings if f.rule == "ENT001"] == [line]


def test_ent002_entry_point_of_another_syscall(arch_copy: Path) -> None:
    table = arch_copy / X86_64
    line = append_line(table, "470\tcommon\tfrobnicate\t\tsys_close")
    found(lint_arch(arch_copy), "ENT002", table, line)


def _headers(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "headers"
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def test_pro001_generic_entry_point_without_prototype(arch_copy: Path, tmp_path: Path) -> None:
    table = arch_copy / GENERIC
    text = f"{last_number(table) + 1}\tcommon\tfrobnicate\t\t\tsys_frobnicate"
    line = append_line(table, text)
    found(lint_arch(arch_copy, corpus=corpus_dir()), "PRO001", table, line, column=column(text, "sys_"))


def test_pro001_is_a_note_when_headers_are_older(arch_copy: Path, tmp_path: Path) -> None:
    table = arch_copy / GENERIC
    line = append_line(table, f"{last_number(table) + 1}\tcommon\tfrobnicate\t\t\tsys_frobnicate")
    headers = _headers(tmp_path, {"Makefile": "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = 0\n",
                                  "include/linux/syscalls.h": "asmlinkage long sys_read(unsigned int fd);\n"})
    hits = at(lint_arch(arch_copy, headers=headers), "PRO001", table, line)
    assert [h.severity for h in hits] == ["note"]
    assert "6.1.0" in hits[0].message and "6.18.2" in hits[0].message


def test_pro002_compat_entry_point_without_compat_prototype(arch_copy: Path, tmp_path: Path) -> None:
    table = arch_copy / GENERIC
    text = f"{last_number(table) + 1}\tcommon\tfrob\t\t\tsys_frob\t\t\tcompat_sys_frob"
    line = append_line(table, text)
    headers = _headers(tmp_path, {"include/linux/compat.h": "asmlinkage long compat_sys_read(int);\n"})
    found(lint_arch(arch_copy, headers=headers), "PRO002", table, line, column=column(text, "compat_sys_frob"))


def test_pro003_prototype_no_table_uses(arch_copy: Path, tmp_path: Path) -> None:
    text = "asmlinkage long sys_read(unsigned int fd);\nasmlinkage long sys_frobnicate(int how);\n"
    headers = _headers(tmp_path, {"include/linux/syscalls.h": text})
    found(lint_arch(arch_copy, headers=headers), "PRO003", headers / "include/linux/syscalls.h", 2)


def test_prototypes_from_a_real_parser_run(tmp_path: Path) -> None:
    # The header reader is the project's prototype parser, not a name list.
    header = tmp_path / "syscalls.h"
    header.write_text("#ifdef X\nasmlinkage long\nsys_frob(int a,\n\t\tlong b);\n#endif\n")
    assert [(p.name, p.location.line) for p in parse_prototypes(header).prototypes] == [("sys_frob", 3)]


# ------------------------------------------------------------------ noreturn, COND_SYSCALL


def test_nrt001_noreturn_without_entry_point(arch_copy: Path) -> None:
    table = arch_copy / X86_64
    line = append_line(table, "470\tcommon\tfrobnicate\t\t-\t\t\t-\t\t\tnoreturn")
    found(lint_arch(arch_copy), "NRT001", table, line)


def test_nrt002_noreturn_marks_disagree(arch_copy: Path) -> None:
    table = arch_copy / X86_32
    line = line_number(table, "1\t")
    replace_line(table, line, "1\ti386\texit\t\t\tsys_exit")
    found(lint_arch(arch_copy), "NRT002", table, line)


def test_cnd001_compat_half_of_optional_syscall_unstubbed(arch_copy: Path) -> None:
    table = arch_copy / X86_64
    line = append_line(table, "470\tcommon\tfrob\t\t\tsys_frob\t\t\tcompat_sys_frob")
    inputs = replace(load(arch_copy), cond_syscalls=frozenset({"sys_frob"}), cond_source="kernel/sys_ni.c")
    found(lint(inputs), "CND001", table, line)


# ------------------------------------------------------------------ across architectures


def test_xar001_unified_number_differs(arch_copy: Path) -> None:
    generic, alpha, xtensa = (arch_copy / GENERIC, arch_copy / "alpha/kernel/syscalls/syscall.tbl",
                              arch_copy / "xtensa/kernel/syscalls/syscall.tbl")
    number = last_number(generic) + 1
    append_line(generic, f"{number}\tcommon\tfrobnicate\t\t\tsys_frobnicate")
    append_line(xtensa, f"{number}\tcommon\tfrobnicate\t\t\tsys_frobnicate")  # right
    line = append_line(alpha, f"{number + 111}\tcommon\tfrobnicate\t\t\tsys_frobnicate")  # alpha is +110
    findings = lint_arch(arch_copy)
    found(findings, "XAR001", alpha, line)
    assert not [f for f in findings if f.rule == "XAR001" and "xtensa" in f.location.file]


def test_xar002_unified_syscall_missing_on_one_arch(arch_copy: Path) -> None:
    table = arch_copy / "m68k/kernel/syscalls/syscall.tbl"
    replace_line(table, line_number(table, "451\t"), "# 451 was cachestat")
    findings = lint_arch(arch_copy)
    found(findings, "XAR002", table, line_number(table, "# 451 was cachestat"))


def test_prf001_perf_copy_differs(arch_copy: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    copy = corpus / "tools/perf/arch/x86/entry/syscalls/syscall_64.tbl"
    copy.parent.mkdir(parents=True)
    shutil.copy(arch_copy / X86_64, copy)
    line = line_number(copy, "60\t")
    replace_line(copy, line, "60\tcommon\texit\t\t\tsys_exit")
    found(lint_arch(arch_copy, corpus=corpus), "PRF001", copy, line)


def test_every_rule_has_an_injected_fault_test() -> None:
    import sys

    module = sys.modules[__name__]
    names = [n for n in dir(module) if n.startswith("test_")]
    for rule_id in RULES:
        assert any(n.startswith(f"test_{rule_id.lower()}_") for n in names), f"no injected-fault test for {rule_id}"


def test_a_project_can_keep_its_own_prototype_header(arch_copy: Path) -> None:
    # `[[header]]` in tables.toml names a header the project keeps, as `[[table]]` names tables.
    header = arch_copy / "include-linux-syscalls.h"
    header.write_text("asmlinkage long sys_read(unsigned int fd);\nasmlinkage long sys_frobnicate(int how);\n")
    meta = arch_copy / "tables.toml"
    entry = '\n[[header]]\nkernel_path = "include/linux/syscalls.h"\nfile = "include-linux-syscalls.h"\n'
    meta.write_text(meta.read_text() + entry)
    inputs = load(arch_copy)
    assert inputs.headers_read == frozenset({"include/linux/syscalls.h"})
    assert at(lint(inputs), "PRO003", header, 2)
