"""The query terms of pasted text: search.js's `queryTerms`, in Python, for `sitegen lookup`.

The weighed lines of a paste (the last exception line counts most), paths and addresses weighed
down, numbers too, stop words out, the strongest 48 terms kept; each term knows which word of the
input it was cut from and whether that word is a quoted name. Only the pasted form is ported:
`sitegen lookup` never types, so the search box's trailing-prefix expansion is left out.
JavaScript's regular expressions differ from Python's in `\\s`, `\\w`, `\\d` and `\\b`; the
patterns below spell out JavaScript's classes. sitegen.ranking ranks these terms;
tests/test_lookup_parity.py holds both to search.js. Change search.js's queryTerms, change this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from lunr.stop_word_filter import WORDS as STOP_WORDS

from sitegen.tokenize import tokenize


HEAD_CHARS = 2000  # a long paste keeps its start (the message) ...
TAIL_CHARS = 8000  # ... and its end (the final exception line)
MAX_TERMS = 48

WEIGHT: Mapping[str, float] = {"last": 4, "exception": 2, "text": 1, "code": 0.3, "frame": 0.1, "number": 0.4}

# JavaScript's \s (without the u flag it is still Unicode-aware), spelled out for Python.
JS_SPACE = "\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"
_S = f"[{JS_SPACE}]"
_NS = f"[^{JS_SPACE}]"
_W = "[A-Za-z0-9_]"  # JavaScript's \w
_D = "[0-9]"  # JavaScript's \d

SKIP_LINE = re.compile(
    f"^{_S}*(Traceback \\(most recent call last\\):?|During handling of the above exception, another exception occurred:"
    f"|The above exception was the direct cause of the following exception:|\\^+|~+){_S}*$"
)
FRAME_LINE = re.compile(
    f'^{_S}*(File ".*", line {_D}+|at [A-Za-z0-9_$.<>\\[\\]/]+ ?\\(.*\\){_S}*$|at {_NS}+:{_D}+(:{_D}+)?\\)?{_S}*$'
    f"|#{_D}+ |\\.\\.\\. {_D}+ more)"
)
EXCEPTION_LINE = re.compile(
    f"^(?:E{_S}+)?(?:[A-Za-z_]{_W}*\\.)*[A-Z]{_W}*(?:Error|Exception|Warning|Exit|Interrupt|Fault|Failure)(?!{_W})"
)
ADDRESS = re.compile(
    r"\b0x[0-9a-fA-F]+\b|\b[0-9a-fA-F]{16,}\b|\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b",
    re.ASCII,
)
PATH = re.compile(f"(?:[A-Za-z]:)?(?:[\\\\/][^{JS_SPACE}\\\\/\"'<>|:]+){{2,}}[\\\\/]?")
NUMBER = re.compile(r"^[0-9][0-9._-]*\Z")
NEWLINE = re.compile("\r\n|\r|\n")
# A name in single or double quotes, as error messages quote the user's own names (`KeyError:
# 'user_id'`). Not backticks: those are Markdown's, and a line copied from a document keeps its names.
QUOTED_NAME = re.compile(f"(['\"])([^'\"`{JS_SPACE}]+)\\1")
STARTS_WITH_SPACE = re.compile(f"^{_S}")
BLANK = re.compile(f"{_S}*")
LINE_START = re.compile(
    f"(?:{_S}+|(?<=[)\\]}}'\">]))(?=Traceback \\(most recent call last\\)|File \"|During handling of|The above exception"
    f"|at [A-Za-z0-9_$.<>]+ ?\\(|(?:[A-Za-z_]{_W}*\\.)*[A-Z]{_W}*(?:Error|Exception|Warning|Exit|Interrupt|Fault|Failure)(?!{_W}):)"
)


@dataclass(frozen=True)
class QueryTerm:
    term: str  # as the tokenizer gave it, before stemming
    boost: float
    stem: str = ""  # a typo's correction: already an index term, searched as it is (search.js `raw`)
    word: int = 0  # which space-separated word of the input the term was cut from (its first)
    quoted: bool = False  # that word is a name in quotes: the user's own name, likely not the document's


def utf16_units(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-16-le", "surrogatepass")) // 2


def _utf16_slice(text: str, start: int, end: int | None = None) -> str:
    if text.isascii():
        return text[start:end]
    units = text.encode("utf-16-le", "surrogatepass")
    return units[start * 2 : None if end is None else end * 2].decode("utf-16-le", "surrogatepass")


def cap_input(text: str) -> str:
    """search.js's capInput: a long paste keeps its first 2,000 and last 8,000 UTF-16 units."""
    if utf16_units(text) <= HEAD_CHARS + TAIL_CHARS:
        return text
    return _utf16_slice(text, 0, HEAD_CHARS) + "\n" + _utf16_slice(text, utf16_units(text) - TAIL_CHARS)


def weigh_lines(text: str) -> list[tuple[str, float]]:
    """Each line of the input with the weight of its words."""
    if "\r" not in text and "\n" not in text:
        text = LINE_START.sub("\n", text)
    weighed: list[tuple[str, float]] = []
    last_exception = -1
    after_frame = False
    for line in NEWLINE.split(text):
        if BLANK.fullmatch(line) or SKIP_LINE.search(line):
            continue
        weight = WEIGHT["text"]
        if FRAME_LINE.search(line):
            weight = WEIGHT["frame"]
            after_frame = True
        elif EXCEPTION_LINE.search(line):
            weight = WEIGHT["exception"]
            last_exception = len(weighed)
            after_frame = False
        elif after_frame and STARTS_WITH_SPACE.search(line):
            weight = WEIGHT["code"]  # the source line a traceback quotes under its frame
        else:
            after_frame = False
        weighed.append((line, weight))
    if last_exception >= 0:
        weighed[last_exception] = (weighed[last_exception][0], WEIGHT["last"])
    return weighed


def query_terms(text: str) -> list[QueryTerm]:
    """search.js's queryTerms(text) for pasted text: the query terms, strongest first."""
    boosts: dict[str, float] = {}  # in order of first occurrence
    words: dict[str, int] = {}
    quoted: set[int] = set()
    count = 0

    def add(term: str, weight: float, word: int) -> None:
        if not term or term in STOP_WORDS:
            return
        if NUMBER.match(term):
            weight = min(weight, WEIGHT["number"])
        boosts[term] = max(boosts.get(term, weight), weight)
        words.setdefault(term, word)

    for line, weight in weigh_lines(cap_input(text)):
        def path_terms(match: re.Match[str], weight: float = weight) -> str:
            nonlocal count
            count += 1
            for term in tokenize(match.group(0)):
                add(term, min(weight, WEIGHT["frame"]), count)
            return " "

        rest = PATH.sub(path_terms, ADDRESS.sub(" ", line))
        names = {found[0] for match in QUOTED_NAME.finditer(rest) if (found := tokenize(match.group(2)))}
        head = None
        for term in tokenize(rest):
            # A compound (`invoice_total`, `app.models`) comes first, then its parts: one word.
            if head is None or term not in head:
                head = term
                count += 1
                if term in names:
                    quoted.add(count)
            add(term, weight, count)
    ordered = sorted(enumerate(boosts.items()), key=lambda item: (-item[1][1], item[0]))
    return [QueryTerm(term, boost, word=words[term], quoted=words[term] in quoted) for _, (term, boost) in ordered[:MAX_TERMS]]
