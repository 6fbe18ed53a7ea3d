"""`syscalltbl run`: run an x86-64 program (a static or dynamic ELF, or a #! script), or a Python program,
on the emulated machine.

A dynamic program's interpreter (ld.so) and libraries are files of the
machine, loaded as Linux's execve loads them: from the root (--root).

PROGRAM is a host file when it contains a slash; a bare name is looked up
as a shell would, in the machine's PATH (so `--root DIR ls` runs DIR/bin/ls,
a link to busybox, with argv[0] "ls"), then in the host's.

The machine's filesystem is a copy-on-write view of the host's / (or of
--root DIR): host files are read when a program first needs them and never
written; what a program changes lives in the machine's memory and is gone
when it ends. --empty-root starts from an empty tree instead (with the
machine's /dev and /proc), where PROGRAM is copied in at its own path.

A PROGRAM ending in .py runs in this interpreter with syscalltbl.libc bound
to a fresh process of the machine: each wrapper call runs the generated
user stub in ring 3 (fork and execve raise NotOnThisMachine). Inside a
project, syscalltbl.libc is that project's module, generated from its table
and prototypes as `build` writes runtime/x86_64/python/libc.py: its added
calls are there, with no build needed.

--trace prints each system call strace-style, --ftrace the emulated kernel
path of each call as the kernel's function_graph tracer does (costs in
emulated instructions), --stats a per-syscall table at exit (when more
than one process made calls: one table per process, with a line per thread
for a process that had several, then the total); all three write to stderr,
or to -o FILE.

PID 1 is a small init, generated from the table like the user-side stubs: it
forks the program (pid 2, in a process group of its own, so it has a normal
parent), reaps every orphan, and exits with the program's status when no
process is left. --pid1 makes the program PID 1 itself, with Linux's rules
for it: a signal it has no handler for is not delivered (SIGKILL included),
and when it exits every other process is killed. --trace hides the init's
own calls (the program's lines carry the pids Linux would give them);
--trace-init shows them too.

Ctrl-C (SIGINT), SIGTERM and SIGHUP go to the foreground process group, as a
terminal sends them to its foreground job: the init's, which passes them on to
the program's group (with --pid1, the program's own); if the machine is still
running one second later, or a second signal comes, it is stopped.

Exit status: the program's own; 128+N when signal N killed it, or stopped
the machine (with one line on stderr, none for SIGPIPE); 127 when PROGRAM (or its interpreter) cannot be found and
126 when it cannot be run (a directory, neither an x86-64 ELF nor a #! script, or not executable); 2 for usage
errors. syscalltbl's own errors are `syscalltbl run: error: PROGRAM: ...`; a program that a signal killed is
reported as a shell reports it, `syscalltbl run: PROGRAM: killed by SIGNAL`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final, TextIO

from syscalltbl.cli.limit_options import add_limit_options, default_limits, limits_from

if TYPE_CHECKING:
    import argparse
    from types import SimpleNamespace

    from syscalltbl.machine.machine import Machine
    from syscalltbl.machine.tools.ftrace import CallRecord
    from syscalltbl.machine.tools.stats import Stats
    from syscalltbl.machine.tools.trace import Tracer
    from syscalltbl.tables.classes import SyscallSet

HELP = "run an x86-64 program (static, dynamic or #!) on the emulated machine, through the generated syscall table"
DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin"  # glibc's default when PATH is unset
#: `--timeout`'s default, in seconds (a hidden option: the tests' bound on a run).
DEFAULT_TIMEOUT = 3600.0


def configure(parser: argparse.ArgumentParser) -> None:
    import argparse  # here: a plain run (plain_arguments) builds no parser

    roots = parser.add_mutually_exclusive_group()
    # No default here: argparse tells "given" from "defaulted" by identity, and a given "/" is the
    # interned default string, so `--empty-root --root /` would pass as exclusive. _run supplies "/".
    roots.add_argument("--root", metavar="DIR",
                       help="the filesystem: a copy-on-write view of DIR, read on demand, never written (default: /)")
    roots.add_argument("--empty-root", action="store_true",
                       help="an empty filesystem (the machine's /dev and /proc only): for isolated demos")
    parser.add_argument("--cwd", metavar="PATH", default="/", help="working directory (default: /)")
    parser.add_argument(
        "--env", metavar="K=V", action="append", default=[], help="set an environment variable (repeatable)"
    )
    parser.add_argument("--env-clear", action="store_true", help="start from an empty environment")
    parser.add_argument("--trace", action="store_true", help="print each system call, strace-style, on stderr")
    parser.add_argument("-e", dest="expr", metavar="trace=SET",
                        help="with --trace, show only the calls in SET, as strace's -e trace=: a comma list of "
                        "syscall names and classes (%%file, %%desc, %%process, ...; see docs/classes.md), "
                        "'!' first for all but them")
    parser.add_argument(
        "--ftrace", action="store_true", help="print a function-graph trace of the emulated kernel path of each call"
    )
    parser.add_argument("--pid1", action="store_true",
                        help="make the program PID 1 itself (no init): Linux's rules for PID 1 then apply to it")
    parser.add_argument("--trace-init", action="store_true",
                        help="with --trace, --ftrace or --stats, show the init's own calls too (hidden by default)")
    parser.add_argument("--stats", action="store_true", help="print a per-syscall summary at exit, like strace -c; "
                        "with several processes, a table per process (and a line per thread) before the total")
    parser.add_argument("-o", "--output", metavar="FILE", help="write --trace/--ftrace/--stats output to FILE")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help=argparse.SUPPRESS)
    add_limit_options(parser)
    parser.add_argument("program", metavar="PROGRAM")
    # A remainder may be empty: only PROGRAM is required (argparse would name ARG too).
    parser.add_argument("args", metavar="ARG", nargs=argparse.REMAINDER).required = False


#: The options with a value that plain_arguments reads itself (besides --env-clear), spelled in full.
_PLAIN_VALUED: Final = {"--env": "env", "--cwd": "cwd", "--root": "root"}


def plain_arguments(argv: list[str]) -> SimpleNamespace | None:
    """The namespace configure's parser makes of `argv` (what follows `run`) when it holds only the
    simplest options: --env-clear, --env K=V, --cwd PATH and --root DIR (also as --opt=VALUE) before
    PROGRAM, then PROGRAM and its ARGs, none starting with '-'; None for any other command line, which
    argparse parses (tests/test_cli.py holds the two equal).

    Such a command line leaves argparse nothing to decide: each option is spelled in full with one
    value that cannot be taken for an option, the first other argument is PROGRAM and the rest its
    ARG... (a remainder). Building the parser and importing argparse, with the gettext and shutil it
    imports, is about a tenth of a plain run's start-up.
    """
    from types import SimpleNamespace

    env: list[str] = []
    env_clear = False
    paths: dict[str, str | None] = {"cwd": "/", "root": None}
    at = 0
    while at < len(argv) and argv[at].startswith("-"):
        if argv[at] == "--env-clear":
            env_clear = True
            at += 1
            continue
        option, equals, value = argv[at].partition("=")
        if option not in _PLAIN_VALUED:
            return None
        if not equals:
            if at + 1 == len(argv):
                return None
            at += 1
            value = argv[at]
        at += 1
        if not value or value.startswith("-"):
            return None
        if option == "--env":
            env.append(value)
        else:
            paths[_PLAIN_VALUED[option]] = value
    rest = argv[at:]
    if not rest or any(not arg or arg.startswith("-") for arg in rest):
        return None
    return SimpleNamespace(command="run", env=env, env_clear=env_clear, **paths, empty_root=False, trace=False,
                           expr=None, ftrace=False, pid1=False, trace_init=False, stats=False, output=None,
                           timeout=DEFAULT_TIMEOUT, **default_limits(), program=rest[0], args=rest[1:])


def run(args: argparse.Namespace | SimpleNamespace) -> int:
    import contextlib
    import sys

    from syscalltbl.tables.errors import UsageError

    if args.output is not None and not (args.trace or args.ftrace or args.stats):
        raise UsageError("-o FILE needs --trace, --ftrace or --stats")
    if args.trace_init and not (args.trace or args.ftrace or args.stats):
        raise UsageError("--trace-init needs --trace, --ftrace or --stats")
    if args.expr is not None and not args.trace:
        raise UsageError("-e trace=SET needs --trace")
    if args.trace_init and args.pid1:
        raise UsageError("--trace-init: with --pid1 there is no init")
    stdio = _hold_closed_stdio()
    out: TextIO = sys.stderr
    if args.output is not None:
        try:
            out = open(args.output, "w")  # noqa: SIM115 (closed below, also when a write to it failed)
        except OSError as exc:
            raise UsageError(f"-o {args.output}: {exc.strerror}") from None
    try:
        status = _run(args, out, stdio)
        out.flush()  # here, where a failure is still this file's
        return status
    except OSError as exc:
        if exc.filename is not None or args.output is None:
            raise
        # A write to -o FILE failed (full, or gone): say which file, not "standard output".
        raise OSError(exc.errno, exc.strerror, args.output) from None
    finally:
        if out is not sys.stderr:
            with contextlib.suppress(OSError):  # what could not be written is reported above
                out.close()


def _trace_set(expr: str) -> SyscallSet:
    """-e's argument: `trace=SET`, or SET alone, as strace takes it."""
    from syscalltbl.tables.classes import parse_trace_set
    from syscalltbl.tables.errors import UsageError

    qualifier, sep, _ = expr.partition("=")
    if sep and qualifier != "trace":
        raise UsageError(f"-e {expr}: only trace=SET is supported")
    return parse_trace_set(expr)


