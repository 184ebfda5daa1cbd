"""The home page's numbers: counts by kind, and the bars of its charts (by component, type,
severity and month). Split from pages.py, which puts every page's context together."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sitegen import browse
from sitegen.group import SEVERITY_ORDER, Entry, Taxonomy, Term
from sitegen.site import Site


def humanize(value: str) -> str:
    """`import_error` -> `Import error`; other spellings are shown as written."""
    text = str(value).replace("_", " ")
    return text[:1].upper() + text[1:] if text.islower() else text


def no_component_term(site: Site) -> Term | None:
    """Listed documents without a component, as a pseudo-term shown last on the component index."""
    entries = browse.no_component(site)
    return Term("component", "_none", "No component", browse.NO_COMPONENT_URL, entries) if entries else None


def stats(site: Site, listed: list[Entry]) -> dict[str, int]:
    kinds = Counter(d.kind for d in site.documents)
    components = site.taxonomy("component")
    tags = site.taxonomy("tags")
    return {
        "solutions": len(listed),
        "problems": len([e for e in site.entries]),
        "errors": len(site.error_rows),
        "components": len(components.terms) if components else 0,
        "tags": len(tags.terms) if tags else 0,
        "pages": kinds.get("index", 0) + kinds.get("page", 0),
        "templates": kinds.get("template", 0),
    }


def charts(site: Site, listed: list[Entry]) -> dict[str, Any]:
    """Numbers for the home page's bar charts: documents by component, type, severity and month."""

    def bars(taxonomy: Taxonomy | None, limit: int = 12) -> list[tuple[str, str, int]]:
        if taxonomy is None:
            return []
        terms = list(taxonomy.terms)
        if taxonomy.name == "severity":
            terms.sort(key=lambda t: SEVERITY_ORDER.get(t.slug, 9))
        return [(humanize(t.label), t.url, len(t.entries)) for t in terms[:limit]]

    months = Counter(e.doc.date.strftime("%Y-%m") for e in listed if e.doc.date)
    unfiled = no_component_term(site) if site.taxonomy("component") else None
    return {
        "component": bars(site.taxonomy("component")) + ([("No component", unfiled.url, len(unfiled.entries))] if unfiled else []),
        "problem_type": bars(site.taxonomy("problem_type")),
        "severity": bars(site.taxonomy("severity")),
        "months": every_month(months)[-24:],
    }


def every_month(counts: Counter[str]) -> list[tuple[str, int]]:
    """Counts per `YYYY-MM` from the first month to the last, quiet months as 0, so the time axis is even."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    year, month = int(first[:4]), int(first[5:])
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        key = f"{year:04d}-{month:02d}"
        out.append((key, counts.get(key, 0)))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out
