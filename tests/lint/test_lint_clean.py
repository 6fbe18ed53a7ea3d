"""The real 6.18.2 tables in arch/: no errors, and exactly the warnings that are right (each explained)."""

from __future__ import annotations

from pathlib import Path

from lint_fixtures import ARCH, corpus_dir, lint_arch, load

from fixtures_headers import linux_headers  # noqa: F401  (a fixture, used by name)
from syscalltbl.lint import Finding
from syscalltbl.lint.exceptions import apply_exceptions, load_exceptions
from syscalltbl.lint.rules import RULES

EXCEPTIONS = ARCH / "lint-exceptions.toml"

#: Every warning the shipped tables give, and why it is right:
WARNINGS = {
    # scripts/syscall.tbl line 52 separates the 8-character ABI `renameat` from the name
    # with one space; every other line aligns the name on a tab stop.
    ("TBL004", "generic/syscall.tbl", 52),
    # sh and sparc have no clone3 (they lack the arch support); both tables say so in a
    # comment, which the warning quotes, as the issue asks.
    ("XAR002", "sh/kernel/syscalls/syscall.tbl", 441),
    ("XAR002", "sparc/kernel/syscalls/syscall.tbl", 483),
}

#: With the corpus: perf's copies of three tables stop before the 7 syscalls added in
#: 6.17/6.18 (setxattrat ... file_setattr): perf's copies lag, check-headers.sh warns too.
PERF_WARNINGS = {
    ("PRF001", "tools/perf/arch/alpha/entry/syscalls/syscall.tbl", 504),
    ("PRF001", "tools/perf/arch/arm64/entry/syscalls/syscall_32.tbl", 476),
    ("PRF001", "tools/perf/arch/parisc/entry/syscalls/syscall.tbl", 463),
}

#: The 6.12 headers lack the prototypes of 8 entry points the 6.18.2 tables use.
VERSION_GAP = {
    "sys_setxattrat", "sys_getxattrat", "sys_listxattrat", "sys_removexattrat",
    "sys_open_tree_attr", "sys_file_getattr", "sys_file_setattr", "sys_uprobe",
}  # fmt: skip


def _key(finding: Finding) -> tuple[str, str, int]:
    path = Path(finding.location.file).resolve()
    for root in (ARCH, corpus_dir()):
        if path.is_relative_to(root.resolve()):
            return finding.rule, path.relative_to(root.resolve()).as_posix(), finding.location.line
    return finding.rule, str(path), finding.location.line


def _kept(findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    applied = apply_exceptions(findings, load_exceptions(EXCEPTIONS, list(RULES)))
    return applied.kept, [f for f, _ in applied.suppressed]


def of(findings: list[Finding], severity: str) -> set[tuple[str, str, int]]:
    return {_key(f) for f in findings if f.severity == severity}


def test_arch_gives_no_errors_and_exactly_these_warnings() -> None:
    kept, suppressed = _kept(lint_arch(ARCH))
    assert of(kept, "error") == set()
    assert of(kept, "warning") == WARNINGS
    # The one exception used without extras: alpha's setpgrp -> sys_setpgid.
    assert {_key(f) for f in suppressed} == {("ENT002", "alpha/kernel/syscalls/syscall.tbl", 91)}
    # Notes: outputs whose ABI lists name ABIs their table lacks (kbuild's defaults).
    assert {f.rule for f in kept if f.severity == "note"} == {"ABI003"}


def test_arch_with_corpus_adds_only_perf_drift() -> None:
    kept, suppressed = _kept(lint_arch(ARCH, corpus=corpus_dir()))
    assert of(kept, "error") == set()
    assert of(kept, "warning") == WARNINGS | PERF_WARNINGS
    assert sorted(f.rule for f in suppressed) == ["CND001", "CND001", "ENT002", "PRO001", "PRO001", "PRO001"]


def test_arch_with_the_real_612_headers_reports_the_version_gap_as_notes(linux_headers: Path) -> None:  # noqa: F811
    kept, _ = _kept(lint_arch(ARCH, headers=linux_headers, corpus=corpus_dir()))
    assert of(kept, "error") == set()
    assert of(kept, "warning") == WARNINGS | PERF_WARNINGS
    gap = [f for f in kept if f.rule == "PRO001"]
    assert {f.message.split(":")[0] for f in gap} == VERSION_GAP
    assert all(f.severity == "note" and "6.12" in f.message and "6.18.2" in f.message for f in gap)


def test_the_real_612_headers_parse_completely(linux_headers: Path) -> None:  # noqa: F811
    from syscalltbl.lint.headers import header_paths, read_headers
    from syscalltbl.tables.tree import kernel_version

    files = read_headers(linux_headers, str(linux_headers))
    assert kernel_version(linux_headers).startswith("6.12.")  # type: ignore[union-attr]
    assert [f.path.removeprefix(str(linux_headers) + "/") for f in files] == header_paths(linux_headers)
    assert all(f.problems == () for f in files), [p for f in files for p in f.problems]
    names = {p.name for f in files for p in f.prototypes}
    listed = {
        line.strip()
        for line in (corpus_dir() / "meta/include_linux_syscalls_h.asmlinkage_names.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    # The 6.18.2 syscalls.h names (the corpus list) all appear, except exactly the version gap.
    assert listed - names == VERSION_GAP


def test_abi_bases_are_kept_as_data_beside_the_tables() -> None:
    from syscalltbl.tables.abibases import abi_data_file, load_abi_data

    data = load_abi_data(abi_data_file(ARCH))
    bases = {(b.arch, b.abi): b.base for b in data.bases}
    assert bases[("x86", "x32")] == 0x40000000
    assert (bases[("mips", "o32")], bases[("mips", "n64")], bases[("mips", "n32")]) == (4000, 5000, 6000)
    assert (bases[("arm", "oabi")], bases[("arm", "eabi")]) == (0x900000, 0)
    assert data.unified["alpha"][0] == 110 and data.unified["mips"][0] == 0
    # Every ABI base names a table of the project, and ABIs its lines carry or its outputs select.
    inputs = load(ARCH)
    for base in data.bases:
        table = inputs.tables[inputs.real_path(base.table)]
        named = {e.abi for e in table.entries}
        named |= {a for o in inputs.outputs if o.arch == base.arch and o.abis for a in o.abis}
        assert set(base.select) <= named, base
