"""Value records without `dataclasses`: repr, equality, hashing and frozenness from a class's field names.

`@dataclass` writes the methods it generates as source text and compiles them as each class is
defined (0.3-0.8 ms a class), and importing `dataclasses` imports `inspect`, `ast` and `tokenize`
(about 20 ms): together a third of `syscalltbl run`'s start-up when the 64 classes it imports were
dataclasses. A record writes its `__init__` by hand and inherits these methods, which read the
fields through an `operator.attrgetter` and a format string made as the class is defined. They
behave as a dataclass's do: the repr is `Name(field=value, ...)`, equality compares the fields of two
instances of the same class, a mutable record with equality is unhashable, a frozen one hashes its
fields and refuses assignment (tests/test_record.py holds each against the dataclass it replaced).

The lowest layer, because the generators' and the machine's records share it.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any, ClassVar, TypeVar


def _getter(names: tuple[str, ...]) -> Callable[[object], object]:
    return attrgetter(*names) if names else lambda _: ()


def _values(names: tuple[str, ...]) -> Callable[[object], tuple[object, ...]]:
    """The fields' values as a tuple, one field too (attrgetter gives one field's value alone)."""
    if len(names) == 1:
        name = names[0]
        return lambda record: (getattr(record, name),)
    getter: Callable[[object], tuple[object, ...]] = attrgetter(*names) if names else lambda _: ()
    return getter


class Record:
    """A dataclass with `eq=False`: the repr of its fields, identity equality and hashing."""

    __slots__ = ()
    #: The fields, in their order: what the repr shows.
    _fields: ClassVar[tuple[str, ...]] = ()
    #: What equality and hashing compare, when not every field of the repr.
    _compared: ClassVar[tuple[str, ...]]
    _key: ClassVar[Callable[[object], object]]
    _shown: ClassVar[Callable[[object], tuple[object, ...]]]
    _format: ClassVar[str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._key = staticmethod(_getter(cls.__dict__.get("_compared", cls._fields)))
        # The repr as one str.format of the fields' values: a cache key of a few hundred records is their repr.
        cls._shown = staticmethod(_values(cls._fields))
        cls._format = f"{cls.__qualname__}({', '.join(f'{name}={{!r}}' for name in cls._fields)})"

    def __repr__(self) -> str:
        return self._format.format(*type(self)._shown(self))


class Value(Record):
    """A mutable dataclass: equal when of the same class with equal fields, so not hashable."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return type(self)._key(self) == type(self)._key(other)


class Frozen(Value):
    """A frozen dataclass: its `__init__` sets the fields with `object.__setattr__`; hashed by its fields."""

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]  # Value's None: unhashable
        return hash(type(self)._key(self))

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r}")

    def __setstate__(self, state: tuple[dict[str, object] | None, dict[str, object]] | dict[str, object]) -> None:
        """Unpickling and copying set the fields as `__init__` does, past the refusal of assignment."""
        for part in state if isinstance(state, tuple) else (state,):
            for name, value in (part or {}).items():
                object.__setattr__(self, name, value)


#: After the class, not with bound="Record": a string bound is compiled (typing.ForwardRef) at import, 1 ms.
R = TypeVar("R", bound=Record)


def replace(record: R, **changes: object) -> R:
    """dataclasses.replace: a new record of the same class, from `record`'s fields and `changes`.

    The fields passed are the parameters of the class's `__init__`, as a dataclass's are its init fields.
    """
    code = type(record).__init__.__code__
    names = code.co_varnames[1 : code.co_argcount + code.co_kwonlyargcount]
    kept = {name: getattr(record, name) for name in names if name not in changes}
    return type(record)(**kept, **changes)
