"""Read `asmlinkage` declarations from C prototype headers (grammars/prototypes.lark).

The headers that declare syscall entry points (include/linux/syscalls.h,
include/linux/compat.h, arch/*/include/asm/syscalls.h) are full of C this
project has no reason to understand: macros, inline functions, structs. The
grammar's `header` start symbol splits a file into statements without
understanding them; each statement holding `asmlinkage` is then parsed on its
own with the `declaration` start symbol, fed the very tokens the first pass
produced, so locations are exact and a declaration that makes no sense is
reported as a problem instead of sinking the whole file.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache

import lark
from lark import Token, Transformer, Tree
from lark.exceptions import UnexpectedInput, UnexpectedToken

from syscalltbl.tables import larkcache, limits, shipped
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.model import Location
from syscalltbl.tables.prototype_model import Param, ParseProblem, Prototype, PrototypeFile

GRAMMAR = shipped.grammar("prototypes.lark")

#: Words that make up C types and so can never be a parameter's name: in
#: `unsigned long` the last word is part of the type, in `unsigned len` it is not.
_TYPE_WORDS = frozenset(
    {
        "void", "char", "short", "int", "long", "float", "double", "signed", "unsigned",
        "_Bool", "bool", "const", "volatile", "restrict", "__restrict", "__user", "__force",
        "__iomem", "__percpu", "__rcu", "__kernel", "struct", "union", "enum",
    }
)  # fmt: skip

#: Types of 64 bits, which 32-bit ABIs pass in a register pair.
_SIXTY_FOUR_BIT_TYPES = frozenset(
    {
        "loff_t", "u64", "s64", "__u64", "__s64", "__le64", "__be64", "aligned_u64",
        "__aligned_u64", "aligned_le64", "aligned_be64", "uint64_t", "int64_t", "u_int64_t",
        "__kernel_loff_t", "compat_loff_t", "compat_u64", "compat_s64", "time64_t",
        "timeu64_t", "__kernel_time64_t", "ktime_t",
    }
)  # fmt: skip

#: Macros such as compat.h's `compat_arg_u64(name)` expand to the two halves
#: of one 64-bit argument.
_SPLIT_64BIT_MACRO = re.compile(r"(?:^|_)[us]64$")

#: Specifiers and attribute macros written among the return type's words that
#: say how the function is compiled, not what it returns.
_DECLARATION_SPECIFIERS = frozenset(
    {
        "extern", "static", "inline", "__inline", "__inline__", "__always_inline",
        "__visible", "notrace", "noinstr", "__noreturn", "__cold", "__init", "__exit",
        "__weak", "__must_check", "__used", "__nocfi", "noinline", "__kprobes", "__sched",
        "__attribute_const__", "__pure", "__noclone", "__noendbr",
    }
)  # fmt: skip

_STRUCT_KEYWORDS = frozenset({"struct", "union", "enum"})

#: Words that qualify a type but cannot be one: in `const size_t` the last word
#: must be the type, since a declaration needs one.
_QUALIFIERS = frozenset({"const", "volatile", "restrict", "__restrict", "__user", "__force", "__iomem"})


class _Nesting:
    """Counts open brackets as the lexer meets them, and stops a header that nests past NESTING_LIMIT.

    The parser itself keeps its stack in a list, but the trees it builds are
    walked recursively (scan_values, the transformer): without a bound, deep
    nesting ends in RecursionError.
    """

    def __init__(self) -> None:
        self.file = ""
        self.depth = 0

    def begin(self, file: str) -> None:
        self.file = file
        self.depth = 0

    def open(self, token: Token) -> Token:
        self.depth += 1
        limits.check_nesting(self.depth, _at(self.file, token))
        return token

    def close(self, token: Token) -> Token:
        self.depth = max(0, self.depth - 1)  # a stray closer is the grammar's problem, not a level
        return token


_nesting = _Nesting()


@cache
def _parser() -> lark.Lark:
    # Lark's cache file holds the LALR tables and is keyed by a hash of the
    # grammar and options (callbacks excepted), so an edited grammar is never served stale.
    opening = dict.fromkeys(("LPAR", "LSQB", "LBRACE"), _nesting.open)
    closing = dict.fromkeys(("RPAR", "RSQB", "RBRACE"), _nesting.close)
    return larkcache.parser(
        GRAMMAR.read_text(encoding="utf-8"),
        "lark-prototypes.cache",
        parser="lalr",
        lexer="contextual",
        start=["header", "declaration"],
        propagate_positions=False,
        maybe_placeholders=False,
        lexer_callbacks={**opening, **closing},
    )


def parse_prototypes(path: str | os.PathLike[str], text: str | None = None) -> PrototypeFile:
    """Every `asmlinkage` declaration of the header at `path`, in file order.

    `text` is the header's content when the caller has it already; `path` then
    only names the file in locations. What cannot be read is listed in the
    result's `problems`; a file that cannot be opened, or that is over one of
    the limits in tables/limits.py (size, nesting), raises SyscalltblError.
    """
    name = os.fspath(path)
    if text is None:
        text = _read(name)
    limits.check_size(len(text), name, header=True)
    problems: list[ParseProblem] = []
    tree = _parse_header(text, name, problems)
    prototypes: list[Prototype] = []
    conditions = _ConditionStack()
    events = list(_events(tree)) if tree is not None else []
    for index, event in enumerate(events):
        if isinstance(event, _Declaration):
            prototype = _parse_declaration(event.tokens, name, problems)
            if prototype is not None:
                prototypes.append(dataclasses.replace(prototype, conditions=conditions.current()))
        else:
            following = events[index + 1] if index + 1 < len(events) else None
            conditions.apply(event, following)
    return PrototypeFile(path=name, prototypes=tuple(prototypes), problems=tuple(problems))


def _read(name: str) -> str:
    try:
        # Kernel headers are UTF-8, but a stray byte in a comment must not
        # stop a linter from reading the declarations around it.
        return limits.read_bounded(name, header=True).decode("utf-8", errors="replace")
    except OSError as error:
        raise SyscalltblError(f"cannot read: {error.strerror}", path=name) from None


# ------------------------------------------------------------------ first pass


def _parse_header(text: str, file: str, problems: list[ParseProblem]) -> Tree[Token] | None:
    def recover(error: UnexpectedInput) -> bool:
        if not isinstance(error, UnexpectedToken):
            return False
        if len(problems) >= limits.PROBLEMS_LIMIT:
            # Each recovery costs an exception: a header of stray braces would take minutes.
            message = f"{limits.PROBLEMS_LIMIT} problems already: the rest of the header is not read ({limits.DOCS})"
            problems.append(ParseProblem(message, _at(file, error.token)))
            raise _GaveUp from None
        if error.token.type == "RBRACE":
            problems.append(ParseProblem("skipped a '}' that closes nothing", _at(file, error.token)))
            return True  # lark resumes after the offending token
        if error.token.type == "$END":
            problems.append(ParseProblem("unexpected end of file inside a statement", _at(file, error.token)))
            return _close_open_statements(error)
        # The grammar accepts every token somewhere; should one still come
        # where it cannot, losing it is better than losing the file.
        problems.append(ParseProblem(f"skipped unexpected {str(error.token)!r}", _at(file, error.token)))
        return True

    parser = _parser()
    _nesting.begin(file)
    try:
        return parser.parse(text, start="header", on_error=recover)
    except _GaveUp:
        return None
    except UnexpectedInput as error:
        where = Location(file, error.line, error.column)
        problems.append(ParseProblem(f"cannot read this header: {error}".splitlines()[0], where))
        return None


class _GaveUp(Exception):
    """Raised out of the parser when a header has too many problems to read on."""


def _close_open_statements(error: UnexpectedToken) -> bool:
    # An #if/#else pair that each open a brace, or a file cut short, leaves
    # statements open at the end: close them so that what came before counts.
    interactive = error.interactive_parser
    for _ in range(10_000):
        accepts: set[str] = interactive.accepts()  # type: ignore[no-untyped-call]  # lark leaves it unannotated
        if "$END" in accepts:
            return True
        closer = "RBRACE" if "RBRACE" in accepts else "SEMI" if "SEMI" in accepts else None
        if closer is None:
            return False
        interactive.feed_token(Token.new_borrow_pos(closer, "}" if closer == "RBRACE" else ";", error.token))
    return False


@dataclass(frozen=True, slots=True)
class _Declaration:
    """The tokens of one statement from `asmlinkage` to its end."""

    tokens: list[Token]


def _is_token(value: object) -> bool:
    return isinstance(value, Token)


def _events(tree: Tree[Token]) -> Iterator[Token | _Declaration]:
    """Preprocessor lines (as PP_LINE tokens) and declarations, in file order."""
    for item in tree.children:
        if isinstance(item, Token):
            yield item  # a preprocessor line between statements
            continue
        tokens: list[Token] = list(item.scan_values(_is_token))
        if item.data != "asm_statement":
            yield from (t for t in tokens if t.type == "PP_LINE")
            continue
        keyword = next(i for i, t in enumerate(tokens) if t.type == "ASMLINKAGE")
        yield from (t for t in tokens[:keyword] if t.type == "PP_LINE")
        yield _Declaration(tokens[keyword:])
        # A directive inside a declaration makes it unreadable, but it still
        # opens or closes a conditional for what follows.
        yield from (t for t in tokens[keyword:] if t.type == "PP_LINE")


# ----------------------------------------------------------- #if conditions

_SPLICE = re.compile(r"\\[ \t]*\r?\n")
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_DIRECTIVE = re.compile(r"#\s*([A-Za-z_]*)(.*)", re.S)
_ATOM = re.compile(r"[A-Za-z_0-9]+(?:\([^()]*\))?")


def _directive(token: Token) -> tuple[str, str]:
    """A preprocessor line's keyword and its argument, comments removed."""
    # Splices go first: a backslash-newline continues a // comment as well.
    text = _COMMENT.sub(" ", _SPLICE.sub(" ", str(token)))
    match = _DIRECTIVE.match(text)
    if match is None:
        return "", ""
    return match.group(1), " ".join(match.group(2).split())


