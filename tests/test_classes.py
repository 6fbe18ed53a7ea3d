"""Syscall classes (classes.toml, docs/classes.md): every syscall of every table has one, and
`show` and `export` print them as the rules decide."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from support import Cli
from syscalltbl.tables import classes
from syscalltbl.tables import project as project_module
from syscalltbl.tables.errors import SyscalltblError, UsageError
from syscalltbl.tables.read import parse_table


@pytest.fixture(scope="module")
def exported(cli: Cli) -> dict[str, Any]:
    proc = cli.run("export", "--format", "json")
    assert proc.returncode == 0, proc.stderr.decode()
    document: dict[str, Any] = json.loads(proc.stdout)
    return document


def test_every_syscall_of_every_table_has_a_class(exported: dict[str, Any]) -> None:
    known = set(classes.load().names)
    by_name = {row["name"]: row["classes"] for row in exported["syscalls"]}
    project = project_module.load()
    files = {project.table_file(path) for path in [*project.tables, *project.aliases]}
    assert len(project.tables) + len(project.aliases) == 18  # every shipped table, arm64's alias included
    walked = 0
    for file in sorted(files):
        for entry in parse_table(file).entries:
            walked += 1
            assert by_name.get(entry.name), f"{file}:{entry.location.line}: {entry.name} has no class"
            assert set(by_name[entry.name]) <= known, entry.name
    assert walked > 3000
    # The catch-all takes what no rule does; it must stay the smaller part (strace leaves ~85 of
    # x86-64's calls unclassed, and alpha's osf_* calls have no class of their own).
    other = sum(1 for c in by_name.values() if c == ["other"])
    assert 0 < other < len(by_name) / 2
    assert all("other" not in c or c == ["other"] for c in by_name.values())


@pytest.mark.parametrize(
    ("name", "line"),
    [
        ("openat", "classes: %file %desc"),  # a filename parameter and a dfd
        ("getpid", "classes: %pure"),  # a getter of no parameters
        ("socket", "classes: %network"),
        ("connect", "classes: %network"),  # an fd, but a socket's: not %desc, as strace
        ("sendfile", "classes: %desc %network"),  # two descriptors
        ("mmap", "classes: %desc %memory"),
        ("mprotect", "classes: %memory"),  # a first parameter `unsigned long start`
        ("kill", "classes: %process %signal"),  # int sig and pid_t pid
        ("rt_sigaction", "classes: %signal"),
        ("shmat", "classes: %memory %ipc"),
        ("setresuid", "classes: %creds"),
        ("clock_gettime", "classes: %clock"),
        ("newfstatat", "classes: %file %desc %fstat %%stat"),
        ("stat64", "classes: %file %stat %%stat"),  # no prototype shipped: by its name
        ("fstat64", "classes: %desc %fstat %%stat"),  # the descriptor twin of stat64
        ("fstatfs", "classes: %desc %fstatfs %%statfs"),
        ("getcwd", "classes: %file"),  # an explicit addition, with its reason in the data
        ("mq_unlink", "classes: %other"),  # an explicit removal from %desc
        ("sched_yield", "classes: %other"),
    ],
)
def test_show_prints_the_classes_the_rules_give(cli: Cli, name: str, line: str) -> None:
    proc = cli.run("show", name)
    assert proc.returncode == 0, proc.stderr.decode()
    assert line in proc.stdout.decode().splitlines()


def test_show_by_number_names_each_syscalls_classes(cli: Cli) -> None:
    proc = cli.run("show", "39", "--arch", "x86")
    assert "classes: getpid %pure; mkdir %file" in proc.stdout.decode().splitlines()


def test_csv_json_and_html_carry_the_classes(cli: Cli, exported: dict[str, Any]) -> None:
    rows = list(csv.DictReader(io.StringIO(cli.run("export", "--format", "csv").stdout.decode())))
    assert list(rows[0])[-1] == "classes"
    by_name = {r["name"]: r["classes"] for r in rows}
    assert by_name["openat"] == "file desc"
    assert by_name["getpid"] == "pure"
    json_rows = {row["name"]: row["classes"] for row in exported["syscalls"]}
    assert json_rows["openat"] == ["file", "desc"]
    assert {name: " ".join(c) for name, c in json_rows.items()} == by_name
    page = cli.run("export", "--format", "html", "--no-lint").stdout.decode()
    assert '<tr data-name="openat" data-classes="%file %desc">' in page


def test_trace_sets_parse_as_strace_spells_them() -> None:
    selected = classes.parse_trace_set("trace=%file,write")
    assert ("openat", frozenset({"file", "desc"})) in selected
    assert ("write", frozenset({"desc"})) in selected
    assert ("read", frozenset({"desc"})) not in selected
    negated = classes.parse_trace_set("!%file")
    assert ("read", frozenset({"desc"})) in negated
    assert ("openat", frozenset({"file", "desc"})) not in negated
    assert ("read", frozenset({"desc"})) in classes.parse_trace_set("all")
    assert ("read", frozenset({"desc"})) not in classes.parse_trace_set("none")
    with pytest.raises(UsageError, match="unknown class %files"):
        classes.parse_trace_set("trace=%files")


def test_a_bad_classes_file_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "classes.toml"
    bad.write_text('[[class]]\nname = "file"\n[[class.rule]]\nwhy = "x"\nname = "(unclosed"\n')
    with pytest.raises(SyscalltblError) as error:
        classes.load(bad)
    assert str(error.value).startswith(
        f"syscalltbl: error: {bad}: malformed syscall classes: class 'file': rule 'x': name"
    )
    bad.write_text('[[class]]\nname = "desc"\n[[class.rule]]\nwhy = "y"\nunless = "nosuch"\n')
    with pytest.raises(SyscalltblError, match="refers to 'nosuch', which is no class"):
        classes.load(bad)
    bad.write_text('[[class]]\nname = "desc"\n[[class.rule]]\nwhy = "only a reason"\n')
    with pytest.raises(SyscalltblError, match="has no condition"):
        classes.load(bad)


def test_every_rule_and_exception_gives_its_reason() -> None:
    data = classes.load()
    for cls in data.classes:
        assert cls.summary, cls.name
        assert all(rule.why for rule in cls.rules), cls.name
        assert all(cls.add.values()) and all(cls.remove.values()), cls.name


def test_classing_by_name_and_prototype_needs_no_parser(cli: Cli) -> None:
    """The API's path: import, load the data, class a syscall; no Lark, Jinja2 or networkx on it."""
    python = Path(cli.executable).parent / "python"
    code = (
        "import sys\n"
        "from syscalltbl.tables.classes import classes_of\n"
        "print(' '.join(sorted(classes_of('stat64'))))\n"
        "print(sorted(m for m in ('lark', 'jinja2', 'networkx') if m in sys.modules))\n"
    )
    proc = subprocess.run([str(python), "-c", code], capture_output=True, text=True, env=cli.env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "%stat file stat\n[]\n"
