"""Stage: group documents into taxonomies, the error table, related documents and the home matrix."""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from sitegen.diagnostics import Problem
from sitegen.document import Document, ProblemSection
from sitegen.urls import group_url, slugify

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3}
TAXONOMY_LABELS = {
    "component": ("Component", "Components"),
    "problem_type": ("Problem type", "Problem types"),
    "tags": ("Tag", "Tags"),
    "severity": ("Severity", "Severities"),
    "root_cause": ("Root cause", "Root causes"),
    "resolution_type": ("Resolution", "Resolutions"),
}


def label_of(taxonomy: str) -> tuple[str, str]:
    """Singular and plural labels of a taxonomy field."""
    if taxonomy in TAXONOMY_LABELS:
        return TAXONOMY_LABELS[taxonomy]
    word = taxonomy.replace("_", " ").capitalize()
    return word, word if word.endswith("s") else word + "s"


@dataclass(frozen=True)
class Entry:
    """Something a reader can land on: a document, or one problem section of a long guide."""

    doc: Document
    url: str  # root-relative, with a fragment for a section
    title: str
    symptoms: tuple[str, ...]
    solution: str  # one sentence
    section: ProblemSection | None = None

    def values(self, taxonomy: str) -> tuple[str, ...]:
        return self.doc.values(taxonomy)

    @functools.cached_property  # asked for by every list the entry is sorted into: ten per entry at 10,000
    def sort_key(self) -> tuple:
        date = self.doc.date or dt.date.min
        return (-date.toordinal(), self.title.casefold(), self.url)


@dataclass(frozen=True)
class Term:
    """One value of a taxonomy and the entries that carry it."""

    taxonomy: str
    slug: str
    label: str  # the spelling shown: the most common one in the sources
    url: str
    entries: tuple[Entry, ...]
    variants: tuple[str, ...] = ()  # other spellings merged into this term (tags: `cyclic-workflows`)


@dataclass(frozen=True)
class Taxonomy:
    name: str
    singular: str
    plural: str
    url: str
    terms: tuple[Term, ...]  # ordered for display

    def term(self, value: str) -> Term | None:
        return self._by_slug.get(slugify(value))

    @functools.cached_property
    def _by_slug(self) -> dict[str, Term]:
        by_slug = {slugify(v): t for t in self.terms for v in t.variants}
        by_slug.update({t.slug: t for t in self.terms})
        return by_slug


@dataclass(frozen=True)
class ErrorRow:
    message: str
    component: tuple[str, ...]
    problem_type: tuple[str, ...]
    url: str
    title: str
    solution: str
    folder: str = ""  # the category of last resort: the folder the document is filed in


def entries_of(doc: Document, url: str) -> list[Entry]:
    """A listed document is one entry; a guide adds one entry per problem section."""
    if not doc.is_listed:
        return []
    entries = [Entry(doc, url, doc.title, doc.symptoms, doc.solution_summary)]
    for section in doc.sections:
        entries.append(Entry(doc, f"{url}#{section.anchor}", section.title, section.symptoms, section.solution, section))
    return entries


def merge_key(taxonomy: str, value: str) -> str:
    """Values that share a key share a page. Slugs already fold case, `-`, `_` and spaces; tags
    (free words, unlike the vocabularies) also fold a plural `s`: `cyclic-workflow(s)`."""
    slug = slugify(value)
    if taxonomy == "tags" and slug.endswith("s") and not slug.endswith("ss") and len(slug.rsplit("-", 1)[-1]) > 3:
        return slug[:-1]
    return slug


def build_taxonomy(name: str, entries: Sequence[Entry]) -> Taxonomy:
    by_slug: dict[str, list[Entry]] = defaultdict(list)
    spellings: dict[str, Counter[str]] = defaultdict(Counter)
    for entry in entries:
        if entry.section is not None:
            continue  # a guide is listed once on its group pages; its sections are in the error table
        slugs_seen: set[str] = set()
        for value in dict.fromkeys(entry.values(name)):
            slug = merge_key(name, value)
            if slug not in slugs_seen:  # `Redis` and `redis` on one document: listed once
                slugs_seen.add(slug)
                by_slug[slug].append(entry)
            spellings[slug][value] += 1
    terms = []
    for slug, members in by_slug.items():
        ranked = [value for value, _ in sorted(spellings[slug].items(), key=lambda kv: (-kv[1], kv[0]))]
        label = ranked[0]
        terms.append(Term(name, slugify(label), label, group_url(name, label), tuple(sorted(members, key=lambda e: e.sort_key)),
                          tuple(ranked[1:]) if name == "tags" else ()))
    if name == "severity":
        terms.sort(key=lambda t: (SEVERITY_ORDER.get(t.slug, 9), t.slug))
    else:
        terms.sort(key=lambda t: (-len(t.entries), t.slug))
    singular, plural = label_of(name)
    return Taxonomy(name, singular, plural, group_url(name), tuple(terms))


