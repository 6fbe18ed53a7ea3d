"""The C types of system-call parameters on x86-64 (LP64): which bits of a 64-bit register each keeps, and its sign.

What SYSCALL_DEFINE's casts do (`__SC_CAST`): an `int` is the register's low
32 bits, sign-extended; an `unsigned int` the low 32 bits; a pointer, `long`
or `size_t` all 64. `register_cast` gives the (mask, sign) pair that turns a
register into the value: `((reg & mask) ^ sign) - sign`.
"""

from __future__ import annotations

from functools import cache
from typing import Final

#: The kernel's typedefs of integer parameters, as the base types they stand for.
TYPEDEFS: Final = {
    "pid_t": "int", "clockid_t": "int", "timer_t": "int", "key_t": "int", "mqd_t": "int", "rwf_t": "int",
    "s32": "int", "__s32": "int", "uid_t": "unsigned int", "gid_t": "unsigned int", "qid_t": "unsigned int",
    "u32": "unsigned int", "__u32": "unsigned int", "umode_t": "unsigned short", "old_uid_t": "unsigned short",
    "old_gid_t": "unsigned short", "u64": "unsigned long long", "__u64": "unsigned long long",
    "loff_t": "long long", "off_t": "long", "ssize_t": "long", "size_t": "unsigned long",
    "aio_context_t": "unsigned long",
    "key_serial_t": "int",
}  # fmt: skip
_BITS: Final = {"char": 8, "short": 16, "int": 32, "long": 64, "long long": 64}
_QUALIFIERS: Final = frozenset({"const", "volatile", "signed", "unsigned"})
_TYPE_WORDS: Final = _QUALIFIERS | {"char", "short", "int", "long"} | TYPEDEFS.keys()
_MASK64: Final = (1 << 64) - 1
#: A register kept whole: pointers, unsigned longs, and what this module does not know.
WHOLE: Final = (_MASK64, 0)


@cache  # a few dozen types over a thousand parameters, at every machine's bind
def register_cast(ctype: str) -> tuple[int, int]:
    """(mask, sign bit) of `ctype`: `((reg & mask) ^ sign) - sign` is the value the C function sees."""
    if "*" in ctype:
        return WHOLE
    words = ctype.split()
    words = [w for part in (TYPEDEFS.get(w, w) for w in words) for w in part.split()]
    core = " ".join(w for w in words if w not in _QUALIFIERS) or "int"  # `unsigned` alone is an int
    bits = _BITS.get(core)
    if bits is None:
        return WHOLE
    signed = ("unsigned" not in words and core != "char") or "signed" in words
    return (1 << bits) - 1, (1 << (bits - 1)) if signed else 0


def cast(value: int, ctype: str) -> int:
    mask, sign = register_cast(ctype)
    return ((value & mask) ^ sign) - sign


def parameter_types(declaration: str) -> list[str]:
    """The parameter types of a declaration as Prototype.declaration() writes it.

    `long sys_read(unsigned int fd, char __user *buf, size_t count)` gives `unsigned int`, `char __user *`, `size_t`.
    """
    inside = declaration[declaration.index("(") + 1 : declaration.rindex(")")].strip()
    if inside in ("", "void"):
        return []
    types = []
    for text in inside.split(", "):
        if "*" in text:
            types.append(text[: text.rindex("*") + 1])
            continue
        words = text.split()
        if len(words) > 1 and words[-1] not in _TYPE_WORDS:
            words = words[:-1]  # the parameter's name
        types.append(" ".join(words))
    return types
