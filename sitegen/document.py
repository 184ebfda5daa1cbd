"""The typed values that flow through the pipeline."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping, NoReturn

from sitegen import lazy

Kind = Literal["solution", "template", "index", "page"]

# Fields whose values are lists of vocabulary words; a scalar in the source becomes a 1-tuple.
LIST_FIELDS = ("problem_type", "component", "root_cause", "resolution_type", "tags", "symptoms")
KNOWN_FIELDS = (
    "title",
    "module",
    "date",
    "problem_type",
    "component",
    "symptoms",
    "root_cause",
    "resolution_type",
    "severity",
    "tags",
    "summary",
)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"'(\[])")


def first_sentence(text: str, limit: int = 240) -> str:
    sentence = _SENTENCE_END.split(text, maxsplit=1)[0].strip()
    if len(sentence) > limit:
        sentence = sentence[: limit - 1].rsplit(" ", 1)[0] + "…"
    return sentence


class FrozenMap(dict):  # type: ignore[type-arg]
    """A read-only dict that, unlike MappingProxyType, pickles: documents cross process boundaries."""

    def _read_only(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("this mapping is read-only")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _read_only  # type: ignore[assignment]
    __ior__ = _read_only  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (dict(self),))


@dataclass(frozen=True)
class SourceFile:
    """A Markdown file found below the content folder."""

    path: Path  # absolute
    rel: str  # POSIX path relative to the content folder, as the user knows it


@dataclass(frozen=True)
class ProblemSection:
    """One problem of a long guide (a `###` section with its own symptoms and solution)."""

    title: str
    anchor: str
    line: int
    symptoms: tuple[str, ...] = ()
    solution: str = ""
    root_cause: str = ""


@dataclass(frozen=True)
class QuickReferenceRow:
    """A row of a "Quick Reference: Common Error Messages" table already in a document."""

    error: str
    category: str
    anchor: str
    solution: str


@dataclass(frozen=True)
class Document:
    """A troubleshooting document after reading and normalising, before rendering."""

    __getattr__ = lazy.missing  # a Document loaded from the build state fetches its body on first use

    source: SourceFile
    title: str
    body: str  # Markdown without front matter
    body_line: int = 1  # line of the source file where `body` starts
    kind: Kind = "solution"
    module: str = ""
    date: dt.date | None = None
    problem_type: tuple[str, ...] = ()
    component: tuple[str, ...] = ()
    symptoms: tuple[str, ...] = ()
    root_cause: tuple[str, ...] = ()
    resolution_type: tuple[str, ...] = ()
    severity: str = ""
    tags: tuple[str, ...] = ()
    summary: str = ""
    sections: tuple[ProblemSection, ...] = ()
    quick_reference: tuple[QuickReferenceRow, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=FrozenMap)
    warnings: tuple[str, ...] = ()  # shown on the page itself, e.g. "front matter is invalid YAML"
    inferred: tuple[str, ...] = ()  # fields sitegen guessed (from the folder), marked so on the page

    def __post_init__(self) -> None:
        if not isinstance(self.extra, FrozenMap):
            object.__setattr__(self, "extra", FrozenMap(self.extra))

    def values(self, name: str) -> tuple[str, ...]:
        """The values of a taxonomy field, known or kept in `extra`, always as a tuple of strings."""
        if name in KNOWN_FIELDS:
            value = getattr(self, name)
            if type(value) is tuple and "" not in value:
                return value  # as normalise makes them: asked for some 20 times per document per build
        else:
            value = self.extra.get(name)
        if value is None or value == "":
            return ()
        if isinstance(value, (list, tuple)):
            return tuple(str(v) for v in value if v not in (None, ""))
        return (str(value),)

    @functools.cached_property
    def solution_summary(self) -> str:
        """The first sentence of the `summary`, which normalise fills from the Solution section when the front matter has none."""
        return first_sentence(self.summary) if self.summary else ""

    @property
    def is_listed(self) -> bool:
        """Solutions appear in listings, counts and the error table; other kinds do not."""
        return self.kind == "solution"
