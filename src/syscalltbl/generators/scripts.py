"""The kernel's table scripts, argument for argument.

Each `parse_*` function reads exactly the command line its kernel script
reads and returns a `Job`: which table to read, where the output goes, and
the generator's options. `render` turns a job and a parsed table into text.
Argument handling copies the scripts, including what they ignore (s390's
`-X`, options after mips' four positionals); usage errors exit 1 as theirs do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from syscalltbl.tables.errors import UsageError

if TYPE_CHECKING:
    from syscalltbl.generators.jinja_env import View
    from syscalltbl.tables.model import Table

TOOLS = ("syscalltbl", "syscallhdr", "arm-syscallnr", "mips-syscallnr", "s390-syscalltbl")

#: `syscalltbl script --touch-unchanged TOOL ARG...`: an OUTFILE that already holds the
#: bytes gets a new mtime, as the scripts' `>` gives it, so that make sees it up to date.
#: It comes before TOOL, outside every script's own arguments.
TOUCH_UNCHANGED = "--touch-unchanged"

#: the kernel script each TOOL replaces
REPLACES = {
    "syscalltbl": "scripts/syscalltbl.sh",
    "syscallhdr": "scripts/syscallhdr.sh",
    "arm-syscallnr": "arch/arm/tools/syscallnr.sh",
    "mips-syscallnr": "arch/mips/kernel/syscalls/syscallnr.sh",
    "s390-syscalltbl": "arch/s390/kernel/syscalls/syscalltbl",
}

#: each TOOL's arguments, the kernel script's own (what `syscalltbl script --help` lists)
SYNOPSIS = {
    "syscalltbl": "[--abis ABIS] INFILE OUTFILE",
    "syscallhdr": "[--abis ABIS] [--emit-nr] [--offset OFFSET] [--prefix PREFIX] INFILE OUTFILE",
    "arm-syscallnr": "INFILE OUTFILE",
    "mips-syscallnr": "INFILE OUTFILE [ABIS [PREFIX]]",
    "s390-syscalltbl": "[-H] [-S] [-N] [-X] [-i INFILE] [-a ABIS] [-f FILENAME]"
    "  (table on stdin unless -i, header on stdout)",
}

USAGE = {tool: f"usage: syscalltbl script {tool} {SYNOPSIS[tool]}" for tool in TOOLS}


class Job(NamedTuple):
    """One generator run: `input`/`output` None mean stdin/stdout."""

    tool: str
    input: str | None
    output: str | None
    abis: tuple[str, ...] | None = None
    emit_nr: bool = False
    offset: str = ""
    prefix: str = ""
    #: s390 modes in the order the script runs them: "H", "S", "N".
    modes: tuple[str, ...] = ()
    file_name: str = ""


def _usage(tool: str, problem: str) -> UsageError:
    return UsageError(problem, usage=USAGE[tool])


def _long_options(tool: str, argv: list[str], allowed: tuple[str, ...]) -> tuple[dict[str, str], list[str]]:
    """The `while [ $# -gt 0 ]; case $1 in --opt) ...` loop of the two generic scripts."""
    options: dict[str, str] = {}
    rest = list(argv)
    while rest:
        arg = rest[0]
        if arg in allowed and arg != "--emit-nr":
            if len(rest) < 2:
                raise _usage(tool, f"{arg}: missing argument")
            options[arg] = rest[1]
            del rest[:2]
        elif arg == "--emit-nr" and arg in allowed:
            options[arg] = "1"
            del rest[:1]
        elif arg.startswith("-"):
            raise _usage(tool, f"{arg}: unknown option")
        else:
            break
    if len(rest) != 2:
        raise _usage(tool, "expected INFILE and OUTFILE")
    return options, rest


def _abis(options: dict[str, str]) -> tuple[str, ...] | None:
    from syscalltbl.tables.abi import parse_abi_list

    return parse_abi_list(options["--abis"]) if "--abis" in options else None


def parse_syscalltbl(argv: list[str]) -> Job:
    options, (infile, outfile) = _long_options("syscalltbl", argv, ("--abis",))
    return Job("syscalltbl", infile, outfile, abis=_abis(options))


def parse_syscallhdr(argv: list[str]) -> Job:
    allowed = ("--abis", "--emit-nr", "--offset", "--prefix")
    options, (infile, outfile) = _long_options("syscallhdr", argv, allowed)
    return Job(
        "syscallhdr",
        infile,
        outfile,
        abis=_abis(options),
        emit_nr="--emit-nr" in options,
        offset=options.get("--offset", ""),
        prefix=options.get("--prefix", ""),
    )


def parse_arm_syscallnr(argv: list[str]) -> Job:
    if len(argv) < 2:
        raise _usage("arm-syscallnr", "expected INFILE and OUTFILE")
    return Job("arm-syscallnr", argv[0], argv[1])


def parse_mips_syscallnr(argv: list[str]) -> Job:
    if len(argv) < 2:
        raise _usage("mips-syscallnr", "expected INFILE and OUTFILE")
    from syscalltbl.tables.abi import parse_abi_list

    abis = argv[2] if len(argv) > 2 else ""
    prefix = argv[3] if len(argv) > 3 else ""
    return Job("mips-syscallnr", argv[0], argv[1], abis=parse_abi_list(abis), prefix=prefix)


def parse_s390_syscalltbl(argv: list[str]) -> Job:
    """getopts ":HNSXi:a:f:", then the modes in the script's fixed order."""
    from syscalltbl.tables.abi import parse_abi_list

    flags: set[str] = set()
    values = {"a": "common,64", "i": "", "f": ""}
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg == "--":
            break
        if not arg.startswith("-") or arg == "-":
            break
        pos = 1
        while pos < len(arg):
            letter = arg[pos]
            if letter in "HNSX":
                flags.add(letter)
                pos += 1
            elif letter in "iaf":
                if pos + 1 < len(arg):
                    values[letter] = arg[pos + 1 :]
                elif index + 1 < len(argv):
                    index += 1
                    values[letter] = argv[index]
                else:
                    raise _usage("s390-syscalltbl", f"Missing argument for -{letter}")
                break
            else:
                raise _usage("s390-syscalltbl", "Invalid option specified")
        index += 1
    modes = tuple(m for m in "HSN" if m in flags)
    return Job(
        "s390-syscalltbl",
        values["i"] or None,
        None,
        abis=parse_abi_list(values["a"]),
        modes=modes,
        file_name=values["f"].rsplit("/", 1)[-1],
    )


