"""Rules about numbers a table's own comments reserve, forbid or retire, and x32's ranges.

Tables document their number policy in comments, in a handful of phrasings
(`# 447 reserved for memfd_secret`, `# 295 through 402 are unassigned to sync
up with generic numbers don't use`, `# don't use numbers 387 through 423`,
`# 7 was sys_waitpid`). They are read here from the table itself, so a new
comment is enforced without changing the linter.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass

from syscalltbl.lint.findings import Finding
from syscalltbl.lint.graph import LintGraph
from syscalltbl.lint.rulebase import rule
from syscalltbl.tables.model import Comment, Entry, Table

# A number in a comment is at most 10 digits and not part of a longer run: a
# syscall number is below 2^31 (tables/limits.py), and `\d+` before a word
# that is not there would rescan a long run of digits from each of its digits.
_N = r"(?<!\d)(\d{1,10})(?!\d)"
_RESERVED_ONE = re.compile(rf"^#\s*{_N}\s+(?:is\s+)?reserved(?:\s+for\s+(\S+))?", re.I)
_RESERVED_RANGE = re.compile(
    rf"{_N}\s+through\s+{_N}\s+are\s+(?:unassigned|reserved)"
    rf"|(?:don't|do not)\s+use\s+numbers\s+{_N}\s+through\s+{_N}",
    re.I,
)
_RETIRED = re.compile(rf"^#\s*{_N}\s+was\s+(\S+)")
# "x32 ... numbers 512-547" is searched as two patterns, not as `x32.*?numbers`:
# that one rescans the rest of the text from every "x32" that has no numbers after it.
_X32 = re.compile(r"x32", re.I)
_X32_LEGACY_NUMBERS = re.compile(rf"numbers\s+{_N}-{_N}", re.I)
# The sentence is bounded (by the next `.` and at 300 characters) for the same reason.
_X32_FORBIDDEN = re.compile(
    rf"Numbers\s+{_N}\s+and\s+above\s+are\b[^.]{{0,300}}?\bnot\s+to\s+be\s+used\s+for\s+x32", re.I
)


@dataclass(frozen=True, slots=True)
class Reservation:
    low: int
    high: int
    #: The syscall a single reserved number is kept for, if the comment names one.
    holder: str | None
    comment: Comment


def comment_blocks(table: Table) -> list[tuple[Comment, str]]:
    """Runs of consecutive comment lines as (first comment, joined text): sentences span lines."""
    blocks: list[tuple[Comment, list[str]]] = []
    previous_line = -2
    for comment in table.comments:
        if not blocks or comment.location.line != previous_line + 1:
            blocks.append((comment, []))
        blocks[-1][1].append(comment.text.lstrip("#").strip())
        previous_line = comment.location.line
    # Joined once per block: appending to a growing string is quadratic in its lines.
    return [(first, " ".join(parts)) for first, parts in blocks]


def reservations(table: Table) -> list[Reservation]:
    found: list[Reservation] = []
    for comment in table.comments:
        one = _RESERVED_ONE.match(comment.text)
        if one:
            number = int(one.group(1))
            found.append(Reservation(number, number, one.group(2), comment))
    for first, text in comment_blocks(table):
        for match in _RESERVED_RANGE.finditer(text):
            low, high = (int(g) for g in (match.group(1, 2) if match.group(1) else match.group(3, 4)))
            found.append(Reservation(low, high, None, first))
    return found


def is_placeholder(entry: Entry) -> bool:
    """A line that only occupies its number: no entry point, or one that returns -ENOSYS.

    Tables fill reserved and retired numbers with such lines (`177 n32 reserved177
    sys_ni_syscall`, sparc's sys_nis_syscall) so that the number stays unused.
    """
    point = entry.entry_point or "-"
    return point == "-" or point.endswith(("ni_syscall", "nis_syscall"))


def _holder_matches(holder: str, name: str) -> bool:
    return holder.removeprefix("sys_").rstrip(".,") == name


@rule(
    "RSV001",
    "error",
    "entry in a number range its table reserves",
    """Tables keep numbers free on purpose: to stay in step with the generic numbering (`295
    through 402 are unassigned to sync up with generic numbers`), or for a syscall other
    architectures have (`447 reserved for memfd_secret`). An entry there breaks the unified
    numbering that Documentation/process/adding-syscalls.rst asks for, and it is ABI the
    moment it ships.""",
)
def reserved(lg: LintGraph) -> Iterator[Finding]:
    for path, table in lg.tables():
        marks = reservations(table)
        if not marks:
            continue
        entries = [entry for entry in lg.entries(path) if not is_placeholder(entry)]
        named = _named_marks(marks)
        unnamed = _first_unnamed_marks(marks, entries)
        for entry in entries:
            # The first mark in comment order that does not reserve the number for this very entry.
            found = [i for i in named.get(entry.number, ()) if not _reserved_for(marks[i], entry)][:1]
            found += [unnamed[entry.number]] if entry.number in unnamed else []
            if found:
                mark = marks[min(found)]
                yield reserved.finding(
                    entry.location,
                    f"number {entry.number} ({entry.name}) is reserved by the comment on line "
                    f"{mark.comment.location.line}: {mark.comment.text.lstrip('#').strip()!r}",
                )


def _reserved_for(mark: Reservation, entry: Entry) -> bool:
    return bool(mark.holder and _holder_matches(mark.holder, entry.name))


def _named_marks(marks: list[Reservation]) -> dict[int, list[int]]:
    """Per number, the indices of the first mark naming a holder and of the first naming another.

    Two are enough to find the first that does not reserve the number for a
    given entry, however many comments repeat one.
    """
    kept: dict[int, list[int]] = {}
    for index, mark in enumerate(marks):
        if mark.holder is None:
            continue
        firsts = kept.setdefault(mark.low, [])
        if not firsts or (len(firsts) == 1 and _holder_key(marks[firsts[0]]) != _holder_key(mark)):
            firsts.append(index)
    return kept


def _holder_key(mark: Reservation) -> str:
    return (mark.holder or "").removeprefix("sys_").rstrip(".,")


def _first_unnamed_marks(marks: list[Reservation], entries: list[Entry]) -> dict[int, int]:
    """For each entry's number, the index of the first mark naming no holder whose range holds it.

    Each number is claimed once, then skipped through shared pointers, so many
    wide ranges cost no more than a few narrow ones.
    """
    numbers = sorted({entry.number for entry in entries})
    skip = list(range(len(numbers) + 1))  # skip[i]: the first index from i not yet claimed

    def unclaimed(index: int) -> int:
        root = index
        while skip[root] != root:
            root = skip[root]
        while skip[index] != root:
            skip[index], index = root, skip[index]
        return root

    first: dict[int, int] = {}
    for mark_index, mark in enumerate(marks):
        if mark.holder is not None:
            continue
        index = unclaimed(bisect_left(numbers, mark.low))
        while index < len(numbers) and numbers[index] <= mark.high:
            first[numbers[index]] = mark_index
            skip[index] = index + 1
            index = unclaimed(index + 1)
    return first


@rule(
    "RSV002",
    "warning",
    "entry at a number its table says was retired",
    """`# 7 was sys_waitpid` records a number whose old binaries may still call it. Giving it
    to a new syscall makes those binaries call something else; if the number really is
    meant for reuse, the comment is stale and should go in the same patch.""",
)
def retired(lg: LintGraph) -> Iterator[Finding]:
    for path, table in lg.tables():
        marks: dict[int, Comment] = {}
        for comment in table.comments:
            match = _RETIRED.match(comment.text)
            if match:
                marks[int(match.group(1))] = comment
        for entry in lg.entries(path) if marks else ():
            mark = marks.get(entry.number)
            if mark is not None and not is_placeholder(entry):
                yield retired.finding(
                    entry.location,
                    f"number {entry.number} ({entry.name}) was retired by the comment on line "
                    f"{mark.location.line}: {mark.text.lstrip('#').strip()!r}",
                )


@dataclass(frozen=True, slots=True)
class X32Policy:
    legacy: tuple[int, int] | None
    legacy_comment: Comment | None
    forbidden_from: int | None
    forbidden_comment: Comment | None


def x32_legacy_match(text: str) -> re.Match[str] | None:
    """What `x32.*?numbers\\s+(\\d+)-(\\d+)` (dot matching newlines) finds, in linear time."""
    x32 = _X32.search(text)
    return _X32_LEGACY_NUMBERS.search(text, x32.end()) if x32 else None


def x32_policy(table: Table) -> X32Policy:
    legacy: tuple[int, int] | None = None
    forbidden: int | None = None
    legacy_comment: Comment | None = None
    forbidden_comment: Comment | None = None
    for first, text in comment_blocks(table):
        match = x32_legacy_match(text)
        if match and legacy is None:
            legacy, legacy_comment = (int(match.group(1)), int(match.group(2))), first
        match = _X32_FORBIDDEN.search(text)
        if match:
            forbidden, forbidden_comment = int(match.group(1)), first
    return X32Policy(legacy, legacy_comment, forbidden, forbidden_comment)


def _where(comment: Comment | None) -> str:
    return f"the comment on line {comment.location.line}" if comment else "the table's comments"


@rule(
    "X32001",
    "error",
    "x32-specific entry where the table forbids one",
    """x86's syscall_64.tbl: `Numbers 548 and above are not to be used for x32-specific
    syscalls.` x32 calls the 64-bit entry point of every `common` syscall with the x32 bit
    set; an x32-only entry above the legacy range would need a number the 64-bit ABI never
    gets, which is the mistake the 512-547 range already is.""",
)
def x32_forbidden(lg: LintGraph) -> Iterator[Finding]:
    for path, table in lg.tables():
        policy = x32_policy(table)
        if policy.forbidden_from is None:
            continue
        for entry in lg.entries(path):
            if entry.abi == "x32" and entry.number >= policy.forbidden_from:
                yield x32_forbidden.finding(
                    entry.location,
                    f"x32-specific entry {entry.name!r} at {entry.number}: {_where(policy.forbidden_comment)} "
                    f"forbids x32-specific syscalls at {policy.forbidden_from} and above; use a `common` entry",
                )


@rule(
    "X32002",
    "error",
    "new entry inside the legacy x32 range",
    """x86's syscall_64.tbl: `Due to a historical design error, certain syscalls are numbered
    differently in x32 ... numbers 512-547. Do not add new syscalls to this range.` Only
    the historical x32 entries live there.""",
)
def x32_range_taken(lg: LintGraph) -> Iterator[Finding]:
    for path, table in lg.tables():
        policy = x32_policy(table)
        if policy.legacy is None:
            continue
        low, high = policy.legacy
        for entry in lg.entries(path):
            if low <= entry.number <= high and entry.abi != "x32":
                yield x32_range_taken.finding(
                    entry.location,
                    f"{entry.abi} entry {entry.name!r} at {entry.number} is inside the legacy x32 range "
                    f"{low}-{high} that {_where(policy.legacy_comment)} closes to new syscalls",
                )


@rule(
    "X32003",
    "warning",
    "x32-specific entry below the legacy x32 range",
    """x32-specific numbers are the 512-547 block; an `x32` entry below it shares a number
    with a 64-bit syscall's slot and is almost always a `64` typed as `x32`.""",
)
def x32_below(lg: LintGraph) -> Iterator[Finding]:
    for path, table in lg.tables():
        policy = x32_policy(table)
        if policy.legacy is None:
            continue
        for entry in lg.entries(path):
            if entry.abi == "x32" and entry.number < policy.legacy[0]:
                yield x32_below.finding(
                    entry.location,
                    f"x32-specific entry {entry.name!r} at {entry.number} is below the legacy x32 range "
                    f"{policy.legacy[0]}-{policy.legacy[1]} ({_where(policy.legacy_comment)})",
                )
