"""System-call handlers share do_* helpers; no handler calls another handler (with padded zeros)."""

from __future__ import annotations

import ast

from support import REPO

SYSCALLS = REPO / "src" / "syscalltbl" / "machine" / "syscalls"


def _handler_calls(source: str) -> list[str]:
    """Calls of a function named sys_*: every handler is named after its entry point."""
    return [
        f"{node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith("sys_")
    ]


def test_no_handler_calls_another() -> None:
    files = sorted(SYSCALLS.glob("*.py"))
    found = [f"{path.name}:{call}" for path in files for call in _handler_calls(path.read_text())]
    assert found == []


def test_the_check_sees_a_handler_call() -> None:
    planted = (
        '@syscall("sys_a")\ndef sys_a(t: Task, x: int, *_: int) -> int:\n    return 0\n\n\n'
        '@syscall("sys_b")\ndef sys_b(t: Task, *_: int) -> int:\n    return sys_a(t, 1, 0, 0, 0, 0, 0)\n'
    )
    assert _handler_calls(planted) == ["8: sys_a(t, 1, 0, 0, 0, 0, 0)"]
