"""The HTML matrix in headless Chromium: a screenshot, the search box, and lint findings marked on cells."""

from __future__ import annotations

import json
import re
import sys
import types
from pathlib import Path

import pytest
from export_fixtures import (  # noqa: F401  (fixtures, used by name)
    Chromium,
    MatrixPage,
    chromium,
    matrix,
    read_png,
    shipped_project,
    table_entry,
)

from support import Cli
from syscalltbl.cli.commands.export import to_html
from syscalltbl.export.matrix import LintReport, Mark, Matrix, lint_report, place_marks
from syscalltbl.tables.project import Project


@pytest.fixture(scope="module")
def page(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The page exactly as `syscalltbl export --format html -o FILE` writes it."""
    target = tmp_path_factory.mktemp("html") / "matrix.html"
    proc = cli.run("export", "--format", "html", "-o", target)
    assert proc.returncode == 0, proc.stderr.decode()
    return target


def _with_script(page: Path, target: Path, script: str) -> Path:
    """A copy of `page` that runs `script` after the page's own, as a user would act on it."""
    text = page.read_text(encoding="utf-8")
    assert text.count("</body>") == 1
    target.write_text(text.replace("</body>", f"<script>{script}</script>\n</body>"), encoding="utf-8")
    return target


def _rows_with_number(matrix: Matrix, number: int) -> list[str]:  # noqa: F811
    return sorted({name for name, _, _ in matrix.lookup(number, matrix.columns()).cells})


def test_page_is_self_contained(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    for remote in ("http://", "https://", " src=", " href=", "url(", "@import", "//cdn"):
        assert remote not in text, remote
    assert "<style>" in text and "<script>" in text


def test_screenshot(chromium: Chromium, page: Path, tmp_path: Path) -> None:  # noqa: F811
    shot = tmp_path / "matrix.png"
    chromium.screenshot(page.as_uri(), shot, 1400, 900)
    png = read_png(shot)
    assert (png.width, png.height) == (1400, 900)
    assert shot.stat().st_size > 30_000  # a table of numbers, not a blank page
    # Mostly white, but with text: many distinct byte values and a good share of non-white.
    assert len(set(png.raw)) > 50
    non_white = sum(1 for b in png.raw[::7] if b < 200)
    assert non_white > len(png.raw[::7]) // 100
    print(f"screenshot: {shot}")


def test_page_rows_and_columns(chromium: Chromium, page: Path, matrix: Matrix) -> None:  # noqa: F811
    dom = MatrixPage(chromium.dump_dom(page.as_uri()))
    assert [r.name for r in dom.rows] == list(matrix.rows)
    assert dom.visible() == list(matrix.rows)
    getpid = next(r for r in dom.rows if r.name == "getpid")
    texts = [text for text, _, _ in getpid.cells]
    assert texts == ["" if e is None else str(e.number) for e in matrix.rows["getpid"]]
    assert dom.text_by_id["count"] == f"{len(matrix.rows)} of {len(matrix.rows)} syscalls"


def test_search_from_the_address(chromium: Chromium, page: Path, matrix: Matrix) -> None:  # noqa: F811
    dom = MatrixPage(chromium.dump_dom(page.as_uri() + "#q=getpid"))
    assert dom.visible() == ["getpid"]
    assert dom.text_by_id["count"] == f"1 of {len(matrix.rows)} syscalls"
    dom = MatrixPage(chromium.dump_dom(page.as_uri() + "?q=sigaction"))
    assert dom.visible() == [n for n in matrix.rows if "sigaction" in n]
    assert len(dom.visible()) >= 2
    # A number finds every row holding it in any column, as a table or an absolute number.
    dom = MatrixPage(chromium.dump_dom(page.as_uri() + "#q=0x40000027"))
    assert dom.visible() == _rows_with_number(matrix, 0x40000027) == ["getpid"]
    dom = MatrixPage(chromium.dump_dom(page.as_uri() + "#q=462"))
    assert dom.visible() == _rows_with_number(matrix, 462)
    # Several terms: any of them.
    dom = MatrixPage(chromium.dump_dom(page.as_uri() + "#q=getpid%20clone3,20"))
    assert dom.visible() == sorted({"getpid", "clone3", *_rows_with_number(matrix, 20)})
    dom = MatrixPage(chromium.dump_dom(page.as_uri() + "#q=no-such-syscall"))
    assert dom.visible() == []
    assert "hidden" not in dom.by_id["empty"]


def test_typing_in_the_search_box(
    chromium: Chromium,  # noqa: F811
    page: Path,
    matrix: Matrix,  # noqa: F811
    tmp_path: Path,
) -> None:
    script = """
      var box = document.getElementById("q");
      box.value = "GETPP";
      box.dispatchEvent(new Event("input", {bubbles: true}));
      document.body.setAttribute("data-after-typing", location.hash);
    """
    typed = _with_script(page, tmp_path / "typed.html", script)
    dom_text = chromium.dump_dom(typed.as_uri())
    dom = MatrixPage(dom_text)
    assert dom.visible() == ["getppid"]  # case-insensitive substring of the name
    assert 'data-after-typing="#q=getpp"' in dom_text  # the filter is kept in the address
    assert dom.text_by_id["count"] == f"1 of {len(matrix.rows)} syscalls"
    script = """
      var box = document.getElementById("q");
      box.value = "getpp";
      box.dispatchEvent(new Event("input", {bubbles: true}));
      box.value = "";
      box.dispatchEvent(new Event("input", {bubbles: true}));
    """
    cleared = _with_script(page, tmp_path / "cleared.html", script)
    assert MatrixPage(chromium.dump_dom(cleared.as_uri())).visible() == list(matrix.rows)


def _synthetic_marks(project: Project) -> list[Mark]:
    getpid = table_entry(project, "arch/x86/entry/syscalls/syscall_64.tbl", "getpid", ("common",))
    clone3 = table_entry(project, "scripts/syscall.tbl", "clone3", ("common",))
    root = project.root
    return [
        Mark("TEST-ERR", "error", "an injected error on getpid", getpid.location.file, getpid.location.line, 1),
        # The file as the project names it, not the kernel path: found all the same.
        Mark(
            "TEST-WARN",
            "warning",
            "an injected warning <on> clone3",
            str(root / "generic" / "syscall.tbl"),
            clone3.location.line,
            5,
        ),
        Mark("TEST-NOTE", "note", "a note on a comment line", "arch/x86/entry/syscalls/syscall_64.tbl", 1, 1),
        Mark("TEST-NOTE", "note", "a note on a header", "include/linux/syscalls.h", 10, 1),
    ]


def test_place_marks(shipped_project: Project, matrix: Matrix) -> None:  # noqa: F811
    placed = place_marks(shipped_project, matrix, _synthetic_marks(shipped_project))
    columns = {s.column: i for i, s in enumerate(matrix.selections)}
    assert {(n, matrix.selections[i].column) for n, i in placed.cells if n == "getpid"} == {
        ("getpid", "x86/64"), ("getpid", "x86/x32"),
    }  # fmt: skip
    users_of_generic = {s.column for s in matrix.selections if s.source == "scripts/syscall.tbl"}
    clone3_cells = {matrix.selections[i].column for n, i in placed.cells if n == "clone3"}
    assert clone3_cells == {c for c in users_of_generic if matrix.rows["clone3"][columns[c]] is not None}
    assert "arm64/64" in clone3_cells and "x86/64" not in clone3_cells
    assert [m.severity for m in placed.rows["getpid"]] == ["error"]
    # A comment of a table concerns the columns reading it; a header, no column.
    assert {matrix.selections[i].column for i in placed.heads} == {
        s.column for s in matrix.selections if s.source == "arch/x86/entry/syscalls/syscall_64.tbl"
    } == {"x86/64", "x86/x32"}
    assert [m.message for m in placed.elsewhere] == ["a note on a header"]


def test_place_marks_on_a_subject_and_an_invocation(shipped_project: Project, matrix: Matrix) -> None:  # noqa: F811
    """A finding about a gap marks the empty cell; one at an output's invocation, that output's column."""
    columns = {s.column: i for i, s in enumerate(matrix.selections)}
    assert matrix.rows["clone3"][columns["sh"]] is None
    gap = Mark("XAR002", "warning", "clone3 missing on sh", "arch/sh/kernel/syscalls/syscall.tbl", 1, 1,
               syscall="clone3", arch="sh")  # fmt: skip
    (eabi,) = [s for s in matrix.selections if s.column == "arm/eabi"]
    invocation = Mark("ABI003", "note", "selects nothing", "tables.toml", 500, 1, arch="arm", output=eabi.outputs[0])
    placed = place_marks(shipped_project, matrix, [gap, invocation])
    assert placed.cells == {("clone3", columns["sh"]): (gap,)}
    assert placed.rows == {"clone3": (gap,)}
    assert placed.heads == {columns["arm/eabi"]: (invocation,)}
    assert placed.elsewhere == ()


def test_lint_marks_on_the_page(
    chromium: Chromium,  # noqa: F811
    shipped_project: Project,  # noqa: F811
    matrix: Matrix,  # noqa: F811
    tmp_path: Path,
) -> None:
    placed = place_marks(shipped_project, matrix, _synthetic_marks(shipped_project))
    html = tmp_path / "marked.html"
    html.write_text(to_html(matrix, placed, "lint: injected"), encoding="utf-8")
    dom = MatrixPage(chromium.dump_dom(html.as_uri()))
    rows = {r.name: r for r in dom.rows}
    assert rows["getpid"].classes == "s-error"
    assert rows["clone3"].classes == "s-warning"
    assert rows["read"].classes == ""
    x86_64 = [s.column for s in matrix.selections].index("x86/64")
    text, classes, title = rows["getpid"].cells[x86_64]
    assert text == "39"
    assert "f-error" in classes.split()
    assert "error: an injected error on getpid [TEST-ERR]" in title
    arm64 = [s.column for s in matrix.selections].index("arm64/64")
    assert "f-warning" in rows["clone3"].cells[arm64][1].split()
    assert "an injected warning <on> clone3" in rows["clone3"].cells[arm64][2]  # escaped in the file, text here
    marked = sum(1 for r in dom.rows for _, c, _ in r.cells if re.search(r"\bf-", c))
    assert marked == len(placed.cells)
    text = html.read_text(encoding="utf-8")
    assert "1 lint finding on no table entry" in text
    assert "&lt;on&gt;" in text
    # "only rows with lint findings"
    flagged = _with_script(
        html,
        tmp_path / "flagged.html",
        'var c = document.getElementById("flagged"); c.checked = true; c.dispatchEvent(new Event("change"));',
    )
    assert MatrixPage(chromium.dump_dom(flagged.as_uri())).visible() == ["clone3", "getpid"]
    shot = tmp_path / "marked.png"
    chromium.screenshot(html.as_uri() + "#q=getpid%20clone3,read", shot, 2200, 360)
    assert read_png(shot).width == 2200
    print(f"screenshot with findings: {shot}")


def test_lint_interface(monkeypatch: pytest.MonkeyPatch, shipped_project: Project) -> None:  # noqa: F811
    """lint_report talks to syscalltbl.lint through run_lint(load_project_inputs(project)), then
    applies the exceptions file as `syscalltbl lint` does."""
    import syscalltbl.lint.diagnostics
    import syscalltbl.lint.exceptions
    import syscalltbl.lint.rules  # noqa: F401  (imported before syscalltbl.lint is replaced)
    from syscalltbl.tables.model import Location

    seen: list[object] = []

    class Finding:
        def __init__(self, rule: str, message: str, line: int) -> None:
            self.rule, self.severity, self.message = rule, "warning", message
            self.location = Location("arch/alpha/kernel/syscalls/syscall.tbl", line, 1)
            self.syscall, self.arch = "", ""

    kept = Finding("R1", "m", 3)
    # What arch/lint-exceptions.toml suppresses.
    excepted = Finding("ENT002", "'setpgrp' calls sys_setpgid", 4)

    def run_lint(inputs: object) -> list[Finding]:
        return [kept, excepted] if inputs == types.SimpleNamespace(project=shipped_project, outputs=()) else []

    def load_project_inputs(project: Project) -> types.SimpleNamespace:
        seen.append(project)
        return types.SimpleNamespace(project=project, outputs=())

    lint = types.ModuleType("syscalltbl.lint")
    lint.run_lint = run_lint  # type: ignore[attr-defined]
    inputs = types.ModuleType("syscalltbl.lint.project_inputs")
    inputs.load_project_inputs = load_project_inputs  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "syscalltbl.lint", lint)
    monkeypatch.setitem(sys.modules, "syscalltbl.lint.project_inputs", inputs)
    assert lint_report(shipped_project) == LintReport(
        (Mark("R1", "warning", "m", "arch/alpha/kernel/syscalls/syscall.tbl", 3, 1),),
        1,
        "0 errors, 1 warning, 0 notes; 1 suppressed by exceptions",
    )
    assert seen == [shipped_project]


#: A finding as the page's tooltips show it: `warning: MESSAGE [RULE] (FILE:LINE)`.
_TOOLTIP_FINDING = re.compile(r"^(error|warning|note): (.*) \[([A-Z]+\d+)\] \((.+):(\d+)\)$")


def test_page_counts_and_marks_equal_lint(
    cli: Cli,
    chromium: Chromium,  # noqa: F811
    page: Path,
    matrix: Matrix,  # noqa: F811
) -> None:
    """The page reports what `syscalltbl lint` reports (exceptions applied), each finding on a cell
    or on the head of the column it concerns, none in the folded list."""
    proc = cli.run("lint", "--format", "json")
    summary = proc.stderr.decode().splitlines()[-1]
    counted = re.fullmatch(
        r"syscalltbl lint: (\d+) errors?, (\d+) warnings?, (\d+) notes?; (\d+) suppressed by exceptions", summary
    )
    assert counted is not None, proc.stderr.decode()
    errors, warnings, notes, suppressed = (int(n) for n in counted.groups())
    assert suppressed >= 1  # the shipped exceptions file is in use: the page must apply it too
    findings = json.loads(proc.stdout)
    assert len(findings) == errors + warnings + notes

    text = page.read_text(encoding="utf-8")
    assert f"lint: {summary.removeprefix('syscalltbl lint: ')}<" in text
    assert "on no table entry" not in text
    dom = MatrixPage(chromium.dump_dom(page.as_uri()))
    assert len(dom.heads) == len(matrix.selections)
    marked = [(classes, title) for r in dom.rows for _, classes, title in r.cells] + dom.heads
    shown: set[tuple[str, str, str, int]] = set()
    for classes, title in marked:
        found = [m for m in map(_TOOLTIP_FINDING.match, title.splitlines()) if m]
        assert bool(found) == bool(re.search(r"\bf-", classes)), (classes, title)
        for m in found:
            shown.add((m[1], m[2], m[3], int(m[5])))
    expected = {(f["severity"], f["message"], f["rule"], f["line"]) for f in findings}
    assert shown == expected
    by_severity = {s: sum(1 for f in shown if f[0] == s) for s in ("error", "warning", "note")}
    assert by_severity == {"error": errors, "warning": warnings, "note": notes}
    # The clone3 gaps of sh and sparc are on their (empty) cells.
    clone3 = next(r for r in dom.rows if r.name == "clone3")
    for index, selection in enumerate(matrix.selections):
        if selection.arch in ("sh", "sparc"):
            content, classes, title = clone3.cells[index]
            assert content == "" and "f-warning" in classes.split() and "[XAR002]" in title, selection.column


def test_real_linter_findings_on_the_page(
    page: Path,
    shipped_project: Project,  # noqa: F811
    matrix: Matrix,  # noqa: F811
) -> None:
    """The page marks exactly the linter's findings."""
    report = lint_report(shipped_project)
    text = page.read_text(encoding="utf-8")
    placed = place_marks(shipped_project, matrix, report.marks)
    assert f"lint: {report.summary}" in text
    assert text.count('<tr data-name="') == len(matrix.rows)
    assert len(re.findall(r'<tr data-name="[^"]*" class="s-', text)) == len(placed.rows)


def test_place_marks_names_files_as_the_linter_may(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    shipped_project: Project,  # noqa: F811
    matrix: Matrix,  # noqa: F811
) -> None:
    """Kernel path, path inside the project, arch/-prefixed or absolute: all one table, from any directory."""
    monkeypatch.chdir(tmp_path)
    clone3 = table_entry(shipped_project, "scripts/syscall.tbl", "clone3", ("common",))
    line = clone3.location.line
    spellings = [
        "scripts/syscall.tbl",
        "arch/arm64/tools/syscall_64.tbl",  # the alias
        "generic/syscall.tbl",
        f"{shipped_project.root.name}/generic/syscall.tbl",
        str(shipped_project.root / "generic" / "syscall.tbl"),
    ]
    marks = [Mark("R", "warning", spelling, spelling, line, 1) for spelling in spellings]
    placed = place_marks(shipped_project, matrix, marks)
    assert [m.message for m in placed.rows["clone3"]] == spellings
    assert placed.elsewhere == ()
