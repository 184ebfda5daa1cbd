"""Stage: turn raw front matter and body facts into a typed Document; fold spellings, keep unknown values, report.

Front matter wins; what the body says (bold/bullet metadata lines, `## Symptoms`, guide sections)
fills the gaps; the file name gives a date when nothing else does. See NORMALISATION.md.
"""

from __future__ import annotations

import datetime as dt
import difflib
import fnmatch
import functools
import re
from types import MappingProxyType
from typing import Any, Mapping

from sitegen.config import KINDS, SiteConfig
from sitegen.diagnostics import Problem
from sitegen.document import KNOWN_FIELDS, Document
from sitegen.extract import LIST_LITERAL, PLACEHOLDER_NEEDLES, BodyFacts, Guarded, extract
from sitegen.parse import Parsed
from sitegen.read import RawSource
from sitegen.sections import plain_inline
from sitegen.yamlsafe import load_yaml

# Near-miss keys seen in real knowledge bases, and the field they mean.
KEY_ALIASES: Mapping[str, str] = MappingProxyType({
    "symptom": "symptoms", "error": "symptoms", "errors": "symptoms", "error_message": "symptoms",
    "error_messages": "symptoms",
    "date_resolved": "date", "date_solved": "date", "date_fixed": "date", "created": "date", "date_created": "date",
    "created_at": "date", "resolved": "date", "solved": "date", "last_updated": "date", "updated": "date",
    "name": "title", "problem_types": "problem_type", "type": "problem_type", "category": "problem_type",
    "components": "component", "root_causes": "root_cause", "cause": "root_cause",
    "resolution": "resolution_type", "tag": "tags", "keywords": "tags", "priority": "severity",
    "description": "summary",
})
# Keys the template documents but sitegen does not group by: kept in `extra`, never warned about.
QUIET_KEYS = frozenset({"python_version", "framework", "status", "author", "reporter", "related", "version",
                        "sitegen", "phase", "services", "categories", "applies_to", "environment"})
SEVERITIES = ("critical", "high", "medium", "low")
SEVERITY_ALIASES: Mapping[str, str] = MappingProxyType({
    "p0": "critical", "sev0": "critical", "sev_0": "critical", "blocker": "critical", "blocking": "critical",
    "urgent": "critical", "p1": "high", "sev1": "high", "sev_1": "high", "major": "high",
    "p2": "medium", "sev2": "medium", "sev_2": "medium", "moderate": "medium", "normal": "medium", "med": "medium",
    "p3": "low", "p4": "low", "sev3": "low", "sev_3": "low", "minor": "low", "trivial": "low",
})
NO_VALUE = frozenset({"", "n/a", "n_a", "na", "none", "null", "-", "tbd", "unknown"})
ENUM_FIELDS = ("problem_type", "component", "root_cause", "resolution_type")
TITLE_PREFIX = re.compile(
    r"^\s*(troubleshooting|solution|solved|fix|fixed|issue|problem|error|mistake|bug)\s*(#?\s*\d+[a-z]?)?\s*[:\-–—]\s*", re.I)
TITLE_SUFFIX = re.compile(r"\s+[-–—]\s+troubleshooting(\s+guide)?\s*$", re.I)
# Template placeholders: `{DATE}`, `YYYY-MM-DD`, `[Clear Problem Title]`, `[keyword1, keyword2]`.
PLACEHOLDER = Guarded(re.compile(
    r"(?<!\$)\{[A-Z][A-Z0-9_]+\}|\bYYYY-MM-DD\b|^(?!" + LIST_LITERAL + r"$)\[[^\]]*\]$|\[[^\]]*\b(?i:title|name)\](?!\()|"
    r"\[(?i:your|clear|brief|short|one|module|describe|name|observable|keyword\d|e\.g\.|optional|list|\.\.\.)\b[^\]]*\]"
), PLACEHOLDER_NEEDLES)
# A template's list of choices where one value belongs: `Critical | High | Medium | Low`.
CHOICES = re.compile(r"\w\s*\|\s*\w+\s*\|\s*\w")
_DATE_IN_NAME = re.compile(r"(?<!\d)(20\d\d)-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])(?!\d)")
_INDEX_NAMES = frozenset({"readme.md", "index.md", "_index.md", "toc.md", "summary.md", "contents.md"})
_TEMPLATE_NAME = re.compile(r"(^|[-_.])template([-_.]|s?\.md$)", re.I)
_SALVAGE_LINE = re.compile(r"^([A-Za-z_][\w-]*)\s*:(?:\s+(.*))?$")


@functools.lru_cache(maxsize=8192)  # the same few hundred words, folded some 35 times per document
def fold(value: str) -> str:
    """`Import-Error`, `import error` and `IMPORT_ERROR` all become `import_error`."""
    return re.sub(r"[\s\-/.]+", "_", value.strip().casefold()).strip("_")


