"""Processes: spawn (a task and its kernel stack), fork, exit, reap, and each task's FPU image.

kernel/fork.c and kernel/exit.c, beside the Task itself (process.py).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from unicorn import x86_const as x86

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.hw.physmem import OutOfMemory
from syscalltbl.machine.kernel import signals
from syscalltbl.machine.kernel.mm import Mm
from syscalltbl.machine.kernel.process import ExitStatus, Task
from syscalltbl.machine.kernel.uaccess import copy_to_user
from syscalltbl.machine.uapi.errno import EAGAIN, ENOMEM, Errno
from syscalltbl.machine.uapi.resource import RLIMIT_NPROC
from syscalltbl.machine.uapi.signal import CLD_EXITED, CLD_KILLED, SA_NOCLDWAIT, SI_USER, SIG_IGN, SIGCHLD, SIGKILL

if TYPE_CHECKING:
    from syscalltbl.machine.machine import Machine

# What a process's own Python objects (task, signal actions, credentials...) cost the host, about
# 4 KiB measured: charged to RAM (ram.slab) as Linux's task_struct and friends are kernel memory.
TASK_BYTES = 4096


def spawn(machine: Machine, parent: Task | None = None, mm: Mm | None = None) -> Task:
    """A new task with its kernel stack and `mm`, else an empty address space.

    OutOfMemory if RAM runs out, with the stack and `mm` given back.
    """
    machine.last_pid += 1
    pid = machine.last_pid
    # One THREAD_SIZE stack per pid, each above an unmapped guard page.
    top = abi.KSTACK_BASE + pid * (abi.THREAD_SIZE + abi.PAGE_SIZE)
    if mm is None:
        mm = Mm(machine.ram, machine.kmm)  # first: nothing to give back if its page directory does not fit
    # Page by page, as vmalloc'd stacks are: after many forks the free frames
    # are scattered, and a contiguous run would need RAM never used before.
    for va in range(top - abi.THREAD_SIZE, top, abi.PAGE_SIZE):
        frame = 0
        try:
            frame = machine.ram.alloc()
            machine.kmm.map(va, frame, user=False, write=True, execute=False)
        except OutOfMemory:
            if frame:
                machine.ram.free(frame)  # allocated, but no table to map it in
            free_stack_pages(machine, top)
            mm.destroy()
            raise
    if not machine.ram.slab_fits(TASK_BYTES):
        free_stack_pages(machine, top)
        mm.destroy()
        raise OutOfMemory("no room for the task's own objects")
    machine.ram.slab_charge(TASK_BYTES)
    # pt_regs at the top of the last page.
    task = Task(machine, pid, parent, mm, top, frame + abi.PAGE_SIZE - abi.PT_REGS_SIZE)
    if parent is not None:
        parent.children.append(task)
    machine.tasks[pid] = task
    if machine.current is not None:
        machine.tick.arm_slice()  # the running task shares the cpu from now on: its slice is timed
    return task


def free_kernel_stack(machine: Machine, task: Task) -> None:
    """The task's kernel stack, and the RAM its host objects were charged, go back."""
    free_stack_pages(machine, task.kstack_top)
    machine.ram.slab_charge(-TASK_BYTES)


def free_stack_pages(machine: Machine, top: int) -> None:
    for va in range(top - abi.THREAD_SIZE, top, abi.PAGE_SIZE):
        frame = machine.kmm.unmap(va)
        if frame is not None:
            machine.ram.free(frame)


