"""Shared test helpers: write small docs, build them, and read the output as a reader would."""

from __future__ import annotations

import contextlib
import functools
import http.server
import textwrap
import threading
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterator, Mapping

from sitegen.build import BuildResult, build
from sitegen.config import SiteConfig, load_config

ROOT = Path(__file__).resolve().parent.parent


def write_docs(folder: Path, files: Mapping[str, str | bytes]) -> Path:
    for rel, text in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return folder


def front_matter(title: str, component: str = "database", tags: str = "[postgres]") -> str:
    """The front matter of the edit tests' documents (test_incremental, test_fastedit), unindented."""
    return (f"---\ntitle: {title}\ndate: 2025-05-01\nproblem_type: database_issue\ncomponent: {component}\n"
            f"severity: high\ntags: {tags}\nsymptoms: ['{title} failed']\n---\n")


def make_config(content: Path, output: Path, **settings: Any) -> SiteConfig:
    config, problems = load_config(None, {"content_dir": content, "output_dir": output, **settings})
    assert not problems, problems
    return config


def build_docs(tmp_path: Path, files: Mapping[str, str | bytes], **settings: Any) -> BuildResult:
    content = write_docs(tmp_path / "docs", files)
    return build(make_config(content, tmp_path / "site", **settings))


class Page(HTMLParser):
    """A parsed output page: its links, assets, ids, text and elements by id."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (href, link text)
        self.assets: list[str] = []
        self.ids: set[str] = set()
        self.text_parts: list[str] = []
        self.h1: list[str] = []
        self.scripts: list[str] = []
        self._open_links: list[list[str]] = []
        self._in_h1 = False
        self._in_script = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self._open_links.append([a["href"], ""])
        if tag in ("link",) and "href" in a:
            self.assets.append(a["href"])
        if tag in ("script", "img") and "src" in a:
            self.assets.append(a["src"])
        if tag == "script":
            self._in_script = True
        if tag == "h1":
            self._in_h1 = True
            self.h1.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open_links:
            href, text = self._open_links.pop()
            self.links.append((href, " ".join(text.split())))
        if tag == "h1":
            self._in_h1 = False
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)
            return
        self.text_parts.append(data)
        for link in self._open_links:
            link[1] += data
        if self._in_h1:
            self.h1[-1] += data

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def link_texts(self) -> list[str]:
        return [text for _, text in self.links]


def site_files(out: Path) -> dict[str, bytes]:
    """Every published file of a built site and its bytes (sitegen keeps its build state elsewhere)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def page(out: Path, rel: str) -> Page:
    return Page((out / rel).read_text(encoding="utf-8"))


def build_sample(out: Path) -> Path:
    """The project's own sample knowledge base (sitegen.yml -> content/), built into `out`."""
    config, problems = load_config(ROOT / "sitegen.yml", {"output_dir": out})
    assert not [p for p in problems if p.level == "error"], problems
    build(config)
    return out


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


@contextlib.contextmanager
def serve_folder(folder: Path) -> Iterator[str]:
    """Serve a folder on 127.0.0.1 (a free port) in a thread; yields the base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def write_search_index(site: Path, entries: Any, **options: Any) -> Path:
    """The search index of `entries` (every file: manifest, shards, store chunks) written into `site`;
    returns the manifest's path."""
    from sitegen.search import analyse
    from sitegen.shards import MANIFEST, build_files

    for name, text in build_files(entries, [analyse(e) for e in entries], **options).items():
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text(text, encoding="utf-8")
    return site / MANIFEST
