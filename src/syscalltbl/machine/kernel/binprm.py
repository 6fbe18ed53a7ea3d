"""What one execve carries from format to format (struct linux_binprm), and opening a file to run it.

The binary formats (binfmt_elf.py, binfmt_script.py) read the file's first
BINPRM_BUF_SIZE bytes; a script names an interpreter that becomes the next
file looked at, with argv rewritten, until an ELF loads (fs/exec.c).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.machine.kernel import fsnotify, landlock
from syscalltbl.machine.kernel.permission import MAY_EXEC, permits
from syscalltbl.machine.kernel.vfs import Directory, OpenFile, Regular, Symlink, deny_write_access
from syscalltbl.machine.uapi.elf import BINPRM_BUF_SIZE
from syscalltbl.machine.uapi.errno import EACCES, EIO, ELOOP, Errno
from syscalltbl.machine.uapi.fcntl import O_NOFOLLOW, O_PATH, O_RDONLY
from syscalltbl.machine.uapi.landlock import LANDLOCK_ACCESS_FS_EXECUTE, LANDLOCK_ACCESS_FS_READ_FILE
from syscalltbl.store.record import Value

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.cred import Creds
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.machine import Machine


class ExecFile(Value):
    """A file opened to run (open_exec): its inode and the path it was found at, links resolved."""

    inode: Regular
    path: bytes

    __slots__ = _fields = ("inode", "path")

    def __init__(self, inode: Regular, path: bytes) -> None:
        self.inode = inode
        self.path = path

    def read(self, offset: int, count: int) -> bytes:
        """`count` bytes at `offset`, fewer at the end of the file (kernel_read)."""
        f = OpenFile(self.inode, O_RDONLY, self.path)
        f.offset = offset
        return self.inode.read(f, count)

    def read_exact(self, offset: int, count: int) -> bytes:
        """Exactly `count` bytes at `offset`, or EIO (binfmt_elf's elf_read)."""
        data = self.read(offset, count)
        if len(data) != count:
            raise Errno(EIO)
        return data


class PastNoReturn(Errno):
    """An exec failed where Linux's has passed its point of no return (begin_new_exec: the old program is
    gone by then): execve does not return, the process dies of SIGSEGV (the errno is for the first program)."""


class Binprm(Value):
    """One execve in progress.

    `filename` is what was asked for (the process's comm comes from it),
    `execfn` what AT_EXECFN shows, `interp` the name a #! line passes on as
    the script's path (the interpreter's own name after one rewrite).
    """

    file: ExecFile
    filename: bytes
    argv: list[bytes]
    envp: list[bytes]
    cred: Creds
    execfn: bytes
    interp: bytes
    buf: bytes
    #: Set by a format that hands the exec on to another file (a #! script's interpreter).
    interpreter: ExecFile | None
    #: The interpreter a format is opening (PT_INTERP, #!): named when that fails.
    opening: bytes
    #: The new program runs set-id or with capabilities its user lacks (AT_SECURE).
    secure: bool
    #: BINPRM_FLAGS_PATH_INACCESSIBLE: `filename` is a /dev/fd/N path of a close-on-exec fd, gone once the
    #: program runs, so a script naming it to its interpreter cannot run (ENOENT).
    path_inaccessible: bool
    #: execveat(AT_EMPTY_PATH): the comm is the name of the file that runs (a script's interpreter), not the
    #: basename of "/dev/fd/N" (comm_from_dentry).
    comm_from_file: bool

    __slots__ = _fields = (
        "file", "filename", "argv", "envp", "cred", "execfn", "interp", "buf", "interpreter", "opening", "secure",
        "path_inaccessible", "comm_from_file",
    )

    def __init__(
        self,
        file: ExecFile,
        filename: bytes,
        argv: list[bytes],
        envp: list[bytes],
        cred: Creds,
        execfn: bytes = b"",
        interp: bytes = b"",
        buf: bytes = b"",
        interpreter: ExecFile | None = None,
        opening: bytes = b"",
        secure: bool = False,
        path_inaccessible: bool = False,
        comm_from_file: bool = False,
    ) -> None:
        self.file = file
        self.filename = filename
        self.argv = argv
        self.envp = envp
        self.cred = cred
        self.execfn = execfn
        self.interp = interp
        self.buf = buf
        self.interpreter = interpreter
        self.opening = opening
        self.secure = secure
        self.path_inaccessible = path_inaccessible
        self.comm_from_file = comm_from_file
        self.__post_init__()

    def __post_init__(self) -> None:
        self.execfn = self.execfn or self.filename
        self.interp = self.interp or self.filename

    def prepare(self) -> None:
        """Read the first bytes of the current file, what each format looks at (prepare_binprm)."""
        self.buf = self.file.read(0, BINPRM_BUF_SIZE)


def may_exec(cred: Creds, inode: Regular) -> bool:
    """inode_permission(MAY_EXEC) for a regular file: the x bit of the fs ids' class; root (CAP_DAC_OVERRIDE)
    needs one x bit."""
    return permits(cred, inode, MAY_EXEC)


def open_exec(machine: Machine, task: Task, path: bytes, start: Directory | None = None, *,
              follow: bool = True) -> ExecFile:
    """The file at `path` from `start` (the cwd by default) opened for exec (do_open_execat): the path's own
    errors, ELOOP for a symlink not to be followed, else EACCES for anything but a regular file the task
    may run."""
    start = start if start is not None else task.fs.cwd
    # O_PATH: nothing is opened on the host (a tty) nor truncated; only found.
    f = machine.fs.open(task, path, start, O_PATH if follow else O_PATH | O_NOFOLLOW, 0)
    if isinstance(f.inode, Symlink):
        raise Errno(ELOOP)  # AT_SYMLINK_NOFOLLOW: exec's open is no O_PATH one, which could stop at the link
    inode = _runnable(task, f)
    if task.cred.landlock:
        # hook_file_open for an exec open (FMODE_READ with __FMODE_EXEC): read and execute rights both.
        parent, _, _ = machine.fs.walk(task, path, start, follow=follow)
        landlock.check_path(task, parent, inode, LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_EXECUTE)
    fsnotify.exec_opened(f)
    return ExecFile(inode, f.path)


def open_exec_fd(task: Task, f: OpenFile) -> ExecFile:
    """The file of an open descriptor opened for exec (execveat's AT_EMPTY_PATH): EACCES for anything but
    a regular file the task may run."""
    inode = _runnable(task, f)
    fsnotify.exec_opened(f)
    return ExecFile(inode, f.path)


def _runnable(task: Task, f: OpenFile) -> Regular:
    """f's inode if it is a regular file the task may run, else EACCES (do_open_execat, may_open); ETXTBSY
    while it is open for writing."""
    if not isinstance(f.inode, Regular) or not may_exec(task.cred, f.inode):
        raise Errno(EACCES)
    deny_write_access(task, f.inode)
    return f.inode
