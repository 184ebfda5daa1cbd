"""Split text into search terms; themes/default/assets/tokenizer.js implements the same rules.

The index is built here and queried in the browser, so both sides must cut text identically:
any rule changed here must change in tokenizer.js too (tests/test_tokenizer.py runs both).

Rules, applied to the NFKC-normalised text:

1. Runs of CJK ideographs and kana (no spaces between words) become overlapping bigrams,
   or the single character when the run is one character long.
2. Everything else is cut into *compounds*: runs of letters, digits and marks (Unicode general
   categories L, N, M) joined by the connectors ``.``, ``_`` and ``-``. Every other character
   separates (spaces, quotes, colons, slashes, brackets, other punctuation and symbols).
3. A compound yields, lowercased: itself; then for each connector-separated segment, the
   segment (when there is more than one) followed by its camelCase parts (when more than one).

So ``sqlalchemy.exc.InvalidRequestError`` yields the dotted name, ``sqlalchemy``, ``exc``,
``invalidrequesterror``, ``invalid``, ``request``, ``error``: pasting either the full name or any
piece of it finds the same documents.
"""

from __future__ import annotations

import functools
import itertools
import re
import sys
import unicodedata

# Kept identical to CJK_RANGES in tokenizer.js. Explicit code-point ranges (not a Unicode
# script property) because Python's `re` has none and both sides must agree exactly.
CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x3041, 0x3096),  # hiragana
    (0x3099, 0x309F),  # kana voicing marks, hiragana iteration marks
    (0x30A1, 0x30FA),  # katakana (U+30FB, the katakana middle dot, is punctuation)
    (0x30FC, 0x30FF),  # prolonged sound mark, katakana iteration marks
    (0x31F0, 0x31FF),  # katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x323AF),  # CJK extensions B to H
)
CONNECTORS = "._-"


def _char_class(ranges: list[tuple[int, int]] | tuple[tuple[int, int], ...]) -> str:
    parts = []
    for lo, hi in ranges:
        parts.append(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}")
    return "[" + "".join(parts) + "]"


def _ranges(flags: list[bool]) -> list[tuple[int, int]]:
    """Turn a per-code-point membership list into (first, last) ranges."""
    ranges: list[tuple[int, int]] = []
    cp = 0
    for inside, group in itertools.groupby(flags):
        size = sum(1 for _ in group)
        if inside:
            ranges.append((cp, cp + size - 1))
        cp += size
    return ranges


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Compile the patterns once, on first use: scanning the Unicode tables takes ~0.2 s.

    JavaScript writes these as \\p{L}\\p{N}\\p{M}, \\p{Lu} and \\p{Ll}; Python's `re` has no
    property classes, so the same classes are built from `unicodedata`.
    """
    categories = [unicodedata.category(chr(cp)) for cp in range(sys.maxunicode + 1)]
    word = _char_class(_ranges([c[0] in "LNM" for c in categories]))
    upper = _char_class(_ranges([c == "Lu" for c in categories]))
    lower = _char_class(_ranges([c == "Ll" for c in categories]))
    cjk_run = re.compile(_char_class(CJK_RANGES) + "+")
    compound = re.compile(f"{word}+(?:[._\\-]+{word}+)*")
    not_upper = upper.replace("[", "[^", 1)
    camel = re.compile(f"{upper}+(?={upper}{lower})|{upper}*{not_upper}+|{upper}+")
    connector = re.compile("[._\\-]+")
    return cjk_run, compound, camel, connector


def _cjk_grams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def tokenize(text: str) -> list[str]:
    """The search terms of `text`, lowercased, in order, before stop words and stemming."""
    cjk_run, compound, camel, connector = _patterns()
    # Spaces around CJK runs make them compounds of their own, never joined to Latin text.
    spaced = cjk_run.sub(lambda m: f" {m.group(0)} ", unicodedata.normalize("NFKC", text))
    tokens: list[str] = []
    for match in compound.finditer(spaced):
        whole = match.group(0)
        if cjk_run.fullmatch(whole):
            tokens.extend(_cjk_grams(whole))
            continue
        tokens.append(whole.lower())
        segments = connector.split(whole)
        for segment in segments:
            if len(segments) > 1:
                tokens.append(segment.lower())
            parts = camel.findall(segment)
            if len(parts) > 1:
                tokens.extend(part.lower() for part in parts)
    return tokens
