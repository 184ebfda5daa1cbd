"""Stage: turn raw front matter into a typed Document; fold spellings, keep unknown values, report."""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import re
from types import MappingProxyType
from typing import Any, Mapping

from sitegen.config import KINDS, SiteConfig
from sitegen.diagnostics import Problem
from sitegen.document import KNOWN_FIELDS, Document
from sitegen.read import RawSource
from sitegen.sections import first_heading, plain_inline

# Near-miss keys seen in real knowledge bases, and the field they mean.
KEY_ALIASES: Mapping[str, str] = MappingProxyType({
    "symptom": "symptoms", "error": "symptoms", "errors": "symptoms", "error_messages": "symptoms",
    "date_resolved": "date", "date_solved": "date", "created": "date", "date_created": "date",
    "created_at": "date", "resolved": "date", "solved": "date", "last_updated": "date", "updated": "date",
    "name": "title", "problem_types": "problem_type", "type": "problem_type",
    "components": "component", "root_causes": "root_cause", "cause": "root_cause",
    "resolution": "resolution_type", "tag": "tags", "keywords": "tags", "priority": "severity",
    "description": "summary",
})
# Keys the template documents but sitegen does not group by: kept in `extra`, never warned about.
QUIET_KEYS = frozenset({"python_version", "framework", "status", "author", "reporter", "related", "version",
                        "sitegen", "phase", "services", "categories", "applies_to", "environment"})
SEVERITY_ALIASES: Mapping[str, str] = MappingProxyType({
    "p0": "critical", "sev0": "critical", "sev_0": "critical", "blocker": "critical", "blocking": "critical",
    "urgent": "critical", "p1": "high", "sev1": "high", "sev_1": "high", "major": "high",
    "p2": "medium", "sev2": "medium", "sev_2": "medium", "moderate": "medium", "normal": "medium", "med": "medium",
    "p3": "low", "p4": "low", "sev3": "low", "sev_3": "low", "minor": "low", "trivial": "low",
})
NO_VALUE = frozenset({"", "n/a", "na", "none", "null", "-", "tbd", "unknown"})
ENUM_FIELDS = ("problem_type", "component", "root_cause", "resolution_type")
TITLE_PREFIX = re.compile(r"^\s*(troubleshooting|solution|solved|fix|fixed|issue|problem|error|mistake|bug)\s*[:\-–—]\s*", re.I)
# Template placeholders: `{DATE}`, `YYYY-MM-DD`, `[Clear Problem Title]`, `[keyword1, keyword2]`.
PLACEHOLDER = re.compile(
    r"\{[A-Z][A-Z0-9_]+\}|\bYYYY-MM-DD\b|^\[[^\]]*\]$|"
    r"\[(?i:your|clear|brief|short|one|module|describe|name|observable|keyword\d|e\.g\.|optional|list|\.\.\.)\b[^\]]*\]"
)
# A template's list of choices where one value belongs: `Critical | High | Medium | Low`.
CHOICES = re.compile(r"\w\s*\|\s*\w+\s*\|\s*\w")
_DATE_IN_NAME = re.compile(r"(?<!\d)(20\d\d)-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?!\d)")
_INDEX_NAMES = frozenset({"readme.md", "index.md", "_index.md", "toc.md", "summary.md", "contents.md"})


def fold(value: str) -> str:
    """`Import-Error`, `import error` and `IMPORT_ERROR` all become `import_error`."""
    return re.sub(r"[\s\-/.]+", "_", value.strip().casefold()).strip("_")


def fold_tag(value: str) -> str:
    return re.sub(r"\s+", "-", value.strip().strip("#").casefold())


