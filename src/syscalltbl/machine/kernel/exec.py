"""exec: running a file of the machine (fs/exec.c), for execve and for the first task.

The file's format decides how it runs: an ELF is mapped from its own page
cache (binfmt_elf.py), a #! script hands the exec on to its interpreter
(binfmt_script.py), up to MAX_BINFMT_DEPTH times; anything else is ENOEXEC.
The new program is loaded into a new address space first, so that every
error leaves the caller as it was; only then does the task become it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from syscalltbl.machine.hw.fpu import INITIAL
from syscalltbl.machine.hw.physmem import OutOfMemory
from syscalltbl.machine.kernel import exec_stack, proc, ptrace
from syscalltbl.machine.kernel.binfmt_elf import Loaded, load_elf_binary
from syscalltbl.machine.kernel.binfmt_script import load_script
from syscalltbl.machine.kernel.binprm import Binprm, ExecFile, PastNoReturn, may_exec, open_exec
from syscalltbl.machine.kernel.cred import exec_creds
from syscalltbl.machine.kernel.exec_stack import InitialStack
from syscalltbl.machine.kernel.mm import VDSO_BASE, VVAR_BASE, Mm
from syscalltbl.machine.kernel.pid1 import INIT_PATH, Init, Pid1, init_image
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.timens import vvar_frame_of
from syscalltbl.machine.kernel.vfs import Directory, HostFile, OpenFile, Regular
from syscalltbl.machine.uapi.elf import BINPRM_BUF_SIZE, MAX_BINFMT_DEPTH
from syscalltbl.machine.uapi.errno import EACCES, ELOOP, ENOEXEC, ENOMEM, Errno
from syscalltbl.machine.uapi.personality import READ_IMPLIES_EXEC
from syscalltbl.machine.uapi.signal import SIGCHLD, SIGSEGV

if TYPE_CHECKING:
    from syscalltbl.machine.machine import Machine


class CannotExec(ValueError):
    """The first program could not be started: `errno` as execve would have returned it, and why."""

    def __init__(self, errno: int, message: str) -> None:
        super().__init__(message)
        self.errno = errno


def exec_binprm(machine: Machine, task: Task, bprm: Binprm, mm: Mm) -> Loaded:
    """Find the format of bprm's file and load it into `mm`, following #! rewrites (exec_binprm)."""
    for _depth in range(MAX_BINFMT_DEPTH + 1):
        bprm.prepare()
        try:
            return load_elf_binary(machine, task, bprm, mm)
        except Errno as exc:
            if exc.errno != ENOEXEC or isinstance(exc, PastNoReturn):
                raise
        load_script(machine, task, bprm, BINPRM_BUF_SIZE)  # ENOEXEC too: no format knows the file
        assert bprm.interpreter is not None
        bprm.file, bprm.interpreter = bprm.interpreter, None
    raise Errno(ELOOP)


def load(machine: Machine, task: Task, bprm: Binprm) -> tuple[Mm, Loaded, InitialStack]:
    """A new address space holding bprm's program, its stack, the vDSO and vvar pages: Errno on failure,
    with nothing of it left behind."""
    try:
        mm = Mm(machine.ram, machine.kmm)
    except OutOfMemory:
        raise Errno(ENOMEM) from None
    mm.dump_filter = task.mm.dump_filter  # mm_init: MMF_INIT_MASK's dump filter goes with the new program
    try:
        # The page of the time namespace the new program runs in (exec_task_namespaces: the children's).
        mm.map_shared(VVAR_BASE, [vvar_frame_of(machine, task.nsproxy.time_for_children)], "[vvar]")
        mm.map_shared(VDSO_BASE, machine.vdso_frames, "[vdso]")
        # The stack first, as setup_arg_pages comes before the segments: a segment or an interpreter
        # asking for its place goes elsewhere (or fails), never under it.
        mm.map_stack()
        loaded = exec_binprm(machine, task, bprm, mm)
        # bprm_creds_from_file, from the file that runs (a script's interpreter: set-id scripts are not).
        inode = bprm.file.inode
        mode = inode.mode & ~(stat.S_ISUID | stat.S_ISGID) if task.no_new_privs else inode.mode  # bprm_fill_uid
        bprm.cred, bprm.secure = exec_creds(bprm.cred, mode, inode.uid, inode.gid)
        if loaded.executable_stack:
            mm.map_stack(executable=True)  # PT_GNU_STACK asked for it (nothing is on it yet)
        stack = exec_stack.build(machine, mm, loaded, bprm.cred, bprm.argv, bprm.envp, bprm.execfn,
                                 secure=bprm.secure)
    except OutOfMemory:
        mm.destroy()
        raise Errno(ENOMEM) from None
    except BaseException:
        mm.destroy()
        raise
    return mm, loaded, stack


def _start_thread(task: Task, loaded: Loaded, stack: InitialStack) -> None:
    task.start_thread(loaded.entry, stack.sp)
    task.arg_start, task.arg_end = stack.arg_start, stack.arg_end


