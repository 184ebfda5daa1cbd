"""Shortcuts on the clean-build path give what the long way gives: each is compared with it."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from bench.generate import generate
from sitegen.build import gather
from sitegen.config import load_config
from sitegen.extract import BODY_PLACEHOLDER, extract
from sitegen.normalise import PLACEHOLDER
from sitegen.pages import make_environment
from sitegen.parse import parser, stock_parser
from sitegen.urls import page_linker
from tests.helpers import ROOT

# /work/shared/corpus, beside the project's checkout (or its worktree's parent), when present.
CORPUS = next((p for p in (ROOT.parent / "shared" / "corpus", ROOT.parent.parent / "shared" / "corpus") if p.is_dir()), None)

# Pieces of Markdown that each inline rule (and the GFM and footnote plugins) reacts to.
_MARKUP = [
    "www.example.com", "Www.x.org", "http://x.org/a_b?c=1", "https://x.y/", "mailto:me@x.org", "xmpp:a@b.c", "me@example.com",
    "a.b+c@d-e.fg", "&amp;", "&#35;", "&#x41;", "&nbsp;", "&bogus;", "&", "<b>", "</b>", "<a href='x'>", "<!-- c -->",
    "<http://x.y>", "<me@x.y>", "<", ">", "`code`", "``a ` b``", "`", "~~del~~", "~x~", "~~~", "**b**", "*i*", "_u_",
    "__x__", "*", "_", "\\*", "\\", "\\\n", "[x](y.md)", "[x](<a b> 't')", "![i](p.png)", "![", "[^1]", "^[inline]",
    "[ref]", "[ref][]", "]", "[", "(", ")", ":", "@", "w", "W", "!", "=", "+", "{", "}", "$", "%", "#", "^", "-", "  \n",
    "\n", " ", "é", "中", "\t",
]
# ... and the block rules: each of these opens a block (or tries to) at the start of a line.
_BLOCKS = ["", "", "# ", "###### ", "#x ", "> ", ">", "- ", "* ", "+ ", "1. ", "2) ", "1234567890. ", "    ", "\t", "- [ ] ",
           "> [!NOTE]\n> ", "!!! note\n    ", "??? tip\n    ", "!!!", "| a | b |\n|---|---|\n| ", "```py\n", "```\n",
           "~~~\n", "***\n", "___\n", "---\n", "- - -\n", "===\n", "<div>\n", "<!-- x -->\n", "<pre>\n", "[r]: /u\n",
           "[^2]: ", "  - ", "   > ", " 1. "]
_LINE = st.lists(st.sampled_from(_MARKUP) | st.text(alphabet="abw :-_*@.", max_size=6), max_size=12).map("".join)
_DOC = st.lists(st.tuples(st.sampled_from(_BLOCKS), _LINE).map("".join), max_size=8).map(
    lambda lines: "\n".join(lines) + "\n\n[ref]: /url\n[^1]: a note\n")


def _without_empty_footnotes(env: dict[str, Any]) -> dict[str, Any]:
    # The footnote rule files an empty footnote table in the environment each time it is tried,
    # matching or not; the stock loop tries it at more places. An empty table changes nothing.
    return {k: v for k, v in env.items() if not (k == "footnotes" and v == {"refs": {}, "list": {}})}


def _same_tokens(text: str, modes: tuple[bool, ...] = (True, False)) -> None:
    for raw_html in modes:
        fast, stock = parser(raw_html), stock_parser(raw_html)
        fast_env: dict[str, Any] = {}
        stock_env: dict[str, Any] = {}
        tokens = fast.parse(text, fast_env)
        assert tokens == stock.parse(text, stock_env), text
        assert _without_empty_footnotes(fast_env) == _without_empty_footnotes(stock_env)
        assert fast.renderer.render(tokens, fast.options, fast_env) == stock.renderer.render(tokens, stock.options, stock_env)


@settings(max_examples=300, deadline=None)
@given(_DOC)
@example("see www.example.com, http://x.org and me@example.com &amp; <b>x</b> [^1]\n\n[^1]: n\n")
@example("a &copy; b\n")
@example("".join(f"text\n\n{d}. item {d}\n\n" for d in "0123456789") + "___\n~~~\ncode\n~~~\n??? note\n    x\n")
@example("~~x~~ `c` **b** _u_ \\* ![i](p) [l](u) <http://a.b>\n")
def test_the_dispatching_inline_tokenizer_makes_markdown_its_tokens(text: str) -> None:
    # Trying at each character only the rules that can match there (rule_dispatch.py) must
    # change nothing: same tokens, children, positions and footnote environment.
    _same_tokens(text)


def test_the_dispatching_inline_tokenizer_on_whole_documents() -> None:
    # Real bodies: the sample content, generated documents and, when present, the shared corpus.
    folders = [ROOT / "content", *([CORPUS] if CORPUS else [])]
    texts = [p.read_text(encoding="utf-8", errors="replace") for f in folders for p in sorted(f.rglob("*.md"))]
    texts += [d.text for d in generate(60)]  # enough without the corpus too (CI has none)
    assert len(texts) > 80
    for text in texts:
        _same_tokens(text, (True,))


_PLACEHOLDER_TEXT = st.lists(st.sampled_from(["[", "]", "{", "}", "YYYY-MM-DD", "YYYY", "-MM-DD", "DATE", "Your name", "title",
                                              "keyword1", "$", "`", "- ", "**Key:** ", "Key: ", " ", "a", "e.g.", "("]),
                             max_size=10).map("".join)


@settings(max_examples=400, deadline=None)
@given(_PLACEHOLDER_TEXT)
@example("{DATE}")
@example("Date: YYYY-MM-DD")
@example("[Describe the problem]")
@example("- [Your name]")
def test_guarded_placeholder_patterns_answer_as_the_bare_expressions(text: str) -> None:
    # Lines holding no bracket, brace or date pattern skip the placeholder expressions.
    for guarded in (BODY_PLACEHOLDER, PLACEHOLDER):
        assert bool(guarded.search(text)) == bool(guarded.regex.search(text)), text
        assert bool(guarded.fullmatch(text)) == bool(guarded.regex.fullmatch(text)), text


def test_a_placeholder_in_a_code_span_is_no_placeholder() -> None:
    # Code spans are taken out of a line before the placeholder check, only where it has a backtick.
    body = "Set `{DATE}` in the job.\n\nDate: {DATE}\n\nFill [Your name] in.\n"
    facts, _ = extract(body, 5, "a.md")
    assert facts.placeholder_lines == (7, 9)


_LOOPED_ENTRY_LIST = """\
{% macro entry_list(entries, show_meta=true) %}
<ul class="entry-list">
  {% for entry in entries %}
  {{ entry_item(entry, show_meta) }}
  {% endfor %}
