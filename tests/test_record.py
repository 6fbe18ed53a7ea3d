"""store/record.py: a record behaves as the dataclass it stands for (repr, equality, hashing, frozenness, copies)."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import ClassVar

import pytest

from syscalltbl.store.record import Frozen, Record, Value, replace


@dataclasses.dataclass(frozen=True, slots=True)
class FrozenDataclass:
    code: int | None
    signal: int | None = None
    detail: str = ""


class FrozenRecord(Frozen):
    code: int | None
    signal: int | None
    detail: str

    __slots__ = _fields = ("code", "signal", "detail")

    def __init__(self, code: int | None, signal: int | None = None, detail: str = "") -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "signal", signal)
        object.__setattr__(self, "detail", detail)


@dataclasses.dataclass(slots=True)
class MutableDataclass:
    start: int
    end: int
    hidden: int = dataclasses.field(default=0, repr=False, compare=False)


class MutableRecord(Value):
    start: int
    end: int
    hidden: int

    __slots__ = ("end", "hidden", "start")
    _fields: ClassVar[tuple[str, ...]] = ("start", "end")

    def __init__(self, start: int, end: int, hidden: int = 0) -> None:
        self.start = start
        self.end = end
        self.hidden = hidden


class Identity(Record):
    _fields = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class Longer(MutableRecord):
    extra: bytes

    __slots__ = ("extra",)
    _fields = (*MutableRecord._fields, "extra")

    def __init__(self, start: int, end: int, hidden: int = 0, extra: bytes = b"") -> None:
        super().__init__(start, end, hidden)
        self.extra = extra


def _named(text: str) -> str:
    """A repr with the class's name dropped: the dataclass and the record are named apart."""
    return text[text.index("(") :]


def test_a_frozen_record_is_a_frozen_dataclass() -> None:
    for args in ((0,), (None, 9, "x")):
        made, expected = FrozenRecord(*args), FrozenDataclass(*args)
        assert _named(repr(made)) == _named(repr(expected))
        assert made == FrozenRecord(*args) and made != FrozenRecord(1, 2, "other")
        assert hash(made) == hash(FrozenRecord(*args))
        assert len({made, FrozenRecord(*args)}) == 1
    assert repr(FrozenRecord(1)) == "FrozenRecord(code=1, signal=None, detail='')"
    with pytest.raises(AttributeError):
        FrozenRecord(1).code = 2
    with pytest.raises(AttributeError):
        del FrozenRecord(1).code


def test_a_frozen_record_survives_pickle_and_copy() -> None:
    made = FrozenRecord(3, 4, "five")
    for again in (pickle.loads(pickle.dumps(made)), copy.copy(made), copy.deepcopy(made)):
        assert again == made and again is not made and hash(again) == hash(made)


def test_a_mutable_record_compares_as_a_dataclass_and_is_unhashable() -> None:
    made, expected = MutableRecord(1, 2, hidden=7), MutableDataclass(1, 2, hidden=7)
    assert _named(repr(made)) == _named(repr(expected)) == "(start=1, end=2)"
    assert made == MutableRecord(1, 2, hidden=8)  # hidden is not compared, as compare=False
    assert made != MutableRecord(1, 3)
    assert made != Longer(1, 2)  # another class is never equal, as for dataclasses
    assert (made == object()) is False
    with pytest.raises(TypeError):
        hash(made)
    made.end = 5
    assert made == MutableRecord(1, 5)


def test_a_record_without_equality_compares_and_hashes_by_identity() -> None:
    one, other = Identity("a"), Identity("a")
    assert one != other and one == one
    assert len({one, other}) == 2
    assert repr(one) == "Identity(name='a')"


def test_a_subclass_shows_its_own_fields_after_its_parents() -> None:
    assert repr(Longer(1, 2, extra=b"x")) == "Longer(start=1, end=2, extra=b'x')"


def test_replace_makes_a_new_record_from_the_init_parameters() -> None:
    made = Longer(1, 2, hidden=3, extra=b"x")
    changed = replace(made, end=9)
    assert type(changed) is Longer and changed is not made
    assert (changed.start, changed.end, changed.hidden, changed.extra) == (1, 9, 3, b"x")
    assert replace(FrozenRecord(1, 2, "d"), detail="e") == FrozenRecord(1, 2, "e")
    with pytest.raises(TypeError):
        replace(made, nosuch=1)
