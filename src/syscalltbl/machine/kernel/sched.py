"""The scheduler: switching tasks, the run loop, sleeping, preemption, and leaving a task that died in user mode.

As in xv6, tasks switch only inside the kernel: when one sleeps or exits the
cpu stops on its trap, and the loop picks the next runnable task and resumes
it where it stopped (see wait.py). A task that never enters the kernel is
made to: while another task is alive the tick (kernel/timer.py) raises the
interrupt line (hw/irq.py) when its time slice ends, and if another task can
run the preempted one enters ring 0 through the timer's gate (`preempt`),
whose entry saves its registers in pt_regs; it resumes, after its turn comes
round again (round robin by tid), through the iretq return path. The same
line stops a task to deliver what the host sent (kernel/hostsig.py).
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from unicorn import x86_const as x86

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.kernel import cputime, dlsched, proc, signals, syscall_work, trap
from syscalltbl.machine.kernel.boot import KernelOops
from syscalltbl.machine.kernel.faults import NO_EXCEPTION, PAGE_FAULT
from syscalltbl.machine.kernel.ktimers import WALL_CLOCKS, CpuClock, Timer
from syscalltbl.machine.kernel.process import ExitStatus, Task
from syscalltbl.machine.kernel.rtsched import highest_first, slice_share
from syscalltbl.machine.kernel.timens import refresh_vvar
from syscalltbl.machine.kernel.tsc import load_tsd
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.uapi.time import CLOCK_MONOTONIC

if TYPE_CHECKING:
    from syscalltbl.machine.machine import Machine

_Q = struct.Struct("<Q")
#: The least cpu a deadline task runs before the tick looks at its runtime again (s): a switch costs more.
DL_TICK_MIN = 0.0005


class Deadlock(RuntimeError):
    """Every remaining task sleeps and nothing can wake one."""


def switch_to(machine: Machine, task: Task) -> None:
    cpu = machine.cpu
    machine.current = task
    percpu = machine.percpu_pa
    _Q.pack_into(machine.ram.mem, percpu + abi.PCPU_TOP_OF_STACK, task.kstack_top)
    _Q.pack_into(machine.ram.mem, percpu + abi.PCPU_TSS + abi.TSS_SP0, task.kstack_top)
    syscall_work.load(machine, task)
    cpu.set_reg(x86.UC_X86_REG_CR3, task.mm.cr3)
    # In the kernel, as the task was when it stopped: kernel GS base live,
    # the user's parked in MSR_KERNEL_GS_BASE.
    regs = task.kstack_top - abi.PT_REGS_SIZE
    cpu.set_reg(x86.UC_X86_REG_RSP, regs if task.fresh else task.kernel_rsp)
    cpu.set_reg(x86.UC_X86_REG_RDI, regs)  # the stub's argument, live at the trap
    cpu.set_msr(abi.MSR_GS_BASE, machine.percpu)
    cpu.set_msr(abi.MSR_KERNEL_GS_BASE, task.gs_base)
    cpu.set_reg(x86.UC_X86_REG_FS_BASE, task.fs_base)
    load_tsd(cpu, task)  # PR_SET_TSC: rdtsc faults while a thread that asked for it runs
    if machine.fpu_owner is not task:
        # Lazily: the registers move only when another task's are loaded.
        if machine.fpu_owner is not None:
            machine.fpu_owner.fpu = machine.fpu.save()
        machine.fpu.restore(task.fpu)
        machine.fpu_owner = task
    # The vDSO's clocks, fresh for this time slice.
    refresh_vvar(machine, task.nsproxy.time)
    trap.switched_in(machine, task)
    cputime.switched_in(task)


def switch_out(machine: Machine, task: Task) -> None:
    cputime.switched_out(task)
    if task.status is None and not task.fresh:
        task.kernel_rsp = machine.cpu.reg(x86.UC_X86_REG_RSP)
        task.fs_base = machine.cpu.reg(x86.UC_X86_REG_FS_BASE)
        task.gs_base = machine.cpu.msr(abi.MSR_KERNEL_GS_BASE)
    machine.current = None


def runnable(machine: Machine, after: int) -> Task | None:
    """The first task that can run in round-robin order: tids above `after`, then from the lowest."""
    order = sorted(machine.tasks.values(), key=lambda t: (t.tid <= after, t.tid))
    ready = [task for task in order if task.status is None and not task.stopped and (
        task.sleep is None or task.sleep.ready() or (task.sigpending and task.sleep.restart))]
    return highest_first(ready, after) if ready else None  # real-time policies first (kernel/rtsched.py)


def pick_next(
    machine: Machine, after: int, deadline: float, done: Callable[[], bool] | None = None
) -> Task | None:
    """The next task to run, waiting for one if every task sleeps; None when none is left, or when `done()`
    holds after a timer fired (its signal may have ended the task the caller waits for)."""
    if machine.host_signals is not None:
        machine.host_signals.service()
    idle_since = time.monotonic()
    while True:
        machine.timers.run_wall()  # an alarm that came while every task slept, or while another ran
        if done is not None and done():
            return None
        task = runnable(machine, after)
        if task is not None:
            return task
        live = [t for t in machine.tasks.values() if t.status is None]
        if not live:
            return None
        # A stopped task's sleep wakes nothing: it stays stopped (and the loop must not spin on its deadline).
        sleeps = [t.sleep for t in live if t.sleep is not None and not t.stopped]
        timer = machine.timers.next_wall()
        wakes = [w for s in sleeps if (w := s.wake) is not None] + ([timer] if timer is not None else [])
        host = machine.host_signals
        if not wakes and (host is None or machine.longest_sleep is not None):
            raise Deadlock(f"every task sleeps for good: pids {', '.join(str(t.tid) for t in live)}")
        now = time.monotonic()
        # With a terminal attached a signal from it can still wake one (pause() until Ctrl-C).
        until = min(wakes) if wakes else deadline
        if machine.longest_sleep is not None:
            ends = [s.deadline if s.deadline is not None else float("inf") for s in sleeps]
            ends.append(timer if timer is not None else float("inf"))
            # A timer whose signal wakes nobody (blocked, ignored) fires for ever: the time asleep counts too.
            if min(ends) - now > machine.longest_sleep or now - idle_since > machine.longest_sleep:
                raise Deadlock(f"every task sleeps for more than {machine.longest_sleep} s")
        if until > deadline or now >= deadline:
            raise TimeoutError("timed out while every task slept")
        pause = until - now
        if host is None:
            time.sleep(max(pause, 0.0))
        else:
            host.wait(max(pause, 0.0))
            host.service()


def schedule(machine: Machine, init: Task, timeout: float) -> ExitStatus:
    """Run tasks until none is left; `init`'s process's status is the result.

    That is its leader's: a thread that exec'd in another's place took the pid
    and the leader's role (de_thread), and `init` may be the task it replaced.
    """
    run_until(machine, None, timeout)
    leader = init.group.leader
    assert leader.status is not None
    return leader.status


def run_until(machine: Machine, done: Callable[[], bool] | None, timeout: float) -> None:
    """Run tasks until `done()` holds (checked whenever the cpu stops) or none is left."""
    deadline = time.monotonic() + timeout
    last = 0
    while not (done is not None and done()) and (task := pick_next(machine, last, deadline, done)) is not None:
        last = task.tid
        if task.fresh or task.sleep is not None:
            dlsched.picked(task)  # a deadline task waking: its server's state checked (update_dl_entity)
        switch_to(machine, task)
        if task.preempted:
            begin, task.preempted = machine.resume_preempted, False
            task.sleep = None  # a userfaultfd wait, over: the faulting instruction runs again
        elif task.sleep is not None:
            sleep, trap = task.sleep, task.restart_trap
            restart = trap or machine.resume_restart
            begin = restart if sleep.restart else machine.resume_done
            task.sleep, task.restart_trap = None, 0
            if sleep.restart and task.sigpending and not sleep.ready():
                # Woken by a signal: a handled one ends the call here; others (a stop) leave it asleep.
                if not signals.interrupt(task, sleep, ia32=begin == machine.resume_ia32):
                    task.sleep, task.restart_trap = sleep, trap
                    switch_out(machine, task)
                    continue
                task.syscall_stop = 0  # the call ended without running again: a traced one is over
                begin = machine.resume_done
        else:
            begin = machine.resume_fresh if task.fresh else machine.resume_done
        if begin in machine.resume_exit_work and task.sigpending:
            signals.deliver(task)  # sent while it waited to run: on its way back to user mode
            if task.stopped:
                park_stopped(machine, task, begin)
                switch_out(machine, task)
                continue
        task.fresh = False
        start_slice(machine, task, deadline)
        try:
            run_slice(machine, begin, deadline, timeout)
            while interrupted(machine, task) and task.status is None:
                if task.fault_wait is not None:
                    # handle_userfault: the fault parks the task in the kernel, as the tick does, until
                    # woken (or a signal comes); it then goes back to the faulting instruction.
                    preempt(machine, task)
                    task.sleep, task.fault_wait = task.fault_wait, None
                    break
                if task.stopped:
                    preempt(machine, task)  # a stop signal taken in user mode: it parks in ring 0
                    break
                if (ended := slice_over(machine, task, deadline)) is not None:
                    if ended == PREEMPTED:
                        preempt(machine, task)
                    break  # else out of time: still running, as the check below says
                # A served page fault or a fault's signal handler: the same task,
                # still in user mode. Only QEMU's record of the fault goes; the
                # instruction (or the handler) runs.
                begin, task.restart_at = task.restart_at, 0
                if task.restart_vector != NO_EXCEPTION:
                    machine.cpu.clear_pending_exception(task.restart_vector)
                task.restart_vector = PAGE_FAULT
                run_slice(machine, begin, deadline, timeout)
        finally:
            end_slice(machine)
        task.restart_at = 0
        if machine.cpu.cpl() == 3 and task.status is not None:
            enter_fatal_fault(machine, task, deadline, timeout)
        switch_out(machine, task)
        if task.sleep is not None:
            task.times.nvcsw += 1
        elif task.preempted:
            task.times.nivcsw += 1
        if task.status is None and task.sleep is None and not task.fresh and not task.preempted:
            raise TimeoutError(f"pid {task.tid} still running after {timeout} s")
        proc.free_dead(machine)


def park_stopped(machine: Machine, task: Task, begin: int) -> None:
    """`task` stopped (a stop signal, its tracer) before it could run from `begin`: it resumes there later."""
    if begin == machine.resume_preempted:
        task.preempted = True
    elif begin == machine.resume_done:
        task.sleep = Sleep(lambda: True, restart=False)  # its call is complete: resumed after the trap
    # else a fresh task stays fresh: it starts from pt_regs when it runs


def interrupted(machine: Machine, task: Task) -> bool:
    """Must `task` go on in user mode where it stopped (task.restart_at)?

    Besides a served fault, the interrupt line stops the cpu before a user
    block, RIP exact: what the host sent is delivered there, as on the
    return from an interrupt, and the task resumes (maybe in a handler).
    """
    if machine.irq.take_fired() and task.status is None:
        if not task.restart_at:  # else a served fault stopped it too: it goes on from there
            task.restart_at = machine.cpu.reg(x86.UC_X86_REG_RIP)
            task.restart_vector = NO_EXCEPTION
        if machine.host_signals is not None:
            machine.host_signals.service()
        machine.timers.run_due(task)  # the tick came for a timer's expiry, maybe
        if task.sigpending and task.status is None:
            signals.deliver(task, interrupted=True)
            task.restart_at = machine.cpu.reg(x86.UC_X86_REG_RIP)
    elif task.restart_at and task.sigpending and task.ptrace and task.status is None:
        signals.deliver(task, interrupted=True)  # a traced task's fault signal (trap.on_exception)
        task.restart_at = machine.cpu.reg(x86.UC_X86_REG_RIP)
    return bool(task.restart_at)


# -- preemption: the tick, and entering the kernel from user mode to switch --


PREEMPTED, OUT_OF_TIME = "preempted", "out of time"


def start_slice(machine: Machine, task: Task, deadline: float) -> None:
    """Arm the tick: at the run's deadline, and at the end of `task`'s slice if another task is alive.

    A lone task is never interrupted before its deadline (the tick also
    stands for the run's timeout: Unicorn's own, a thread started and
    joined on every emu_start, cost 0.2-0.3 ms a switch). A sleeping task
    counts as another: what the running one does (a futex wake, a write to
    a pipe) can make it ready without the cpu stopping, and a sleep with a
    deadline must end on time, so the tick comes at the earliest of these.
    """
    at = deadline
    others = [t for t in machine.tasks.values() if t is not task and t.status is None]
    if others:
        wakes = [w for t in others if t.sleep is not None and not t.stopped and (w := t.sleep.wake) is not None]
        at = min([at, *wakes])
    # An armed timer's expiry too: a wall one's time, and the cpu time left to one this task advances.
    timers = machine.timers
    timer = timers.next_wall() if timers.armed else None
    at = min(at, timer) if timer is not None else at
    budget = timers.cpu_budget(task) if timers.armed else None
    runtime_left = dlsched.budget(task)  # a deadline task's runtime: it is throttled when that runs out
    if runtime_left is not None:
        budget = min(budget if budget is not None else runtime_left, max(runtime_left, DL_TICK_MIN))
    machine.tick.arm(at, slice_=bool(others), cpu_budget=budget, share=slice_share(task))


def timer_armed(machine: Machine, timer: Timer) -> None:
    """A timer was armed while a task runs: the tick must come by its expiry (a lone task's is the run's end)."""
    task = machine.current
    if task is None:
        return  # the next slice's arming sees it
    wall = timer.wall_deadline()
    if wall is not None:
        machine.tick.arm_sooner(wall)
    elif isinstance(timer.clock, CpuClock) and timer.clock.runs_on(task):
        machine.tick.arm_sooner(None, machine.timers.cpu_budget(task))


def end_slice(machine: Machine) -> None:
    if machine.tick.disarm():
        machine.irq.lower()  # raised for this slice but the cpu stopped first: not for the next task


def slice_over(machine: Machine, task: Task, deadline: float) -> str | None:
    """The line stopped `task` in user mode (task.restart_at): must it give the cpu to another (PREEMPTED)?

    Only when the tick expired: a stop for a host signal or a served fault
    goes on (None). With no other task runnable it runs on, in a new
    slice, unless the run is OUT_OF_TIME.
    """
    if not machine.tick.expired():
        return None
    machine.tick.disarm()
    if time.monotonic() >= deadline:
        return OUT_OF_TIME
    dlsched.account(task, lambda fire: Timer(machine.timers, WALL_CLOCKS[CLOCK_MONOTONIC], fire))
    after = runnable(machine, task.tid)
    if after is not task and (after is not None or dlsched.throttled(task)):
        return PREEMPTED  # another goes first, or a throttled deadline task waits for its next period
    start_slice(machine, task, deadline)
    return None


def preempt(machine: Machine, task: Task) -> None:
    """`task`, stopped in user mode at task.restart_at, enters ring 0 through the timer's gate and parks there.

    The cpu does what an interrupt does (gate.S's timer_microcode, then
    asm_sysvec_apic_timer_interrupt): the hardware frame and every general
    register into pt_regs, swapgs, and it halts in ring 0 on the task's
    kernel stack. switch_out then keeps that stack pointer and the fs and gs
    bases (the user's gs in MSR_KERNEL_GS_BASE after swapgs); the FPU stays
    the cpu's until another task needs it. The task resumes at
    machine.resume_preempted, which returns through iretq.
    """
    cpu = machine.cpu
    rip, task.restart_at = task.restart_at, 0
    if task.restart_vector != NO_EXCEPTION:
        cpu.clear_pending_exception(task.restart_vector)
    task.restart_vector = PAGE_FAULT
    _Q.pack_into(machine.ram.mem, machine.timer_next_rip_pa, rip)
    # A single-stepping task gets its #DB right after the far call, which
    # clears TF (trap.on_exception): it goes back into the saved rflags.
    stepping = cpu.reg(x86.UC_X86_REG_EFLAGS) & abi.X86_EFLAGS["X86_EFLAGS_TF"]
    cpu.set_descriptor_table(x86.UC_X86_REG_GDTR, machine.gdt_base, 8 * abi.GDT_ENTRIES - 1)  # as for a fatal fault
    try:
        # Straight-line kernel code to its hlt: no timeout, whose watchdog thread costs more than the entry.
        cpu.run(machine.timer_gate)
    finally:
        cpu.set_descriptor_table(x86.UC_X86_REG_GDTR, machine.gdt_base, 8 * abi.FAULT_GATE_ENTRY - 1)
    if cpu.cpl() != 0 or cpu.reg(x86.UC_X86_REG_RIP) != machine.resume_preempted:
        raise KernelOops("the cpu did not reach ring 0 through the timer's gate")
    if stepping:
        flags = task.regs_pa + abi.PT_OFFSET["flags"]
        _Q.pack_into(machine.ram.mem, flags, _Q.unpack_from(machine.ram.mem, flags)[0] | stepping)
    task.preempted = True


def run_slice(machine: Machine, begin: int, deadline: float, timeout: float) -> None:
    """Run from `begin` until the cpu stops; user code stops at the latest when the tick comes (start_slice).

    Kernel code always runs to a trap, a halt or a return to user mode (it
    has no loops), and ring 3 reaches no kernel page but the gate page,
    whose code enters the kernel or faults: no path escapes the tick.
    """
    if machine.ram.stale_code:
        machine.cpu.flush_code()  # see PhysicalMemory.stale_code
        machine.ram.stale_code = False
    if deadline - time.monotonic() <= 0:
        raise TimeoutError(f"still running after {timeout} s")
    machine.cpu.run(begin)


def enter_fatal_fault(machine: Machine, dead: Task, deadline: float, timeout: float) -> None:
    """A fault killed `dead` in user mode: the cpu enters ring 0 through the fault gate (see gate.S).

    Every other task resumes at a kernel address, which ring 3 cannot
    even fetch. QEMU's record of the fault goes too, as its delivery
    would have taken it, or the next fault would become a double fault.
    The gate's frame lands on the dead task's kernel stack, still mapped
    until _free_dead.
    """
    cpu = machine.cpu
    if dead.restart_vector != NO_EXCEPTION:
        cpu.clear_pending_exception(dead.restart_vector)
    _Q.pack_into(machine.ram.mem, machine.fault_next_rip_pa, cpu.reg(x86.UC_X86_REG_RIP))
    # Single-stepping would trap right after the far call; the dead task's flags matter no more.
    stepping = abi.X86_EFLAGS["X86_EFLAGS_TF"] | abi.X86_EFLAGS["X86_EFLAGS_RF"]
    cpu.set_reg(x86.UC_X86_REG_EFLAGS, cpu.reg(x86.UC_X86_REG_EFLAGS) & ~stepping)
    # The gate's descriptor lies past the GDT's limit except now: a program's own far
    # call through it is a #GP, as on Linux, whose GDT ends before it.
    cpu.set_descriptor_table(x86.UC_X86_REG_GDTR, machine.gdt_base, 8 * abi.GDT_ENTRIES - 1)
    try:
        run_slice(machine, machine.fault_gate, deadline, timeout)
    finally:
        cpu.set_descriptor_table(x86.UC_X86_REG_GDTR, machine.gdt_base, 8 * abi.FAULT_GATE_ENTRY - 1)
    if cpu.cpl() != 0 or cpu.reg(x86.UC_X86_REG_RIP) != machine.fatal_halted:
        raise KernelOops("the cpu did not reach ring 0 through the fault gate")
