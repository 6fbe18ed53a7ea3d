"""An exec whose new pages reuse frames that held translated code.

The machine must flush that code before the new program runs, and the
program must still start from its entry point: the flush once parked the
freshly exec'd task as if its call had finished, and it resumed on the old
program's kernel path (a ring-0 fault at address 0).
"""

from __future__ import annotations

from pathlib import Path

from native_vs_machine import assert_same, make_root, run_both
from static_builds import build


def test_exec_after_running_code_in_freed_pages(tmp_path: Path) -> None:
    program = build("gcc", "exec_after_code.c")
    both = run_both(make_root(tmp_path / "template"), tmp_path / "runs", program)
    assert_same(both, 0, ("ran 256 pages of code: sum 32640", "exec'd program ran: again"))
