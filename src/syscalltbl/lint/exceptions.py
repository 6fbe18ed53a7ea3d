"""Exceptions: findings that are right about the text but wrong about the kernel, each with its reason.

Like scripts/checksyscalls.sh's list of syscalls that may be missing, an
exceptions file records upstream decisions the rules cannot see:

    [[exception]]
    rule = "ENT002"                                   # required
    file = "arch/alpha/kernel/syscalls/syscall.tbl"   # optional: path suffix of the finding's file
    match = "setpgrp"                                 # optional: text the message contains
    reason = "..."                                    # required: a kernel file, commit or documented rule

A reason must point somewhere a reviewer can check: it has to name a kernel
path (`kernel/sys_ni.c`), a commit id, or a Documentation/ file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from syscalltbl.lint.findings import Finding
from syscalltbl.tables.errors import UsageError

FILE_NAME = "lint-exceptions.toml"


def default_file(arch_root: Path | None) -> Path | None:
    """The exceptions file read when none is named: the project's arch/ one, else the shipped tables'."""
    from syscalltbl.tables import shipped

    for candidate in (arch_root / FILE_NAME if arch_root else None, shipped.arch() / FILE_NAME):
        if candidate is not None and candidate.is_file():
            return candidate
    return None


#: A path with a directory (`fs/exec.c`, `arch/sh/...`) or a commit id of 12+ hex digits.
_UPSTREAM = re.compile(r"\b[\w.-]+/[\w./-]+|\b[0-9a-f]{12,40}\b")


@dataclass(frozen=True, slots=True)
class Exception_:
    rule: str
    reason: str
    file: str = ""
    match: str = ""
    #: Where the exception is written, for messages about it.
    line: int = 0

    def covers(self, finding: Finding) -> bool:
        if finding.rule != self.rule:
            return False
        if self.file:
            shown = finding.location.file.replace("\\", "/")
            if shown != self.file and not shown.endswith("/" + self.file):
                return False
        return self.match in finding.message


@dataclass
class Applied:
    kept: list[Finding]
    suppressed: list[tuple[Finding, Exception_]] = field(default_factory=list)
    unused: list[Exception_] = field(default_factory=list)


def load_exceptions(path: Path, known_rules: Sequence[str]) -> list[Exception_]:
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read exceptions file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: invalid TOML: {exc}") from None
    rows = data.get("exception", [])
    if not isinstance(rows, list):
        raise UsageError(f"{path}: `exception` must be an array of tables ([[exception]])")
    starts = [m.start() for m in re.finditer(r"^\[\[exception\]\]", text, re.M)]
    result = []
    for index, row in enumerate(rows):
        line = text.count("\n", 0, starts[index]) + 1 if index < len(starts) else 0
        where = f"{path}:{line}"
        if not isinstance(row, dict):
            raise UsageError(f"{where}: an exception is a table")
        unknown = set(row) - {"rule", "reason", "file", "match"}
        if unknown:
            raise UsageError(f"{where}: unknown key {', '.join(sorted(unknown))}")
        rule, reason = row.get("rule"), row.get("reason")
        if not isinstance(rule, str) or rule not in known_rules:
            raise UsageError(f"{where}: `rule` must name a rule of `syscalltbl lint --list-rules`, not {rule!r}")
        if not isinstance(reason, str) or not _UPSTREAM.search(reason):
            raise UsageError(
                f"{where}: `reason` must cite upstream: a kernel file, a commit id or a Documentation/ file"
            )
        file, match = row.get("file", ""), row.get("match", "")
        if not isinstance(file, str) or not isinstance(match, str):
            raise UsageError(f"{where}: `file` and `match` are strings")
        result.append(Exception_(rule, reason, file, match, line))
    return result


def apply_exceptions(findings: Sequence[Finding], exceptions: Sequence[Exception_]) -> Applied:
    applied = Applied(kept=[])
    used: set[int] = set()
    for finding in findings:
        for index, exception in enumerate(exceptions):
            if exception.covers(finding):
                applied.suppressed.append((finding, exception))
                used.add(index)
                break
        else:
            applied.kept.append(finding)
    applied.unused = [e for i, e in enumerate(exceptions) if i not in used]
    return applied
