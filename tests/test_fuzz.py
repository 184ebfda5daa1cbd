"""Property-based fuzzing: the reader, YAML loader, normaliser, slugs and tokenizer survive any input.

Every test runs a bounded number of examples so `make test` stays quick. For a long session:

    HYPOTHESIS_PROFILE=long .venv/bin/pytest tests/test_fuzz.py -q
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from sitegen.config import SiteConfig
from sitegen.diagnostics import Problem
from sitegen.document import KNOWN_FIELDS, LIST_FIELDS, Document, SourceFile
from sitegen.normalise import KEY_ALIASES, normalise
from sitegen.read import RawSource, read_source, split_front_matter
from sitegen.tokenize import tokenize
from sitegen.urls import asset_url, doc_url, errors_url, group_url, slugify
from sitegen.yamlsafe import load_yaml

settings.register_profile("fuzz", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=20_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Applied per test, not loaded globally, so other modules' Hypothesis settings are left alone.
FUZZ = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "fuzz"))
# Normalising a random front matter costs more per example (fuzzy key matching): a third as many.
FUZZ_SLOW = settings(FUZZ, max_examples=max(FUZZ.max_examples // 3, 50))
CONFIG = SiteConfig()
SOURCE = SourceFile(Path("/nonexistent/doc.md"), "area/doc.md")

# Text biased towards what breaks parsers: YAML and Markdown punctuation, line breaks of every
# kind, BOMs, NUL, surrogate-free astral characters, combining marks and look-alike letters.
TRICKY = ["---", "...", ":", ": ", "- ", "[", "]", "{", "}", "&a ", "*a", "!!", "!!python/object ", "'", '"', "#", "?",
          ",", "|", ">", "%", "@", "`", "\t", "\n", "\r\n", "\r", "\x00", "\ufeff", "\u2028", "\x85", "\\", "<<: ",
          "title", "tags", "symptoms", "component", "date", "2025-02-30", "~", "null", "yes", "0x1F", "1e999",
          ".inf", "<script>", "é", "e\u0301", "İ", "ß", "ﬁ", "Å", "\u200b", "🙂", "中文", "..", "/", "con"]
tricky_text = st.lists(st.one_of(st.sampled_from(TRICKY), st.text(max_size=6)), max_size=40).map("".join)
any_text = st.one_of(st.text(max_size=200), tricky_text)
yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=40), tricky_text,
    st.dates(), st.datetimes(), st.binary(max_size=20),
)
yaml_values = st.recursive(yaml_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.one_of(st.text(max_size=10), st.integers()), inner, max_size=5)), max_leaves=20)
field_names = st.one_of(st.sampled_from([*KNOWN_FIELDS, *KEY_ALIASES, "sitegen", "Title", "TAGS", "date_resolved"]), st.text(max_size=12))


@FUZZ
@given(any_text)
@example("---\n" + "a: &a [x, x]\nb: [*a, *a]\n" + "---\nbody")
@example("---\n---\n")
@example("---\nkey: [unclosed\n---\n")
def test_split_front_matter_never_raises_and_keeps_the_body(text: str) -> None:
    problems: list[Problem] = []
    raw = split_front_matter(SOURCE, text, problems)
    assert isinstance(raw, RawSource) and isinstance(raw.meta, dict)
    assert text.endswith(raw.body)
    lines = text.count("\n") + 1
    for problem in problems:
        assert problem.path == SOURCE.rel and problem.message and problem.fix
        assert problem.line is None or 1 <= problem.line <= lines + 1, problem


@FUZZ
@given(st.binary(max_size=400) | tricky_text.map(lambda t: t.encode("utf-8", "surrogatepass")))
@example(b"\xff\xfe" + "# Hi\n".encode("utf-16-le"))
@example(b"\x89PNG\r\n\x1a\n\x00\x00")
@example(b"---\ntitle: x\n---\n" + b"a" * 300 + b"\x00")
def test_read_source_reports_every_problem_and_never_raises(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.md"
        path.write_bytes(data)
        raw, problems = read_source(SourceFile(path, "doc.md"), max_bytes=300)
    if raw is None:
        assert problems and problems[0].level == "error"
        return
    assert "\x00" not in raw.text and "\r" not in raw.text
    if b"\x00" in data:
        assert any(p.kind in ("nul-bytes", "encoding") for p in problems)
    doc, more = normalise(raw, CONFIG)
    assert isinstance(doc, Document)


@FUZZ
@given(tricky_text | st.text(max_size=300))
def test_load_yaml_never_raises(text: str) -> None:
    loaded = load_yaml(text)
    assert loaded.error is None or (loaded.data is None and loaded.error.message)
    if loaded.error and loaded.error.line is not None:
        assert loaded.error.line >= 1


@FUZZ_SLOW
@given(st.dictionaries(field_names, yaml_values, max_size=12), st.text(max_size=80), st.sampled_from(["a.md", "README.md", "2025-01-02-x.md", "x/template.md"]))
@example({"date": dt.date.max, "severity": float("nan"), "tags": b"\xff"}, "", "a.md")
@example({"symptoms": {"a": {"b": []}}, "title": ["<script>", None]}, "# H", "a.md")
@example({"sitegen": {"kind": ["list"]}}, "", "a.md")
def test_normalise_accepts_any_front_matter(meta: dict[str, Any], body: str, name: str) -> None:
    raw = RawSource(SourceFile(Path("/nonexistent") / name, name), body, meta, {k: 2 for k in meta}, body, 1, True)
    doc, problems = normalise(raw, CONFIG)
    assert isinstance(doc.title, str) and doc.title
    for field in LIST_FIELDS:
        assert all(isinstance(v, str) for v in getattr(doc, field)), field
    assert isinstance(doc.severity, str) and (doc.date is None or isinstance(doc.date, dt.date))
    assert all(isinstance(p, Problem) for p in problems)


SLUG_FORBIDDEN = re.compile(r"[/\\\x00<>:\"|?*\s]")


def assert_safe_slug(slug: str) -> None:
    assert slug and (slug == slug.strip("-") or slug[:-1] in ("con", "prn", "aux", "nul") or slug[:-1][:3] in ("com", "lpt"))
    assert not SLUG_FORBIDDEN.search(slug) and ".." not in slug and not slug.startswith(".")
    assert len(slug.encode("utf-8")) <= 80
    assert unicodedata.normalize("NFC", slug.casefold()) == slug  # folded (`ǰ` folds to a decomposed form: NFC wins)
    assert unicodedata.normalize("NFC", slug) == slug  # one spelling on disks that normalise names


@FUZZ
@given(any_text)
@example("..")
@example("CON")
@example("İstanbul")
@example("ǰ" * 3)
@example("ı")  # dotless i: casefold() keeps it apart from `i`, Windows' case-insensitive names do not
@example("a" * 500)
def test_slugs_are_always_safe_stable_and_case_folded(text: str) -> None:
    slug = slugify(text)
    assert_safe_slug(slug)
    assert slugify(text) == slug  # stable
    assert slugify(text.upper()) == slug and slugify(text.swapcase()) == slug  # `Import-Error`, `import-error`: one page
    assert slugify(unicodedata.normalize("NFD", text)) == slug  # `café` typed on macOS or Linux: one page
    assert slugify(slug) == slug  # idempotent: a slug used as a value again lands on the same page


@FUZZ
@given(st.lists(any_text, min_size=1, max_size=5).map("/".join))
@example("../../etc/passwd.md")
@example("/abs/x.md")
@example(".md")
@example("a/./b/../c.MD")
def test_page_urls_stay_under_docs(rel: str) -> None:
    for url, suffix in ((doc_url(rel), ".html"), (asset_url(rel), "")):
        assert url.startswith("docs/") and url.endswith(suffix)
        parts = url.split("/")
        assert all(part and part not in (".", "..") for part in parts), url
        assert "\\" not in url and "\x00" not in url
    assert not group_url(rel).startswith(("/", ".")) and ".." not in group_url("tags", rel).split("/")
    assert errors_url(rel).startswith("errors/")


@FUZZ
@given(any_text | st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
@example("sqlalchemy.exc.InvalidRequestError")
@example("\u3042" * 50 + "a-" * 50)
def test_tokenize_never_raises(text: str) -> None:
    tokens = tokenize(text)
    assert all(isinstance(t, str) and t for t in tokens)


@FUZZ
@given(any_text)
def test_tokenize_finds_ascii_words(text: str) -> None:
    words = re.findall(r"[A-Za-z0-9]+", unicodedata.normalize("NFKC", text))
    joined = " ".join(tokenize(text))
    for word in words:
        assert word.lower() in joined


def test_a_fuzz_test_really_runs_many_examples_and_a_slow_one_is_not_a_failure() -> None:
    # What the profile does, not what it says: a profile that ran a handful of examples (or none)
    # would leave every fuzz test above passing while checking almost nothing.
    seen: list[str] = []

    @FUZZ
    @given(st.text())
    def probe(text: str) -> None:
        if not seen:
            time.sleep(0.3)  # over Hypothesis' default 200 ms deadline: a loaded machine must not fail a fuzz test
        seen.append(text)

    probe()
    assert 100 <= len(seen) <= 20_000 + 100, len(seen)