def _hold_closed_stdio() -> tuple[int, int, int]:
    """fds 0-2 for the program: each of ours, or -1 where ours is closed (`run PROG <&-`).

    A closed one is held on /dev/null first, so that no descriptor opened later
    (the trace file, the signal pipes) takes its number and is handed to the
    program as its stdin or stdout.
    """
    import os

    stdio = []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
            stdio.append(fd)
        except OSError:
            held = os.open(os.devnull, os.O_RDWR)
            if held != fd:  # a lower one was free too and took it: put it where it belongs
                os.dup2(held, fd)
                os.close(held)
            stdio.append(-1)
    return stdio[0], stdio[1], stdio[2]


def _run(args: argparse.Namespace | SimpleNamespace, out: TextIO, stdio: tuple[int, int, int]) -> int:
    import gc
    import os

    # The machine's few hundred modules make objects that live as long as the process: the collector
    # would walk them again and again while they load, for nothing. Frozen once loaded (gc.freeze), they
    # are not walked afterwards either: all of them were still the youngest generation, which the first
    # collections of the boot and the run then traversed whole (6-7 ms of a `run /bin/busybox true`).
    collecting = gc.isenabled()
    gc.disable()
    try:
        # The tracers are imported only for the runs that use them: a plain run's start-up does not pay for them.
        from syscalltbl.machine.machine import Machine
        from syscalltbl.machine.syscalls.registry import Tracer as Wrapper
        from syscalltbl.tables.errors import UsageError
        from syscalltbl.tables.target import resolve
    finally:
        gc.freeze()
        if collecting:
            gc.enable()

    env = {} if args.env_clear else dict(os.environ)
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--env expects K=V, got {item!r}")
        env[key] = value
    root = None if args.empty_root else args.root or "/"
    if root is not None and not os.path.isdir(root):
        raise UsageError(f"--root {root}: not a directory")
    name = f"syscalltbl run: {args.program}"
    # A path, or a Python program (always a host file, run by this interpreter), that is not a file.
    if ("/" in args.program or args.program.endswith(".py")) and not os.path.isfile(args.program):
        if os.path.isdir(args.program):  # as a shell says, and its status
            _error(args.program, "Is a directory")
            return 126
        _error(args.program, "No such file or directory" + _inside_root_hint(args.program, args.root))
        return 127
    target = resolve()  # the project around the working directory, else syscalltbl's own tables
    wrappers: list[Wrapper] = []
    selected = _trace_set(args.expr) if args.expr is not None else None
    tracer: Tracer | None = None
    if args.trace:
        from syscalltbl.machine.image.kbuild import load_prototypes
        from syscalltbl.machine.tools.trace import Tracer

        tracer = Tracer(load_prototypes(target.prototypes), out, show_init=args.trace_init, selected=selected)
        wrappers.append(tracer)
    stats: Stats | None = None
    if args.stats:
        from syscalltbl.machine.tools.stats import Stats

        stats = Stats()
    profiler = None
    if args.ftrace or stats is not None:
        from syscalltbl.machine.tools.ftrace import FunctionGraph, KernelProfiler

        sinks: list[Callable[[CallRecord], None]] = []
        if args.ftrace:
            sinks.append(FunctionGraph(out))
        if stats is not None:
            sinks.append(stats)
        profiler = KernelProfiler(sinks, show_init=args.trace_init)
        wrappers.append(profiler)
    if wrappers:
        from syscalltbl.machine.tools.trace import chain
    machine = Machine(target=target, root=root, tracer=chain(*wrappers) if wrappers else None, stdio=stdio,
                      limits=limits_from(args))
    machine.observer = tracer  # signals and exits, between the calls
    if selected is not None and tracer is not None and (unknown := sorted(selected.names - tracer.names)):
        raise UsageError(f"-e {args.expr}: no syscall {unknown[0]!r} in the table")
    if profiler is not None:
        profiler.attach(machine)
    try:
        return _start(machine, args, env, name)
    finally:
        if profiler is not None:
            profiler.finish()
        if stats is not None:
            stats.write(out)


