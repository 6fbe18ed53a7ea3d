"""Syscall classes (strace's %file, %desc, %process, ...) from the rules in classes.toml.

The data file holds no list of syscalls per class, only rules over a
syscall's name and its prototype's parameters (see the file's header and
docs/classes.md), plus small explicit additions and removals, each with its
reason. `classes_of(name, prototype)` applies them; every syscall gets at
least one class, the catch-all `other` when no rule takes it.

Light to import: re and dataclasses only (tomllib when the file is read). Prototypes are passed in
by the caller (a `Prototype` from syscalltbl.tables.prototypes, or anything
with `params` of `type` and `name`), so classing by name needs no parser.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from syscalltbl.tables.errors import SyscalltblError, UsageError

if TYPE_CHECKING:
    from syscalltbl.tables.model import Entry

FILE_NAME = "classes.toml"


class _Param(Protocol):
    @property
    def type(self) -> str: ...
    @property
    def name(self) -> str: ...


class PrototypeLike(Protocol):
    """What the rules read of a prototype: its parameters' types and names."""

    @property
    def params(self) -> Sequence[_Param]: ...


@dataclass(frozen=True, slots=True)
class ParamPattern:
    """A parameter condition: both regular expressions must match the whole text (None: anything)."""

    type: re.Pattern[str] | None
    name: re.Pattern[str] | None

    def matches(self, param: _Param) -> bool:
        return (self.type is None or self.type.fullmatch(param.type) is not None) and (
            self.name is None or self.name.fullmatch(param.name) is not None
        )


@dataclass(frozen=True, slots=True)
class Rule:
    """Conditions that must all hold; `why` says what the rule means."""

    why: str
    name: re.Pattern[str] | None = None
    param: ParamPattern | None = None
    first_param: ParamPattern | None = None
    all_params: tuple[ParamPattern, ...] = ()
    params: int | None = None
    twin_of: str | None = None
    in_class: str | None = None
    unless: str | None = None
    union: tuple[str, ...] = ()

    @property
    def refers_to(self) -> tuple[str, ...]:
        """The classes this rule names."""
        return tuple(c for c in (*self.union, self.twin_of, self.in_class, self.unless) if c is not None)

    @property
    def needs_prototype(self) -> bool:
        return (
            self.param is not None or self.first_param is not None or bool(self.all_params) or self.params is not None
        )


@dataclass(frozen=True, slots=True)
class SyscallClass:
    name: str
    summary: str
    rules: tuple[Rule, ...]
    #: Syscall name -> why it is in the class although no rule puts it there.
    add: Mapping[str, str]
    #: Syscall name -> why it is not in the class although a rule puts it there.
    remove: Mapping[str, str]

    @property
    def spelling(self) -> str:
        """As strace's -e trace= spells it: `%file`, `%%stat`."""
        return f"%{self.name}"


@dataclass(frozen=True, slots=True)
class Classes:
    """The classes of classes.toml, in file order, and the catch-all."""

    classes: tuple[SyscallClass, ...]
    suffixes: tuple[str, ...]
    prefixes: tuple[str, ...]
    catch_all: str
    path: str

    @property
    def names(self) -> tuple[str, ...]:
        """Every class name, the catch-all last."""
        return (*(c.name for c in self.classes), self.catch_all)

    def get(self, name: str) -> SyscallClass | None:
        return next((c for c in self.classes if c.name == name), None)

    def classes_of(self, name: str, prototype: PrototypeLike | None = None) -> frozenset[str]:
        """The classes of the syscall `name` (never empty): by its rules, its additions and removals."""
        memo: dict[str, bool] = {}
        found = {cls.name for cls in self.classes if self._member(cls, name, prototype, memo)}
        return frozenset(found or {self.catch_all})

    def _member(self, cls: SyscallClass, name: str, prototype: PrototypeLike | None, memo: dict[str, bool]) -> bool:
        if cls.name not in memo:
            memo[cls.name] = False  # while deciding: a rule that refers back to its own class does not hold
            memo[cls.name] = name not in cls.remove and (
                name in cls.add or any(self._holds(rule, name, prototype, memo) for rule in cls.rules)
            )
        return memo[cls.name]

    def _in(self, other: str, name: str, prototype: PrototypeLike | None, memo: dict[str, bool]) -> bool:
        cls = self.get(other)
        return cls is not None and self._member(cls, name, prototype, memo)

    def _holds(self, rule: Rule, name: str, prototype: PrototypeLike | None, memo: dict[str, bool]) -> bool:
        if rule.union:
            return any(self._in(c, name, prototype, memo) for c in rule.union)
        if rule.needs_prototype and prototype is None:
            return False
        if rule.name is not None and not any(rule.name.fullmatch(n) for n in self._names(name)):
            return False
        if rule.twin_of is not None and not (name.startswith("f") and rule.twin_of in self.classes_of(name[1:])):
            return False
        if rule.in_class is not None and not self._in(rule.in_class, name, prototype, memo):
            return False
        if rule.unless is not None and self._in(rule.unless, name, prototype, memo):
            return False
        if prototype is None:
            return True
        params = prototype.params
        if rule.params is not None and len(params) != rule.params:
            return False
        if rule.first_param is not None and not (params and rule.first_param.matches(params[0])):
            return False
        if rule.param is not None and not any(rule.param.matches(p) for p in params):
            return False
        return all(any(pattern.matches(p) for p in params) for pattern in rule.all_params)

    def _names(self, name: str) -> Iterable[str]:
        """`name`, and `name` without an architecture prefix and/or an ABI suffix (`osf_stat64` -> `stat`)."""
        stems = [name, *(name[len(p) :] for p in self.prefixes if name.startswith(p) and len(name) > len(p))][:2]
        for stem in stems:
            yield stem
            for suffix in self.suffixes:
                if stem.endswith(suffix) and len(stem) > len(suffix):
                    yield stem[: -len(suffix)]

    def select(self, expression: str) -> SyscallSet:
        """The set strace's `-e trace=EXPRESSION` names (see `parse_trace_set`)."""
        return parse_trace_set(expression, self)


