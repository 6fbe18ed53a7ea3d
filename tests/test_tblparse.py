"""The .tbl grammar, one construct at a time, and its errors' locations."""

from __future__ import annotations

import hashlib
import tomllib

import pytest

from support import CORPUS, SHIPPED_ARCH
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.model import Location
from syscalltbl.tables.tblparse import decode, parse_bytes, parse_text


def test_entry_with_all_columns() -> None:
    table = parse_text("60\tcommon\texit\t\tsys_exit\t-\tnoreturn\n", "t.tbl")
    (entry,) = table.entries
    assert (entry.number, entry.abi, entry.name) == (60, "common", "exit")
    assert (entry.entry_point, entry.compat_entry_point, entry.noreturn) == ("sys_exit", "-", True)
    assert entry.location == Location("t.tbl", 1, 1)
    assert entry.columns == (1, 4, 11, 17, 26, 28)
    assert entry.text == "60\tcommon\texit\t\tsys_exit\t-\tnoreturn"


@pytest.mark.parametrize(
    ("line", "entry_point", "compat"),
    [
        ("7 i386 waitpid", None, None),
        ("7 i386 waitpid sys_waitpid", "sys_waitpid", None),
        ("7 i386 waitpid sys_waitpid compat_sys_waitpid", "sys_waitpid", "compat_sys_waitpid"),
        ("101 32 ioperm - -", "-", "-"),
    ],
)
def test_optional_columns(line: str, entry_point: str | None, compat: str | None) -> None:
    (entry,) = parse_text(line + "\n", "t.tbl").entries
    assert (entry.entry_point, entry.compat_entry_point, entry.noreturn) == (entry_point, compat, False)


def test_comments_blank_lines_and_mixed_blanks() -> None:
    text = "# SPDX\n\n \t \n#\n1 \t common  \t read sys_read   \n2\tcommon\twrite\tsys_write"
    table = parse_text(text, "t.tbl")
    assert [c.text for c in table.comments] == ["# SPDX", "#"]
    assert [c.location.line for c in table.comments] == [1, 4]
    assert [(e.number, e.location.line) for e in table.entries] == [(1, 5), (2, 6)]


def test_empty_table() -> None:
    table = parse_text("", "t.tbl")
    assert table.entries == () and table.comments == ()


@pytest.mark.parametrize(
    ("text", "line", "column", "message"),
    [
        ("05 common x\n", 1, 1, "without leading zeros"),
        ("0x5 common x\n", 1, 1, "expected a decimal number"),
        ("5a common x\n", 1, 1, "expected a decimal number"),
        ("# ok\n  5 common x\n", 2, 3, "must start in column 1"),
        ("\t# indented comment\n", 1, 2, "must start in column 1"),
        ("5 common x sys_x\r\n", 1, 17, "CRLF"),
        ("5 common\n", 1, 9, "too few columns"),
        ("5 common x a b noreturn extra\n", 1, 25, "too many columns"),
        ("5 common x a - bad\n", 1, 16, "noreturn"),
        ("5 common x sys.x\n", 1, 15, "unexpected '.'"),
        ("5 common x sys_x # trailing comment\n", 1, 18, "unexpected '#"),
        ("-5 common x\n", 1, 1, "a syscall number"),
        ("5 commón x\n", 1, 7, "unexpected 'ó'"),
    ],
)
def test_malformed_lines_are_errors_at_their_position(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(SyscalltblError) as caught:
        parse_text(text, "bad.tbl")
    assert caught.value.location == Location("bad.tbl", line, column)
    assert message in caught.value.message
    assert str(caught.value).startswith(f"bad.tbl:{line}:{column}: error: ")


def test_invalid_utf8_names_the_byte() -> None:
    with pytest.raises(SyscalltblError) as caught:
        decode(b"# ok\n5 common x\xff\n", "bad.tbl")
    assert caught.value.location == Location("bad.tbl", 2, 11)
    assert "0xff" in caught.value.message


def test_utf8_comments_are_fine() -> None:
    table = parse_bytes("# Grüße\n1 common x\n".encode(), "t.tbl")
    assert table.comments[0].text == "# Grüße"


def test_every_shipped_table_parses_and_matches_its_provenance() -> None:
    meta = tomllib.loads((SHIPPED_ARCH / "tables.toml").read_text())
    assert len(meta["table"]) + len(meta["alias"]) == 18
    total = 0
    for table in meta["table"]:
        data = (SHIPPED_ARCH / table["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == table["sha256"]
        assert data == (CORPUS / table["kernel_path"]).read_bytes()
        assert data.startswith(b"# SPDX-License-Identifier:")
        total += len(parse_bytes(data, table["file"]).entries)
    assert total > 7000
    (alias,) = meta["alias"]
    assert alias == {
        "kernel_path": "arch/arm64/tools/syscall_64.tbl",
        "target": "scripts/syscall.tbl",
        "git_blob": alias["git_blob"],
    }