def _start(machine: Machine, args: argparse.Namespace | SimpleNamespace, env: dict[str, str], name: str) -> int:
    import os
    import sys

    from syscalltbl.machine.kernel.exec import CannotExec
    from syscalltbl.machine.kernel.hostsig import Halted, HostSignals
    from syscalltbl.machine.kernel.pid1 import Pid1
    from syscalltbl.machine.kernel.sched import Deadlock
    from syscalltbl.machine.uapi.errno import ENOENT, Errno
    from syscalltbl.tables.errors import UsageError

    if args.program.endswith(".py"):
        return _run_python(machine, args, env, name)
    program, in_machine = args.program, None
    if "/" not in program:
        # An applet name, as a shell finds it: the machine's PATH first (say
        # --root DIR with bin/ls -> busybox), then the host's for the file itself.
        search_path = os.fsencode(env.get("PATH", DEFAULT_PATH))
        in_machine = machine.find_program(os.fsencode(program), search_path, os.fsencode(args.cwd))
        if in_machine is None:
            import shutil

            host = shutil.which(program)
            if host is None:
                _error(args.program, "command not found")
                return 127
            program = host
    try:
        task = machine.start(program, [args.program, *args.args], [f"{k}={v}" for k, v in env.items()],
                             in_machine=in_machine, cwd=os.fsencode(args.cwd),
                             pid1=Pid1.PROGRAM if args.pid1 else Pid1.INIT)
    except CannotExec as exc:
        _error(args.program, f"cannot run: {exc}")
        return 127 if exc.errno == ENOENT else 126
    except (Errno, NotADirectoryError):
        raise UsageError(f"--cwd {args.cwd}: no such directory in the machine's filesystem") from None
    if sys.stdout is not None:  # None when fd 1 was closed at start-up
        sys.stdout.flush()
    try:
        with HostSignals().installed(machine):
            status = machine.schedule(task, args.timeout)
    except Halted as stop:
        # The guest did not end by itself after Ctrl-C (or was asked twice): the machine was stopped.
        _error(args.program, str(stop))
        return 128 + stop.signum
    except (Deadlock, TimeoutError) as exc:
        machine.kill_all()
        _error(args.program, str(exc))
        return 1
    if status.signal is not None:
        _report_death(name, status.signal, status.detail)
        return 128 + status.signal
    # The init exits with 128+N when signal N killed the program: say so, as before.
    program = machine.init.program_status if machine.init is not None else None
    if program is not None and program.signal is not None:
        _report_death(name, program.signal, program.detail)
    return status.code or 0