def _is_operand(condition: str) -> bool:
    """Whether `condition` needs no parentheses next to `!` or `&&`."""
    body = condition.removeprefix("!")
    if _ATOM.fullmatch(body):
        return True
    depth = 0
    for index, char in enumerate(body):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return index == len(body) - 1 and index > 0
    return False


def _negate(condition: str) -> str:
    if condition.startswith("!(") and _is_operand(condition):
        return condition[2:-1]
    if condition.startswith("!") and _is_operand(condition):
        return condition[1:]
    return f"!{condition}" if _is_operand(condition) else f"!({condition})"


def _conjoin(conditions: Sequence[str]) -> str:
    if len(conditions) == 1:
        return conditions[0]
    return " && ".join(c if _is_operand(c) else f"({c})" for c in conditions)


def _condition(keyword: str, argument: str) -> str:
    if keyword in ("ifdef", "elifdef"):
        return f"defined({argument})"
    if keyword in ("ifndef", "elifndef"):
        return f"!defined({argument})"
    return argument


@dataclass(slots=True)
class _Group:
    """One #if ... #endif: the conditions of its branches so far."""

    branches: list[str]
    current: str
    #: An include guard is true wherever the header's text is read at all.
    guard: bool


class _ConditionStack:
    def __init__(self) -> None:
        self._groups: list[_Group] = []

    def current(self) -> tuple[str, ...]:
        return tuple(group.current for group in self._groups if not group.guard)

    def apply(self, token: Token, following: Token | _Declaration | None) -> None:
        keyword, argument = _directive(token)
        if keyword in ("if", "ifdef", "ifndef"):
            condition = _condition(keyword, argument)
            guard = keyword == "ifndef" and _defines_exactly(following, argument)
            self._groups.append(_Group([condition], condition, guard))
        elif not self._groups:
            return  # an unmatched #else/#endif: nothing to close
        elif keyword in ("elif", "elifdef", "elifndef"):
            group = self._groups[-1]
            condition = _condition(keyword, argument)
            group.current = _conjoin([*map(_negate, group.branches), condition])
            group.branches.append(condition)
        elif keyword == "else":
            group = self._groups[-1]
            group.current = _conjoin([_negate(branch) for branch in group.branches])
        elif keyword == "endif":
            self._groups.pop()


