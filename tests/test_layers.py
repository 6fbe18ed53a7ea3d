"""The layout is the architecture: layers that hold, no import cycles, and a package that imports from src/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from layers import LAYERS, MACHINE_LAYERS, cycles, imports, layer_violations, module_names
from support import REPO

SRC = REPO / "src"


def test_every_part_of_the_package_has_a_layer() -> None:
    parts = {name.split(".")[1] for name in module_names(SRC) if "." in name}
    assert parts == set(LAYERS)
    machine = {name.split(".")[2] for name in module_names(SRC) if name.startswith("syscalltbl.machine.")}
    assert machine == set(MACHINE_LAYERS)


def test_no_import_goes_against_the_layers() -> None:
    assert [str(v) for v in layer_violations(imports(SRC))] == []


def test_no_import_cycles() -> None:
    found = imports(SRC)
    assert any(not i.typing_only and i.line > 0 for i in found)
    assert cycles(found) == []


@pytest.fixture
def planted(tmp_path: Path) -> Path:
    """A copy of src/ to plant bad imports in."""
    shutil.copytree(SRC, tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "src"


def _append(path: Path, text: str) -> int:
    """Append `text`; the line number of its first line."""
    before = path.read_text(encoding="utf-8")
    path.write_text(before + text, encoding="utf-8")
    return before.count("\n") + 1


def test_a_planted_upward_import_inside_a_function_is_reported(planted: Path) -> None:
    model = planted / "syscalltbl" / "tables" / "model.py"
    boot = "\n\ndef _boot() -> object:\n    from syscalltbl.machine.machine import Machine\n\n    return Machine\n"
    line = _append(model, boot)
    found = [str(v) for v in layer_violations(imports(planted))]
    assert found == [f"{model}:{line + 3}: syscalltbl.tables.model imports syscalltbl.machine.machine"]


TYPING_ONLY = "\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from syscalltbl.tables.{} import Table\n"


def test_a_planted_typing_only_upward_import_is_reported(planted: Path) -> None:
    atomic = planted / "syscalltbl" / "store" / "atomic.py"
    _append(atomic, TYPING_ONLY.format("model"))
    assert [v.importer for v in layer_violations(imports(planted))] == ["syscalltbl.store.atomic"]


def test_a_planted_sideways_import_between_packages_of_one_layer_is_reported(planted: Path) -> None:
    matrix = planted / "syscalltbl" / "export" / "matrix.py"
    _append(matrix, "\n\ndef _build() -> None:\n    from syscalltbl.build import regenerate  # noqa: F401\n")
    assert [v.imported for v in layer_violations(imports(planted))] == ["syscalltbl.build.regenerate"]


def test_a_planted_import_against_the_machine_layers_is_reported(planted: Path) -> None:
    cpu = planted / "syscalltbl" / "machine" / "hw" / "cpu.py"
    _append(cpu, "\n\ndef _tasks() -> None:\n    from syscalltbl.machine.kernel import process  # noqa: F401\n")
    assert [(v.importer, v.imported) for v in layer_violations(imports(planted))] == [
        ("syscalltbl.machine.hw.cpu", "syscalltbl.machine.kernel.process")
    ]


def test_a_planted_cycle_through_a_function_level_import_is_reported(planted: Path) -> None:
    # read.py imports model.py at its top; model.py importing read.py inside a function closes a loop
    # that no layer rule sees (both are in tables/).
    model = planted / "syscalltbl" / "tables" / "model.py"
    _append(model, "\n\ndef _load() -> None:\n    from syscalltbl.tables import read  # noqa: F401\n")
    found = imports(planted)
    assert list(layer_violations(found)) == []
    assert ["syscalltbl.tables.model", "syscalltbl.tables.read"] in [
        [m for m in group if m in ("syscalltbl.tables.model", "syscalltbl.tables.read")] for group in cycles(found)
    ]


def test_imports_by_import_module_are_checked_and_computed_names_refused(planted: Path) -> None:
    model = planted / "syscalltbl" / "tables" / "model.py"
    line = _append(model, "\n\ndef _late(name: str) -> None:\n    import importlib\n\n"
                          "    importlib.import_module('syscalltbl.machine.machine')\n"
                          "    importlib.import_module(f'syscalltbl.cli.{name}')\n")
    found = [str(v) for v in layer_violations(imports(planted))]
    assert found == [
        f"{model}:{line + 5}: syscalltbl.tables.model imports syscalltbl.machine.machine",
        f"{model}:{line + 6}: syscalltbl.tables.model imports <a computed name>",
    ]


def test_a_cycle_through_a_name_taken_from_a_package_being_initialized_is_reported(planted: Path) -> None:
    # machine/syscalls/__init__.py imports fs.py first; fs.py asking the package for REGISTRY then fails
    # ("partially initialized module") although neither import goes against the layers.
    fs = planted / "syscalltbl" / "machine" / "syscalls" / "fs.py"
    _append(fs, "\nfrom syscalltbl.machine.syscalls import REGISTRY  # noqa: E402\n")
    groups = cycles(imports(planted))
    assert any({"syscalltbl.machine.syscalls", "syscalltbl.machine.syscalls.fs"} <= set(g) for g in groups)


def test_an_import_under_not_type_checking_runs(planted: Path) -> None:
    model = planted / "syscalltbl" / "tables" / "model.py"
    _append(model, TYPING_ONLY.replace("if TYPE_CHECKING", "if not TYPE_CHECKING").format("read"))
    assert any({"syscalltbl.tables.model", "syscalltbl.tables.read"} <= set(g) for g in cycles(imports(planted)))


def test_typing_only_imports_make_no_cycle(planted: Path) -> None:
    model = planted / "syscalltbl" / "tables" / "model.py"
    _append(model, TYPING_ONLY.format("read"))
    assert cycles(imports(planted)) == []


@pytest.mark.parametrize("package", sorted(p for p in LAYERS if (SRC / "syscalltbl" / p).is_dir()))
def test_each_sub_package_imports_from_a_checkout_with_no_install(package: str) -> None:
    """`PYTHONPATH=src python -c "import syscalltbl.<package>"`: no site-packages at all (-S)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(SRC)}
    probe = f"import syscalltbl.{package} as p; print(p.__file__)"
    proc = subprocess.run([sys.executable, "-S", "-c", probe], cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()).is_relative_to(SRC / "syscalltbl" / package)


def test_every_module_imports_from_the_checkout_beside_its_dependencies(tmp_path: Path) -> None:
    """Every module, from src/, with the dependencies' directory on the path but no .pth file processed
    (-S): whatever installed syscalltbl itself (an editable install's hook) is not seen."""
    site = next(p for p in map(Path, sys.path) if p.name == "site-packages" and (p / "lark").is_dir())
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": f"{SRC}:{site}", "HOME": str(tmp_path)}
    names = sorted(n for n in module_names(SRC) if not n.endswith("__main__"))
    probe = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    module = importlib.import_module(name)\n"
        f"    assert module.__file__.startswith({str(SRC)!r}), module.__file__\n"
        "print(len([m for m in sys.modules if m.startswith('syscalltbl')]))\n"
    )
    proc = subprocess.run([sys.executable, "-S", "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) == len(names)
