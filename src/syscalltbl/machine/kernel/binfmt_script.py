"""`#!` scripts (fs/binfmt_script.c, Linux 5.x rules): an interpreter and at most one argument.

The line is read from the file's first BINPRM_BUF_SIZE bytes. An
interpreter name that may have been cut off by the end of that buffer (no
newline, no space, tab or NUL after it) is ENOEXEC; a cut-off argument is
passed as it is, since the interpreter can read the line itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from syscalltbl.machine.kernel.binprm import Binprm, open_exec
from syscalltbl.machine.uapi.errno import ENOENT, ENOEXEC, Errno

if TYPE_CHECKING:
    from syscalltbl.machine.kernel.process import Task
    from syscalltbl.machine.machine import Machine

_SPACETAB = b" \t"


def _next_non_spacetab(buf: bytes, first: int, last: int) -> int | None:
    """The first index in [first, last] that is neither space nor tab."""
    for i in range(first, last + 1):
        if buf[i] not in _SPACETAB:
            return i
    return None


def _next_terminator(buf: bytes, first: int, last: int) -> int | None:
    """The first index in [first, last] that ends a word: space, tab or NUL."""
    for i in range(first, last + 1):
        if buf[i] in _SPACETAB or buf[i] == 0:
            return i
    return None


def _cstring(buf: bytes, start: int, end: int) -> bytes:
    """buf[start:end], cut at its first NUL as the kernel copies a C string."""
    return buf[start:end].split(b"\0", 1)[0]


def parse_shebang(buf: bytes, size: int) -> tuple[bytes, bytes | None]:
    """(interpreter, optional argument) of a #! line in `buf`, padded with NULs to `size`; ENOEXEC if none."""
    if not buf.startswith(b"#!"):
        raise Errno(ENOEXEC)
    buf = buf.ljust(size, b"\0")  # a file shorter than the buffer reads as NUL-padded
    buf_end = size - 1
    newline = buf.find(b"\n")
    if newline >= 0:
        i_end = newline
    else:
        start = _next_non_spacetab(buf, 2, buf_end)
        if start is None:
            raise Errno(ENOEXEC)  # the whole buffer is spaces and tabs
        if _next_terminator(buf, start, buf_end) is None:
            raise Errno(ENOEXEC)  # the interpreter's name may go on past the buffer
        i_end = buf_end
    while buf[i_end - 1] in _SPACETAB:
        i_end -= 1
    i_name = _next_non_spacetab(buf, 2, i_end)
    if i_name is None or i_name == i_end:
        raise Errno(ENOEXEC)  # no interpreter named
    i_sep = _next_terminator(buf, i_name, i_end)
    i_arg = _next_non_spacetab(buf, i_sep, i_end) if i_sep is not None and buf[i_sep] != 0 else None
    if i_arg is not None and i_sep is not None:
        return _cstring(buf, i_name, i_sep), _cstring(buf, i_arg, i_end)
    return _cstring(buf, i_name, i_end), None


def load_script(machine: Machine, task: Task, bprm: Binprm, size: int) -> None:
    """Hand the exec on to the #! line's interpreter: argv becomes [interpreter, arg?, script, argv[1:]...]."""
    name, arg = parse_shebang(bprm.buf, size)
    if bprm.path_inaccessible:
        # The script's name is /dev/fd/N of a close-on-exec fd: the interpreter could not open it.
        raise Errno(ENOENT)
    bprm.argv = [name, *([arg] if arg is not None else []), bprm.interp, *bprm.argv[1:]]
    bprm.interp = name  # bprm_change_interp: a nested script is passed on under this name
    bprm.opening = name
    bprm.interpreter = open_exec(machine, task, name)