def execve(machine: Machine, task: Task, path: bytes, argv: Sequence[bytes], envp: Sequence[bytes]) -> None:
    """Replace the running task's program; it restarts at the new entry point."""
    execve_file(machine, task, open_exec(machine, task, path), path, argv, envp)


def execve_file(machine: Machine, task: Task, file: ExecFile, filename: bytes, argv: Sequence[bytes],
                envp: Sequence[bytes], *, path_inaccessible: bool = False, comm_from_file: bool = False) -> None:
    """Replace the running task's program with `file`, opened for exec and named `filename` (execveat's
    /dev/fd/N/NAME for one found from a descriptor). `path_inaccessible`: that name is gone once the
    program runs (a close-on-exec descriptor's). `comm_from_file`: the task is named after the file that runs,
    not after `filename` (execveat's AT_EMPTY_PATH)."""
    # An empty argv gets an empty argv[0], as Linux 5.18 on gives it: programs may assume one.
    bprm = Binprm(file, filename, list(argv) or [b""], list(envp), task.cred,
                  path_inaccessible=path_inaccessible, comm_from_file=comm_from_file)
    try:
        new, loaded, stack = load(machine, task, bprm)
    except PastNoReturn:
        # Linux has already thrown the old program away here: the process dies (force_fatal_sig).
        task.kill(SIGSEGV)
        return
    # Past the point of no return: the other threads die, this one becomes the process (de_thread),
    # and lets go of the old memory (which a vfork parent, or a CLONE_VM sibling, may keep using).
    old_tid = task.tid  # the thread's own id, before it takes the leader's (PTRACE_EVENT_EXEC's message)
    proc.de_thread(machine, task)
    task.exit_signal = SIGCHLD  # de_thread: a new program tells its parent of its end the usual way
    old = task.mm
    new.thp_disabled = old.thp_disabled  # mm_init: the flags of MMF_INIT_MASK go to the new program's mm
    proc.mm_release(machine, task)
    task.mm = new
    proc.mm_put(machine, old)  # still in CR3 until the cpu stops
    if task.nsproxy.time_for_children is not task.nsproxy.time:
        # exec_task_namespaces: a task that unshared its children's time namespace enters it with its
        # new memory (whose vvar page load mapped), as a child would at fork; its offsets are fixed now.
        task.nsproxy = task.nsproxy.replaced(time=task.nsproxy.time_for_children)
        task.nsproxy.time.frozen_offsets = True
    _start_thread(task, loaded, stack)
    task.exe, task.exe_file = loaded.exe.path, loaded.exe.inode
    task.comm = os.path.basename(bprm.file.path if bprm.comm_from_file else filename)[:15]
    task.cred = bprm.cred  # commit_creds: a set-id program's ids
    if bprm.secure:
        task.pdeath_signal = 0  # begin_new_exec: no signal chosen by the unprivileged caller reaches it
    task.dumpable = 1
    task.personality &= ~READ_IMPLIES_EXEC  # set_personality_64bit
    task.forked_no_exec = False
    if task.files.users > 1:
        # unshare_files: a shared table is copied first, so close-on-exec closes only ours.
        shared, task.files = task.files, task.files.copy()
        shared.release()
    task.files.close_on_exec()
    task.signals.exec()
    task.group.timers.delete_posix()  # exit_itimers: timer_create's go; alarm and setitimer's stay
    task.sighand = task.sighand.copy()  # unshare_sighand: a CLONE_SIGHAND sibling keeps its handlers
    task.sighand.exec()
    proc.set_fpu_state(machine, task, INITIAL)
    task.breakpoints, task.debugreg = None, [0] * 8  # flush_thread: the debug registers go
    ptrace.exec_done(task, old_tid)  # a tracer hears of it
    machine.cpu.stop()  # the scheduler resumes it fresh, on the new page tables


def find_program(machine: Machine, name: bytes, search_path: bytes, cwd: bytes = b"/") -> bytes | None:
    """The path of the executable `name` names in the machine, as execvp looks it up from `cwd`."""
    dirs = [b""] if b"/" in name else [d or b"." for d in search_path.split(b":")]
    for directory in dirs:
        path = os.path.join(cwd, directory, name)
        try:
            # No task yet: nothing under /proc is looked at on the way to a program.
            f = machine.fs.open(cast("Task", None), path, machine.fs.root, 0, 0)
        except (Errno, NotADirectoryError):
            continue
        if isinstance(f.inode, Regular) and f.inode.mode & 0o111:
            return os.path.normpath(path)  # as execvp passes it on: links are exec's to follow
    return None


