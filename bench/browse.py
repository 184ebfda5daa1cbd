"""Can a reader browse to every document? Builds a content folder and measures, from the output:

- documents reachable by following links from `index.html` (all of them, or the list of the rest);
- document pages with an empty metadata panel (a `<dl class="meta-panel">` with nothing in it);
- error-table rows whose Category cell is empty;
- tag spellings merged into another's page (the build's `tag-variant` notes).

    .venv/bin/python -m bench.browse ../shared/corpus        # or any content folder
"""

from __future__ import annotations

import argparse
import json
import posixpath
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sitegen.build import build
from sitegen.config import load_config


class _Scan(HTMLParser):
    """The links of a page, its empty metadata panels and its error rows without a category."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.empty_panels = 0
        self.rows = 0
        self.empty_categories = 0
        self._panel_depth: int | None = None
        self._panel_children = 0
        self._depth = 0
        self._in_category = False
        self._category_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self._depth += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if self._panel_depth is not None and self._depth == self._panel_depth + 1:
            self._panel_children += 1
        if tag == "dl" and "meta-panel" in a.get("class", "").split():
            self._panel_depth, self._panel_children = self._depth, 0
        if tag == "td" and "error-category" in a.get("class", "").split():
            self._in_category, self._category_text = True, ""
            self.rows += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "dl" and self._panel_depth == self._depth:
            self.empty_panels += self._panel_children == 0
            self._panel_depth = None
        if tag == "td" and self._in_category:
            self._in_category = False
            self.empty_categories += not self._category_text.strip()
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._in_category:
            self._category_text += data


def scan(path: Path) -> _Scan:
    parser = _Scan()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def reachable_pages(out: Path, start: str = "index.html") -> set[str]:
    """Every HTML page of the built site reached by following links from `start` (root-relative paths)."""
    seen = {start}
    todo = [start]
    while todo:
        page = todo.pop()
        for href in scan(out / page).links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(page), unquote(parts.path)))
            if target.endswith(".html") and target not in seen and (out / target).is_file():
                seen.add(target)
                todo.append(target)
    return seen


def measure(content: Path, out: Path) -> dict[str, object]:
    config, problems = load_config(None, {"content_dir": content, "output_dir": out})
    assert not problems, problems
    result = build(config)
    doc_pages = {url for url in result.site.urls.values()}
    reached = reachable_pages(out)
    errors = scan(out / "errors.html")
    return {
        "documents": len(doc_pages),
        "reachable": len(doc_pages & reached),
        "unreachable": sorted(doc_pages - reached),
        "empty_panels": sum(scan(out / url).empty_panels for url in sorted(doc_pages)),
        "error_rows": errors.rows,
        "error_rows_without_category": errors.empty_categories,
        "tags_merged": sum(1 for p in result.site.problems if p.kind == "tag-variant"),
        "problem_types_from_folders": sum(1 for p in result.site.problems if p.kind == "inferred-problem-type"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("content", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        figures = measure(args.content.resolve(), Path(tmp) / "site")
    print(json.dumps(figures, indent=1))
    return 0 if not figures["unreachable"] and not figures["empty_panels"] else 1


if __name__ == "__main__":
    sys.exit(main())
