"""The compatibility table: every x86-64 syscall, what the machine does with it, and the LTP tests of it.

Rows come from the 64-bit table the machine dispatches (common and 64 ABIs, in file order), never from a
list kept here. A call's status comes from the machine: a handler in its registry makes it implemented, or
partial when machine/syscalls/compat_notes.py's PARTIAL says what it lacks; with no handler it is ENOSYS, by
design when BY_DESIGN gives the reason or the table's own entry is sys_ni_syscall (ENOSYS on Linux too).

LTP's tests are taken from a result of conformance/ltp.py (its full JSON, or the reduced file it writes
with --compat-out: conformance/ltp-results.json, committed from the last full run). LTP keeps a call's
tests in a directory named after it or after the C function that makes it (testcases/kernel/syscalls/
<area>/: open, recv, execlp); the harness records that area per test, and `area_calls` maps an area to the
calls it is named after (see there for the rule). So a test is listed under the calls of its directory,
not under every call it makes: LTP's library makes many calls for every test (fork, mmap, getpid...), and
counting those would credit them with every test.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from syscalltbl.tables.errors import SyscalltblError

#: The results the checkout commits (conformance/ltp-results.json), found from this file's place in src/.
DEFAULT_RESULTS = Path(__file__).resolve().parents[3] / "conformance" / "ltp-results.json"
#: At most this many bytes of results are read: a full run's reduced file is about 150 KB, its full JSON 500 KB.
RESULTS_BYTES_LIMIT = 16 << 20

IMPLEMENTED, PARTIAL, BY_DESIGN, MISSING = "implemented", "partial", "ENOSYS by design", "ENOSYS"
STATUSES = (IMPLEMENTED, PARTIAL, BY_DESIGN, MISSING)
NI_SYSCALL = "sys_ni_syscall"
NI_REASON = "not a call on Linux either: the table's entry is sys_ni_syscall"

#: LTP areas named after a C library function, and the x86-64 calls glibc makes it of (recv is recvfrom).
LIBC_NAMES: dict[str, tuple[str, ...]] = {
    "recv": ("recvfrom",),
    "send": ("sendto",),
    "pselect": ("pselect6",),
    "umount": ("umount2",),
    "wait": ("wait4",),
    "waitpid": ("wait4",),
    "llseek": ("lseek",),
    "signal": ("rt_sigaction",),
    "sigwait": ("rt_sigtimedwait",),
    "sigwaitinfo": ("rt_sigtimedwait",),
    "file_attr": ("file_getattr", "file_setattr"),
    "readdir": ("getdents64",),
    "sbrk": ("brk",),
    "setpgrp": ("setpgid",),
    "statvfs": ("statfs",),
    "sighold": ("rt_sigprocmask",),
    "sigrelse": ("rt_sigprocmask",),
    "nice": ("getpriority", "setpriority"),
    "gethostname": ("uname",),
    "getdomainname": ("uname",),
    **{wrapper: ("execve",) for wrapper in ("execl", "execle", "execlp", "execv", "execvp")},
}


def area_calls(area: str, names: Iterable[str]) -> list[str]:
    """The calls (of `names`, the table's) an LTP area directory is named after.

    Its own name; with 64 appended (pread: pread64, getdents: getdents64 too); with new or rt_ prefixed
    (fstatat: newfstatat, sigaction: rt_sigaction) or new taken off (newuname: uname); the C library's name of
    the call (LIBC_NAMES); failing all of those, the family the area names: every call starting with the area
    (or its singular) and an underscore (inotify: inotify_add_watch, inotify_init...; pkeys: pkey_alloc...).
    """
    known = set(names)
    leaf = area.rsplit("/", 1)[-1]
    wanted = [leaf, leaf + "64", "new" + leaf, "rt_" + leaf, leaf.removeprefix("new"), *LIBC_NAMES.get(leaf, ())]
    found = list(dict.fromkeys(n for n in wanted if n in known))
    if found:
        return found
    stems = {leaf + "_", leaf.removesuffix("s") + "_"}
    return sorted(n for n in known if any(n.startswith(s) for s in stems))


@dataclass(frozen=True, slots=True)
class LtpTest:
    name: str
    area: str
    #: "in", or why the harness left it out (".mount_device", "not built")
    scope: str
    native: str | None  # the native run's verdict; None when not run
    machine: str | None  # the machine run's verdict; None when not run (out of scope, or failing natively)
    first_line: str  # the machine's first failing line, "" when it passed

    @property
    def result(self) -> str:
        """pass, fail, timeout, crash (the machine's verdict); or why it was not run on the machine."""
        if self.machine is not None:
            return self.machine
        if self.scope != "in":
            return f"out of scope ({self.scope})"
        return f"native {self.native}" if self.native else "not run"


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    name: str
    entry_point: str
    status: str
    note: str  # what a partial call lacks, why a call is ENOSYS by design; "" otherwise
    tests: tuple[LtpTest, ...] = ()


@dataclass(frozen=True, slots=True)
class Compat:
    rows: list[Row]
    #: where the LTP results came from (their `source`: the LTP archive measured) and their file's name
    source: str
    results_file: str
    tests: list[LtpTest]
    #: areas named after no x86-64 call (abort, getpagesize, memcpy...): area -> its tests
    other_areas: dict[str, list[LtpTest]] = field(default_factory=dict)

    def count(self, *statuses: str) -> int:
        return sum(1 for r in self.rows if r.status in statuses)

    def ltp_ratio(self) -> tuple[int, int]:
        """(machine passes, in-scope tests measured on the machine: those that pass natively)."""
        measured = [t for t in self.tests if t.machine is not None]
        return sum(1 for t in measured if t.machine == "pass"), len(measured)

    def summary(self) -> list[str]:
        implemented = self.count(IMPLEMENTED, PARTIAL)
        passes, measured = self.ltp_ratio()
        ratio = f"{100 * passes / measured:.1f}%" if measured else "-"
        return [
            f"{implemented} of {len(self.rows)} x86-64 syscalls implemented fully or partly "
            f"({self.count(IMPLEMENTED)} fully, {self.count(PARTIAL)} partly); "
            f"{self.count(BY_DESIGN)} ENOSYS by design, {self.count(MISSING)} ENOSYS",
            f"LTP: the machine passes {passes} of {measured} in-scope tests that pass natively ({ratio}); "
            f"{len(self.tests)} runtest entries in the results ({self.source}, {self.results_file})",
        ]


# ---------------------------------------------------------------- the LTP results


def _bad(path: Path, what: str) -> SyscalltblError:
    return SyscalltblError(f"not an LTP harness result (conformance/ltp.py --out or --compat-out): {what}",
                           path=str(path))


def _verdict(path: Path, name: str, run: Any, key: str) -> str | None:
    if run is None:
        return None
    if not isinstance(run, dict) or not isinstance(run.get("verdict"), str):
        raise _bad(path, f"test {name!r}: {key!r} is neither null nor a run with a verdict")
    verdict: str = run["verdict"]
    return verdict


def read_results(path: Path) -> tuple[str, list[LtpTest]]:
    """The tests of a harness result, in its order, and the LTP source it measured; an error names the file."""
    try:
        with path.open("rb") as f:
            data = f.read(RESULTS_BYTES_LIMIT + 1)
    except FileNotFoundError:
        raise SyscalltblError("no such file (LTP results: conformance/ltp.py --compat-out FILE writes one)",
                              path=str(path)) from None
    except IsADirectoryError:
        raise SyscalltblError("is a directory, expected LTP results", path=str(path)) from None
    except OSError as exc:
        raise SyscalltblError(f"cannot read: {exc.strerror}", path=str(path)) from None
    if len(data) > RESULTS_BYTES_LIMIT:
        raise SyscalltblError(f"input too large: more than {RESULTS_BYTES_LIMIT} bytes, the limit on LTP results",
                              path=str(path))
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise _bad(path, f"invalid JSON ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("tests"), dict):
        raise _bad(path, "no \"tests\" object")
    tests = []
    for name, test in document["tests"].items():
        if not isinstance(test, dict) or not isinstance(test.get("area"), str) or not isinstance(
                test.get("scope"), str):
            raise _bad(path, f"test {name!r} has no area or scope")
        machine = test.get("machine")
        native = _verdict(path, name, test.get("native"), "native")
        machine_verdict = _verdict(path, name, machine, "machine")
        lines = machine.get("lines") if isinstance(machine, dict) else None
        first = lines[0] if isinstance(lines, list) and lines and isinstance(lines[0], str) else ""
        tests.append(LtpTest(name, test["area"], test["scope"], native, machine_verdict, first))
    source = document.get("source")
    return (source if isinstance(source, str) else "unknown LTP source"), tests


# ---------------------------------------------------------------- the table


def build(
    syscalls: Iterable[tuple[int, str, str]],
    implemented: Iterable[str],
    partial: Mapping[str, str],
    by_design: Mapping[str, str],
    results: Path,
) -> Compat:
    """The table of `syscalls` ((number, name, entry point), the table's order) over the LTP results in `results`."""
    source, tests = read_results(results)
    calls = list(syscalls)
    names = [name for _, name, _ in calls]
    have = set(implemented)
    by_call: dict[str, list[LtpTest]] = {}
    other: dict[str, list[LtpTest]] = {}
    areas: dict[str, list[str]] = {}
    for test in tests:
        if test.area not in areas:
            areas[test.area] = area_calls(test.area, names) if test.area != "?" else []
        for name in areas[test.area]:
            by_call.setdefault(name, []).append(test)
        if not areas[test.area]:
            other.setdefault(test.area, []).append(test)
    rows = []
    for number, name, entry_point in calls:
        if entry_point in have:
            status, note = (PARTIAL, partial[entry_point]) if entry_point in partial else (IMPLEMENTED, "")
        elif entry_point == NI_SYSCALL:
            status, note = BY_DESIGN, NI_REASON
        elif entry_point in by_design:
            status, note = BY_DESIGN, by_design[entry_point]
        else:
            status, note = MISSING, ""
        rows.append(Row(number, name, entry_point, status, note, tuple(by_call.get(name, ()))))
    return Compat(rows, source, results.name, tests, dict(sorted(other.items())))


def machine_compat(results: Path = DEFAULT_RESULTS) -> Compat:
    """The table of syscalltbl's own x86-64 table and machine (no project's own calls) over `results`."""
    from syscalltbl.generators.x86_64.kernel import select_64
    from syscalltbl.machine.syscalls import REGISTRY
    from syscalltbl.machine.syscalls.compat_notes import BY_DESIGN as BY_DESIGN_NOTES
    from syscalltbl.machine.syscalls.compat_notes import PARTIAL as PARTIAL_NOTES
    from syscalltbl.tables import read, target

    table = select_64(read.parse_table(target.default().table))
    return build(((s.number, s.name, s.entry_point) for s in table), REGISTRY, PARTIAL_NOTES, BY_DESIGN_NOTES,
                 results)
