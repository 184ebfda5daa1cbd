"""The built site as a reader sees it: pages, groups, the error table, links, safety, determinism."""

from __future__ import annotations

import datetime as dt
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitegen.build import build
from sitegen.document import Document, SourceFile
from sitegen.group import RELATED_WEIGHTS, Entry, related_entries, related_index
from sitegen.urls import relative_url, slugify
from sitegen.folders import state_folder_for
from sitegen.write import OutputError, default_record
from tests.helpers import ROOT, build_docs, make_config, page, site_files, write_docs, Page

POOL = """\
    ---
    title: Connection pool exhausted under load
    date: 2025-03-02
    problem_type: database_issue
    component: database
    root_cause: connection_pool
    severity: high
    tags: [postgres, Pooling]
    symptoms:
      - 'sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached'
      - Requests hang for 30 seconds
    ---
    # Connection pool exhausted under load

    ## Solution
    Raise the pool size and close sessions in a finally block. Then redeploy.

    See [the import fix](../app/circular.md) and [the guide](../app/circular.md#solution).
    """

CIRCULAR = """\
    ---
    date: 2025-04-10
    problem_type: import_error
    component: orm_model
    severity: medium
    tags: [imports, postgres]
    symptoms:
      - "ImportError: cannot import name 'Parcel' from partially initialized module 'app.models'"
    summary: Move the shared base class into its own module.
    ---
    # Troubleshooting: Circular import between models

    ## Solution
    Something else first.
    """


@pytest.fixture(scope="module")
def small_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("small")
    result = build_docs(tmp, {"db/pool.md": POOL, "app/circular.md": CIRCULAR,
                              "README.md": "# About this folder\n\nIndex of [pool](db/pool.md).\n"})
    return result.output_dir


def test_document_page_shows_metadata_symptoms_and_body(small_site: Path) -> None:
    doc = page(small_site, "docs/db/pool.html")
    assert doc.h1 == ["Connection pool exhausted under load"]
    assert "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached" in doc.text
    links = dict((text, href) for href, text in doc.links)
    assert links["Database"] == "../../component/database.html"
    assert links["Database issue"] == "../../problem-type/database-issue.html"
    assert links["High"] == "../../severity/high.html"
    assert links["#postgres"] == "../../tags/postgres.html"
    assert "Raise the pool size and close sessions in a finally block." in doc.text


def test_title_from_first_h1_without_troubleshooting_prefix(small_site: Path) -> None:
    assert page(small_site, "docs/app/circular.html").h1 == ["Circular import between models"]


def test_links_between_documents_point_at_built_pages(small_site: Path) -> None:
    hrefs = [href for href, _ in page(small_site, "docs/db/pool.html").links]
    assert "../app/circular.html" in hrefs
    assert "../app/circular.html#solution" in hrefs


def test_group_pages_list_the_right_documents(small_site: Path) -> None:
    assert page(small_site, "component/database.html").link_texts().count("Connection pool exhausted under load") == 1
    assert "Circular import between models" not in page(small_site, "component/database.html").link_texts()
    assert "Circular import between models" in page(small_site, "problem-type/import-error.html").link_texts()
    postgres = page(small_site, "tags/postgres.html").link_texts()
    assert "Connection pool exhausted under load" in postgres and "Circular import between models" in postgres
    assert "Pooling" in page(small_site, "tags/index.html").text or "pooling" in page(small_site, "tags/index.html").text
    for index in ("component/index.html", "problem-type/index.html", "tags/index.html", "severity/index.html", "root-cause/index.html"):
        assert (small_site / index).is_file(), index


def test_index_pages_are_built_but_not_listed(small_site: Path) -> None:
    assert (small_site / "docs/readme.html").is_file()
    home = page(small_site, "index.html")
    assert "About this folder" not in home.link_texts()
    assert "2 solutions" in home.text or "2 solutions" in home.text.replace("\n", " ")


