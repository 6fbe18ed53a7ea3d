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


# ------------------------------------------------------------ hostile input
#
# Inputs built to find what makes a reader slow or large: numbers far past
# any bound, words and lines far past any real one, lines repeated by the
# thousand, and in headers brackets nested past the parser's limit. A line
# is repeated as a whole so that a few draws make files from bytes to past
# the size limit (tables/limits.py).

#: Past the size limits (128 KiB for a table, 128 KiB for a header), yet small enough to write quickly.
HOSTILE_BLOCK_CHARS = 600_000


def _repeated(text: str, times: int) -> str:
    """`text` `times` over, or as often as fits in HOSTILE_BLOCK_CHARS (at least once)."""
    return text * max(1, min(times, HOSTILE_BLOCK_CHARS // max(1, len(text))))


#: Numbers at and around every bound, and far past them.
BOUNDARY_NUMBERS = (0, 1, 599, 2**20 - 1, 2**20, 10**6, 10**8, 2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64)

hostile_numbers = st.one_of(
    st.sampled_from(BOUNDARY_NUMBERS).map(str),
    st.integers(-(2**70), 2**70).map(str),
    st.tuples(st.integers(1, 6), st.sampled_from(BOUNDARY_NUMBERS)).map(lambda z: "0" * z[0] + str(z[1])),
    st.integers(1, 20_000).map(lambda n: "9" * n),  # int() refuses past 4300 digits
    st.sampled_from(["0x10", "1e9", "-0", "+5", "١٢"]),
)

#: A word up to past the size limit in one piece.
long_words = st.integers(1, 300_000).map(lambda n: "a" * n)

_table_words = st.one_of(st.sampled_from(ABIS), identifiers, long_words, st.sampled_from(["-", "noreturn"]))

#: Comment phrases the linter reads numbers and x32 policy from (lint/rules_ranges.py).
_COMMENT_PHRASES = (
    "x32 ", "numbers 512-547", "Numbers 548 and above are ", "not to be used for x32", "1 through 2 are reserved ",
    "don't use numbers 3 through 9 ", "5 reserved for foo", "7 was sys_waitpid", "99999999999999999999 ", ". ",
)  # fmt: skip


@st.composite
def hostile_table_line(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        fields = [draw(hostile_numbers), *draw(st.lists(_table_words, min_size=0, max_size=6))]
        return draw(st.sampled_from([" ", "\t", "  \t"])).join(fields)
    if kind == 1:
        phrases = draw(st.lists(st.sampled_from(_COMMENT_PHRASES), min_size=1, max_size=4))
        return "# " + "".join(phrases) * draw(st.sampled_from([1, 10, 1000, 20_000]))
    if kind == 2:
        return draw(st.sampled_from(["", "#", " ", "\r", "0 common read sys_read\r"]))
    return f"{draw(st.sampled_from(BOUNDARY_NUMBERS[:5]))} common {draw(identifiers)} sys_x"


@st.composite
def hostile_tables(draw: st.DrawFn) -> str:
    """A table's text: a few lines, each repeated from once to tens of thousands of times."""
    times = st.sampled_from([1, 1, 2, 100, 5000, 40_000, 200_000])
    blocks = draw(st.lists(st.tuples(hostile_table_line(), times), max_size=6))
    return "".join(_repeated(line + "\n", times) for line, times in blocks)


_HEADER_PIECES = (
    "asmlinkage long sys_read(unsigned int fd, char __user *buf, size_t count);\n",
    "asmlinkage long sys_x(void (*f)(int), int a[4]) __attribute__((unused));\n",
    "struct s { int a; union { long b; } u; };\n", "typedef int t;\n", "#ifdef CONFIG_X\n", "#endif\n",
    "#define A(x) ((x) + 1)\n", "/* unterminated", "\"unterminated", "}", ";", "asmlinkage", "\n",
)  # fmt: skip


@st.composite
def nested(draw: st.DrawFn) -> str:
    """Brackets nested from a few levels to far past NESTING_LIMIT, around a declaration or nothing."""
    depth = draw(st.sampled_from([1, 10, 99, 100, 101, 300, 5000, 100_000]))
    pairs = draw(st.lists(st.sampled_from(["()", "[]", "{}"]), min_size=1, max_size=3))
    opening = "".join(pairs[i % len(pairs)][0] for i in range(depth))
    closing = "".join(pairs[i % len(pairs)][1] for i in reversed(range(depth)))
    inside = draw(st.sampled_from(["", "int", "void (*f)(int)", "asmlinkage long sys_y(int);"]))
    prefix = draw(st.sampled_from(["", "asmlinkage long sys_z(int a", "struct s ", "typedef int t", "int x"]))
    return f"{prefix}{opening}{inside}{closing};\n"


@st.composite
def hostile_headers(draw: st.DrawFn) -> str:
    """A prototype header's text: nested brackets, C pieces, and long words, each repeated."""
    piece = st.one_of(nested(), st.sampled_from(_HEADER_PIECES), long_words)
    blocks = draw(st.lists(st.tuples(piece, st.sampled_from([1, 1, 3, 1000, 20_000, 200_000])), max_size=6))
    return "".join(_repeated(text, times) for text, times in blocks)
