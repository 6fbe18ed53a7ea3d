"""exec: program images (parsed once, read-only pages shared through a page cache), lookup, and the first task.

fs/exec.c and fs/binfmt_elf.c for static x86-64 executables.
"""

from __future__ import annotations

import contextlib
import os
import stat
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from syscalltbl.machine.hw.fpu import INITIAL
from syscalltbl.machine.hw.physmem import OutOfMemory, PhysicalMemory
from syscalltbl.machine.image.elfimage import BadExecutable, Image, read_image
from syscalltbl.machine.kernel import proc
from syscalltbl.machine.kernel.mm import VDSO_BASE, VVAR_BASE, Mm
from syscalltbl.machine.kernel.process import Task
from syscalltbl.machine.kernel.vfs import Directory, HostFile, OpenFile, Regular
from syscalltbl.machine.uapi.errno import EACCES, ENOEXEC, ENOMEM, Errno
from syscalltbl.machine.uapi.signal import SIGCHLD

if TYPE_CHECKING:
    from syscalltbl.machine.machine import Machine


def _drop_page_cache(ram: weakref.ref[PhysicalMemory], page_cache: dict[int, int]) -> None:
    """The cache lets go of a file's frames; processes still mapping one keep it."""
    memory = ram()
    if memory is not None:
        for frame in page_cache.values():
            memory.free(frame)
    page_cache.clear()


def load_program(
    machine: Machine,
    task: Task,
    image: Image,
    argv: Sequence[bytes],
    envp: Sequence[bytes],
    page_cache: dict[int, int] | None = None,
) -> None:
    """Load `image` into the task's (new) address space, with the vDSO and vvar pages."""
    task.mm.map_shared(VVAR_BASE, [machine.vvar_frame], "[vvar]")
    task.mm.map_shared(VDSO_BASE, machine.vdso_frames, "[vdso]")
    task.exec(image, argv, envp, vdso=VDSO_BASE, page_cache=page_cache)


def execve(machine: Machine, task: Task, path: bytes, argv: Sequence[bytes], envp: Sequence[bytes]) -> None:
    """Replace the running task's program; it restarts at the new entry point."""
    f = machine.fs.open(task, path, task.fs.cwd, 0, 0)
    if not isinstance(f.inode, Regular) or not f.inode.mode & 0o111:
        raise Errno(EACCES)
    image, page_cache = cached_image(machine, f.inode, path)
    try:
        new = Mm(machine.ram, machine.kmm)
    except OutOfMemory:
        raise Errno(ENOMEM) from None
    old, task.mm = task.mm, new
    try:
        load_program(machine, task, image, argv, envp, page_cache)
    except (ValueError, OutOfMemory) as exc:
        task.mm.destroy()
        task.mm = old
        raise Errno(ENOMEM if isinstance(exc, OutOfMemory) else ENOEXEC) from None
    # Past the point of no return: the other threads die, this one becomes the process (de_thread),
    # and lets go of the old memory (which a vfork parent, or a CLONE_VM sibling, may keep using).
    proc.de_thread(machine, task)
    task.exit_signal = SIGCHLD  # de_thread: a new program tells its parent of its end the usual way
    task.mm = old
    proc.mm_release(machine, task)
    task.mm = new
    proc.mm_put(machine, old)  # still in CR3 until the cpu stops
    task.exe = f.path
    task.comm = os.path.basename(path)[:15]
    task.dumpable = 1
    if task.files.users > 1:
        # unshare_files: a shared table is copied first, so close-on-exec closes only ours.
        shared, task.files = task.files, task.files.copy()
        shared.release()
    task.files.close_on_exec()
    task.signals.exec()
    task.sighand = task.sighand.copy()  # unshare_sighand: a CLONE_SIGHAND sibling keeps its handlers
    task.sighand.exec()
    proc.set_fpu_state(machine, task, INITIAL)
    machine.cpu.stop()  # the scheduler resumes it fresh, on the new page tables