</ul>
{% endmacro %}
{{ entry_list(entries, show_meta) }}"""


def test_entry_lists_are_what_the_looping_macro_wrote(tmp_path: Path) -> None:
    # `entry_items` writes a whole list in one call; the theme's macro used to loop in Jinja.
    config, _ = load_config(ROOT / "sitegen.yml", {"output_dir": tmp_path / "site"})
    site = gather(config)
    env = make_environment(site)
    looped = env.from_string(_LOOPED_ENTRY_LIST)
    macros = env.get_template("_macros.html")
    lists = [site.entries[:1], site.entries[:7], site.entries[3:40], ()]
    checked = 0
    for page_url in ("index.html", "tags/x.html", "docs/a/b.html"):
        for entries in lists:
            for show_meta in (True, False):
                values = {"page_url": page_url, "link": page_linker(page_url), "entries": entries, "show_meta": show_meta}
                ours = macros.make_module(values).entry_list(entries, show_meta)
                assert str(ours) == looped.render(values), (page_url, len(entries), show_meta)
                checked += 1
    assert checked == 24 and len(site.entries) > 40


def test_the_site_parser_has_the_dispatching_loops_on_markdown_it_4() -> None:
    # The token comparisons above only mean something when the site's parser really dispatches;
    # a version guard that quietly kept the stock loops would leave them comparing stock to stock.
    import markdown_it

    from sitegen.rule_dispatch import DispatchingBlock, DispatchingInline

    assert markdown_it.__version__.startswith("4."), "rule_dispatch copies markdown-it-py 4.x's loops: recheck them"
    for raw_html in (True, False):
        md = parser(raw_html)
        assert isinstance(md.inline.tokenize, DispatchingInline)
        assert isinstance(md.block.tokenize, DispatchingBlock)