def start(
    machine: Machine,
    program: str | Path,
    argv: Sequence[str | bytes] | None = None,
    envp: Sequence[str | bytes] = (),
    *,
    exe: bytes | None = None,
    in_machine: bytes | None = None,
    cwd: bytes = b"/",
    pid1: Pid1 = Pid1.BARE,
) -> Task:
    """A first task running `program`, with fds 0-2 on the host's, through the same exec as execve's.

    With Pid1.INIT the first task is the generated init (kernel/pid1.py), which forks the program;
    the program is loaded here once all the same, into an address space thrown away, so that
    CannotExec says why it cannot run. With Pid1.PROGRAM it is the program, as PID 1.

    `program` is a host file, which is also a file of the machine (busybox's
    sh re-executes itself at /proc/self/exe): its own path under the root,
    or else a copy at its host path. `in_machine` instead names a file of the
    machine's own (found on its PATH). `exe` is what /proc/PID/exe shows
    instead; the program then runs from a copy no path of the machine names.
    CannotExec when it cannot run (not a program, its interpreter missing).
    """
    task = proc.spawn(machine)
    for fd, host in enumerate(machine.stdio):
        if host < 0:
            continue  # closed when `run` started (`cat <&-`): EBADF for the program too
        task.files.put(fd, OpenFile(HostFile(host, owned=False), 2, f"/dev/fd/{host}".encode()), False)
    where = machine.fs.lookup(task, cwd, machine.fs.root)
    if not isinstance(where, Directory):
        raise NotADirectoryError(os.fsdecode(cwd))
    task.fs.cwd = where
    args = [os.fsencode(a) for a in (argv if argv is not None else [str(program)])]
    filename = in_machine if in_machine is not None else exe or place(machine, program)
    bprm: Binprm | None = None
    try:
        if in_machine is None and exe is not None:
            file = ExecFile(Regular(Path(program).read_bytes(), stat.S_IMODE(os.stat(program).st_mode)), exe)
            if not may_exec(task.cred, file.inode):
                raise Errno(EACCES)
        else:
            file = open_exec(machine, task, filename)
        bprm = Binprm(file, filename, args or [b""], [os.fsencode(e) for e in envp], task.cred)
        mm, loaded, stack = load(machine, task, bprm)
    except Errno as exc:
        task.files.release()
        task.mm.destroy()
        proc.release(machine, task)  # as if never made
        raise CannotExec(exc.errno, _why(filename, bprm, exc.errno)) from None
    if pid1 is Pid1.INIT:
        mm.destroy()  # it can run: the init's child runs it
        task.fs.cwd = machine.fs.root  # the init's; the child changes to `cwd`
        init = ExecFile(Regular(pid1_image(machine), 0o755), INIT_PATH)
        shown = in_machine if in_machine is not None else os.fsencode(program)
        # The program is the init's first fork: pids are handed out in order at boot.
        machine.init = Init(init.inode, task.pid + 1, shown)
        bprm = Binprm(init, INIT_PATH, [b"init", cwd, filename, *(args or [b""])], bprm.envp, task.cred)
        mm, loaded, stack = load(machine, task, bprm)
        program, exe, in_machine, args = INIT_PATH.decode(), INIT_PATH, None, bprm.argv
    if pid1 is not Pid1.BARE:
        machine.child_reaper = task.group
    machine.foreground_pgid = task.pgid
    empty, task.mm = task.mm, mm
    empty.destroy()  # the address space spawn made: never run
    _start_thread(task, loaded, stack)
    task.exe = exe if exe is not None else loaded.exe.path
    task.exe_file = loaded.exe.inode
    task.comm = os.path.basename(os.fsencode(program))[:15]  # as the program was named, links not followed
    # A stand-in (the Python runner's) is no program's exec; the init's is (shown by `run --trace-init`).
    if machine.observer is not None and (exe is None or pid1 is Pid1.INIT):
        # As strace shows the exec it made: the name as given (a shell's PATH lookup resolves a bare one).
        shown = in_machine if in_machine is not None else os.fsencode(program)
        machine.observer.started(task, shown, args, bprm.envp)
    return task


def pid1_image(machine: Machine) -> bytes:
    """The generated init for this machine's table."""
    return init_image(machine.kernel.syscalls, machine.target.table.name)


def _why(filename: bytes, bprm: Binprm | None, errno: int) -> str:
    """`PATH: strerror`, naming the file that failed when it is not the program (its interpreter)."""
    text = f"{os.fsdecode(filename)}: {os.strerror(errno)}"
    if errno == ENOEXEC:
        return f"{os.fsdecode(filename)}: not an x86-64 executable nor a #! script ({os.strerror(errno)})"
    if bprm is not None and bprm.opening not in (b"", filename):
        return f"{os.fsdecode(filename)}: interpreter {os.fsdecode(bprm.opening)}: {os.strerror(errno)}"
    return text


def place(machine: Machine, program: str | Path) -> bytes:
    """The machine's path of the host file `program`: its own under the root, else a copy made at its host path."""
    real = os.path.realpath(program)
    if machine.host_root is not None and os.path.commonpath([machine.host_root, real]) == machine.host_root:
        return os.fsencode(os.path.normpath(os.path.join("/", os.path.relpath(real, machine.host_root))))
    path = os.fsencode(os.path.abspath(program))
    machine.fs.add_file(path, Path(program).read_bytes(), stat.S_IMODE(os.stat(program).st_mode))
    return path
