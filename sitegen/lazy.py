"""Fields of a loaded build state that are read from disk only when something asks for them.

A one-document edit of a 10,000-document site needs every document's metadata (the group pages
list them all) but the Markdown body and rendered HTML of only the few pages it renders again: the
state keeps those in columns of their own (cache.py), and a loaded Document or RenderedDoc holds,
instead of them, a `Deferred` that fetches them on first use. The classes opt in with
`__getattr__ = lazy.missing`, which Python calls only for an attribute not already set.
"""

from __future__ import annotations

from typing import Any, Callable

DEFERRED = "_deferred"  # the key, in a loaded object's __dict__, of what fetches its missing fields


class Deferred:
    """The fields an object still lacks, and what fetches some of them: `fetch(names)` returns a
    name -> value mapping. Each field is fetched when first asked for, alone (the search index
    reads every document's text, a re-render one document's HTML)."""

    __slots__ = ("fetch", "names")

    def __init__(self, fetch: Callable[[tuple[str, ...]], dict[str, Any]], names: tuple[str, ...]) -> None:
        self.fetch = fetch
        self.names = names


def missing(obj: Any, name: str) -> Any:
    """`__getattr__` of a class whose loaded objects may defer fields: fetch the field, then answer."""
    state = obj.__dict__
    deferred = state.get(DEFERRED)
    if deferred is None or name not in deferred.names:
        raise AttributeError(f"{type(obj).__name__!s} has no attribute {name!r}")
    state.update(deferred.fetch((name,)))
    _settle(state, deferred)
    return state[name]


def complete(obj: Any) -> None:
    """Fetch every deferred field of `obj` now (before it is saved as a whole)."""
    deferred = obj.__dict__.get(DEFERRED)
    if deferred is not None:
        obj.__dict__.update(deferred.fetch(tuple(n for n in deferred.names if n not in obj.__dict__)))
        _settle(obj.__dict__, deferred)


def _settle(state: dict[str, Any], deferred: Deferred) -> None:
    if all(n in state for n in deferred.names):
        del state[DEFERRED]
