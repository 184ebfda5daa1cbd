"""Entry items and the page frame are rendered once and reused: every page still links and marks itself right."""

from __future__ import annotations

import posixpath
from pathlib import Path

import pytest

from sitegen.pages import make_environment, page_specs
from sitegen.urls import root_of
from tests.helpers import Page, build_sample, page


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_sample(tmp_path_factory.mktemp("fragments") / "site")


def _entry_links(out: Path, rel: str) -> list[tuple[str, str]]:
    html = (out / rel).read_text(encoding="utf-8")
    lists = [part.split("</ul>")[0] for part in html.split('<ul class="entry-list">')[1:]]
    return [link for chunk in lists for link in Page(chunk).links]


def test_reused_entry_items_link_to_their_page_from_every_depth(sample: Path) -> None:
    pages = [p.relative_to(sample).as_posix() for p in sample.rglob("*.html")]
    depths = set()
    checked = 0
    for rel in pages:
        for href, text in _entry_links(sample, rel):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(rel), href))
            assert (sample / target).is_file(), f"{rel}: entry link {href} goes nowhere"
            assert page(sample, target).h1[0].strip() in text or text in page(sample, target).text, (rel, href, text)
            depths.add(rel.count("/"))
            checked += 1
    assert checked > 50 and depths >= {0, 1, 2}  # home, term pages and documents' related boxes


def test_the_navigation_marks_only_the_page_itself(sample: Path) -> None:
    nav_pages = ["component/index.html", "errors.html", "tags/index.html"]
    for rel in nav_pages:
        html = (sample / rel).read_text(encoding="utf-8")
        nav = html.split('<nav class="site-nav"')[1].split("</nav>")[0]
        current = [line for line in nav.splitlines() if 'aria-current="page"' in line]
        assert len(current) == 1 and posixpath.basename(rel) in current[0], (rel, current)
    # A page beside a navigation page, sharing its folder and frame, is not marked.
    other = next(p for p in (sample / "component").glob("*.html") if p.name != "index.html")
    nav = other.read_text(encoding="utf-8").split('<nav class="site-nav"')[1].split("</nav>")[0]
    assert 'aria-current="page"' not in nav


def test_each_entry_item_is_rendered_once_per_depth(tmp_path: Path) -> None:
    from sitegen.build import gather
    from tests.helpers import ROOT
    from sitegen.config import load_config

    config, _ = load_config(ROOT / "sitegen.yml", {"output_dir": tmp_path / "site"})
    site = gather(config)
    env = make_environment(site)
    renders: list[str] = []
    item = env.get_template("_entry_item.html")
    original = item.render
    item.render = lambda *a, **k: renders.append(k["page_url"]) or original(*a, **k)  # type: ignore[method-assign]
    shown = 0
    for spec in page_specs(site):
        html = env.get_template(spec.template).render(page_url=spec.url, root=root_of(spec.url), **spec.context)
        shown += html.count('<li class="entry">')
    assert len(renders) <= len(site.entries) * 3 < shown  # three depths: home, groups, documents