@functools.lru_cache(maxsize=1024)  # a team's own words come back in document after document
def _closest(item: str, vocabulary: tuple[str, ...], cutoff: float) -> str | None:
    guess = difflib.get_close_matches(item, vocabulary, n=1, cutoff=cutoff)
    return guess[0] if guess else None


def fold_tag(value: str) -> str:
    return re.sub(r"\s+", "-", value.strip().strip("#").casefold())


def normalise(raw: RawSource, config: SiteConfig, parsed: Parsed | None = None) -> tuple[Document, list[Problem]]:
    """Build a Document from a RawSource: every value kept, spellings folded, problems listed.

    `parsed`: the body already parsed (as `parse(raw.body, config.raw_html != "escape")`), so the
    build can render the same tokens afterwards instead of parsing the body a second time.
    """
    rel = raw.source.rel
    problems: list[Problem] = []
    meta, key_lines, warnings = _front_matter(raw)
    fields, lines, extra = _canonical_fields(meta, key_lines, rel, problems)
    facts, body_problems = extract(raw.body, raw.body_line, rel, raw_html=config.raw_html != "escape", parsed=parsed)
    problems.extend(body_problems)
    for name, value in facts.meta.items():
        if name not in fields:  # front matter wins; the body fills the gaps
            fields[name] = value
            lines[name] = facts.meta_lines[name]
    if "symptoms" not in fields and facts.symptoms:
        fields["symptoms"] = list(facts.symptoms)
        if facts.symptoms_line:
            lines["symptoms"] = facts.symptoms_line

    doc_kind = _explicit_kind(raw, config, problems)
    placeholders: dict[str, int | None] = {}  # field -> line
    values: dict[str, Any] = {}

    def text_of(name: str) -> str:
        value = fields.get(name)
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value if v is not None)
        text = "" if value is None else plain_inline(str(value))
        if text and PLACEHOLDER.search(text):
            placeholders[name] = lines.get(name)
        return text

    values["title"] = clean_title(text_of("title"))
    values["module"] = text_of("module")
    values["summary"] = text_of("summary") or facts.solution
    for name in ENUM_FIELDS:
        values[name] = _enum_values(name, fields.get(name), lines.get(name), rel, config, problems, placeholders)
    tags = _split_list(fields.get("tags"))
    if any(PLACEHOLDER.search(t) for t in tags) or (tags and all(re.fullmatch(r"keyword\d*", t) for t in tags)):
        placeholders["tags"] = lines.get("tags")
    values["tags"] = tuple(dict.fromkeys(fold_tag(t) for t in tags if fold_tag(t) and not PLACEHOLDER.search(t)))
    symptoms = [plain_inline(str(s)) if not isinstance(s, str) else " ".join(s.split()) for s in as_list(fields.get("symptoms"))]
    if any(PLACEHOLDER.search(s) for s in symptoms):
        placeholders["symptoms"] = lines.get("symptoms")
    values["symptoms"] = tuple(dict.fromkeys(s for s in symptoms if s and not PLACEHOLDER.search(s)))
    values["severity"] = _severity(fields.get("severity"), lines.get("severity"), rel, problems, placeholders)
    values["date"] = _date(fields.get("date"), lines.get("date"), rel, problems, placeholders)
    inferred = _folder_problem_type(rel, config) if not values["problem_type"] else None
    if inferred is not None:
        value, folder = inferred
        values["problem_type"] = (value,)
        values["inferred"] = ("problem_type",)
        problems.append(Problem(rel, None, None, "inferred-problem-type",
                                f"no `problem_type`: `{value}` taken from the folder `{folder}/`",
                                f"add `problem_type: {value}` to the front matter", "info"))
    values["sections"] = facts.sections
    values["quick_reference"] = facts.quick_reference

    if not values["title"]:
        values["title"] = clean_title(facts.title)
        if values["title"] and PLACEHOLDER.search(values["title"]):
            placeholders["title"] = facts.title_line
    if not values["title"]:
        stem = rel.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        values["title"] = _DATE_IN_NAME.sub("", stem).replace("-", " ").replace("_", " ").strip().capitalize() or stem
    if doc_kind is None:
        doc_kind = _guess_kind(raw, facts, placeholders, problems)
    if doc_kind != "template":
        for name, line in placeholders.items():
            problems.append(Problem(rel, line, None, "placeholder", f"`{name}` still holds a template placeholder; ignored",
                                    f"fill in `{name}` or remove it"))
    document = Document(source=raw.source, body=raw.body, body_line=raw.body_line, kind=doc_kind,  # type: ignore[arg-type]
                        extra=MappingProxyType(extra), warnings=warnings, **values)
    return document, problems