@dataclass(frozen=True, slots=True)
class SyscallSet:
    """What `-e trace=SET` selects: syscall names and classes, or everything but them (`!`)."""

    names: frozenset[str]
    classes: frozenset[str]
    negated: bool
    everything: bool = False

    def __contains__(self, item: tuple[str, frozenset[str]]) -> bool:
        """Whether a syscall (its name and its classes) is selected."""
        name, classes = item
        inside = self.everything or name in self.names or not self.classes.isdisjoint(classes)
        return inside != self.negated


def parse_trace_set(expression: str, data: Classes | None = None) -> SyscallSet:
    """strace's `trace=` value: a comma list of syscall names and %classes, `!` before it negates;
    `all` (or `%all`) is every call, `none` none. Unknown classes are a usage error."""
    data = data or load()
    text = expression.removeprefix("trace=")
    negated = text.startswith("!")
    text = text.removeprefix("!")
    if text in ("none", ""):
        return SyscallSet(frozenset(), frozenset(), negated)
    names: set[str] = set()
    classes: set[str] = set()
    everything = False
    for item in (i.strip() for i in text.split(",")):
        if item in ("all", "%all"):
            everything = True
        elif item.startswith("%"):
            if item[1:] not in data.names:
                known = ", ".join(f"%{n}" for n in data.names)
                raise UsageError(f"-e trace={text}: unknown class {item}: expected one of {known}")
            classes.add(item[1:])
        elif not item:
            raise UsageError(f"-e trace={text}: an empty name in the list")
        else:
            names.add(item)
    return SyscallSet(frozenset(names), frozenset(classes), negated, everything)


def data_file() -> Path:
    """The shipped classes.toml."""
    from syscalltbl.tables import shipped

    return shipped.arch().parent / FILE_NAME


@cache
def load(path: Path | None = None) -> Classes:
    """The classes of `path` (default: the shipped file), checked; a bad file is a one-line error."""
    import tomllib  # here: tracing a run by name or %class must not pay for it at start-up

    path = path or data_file()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SyscalltblError(f"cannot read syscall classes: {exc}", path=str(path)) from None
    return _build(data, str(path))


def classes_of(name: str, prototype: PrototypeLike | None = None) -> frozenset[str]:
    """The classes of syscall `name` by the shipped rules: `classes_of("openat", proto)` ->
    {"file", "desc"}. Without a prototype, only the rules over names apply."""
    return load().classes_of(name, prototype)


def classes_of_entries(
    name: str, entries: Iterable[Entry | None], prototypes: Mapping[str, Sequence[PrototypeLike]] | None
) -> frozenset[str]:
    """The classes of syscall `name` from its table entries (a matrix row): judged by the prototype of
    the first of their entry points the headers declare, so that a name has one set of classes on every
    architecture. `prototypes` maps entry points to their declarations (None: names only)."""
    if prototypes is not None:
        for entry in entries:
            for symbol in (entry.entry_point, entry.compat_entry_point) if entry is not None else ():
                if symbol and prototypes.get(symbol):
                    return classes_of(name, prototypes[symbol][0])
    return classes_of(name)


def ordered(classes: Iterable[str]) -> list[str]:
    """`classes` in the data file's order (the catch-all last): how every output lists them."""
    order = {name: index for index, name in enumerate(load().names)}
    return sorted(classes, key=lambda c: (order.get(c, len(order)), c))


def spelled(classes: Iterable[str]) -> str:
    """`%file %desc`: classes as strace spells them, in the data file's order."""
    return " ".join(f"%{c}" for c in ordered(classes))


# --- reading the file --------------------------------------------------------

