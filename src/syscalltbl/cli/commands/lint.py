"""`syscalltbl lint`: check syscall tables, their outputs, prototypes and sources.

    syscalltbl lint                       the project's arch/ (tables.toml)
    syscalltbl lint FILE... [--abis A]... single tables (in their tree or project when they have one)
    syscalltbl lint --tree DIR            a Linux source tree, ABI lists from its own Makefiles

Exit status: 0 no errors, 1 errors (or warnings with --werror), 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from syscalltbl.cli.options import add_project_option

if TYPE_CHECKING:
    from syscalltbl.lint.findings import Finding
    from syscalltbl.lint.inputs import LintInputs
    from syscalltbl.lint.rulebase import Rule

HELP = "check syscall tables: duplicates, ABI typos, prototypes, cross-architecture drift"
EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE", help="tables to lint (default: the project)")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--tree", type=Path, metavar="DIR", help="lint a Linux source tree")
    add_project_option(where)
    parser.add_argument(
        "--abis",
        action="append",
        metavar="ABIS",
        help="FILEs only: lint as if an output selected these ABIs (repeatable: one output each, "
        "as a Makefile generates several outputs from one table)",
    )
    parser.add_argument("--headers", type=Path, metavar="DIR", help="read prototype headers from DIR (kernel headers)")
    parser.add_argument(
        "--corpus", type=Path, metavar="DIR", help="partial kernel tree with tools/perf copies and meta/ lists"
    )
    parser.add_argument("--no-sources", action="store_true", help="--tree: do not scan C/asm sources")
    parser.add_argument("--format", choices=("text", "json", "sarif"), default="text")
    parser.add_argument("--werror", action="store_true", help="treat warnings as errors (exit 1)")
    parser.add_argument(
        "--enable", action="append", default=[], metavar="RULE", help="check only these rules (ID or family, e.g. PRO)"
    )
    parser.add_argument("--disable", action="append", default=[], metavar="RULE", help="skip these rules")
    exceptions = parser.add_mutually_exclusive_group()
    exceptions.add_argument(
        "--exceptions", type=Path, metavar="FILE", help="exceptions file (default: arch/lint-exceptions.toml)"
    )
    exceptions.add_argument("--no-exceptions", action="store_true", help="report every finding")
    parser.add_argument("--list-rules", action="store_true", help="print the rule catalogue and exit")
    parser.add_argument("-v", "--verbose", action="store_true", help="also print what was read and suppressed")


def _select(rules: dict[str, Rule], enable: list[str], disable: list[str]) -> list[str]:
    from syscalltbl.tables.errors import UsageError

    def expand(names: list[str]) -> set[str]:
        chosen: set[str] = set()
        for name in names:
            for part in name.split(","):
                matched = {r for r in rules if r == part.upper() or r.startswith(part.upper())} if part else set()
                if not matched:
                    raise UsageError(f"unknown rule {part!r}: see `syscalltbl lint --list-rules`")
                chosen |= matched
        return chosen

    enabled = expand(enable) if enable else set(rules)
    disabled = expand(disable)
    return [r for r in rules if r in enabled and r not in disabled]


def _list_rules(rules: dict[str, Rule], verbose: bool) -> int:
    import textwrap

    for rule in rules.values():
        print(f"{rule.id}  {rule.severity:<7}  {rule.title}")
        if verbose:
            print(textwrap.indent(textwrap.fill(rule.rationale, 88), "        "))
    return EXIT_OK


def _inputs(args: argparse.Namespace) -> list[tuple[LintInputs, Path, list[Path] | None, Path | None]]:
    """What to lint, as (inputs, root SARIF URIs are relative to, files to report on, project arch/)."""
    from syscalltbl.lint import files as single
    from syscalltbl.lint.project_inputs import load_project_inputs
    from syscalltbl.lint.tree import load_tree_inputs
    from syscalltbl.tables import project
    from syscalltbl.tables.abi import parse_abi_list
    from syscalltbl.tables.errors import UsageError

    for option in ("headers", "corpus", "tree"):
        value = getattr(args, option)
        if value is not None and not value.is_dir():
            raise UsageError(f"--{option} {value}: no such directory")
    if args.abis is not None and not args.files:
        raise UsageError("--abis applies to FILE arguments")
    if args.tree is not None:
        if args.files:
            raise UsageError("give either --tree DIR or FILEs")
        if args.headers is not None or args.corpus is not None:
            raise UsageError("--headers and --corpus add to a project; a tree has its own headers")
        return [(load_tree_inputs(args.tree, sources=not args.no_sources), args.tree, None, None)]
    if not args.files:
        arch_root = project.find_root(args.project)
        loaded = load_project_inputs(project.load(arch_root), headers=args.headers, corpus=args.corpus)
        return [(loaded, arch_root.parent, None, arch_root)]
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        raise UsageError(f"no such file: {', '.join(missing)}")
    if args.abis is not None:
        selections = [parse_abi_list(abis) for abis in args.abis]
        return [(single.standalone_inputs(args.files, selections), Path.cwd(), None, None)]
    # Each file is linted in its own context: pre-commit passes files of any kind together.
    trees: dict[Path, list[Path]] = {}
    projects: dict[Path, list[Path]] = {}
    lone: list[Path] = []
    for file in args.files:
        tree = single.kernel_tree_of(file)
        owner = single.project_root_of(file) if tree is None else None
        if tree is not None:
            trees.setdefault(tree, []).append(file)
        elif owner is not None:
            projects.setdefault(owner, []).append(file)
        else:
            lone.append(file)
    groups: list[tuple[LintInputs, Path, list[Path] | None, Path | None]] = []
    for tree, files in trees.items():
        groups.append((load_tree_inputs(tree, sources=False), Path.cwd(), files, None))
    for owner, files in projects.items():
        loaded = load_project_inputs(project.load(owner), headers=args.headers, corpus=args.corpus)
        groups.append((loaded, Path.cwd(), files, owner))
    if lone:
        groups.append((single.standalone_inputs(lone, None), Path.cwd(), None, None))
    return groups


def _only(findings: list[Finding], files: list[Path]) -> list[Finding]:
    wanted = {f.resolve() for f in files}
    return [f for f in findings if Path(f.location.file).resolve() in wanted]


def _exceptions_file(args: argparse.Namespace, arch_root: Path | None) -> Path | None:
    from syscalltbl.lint.exceptions import default_file

    if args.no_exceptions:
        return None
    if args.exceptions is not None:
        return Path(args.exceptions)
    return default_file(arch_root)


def run(args: argparse.Namespace) -> int:
    from syscalltbl.lint import diagnostics, run_lint
    from syscalltbl.lint.exceptions import apply_exceptions, load_exceptions
    from syscalltbl.lint.rules import RULES
    from syscalltbl.tables.errors import UsageError

    if args.list_rules:
        return _list_rules(RULES, args.verbose)
    chosen = _select(RULES, args.enable, args.disable)
    groups = _inputs(args)
    findings: list[Finding] = []
    for inputs, _root, only, _arch in groups:
        found = run_lint(inputs, chosen)
        findings.extend(found if only is None else _only(found, only))
    root, arch_root = groups[0][1], groups[0][3]
    exceptions_file = _exceptions_file(args, arch_root)
    if args.exceptions is not None and not args.exceptions.is_file():
        raise UsageError(f"--exceptions {args.exceptions}: no such file")
    exceptions = load_exceptions(exceptions_file, list(RULES)) if exceptions_file else []
    applied = apply_exceptions(findings, exceptions)
    kept = applied.kept
    lines = diagnostics.file_lines()
    if args.format == "json":
        sys.stdout.write(diagnostics.format_json(kept))
    elif args.format == "sarif":
        from syscalltbl.lint.sarif import format_sarif

        texts = {(f.location.file, f.location.line): lines(f.location.file, f.location.line) or "" for f in kept}
        sys.stdout.write(format_sarif(kept, RULES, root, _version(), texts))
    else:
        for finding in kept:
            print(diagnostics.format_text(finding, lines))
    summary_stream = sys.stdout if args.format == "text" else sys.stderr
    if args.verbose:
        for finding, exception in applied.suppressed:
            where = exception_where(exceptions_file, exception.line)
            print(f"suppressed: {finding.location}: [{finding.rule}] by {where}", file=summary_stream)
        for exception in applied.unused:
            print(f"unused exception: {exception_where(exceptions_file, exception.line)} [{exception.rule}]",
                  file=summary_stream)
        for inputs, *_ in groups:
            for arch, notes in sorted(inputs.notes.items()):
                for note in notes:
                    print(f"{arch}: {note}", file=summary_stream)
    print(diagnostics.summary(kept, len(applied.suppressed), args.werror), file=summary_stream)
    errors = any(f.severity == "error" for f in kept)
    warnings = any(f.severity == "warning" for f in kept)
    return EXIT_ERRORS if errors or (args.werror and warnings) else EXIT_OK


def exception_where(file: Path | None, line: int) -> str:
    return f"{file}:{line}" if file else f"line {line}"


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("syscalltbl")
    except metadata.PackageNotFoundError:
        return "0"
