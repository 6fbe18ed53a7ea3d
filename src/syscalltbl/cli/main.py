"""The `syscalltbl` command: `main(argv) -> int`.

Exit status: 0 success, 1 failure (bad input, or an I/O error named with its
path), 2 usage error, 128+N when signal N (SIGINT, SIGTERM, SIGHUP) stopped
the command, 141 when the reader of stdout went away; `syscalltbl script`
keeps the kernel scripts' convention instead (usage errors exit 1). Every error
is one line on stderr, `syscalltbl COMMAND: error: MESSAGE`, or
`FILE:LINE:COLUMN: error: MESSAGE` at a position in a file (tables/errors.py);
a usage error prints the subcommand's own usage first. Start-up stays lean:
each subcommand imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import errno
import io
import os
import signal
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

from syscalltbl.cli.options import add_tables_options
from syscalltbl.tables.errors import SyscalltblError, UsageError, error_line

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # as a shell reports a tool killed by SIGPIPE


class _Parser(argparse.ArgumentParser):
    """argparse, except that a failed write of --help or of a usage message is an error, not ignored."""

    def _print_message(self, message: str, file: SupportsWrite[str] | None = None) -> None:
        if message:
            (file or sys.stderr).write(message)


class _CommandParser(_Parser):
    """A subcommand's parser: arguments it does not know are its usage error, not the top level's.

    argparse hands a subparser's leftovers up to `syscalltbl`'s own parser,
    which would print the top-level usage for `syscalltbl build --nosuch`.
    """

    def parse_known_args(  # type: ignore[override]
        self, args: list[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line's parser; for `build` (`command`), without the other subcommands'
    parsers, whose modules a build would import for nothing (a warm build's largest cost); for
    another subcommand, without the parsers of the others, which argparse would build for nothing
    (a third of the parser's cost in `run`'s start-up): the subcommand's own parser parses its
    arguments and reports their usage errors."""
    parser = _Parser(
        prog="syscalltbl",
        description="Parse Linux syscall tables and generate what the kernel build generates from them.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_CommandParser)
    build = commands.add_parser(
        "build",
        help="regenerate every output named in arch/",
        description="Regenerate every output that arch/tables.toml names (the kernel build's headers and tables, "
        "and the emulated machine's sources) under the output directory; an output is only rewritten when "
        "its bytes change.",
    )
    build.add_argument(
        "-o", "--outdir", default="build", type=Path, help="output directory (default: build, also with --tree)"
    )
    build.add_argument(
        "--arch", action="append", metavar="NAME", help="only this architecture's outputs (repeatable)"
    )
    build.add_argument("-v", "--verbose", action="store_true", help="name every file written")
    build.add_argument("--explain", action="store_true", help="say which outputs were rebuilt or kept, and why")
    build.add_argument(
        "--group",
        action="append",
        choices=("kernel", "runtime"),
        help="only this output group (repeatable): kernel = the kernel build's outputs, "
        "runtime = the emulated x86-64 machine's sources (default: both)",
    )
    add_tables_options(build)
    extra = _extra_commands(command) if command != "build" else {}
    for name, module in extra.items():
        sub = commands.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(sub)
    commands.add_parser(
        "script",
        help="run as a drop-in for a kernel script: TOOL ARG...",
        description="TOOL is one of syscalltbl, syscallhdr, arm-syscallnr, mips-syscallnr, s390-syscalltbl; "
        "ARG... are exactly the kernel script's arguments.",
    )
    return parser


def _extra_commands(command: str | None) -> dict[str, ModuleType]:
    """`command`'s module alone when it is one of the subcommands beyond build and script, else all of them."""
    from syscalltbl.cli import commands

    return {command: commands.command(command)} if command in commands.NAMES else commands.all_commands()


def _run_build(args: argparse.Namespace, argv: list[str]) -> int:
    from syscalltbl.build import regenerate
    from syscalltbl.cli.tables_source import load_project, record_inputs
    from syscalltbl.tables import target

    groups = tuple(args.group) if args.group else regenerate.GROUPS
    explain: list[str] | None = [] if args.explain else None
    project = load_project(args, outdir=args.outdir)
    from syscalltbl.cli import build_warm

    known = record_inputs(args, project, args.outdir) if explain is None else None
    record = build_warm.recorder(argv, known, args.verbose)  # the next build with `argv` may need no more
    summary = regenerate.build(project, args.outdir, args.arch, groups, explain, target.for_project(project), record)
    for line in explain or ():
        print(f"  {line}")
    for error in summary.errors:
        print(error.report("syscalltbl build"), file=sys.stderr)
    if args.verbose:
        for path in summary.written:
            print(f"  wrote {args.outdir / path}")
    print(f"syscalltbl build: {summary.line()}")
    return EXIT_FAILURE if summary.errors else EXIT_OK


def _run_script(argv: list[str]) -> int:
    from syscalltbl.cli import script_help
    from syscalltbl.generators import scripts

    if argv[:1] in (["-h"], ["--help"]):
        sys.stdout.write(script_help.text())
        return EXIT_OK
    # Ours, before TOOL, so that no kernel script's own arguments can clash with it.
    touch_unchanged = argv[:1] == [scripts.TOUCH_UNCHANGED]
    if touch_unchanged:
        argv = argv[1:]
    if not argv:
        raise UsageError("expected TOOL ARG...: TOOL is one of " + ", ".join(scripts.TOOLS), usage=script_help.text())
    job = scripts.parse_argv(argv[0], argv[1:])
    if job.input is None:
        from syscalltbl.tables.limits import TABLE_BYTES_LIMIT, check_size

        # At most one byte past the limit: an endless stdin is refused, not read into memory.
        data, shown = sys.stdin.buffer.read(TABLE_BYTES_LIMIT + 1), "<stdin>"
        check_size(len(data), shown)
    else:
        from syscalltbl.tables.read import read_input

        data, shown = read_input(job.input), job.input
    if job.output is not None:
        target = Path(job.output)
        if not target.parent.is_dir():
            raise SyscalltblError("output directory does not exist", path=str(target.parent))
    from syscalltbl.generators import generate

    text = generate.render(job, data, shown)
    if job.output is None:
        sys.stdout.buffer.write(text)
        sys.stdout.buffer.flush()
    else:
        from syscalltbl.store import atomic

        if not atomic.write_if_changed(Path(job.output), text) and touch_unchanged:
            atomic.refresh(Path(job.output), text)
        from syscalltbl.cli import script_warm

        script_warm.remember(argv, job)  # the next call with these arguments can skip all of the above
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run one command; interrupts, I/O errors and a vanished reader end it with one line, never a traceback."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = f"syscalltbl {argv[0]}" if argv and not argv[0].startswith("-") else "syscalltbl"
    if sys.stdout is None:  # fd 1 was closed (`syscalltbl show >&-`): writing fails, as for any tool
        sys.stdout = _ClosedStdout()
    previous = _terminate_on_hangup()
    try:
        status = _main(argv)
        # Buffered output fails here, not at interpreter exit where it could only be ignored.
        if sys.stdout is not None:  # None when fd 1 was closed at start-up
            sys.stdout.flush()
        return status
    except KeyboardInterrupt as stop:
        _drop_stdout()
        signum = stop.args[0] if stop.args and isinstance(stop.args[0], int) else signal.SIGINT
        print(error_line(command, f"interrupted by {signal.Signals(signum).name}"), file=sys.stderr)
        return 128 + signum
    except OSError as exc:
        return stdout_failed(exc, command)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def stdout_failed(exc: OSError, command: str) -> int:
    """The exit status, and the one line, of a command ended by an OSError (cli/entry.py's warm build
    answers with this when its one line cannot be printed)."""
    _drop_stdout()
    if isinstance(exc, BrokenPipeError):
        # The reader went away (`syscalltbl export | head`): end quietly, as a Unix
        # tool killed by SIGPIPE does, with no second error when stdout is flushed at exit.
        return EXIT_BROKEN_PIPE
    # Errors without a file name come from writing stdout: the others name their file
    # (the machine's RAM, the one other source, says what it is in its own words).
    where = exc.filename if exc.filename is not None else "standard output"
    print(error_line(command, f"{os.fsdecode(where)}: {exc.strerror or exc}"), file=sys.stderr)
    return EXIT_FAILURE


class _ClosedStdout(io.TextIOBase):
    """What Python leaves as None when fd 1 is closed: every write fails with EBADF."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def fileno(self) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


def _terminate_on_hangup() -> dict[int, Any]:
    """SIGTERM and SIGHUP end a command the way Ctrl-C does: outputs untouched, one line, 128+N."""

    def interrupt(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(signum)

    previous: dict[int, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGHUP):
            previous[signum] = signal.signal(signum, interrupt)
    return previous


def _drop_stdout() -> None:
    # Whatever is still buffered for stdout can no longer be written: send it to
    # /dev/null so that the interpreter's last flush does not fail a second time.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # AttributeError: no sys.stdout at all
        pass


def _main(argv: list[str]) -> int:
    if argv and argv[0] == "script":
        # The kernel's argument conventions, not argparse's: hand them over untouched.
        try:
            return _run_script(argv[1:])
        except SyscalltblError as exc:
            _report(exc, "syscalltbl script")
            return EXIT_FAILURE
    try:
        args = _parser(argv[0] if argv else None).parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        if args.command == "build":
            return _run_build(args, argv)
        extra = _extra_commands(args.command)
        if args.command in extra:
            status: int = extra[args.command].run(args)
            return status
    except SyscalltblError as exc:
        _report(exc, f"syscalltbl {args.command}")
        return EXIT_USAGE if isinstance(exc, UsageError) else EXIT_FAILURE
    return EXIT_USAGE


def _report(exc: SyscalltblError, command: str) -> None:
    """The error's one line on stderr, after the usage it names (a usage error's synopsis)."""
    if isinstance(exc, UsageError) and exc.usage is not None:
        print(exc.usage.rstrip("\n"), file=sys.stderr)
    print(exc.report(command), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
