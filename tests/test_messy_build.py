"""A whole messy folder (tests/fixtures/messy) built and read back as a reader sees it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sitegen.build import BuildResult, build
from sitegen.urls import doc_url, group_url
from tests.helpers import ROOT, make_config, page

MESSY = ROOT / "tests" / "fixtures" / "messy"

# source -> (components, problem types, symptoms) as a reader should find them.
SOLUTIONS = {
    "database/pool-timeout.md": (("database", "background_task"), ("database_issue", "async_issue"),
                                 ("QueuePoolLimitReached: pool of 5 exhausted after 30s",)),
    "api/2024-02-10-serializer-drops-field.md": (("serializer",), ("api_error",),
                                                 ("Clients receive orders without an owner key", "No error is logged on the server")),
    "cli/export-hangs.md": (("cli",), ("performance_issue",),
                            ("RecursionError: maximum recursion depth exceeded while walking the tree",)),
    "cache/llm-cache-misses.md": (("cache",), ("llm_issue",), ("Every request pays for a fresh completion",)),
    "broken/bad-yaml.md": (("api_endpoint",), (), ("Uploads over one megabyte fail with 413 Request Entity Too Large",)),
    "guides/worker-guide.md": (("background_task",), ("runtime_error",), ()),
}
TEMPLATE = "templates/solution-template.md"
INDEXES = ("README.md", "overview/critical-patterns.md")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    out = tmp_path_factory.mktemp("messy-site")
    return build(make_config(MESSY, out))


def hrefs(out: Path, rel: str) -> set[str]:
    return {href for href, _ in page(out, rel).links}


def link_from(rel: str, target: str) -> str:
    """The relative link a page at `rel` uses to reach `target` (both root-relative)."""
    depth = rel.count("/")
    return "../" * depth + target


@pytest.mark.parametrize("source", sorted(SOLUTIONS))
def test_each_solution_is_on_its_component_and_problem_type_pages(built: BuildResult, source: str) -> None:
    components, problem_types, _ = SOLUTIONS[source]
    target = doc_url(source)
    for taxonomy, values in (("component", components), ("problem_type", problem_types)):
        for value in values:
            rel = group_url(taxonomy, value)
            assert link_from(rel, target) in hrefs(built.output_dir, rel), f"{source} missing from {rel}"


def test_each_symptom_is_a_row_of_the_error_table(built: BuildResult) -> None:
    errors = page(built.output_dir, "errors.html")
    for source, (_, _, symptoms) in SOLUTIONS.items():
        for symptom in symptoms:
            assert symptom in errors.text, symptom
        if symptoms:
            assert doc_url(source) in {href.partition("#")[0] for href, _ in errors.links}, source


def test_template_is_left_out_of_listings(built: BuildResult) -> None:
    out = built.output_dir
    template_url = doc_url(TEMPLATE)
    for listing in ["index.html", "errors.html", *(p.relative_to(out).as_posix() for p in (out / "component").glob("*.html"))]:
        assert not any(href.endswith(template_url) for href in hrefs(out, listing)), listing
    assert "Clear Problem Title" not in page(out, "errors.html").text
    assert not (out / "component" / "your-component.html").exists()


def test_index_pages_are_rendered_but_not_counted(built: BuildResult) -> None:
    out = built.output_dir
    for source in INDEXES:
        assert (out / doc_url(source)).is_file()
    home = page(out, "index.html").text
    assert re.search(rf"\b{len(SOLUTIONS)} solutions\b", home), home[:400]
    listed = {e.doc.source.rel for e in built.site.entries}
    assert listed == set(SOLUTIONS)


def test_guide_sections_link_to_anchors_that_exist(built: BuildResult) -> None:
    out = built.output_dir
    guide_url = doc_url("guides/worker-guide.md")
    errors = page(out, "errors.html")
    anchored = {href.partition("#")[2] for href, _ in errors.links if href.startswith(guide_url + "#")}
    assert {"lease-lost", "connection-refused", "connection-refused-1"} <= anchored
    ids = page(out, guide_url).ids
    assert {"lease-lost", "connection-refused", "connection-refused-1"} <= ids
    for row in ("Jobs run twice on two workers", "LeaseExpired: job 42 lost its lease after 30s",
                "The scheduler logs connection refused to the state store"):
        assert row in errors.text


def test_invalid_yaml_page_shows_its_warning(built: BuildResult) -> None:
    text = page(built.output_dir, doc_url("broken/bad-yaml.md")).text
    assert "not valid YAML (line 5, column 9" in text


def test_problems_name_file_line_and_fix(built: BuildResult) -> None:
    found = {(p.path, p.line, p.kind) for p in built.site.problems}
    assert ("broken/bad-yaml.md", 5, "invalid-yaml") in found
    assert ("guides/worker-guide.md", 14, "link") in found  # a quick-reference row to no heading
    assert ("templates/solution-template.md", 2, "template") in found
    assert ("database/pool-timeout.md", 6, "key-alias") in found
    assert all(p.fix for p in built.site.problems if p.level != "info")
