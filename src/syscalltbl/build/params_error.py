"""Why add-syscall's --params do not parse, at a line:column of the string the user typed.

The parameters are read as part of a whole declaration
(`asmlinkage long sys_NAME(PARAMS);`) by the prototype headers' grammar;
its refusal names grammar terminals and a column of that declaration. Here
it becomes `--params:LINE:COLUMN: expected X, found Y`, in the words of C.
"""

from __future__ import annotations

from syscalltbl.tables.errors import SyscalltblError
from syscalltbl.tables.prototype_model import ParseProblem

#: terminals of grammars/prototypes.lark as a C programmer names them, in the order they are listed
_WORDS = {
    "COMMA": "','",
    "RPAR": "')'",
    "RSQB": "']'",
    "LSQB": "'['",
    "LPAR": "'('",
    "ELLIPSIS": "'...'",
    "STAR": "'*'",
    "NUMBER": "a number",
    "IDENT": "a name",
}


def prefix(name: str) -> str:
    """What comes before the parameters in the declaration add-syscall writes."""
    return f"asmlinkage long sys_{name}("


def refusal(name: str, params: str) -> SyscalltblError:
    """The error for `params` that do not parse: the grammar's first refusal, at its place in `params`."""
    from syscalltbl.tables.prototypes import parse_prototypes

    # Parsed again as typed (add-syscall strips the string): the columns are then the user's own.
    parsed = parse_prototypes("--params", f"{prefix(name)}{params});")
    refused = [p for p in parsed.problems if p.expected]
    if not refused:
        why = parsed.problems[0].message if parsed.problems else "not one declaration"
        return SyscalltblError(f"do not parse as C parameters: {why}", path="--params")
    problem = refused[0]
    if problem.expected & {"SEMI", "LBRACE"}:  # the declaration's own ')' came after the list had ended
        closing = _unbalanced_close(params)
        if closing is not None:
            return SyscalltblError("')' closes the parameter list early", path=f"--params:{closing[0]}:{closing[1]}")
    line, column = _position(name, params, problem)
    beyond = line == params.count("\n") + 1 and column > len(params.rsplit("\n", 1)[-1])
    found = "the end of the parameters" if beyond else problem.found
    return SyscalltblError(f"expected {_expected(problem.expected)}, found {found}", path=f"--params:{line}:{column}")


def _unbalanced_close(params: str) -> tuple[int, int] | None:
    """Line and column of the first ')' in `params` that closes more than was opened."""
    depth = 0
    for line, text in enumerate(params.split("\n"), start=1):
        for column, char in enumerate(text, start=1):
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth < 0:
                return line, column
    return None


def _position(name: str, params: str, problem: ParseProblem) -> tuple[int, int]:
    """The problem's 1-based line and column in `params`, at most just past its end."""
    line, column = problem.location.line, problem.location.column
    if line == 1:
        column -= len(prefix(name))
    lines = params.split("\n")
    line = min(max(line, 1), len(lines))
    return line, min(max(column, 1), len(lines[line - 1]) + 1)


def _expected(terminals: frozenset[str]) -> str:
    if "IDENT" in terminals and "COMMA" not in terminals:
        if "RSQB" in terminals:
            return "an array size or ']'"
        # Where a parameter starts (a name is a type's first word here).
        return "a parameter type or ')'" if "RPAR" in terminals else "a parameter type"
    if {"COMMA", "RPAR"} <= terminals:
        return "',' or ')'"
    words = [word for terminal, word in _WORDS.items() if terminal in terminals]
    if not words:
        return "C parameters"
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
