"""The `syscalltbl` command: `main(argv) -> int`.

Exit status: 0 success, 1 failure, 2 usage error; `syscalltbl script` keeps
the kernel scripts' convention instead (usage errors exit 1). Start-up stays
lean: each subcommand imports what it needs when it runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from types import ModuleType

from syscalltbl.cli.options import add_project_option
from syscalltbl.tables.errors import SyscalltblError, UsageError

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="syscalltbl",
        description="Parse Linux syscall tables and generate what the kernel build generates from them.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    build = commands.add_parser("build", help="regenerate every output named in arch/")
    build.add_argument("-o", "--outdir", default="build", type=Path, help="output directory (default: build)")
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
    add_project_option(build)
    for name, module in _extra_commands().items():
        sub = commands.add_parser(name, help=module.HELP, description=module.HELP)
        module.configure(sub)
    commands.add_parser(
        "script",
        help="run as a drop-in for a kernel script: TOOL ARG...",
        description="TOOL is one of syscalltbl, syscallhdr, arm-syscallnr, mips-syscallnr, s390-syscalltbl; "
        "ARG... are exactly the kernel script's arguments.",
    )
    return parser


def _extra_commands() -> dict[str, ModuleType]:
    from syscalltbl.cli.commands import COMMANDS

    return COMMANDS


def _run_build(args: argparse.Namespace) -> int:
    from syscalltbl.build import regenerate
    from syscalltbl.tables import project, target

    groups = tuple(args.group) if args.group else regenerate.GROUPS
    explain: list[str] | None = [] if args.explain else None
    root = project.find_root(args.project)
    summary = regenerate.build(project.load(root), args.outdir, args.arch, groups, explain, target.from_arch(root))
    for line in explain or ():
        print(f"  {line}")
    for error in summary.errors:
        print(error, file=sys.stderr)
    if args.verbose:
        for path in summary.written:
            print(f"  wrote {args.outdir / path}")
    print(f"syscalltbl build: {summary.line()}")
    return EXIT_FAILURE if summary.errors else EXIT_OK


def _run_script(argv: list[str]) -> int:
    from syscalltbl.generators import scripts

    if not argv:
        raise UsageError("expected TOOL ARG...: TOOL is one of " + ", ".join(scripts.TOOLS))
    job = scripts.parse_argv(argv[0], argv[1:])
    if job.input is None:
        data, shown = sys.stdin.buffer.read(), "<stdin>"
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

        atomic.write_if_changed(Path(job.output), text)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`syscalltbl export | head`): no traceback, and no
        # second error when the interpreter flushes stdout at exit.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILURE


def _main(argv: list[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "script":
        # The kernel's argument conventions, not argparse's: hand them over untouched.
        try:
            return _run_script(argv[1:])
        except UsageError as exc:
            print(f"syscalltbl script: {exc.message}", file=sys.stderr)
            return EXIT_FAILURE
        except SyscalltblError as exc:
            print(exc, file=sys.stderr)
            return EXIT_FAILURE
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        if args.command == "build":
            return _run_build(args)
        extra = _extra_commands()
        if args.command in extra:
            status: int = extra[args.command].run(args)
            return status
    except UsageError as exc:
        print(f"syscalltbl {args.command}: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except SyscalltblError as exc:
        print(exc, file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
