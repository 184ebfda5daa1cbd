"""markdown-it's inline tokenizer, trying at each character only the rules that can match there.

markdown-it-py tries every inline rule, in order, at every character that stops plain text (a
`:`, a `-`, each `w` for GFM's `www.` autolinks...) until one matches: fifteen Python calls that
all fail at most of those positions. Every rule here fails at once unless the text at the position
starts with its own character (`&` for an entity, `[` for a link, `\\` for an escape), so trying
only those rules, in the same order, makes the same tokens: a fifth fewer instructions per parse.

A rule this table does not know (another plugin) is tried everywhere the stock loop would try it.
`tests/test_clean_build.py` compares the tokens with markdown-it's own loop.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from markdown_it.parser_inline import ParserInline
from markdown_it.rules_inline import StateInline

InlineRule = Callable[[StateInline, bool], bool]

# The characters at which each known rule can match (its first check is `state.src[pos] != ...`):
# markdown-it's own rules and those of mdit-py-plugins' gfm and footnote plugins. A rule that fires
# only in silent mode would not matter: this loop is never silent (skipToken keeps the stock loop).
TRIGGERS: dict[str, frozenset[str]] = {name: frozenset(chars) for name, chars in {
    "newline": "\n", "escape": "\\", "backticks": "`", "strikethrough": "~", "emphasis": "_*",
    "link": "[", "image": "!", "footnote_ref": "[", "footnote_inline": "^", "autolink": "<", "html_inline": "<",
    "entity": "&", "linkify": ":", "gfm_autolink_www": "w", "gfm_autolink_protocol": ":", "gfm_autolink_email": "@",
}.items()}


class DispatchingTokenizer:
    """Stands in for `ParserInline.tokenize` on one parser (`install`)."""

    def __init__(self, inline: ParserInline) -> None:
        self._inline = inline
        self._rules: Sequence[InlineRule] | None = None  # the rule list the table was made for
        self._table: dict[str, tuple[InlineRule, ...]] = {}

    def _candidates(self, char: str) -> tuple[InlineRule, ...]:
        """The rules that can match at `char`, in the parser's order, up to the first that always does."""
        out: list[InlineRule] = []
        for rule in self._inline.ruler.__rules__:
            if not rule.enabled:
                continue
            if rule.name == "text":
                if self._inline.terminator_re.match(char) is None:
                    out.append(rule.fn)  # plain text: it takes at least this character, nothing after it runs
                    break
                continue  # text stops at a terminator without taking anything
            if rule.name not in TRIGGERS or char in TRIGGERS[rule.name]:
                out.append(rule.fn)
        return tuple(out)

    def __call__(self, state: StateInline) -> None:
        # The same loop as ParserInline.tokenize, with the rules looked up by character.
        rules = self._inline.ruler.getRules("")
        if rules is not self._rules:  # rules enabled or added since: the table is made again
            self._rules, self._table = rules, {}
        table = self._table
        src = state.src
        end = state.posMax
        max_nesting = state.md.options["maxNesting"]
        while state.pos < end:
            pos = state.pos
            ok = False
            if state.level < max_nesting:
                char = src[pos]
                found = table.get(char)
                if found is None:
                    found = table[char] = self._candidates(char)
                for rule in found:
                    ok = rule(state, False)
                    if ok:
                        if state.pos <= pos:
                            raise RuntimeError("inline rule didn't increment state.pos")
                        break
            if ok:
                if state.pos >= end:
                    break
                continue
            state.append_pending(src[state.pos])
            state.pos += 1
        if state.pending:
            state.pushPending()


def install(md: Any) -> None:
    """Give `md` (a MarkdownIt) the dispatching inline tokenizer."""
    md.inline.tokenize = DispatchingTokenizer(md.inline)
