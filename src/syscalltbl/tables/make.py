"""Just enough GNU make to read the kernel's syscall Makefiles and see the commands they run.

The ABI lists of a kernel tree live in its Makefiles (`abis := common,64`,
`syscall_abis_32 += arc time32`, `--abis common,$*`), spread over pattern
rules, target-specific variables, `$(call ...)` and kbuild helpers. Rather
than keep a copy of those lists here, syscalltbl evaluates the Makefiles:
variables (`=`, `:=`, `+=`, `?=`, target- and pattern-specific), conditionals,
`include`, explicit and pattern rules (shortest stem wins, as in make 3.82+),
automatic variables and the text functions these files use. Commands are
expanded, never run; `$(shell ...)` expands to nothing. Every CONFIG_ option
counts as enabled so that all optional outputs are seen.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

_ASSIGN = re.compile(r"(::=|:=|\+=|\?=|!=|=)")


@dataclass
class MakeRule:
    targets: list[str]
    prereqs: list[str]
    recipe: list[str]
    file: str
    line: int


@dataclass
class _Var:
    value: str
    recursive: bool


@dataclass
class _Scope:
    """Automatic variables and $(call) arguments visible while expanding."""

    auto: dict[str, str] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)
    target: str | None = None


def _split_top(text: str, seps: str) -> int:
    """Index of the first char of `seps` outside $(...)/${...}, or -1."""
    depth = 0
    i = 0
    while i < len(text):
        char = text[i]
        if char == "$" and i + 1 < len(text) and text[i + 1] in "({":
            depth += 1
            i += 2
            continue
        if char in ")}" and depth:
            depth -= 1
        elif depth == 0 and char in seps:
            return i
        i += 1
    return -1


def _split_args(text: str) -> list[str]:
    """Split function arguments on top-level commas."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, char in enumerate(text):
        if char in "({":
            depth += 1
        elif char in ")}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _pattern_match(pattern: str, word: str) -> str | None:
    """The stem if `word` matches make pattern `pattern` (one %), else None."""
    if "%" not in pattern:
        return "" if pattern == word else None
    prefix, _, suffix = pattern.partition("%")
    if word.startswith(prefix) and word.endswith(suffix) and len(word) >= len(prefix) + len(suffix):
        return word[len(prefix) : len(word) - len(suffix)]
    return None


