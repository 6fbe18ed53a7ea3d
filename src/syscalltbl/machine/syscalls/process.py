"""Processes and threads: identity, fork/vfork/clone/clone3, execve, exit and exit_group, wait4, priority
(kernel/*.c)."""

from __future__ import annotations

import contextlib
import struct

from syscalltbl.generators.x86_64.abi import PAGE_SIZE, TASK_SIZE_MAX
from syscalltbl.machine.kernel import exec, keys, proc, ptrace
from syscalltbl.machine.kernel.binprm import ExecFile, open_exec, open_exec_fd
from syscalltbl.machine.kernel.pidfd import open_pidfd, reserve_pidfd
from syscalltbl.machine.kernel.pidns import find_task_vpid, find_vpid, pid_vnr, tgid_vnr, tid_vnr
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.uaccess import copy_from_user, copy_to_user, strncpy_from_user
from syscalltbl.machine.kernel.wait import Sleep
from syscalltbl.machine.syscalls import pgrp
from syscalltbl.machine.syscalls.childwait import candidates, child_usage, find_event, report
from syscalltbl.machine.syscalls.fileargs import base_dir as _base
from syscalltbl.machine.syscalls.fileargs import s32, user_path, user_path_maybe_empty
from syscalltbl.machine.syscalls.registry import syscall
from syscalltbl.machine.uapi.capability import CAP_SYS_NICE
from syscalltbl.machine.uapi.errno import E2BIG, EACCES, ECHILD, EINVAL, EPERM, ESRCH, Errno
from syscalltbl.machine.uapi.fcntl import AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW
from syscalltbl.machine.uapi.misc import MAX_ARG_STRLEN
from syscalltbl.machine.uapi.pidfd import PIDFD_THREAD
from syscalltbl.machine.uapi.resource import PRIO_PGRP, PRIO_PROCESS, PRIO_USER, RLIMIT_NICE
from syscalltbl.machine.uapi.sched import (
    CLONE3_ARGS_SIZE_VER0,
    CLONE3_ARGS_SIZE_VER2,
    CLONE_CHILD_CLEARTID,
    CLONE_CHILD_SETTID,
    CLONE_CLEAR_SIGHAND,
    CLONE_DETACHED,
    CLONE_INTO_CGROUP,
    CLONE_NEWTIME,
    CLONE_PARENT,
    CLONE_PARENT_SETTID,
    CLONE_PIDFD,
    CLONE_SIGHAND,
    CLONE_THREAD,
    CLONE_VFORK,
    CLONE_VM,
    CSIGNAL,
    LEGACY_CLONE_FLAGS,
    MAX_PID_NS_LEVEL,
)
from syscalltbl.machine.uapi.signal import NSIG, SIGCHLD
from syscalltbl.machine.uapi.timers import WEXITED
from syscalltbl.machine.uapi.wait import WAIT4_OPTIONS, WNOHANG

ARG_MAX = 2 << 20


@syscall("sys_getpid")
def sys_getpid(t: Task, _a0: int, _a1: int, _a2: int, _a3: int, _a4: int, _a5: int) -> int:
    # The dispatch's six arguments as parameters, not *_: CPython then calls it as a specialized exact-args
    # call, without making a tuple of them (0.07 us of a getpid's 1.4, benchmarks/runtime_getpid.py).
    return tgid_vnr(t)


@syscall("sys_getppid")
def sys_getppid(t: Task, *_: int) -> int:
    """The parent's pid in the caller's namespace: 0 for a parent outside it (a namespace's init's)."""
    return t.ppid if t.pid_ns.level == 0 else pid_vnr(t, t.ppid)


@syscall("sys_gettid")
def sys_gettid(t: Task, *_: int) -> int:
    return tid_vnr(t)


@syscall("sys_exit")
def sys_exit(t: Task, code: int, *_: int) -> int:
    if ptrace.exit_event(t, code):
        raise Sleep(lambda: True)  # stopped for the tracer first; the call runs again once resumed
    t.exit_thread(code)  # the calling thread; the process ends with its last one
    return 0


@syscall("sys_exit_group")
def sys_exit_group(t: Task, code: int, *_: int) -> int:
    if ptrace.exit_event(t, code):
        raise Sleep(lambda: True)  # stopped for the tracer first; the call runs again once resumed
    t.exit(code)
    return 0


# -- creating processes and threads --


