"""Issue 14: every document one click path away, and every page complete.

Checked on the built HTML, as a reader meets it: links followed from the home page, what each page
shows and links to, and the machine-readable outputs.
"""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from bench.browse import measure, reachable_pages, scan
from sitegen import cli
from sitegen.build import build
from sitegen.config import load_config
from tests.helpers import ROOT, Page, build_docs, build_sample, make_config, page, write_docs

PLAIN = ROOT / "tests" / "fixtures" / "plain"  # documents without any front matter


def _doc(title: str, body: str = "", **meta: str) -> str:
    lines = ["---", f"title: {title}", *(f"{k}: {v}" for k, v in meta.items()), "---", f"# {title}", "", body or "Text.", ""]
    return "\n".join(lines)


# --- Every document reachable by links --------------------------------------------------------


def test_every_document_of_the_sample_site_is_reached_from_the_home_page(tmp_path: Path) -> None:
    out = build_sample(tmp_path / "site")
    docs = {p.relative_to(out).as_posix() for p in (out / "docs").rglob("*.html")}
    assert len(docs) >= 30
    assert docs <= reachable_pages(out)


def test_every_document_without_front_matter_is_reached_from_the_home_page(tmp_path: Path) -> None:
    figures = measure(PLAIN, tmp_path / "site")
    assert figures["documents"] == 8
    assert figures["unreachable"] == [] and figures["reachable"] == 8
    assert figures["empty_panels"] == 0
    assert figures["error_rows_without_category"] == 0


def test_all_documents_page_groups_by_folder_with_counts_and_is_in_the_navigation(tmp_path: Path) -> None:
    out = build(make_config(PLAIN, tmp_path / "site")).output_dir
    listing = (out / "documents.html").read_text(encoding="utf-8")
    folders = [h for h in Page(listing).text.split(" document")]
    assert folders
    headings = [line for line in listing.splitlines() if 'class="folder-path"' in line]
    paths = [h.split('class="folder-path">')[1].split("<")[0] for h in headings]
    assert paths == ["guides", "mistakes", "notes/deep/Odd Folder", "runtime-errors", "security-issue"]
    assert '<span class="folder-path">mistakes</span> <span class="count">2 documents</span>' in listing
    assert "<span class=\"folder-top\">Top level</span> <span class=\"count\">1 document</span>" in listing
    linked = {href for href, _ in Page(listing).links if href.startswith("docs/")}
    assert len(linked) == 8
    # Title order without JavaScript; dates for the sort button.
    mistakes = listing.split('folder-path">mistakes')[1].split("</ul>")[0]
    assert mistakes.index("forgot to await") < mistakes.index("naive datetimes")
    assert 'data-sort="date"' in listing
    for rel in ("index.html", "errors.html", "docs/mistakes/001-forgot-await.html", "component/index.html"):
        assert ("documents.html" if "/" not in rel else "../" * rel.count("/") + "documents.html", "All documents") in page(out, rel).links


def test_every_home_tile_links_to_its_listing(tmp_path: Path) -> None:
    out = build_sample(tmp_path / "site")
    home = (out / "index.html").read_text(encoding="utf-8")
    tiles = home.split('<ul class="stats">')[1].split("</ul>")[0]
    assert tiles.count("<li>") == tiles.count("<li><a href=") == 4
    assert 'href="documents.html"' in tiles


# --- Folder names as the problem type of last resort ------------------------------------------


def test_a_known_folder_name_gives_the_problem_type_marked_inferred(tmp_path: Path) -> None:
    result = build_docs(tmp_path, {
        "runtime-errors/a.md": _doc("Crash A", component="cache"),
        "security-issue/b.md": _doc("Leak B"),
        "runtime-errors/c.md": _doc("Typed C", problem_type="type_error"),
        "misc-notes/d.md": _doc("Other D"),
    })
    out = result.output_dir
    runtime = page(out, "problem-type/runtime-error.html")
    assert "Crash A" in runtime.link_texts() and "Typed C" not in runtime.link_texts()
    assert "Leak B" in page(out, "problem-type/security-issue.html").link_texts()
    a = (out / "docs/runtime-errors/a.html").read_text(encoding="utf-8")
    assert "(from folder)" in a
    assert "(from folder)" not in (out / "docs/runtime-errors/c.html").read_text(encoding="utf-8")
    notes = {(p.path, p.level) for p in result.site.problems if p.kind == "inferred-problem-type"}
    assert notes == {("runtime-errors/a.md", "info"), ("security-issue/b.md", "info")}
    assert not (out / "problem-type/misc-note.html").exists()


