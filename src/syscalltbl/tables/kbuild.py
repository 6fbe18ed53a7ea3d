"""The generator invocations of a kernel tree, read from its own Makefiles.

Two kinds of Makefiles run the table scripts:

- one per table directory (arch/x86/entry/syscalls/Makefile,
  arch/*/kernel/syscalls/Makefile, arch/arm/tools/Makefile), run by the
  architecture's `archheaders` target with goals all, kapi and uapi;
- scripts/Makefile.asm-headers, run for every architecture twice (for
  arch/$(SRCARCH)/include/generated/asm and .../uapi/asm), which reads
  arch/*/kernel/Makefile.syscalls for the ABI lists and the Kbuild files for
  which headers (`syscall-y`) to generate.

Each expanded command that runs one of the five table scripts becomes an
Output, as tables.toml would write it: its argv with {input} and {output}
for the table and the generated file, and the Makefile line of its rule.
"""

from __future__ import annotations

import posixpath
import shlex
from pathlib import Path

from syscalltbl.tables.make import Make
from syscalltbl.tables.project import Output

#: Script paths (in the tree) -> the generator name syscalltbl.generators.scripts knows them by.
SCRIPTS = {
    "scripts/syscalltbl.sh": "syscalltbl",
    "scripts/syscallhdr.sh": "syscallhdr",
    "arch/arm/tools/syscallnr.sh": "arm-syscallnr",
    "arch/mips/kernel/syscalls/syscallnr.sh": "mips-syscallnr",
    "arch/s390/kernel/syscalls/syscalltbl": "s390-syscalltbl",
}

ASM_HEADERS = "scripts/Makefile.asm-headers"
GOALS = ["all", "kapi", "uapi"]

#: What scripts/Kbuild.include and scripts/Makefile.build would define; they
#: are not read (they are about building, not about tables).
_KBUILD = {
    "srctree": ".",
    "objtree": ".",
    "CONFIG_SHELL": "sh",
    "comma": ",",
    "empty": "",
    "space": " ",
    "squote": "'",
    "pound": "#",
    "Q": "",
    "AWK": "awk",
    "if_changed": "$(cmd_$(1))",
    "if_changed_dep": "$(cmd_$(1))",
    "cmd": "$(cmd_$(1))",
    "filechk": "$(filechk_$(1))",
    "real-prereqs": "$(filter-out $(PHONY) FORCE,$^)",
    "basetarget": "$(basename $(notdir $@))",
    "kbuild-file": "$(or $(wildcard $(src)/Kbuild),$(src)/Makefile)",
}


def _normal(path: str) -> str:
    return posixpath.normpath(path) if "/" in path else path


#: Kbuild machinery whose definitions _KBUILD replaces.
SKIPPED = frozenset({"scripts/Kbuild.include"})


def _simple_commands(command: str) -> list[list[str]]:
    """The words of each simple command in a shell line (split at ; && || |)."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    commands: list[list[str]] = [[]]
    try:
        for token in lexer:
            if token in (";", "&&", "||", "|", "&"):
                commands.append([])
            else:
                commands[-1].append(token)
    except ValueError:
        return []
    return [c for c in commands if c]


def invocation(command: str) -> tuple[str, list[str], str | None] | None:
    """(generator, argv, stdin file) if `command` runs a table script, else None."""
    for words in _simple_commands(command):
        found = _script_call(words)
        if found is not None:
            return found
    return None


def _script_call(words: list[str]) -> tuple[str, list[str], str | None] | None:
    for index, word in enumerate(words):
        generator = SCRIPTS.get(_normal(word))
        if generator is None:
            continue
        args = words[index + 1 :]
        stdin = None
        if "<" in args:
            at = args.index("<")
            stdin = _normal(args[at + 1]) if at + 1 < len(args) else None
            args = args[:at] + args[at + 2 :]
        args = [a for a in args if a != ">"]
        return generator, [_normal(a) for a in args], stdin
    return None


def _placeholders(argv: list[str], table: str, target: str) -> tuple[str, ...]:
    """argv as tables.toml writes it: {input} for the table read, {output} for the file made."""
    return tuple("{input}" if a == table else "{output}" if a == target else a for a in argv)


def _collect(make: Make, arch: str, known_tables: set[str], notes: list[str]) -> list[Output]:
    found: list[Output] = []
    for target in make.goal_targets(GOALS):
        for command, rule in make.commands(target):
            parsed = invocation(command)
            if parsed is None:
                continue
            generator, argv, stdin = parsed
            table = stdin or next((a for a in argv if a.endswith(".tbl")), None)
            if table is None:
                notes.append(f"{rule.file}:{rule.line}: {generator} reads no .tbl file: {command.strip()}")
                continue
            if table not in known_tables:
                notes.append(f"{rule.file}:{rule.line}: {generator} reads {table}, which is not in the tree")
            path = _normal(target)
            found.append(
                Output(
                    arch=arch,
                    generator=generator,
                    input=table,
                    argv=_placeholders(argv, table, path),
                    stdin=stdin is not None,
                    path=path,
                    makefile=rule.file,
                    makefile_line=rule.line,
                )
            )
    return found


def tree_outputs(
    root: Path, table_dirs: list[str], known_tables: set[str]
) -> tuple[list[Output], dict[str, list[str]]]:
    """Every generator invocation of the tree, and per-arch notes on how they were found."""
    outputs: list[Output] = []
    notes: dict[str, list[str]] = {}
    for directory in sorted(table_dirs):
        makefile = f"{directory}/Makefile"
        if not directory.startswith("arch/") or not (root / makefile).is_file():
            continue
        arch = directory.split("/")[1]
        variables = {**_KBUILD, "src": directory, "obj": directory, "SRCARCH": arch, "ARCH": arch}
        make = Make(root, variables, SKIPPED)
        make.include(makefile)
        arch_notes = notes.setdefault(arch, [])
        found = _collect(make, arch, known_tables, arch_notes)
        arch_notes.append(f"{len(found)} invocations in {makefile}")
        outputs.extend(found)
    if (root / ASM_HEADERS).is_file():
        for arch_dir in sorted(p for p in (root / "arch").iterdir() if p.is_dir() and p.name != "um"):
            arch = arch_dir.name
            for obj, generic in (
                (f"arch/{arch}/include/generated/uapi/asm", "include/uapi/asm-generic"),
                (f"arch/{arch}/include/generated/asm", "include/asm-generic"),
            ):
                variables = {**_KBUILD, "obj": obj, "generic": generic, "SRCARCH": arch, "ARCH": arch}
                make = Make(root, variables, SKIPPED)
                make.include(ASM_HEADERS)
                found = _collect(make, arch, known_tables, notes.setdefault(arch, []))
                if found:
                    notes[arch].append(f"{len(found)} invocations in {ASM_HEADERS} (obj={obj})")
                outputs.extend(found)
    return outputs, notes
