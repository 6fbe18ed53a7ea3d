"""python -m syscalltbl.machine.hw.unicorn_patch: install the patched Unicorn into this interpreter's environment.

Installs the cached wheel, or builds it first (about a minute on two
cores). Without cmake or a C compiler it says so and leaves the stock
wheel: the machine runs on either, slower on the stock one. `--require`
makes that an error (tests/run.sh, which installs the tools itself).
Never interactive: nothing reads stdin.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys

from syscalltbl.machine.hw.unicorn_patch import WHEEL_VERSION


def _log(message: str) -> None:
    print(f"unicorn_patch: {message}", file=sys.stderr, flush=True)


def installed_version() -> str | None:
    try:
        return importlib.metadata.version("unicorn")
    except importlib.metadata.PackageNotFoundError:
        return None


def ensure(*, require: bool, rebuild: bool) -> int:
    from syscalltbl.machine.hw.unicorn_patch import build  # pip, cmake and tarfile only when something is to do

    if installed_version() == WHEEL_VERSION and not rebuild:
        _log(f"unicorn {WHEEL_VERSION} is installed")
        return 0
    wheel = None if rebuild else build.cached_wheel()
    if wheel is None:
        missing = build.missing_tools()
        if missing:
            _log(f"cannot build ({', '.join(missing)} missing): the stock unicorn stays, guest code runs slower")
            return 1 if require else 0
        try:
            wheel = build.build(_log)
        except (build.BuildError, OSError) as exc:
            _log(f"build failed, the stock unicorn stays: {exc}")
            return 1 if require else 0
    else:
        _log(f"installing the cached {wheel.name}")
    try:
        build.install(wheel)
    except build.BuildError as exc:
        _log(str(exc))
        return 1 if require else 0
    _log(f"unicorn {WHEEL_VERSION} installed")
    return 0


def status() -> int:
    from syscalltbl.machine.hw import cpu  # loads libunicorn: the library that really runs, not pip's record

    print(f"installed distribution: unicorn {installed_version()}")
    print(f"engine: {cpu.engine()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m syscalltbl.machine.hw.unicorn_patch", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--require", action="store_true", help="exit 1 if the patched wheel cannot be installed")
    parser.add_argument("--rebuild", action="store_true", help="build again even if the wheel is cached")
    parser.add_argument("--status", action="store_true", help="say which unicorn this environment runs, and exit")
    args = parser.parse_args(argv)
    if args.status:
        return status()
    return ensure(require=args.require, rebuild=args.rebuild)


if __name__ == "__main__":
    sys.exit(main())
