"""Hostile input: every case is reported to the user, none of it runs in a browser, and the rest of the site stands.

The fixtures are generated into tmp_path: symlink loops, invalid UTF-8, NUL bytes and a 50 MB file
cannot be committed. The build runs as `sitegen build` in a subprocess with its address space and
time limited, so a bomb that got through would fail the test instead of the machine.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from tests.helpers import ROOT, build_docs, page

CHROMIUM = Path("/usr/bin/chromium")
MEMORY_LIMIT = 2_000_000_000  # bytes of address space for a hostile build
PWN = "window.__pwned=1;alert(1)"
IMG = f'<img src=x onerror="{PWN}">'
SCRIPT = f"<script>{PWN}</script>"
BREAKOUT = f"\"'><svg onload=\"{PWN}\">"
WORD = "zanzibarquux"  # a word only the hostile document holds, to search for

NORMAL = """\
    ---
    title: Normal pool timeout
    component: database
    problem_type: database_issue
    root_cause: connection_pool
    tags: [postgres]
    symptoms: ["QueuePool limit reached"]
    ---
    # Normal pool timeout

    ## Solution
    Raise the pool size.
    """


def injected_fields() -> str:
    values = {f: IMG for f in ("module", "summary", "component", "problem_type", "root_cause", "resolution_type", "author")}
    lines = [f"title: '{WORD} {SCRIPT} {IMG}'", *(f"{k}: '{v}'" for k, v in values.items()),
             f"severity: '{BREAKOUT}'", f"date: '{SCRIPT}'", f"custom_field: '{BREAKOUT}'",
             f"tags: ['{SCRIPT}', '{IMG}', '{BREAKOUT}', 'javascript:alert(1)']",
             f"symptoms: ['{WORD} {SCRIPT}', '{IMG}', '{BREAKOUT}']"]
    return "---\n" + "\n".join(lines) + "\n---\n\nBody about " + WORD + ".\n"


MARKDOWN_ATTACKS = f"""\
# Markdown attacks

{SCRIPT}

{IMG}

<iframe src="javascript:{PWN}"></iframe> <svg onload="{PWN}"></svg> <object data="javascript:{PWN}"></object>

<a href="javascript:{PWN}">raw link</a> <form action="javascript:{PWN}"><button formaction="javascript:{PWN}">b</button></form>

<meta http-equiv="refresh" content="0;url=javascript:{PWN}"> <base href="javascript:{PWN}//"> <style>body{{background:url(javascript:{PWN})}}</style>

[js](javascript:{PWN}) [JS](JaVaScRiPt:{PWN}) [tab](java\tscript:{PWN}) [data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)
[ref][r] <javascript:{PWN}> ![img](javascript:{PWN})

[r]: javascript:{PWN}

