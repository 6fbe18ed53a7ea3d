"""Processes and threads: spawn (a task and its kernel stack), clone, exit and exit_group, reap, exec's
de_thread, and each task's FPU image.

kernel/fork.c and kernel/exit.c, beside the Task itself (process.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from unicorn import x86_const as x86

from syscalltbl.generators.x86_64 import abi
from syscalltbl.machine.hw.physmem import OutOfMemory
from syscalltbl.machine.kernel import acct, cputime, futex, keys, pid1, ptrace, signals, syscall_work
from syscalltbl.machine.kernel.mm import Mm
from syscalltbl.machine.kernel.nsproxy import ABSENT_NAMESPACES, copy_namespaces
from syscalltbl.machine.kernel.pidalloc import alloc_pid
from syscalltbl.machine.kernel.pidns import PidNamespace, alloc_upid, free_upid, pid_nr_ns, tgid_vnr
from syscalltbl.machine.kernel.process import ExitStatus, IoContext, SemUndoList, Task, ThreadGroup
from syscalltbl.machine.kernel.rlimit_cpu import update_rlimit_cpu
from syscalltbl.machine.kernel.rtsched import RT_POLICIES
from syscalltbl.machine.kernel.timens import join_vvar
from syscalltbl.machine.kernel.ucount import charge_for
from syscalltbl.machine.kernel.userns import check_new_user_ns, chrooted, enter_new_user_ns
from syscalltbl.machine.uapi.capability import CAP_SYS_ADMIN
from syscalltbl.machine.uapi.errno import EAGAIN, EINVAL, ENOMEM, EPERM, Errno
from syscalltbl.machine.uapi.resource import RLIM_INFINITY, RLIMIT_CPU, RLIMIT_NPROC
from syscalltbl.machine.uapi.sched import (
    CLONE_CLEAR_SIGHAND,
    CLONE_DETACHED,
    CLONE_FILES,
    CLONE_FS,
    CLONE_INTO_CGROUP,
    CLONE_IO,
    CLONE_NEWIPC,
    CLONE_NEWNS,
    CLONE_NEWPID,
    CLONE_NEWUSER,
    CLONE_PARENT,
    CLONE_PIDFD,
    CLONE_SETTLS,
    CLONE_SIGHAND,
    CLONE_SYSVSEM,
    CLONE_THREAD,
    CLONE_VFORK,
    CLONE_VM,
    NAMESPACES,
)
from syscalltbl.machine.uapi.schedpolicy import SCHED_DEADLINE, SCHED_NORMAL
from syscalltbl.machine.uapi.signal import (
    CLD_DUMPED,
    CLD_EXITED,
    CLD_KILLED,
    SA_NOCLDWAIT,
    SI_USER,
    SIG_IGN,
    SIGCHLD,
    SIGKILL,
)

if TYPE_CHECKING:
    from syscalltbl.machine.machine import Machine

# What a process's own Python objects (task, signal actions, credentials...) cost the host, about
# 4 KiB measured: charged to RAM (ram.slab) as Linux's task_struct and friends are kernel memory.
TASK_BYTES = 4096
TICK_NS = 10_000_000  # one USER_HZ clock tick, as SIGCHLD's si_utime and si_stime count


def spawn(machine: Machine, parent: Task | None = None, mm: Mm | None = None, group: ThreadGroup | None = None,
          pid: tuple[PidNamespace, tuple[int, ...]] | None = None) -> Task:
    """A new task with its kernel stack and `mm`, else an empty address space.

    In `group` it is one more thread of that process; else it leads a new
    process, a child of `parent` (the caller lists it among the parent's
    children). EAGAIN if no pid is free; OutOfMemory if RAM runs out, with the stack given back and
    the address space made here destroyed (a given one is the caller's). `pid`: the pid namespace
    and numbers alloc_upid gave it (freed here if the task cannot be made), else a global pid.
    """
    try:
        tid = alloc_pid(machine) if pid is None else pid[1][0]  # first: EAGAIN when pids run out
        task = _spawn(machine, tid, parent, mm, group)
    except BaseException:
        if pid is not None:
            free_upid(*pid)
        raise
    if pid is not None:
        task.pid_ns, task.upid = pid
    return task


def _spawn(machine: Machine, tid: int, parent: Task | None, mm: Mm | None, group: ThreadGroup | None) -> Task:
    # One THREAD_SIZE stack per tid, each above an unmapped guard page.
    top = abi.KSTACK_BASE + tid * (abi.THREAD_SIZE + abi.PAGE_SIZE)
    made = mm is None
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
            if made:
                mm.destroy()
            raise
    if not machine.ram.slab_fits(TASK_BYTES):
        free_stack_pages(machine, top)
        if made:
            mm.destroy()
        raise OutOfMemory("no room for the task's own objects")
    machine.ram.slab_charge(TASK_BYTES)
    # pt_regs at the top of the last page.
    task = Task(machine, tid, parent, mm, top, frame + abi.PAGE_SIZE - abi.PT_REGS_SIZE)
    if group is not None:
        task.group, task.pid = group, group.pid
        group.threads.append(task)
    machine.tasks[tid] = task
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


def check_clone_flags(flags: int) -> None:
    """The combinations copy_process refuses with EINVAL, in its order."""
    if flags & (CLONE_NEWNS | CLONE_FS) == CLONE_NEWNS | CLONE_FS:
        raise Errno(EINVAL)
    if flags & (CLONE_NEWUSER | CLONE_FS) == CLONE_NEWUSER | CLONE_FS:
        raise Errno(EINVAL)
    if flags & CLONE_THREAD and not flags & CLONE_SIGHAND:
        raise Errno(EINVAL)  # a thread shares its process's signal actions
    if flags & CLONE_SIGHAND and not flags & CLONE_VM:
        raise Errno(EINVAL)  # and handlers are addresses in one address space
    if flags & CLONE_THREAD and flags & (CLONE_NEWUSER | CLONE_NEWPID):
        raise Errno(EINVAL)
    if flags & CLONE_PIDFD and flags & CLONE_DETACHED:
        raise Errno(EINVAL)
    if flags & CLONE_INTO_CGROUP:
        raise Errno(EINVAL)  # built without cgroups, as a kernel configured so answers


def copy_process(machine: Machine, current: Task, flags: int, exit_signal: int, tls: int = 0,
                 set_tid: tuple[int, ...] = ()) -> Task:
    """clone's new task: a thread of the caller's process (CLONE_THREAD) or a new process, sharing
    what the CLONE_* flags say and copying the rest; it returns 0 from the same system call.

    ENOMEM when RAM cannot hold the copy (this kernel copies every private
    page at fork, where Linux would share them until written); EAGAIN past
    kernel.threads-max, or past RLIMIT_NPROC for a user other than root
    (copy_process: root's CAP_SYS_RESOURCE lifts only the rlimit). Threads
    count against both, as they do on Linux. The child's pid is made in the caller's pid namespace for
    a thread, else its pid_for_children (a new one for CLONE_NEWPID, whose init it is); `set_tid` asks
    for its numbers there and above (clone3).
    """
    check_clone_flags(flags)
    if len(machine.tasks) >= machine.sysctl.threads_max:  # --max-procs, or less if root wrote less since
        raise Errno(EAGAIN)
    uid = current.cred.uid
    if uid != 0 and current.cred.euid != 0:
        nproc = current.rlimits[RLIMIT_NPROC][0] if current.rlimits is not None else machine.limits.nproc
        if sum(1 for t in machine.tasks.values() if t.cred.uid == uid) >= nproc:
            raise Errno(EAGAIN)
    if current.policy == SCHED_DEADLINE and not current.sched_reset_on_fork:
        raise Errno(EAGAIN)  # sched_fork: a deadline task's bandwidth is its own, no child may share it
    cred = current.cred.copy()
    if flags & CLONE_NEWUSER:  # copy_creds: the child's credentials in a new user namespace
        check_new_user_ns(current.cred, chrooted(current.fs.root, machine.fs.namespace(current).root.root))
        enter_new_user_ns(cred)
        charge_for(machine.ucounts, cred.user_ns, current.cred.user_ns, current.cred.euid, "user")
    if flags & NAMESPACES & ~CLONE_NEWUSER:
        if not current.cred.ns_capable(cred.user_ns, CAP_SYS_ADMIN):
            raise Errno(EPERM)  # copy_namespaces: over the user namespace the child will be in
        if flags & ABSENT_NAMESPACES:
            raise Errno(EINVAL)  # create_new_namespaces: a kind this kernel is built without (kernel/nsproxy.py)
        if flags & (CLONE_NEWIPC | CLONE_SYSVSEM) == CLONE_NEWIPC | CLONE_SYSVSEM:
            raise Errno(EINVAL)  # a new IPC namespace cannot share the undo list of the old one's semaphores
    nsproxy = copy_namespaces(current.nsproxy, flags, cred.user_ns, machine.ucounts, current.cred.euid,
                              current.pid_ns)
    if nsproxy.time_for_children is not nsproxy.time and not flags & CLONE_VM:
        # timens_on_fork: a child with memory of its own enters its creator's time_for_children; one
        # sharing the memory (a thread, vfork) stays with its vvar page, and enters it at exec.
        nsproxy = nsproxy.replaced(time=nsproxy.time_for_children)
    mnt_ns = machine.fs.namespace(current).copy(machine.ram) if flags & CLONE_NEWNS else None
    if mnt_ns is not None:
        charge_for(machine.ucounts, mnt_ns, cred.user_ns, current.cred.euid, "mnt")
    if flags & CLONE_SETTLS and tls >= abi.TASK_SIZE_MAX:
        raise Errno(EPERM)  # copy_thread's ARCH_SET_FS: a user address only
    if not flags & CLONE_VM and not current.mm.ram_holds_areas(len(current.mm.vmas)):
        raise Errno(ENOMEM)
    if not flags & CLONE_VM and current.mm.largest_accounted() > machine.ram.size:
        raise Errno(ENOMEM)  # dup_mmap: an accounted area's commit, charged again, is more than RAM
    if not flags & CLONE_FILES and not current.files.copy_fits():
        raise Errno(ENOMEM)
    # The descriptors first: if they cannot be copied nothing else exists yet, and
    # if the task cannot be made they go back, so no task is left half made.
    files = current.files if flags & CLONE_FILES else current.files.copy()
    group = current.group if flags & CLONE_THREAD else None
    mm: Mm | None = current.mm if flags & CLONE_VM else None
    try:
        mm = mm or current.mm.copy()
        pid_ns = current.pid_ns if flags & CLONE_THREAD else nsproxy.pid_for_children
        child = spawn(machine, None, mm, group, (pid_ns, alloc_upid(machine, pid_ns, set_tid, current.cred)))
    except BaseException as exc:
        if files is not current.files:
            files.close_all()
        if mm is not None and mm is not current.mm:
            mm.destroy()  # the copy made for a task that could not be
        if isinstance(exc, OutOfMemory):
            raise Errno(ENOMEM) from None
        raise
    if flags & CLONE_FILES:
        files.users += 1
    if flags & CLONE_VM:
        current.mm.users += 1
    child.files = files
    child.fs = current.fs if flags & CLONE_FS else current.fs.copy()
    if mnt_ns is not None:
        child.fs.mnt_ns = mnt_ns
    child.nsproxy = nsproxy
    if child.pid_ns.level > 0 and child.upid[-1] == 1 and not flags & CLONE_THREAD:
        child.pid_ns.child_reaper = child.group  # is_child_reaper: the namespace's init
    if nsproxy.time is not current.nsproxy.time:
        join_vvar(machine, child, nsproxy.time)  # timens_commit: its offsets frozen, its vvar page mapped
    child.sighand = current.sighand if flags & CLONE_SIGHAND else current.sighand.copy()
    if flags & CLONE_CLEAR_SIGHAND:
        child.sighand.exec()  # handlers back to default; ignored signals stay ignored
    child.cred = cred
    keys.forked(current, child)  # the session keyring and request_key's default go with the credentials
    syscall_work.forked(current, child)  # seccomp's mode and filters
    for name in ("exe", "exe_file", "comm", "arg_start", "arg_end", "nice", "dumpable", "personality",
                 "timer_slack_ns", "no_new_privs", "notsc"):
        setattr(child, name, getattr(current, name))
    child.policy, child.rt_priority = current.policy, current.rt_priority
    if current.sched_reset_on_fork:  # sched_fork: the child starts over as a plain task
        if current.policy in RT_POLICIES or current.policy == SCHED_DEADLINE:
            child.policy, child.rt_priority, child.nice = SCHED_NORMAL, 0, 0
        child.nice = max(child.nice, 0)
    child.default_timer_slack_ns = current.timer_slack_ns
    child.forked_no_exec = True  # copy_process: the creator's slack is the default
    child.io = current.io if flags & CLONE_IO else IoContext(current.io.ioprio)  # copy_io
    if flags & CLONE_SYSVSEM:
        current.sem_undo = current.sem_undo or SemUndoList()  # copy_semundo: one list, shared from now on
        child.sem_undo = current.sem_undo
    if flags & CLONE_THREAD:
        child.exit_signal = -1  # nobody is told of a thread's end: it is released at once
    else:
        # CLONE_PARENT: a sibling of the caller's process, which then learns of its end as of the caller's.
        child.parent = current.parent if flags & CLONE_PARENT else current
        if child.parent is not None:
            child.parent.children.append(child)
        child.exit_signal = current.group.leader.exit_signal if flags & CLONE_PARENT else exit_signal
        child.pgid, child.sid = current.pgid, current.sid
        child.rlimits = None if current.rlimits is None else list(current.rlimits)
        if child.rlimits is not None and child.rlimits[RLIMIT_CPU] != (RLIM_INFINITY, RLIM_INFINITY):
            update_rlimit_cpu(child)  # posix_cpu_timers_init_group: the child's own time counts from 0
    # A thread sharing the memory but not waiting for the child (not vfork) must not share its signal stack.
    child.signals = current.signals.forked(keep_altstack=flags & (CLONE_VM | CLONE_VFORK) != CLONE_VM)
    child.fpu = fpu_state(machine, current)
    regs = current.pt_regs()
    regs["ax"] = 0
    child.set_pt_regs(regs)
    child.fs_base = tls if flags & CLONE_SETTLS else machine.cpu.reg(x86.UC_X86_REG_FS_BASE)
    child.gs_base = machine.cpu.msr(abi.MSR_KERNEL_GS_BASE)  # the user's, parked by swapgs
    return child


def mm_release(machine: Machine, task: Task) -> None:
    """What a thread leaving its address space (exit, exec) does in it (mm_release): futex's part
    (robust list, CLONE_CHILD_CLEARTID's word zeroed and woken for the threads still using the memory),
    then a vfork parent may go on."""
    futex.mm_release(task)  # the robust list, PI locks, CLONE_CHILD_CLEARTID's zero and its waiter's wake
    task.vfork_parent = None


def mm_put(machine: Machine, mm: Mm) -> None:
    """One user of `mm` fewer (mmput); the last one destroys it, once its page tables are out of CR3."""
    mm.users -= 1
    if mm.users > 0:
        return
    if machine.cpu.reg(x86.UC_X86_REG_CR3) == mm.cr3:
        mm.close_areas()  # while it is the one running: a System V segment records who detached last
        machine.dead_mms.append(mm)  # in use until the cpu stops
    else:
        mm.destroy()  # killed from outside (SIGKILL, the OOM killer): its RAM comes back at once


def do_group_exit(machine: Machine, task: Task, status: ExitStatus) -> None:
    """exit_group and death by a fatal signal: every thread of the process ends with `status`."""
    group = task.group
    if group.group_exit is None and not group.ended:
        group.group_exit = status
    for thread in list(group.threads):
        if thread is not task:
            do_exit(machine, thread, group.group_exit or status)
    do_exit(machine, task, group.group_exit or status)


def do_exit(machine: Machine, task: Task, status: ExitStatus) -> None:
    """One thread ends; with the process's last thread the process becomes a zombie for its parent.

    A thread other than the leader is released at once. The leader stays,
    a zombie, until the last thread is gone: then its status becomes the
    process's (exit_group's or a fatal signal's, else the last thread's
    exit code) and its parent is told.
    """
    if task.status is not None:
        return
    task.status = status
    if machine.observer is not None:
        machine.observer.exited(task, status)
    task.sleep = None
    task.stopped = False
    if task.tracer is not None and not ptrace.keeps_zombie(task):
        ptrace.unlink(task)  # its tracer lets go; its parent hears of its end
    for child in list(task.ptraced):
        if child.group.ended:
            release_traced_zombie(machine, child)  # __ptrace_detach of a zombie: its parent's turn now
    ptrace.exit_ptrace(task)
    if task.group.threads == [task]:
        acct.process_ended(machine, task, task.group.group_exit or status)  # group_dead: acct_process
    task.files.release()
    mm_release(machine, task)
    # The last user of the memory leaves: what it held resident is the process's maxrss (KiB).
    rss = task.mm.present_user_pages() * abi.PAGE_SIZE // 1024 if task.mm.users == 1 else 0
    cputime.thread_ended(task, rss)
    mm_put(machine, task.mm)
    task.exe_file = None  # mm->exe_file goes with the mm: a zombie holds no file (nor its page cache)
    if machine.fpu_owner is task:
        machine.fpu_owner = None
    group = task.group
    group.threads.remove(task)
    if group.ended:
        pid1.zap(machine, group)
    # forget_original_parent: a live thread of the process takes over the children, else the nearest
    # subreaper ancestor's, else PID 1's (either told of a zombie among them).
    heir = pid1.new_parent(machine, task)
    for child in task.children:
        child.parent = heir
        if heir is not None:
            heir.children.append(child)
            if heir.group is not group:
                reparent_leader(machine, child)
        elif child.group.ended:
            reap(machine, child)  # orphans: nobody waits for them
        if group.ended:
            signals.kill_orphaned_pgrp(child, task)
        if not child.group.ended and child.pdeath_signal:
            sig = child.pdeath_signal
            signals.send(child, sig, signals.siginfo(sig, SI_USER, pid_nr_ns(task.pid, child.pid_ns)))
    task.children = []
    if group.ended:
        signals.kill_orphaned_pgrp(group.leader, None)
    if not task.is_leader:
        release(machine, task)
    if group.ended:
        group.timers.delete_all()
        task.nsproxy.ipc.exit_sem(group, tgid_vnr(task))  # the process's SEM_UNDO adjustments
        # synchronize_group_exit: without an exit_group, the last thread's end is the process's.
        group.group_exit = group.group_exit or status
        leader = group.leader
        leader.status = group.group_exit
        if machine.init is not None and leader.tid == machine.init.program_pid:
            machine.init.program_status = leader.status  # how the init's program ended, for `run` to report
        if leader.tracer is not None:
            notify_parent(machine, leader, leader.status, leader.tracer)  # the tracer sees it first
        elif leader.parent is None or notify_parent(machine, leader, leader.status):
            reap(machine, leader)
    if task is machine.current:
        machine.cpu.stop()


def reparent_leader(machine: Machine, child: Task) -> None:
    """An orphan now PID 1's: it tells its new parent of its end with SIGCHLD, and a zombie does so now."""
    child.exit_signal = SIGCHLD
    if child.group.ended and child.status is not None and notify_parent(machine, child, child.status):
        reap(machine, child)


def notify_parent(machine: Machine, task: Task, status: ExitStatus, tracer: Task | None = None) -> bool:
    """The exit signal to the parent (do_notify_parent), or SIGCHLD to a tracer that is not the parent, which
    sees the end first; True when the parent asked for no zombies."""
    parent = tracer or task.parent
    assert parent is not None
    action = parent.sighand.actions[SIGCHLD]
    code, value = (CLD_EXITED, status.code or 0) if status.signal is None else (CLD_KILLED, status.signal)
    code = CLD_DUMPED if status.core else code
    sig = SIGCHLD if tracer is not None else task.exit_signal
    if sig > 0:
        usage = cputime.group_usage(task.group)  # nsec_to_clock_t of the process's times
        ticks = (usage.utime // TICK_NS, usage.stime // TICK_NS)
        # The child's pid as its parent's pid namespace numbers it.
        signals.send(parent, sig, signals.siginfo(sig, code, pid_nr_ns(task.pid, parent.pid_ns), task.cred.uid, value,
                                                  ticks))
    return sig == SIGCHLD and (action.handler == SIG_IGN or bool(action.flags & SA_NOCLDWAIT))


def release_traced_zombie(machine: Machine, child: Task) -> None:
    """A tracer saw (or left) the end of a tracee it did not fork: the tracee's parent hears of it now."""
    ptrace.unlink(child)
    status = child.status
    assert status is not None
    if child.parent is None or notify_parent(machine, child, status):
        reap(machine, child)


def reap(machine: Machine, task: Task) -> None:
    """A zombie process goes: its leader's task and kernel stack."""
    if task.parent is not None:
        task.parent.children.remove(task)
    release(machine, task)


def release(machine: Machine, task: Task) -> None:
    """A dead task leaves the table (release_task); its kernel stack goes once it is not in use."""
    if machine.tasks.get(task.tid) is task:
        del machine.tasks[task.tid]
        free_upid(task.pid_ns, task.upid)
    if task is machine.current:
        machine.dead_tasks.append(task)  # its kernel stack is the one in use
    else:
        free_kernel_stack(machine, task)


def de_thread(machine: Machine, task: Task) -> None:
    """exec in a multi-threaded process: the other threads die, and `task` becomes the leader, with its pid."""
    group = task.group
    for thread in list(group.threads):
        if thread is not task:
            do_exit(machine, thread, ExitStatus(None, SIGKILL, "SIGKILL (exec in another thread)"))
    leader = group.leader
    if leader is task:
        return
    # The leader is a zombie nobody waits for: `task` takes its place, its pid, and its parent's list entry.
    leader.upid, task.upid = task.upid, leader.upid  # the leader's numbers stay, `task`'s own go with it
    release(machine, leader)
    del machine.tasks[task.tid]
    task.tid = leader.tid
    machine.tasks[task.tid] = task
    group.leader = task
    parent = group.parent
    if parent is not None:
        parent.children[parent.children.index(leader)] = task


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