# --- No component ------------------------------------------------------------------------------


def test_documents_without_a_component_are_grouped_on_the_index_and_the_home_chart(tmp_path: Path) -> None:
    out = build_docs(tmp_path, {
        "a.md": _doc("With one", component="cache"),
        "b.md": _doc("Without one"),
        "c.md": _doc("Also without", problem_type="logic_error"),
    }).output_dir
    index = page(out, "component/index.html")
    assert ("_none.html", "No component 2 docs") in index.links
    group = page(out, "component/_none.html")
    assert {"Without one", "Also without"} <= set(group.link_texts()) and "With one" not in group.link_texts()
    assert "errors/" not in " ".join(href for href, _ in group.links)  # no error table for "no component"
    home = (out / "index.html").read_text(encoding="utf-8")
    chart = home.split('id="chart-component"')[1].split("</figure>")[0]
    assert 'href="component/_none.html"' in chart and "<title>No component: 2 documents</title>" in chart


# --- The document page -------------------------------------------------------------------------


def test_no_metadata_panel_when_there_is_nothing_to_show(tmp_path: Path) -> None:
    out = build_docs(tmp_path, {"bare.md": "# Bare\n\nNothing else.\n", "full.md": _doc("Full", component="cache")}).output_dir
    assert "meta-panel" not in (out / "docs/bare.html").read_text(encoding="utf-8")
    assert scan(out / "docs/full.html").empty_panels == 0
    assert '<dl class="meta-panel">' in (out / "docs/full.html").read_text(encoding="utf-8")


def test_edit_and_source_links_follow_repo_url_and_edit_uri(tmp_path: Path) -> None:
    files = {"db/Pool timeout.md": _doc("Pool")}
    out = build_docs(tmp_path / "a", files, repo_url="https://github.com/org/kb/", edit_uri="edit/trunk/docs/").output_dir
    links = dict((text, href) for href, text in page(out, "docs/db/pool-timeout.html").links)
    assert links["Edit this page"] == "https://github.com/org/kb/edit/trunk/docs/db/Pool%20timeout.md"
    assert links["View source"] == "https://github.com/org/kb/blob/trunk/docs/db/Pool%20timeout.md"
    gitlab = build_docs(tmp_path / "b", files, repo_url="https://gitlab.com/org/kb", edit_uri="-/edit/main/kb").output_dir
    links = dict((text, href) for href, text in page(gitlab, "docs/db/pool-timeout.html").links)
    assert links["View source"] == "https://gitlab.com/org/kb/-/blob/main/kb/db/Pool%20timeout.md"
    plain = build_docs(tmp_path / "c", files).output_dir
    assert "Edit this page" not in page(plain, "docs/db/pool-timeout.html").link_texts()


def test_edit_uri_defaults_to_the_content_folder_below_the_config(tmp_path: Path) -> None:
    write_docs(tmp_path / "kb" / "docs", {"a.md": _doc("A")})
    (tmp_path / "kb" / "sitegen.yml").write_text("content_dir: docs\noutput_dir: site\nrepo_url: https://github.com/o/r\n")
    config, problems = load_config(tmp_path / "kb" / "sitegen.yml")
    assert not problems
    build(config)
    links = dict((text, href) for href, text in page(tmp_path / "kb" / "site", "docs/a.html").links)
    assert links["Edit this page"] == "https://github.com/o/r/edit/main/docs/a.md"


def _git(repo: Path, *args: str, date: str = "2024-01-01T12:00:00+00:00") -> None:
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "GIT_CONFIG_GLOBAL": os.devnull}
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=repo, env=env,
                   check=True, capture_output=True)


