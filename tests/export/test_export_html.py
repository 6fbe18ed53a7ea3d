"""The HTML matrix in headless Chromium: a screenshot, the search box, and lint findings marked on cells."""

from __future__ import annotations

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
from syscalltbl.export.matrix import Mark, Matrix, PlacedMarks, lint_marks, place_marks
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
    return sorted({name for name, _ in matrix.find_number(number, matrix.columns())})


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
    assert [m.message for m in placed.elsewhere] == ["a note on a comment line", "a note on a header"]


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
    assert "2 lint findings on no table entry" in text
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
    """lint_marks talks to syscalltbl.lint through run_lint(load_project_inputs(project)) only."""
    from syscalltbl.tables.model import Location

    seen: list[object] = []

    class Finding:
        def __init__(self) -> None:
            self.rule, self.severity, self.message = "R1", "warning", "m"
            self.location = Location("scripts/syscall.tbl", 3, 1)

    def run_lint(inputs: object) -> list[Finding]:
        return [Finding()] if inputs == ("inputs", shipped_project) else []

    def load_project_inputs(project: Project) -> tuple[str, Project]:
        seen.append(project)
        return ("inputs", project)

    lint = types.ModuleType("syscalltbl.lint")
    lint.run_lint = run_lint  # type: ignore[attr-defined]
    inputs = types.ModuleType("syscalltbl.lint.project_inputs")
    inputs.load_project_inputs = load_project_inputs  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "syscalltbl.lint", lint)
    monkeypatch.setitem(sys.modules, "syscalltbl.lint.project_inputs", inputs)
    assert lint_marks(shipped_project) == [Mark("R1", "warning", "m", "scripts/syscall.tbl", 3, 1)]
    assert seen == [shipped_project]


def test_real_linter_findings_on_the_page(
    page: Path,
    shipped_project: Project,  # noqa: F811
    matrix: Matrix,  # noqa: F811
) -> None:
    """The page marks exactly the linter's findings."""
    marks = lint_marks(shipped_project)
    text = page.read_text(encoding="utf-8")
    placed: PlacedMarks = place_marks(shipped_project, matrix, marks)
    counts = ", ".join(f"{sum(1 for m in marks if m.severity == s)} {s}s" for s in ("error", "warning", "note"))
    assert f"lint: {counts}" in text
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
