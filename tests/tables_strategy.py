"""Hypothesis strategies for well-formed syscall tables and kernel-script argument lists."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

# Names that exercise prefix matching: `64` selects `64bit`, `common` selects `commonx`.
ABIS = ("common", "64", "32", "x32", "i386", "nospu", "spu", "commonx", "64bit", "oabi", "eabi")

identifiers = st.from_regex(r"[a-z_][a-z0-9_]{0,11}", fullmatch=True)
blanks = st.from_regex(r"[ \t]{1,4}", fullmatch=True)


@dataclass(frozen=True)
class Row:
    number: int
    abi: str
    name: str
    entry_point: str | None
    compat: str | None
    noreturn: bool


@st.composite
def rows(draw: st.DrawFn, number: int) -> Row:
    name = draw(identifiers)
    columns = draw(st.integers(3, 6))
    entry = draw(st.sampled_from([f"sys_{name}", "-", f"__x64_sys_{name}"])) if columns >= 4 else None
    compat = draw(st.sampled_from([f"compat_sys_{name}", "-"])) if columns >= 5 else None
    return Row(number, draw(st.sampled_from(ABIS)), name, entry, compat, columns == 6)


@st.composite
def numbers(draw: st.DrawFn) -> list[int]:
    """Mostly ascending with gaps; sometimes repeated or out of order."""
    count = draw(st.integers(0, 40))
    steps = draw(st.lists(st.integers(0, 6), min_size=count, max_size=count))
    values: list[int] = []
    current = draw(st.integers(0, 5))
    for step in steps:
        values.append(current)
        current += step if step else draw(st.sampled_from([0, 1]))
    if len(values) > 0 and draw(st.booleans()) and draw(st.booleans()):
        i, j = draw(st.integers(0, len(values) - 1)), draw(st.integers(0, len(values) - 1))
        values[i], values[j] = values[j], values[i]
    return values


def render_row(row: Row, seps: list[str]) -> str:
    fields = [str(row.number), row.abi, row.name]
    fields += [f for f in (row.entry_point, row.compat) if f is not None]
    if row.noreturn:
        fields.append("noreturn")
    line = fields[0]
    for sep, field in zip(seps, fields[1:], strict=False):
        line += sep + field
    return line


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[Row], str]:
    """(rows, text) for a well-formed table with comments, blank lines and mixed blanks."""
    table_rows = [draw(rows(n)) for n in draw(numbers())]
    lines = ["# SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note"]
    for row in table_rows:
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", "#", "# comment", " \t", "#\t<number> <abi>"])))
        seps = [draw(blanks) for _ in range(5)]
        trailing = draw(st.sampled_from(["", "", "", " ", "\t"]))
        lines.append(render_row(row, seps) + trailing)
    text = "\n".join(lines)
    if draw(st.integers(0, 4)):
        text += "\n"  # sometimes the last line has no LF
    return table_rows, text


abi_lists = st.lists(st.sampled_from(ABIS), min_size=1, max_size=3).map(",".join)
output_names = st.sampled_from(
    ["unistd_64.h", "syscall_table_32.h", "unistd-eabi.h", "calls-oabi.S", "a__b.h", "x.y-z_1.h", "unistd_nr_n32.h"]
)


@st.composite
def syscalltbl_args(draw: st.DrawFn) -> list[str]:
    return ["--abis", draw(abi_lists)] if draw(st.booleans()) else []


@st.composite
def syscallhdr_args(draw: st.DrawFn) -> list[str]:
    options: list[list[str]] = []
    if draw(st.booleans()):
        options.append(["--abis", draw(abi_lists)])
    if draw(st.booleans()):
        options.append(["--emit-nr"])
    if draw(st.booleans()):
        options.append(["--offset", draw(st.sampled_from(["__NR_Linux", "__X32_SYSCALL_BIT", "0x900000"]))])
    if draw(st.booleans()):
        options.append(["--prefix", draw(st.sampled_from(["x32_", "ia32_", "compat32_"]))])
    ordered = draw(st.permutations(options))
    return [arg for option in ordered for arg in option]


@st.composite
def mips_args(draw: st.DrawFn) -> list[str]:
    return [draw(st.sampled_from(["", "common", "64", "n32,64"])), draw(st.sampled_from(["", "N32", "64", "O32"]))]


@st.composite
def s390_args(draw: st.DrawFn) -> list[str]:
    modes = draw(st.lists(st.sampled_from(["-H", "-S", "-N"]), min_size=1, max_size=3, unique=True))
    args = list(modes)
    if draw(st.booleans()):
        args += ["-a", draw(abi_lists)]
    if draw(st.booleans()):
        args += ["-f", draw(st.sampled_from(["arch/s390/include/generated/uapi/asm/unistd_64.h", "unistd_32.h"]))]
    return args