def _folder_problem_type(rel: str, config: SiteConfig) -> tuple[str, str] | None:
    """The problem type a folder names (`runtime-errors/` -> `runtime_error`), nearest folder first.

    Teams often file documents as `docs/solutions/<category>/<doc>.md`: the folder is the category
    the author chose, so it beats showing none. Only a known problem type counts, singular or plural.
    """
    known = {fold(v): v for v in config.vocabularies.get("problem_type", ())}
    for folder in reversed(rel.split("/")[:-1]):
        name = fold(folder)
        for candidate in (name, name[:-1] if name.endswith("s") and not name.endswith("ss") else "",
                          name[:-2] if name.endswith("es") else ""):
            if candidate and candidate in known:
                return known[candidate], folder
    return None


def clean_title(title: str) -> str:
    """`Mistake #012: Foo`, `Fix: Foo` and `Foo - Troubleshooting Guide` are all titled `Foo`."""
    cleaned = TITLE_SUFFIX.sub("", TITLE_PREFIX.sub("", title)).strip()
    return cleaned or title.strip()


def _front_matter(raw: RawSource) -> tuple[dict[str, Any], dict[str, int], tuple[str, ...]]:
    """The front matter mapping; from invalid YAML, the simple `key: value` lines that still parse alone."""
    if not raw.yaml_failed:
        return dict(raw.meta), dict(raw.key_lines), ()
    lines = raw.text.split("\n")
    end = raw.body_line - 2 if raw.has_front_matter else 0  # index of the closing `---`
    loaded = load_yaml("\n".join(lines[1:end])) if end > 1 else None
    where = ""
    if loaded is not None and loaded.error is not None and loaded.error.line is not None:
        where = f" (line {loaded.error.line + 1}" + (f", column {loaded.error.column}" if loaded.error.column else "") + \
                f": {loaded.error.message})"
    meta: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    for number in range(1, end):
        match = _SALVAGE_LINE.match(lines[number])
        if not match or not match.group(2):
            continue
        one = load_yaml(lines[number])
        value = one.data.get(match.group(1)) if isinstance(one.data, dict) else match.group(2).strip()
        meta.setdefault(match.group(1), value)
        key_lines.setdefault(match.group(1), number + 1)
    note = ("The front matter of this page is not valid YAML" + where +
            (", so only its simple `key: value` lines were read." if meta else ", so its metadata was ignored."))
    return meta, key_lines, (note,)


def _canonical_fields(meta: Mapping[str, Any], key_lines: Mapping[str, int], rel: str,
                      problems: list[Problem]) -> tuple[dict[str, Any], dict[str, int], dict[str, Any]]:
    """Map each key to its field (aliases, near misses); a canonical key wins over an alias, and losers go to `extra`."""
    fields: dict[str, Any] = {}
    lines: dict[str, int] = {}
    extra: dict[str, Any] = {}
    canonical = {fold(k) for k in meta if fold(k) in KNOWN_FIELDS}
    for key, value in meta.items():
        line = key_lines.get(key)
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
        if target == "symptoms" and target in fields:
            fields[target] = [*as_list(fields[target]), *as_list(value)]
        elif target != name and (target in canonical or target in fields):
            extra[key] = value  # an alias that loses to the canonical key (or an earlier alias) is kept, not dropped
            continue
        else:
            fields[target] = value
            if line is not None:
                lines[target] = line
        if target != name:
            problems.append(Problem(rel, line, 1, "key-alias", f"key `{key}` read as `{target}`", f"rename `{key}` to `{target}`", "info"))
    return fields, lines, extra


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
        text = plain_inline(str(item)).strip()
        if not PLACEHOLDER.fullmatch(text):
            text = text.removeprefix("[").removesuffix("]")  # `[a, b]` as text, even with a bracket missing
        out.extend(part.strip().strip("'\"") for part in re.split(r"[,;]", text) if part.strip().strip("'\""))
    return out


def _enum_values(name: str, value: Any, line: int | None, rel: str, config: SiteConfig, problems: list[Problem],
                 placeholders: dict[str, int | None]) -> tuple[str, ...]:
    raw_items = as_list(value)
    if any(PLACEHOLDER.search(str(v)) or CHOICES.search(str(v)) for v in raw_items):
        placeholders[name] = line
        return ()
    folded = tuple(dict.fromkeys(f for f in (fold(i) for i in _split_list(value)) if f and f not in NO_VALUE))
    vocabulary = config.vocabularies.get(name, ())
    for item in folded:
        if vocabulary and item not in vocabulary:
            guess = _closest(item, tuple(vocabulary), 0.85)
            fix = f"did you mean `{guess}`?" if guess else f"kept as `{item}`; add it to `vocabulary_extra` in sitegen.yml to silence this"
            # A near miss is most likely a typo that splits a group in two: worth a warning (and
            # --strict's exit 1). A word far from every suggestion is a team's own: a note.
            problems.append(Problem(rel, line, None, "unknown-value", f"{name} `{item}` is not in the suggested vocabulary", fix,
                                    "warning" if guess else "info"))
    return folded