class Make:
    """One make invocation: variables, rules, and expansion."""

    def __init__(
        self, root: Path, variables: dict[str, str] | None = None, skip: frozenset[str] = frozenset()
    ) -> None:
        self.root = root
        #: Includes not read: their definitions are given in `variables` instead.
        self.skip = skip
        self.vars: dict[str, _Var] = {}
        self.target_vars: list[tuple[str, str, str, str]] = []  # (target pattern, name, op, value)
        self.rules: list[MakeRule] = []
        self.phony: set[str] = {"FORCE"}
        for name, value in (variables or {}).items():
            self.vars[name] = _Var(value, recursive="$" in value)
        self._functions: dict[str, Callable[[list[str], _Scope], str]] = self._make_functions()

    # ------------------------------------------------------------ reading

    def include(self, relative: str) -> bool:
        """Read a Makefile (relative to the tree); False if it is not there.

        make stops at a missing mandatory `include`; here that only loses what
        the file would have defined, so `include` and `-include` behave alike.
        """
        if relative in self.skip:
            return True
        try:
            text = (self.root / relative).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return False
        self._read(text, relative)
        return True

    def _logical_lines(self, text: str) -> list[tuple[int, str, bool]]:
        """(line number, text, is_recipe) with backslash continuations joined."""
        out: list[tuple[int, str, bool]] = []
        lines = text.split("\n")
        i = 0
        while i < len(lines):
            start = i
            line = lines[i]
            while line.endswith("\\") and i + 1 < len(lines):
                i += 1
                line = line[:-1].rstrip() + " " + lines[i].lstrip()
            out.append((start + 1, line, line.startswith("\t")))
            i += 1
        return out

    def _read(self, text: str, file: str) -> None:
        conditions: list[bool] = []
        rule: MakeRule | None = None
        defining: tuple[str, list[str]] | None = None
        for number, raw, is_recipe in self._logical_lines(text):
            if defining is not None:
                if raw.strip() == "endef":
                    name, body = defining
                    if all(conditions):
                        self.vars[name] = _Var("\n".join(body), True)
                    defining = None
                else:
                    body_lines = defining[1]
                    body_lines.append(raw)
                continue
            if is_recipe and rule is not None:
                if all(conditions):
                    rule.recipe.append(raw[1:])
                continue
            line = _strip_comment(raw).strip()
            if not line:
                continue
            word = line.split(None, 1)[0]
            if word in ("ifeq", "ifneq", "ifdef", "ifndef"):
                conditions.append(all(conditions) and self._condition(word, line[len(word) :].strip()))
                continue
            if word == "else":
                if conditions:
                    outer = all(conditions[:-1])
                    rest = line[4:].strip()
                    if rest:
                        inner = rest.split(None, 1)[0]
                        # `else ifeq (...)`: true only if no earlier branch was.
                        taken = not conditions[-1] and self._condition(inner, rest[len(inner) :].strip())
                        conditions[-1] = outer and taken
                    else:
                        conditions[-1] = outer and not conditions[-1]
                continue
            if word == "endif":
                if conditions:
                    conditions.pop()
                continue
            if not all(conditions):
                continue
            if word == "define":
                defining = (line.split(None, 1)[1].strip().rstrip("=:").strip(), [])
                continue
            if word in ("include", "-include", "sinclude"):
                for name in self.expand(line[len(word) :]).split():
                    self.include(posixpath.normpath(name))
                continue
            for prefix in ("export ", "override ", "unexport "):
                if line.startswith(prefix):
                    line = line[len(prefix) :].strip()
            # Any statement ends the recipe of the rule before it.
            rule = self._statement(line, file, number)

    def _condition(self, keyword: str, text: str) -> bool:
        if keyword in ("ifdef", "ifndef"):
            defined = self.expand(self._raw(text.strip()) or "") != ""
            return defined if keyword == "ifdef" else not defined
        if text.startswith("(") and text.endswith(")"):
            parts = _split_args(text[1:-1])
            left, right = parts[0], ",".join(parts[1:])
        else:
            quoted = re.findall(r"\"([^\"]*)\"|'([^']*)'", text)
            left, right = (a or b for a, b in [*quoted, ("", ""), ("", "")][:2])
        equal = self.expand(left).strip() == self.expand(right).strip()
        return equal if keyword == "ifeq" else not equal

    def _raw(self, name: str) -> str | None:
        var = self.vars.get(self.expand(name).strip())
        return var.value if var else None

    def _statement(self, line: str, file: str, number: int) -> MakeRule | None:
        """An assignment, a rule (returned, to collect its recipe) or a bare expansion."""
        cut = _split_top(line, ":=")
        if cut < 0:
            self.expand(line)  # `$(if ...,$(warning ...))` and the like
            return None
        if line[cut] == "=" or line[cut : cut + 2] == ":=" or line[cut : cut + 3] == "::=":
            self._assign(line, self.vars, None)
            return None
        targets_text, rest = line[:cut], line[cut + 1 :]
        if rest.startswith(":"):
            rest = rest[1:]  # double-colon rule
        targets = self.expand(targets_text).split()
        recipe_cut = _split_top(rest, ";")
        recipe = [rest[recipe_cut + 1 :].strip()] if recipe_cut >= 0 else []
        head = rest[:recipe_cut] if recipe_cut >= 0 else rest
        if _split_top(head, "=") >= 0:
            name, op, value = self._assignment_parts(head)
            for target in targets:
                self.target_vars.append((target, name, op, value))
            return None
        prereqs = self.expand(head).split()
        if ".PHONY" in targets:
            self.phony.update(prereqs)
            return None
        made = MakeRule(targets, prereqs, recipe, file, number)
        self.rules.append(made)
        return made

    def _assignment_parts(self, text: str) -> tuple[str, str, str]:
        match = _ASSIGN.search(text)
        assert match is not None
        name = self.expand(text[: match.start()]).strip()
        for prefix in ("export ", "override "):
            name = name.removeprefix(prefix).strip()
        return name, match.group(1), text[match.end() :].strip()

    def _assign(self, text: str, table: dict[str, _Var], scope: _Scope | None) -> None:
        name, op, value = self._assignment_parts(text)
        self._apply(table, name, op, value, scope)

    def _apply(self, table: dict[str, _Var], name: str, op: str, value: str, scope: _Scope | None) -> None:
        current = table.get(name) or self.vars.get(name)
        if op in (":=", "::="):
            table[name] = _Var(self.expand(value, scope), False)
        elif op == "=":
            table[name] = _Var(value, True)
        elif op == "?=":
            if current is None:
                table[name] = _Var(value, True)
        elif op == "+=":
            if current is None:
                table[name] = _Var(value, True)
            else:
                added = value if current.recursive else self.expand(value, scope)
                joined = f"{current.value} {added}" if current.value else added
                table[name] = _Var(joined, current.recursive)
        elif op == "!=":
            table[name] = _Var("", False)  # shell assignments run nothing here

    # ------------------------------------------------------------ expanding

    def lookup(self, name: str, scope: _Scope | None) -> str:
        if scope is not None:
            if name.isdigit():
                index = int(name) - 1
                return scope.args[index] if 0 <= index < len(scope.args) else ""
            if name in scope.auto:
                return scope.auto[name]
            if scope.target is not None:
                local = self._target_scope(scope.target, scope)
                if name in local:
                    own = local[name]
                    return self.expand(own.value, scope) if own.recursive else own.value
        var = self.vars.get(name)
        if var is None:
            return "y" if name.startswith("CONFIG_") else ""
        return self.expand(var.value, scope) if var.recursive else var.value

    def _target_scope(self, target: str, scope: _Scope) -> dict[str, _Var]:
        local: dict[str, _Var] = {}
        for pattern, name, op, value in self.target_vars:
            if _pattern_match(pattern, target) is not None:
                self._apply(local, name, op, value, _Scope(scope.auto, scope.args, None))
        return local

    def expand(self, text: str, scope: _Scope | None = None) -> str:
        out: list[str] = []
        i = 0
        while i < len(text):
            char = text[i]
            if char != "$" or i + 1 >= len(text):
                out.append(char)
                i += 1
                continue
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
            elif nxt in "({":
                close = ")" if nxt == "(" else "}"
                end = _matching(text, i + 1, nxt, close)
                out.append(self._reference(text[i + 2 : end], scope))
                i = end + 1
            else:
                out.append(self.lookup(nxt, scope))
                i += 2
        return "".join(out)

    def _reference(self, body: str, scope: _Scope | None) -> str:
        head = re.match(r"([\w-]+)[ \t]", body)
        if head and head.group(1) in self._functions:
            name = head.group(1)
            args = _split_args(body[head.end() :])
            if name in ("foreach",):
                args = [args[0], args[1], ",".join(args[2:])]
            elif name not in ("if", "or", "and", "call"):
                args = args if name in _MULTI_ARG else [",".join(args)]
            return self._functions[name](args, scope or _Scope())
        colon = _split_top(body, ":")
        if colon >= 0 and "=" in body[colon:]:
            value = self.lookup(self.expand(body[:colon], scope), scope)
            old, _, new = body[colon + 1 :].partition("=")
            pattern = old if "%" in old else "%" + old
            replacement = new if "%" in new else "%" + new
            return " ".join(_patsubst(pattern, replacement, w) for w in value.split())
        return self.lookup(self.expand(body, scope), scope)

    def _make_functions(self) -> dict[str, Callable[[list[str], _Scope], str]]:
        e = self.expand

        def words(arg: str, scope: _Scope) -> list[str]:
            return e(arg, scope).split()

        def call(args: list[str], scope: _Scope) -> str:
            name = e(args[0], scope).strip()
            values = [e(a, scope) for a in args[1:]]
            inner = _Scope(scope.auto, values, scope.target)
            var = self.vars.get(name)
            return e(var.value, inner) if var is not None else ""

        def if_(args: list[str], scope: _Scope) -> str:
            cond = e(args[0], scope).strip()
            if cond:
                return e(args[1], scope) if len(args) > 1 else ""
            return e(",".join(args[2:]), scope) if len(args) > 2 else ""

        def or_(args: list[str], scope: _Scope) -> str:
            for arg in args:
                value = e(arg, scope).strip()
                if value:
                    return value
            return ""

        def and_(args: list[str], scope: _Scope) -> str:
            value = ""
            for arg in args:
                value = e(arg, scope).strip()
                if not value:
                    return ""
            return value

        def foreach(args: list[str], scope: _Scope) -> str:
            var = e(args[0], scope).strip()
            results = []
            saved: _Var | None = self.vars.get(var)
            for item in words(args[1], scope):
                self.vars[var] = _Var(item, False)
                results.append(e(args[2], scope))
            if saved is None:
                self.vars.pop(var, None)
            else:
                self.vars[var] = saved
            return " ".join(r for r in results if r)

        def wildcard(args: list[str], scope: _Scope) -> str:
            found: list[str] = []
            for pattern in words(args[0], scope):
                found.extend(
                    str(p.relative_to(self.root)) if not pattern.startswith("/") else str(p)
                    for p in sorted(self.root.glob(posixpath.normpath(pattern)))
                )
            return " ".join(found)

        return {
            "subst": lambda a, s: e(a[2], s).replace(e(a[0], s), e(a[1], s)),
            "patsubst": lambda a, s: " ".join(_patsubst(e(a[0], s), e(a[1], s), w) for w in words(a[2], s)),
            "strip": lambda a, s: " ".join(words(a[0], s)),
            "findstring": lambda a, s: e(a[0], s) if e(a[0], s) in e(a[1], s) else "",
            "filter": lambda a, s: " ".join(
                w for w in words(a[1], s) if any(_pattern_match(p, w) is not None for p in words(a[0], s))
            ),
            "filter-out": lambda a, s: " ".join(
                w for w in words(a[1], s) if all(_pattern_match(p, w) is None for p in words(a[0], s))
            ),
            "sort": lambda a, s: " ".join(sorted(set(words(a[0], s)))),
            "firstword": lambda a, s: (words(a[0], s) or [""])[0],
            "lastword": lambda a, s: (words(a[0], s) or [""])[-1],
            "words": lambda a, s: str(len(words(a[0], s))),
            "dir": lambda a, s: " ".join(posixpath.dirname(w) + "/" if "/" in w else "./" for w in words(a[0], s)),
            "notdir": lambda a, s: " ".join(posixpath.basename(w) for w in words(a[0], s)),
            "basename": lambda a, s: " ".join(posixpath.splitext(w)[0] for w in words(a[0], s)),
            "suffix": lambda a, s: " ".join(posixpath.splitext(w)[1] for w in words(a[0], s)),
            "addprefix": lambda a, s: " ".join(e(a[0], s) + w for w in words(a[1], s)),
            "addsuffix": lambda a, s: " ".join(w + e(a[0], s) for w in words(a[1], s)),
            "wildcard": wildcard,
            "if": if_,
            "or": or_,
            "and": and_,
            "foreach": foreach,
            "call": call,
            "shell": lambda a, s: "",
            "warning": lambda a, s: "",
            "error": lambda a, s: "",
            "info": lambda a, s: "",
            "eval": lambda a, s: "",
            "value": lambda a, s: (self.vars.get(e(a[0], s).strip()) or _Var("", False)).value,
            "origin": lambda a, s: "file" if e(a[0], s).strip() in self.vars else "undefined",
        }

    # ------------------------------------------------------------ rules

    def rule_for(self, target: str) -> tuple[MakeRule, str] | None:
        """The rule that makes `target` and the stem: an explicit rule with a recipe, else the
        pattern rule with the shortest stem."""
        explicit = [r for r in self.rules if target in r.targets and r.recipe]
        if explicit:
            return explicit[0], ""
        best: tuple[MakeRule, str] | None = None
        for rule in self.rules:
            if not rule.recipe:
                continue
            for pattern in rule.targets:
                if "%" not in pattern:
                    continue
                stem = _pattern_match(pattern, target)
                if stem is not None and (best is None or len(stem) < len(best[1])):
                    best = (rule, stem)
        return best

    def prerequisites(self, target: str) -> list[str]:
        """Every prerequisite any rule (recipe or not) gives `target`."""
        found: list[str] = []
        for rule in self.rules:
            if target in rule.targets:
                found.extend(rule.prereqs)
        return found

    def commands(self, target: str) -> list[tuple[str, MakeRule]]:
        """The expanded recipe lines that make `target`."""
        matched = self.rule_for(target)
        if matched is None:
            return []
        rule, stem = matched
        prereqs = [p.replace("%", stem) if "%" in p else p for p in rule.prereqs]
        prereqs += [p for p in self.prerequisites(target) if p not in prereqs]
        auto = {
            "@": target,
            "<": prereqs[0] if prereqs else "",
            "^": " ".join(dict.fromkeys(prereqs)),
            "*": stem,
        }
        scope = _Scope(auto, [], target)
        return [(self.expand(line, scope), rule) for line in rule.recipe]

    def goal_targets(self, goals: list[str]) -> list[str]:
        """Files the goals build, through phony targets, in order."""
        # kbuild lists phony targets in $(PHONY) and declares them in Makefile.build.
        phony = self.phony | set(self.lookup("PHONY", None).split())
        seen: dict[str, None] = {}
        todo = list(goals)
        while todo:
            name = todo.pop(0)
            if name in seen:
                continue
            seen[name] = None
            if name in phony or name in goals:
                todo.extend(self.prerequisites(name))
        return [t for t in seen if t not in phony and t not in goals]


_MULTI_ARG = {
    "subst", "patsubst", "findstring", "filter", "filter-out", "addprefix", "addsuffix",
}  # fmt: skip


def _matching(text: str, start: int, opening: str, closing: str) -> int:
    depth = 0
    for i in range(start, len(text)):
        if text[i] == opening:
            depth += 1
        elif text[i] == closing:
            depth -= 1
            if depth == 0:
                return i
    return len(text) - 1


def _patsubst(pattern: str, replacement: str, word: str) -> str:
    stem = _pattern_match(pattern, word)
    if stem is None:
        return word
    return replacement.replace("%", stem, 1) if "%" in replacement else replacement


def _strip_comment(line: str) -> str:
    """Drop a `#` comment; `\\#` is a literal `#`."""
    out: list[str] = []
    i = 0
    while i < len(line):
        if line[i] == "\\" and i + 1 < len(line) and line[i + 1] == "#":
            out.append("#")
            i += 2
            continue
        if line[i] == "#":
            break
        out.append(line[i])
        i += 1
    return "".join(out)
