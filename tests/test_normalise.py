"""Normalising messy front matter: aliases, folding, coercion, dates, severities, kinds, exact lines."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from sitegen.config import SiteConfig, load_config
from sitegen.diagnostics import Problem
from sitegen.document import Document, SourceFile
from sitegen.normalise import normalise
from sitegen.read import read_source
from tests.helpers import write_docs


def load(tmp_path: Path, text: str | bytes, name: str = "doc.md", config: SiteConfig | None = None) -> tuple[Document, list[Problem]]:
    path = write_docs(tmp_path, {name: text}) / name
    raw, problems = read_source(SourceFile(path, name), 1_000_000)
    assert raw is not None
    doc, more = normalise(raw, config or SiteConfig())
    return doc, problems + more


def kinds(problems: list[Problem]) -> list[str]:
    return [p.kind for p in problems]


def test_enum_values_fold_case_and_separators(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, """
        ---
        problem_type: [Import-Error, import_error, IMPORT ERROR]
        component: Background-Task
        ---
        Body.
        """)
    assert doc.problem_type == ("import_error",)
    assert doc.component == ("background_task",)


def test_list_where_scalar_belongs_and_comma_string_where_list_belongs(tmp_path: Path) -> None:
    doc, problems = load(tmp_path, """
        ---
        problem_type: [storage_issue, async_issue]
        component: task_queue, checkpoint_manager
        severity: [high, low]
        tags: "retry, Backoff"
        ---
        """)
    assert doc.problem_type == ("storage_issue", "async_issue")
    assert doc.component == ("task_queue", "checkpoint_manager")
    assert doc.tags == ("retry", "backoff")
    assert doc.severity == "high"
    assert [p.line for p in problems if p.kind == "list-for-scalar"] == [4]


def test_unknown_values_are_kept_and_reported_with_their_line(tmp_path: Path) -> None:
    doc, problems = load(tmp_path, """
        ---
        title: Model output cut short
        problem_type: llm_issue
        ---
        """)
    assert doc.problem_type == ("llm_issue",)
    unknown = [p for p in problems if p.kind == "unknown-value"]
    assert [(p.line, p.level) for p in unknown] == [(3, "info")]
    assert "vocabulary_extra" in unknown[0].fix


def test_vocabulary_extra_silences_and_vocabularies_replace(tmp_path: Path) -> None:
    (tmp_path / "sitegen.yml").write_text("vocabulary_extra:\n  problem_type: [llm_issue]\n", encoding="utf-8")
    extended, problems = load_config(tmp_path / "sitegen.yml")
    assert not problems
    _, found = load(tmp_path, "---\nproblem_type: llm_issue\n---\n", config=extended)
    assert "unknown-value" not in kinds(found)
    (tmp_path / "sitegen.yml").write_text("vocabularies:\n  problem_type: [llm_issue]\n", encoding="utf-8")
    replaced, _ = load_config(tmp_path / "sitegen.yml")
    _, found = load(tmp_path, "---\nproblem_type: import_error\n---\n", config=replaced)
    assert [p.message for p in found if p.kind == "unknown-value"] == ["problem_type `import_error` is not in the suggested vocabulary"]


@pytest.mark.parametrize("key", ["date_resolved", "date_solved", "created"])
def test_date_key_aliases(tmp_path: Path, key: str) -> None:
    doc, problems = load(tmp_path, f"---\n{key}: 2024-06-01\n---\n")
    assert doc.date == dt.date(2024, 6, 1)
    alias = [p for p in problems if p.kind == "key-alias"]
    assert [(p.line, p.column, p.level) for p in alias] == [(2, 1, "info")]


def test_symptom_as_a_string_and_title_from_name(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, """
        ---
        name: Worker crash on boot
        symptom: "KeyError: 'QUEUE_URL'"
        ---
        """)
    assert doc.title == "Worker crash on boot"
    assert doc.symptoms == ("KeyError: 'QUEUE_URL'",)


def test_canonical_key_wins_over_alias_and_alias_is_kept(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, "---\ncreated: 2024-01-01\ndate: 2024-02-02\n---\n")
    assert doc.date == dt.date(2024, 2, 2)
    assert doc.extra["created"] == dt.date(2024, 1, 1)


def test_near_miss_key_gets_a_suggestion_with_its_line(tmp_path: Path) -> None:
    _, problems = load(tmp_path, "---\ntitle: x\nsymptomz: [a]\n---\n")
    [problem] = [p for p in problems if p.kind == "unknown-key"]
    assert (problem.line, problem.column) == (3, 1)
    assert problem.message == "unknown key `symptomz`: did you mean `symptoms`?"


@pytest.mark.parametrize("name,expected", [
    ("2026-01-31-dict-typing.md", dt.date(2026, 1, 31)),
    ("fix-20260206.md", dt.date(2026, 2, 6)),
    ("notes-2026-13-40.md", None),
])
def test_date_from_file_name_when_front_matter_has_none(tmp_path: Path, name: str, expected: dt.date | None) -> None:
    doc, _ = load(tmp_path, "# Something broke\n", name=name)
    assert doc.date == expected


def test_front_matter_date_beats_file_name(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, "---\ndate: 2025-05-05\n---\n", name="2020-01-01-old.md")
    assert doc.date == dt.date(2025, 5, 5)


@pytest.mark.parametrize("value,expected", [
    ("HIGH", "high"), ("P0", "critical"), ("P1", "high"), ("P2", "medium"), ("P3", "low"), ("n/a", ""),
    ("Moderate", "medium"), ("High (blocked the release)", "high"), ("spicy", "spicy"),
])
def test_severity_aliases(tmp_path: Path, value: str, expected: str) -> None:
    doc, _ = load(tmp_path, f"---\nseverity: {value}\n---\n")
    assert doc.severity == expected


def test_title_prefixes_are_dropped(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, "# Mistake #012: Registry lookups by class name\n")
    assert doc.title == "Registry lookups by class name"
    doc, _ = load(tmp_path, "# Stale cache - Troubleshooting Guide\n", name="b.md")
    assert doc.title == "Stale cache"


def test_template_is_detected_reported_and_not_listed(tmp_path: Path) -> None:
    doc, problems = load(tmp_path, """
        ---
        title: "[Clear Problem Title]"
        date: YYYY-MM-DD
        severity: Critical | High | Medium | Low
        ---
        ## Symptoms
        - [Observable symptom 1]
        """)
    assert doc.kind == "template" and not doc.is_listed
    [problem] = [p for p in problems if p.kind == "template"]
    assert problem.line == 2
    assert "sitegen: {kind: solution}" in problem.fix


def test_one_stray_placeholder_is_reported_not_a_template(tmp_path: Path) -> None:
    doc, problems = load(tmp_path, """
        ---
        title: Real problem
        date: YYYY-MM-DD
        ---
        ## Solution
        Restart the worker.
        """)
    assert doc.kind == "solution"
    assert doc.date is None
    assert [(p.kind, p.line) for p in problems if p.kind == "placeholder"] == [("placeholder", 3)]


def test_shell_variables_are_not_placeholders(tmp_path: Path) -> None:
    doc, _ = load(tmp_path, """
        # Paths break on the build host
        Set `${BUILD_DIR}` first.
        Then `${CACHE_DIR}`, and ${OUT_DIR} last.
        The value of {HOME_DIR} matters too.
        """)
    assert doc.kind == "solution"


@pytest.mark.parametrize("name", ["README.md", "index.md", "INDEX.md"])
def test_index_pages_by_name(tmp_path: Path, name: str) -> None:
    doc, _ = load(tmp_path, "# All our fixes\n\nSee the folders.\n", name=name)
    assert doc.kind == "index" and not doc.is_listed


def test_overview_page_of_links_is_an_index(tmp_path: Path) -> None:
    links = "\n".join(f"- [Fix {n}](fix-{n}.md): one line about it" for n in range(6))
    doc, _ = load(tmp_path, f"# Critical patterns\n\nRead first.\n\n{links}\n", name="critical-patterns.md")
    assert doc.kind == "index"


def test_kind_override_in_front_matter(tmp_path: Path) -> None:
    doc, problems = load(tmp_path, """
        ---
        title: "[Clear Problem Title]"
        date: YYYY-MM-DD
        sitegen: {kind: solution}
        ---
        """, name="README.md")
    assert doc.kind == "solution"
    assert "template" not in kinds(problems)


def test_kind_override_by_config_glob(tmp_path: Path) -> None:
    config = SiteConfig(kinds=(("notes/*.md", "page"), ("README.md", "solution")))
    doc, _ = load(tmp_path, "# A note\n", name="notes/a.md", config=config)
    assert doc.kind == "page"
    doc, _ = load(tmp_path, "# Readme that is a fix\n", name="README.md", config=config)
    assert doc.kind == "solution"


def test_bad_kind_is_reported(tmp_path: Path) -> None:
    _, problems = load(tmp_path, "---\nsitegen: {kind: recipe}\n---\n")
    assert [(p.kind, p.line) for p in problems if p.kind == "bad-kind"] == [("bad-kind", 2)]


def test_invalid_yaml_is_reported_at_its_file_line_and_the_doc_still_builds(tmp_path: Path) -> None:
    doc, problems = load(tmp_path, """
        ---
        title: Upload fails
        component: api_endpoint
        tags: [upload, proxy
        severity: low
        ---
        ## Symptoms
        - Uploads over one megabyte fail with 413
        """)
    [problem] = [p for p in problems if p.kind == "invalid-yaml"]
    assert (problem.line, problem.column) == (5, 9)
    assert doc.title == "Upload fails"
    assert doc.component == ("api_endpoint",)
    assert doc.symptoms == ("Uploads over one megabyte fail with 413",)
    assert doc.warnings and "line 5, column 9" in doc.warnings[0]


def test_tabs_in_yaml(tmp_path: Path) -> None:
    doc, problems = load(tmp_path, "---\ntitle: Tabbed\nsymptoms:\n\t- one\n---\n# Tabbed\n")
    [problem] = [p for p in problems if p.kind == "invalid-yaml"]
    assert problem.line == 4
    assert doc.title == "Tabbed" and doc.warnings


def test_bom_and_crlf(tmp_path: Path) -> None:
    text = "\ufeff---\r\ntitle: With BOM\r\nseverity: HIGH\r\nsymptoms: [x]\r\nproblem_type: nope_issue\r\n---\r\n# Heading\r\n"
    doc, problems = load(tmp_path, text.encode("utf-8"))
    assert doc.title == "With BOM" and doc.severity == "high"
    assert [p.line for p in problems if p.kind == "unknown-value"] == [5]


def test_latin1_bytes_are_read_and_reported(tmp_path: Path) -> None:
    doc, problems = load(tmp_path, "---\ntitle: Caf\xe9 crash\n---\n".encode("latin-1"))
    assert doc.title == "Café crash"
    [problem] = [p for p in problems if p.kind == "encoding"]
    assert problem.line == 2


def test_empty_file_is_a_plain_page(tmp_path: Path) -> None:
    doc, problems = load(tmp_path, b"", name="empty-note.md")
    assert doc.kind == "page" and doc.title == "Empty note"
    assert "empty" in kinds(problems)


def test_file_with_only_front_matter(tmp_path: Path) -> None:
    doc, problems = load(tmp_path, "---\ntitle: Only metadata\ncomponent: cache\n---\n")
    assert doc.kind == "solution" and doc.title == "Only metadata" and doc.component == ("cache",)
    assert not [p for p in problems if p.level != "info"]