def test_error_table_has_a_row_per_symptom_with_working_link(small_site: Path) -> None:
    table = page(small_site, "errors.html")
    text = table.text
    assert "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached" in text
    assert "Requests hang for 30 seconds" in text
    assert "ImportError: cannot import name 'Parcel' from partially initialized module 'app.models'" in text
    # Brief solution: the summary field wins, else the first sentence of the Solution section.
    assert "Move the shared base class into its own module." in text
    assert "Raise the pool size and close sessions in a finally block." in text
    assert "Then redeploy" not in text
    doc_links = [href for href, label in table.links if label == "Connection pool exhausted under load"]
    assert doc_links == ["docs/db/pool.html", "docs/db/pool.html"]
    per_component = page(small_site, "errors/database.html").text
    assert "QueuePool limit" in per_component and "cannot import name" not in per_component


def test_home_page_counts_recent_docs_and_matrix(small_site: Path) -> None:
    home = page(small_site, "index.html")
    recent = home.link_texts()
    assert recent.index("Circular import between models") < recent.index("Connection pool exhausted under load")
    hrefs = [href for href, _ in home.links]
    assert "docs/db/pool.html" in hrefs and "docs/app/circular.html" in hrefs


def test_a_crowded_matrix_cell_lists_ten_and_links_to_the_rest(tmp_path: Path) -> None:
    docs = {f"d{n:02d}.md": f"---\ntitle: Pool problem {n}\ncomponent: database\nproblem_type: performance_issue\n---\nBody.\n"
            for n in range(14)}
    build_docs(tmp_path, docs)
    home = page(tmp_path / "site", "index.html")
    listed = [label for _, label in home.links if label.startswith("Pool problem")]
    assert len(listed) == 10
    assert ("component/database.html", "4 more under Database…") in home.links


def _targets(out: Path, rel: str, p: Page) -> list[tuple[str, str]]:
    found = []
    for url in [href for href, _ in p.links] + p.assets:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or url.startswith("#"):
            continue
        found.append((posixpath.normpath(posixpath.join(posixpath.dirname(rel), unquote(parts.path))), parts.fragment))
    return found


def test_every_internal_link_and_asset_resolves_to_a_file(small_site: Path) -> None:
    _assert_links_resolve(small_site)


def test_sample_content_builds_and_every_link_resolves(tmp_path: Path) -> None:
    config = make_config(ROOT / "content", tmp_path / "site")
    result = build(config)
    assert result.pages > 60
    assert len([d for d in result.site.documents if d.kind == "solution"]) >= 30
    problems = [p for p in result.site.problems if p.level != "info"]
    assert problems == [], "\n".join(p.format_text() for p in problems)
    _assert_links_resolve(result.output_dir)


def _assert_links_resolve(out: Path) -> None:
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    parsed = {rel: page(out, rel) for rel in pages}
    broken = []
    for rel, p in parsed.items():
        if rel == "404.html":
            continue
        for href in [h for h, _ in p.links] + p.assets:
            assert not href.startswith("/"), f"{rel}: absolute link {href}"
            parts = urlsplit(href)
            if parts.scheme in ("http", "https", "mailto"):
                continue
            if href.startswith("#"):
                if href[1:] and href[1:] not in p.ids:
                    broken.append(f"{rel}: {href}")
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), unquote(parts.path)))
            # No directory URLs: every link names a file, so file:// and sub-paths work alike.
            if not (out / target).is_file():
                broken.append(f"{rel}: {href} -> {target}")
            elif parts.fragment and target.endswith(".html") and parts.fragment not in parsed[target].ids:
                broken.append(f"{rel}: {href} (no id {parts.fragment})")
    assert broken == []


def test_two_builds_are_byte_identical(tmp_path: Path) -> None:
    outputs = []
    for name in ("one", "two"):
        config = make_config(ROOT / "content", tmp_path / name)
        build(config)
        outputs.append(site_files(tmp_path / name))
    assert outputs[0].keys() == outputs[1].keys()
    assert [k for k in outputs[0] if outputs[0][k] != outputs[1][k]] == []