def _clone(
    t: Task, flags: int, exit_signal: int, stack: int, parent_tid: int, child_tid: int, tls: int, pidfd: int,
    set_tid: tuple[int, ...] = (),
) -> int:
    """kernel_clone: the new task, told its tid where asked, a pidfd for it (CLONE_PIDFD), and the vfork wait.
    The caller is told the tid its own pid namespace knows, the child (CLONE_CHILD_SETTID) its own."""
    if flags & CLONE_PIDFD and flags & CLONE_PARENT_SETTID and pidfd == parent_tid:
        raise Errno(EINVAL)  # legacy clone returns the pidfd where the tid would go
    if flags & CLONE_PIDFD:
        proc.check_clone_flags(flags)  # its EINVALs before the pidfd's EMFILE and EFAULT, as copy_process orders them
        reserve_pidfd(t, pidfd)
    child = proc.copy_process(t.machine, t, flags, exit_signal, tls, set_tid)
    ptrace.forked(t, child, flags, exit_signal)
    if flags & CLONE_PIDFD:
        fd = open_pidfd(t, child, PIDFD_THREAD if flags & CLONE_THREAD else 0)
        copy_to_user(t.mm, pidfd, struct.pack("<i", fd))  # writable: reserve_pidfd wrote there
    if stack:
        regs = child.pt_regs()
        regs["sp"] = stack
        child.set_pt_regs(regs)
    vtid = pid_vnr(t, child.tid)
    # Both writes ignore a bad pointer, as Linux's put_user calls there do (the child's is schedule_tail's).
    if flags & CLONE_CHILD_SETTID:
        with contextlib.suppress(Errno):
            copy_to_user(child.mm, child_tid, struct.pack("<i", child.upid[-1]))
    if flags & CLONE_PARENT_SETTID:
        with contextlib.suppress(Errno):
            copy_to_user(t.mm, parent_tid, struct.pack("<i", vtid))
    if flags & CLONE_CHILD_CLEARTID:
        child.clear_child_tid = child_tid
    if flags & CLONE_VFORK:
        # The parent's call is complete, but it may only return once the
        # child has exec'd or exited: with CLONE_VM it runs on our memory meanwhile.
        child.vfork_parent = t
        t.sleep = Sleep(lambda: child.vfork_parent is None, restart=False)
        t.cpu.stop()
    return vtid


@syscall("sys_clone")
def sys_clone(t: Task, flags: int, newsp: int, parent_tid: int, child_tid: int, tls: int, *_: int) -> int:
    # The old call's flags are 32 bits, their low byte the exit signal; higher bits are not looked at.
    flags &= LEGACY_CLONE_FLAGS
    return _clone(t, flags & ~CSIGNAL, flags & CSIGNAL, newsp, parent_tid, child_tid, tls, parent_tid)


@syscall("sys_clone3")
def sys_clone3(t: Task, uargs: int, size: int, *_: int) -> int:
    """clone3(struct clone_args *, size): sizes of every version Linux knew, a longer one's tail zero."""
    if size > PAGE_SIZE:
        raise Errno(E2BIG)
    if size < CLONE3_ARGS_SIZE_VER0:
        raise Errno(EINVAL)
    raw = copy_from_user(t.mm, uargs, size)
    if any(raw[CLONE3_ARGS_SIZE_VER2:]):
        raise Errno(E2BIG)  # a newer struct asking for what this kernel does not know
    words = struct.unpack("<11Q", raw[:CLONE3_ARGS_SIZE_VER2].ljust(CLONE3_ARGS_SIZE_VER2, b"\0"))
    flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid, set_tid_size, cgroup = words
    if set_tid_size > MAX_PID_NS_LEVEL or (not set_tid and set_tid_size) or (set_tid and not set_tid_size):
        raise Errno(EINVAL)
    if exit_signal & ~CSIGNAL or exit_signal > NSIG:
        raise Errno(EINVAL)
    if flags & CLONE_INTO_CGROUP and (cgroup > 0x7FFFFFFF or size < CLONE3_ARGS_SIZE_VER2):
        raise Errno(EINVAL)
    # clone3_args_valid
    if flags & ~(LEGACY_CLONE_FLAGS | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP):
        raise Errno(EINVAL)
    if flags & (CLONE_DETACHED | (CSIGNAL & ~CLONE_NEWTIME)):
        raise Errno(EINVAL)
    if flags & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND) == CLONE_SIGHAND | CLONE_CLEAR_SIGHAND:
        raise Errno(EINVAL)
    if flags & (CLONE_THREAD | CLONE_PARENT) and exit_signal:
        raise Errno(EINVAL)
    if (stack == 0) != (stack_size == 0) or stack + stack_size > TASK_SIZE_MAX:
        raise Errno(EINVAL)  # clone3_stack_valid: both or neither, and all of it user memory
    # set_tid: the pid the child is to have in its namespace, then in each above (copy_clone_args_from_user).
    tids = struct.unpack(f"<{set_tid_size}i", copy_from_user(t.mm, set_tid, 4 * set_tid_size)) if set_tid_size else ()
    # The stack grows down: the child starts at its top.
    return _clone(t, flags, exit_signal, stack + stack_size if stack else 0, parent_tid, child_tid, tls, pidfd,
                  tids)


