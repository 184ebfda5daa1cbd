"""The build state's JSON codec gives back exactly what it was given: types, nesting and all."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from sitegen.document import FrozenMap
from sitegen.jsoncodec import Codec


@dataclasses.dataclass(frozen=True)
class Row:
    name: str
    items: Any
    more: Any = None


CODEC = Codec([Row])


def _same(a: Any, b: Any) -> bool:
    """Equal, and of the very same types all the way down (a list is not a tuple here)."""
    if type(a) is not type(b):
        return False
    if dataclasses.is_dataclass(a):
        return a.__dict__.keys() == b.__dict__.keys() and all(_same(a.__dict__[k], b.__dict__[k]) for k in a.__dict__)
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


VALUES = [
    Row("plain", ("a", "b"), 3),
    Row("nested", (("a", 1), ("b", (2, (3,)))), (("x", "y"), ("z",))),
    Row("objects", (Row("inner", ()), Row("inner2", (("deep",),))), None),
    Row("maps", FrozenMap({"k": ("v",)}), {("a", 1): (1, (2,))}),
    Row("sets", frozenset({"a", "b"}), {1, 2}),
    Row("dates", (dt.date(2024, 1, 2), dt.datetime(2024, 1, 2, 3, 4)), Path("/tmp/x.md")),
    Row("empty", (), ()),
    Row("mixed", ("a", ("b",), Row("r", ("l", ("t",)))), ()),
]
# (A list inside a record comes back as a tuple, as it always has: the state holds none.)


@pytest.mark.parametrize("value", VALUES, ids=[v.name for v in VALUES])
def test_a_value_comes_back_with_the_same_types(value: Row) -> None:
    assert _same(CODEC.loads(CODEC.dumps(value)), value)


def test_a_list_at_the_top_comes_back_a_list() -> None:
    assert _same(CODEC.loads(CODEC.dumps([1, (2, (3,))])), [1, (2, (3,))])


def test_extra_attributes_of_a_record_come_back_too() -> None:
    row = Row("x", ())
    row.__dict__["cached"] = ("a", ("b",))  # a cached property, worked out once and kept
    back = CODEC.loads(CODEC.dumps(row))
    assert _same(back.__dict__["cached"], ("a", ("b",)))


@pytest.mark.parametrize("text", ['{"c": "Row", "v": ["x"]}', '{"c": "Nope", "v": []}', '{"c": "Row", "v": "xy"}',
                                  '{"q": 1}', '{"c": "Row", "v": ["a", [], null], "x": [], "y": 1, "z": 2}'])
def test_an_unknown_or_malformed_record_is_a_value_error(text: str) -> None:
    with pytest.raises(ValueError):
        CODEC.loads(text)
