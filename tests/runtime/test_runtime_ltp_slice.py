"""A slice of LTP in CI: per LTP area, one test the last full run saw pass on the machine, rerun here.

The slice is chosen by a rule over the committed results (conformance/ltp-results.json, the harness's last
full run reduced by `conformance/ltp.py --compat-out`), not by a hand list: for every area (the syscall
directory a test lives in) with a test the machine passed, the first such test in runtest/syscalls order
whose machine run took at most SLOW_SECONDS (else its first slower one), leaving out the tests known to
pass only now and then (UNSTABLE). So the slice covers every area the machine passes anything in, and
grows with it. LTP's library and the slice's programs (each with the helper programs it names,
ltp.programs_for; not whole directories) are built into the harness's cache ($SYSCALLTBL_LTP_CACHE, else
~/.cache/syscalltbl-ltp); each test runs natively and on the machine with the harness's own functions and
must pass on both.
"""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

import ltp

CHECKOUT = Path(__file__).resolve().parents[2]
RESULTS = CHECKOUT / "conformance" / "ltp-results.json"
#: A machine run slower than this (nanosleep01: 9 s of sleeping) gives way to the area's next passing test.
SLOW_SECONDS = 5.0
#: Tests that passed in the full run but not every time since, left to the full run; each with why.
UNSTABLE: dict[str, str] = {}
#: The most tests the slice runs: LTP's build of their programs and their runs stay well inside CI's 8 minutes.
#: Past it, the areas' picks are taken evenly spaced in runtest order, so the slice still spans them all.
MAX_SLICE = 150
#: Tests run at once: the machine is one process per test, so one per core.
JOBS = 2
TIMEOUT = 300.0


def choose(tests: dict[str, Any]) -> list[str]:
    """Per area, the first test (in the results' runtest order) the machine passed within SLOW_SECONDS, else its
    first slower pass; UNSTABLE's left out; at most MAX_SLICE of them, evenly spaced over the areas."""
    fast: dict[str, str] = {}
    slow: dict[str, str] = {}
    for name, test in tests.items():
        machine = test.get("machine")
        if test["area"] == "?" or name in UNSTABLE or not machine or machine["verdict"] != "pass":
            continue
        slow.setdefault(test["area"], name)
        if machine["seconds"] <= SLOW_SECONDS:
            fast.setdefault(test["area"], name)
    picks = [fast.get(area, first) for area, first in slow.items()]
    if len(picks) <= MAX_SLICE:
        return picks
    return [picks[i * len(picks) // MAX_SLICE] for i in range(MAX_SLICE)]


def _committed() -> dict[str, Any]:
    tests: dict[str, Any] = json.loads(RESULTS.read_text())["tests"]
    return tests


SLICE = choose(_committed())


def test_the_rule_takes_the_first_fast_pass_of_each_area(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(UNSTABLE, "e01", "passes now and then")
    def test(area: str, machine: str | None, seconds: float = 0.5) -> dict[str, Any]:
        run = None if machine is None else {"verdict": machine, "seconds": seconds, "lines": []}
        return {"area": area, "scope": "in", "native": {"verdict": "pass"}, "machine": run}

    tests = {"a01": test("a", "fail"), "a02": test("a", None), "a03": test("a", "pass", 9.0), "a04": test("a", "pass"),
             "a05": test("a", "pass"), "b01": test("b", "timeout"), "c01": test("c", "pass"), "x01": test("?", "pass"),
             "d01": test("d", "pass", 9.0), "d02": test("d", "pass", 8.0), "e01": test("e", "pass")}
    assert choose(tests) == ["a04", "c01", "d01"]


def test_a_program_is_built_with_the_helpers_it_names(tmp_path: Path) -> None:
    for name, text in {"creat07.c": '#define TEST_APP "creat07_child"\n', "creat07_child.c": "", "creat08.c": "",
                       "creat09.c": 'char *s = "creat08x";\n'}.items():
        (tmp_path / name).write_text(text)
    assert ltp.programs_for(tmp_path / "creat07.c", "creat07") == ["creat07", "creat07_child"]
    assert ltp.programs_for(tmp_path / "creat09.c", "creat09") == ["creat09"]
    assert ltp.programs_for(tmp_path / "creat07.c", "creat07_64") == ["creat07_64", "creat07_child"]


def test_the_slice_is_large_and_spans_the_areas_the_machine_passes_in() -> None:
    tests = _committed()
    passing_areas = {t["area"] for n, t in tests.items()
                     if n not in UNSTABLE and t["machine"] and t["machine"]["verdict"] == "pass"} - {"?"}
    areas = [tests[name]["area"] for name in SLICE]
    assert len(SLICE) >= 60 and len(set(areas)) == len(areas)  # one test an area
    assert len(areas) == min(len(passing_areas), MAX_SLICE)
    ordered = sorted(passing_areas, key=[t["area"] for t in tests.values()].index)
    assert areas[0] == ordered[0] and set(areas) <= passing_areas  # from the first area on, none invented


def test_a_slice_past_its_size_takes_areas_evenly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.modules[__name__], "MAX_SLICE", 3)
    tests = {f"{a}01": {"area": a, "machine": {"verdict": "pass", "seconds": 0.1}} for a in "abcdefghi"}
    assert choose(tests) == ["a01", "d01", "g01"]


@pytest.fixture(scope="module")
def outcomes() -> dict[str, ltp.Outcome]:
    """Builds what the slice needs and runs each test natively and on the machine."""
    assert ltp.tarball().is_file(), "LTP's source archive belongs in ../shared/ltp"
    tree = ltp.default_tree()
    if not (tree / "runtest").exists():
        ltp.unpack(tree)
    entries = ltp.select(ltp.runtest_entries(tree), SLICE)
    sources = ltp.sources_by_command(tree)
    programs: dict[Path, list[str]] = {}
    for entry in entries:
        source = ltp.source_of(sources, entry.argv[0])
        assert source is not None, entry
        programs.setdefault(source.parent.relative_to(tree), []).extend(ltp.programs_for(source, entry.argv[0]))
    ltp.build(tree, sorted(programs), programs)
    with ThreadPoolExecutor(max_workers=JOBS) as pool:
        done = pool.map(lambda e: (e.name, ltp.measure(tree, e, sources, TIMEOUT, None)), entries)
        return dict(done)


@pytest.mark.parametrize("name", SLICE)
def test_the_ltp_test_passes_natively_and_on_the_machine(name: str, outcomes: dict[str, ltp.Outcome]) -> None:
    outcome = outcomes[name]
    assert outcome.scope == "in", outcome
    assert outcome.native is not None and outcome.native.verdict == "pass", outcome.native
    assert outcome.machine is not None, outcome
    assert outcome.machine.verdict == "pass", outcome.machine.lines