PARSERS = {
    "syscalltbl": parse_syscalltbl,
    "syscallhdr": parse_syscallhdr,
    "arm-syscallnr": parse_arm_syscallnr,
    "mips-syscallnr": parse_mips_syscallnr,
    "s390-syscalltbl": parse_s390_syscalltbl,
}


def parse_argv(tool: str, argv: list[str]) -> Job:
    if tool not in PARSERS:
        raise UsageError(f"unknown script {tool!r}: expected one of {', '.join(TOOLS)}")
    return PARSERS[tool](argv)


def views(job: Job, table: Table) -> list[View]:
    """What the job renders, template and data, without running Jinja2.

    For s390, modes after the first that reads stdin see it empty.
    """
    from syscalltbl.generators import arm_syscallnr, mips_syscallnr, syscallhdr_sh, syscalltbl_sh

    assert job.output is not None or job.tool == "s390-syscalltbl"
    if job.tool == "syscalltbl":
        return [syscalltbl_sh.view(table, job.abis)]
    if job.tool == "syscallhdr":
        assert job.output is not None
        return [
            syscallhdr_sh.view(table, job.abis, job.output, emit_nr=job.emit_nr, offset=job.offset, prefix=job.prefix)
        ]
    if job.tool == "arm-syscallnr":
        assert job.output is not None
        return [arm_syscallnr.view(table, job.output)]
    if job.tool == "mips-syscallnr":
        assert job.output is not None
        return [mips_syscallnr.view(table, job.output, job.abis, job.prefix)]
    return _s390_views(job, table)


def _s390_views(job: Job, table: Table) -> list[View]:
    from syscalltbl.generators import s390_syscalltbl
    from syscalltbl.tables.model import Table

    abis = job.abis or ()
    parts: list[View] = []
    current = table
    for mode in job.modes:
        if mode == "H":
            parts.append(s390_syscalltbl.header_view(current, abis, job.file_name))
        elif mode == "S":
            parts.append(s390_syscalltbl.syscall_table_view(current))
        else:
            parts.append(s390_syscalltbl.syscall_count_view(current, abis))
        if job.input is None:
            # grep read standard input to its end; the next mode finds it empty.
            current = Table(table.path, (), ())
    return parts


def render_views(parts: list[View]) -> str:
    from syscalltbl.generators.jinja_env import render_view

    return "".join(render_view(v) for v in parts)


def render(job: Job, table: Table) -> str:
    """The job's output text."""
    return render_views(views(job, table))