def _defines_exactly(following: Token | _Declaration | None, macro: str) -> bool:
    """Whether the next directive is `#define MACRO` with no value (a guard)."""
    if not isinstance(following, Token):
        return False
    return _directive(following) == ("define", macro)


# ------------------------------------------------------------- second pass


def _parse_declaration(tokens: list[Token], file: str, problems: list[ParseProblem]) -> Prototype | None:
    interactive = _parser().parse_interactive(start="declaration")
    try:
        for token in tokens:
            interactive.feed_token(token)
        tree = interactive.feed_token(Token.new_borrow_pos("$END", "", tokens[-1]))
    except UnexpectedToken as error:
        found = "a preprocessor line" if error.token.type == "PP_LINE" else repr(str(error.token))
        message = f"skipped an asmlinkage declaration that is not a function prototype: unexpected {found}"
        where = _at(file, error.token) if error.token.type != "$END" else _at(file, tokens[0])
        problems.append(ParseProblem(message, where, frozenset(error.expected), found))
        return None
    prototype = _ToModel(file).transform(tree)
    assert isinstance(prototype, Prototype)
    return prototype


def _at(file: str, token: Token) -> Location:
    return Location(file, token.line or 0, token.column or 0)


@dataclass(frozen=True, slots=True)
class _Attribute:
    text: str
    first: Token


