"""--memory, --fs-size, --fs-inodes, --max-procs, --max-files: the emulated machine's limits, for `run` and `fuzz`."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse
    from types import SimpleNamespace

    from syscalltbl.machine.kernel.limits import Limits


def _size(text: str) -> int:
    from syscalltbl.machine.kernel.limits import parse_size

    try:
        return parse_size(text)
    except ValueError as exc:
        import argparse  # only a parser calls this, and only then can it fail

        raise argparse.ArgumentTypeError(str(exc)) from None


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        import argparse  # as in _size

        raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}")
    return int(text)


def default_limits(memory: str = "1G") -> dict[str, object]:
    """What add_limit_options(parser, memory=memory) puts in a namespace when no limit option is given."""
    return {"default_memory": memory, "memory": _size(memory), "fs_size": None, "fs_inodes": None,
            "max_procs": None, "max_files": None}


def add_limit_options(parser: argparse.ArgumentParser, *, memory: str = "1G") -> None:
    group = parser.add_argument_group("machine limits (docs/machine-limits.md)")
    parser.set_defaults(default_memory=memory)
    group.add_argument("--memory", metavar="SIZE", type=_size, default=_size(memory),
                       help=f"the machine's RAM, e.g. 512M or 2G (default: {memory})")
    group.add_argument("--fs-size", metavar="SIZE", type=_size, default=None,
                       help="the in-memory filesystem's size (default: half of --memory, as tmpfs)")
    group.add_argument("--fs-inodes", metavar="N", type=_count, default=None,
                       help="files, directories and links it may hold (default: half of RAM's pages, as tmpfs)")
    group.add_argument("--max-procs", metavar="N", type=_count, default=None,
                       help="processes at once, kernel.threads-max (default: from --memory, as Linux)")
    group.add_argument("--max-files", metavar="N", type=_count, default=None,
                       help="descriptors per process, RLIMIT_NOFILE and fs.nr_open (default: Linux's, "
                            "RLIMIT_NOFILE 1024 soft, 4096 hard, nr_open 1048576)")


def limit_arguments(args: argparse.Namespace) -> str:
    """The limit options as given, ` --memory 16777216 ...` (a reproducer needs them); "" for the defaults."""
    given = [("--memory", args.memory if args.memory != _size(args.default_memory) else None),
             ("--fs-size", args.fs_size), ("--fs-inodes", args.fs_inodes), ("--max-procs", args.max_procs),
             ("--max-files", args.max_files)]
    return "".join(f" {name} {value}" for name, value in given if value is not None)


def limits_from(args: argparse.Namespace | SimpleNamespace) -> Limits:
    """The Limits the options ask for; a size the machine cannot have is a usage error."""
    from syscalltbl.machine.kernel.limits import Limits
    from syscalltbl.tables.errors import UsageError

    try:
        return Limits(memory=args.memory, fs_size=args.fs_size, fs_inodes=args.fs_inodes, max_procs=args.max_procs,
                      max_files=args.max_files)
    except ValueError as exc:
        raise UsageError(f"machine limits: {exc}") from None
