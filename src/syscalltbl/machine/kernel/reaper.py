"""Who takes a dead process's children (kernel/exit.c find_new_reaper): the nearest child subreaper.

A process marks itself with prctl(PR_SET_CHILD_SUBREAPER); when a process
dies with no live thread left to take its children, they go to the nearest
ancestor so marked, to one of its live threads, which then waits for them as
for its own children.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task


def find_new_reaper(father: Task) -> Task | None:
    """A live thread of `father`'s nearest child-subreaper ancestor; None if it has none."""
    ancestor = father.parent
    hops = len(father.machine.tasks)  # an ancestor chain is never longer than the tasks there are
    # Only within the pid namespace: past its init the namespace's init takes them.
    while ancestor is not None and ancestor.pid_ns is father.pid_ns and hops > 0:
        group = ancestor.group
        if group.child_subreaper:
            alive = [x for x in group.threads if x.status is None]
            if alive:
                return alive[0]
        ancestor = ancestor.parent
        hops -= 1
    return None
