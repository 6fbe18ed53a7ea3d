"""Linux's numbers live in machine/uapi only, and they are Linux's (checked against the host's own tables)."""

from __future__ import annotations

import ast
import errno as host_errno
import fcntl as host_fcntl
import mmap as host_mmap
import os
import re
import signal as host_signal
from pathlib import Path

import pytest

from support import REPO
from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine import uapi
from syscalltbl.machine.uapi import errno, fcntl, mman, signal

SRC = REPO / "src" / "syscalltbl"
UAPI = SRC / "machine" / "uapi"
UAPI_NAMES = frozenset(
    name for module in UAPI.glob("*.py") for name in re.findall(r"^([A-Z][A-Z0-9_]*): Final", module.read_text(), re.M)
)
#: The generated assembly's own copy (asm-offsets), below the machine's layer; checked equal below.
ALLOWED = {("generators/x86_64/abi.py", "ENOSYS")}


def _sources() -> list[Path]:
    return [p for p in SRC.rglob("*.py") if UAPI not in p.parents]


def test_no_errno_literal_outside_uapi() -> None:
    found = [
        f"{p.relative_to(SRC)}:{n}: {line.strip()}"
        for p in _sources()
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if re.search(r"\bErrno\(\s*-?\d", line)
    ]
    assert found == []


def test_no_uapi_constant_is_defined_twice() -> None:
    found = []
    for path in _sources():
        for node in ast.parse(path.read_text()).body:
            targets: list[ast.expr] = [node.target] if isinstance(node, ast.AnnAssign) else []
            targets = node.targets if isinstance(node, ast.Assign) else targets
            names = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
            for name in names:
                where = (path.relative_to(SRC).as_posix(), name)
                if name in UAPI_NAMES and where not in ALLOWED:
                    found.append(f"{where[0]}:{node.lineno}: {name}")
    assert found == []


def test_no_signal_number_literal_outside_uapi() -> None:
    """`sig == 17`, `exit_signal = 17`: a name about signals compared with, or set to, a number other than 0."""
    found = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Compare | ast.Assign):
                continue
            pairs: list[tuple[ast.expr, ast.expr]] = []
            if isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
                pairs = [(a, b) for a in operands for b in operands if a is not b]
            elif isinstance(node, ast.Assign):
                pairs = [(t, node.value) for t in node.targets]
            for named, value in pairs:
                text = ast.unparse(named).lower()
                if (
                    "sig" in text
                    and isinstance(value, ast.Constant)
                    and type(value.value) is int
                    and value.value != 0
                ):
                    found.append(f"{path.relative_to(SRC)}:{node.lineno}: {ast.unparse(node)}")
    assert found == []


def test_the_check_would_see_a_planted_literal(tmp_path: Path) -> None:
    planted = "def f(sig: int) -> bool:\n    return sig == 17\n"
    tree = ast.parse(planted)
    compare = next(n for n in ast.walk(tree) if isinstance(n, ast.Compare))
    assert "sig" in ast.unparse(compare.left) and isinstance(compare.comparators[0], ast.Constant)
    assert re.search(r"\bErrno\(\s*-?\d", "raise Errno(14)  # EFAULT")


def test_errno_values_are_the_hosts() -> None:
    ours = {n: v for n, v in vars(errno).items() if n.startswith("E") and isinstance(v, int)}
    shared = {n for n in ours if hasattr(host_errno, n)}
    assert len(shared) > 120
    assert {n: ours[n] for n in shared} == {n: getattr(host_errno, n) for n in shared}
    assert uapi.names(errno, "E")[95] == "EOPNOTSUPP" and uapi.names(errno, "E")[11] == "EAGAIN"
    assert errno.ENOSYS == abi.ENOSYS


@pytest.mark.parametrize(
    ("ours", "host", "prefix"),
    [(signal, host_signal, "SIG"), (fcntl, os, "O_"), (fcntl, host_fcntl, "F_"), (fcntl, os, "SEEK_"),
     (mman, host_mmap, "PROT_"), (mman, host_mmap, "MAP_")],
)  # fmt: skip
def test_values_agree_with_the_hosts_python(ours: object, host: object, prefix: str) -> None:
    # glibc's SIGRTMIN and SIGRTMAX are its own (it keeps two real-time signals for itself).
    mine = {n: v for n, v in uapi.constants(ours, prefix) if n not in ("SIGRTMIN", "SIGRTMAX")}  # type: ignore[arg-type]
    shared = {n for n in mine if isinstance(getattr(host, n, None), int)}
    assert shared, prefix
    assert {n: mine[n] for n in shared} == {n: int(getattr(host, n)) for n in shared}


def test_every_standard_signal_has_its_name() -> None:
    for sig in host_signal.Signals:
        if sig < signal.SIGRTMIN:
            assert signal.signal_name(sig) == sig.name
    assert signal.signal_name(34) == "SIGRTMIN+2" and signal.signal_name(99) is None


def test_struct_layouts_have_linuxs_sizes() -> None:
    from syscalltbl.machine.uapi import structs

    sizes = {"STAT": 144, "STATFS": 120, "SYSINFO": 112, "SIGCONTEXT": 256, "TIMESPEC": 16, "IOVEC": 16,
             "POLLFD": 8, "RLIMIT": 16, "STACK": 24, "KERNEL_SIGACTION": 32, "SIGSET": 8}  # fmt: skip
    assert {name: getattr(structs, name).size for name in sizes} == sizes
