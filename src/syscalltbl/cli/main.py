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

import errno
import io
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse
    from types import SimpleNamespace

from syscalltbl.tables.errors import SyscalltblError, UsageError, error_line

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
EXIT_BROKEN_PIPE = 128 + 13  # as a shell reports a tool killed by SIGPIPE


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
    args: argparse.Namespace | SimpleNamespace | None = _plain_run(argv)
    parsed: argparse.Namespace | None = None
    if args is None:
        from syscalltbl.cli.parser import build_parser

        try:
            args = parsed = build_parser(argv[0] if argv else None).parse_args(argv)
        except SystemExit as exc:
            return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        if parsed is not None and parsed.command == "build":
            return _run_build(parsed, argv)
        from syscalltbl.cli.commands import selected

        extra = selected(args.command)
        if args.command in extra:
            status: int = extra[args.command].run(args)
            return status
    except SyscalltblError as exc:
        _report(exc, f"syscalltbl {args.command}")
        return EXIT_USAGE if isinstance(exc, UsageError) else EXIT_FAILURE
    return EXIT_USAGE


def _plain_run(argv: list[str]) -> SimpleNamespace | None:
    """`run [--env-clear] [--env K=V] [--cwd PATH] [--root DIR] PROGRAM [ARG...]`: argparse's namespace
    without argparse (None: argparse's to parse; commands/run.py's plain_arguments says which qualify).

    argparse, with the gettext and shutil it imports to build a parser, is about a tenth of a plain
    `run`'s start-up, and such a command line leaves it nothing to decide.
    """
    if argv[:1] != ["run"]:
        return None
    from syscalltbl.cli.commands import command

    plain: SimpleNamespace | None = command("run").plain_arguments(argv[1:])
    return plain


def _report(exc: SyscalltblError, command: str) -> None:
    """The error's one line on stderr, after the usage it names (a usage error's synopsis)."""
    if isinstance(exc, UsageError) and exc.usage is not None:
        print(exc.usage.rstrip("\n"), file=sys.stderr)
    print(exc.report(command), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