@syscall("sys_fork")
def sys_fork(t: Task, *_: int) -> int:
    return _clone(t, 0, SIGCHLD, 0, 0, 0, 0, 0)


@syscall("sys_vfork")
def sys_vfork(t: Task, *_: int) -> int:
    return _clone(t, CLONE_VM | CLONE_VFORK, SIGCHLD, 0, 0, 0, 0, 0)


def _strings(t: Task, array: int) -> list[bytes]:
    """A NULL-terminated array of string pointers (argv, envp)."""
    out: list[bytes] = []
    total = 0
    while array:
        (ptr,) = struct.unpack("<Q", copy_from_user(t.mm, array + 8 * len(out), 8))
        if not ptr:
            break
        s = strncpy_from_user(t.mm, ptr, MAX_ARG_STRLEN)
        total += len(s) + 9
        if len(s) >= MAX_ARG_STRLEN or total > ARG_MAX:
            raise Errno(E2BIG)
        out.append(s)
    return out


@syscall("sys_execve")
def sys_execve(t: Task, path: int, argv: int, envp: int, *_: int) -> int:
    name = user_path(t, path)
    exec.execve(t.machine, t, name, _strings(t, argv), _strings(t, envp))
    _exec_done(t)
    return 0


def _exec_done(t: Task) -> None:
    pgrp.exec_done(t)
    keys.exec_done(t)  # exec's credentials drop the thread and process keyrings


#: execveat's flags (AT_EXECVE_CHECK, Linux 6.14's, is not on this machine: EINVAL as before it).
EXECVEAT_FLAGS = AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW


@syscall("sys_execveat")
def sys_execveat(t: Task, dirfd: int, path: int, argv: int, envp: int, flags: int, *_: int) -> int:
    name = user_path_maybe_empty(t, path, flags)  # getname_uflags: "" only with AT_EMPTY_PATH
    dirfd, flags = s32(dirfd), s32(flags)
    if flags & ~EXECVEAT_FLAGS:
        raise Errno(EINVAL)  # do_open_execat
    file = _open_execat(t, dirfd, name, follow=not flags & AT_SYMLINK_NOFOLLOW)
    # alloc_bprm: a name relative to a descriptor is passed on (AT_EXECFN, a script's path) through
    # /dev/fd, which the program can open only if the descriptor stays open across the exec.
    inaccessible = False
    if dirfd == AT_FDCWD or name.startswith(b"/"):
        filename = name
    else:
        filename = b"/dev/fd/%d/%s" % (dirfd, name) if name else b"/dev/fd/%d" % dirfd
        inaccessible = t.files.fds[dirfd][1]  # BINPRM_FLAGS_PATH_INACCESSIBLE: close-on-exec
    exec.execve_file(t.machine, t, file, filename, _strings(t, argv), _strings(t, envp),
                     path_inaccessible=inaccessible, comm_from_file=not name)
    _exec_done(t)
    return 0


def _open_execat(t: Task, dirfd: int, name: bytes, *, follow: bool) -> ExecFile:
    """do_open_execat: `name` from `dirfd`, or with an empty name (AT_EMPTY_PATH) the descriptor's own file."""
    if name:
        return open_exec(t.machine, t, name, _base(t, dirfd, name), follow=follow)
    if dirfd == AT_FDCWD:
        raise Errno(EACCES)  # the working directory: no regular file
    return open_exec_fd(t, t.files.get(dirfd))


# -- ending them --