def _severity(value: Any, line: int | None, rel: str, problems: list[Problem], placeholders: dict[str, int | None]) -> str:
    """`HIGH`, `P1` and `High (blocked the release)` are `high`; an unknown word is kept as written, folded."""
    if value is None or not str(value).strip():
        return ""
    if any(PLACEHOLDER.search(str(v)) or CHOICES.search(str(v)) for v in as_list(value)):
        placeholders["severity"] = line
        return ""
    items = _split_list(value)
    if not items:
        return ""
    if len(items) > 1:
        problems.append(Problem(rel, line, None, "list-for-scalar",
                                f"severity has {len(items)} values; the first, `{items[0]}`, is used", "give one severity"))
    word = fold(items[0])
    if word in NO_VALUE:
        return ""
    mapped = SEVERITY_ALIASES.get(word, word)
    if mapped not in SEVERITIES:
        first = fold(re.split(r"[\s(\-–—:,]", items[0].strip(), maxsplit=1)[0])
        if SEVERITY_ALIASES.get(first, first) in SEVERITIES:
            return SEVERITY_ALIASES.get(first, first)
        guess = difflib.get_close_matches(mapped, SEVERITIES, n=1, cutoff=0.7)
        problems.append(Problem(rel, line, None, "unknown-value",
                                f"severity `{items[0]}` is not one of critical, high, medium, low; kept as `{mapped}`",
                                f"did you mean `{guess[0]}`?" if guess else "use critical, high, medium or low (P0-P3 map to them)",
                                "warning" if guess else "info"))
    return mapped


_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%B %d %Y",
                 "%b %d, %Y", "%Y-%m", "%B %Y", "%b %Y")


def parse_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = " ".join(str(value).split())
    match = re.match(r"\d{4}-\d\d-\d\d(?=[T ]|$)", text)
    head = match.group(0) if match else re.split(r"\s+\(|\s+[-–—]\s+", text)[0]
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


def _date(value: Any, line: int | None, rel: str, problems: list[Problem], placeholders: dict[str, int | None]) -> dt.date | None:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if value is not None and str(value).strip():
        parsed = parse_date(value)
        if parsed:
            return parsed
        if PLACEHOLDER.search(str(value)) or "YYYY" in str(value).upper():
            placeholders["date"] = line
        elif fold(str(value)) not in NO_VALUE:
            no_such_day = re.fullmatch(r"\d{4}-\d\d-\d\d", str(value).strip()) is not None
            problems.append(Problem(rel, line, None, "bad-date",
                                    f"date `{value}` names no day of the calendar" if no_such_day else f"cannot read date `{value}`",
                                    "check the month and day" if no_such_day else "write dates as YYYY-MM-DD"))
    return date_from_name(rel)


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


def _guess_kind(raw: RawSource, facts: BodyFacts, placeholders: dict[str, int | None], problems: list[Problem]) -> str:
    """Template: placeholders in the title, in two fields or on three body lines (one, if named like a template).

    Index: named README/index, or mostly links to other documents. One stray placeholder in a real
    document is reported, not taken as a template.
    """
    rel = raw.source.rel
    name = rel.rsplit("/", 1)[-1].lower()
    body_marks = len(facts.placeholder_lines)
    named_template = bool(_TEMPLATE_NAME.search(name))
    if "title" in placeholders or len(placeholders) >= 2 or body_marks >= 3 or (named_template and (placeholders or body_marks)):
        where = sorted(placeholders) + ([f"{body_marks} body line{'s' if body_marks != 1 else ''}"] if body_marks else [])
        first_line = min([*(v for v in placeholders.values() if v), *facts.placeholder_lines], default=None)
        problems.append(Problem(rel, first_line, None, "template",
                                f"looks like a template (placeholders in {', '.join(where)}); left out of listings",
                                "fill in the placeholders, or add `sitegen: {kind: solution}` to the front matter"))
        placeholders.clear()
        return "template"
    if name in _INDEX_NAMES or facts.looks_like_index:
        return "index"
    if not raw.body.strip() and not raw.meta:
        problems.append(Problem(rel, 1 if raw.text else None, None, "empty", "document is empty; shown as a plain page",
                                "write the problem and its solution, or delete the file"))
        return "page"
    return "solution"
