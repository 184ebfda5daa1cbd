"""markdown-it's tokenizer loops, trying at each position only the rules that can match there.

markdown-it-py tries every inline rule, in order, at every character that stops plain text (a
`:`, a `-`, each `w` for GFM's `www.` autolinks...) until one matches: fifteen Python calls that
nearly all fail. Likewise every block rule at the start of every block. Most rules fail at once
unless the position holds their own character (`&` for an entity, `[` for a link, `#` for a
heading, `>` for a quote), so trying only the rules that can match there, in the same order,
makes the same tokens with about a third fewer instructions per parse.

A rule these tables do not know (another plugin's) is tried everywhere the stock loop would try
it. The loops are markdown-it-py's own (4.x), with the rule lists looked up by character.
`tests/test_clean_shortcuts.py` compares tokens, environment and HTML with the stock loops.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping, Sequence

import markdown_it
from markdown_it.parser_block import ParserBlock
from markdown_it.parser_inline import ParserInline
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline


def _chars(table: Mapping[str, str]) -> dict[str, frozenset[str]]:
    return {name: frozenset(chars) for name, chars in table.items()}


# The characters at which each known inline rule can match (its first check is on `state.src[pos]`):
# markdown-it's own rules and those of mdit-py-plugins' gfm and footnote plugins. This loop never
# runs silent (markdown-it's skipToken keeps the stock loop), so silent-only matches do not matter.
INLINE_TRIGGERS = _chars({
    "newline": "\n", "escape": "\\", "backticks": "`", "strikethrough": "~", "emphasis": "_*",
    "link": "[", "image": "!", "footnote_ref": "[", "footnote_inline": "^", "autolink": "<", "html_inline": "<",
    "entity": "&", "linkify": ":", "gfm_autolink_www": "w", "gfm_autolink_protocol": ":", "gfm_autolink_email": "@",
})
# The same for block rules, by the first character of the block's first line after its indent.
# Rules not named (table, code, lheading, paragraph) look further than that and are always tried.
BLOCK_TRIGGERS = _chars({
    "admonition": "!?", "fence": "`~", "blockquote": ">", "hr": "*-_", "list": "*-+0123456789",
    "footnote_def": "[", "reference": "[", "html_block": "<", "heading": "#",
})


class _Table:
    """Rules by character for one ruler, made again whenever the ruler's rules change."""

    def __init__(self, ruler: Any, triggers: Mapping[str, frozenset[str]], always: Callable[[str, str], bool]) -> None:
        self._ruler = ruler
        self._triggers = triggers
        self._always = always  # (rule name, char) -> the rule takes this character whatever follows
        self._made_for: tuple[Sequence[Any], Any] | None = None
        self.by_char: dict[str, tuple[Any, ...]] = {}

    def current(self, also: Any = None) -> dict[str, tuple[Any, ...]]:
        """The table for the ruler's rules as they are now; `also`: anything else it was made from."""
        rules = self._ruler.getRules("")
        if self._made_for is None or rules is not self._made_for[0] or also is not self._made_for[1]:
            self._made_for, self.by_char = (rules, also), {}  # a rule enabled or added since, say
        return self.by_char

    def rules_for(self, char: str) -> tuple[Any, ...]:
        """The rules that can match at `char`, in the ruler's order, up to the first that always does."""
        out = []
        for rule in self._ruler.__rules__:
            if not rule.enabled:
                continue
            if self._always(rule.name, char):
                out.append(rule.fn)
                break
            if rule.name not in self._triggers or not char or char in self._triggers[rule.name]:
                out.append(rule.fn)
        found = self.by_char[char] = tuple(out)
        return found


class DispatchingInline:
    """Stands in for `ParserInline.tokenize` on one parser."""

    def __init__(self, inline: ParserInline) -> None:
        # Plain text takes every character that is no terminator; at a terminator it takes nothing.
        self._table = _Table(inline.ruler, {**INLINE_TRIGGERS, "text": frozenset()},
                             lambda name, char: name == "text" and inline.terminator_re.match(char) is None)
        self._inline = inline

    def __call__(self, state: StateInline) -> None:
        table = self._table.current(self._inline.terminator_re)
        rules_for = self._table.rules_for
        src = state.src
        end = state.posMax
        max_nesting = state.md.options["maxNesting"]
        while state.pos < end:
            pos = state.pos
            ok = False
            if state.level < max_nesting:
                char = src[pos]
                found = table.get(char)
                for rule in rules_for(char) if found is None else found:
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


class DispatchingBlock:
    """Stands in for `ParserBlock.tokenize` on one parser (it is also called for nested blocks)."""

    def __init__(self, block: ParserBlock) -> None:
        self._table = _Table(block.ruler, BLOCK_TRIGGERS, lambda name, char: False)

    def __call__(self, state: StateBlock, start_line: int, end_line: int) -> None:
        table = self._table.current()
        rules_for = self._table.rules_for
        src = state.src
        line = start_line
        max_nesting = state.md.options.maxNesting
        has_empty_lines = False
        while line < end_line:
            state.line = line = state.skipEmptyLines(line)
            if line >= end_line:
                break
            if state.sCount[line] < state.blkIndent:
                break  # the end of a nested block (a list item's, a quote's)
            if state.level >= max_nesting:
                state.line = end_line
                break
            ok = False
            pos = state.bMarks[line] + state.tShift[line]
            char = src[pos] if pos < len(src) else ""
            found = table.get(char)
            for rule in rules_for(char) if found is None else found:
                ok = rule(state, line, end_line, False)
                if ok:
                    if state.line <= line:
                        raise RuntimeError("block rule didn't increment state.line")
                    break
            if not ok:
                raise RuntimeError("none of the block rules matched")
            state.tight = not has_empty_lines
            line = state.line
            # paragraph might "eat" one newline after it in nested lists
            if (line - 1) < end_line and state.isEmpty(line - 1):
                has_empty_lines = True
            if line < end_line and state.isEmpty(line):
                has_empty_lines = True
                line += 1
                state.line = line


def install(md: Any) -> None:
    """Give `md` (a MarkdownIt) the dispatching loops, where they are copies of its own."""
    if not markdown_it.__version__.startswith("4."):
        return  # another major version may loop differently: keep its own loops, slower but right
    md.inline.tokenize = DispatchingInline(md.inline)
    md.block.tokenize = DispatchingBlock(md.block)
