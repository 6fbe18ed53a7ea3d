"""`syscalltbl fuzz`: random system calls from a ring-3 process of the emulated machine.

Each call's arguments are shaped by its prototype; after each call the
checker looks for host exceptions, isolation breaks (user pages on kernel
frames, another process's memory or descriptors) and broken kernel
invariants (areas, descriptor tables, the process tree, thread groups and
the address spaces their threads share, frames' holder counts). It makes
threads, forks and vforks (which make a few calls each, then exit), futex
calls on its own and on MAP_SHARED memory, and shared mappings. Every violation is
printed with the seed and count that reproduce it. --memory, --fs-size,
--max-procs and --max-files set the machine's limits: set low, calls run
into them all the time (the reproducer then needs the same options).

Exit status: 0 no violation, 1 violations, 2 usage errors, 128+N when signal N stopped it.
"""

from __future__ import annotations

import argparse

from syscalltbl.cli.limit_options import add_limit_options, limit_arguments, limits_from

HELP = "fuzz the emulated kernel with random system calls, checking isolation and invariants after each"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a fresh one, printed)")
    parser.add_argument("--count", type=int, default=10_000, help="number of calls (default: 10000)")
    add_limit_options(parser)


def run(args: argparse.Namespace) -> int:
    import random
    import sys

    from syscalltbl.machine.kernel.hostsig import Halted, HostSignals
    from syscalltbl.machine.tools.fuzz import Fuzzer, describe
    from syscalltbl.tables.errors import UsageError, error_line
    from syscalltbl.tables.target import resolve

    if args.count < 0:
        raise UsageError(f"--count must be at least 0, got {args.count}")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 32)
    try:
        with HostSignals(grace=0).installed() as host_signals:  # the first Ctrl-C stops it
            fuzzer = Fuzzer(seed, args.count, target=resolve(), host_signals=host_signals, limits=limits_from(args))
            report = fuzzer.run()
    except Halted as stop:
        print(error_line("syscalltbl fuzz", f"{stop} (seed {seed})"), file=sys.stderr)
        return 128 + stop.signum
    describe(report, lambda line: print(line, file=sys.stdout, flush=True), limit_arguments(args))
    return 1 if report.violations else 0