def test_last_updated_comes_from_one_git_log_and_a_commit_is_seen_by_the_next_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    write_docs(repo / "docs", {"a.md": _doc("A", date="2023-05-06"), "b.md": _doc("B", date="2023-05-06"),
                               "new.md": _doc("New", date="2022-02-02")})
    _git(repo, "init", "-q")
    _git(repo, "add", "docs/a.md", "docs/b.md")
    _git(repo, "commit", "-qm", "first", date="2024-03-01T10:00:00+00:00")
    (repo / "docs" / "b.md").write_text(_doc("B", "Changed.", date="2023-05-06"))
    _git(repo, "commit", "-qam", "second", date="2024-04-02T10:00:00+00:00")

    import sitegen.history as history
    calls: list[list[str]] = []
    real = history.subprocess.run

    def counting(args: list[str], **kwargs: object) -> object:
        calls.append(args)
        return real(args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(history.subprocess, "run", counting)
    monkeypatch.chdir(tmp_path)  # no sitegen.yml here: the command line alone says what to build

    def cli_build() -> None:  # as a user runs it: the up-to-date check first, then the build
        assert cli.main(["build", str(repo / "docs"), "-o", str(tmp_path / "site"), "-q"]) == 0

    cli_build()
    assert len(calls) == 1 and calls[0][:2] == ["git", "log"]  # one for the whole build, not one per file
    out = tmp_path / "site"

    def updated(rel: str) -> str:
        html = (out / rel).read_text(encoding="utf-8")
        return html.split("Last updated <time datetime=\"")[1][:10] if "Last updated" in html else ""

    assert updated("docs/a.html") == "2024-03-01"
    assert updated("docs/b.html") == "2024-04-02"
    assert updated("docs/new.html") == "2022-02-02"  # not committed: the front-matter date
    first = {p: p.read_bytes() for p in sorted(out.rglob("*.html"))}
    cli_build()
    assert {p: p.read_bytes() for p in sorted(out.rglob("*.html"))} == first  # the same history, the same bytes
    assert len(calls) == 1  # the same commit as last time (read from .git): git was not asked again
    _git(repo, "add", "docs/new.md")
    _git(repo, "commit", "-qm", "third", date="2024-05-05T10:00:00+00:00")
    cli_build()  # no file changed, but the history did: not "nothing changed since the last build"
    assert updated("docs/new.html") == "2024-05-05"
    off = make_config(repo / "docs", tmp_path / "off", last_updated=False)
    calls.clear()
    build(off)
    assert calls == [] and "Last updated" not in (tmp_path / "off/docs/a.html").read_text(encoding="utf-8")


def test_previous_and_next_stay_within_the_first_component(tmp_path: Path) -> None:
    out = build_docs(tmp_path, {
        "a.md": _doc("Alpha", component="cache", date="2024-03-01"),
        "b.md": _doc("Beta", component="[cache, database]", date="2024-02-01"),
        "c.md": _doc("Gamma", component="cache", date="2024-01-01"),
        "d.md": _doc("Delta", component="database", date="2024-02-15"),
    }).output_dir
    beta = page(out, "docs/b.html")
    assert ("a.html", "Previous in Cache Alpha") in beta.links
    assert ("c.html", "Next in Cache Gamma") in beta.links
    alpha = page(out, "docs/a.html")
    assert not any(text.startswith("Previous") for text in alpha.link_texts())
    delta = page(out, "docs/d.html")  # Beta is in Database too, second in Beta's list: Delta's next
    assert ("b.html", "Next in Database Beta") in delta.links
    assert not any(text.startswith("Previous") for text in delta.link_texts())


def test_description_and_social_tags_come_from_the_title_and_the_brief_fix(tmp_path: Path) -> None:
    doc = _doc("Pool exhausted", "## Solution\n\nRaise the pool size to twenty.\n", component="database")
    out = build_docs(tmp_path, {"p.md": doc}, base_url="https://kb.example.org/", lang="de").output_dir
    html = (out / "docs/p.html").read_text(encoding="utf-8")
    head = html.split("</head>")[0]
    assert '<meta name="description" content="Raise the pool size to twenty.">' in head
    assert '<meta property="og:title" content="Pool exhausted">' in head
    assert '<meta property="og:description" content="Raise the pool size to twenty.">' in head
    assert '<meta property="og:url" content="https://kb.example.org/docs/p.html">' in head
    assert '<meta name="twitter:card" content="summary">' in head
    assert head.count('name="description"') == 1
    assert html.startswith('<!DOCTYPE html>\n<html lang="de">')


def test_the_table_of_contents_is_a_fold_named_on_this_page(tmp_path: Path) -> None:
    body = "\n\n".join(f"## Part {n}\n\nText {n}." for n in range(4))
    html = (build_docs(tmp_path, {"t.md": _doc("Toc", body)}).output_dir / "docs/t.html").read_text(encoding="utf-8")
    toc = html.split('<nav class="toc"')[1].split("</nav>")[0]
    assert '<details class="toc-fold" open>' in toc and '<summary class="toc-title">On this page</summary>' in toc


# --- Error table -------------------------------------------------------------------------------


def test_error_rows_fall_back_to_the_folder_and_link_to_the_solution_section(tmp_path: Path) -> None:
    out = build_docs(tmp_path, {
        "billing/a.md": "# A\n\n## Symptoms\n\n- `KeyError: 'total'`\n\n## Solution\n\n```\nfix it\n```\n",
        "runtime-errors/b.md": "# B\n\n## Symptoms\n\n- `ValueError: bad`\n\nNo fix written yet.\n",
    }).output_dir
    table = (out / "errors.html").read_text(encoding="utf-8")
    rows = {r.split("<code>")[1].split("</code>")[0]: r for r in table.split("<tr>")[2:]}
    a, b = rows["KeyError: &#39;total&#39;"], rows["ValueError: bad"]
    assert '<span class="from-folder"' in a and "Billing</span>" in a
    assert 'href="docs/billing/a.html#solution">See the solution</a>' in a
    assert "Runtime error</a>" in b  # the folder gave the problem type
    assert 'href="docs/runtime-errors/b.html">Read the document</a>' in b
    assert scan(out / "errors.html").empty_categories == 0


# --- Tags --------------------------------------------------------------------------------------


def test_tags_differing_in_case_separators_or_a_plural_s_share_one_page(tmp_path: Path) -> None:
    result = build_docs(tmp_path, {
        "a.md": _doc("A", tags="[cyclic-workflow, redis]"),
        "b.md": _doc("B", tags="[Cyclic_Workflow]"),
        "c.md": _doc("C", tags="[cyclic workflows, class]"),
        "d.md": _doc("D", tags="[cyclic-workflow, clas]"),
    })
    out = result.output_dir
    tags = page(out, "tags/index.html")
    cyclic = [text for href, text in tags.links if "cyclic" in href]
    assert cyclic == ["#cyclic-workflow 4"]
    assert not (out / "tags/cyclic-workflows.html").exists()
    assert {"A", "B", "C", "D"} <= set(page(out, "tags/cyclic-workflow.html").link_texts())
    assert ("../tags/cyclic-workflow.html", "#cyclic-workflows") in page(out, "docs/c.html").links
    variants = sorted(p.message for p in result.site.problems if p.kind == "tag-variant")
    assert variants == ["tag `cyclic-workflows` shares a page with `cyclic-workflow` (1 document spells it so)",
                        "tag `cyclic_workflow` shares a page with `cyclic-workflow` (1 document spells it so)"]
    assert {(p.path, p.level) for p in result.site.problems if p.kind == "tag-variant"} == {("b.md", "info"), ("c.md", "info")}
    assert (out / "tags/class.html").exists() and (out / "tags/clas.html").exists()  # `ss` is no plural


# --- kb.json and the Atom feed -----------------------------------------------------------------


def test_kb_json_lists_every_document_with_its_metadata_and_fix(tmp_path: Path) -> None:
    out = build(make_config(PLAIN, tmp_path / "site")).output_dir
    data = json.loads((out / "kb.json").read_text(encoding="utf-8"))
    by_url = {d["url"]: d for d in data["documents"]}
    assert len(by_url) == 8 and all((out / url).is_file() for url in by_url)
    crash = by_url["docs/runtime-errors/report-crashes-on-empty-invoice.html"]
    assert crash["title"] == "Report crashes on an empty invoice"
    assert crash["problem_type"] == ["runtime_error"] and crash["inferred"] == ["problem_type"]
    assert crash["symptoms"] == ["AttributeError: 'NoneType' object has no attribute 'lines'"]
    assert crash["fix"].startswith("Return an empty report")


def test_atom_feed_only_with_base_url_newest_first(tmp_path: Path) -> None:
    files = {f"d{n}.md": _doc(f"Doc {n} & more", date=f"2024-0{n}-01") for n in range(1, 5)}
    files["undated.md"] = _doc("Undated")
    without = build_docs(tmp_path / "a", files).output_dir
    assert not (without / "feed.xml").exists() and "feed.xml" not in (without / "index.html").read_text()
    out = build_docs(tmp_path / "b", files, base_url="https://kb.example.org/x").output_dir
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring((out / "feed.xml").read_bytes())
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert titles == ["Doc 4 & more", "Doc 3 & more", "Doc 2 & more", "Doc 1 & more"]
    assert feed.findtext("a:updated", namespaces=ns) == "2024-04-01T00:00:00Z"
    assert feed.find("a:entry/a:link", ns).get("href") == "https://kb.example.org/x/docs/d4.html"  # type: ignore[union-attr]
    assert 'type="application/atom+xml"' in (out / "index.html").read_text()


def test_config_rejects_bad_values_of_the_new_keys(tmp_path: Path) -> None:
    path = tmp_path / "sitegen.yml"
    path.write_text("lang: 'not a tag!'\nlast_updated: maybe\nrepo_url: 3\n")
    _, problems = load_config(path)
    assert sorted(p.line for p in problems) == [1, 2, 3]
