"""Which entry-point symbols a kernel tree's C and assembly sources define.

A full tree is 1.5 GB; reading it in Python would take far longer than the
10 s a lint may take. One `grep -rlE` (C library speed) lists the few thousand
files that can define an entry point: those that mention SYSCALL_DEFINE,
COND_SYSCALL, `sys_`, or an entry-point name the tables use without `sys_` in
it (alpha_clone3, sparc_exit, ...). Only those files are then read, with
regexes for:

- SYSCALL_DEFINEn(x) -> sys_x, COMPAT_SYSCALL_DEFINEn(x) -> compat_sys_x, and
  architecture wrappers such as PPC32_SYSCALL_DEFINE6(x) -> both;
- COND_SYSCALL(x), COND_SYSCALL_COMPAT(x), cond_syscall(sys_x), SYSCALL_ALIAS:
  weak definitions, which link as well as strong ones;
- assembly ENTRY(x), SYM_FUNC_START*(x), SYM_CODE_START*(x), `.globl x`;
- plain C definitions: a wanted name followed by `(` at the start of a line
  (after the return type) whose parameter list is followed by `{`, and
  `#define x ...` aliases.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

#: Top-level directories that hold no kernel code (or none that links into vmlinux).
_NOT_CODE = frozenset({"Documentation", "tools", "samples", "LICENSES", "usr", "scripts", "rust"})
#: Huge directories where `sys_` is common in unrelated names (sys_clk, ...) but
#: entry points are only ever defined through the macros: searched for those alone.
_MACRO_ONLY = frozenset({"drivers", "sound"})
_MACROS = ("SYSCALL_DEFINE", "COND_SYSCALL", "cond_syscall", "SYSCALL_ALIAS")

_DEFINE = re.compile(r"SYSCALL(?:32)?_DEFINE(?:\d|_MAXARGS)\s*\(\s*(\w+)")
_DEFINE_PREFIX = re.compile(r"([A-Z0-9_]*)$")
_COND = re.compile(r"(COND_SYSCALL_COMPAT|COND_SYSCALL|cond_syscall|SYSCALL_ALIAS)\s*\(\s*(\w+)")
_ASM = re.compile(
    r"^[ \t]*(?:ENTRY|ENTRY_CFI|GLOBAL|SYM_FUNC_START\w*|SYM_CODE_START\w*|SYM_TYPED_FUNC_START|"
    r"SYM_INNER_LABEL\w*|_GLOBAL\w*|LEAF|NESTED|FEXPORT)[ \t]*\([ \t]*(\w+)|^[ \t]*\.glob(?:a)?l[ \t]+(\w+)|^(\w+):",
    re.M,
)
_ASM_MACRO = re.compile(r"^[ \t]*\.macro[ \t]+(\w+)[ \t,]*([^\n]*)\n(.*?)^[ \t]*\.endm", re.M | re.S)
#: mips' save_static_function(sys_x) emits the assembly symbol __sys_x.
_SAVE_STATIC = re.compile(r"save_static_function\(\s*(\w+)\s*\)")
_C_HEAD = re.compile(r"^(?:[A-Za-z_][\w \t*]*?[ \t*])?(\w+)[ \t]*\(", re.M)
_MACRO = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+)", re.M)


def _grep(root: Path, pattern: str, paths: list[str]) -> subprocess.Popen[str]:
    argv = ["grep", "-rlE", "--include=*.c", "--include=*.S", "--include=*.h", "-e", pattern, "--", *paths]
    return subprocess.Popen(argv, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def candidate_files(root: Path, wanted: Iterable[str]) -> list[Path]:
    """Files that can define an entry point: two greps over the tree, run side by side."""
    odd = sorted({re.escape(name) for name in wanted if "sys_" not in name})
    tops = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    broad = [t for t in tops if t not in _NOT_CODE and t not in _MACRO_ONLY]
    narrow = [t for t in tops if t in _MACRO_ONLY]
    jobs = [_grep(root, "|".join([*_MACROS, "sys_", *odd]), broad)] if broad else []
    if narrow:
        jobs.append(_grep(root, "|".join(_MACROS), narrow))
    files: list[Path] = []
    for job in jobs:
        out, err = job.communicate()
        if job.returncode not in (0, 1):
            raise OSError(f"grep failed in {root}: {err.strip()}")
        files.extend(root / line for line in out.splitlines() if line)
    return files


def _close_paren(text: str, start: int) -> int:
    """Index after the `)` matching the `(` at `start`, or -1."""
    depth = 0
    for i in range(start, min(len(text), start + 4000)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    return -1


def _defines_function(text: str, paren: int) -> bool:
    end = _close_paren(text, paren)
    if end < 0:
        return False
    rest = text[end : end + 200].lstrip()
    # Attributes may sit between the parameter list and the body.
    while rest.startswith("__"):
        rest = re.sub(r"^__\w+(\s*\([^)]*\))?\s*", "", rest, count=1)
    return rest.startswith("{")


def _asm_macro_symbols(text: str) -> set[str]:
    """Symbols `.macro` bodies build from their arguments (`alpha_\\name:`), per invocation."""
    symbols: set[str] = set()
    for match in _ASM_MACRO.finditer(text):
        name, params, body = match.groups()
        names = [p.split("=")[0].split(":")[0] for p in re.split(r"[\s,]+", params.strip()) if p]
        if not names:
            continue
        # A template is word characters around `\\name`, maybe joined by gas' `\\()` separator.
        piece = r"(?:\w|\\\(\))*"
        templates = set(re.findall(piece + r"\\" + re.escape(names[0]) + piece, body))
        for call in re.finditer(r"^[ \t]*" + re.escape(name) + r"[ \t]+(\w+)", text, re.M):
            for template in templates:
                symbols.add(template.replace("\\()", "").replace("\\" + names[0], call.group(1)))
    return symbols


def scan_text(text: str, is_header: bool, is_asm: bool, wanted: set[str], out: set[str]) -> None:
    """Add to `out` every entry-point symbol `text` defines (or, in a header, declares)."""
    if "_DEFINE" in text:
        for match in _DEFINE.finditer(text):
            prefix = _DEFINE_PREFIX.search(text, max(0, match.start() - 40), match.start())
            kind, name = (prefix.group(1) if prefix else ""), match.group(1)
            if kind == "COMPAT_":
                out.add(f"compat_sys_{name}")
            elif kind == "":
                out.add(f"sys_{name}")
            else:
                out.update((f"sys_{name}", f"compat_sys_{name}"))
    if "SYSCALL" in text or "cond_syscall" in text:
        for match in _COND.finditer(text):
            macro, name = match.groups()
            out.add({"COND_SYSCALL": f"sys_{name}", "COND_SYSCALL_COMPAT": f"compat_sys_{name}"}.get(macro, name))
    if is_asm:
        for match in _ASM.finditer(text):
            out.add(match.group(1) or match.group(2) or match.group(3))
        if ".macro" in text:
            out.update(_asm_macro_symbols(text))
        return
    if "save_static_function" in text:
        out.update(f"__{name}" for name in _SAVE_STATIC.findall(text))
    for match in _MACRO.finditer(text):
        if match.group(1) in wanted:
            out.add(match.group(1))
    for match in _C_HEAD.finditer(text):
        name = match.group(1)
        if name in wanted and name not in out:
            paren = text.index("(", match.end() - 1)
            if is_header or _defines_function(text, paren):
                out.add(name)


def scan_definitions(root: Path, wanted: set[str]) -> frozenset[str]:
    """Entry-point symbols defined (or declared in headers) by the tree's sources."""
    found: set[str] = set()
    for file in candidate_files(root, wanted):
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        scan_text(text, file.suffix == ".h", file.suffix == ".S", wanted, found)
    return frozenset(found)


_COND_LINE = re.compile(r"^\s*(COND_SYSCALL_COMPAT|COND_SYSCALL|cond_syscall)\s*\(\s*(\w+)\s*\)", re.M)


def read_sys_ni(file: Path) -> frozenset[str]:
    """The symbols kernel/sys_ni.c stubs out (macro definitions excluded)."""
    text = file.read_text(encoding="utf-8", errors="replace")
    symbols = set()
    for macro, name in _COND_LINE.findall(text):
        symbols.add({"COND_SYSCALL": f"sys_{name}", "COND_SYSCALL_COMPAT": f"compat_sys_{name}"}.get(macro, name))
    return frozenset(symbols)