def fork(machine: Machine, parent: Task) -> Task:
    """A copy of the running `parent` that returns 0 from the same system call.

    ENOMEM when RAM cannot hold the copy (this kernel copies every private
    page at fork, where Linux would share them until written); EAGAIN past
    kernel.threads-max, or past RLIMIT_NPROC for a user other than root
    (copy_process: root's CAP_SYS_RESOURCE lifts only the rlimit).
    """
    if len(machine.tasks) >= machine.limits.threads_max:
        raise Errno(EAGAIN)
    uid = parent.cred.uid
    if uid != 0 and parent.cred.euid != 0:
        nproc = parent.rlimits[RLIMIT_NPROC][0] if parent.rlimits is not None else machine.limits.nproc
        if sum(1 for t in machine.tasks.values() if t.cred.uid == uid) >= nproc:
            raise Errno(EAGAIN)
    if not parent.mm.ram_holds_areas(len(parent.mm.vmas)) or not parent.files.copy_fits():
        raise Errno(ENOMEM)
    # The descriptors first: if they cannot be copied nothing else exists yet, and
    # if the task cannot be made they go back, so no task is left half made.
    files = parent.files.copy()
    try:
        child = spawn(machine, parent, parent.mm.copy())
    except OutOfMemory:
        files.close_all()
        raise Errno(ENOMEM) from None
    except BaseException:
        files.close_all()
        raise
    child.files = files
    child.fs, child.cred, child.sighand = parent.fs.copy(), parent.cred.copy(), parent.sighand.copy()
    for name in ("exe", "comm", "arg_start", "arg_end", "nice", "pgid", "sid", "dumpable"):
        setattr(child, name, getattr(parent, name))
    child.signals = parent.signals.forked()
    child.fpu = fpu_state(machine, parent)
    child.rlimits = None if parent.rlimits is None else list(parent.rlimits)
    regs = parent.pt_regs()
    regs["ax"] = 0
    child.set_pt_regs(regs)
    child.fs_base = machine.cpu.reg(x86.UC_X86_REG_FS_BASE)
    child.gs_base = machine.cpu.msr(abi.MSR_KERNEL_GS_BASE)  # the user's, parked by swapgs
    return child


def do_exit(machine: Machine, task: Task, status: ExitStatus) -> None:
    """exit, exit_group and death by signal: the task becomes a zombie."""
    if task.status is not None:
        return
    task.status = status
    if machine.observer is not None:
        machine.observer.exited(task, status)
    task.sleep = None
    task.files.release()
    if task.clear_child_tid:
        with contextlib.suppress(Errno):
            copy_to_user(task.mm, task.clear_child_tid, bytes(4))
    task.vfork_parent = None
    if task is machine.current:
        machine.dead_mms.append(task.mm)  # its page tables are in CR3 until the cpu stops
    else:
        task.mm.destroy()  # killed from outside (SIGKILL, the OOM killer): its RAM comes back at once
    if machine.fpu_owner is task:
        machine.fpu_owner = None
    for child in task.children:
        child.parent = None  # orphans: nobody waits for them
        if child.status is not None:
            reap(machine, child)
        elif child.pdeath_signal:
            sig = child.pdeath_signal
            signals.send(child, sig, signals.siginfo(sig, SI_USER, task.pid))
    task.children = []
    if task.parent is None or notify_parent(machine, task, status):
        reap(machine, task)
    if task is machine.current:
        machine.cpu.stop()


def notify_parent(machine: Machine, task: Task, status: ExitStatus) -> bool:
    """The exit signal to the parent (do_notify_parent); True when the parent asked for no zombies."""
    parent = task.parent
    assert parent is not None
    action = parent.sighand.actions[SIGCHLD]
    code, value = (CLD_EXITED, status.code or 0) if status.signal is None else (CLD_KILLED, status.signal)
    sig = task.exit_signal
    if sig:
        signals.send(parent, sig, signals.siginfo(sig, code, task.pid, task.cred.uid, value))
    return sig == SIGCHLD and (action.handler == SIG_IGN or bool(action.flags & SA_NOCLDWAIT))


def reap(machine: Machine, task: Task) -> None:
    if task.parent is not None:
        task.parent.children.remove(task)
    machine.tasks.pop(task.pid, None)
    if task is machine.current:
        machine.dead_tasks.append(task)  # its kernel stack is the one in use
    else:
        free_kernel_stack(machine, task)


def free_dead(machine: Machine) -> None:
    for mm in machine.dead_mms:
        mm.destroy()
    for task in machine.dead_tasks:
        free_kernel_stack(machine, task)
    machine.dead_mms.clear()
    machine.dead_tasks.clear()


def kill_all(machine: Machine) -> None:
    machine.current = None
    for task in list(machine.tasks.values()):
        if task.status is None:
            do_exit(machine, task, ExitStatus(None, SIGKILL, "SIGKILL"))
    free_dead(machine)


def fpu_state(machine: Machine, task: Task) -> bytes:
    """The task's x87/SSE registers: in the cpu if it owns them, else saved."""
    return machine.fpu.save() if machine.fpu_owner is task else task.fpu


def set_fpu_state(machine: Machine, task: Task, image: bytes) -> None:
    if machine.fpu_owner is task:
        machine.fpu.restore(image)
    else:
        task.fpu = image