def normalise(raw: RawSource, config: SiteConfig) -> tuple[Document, list[Problem]]:
    """Build a Document from a RawSource: every value kept, spellings folded, problems listed."""
    rel = raw.source.rel
    problems: list[Problem] = []
    fields: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in raw.meta.items():
        line = raw.key_lines.get(key)
        name = fold(key)
        target = name if name in KNOWN_FIELDS else KEY_ALIASES.get(name)
        if target is None:
            extra[key] = value
            if name not in QUIET_KEYS:
                guess = difflib.get_close_matches(name, [*KNOWN_FIELDS, *KEY_ALIASES], n=1, cutoff=0.8)
                if guess:
                    meant = KEY_ALIASES.get(guess[0], guess[0])
                    problems.append(Problem(rel, line, 1, "unknown-key", f"unknown key `{key}`: did you mean `{meant}`?",
                                            f"rename `{key}` to `{meant}`"))
            continue
        if target != name:
            problems.append(Problem(rel, line, 1, "key-alias", f"key `{key}` read as `{target}`", f"rename `{key}` to `{target}`", "info"))
        if target in fields:
            if target == "symptoms":
                fields[target] = [*as_list(fields[target]), *as_list(value)]
            continue  # the canonical key wins over an alias
        fields[target] = value

    doc_kind = _explicit_kind(raw, config, problems)
    placeholders: list[str] = []
    values: dict[str, Any] = {}

    def text_of(name: str) -> str:
        value = fields.get(name)
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value if v is not None)
        text = "" if value is None else plain_inline(str(value))
        if text and PLACEHOLDER.search(text):
            placeholders.append(name)
        return text

    values["title"] = TITLE_PREFIX.sub("", text_of("title"))
    values["module"] = text_of("module")
    values["summary"] = text_of("summary")
    for name in ENUM_FIELDS:
        values[name] = _enum_values(name, fields.get(name), raw, config, problems, placeholders)
    values["tags"] = tuple(dict.fromkeys(fold_tag(t) for t in _split_list(fields.get("tags")) if fold_tag(t)))
    symptoms = [plain_inline(str(s)) if not isinstance(s, str) else s.strip() for s in as_list(fields.get("symptoms"))]
    if any(PLACEHOLDER.search(s) for s in symptoms):
        placeholders.append("symptoms")
    values["symptoms"] = tuple(dict.fromkeys(s for s in symptoms if s))
    values["severity"] = _severity(fields.get("severity"), raw, problems, placeholders)
    values["date"] = _date(fields.get("date"), raw, problems, placeholders)

    if not values["title"]:
        heading = first_heading(raw.body)
        values["title"] = TITLE_PREFIX.sub("", plain_inline(heading.title)) if heading else ""
        if values["title"] and PLACEHOLDER.search(values["title"]):
            placeholders.append("title")
    if not values["title"]:
        stem = raw.source.rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        values["title"] = _DATE_IN_NAME.sub("", stem).replace("-", " ").replace("_", " ").strip().capitalize() or stem
    if doc_kind is None:
        doc_kind = _guess_kind(raw, placeholders)
        if doc_kind == "template":
            problems.append(Problem(rel, raw.key_lines.get(placeholders[0]) if placeholders else None, None, "template",
                                    f"looks like a template (placeholder in {', '.join(sorted(set(placeholders)))}); left out of listings",
                                    "fill in the placeholders, or add `sitegen: {kind: solution}` to the front matter"))
    warnings = ("The front matter of this page is not valid YAML, so its metadata was ignored.",) if raw.yaml_failed else ()
    document = Document(source=raw.source, body=raw.body, body_line=raw.body_line, kind=doc_kind,
                        extra=MappingProxyType(extra), warnings=warnings, **values)
    return document, problems


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [v for v in value if v is not None]
    if isinstance(value, dict):
        return [f"{k}: {v}" for k, v in value.items()]
    return [value]


def _split_list(value: Any) -> list[str]:
    """Lists stay lists; `a, b` and `[a, b]` written as text become lists too."""
    out: list[str] = []
    for item in as_list(value):
        text = str(item).strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        out.extend(part.strip().strip("'\"") for part in text.split(",") if part.strip().strip("'\""))
    return out