_RULE_KEYS = frozenset(
    {"why", "name", "param", "first_param", "all_params", "params", "twin_of", "in_class", "unless", "union"}
)
_CLASS_KEYS = frozenset({"name", "summary", "rule", "add", "remove"})


class _Bad(Exception):
    pass


def _build(data: dict[str, Any], path: str) -> Classes:
    try:
        unknown = set(data) - {"suffixes", "prefixes", "catch_all", "class"}
        if unknown:
            raise _Bad(f"unknown key {sorted(unknown)[0]!r}")
        suffixes = tuple(_strings(data.get("suffixes", []), "suffixes"))
        prefixes = tuple(_strings(data.get("prefixes", []), "prefixes"))
        catch_all = data.get("catch_all", "other")
        if not isinstance(catch_all, str) or not catch_all:
            raise _Bad("catch_all must be a class name")
        classes = tuple(_class(item) for item in _tables(data.get("class", []), "class"))
        names = [cls.name for cls in classes]
        twice = next((n for n in names if names.count(n) > 1 or n == catch_all), None)
        if twice is not None:
            raise _Bad(f"class {twice!r} is defined twice")
        for cls in classes:
            for rule in cls.rules:
                unknown_class = next((c for c in rule.refers_to if c not in names), None)
                if unknown_class is not None:
                    raise _Bad(f"class {cls.name!r}: rule {rule.why!r} refers to {unknown_class!r}, which is no class")
    except _Bad as exc:
        raise SyscalltblError(f"malformed syscall classes: {exc}", path=path) from None
    return Classes(classes, suffixes, prefixes, catch_all, path)


def _tables(value: object, what: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _Bad(f"{what} must be an array of tables")
    return value


def _strings(value: object, what: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _Bad(f"{what} must be a list of strings")
    return value


def _reasons(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(v, str) and v for v in value.values()):
        raise _Bad(f"{where} must map syscall names to their reasons")
    return dict(value)


def _class(item: dict[str, Any]) -> SyscallClass:
    name = item.get("name")
    if not isinstance(name, str) or not name:
        raise _Bad("a class needs a name")
    unknown = set(item) - _CLASS_KEYS
    if unknown:
        raise _Bad(f"class {name!r}: unknown key {sorted(unknown)[0]!r}")
    rules = tuple(_rule(rule, name) for rule in _tables(item.get("rule", []), f"class {name!r}: rule"))
    return SyscallClass(
        name=name,
        summary=str(item.get("summary", "")),
        rules=rules,
        add=_reasons(item.get("add", {}), f"class {name!r}: add"),
        remove=_reasons(item.get("remove", {}), f"class {name!r}: remove"),
    )


def _regex(value: object, where: str) -> re.Pattern[str]:
    if not isinstance(value, str):
        raise _Bad(f"{where} must be a regular expression")
    try:
        return re.compile(value)
    except re.error as exc:
        raise _Bad(f"{where}: bad regular expression: {exc}") from None


def _param(value: object, where: str) -> ParamPattern:
    if not isinstance(value, dict) or not value or set(value) - {"type", "name"}:
        raise _Bad(f"{where} must be a table of `type` and/or `name`")
    return ParamPattern(
        type=_regex(value["type"], f"{where}.type") if "type" in value else None,
        name=_regex(value["name"], f"{where}.name") if "name" in value else None,
    )


def _rule(item: dict[str, Any], cls: str) -> Rule:
    where = f"class {cls!r}: rule"
    unknown = set(item) - _RULE_KEYS
    if unknown:
        raise _Bad(f"{where}: unknown key {sorted(unknown)[0]!r}")
    why = item.get("why")
    if not isinstance(why, str) or not why:
        raise _Bad(f"{where}: every rule needs `why`")
    if len(item) == 1:
        raise _Bad(f"{where} {why!r} has no condition")
    params = item.get("params")
    if params is not None and (not isinstance(params, int) or isinstance(params, bool) or params < 0):
        raise _Bad(f"{where} {why!r}: params must be a count")
    for key in ("twin_of", "in_class", "unless"):
        if key in item and not isinstance(item[key], str):
            raise _Bad(f"{where} {why!r}: {key} must be a class name")
    return Rule(
        why=why,
        name=_regex(item["name"], f"{where} {why!r}: name") if "name" in item else None,
        param=_param(item["param"], f"{where} {why!r}: param") if "param" in item else None,
        first_param=_param(item["first_param"], f"{where} {why!r}: first_param") if "first_param" in item else None,
        all_params=tuple(
            _param(p, f"{where} {why!r}: all_params") for p in _list(item.get("all_params", []), where)
        ),
        params=params,
        twin_of=item.get("twin_of"),
        in_class=item.get("in_class"),
        unless=item.get("unless"),
        union=tuple(_strings(item.get("union", []), f"{where} {why!r}: union")),
    )


def _list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise _Bad(f"{where}: all_params must be a list")
    return value
