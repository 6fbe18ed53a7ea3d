"""The bounds every input is held to, in one place (documented in docs/limits.md).

A table or header is read by one command after another (the five script
drop-ins, build, lint, show, export, the machine's kernel build), and each
would otherwise size something by what it read: syscalltbl.sh's table has a
slot for every number up to the highest. The limits are checked where input
is read and parsed, before anything is sized by it, so no generator needs a
check of its own.
"""

from __future__ import annotations

import os

from syscalltbl.tables.errors import SyscalltblError

TYPE_CHECKING = False  # not typing: the warm `syscalltbl script` path imports this module

if TYPE_CHECKING:
    from syscalltbl.tables.model import Location

#: Numbers must be below 2^31: the kernel indexes its tables with an `int nr`.
NUMBER_LIMIT = 2**31

#: A table's numbers may take at most this many slots, counted from 0 (as
#: syscalltbl.sh fills them) to the highest; real tables take under 600.
#: At the limit `syscalltbl script syscalltbl` takes about 2 s and 260 MB,
#: as long as the kernel's own script takes under dash.
SLOT_LIMIT = 2**20

#: Slots of the emulated machine's tables (sys_call_table, its Python twin,
#: ia32_sys_call_table): dense, so each number up to the highest costs one
#: in the kernel image and one in the host process (a million took `run`
#: 1.1 GB). x86-64's own tables use under 550.
MACHINE_SLOT_LIMIT = 2**12

#: Bytes in one table. The largest real one is 25 KB (s390's). The parser
#: and the linter take up to 20 s per MiB of the most token-dense text (a
#: malformed line every two bytes), so 128 KiB keeps any table to a few seconds.
TABLE_BYTES_LIMIT = 2**17

#: Bytes in one prototype header. The largest real one is 57 KB
#: (include/linux/syscalls.h); the prototype parsers take up to 11 s per MiB
#: of the most token-dense text (a parameter list of `a,`), and a command may
#: read two headers of this size (syscalls.h and compat.h).
HEADER_BYTES_LIMIT = 2**17

#: Bytes of one `asmlinkage` declaration of a header, from the keyword to its `;` or `{`. The longest
#: real one is 1.5 KB (include/linux/linkage.h; 26 parameters at most, in syscalls.h); a declaration is
#: read token by token, and one parameter list of `a,` filling a header took `lint --headers` 5 s of cpu.
DECLARATION_BYTES_LIMIT = 2**13

#: Problems one file may have before the reader gives up on the rest of it:
#: malformed lines of a table that the linter parses one by one, stray tokens
#: of a header that the parser recovers from one by one (each costs ~50 us).
PROBLEMS_LIMIT = 1000

#: Levels of (), [] and {} in a prototype header, all kinds counted together.
#: Kernel headers nest fewer than 10; the parser's tree is walked recursively.
NESTING_LIMIT = 100

#: How much of a bad word an error message quotes.
_QUOTED_CHARS = 40

DOCS = "see docs/limits.md"


def quoted(text: str) -> str:
    """`text` as an error message quotes it: repr, and cut short when it is long."""
    if len(text) <= _QUOTED_CHARS:
        return repr(text)
    return f"{text[:_QUOTED_CHARS]!r}... ({len(text)} characters)"


def shortened(line: str) -> str:
    """A source line as an error message shows it: whole, or its start when it is long."""
    if len(line) <= 2 * _QUOTED_CHARS:
        return line
    return f"{line[: 2 * _QUOTED_CHARS]}... ({len(line)} characters)"


def check_size(size: int, path: str, *, header: bool = False) -> None:
    """A table (or header) of `size` bytes or characters is refused above TABLE_BYTES_LIMIT (HEADER_BYTES_LIMIT)."""
    limit, what = (HEADER_BYTES_LIMIT, "prototype header") if header else (TABLE_BYTES_LIMIT, "table")
    if size > limit:
        raise SyscalltblError(f"input too large: more than {limit} bytes, the limit on a {what} ({DOCS})", path=path)


def read_bounded(path: str | os.PathLike[str], *, header: bool = False) -> bytes:
    """A table's (or header's) bytes, refused over its limit without reading more than one byte past it.

    Raises OSError as `open`/`read` do, so that each caller keeps its own way
    of reporting an unreadable file.
    """
    with open(path, "rb") as handle:
        data = handle.read((HEADER_BYTES_LIMIT if header else TABLE_BYTES_LIMIT) + 1)
    check_size(len(data), os.fspath(path), header=header)
    return data


def check_number(digits: str, where: Location) -> int:
    """The value of a syscall number written as ASCII decimal `digits`, within NUMBER_LIMIT and SLOT_LIMIT.

    The length is checked before converting: int() of a long digit string is
    slow and, past 4300 digits, refused by Python itself.
    """
    if len(digits) > len(str(NUMBER_LIMIT)) or int(digits) >= NUMBER_LIMIT:
        raise SyscalltblError(
            f"syscall number {quoted(digits)} out of range: expected below 2^31 = {NUMBER_LIMIT}, "
            f"as the kernel's `int nr` ({DOCS})",
            where,
        )
    number = int(digits)
    if number >= SLOT_LIMIT:
        raise SyscalltblError(
            f"syscall number {number} too large: a table's numbers must fit in {SLOT_LIMIT} slots "
            f"(0 to {SLOT_LIMIT - 1}), since its generated tables hold a slot for every number below "
            f"the highest; apply a base such as x32's outside the table ({DOCS})",
            where,
        )
    return number


def check_nesting(depth: int, where: Location) -> None:
    if depth > NESTING_LIMIT:
        raise SyscalltblError(
            f"brackets nested more than {NESTING_LIMIT} deep: expected at most {NESTING_LIMIT} levels "
            f"of (), [] and {{}} in a prototype header ({DOCS})",
            where,
        )
