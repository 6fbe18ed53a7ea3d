"""PID 1: the machine's init, and Linux's rules for whichever process is PID 1.

`syscalltbl run` boots as Linux boots: PID 1 is a small init, generated from
the table like the other user-side assembly (generators/x86_64/init.py),
which forks the program, passes the terminal's signals on to its process
group, reaps every orphan and exits with the program's status. `run --pid1`
makes the program PID 1 itself instead. Either way that process is the
machine's child reaper and gets what Linux gives PID 1 (SIGNAL_UNKILLABLE):
a signal it has no handler for is not delivered, SIGKILL included (every
sender is inside its pid namespace), and when it exits every other process
is killed (zap_pid_ns_processes). The embedding API's machines keep the
first program as pid 1 without those rules unless asked (Pid1.BARE).

The first process of a nested pid namespace (kernel/pidns.py) is that
namespace's PID 1 under the same rules, for the processes of its namespace:
it takes their orphans, drops the signals they send it that it has no handler
for (SIGKILL and SIGSTOP from an ancestor namespace reach it), and when it
ends every other process of the namespace, and below, is killed and no new
one may be made there.
"""

from __future__ import annotations

import enum
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from syscalltbl.generators.generate import code_fingerprint
from syscalltbl.generators.x86_64.init import CALLS, render_init
from syscalltbl.generators.x86_64.kernel import Syscall
from syscalltbl.machine.image.toolchain import build_elf
from syscalltbl.machine.kernel.hostsig import FORWARDED
from syscalltbl.machine.kernel.reaper import find_new_reaper
from syscalltbl.machine.uapi import errno as uerrno
from syscalltbl.machine.uapi import signal as usignal
from syscalltbl.machine.uapi.wait import __WALL
from syscalltbl.store import cache as content_cache
from syscalltbl.store.record import Value

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import ExitStatus, Task, ThreadGroup
    from syscalltbl.machine.kernel.vfs import Regular
    from syscalltbl.machine.machine import Machine

_CALLS = frozenset(CALLS)

#: What /proc/1/exe and /proc/1/cmdline name: the init runs from a file no path of the machine holds.
INIT_PATH = b"/sbin/init"


class Init(Value):
    """The generated init of a machine that booted one, and what `run` reports of its program."""

    file: Regular  # what it runs from: no path of the machine names it
    program_pid: int  # its first fork, the program's process
    program_name: bytes  # the program as `run` was given it, which --trace shows it exec'd as
    program_status: ExitStatus | None

    __slots__ = _fields = ("file", "program_pid", "program_name", "program_status")

    def __init__(
        self,
        file: Regular,
        program_pid: int,
        program_name: bytes,
        program_status: ExitStatus | None = None,
    ) -> None:
        self.file = file
        self.program_pid = program_pid
        self.program_name = program_name
        self.program_status = program_status


class Pid1(enum.Enum):
    """Who is PID 1."""

    INIT = "init"  # the generated init, which starts the program: `syscalltbl run`'s default
    PROGRAM = "program"  # the program, under Linux's rules for PID 1: `run --pid1`
    BARE = "bare"  # the program, without them: the embedding API's default (Machine.run, host Python programs)


@cache
def init_image(syscalls: tuple[Syscall, ...], source: str) -> bytes:
    """The init's static ELF for this table, from the content-addressed cache when it was built before."""
    # Keyed by the numbers of the calls the init makes (render_init reads nothing else of the table), not by
    # the whole table's repr: that took 0.6 ms of every run's start, the entry's hashing as much again.
    numbers = repr([(s.name, s.number) for s in syscalls if s.name in _CALLS])
    key = content_cache.digest("init", code_fingerprint(), Path(__file__).read_bytes(), numbers, source)
    if content_cache.enabled() and (blob := content_cache.get("init", key)) is not None:
        return blob
    image = _build(syscalls, source)
    if content_cache.enabled():
        content_cache.put("init", key, image)
    return image


@cache
def _build(syscalls: tuple[Syscall, ...], source: str) -> bytes:
    constants = {
        "SIG_BLOCK": usignal.SIG_BLOCK, "SIG_UNBLOCK": usignal.SIG_UNBLOCK, "SIG_SETMASK": usignal.SIG_SETMASK,
        "SIG_DFL": usignal.SIG_DFL, "SA_RESTORER": usignal.SA_RESTORER, "SA_RESTART": usignal.SA_RESTART,
        "__WALL": __WALL, "EINTR": uerrno.EINTR, "ENOENT": uerrno.ENOENT,
    }  # fmt: skip
    sources = render_init(syscalls, constants, [int(sig) for sig in FORWARDED], source=source)
    return build_elf(sources, linker_script=None, name="init").read_bytes()


# -- Linux's rules for PID 1 (the machine's child reaper) --


def runs_init(t: Task) -> bool:
    """`t` runs the generated init's code: PID 1, or its child before it execs the program."""
    init = t.machine.init
    return init is not None and t.exe_file is init.file


def reaper_of(machine: Machine, task: Task) -> ThreadGroup | None:
    """The init of the task's pid namespace (pid_ns->child_reaper): the machine's for the first one."""
    ns = task.pid_ns
    return machine.child_reaper if ns.level == 0 else ns.child_reaper


def new_parent(machine: Machine, exiting: Task) -> Task | None:
    """find_new_reaper: who takes the children of `exiting`, a thread that ends.

    A live thread of its process first, then the nearest PR_SET_CHILD_SUBREAPER
    ancestor (kernel/reaper.py), then its pid namespace's PID 1 (a live thread
    of it). None when no one is left (Pid1.BARE, or that PID 1 itself ending):
    the orphans are then reaped when they end.
    """
    group = exiting.group
    if group.threads:
        return group.threads[0]
    subreaper = find_new_reaper(exiting)
    if subreaper is not None:
        return subreaper
    reaper = reaper_of(machine, exiting)
    if reaper is None or reaper is group or not reaper.threads:
        return None
    return reaper.threads[0]


def zap(machine: Machine, group: ThreadGroup) -> None:
    """A PID 1's last thread ends: every other process of its pid namespace and those below is killed, and
    none may be made there from now on (zap_pid_ns_processes)."""
    leader = group.leader
    if reaper_of(machine, leader) is not group:
        return
    ns = leader.pid_ns
    ns.closed = ns.level > 0  # the first namespace ends with the machine
    for task in list(machine.tasks.values()):
        if task.status is None and task.group is not group and ns.contains(task.pid_ns):
            task.kill(usignal.SIGKILL)
