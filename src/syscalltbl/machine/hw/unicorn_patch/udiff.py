"""Apply a unified diff exactly: every hunk at its stated line, its context and removed lines checked.

The source it applies to is pinned by hash, so there is no fuzz and no
offset search: a hunk that does not match is an error, never a guess. This
keeps the build free of `patch` or `git`, which a fresh machine may lack.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class PatchError(ValueError):
    pass


@dataclass
class _Hunk:
    old_start: int  # 1-based; for an empty old side, the line after which the new lines go
    old_count: int
    lines: list[str] = field(default_factory=list)  # each with its ' ', '-' or '+' prefix


@dataclass
class FilePatch:
    path: str  # relative to the tree the diff applies to (the "b/" prefix dropped)
    hunks: list[_Hunk] = field(default_factory=list)


def parse(text: str) -> list[FilePatch]:
    files: list[FilePatch] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ "):
            files.append(FilePatch(_strip_prefix(lines[i + 1][4:])))
            i += 2
            continue
        match = _HUNK.match(line)
        if match:
            if not files:
                raise PatchError(f"line {i + 1}: a hunk before any file header")
            hunk, i = _read_hunk(lines, i, match)
            files[-1].hunks.append(hunk)
            continue
        i += 1  # commentary between files, as `diff -r` and `git` write it
    return files


def _strip_prefix(name: str) -> str:
    name = name.split("\t", 1)[0]
    return name[2:] if name.startswith(("a/", "b/")) else name


def _read_hunk(lines: list[str], i: int, match: re.Match[str]) -> tuple[_Hunk, int]:
    old_count = int(match[2]) if match[2] is not None else 1
    new_count = int(match[4]) if match[4] is not None else 1
    hunk = _Hunk(int(match[1]), old_count)
    old_seen = new_seen = 0
    i += 1
    while old_seen < old_count or new_seen < new_count:
        if i >= len(lines):
            raise PatchError(f"hunk at line {match[0]} ends early")
        line = lines[i] or " "  # some tools strip the space of an empty context line
        kind = line[0]
        if kind not in " -+":
            raise PatchError(f"line {i + 1}: {line!r} inside a hunk")
        old_seen += kind != "+"
        new_seen += kind != "-"
        hunk.lines.append(line)
        i += 1
    if old_seen != old_count or new_seen != new_count:
        raise PatchError(f"hunk {match[0]} has {old_seen} old and {new_seen} new lines")
    return hunk, i


def apply_text(original: str, patch: FilePatch) -> str:
    """`original` with the hunks of `patch` applied; PatchError if any does not match exactly."""
    old = original.splitlines(keepends=True)
    out: list[str] = []
    at = 0  # lines of `old` already consumed
    for hunk in patch.hunks:
        start = hunk.old_start - 1 if hunk.old_count else hunk.old_start
        if start < at or start > len(old):
            raise PatchError(f"{patch.path}: hunk at line {hunk.old_start} is out of order or past the end")
        out.extend(old[at:start])
        at = start
        for line in hunk.lines:
            kind, body = line[0], line[1:]
            if kind == "+":
                out.append(body + "\n")
                continue
            if at >= len(old) or old[at].rstrip("\n") != body:
                found = old[at].rstrip("\n") if at < len(old) else "end of file"
                raise PatchError(f"{patch.path}:{at + 1}: expected {body!r}, found {found!r}")
            if kind == " ":
                out.append(old[at])
            at += 1
    out.extend(old[at:])
    return "".join(out)


def apply(text: str, tree: Path) -> list[str]:
    """Apply the unified diff `text` to the files under `tree`; returns the paths patched."""
    patches = parse(text)
    if not patches:
        raise PatchError("no file in the patch")
    # Every file is checked before any is written: a mismatch leaves the tree as it was.
    # Bytes round-trip through surrogateescape: a stray Latin-1 byte in a comment survives.
    results = [(tree / p.path, apply_text(_read(tree / p.path), p)) for p in patches]
    for path, content in results:
        path.write_bytes(content.encode("utf-8", "surrogateescape"))
    return [p.path for p in patches]


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "surrogateescape")