@syscall("sys_wait4")
def sys_wait4(t: Task, pid: int, wstatus: int, options: int, rusage: int, *_: int) -> int:
    options &= 0xFFFFFFFF  # an int: __WCLONE is its sign bit
    if options & ~WAIT4_OPTIONS:
        raise Errno(EINVAL)
    if pid == -(1 << 31):
        raise Errno(ESRCH)  # -INT_MIN is no process group
    pid = s32(pid)
    options |= WEXITED  # kernel_wait4: WUNTRACED is WSTOPPED's bit
    if not candidates(t, pid, options):
        raise Errno(ECHILD)
    found = find_event(t, pid, options)
    if found is None:
        if options & WNOHANG:
            return 0
        # Looked at afresh: another thread may fork a child that ends first; and the call runs again (ECHILD)
        # once no child is left to wait for, as when a parent ignoring SIGCHLD has its children reaped at exit.
        raise Sleep(lambda: not candidates(t, pid, options) or find_event(t, pid, options) is not None)
    status, usage = found.wait_status, child_usage(found.child) if rusage else b""
    pid = pid_vnr(t, found.child.tid)  # a tracee thread's own id, a process's its pid; before the zombie goes
    report(t, found, options)  # before the copies, which may fault: the child is gone then, as on Linux
    if wstatus:
        copy_to_user(t.mm, wstatus, struct.pack("<i", status))
    if usage:
        copy_to_user(t.mm, rusage, usage)
    return pid


# -- ids and scheduling --


@syscall("sys_set_tid_address")
def sys_set_tid_address(t: Task, tidptr: int, *_: int) -> int:
    t.clear_child_tid = tidptr
    return tid_vnr(t)


def _task(t: Task, pid: int) -> Task:
    pid = s32(pid)
    if pid == 0:
        return t
    found = find_task_vpid(t, pid)
    if found is None or found.status is not None:
        raise Errno(ESRCH)
    return found


@syscall("sys_getpgid")
def sys_getpgid(t: Task, pid: int, *_: int) -> int:
    return pid_vnr(t, _task(t, pid).pgid)  # 0 for a group outside the caller's pid namespace


@syscall("sys_getpgrp")
def sys_getpgrp(t: Task, *_: int) -> int:
    return pid_vnr(t, t.pgid)


@syscall("sys_getsid")
def sys_getsid(t: Task, pid: int, *_: int) -> int:
    return pid_vnr(t, _task(t, pid).sid)


def _prio_targets(t: Task, which: int, who: int) -> list[Task]:
    who = s32(who)
    live = [x for x in t.machine.tasks.values() if x.status is None]
    if which == PRIO_PROCESS:
        tid = find_vpid(t, who) if who else t.tid
        found = [x for x in live if x.tid == tid]  # a thread's own nice, as Linux keeps it
    elif which == PRIO_PGRP:
        pgid = find_vpid(t, who) if who else t.pgid
        found = [x for x in live if pgid and x.pgid == pgid]
    elif which == PRIO_USER:
        found = [x for x in live if x.cred.uid == (who or t.cred.uid)]
    else:
        raise Errno(EINVAL)
    if not found:
        raise Errno(ESRCH)
    return found


@syscall("sys_getpriority")
def sys_getpriority(t: Task, which: int, who: int, *_: int) -> int:
    # The raw call answers 20 - nice (1..40) so that no answer looks like an error.
    return max(20 - x.nice for x in _prio_targets(t, which, who))


@syscall("sys_setpriority")
def sys_setpriority(t: Task, which: int, who: int, niceval: int, *_: int) -> int:
    nice = min(max(niceval, -20), 19)
    error = 0
    for target in _prio_targets(t, which, who):
        # set_one_prio: each target is tried; the last refusal is the answer.
        c, pc = t.cred, target.cred
        if c.euid not in (pc.uid, pc.euid) and not c.capable(CAP_SYS_NICE):
            error = EPERM  # another user's process
        elif nice < target.nice and not can_nice(t, target, nice):
            error = EACCES  # a raise of priority beyond RLIMIT_NICE
        else:
            target.nice = nice
    if error:
        raise Errno(error)
    return 0


def can_nice(t: Task, target: Task, nice: int) -> bool:
    """can_nice: a nice value whose 20 - nice is within the target's RLIMIT_NICE, or the caller's CAP_SYS_NICE."""
    limit = target.rlimits[RLIMIT_NICE][0] if target.rlimits is not None else 0
    return 20 - nice <= limit or t.cred.capable(CAP_SYS_NICE)


@syscall("sys_sched_yield")
def sys_sched_yield(t: Task, *_: int) -> int:
    t.sleep = Sleep(lambda: True, restart=False)  # back of the run queue
    t.cpu.stop()
    return 0
