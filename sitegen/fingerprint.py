"""Digests of page inputs, so a rebuild re-renders only pages whose inputs changed.

Hashed as a tree: each object is digested once per build (memo by identity). A Document read
from an unchanged file is the very object the last build kept, under the same settings and code
(the build state's key says so): its digest is the one that build recorded, keyed by the file's
content hash (`known_documents`), so an edit re-digests only its own file, not ten thousand.
(An Entry is not reduced to its document and URL: its one-line solution comes from the body,
which a document's digest leaves out.)

A document counts by its fields less its Markdown body: a page shows the body only as rendered
HTML, which is an input of its own, so editing one document's text changes that document's page
and not the hundreds of lists and related-document boxes that name it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any, Mapping

from sitegen.cache import digest
from sitegen.document import Document
from sitegen.render import RenderedDoc

_LISTED_FIELDS = tuple(f.name for f in dataclasses.fields(Document) if f.name != "body")

_PLAIN = {int, float, bool, type(None), dt.date, dt.datetime}
_FIELDS: dict[type, tuple[str, ...]] = {}  # dataclass -> its field names


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
            result = _hash("seq|" + "|".join([self._digest(v) for v in value]))
        elif kind is Document:
            result = self._document(value)
        elif kind is RenderedDoc:
            result = _hash(value.html)
        elif kind in _FIELDS or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
            names = _FIELDS.get(kind) or _FIELDS.setdefault(kind, tuple(f.name for f in dataclasses.fields(value)))
            result = _hash("|".join([kind.__name__, *[self._digest(getattr(value, name)) for name in names]]))
        elif isinstance(value, Mapping):
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
