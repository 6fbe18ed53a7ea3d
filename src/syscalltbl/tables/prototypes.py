"""Read `asmlinkage` declarations from C prototype headers.

The headers that declare syscall entry points (include/linux/syscalls.h,
include/linux/compat.h, arch/*/include/asm/syscalls.h) are full of C this
project has no reason to understand: macros, inline functions, structs. A
first parser (grammars/prototype_headers.lark) reads a file coarsely, finding
only preprocessor lines, bodies and where each `asmlinkage` statement starts
and ends; the second (grammars/prototypes.lark) then reads each statement's
own text, its tokens' positions counted from where the statement starts in
the file, so locations are exact and a declaration that makes no sense is
reported as a problem instead of sinking the whole file.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import lark
from lark import Token, Transformer, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from syscalltbl.tables import larkcache, limits, shipped
from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.model import Location
from syscalltbl.tables.prototype_model import Param, ParseProblem, Prototype, PrototypeFile

#: The header reader's grammar, and the grammar of one declaration.
HEADER_GRAMMAR = shipped.grammar("prototype_headers.lark")
DECLARATION_GRAMMAR = shipped.grammar("prototypes.lark")

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


#: What the bracket count skips inside a TEXT or DECL_TEXT token: the same
#: strings, character constants and comments those terminals take whole.
_QUOTED_OR_BRACKET = re.compile(
    r'"(?:[^"\\\n]|\\[\s\S])*"|\'(?:[^\'\\\n]|\\[\s\S])*\'|/\*[\s\S]*?\*/|//[^\n]*|[()\[\]]'
)


class _Lexing:
    """What the header's lexer keeps track of while it reads one file: the depth of brackets, and
    problems only the lexer sees.

    The parsers keep their stacks in lists, but the trees they build are
    walked recursively (scan_values, the transformer): without a bound on
    nesting, a deep header ends in RecursionError. Brackets are counted in
    the coarse TEXT tokens too, so the bound is the same wherever they are.
    """

    def __init__(self) -> None:
        self.file = ""
        self.depth = 0
        self.problems: list[ParseProblem] = []
        #: Every preprocessor line, in file order, wherever it is: between
        #: statements, in a body or in a declaration.
        self.directives: list[Token] = []

    def begin(self, file: str, problems: list[ParseProblem]) -> None:
        self.file = file
        self.depth = 0
        self.problems = problems
        self.directives = []

    def directive(self, token: Token) -> Token:
        self.directives.append(token)
        return token

    def open(self, token: Token) -> Token:
        self.depth += 1
        limits.check_nesting(self.depth, _at(self.file, token))
        return token

    def close(self, token: Token) -> Token:
        self.depth = max(0, self.depth - 1)  # a stray closer is the grammar's problem, not a level
        return token

    def text(self, token: Token) -> Token:
        value = str(token)
        if "(" not in value and "[" not in value and (self.depth == 0 or (")" not in value and "]" not in value)):
            return token
        for match in _QUOTED_OR_BRACKET.finditer(value):
            bracket = match.group()
            if bracket in "([":
                self.depth += 1
                if self.depth > limits.NESTING_LIMIT:  # where it is costs a count of the lines before it
                    limits.check_nesting(self.depth, _inside(self.file, token, match.start()))
            elif bracket in ")]":
                self.depth = max(0, self.depth - 1)
        return token

    def open_comment(self, token: Token) -> Token:
        message = "a '/*' comment that nothing closes: the rest of the header is comment"
        self.problems.append(ParseProblem(message, _at(self.file, token)))
        return token


_lexing = _Lexing()


@cache
def _header_parser() -> lark.Lark:
    # Lark's cache file holds the LALR tables and is keyed by a hash of the
    # grammar and options (callbacks excepted), so an edited grammar is never served stale.
    callbacks = {
        "PP_LINE": _lexing.directive,
        "LBRACE": _lexing.open,
        "RBRACE": _lexing.close,
        "TEXT": _lexing.text,
        "DECL_TEXT": _lexing.text,
        "OPEN_COMMENT": _lexing.open_comment,
    }
    return larkcache.parser(
        HEADER_GRAMMAR.read_text(encoding="utf-8"),
        "lark-prototype-headers.cache",
        parser="lalr",
        lexer="contextual",
        start="header",
        propagate_positions=False,
        maybe_placeholders=False,
        lexer_callbacks=callbacks,
        transformer=_FindDeclarations(),
    )


@cache
def _declaration_parser() -> lark.Lark:
    # The basic lexer reads a word the same in every state (`asmlinkage` is
    # always the keyword, `__attribute__` always an attribute), so what a
    # declaration is does not depend on where the parser stands in it.
    return larkcache.parser(
        DECLARATION_GRAMMAR.read_text(encoding="utf-8"),
        "lark-prototypes.cache",
        parser="lalr",
        lexer="basic",
        start="declaration",
        propagate_positions=False,
        maybe_placeholders=False,
        transformer=_to_model,
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
    events = _parse_header(text, name, problems)
    prototypes: list[Prototype] = []
    conditions = _ConditionStack()
    for index, event in enumerate(events):
        if isinstance(event, _Declaration):
            if len(problems) >= limits.PROBLEMS_LIMIT:
                problems.append(_too_many_problems(_at(name, event.keyword)))
                return PrototypeFile(path=name, prototypes=(), problems=tuple(problems))
            prototype = _parse_declaration(text, event, name, problems)
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


def _parse_header(text: str, file: str, problems: list[ParseProblem]) -> list[Token | _Declaration]:
    """Declarations and preprocessor lines (PP_LINE tokens), in file order; none once the header is given up."""
    def recover(error: UnexpectedInput) -> bool:
        if not isinstance(error, UnexpectedToken):
            return False
        if len(problems) >= limits.PROBLEMS_LIMIT:
            # Each recovery costs an exception: a header of stray braces would take minutes.
            problems.append(_too_many_problems(_at(file, error.token)))
            raise _GaveUp from None
        if error.token.type == "RBRACE":
            problems.append(ParseProblem("skipped a '}' that closes nothing", _at(file, error.token)))
            return True  # lark resumes after the offending token
        if error.token.type == "$END":
            problems.append(ParseProblem("unexpected end of file inside a statement", _end_of(file, text)))
            return _close_open_statements(error)
        # The grammar accepts every token somewhere; should one still come
        # where it cannot, losing it is better than losing the file.
        problems.append(ParseProblem(f"skipped unexpected {str(error.token)!r}", _at(file, error.token)))
        return True

    parser = _header_parser()
    _lexing.begin(file, problems)
    try:
        declarations = parser.parse(text, on_error=recover)
    except _GaveUp:
        return []
    except UnexpectedInput as error:
        where = Location(file, error.line, error.column)
        problems.append(ParseProblem(f"cannot read this header: {error}".splitlines()[0], where))
        return []
    assert isinstance(declarations, list)
    # A declaration comes before the directives inside it: they open or close a conditional for what follows.
    return sorted([*declarations, *_lexing.directives], key=_position)


def _too_many_problems(where: Location) -> ParseProblem:
    """The last problem of a header that has PROBLEMS_LIMIT: none of its declarations are used."""
    message = f"{limits.PROBLEMS_LIMIT} problems already: the rest of the header is not read ({limits.DOCS})"
    return ParseProblem(message, where)


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
        # Empty, so that _FindDeclarations tells the closer from one in the text.
        interactive.feed_token(Token.new_borrow_pos(closer, "", error.token))
    return False


@dataclass(frozen=True, slots=True)
class _Declaration:
    """Where one statement from `asmlinkage` to its end is in the header's text."""

    keyword: Token
    #: Where the declaration's text ends: after its `;` or its body's `{`, or
    #: before the first preprocessor line in it.
    end: int
    #: A preprocessor line inside the declaration, which makes it unreadable.
    directive: Token | None
    #: The `;` the reader adds to a declaration the file ends in.
    closer: str


