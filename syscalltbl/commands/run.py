"""`syscalltbl run`: run a static x86-64 ELF, or a Python program, on the emulated machine.

A PROGRAM ending in .py runs in this interpreter with syscalltbl.libc bound
to a fresh process of the machine: each wrapper call runs the generated
user stub in ring 3 (fork and execve raise NotOnThisMachine).

Exit status: the program's own; 128+N when signal N killed it (with one line
on stderr); 127 when PROGRAM cannot be found and 126 when it cannot be run
(not a static x86-64 ELF); 2 for usage errors.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syscalltbl.kernel_runtime.machine import Machine

HELP = "run a static x86-64 program on the emulated machine, through the generated syscall table"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--root", metavar="DIR", help="seed the filesystem with DIR's contents (default: empty)")
    parser.add_argument("--cwd", metavar="PATH", default="/", help="working directory (default: /)")
    parser.add_argument(
        "--env", metavar="K=V", action="append", default=[], help="set an environment variable (repeatable)"
    )
    parser.add_argument("--env-clear", action="store_true", help="start from an empty environment")
    parser.add_argument("--trace", action="store_true", help="print each system call, strace-style, on stderr")
    parser.add_argument("--timeout", type=float, default=3600.0, help=argparse.SUPPRESS)
    parser.add_argument("program", metavar="PROGRAM")
    parser.add_argument("args", metavar="ARG", nargs=argparse.REMAINDER)


def run(args: argparse.Namespace) -> int:
    import os
    import sys

    from syscalltbl.errors import UsageError
    from syscalltbl.kernel_runtime.elfimage import BadExecutable
    from syscalltbl.kernel_runtime.errnos import Errno
    from syscalltbl.kernel_runtime.kbuild import load_prototypes
    from syscalltbl.kernel_runtime.machine import Deadlock, Machine
    from syscalltbl.kernel_runtime.trace import Tracer

    env = {} if args.env_clear else dict(os.environ)
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--env expects K=V, got {item!r}")
        env[key] = value
    if args.root is not None and not os.path.isdir(args.root):
        raise UsageError(f"--root {args.root}: not a directory")
    name = f"syscalltbl run: {args.program}"
    if not os.path.isfile(args.program):
        print(f"{name}: No such file", file=sys.stderr)
        return 127
    tracer = Tracer(load_prototypes(), sys.stderr) if args.trace else None
    machine = Machine(root=args.root, tracer=tracer)
    if args.program.endswith(".py"):
        return _run_python(machine, args, env, name)
    try:
        task = machine.start(args.program, [args.program, *args.args], [f"{k}={v}" for k, v in env.items()],
                             cwd=os.fsencode(args.cwd))
    except (BadExecutable, ValueError) as exc:
        print(f"{name}: cannot run: {exc}", file=sys.stderr)
        return 126
    except (Errno, NotADirectoryError):
        raise UsageError(f"--cwd {args.cwd}: no such directory in the machine's filesystem") from None
    sys.stdout.flush()
    try:
        status = machine.schedule(task, args.timeout)
    except (Deadlock, TimeoutError) as exc:
        machine.kill_all()
        print(f"{name}: {exc}", file=sys.stderr)
        return 1
    if status.signal is not None:
        print(f"{name}: killed by {status.detail}", file=sys.stderr)
        return 128 + status.signal
    return status.code or 0


def _run_python(machine: Machine, args: argparse.Namespace, env: dict[str, str], name: str) -> int:
    import os
    import runpy
    import sys

    from syscalltbl.errors import UsageError
    from syscalltbl.kernel_runtime import pylibc
    from syscalltbl.kernel_runtime.errnos import Errno
    from syscalltbl.kernel_runtime.pyprocess import EmulatedBackend, ProcessExit

    argv = [args.program, *args.args]
    try:
        backend = EmulatedBackend(machine, argv, [f"{k}={v}" for k, v in env.items()],
                                  exe=os.fsencode(os.path.abspath(args.program)), cwd=os.fsencode(args.cwd),
                                  timeout=args.timeout)
    except (Errno, NotADirectoryError):
        raise UsageError(f"--cwd {args.cwd}: no such directory in the machine's filesystem") from None
    previous = pylibc.use(backend)
    saved_argv = sys.argv
    sys.argv = argv
    try:
        runpy.run_path(args.program, run_name="__main__")
    except ProcessExit as end:
        if end.status.signal is not None:
            print(f"{name}: killed by {end.status.detail}", file=sys.stderr)
            return 128 + end.status.signal
        return end.status.code or 0
    except SystemExit as end:
        code = end.code
        if code is None or isinstance(code, int):
            return code or 0
        print(code, file=sys.stderr)
        return 1
    except Exception as exc:  # the program's own error: report it as python would, from its frames only
        import traceback

        tb = exc.__traceback__
        while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != os.path.abspath(args.program):
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb)
        return 1
    finally:
        sys.argv = saved_argv
        pylibc.use(previous)
        sys.stdout.flush()
        machine.kill_all()
    return 0
