"""Digests of page inputs, so a rebuild re-renders only pages whose inputs changed.

Hashed as a tree: each object is digested once per build (memo by identity). A Document read
from an unchanged file is the very object the last build kept, under the same settings and code
(the build state's key says so): its digest is the one that build recorded, keyed by the file's
content hash (`known_documents`), so an edit re-digests only its own file, not ten thousand.
An Entry is digested as its document, URL and one-line solution (group.entries_of makes it from
those), and a rendered body as the hash it keeps with itself in the state (RenderedDoc.html_digest).

A document counts by its fields less its Markdown body: a page shows the body only as rendered
HTML, which is an input of its own, so editing one document's text changes that document's page
and not the hundreds of lists and related-document boxes that name it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import operator
from pathlib import Path
from typing import AbstractSet, Any, Callable, Iterable, Mapping

from sitegen.keys import digest
from sitegen.document import Document
from sitegen.group import Entry
from sitegen.render import RenderedDoc

_LISTED_FIELDS = tuple(f.name for f in dataclasses.fields(Document) if f.name != "body")

_PLAIN = {int, float, bool, type(None), dt.date, dt.datetime}
_REPR_EXACT = frozenset({str, *_PLAIN})  # types whose repr is exact, so a container of them is its repr
_FIELDS: dict[type, Callable[[Any], tuple[Any, ...]]] = {}  # dataclass -> the getter of all its fields


_first = operator.itemgetter(0)


def _getter(value: Any) -> Callable[[Any], tuple[Any, ...]]:
    names = tuple(f.name for f in dataclasses.fields(value))
    get = operator.attrgetter(*names)
    return get if len(names) > 1 else (lambda v: (get(v),))


def _plain(values: Iterable[Any]) -> bool:
    """Whether every item is a string, number, date or None (checked in C, without a Python loop)."""
    return all(map(_REPR_EXACT.__contains__, map(type, values)))  # stops at the first other (issuperset would not)


def _plain_deep(values: Iterable[Any], depth: int = 3) -> bool:
    """Plain, or tuples and lists (named tuples too: their repr is exact) of plain values, nested a few deep."""
    for v in values:
        if type(v) in _REPR_EXACT or (depth and isinstance(v, (tuple, list)) and (_plain(v) or _plain_deep(v, depth - 1))):
            continue
        # A dict's repr follows its insertion order: two equal dicts built in another order differ,
        # which can only re-render a page, never keep a stale one.
        if depth and type(v) is dict and _plain(v.keys()) and _plain_deep(v.values(), depth - 1):
            continue
        return False
    return True


def _same_type(keys: Iterable[Any]) -> bool:
    """Keys that sort among themselves (a string and None do not)."""
    return len(set(map(type, keys))) <= 1


def _hash(text: str) -> str:
    return digest(text.encode("utf-8", "surrogateescape"))


DocumentDigests = Mapping[str, tuple[str, str]]  # source rel -> (content hash of the file, digest of its Document)


class Fingerprinter:
    """Stable digests of page inputs; see the module's docstring for what is reused and why."""

    def __init__(self, known_documents: DocumentDigests | None = None, source_hashes: Mapping[str, str] | None = None) -> None:
        self._memo: dict[int, tuple[Any, str]] = {}
        self._known = dict(known_documents or {})
        self._hashes = source_hashes or {}
        self.documents: dict[str, tuple[str, str]] = {}  # this build's, for the next build
        self.hashed_documents = 0  # documents digested field by field this build

    def __call__(self, *values: Any) -> str:
        return self._digest(values)

    def page(self, common: str, template: str, context: Mapping[str, Any], plain: AbstractSet[str] = frozenset()) -> str:
        """A page's fingerprint; the `plain` names of its context are taken by their repr, unchecked:
        for the ten thousand document pages of a large site, checking costs more than the rest."""
        parts = [f"{name}={value!r}" if name in plain else f"{name}:{self._digest(value)}"
                 for name, value in sorted(context.items(), key=_first)]
        return _hash("|".join(["page", common, template, *parts]))

    def _digest(self, value: Any) -> str:
        kind = type(value)
        if kind is str:
            return repr(value) if len(value) < 64 else digest(value.encode("utf-8", "surrogateescape"))
        if kind in _PLAIN:
            return repr(value)
        key = id(value)
        hit = self._memo.get(key)
        if hit is not None and hit[0] is value:
            return hit[1]
        # Dispatch on the exact type first: at 10,000 documents this runs a million times.
        if kind is tuple or kind is list:
            if _plain(value) or _plain_deep(value):  # one repr, in C, for the common tuple of strings
                result = _hash("r|" + repr(value))
            else:
                result = _hash("seq|" + "|".join([self._digest(v) for v in value]))
        elif kind is Document:
            result = self._document(value)
        elif kind is RenderedDoc:
            result = value.html_digest
        elif kind is Entry:
            # An entry is made from its document and URL alone (group.entries_of): its title,
            # symptoms and section are fields of the document. The solution line too, but it is
            # hashed anyway, being the one value worked out from the text.
            result = _hash(f"Entry|{self._digest(value.doc)}|{value.url}|{self._digest(value.solution)}")
        elif kind in _FIELDS or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
            getter = _FIELDS.get(kind) or _FIELDS.setdefault(kind, _getter(value))
            fields = getter(value)
            if _plain(fields) or _plain_deep(fields):  # an error row, a listed document: strings, dates, tuples of them
                result = _hash(f"{kind.__name__}|r|{fields!r}")
            else:
                result = _hash("|".join([kind.__name__, *[self._digest(v) for v in fields]]))
        elif isinstance(value, Mapping):
            if _plain(value.keys()) and _same_type(value.keys()):
                # A page's context: plain values by their repr, the others (documents, entries) by digest.
                result = _hash("m|" + "|".join([f"{k!r}={v!r}" if _plain_deep((v,)) else f"{k!r}:{self._digest(v)}"
                                                for k, v in sorted(value.items(), key=_first)]))
            else:
                result = _hash("map|" + "|".join(sorted([f"{self._digest(k)}={self._digest(v)}" for k, v in value.items()])))
        elif isinstance(value, (set, frozenset)):
            result = _hash("seq|" + "|".join(sorted([self._digest(v) for v in value])))
        elif isinstance(value, (list, tuple)):
            result = _hash("seq|" + "|".join([self._digest(v) for v in value]))
        elif isinstance(value, str):
            result = self._digest(str(value))
        elif isinstance(value, (int, float, bool, dt.date, Path)) or value is None:
            result = repr(value)
        else:
            result = _hash(f"{kind.__name__}:{value!r}")
        self._memo[key] = (value, result)  # keeping the value alive stops its id being reused this build
        return result

    def _document(self, doc: Document) -> str:
        rel = doc.source.rel
        source_hash = self._hashes.get(rel)
        known = self._known.get(rel)
        if source_hash and known is not None and known[0] == source_hash:
            result = known[1]
        else:
            # One repr for the whole document, as a thousand documents of some twenty fields each
            # made this the hot spot. (Not pickle: its bytes depend on which equal strings share an object.)
            text = repr(tuple(getattr(doc, name) for name in _LISTED_FIELDS))
            result = digest(text.encode("utf-8", "surrogateescape"))
            self.hashed_documents += 1
        if source_hash:
            self.documents[rel] = (source_hash, result)
        return result
