"""Each document's related entries, kept between builds: worked out afresh only when what decides
them changed.

Related entries (group.related_entries) depend on every listed entry's component, root cause,
problem type and tags, and on the default order (date, title, URL). An edit of a body changes none
of those, yet working the lists out again for 10,000 documents cost a third of a second: when the
signature of all of them is the one the last build recorded, its lists (as entry URLs) are reused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from sitegen.group import RELATED_WEIGHTS, Entry, related_entries, related_index
from sitegen.keys import digest


@dataclass(frozen=True)
class RelatedLists:
    """What the build state keeps: the signature the lists were made under, and each document's list."""

    signature: str = ""
    urls: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # source rel -> related entries' URLs


def signature(entries: Sequence[Entry]) -> str:
    """Everything related_entries reads of the entries, in their order."""
    return digest(repr([(e.doc.source.rel, e.url, e.section is None, e.sort_key,
                         [e.values(name) for name, _ in RELATED_WEIGHTS]) for e in entries]).encode("utf-8", "surrogateescape"))


def related_by_document(entries: Sequence[Entry], previous: RelatedLists | None) -> tuple[dict[str, tuple[Entry, ...]], RelatedLists]:
    """Each document's related entries (from its first entry), reused from `previous` when its
    signature still holds; and what to keep for the next build."""
    sig = signature(entries)
    firsts: dict[str, Entry] = {}
    for entry in entries:
        firsts.setdefault(entry.doc.source.rel, entry)
    if previous is not None and previous.signature == sig and previous.urls.keys() == firsts.keys():
        by_url = {e.url: e for e in entries}
        if all(url in by_url for urls in previous.urls.values() for url in urls):
            return {rel: tuple(by_url[u] for u in urls) for rel, urls in previous.urls.items()}, previous
    index = related_index(entries)
    made = {rel: related_entries(first, entries, index) for rel, first in firsts.items()}
    return made, RelatedLists(sig, {rel: tuple(e.url for e in found) for rel, found in made.items()})
