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


# Code points scanned for the L, N, M, Lu and Ll classes. Planes 4 to 13 are unassigned and
# planes 15 and 16 are private use (category Co) in every Unicode version so far, so they hold no
# letters, digits or marks; skipping them makes the scan four times faster.
# tests/test_tokenizer.py checks this against the running Python's Unicode tables.
SCANNED = ((0, 0x40000), (0xE0000, 0xF0000))


def _category_runs() -> list[tuple[str, int, int]]:
    """(category, first, last) for each run of code points that share a general category."""
    runs = []
    for lo, hi in SCANNED:
        cp = lo
        for category, group in itertools.groupby(map(unicodedata.category, map(chr, range(lo, hi)))):
            size = len(list(group))
            runs.append((category, cp, cp + size - 1))
            cp += size
    return runs


def _ranges(runs: list[tuple[str, int, int]], categories: tuple[str, ...]) -> list[tuple[int, int]]:
    """Merged (first, last) ranges of the runs whose category (or its first letter) is listed."""
    ranges: list[tuple[int, int]] = []
    for category, lo, hi in runs:
        if category in categories or category[0] in categories:
            if ranges and ranges[-1][1] == lo - 1:
                ranges[-1] = (ranges[-1][0], hi)
            else:
                ranges.append((lo, hi))
    return ranges


@functools.cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Compile the patterns once, on first use: scanning the Unicode tables takes ~0.1 s.

    JavaScript writes these as \\p{L}\\p{N}\\p{M}, \\p{Lu} and \\p{Ll}; Python's `re` has no
    property classes, so the same classes are built from `unicodedata`.
    """
    runs = _category_runs()
    word = _char_class(_ranges(runs, ("L", "N", "M")))
    upper = _char_class(_ranges(runs, ("Lu",)))
    lower = _char_class(_ranges(runs, ("Ll",)))
    cjk_run = re.compile(_char_class(CJK_RANGES) + "+")
    compound = re.compile(f"{word}+(?:[._\\-]+{word}+)*")
    not_upper = upper.replace("[", "[^", 1)
    camel = re.compile(f"{upper}+(?={upper}{lower})|{upper}*{not_upper}+|{upper}+")
    return cjk_run, compound, camel


def _cjk_grams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


# Plain ASCII is most of what is indexed, and for it the rules reduce to ASCII classes: its
# letters, digits and marks are [A-Za-z0-9], its Lu and Ll are [A-Z] and [a-z], NFKC leaves it
# unchanged and it holds no CJK. These patterns give the same tokens, faster.
_CONNECTOR = re.compile("[._\\-]+")
_ASCII_COMPOUND = re.compile("[A-Za-z0-9]+(?:[._\\-]+[A-Za-z0-9]+)*")
ASCII_COMPOUND = _ASCII_COMPOUND  # ASCII text tokenizes one match of this at a time (sitegen.search memoises them)
_ASCII_CAMEL = re.compile("[A-Z]+(?=[A-Z][a-z])|[A-Z]*[^A-Z]+|[A-Z]+")


def _split(whole: str, tokens: list[str], camel: re.Pattern[str]) -> None:
    """Append the connector-separated segments of a compound and their camelCase parts."""
    segments = _CONNECTOR.split(whole)
    many = len(segments) > 1
    for segment in segments:
        if many:
            tokens.append(segment.lower())
        parts = camel.findall(segment)
        if len(parts) > 1:
            tokens.extend(part.lower() for part in parts)


def _ascii_tokens(text: str, tokens: list[str]) -> None:
    append = tokens.append
    for whole in _ASCII_COMPOUND.findall(text):
        low = whole.lower()
        append(low)
        # One segment with no capital after its first letter has one camelCase part: nothing
        # more to add. That is almost every word of prose.
        if whole.isalnum() and (whole == low or whole[1:] == low[1:]):
            continue
        _split(whole, tokens, _ASCII_CAMEL)


def tokenize(text: str) -> list[str]:
    """The search terms of `text`, lowercased, in order, before stop words and stemming."""
    tokens: list[str] = []
    if text.isascii():
        _ascii_tokens(text, tokens)
        return tokens
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():  # e.g. full-width letters or ligatures only
        _ascii_tokens(text, tokens)
        return tokens
    cjk_run, compound, camel = _patterns()
    # Spaces around CJK runs make them compounds of their own, never joined to Latin text.
    spaced = cjk_run.sub(lambda m: f" {m.group(0)} ", text)
    for whole in compound.findall(spaced):
        if whole.isascii():
            _ascii_tokens(whole, tokens)
        elif cjk_run.fullmatch(whole):
            tokens.extend(_cjk_grams(whole))
        else:
            tokens.append(whole.lower())
            _split(whole, tokens, camel)
    return tokens
