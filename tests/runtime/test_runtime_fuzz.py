"""The kernel fuzzer: a short clean run, and the checker catching injected bugs."""

from __future__ import annotations

from syscalltbl.generators.x86_64.abi import PAGE_SIZE
from syscalltbl.kernel_runtime.fuzz import SCRATCH, fuzz
from syscalltbl.kernel_runtime.paging import PTE_P, PTE_RW, PTE_US
from syscalltbl.kernel_runtime.process import Task


def test_two_thousand_calls_without_violation() -> None:
    report = fuzz(7, 2000)
    assert (report.calls, report.violations) == (2000, [])
    assert len(report.by_name) > 300


def leak_kernel_frame(t: Task, *_: int) -> int:
    """A broken getppid: maps the kernel's first frame into the caller's scratch area."""
    kernel_pa = t.machine.kmm.kernel_frame(t.machine.kernel.symbol("entry_SYSCALL_64")) & ~(PAGE_SIZE - 1)
    t.mm.set_pte(SCRATCH, kernel_pa | PTE_P | PTE_US | PTE_RW)
    return 0


def test_checker_reports_a_user_page_on_a_kernel_frame() -> None:
    report = fuzz(7, 2000, handlers={"sys_getppid": leak_kernel_frame})
    first = report.violations[0]
    assert first.call == "getppid()"
    assert first.problem.startswith(f"user page {SCRATCH:#x} -> frame ") and first.problem.endswith(
        " maps a kernel frame")


def crash(_t: Task, *_: int) -> int:
    raise KeyError("boom")


def test_checker_reports_a_host_exception() -> None:
    report = fuzz(7, 500, handlers={"sys_getuid": crash})
    assert report.violations and all(v.problem == "host exception KeyError: 'boom'" for v in report.violations)
    assert report.calls == 500