@dataclass(frozen=True, slots=True)
class _Array:
    text: str


@dataclass(frozen=True, slots=True)
class _Head:
    return_words: tuple[str, ...]
    attributes: tuple[str, ...]
    name: Token


@dataclass(frozen=True, slots=True)
class _Inner:
    words: tuple[Token, ...]


_Node = Token | _Attribute | _Array | _Head | _Inner | Param | tuple[Param, ...] | tuple[str, ...] | Tree[Token]


class _ToModel(Transformer[Token, Prototype]):
    """Builds a Prototype from a `declaration` tree."""

    def __init__(self, file: str) -> None:
        super().__init__()
        self._file = file

    def _location(self, children: Sequence[_Node]) -> Location:
        """Where a parameter starts: its first word or attribute."""
        for child in children:
            if isinstance(child, Token):
                return _at(self._file, child)
            if isinstance(child, _Attribute):
                return _at(self._file, child.first)
        raise AssertionError("the grammar gives every parameter a first word")

    def declaration(self, children: list[_Node]) -> Prototype:
        head = next(c for c in children if isinstance(c, _Head))
        params, trailer = (c for c in children if isinstance(c, tuple))
        return Prototype(
            name=str(head.name),
            return_type=_render_type(head.return_words),
            params=tuple(p for p in params if isinstance(p, Param)),
            location=_at(self._file, head.name),
            attributes=head.attributes + tuple(str(t) for t in trailer),
        )

    def head(self, children: list[Token | _Attribute]) -> _Head:
        *specs, name = children
        assert isinstance(name, Token)
        words: list[str] = []
        attributes: list[str] = []
        for spec in specs:
            if isinstance(spec, _Attribute):
                attributes.append(spec.text)
            elif spec in _DECLARATION_SPECIFIERS:
                attributes.append(str(spec))
            else:
                words.append(str(spec))
        return _Head(tuple(words), tuple(attributes), name)

    def trailer(self, children: list[Token | _Attribute]) -> tuple[str, ...]:
        return tuple(c.text if isinstance(c, _Attribute) else str(c) for c in children)

    def attribute(self, children: list[Token]) -> _Attribute:
        return _Attribute(_join_tokens(children), children[0])

    def array(self, children: list[Token]) -> _Array:
        return _Array(f"[{''.join(children)}]")

    def inner(self, children: list[Token | _Attribute]) -> _Inner:
        return _Inner(tuple(c for c in children if isinstance(c, Token)))

    def parameters(self, children: list[Param | Token]) -> tuple[Param, ...]:
        params = tuple(
            c if isinstance(c, Param) else Param("...", "", False, False, _at(self._file, c)) for c in children
        )
        # `(void)` is C for "no parameters".
        if len(params) == 1 and params[0].type == "void" and not params[0].name:
            return ()
        return params

    def plain_param(self, children: list[Token | _Attribute | _Array]) -> Param:
        words = [c for c in children if isinstance(c, Token)]
        arrays = "".join(c.text for c in children if isinstance(c, _Array))
        return _plain_param(words, arrays, self._location(children))

    def paren_param(self, children: list[_Node]) -> Param:
        outer = [c for c in children if isinstance(c, Token)]
        inner = next(c for c in children if isinstance(c, _Inner))
        params = next((c for c in children if isinstance(c, tuple)), None)
        arrays = "".join(c.text for c in children if isinstance(c, _Array))
        location = self._location(children)
        if params is None and len(inner.words) == 1 and len(outer) == 1 and outer[0] not in _TYPE_WORDS:
            return _macro_param(str(outer[0]), str(inner.words[0]), location)
        name = _declarator_name(inner.words)
        declarator = [str(w) for w in (inner.words[:-1] if name else inner.words)]
        if params is None and not declarator:
            # `int (x)`: parentheses around a plain name change nothing.
            return _plain_param([*outer, *inner.words], arrays, location)
        suffix = ""
        if params is not None:
            suffix = f"({', '.join(p.type for p in params if isinstance(p, Param)) or 'void'})"
        return Param(
            type=f"{_render_type([str(w) for w in outer])} ({_render_type(declarator)}){suffix}{arrays}",
            name=name,
            is_user_pointer="*" in declarator and "__user" in declarator,
            is_64bit=False,
            location=location,
        )