def _enum_values(name: str, value: Any, raw: RawSource, config: SiteConfig, problems: list[Problem], placeholders: list[str]) -> tuple[str, ...]:
    items = _split_list(value)
    if any(PLACEHOLDER.search(str(v)) or CHOICES.search(str(v)) for v in as_list(value)):
        placeholders.append(name)
    folded = tuple(dict.fromkeys(f for f in (fold(i) for i in items) if f and f not in NO_VALUE))
    vocabulary = config.vocabularies.get(name, ())
    line = raw.key_lines.get(name)
    for item in folded:
        if vocabulary and item not in vocabulary:
            guess = difflib.get_close_matches(item, vocabulary, n=1, cutoff=0.85)
            fix = f"did you mean `{guess[0]}`?" if guess else f"kept as `{item}`; add it to `vocabulary_extra` in sitegen.yml to silence this"
            problems.append(Problem(raw.source.rel, line, None, "unknown-value", f"{name} `{item}` is not in the suggested vocabulary", fix, "info"))
    return folded


def _severity(value: Any, raw: RawSource, problems: list[Problem], placeholders: list[str]) -> str:
    items = _split_list(value)
    if not items:
        return ""
    if PLACEHOLDER.search(str(value)) or CHOICES.search(str(value)):
        placeholders.append("severity")
        return ""
    if len(items) > 1:
        problems.append(Problem(raw.source.rel, raw.key_lines.get("severity"), None, "list-for-scalar",
                                f"severity has {len(items)} values; the first, `{items[0]}`, is used", "give one severity"))
    word = fold(items[0])
    if word in NO_VALUE:
        return ""
    mapped = SEVERITY_ALIASES.get(word, word)
    if mapped not in ("critical", "high", "medium", "low"):
        problems.append(Problem(raw.source.rel, raw.key_lines.get("severity"), None, "unknown-value",
                                f"severity `{items[0]}` is not one of critical, high, medium, low; kept as `{mapped}`",
                                "use critical, high, medium or low (P0-P3 map to them)", "info"))
    return mapped


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%d %B %Y", "%B %d, %Y", "%B %d %Y", "%b %d, %Y", "%Y-%m")


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    head = text[:10] if re.match(r"\d{4}-\d\d-\d\d[T ]", text) else text
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(head, fmt).date()
        except ValueError:
            continue
    return None


def date_from_name(rel: str) -> dt.date | None:
    match = _DATE_IN_NAME.search(rel.rsplit("/", 1)[-1])
    if not match:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _date(value: Any, raw: RawSource, problems: list[Problem], placeholders: list[str]) -> dt.date | None:
    if value is not None and str(value).strip():
        parsed = parse_date(value)
        if parsed:
            return parsed
        if PLACEHOLDER.search(str(value)) or "YYYY" in str(value).upper():
            placeholders.append("date")
        else:
            problems.append(Problem(raw.source.rel, raw.key_lines.get("date"), None, "bad-date", f"cannot read date `{value}`",
                                    "write dates as YYYY-MM-DD"))
    return date_from_name(raw.source.rel)


def _explicit_kind(raw: RawSource, config: SiteConfig, problems: list[Problem]) -> str | None:
    for glob, kind in config.kinds:
        if fnmatch.fnmatch(raw.source.rel, glob) or fnmatch.fnmatch(raw.source.rel.rsplit("/", 1)[-1], glob):
            return kind
    own = raw.meta.get("sitegen")
    if isinstance(own, dict) and "kind" in own:
        if own["kind"] in KINDS:
            return str(own["kind"])
        problems.append(Problem(raw.source.rel, raw.key_lines.get("sitegen"), None, "bad-kind",
                                f"`sitegen.kind` is `{own['kind']}`", f"use one of {', '.join(KINDS)}"))
    return None


def _guess_kind(raw: RawSource, placeholders: list[str]) -> str:
    name = raw.source.rel.rsplit("/", 1)[-1].lower()
    if placeholders:
        return "template"
    if name in _INDEX_NAMES or "template" in name:
        return "index" if "template" not in name else "template"
    return "solution"
