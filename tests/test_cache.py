"""The cache never serves a stale or corrupt entry, and speeds up what it should."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from syscalltbl.generators import generate, scripts
from syscalltbl.store import cache
from syscalltbl.tables import read, shipped

TABLE = b"0\tcommon\tread\tsys_read\n2\t64\tx\tsys_x\tcompat_sys_x\n"


def _job(output: str = "unistd_64.h") -> scripts.Job:
    return scripts.parse_argv("syscallhdr", ["--emit-nr", "t.tbl", output])


def _entries(kind: str, root: Path) -> list[Path]:
    return sorted(p for p in (root / "syscalltbl" / kind).rglob("*") if p.is_file())


def test_output_is_served_from_cache(fresh_cache: Path) -> None:
    first = generate.render(_job(), TABLE, "t.tbl")
    assert len(_entries("output", fresh_cache)) == 1
    assert len(_entries("model", fresh_cache)) == 1
    assert generate.cached_output(_job(), TABLE) == first


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty"])
def test_corrupt_entries_are_discarded(fresh_cache: Path, damage: str) -> None:
    good = generate.render(_job(), TABLE, "t.tbl")
    read._loaded.clear()
    for entry in _entries("output", fresh_cache) + _entries("model", fresh_cache):
        blob = entry.read_bytes()
        if damage == "truncate":
            entry.write_bytes(blob[: len(blob) // 2])
        elif damage == "flip":
            entry.write_bytes(blob[:-1] + bytes([blob[-1] ^ 0xFF]))
        else:
            entry.write_bytes(b"")
    assert generate.cached_output(_job(), TABLE) is None
    assert generate.render(_job(), TABLE, "t.tbl") == good


def test_a_well_formed_entry_of_the_wrong_type_is_not_used(fresh_cache: Path) -> None:
    key = cache.digest("model", read.parser_fingerprint(), "t.tbl", cache.sha256_hex(TABLE))
    cache.put("model", key, pickle.dumps(["not", "a", "table"]))
    read._loaded.clear()
    assert read.load_table(TABLE, "t.tbl").entries[1].name == "x"


def test_keys_cover_input_arguments_and_code(fresh_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = generate.output_key(_job(), TABLE)
    assert generate.output_key(_job(), TABLE + b"3 common y\n") != base
    assert generate.output_key(_job("unistd_32.h"), TABLE) != base
    monkeypatch.setattr(generate, "code_fingerprint", lambda: "an edited template")
    assert generate.output_key(_job(), TABLE) != base


def test_fingerprint_covers_grammar_templates_and_renderers() -> None:
    names = {p.name for p in generate.code_sources()}
    assert {"tbl.lark", "syscalltbl.h.j2", "syscallhdr_sh.py", "scripts.py", "tblparse.py", "model.py"} <= names
    parser = {"tbl.lark", "tblparse.py", "model.py", "abi.py", "errors.py", "limits.py"}
    assert {p.name for p in read.parser_sources()} == parser


def test_disabled_cache_writes_nothing(fresh_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SYSCALLTBL_NO_CACHE", "1")
    read._loaded.clear()
    generate.render(_job(), TABLE, "t.tbl")
    assert not (fresh_cache / "syscalltbl" / "output").exists()



# A fresh process parses one shipped file with one of the two Lark parsers and
# prints what it read.
_PARSE = """
import sys
from syscalltbl.tables import prototypes, shipped, tblparse
if sys.argv[1] == "prototypes":
    parsed = prototypes.parse_prototypes(shipped.arch() / "x86" / "include" / "syscalls_64.h")
    print(len(parsed.prototypes), parsed.problems, [p.name for p in parsed.prototypes][::10])
else:
    path = shipped.arch() / "x86" / "entry" / "syscalls" / "syscall_64.tbl"
    table = tblparse.parse_bytes(path.read_bytes(), str(path))
    print(len(table.entries), [e.name for e in table.entries][::10])
