"""Properties of the parser and generators over random well-formed tables."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

import tables_strategy as ts
from syscalltbl.generators import s390_syscalltbl, syscallhdr_sh, syscalltbl_sh
from syscalltbl.tables.abi import selects
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.tblparse import parse_text

abi_choice = st.none() | st.lists(st.sampled_from(ts.ABIS), min_size=1, max_size=3).map(tuple)


@settings(max_examples=200)
@given(ts.tables())
def test_parse_round_trips(drawn: tuple[list[ts.Row], str]) -> None:
    rows, text = drawn
    table = parse_text(text, "t.tbl")
    got = [(e.number, e.abi, e.name, e.entry_point, e.compat_entry_point, e.noreturn) for e in table.entries]
    assert got == [(r.number, r.abi, r.name, r.entry_point, r.compat, r.noreturn) for r in rows]
    lines = text.split("\n")
    for entry in table.entries:
        assert lines[entry.location.line - 1] == entry.text
        assert entry.text.split()[0] == str(entry.number)
        assert [entry.text[c - 1 :].split()[0] for c in entry.columns] == entry.text.split()


@settings(max_examples=200)
@given(ts.tables(), abi_choice)
def test_syscall_table_fills_holes_and_keeps_every_entry_once(
    drawn: tuple[list[ts.Row], str], abis: tuple[str, ...] | None
) -> None:
    rows, text = drawn
    table = parse_text(text, "t.tbl")
    chosen = [r for r in rows if selects(abis, r.abi)]
    numbers = [r.number for r in chosen]
    if numbers != sorted(set(numbers)):
        try:
            syscalltbl_sh.generate(table, abis)
        except SyscalltblError as exc:
            assert exc.location is not None and "not sorted" in exc.message
            return
        raise AssertionError("an unsorted or duplicated selection must be rejected")
    out = syscalltbl_sh.generate(table, abis).splitlines()
    assert len(out) == (max(numbers) + 1 if numbers else 0)
    for index, line in enumerate(out):
        assert re.match(rf"__SYSCALL\w*\({index}, ", line)
    by_number = {r.number: r for r in chosen}
    for number, line in enumerate(out):
        if number not in by_number:
            assert line == f"__SYSCALL({number}, sys_ni_syscall)"
        else:
            row = by_number[number]
            assert (row.entry_point or "sys_ni_syscall") in line
            assert ("NORETURN" in line) == row.noreturn


@settings(max_examples=200)
@given(ts.tables(), abi_choice, st.booleans())
def test_header_defines_each_selected_entry_in_file_order(
    drawn: tuple[list[ts.Row], str], abis: tuple[str, ...] | None, emit_nr: bool
) -> None:
    rows, text = drawn
    out = syscallhdr_sh.generate(parse_text(text, "t.tbl"), abis, "unistd.h", emit_nr=emit_nr)
    defines = re.findall(r"^#define __NR_(\w+) (\d+)$", out, re.M)
    chosen = [r for r in rows if selects(abis, r.abi)]
    assert [(n, int(v)) for n, v in defines if n != "syscalls"] == [(r.name, r.number) for r in chosen]
    assert out.startswith("#ifndef _UAPI_ASM_UNISTD_H\n#define _UAPI_ASM_UNISTD_H\n")
    if emit_nr:
        assert f"#define __NR_syscalls {chosen[-1].number + 1 if chosen else 1}\n" in out


@settings(max_examples=200)
@given(ts.tables())
def test_s390_table_has_one_line_per_number(drawn: tuple[list[ts.Row], str]) -> None:
    rows, text = drawn
    out = s390_syscalltbl.syscall_table(parse_text(text, "t.tbl"))
    body = out.split("#define NI_SYSCALL SYSCALL(sys_ni_syscall,sys_ni_syscall)\n\n", 1)[1].splitlines()
    assert len(body) == max([r.number for r in rows], default=0) + 1
    assert all(line == "NI_SYSCALL" or line.startswith("SYSCALL(") for line in body)