class _FindDeclarations(Transformer[Token, list[_Declaration]]):
    """The header's declarations, made as the parser reduces the statements: no tree is built."""

    def header(self, children: list[Token | _Declaration]) -> list[_Declaration]:
        return [child for child in children if isinstance(child, _Declaration)]

    def body(self, children: list[Token]) -> Token:
        return children[0]  # its `{`: all a declaration needs of its body

    def asm_statement(self, children: list[Token]) -> _Declaration:
        keyword, *parts, last = children
        directive = next((part for part in parts if part.type == "PP_LINE"), None)
        if directive is not None:
            return _Declaration(keyword, _start(directive), directive, "")
        if last.type == "LBRACE" or str(last):
            return _Declaration(keyword, _end(last), None, "")
        # The file ended inside the declaration, and the reader closed it: read it as if it ended there.
        return _Declaration(keyword, _end(parts[-1] if parts else keyword), None, ";")


def _position(event: Token | _Declaration) -> int:
    return _start(event.keyword if isinstance(event, _Declaration) else event)


def _start(token: Token) -> int:
    assert token.start_pos is not None  # every token the lexer made has its position
    return token.start_pos


def _end(token: Token) -> int:
    assert token.end_pos is not None
    return token.end_pos


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


def _parse_declaration(
    text: str, declaration: _Declaration, file: str, problems: list[ParseProblem]
) -> Prototype | None:
    keyword = declaration.keyword
    origin = _Origin(file, keyword.line or 0, keyword.column or 0)
    source = text[_start(keyword) : declaration.end] + declaration.closer
    if len(source) > limits.DECLARATION_BYTES_LIMIT:
        message = (
            f"skipped an asmlinkage declaration of {len(source)} bytes: "
            f"more than {limits.DECLARATION_BYTES_LIMIT}, the limit on one declaration ({limits.DOCS})"
        )
        problems.append(ParseProblem(message, _at(file, keyword)))
        return None
    _to_model.begin(origin)
    try:
        prototype = _declaration_parser().parse(source)
    except UnexpectedCharacters as error:
        # A character no terminal of a declaration takes: a `}` the header reader skipped.
        found = repr(error.char)
        message = f"skipped an asmlinkage declaration that is not a function prototype: unexpected {found}"
        where = origin.at_position(error.line, error.column)
        problems.append(ParseProblem(message, where, frozenset(error.allowed or ()), found))
        return None
    except UnexpectedToken as error:
        if error.token.type == "$END" and declaration.directive is not None:
            found, where = "a preprocessor line", _at(file, declaration.directive)
        elif error.token.type == "$END":
            found, where = repr(str(error.token)), _at(file, keyword)
        else:
            found, where = repr(str(error.token)), origin.at(error.token)
        message = f"skipped an asmlinkage declaration that is not a function prototype: unexpected {found}"
        problems.append(ParseProblem(message, where, frozenset(error.expected), found))
        return None
    assert isinstance(prototype, Prototype)
    return prototype