def _plain_param(words: Sequence[Token], arrays: str, location: Location) -> Param:
    name = _trailing_name(words)
    type_words = [str(w) for w in (words[:-1] if name else words)]
    # An array parameter is a pointer in C.
    pointer = "*" in type_words or bool(arrays)
    return Param(
        type=_render_type(type_words) + (f" {arrays}" if arrays else ""),
        name=name,
        is_user_pointer=pointer and "__user" in type_words,
        is_64bit=not pointer and _is_64bit(type_words),
        location=location,
    )


def _macro_param(macro: str, argument: str, location: Location) -> Param:
    return Param(
        type=macro,
        name=argument,
        is_user_pointer=False,
        is_64bit=bool(_SPLIT_64BIT_MACRO.search(macro)),
        location=location,
    )


def _declarator_name(words: Sequence[Token]) -> str:
    """The name ending a declarator (`*fn`, `__user *fn`, `len`), or ""."""
    if not words or words[-1].type != "IDENT" or words[-1] in _TYPE_WORDS:
        return ""
    return str(words[-1])


def _trailing_name(words: Sequence[Token]) -> str:
    """The parameter's name if its last word is one, or "" (unnamed)."""
    before = words[:-1]
    if not before or before[-1] in _STRUCT_KEYWORDS or all(w in _QUALIFIERS for w in before):
        return ""  # `size_t`, `struct stat` and `const size_t` are types with no name
    return _declarator_name(words)


def _is_64bit(type_words: Sequence[str]) -> bool:
    return type_words.count("long") >= 2 or any(w in _SIXTY_FOUR_BIT_TYPES for w in type_words)


def _render_type(words: Sequence[str]) -> str:
    """C type text in one spelling: `char __user *const *`, `unsigned long`."""
    text = ""
    for word in words:
        if not text:
            text = word
        elif word == "*":
            text += "*" if text.endswith("*") else " *"
        else:
            text += word if text.endswith("*") else f" {word}"
    return text


def _join_tokens(tokens: Sequence[Token]) -> str:
    text = ""
    for token in tokens:
        value = str(token)
        if text and (text.endswith(",") or (_wordlike(text[-1]) and _wordlike(value[0]))):
            text += " "
        text += value
    return text


def _wordlike(char: str) -> bool:
    return char.isalnum() or char in "_\"'"