"""


@pytest.mark.parametrize(("parser", "cache_file"), [("prototypes", "lark-prototypes.cache"), ("tbl", "lark-tbl.cache")])
def test_a_parser_cache_file_is_replaced_never_rewritten_in_place(
    fresh_cache: Path, parser: str, cache_file: str
) -> None:
    # Lark's pickled tables differ between processes (set order follows the hash
    # seed). A process still reading the file while another rewrote it in place
    # would load the start of one pickle and the rest of the other: a parser with
    # wrong tables (a build's render workers start together with a cold cache).
    import os
    import subprocess
    import sys

    def parse() -> bytes:
        return subprocess.run([sys.executable, "-c", _PARSE, parser], capture_output=True, check=True).stdout

    reference = parse()
    assert int(reference.split()[0]) > 100
    shared = fresh_cache / "syscalltbl" / cache_file
    damaged = shared.with_name("damaged")
    damaged.write_bytes(b"not a lark cache\n")
    os.replace(damaged, shared)
    with open(shared, "rb") as reader:  # a reader that opened the file before the next process saved it
        assert parse() == reference  # rebuilt the tables, and saved them
        assert reader.read() == b"not a lark cache\n"
    saved = shared.stat()
    assert parse() == reference
    assert shared.stat().st_ino == saved.st_ino  # loaded, not saved again
    assert [p.name for p in shared.parent.iterdir() if ".tmp" in p.name] == []


def test_the_shipped_lalr_tables_are_the_grammars() -> None:
    import lark

    from syscalltbl.tables import larkcache, tblparse

    if larkcache.shipped_lark_version(tblparse.SHIPPED_TABLES) == lark.__version__:
        assert tblparse.shipped_parser_current(), (
            "src/syscalltbl/tables/grammars/tbl.lark.lalr is not tbl.lark's: "
            "python -c 'from syscalltbl.tables import tblparse; tblparse.ship_parser()' writes it again"
        )
    else:  # another Lark: the shipped tables are refused and the parser is built
        assert not tblparse.shipped_parser_current()
        assert tblparse.parse_text("0\tcommon\tread\tsys_read\n", "t.tbl").entries


def test_an_empty_cache_gets_the_shipped_tables_not_new_ones(fresh_cache: Path) -> None:
    # Built tables differ from process to process (set order follows the hash seed): a cache
    # file holding the shipped bytes was copied from them, so the cold process built nothing.
    import subprocess
    import sys

    from syscalltbl.tables import tblparse

    subprocess.run([sys.executable, "-c", _PARSE, "tbl"], capture_output=True, check=True)
    cached = (fresh_cache / "syscalltbl" / "lark-tbl.cache").read_bytes()
    shipped = tblparse.SHIPPED_TABLES.read_bytes()
    assert cached.partition(b"\n")[2] == shipped.partition(b"\n")[2]
    assert cached.partition(b"\n")[0] != shipped.partition(b"\n")[0]  # the cache's key names this Python too


def test_the_shipped_parse_of_tables_toml_is_tomllibs_and_answers_only_its_bytes(fresh_cache: Path) -> None:
    import tomllib

    from syscalltbl.tables import parsed_toml
    from syscalltbl.tables.project import _read_toml

    meta = shipped.arch() / "tables.toml"
    raw = meta.read_bytes()
    assert parsed_toml.lookup(cache.digest("toml", raw)) == tomllib.loads(raw.decode()), (
        "src/syscalltbl/tables/tables.toml.marshal is not arch/tables.toml's: "
        "python -c 'from syscalltbl.tables import parsed_toml; parsed_toml.ship()' writes it again"
    )
    assert _read_toml(meta) == tomllib.loads(raw.decode())
    assert not (fresh_cache / "syscalltbl" / "toml").exists()  # answered from the package, nothing cached
    edited = raw.replace(b'arch = "x86"', b'arch = "x86-edited"', 1)
    assert edited != raw
    assert parsed_toml.lookup(cache.digest("toml", edited)) is None
    copy = fresh_cache.parent / "tables.toml"
    copy.write_bytes(edited)
    assert _read_toml(copy) == tomllib.loads(edited.decode())  # another file: tomllib's, then cached
    assert (fresh_cache / "syscalltbl" / "toml").is_dir()


def test_shipped_tables_of_another_grammar_are_not_used(fresh_cache: Path, tmp_path: Path) -> None:
    from syscalltbl.tables import larkcache

    options = {"parser": "lalr", "lexer": "contextual"}
    words = 'start: WORD+\nWORD: /[a-z]+/\n%ignore " "\n'
    numbers = 'start: NUMBER+\nNUMBER: /[0-9]+/\n%ignore " "\n'
    shipped = tmp_path / "words.lark.lalr"
    larkcache.ship(words, shipped, **options)
    assert larkcache.shipped_current(words, shipped, **options)
    assert not larkcache.shipped_current(numbers, shipped, **options)
    parser = larkcache.parser(numbers, "lark-numbers.cache", shipped, **options)
    assert [str(t) for t in parser.parse("1 22").children] == ["1", "22"]
    parser = larkcache.parser(words, "lark-words.cache", shipped, **options)
    assert [str(t) for t in parser.parse("ab c").children] == ["ab", "c"]


def test_deferred_entries_are_written_when_asked_and_puts_write_at_once_again(fresh_cache: Path) -> None:
    # A render worker keeps its entries until its results are back with the build.
    key, later = cache.digest("output", "deferred"), cache.digest("output", "after")
    cache.defer_puts()
    try:
        cache.put("output", key, b"rendered")
        assert cache.get("output", key) is None
    finally:
        cache.write_deferred()
    assert cache.get("output", key) == b"rendered"
    cache.put("output", later, b"at once")
    assert cache.get("output", later) == b"at once"


def test_put_later_makes_its_key_and_payload_when_the_entry_is_written(fresh_cache: Path) -> None:
    # A render worker's keys (hashes of whole tables) and pickles wait until its results are sent.
    made: list[str] = []

    def key() -> str:
        made.append("key")
        return cache.digest("output", "later")

    def payload() -> bytes:
        made.append("payload")
        return b"pickled"

    cache.defer_puts()
    try:
        cache.put_later("output", key, payload)
        assert made == []
    finally:
        cache.write_deferred()
    assert made == ["key", "payload"]
    assert cache.get("output", cache.digest("output", "later")) == b"pickled"
    cache.put_later("output", lambda: cache.digest("output", "now"), lambda: b"at once")
    assert cache.get("output", cache.digest("output", "now")) == b"at once"


def test_prefer_hashlib_gives_the_same_digests(monkeypatch: pytest.MonkeyPatch) -> None:
    data = bytes(range(256)) * 64
    before = cache.digest("output", "key", data), cache.sha256_hex(data)
    monkeypatch.setattr(cache, "_builtin_left", cache.BUILTIN_BUDGET)
    cache.prefer_hashlib()
    assert cache._builtin_left == 0
    assert (cache.digest("output", "key", data), cache.sha256_hex(data)) == before
    import hashlib

    assert type(cache.hasher(1)) is type(hashlib.sha256())


def test_write_deferred_with_stop_writes_until_told_and_keeps_the_rest(fresh_cache: Path) -> None:
    keys = [cache.digest("output", str(i)) for i in range(3)]
    cache.defer_puts()
    try:
        for i, key in enumerate(keys):
            cache.put("output", key, b"entry %d" % i)
        asked: list[int] = []

        def stop() -> bool:
            asked.append(1)
            return len(asked) > 2  # two entries, then stop

        cache.write_deferred(stop=stop)
        assert [cache.get("output", key) for key in keys] == [b"entry 0", b"entry 1", None]
        cache.put("output", cache.digest("output", "later"), b"still deferred")
        assert cache.get("output", cache.digest("output", "later")) is None
    finally:
        cache.write_deferred()
    assert cache.get("output", keys[2]) == b"entry 2"
    assert cache.get("output", cache.digest("output", "later")) == b"still deferred"
    cache.put("output", cache.digest("output", "now"), b"at once")
    assert cache.get("output", cache.digest("output", "now")) == b"at once"