[attr](https://example.com){{: onclick="{PWN}" }}

## Heading {IMG}

```html
</code></pre>{SCRIPT}
```
"""


@dataclass(frozen=True)
class Case:
    path: str  # as the user sees it in the report
    message: str  # a regular expression the report line must match


# Every hostile input and the line `sitegen build` prints for it.
CASES = [
    Case("attack/fields.md", r"fields\.md:\d+: info: .*`"),  # reported as unknown values; the page is built
    Case("attack/links-and-html.md", r"links-and-html\.md:\d+: warning: link `javascript:.*` uses the unsafe scheme `javascript:`; removed"),
    Case("attack/links-and-html.md", r"links-and-html\.md:\d+: warning: link `data:.*` uses the unsafe scheme `data:`; removed"),
    Case("attack/traversal.md", r"traversal\.md:\d+: warning: link to `\.\./\.\./\.\./\.\./etc/passwd\.md` points to no document"),
    Case("yaml/bomb.md", r"bomb\.md:\d+: error: invalid YAML in front matter: YAML expands to more than 20000 values \(an alias bomb\?\)"),
    Case("yaml/deep-flow.md", r"deep-flow\.md:\d+:\d+: error: invalid YAML in front matter: .*exceeded maximum nesting depth"),
    Case("yaml/deep-block.md", r"deep-block\.md:\d+(:\d+)?: error: invalid YAML in front matter: .*(nesting depth|nests deeper)"),
    Case("yaml/python-tag.md", r"python-tag\.md:3:\d+: error: invalid YAML in front matter: could not determine a constructor"),
    Case("yaml/unclosed.md", r"unclosed\.md:1:1: error: front matter opened with `---` is never closed"),
    Case("size/huge.md", r"huge\.md: error: file is 50,000,000 bytes, over the limit of 5,000,000; skipped"),
    Case("size/binary.md", r"binary\.md: error: file holds NUL bytes: not a text file; skipped"),
    Case("size/empty.md", r"empty\.md: warning: document is empty"),
    Case("size/latin1.md", r"latin1\.md:4:4: warning: file is not valid UTF-8; read as Windows-1252/Latin-1"),
    Case("size/late-nul.md", r"late-nul\.md:3:\d+: warning: file holds 2 NUL byte\(s\); removed"),
    Case("size/utf16.md", r"utf16\.md: warning: file is UTF-16, not UTF-8; read as UTF-16"),
    Case("links/outside.md", r"outside\.md: warning: file link points outside the content folder; skipped"),
    Case("links/outside-folder", r"outside-folder: warning: folder link leaves the content folder; skipped"),
    Case("links/loop", r"links/loop: warning: folder link loops back to `links`, already read; skipped"),
    Case("links/self.md", r"self\.md: warning: file link points to nothing, or to itself through other links; skipped"),
    Case("links/ping.md", r"ping\.md: warning: file link points to nothing, or to itself"),
    Case("links/dangling.md", r"dangling\.md: warning: file link points to nothing"),
    Case("twins/guide.md", r"guide\.md: error: `twins/guide\.md` and `twins/Guide\.md` would both be written to docs/twins/guide\.html"),
    Case("twins/café.md", r"caf.*\.md: error: `twins/caf.*\.md` and `twins/caf.*\.md` would both be written to docs/twins/café\.html"),
]


def write_hostile_content(root: Path) -> Path:
    """The hostile knowledge base, beside a normal document and a folder outside it."""
    kb = root / "kb"
    outside = root / "outside"
    (outside / "folder").mkdir(parents=True)
    (outside / "secret.md").write_text("# Secret\n\nmust never be published\n")
    (outside / "folder" / "also-secret.md").write_text("# Also secret\n")
    (outside / "secret.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    files: dict[str, str | bytes] = {
        "normal.md": NORMAL,
        "attack/fields.md": injected_fields(),
        "attack/links-and-html.md": MARKDOWN_ATTACKS,
        f"attack/{IMG.replace('/', '')}.md": "Body of a file whose name is markup.\n",
        f"attack/{SCRIPT.replace('/', '')}/inside.md": "# In a folder whose name is markup\n",
        "attack/traversal.md": textwrap.dedent("""\
            ---
            title: Traversal
            component: ../../etc
            problem_type: '..\\\\..\\\\windows'
            tags: ['../../../passwd', '..', '/abs', '%2e%2e%2f', 'con', '.htaccess', "nul\\0byte"]
            ---
            [up](../../../../etc/passwd.md) ![img](../../outside/secret.png) [abs](/etc/passwd)
            """),
        "yaml/bomb.md": "---\n" + "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}' if i else 'lol'] * 9)}]\n" for i in range(9)) + "---\n# Bomb\n",
        "yaml/deep-flow.md": "---\nx: " + "[" * 100_000 + "]" * 100_000 + "\n---\n# Deep flow\n",
        "yaml/deep-block.md": "---\n" + "".join("  " * i + f"k{i}:\n" for i in range(500)) + "---\n# Deep block\n",
        "yaml/python-tag.md": "---\ntitle: Tag\nx: !!python/object/apply:os.system ['touch /tmp/sitegen-pwned']\n---\n# Tag\n",
        "yaml/unclosed.md": "---\ntitle: never closed\n\n# Unclosed\n",
        "size/binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        "size/empty.md": b"",
        "size/latin1.md": b"---\ntitle: Latin\n---\nCaf\xe9 cr\xe8me\n",
        "size/late-nul.md": b"# Late NUL\n\n" + b"x" * 9000 + b"\x00\x00 tail\n",
        "size/utf16.md": "# UTF-16 document\n\nRead fine.\n".encode("utf-16"),
        "twins/Guide.md": "# Upper guide\n",
        "twins/guide.md": "# Lower guide\n",
        unicodedata.normalize("NFC", "twins/café.md"): "# Cafe composed\n",
        unicodedata.normalize("NFD", "twins/café.md"): "# Cafe decomposed\n",
    }
    for rel, text in files.items():
        path = kb / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(textwrap.dedent(text) if rel == "normal.md" else text, encoding="utf-8")
    with open(kb / "size/huge.md", "wb") as handle:
        handle.truncate(50_000_000)  # sparse: 50 MB to the reader, no time or disk to make
    links = kb / "links"
    links.mkdir()
    (links / "outside.md").symlink_to(outside / "secret.md")
    (links / "outside-folder").symlink_to(outside / "folder", target_is_directory=True)
    (links / "loop").symlink_to(".", target_is_directory=True)
    (links / "self.md").symlink_to("self.md")
    (links / "ping.md").symlink_to("pong.md")
    (links / "pong.md").symlink_to("ping.md")
    (links / "dangling.md").symlink_to("nowhere.md")
    return kb


def limited_build(content: Path, out: Path, *extra: str, timeout: float = 120) -> tuple[subprocess.CompletedProcess[str], float]:
    """`sitegen build` with its memory capped and its time bounded, as the user would run it."""
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, ({0}, {0})); "
            "from sitegen.cli import main; sys.exit(main(sys.argv[1:]))").format(MEMORY_LIMIT)
    started = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", code, "build", str(content), "-o", str(out), "--show-info", *extra],
                            cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    return result, time.perf_counter() - started


@dataclass(frozen=True)
class HostileSite:
    root: Path
    out: Path
    report: str
    returncode: int


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> HostileSite:
    root = tmp_path_factory.mktemp("hostile")
    kb = write_hostile_content(root)
    result, _ = limited_build(kb, root / "site")
    return HostileSite(root, root / "site", result.stderr, result.returncode)


def test_the_hostile_build_finishes_and_reports(hostile: HostileSite) -> None:
    assert hostile.returncode == 0, hostile.report
    assert "Traceback" not in hostile.report
    assert not Path("/tmp/sitegen-pwned").exists()


@pytest.mark.parametrize("case", CASES, ids=[f"{c.path}:{i}" for i, c in enumerate(CASES)])
def test_each_hostile_file_is_reported_with_its_path(hostile: HostileSite, case: Case) -> None:
    lines = [line for line in hostile.report.splitlines() if unicodedata.normalize("NFC", case.path.rsplit("/", 1)[-1]) in unicodedata.normalize("NFC", line)]
    assert any(re.search(case.message, unicodedata.normalize("NFC", line)) for line in lines), "\n".join(lines) or hostile.report[-3000:]


def test_the_normal_document_beside_them_is_built_and_listed(hostile: HostileSite) -> None:
    out = hostile.out
    assert page(out, "docs/normal.html").h1 == ["Normal pool timeout"]
    assert "Normal pool timeout" in page(out, "component/database.html").link_texts()
    assert "Normal pool timeout" in page(out, "tags/postgres.html").link_texts()
    assert "QueuePool limit reached" in page(out, "errors.html").text
    assert "docs/normal.html" in [href for href, _ in page(out, "index.html").links] or "Normal pool timeout" in page(out, "index.html").text


def test_twins_get_a_page_each(hostile: HostileSite) -> None:
    twins = sorted(p.name for p in (hostile.out / "docs/twins").iterdir())
    assert len(twins) == 4, twins
    assert len({unicodedata.normalize("NFC", name).casefold() for name in twins}) == 4  # distinct on any disk
    titles = {page(hostile.out, f"docs/twins/{name}").h1[0] for name in twins}
    assert titles == {"Upper guide", "Lower guide", "Cafe composed", "Cafe decomposed"}


def test_nothing_lands_outside_the_output_and_nothing_secret_is_published(hostile: HostileSite) -> None:
    out = hostile.out.resolve()
    for path in hostile.root.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.relative_to(hostile.root).parts[0] not in ("kb", "outside"):
            assert out in path.resolve().parents, path
    published = b"".join(p.read_bytes() for p in out.rglob("*") if p.is_file())
    assert b"must never be published" not in published and b"Also secret" not in published
    assert not list(out.rglob("secret*"))
    assert not any(part in ("..", "") for p in out.rglob("*") for part in p.relative_to(out).parts)
    assert (out / "component/etc.html").is_file()


def test_bombs_and_huge_files_stay_within_time_and_memory(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "bomb.md").write_text("---\n" + "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}' if i else 'lol'] * 9)}]\n" for i in range(12)) + "---\n# B\n")
    (kb / "deep.md").write_text("---\nx: " + "{a: " * 20_000 + "1" + "}" * 20_000 + "\n---\n# D\n")
    (kb / "nested.md").write_text("# Nested\n\n" + "> " * 5_000 + "quote\n\n" + "".join("  " * i + "- item\n" for i in range(300)))
    (kb / "long-line.md").write_text("# Long\n\n" + ("word " * 200_000) + "\n")  # 1 MB, under the 5 MB limit
    (kb / "normal.md").write_text(textwrap.dedent(NORMAL))
    result, seconds = limited_build(kb, tmp_path / "site", timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "site/docs/normal.html").is_file() and (tmp_path / "site/docs/long-line.html").is_file()
    assert "bomb.md:" in result.stderr and "deep.md:" in result.stderr


def test_thousands_of_tags_and_one_tag_on_thousands_of_documents(tmp_path: Path) -> None:
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "many-tags.md").write_text("---\ntitle: Many tags\ntags: [" + ", ".join(f"tag{i}" for i in range(3000)) + "]\n---\nBody.\n")
    (kb / "normal.md").write_text(textwrap.dedent(NORMAL))
    for i in range(1000):
        (kb / f"d{i:04d}.md").write_text(f"---\ntitle: Doc {i}\ncomponent: database\nproblem_type: runtime_error\ntags: [shared]\n---\nBody {i}.\n")
    result, seconds = limited_build(kb, tmp_path / "site", timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    out = tmp_path / "site"
    assert len(list((out / "tags").glob("tag*.html"))) == 3000
    assert page(out, "tags/shared.html").link_texts().count("Doc 999") == 1
    print(f"\n3000 tags on one document and one tag on 1000 documents: built in {seconds:.1f}s")


# ----------------------------------------------------------------------- raw HTML policies

RAW = '<b>bold</b> <span class="note">kept</span> <script>window.__pwned=1</script> <img src="x.png" onerror="window.__pwned=1">\n'


def doc_body(out: Path) -> str:
    html = (out / "docs/raw.html").read_text(encoding="utf-8")
    return html[html.index('<div class="doc-body">'):html.index("</article>")]


def test_raw_html_sanitize_keeps_safe_markup_and_drops_scripts(tmp_path: Path) -> None:
    body = doc_body(build_docs(tmp_path, {"raw.md": RAW, "normal.md": NORMAL}).output_dir)
    assert "<b>bold</b>" in body and "kept" in body
    assert "<script" not in body and "onerror" not in body and "__pwned" not in body


def test_raw_html_escape_shows_markup_as_text(tmp_path: Path) -> None:
    body = doc_body(build_docs(tmp_path, {"raw.md": RAW, "normal.md": NORMAL}, raw_html="escape").output_dir)
    assert "&lt;b&gt;bold&lt;/b&gt;" in body and "&lt;script&gt;" in body
    assert "<b>" not in body and "<script" not in body and "<img" not in body


def test_raw_html_escape_also_refuses_event_attributes(tmp_path: Path) -> None:
    body = doc_body(build_docs(tmp_path, {"raw.md": '[a](https://example.com){: onclick="window.__pwned=1" }\n', "normal.md": NORMAL}, raw_html="escape").output_dir)
    assert not re.search(r"<[^>]*\sonclick=", body)  # shown as the text it is (GitHub has no `{: attr}` syntax)
    assert "{: onclick=" in body


def test_raw_html_keep_passes_markup_through_as_documented(tmp_path: Path) -> None:
    result = build_docs(tmp_path, {"raw.md": RAW + "\n[js](javascript:alert(1))\n", "normal.md": NORMAL}, raw_html="keep")
    body = doc_body(result.output_dir)
    assert '<span class="note">kept</span>' in body and "<script>window.__pwned=1</script>" in body  # trusted authors only
    assert "javascript:" not in body  # Markdown links are still checked
    assert [p.kind for p in result.site.problems if p.kind == "link"] == ["link"]


# ------------------------------------------------------------------------ in a real browser

AUDIT = r"""() => {
  const bad = [];
  const ours = new Set(["lunr.min.js", "tokenizer.js", "index-match.js", "index-loader.js", "signatures.js", "search.js", "search-page.js", "site.js", "search-index.js"]);
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) bad.push(el.tagName + " " + a.name);
      if (/^\\s*(javascript|vbscript|data):/i.test(a.value) && /^(href|src|action|formaction|data|xlink:href)$/i.test(a.name))
        bad.push(el.tagName + " " + a.name + "=" + a.value.slice(0, 40));
    }
    const tag = el.tagName.toLowerCase();
    if (["iframe", "object", "embed", "frame"].includes(tag)) bad.push(tag);
    if (tag === "meta" && el.getAttribute("http-equiv")) bad.push("meta refresh");
    if (tag === "script") {
      const src = el.getAttribute("src");
      const shard = src && /(^|\/)search\/[td]-x?[a-z0-9]*\.js$/.test(src);  // the search index's shards and store chunks
      if (src ? !ours.has(src.split("/").pop()) && !shard : /pwned|alert/.test(el.textContent)) bad.push("script " + (src || el.textContent.slice(0, 40)));
    }
  }
  return bad;
}"""



def watched_page(browser: Any) -> tuple[Any, list[str]]:
    page_ = browser.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page_.on("dialog", on_dialog)
    page_.on("pageerror", lambda error: None)
    return page_, dialogs


def test_no_injected_script_runs_on_any_page(hostile: HostileSite, browser: Any) -> None:
    tab, dialogs = watched_page(browser)
    pages = sorted(hostile.out.rglob("*.html"))
    assert len(pages) > 20
    findings: dict[str, list[str]] = {}
    for path in pages:
        tab.goto(path.as_uri())
        tab.wait_for_load_state("load")
        tab.hover("body", timeout=15_000)  # onmouseover payloads; a loaded machine can take seconds to lay out a page
        bad = tab.evaluate(AUDIT)
        if tab.evaluate("() => window.__pwned === 1"):
            bad.append("window.__pwned was set")
        if bad:
            findings[path.relative_to(hostile.out).as_posix()] = bad
    tab.close()
    assert findings == {} and dialogs == []


def test_search_shows_injected_text_as_text(hostile: HostileSite, browser: Any) -> None:
    tab, dialogs = watched_page(browser)
    tab.goto((hostile.out / "index.html").as_uri())
    tab.fill("#search-input", WORD)
    tab.wait_for_selector("#search-dropdown:not([hidden]) .search-result", timeout=10_000)
    dropdown = tab.inner_text("#search-dropdown")
    # The title, literally (its `__` is Markdown emphasis, as in any title, so it is left out here).
    assert f"{WORD} <script>window" in dropdown and "<img src=x onerror=" in dropdown
    assert tab.evaluate("() => document.querySelectorAll('#search-dropdown img, #search-dropdown script, #search-dropdown svg').length") == 0
    tab.goto((hostile.out / "search.html").as_uri() + "?q=" + quote(WORD))
    tab.wait_for_selector("#search-results li", timeout=10_000)
    results = tab.inner_text("#search-results")
    assert f"{WORD} <script>window" in results and "<img src=x onerror=" in results
    assert tab.evaluate("() => document.querySelectorAll('#search-results img, #search-results script, #search-results svg').length") == 0
    assert tab.evaluate(AUDIT) == [] and not tab.evaluate("() => window.__pwned === 1") and dialogs == []
    tab.close()


def test_escaped_raw_html_is_text_in_the_page_and_in_search(tmp_path: Path, browser: Any) -> None:
    out = build_docs(tmp_path, {"raw.md": f"# Escaped {WORD}\n\n{WORD} {SCRIPT} {IMG}\n", "normal.md": NORMAL}, raw_html="escape").output_dir
    tab, dialogs = watched_page(browser)
    tab.goto((out / "docs/raw.html").as_uri())
    assert f"{WORD} {SCRIPT} {IMG}" in tab.inner_text(".doc-body")
    tab.goto((out / "search.html").as_uri() + "?q=" + quote(WORD))
    tab.wait_for_selector("#search-results li", timeout=10_000)
    assert SCRIPT in tab.inner_text("#search-results")
    assert tab.evaluate(AUDIT) == [] and not tab.evaluate("() => window.__pwned === 1") and dialogs == []
    tab.close()
