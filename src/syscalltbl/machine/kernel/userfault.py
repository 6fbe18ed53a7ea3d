"""What every user page fault asks of userfaultfd (kernel/userfaultfd.py): is the page poisoned, or held
by a context registered on its area? Kept apart so that the fault path, taken by every run, does not
import the contexts' module, which only a program that makes a userfaultfd needs."""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, cast

from syscalltbl.machine.hw.paging import PTE_P
from syscalltbl.machine.kernel import faults
from syscalltbl.machine.kernel.mm import Vma, page_down

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task


class Fault(enum.Enum):
    """What the userfaultfd made of a user page fault."""

    NOT_MINE = enum.auto()  # an ordinary fault: demand paging goes on
    HELD = enum.auto()  # the task waits (task.fault_wait)
    SIGBUS = enum.auto()  # UFFD_FEATURE_SIGBUS: BUS_ADRERR instead of a message
    POISONED = enum.auto()  # a page UFFDIO_POISON marked: BUS_MCEERR_AR


class Context(Protocol):
    """What the fault path reads of the context registered on an area (kernel/userfaultfd.py's Userfaultfd)."""

    wp: set[int]

    def fault(self, task: Task, vma: Vma, address: int, err: int) -> Fault: ...


def user_fault(task: Task, address: int, rip: int, register: Callable[[str], int]) -> Fault:
    """A page fault from user mode, before demand paging: a poisoned page, or one a userfaultfd holds."""
    mm = task.mm
    page = page_down(address)
    if mm.poisoned and page in mm.poisoned:
        return Fault.POISONED
    vma = mm.find_vma(address)
    if vma is None or vma.uffd is None:
        return Fault.NOT_MINE
    uffd = cast(Context, vma.uffd)  # only UFFDIO_REGISTER sets it, to a Userfaultfd
    entry = mm.lookup(page)
    if entry and not (entry & PTE_P and page in uffd.wp):
        return Fault.NOT_MINE  # a page it has: copy on write, PROT_NONE, nothing a userfaultfd holds
    err = faults.page_fault_error_code(mm, address, rip, register)
    if not faults.area_allows(mm, address, err):
        return Fault.NOT_MINE  # access_error: SIGSEGV, whatever is registered
    return uffd.fault(task, vma, address, err)
