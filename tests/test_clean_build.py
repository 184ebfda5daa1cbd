"""Clean-build economies: each document parsed once, plain metadata values skip the inline parser,
workers only where they pay."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from sitegen.build import build
from sitegen.parallel import AUTO_PARALLEL_ITEMS, split
from sitegen.parse import inline_text, parser, plain_inline
from tests.helpers import build_docs, make_config, page, write_docs


def _doc(title: str, body: str = "") -> str:
    return f"---\ntitle: {title}\nsymptoms: ['{title} failed']\n---\n## Solution\nFix {title}. {body}\n"


def test_a_clean_build_parses_each_document_body_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bodies: list[str] = []
    real_parse = MarkdownIt.parse

    def counting(self: MarkdownIt, src: str, env: Any = None) -> Any:
        bodies.append(src)
        return real_parse(self, src, env)

    monkeypatch.setattr(MarkdownIt, "parse", counting)
    files = {f"d{i}.md": _doc(f"Doc {i}", f"See [next](d{(i + 1) % 5}.md).") for i in range(5)}
    content = write_docs(tmp_path / "docs", files)
    result = build(make_config(content, tmp_path / "site", jobs=1))  # in this process, where the count is seen
    assert len(result.site.documents) == 5
    assert sorted(bodies) == sorted(d.body for d in result.site.documents)
    assert "d1.html" in {href for href, _ in page(tmp_path / "site", "docs/d0.html").links}


def test_a_link_to_a_file_that_turned_out_unreadable_is_reported(tmp_path: Path) -> None:
    # Reading renders to urls planned from every file found; `b.md` is found but is no document,
    # so the render of `a.md` made to that plan must be redone, and its link reported.
    result = build_docs(tmp_path, {"a.md": _doc("Alpha", "See [beta](b.md)."), "b.md": b"\x00\x01binary"}, jobs=1)
    links = [p for p in result.site.problems if p.kind == "link"]
    assert [(p.path, "b.md" in p.message) for p in links] == [("a.md", True)]
    hrefs = {href for href, _ in page(tmp_path / "site", "docs/a.html").links}
    assert "b.md" in hrefs and not any(h.endswith("b.html") for h in hrefs)
    assert result.rebuilt.startswith("2 read, 1 rendered"), result.rebuilt


def _parsed_plain(text: str) -> str:
    tokens = parser().parseInline(text.replace("\n", " "))
    return " ".join(inline_text(tokens[0] if tokens else None, keep_html=True).split())


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet="ab_Z9 :.-#$%^|{}()'\"\t\u00a0é中/\r\\`*~[]!<>&@w", max_size=16))
@example("database_issue")
@example("_emphasis_ and a_b_")
@example("see www.example.com or http://x.org or me@example.com")
@example("ImportError: cannot import name 'x' (most likely due to a circular import)")
def test_plain_inline_shortcut_gives_what_parsing_gives(text: str) -> None:
    # Plain words skip markdown-it; anything it could read as markup still goes through it.
    assert plain_inline(text) == _parsed_plain(text)


def test_by_default_only_large_sites_use_workers() -> None:
    # Workers cost CPU on two cores; the default starts them only where the wall time saved is large.
    assert split(range(AUTO_PARALLEL_ITEMS - 1), 0) == [list(range(AUTO_PARALLEL_ITEMS - 1))]
    assert len(split(range(AUTO_PARALLEL_ITEMS), 0)) > 1
    assert len(split(range(100), 2)) == 8  # an explicit -j is honoured at any size
    assert split(range(0), 0) == []


def test_links_in_page_loops_do_not_copy_the_template_context(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A context-reading link() makes Jinja copy the context at each call inside a loop (every row
    # of the error tables); pages get link() bound to their own url instead.
    copies = []
    real = jinja2.runtime.Context.derived

    def counting(self: jinja2.runtime.Context, locals: Any = None) -> jinja2.runtime.Context:
        copies.append(1)
        return real(self, locals)

    monkeypatch.setattr(jinja2.runtime.Context, "derived", counting)
    files = {f"d{i}.md": _doc(f"Doc {i}", f"See [next](d{(i + 1) % 6}.md).") for i in range(6)}
    result = build_docs(tmp_path, files, jobs=1)
    rows = len(result.site.error_rows)
    assert rows >= 6
    assert len(copies) < rows
    assert "docs/d1.html" in {href for href, _ in page(tmp_path / "site", "errors.html").links}