def _error(program: str, message: str) -> None:
    """`syscalltbl run: error: PROGRAM: MESSAGE`: the program could not be started or run to its end."""
    import sys

    from syscalltbl.tables.errors import error_line

    print(error_line("syscalltbl run", f"{program}: {message}"), file=sys.stderr)


def _inside_root_hint(program: str, root: str | None) -> str:
    """For a PROGRAM path that --root DIR holds but the host does not: how to name what was meant."""
    import os

    if root is None:
        return ""
    inside = os.path.join(root, program.lstrip("/"))
    if not os.path.isfile(inside):
        return ""
    bare = os.path.basename(program)
    return (f" (a PROGRAM with a slash is a host path, and {inside} is the file inside --root: give that path, "
            f"or the bare name {bare}, which is looked up in the machine's PATH)")


def _report_death(name: str, signal: int, detail: str) -> None:
    # A job report, as a shell prints one: how the program ended, not an error of syscalltbl's.
    import sys

    from syscalltbl.machine.uapi.signal import SIGPIPE

    if signal != SIGPIPE:  # as a shell says nothing when the reader of a pipeline went away
        print(f"{name}: killed by {detail}", file=sys.stderr)


def _run_python(machine: Machine, args: argparse.Namespace | SimpleNamespace, env: dict[str, str], name: str) -> int:
    import os
    import sys

    from syscalltbl.machine.kernel.hostsig import Halted, HostSignals
    from syscalltbl.machine.python import projectlibc, pylibc
    from syscalltbl.machine.python.pyprocess import EmulatedBackend
    from syscalltbl.machine.uapi.errno import Errno
    from syscalltbl.tables.errors import UsageError

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
        # Ctrl-C is the host program's KeyboardInterrupt, also while a wrapper runs the machine.
        # Inside a project, `from syscalltbl import libc` is the project's module: its added calls too.
        with HostSignals(grace=0).installed(machine), projectlibc.bound(machine.target):
            code = _run_program(args.program, name)
        backend.exit(code)  # as the interpreter ends: exit_group(code), `+++ exited with N +++` under --trace
        return code
    except Halted as stop:
        _error(args.program, str(stop))
        return 128 + stop.signum
    finally:
        sys.argv = saved_argv
        pylibc.use(previous)
        if sys.stdout is not None:  # None when fd 1 was closed at start-up
            sys.stdout.flush()
        machine.kill_all()


def _run_program(program: str, name: str) -> int:
    """Run the Python program; its exit status, as python would end with it."""
    import os
    import runpy
    import sys

    from syscalltbl.machine.python.pyprocess import ProcessExit

    try:
        runpy.run_path(program, run_name="__main__")
    except ProcessExit as end:
        if end.status.signal is not None:
            _report_death(name, end.status.signal, end.status.detail)
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
        while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != os.path.abspath(program):
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb)
        return 1
    return 0