def variant_problems(taxonomy: Taxonomy | None) -> list[Problem]:
    """An info note for each spelling of a value that was merged into another's page, naming one
    document that uses it, so the team can tidy their tags."""
    problems: list[Problem] = []
    for term in taxonomy.terms if taxonomy else ():
        for variant in term.variants:
            users = [e.doc.source.rel for e in term.entries if variant in e.values(taxonomy.name)]  # type: ignore[union-attr]
            problems.append(Problem(min(users) if users else "", None, None, "tag-variant",
                                    f"{taxonomy.singular.lower()} `{variant}` shares a page with `{term.label}` "  # type: ignore[union-attr]
                                    f"({len(users)} document{'s spell' if len(users) != 1 else ' spells'} it so)",
                                    f"write `{term.label}`", "info"))
    return problems


def build_error_rows(entries: Iterable[Entry]) -> tuple[ErrorRow, ...]:
    """One row per error message: every symptom of every entry, and quick-reference rows."""
    rows: list[ErrorRow] = []
    seen: set[tuple[str, str]] = set()
    for entry in entries:
        doc = entry.doc
        folder = doc.source.rel.rpartition("/")[0].rpartition("/")[2]
        for symptom in entry.symptoms:
            key = (symptom, entry.url)
            if key not in seen:
                seen.add(key)
                rows.append(ErrorRow(symptom, doc.component, doc.problem_type, entry.url, entry.title, entry.solution, folder))
        if entry.section is None:
            base = entry.url.partition("#")[0]
            for qr in doc.quick_reference:
                url = f"{base}#{qr.anchor}" if qr.anchor else base
                key = (qr.error, url)
                if key not in seen:
                    seen.add(key)
                    category = (qr.category,) if qr.category else doc.component
                    rows.append(ErrorRow(qr.error, category, doc.problem_type, url, entry.title, qr.solution, folder))
    rows.sort(key=lambda r: (r.message.casefold(), r.url))
    return tuple(rows)


RELATED_WEIGHTS = (("component", 3), ("root_cause", 3), ("problem_type", 1), ("tags", 2))


@dataclass(frozen=True)
class RelatedIndex:
    """For each (field, value), the entries that carry it, as a bit set in the default order:
    bit i stands for the i-th entry of that order."""

    by_value: Mapping[tuple[str, str], int]
    by_rank: Sequence[int]  # place in the default order -> position in the entry list
    of_doc: Mapping[str, int]  # source rel -> bit set of that document's own entries


def related_index(entries: Sequence[Entry]) -> RelatedIndex:
    by_rank = sorted(range(len(entries)), key=lambda pos: entries[pos].sort_key)
    by_value: dict[tuple[str, str], int] = defaultdict(int)
    of_doc: dict[str, int] = defaultdict(int)
    for place, position in enumerate(by_rank):
        entry = entries[position]
        bit = 1 << place
        of_doc[entry.doc.source.rel] |= bit
        if entry.section is not None:
            continue
        for field, _ in RELATED_WEIGHTS:
            for value in entry.values(field):
                by_value[(field, slugify(value))] |= bit
    return RelatedIndex(dict(by_value), by_rank, dict(of_doc))


def related_entries(entry: Entry, entries: Sequence[Entry], index: RelatedIndex, limit: int = 5) -> tuple[Entry, ...]:
    """Entries sharing component, root cause or tags, most shared first, then in the default order.

    Every entry of a 10,000-document site shares a common tag with thousands of others, so the
    scores are not counted one candidate at a time: they are added up for all candidates at
    once, in bit sets that hold one binary digit of every candidate's score each.
    """
    found = [(index.by_value[(field, slugify(value))], weight) for field, weight in RELATED_WEIGHTS
             for value in entry.values(field) if (field, slugify(value)) in index.by_value]
    digits: list[int] = [0] * max(1, sum(weight for _, weight in found).bit_length())
    pool = 0
    for members, weight in found:
        pool |= members
        level = 0
        while weight:
            if weight & 1:
                carry = members
                for k in range(level, len(digits)):  # add `members` at this binary digit
                    digits[k], carry = digits[k] ^ carry, digits[k] & carry
                    if not carry:
                        break
            weight >>= 1
            level += 1
    pool &= ~index.of_doc.get(entry.doc.source.rel, 0)
    chosen: list[int] = []
    while pool and len(chosen) < limit:
        best = pool  # narrowed digit by digit, highest first, to the candidates of the top score
        for digit in reversed(digits):
            if best & digit:
                best &= digit
        while best and len(chosen) < limit:
            lowest = best & -best  # first in the default order
            chosen.append(lowest.bit_length() - 1)
            best ^= lowest
            pool ^= lowest
    return tuple(entries[index.by_rank[place]] for place in chosen)


@dataclass(frozen=True)
class Matrix:
    """Component x problem type: which entries sit in each cell."""

    rows: tuple[Term, ...]  # components
    columns: tuple[Term, ...]  # problem types
    cells: Mapping[tuple[str, str], tuple[Entry, ...]]


def build_matrix(components: Taxonomy, problem_types: Taxonomy) -> Matrix:
    cells: dict[tuple[str, str], tuple[Entry, ...]] = {}
    # Identity, not equality: comparing Entry dataclasses field by field made this quadratic in body size.
    in_column = {column.slug: {id(e) for e in column.entries} for column in problem_types.terms}
    for row in components.terms:
        for column in problem_types.terms:
            members = in_column[column.slug]
            shared = tuple(e for e in row.entries if id(e) in members)
            if shared:
                cells[(row.slug, column.slug)] = shared
    return Matrix(components.terms, problem_types.terms, cells)