@dataclass(frozen=True, slots=True)
class _Origin:
    """Where a declaration's own text starts in its file: its tokens' positions count from there."""

    file: str
    line: int
    column: int

    def at(self, token: Token) -> Location:
        return self.at_position(token.line or 0, token.column or 0)

    def at_position(self, line: int, column: int) -> Location:
        if line == 1:
            return Location(self.file, self.line, self.column + column - 1)
        return Location(self.file, self.line + line - 1, column)


def _at(file: str, token: Token) -> Location:
    return Location(file, token.line or 0, token.column or 0)


def _end_of(file: str, text: str) -> Location:
    """Just after the file's last character that is not whitespace, where a C compiler reports the end of input."""
    content = text.rstrip()
    return Location(file, content.count("\n") + 1, len(content) - content.rfind("\n"))


def _inside(file: str, token: Token, offset: int) -> Location:
    """Where the character `offset` characters into `token` is."""
    value = str(token)
    newlines = value.count("\n", 0, offset)
    if newlines == 0:
        return Location(file, token.line or 0, (token.column or 0) + offset)
    return Location(file, (token.line or 0) + newlines, offset - value.rfind("\n", 0, offset))


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
    """Builds a Prototype from a `declaration` as the parser reduces it: no tree is built.

    The parser holds one instance; `origin` is set before each declaration.
    """

    def __init__(self) -> None:
        super().__init__()
        self._origin = _Origin("", 1, 1)

    def begin(self, origin: _Origin) -> None:
        self._origin = origin

    def _location(self, children: Sequence[_Node]) -> Location:
        """Where a parameter starts: its first word or attribute."""
        for child in children:
            if isinstance(child, Token):
                return self._origin.at(child)
            if isinstance(child, _Attribute):
                return self._origin.at(child.first)
        raise AssertionError("the grammar gives every parameter a first word")

    def declaration(self, children: list[_Node]) -> Prototype:
        head = next(c for c in children if isinstance(c, _Head))
        params, trailer = (c for c in children if isinstance(c, tuple))
        return Prototype(
            name=str(head.name),
            return_type=_render_type(head.return_words),
            params=tuple(p for p in params if isinstance(p, Param)),
            location=self._origin.at(head.name),
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
            c if isinstance(c, Param) else Param("...", "", False, False, self._origin.at(c)) for c in children
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


_to_model = _ToModel()


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