def cached_image(
    machine: Machine, inode: Regular, path: bytes, parsed: Image | None = None
) -> tuple[Image, dict[int, int]]:
    """A file's parsed ELF and page cache (va -> frame), kept while the file is unchanged.

    A shell execs the same file all day: it is parsed once, and its
    read-only pages are loaded once and shared. The cache's frames go
    back to RAM when the file changes or is gone.
    """
    # ctime too: utimensat can put mtime back after a rewrite, but ctime moves with every change.
    key = (inode.ctime, inode.mtime, inode.size())
    cached = machine.images.get(inode)
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    try:
        image = parsed or read_image(path.decode(errors="replace"), bytes(inode.data))
    except BadExecutable:
        raise Errno(ENOEXEC) from None
    if cached is not None:
        page_cache = cached[2]
        _drop_page_cache(weakref.ref(machine.ram), page_cache)
    else:
        page_cache = {}
        # Only a weak reference to RAM: the finalizer must not keep the machine alive.
        weakref.finalize(inode, _drop_page_cache, weakref.ref(machine.ram), page_cache)
    machine.images[inode] = (key, image, page_cache)
    return image, page_cache


def find_program(machine: Machine, name: bytes, search_path: bytes, cwd: bytes = b"/") -> tuple[bytes, bytes] | None:
    """(path, contents) of the executable `name` names in the machine, as execvp looks it up from `cwd`."""
    dirs = [b""] if b"/" in name else [d or b"." for d in search_path.split(b":")]
    for directory in dirs:
        path = os.path.join(cwd, directory, name)
        try:
            # No task yet: nothing under /proc is looked at on the way to a program.
            f = machine.fs.open(cast("Task", None), path, machine.fs.root, 0, 0)
        except (Errno, NotADirectoryError):
            continue
        if isinstance(f.inode, Regular) and f.inode.mode & 0o111:
            return f.path, bytes(f.inode.data)  # symbolic links followed, as /proc/machine/exe shows it
    return None


def start(
    machine: Machine,
    program: str | Path,
    argv: Sequence[str | bytes] | None = None,
    envp: Sequence[str | bytes] = (),
    *,
    data: bytes | None = None,
    exe: bytes | None = None,
    cwd: bytes = b"/",
) -> Task:
    """A first task running `program` (a host file), with fds 0-2 on the host's.

    The program is also a file of the machine, as /proc/machine/exe names it
    (busybox's sh re-executes itself there): its own path under --root, or
    else a copy at its host path.
    """
    if data is None:
        data = Path(program).read_bytes()
    image = read_image(program, data)
    if exe is None:
        exe = place(machine, program, data)
    task = proc.spawn(machine)
    machine.foreground_pgid = task.pgid
    for fd, host in enumerate(machine.stdio):
        if host < 0:
            continue  # closed when `run` started (`cat <&-`): EBADF for the program too
        task.files.put(fd, OpenFile(HostFile(host, owned=False), 2, f"/dev/fd/{host}".encode()), False)
    where = machine.fs.lookup(task, cwd, machine.fs.root)
    if not isinstance(where, Directory):
        raise NotADirectoryError(os.fsdecode(cwd))
    task.fs.cwd = where
    task.exe = exe
    task.comm = os.path.basename(os.fsencode(program))[:15]  # as the program was named, links not followed
    page_cache = None
    with contextlib.suppress(Errno, NotADirectoryError):
        inode = machine.fs.lookup(task, exe, machine.fs.root)
        if isinstance(inode, Regular) and inode.data == data:
            image, page_cache = cached_image(machine, inode, exe, image)  # the file later execs will find
    args = [os.fsencode(a) for a in (argv if argv is not None else [str(program)])]
    load_program(machine, task, image, args, [os.fsencode(e) for e in envp], page_cache)
    return task


def place(machine: Machine, program: str | Path, data: bytes) -> bytes:
    real = os.path.realpath(program)
    if machine.host_root is not None and os.path.commonpath([machine.host_root, real]) == machine.host_root:
        return os.fsencode(os.path.normpath(os.path.join("/", os.path.relpath(real, machine.host_root))))
    path = os.fsencode(os.path.abspath(program))
    machine.fs.add_file(path, data, stat.S_IMODE(os.stat(program).st_mode))
    return path