def test_script_in_title_and_metadata_shows_as_text(tmp_path: Path) -> None:
    result = build_docs(tmp_path, {"x.md": """\
        ---
        title: "<script>alert('t')</script> broke"
        component: "<img src=x onerror=alert(1)>"
        tags: ["<b>bold</b>"]
        symptoms: ["<script>alert('s')</script>"]
        ---
        Body <script>alert('body')</script> text.
        """})
    out = result.output_dir
    html = (out / "docs/x.html").read_text()
    assert "<script>alert(" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt; broke" in html
    assert page(out, "docs/x.html").h1 == ["<script>alert('t')</script> broke"]
    for rel in ("errors.html", "index.html", "component/index.html"):
        assert "<script>alert(" not in (out / rel).read_text(), rel


def test_hostile_values_cannot_escape_the_output_folder(tmp_path: Path) -> None:
    result = build_docs(tmp_path, {"x.md": """\
        ---
        component: ../../etc
        tags: ["../../../passwd", "..", "/abs"]
        problem_type: "..\\\\..\\\\win"
        ---
        # Title
        """})
    out = result.output_dir.resolve()
    for path in tmp_path.rglob("*"):
        if path.is_file() and path.relative_to(tmp_path).parts[0] not in ("docs", ".sitegen-cache"):
            assert out in path.resolve().parents, path
    assert sorted(p.name for p in (tmp_path / ".sitegen-cache").iterdir()) == [state_folder_for(out, None).name]
    assert (out / "component/etc.html").is_file()


def test_case_variants_of_a_tag_share_one_page(tmp_path: Path) -> None:
    result = build_docs(tmp_path, {
        "a.md": "---\ntags: [Redis]\n---\n# A\n",
        "b.md": "---\ntags: [redis]\n---\n# B\n",
        "c.md": "---\ntags: [REDIS]\n---\n# C\n",
    })
    tags = sorted(p.name for p in (result.output_dir / "tags").iterdir())
    assert tags == ["index.html", "redis.html"]
    assert sorted(page(result.output_dir, "tags/redis.html").link_texts()).count("A") == 1
    assert {"A", "B", "C"} <= set(page(result.output_dir, "tags/redis.html").link_texts())


def test_two_documents_for_one_page_are_reported_by_both_names(tmp_path: Path) -> None:
    result = build_docs(tmp_path, {"Pool Timeout.md": "# One\n", "pool-timeout.md": "# Two\n"})
    clash = [p for p in result.site.problems if p.kind == "duplicate-page"]
    assert len(clash) == 1
    assert "Pool Timeout.md" in clash[0].message and "pool-timeout.md" in clash[0].message
    titles = {page(result.output_dir, p.relative_to(result.output_dir).as_posix()).h1[0]
              for p in (result.output_dir / "docs").glob("*.html")}
    assert titles == {"One", "Two"}


def test_refuses_an_output_folder_it_did_not_write(tmp_path: Path) -> None:
    content = write_docs(tmp_path / "docs", {"a.md": "# A\n"})
    out = tmp_path / "out"
    out.mkdir()
    (out / "precious.txt").write_text("mine")
    with pytest.raises(OutputError, match="not written by sitegen"):
        build(make_config(content, out))
    assert (out / "precious.txt").read_text() == "mine"
    assert sorted(p.name for p in out.iterdir()) == ["precious.txt"] and not default_record(out).exists()


def test_rebuild_removes_pages_of_deleted_docs_but_keeps_foreign_files(tmp_path: Path) -> None:
    content = write_docs(tmp_path / "docs", {"a.md": "# A\n", "b.md": "# B\n"})
    out = tmp_path / "out"
    build(make_config(content, out))
    (out / "CNAME").write_text("kb.example.com")
    (content / "b.md").unlink()
    result = build(make_config(content, out))
    assert not (out / "docs/b.html").exists()
    assert (out / "CNAME").read_text() == "kb.example.com"
    assert result.removed >= 1


