"""`syscalltbl compat`: the compatibility table, its inputs (the machine's notes, LTP results) and docs/compat.md.

docs/compat.md is `syscalltbl compat --format md` over the committed conformance/ltp-results.json; it is stale
when a handler, a note or the results change without it. Regenerate it with
    .venv/bin/syscalltbl compat --format md -o docs/compat.md
(or SYSCALLTBL_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_compat.py).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from support import REPO
from syscalltbl.cli.main import main
from syscalltbl.export import compat
from syscalltbl.export.compat_render import to_html, to_json, to_markdown
from syscalltbl.generators.x86_64.kernel import select_64
from syscalltbl.machine.syscalls import REGISTRY
from syscalltbl.machine.syscalls.compat_notes import BY_DESIGN, PARTIAL
from syscalltbl.tables import read, target

DOC = REPO / "docs" / "compat.md"
TABLE = select_64(read.parse_table(target.default().table))
NAMES = [s.name for s in TABLE]


def test_docs_compat_md_is_the_generated_table() -> None:
    text = to_markdown(compat.machine_compat())
    if os.environ.get("SYSCALLTBL_UPDATE_GOLDEN"):
        DOC.write_text(text, encoding="utf-8")
    assert DOC.read_text(encoding="utf-8") == text, (
        "docs/compat.md is stale: .venv/bin/syscalltbl compat --format md -o docs/compat.md")


def test_every_entry_of_the_table_is_a_row_in_order_with_the_machines_status() -> None:
    table = compat.machine_compat()
    assert [(r.number, r.name) for r in table.rows] == [(s.number, s.name) for s in TABLE]
    for row in table.rows:
        implemented = row.entry_point in REGISTRY
        assert (row.status in (compat.IMPLEMENTED, compat.PARTIAL)) == implemented, row
        assert bool(row.note) == (row.status in (compat.PARTIAL, compat.BY_DESIGN)), row
    assert table.count(compat.IMPLEMENTED, compat.PARTIAL) == len(REGISTRY)


def test_the_notes_name_entries_of_the_table_with_the_right_status() -> None:
    entry_points = {s.entry_point for s in TABLE}
    assert set(PARTIAL) <= set(REGISTRY), "a partial call must be implemented"
    assert not set(BY_DESIGN) & set(REGISTRY), "a call ENOSYS by design is implemented: drop its note"
    assert set(BY_DESIGN) <= entry_points
    assert all(note and not note.endswith(".") for note in [*PARTIAL.values(), *BY_DESIGN.values()])


@pytest.mark.parametrize(
    ("area", "calls"),
    [
        ("open", ["open"]),
        ("pread", ["pread64"]),
        ("getdents", ["getdents", "getdents64"]),
        ("fstatat", ["newfstatat"]),
        ("sigaction", ["rt_sigaction"]),
        ("newuname", ["uname"]),
        ("waitpid", ["wait4"]),
        ("ipc/msgctl", ["msgctl"]),
        ("inotify", ["inotify_add_watch", "inotify_init", "inotify_init1", "inotify_rm_watch"]),
        ("pkeys", ["pkey_alloc", "pkey_free", "pkey_mprotect"]),
        ("timerfd", ["timerfd_create", "timerfd_gettime", "timerfd_settime"]),
        ("execlp", ["execve"]),
        ("nice", ["getpriority", "setpriority"]),
        ("abort", []),
        ("getpagesize", []),
    ],
)
def test_an_area_is_listed_under_the_calls_it_is_named_after(area: str, calls: list[str]) -> None:
    assert compat.area_calls(area, NAMES) == calls


def _results(tmp_path: Path, tests: dict[str, Any], **extra: Any) -> Path:
    path = tmp_path / "results.json"
    path.write_text(json.dumps({"source": "ltp-test.tar.xz", "tests": tests, **extra}))
    return path


def _test(area: str, machine: str | None, native: str | None = "pass", scope: str = "in") -> dict[str, Any]:
    run = None if machine is None else {"verdict": machine, "seconds": 1.0, "lines": [] if machine == "pass"
                                        else [f"{area}01.c:1: TFAIL: {area} wrong"]}
    return {"area": area, "scope": scope, "native": native and {"verdict": native}, "machine": run}


def test_any_result_of_the_harness_shape_is_read_and_counted(tmp_path: Path) -> None:
    tests = {"getpid01": _test("getpid", "pass"), "getpid02": _test("getpid", "fail"),
             "getpid03": _test("getpid", "timeout"), "open01": _test("open", None, "conf"),
             "chdir01": _test("chdir", None, None, ".mount_device"), "abort01": _test("abort", "pass"),
             "msgctl01": _test("ipc/msgctl", "pass"), "x": _test("?", None, None, "not built")}
    table = compat.machine_compat(_results(tmp_path, tests, summary=["ignored"], extra_field=1))
    rows = {r.name: r for r in table.rows}
    assert [(t.name, t.result) for t in rows["getpid"].tests] == [
        ("getpid01", "pass"), ("getpid02", "fail"), ("getpid03", "timeout")]
    assert rows["getpid"].tests[1].first_line == "getpid01.c:1: TFAIL: getpid wrong"
    assert rows["open"].tests[0].result == "native conf"
    assert rows["chdir"].tests[0].result == "out of scope (.mount_device)"
    assert [t.name for t in rows["msgctl"].tests] == ["msgctl01"]
    assert list(table.other_areas) == ["?", "abort"]
    assert table.ltp_ratio() == (3, 5)
    assert "the machine passes 3 of 5 in-scope tests that pass natively (60.0%)" in table.summary()[1]
    text = to_markdown(table)
    assert "| 39 | getpid | implemented |  | 1/3 | getpid01 ✓, getpid02 ✗, getpid03 ✗ timeout |" in text
    assert "| abort | 1/1 | abort01 ✓ |" in text
    document = json.loads(to_json(table))
    assert document["summary"]["ltp_machine_passes"] == 3
    assert {s["name"]: s for s in document["syscalls"]}["getpid"]["ltp"][1]["first_failing_line"]


def test_the_html_page_is_self_contained_and_escapes_what_it_shows(tmp_path: Path) -> None:
    tests = {"getpid01": {**_test("getpid", "fail"), "machine": {"verdict": "fail", "seconds": 1.0,
                                                                  "lines": ['<script>alert("x")</script>']}}}
    page = to_html(compat.machine_compat(_results(tmp_path, tests)))
    assert page.startswith("<!DOCTYPE html>") and page.count("<script>") == 1
    assert "&lt;script&gt;alert(&quot;x&quot;)" in page
    assert "http://" not in page and "https://" not in page and " src=" not in page and "<link" not in page


BAD = [
    ("missing.json", None, "no such file"),
    ("bad.json", b"{not json", "invalid JSON"),
    ("list.json", b"[]", 'no "tests" object'),
    ("noarea.json", b'{"tests": {"a01": {"scope": "in"}}}', "test 'a01' has no area or scope"),
    ("noverdict.json", b'{"tests": {"a01": {"area": "a", "scope": "in", "machine": {"rc": 0}}}}',
     "'machine' is neither null nor a run with a verdict"),
    ("latin1.json", b'{"tests": {"\xe9": 1}}', "invalid JSON"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_missing_or_bad_results_file_is_one_line_and_status_1(
    tmp_path: Path, name: str, content: bytes | None, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    assert main(["compat", "--results", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"syscalltbl compat: error: {path}: ") and message in err and "Traceback" not in err
    assert err.count("\n") == 1


CASES = [
    (["compat", "--format", "xml"], 2, "invalid choice"),
    (["compat", "--bogus"], 2, "unrecognized arguments"),
    (["compat", "-o", "/nonexistent-dir/compat.md"], 1,
     "syscalltbl compat: error: /nonexistent-dir: output directory does not exist"),
    (["compat", "--results", "/"], 1, "is a directory"),
    (["compat", "--format", "json"], 0, '"format": "syscalltbl-compat"'),
    (["compat"], 0, "# Linux syscall compatibility of the emulated x86-64 machine"),
    (["compat", "--format", "html"], 0, "<!DOCTYPE html>"),
]


@pytest.mark.parametrize(("argv", "status", "message"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_compat_command_lines(argv: list[str], status: int, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == status
    captured = capsys.readouterr()
    assert message in captured.err + captured.out


def test_the_output_file_is_written_once_and_left_alone_when_unchanged(tmp_path: Path) -> None:
    out = tmp_path / "compat.md"
    assert main(["compat", "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == DOC.read_text(encoding="utf-8")
    os.utime(out, ns=(1, 1))
    assert main(["compat", "-o", str(out)]) == 0
    assert out.stat().st_mtime_ns == 1


def test_the_harness_full_result_and_its_reduction_give_one_table(tmp_path: Path) -> None:
    import ltp

    def run(verdict: str, lines: list[str]) -> dict[str, Any]:
        counts = {"TPASS": 1, "TFAIL": int(verdict == "fail"), "TBROK": 0, "TWARN": 0, "TCONF": 0}
        return {"verdict": verdict, "rc": 0, "counts": counts, "seconds": 0.5, "lines": lines}

    tests = {"getpid01": {"command": "getpid01", "area": "getpid", "scope": "in", "native": run("pass", []),
                          "machine": run("fail", ["getpid01.c:9: TFAIL: wrong", "second"])},
             "chdir01": {"command": "chdir01", "area": "chdir", "scope": ".mount_device", "native": None,
                         "machine": None}}
    full = _results(tmp_path, tests, ltp="/x", timeout_mul="10", timeout=600.0, summary=["a", "b", "c", "d"])
    small = tmp_path / "ltp-results.json"
    assert ltp.main(["--reduce", str(full), "--compat-out", str(small)]) == 0
    reduced = json.loads(small.read_text())
    assert reduced["tests"]["getpid01"]["machine"] == {"verdict": "fail", "seconds": 0.5,
                                                       "lines": ["getpid01.c:9: TFAIL: wrong"]}
    lines = small.read_text().splitlines()
    assert [json.loads(line.split(": ", 1)[1].rstrip(",")) for line in lines if line.startswith(' "chdir01": ')] == [
        reduced["tests"]["chdir01"]]  # one line a test
    one, other = compat.machine_compat(full), compat.machine_compat(small)
    assert to_json(one).replace("results.json", "X") == to_json(other).replace("ltp-results.json", "X")
