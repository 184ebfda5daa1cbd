"""GitHub-flavoured rendering, checked on built pages as a reader gets them."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import pytest

from sitegen.build import BuildResult
from sitegen.document import Document, SourceFile
from sitegen.parse import Slugger, github_slug
from sitegen.render import Renderer

from tests.helpers import ROOT, build_docs, page

DOCS = {
    "tried.md": """\
        # Pagination skips rows

        ## What Didn't Work

        **Attempted Solution 1:** Added `ORDER BY updated_at`.
        - **Why it failed:** rows move between pages.

        ## Solution
        Use keyset pagination.
        """,
    "alerts.md": """\
        # Alerts

        > [!NOTE]
        > Restart the worker after the change.

        > [!CAUTION]
        > This deletes the queue.

        !!! warning "Old style"
            Admonitions keep working.
        """,
    "diagram.md": """\
        # Flow

        ```mermaid
        graph TD; Request-->Cache
        ```
        """,
    "notes.md": """\
        # Notes

        The pool was too small.[^pool]

        - [x] raised the pool size
        - [ ] added an alert

        ## Retry
        First.

        ## Retry
        Second.

        ## Retry
        Third. See [the second](#retry-1), [nowhere](#no-such-part) and [other](alerts.md#no-heading-there).
        Also [a real one](tried.md#what-didnt-work).

        [^pool]: Ten connections for forty workers.
        """,
    "guide.md": """\
        # Worker guide

        Lease lost
        ----------

        ### Symptoms
        - Jobs run twice

        ### Solution
        Renew the lease.

        Connection refused
        ------------------

        ### Symptoms
        - Broker refuses workers

        ### Solution
        Start the broker first.
        """,
    "clobber.md": """\
        # Clobber

        <p id="SITEGEN_SEARCH">not the index</p>

        ## Main

        [jump](#mark) <a id="mark"></a>
        """,
}


DOCS["far.md"] = "# Far\n\n" + "A paragraph of filler.\n\n" * 80 + '<a id="mark"></a>The anchor.\n'


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    return build_docs(tmp_path_factory.mktemp("gfm"), DOCS)


def html_of(built: BuildResult, rel: str) -> str:
    return (built.output_dir / built.site.urls[rel]).read_text(encoding="utf-8")


def body_of(built: BuildResult, rel: str) -> str:
    return html_of(built, rel).split('<div class="doc-body">', 1)[1].split("</article>", 1)[0]


def test_what_didnt_work_list_is_a_list(built: BuildResult) -> None:
    body = body_of(built, "tried.md")
    assert re.search(r"<p><strong>Attempted Solution 1:</strong> Added <code>ORDER BY updated_at</code>.</p>\s*<ul>\s*<li><strong>Why it failed:</strong>", body)


def test_github_alerts_are_labelled_callouts(built: BuildResult) -> None:
    body = body_of(built, "alerts.md")
    assert re.search(r'<div class="markdown-alert markdown-alert-note" role="note">\s*<p class="markdown-alert-title">Note</p>\s*<p>Restart', body)
    assert 'markdown-alert-caution" role="note">' in body and ">Caution</p>" in body
    assert re.search(r'<div class="admonition warning">\s*<p class="admonition-title">Old style</p>\s*<p>Admonitions keep working.</p>', body)
    css = (ROOT / "themes/default/assets/style.css").read_text(encoding="utf-8")
    assert ".markdown-alert-caution" in css and ".markdown-alert-title" in css


def test_mermaid_page_loads_the_script_and_others_do_not(built: BuildResult) -> None:
    diagram = page(built.output_dir, built.site.urls["diagram.md"])
    assert any(a.endswith("assets/vendor/mermaid.min.js") for a in diagram.assets)
    assert '<pre class="mermaid">graph TD; Request--&gt;Cache\n</pre>' in html_of(built, "diagram.md")
    for rel in DOCS.keys() - {"diagram.md"}:
        assert not any("mermaid" in a for a in page(built.output_dir, built.site.urls[rel]).assets), rel
    assert not any("mermaid" in a for a in page(built.output_dir, "index.html").assets)
    assert (built.output_dir / "assets/vendor/mermaid.min.js").is_file()


def test_a_site_without_diagrams_ships_no_diagram_script(tmp_path: Path) -> None:
    result = build_docs(tmp_path, {"a.md": DOCS["tried.md"]})
    assert not (result.output_dir / "assets/vendor/mermaid.min.js").exists()


def test_footnotes_and_task_lists(built: BuildResult) -> None:
    body = body_of(built, "notes.md")
    assert '<sup class="footnote-ref"><a href="#fn-1" id="fnref-1">' in body
    assert re.search(r'<li id="fn-1" class="footnote-item"><p>Ten connections for forty workers. <a href="#fnref-1"', body)
    assert re.search(r'<li class="task-list-item"><input class="task-list-item-checkbox" disabled="" type="checkbox" checked=""> raised', body)
    assert re.search(r'<li class="task-list-item"><input class="task-list-item-checkbox" disabled="" type="checkbox"> added', body)


def test_duplicate_headings_get_githubs_ids_and_a_permalink(built: BuildResult) -> None:
    body = body_of(built, "notes.md")
    assert re.findall(r'<h2 id="([^"]+)">Retry</h2>', body) == ["retry", "retry-1", "retry-2"]
    assert '<a class="heading-anchor" href="#retry-1" aria-label="Permalink: Retry">#</a>' in body
    assert [h.anchor for h in built.site.rendered["notes.md"].toc] == ["retry", "retry-1", "retry-2"]


def test_broken_fragments_are_reported_with_file_and_line(built: BuildResult) -> None:
    mine = [(p.line, p.kind, p.message) for p in built.site.problems if p.path == "notes.md"]
    same_page = [m for m in mine if "#no-such-part" in m[2]]
    other_page = [m for m in mine if "no-heading-there" in m[2]]
    assert [(line, kind) for line, kind, _ in same_page] == [(15, "link")]  # the line of the link in the file
    assert [(line, kind) for line, kind, _ in other_page] == [(15, "link")]
    assert "no heading there has the id `no-heading-there`" in other_page[0][2]
    assert not any("what-didnt-work" in m or "retry-1" in m for _, _, m in mine)  # links that land are not reported


def test_setext_headings_make_problem_sections(built: BuildResult) -> None:
    doc = next(d for d in built.site.documents if d.source.rel == "guide.md")
    assert [(s.title, s.anchor, s.line, s.symptoms, s.solution) for s in doc.sections] == [
        ("Lease lost", "lease-lost", 3, ("Jobs run twice",), "Renew the lease."),
        ("Connection refused", "connection-refused", 12, ("Broker refuses workers",), "Start the broker first."),
    ]
    assert {'id="lease-lost"', 'id="connection-refused"'} <= set(re.findall(r'id="[^"]+"', body_of(built, "guide.md")))


def test_author_ids_cannot_take_the_pages_own_names(built: BuildResult) -> None:
    html = html_of(built, "clobber.md")
    assert 'id="SITEGEN_SEARCH"' not in html and '<p id="user-content-SITEGEN_SEARCH">' in html
    assert html.count('id="main"') == 1  # the page's own <main>; the heading "Main" is main-1
    assert '<h2 id="main-1">Main</h2>' in html
    assert '<a href="#user-content-mark">jump</a>' in html  # the author's anchor is still reached


@pytest.mark.parametrize(("title", "slug"), [
    ("What Didn't Work", "what-didnt-work"),
    ("Step 2: `pip install` (again!)", "step-2-pip-install-again"),
    ("Ünïcödé — Straße", "ünïcödé--straße"),
    ("日本語 の 見出し", "日本語-の-見出し"),
    ("snake_case and kebab-case", "snake_case-and-kebab-case"),
])
def test_github_slugs(title: str, slug: str) -> None:
    assert github_slug(title) == slug


def test_slugger_counts_repeats_like_github() -> None:
    slugger = Slugger(taken=())
    assert [slugger.slug(t) for t in ("A", "A", "A-1", "A")] == ["a", "a-1", "a-1-1", "a-2"]


def test_code_is_highlighted_by_its_info_string_and_never_guessed() -> None:
    body = "```python\nimport os\n```\n\n```\nimport os\n```\n\n```nosuchlang\n<b>x</b>\n```\n"
    html = Renderer().render(Document(SourceFile(Path("/x/a.md"), "a.md"), "A", body), "a.html", {}, {}).html
    blocks = re.findall(r'<div class="highlight"><pre><span></span><code>(.*?)</code></pre></div>', html, re.S)
    assert blocks[0].startswith('<span class="kn">import</span>')
    assert blocks[1] == "import os\n" and blocks[2] == "&lt;b&gt;x&lt;/b&gt;\n"


# ------------------------------------------------------------------------ in a real browser

def test_search_box_works_beside_an_author_id_named_like_its_index(built: BuildResult, browser: Any) -> None:
    tab = browser.new_page()
    try:
        tab.goto((built.output_dir / built.site.urls["clobber.md"]).as_uri())
        tab.fill("#search-input", "keyset pagination")
        tab.wait_for_selector("#search-dropdown a", timeout=10_000)
        assert "Pagination skips rows" in tab.inner_text("#search-dropdown")
    finally:
        tab.close()


def test_mermaid_draws_from_disk_and_follows_dark_mode(built: BuildResult, browser: Any) -> None:
    tab = browser.new_page()
    try:
        tab.goto((built.output_dir / built.site.urls["diagram.md"]).as_uri())
        tab.wait_for_selector(".doc-body pre.mermaid svg", timeout=20_000)
        light = tab.eval_on_selector(".doc-body pre.mermaid svg style", "s => s.textContent")
        tab.evaluate("document.documentElement.setAttribute('data-theme', 'dark')")
        tab.wait_for_function("""l => { const s = document.querySelector('.doc-body pre.mermaid svg style');
                                         return s && s.textContent !== l; }""", arg=light, timeout=20_000)
        assert "Request" in tab.inner_text(".doc-body pre.mermaid")
    finally:
        tab.close()


def test_without_script_the_diagram_source_reads_as_code(built: BuildResult, browser: Any) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        tab = context.new_page()
        tab.goto((built.output_dir / built.site.urls["diagram.md"]).as_uri())
        assert tab.inner_text(".doc-body pre.mermaid").strip() == "graph TD; Request-->Cache"
        assert tab.eval_on_selector(".doc-body pre.mermaid", "e => getComputedStyle(e).whiteSpace").startswith("pre")
    finally:
        context.close()




MERMAID_SHA256 = "336df803d87a38b70a01e736e666c8f7601d2ce42f5e47c8fafe5d721074b9a3"  # mermaid 12.3.0, dist/mermaid.min.js


def test_vendored_mermaid_is_the_pinned_release() -> None:
    vendor = ROOT / "themes/default/assets/vendor"
    data = (vendor / "mermaid.min.js").read_bytes()
    assert hashlib.sha256(data).hexdigest() == MERMAID_SHA256
    assert b"import(" not in data  # one file: nothing to fetch, so it works from file://
    assert "MIT" in (vendor / "mermaid-LICENSE.txt").read_text(encoding="utf-8")


def test_a_link_from_another_page_reaches_an_authors_anchor(built: BuildResult, browser: Any) -> None:
    tab = browser.new_page()
    try:
        tab.set_viewport_size({"width": 800, "height": 300})
        url = (built.output_dir / built.site.urls["far.md"]).as_uri()
        tab.goto("about:blank")
        tab.goto(url + "#mark")
        # Scrolling may be smooth: wait until the anchor is on screen (it starts some 3,000 px below).
        tab.wait_for_function("(() => { const t = document.getElementById('user-content-mark').getBoundingClientRect().top;"
                              " return t >= 0 && t < 300; })()", timeout=10_000)
    finally:
        tab.close()


def test_headings_never_take_an_id_the_theme_uses() -> None:
    from sitegen.parse import RESERVED_IDS

    used = {m for path in (ROOT / "themes/default/templates").glob("*.html")
            for m in re.findall(r'\bid="([^"{]+)"', path.read_text(encoding="utf-8"))}
    assert used <= RESERVED_IDS, f"add to parse.RESERVED_IDS: {sorted(used - RESERVED_IDS)}"