def test_output_inside_content_is_refused(tmp_path: Path) -> None:
    content = write_docs(tmp_path / "docs", {"a.md": "# A\n"})
    with pytest.raises(OutputError):
        build(make_config(content, tmp_path))


def test_github_pages_files_and_sitemap(tmp_path: Path) -> None:
    result = build_docs(tmp_path, {"a.md": "# A\n"}, base_url="https://team.github.io/kb/")
    out = result.output_dir
    assert (out / ".nojekyll").is_file()
    sitemap = (out / "sitemap.xml").read_text()
    assert "<loc>https://team.github.io/kb/docs/a.html</loc>" in sitemap
    assert '<base href="https://team.github.io/kb/">' in (out / "404.html").read_text()
    no_base = build_docs(tmp_path / "nobase", {"a.md": "# A\n"})
    assert not (no_base.output_dir / "sitemap.xml").exists()


def test_broken_link_is_reported_with_file_and_line(tmp_path: Path) -> None:
    result = build_docs(tmp_path, {"a.md": "---\ntitle: A\n---\n\nLine four.\n\nSee [gone](missing.md).\n"})
    links = [p for p in result.site.problems if p.kind == "link"]
    assert [(p.path, p.line) for p in links] == [("a.md", 7)]
    assert "missing.md" in links[0].message


def test_pygments_stylesheet_has_light_and_dark(small_site: Path) -> None:
    css = (small_site / "assets/pygments.css").read_text()
    assert ".highlight" in css and "prefers-color-scheme: dark" in css and "data-theme='dark'" in css


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "c.html", "..", ".", ""]), min_size=1, max_size=4),
       st.lists(st.sampled_from(["a", "b", "c.html", "d"]), min_size=1, max_size=4))
def test_relative_url_agrees_with_posixpath(target_parts: list[str], page_parts: list[str]) -> None:
    """The fast path of relative_url gives what posixpath.relpath gives, for every shape of path."""
    target, page = "/".join(target_parts), "/".join(page_parts)
    if not target:
        return
    expected = posixpath.relpath(target, posixpath.dirname(page) or ".")
    assert relative_url(page, target) == expected


def _related_by_counting(entry: Entry, entries: list[Entry], limit: int = 5) -> list[str]:
    """The plain algorithm: score every other document's entries by shared values, weighted."""
    keys = {(f, slugify(v)): w for f, w in RELATED_WEIGHTS for v in entry.values(f)}
    scored = []
    for other in entries:
        if other.section is not None or other.doc.source.rel == entry.doc.source.rel:
            continue
        score = sum(w for (f, slug), w in keys.items() if slug in {slugify(v) for v in other.values(f)})
        if score:
            scored.append((-score, other.sort_key, other.url))
    return [url for _, _, url in sorted(scored)[:limit]]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from("abc"), max_size=2), st.lists(st.sampled_from("xyz"), max_size=2),
                          st.lists(st.sampled_from("pq"), max_size=1), st.lists(st.sampled_from("tuvw"), max_size=3),
                          st.integers(1, 28)), min_size=1, max_size=40))
def test_related_entries_equal_plain_counting(specs: list[tuple[list[str], list[str], list[str], list[str], int]]) -> None:
    """The bit-set scoring of related documents picks what counting one by one picks, in order."""
    entries = []
    for n, (component, root_cause, problem_type, tags, day) in enumerate(specs):
        doc = Document(source=SourceFile(Path(f"/kb/d{n}.md"), f"d{n}.md"), title=f"Doc {n % 7}", body="",
                       component=tuple(dict.fromkeys(component)), root_cause=tuple(dict.fromkeys(root_cause)),
                       problem_type=tuple(problem_type), tags=tuple(dict.fromkeys(tags)), date=dt.date(2025, 1, day))
        entries.append(Entry(doc, f"docs/d{n}.html", doc.title, (), ""))
    index = related_index(entries)
    for entry in entries:
        assert [e.url for e in related_entries(entry, entries, index)] == _related_by_counting(entry, entries)
