"""A JSON form of the build state's values whose loading cannot run code.

Pickle was fast but executes whatever a planted file asks for (issue 16). JSON only ever yields
strings, numbers, lists and dicts; on top of that this codec rebuilds tuples, dates, paths, sets,
read-only maps and the dataclasses named in an allowlist, and nothing else: an unknown tag or
class name is a `ValueError`, which callers treat as "no state".

Dataclasses are rebuilt without calling `__init__` (a frozen dataclass's `__init__` sets each
field through `object.__setattr__`, which made loading 10,000 documents twice as slow); their
`__dict__` is restored as saved, cached properties included (a document's `solution_summary` is
worked out once and travels with it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path, PurePosixPath
from typing import Any, Iterable

from sitegen.document import FrozenMap

_SCALARS = (str, int, float, bool, type(None))


class Codec:
    """Encode and decode values made of JSON scalars, containers and the allowed dataclasses."""

    def __init__(self, classes: Iterable[type]) -> None:
        self._classes = {cls.__name__: cls for cls in classes}
        self._fields = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in self._classes.values()}
        # One decoder for every row: json.loads with a hook makes a new one per call (20,000 at 10k documents).
        self._decoder = json.JSONDecoder(object_hook=self._decode_object)

    def dumps(self, value: Any) -> str:
        # ensure_ascii keeps lone surrogates (file names that are not UTF-8) as \udcXX escapes.
        return json.dumps(self._encode(value), separators=(",", ":"), allow_nan=True)

    def loads(self, text: str | bytes) -> Any:
        try:
            return self._decoder.decode(text if isinstance(text, str) else text.decode("utf-8"))
        except RecursionError as exc:
            raise ValueError("state nested too deeply") from exc

    def _encode(self, value: Any) -> Any:
        kind = type(value)
        if kind in _SCALARS:
            return value
        if kind is tuple:
            return [self._encode(v) for v in value]
        if kind is list:
            return {"l": [self._encode(v) for v in value]}
        if kind is dict or kind is FrozenMap:
            pairs = [[self._encode(k), self._encode(v)] for k, v in value.items()]
            return {"m" if kind is dict else "f": pairs}
        if kind is set or kind is frozenset:
            return {"s" if kind is set else "z": [self._encode(v) for v in value]}
        if kind is dt.date:
            return {"d": value.isoformat()}
        if kind is dt.datetime:
            return {"t": value.isoformat()}
        if isinstance(value, Path) or kind is PurePosixPath:
            return {"p": str(value)}
        names = self._fields.get(kind)
        if names is None or self._classes.get(kind.__name__) is not kind:
            raise TypeError(f"the build state cannot hold a {kind.__name__}")
        state = value.__dict__
        out: dict[str, Any] = {"c": kind.__name__, "v": [self._encode(state[n]) for n in names]}
        more = [[k, self._encode(v)] for k, v in state.items() if k not in names]  # pairs: the hook sees every dict
        if more:
            out["x"] = more
        return out

    def _decode_object(self, obj: dict[str, Any]) -> Any:
        # The hook runs for every JSON object of the state (some 400,000 at 10,000 documents): the
        # dataclass record first, and a field's value converted inline unless it is an array.
        cls_name = obj.get("c")
        if cls_name is not None and len(obj) <= 3:
            cls = self._classes.get(cls_name)
            values = obj.get("v")
            names = self._fields.get(cls) if cls else None
            if names is None or type(values) is not list or len(values) != len(names):
                raise ValueError(f"unknown or malformed record in the build state: {str(cls_name)[:40]!r}")
            made = object.__new__(cls)  # type: ignore[call-overload]
            if list in map(type, values):
                values = [v if type(v) is not list else tuple(v) if list not in map(type, v) else _tuples(v) for v in values]
            made.__dict__.update(zip(names, values))
            more = obj.get("x")
            if type(more) is list:
                made.__dict__.update({k: _tuples(v) for k, v in more if isinstance(k, str) and k not in names})
            return made
        if len(obj) == 1:
            (tag, payload), = obj.items()
            if tag == "l" and isinstance(payload, list):
                return [_tuples(v) for v in payload]
            if tag in ("m", "f") and isinstance(payload, list):
                made_map = {_hashable(k): _tuples(v) for k, v in payload}
                return made_map if tag == "m" else FrozenMap(made_map)
            if tag in ("s", "z") and isinstance(payload, list):
                items = (_hashable(v) for v in payload)
                return set(items) if tag == "s" else frozenset(items)
            if tag == "d" and isinstance(payload, str):
                return dt.date.fromisoformat(payload)
            if tag == "t" and isinstance(payload, str):
                return dt.datetime.fromisoformat(payload)
            if tag == "p" and isinstance(payload, str):
                return Path(payload)
        raise ValueError("unknown record in the build state")


def _tuples(value: Any) -> Any:
    """JSON arrays stand for tuples (lists are tagged), and the hook sees only objects."""
    if type(value) is list:
        if list in map(type, value):  # checked in C: most arrays hold only strings or numbers
            return tuple(_tuples(v) for v in value)
        return tuple(value)
    return value


def _hashable(value: Any) -> Any:
    value = _tuples(value)
    try:
        hash(value)
    except TypeError as exc:  # a malformed key is a ValueError, not a crash later
        raise ValueError("unhashable key in the build state") from exc
    return value
